"""The baseline: households, poor and near-poor by unit and year, and deprivation rates.

Reads ``data/baseline.csv`` (long format, one row per unit × year × metric, each with its
status and source) and ``data/deprivation_rates.csv``. The Quỳnh Nhai figures shipped with the
project are illustrative (data/README.md); replacing them with the district's review results
needs no code change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planning.basics.checks import (
    known_column,
    no_conflicting_duplicates,
    number_column,
    problem,
    read_csv,
    year_column,
)
from planning.basics.errors import PlanningInputError
from planning.basics.paths import data_dir, display_path
from planning.stores.units import Units, load_units, synthetic_units

BASELINE_COLUMNS = ["unit", "year", "metric", "value", "unit_of_measure", "status", "source", "note"]
DEPRIVATION_COLUMNS = ["unit", "year", "group", "indicator", "rate", "status", "source", "note"]
STATUSES = {"observed", "illustrative", "assumption", "derived", "law"}
GROUPS = ("poor", "near_poor", "non_poor")


@dataclass(frozen=True)
class Baseline:
    """State of every unit at the end-of-year review of ``year`` (the projection's start).

    Counts are households. ``series`` holds the whole review series (unit, year, households,
    poor, near_poor) for calibration and the plan path. ``deprivation[g][indicator]`` is the
    share of group ``g`` households deprived in ``indicator`` per unit.
    """

    units: Units
    year: int
    households: np.ndarray
    poor: np.ndarray
    near_poor: np.ndarray
    escaped_cohorts: np.ndarray  # [years since exit (1..3), unit], households
    series: pd.DataFrame
    deprivation: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    series_illustrative: bool = True  # False only when every count in the series is observed

    def deprivation_rate(self, indicator: str, group: str) -> np.ndarray:
        """Share of ``group`` deprived in ``indicator`` per unit (1.0 where no data: no cap)."""
        return self.deprivation.get(group, {}).get(indicator, np.ones(self.units.n))

    def multiply_deprived_share(self, indicators: tuple[str, ...], k: int = 3,
                                group: str = "non_poor") -> np.ndarray:
        """[unit] share of ``group`` deprived in at least ``k`` of ``indicators``, derived from the
        indicator rates assuming indicators independent within the group (Poisson-binomial).
        NaN for a unit missing any indicator's rate."""
        rates = self.deprivation.get(group, {})
        if not indicators or any(i not in rates for i in indicators):
            return np.full(self.units.n, np.nan)
        out = np.empty(self.units.n)
        for u in range(self.units.n):
            dist = np.zeros(len(indicators) + 1)
            dist[0] = 1.0
            for ind in indicators:
                p = float(rates[ind][u])
                dist[1:] = dist[1:] * (1 - p) + dist[:-1] * p
                dist[0] *= 1 - p
            out[u] = dist[k:].sum()
        return out

    def district_rate(self, year: int) -> float:
        """Observed-or-illustrative district poverty rate in ``year`` (share of households)."""
        s = self.series[self.series["year"] == year]
        if s.empty:
            raise PlanningInputError("data/baseline.csv", "year", f"a row for year {year}", "none")
        return float(s["poor"].sum() / s["households"].sum())


#: metric → (unit of measure, kind): counts are whole numbers ≥ 0, shares lie in [0, 1]
METRICS: dict[str, tuple[str, str]] = {
    "households": ("households", "count"), "poor": ("households", "count"),
    "near_poor": ("households", "count"), "population": ("persons", "count"),
    "ethnic_minority_share": ("share", "share"),
    # flows of a review year, written by ``planning review`` (planning.models.review.FLOWS)
    "exits": ("households", "count"), "newly_escaped": ("households", "count"),
    "re_poor": ("households", "count"), "new_poor": ("households", "count"),
}
COUNTS = ("households", "poor", "near_poor")


def read_baseline_table(path: Path, units: Units) -> pd.DataFrame:
    """``data/baseline.csv`` checked row by row: known units, statuses and metrics, years
    2000–2100, finite values (whole counts, shares in [0, 1], at least one household), no
    conflicting repeated rows (identical repeats are dropped). ``year`` is int, ``value`` float."""
    shown = display_path(path)
    df = read_csv(path, columns=BASELINE_COLUMNS, what_en="the baseline table (data/baseline.csv)",
                  what_vi="bảng số liệu gốc (data/baseline.csv)")
    known_column(df, "unit", units.ids, shown, what_en="a unit of units.csv:", what_vi="một đơn vị trong units.csv:")
    known_column(df, "status", sorted(STATUSES), shown)
    known_column(df, "metric", METRICS, shown)
    df = df.assign(year=year_column(df, "year", shown), value=number_column(df, "value", shown))
    for metric, (measure, kind) in METRICS.items():
        rows = df["metric"] == metric
        if not rows.any():
            continue
        sub = df[rows]
        bad_measure = (sub["unit_of_measure"] != measure).to_numpy()
        if bad_measure.any():
            i = int(sub.index[bad_measure.argmax()])
            raise problem(shown, "unit_of_measure", f"'{measure}' for metric {metric}",
                          f"'{measure}' cho chỉ số {metric}", df.loc[i, "unit_of_measure"], row=i + 2)
        if kind == "share":
            number_column(sub, "value", shown, lo=0.0, hi=1.0, what_en=f"a share between 0 and 1 ({metric})",
                          what_vi=f"một tỷ lệ từ 0 đến 1 ({metric})")
        else:
            positive = metric == "households"
            lo = 1 if positive else 0
            what = "households" if measure == "households" else "persons"
            what_vi = "hộ" if measure == "households" else "người"
            number_column(sub, "value", shown, lo=lo, whole=True,
                          what_en=f"a whole number of {what} ≥ {lo} ({metric}; not a fraction, NaN or infinity)",
                          what_vi=f"số {what_vi} là số nguyên ≥ {lo} ({metric}; không phải số lẻ, NaN hay vô cực)")
    return no_conflicting_duplicates(df, ["unit", "year", "metric"], "value", shown)


def load_baseline(directory: Path | None = None) -> Baseline:
    """Load units, the review series and deprivation rates from ``directory`` (default: the data
    folder, ``$PLANNING_DATA_DIR`` or the project's ``data/``); every value is checked first."""
    directory = Path(directory) if directory is not None else data_dir()
    units = load_units(directory / "units.csv")
    path = directory / "baseline.csv"
    shown = display_path(path)
    df = read_baseline_table(path, units)
    counts = df[df["metric"].isin(COUNTS)]
    wide = counts.pivot_table(index=["unit", "year"], columns="metric", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(COUNTS)).dropna().reset_index()
    complete_years = [int(y) for y, g in wide.groupby("year") if set(g["unit"]) == set(units.ids)]
    if not complete_years:
        raise problem(shown, "year", "a year with households, poor and near_poor for every unit",
                      "một năm có đủ households, poor và near_poor cho mọi đơn vị", "none / không có")
    year = int(max(complete_years))
    series = wide[wide["year"].isin(complete_years)].sort_values(["year", "unit"]).reset_index(drop=True)
    over = (series["poor"] + series["near_poor"]) > series["households"]
    if over.any():
        bad = series[over].iloc[0]
        raise problem(shown, "poor", "poor + near_poor ≤ households",
                      "số hộ nghèo + cận nghèo ≤ tổng số hộ", f"{bad['unit']} {int(bad['year'])}")
    last = series[series["year"] == year].set_index("unit").loc[list(units.ids)]
    cohorts = np.zeros((3, units.n))
    # Households that left poverty in the last three reviews are still "newly escaped"
    # (36 months); the net fall in the poor count is the best available proxy of those exits.
    for k in range(3):
        a, b = year - k - 1, year - k
        if a in complete_years and b in complete_years:
            pa = series[series["year"] == a].set_index("unit").loc[list(units.ids), "poor"].to_numpy()
            pb = series[series["year"] == b].set_index("unit").loc[list(units.ids), "poor"].to_numpy()
            cohorts[k] = np.maximum(pa - pb, 0.0)
    households = last["households"].to_numpy(float)
    poor = last["poor"].to_numpy(float)
    near = last["near_poor"].to_numpy(float)
    cohorts = np.minimum(cohorts, np.maximum(households - poor - near, 0) / 3)
    used = df[df["metric"].isin(COUNTS) & df["year"].isin(complete_years)]
    return Baseline(
        units=units, year=year, households=households, poor=poor, near_poor=near,
        escaped_cohorts=cohorts, series=series, series_illustrative=bool((used["status"] != "observed").any()),
        deprivation=_load_deprivation(directory / "deprivation_rates.csv", units),
    )


def _known_indicators(directory: Path) -> list[str]:
    """Every indicator of the standards in ``directory/standards`` (empty when there are none)."""
    from planning.stores.standards import list_standards

    if not (directory / "standards").is_dir():
        return []
    seen: dict[str, None] = {}
    for std in list_standards(directory):
        seen.update(dict.fromkeys(std.indicator_ids))
    return list(seen)


def _load_deprivation(path: Path, units: Units) -> dict[str, dict[str, np.ndarray]]:
    shown = display_path(path)
    df = read_csv(path, columns=DEPRIVATION_COLUMNS, what_en="the deprivation-rate table (data/deprivation_rates.csv)",
                  what_vi="bảng tỷ lệ thiếu hụt (data/deprivation_rates.csv)")
    known_column(df, "unit", units.ids, shown, what_en="a unit of units.csv:", what_vi="một đơn vị trong units.csv:")
    known_column(df, "group", GROUPS, shown)
    known_column(df, "status", sorted(STATUSES), shown)
    indicators = _known_indicators(path.parent)
    if indicators:
        known_column(df, "indicator", indicators, shown, what_en="an indicator of the standards:",
                     what_vi="một chỉ số của các chuẩn nghèo:")
    df = df.assign(year=year_column(df, "year", shown), rate=share_column(df, "rate", shown))
    df = no_conflicting_duplicates(df, ["unit", "year", "group", "indicator"], "rate", shown)
    latest = df[df["year"] == df["year"].max()]
    out: dict[str, dict[str, np.ndarray]] = {}
    for (group, indicator), g in latest.groupby(["group", "indicator"]):
        s = g.set_index("unit")["rate"].reindex(list(units.ids))
        out.setdefault(str(group), {})[str(indicator)] = s.fillna(1.0).to_numpy(float)
    return out


def share_column(df: pd.DataFrame, col: str, shown: str) -> pd.Series:
    """A column of shares in [0, 1]."""
    return number_column(df, col, shown, lo=0.0, hi=1.0, what_en="a share between 0 and 1 (e.g. 0.05 for 5 %)",
                         what_vi="một tỷ lệ từ 0 đến 1 (ví dụ 0.05 là 5 %)")


def synthetic_baseline(n_units: int, *, seed: int = 0, year: int = 2025) -> Baseline:
    """A made-up national-scale baseline of ``n_units`` units (benchmarks and property tests).

    Households 500–5,000 per unit, poverty rates 1–40 %: synthetic, never to be reported.
    """
    rng = np.random.default_rng(seed)
    units = synthetic_units(n_units, seed=seed)
    households = rng.integers(500, 5000, size=n_units).astype(float)
    rate = rng.uniform(0.01, 0.40, size=n_units)
    poor = np.round(households * rate)
    near = np.round(households * rng.uniform(0.03, 0.15, size=n_units))
    cohorts = np.round(np.outer([0.03, 0.03, 0.03], households))
    series = pd.DataFrame({"unit": units.ids, "year": year, "households": households,
                           "poor": poor, "near_poor": near})
    dep = {g: {ind: rng.uniform(0.1, 0.6, size=n_units) for ind in ("housing_quality", "water", "telecom")}
           for g in GROUPS}
    return Baseline(units=units, year=year, households=households, poor=poor, near_poor=near,
                    escaped_cohorts=cohorts, series=series, deprivation=dep)
