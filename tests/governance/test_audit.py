"""The audit chain: appends link up, any change/deletion/insertion/reordering is named at the
first bad entry, the published head catches a rewritten chain, retention cuts it cleanly, and
concurrent writers never fork it (SQLite and PostgreSQL)."""

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from civitrace.governance import audit
from civitrace.governance.audit import (
    GENESIS,
    PRUNED_ACTION,
    AuditRecord,
    canonical_details,
    entry_digest,
    verify_chain,
)
from civitrace.governance.errors import AuditError
from civitrace.server.db import session_factory
from civitrace.server.db.governance_models import AuditEntry

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACTOR = "staff:ana (case-worker)"


def _sealed(record: AuditRecord) -> AuditRecord:
    return replace(record, digest=entry_digest(record))


def chain(n: int) -> list[AuditRecord]:
    """A valid chain of ``n`` entries, one second apart."""
    records: list[AuditRecord] = []
    prev = GENESIS
    for i in range(1, n + 1):
        record = _sealed(
            AuditRecord(
                i,
                T0 + timedelta(seconds=i),
                f"staff:{i} (case-worker)",
                "case.opened",
                f"case:{i}",
                canonical_details({"i": i}),
                prev,
                "",
            )
        )
        records.append(record)
        prev = record.digest
    return records


def relinked(records: list[AuditRecord], start: int = 0) -> list[AuditRecord]:
    """What an attacker who can compute SHA-256 does: renumber and re-seal from ``start``."""
    out = list(records[:start])
    for record in records[start:]:
        prev = out[-1].digest if out else GENESIS
        out.append(_sealed(replace(record, sequence=len(out) + 1, prev_digest=prev)))
    return out


HEX = st.text("0123456789abcdef", min_size=64, max_size=64)
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)


def _change(record: AuditRecord, field: str, data: st.DataObject) -> AuditRecord:
    old = getattr(record, field)
    if field == "recorded_at":
        seconds = data.draw(st.integers(-3600, 3600).filter(lambda s: s != 0))
        return replace(record, recorded_at=old + timedelta(seconds=seconds))
    if field in {"digest", "prev_digest"}:
        values: dict[str, Any] = {field: data.draw(HEX.filter(lambda h: h != old))}
        return replace(record, **values)
    if field == "details":
        value = data.draw(st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
        new = canonical_details(value)
        if new == old:
            new = canonical_details({"tampered": True})
        return replace(record, details=new)
    text: dict[str, Any] = {field: data.draw(TEXT.filter(lambda t: t != old))}
    return replace(record, **text)


FIELDS = ["recorded_at", "actor", "action", "object", "details", "prev_digest", "digest"]


@settings(max_examples=300, deadline=None)
@given(n=st.integers(2, 12), data=st.data())
def test_naive_tampering_is_named_at_the_first_bad_entry(n: int, data: st.DataObject) -> None:
    records = chain(n)
    assert verify_chain(records).ok
    op = data.draw(st.sampled_from(["change", "delete", "insert", "swap"]))
    if op == "change":
        k = data.draw(st.integers(1, n))
        records[k - 1] = _change(records[k - 1], data.draw(st.sampled_from(FIELDS)), data)
        expected = k
    elif op == "delete":
        k = data.draw(st.integers(1, n - 1))  # the last one: see the published-head test
        del records[k - 1]
        expected = k
    elif op == "insert":
        k = data.draw(st.integers(1, n))
        prev = records[k - 2].digest if k > 1 else GENESIS
        forged = _sealed(replace(records[k - 1], actor="forger", prev_digest=prev))
        shifted = [replace(r, sequence=r.sequence + 1) for r in records[k - 1 :]]
        records = [*records[: k - 1], forged, *shifted]
        expected = k + 1  # the forged entry is well-formed; the one it displaced is not
    else:
        i = data.draw(st.integers(1, n - 1))
        j = data.draw(st.integers(i + 1, n))
        a, b = records[i - 1], records[j - 1]
        records[i - 1], records[j - 1] = replace(b, sequence=i), replace(a, sequence=j)
        expected = i
    result = verify_chain(records)
    assert not result.ok
    assert result.first_bad == expected, result.problem


@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 12), data=st.data())
def test_a_rewritten_chain_is_caught_by_the_published_head(n: int, data: st.DataObject) -> None:
    records = chain(n)
    published = str(audit.Head(n, records[-1].digest))
    assert verify_chain(records, expected_head=published).ok
    op = data.draw(st.sampled_from(["change", "delete", "truncate", "insert", "swap"]))
    k = data.draw(st.integers(1, n))
    if op == "change":
        records[k - 1] = replace(records[k - 1], actor="someone else")
    elif op == "delete":
        del records[k - 1]
    elif op == "truncate":
        records = records[: k - 1]
    elif op == "insert":
        records.insert(k - 1, replace(records[k - 1], action="forged"))
    else:
        j = data.draw(st.integers(1, n).filter(lambda j: j != k))
        records[k - 1], records[j - 1] = records[j - 1], records[k - 1]
    tampered = relinked(records)  # renumbered and re-sealed: consistent in itself
    assert not verify_chain(tampered, expected_head=published).ok


