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

from planning.errors import PlanningInputError
from planning.paths import data_dir, display_path
from planning.units import Units, load_units, synthetic_units

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

    def district_rate(self, year: int) -> float:
        """Observed-or-illustrative district poverty rate in ``year`` (share of households)."""
        s = self.series[self.series["year"] == year]
        if s.empty:
            raise PlanningInputError("data/baseline.csv", "year", f"a row for year {year}", "none")
        return float(s["poor"].sum() / s["households"].sum())


def _check_columns(df: pd.DataFrame, expected: list[str], shown: str) -> None:
    missing = [c for c in expected if c not in df.columns]
    if missing:
        raise PlanningInputError(shown, missing[0], f"columns {', '.join(expected)}", "absent")


def load_baseline(directory: Path | None = None) -> Baseline:
    """Load units, the review series and deprivation rates from ``directory`` (default data/)."""
    directory = directory or data_dir()
    units = load_units(directory / "units.csv")
    path = directory / "baseline.csv"
    shown = display_path(path)
    if not path.exists():
        raise PlanningInputError(shown, "<file>", "the baseline table", "missing file")
    df = pd.read_csv(path)
    _check_columns(df, BASELINE_COLUMNS, shown)
    bad_status = df.loc[~df["status"].isin(STATUSES), "status"]
    if len(bad_status):
        raise PlanningInputError(shown, "status", f"one of {sorted(STATUSES)}", bad_status.iloc[0],
                                 row=int(bad_status.index[0]) + 2)
    unknown = sorted(set(df["unit"]) - set(units.ids))
    if unknown:
        raise PlanningInputError(shown, "unit", "units listed in data/units.csv", unknown[0])
    values = pd.to_numeric(df["value"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        i = int(values.index[(values.isna()) | (values < 0)][0])
        raise PlanningInputError(shown, "value", "a non-negative number", df.loc[i, "value"], row=i + 2)
    counts = df[df["metric"].isin(["households", "poor", "near_poor"])].assign(value=values)
    wide = counts.pivot_table(index=["unit", "year"], columns="metric", values="value", aggfunc="first")
    wide = wide.dropna().reset_index()
    complete_years = [y for y, g in wide.groupby("year") if set(g["unit"]) == set(units.ids)]
    if not complete_years:
        raise PlanningInputError(shown, "year", "a year with households, poor and near_poor for every unit", "none")
    year = int(max(complete_years))
    series = wide[wide["year"].isin(complete_years)].sort_values(["year", "unit"]).reset_index(drop=True)
    if ((series["poor"] + series["near_poor"]) > series["households"]).any():
        bad = series[(series["poor"] + series["near_poor"]) > series["households"]].iloc[0]
        raise PlanningInputError(shown, "poor", "poor + near_poor <= households",
                                 f"{bad['unit']} {bad['year']}")
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
    used = df[df["metric"].isin(["households", "poor", "near_poor"]) & df["year"].isin(complete_years)]
    return Baseline(
        units=units, year=year, households=households, poor=poor, near_poor=near,
        escaped_cohorts=cohorts, series=series, series_illustrative=bool((used["status"] != "observed").any()),
        deprivation=_load_deprivation(directory / "deprivation_rates.csv", units),
    )


def _load_deprivation(path: Path, units: Units) -> dict[str, dict[str, np.ndarray]]:
    shown = display_path(path)
    if not path.exists():
        raise PlanningInputError(shown, "<file>", "the deprivation-rate table", "missing file")
    df = pd.read_csv(path)
    _check_columns(df, DEPRIVATION_COLUMNS, shown)
    bad = df[~df["group"].isin(GROUPS)]
    if len(bad):
        raise PlanningInputError(shown, "group", f"one of {', '.join(GROUPS)}", bad["group"].iloc[0],
                                 row=int(bad.index[0]) + 2)
    rate = pd.to_numeric(df["rate"], errors="coerce")
    if rate.isna().any() or ((rate < 0) | (rate > 1)).any():
        i = int(rate.index[rate.isna() | (rate < 0) | (rate > 1)][0])
        raise PlanningInputError(shown, "rate", "a share between 0 and 1", df.loc[i, "rate"], row=i + 2)
    df = df.assign(rate=rate)
    latest = df[df["year"] == df["year"].max()]
    out: dict[str, dict[str, np.ndarray]] = {}
    for (group, indicator), g in latest.groupby(["group", "indicator"]):
        s = g.set_index("unit")["rate"].reindex(list(units.ids))
        out.setdefault(str(group), {})[str(indicator)] = s.fillna(1.0).to_numpy(float)
    return out


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
