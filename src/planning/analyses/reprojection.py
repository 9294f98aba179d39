"""Poverty re-projected from what the offices reported (``planning monitor report``).

The monitoring workbook says how fast the plan's other targets move. For each target that
measures an indicator of the poverty standard (``maps_to.indicator`` in data/targets.yaml:
hygienic water, health-insurance cards) the reported pace — the least-squares slope of the
district's reported level (the mean of the reporting units) over the years reported, in points a
year — is carried from the model's own baseline level to the end year, and the scenario (by
default the district plan) is run with those target paths priced as its money for the indicator
(models/pricing.py). The projection of the district's poverty rate comes with the money the
< 1 % goal would need at that pace: the smallest multiple of the scenario's money (with the
paths' money) giving an even chance, by the cost curve of analyses/target.py. Targets without an
indicator keep the scenario's money for their components. Rates are shares; money million VND.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planning.analyses.progress import Progress
from planning.basics.i18n import Lang
from planning.basics.numbers import fmt_number, fmt_pct

__all__ = ["Reprojection", "reported_paces", "reproject"]

PROJECTION_COLUMNS = ["year", "poverty_rate_mean", "poverty_rate_p05", "poverty_rate_p95"]
DRAWS = 300
#: budget multiples searched for the money the goal needs (the cost curve's, up to 30×)
LEVELS = (0, 0.5, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 15, 20, 30)


@dataclass(frozen=True)
class Reprojection:
    """``projection``: district poverty rate per year (``PROJECTION_COLUMNS``); ``paces``: target,
    pace (points a year), years reported, path end (percent); ``need``: the money the goal needs
    (probability, reached, budget_scale, total_budget) for an even chance; ``scenario``: its title."""

    projection: pd.DataFrame
    paces: pd.DataFrame
    need: pd.Series
    title: dict[str, str]
    target: float
    plan_money: float = 0.0  # the scenario's own money, million VND
    priced_money: float = 0.0  # what the reported pace of the indicator targets costs on top
    draws: int = 0  # Monte Carlo draws of the projection and the money it needs
    seed: int = 0

    def sentence(self, lang: Lang = "vi") -> str:
        """The report's sentence on the re-projection."""
        p = self.projection.iloc[-1]
        y1 = int(p["year"])
        rate, lo, hi = (fmt_pct(float(p[c]), lang, 1) for c in ("poverty_rate_mean", "poverty_rate_p05",
                                                                 "poverty_rate_p95"))
        used = self.paces.dropna(subset=["pace_points_per_year"])
        tgt = fmt_pct(self.target, lang, 0)
        bn = "tỷ đồng" if lang == "vi" else "billion VND"
        own, paced = (fmt_number(x / 1000, lang, 1) for x in (self.plan_money, self.priced_money))
        total = fmt_number((self.plan_money + self.priced_money) / 1000, lang, 1)
        if lang == "vi":
            names = ", ".join(f"{r['name_vi'].lower()} ({fmt_number(r['pace_points_per_year'], lang, 1)} điểm %/năm)"
                              for _, r in used.iterrows()) or "không chỉ tiêu nào có đủ hai năm số liệu"
            s = (f"Theo tốc độ các chỉ tiêu khác đã báo cáo ({names}), với kinh phí của kịch bản “{self.title['vi']}” "
                 f"({own} {bn}) cộng {paced} {bn} mà tốc độ đó cần (tổng {total} {bn}), "
                 f"tỷ lệ hộ nghèo năm {y1} dự kiến khoảng {rate} (90%: {lo}–{hi}); ")
            if bool(self.need["reached"]):
                s += (f"để có khả năng 50% đạt dưới {tgt} cần khoảng {fmt_number(self.need['budget_scale'], lang, 1)} "
                      f"lần tổng đó ({fmt_number(self.need['total_budget'] / 1000, lang, 1)} {bn}) đến năm {y1}.")
            else:
                s += f"không mức kinh phí nào đến {fmt_number(LEVELS[-1], lang, 0)} lần đạt khả năng 50% dưới {tgt} năm {y1}."
        else:
            names = ", ".join(f"{r['name_en'].lower()} ({fmt_number(r['pace_points_per_year'], lang, 1)} points a year)"
                              for _, r in used.iterrows()) or "no target has two years of reports"
            s = (f"At the reported pace of the other targets ({names}), with the money of “{self.title['en']}” "
                 f"({own} {bn}) plus the {paced} {bn} that pace costs ({total} {bn} in all), "
                 f"the {y1} poverty rate is expected at about {rate} (90%: {lo}–{hi}); ")
            if bool(self.need["reached"]):
                s += (f"an even chance of < {tgt} needs about {fmt_number(self.need['budget_scale'], lang, 1)} times "
                      f"that total ({fmt_number(self.need['total_budget'] / 1000, lang, 1)} {bn}) by {y1}.")
            else:
                s += f"no budget up to {fmt_number(LEVELS[-1], lang, 0)} times gives an even chance of < {tgt} in {y1}."
        return s


