"""Targets as inputs: what a target path costs (a scenario's ``target_paths:``).

A target of the plan's register (``data/targets.yaml``) that measures an indicator of the poverty
standard (``maps_to.indicator``, e.g. hygienic water = 100 % − households deprived in water) can be
stated as a path instead of money: ``target_paths: {hygienic_water: {2028: 100}}``. The path runs
in a straight line from the baseline's level (the synthetic households of the baseline) to each
stated year and holds its last value afterwards. Year by year, the money of the target's
component (``maps_to.component``) is raised until the district's mean share deprived in the
indicator meets the path (bisection to 2 % of the amount, on the first ``PRICING_DRAWS`` draws,
common random numbers), spread over the communes like the component's own money (or like the
scenario's, or per poor household). A year the path cannot be met — households no programme
reaches keep their deprivations (docs/model.md §4b) — gets the money beyond which more buys less
than 0.05 percentage points, and is reported as not met. Money is million VND.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planning.basics.errors import PlanningInputError
from planning.models.engine import project
from planning.models.indicators import LedgerSetup, cached_ledger_setup, ledger_counts
from planning.stores.standards import load_standard
from planning.stores.targets import Target, load_targets

if TYPE_CHECKING:
    from planning.models.prepared import Prepared

__all__ = ["PRICING_DRAWS", "PricedPaths", "baseline_percent", "price_target_paths"]

PRICING_DRAWS = 100
_MAX_AMOUNT = 1_000_000.0  # 1,000 bn VND a year for one component in the district: the search's end
_REL_TOL = 0.02


@dataclass(frozen=True)
class PricedPaths:
    """``amounts`` [unit, component, year] the paths add; ``table``: one row per target and year
    (target, component, indicator, year, goal_percent, projected_percent, amount, met)."""

    amounts: np.ndarray
    table: pd.DataFrame


def _targets(prep: Prepared) -> dict[str, Target]:
    path = prep.loaded.baseline_dir / "targets.yaml"
    reg = load_targets(path if path.exists() else None)
    return {t.id: t for t in reg.targets}


def _check(prep: Prepared, paths: dict[str, dict[int, float]]) -> dict[str, Target]:
    known = _targets(prep)
    src = prep.loaded.source
    priceable = [t for t, x in known.items() if x.maps_to is not None and x.maps_to.indicator]
    out = {}
    for tid, by_year in paths.items():
        field = f"target_paths.{tid}"
        t = known.get(tid)
        if t is None or t.maps_to is None or not t.maps_to.indicator:
            raise PlanningInputError(src, field, f"a target of the register that measures an indicator of the "
                                     f"poverty standard ({', '.join(priceable)}); state the money of other "
                                     "targets' components instead", tid,
                                     message_vi=f"chỉ tiêu '{tid}' không gắn với chỉ số thiếu hụt nào của chuẩn "
                                                f"nghèo (dùng được: {', '.join(priceable)}); hãy ghi kinh phí cho "
                                                "hợp phần của nó")
        if t.maps_to.component not in prep.book.ids:
            raise PlanningInputError(src, field, f"a target whose component is in the programme book "
                                     f"({t.maps_to.component} is not)", tid)
        for year, value in by_year.items():
            if not 0.0 <= value <= 100.0:
                raise PlanningInputError(src, f"{field}.{year}", "a percent from 0 to 100", value,
                                         message_vi=f"{field}.{year}: cần một tỷ lệ phần trăm từ 0 đến 100")
        out[tid] = t
    return out


def _pattern(prep: Prepared, amounts: np.ndarray, k: int, t: int) -> np.ndarray:
    """[unit] shares of extra money for component ``k`` in year ``t`` (sum 1)."""
    for w in (amounts[:, k, t], amounts[:, :-1, t].sum(axis=1), prep.baseline.poor.astype(float)):
        if w.sum() > 0:
            return w / w.sum()
    return np.full(amounts.shape[0], 1.0 / amounts.shape[0])


def _start_share(prep: Prepared, setup: LedgerSetup, j: int) -> float:
    """The district's share of households deprived in indicator ``j`` at the baseline."""
    by_unit = setup.profiles.shares()[:, j]
    return float((by_unit * prep.baseline.households).sum() / prep.baseline.households.sum())


