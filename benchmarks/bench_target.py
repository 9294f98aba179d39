"""Benchmark of "what would it take" and of the calibration (one command prints a table).

    .venv/bin/python benchmarks/bench_target.py [--repeat 2]

Cases (issue "The model on real ground"):
* the cost curve, 20 budget levels × 1,000 draws of the district plan with the best of 4
  allocation rules only (chosen at each level on 100 draws), target < 5 s on 2 cores;
* the whole ``planning target`` answer (curve with the allocation optimised at every level,
  smallest budgets, breakeven, decomposition), target < 30 s (issue 20), for the district plan
  and for the whole plan;
* the shipped calibration (Sơn La, 5,000 sampler steps) and one synthetic recovery check, with
  the sampler and with the reference posterior (importance sampling) that checks it.
Time is the best of ``--repeat`` runs after a warm-up (compiled kernels loaded).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable

import numba

from planning.analyses.calibration_outputs import calibrate
from planning.analyses.recovery import recovery_check, synthetic_problem
from planning.analyses.target import LEVELS, _Evaluator, cost_curve, what_it_takes
from planning.models.runner import prepare

PLAN = "scenarios/district_plan.yaml"


def best_of(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: compiled kernels, caches
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    logging.getLogger("emcee").setLevel(logging.ERROR)
    print(f"numba threads: {numba.get_num_threads()}")
    prep = prepare(PLAN, draws=1000)
    whole = prepare("scenarios/whole_plan.yaml", draws=1000)

    def curve() -> None:
        cost_curve(prep, _Evaluator(prep), optimise=False)

    problem = synthetic_problem(PLAN)
    cases = [
        (f"cost curve, rules only: {len(LEVELS)} levels x 1,000 draws", lambda: curve(), 5.0),
        ("planning target (optimised), district plan", lambda: what_it_takes(prep), 30.0),
        ("planning target (optimised), whole plan", lambda: what_it_takes(whole), 30.0),
        ("calibrate Sơn La (5,000 steps x 48 walkers)", lambda: calibrate("data/observed.csv", units=["Sơn La"]), None),
        ("recovery check, 1 seed (5,000 steps x 48 walkers)", lambda: recovery_check(PLAN, seed=1, problem=problem), None),
        ("recovery check, 1 seed (reference posterior)",
         lambda: recovery_check(PLAN, seed=1, problem=problem, method="reference"), None),
    ]
    print(f"{'case':48} {'seconds':>8} {'target s':>9}  met")
    for name, fn, target in cases:
        sec = best_of(fn, args.repeat if target else 1)
        met = "—" if target is None else ("yes" if sec < target else "NO")
        print(f"{name:48} {sec:>8.2f} {('' if target is None else f'{target:.1f}'):>9}  {met}")


if __name__ == "__main__":
    main()
