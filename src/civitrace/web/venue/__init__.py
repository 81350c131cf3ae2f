"""The venue owner's pages: make a check-in code in the browser and print its poster.

No account and no storage: the page builds the QR payload with the browser's random numbers,
and the poster endpoint renders what it is sent and forgets it.
"""
