"""Governance data shaped for templates, in the page language.

The templates only lay out what these functions return; every word and date is already in the
page language here, so the pages and their tests agree on one source.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from civitrace.governance.access_requests import OUTCOMES
from civitrace.governance.inventory import Category
from civitrace.governance.proposals import Proposal
from civitrace.server.db.governance_models import ProposalKind, RequesterType
from civitrace.web.governance import words
from civitrace.web.governance.change_text import ChangeText, grouped
from civitrace.web.governance.inventory_text import CategoryText, category_text
from civitrace.web.i18n import Language


@dataclass(frozen=True, slots=True)
class CategoryView:
    """One category of the inventory in force, as the transparency page lists it."""

    name: str
    title: str
    personal: bool
    texts: CategoryText
    retention: str
    retention_seconds: int | None
    readers: tuple[str, ...]


def categories(items: Iterable[Category], language: Language) -> list[CategoryView]:
    """Personal categories first (what a reader worries about), then the rest, by title."""
    views = [
        CategoryView(
            name=c.name,
            title=words.category_title(c.name, language),
            personal=c.personal,
            texts=category_text(c, language),
            retention=words.duration(c.retention, language),
            retention_seconds=None if c.retention is None else int(c.retention.total_seconds()),
            readers=tuple(words.word(words.READERS, r, language) for r in c.readers),
        )
        for c in items
    ]
    return sorted(views, key=lambda view: (not view.personal, view.title.casefold()))


@dataclass(frozen=True, slots=True)
class ProposalView:
    """A proposal for the public pages."""

    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    title: str
    rationale: str
    created: str
    effective: str
    effective_day: str
    waits: bool
    summary_url: str | None
    summary_published: str | None
    withdrawn: str | None
    groups: list[tuple[str, list[ChangeText]]]
    widening: int
    narrowing: int

    @property
    def is_baseline(self) -> bool:
        return self.kind == ProposalKind.BASELINE


def proposal(item: Proposal, language: Language) -> ProposalView:
    baseline = item.kind == ProposalKind.BASELINE
    groups = grouped(item.changes, language, baseline=baseline)
    count = {} if baseline else {effect: len(changes) for effect, changes in groups}
    return ProposalView(
        id=item.id,
        kind=str(item.kind),
        kind_label=words.word(words.KINDS, str(item.kind), language),
        status=str(item.status),
        status_label=words.word(words.STATUSES, str(item.status), language),
        title=item.title,
        rationale=item.rationale,
        created=words.moment(item.created_at, language),
        effective=words.moment(item.effective_at, language),
        effective_day=words.day(item.effective_at, language),
        waits=item.kind == ProposalKind.WIDENING,
        summary_url=item.consultation_summary_url,
        summary_published=(
            None
            if item.summary_published_at is None
            else words.moment(item.summary_published_at, language)
        ),
        withdrawn=None if item.withdrawn_at is None else words.moment(item.withdrawn_at, language),
        groups=groups,
        widening=count.get("widening", 0),
        narrowing=count.get("narrowing", 0),
    )


@dataclass(frozen=True, slots=True)
class StatisticsView:
    """The access-request counts as a table: a row per requester type, a column per outcome."""

    columns: list[tuple[str, str]]  # (outcome, label)
    rows: list[tuple[str, str, list[int], int]]  # (type, label, counts, total)
    totals: list[int]
    total: int


def statistics(counts: Mapping[str, Mapping[str, int]], language: Language) -> StatisticsView:
    columns = [(outcome, words.word(words.OUTCOMES, outcome, language)) for outcome in OUTCOMES]
    rows = []
    for kind in RequesterType:
        cells = [int(counts.get(str(kind), {}).get(outcome, 0)) for outcome, _ in columns]
        label = words.word(words.REQUESTER_TYPES, str(kind), language)
        rows.append((str(kind), label, cells, sum(cells)))
    totals = [sum(row[2][i] for row in rows) for i in range(len(columns))]
    return StatisticsView(columns, rows, totals, sum(totals))


def _day(value: object, language: Language) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return value
    return words.format_day(parsed, language)


def register(entries: Sequence[Mapping[str, Any]], language: Language) -> list[dict[str, Any]]:
    """The published (redacted) register, newest first, with words in the page language."""
    shown = []
    for entry in reversed(entries):
        outcome = str(entry.get("decision") or "pending")
        shown.append(
            {
                "id": entry["id"],
                "received": _day(entry.get("receivedOn"), language),
                "requester": entry.get("requester"),
                "individual": bool(entry.get("requesterIsIndividual")),
                "type": words.word(words.REQUESTER_TYPES, str(entry["requesterType"]), language),
                "legal_basis": entry.get("legalBasisClaimed"),
                "categories": [
                    words.category_title(name, language)
                    for name in entry.get("categoriesRequested", [])
                ],
                "outcome": outcome,
                "outcome_label": words.word(words.OUTCOMES, outcome, language),
                "reason": entry.get("reason"),
                "decided": _day(entry.get("decidedOn"), language),
            }
        )
    return shown
