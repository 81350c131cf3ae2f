"""The HMAC that binds uploaded keys to a verification certificate (the ``tekmac`` claim).

The device computes it over a canonical serialization of its keys and sends the HMAC to the
verification server, which signs it into the certificate without seeing the keys; the key
server recomputes it from the uploaded keys and the ``hmacKey``. The serialization must be
byte-for-byte what Google's servers use, or real apps' uploads fail.
"""

import base64
import hmac
from collections.abc import Iterable
from hashlib import sha256

from civitrace.en.keys import TemporaryExposureKey

HMAC_LENGTH = 32  # HMAC-SHA256 output; the certificate's tekmac must decode to this


def _b64(key: TemporaryExposureKey) -> str:
    return base64.b64encode(key.key_data).decode("ascii")


def cleartext(keys: Iterable[TemporaryExposureKey], *, with_risk: bool = True) -> str:
    """Keys sorted by their standard base64 form, ``b64.start.period[.risk]``, comma-joined."""
    parts = []
    for key in sorted(keys, key=_b64):
        fields = [_b64(key), str(key.rolling_start_number), str(key.rolling_period)]
        if with_risk:
            fields.append(str(key.transmission_risk_level))
        parts.append(".".join(fields))
    return ",".join(parts)


def compute(secret: bytes, keys: Iterable[TemporaryExposureKey]) -> bytes:
    """HMAC-SHA256(secret, cleartext(keys)), as a device computes ``ekeyhmac``."""
    return hmac.digest(secret, cleartext(keys).encode("ascii"), sha256)


def matches(secret: bytes, keys: Iterable[TemporaryExposureKey], tekmac: bytes) -> bool:
    """The key server's check: the full form, or the form without risk when all risks are 0."""
    keys = list(keys)
    if hmac.compare_digest(compute(secret, keys), tekmac):
        return True
    if all(k.transmission_risk_level == 0 for k in keys):
        alternate = cleartext(keys, with_risk=False).encode("ascii")
        return hmac.compare_digest(hmac.digest(secret, alternate, sha256), tekmac)
    return False