def test_a_self_consistent_forgery_passes_alone_but_not_against_the_head() -> None:
    records = chain(5)
    published = f"5:{records[-1].digest}"
    forged = relinked([*records[:2], replace(records[2], actor="nobody"), *records[3:]])
    assert verify_chain(forged).ok  # why the head digest is published
    result = verify_chain(forged, expected_head=published)
    assert not result.ok
    assert result.first_bad == 5


def test_an_empty_chain_holds() -> None:
    result = verify_chain([])
    assert result.ok
    assert result.head == audit.Head(0, GENESIS)
    assert verify_chain([], expected_head=f"0:{GENESIS}").ok


def test_malformed_heads_are_refused() -> None:
    for bad in ("", "12", "x:" + "0" * 64, "1:" + "g" * 64, "0" * 63):
        with pytest.raises(AuditError, match="--head"):
            audit.parse_head(bad)
    assert audit.parse_head("7:" + "A" * 64) == (7, "a" * 64)


# --- stored chains ----------------------------------------------------------------------------


def _append(
    session: Session, n: int, start: datetime = T0, step: timedelta = timedelta(hours=1)
) -> None:
    for i in range(n):
        audit.append(session, ACTOR, "case.opened", f"case:{i}", {"i": i}, now=start + i * step)
    session.commit()


def test_appended_entries_verify_and_the_head_is_the_newest(session: Session) -> None:
    assert audit.head(session) == audit.Head(0, GENESIS)
    _append(session, 5)
    result = audit.verify(session)
    assert result.ok, result.problem
    assert result.entries == 5
    newest = session.get(AuditEntry, 5)
    assert newest is not None
    assert audit.head(session) == audit.Head(5, newest.digest) == result.head
    assert audit.verify(session, str(result.head)).ok


