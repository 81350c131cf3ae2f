"""Managing issued codes by UUID: ``/api/checkcodestatus``, ``/api/expirecode`` and
``/api/batch-issue`` (Google's ``codestatus`` and ``issueapi`` controllers).

A staff system sees and expires only codes of its own health authority (any ADMIN key of it:
civitrace records no issuing user or key, so Google's "issuer or realm admin" rule reduces to
the realm). A code deleted by retention is "not found", as in Google's server.
"""

import uuid
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civitrace.server.db.models import ApiKey, VerificationCode
from civitrace.server.errors import (
    ApiError,
    CodeExpiredError,
    CodeInvalidError,
    UnparsableRequestError,
)
from civitrace.server.verification.errors import BatchTooLargeError, CodeNotFoundError
from civitrace.server.verification.schemas import BatchIssueCodeRequest
from civitrace.server.verification.service import Verifier

MAX_BATCH_SIZE: Final = 10  # Google's maxBatchSize of /api/batch-issue


def parse_uuid(value: str | None) -> str:
    """The canonical form of a code's UUID (as stored), or 400 naming ``uuid``."""
    text = "".join(ch for ch in (value or "") if ch.isprintable()).strip()
    if not text:
        raise UnparsableRequestError("uuid: is required")
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise UnparsableRequestError("uuid: must be a UUID") from None


def _own_code(session: Session, key: ApiKey, code_id: str) -> VerificationCode:
    row = session.scalars(
        select(VerificationCode).where(
            VerificationCode.uuid == code_id,
            VerificationCode.health_authority_id == key.health_authority_id,
        )
    ).one_or_none()
    if row is None:
        raise CodeNotFoundError("uuid: no such code (it may have expired and been removed)")
    return row


def code_status(session: Session, key: ApiKey, code_id: str | None) -> dict[str, Any]:
    """Whether the code was claimed, and its two expiries."""
    row = _own_code(session, key, parse_uuid(code_id))
    return {
        "claimed": row.claimed,
        "expiresAtTimestamp": int(row.expires_at.timestamp()),
        "longExpiresAtTimestamp": int(row.long_expires_at.timestamp()),
    }


def expire_code(
    session: Session, key: ApiKey, code_id: str | None, now: datetime
) -> dict[str, Any]:
    """Make an unclaimed, unexpired code expire now (both the short and the long code).

    One conditional ``UPDATE``, so a device verifying the code at the same moment either wins
    (the code is claimed: refused here) or finds it expired. Refusals are 4xx naming ``uuid``
    where Google answers 500.
    """
    wanted = parse_uuid(code_id)
    done = session.execute(
        update(VerificationCode)
        .where(
            VerificationCode.uuid == wanted,
            VerificationCode.health_authority_id == key.health_authority_id,
            VerificationCode.claimed.is_(False),
            VerificationCode.long_expires_at > now,
        )
        .values(expires_at=now, long_expires_at=now)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        row = _own_code(session, key, wanted)
        if row.claimed:
            raise CodeInvalidError("uuid: the code was already used")
        raise CodeExpiredError("uuid: the code has already expired")
    session.commit()
    stamp = int(now.timestamp())
    return {"expiresAtTimestamp": stamp, "longExpiresAtTimestamp": stamp}


def batch_issue(
    verifier: Verifier, session: Session, key: ApiKey, request: BatchIssueCodeRequest
) -> tuple[int, dict[str, Any]]:
    """The HTTP status and body of a batch: each code is issued (and committed) on its own, as
    Google's is; the status and ``errorCode`` are the first failure's, 200 when none failed."""
    requests = request.codes or []
    if len(requests) > MAX_BATCH_SIZE:
        raise BatchTooLargeError(
            f"codes: batch size limit [{MAX_BATCH_SIZE}] exceeded, got {len(requests)}"
        )
    results: list[dict[str, Any]] = []
    failures: list[tuple[ApiError, str]] = []
    for i, one in enumerate(requests):
        try:
            results.append(verifier.issue(session, key, one))
        except ApiError as exc:
            session.rollback()
            message = f"codes[{i}].{exc.message}"
            results.append({"error": message, "errorCode": exc.code})
            failures.append((exc, message))
    if not failures:
        return 200, {"codes": results}
    first, first_message = failures[0]
    summary = (
        f"codes: {len(failures)} of {len(requests)} could not be issued (first: {first_message});"
        " see each code's error"
    )
    return first.status, {"codes": results, "error": summary, "errorCode": first.code}
