"""Notice period: widening changes wait for their date and a consultation summary; narrowing
ones apply at once; the running system (enforcement included) uses the inventory in force."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from civitrace.governance.changes import Effect, Op
from civitrace.governance.enforce import enforce
from civitrace.governance.errors import ProposalError
from civitrace.governance.inventory import Category, Inventory, shipped_inventory
from civitrace.governance.proposals import (
    Status,
    attach_consultation_summary,
    effective_inventory,
    ensure_baseline,
    list_proposals,
    propose,
    public_proposals,
    withdraw,
)
from civitrace.governance.settings import GovernanceSettings
from civitrace.server.db import session_factory
from civitrace.server.db.governance_models import AuditEntry, InventoryProposal, ProposalKind
from tests.governance.factories import load_factories

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
BASE = shipped_inventory()
GOVERNANCE = GovernanceSettings()
ACTOR = "staff:ada (admin)"
NOTICE = GOVERNANCE.notice_period


def _category(name: str) -> Category:
    found = BASE.get(name)
    assert found is not None
    return found


def changed(*categories: Category, base: Inventory = BASE) -> Inventory:
    names = {c.name for c in categories}
    return Inventory((*(c for c in base if c.name not in names), *categories))


def retention(session: Session, name: str, now: datetime) -> timedelta | None:
    category = effective_inventory(session, BASE, now).get(name)
    return None if category is None else category.retention


def test_the_baseline_is_stored_once_and_is_public(session: Session) -> None:
    assert effective_inventory(session, BASE, T0) == BASE  # nothing stored yet
    assert ensure_baseline(session, BASE, T0)
    assert not ensure_baseline(session, BASE, T0 + DAY)
    session.commit()
    assert effective_inventory(session, BASE, T0) == BASE
    [baseline] = list_proposals(session, T0)
    assert baseline.kind is ProposalKind.BASELINE
    assert baseline.status is Status.IN_FORCE
    assert {c.op for c in baseline.changes} == {Op.ADD_CATEGORY}
    assert public_proposals(session, T0)[0]["kind"] == "baseline"


def test_editing_the_configured_file_changes_nothing_by_itself(
    session: Session, tmp_path: Path
) -> None:
    ensure_baseline(session, BASE, T0)
    session.commit()
    wider = changed(replace(_category("cases"), retention=400 * DAY))
    path = tmp_path / "inventory.toml"
    path.write_text(wider.to_toml(), encoding="utf-8")
    edited = GovernanceSettings(inventory_file=path)
    assert edited.configured_inventory() == wider
    assert effective_inventory(session, edited.configured_inventory(), T0 + DAY) == BASE


def test_narrowing_applies_at_once(session: Session) -> None:
    shorter = changed(replace(_category("cases"), retention=7 * DAY, readers=("case-worker",)))
    result = propose(session, GOVERNANCE, shorter, actor=ACTOR, now=T0, title="Keep cases shorter")
    session.commit()
    assert result.widening is None
    assert result.immediate is not None
    assert result.immediate.status is Status.IN_FORCE
    assert {c.effect for c in result.changes} == {Effect.NARROWING}
    assert effective_inventory(session, BASE, T0) == shorter
    assert retention(session, "cases", T0 - DAY) == 30 * DAY  # not retroactive


def test_widening_waits_for_its_date_and_a_consultation_summary(session: Session) -> None:
    longer = changed(replace(_category("cases"), retention=60 * DAY))
    result = propose(session, GOVERNANCE, longer, actor=ACTOR, now=T0, title="Keep cases longer")
    session.commit()
    assert result.immediate is None
    widening = result.widening
    assert widening is not None
    assert widening.effective_at == T0 + NOTICE
    assert widening.status is Status.PENDING
    assert retention(session, "cases", T0) == 30 * DAY
    # past its date without a published summary it stays pending
    late = T0 + NOTICE + DAY
    [_, stored] = list_proposals(session, late)
    assert stored.status is Status.AWAITING_SUMMARY
    assert retention(session, "cases", late) == 30 * DAY
    attached = attach_consultation_summary(
        session, widening.id, "https://example.org/consultations/7/summary", actor=ACTOR, now=late
    )
    session.commit()
    assert attached.status is Status.IN_FORCE
    assert retention(session, "cases", late) == 60 * DAY
    assert retention(session, "cases", late - timedelta(seconds=1)) == 30 * DAY
    actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.sequence)))
    assert actions == [
        "inventory.baseline",
        "inventory.proposed.widening",
        "inventory.summary_attached",
    ]


def test_a_summary_before_the_date_does_not_shorten_the_notice(session: Session) -> None:
    longer = changed(replace(_category("cases"), retention=60 * DAY))
    widening = propose(session, GOVERNANCE, longer, actor=ACTOR, now=T0, title="t").widening
    assert widening is not None
    attach_consultation_summary(session, widening.id, "/consultations/1", actor=ACTOR, now=T0 + DAY)
    session.commit()
    assert retention(session, "cases", T0 + NOTICE - DAY) == 30 * DAY
    assert retention(session, "cases", T0 + NOTICE) == 60 * DAY


def test_a_mixed_change_splits_and_only_the_widening_part_waits(session: Session) -> None:
    new = changed(
        replace(_category("cases"), retention=10 * DAY),
        replace(_category("usage_reports"), readers=("public", "statistician")),
    )
    result = propose(session, GOVERNANCE, new, actor=ACTOR, now=T0, title="Both ways")
    session.commit()
    assert result.immediate is not None
    assert result.widening is not None
    now = effective_inventory(session, BASE, T0)
    assert now.get("cases").retention == 10 * DAY  # type: ignore[union-attr]
    assert now.get("usage_reports").readers == ("statistician",)  # type: ignore[union-attr]


def test_replacing_the_only_reader_waits_as_a_whole(session: Session) -> None:
    swapped = changed(replace(_category("kiosk_slips"), readers=("case-worker",)))
    result = propose(session, GOVERNANCE, swapped, actor=ACTOR, now=T0, title="Swap readers")
    session.commit()
    assert result.immediate is None
    assert result.widening is not None
    assert {c.op for c in result.widening.changes} == {Op.ADD_READER, Op.REMOVE_READER}
    assert effective_inventory(session, BASE, T0) == BASE


def test_a_new_category_waits(session: Session) -> None:
    ledger = _category("privacy_ledger")
    new = changed(replace(ledger, name="mobility_counts", description="Counts of trips."))
    result = propose(session, GOVERNANCE, new, actor=ACTOR, now=T0, title="Mobility")
    session.commit()
    assert result.widening is not None
    assert [c.op for c in result.widening.changes] == [Op.ADD_CATEGORY]
    assert "mobility_counts" not in effective_inventory(session, BASE, T0 + 2 * NOTICE)


def test_an_early_effective_date_is_refused(session: Session) -> None:
    longer = changed(replace(_category("cases"), retention=60 * DAY))
    with pytest.raises(ProposalError, match=r"^effective_at: .*notice period 30 days"):
        propose(session, GOVERNANCE, longer, actor=ACTOR, now=T0, title="t", effective_at=T0 + DAY)
    later = propose(
        session, GOVERNANCE, longer, actor=ACTOR, now=T0, title="t", effective_at=T0 + 2 * NOTICE
    )
    assert later.widening is not None
    assert later.widening.effective_at == T0 + 2 * NOTICE


def test_proposing_the_same_widening_twice_stores_it_once(session: Session) -> None:
    longer = changed(replace(_category("cases"), retention=60 * DAY))
    propose(session, GOVERNANCE, longer, actor=ACTOR, now=T0, title="t")
    again = propose(session, GOVERNANCE, longer, actor=ACTOR, now=T0 + DAY, title="t")
    session.commit()
    assert again.widening is None
    assert [c.op for c in again.already_pending] == [Op.SET_RETENTION]
    assert session.query(InventoryProposal).count() == 2  # baseline and one widening
    assert propose(session, GOVERNANCE, BASE, actor=ACTOR, now=T0, title="t").changes == ()


def test_withdrawn_proposals_never_take_effect(session: Session) -> None:
    longer = changed(replace(_category("cases"), retention=60 * DAY))
    widening = propose(session, GOVERNANCE, longer, actor=ACTOR, now=T0, title="t").widening
    assert widening is not None
    attach_consultation_summary(session, widening.id, "/c/1", actor=ACTOR, now=T0 + DAY)
    assert withdraw(session, widening.id, actor=ACTOR, now=T0 + 2 * DAY).status is Status.WITHDRAWN
    session.commit()
    assert retention(session, "cases", T0 + 2 * NOTICE) == 30 * DAY
    with pytest.raises(ProposalError, match="withdrawn"):
        withdraw(session, widening.id, actor=ACTOR, now=T0 + 3 * DAY)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("javascript:alert(1)", "consultation_summary_url"),
        ("example.org/summary", "consultation_summary_url"),
        ("https://" + "a" * 600, "consultation_summary_url"),
    ],
)
def test_bad_summary_urls_are_refused(session: Session, url: str, problem: str) -> None:
    longer = changed(replace(_category("cases"), retention=60 * DAY))
    widening = propose(session, GOVERNANCE, longer, actor=ACTOR, now=T0, title="t").widening
    assert widening is not None
    with pytest.raises(ProposalError, match=rf"^{problem}"):
        attach_consultation_summary(session, widening.id, url, actor=ACTOR, now=T0)


def test_only_pending_widening_proposals_take_a_summary(session: Session) -> None:
    shorter = changed(replace(_category("cases"), retention=7 * DAY))
    immediate = propose(session, GOVERNANCE, shorter, actor=ACTOR, now=T0, title="t").immediate
    assert immediate is not None
    with pytest.raises(ProposalError, match="only widening"):
        attach_consultation_summary(session, immediate.id, "/c", actor=ACTOR, now=T0)
    with pytest.raises(ProposalError, match="no such proposal"):
        withdraw(session, 999, actor=ACTOR, now=T0)
    with pytest.raises(ProposalError, match="title"):
        propose(session, GOVERNANCE, shorter, actor=ACTOR, now=T0, title="  ")


def _exposure_alive(engine: Engine, key: dict[str, bytes]) -> bool:
    with session_factory(engine)() as session:
        from civitrace.server.db.models import Exposure  # noqa: PLC0415

        return session.get(Exposure, key["exposure_key"]) is not None


def test_enforcement_uses_the_inventory_in_force(engine: Engine) -> None:
    exposure = load_factories()["exposures"]
    sessions = session_factory(engine)
    keys = _category("exposure_keys")
    with sessions() as session:
        wider = changed(replace(keys, retention=20 * DAY))
        widening = propose(session, GOVERNANCE, wider, actor=ACTOR, now=T0, title="20 days")
        session.commit()
        assert widening.widening is not None
        proposal = widening.widening.id
        born = T0 + NOTICE - 16 * DAY
        sixteen_days_old = exposure(session, born)
        session.commit()
    enforce(engine, GOVERNANCE, now=T0 + NOTICE)  # date passed, no summary: still 14 days
    assert not _exposure_alive(engine, sixteen_days_old)
    with sessions() as session:
        attach_consultation_summary(session, proposal, "/c/2", actor=ACTOR, now=T0 + NOTICE)
        again = exposure(session, T0 + NOTICE - 16 * DAY)
        session.commit()
    enforce(engine, GOVERNANCE, now=T0 + NOTICE)  # in force: 20 days
    assert _exposure_alive(engine, again)
    with sessions() as session:
        shorter = changed(replace(keys, retention=7 * DAY))
        propose(session, GOVERNANCE, shorter, actor=ACTOR, now=T0 + NOTICE, title="7 days")
        session.commit()
    enforce(engine, GOVERNANCE, now=T0 + NOTICE)  # narrowing: at once
    assert not _exposure_alive(engine, again)


def test_a_removed_category_is_deleted_at_once(engine: Engine) -> None:
    slip = load_factories()["kiosk_slips"]
    sessions = session_factory(engine)
    with sessions() as session:
        key = slip(session, T0)
        session.commit()
        without = Inventory(tuple(c for c in BASE if c.name != "kiosk_slips"))
        propose(session, GOVERNANCE, without, actor=ACTOR, now=T0 + DAY, title="No more slips")
        session.commit()
    report = enforce(engine, GOVERNANCE, now=T0 + DAY)
    assert report.deleted["kiosk_slips"] == 1
    with sessions() as session:
        from civitrace.server.db import Base  # noqa: PLC0415

        table = Base.metadata.tables["kiosk_slips"]
        assert (
            session.execute(select(table).where(table.c.slip_id == key["slip_id"])).first() is None
        )
