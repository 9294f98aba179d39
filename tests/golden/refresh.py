"""Re-record the golden district trajectories after an INTENDED change of numbers.

Run: .venv/bin/python tests/golden/refresh.py   (then review the diff before committing)
"""

from pathlib import Path

import pandas as pd

import planning

ROOT = Path(__file__).resolve().parents[2]
rows = []
for name in ("no_new_programmes", "district_plan", "shock_2027"):
    s = planning.run(ROOT / "scenarios" / f"{name}.yaml", draws=200, seed=1).summary()
    d = s[s.level == "district"]
    rows.append(pd.DataFrame({"scenario": name, "year": d["year"], "poverty_rate_mean": d["poverty_rate_mean"]}))
pd.concat(rows).to_csv(Path(__file__).with_name("district_trajectories.csv"), index=False, float_format="%.10f")
print("written", Path(__file__).with_name("district_trajectories.csv"))
