"""The words the governance pages translate, and dates and durations in the page language.

Codes stored by :mod:`civitrace.governance` (reader names, requester types, decisions, proposal
statuses) are shown through these tables so that a page never prints an identifier where a
reader expects a word; a code the tables do not know (a category a deployment added) is shown
as it is, marked as English.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal

from babel.dates import format_date, format_datetime, format_timedelta

from civitrace.governance.durations import parse_duration
from civitrace.web.catalogs import N_
from civitrace.web.i18n import Language, gettext

CATEGORY_TITLES: Final = {
    "operational": N_("Running the service"),
    "exposure_keys": N_("Exposure keys of people who tested positive"),
    "verification_codes": N_("Verification codes"),
    "verification_tokens": N_("Verification tokens"),
    "rate_limits": N_("Counts of wrong codes"),
    "checkin_reports": N_("Shared venue check-ins"),
    "venue_warnings": N_("Venue warnings"),
    "kiosk_slips": N_("Paper check-in slips"),
    "privacy_ledger": N_("Privacy budget ledger"),
    "usage_reports": N_("App usage reports"),
    "staff_accounts": N_("Staff accounts"),
    "staff_sessions": N_("Staff sign-in sessions"),
    "cases": N_("Cases"),
    "quarantine_followups": N_("Quarantine follow-up"),
    "consultation_participants": N_("Consultation participants"),
    "consultations": N_("Consultations"),
    "audit_log": N_("Audit log"),
    "inventory_proposals": N_("Proposed changes to this list"),
    "access_requests": N_("Requests for data from others"),
}
"""A plain title for each category of the shipped inventory."""

READERS: Final = {
    "admin": N_("Administrators of the health authority"),
    "case-worker": N_("Case workers"),
    "venue-tracer": N_("Venue tracers"),
    "statistician": N_("Statisticians"),
    "auditor": N_("Auditors"),
    "facilitator": N_("Consultation facilitators"),
    "data-subject": N_("The person the data is about"),
    "devices": N_("Apps on phones"),
    "federation-peers": N_("Partner services in other regions"),
    "public": N_("Everyone (it is published)"),
    "system": N_("The service's own processing only"),
}

REQUESTER_TYPES: Final = {
    "police": N_("Police"),
    "ministry": N_("Other ministries and authorities"),
    "company": N_("Companies"),
    "other": N_("Others"),
}

OUTCOMES: Final = {
    "granted": N_("Granted"),
    "partial": N_("Partly granted"),
    "refused": N_("Refused"),
    "pending": N_("Not yet decided"),
}

STATUSES: Final = {
    "in-force": N_("In force"),
    "pending": N_("Announced, not yet in force"),
    "awaiting-summary": N_("Waiting for the consultation summary"),
    "withdrawn": N_("Withdrawn"),
}

KINDS: Final = {
    "baseline": N_("Starting point"),
    "immediate": N_("Applies at once"),
    "widening": N_("Collects more: waits for the notice period"),
}

EFFECTS: Final = {
    "widening": N_("Collects more"),
    "narrowing": N_("Collects less"),
    "editorial": N_("Wording only"),
}

_Unit = Literal["day", "hour", "minute", "second"]
_EXACT_UNITS: Final[tuple[tuple[_Unit, timedelta], ...]] = (
    ("day", timedelta(days=1)),
    ("hour", timedelta(hours=1)),
    ("minute", timedelta(minutes=1)),
    ("second", timedelta(seconds=1)),
)


def word(table: dict[str, str], code: str, language: Language) -> str:
    """``code`` through ``table`` in ``language``; an unknown code as it is."""
    source = table.get(code)
    return code if source is None else gettext(language, source)


def category_title(name: str, language: Language) -> str:
    """A category's plain title (its name with spaces when the shipped list lacks it)."""
    source = CATEGORY_TITLES.get(name)
    if source is None:
        return name.replace("_", " ").capitalize()
    return gettext(language, source)


def duration(value: timedelta | None, language: Language) -> str:
    """A retention in the page language: ``14 días``, ``14天``; ``None`` is "while the service
    runs". Written in the largest unit that divides it exactly, as the inventory states it."""
    if value is None:
        return gettext(language, N_("As long as the service runs"))
    for unit, size in _EXACT_UNITS:
        if value % size == timedelta(0) and (value >= size or unit == "second"):
            return format_timedelta(
                value, granularity=unit, threshold=10**9, format="long", locale=language.locale
            )
    return str(value)  # sub-second durations are refused by the inventory


def duration_text(text: str | None, language: Language) -> str:
    """A retention as stored in a change (``"14 days"``, ``None``), in the page language."""
    if text is None:
        return duration(None, language)
    try:
        return duration(parse_duration(text), language)
    except ValueError:
        return text


def format_day(value: date, language: Language) -> str:
    """``value`` in the language's long date format (``30 de junio de 2027``)."""
    return format_date(value, format="long", locale=language.locale)


def day(moment: datetime, language: Language) -> str:
    """The UTC date of ``moment`` in the language's long format."""
    return format_day(moment.astimezone(UTC).date(), language)


def moment(value: datetime, language: Language) -> str:
    """Date and time in UTC, in the language's format, with "UTC" said."""
    text = format_datetime(
        value.astimezone(UTC), format="medium", tzinfo=UTC, locale=language.locale
    )
    return f"{text} UTC"
