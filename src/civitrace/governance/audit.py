"""The audit log: an append-only hash chain of staff and system actions (DESIGN §5).

Each entry's digest is SHA-256 over a canonical encoding (:func:`entry_digest`) of its sequence,
time, actor, action, object, details and the previous entry's digest, so changing, deleting,
inserting or reordering a stored entry breaks the chain at that entry, and rewriting the whole
chain after it changes the head digest, which is published on the transparency page.

Appending is serialized: on PostgreSQL a transaction-scoped advisory lock, on SQLite the
database's write lock taken before the head is read, so two writers never fork the chain. The
entry is part of the caller's transaction: an action and its audit entry commit together.

Retention deletes the oldest entries (a prefix of the chain) and appends a pruning note that
records the sequence and digest of the last deleted entry; :func:`verify_chain` starts from
the latest note, so a chain whose beginning was deleted by retention still verifies, and one
whose beginning was deleted by anyone else does not.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from civitrace.governance.constants import SYSTEM_ACTOR
from civitrace.governance.errors import AuditError
from civitrace.server.db.governance_models import AuditEntry

GENESIS: Final = "0" * 64  # prev_digest of the first entry ever appended
DOMAIN: Final = b"civitrace-audit-v1\n"  # digests of other formats can never collide with ours
PRUNED_ACTION: Final = "audit.pruned"  # the note retention leaves where it cut the chain
MAX_DETAILS: Final = 65_536  # characters of canonical details JSON
_LOCK_KEY: Final = int.from_bytes(
    hashlib.sha256(b"civitrace-audit-log").digest()[:8], "big", signed=True
)
_HEAD: Final = re.compile(r"^(?:(?P<sequence>\d{1,18}):)?(?P<digest>[0-9a-f]{64})$")
_LIMITS: Final = {"actor": 200, "action": 100, "object": 300}


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An entry as stored, detached from the database (what :func:`verify_chain` checks)."""

    sequence: int
    recorded_at: datetime
    actor: str
    action: str
    object: str
    details: str
    prev_digest: str
    digest: str

    @classmethod
    def of(cls, row: AuditEntry) -> "AuditRecord":
        return cls(
            row.sequence,
            row.recorded_at,
            row.actor,
            row.action,
            row.object,
            row.details,
            row.prev_digest,
            row.digest,
        )

    def computed_digest(self) -> str:
        """The digest this entry's contents call for (equal to ``digest`` unless tampered)."""
        return entry_digest(self)


@dataclass(frozen=True, slots=True)
class Head:
    """The newest entry's sequence and digest; ``0`` and :data:`GENESIS` for an empty log."""

    sequence: int
    digest: str

    def __str__(self) -> str:
        return f"{self.sequence}:{self.digest}"


@dataclass(frozen=True, slots=True)
class Verification:
    """The result of checking a chain: ``first_bad`` is the sequence of the first entry at
    fault (missing, changed, out of place), ``None`` when the chain holds."""

    ok: bool
    head: Head
    entries: int
    first_bad: int | None = None
    problem: str = ""


def timestamp(moment: datetime) -> str:
    """The canonical time of an entry: UTC, whole seconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_details(details: Mapping[str, Any] | None) -> str:
    """Details as canonical JSON (sorted keys, no spaces, UTF-8, no NaN); AuditError if not
    JSON-serializable or too long."""
    if details is None:
        details = {}
    if not isinstance(details, Mapping):
        raise AuditError("details: must be a JSON object")
    try:
        encoded = json.dumps(
            details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise AuditError(f"details: not JSON-serializable ({exc})") from None
    if len(encoded) > MAX_DETAILS:
        raise AuditError(f"details: longer than {MAX_DETAILS} characters as JSON")
    _check_text(encoded, "details")
    return encoded


def entry_digest(record: "AuditRecord") -> str:
    """Hex SHA-256 of :data:`DOMAIN` and the canonical JSON of every field but the digest."""
    payload = {
        "action": record.action,
        "actor": record.actor,
        "details": record.details,
        "object": record.object,
        "prev_digest": record.prev_digest,
        "recorded_at": timestamp(record.recorded_at),
        "sequence": record.sequence,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(DOMAIN + encoded.encode("utf-8", "surrogatepass")).hexdigest()


def _check_text(value: str, field: str) -> str:
    if "\x00" in value:
        raise AuditError(f"{field}: must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AuditError(f"{field}: not valid Unicode text") from None
    return value


def _field(value: object, field: str, *, required: bool) -> str:
    if not isinstance(value, str):
        raise AuditError(f"{field}: must be a string")
    value = value.strip()
    if required and not value:
        raise AuditError(f"{field}: must not be empty")
    if len(value) > _LIMITS[field]:
        raise AuditError(f"{field}: longer than {_LIMITS[field]} characters")
    return _check_text(value, field)


def _lock(session: Session) -> None:
    """Serialize writers of the chain until the caller's transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    else:
        # SQLite: a write statement (even one matching nothing) takes the database's write
        # lock, waiting for other writers, before the head is read below.
        session.execute(
            update(AuditEntry).where(text("1 = 0")).values(sequence=AuditEntry.sequence)
        )


