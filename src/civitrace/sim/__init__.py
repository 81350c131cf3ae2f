"""Policy lab: an agent-based epidemic model comparing strategies (DESIGN §7, issue 7).

Knows nothing of the server. Its public surface:

- :func:`load_scenario`, :func:`scenario_names`, :class:`Scenario`: strategies as TOML data;
- :class:`PopulationConfig`, :func:`build_population`: the synthetic city;
- :class:`DiseaseParams`, :func:`simulate`, :class:`RunResult`: one seeded run;
- :func:`compare`, :class:`Comparison`, :func:`run_metrics`, :func:`summarize`: many runs;
- :mod:`civitrace.sim.report`: CSV and the self-contained HTML report (matplotlib);
- :mod:`civitrace.sim.tables`: the same rows (and sweep tables) as Parquet and CSV;
- :mod:`civitrace.sim.sweep`: parameter grids x scenarios x seeds on Dask;
- :mod:`civitrace.sim.calibrate`: R0 as the model measures it, beta for a target R0.
"""

from civitrace.sim.errors import ParameterError, ScenarioError, SimError
from civitrace.sim.lab import Comparison, compare
from civitrace.sim.metrics import METRICS, run_metrics, summarize
from civitrace.sim.model import RunResult, simulate
from civitrace.sim.params import DiseaseParams, LayerValues, PopulationConfig
from civitrace.sim.population import Population, build_population
from civitrace.sim.scenario import Scenario, load_scenario, parse_scenario, scenario_names

__all__ = [
    "METRICS",
    "Comparison",
    "DiseaseParams",
    "LayerValues",
    "ParameterError",
    "Population",
    "PopulationConfig",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimError",
    "build_population",
    "compare",
    "load_scenario",
    "parse_scenario",
    "run_metrics",
    "scenario_names",
    "simulate",
    "summarize",
]
