"""Strategies as data: intervention dataclasses, the Scenario, and the TOML loader.

A scenario file is TOML: top-level ``name``, ``title``, ``summary``, ``approximates`` and
``sources``, then one table per intervention (``[testing]``, ``[isolation]``, ``[quarantine]``,
``[manual_tracing]``, ``[app]``, ``[venue_checkin]``) and any number of ``[[lockdowns]]``.
A table that is left out is switched off. Every value is checked; a bad file raises
:class:`~civitrace.sim.errors.ScenarioError` naming the field (``app.uptake``).
"""

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from civitrace.sim.errors import ParameterError, ScenarioError
from civitrace.sim.params import LayerValues, check_probability
from civitrace.sim.tomlmap import from_table

Adoption = Literal["voluntary", "mandatory"]
Architecture = Literal["decentralized", "centralized"]
Register = Literal["decentralized", "central"]
TriggerMetric = Literal["diagnosed", "hospitalised"]

_INF_DAYS = 10**6


def _check_days(owner: str, name: str, value: int, low: int = 0) -> None:
    if value < low:
        raise ParameterError(f"{owner}.{name} must be >= {low} days, got {value}")


@dataclass(frozen=True, slots=True)
class Testing:
    """Diagnostic testing: symptomatic, of traced contacts, and random (mass) testing.

    ``capacity_per_100k`` tests a day are done. Whoever is not tested that day waits in a queue
    (:mod:`civitrace.sim.waitlist`): hospitalised, then symptomatic, then contacts, then random,
    first come first served within each; after ``max_wait_days`` untested they give up. A test
    is positive with ``sensitivity`` when its subject is infectious.
    """

    enabled: bool = False
    symptomatic_seek: float = 0.5  # share of people with new symptoms who get tested
    delay_days: int = 2  # from test to result (diagnosis)
    sensitivity: float = 0.85
    capacity_per_100k: float = math.inf  # tests per day per 100k agents
    contacts_tested: float = 0.0  # share of notified contacts tested when notified
    random_daily: float = 0.0  # share of the population tested at random each day
    max_wait_days: int = 7  # days in the test queue before giving up untested
    retention_days: int = 30  # how long the authority keeps a test record

    def __post_init__(self) -> None:
        for name in ("symptomatic_seek", "sensitivity", "contacts_tested", "random_daily"):
            check_probability("testing", name, getattr(self, name))
        _check_days("testing", "delay_days", self.delay_days)
        _check_days("testing", "max_wait_days", self.max_wait_days, 1)
        _check_days("testing", "retention_days", self.retention_days)
        if not self.capacity_per_100k >= 0:
            raise ParameterError("testing.capacity_per_100k must be >= 0")


@dataclass(frozen=True, slots=True)
class Isolation:
    """Isolation of diagnosed people: contacts scaled by ``factors`` per layer."""

    enabled: bool = False
    adherence: float = 0.8
    days: int = 10
    factors: LayerValues = field(default_factory=lambda: LayerValues(household=0.3))
    facility: bool = False  # isolated in a facility: no household contacts either

    def __post_init__(self) -> None:
        check_probability("isolation", "adherence", self.adherence)
        _check_days("isolation", "days", self.days, 1)
        self.factors.check("isolation.factors", probability=True)


@dataclass(frozen=True, slots=True)
class Quarantine:
    """Quarantine of notified contacts (and of households of diagnosed people)."""

    enabled: bool = False
    household: bool = True  # quarantine the household of every diagnosed person
    adherence: float = 0.7  # of household members; notified contacts use their channel's
    days: int = 14
    factors: LayerValues = field(
        default_factory=lambda: LayerValues(household=0.6, school=0.1, work=0.1, community=0.1)
    )
    electronic_fence: bool = False  # phone-location monitoring raises adherence (Taiwan)
    fence_adherence: float = 0.97

    def __post_init__(self) -> None:
        check_probability("quarantine", "adherence", self.adherence)
        check_probability("quarantine", "fence_adherence", self.fence_adherence)
        _check_days("quarantine", "days", self.days, 1)
        self.factors.check("quarantine.factors", probability=True)


@dataclass(frozen=True, slots=True)
class ManualTracing:
    """Interview-based tracing of diagnosed people, limited by staff capacity."""

    enabled: bool = False
    capacity_per_100k: float = 10.0  # index cases interviewed per day per 100k agents
    delay_days: int = 2  # from interview to the contact being reached
    window_days: int = 7  # contacts recalled this far back
    recall: LayerValues = field(
        default_factory=lambda: LayerValues(
            household=1.0, school=0.8, work=0.6, community=0.1, venue=0.05
        )
    )
    adherence: float = 0.8
    retention_days: int = 30

    def __post_init__(self) -> None:
        if not self.capacity_per_100k >= 0:
            raise ParameterError("manual_tracing.capacity_per_100k must be >= 0")
        _check_days("manual_tracing", "delay_days", self.delay_days)
        _check_days("manual_tracing", "window_days", self.window_days, 1)
        _check_days("manual_tracing", "retention_days", self.retention_days)
        self.recall.check("manual_tracing.recall", probability=True)
        check_probability("manual_tracing", "adherence", self.adherence)


