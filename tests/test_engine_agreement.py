"""One model family: the commune engine and the household microsimulation tell the same story.

The microsimulation is the engine's model realised household by household (docs/microsim.md
§3), with the same draws. On every shipped scenario, the district poverty and near-poor rates
(mean over draws) of ``planning.run(s, engine="commune")`` and ``engine="microsim"`` agree in
every year. Required: within 1 pp (poor) and 1.5 pp (near-poor); asserted here 0.3 pp and
0.4 pp, against a measured maximum of 0.22 pp and 0.25 pp over seeds 1, 2 and the scenarios'
own, 100-200 draws (docs/microsim.md §6). What is left: the engine applies the share ξ of the
poor who fall below 3 deprivations at the 2027 switch also to the near-poor it has just made
poor (with ``decompose=False``; ≈ +0.1 pp in the microsimulation from 2027, reported to the
engine's owners), the engine's 0.1-log-point histogram (≈ +0.09 pp, measured against bins 4×
finer) and Monte Carlo noise. Without the switch (keep_decree_07) the gap is ≤ 0.06 pp.

Flows (households, district), ``FLOW_TOLERANCE``: totals over 2026-2030 (measured maxima:
exits 1.8 %, lifts 1.4 %, re-poor 2.7 %, new poor 1.1 %, reclassified poor 3.3 % — the ξ issue
above —, newly escaped stock 0.9 %) and every year, in pp of the district's households
(measured: 0.07, 0.11, 0.04, 0.04, 0.10 and 0.19 pp; the stock of newly escaped households
differs most in 2027: the microsimulation's one start, built with the draws' mean transitory
loss, leaves about 20 more of them below the new line, which lists them, docs/microsim.md §6).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import planning
from planning.basics.paths import scenarios_dir
from planning.models import microsim as ms
from planning.models.engine import project

SEED = 20261126
DRAWS = 120  # the household noise on the mean is ~0.02 pp here; the test takes ~15 s in all
POOR_TOLERANCE_PP = 0.3  # required: 1 pp
NEAR_POOR_TOLERANCE_PP = 0.4  # required: 1.5 pp
#: flow -> (totals 2026-2030: |microsimulation / engine − 1|, any year: |Δ| in pp of households)
FLOW_TOLERANCE = {"exits": (0.03, 0.12), "lifts": (0.03, 0.15), "re_poor": (0.05, 0.06), "new_poor": (0.03, 0.06),
                  "reclassified_poor": (0.05, 0.15), "escaped_stock": (0.02, 0.25)}
SCENARIOS = sorted(scenarios_dir().glob("*.yaml"))


def test_there_are_shipped_scenarios() -> None:
    assert len(SCENARIOS) >= 5 and "keep_decree_07" in {p.stem for p in SCENARIOS}


def _district(res: planning.Result, name: str) -> np.ndarray:
    """Mean over draws of the district total of ``name`` per year (households)."""
    return res.aggregate(name)[:, -1].mean(axis=0)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_district_trajectories_agree(path: Path) -> None:
    kw = {"draws": DRAWS, "seed": SEED, "counterfactual": False}
    commune = planning.run(path, engine="commune", **kw)
    micro = planning.run(path, engine="microsim", **kw)
    for name, tol in (("poor", POOR_TOLERANCE_PP), ("near_poor", NEAR_POOR_TOLERANCE_PP)):
        gap = np.abs(micro.district_rates(name).mean(axis=0) - commune.district_rates(name).mean(axis=0)) * 100
        assert gap.max() < tol, f"{path.stem}: {name} rate gap {np.round(gap, 3)} pp by year {commune.years}"
    households = _district(commune, "households")
    assert np.abs(_district(micro, "households") / households - 1).max() < 0.001
    for name, (tol, tol_pp) in FLOW_TOLERANCE.items():
        a, b = _district(commune, name), _district(micro, name)
        by_year = np.abs(b - a) / households * 100
        assert by_year.max() < tol_pp, f"{path.stem}: {name} {np.round(a, 1)} vs {np.round(b, 1)}"
        if a.sum() > 0:
            assert abs(b.sum() / a.sum() - 1) < tol, f"{path.stem}: {name} totals {a.sum():.1f} vs {b.sum():.1f}"
        else:
            assert b.sum() == 0, f"{path.stem}: {name}"


def test_switch_agrees_with_the_documented_rule() -> None:
    """Against the engine's documented switch rule (ξ on the poor of the last review only, the
    engine's ``decompose=True`` path), the district plan's poverty rate agrees within 0.15 pp
    (left: the histogram) and the reclassified poor within 2 %."""
    prep = planning.prepare("district_plan.yaml", draws=DRAWS, seed=SEED)
    eng = project(prep.engine_inputs(), prep.engine_draws(), decompose=True)
    micro = ms.project_prepared(prep, counterfactual=False)[0]
    households = eng["households"].sum(axis=1).mean(axis=0)
    gap = np.abs((micro["poor"].sum(axis=1) - eng["poor"].sum(axis=1)).mean(axis=0))
    assert (gap / households * 100).max() < 0.15, np.round(gap / households * 100, 3)
    a, b = eng["reclassified_poor"].sum(), micro["reclassified_poor"].sum()
    assert abs(b / a - 1) < 0.02, (a / DRAWS, b / DRAWS)
