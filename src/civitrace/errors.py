"""The root of every civitrace exception, so callers can catch the whole family at one edge."""


class CivitraceError(Exception):
    """Base class of every error civitrace raises on purpose.

    The CLI and the web layer map this family to a one-line message or a 4xx response;
    anything outside it is a bug.
    """