def baseline_percent(prep: Prepared, target_id: str) -> float:
    """The district's level of a target that measures an indicator, at the baseline (percent),
    as the model starts it (the synthetic households of the baseline)."""
    t = _check(prep, {target_id: {}})[target_id]
    assert t.maps_to is not None and t.maps_to.indicator is not None
    setup = cached_ledger_setup(prep)
    return t.maps_to.percent_from_deprived(_start_share(prep, setup, setup.profiles.indicators.index(t.maps_to.indicator)))


def price_target_paths(prep: Prepared, paths: dict[str, dict[int, float]], *,
                       draws: int = PRICING_DRAWS) -> PricedPaths:
    """The money that meets each target path (module docstring), targets in the order given."""
    targets = _check(prep, paths)
    years = prep.years
    setup = cached_ledger_setup(prep)
    inputs = prep.engine_inputs()
    d = prep.engine_draws()
    d = d.take(slice(0, min(draws, d.n)))
    K = inputs.targets.shape[0]
    ddir = prep.loaded.baseline_dir
    in_force = [set(load_standard(s, ddir).indicator_ids) for s in prep.standards]
    amounts = prep.amounts.copy()
    added = np.zeros_like(amounts)
    rows = []

    def share(a: np.ndarray, j: int) -> np.ndarray:
        """District share deprived in indicator ``j`` per year (mean over draws)."""
        led = np.zeros((inputs.n_years, inputs.n_units, d.n, 6 + 3 * K))
        out = project(replace(inputs, amounts=a), d, outputs=("households",), ledger=led)
        counts = ledger_counts(setup, out["households"], led)[..., j].sum(axis=1)
        return (counts / out["households"].sum(axis=1)).mean(axis=0)

    for tid, by_year in paths.items():
        t_ = targets[tid]
        link = t_.maps_to
        assert link is not None and link.indicator is not None
        j = setup.profiles.indicators.index(link.indicator)
        k = prep.book.ids.index(link.component)
        start = _start_share(prep, setup, j)
        stated = sorted((int(y), float(v)) for y, v in by_year.items())
        xs = [prep.baseline.year] + [y for y, _ in stated]
        ys = [link.percent_from_deprived(start)] + [v for _, v in stated]
        for t, year in enumerate(years):
            goal_pct = float(np.interp(year, xs, ys))
            if link.indicator not in in_force[t]:
                continue
            goal = link.deprived_from_percent(goal_pct)
            pat = _pattern(prep, amounts, k, t)

            def at(x: float, t: int = t, pat: np.ndarray = pat, k: int = k, j: int = j) -> float:
                a = amounts.copy()
                a[:, k, t] += x * pat
                return float(share(a, j)[t])

            now = at(0.0)
            x, met = 0.0, True
            if now > goal:
                lo, hi, prev = 0.0, 1_000.0, now
                while True:
                    v = at(hi)
                    if v <= goal:
                        break
                    if hi >= _MAX_AMOUNT or prev - v < 0.0005:
                        met = False  # more money buys (almost) nothing more: keep what still did
                        break
                    lo, prev, hi = hi, v, min(hi * 2.0, _MAX_AMOUNT)
                if met:
                    while hi - lo > _REL_TOL * hi:
                        mid = 0.5 * (lo + hi)
                        lo, hi = (lo, mid) if at(mid) <= goal else (mid, hi)
                x = hi if met else lo
                amounts[:, k, t] += x * pat
                added[:, k, t] += x * pat
            rows.append({"target": tid, "component": link.component, "indicator": link.indicator, "year": year,
                         "goal_percent": goal_pct,
                         "projected_percent": link.percent_from_deprived(float(share(amounts, j)[t])),
                         "amount": x, "met": met})
    table = pd.DataFrame(rows, columns=["target", "component", "indicator", "year", "goal_percent",
                                        "projected_percent", "amount", "met"])
    return PricedPaths(amounts=added, table=table)
