"""How a verification certificate binds the reports of one submission (its ``tekmac`` claim).

The device picks a random ``hmacKey`` (16..64 bytes), computes

    reportmac = HMAC-SHA256(hmacKey, cleartext(reports))

sends it as ``ekeyhmac`` to ``POST /api/certificate`` (the verification server signs it into the
certificate's ``tekmac`` without seeing the reports), then submits the reports, the certificate
and ``hmacKey``. The server recomputes the HMAC and refuses the submission unless it matches, so
a certificate admits exactly the reports it was issued for, in any order.

``cleartext`` is the ASCII text

    "civitrace-presence-reports-v1\\n" + ",".join(sorted(lines))

where each report's line is ``b64(locationIdHash).b64(iv).b64(encryptedCheckInRecord).b64(mac)``
in standard padded base64. Sorting makes the order of the upload irrelevant (devices shuffle),
as in the key server's ``tekmac``; the first line separates this use of a certificate from the
key server's, so a certificate issued for keys can never admit reports, nor the reverse.
"""

import base64
import hmac
from collections.abc import Iterable
from hashlib import sha256
from typing import Final

from civitrace.presence.report import CheckInProtectedReport

LABEL: Final = b"civitrace-presence-reports-v1"  # domain separation from the key server's tekmac
MAC_LENGTH: Final = 32  # HMAC-SHA256
MIN_KEY_LENGTH: Final = 16  # a shorter hmacKey could be guessed from a certificate
MAX_KEY_LENGTH: Final = 64  # the block size of SHA-256: longer keys gain nothing


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def report_line(report: CheckInProtectedReport) -> str:
    fields = (report.location_id_hash, report.iv, report.encrypted_check_in_record, report.mac)
    return ".".join(_b64(field) for field in fields)


def cleartext(reports: Iterable[CheckInProtectedReport]) -> bytes:
    """The canonical bytes the certificate's ``tekmac`` authenticates."""
    lines = sorted(report_line(report) for report in reports)
    return LABEL + b"\n" + ",".join(lines).encode("ascii")


def compute(secret: bytes, reports: Iterable[CheckInProtectedReport]) -> bytes:
    """HMAC-SHA256(secret, cleartext(reports)): what a device sends as ``ekeyhmac``."""
    return hmac.digest(secret, cleartext(reports), sha256)


def matches(secret: bytes, reports: Iterable[CheckInProtectedReport], mac: bytes) -> bool:
    """Constant-time check of a certificate's ``tekmac`` against the uploaded reports."""
    return hmac.compare_digest(compute(secret, reports), mac)