def test_times_never_go_backwards_and_are_whole_seconds(session: Session) -> None:
    audit.append(session, ACTOR, "a", now=T0 + timedelta(hours=1, microseconds=700))
    late = audit.append(session, ACTOR, "b", now=T0)
    session.commit()
    assert late.recorded_at == T0 + timedelta(hours=1)
    assert audit.verify(session).ok


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"actor": " "}, "actor"),
        ({"action": ""}, "action"),
        ({"actor": "x" * 201}, "actor"),
        ({"object": "a\x00b"}, "object"),
        ({"details": {"n": float("nan")}}, "details"),
        ({"details": {"s": {1, 2}}}, "details"),
        ({"details": ["not", "an", "object"]}, "details"),
        ({"now": datetime(2026, 1, 1)}, "now"),
    ],
)
def test_bad_entries_are_refused_naming_the_field(
    session: Session, values: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {"actor": ACTOR, "action": "x", "object": "", "now": T0}
    arguments.update(values)
    with pytest.raises(AuditError, match=rf"^{field}"):
        audit.append(session, **arguments)  # type: ignore[arg-type]


def _tamper(engine: Engine, statement: object) -> None:
    with session_factory(engine)() as session:
        session.execute(statement)  # type: ignore[call-overload]
        session.commit()


def test_stored_tampering_is_named(engine: Engine, session: Session) -> None:
    _append(session, 6)
    _tamper(engine, update(AuditEntry).where(AuditEntry.sequence == 3).values(actor="mallory"))
    assert (audit.verify(session).ok, audit.verify(session).first_bad) == (False, 3)
    _tamper(engine, update(AuditEntry).where(AuditEntry.sequence == 3).values(actor=ACTOR))
    assert audit.verify(session).ok
    # reorder: entries 2 and 4 exchange places
    for old, new in ((2, 100), (4, 2), (100, 4)):
        _tamper(engine, update(AuditEntry).where(AuditEntry.sequence == old).values(sequence=new))
    assert audit.verify(session).first_bad == 2
    for old, new in ((2, 100), (4, 2), (100, 4)):
        _tamper(engine, update(AuditEntry).where(AuditEntry.sequence == old).values(sequence=new))
    assert audit.verify(session).ok
    head = str(audit.verify(session).head)
    _tamper(engine, delete(AuditEntry).where(AuditEntry.sequence == 6))
    assert audit.verify(session).ok  # a cut tail is invisible without the published head...
    assert audit.verify(session, head).first_bad == 6  # ...and obvious with it
    _tamper(engine, delete(AuditEntry).where(AuditEntry.sequence == 1))
    assert audit.verify(session).first_bad == 1


def test_retention_cuts_a_prefix_and_leaves_a_note_that_verifies(session: Session) -> None:
    _append(session, 6, step=timedelta(days=1))
    old_head = str(audit.head(session))
    deleted = audit.prune(
        session,
        before=T0 + timedelta(days=2, hours=1),
        now=T0 + timedelta(days=9),
        reason="retention",
    )
    session.commit()
    assert deleted == 3
    sequences = list(session.scalars(select(AuditEntry.sequence).order_by(AuditEntry.sequence)))
    assert sequences == [4, 5, 6, 7]
    note = session.get(AuditEntry, 7)
    assert note is not None
    assert note.action == PRUNED_ACTION
    result = audit.verify(session, old_head)
    assert result.ok, result.problem
    assert audit.verify(session, f"2:{'0' * 64}").ok  # a pruned head cannot be compared
    # anyone else deleting the oldest remaining entry is caught
    session.execute(delete(AuditEntry).where(AuditEntry.sequence == 4))
    session.commit()
    assert audit.verify(session).first_bad == 4


def test_a_tampered_note_is_named_where_it_stands(session: Session) -> None:
    _append(session, 3, step=timedelta(days=1))
    audit.prune(
        session,
        before=T0 + timedelta(days=1, hours=1),
        now=T0 + timedelta(days=5),
        reason="retention",
    )
    session.commit()
    session.execute(
        update(AuditEntry).where(AuditEntry.action == PRUNED_ACTION).values(details='{"deleted":0}')
    )
    session.commit()
    assert audit.verify(session).first_bad == 4


def test_wiping_everything_leaves_only_the_note_and_is_idempotent(session: Session) -> None:
    _append(session, 4)
    assert audit.prune(session, before=None, now=T0 + timedelta(days=1), reason="sunset") == 4
    session.commit()
    rows = session.scalars(select(AuditEntry)).all()
    assert [(r.sequence, r.action, r.actor) for r in rows] == [(5, PRUNED_ACTION, "system")]
    assert audit.verify(session).ok
    assert audit.prune(session, before=None, now=T0 + timedelta(days=2), reason="sunset") == 0
    session.commit()
    assert audit.verify(session).ok
    audit.append(session, ACTOR, "after", now=T0 + timedelta(days=3))
    session.commit()
    assert audit.verify(session).entries == 2


def test_concurrent_writers_never_fork_the_chain(engine: Engine) -> None:
    writers, each = 4, 12
    sessions = session_factory(engine)
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(worker: int) -> None:
        try:
            start.wait()
            for i in range(each):
                with sessions() as session:
                    audit.append(
                        session, f"staff:w{worker} (admin)", "setting.changed", f"n:{i}", now=T0
                    )
                    session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sessions() as session:
        result = audit.verify(session)
        assert result.ok, result.problem
        assert result.entries == writers * each
        assert list(
            session.scalars(select(AuditEntry.sequence).order_by(AuditEntry.sequence))
        ) == list(range(1, writers * each + 1))
