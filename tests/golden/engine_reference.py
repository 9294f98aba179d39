"""Record the engine's reference numbers (unit-year mean poverty rates and probabilities at
1,000 draws) that a faster engine must reproduce within the tolerance of docs/model.md §11.

Run: .venv/bin/python tests/golden/engine_reference.py   (only when the model itself changes on
purpose; a speed change must pass tests/test_engine_speedup.py against the recorded file)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planning.models.engine import project
from planning.models.runner import prepare

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().with_name("engine_reference.csv")
SCENARIOS = ("district_plan", "whole_plan")
#: the probabilities compared: a unit's or the district's rate below these levels
LEVELS = (0.01, 0.03, 0.05, 0.1)


def reference(name: str, draws: int = 1000) -> pd.DataFrame:
    prep = prepare(ROOT / "scenarios" / f"{name}.yaml", draws=draws, seed=1)
    out = project(prep.engine_inputs(), prep.engine_draws(), outputs=("households", "poor"))
    hh, poor = out["households"], out["poor"]  # [draw, unit, year]
    units = list(prep.baseline.units.ids) + ["district"]
    rate = np.concatenate([poor / hh, (poor.sum(1) / hh.sum(1))[:, None, :]], axis=1)
    years = prep.loaded.scenario.years
    rows = []
    for u, unit in enumerate(units):
        for y, year in enumerate(years):
            r = rate[:, u, y]
            row = {"scenario": name, "unit": unit, "year": year, "rate_mean": r.mean()}
            for lv in LEVELS:
                row[f"p_below_{lv:g}"] = float((r < lv).mean())
            rows.append(row)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    pd.concat([reference(n) for n in SCENARIOS]).to_csv(OUT, index=False, float_format="%.8f")
    print("written", OUT.relative_to(ROOT))
