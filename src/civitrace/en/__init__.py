"""Exposure notification, byte-compatible with Google/Apple GAEN (crypto spec v1.2).

This package knows nothing of servers, storage or the network. Its public surface:

- :mod:`~civitrace.en.keys` and :mod:`~civitrace.en.intervals`: TEKs and ENIntervalNumbers;
- :mod:`~civitrace.en.rpi` and :mod:`~civitrace.en.ble`: what a phone broadcasts;
- :mod:`~civitrace.en.export`: signed key export files;
- :mod:`~civitrace.en.matching` and :mod:`~civitrace.en.risk`: finding and scoring exposures;
- :mod:`~civitrace.en.tekmac` and :mod:`~civitrace.en.publish_json`: the publish API's pieces.

Raw primitives live in :mod:`civitrace.en._primitives`, the only module that imports
``cryptography.hazmat``.
"""
