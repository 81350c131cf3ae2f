"""``civitrace demo``: what ``make run`` shows."""


def run() -> None:
    """Run the end-to-end demo."""
    print("civitrace demo: not yet assembled")
