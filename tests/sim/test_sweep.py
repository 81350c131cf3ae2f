"""Sweep planning: grids, parameter names and values, and what each task runs (no cluster)."""

from pathlib import Path

import pytest

from civitrace.sim import METRICS, compare, load_scenario
from civitrace.sim.errors import SweepError
from civitrace.sim.sweep import (
    order_rows,
    parse_param,
    plan_sweep,
    read_grid_file,
    run_task,
)

GERMANY = load_scenario("germany")


@pytest.mark.parametrize(
    ("option", "name", "values"),
    [
        ("app.uptake=0.2,0.4", "app.uptake", (0.2, 0.4)),
        ("testing.capacity_per_100k=100,inf", "testing.capacity_per_100k", (100, float("inf"))),
        ("app.enabled=true,false", "app.enabled", (True, False)),
        ("app.architecture=centralized, decentralized", "app.architecture",
         ("centralized", "decentralized")),
        ('app.adoption="mandatory"', "app.adoption", ("mandatory",)),
    ],
)  # fmt: skip
def test_parse_param(option: str, name: str, values: tuple[object, ...]) -> None:
    assert parse_param(option) == (name, values)


@pytest.mark.parametrize("option", ["app.uptake", "=0.2", "app.uptake=", "app.uptake=0.2,,0.3"])
def test_parse_param_rejects(option: str) -> None:
    with pytest.raises(SweepError, match="name=value1,value2"):
        parse_param(option)


def test_grid_file(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('name = "mine"\n[app]\nuptake = 0.5\n', encoding="utf-8")
    path = tmp_path / "grid.toml"
    path.write_text(
        'scenarios = ["germany", "mine.toml"]\nagents = 1000\ndays = 20\nseeds = [4, 7]\n'
        '[grid]\n"app.uptake" = [0.1, 0.9]\ndisease.beta = [0.02]\n'
        "[grid.population.contacts]\ncommunity = [5.0, 10.0]\n",
        encoding="utf-8",
    )
    spec = read_grid_file(path)
    assert spec.grid == {
        "app.uptake": (0.1, 0.9),
        "disease.beta": (0.02,),
        "population.contacts.community": (5.0, 10.0),
    }
    assert spec.scenarios == ("germany", str(tmp_path / "mine.toml"))
    assert (spec.agents, spec.days, spec.seeds) == (1000, 20, (4, 7))
    assert read_grid_file(_write(tmp_path, "seeds = 2\n[grid]\na.b = [1]\n")).seeds == (0, 1)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "g.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[grid\n", "Expected"),
        ("surprise = 1\n", "surprise: unknown key"),
        ("grid = 3\n", "grid must be a table"),
        ("[grid]\napp.uptake = 0.5\n", "app.uptake: give a non-empty list"),
        ("[grid]\napp.uptake = []\n", "app.uptake: give a non-empty list"),
        ("seeds = 0\n", "seeds must be"),
        ("seeds = [1, 1]\n", "seeds must be"),
        ("agents = 1.5\n", "agents must be an integer"),
        ("scenarios = 'germany'\n", "scenarios must be a list"),
    ],
)
def test_bad_grid_file(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SweepError, match=message):
        read_grid_file(_write(tmp_path, text))
    with pytest.raises(SweepError, match="No such file"):
        read_grid_file(tmp_path / "missing.toml")


def test_plan_applies_parameters_where_they_belong() -> None:
    grid = {"app.uptake": [0.1, 0.9], "disease.beta": [0.02], "population.venues_per_agent": [3]}
    plan = plan_sweep([GERMANY], grid, agents=1_000, days=10, seeds=[0, 5])
    assert plan.scenario_names == ("baseline", "germany")
    assert plan.points == ((0.1, 0.02, 3), (0.9, 0.02, 3))
    assert len(plan.tasks) == 2 * 2
    assert plan.expected_rows == 2 * 2 * 2 * len(METRICS)
    for task in plan.tasks:
        baseline, germany = task.scenarios
        assert germany.app.uptake == plan.points[task.point][0]
        assert baseline == load_scenario("baseline")  # the reference is never altered
        assert not baseline.app.enabled
        assert task.disease.beta == 0.02
        assert task.population.venues_per_agent == 3
        assert task.population.agents == 1_000
    assert [(t.point, t.seed) for t in plan.tasks] == [(0, 0), (0, 5), (1, 0), (1, 5)]


def test_setting_a_field_does_not_switch_an_intervention_on() -> None:
    taiwan = load_scenario("taiwan")  # no app
    plan = plan_sweep([taiwan], {"app.uptake": [0.5]}, agents=100, days=5, seeds=[0])
    assert not plan.tasks[0].scenarios[1].app.enabled
    plan = plan_sweep([taiwan], {"app.enabled": [True]}, agents=100, days=5, seeds=[0])
    assert plan.tasks[0].scenarios[1].app.enabled


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"app.uptak": [0.5]}, "grid: app.uptak = 0.5: unknown parameter"),
        ({"app.uptake": [0.5, 1.5]}, "grid: app.uptake = 1.5: must be a probability"),
        ({"app.uptake": ["high"]}, "grid: app.uptake = 'high': must be a number"),
        (
            {"app.architecture": ["federated"]},
            "grid: app.architecture = 'federated': must be one of",
        ),
        ({"uptake": [0.5]}, "grid: uptake: a parameter is table.field"),
        ({"population.agents": [5]}, "grid: population.agents = 5: must be an integer in"),
        ({"disease.beta": [-1.0]}, "grid: disease.beta = -1.0: must be >= 0"),
        ({"disease.nope": [1]}, "grid: disease.nope = 1: unknown parameter"),
        ({"app.uptake": []}, "grid: app.uptake: give at least one value"),
    ],
)
def test_bad_grid_names_the_parameter(grid: dict[str, list[object]], message: str) -> None:
    with pytest.raises(SweepError) as info:
        plan_sweep([GERMANY], grid, agents=100, days=5, seeds=[0])
    assert str(info.value).startswith(message), str(info.value)


def test_bad_run_settings() -> None:
    with pytest.raises(SweepError, match="at least one scenario"):
        plan_sweep([], {}, agents=100, days=5, seeds=[0])
    with pytest.raises(SweepError, match="seeds"):
        plan_sweep([GERMANY], {}, agents=100, days=5, seeds=[])
    with pytest.raises(SweepError, match="distinct"):
        plan_sweep([GERMANY], {}, agents=100, days=5, seeds=[1, 1])
    with pytest.raises(SweepError, match="days"):
        plan_sweep([GERMANY], {}, agents=100, days=0, seeds=[0])
    with pytest.raises(SweepError, match="distinct"):
        plan_sweep([GERMANY, GERMANY], {}, agents=100, days=5, seeds=[0])
    with pytest.raises(SweepError, match="too large"):
        plan_sweep([GERMANY], {f"app.{k}": [0.1] * 101 for k in ("uptake", "adherence")},
                   agents=100, days=5, seeds=range(11))  # fmt: skip


def test_a_task_gives_the_compare_rows_of_its_point() -> None:
    plan = plan_sweep([GERMANY], {"app.uptake": [0.9]}, agents=1_500, days=25, seeds=[3])
    rows = run_task(plan.tasks[0])
    assert len(rows) == plan.expected_rows
    germany = plan.tasks[0].scenarios[1]
    expected = compare([germany], agents=1_500, days=25, seeds=[3]).rows
    assert [(*r[1:4], repr(r[4])) for r in rows] == [(*r[:3], repr(r[3])) for r in expected]
    shuffled = list(reversed(rows))
    assert order_rows(plan, shuffled) == rows