@dataclass(frozen=True, slots=True)
class App:
    """Proximity exposure notification by smartphone (Bluetooth), both phones needed.

    ``uptake`` is the share of smartphone owners running the app; ``token_coverage`` the share
    of people *without* a smartphone given a wearable token (TraceTogether). ``mandatory``
    adoption forces diagnosed users to upload; voluntary leaves it to ``upload_prob`` (consent).
    ``centralized``: the authority receives every uploader's encounter log with identities.
    ``location_tracking``: the app reports every user's whereabouts (health-code apps).
    """

    enabled: bool = False
    adoption: Adoption = "voluntary"
    architecture: Architecture = "decentralized"
    uptake: float = 0.4
    token_coverage: float = 0.0
    upload_prob: float = 0.6
    detection: LayerValues = field(
        default_factory=lambda: LayerValues(
            household=0.9, school=0.7, work=0.7, community=0.5, venue=0.5
        )
    )
    window_days: int = 14
    delay_days: int = 1
    adherence: float = 0.6
    location_tracking: bool = False
    retention_days: int = 21

    def __post_init__(self) -> None:
        for name in ("uptake", "token_coverage", "upload_prob", "adherence"):
            check_probability("app", name, getattr(self, name))
        self.detection.check("app.detection", probability=True)
        _check_days("app", "window_days", self.window_days, 1)
        _check_days("app", "delay_days", self.delay_days)
        _check_days("app", "retention_days", self.retention_days)


@dataclass(frozen=True, slots=True)
class VenueCheckin:
    """Venue check-in (QR) and warnings to people present with a diagnosed person.

    ``decentralized`` (Corona-Warn-App event registration): check-ins stay on phones, the
    diagnosed person consents to share (``share_prob``). ``central``: the authority holds a
    register of every check-in (SafeEntry, KI-Pass) and warns without anyone's consent.
    """

    enabled: bool = False
    register: Register = "decentralized"
    uptake: float = 0.3  # share of agents who check in at venues
    share_prob: float = 0.5
    window_days: int = 14
    delay_days: int = 1
    adherence: float = 0.5
    retention_days: int = 25

    def __post_init__(self) -> None:
        for name in ("uptake", "share_prob", "adherence"):
            check_probability("venue_checkin", name, getattr(self, name))
        _check_days("venue_checkin", "window_days", self.window_days, 1)
        _check_days("venue_checkin", "delay_days", self.delay_days)
        _check_days("venue_checkin", "retention_days", self.retention_days)


@dataclass(frozen=True, slots=True)
class Lockdown:
    """A measure that scales layers while a trigger holds (lockdown, venue or school closure).

    It starts when the 7-day mean of daily ``metric`` per 100k reaches ``start_per_100k`` (or on
    ``start_day``), and stops when it falls to ``stop_per_100k`` after at least ``min_days``.
    """

    name: str = "lockdown"
    metric: TriggerMetric = "diagnosed"
    start_per_100k: float = math.inf
    stop_per_100k: float = 0.0
    start_day: int = _INF_DAYS
    min_days: int = 14
    factors: LayerValues = field(
        default_factory=lambda: LayerValues(
            household=1.0, school=1.0, work=1.0, community=1.0, venue=1.0
        )
    )

    def __post_init__(self) -> None:
        if not self.start_per_100k >= self.stop_per_100k >= 0:
            raise ParameterError("lockdowns.start_per_100k must be >= stop_per_100k >= 0")
        _check_days("lockdowns", "start_day", self.start_day)
        _check_days("lockdowns", "min_days", self.min_days)
        self.factors.check("lockdowns.factors", probability=True)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One strategy: which interventions run, with which parameters, and what it approximates."""

    name: str
    title: str = ""
    summary: str = ""
    approximates: str = ""
    sources: tuple[str, ...] = ()
    testing: Testing = field(default_factory=Testing)
    isolation: Isolation = field(default_factory=Isolation)
    quarantine: Quarantine = field(default_factory=Quarantine)
    manual_tracing: ManualTracing = field(default_factory=ManualTracing)
    app: App = field(default_factory=App)
    venue_checkin: VenueCheckin = field(default_factory=VenueCheckin)
    lockdowns: tuple[Lockdown, ...] = ()

    def __post_init__(self) -> None:
        if not self.name or not all(ch.isalnum() or ch in "-_" for ch in self.name):
            raise ParameterError("name must be non-empty letters, digits, '-' or '_'")

    @property
    def traces(self) -> bool:
        """Whether any contact-finding channel (manual, app, venue) is on."""
        return self.manual_tracing.enabled or self.app.enabled or self.venue_checkin.enabled


# ---------------------------------------------------------------------------------------------
# Loading


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """A Scenario from TOML text; ScenarioError naming the field when anything is wrong."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "toml", str(exc)) from None
    scenario: Scenario = from_table(Scenario, table, "", source)
    return scenario


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A bundled scenario by name (``germany``) or a scenario file by path."""
    path = Path(name_or_path)
    if isinstance(name_or_path, Path) or path.suffix == ".toml":
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(str(path), "file", exc.strerror or str(exc)) from None
        except UnicodeDecodeError:
            raise ScenarioError(str(path), "file", "is not UTF-8 text") from None
        return parse_scenario(text, str(path))
    name = str(name_or_path)
    if name not in scenario_names():
        known = ", ".join(scenario_names())
        raise ScenarioError(name, "name", f"no such scenario (bundled: {known})")
    text = _scenario_dir().joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return parse_scenario(text, f"{name}.toml")


def _scenario_dir() -> "resources.abc.Traversable":
    return resources.files("civitrace.sim").joinpath("scenarios")


def scenario_names() -> tuple[str, ...]:
    """Names of the bundled scenarios, baseline first, then alphabetical."""
    names = sorted(
        p.name.removesuffix(".toml") for p in _scenario_dir().iterdir() if p.name.endswith(".toml")
    )
    return tuple(sorted(names, key=lambda n: (n != "baseline", n)))


__all__ = [
    "App",
    "Isolation",
    "Lockdown",
    "ManualTracing",
    "Quarantine",
    "Scenario",
    "Testing",
    "VenueCheckin",
    "load_scenario",
    "parse_scenario",
    "scenario_names",
]