def reported_paces(progress: Progress) -> pd.DataFrame:
    """Per target with an indicator: the district's reported pace (points a year, least squares
    over the years with a report; NaN with fewer than two) and the years used."""
    rows = []
    for t in progress.register.targets:
        if t.maps_to is None or t.maps_to.indicator is None:
            continue
        r = progress.table[(progress.table["target"] == t.id)]
        r = r[r["value"].notna() & (r["value_source"] == "workbook")]
        by_year = r.groupby("year")["value"].mean()
        pace = float(np.polyfit(by_year.index.to_numpy(float), by_year.to_numpy(float), 1)[0]) \
            if len(by_year) >= 2 else float("nan")
        rows.append({"target": t.id, "name_vi": t.name["vi"], "name_en": t.name["en"],
                     "pace_points_per_year": pace, "years_reported": len(by_year)})
    return pd.DataFrame(rows, columns=["target", "name_vi", "name_en", "pace_points_per_year", "years_reported"])


def reproject(progress: Progress, scenario: str | Path, *, data: Path | None = None,
              draws: int = DRAWS) -> Reprojection:
    """The re-projection of the module docstring for ``scenario`` (a file), its data folder
    replaced by ``data`` when given (e.g. the folder written by ``planning review``)."""
    from planning.analyses.target import _Evaluator, cost_curve, smallest_budgets
    from planning.models.pricing import baseline_percent
    from planning.models.runner import prepare, run_prepared
    from planning.stores.scenario import load_scenario

    loaded = load_scenario(scenario)
    sc = loaded.scenario
    if data is not None:
        sc = sc.model_copy(update={"baseline": str(Path(data).resolve())})
        loaded = loaded.model_copy(update={"scenario": sc})
    first = prepare(loaded, draws=min(draws, 4))
    paces = reported_paces(progress)
    end = sc.end_year
    paths: dict[str, dict[int, float]] = {}
    ends = []
    for _, r in paces.iterrows():
        pace = float(r["pace_points_per_year"])
        if not np.isfinite(pace):
            ends.append(np.nan)
            continue
        base = baseline_percent(first, str(r["target"]))
        level = float(np.clip(base + pace * (end - first.baseline.year), 0.0, 100.0))
        paths[str(r["target"])] = {end: level}
        ends.append(level)
    paces = paces.assign(path_end_percent=ends)
    if paths:
        loaded = loaded.model_copy(update={"scenario": sc.model_copy(update={"target_paths": paths})})
    prep = prepare(loaded, draws=draws)
    res = run_prepared(prep, counterfactual=False)
    rates = res.district_rates()
    projection = pd.DataFrame({"year": res.years, "poverty_rate_mean": rates.mean(axis=0),
                               "poverty_rate_p05": np.percentile(rates, 5, axis=0),
                               "poverty_rate_p95": np.percentile(rates, 95, axis=0)}, columns=PROJECTION_COLUMNS)
    ev = _Evaluator(prep)
    curve, _ = cost_curve(prep, ev, LEVELS)
    th = smallest_budgets(prep, curve, ev, probabilities=(0.5,))
    priced = float(prep.priced["amount"].sum()) if prep.priced is not None else 0.0
    return Reprojection(projection=projection, paces=paces, need=th.iloc[0],
                        title={"vi": sc.title.vi, "en": sc.title.en}, target=prep.plan.target_rate,
                        plan_money=float(prep.amounts.sum()) - priced, priced_money=priced,
                        draws=prep.draws, seed=prep.seed)
