"""Side-by-side check of civitrace.sim against covasim: final attack rates, no intervention.

    python bench/sim_vs_covasim.py [--quick] [--agents N] [--days D] [--seeds S]
    python bench/sim_vs_covasim.py --r0 2.4    (no covasim: civitrace alone, at a given R0)

What is matched, and how:

- **Population size, days, seeds, initial infections**: the same numbers on both sides
  (``--initial`` share of agents infected on day 0, seeded at random).
- **Contact layers**: covasim's hybrid population has household, school, work and community
  layers with 20 school, 16 work and 20 community contacts a day and layer weights 3.0, 0.6,
  0.6, 0.3; civitrace uses the same layers (venues off), the same daily contact numbers, the
  same weights, and community partners drawn uniformly (covasim's community layer is random).
- **Disease**: the same natural history (both use the covasim parameter set's age-specific
  prognoses and lognormal durations, docs/sim.md), covasim's age-specific susceptibility
  (Zhang et al. 2020) and its asymptomatic factor 1.0. No reinfection on either side
  (covasim's ``use_waning=False``), and the attack rate counts each person ever infected once.
- **R0**: measured the same way on both sides — mean people infected by the day-0 infections
  over their whole infection (covasim: ``sim.people.infection_log``; civitrace:
  ``civitrace.sim.calibrate``) — and civitrace's ``beta`` is calibrated until its R0 equals
  covasim's. Nothing else is tuned, and the attack rates are never looked at while tuning.

What is not matched (the models differ here by design): covasim's static contact networks
(the same people every day) against civitrace's daily redrawn contacts within the same groups,
covasim's overdispersed individual infectiousness and time-varying viral load, and the two
models' household and school/work group-size distributions.

The last line is one JSON object: both attack rates per seed and their means, both R0s, the
calibrated beta, ``relative_difference`` = (civitrace - covasim) / covasim, and
``within_10_percent``. Exit status 0 when the comparison ran (whatever the difference), 1 when
covasim is not installed and no ``--r0`` was given.
"""

import argparse
import json
import sys
import time
from typing import Any

import numpy as np

from civitrace.sim import DiseaseParams, LayerValues, PopulationConfig, build_population, simulate
from civitrace.sim import constants as c
from civitrace.sim.calibrate import NO_INTERVENTION, calibrate_beta, secondary_cases
from civitrace.sim.lab import population_rng

COVASIM_CONTACTS = LayerValues(school=20.0, work=16.0, community=20.0)  # hybrid 's', 'w', 'c'
COVASIM_LAYER_WEIGHTS = LayerValues(household=3.0, school=0.6, work=0.6, community=0.3)
COVASIM_ASYMPTOMATIC_FACTOR = 1.0


def matched_population(agents: int, initial: float) -> PopulationConfig:
    return PopulationConfig(
        agents=agents,
        contacts=COVASIM_CONTACTS,
        venue_visit_prob=0.0,
        community_mixing=(),
        initial_infected=initial,
    )


def matched_disease(beta: float) -> DiseaseParams:
    return DiseaseParams(
        beta=beta,
        layer_weights=COVASIM_LAYER_WEIGHTS,
        asymptomatic_relative=COVASIM_ASYMPTOMATIC_FACTOR,
        susceptibility_by_age=c.SUSCEPTIBILITY_ZHANG,
    )


def covasim_run(agents: int, days: int, seed: int, initial: float) -> tuple[float, float]:
    """covasim's final attack rate and R0 (secondary cases of the seeds) for one seed."""
    import covasim as cv  # noqa: PLC0415

    sim = cv.Sim(
        pop_size=agents,
        pop_type="hybrid",
        pop_infected=max(1, round(agents * initial)),
        n_days=days,
        rand_seed=seed,
        use_waning=False,  # civitrace has no reinfection: recovered people stay immune
        verbose=0,
    )
    sim.run()
    log = sim.people.infection_log
    # People ever infected, each counted once: covasim's ``cum_infections`` counts infection
    # events, which exceed the population once anybody is infected twice.
    attack = len({entry["target"] for entry in log}) / agents
    seeds = {entry["target"] for entry in log if entry["source"] is None}
    secondary = sum(1 for entry in log if entry["source"] in seeds)
    return attack, secondary / max(1, len(seeds))


def civitrace_run(
    agents: int, days: int, seed: int, initial: float, beta: float
) -> tuple[float, float]:
    pop = build_population(matched_population(agents, initial), population_rng(seed))
    result = simulate(NO_INTERVENTION, pop, days, seed, disease=matched_disease(beta))
    return float(result.infected.mean()), secondary_cases(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k agents, 150 days, 3 seeds")
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--initial", type=float, default=0.005, help="share infected on day 0")
    parser.add_argument("--r0", type=float, help="calibrate to this R0 instead of covasim's")
    args = parser.parse_args()
    agents, days, n_seeds = (20_000, 150, 3) if args.quick else (args.agents, args.days, args.seeds)
    seeds = list(range(n_seeds))
    figures: dict[str, Any] = {
        "benchmark": "sim_vs_covasim",
        "agents": agents,
        "days": days,
        "seeds": n_seeds,
        "initial_infected": args.initial,
    }
    started = time.perf_counter()
    if args.r0 is None:
        try:
            import covasim  # noqa: PLC0415
        except ImportError:
            figures.update(covasim=False, note="covasim is not installed; give --r0 to run alone")
            print("covasim is not installed (pip install -e '.[bench]')", file=sys.stderr)
            print(json.dumps(figures))
            sys.exit(1)
        theirs = [covasim_run(agents, days, s, args.initial) for s in seeds]
        for s, (attack, r) in zip(seeds, theirs, strict=True):
            print(f"covasim seed {s}: attack rate {attack:.4f}, R0 {r:.3f}", file=sys.stderr)
        target = float(np.mean([r for _, r in theirs]))
        figures.update(
            covasim=True,
            covasim_version=covasim.__version__,
            covasim_attack_rates=[round(a, 4) for a, _ in theirs],
            covasim_attack_rate=round(float(np.mean([a for a, _ in theirs])), 4),
            covasim_r0=round(target, 3),
        )
    else:
        target = args.r0
        figures.update(covasim=False, target_r0=target)
    calibration = calibrate_beta(
        target, matched_population(agents, args.initial), matched_disease(0.016), seeds
    )
    r0 = calibration.r0
    print(
        f"civitrace beta {calibration.beta:.5f}: R0 {r0.mean:.3f} ± {r0.stderr:.3f}",
        file=sys.stderr,
    )
    ours = [civitrace_run(agents, days, s, args.initial, calibration.beta) for s in seeds]
    civ_attack = float(np.mean([a for a, _ in ours]))
    figures.update(
        civitrace_beta=round(calibration.beta, 5),
        civitrace_r0=round(r0.mean, 3),
        civitrace_r0_stderr=round(r0.stderr, 3),
        civitrace_calibration_tries=[[round(b, 5), round(r, 3)] for b, r in calibration.tried],
        civitrace_attack_rates=[round(a, 4) for a, _ in ours],
        civitrace_attack_rate=round(civ_attack, 4),
    )
    if figures["covasim"]:
        theirs_mean = float(figures["covasim_attack_rate"])
        relative = (civ_attack - theirs_mean) / theirs_mean
        figures.update(
            relative_difference=round(relative, 4), within_10_percent=abs(relative) <= 0.10
        )
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
