"""Scenario files: the bundled library validates, bad files name the field at fault."""

from pathlib import Path

import pytest

from civitrace.errors import CivitraceError
from civitrace.sim import ScenarioError, load_scenario, parse_scenario, scenario_names
from civitrace.sim.scenario import App, Lockdown

REQUIRED = {"baseline", "singapore", "taiwan", "south-korea", "germany", "china"}


def test_library_holds_the_required_scenarios() -> None:
    assert set(scenario_names()) >= REQUIRED
    assert scenario_names()[0] == "baseline"


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_bundled_scenario_validates_and_is_documented(name: str) -> None:
    sc = load_scenario(name)
    assert sc.name == name
    assert sc.title
    assert sc.summary
    assert sc.approximates
    if name != "baseline":
        assert sc.sources, "every country scenario cites its sources"
        assert sc.testing.enabled


def test_tables_switch_interventions_on() -> None:
    sc = load_scenario("germany")
    assert sc.app.enabled
    assert sc.app.architecture == "decentralized"
    assert sc.venue_checkin.register == "decentralized"
    assert isinstance(sc.lockdowns[0], Lockdown)
    assert not load_scenario("taiwan").app.enabled
    assert load_scenario("baseline").app == App()


def test_file_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[app]\nuptake = 0.5\n', encoding="utf-8")
    sc = load_scenario(path)
    assert (sc.name, sc.app.enabled, sc.app.uptake) == ("mine", True, 0.5)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('name = "x"\n[app]\nuptake = 1.5\n', "app.uptake"),
        ('name = "x"\n[app]\nuptak = 0.5\n', "app.uptak"),
        ('name = "x"\n[app]\nuptake = "high"\n', "app.uptake"),
        ('name = "x"\n[app]\narchitecture = "federated"\n', "app.architecture"),
        ('name = "x"\n[app]\ndetection = { household = 2.0 }\n', "app.detection.household"),
        ('name = "x"\n[testing]\nenabled = 1\n', "testing.enabled"),
        ('name = "x"\n[testing]\ndelay_days = -1\n', "testing.delay_days"),
        ('name = "x"\n[quarantine]\ndays = 0\n', "quarantine.days"),
        ('name = "x"\n[[lockdowns]]\nstart_per_100k = 1.0\nstop_per_100k = 5.0\n', "lockdowns"),
        ('name = "x"\nlockdowns = 3\n', "lockdowns"),
        ('title = "no name"\n', "name"),
        ('name = "a b"\n', "scenario"),
        ('name = "x"\nsurprise = true\n', "surprise"),
        ('name = "x"\n[app\n', "toml"),
    ],
)
def test_bad_scenario_names_the_field(text: str, field: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.toml")
    assert info.value.field.startswith(field), str(info.value)
    assert str(info.value).startswith("bad.toml: ")
    assert isinstance(info.value, CivitraceError)


def test_unknown_bundled_name_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario("atlantis")
    with pytest.raises(ScenarioError, match="file"):
        load_scenario(tmp_path / "missing.toml")
