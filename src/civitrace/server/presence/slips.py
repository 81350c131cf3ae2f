"""Kiosk slips on the server: opaque ciphertext filed under an id, fetched back by that id.

The server stores the ciphertext and the UTC day of upload, nothing else, and answers a lookup
only with that one slip. Slips older than the retention (15 days by default) are neither served
nor kept (:mod:`.cleanup` deletes them).

Lookups are rate-limited without knowing who asks: failed lookups (and uploads that hit an id
already taken) are counted per time window for the whole deployment; once a window's budget is
spent, every lookup and upload answers 429 until the window ends. Hits and misses are limited
alike, so the limit is no oracle. The limit is defence in depth: an id is 256 bits and a code 60
bits behind a slow KDF, so guessing fails with or without it; its cost is that a flood of bad
lookups delays honest ones until the next window (documented in ``docs/presence.md``).
"""

import base64
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civitrace.server.db.presence_models import (
    SLIP_CIPHERTEXT_LENGTH,
    SLIP_ID_LENGTH,
    KioskSlip,
    SlipLookupFailure,
)
from civitrace.server.presence.errors import (
    InvalidSlipError,
    SlipExistsError,
    SlipNotFoundError,
    SlipRateLimitedError,
)
from civitrace.server.presence.schemas import SlipUploadRequest
from civitrace.server.presence.settings import PresenceSettings
from civitrace.server.publish.certificate import decode_base64
from civitrace.server.publish.rules import truncate

DAY: Final = timedelta(days=1)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def parse_slip_id(text: str) -> bytes:
    """The 32 bytes of a slip id given as 64 lowercase hex digits."""
    try:
        raw = bytes.fromhex(text) if text == text.lower() else b""
    except ValueError:
        raw = b""
    if len(raw) != SLIP_ID_LENGTH:
        raise InvalidSlipError(f"id: must be {2 * SLIP_ID_LENGTH} lowercase hex digits")
    return raw


def parse_ciphertext(text: str) -> bytes:
    raw = decode_base64(text)
    if raw is None or len(raw) != SLIP_CIPHERTEXT_LENGTH:
        raise InvalidSlipError(f"ciphertext: must be base64 of {SLIP_CIPHERTEXT_LENGTH} bytes")
    return raw


@dataclass
class Slips:
    """Stores and serves slips, and keeps the failed-lookup budget."""

    settings: PresenceSettings
    clock: Callable[[], datetime] = field(default=_utcnow)

    def _expires(self, uploaded_at: datetime) -> str:
        return (uploaded_at + self.settings.slip_retention).isoformat()

    def upload(self, session: Session, request: SlipUploadRequest) -> dict[str, Any]:
        now = self.clock()
        slip_id = parse_slip_id(request.id)
        ciphertext = parse_ciphertext(request.ciphertext)
        self._check_budget(session, now)
        uploaded_at = truncate(now, DAY)
        try:
            session.add(KioskSlip(slip_id=slip_id, ciphertext=ciphertext, uploaded_at=uploaded_at))
            session.commit()
        except IntegrityError:
            session.rollback()
            self._count_failure(session, now)
            raise SlipExistsError("id: a slip with this id exists; print a new code") from None
        return {"expiresAt": self._expires(uploaded_at)}

    def lookup(self, session: Session, slip_id_hex: str) -> dict[str, Any]:
        now = self.clock()
        slip_id = parse_slip_id(slip_id_hex)
        self._check_budget(session, now)
        row = session.scalars(
            select(KioskSlip).where(
                KioskSlip.slip_id == slip_id,
                KioskSlip.uploaded_at > now - self.settings.slip_retention,
            )
        ).one_or_none()
        if row is None:
            self._count_failure(session, now)
            raise SlipNotFoundError("id: no slip with this id (mistyped, or expired)")
        return {
            "ciphertext": base64.b64encode(row.ciphertext).decode("ascii"),
            "uploadedOn": row.uploaded_at.date().isoformat(),
            "expiresAt": self._expires(row.uploaded_at),
        }

    # -- the deployment-wide failed-lookup budget ------------------------------------------------

    def _window(self, now: datetime) -> datetime:
        return truncate(now, self.settings.slip_lookup_window)

    def _check_budget(self, session: Session, now: datetime) -> None:
        window = self._window(now)
        failures = session.scalar(
            select(func.coalesce(func.sum(SlipLookupFailure.count), 0)).where(
                SlipLookupFailure.window_start == window
            )
        )
        if failures is not None and failures >= self.settings.slip_max_failed_lookups:
            retry = window + self.settings.slip_lookup_window - now
            raise SlipRateLimitedError(
                "id: too many failed slip lookups on this server; try again later",
                headers={"Retry-After": str(max(1, math.ceil(retry.total_seconds())))},
            )

    def _count_failure(self, session: Session, now: datetime) -> None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(SlipLookupFailure).values(window_start=self._window(now), count=1)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[SlipLookupFailure.window_start],
                set_={"count": SlipLookupFailure.count + 1},
            )
        )
        session.commit()
