"""How fast the optimiser converges (targets: 11 communes × 8 components × 1,000 draws < 10 s;
500 synthetic communes < 2 minutes).

Run: ``.venv/bin/python benchmarks/bench_optimize.py [--draws 1000] [--big 500]``

Prints one row per case: communes, components, draws (all / used while searching),
iterations, engine cells evaluated, seconds, the optimised and the best built-in rule's
mean end-year district poverty rate, target and met. The 500-commune case uses
``planning.stores.baseline.synthetic_baseline`` (made-up communes, never to be reported) with the
district plan's budget scaled by households. Timings are wall-clock on this machine and vary
with its load; compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from planning.analyses.optimize import BUILTIN_RULES, OPTIMUM, optimize, prepared_on_baseline
from planning.models.runner import prepare
from planning.stores.baseline import synthetic_baseline

SCENARIO = "scenarios/district_plan.yaml"


def _case(name: str, prep, limit_s: float) -> dict:  # noqa: ANN001 (Prepared)
    t0 = time.perf_counter()
    opt = optimize(prep, explain=False)
    seconds = time.perf_counter() - t0
    comp = opt.comparison().set_index("allocation")
    rules = comp.loc[list(BUILTIN_RULES)]
    feasible = rules[rules["feasible"]] if rules["feasible"].any() else rules
    return {
        "case": name,
        "communes": prep.baseline.units.n,
        "components": len(prep.book.ids),
        "draws": f"{prep.draws}/{opt.search_draws}",
        "iterations": int(opt.trace["iteration"].max()),
        "engine_cells": f"{int(opt.trace['engine_cells'].iloc[-1]):,}",
        "seconds": round(seconds, 2),
        "optimum_rate": f"{100 * comp.loc[OPTIMUM, 'poverty_rate_end_mean']:.3f}%",
        "best_rule_rate": f"{100 * feasible['poverty_rate_end_mean'].min():.3f}%",
        "target_s": limit_s,
        "met": seconds < limit_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--big", type=int, default=500, help="synthetic communes in the large case (0 = skip)")
    args = parser.parse_args()
    rows = []
    prep = prepare(SCENARIO, draws=args.draws)
    optimize(prepare(SCENARIO, draws=8), explain=False)  # compile the engine's kernel once, outside the timing
    rows.append(_case("Quỳnh Nhai, district plan", prep, 10.0))
    if args.big:
        b = synthetic_baseline(args.big, seed=1)
        big = prepared_on_baseline(prep, b, budget_scale=float(b.households.sum() / prep.baseline.households.sum()))
        rows.append(_case(f"synthetic {args.big} communes", big, 120.0))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
