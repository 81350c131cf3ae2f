"""Policy-lab benchmark: civitrace.sim against covasim in the same process.

    python bench/sim.py [--quick]      (civitrace importable: installed, or PYTHONPATH=src)

Both models simulate the same number of agents for the same days with symptomatic testing,
isolation and contact tracing on (civitrace: the ``germany`` scenario — testing, isolation,
household quarantine, manual tracing, app, event check-in, triggered closures; covasim 4.0.1:
the hybrid population with ``test_prob`` and ``contact_tracing``). Only the daily loop is timed
(``time.perf_counter``, and the process's CPU time, which other jobs on a shared machine do not
inflate); building each model's population is timed separately. Rounds are
interleaved and the best round counts (the machine is shared). The full run adds civitrace at
1 M agents x 180 days, with the ``germany`` scenario and with no intervention (the most
infections, so the most contacts to draw). The last line is one JSON object.
"""

import argparse
import json
import os
import platform
import sys
import time
from typing import Any

import numpy as np

from civitrace.sim import PopulationConfig, build_population, load_scenario, simulate
from civitrace.sim.lab import population_rng


def civitrace_round(
    agents: int, days: int, seed: int, scenario: str = "germany"
) -> tuple[float, float, float, float]:
    """Build and run once: build seconds, run seconds, attack rate, run CPU seconds."""
    t0 = time.perf_counter()
    pop = build_population(PopulationConfig(agents=agents), population_rng(seed))
    t1 = time.perf_counter()
    c1 = time.process_time()
    result = simulate(load_scenario(scenario), pop, days, seed)
    c2 = time.process_time()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, float(result.infected.mean()), c2 - c1


def covasim_round(agents: int, days: int, seed: int) -> tuple[float, float, float]:
    import covasim as cv  # noqa: PLC0415

    t0 = time.perf_counter()
    sim = cv.Sim(
        pop_size=agents,
        pop_type="hybrid",
        n_days=days,
        rand_seed=seed,
        verbose=0,
        interventions=[
            cv.test_prob(symp_prob=0.6, asymp_prob=0.0, test_delay=2),
            cv.contact_tracing(trace_probs={"h": 1.0, "s": 0.8, "w": 0.6, "c": 0.1}, trace_time=2),
        ],
    )
    sim.initialize()
    t1 = time.perf_counter()
    sim.run()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, float(sim.results["cum_infections"][-1]) / agents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under 60 s")
    args = parser.parse_args()
    agents, days, rounds = (20_000, 60, 3) if args.quick else (100_000, 180, 3)
    try:
        import covasim  # noqa: PLC0415

        have_covasim = True
        covasim_round(2_000, 5, 0)  # warm up numba's compiled kernels outside the timing
    except ImportError:
        have_covasim = False
    civitrace_round(2_000, 5, 0)
    ours: list[float] = []
    ours_cpu: list[float] = []
    theirs: list[float] = []
    attack: dict[str, float] = {}
    build: dict[str, float] = {}
    for r in range(rounds):
        b, t, a, cpu = civitrace_round(agents, days, r)
        ours.append(t)
        ours_cpu.append(cpu)
        attack["civitrace"], build["civitrace"] = a, b
        print(f"round {r}: civitrace {agents * days / t / 1e6:.2f} M agent-days/s", file=sys.stderr)
        if have_covasim:
            b, t, a = covasim_round(agents, days, r)
            theirs.append(t)
            attack["covasim"], build["covasim"] = a, b
            print(
                f"round {r}: covasim {agents * days / t / 1e6:.2f} M agent-days/s", file=sys.stderr
            )
    figures: dict[str, Any] = {
        "benchmark": "sim",
        "quick": args.quick,
        "agents": agents,
        "days": days,
        "rounds": rounds,
        "civitrace_agent_days_per_s": round(agents * days / min(ours)),
        "civitrace_median_agent_days_per_s": round(agents * days / float(np.median(ours))),
        "civitrace_seconds": round(min(ours), 3),
        "civitrace_cpu_seconds": round(min(ours_cpu), 3),
        "civitrace_population_build_s": round(build["civitrace"], 3),
        "civitrace_attack_rate_last": round(attack["civitrace"], 4),
        "covasim": have_covasim,
    }
    if have_covasim:
        import covasim  # noqa: PLC0415

        figures.update(
            covasim_version=covasim.__version__,
            covasim_agent_days_per_s=round(agents * days / min(theirs)),
            covasim_median_agent_days_per_s=round(agents * days / float(np.median(theirs))),
            covasim_seconds=round(min(theirs), 3),
            covasim_population_build_s=round(build["covasim"], 3),
            covasim_attack_rate_last=round(attack["covasim"], 4),
            ratio=round(min(theirs) / min(ours), 2),
        )
    else:
        figures["note"] = "covasim is not installed: civitrace measured alone"
    if not args.quick:
        b, t, _, cpu = civitrace_round(1_000_000, 180, 0)
        _, t_base, a_base, cpu_base = civitrace_round(1_000_000, 180, 0, "baseline")
        figures.update(
            civitrace_1m_180d_seconds=round(t, 2),
            civitrace_1m_180d_cpu_seconds=round(cpu, 2),
            civitrace_1m_population_build_s=round(b, 2),
            civitrace_1m_agent_days_per_s=round(180_000_000 / t),
            civitrace_1m_baseline_seconds=round(t_base, 2),
            civitrace_1m_baseline_cpu_seconds=round(cpu_base, 2),
            civitrace_1m_baseline_attack_rate=round(a_base, 4),
        )
    figures.update(
        python=platform.python_version(),
        numpy=np.__version__,
        cpus=os.cpu_count(),
        load_average_1m=round(os.getloadavg()[0], 2),
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
