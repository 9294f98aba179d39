"""Breakeven of the key assumptions: at the plan's own budget and allocation, the value of each
assumption (re-poverty, new poverty, income growth, unit costs, effects, coverage limits, size
of the 2027 switch) at which P(district rate < target) would reach a probability, by
bisection; or "not reachable" within the range searched. Part of ``planning target``
(:mod:`planning.analyses.target`).

Rates and probabilities are shares in [0, 1]; income growth is in log points a year.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

import numpy as np
import pandas as pd

from planning.models.engine import Draws, EngineInputs
from planning.models.runner import Prepared

_BREAKEVEN_DRAWS = 300
_BISECT = 7  # halvings of each assumption's range: to within 1/128 of it


class Runs(Protocol):
    """What breakeven needs of the target's evaluator (:class:`planning.analyses.target._Evaluator`)."""

    inputs: EngineInputs
    draws: Draws

    def end(self, amounts: np.ndarray, draws: Draws | None = None, inputs: EngineInputs | None = None
            ) -> tuple[np.ndarray, np.ndarray]: ...


#: breakeven levers: (id, what it scales, search range from the current value to the limit)
LEVERS: tuple[tuple[str, str, float, float], ...] = (
    ("repoverty", "multiplier", 1.0, 0.0),
    ("new_poverty", "multiplier", 1.0, 0.0),
    ("income_growth", "added", 0.0, 0.25),
    ("unit_costs", "multiplier", 1.0, 0.01),
    ("effects", "multiplier", 1.0, 20.0),
    ("coverage_limits", "multiplier", 1.0, 20.0),
    ("switch_size", "multiplier", 1.0, 0.0),
)


def _lever(ev: Runs, draws: Draws, lever: str, x: float) -> tuple[EngineInputs, Draws]:
    inputs = ev.inputs
    if lever == "repoverty":
        draws = replace(draws, escaped_relative_risk=draws.escaped_relative_risk * x)
    elif lever == "new_poverty":
        m = max(x, 1e-6)  # everyone's setbacks × m, the newly escaped's kept as they were
        draws = replace(draws, setback_probability=draws.setback_probability * m,
                        escaped_relative_risk=draws.escaped_relative_risk / m)
    elif lever == "income_growth":
        draws = replace(draws, growth=draws.growth + x)
    elif lever == "unit_costs":
        draws = replace(draws, unit_cost=draws.unit_cost * x)
    elif lever == "effects":
        draws = replace(draws, effect_income=draws.effect_income * x,
                        effect_deprivation=np.minimum(draws.effect_deprivation * x, 0.999),
                        effect_protect=np.minimum(draws.effect_protect * x, 0.999))
    elif lever == "coverage_limits":
        inputs = replace(inputs, coverage_cap=np.minimum(inputs.coverage_cap * x, 1.0))
    elif lever == "switch_size":
        draws = replace(draws, switch_scale=np.full(draws.n, x))
    else:  # pragma: no cover (LEVERS lists them all)
        raise ValueError(lever)
    return inputs, draws


def breakeven(prep: Prepared, ev: Runs, probability: float = 0.5, draws: int = _BREAKEVEN_DRAWS
              ) -> pd.DataFrame:
    """Per key assumption: its current value and the value at which the plan's own budget and
    allocation reach P(district rate < target) ≥ ``probability`` (bisection), or not reachable."""
    base = ev.draws.take(slice(0, min(draws, ev.draws.n)))
    target = prep.plan.target_rate

    def prob(lever: str, x: float) -> float:
        inputs, d = _lever(ev, base, lever, x)
        poor, hh = ev.end(prep.amounts, d, inputs)
        return float((poor.sum(axis=1) / hh.sum(axis=1) < target).mean())

    current_growth = float(np.mean(base.growth))
    rows = []
    for lever, _kind, start, limit in LEVERS:
        p_now = prob(lever, start)
        p_limit = prob(lever, limit)
        needed = None
        if p_now >= probability:
            needed = start
        elif p_limit >= probability:
            lo, hi = start, limit
            for _ in range(_BISECT):
                mid = 0.5 * (lo + hi)
                if prob(lever, mid) >= probability:
                    hi = mid
                else:
                    lo = mid
            needed = hi
        current = current_growth if lever == "income_growth" else 1.0
        value = None if needed is None else (current_growth + needed if lever == "income_growth" else needed)
        rows.append({"assumption": lever, "kind": "log points a year" if lever == "income_growth" else "x current",
                     "current_value": current, "value_needed": value, "reachable": needed is not None,
                     "limit_searched": current_growth + limit if lever == "income_growth" else limit,
                     "p_now": p_now, "p_at_limit": p_limit})
    return pd.DataFrame(rows)
