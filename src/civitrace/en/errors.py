"""Exceptions of the exposure-notification protocol package."""

from civitrace.errors import CivitraceError


class ENError(CivitraceError):
    """Any protocol error: bad input to, or bad data from, the GAEN codecs and crypto."""


class InvalidKeyError(ENError, ValueError):
    """A key, RPI, AEM or metadata value has the wrong length or range."""


class ExportFormatError(ENError):
    """An export zip, export.bin or export.sig is malformed."""


class SignatureError(ENError):
    """An export's signature is missing, malformed or does not verify."""


class SigningKeyError(ENError):
    """A PEM signing or verification key cannot be loaded or has the wrong curve."""


class ConfigError(ENError, ValueError):
    """A matching or risk-scoring configuration value is out of its allowed range."""


class ExposureDataError(ENError, ValueError):
    """Exposure data (a scan instance, a window, a scan log) holds a value out of its range."""