def _last(session: Session) -> AuditEntry | None:
    return session.scalars(
        select(AuditEntry).order_by(AuditEntry.sequence.desc()).limit(1)
    ).one_or_none()


@dataclass(frozen=True, slots=True)
class _Content:
    actor: str
    action: str
    object: str
    details: str


def _insert(
    session: Session, after: AuditEntry | None, content: _Content, now: datetime
) -> AuditEntry:
    moment = now.astimezone(UTC).replace(microsecond=0)
    if after is not None and moment < after.recorded_at:
        moment = after.recorded_at  # times never go backwards along the chain
    record = AuditRecord(
        sequence=after.sequence + 1 if after is not None else 1,
        recorded_at=moment,
        actor=content.actor,
        action=content.action,
        object=content.object,
        details=content.details,
        prev_digest=after.digest if after is not None else GENESIS,
        digest="",
    )
    row = AuditEntry(
        sequence=record.sequence,
        recorded_at=record.recorded_at,
        actor=record.actor,
        action=record.action,
        object=record.object,
        details=record.details,
        prev_digest=record.prev_digest,
        digest=entry_digest(record),
    )
    session.add(row)
    session.flush()
    return row


def append(
    session: Session,
    actor: str,
    action: str,
    object: str = "",
    details: Mapping[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (commit it with the action it records).

    ``actor`` names who acted (``"staff:alice (case-worker)"``, or ``"system"``), ``action``
    what was done (``"case.opened"``), ``object`` to what (``"case:42"``); ``details`` is a
    JSON object of further facts and never holds a citizen's personal data.
    """
    content = _Content(
        _field(actor, "actor", required=True),
        _field(action, "action", required=True),
        _field(object, "object", required=False),
        canonical_details(details),
    )
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise AuditError("now: must be an aware datetime")
    _lock(session)
    return _insert(session, _last(session), content, moment)


def prune(session: Session, *, before: datetime | None, now: datetime, reason: str) -> int:
    """Delete the entries recorded before ``before`` (every entry when ``None``) and append a
    pruning note naming the last one deleted; returns how many were deleted.

    Only a prefix of the chain is ever deleted (up to the newest entry older than ``before``),
    so what remains verifies from the note. A chain holding nothing but the latest note is left
    as it is, so running retention twice changes nothing the second time.
    """
    _lock(session)
    last = _last(session)
    if last is None:
        return 0
    if before is None:
        through: int | None = last.sequence
    else:
        through = session.scalar(
            select(func.max(AuditEntry.sequence)).where(AuditEntry.recorded_at < before)
        )
    if through is None:
        return 0
    first = session.scalar(select(func.min(AuditEntry.sequence)))
    if first == through == last.sequence and last.action == PRUNED_ACTION:
        return 0
    through_digest = session.scalar(select(AuditEntry.digest).where(AuditEntry.sequence == through))
    result = session.execute(delete(AuditEntry).where(AuditEntry.sequence <= through))
    deleted = max(int(result.rowcount), 0)  # type: ignore[attr-defined]
    note = {
        "deleted": deleted,
        "reason": reason,
        "through_digest": through_digest,
        "through_sequence": through,
    }
    _insert(
        session,
        last,
        _Content(SYSTEM_ACTOR, PRUNED_ACTION, "audit_log", canonical_details(note)),
        now,
    )
    return deleted


def head(session: Session) -> Head:
    """The newest entry's sequence and digest (published on the transparency page)."""
    last = _last(session)
    return Head(0, GENESIS) if last is None else Head(last.sequence, last.digest)


def parse_head(value: str) -> tuple[int | None, str]:
    """``SEQUENCE:DIGEST`` or ``DIGEST`` (as :func:`head` prints it), or AuditError."""
    match = _HEAD.match(value.strip().lower())
    if match is None:
        raise AuditError(f"--head: {value!r} is not DIGEST or SEQUENCE:DIGEST (64 hex digits)")
    sequence = match["sequence"]
    return (int(sequence) if sequence is not None else None), match["digest"]


def _note(record: AuditRecord | None) -> tuple[int, str] | None:
    """``(through_sequence, through_digest)`` of a valid pruning note, else ``None``."""
    if record is None or record.computed_digest() != record.digest:
        return None
    try:
        details = json.loads(record.details)
        through, digest = details["through_sequence"], details["through_digest"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(through, int) or not isinstance(digest, str):
        return None
    return through, digest


def verify_chain(
    records: Iterable[AuditRecord],
    latest_note: AuditRecord | None = None,
    expected_head: str | None = None,
) -> Verification:
    """Check ``records`` (in sequence order) link up, each digest matches its contents, times
    never go backwards, and the chain starts where ``latest_note`` (the newest pruning note,
    if any) says retention cut it; with ``expected_head`` (a previously published head), that
    it is still part of the chain."""
    note = _note(latest_note)
    start: _Start | None
    if note is not None:
        start = _Start(note[0] + 1, note[1], f"after entry {note[0]}, as its pruning note says")
    elif latest_note is not None:
        start = None  # the note itself was tampered with: reported where it stands
    else:
        start = _Start(1, GENESIS, "at entry 1")
    previous: AuditRecord | None = None
    failure: tuple[int, str] | None = None
    count = 0
    known: dict[int, str] = {}
    if note is not None:
        known[note[0]] = note[1]
    for record in records:
        count += 1
        known[record.sequence] = record.digest
        if failure is None:
            failure = (
                _check_start(record, start) if previous is None else _check_link(record, previous)
            ) or _check_digest(record)
        previous = record
    last = Head(0, GENESIS) if previous is None else Head(previous.sequence, previous.digest)
    if failure is None and expected_head is not None:
        failure = _check_head(expected_head, known, note, last)
    if failure is not None:
        return Verification(False, last, count, failure[0], failure[1])
    return Verification(True, last, count)


@dataclass(frozen=True, slots=True)
class _Start:
    """Where the stored chain must begin: its first sequence and that entry's prev_digest."""

    sequence: int
    link: str
    where: str


def _check_start(record: AuditRecord, start: "_Start | None") -> tuple[int, str] | None:
    if start is None:
        return None
    if record.sequence > start.sequence:
        return start.sequence, f"entry {start.sequence} is missing: the chain starts {start.where}"
    if record.sequence < start.sequence or record.prev_digest != start.link:
        return record.sequence, f"entry {record.sequence} does not link to the chain's start"
    return None


def _check_link(record: AuditRecord, previous: AuditRecord) -> tuple[int, str] | None:
    expected = previous.sequence + 1
    if record.sequence > expected:
        return expected, f"entry {expected} is missing"
    if record.sequence < expected:
        return record.sequence, f"entry {record.sequence} is out of order"
    if record.prev_digest != previous.digest:
        return record.sequence, f"entry {record.sequence} does not link to the entry before"
    if record.recorded_at < previous.recorded_at:
        return record.sequence, f"entry {record.sequence} is dated before the entry before"
    return None


def _check_digest(record: AuditRecord) -> tuple[int, str] | None:
    if record.computed_digest() != record.digest:
        return record.sequence, f"entry {record.sequence} was changed: its digest does not match"
    return None


def _check_head(
    expected: str, known: Mapping[int, str], note: tuple[int, str] | None, last: Head
) -> tuple[int, str] | None:
    sequence, digest = parse_head(expected)
    if sequence is None:
        found_anywhere = digest == GENESIS or digest in known.values()
        return None if found_anywhere else (last.sequence, f"head {digest} is not in the chain")
    if (sequence == 0 and digest == GENESIS) or (note is not None and sequence < note[0]):
        return None  # an empty log, or deleted by retention: nothing left to compare
    found = known.get(sequence)
    if found == digest:
        return None
    problem = "is missing" if found is None else "differs from the published head"
    return sequence, f"entry {sequence} {problem}: the chain was cut or rewritten"


def latest_note(session: Session) -> AuditRecord | None:
    """The newest pruning note still in the log."""
    row = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == PRUNED_ACTION)
        .order_by(AuditEntry.sequence.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else AuditRecord.of(row)


def records(session: Session, batch: int = 1000) -> Iterable[AuditRecord]:
    """Every stored entry in sequence order, read in batches."""
    after = 0
    while True:
        rows: Sequence[AuditEntry] = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.sequence > after)
            .order_by(AuditEntry.sequence)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield AuditRecord.of(row)
        after = rows[-1].sequence


def verify(session: Session, expected_head: str | None = None) -> Verification:
    """Verify the stored chain (see :func:`verify_chain`)."""
    return verify_chain(records(session), latest_note(session), expected_head)
