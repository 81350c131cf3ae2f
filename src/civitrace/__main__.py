"""``python -m civitrace``: the same entry point as the ``civitrace`` script."""

from civitrace.cli import main

if __name__ == "__main__":
    main()
