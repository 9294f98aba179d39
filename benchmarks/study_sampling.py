"""How many draws each sampling method needs for the headline numbers (issue 20, item 2).

    .venv/bin/python benchmarks/study_sampling.py [--seeds 16] [--out docs/results/sampling_2026-12-07]

For the district plan, the 2030 district mean rate and the chance of a rate below the median
of a 20,000-draw reference run (a chance near one half: the hardest case for a probability)
are computed with plain random draws, a Latin hypercube and scrambled Sobol' points, at 64 to
1,024 draws, each with ``--seeds`` seeds. The error is against the 20,000-draw random
reference. A power law RMSE = c·n^(−a) fitted per method and number gives the draws needed for
±0.3 pp on the mean and ±0.03 on the chance (95 %: 1.96 × RMSE within the tolerance). The
table is printed and written to ``OUT/sampling_study.csv`` (per method and size) and
``OUT/draws_needed.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from planning.models.engine import project
from planning.models.runner import prepare

SCENARIO = "scenarios/district_plan.yaml"
SIZES = (64, 128, 256, 512, 1024)
METHODS = ("random", "lhs", "sobol")
TOL = {"mean": 0.003, "chance": 0.03}  # ±0.3 pp on the mean; ±0.03 on the chance


def end_rates(draws: int, seed: int, method: str) -> np.ndarray:
    prep = prepare(SCENARIO, draws=draws, seed=seed, sampling=method)
    out = project(prep.engine_inputs(), prep.engine_draws(), outputs=("poor", "households"))
    return out["poor"][:, :, -1].sum(axis=1) / out["households"][:, :, -1].sum(axis=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--out", default="docs/results/sampling_2026-12-07")
    args = ap.parse_args()
    ref = end_rates(20_000, 999, "random")
    truth = {"mean": float(ref.mean())}
    cut = float(np.median(ref))
    truth["chance"] = float((ref < cut).mean())
    rows = []
    for method in METHODS:
        for n in SIZES:
            est = {"mean": [], "chance": []}
            for s in range(args.seeds):
                r = end_rates(n, 1000 + s, method)
                est["mean"].append(r.mean())
                est["chance"].append((r < cut).mean())
            for q, vals in est.items():
                v = np.asarray(vals)
                rows.append({"method": method, "draws": n, "quantity": q, "seeds": args.seeds,
                             "rmse": float(np.sqrt(np.mean((v - truth[q]) ** 2))), "sd": float(v.std(ddof=1)),
                             "bias": float(v.mean() - truth[q])})
    study = pd.DataFrame(rows)
    need = []
    for (method, q), g in study.groupby(["method", "quantity"], sort=False):
        slope, icpt = np.polyfit(np.log(g["draws"]), np.log(g["rmse"]), 1)
        target = TOL[q] / 1.96
        n_needed = float(np.exp((np.log(target) - icpt) / slope))
        need.append({"method": method, "quantity": q, "tolerance": TOL[q], "rate_exponent": -slope,
                     "draws_needed": int(np.ceil(n_needed)),
                     "rmse_at_1024": float(g.loc[g["draws"] == 1024, "rmse"].iloc[0])})
    need = pd.DataFrame(need)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    study.to_csv(out / "sampling_study.csv", index=False, float_format="%.6g")
    need.to_csv(out / "draws_needed.csv", index=False, float_format="%.4g")
    print(f"reference: 20,000 random draws; mean {truth['mean']:.5f}; chance below {cut:.5f}: {truth['chance']:.3f}")
    with pd.option_context("display.width", 160):
        print(study.pivot_table(index=["quantity", "draws"], columns="method", values="rmse").to_string(
            float_format=lambda v: f"{v:.5f}"))
        print(need.to_string(index=False))


if __name__ == "__main__":
    main()
