"""Calibration: fit the engine's baseline flows to an observed review series.

The commune engine's yearly flows without new programme money (``transitions.*`` and
``households.growth`` in ``data/model_parameters.yaml``) are assumptions. Given the poor and
near-poor counts of successive end-of-year reviews, :func:`calibrate` finds the flows that
make the engine reproduce them: non-linear least squares on counts (households) with bounds
(``scipy.optimize.least_squares``), per unit or pooled over units, starting each unit from
its first observed year.

* With a ``spending`` column (million VND spent in the unit during that year) the money is
  run through the programme book as the historical programme money, so the fitted flows are
  the flows *without* programmes. Without it, the fitted flows **include** whatever the
  historical programmes achieved (said in every output).
* Uncertainty: standard errors from the Jacobian at the optimum (s²·(JᵀJ)⁻¹), optionally a
  residual bootstrap.
* Back-test: fit on the years up to ``backtest``, report the error on the later years.
* Output: ``calibrated_parameters.yaml`` in the ``{mode, low, high, source}`` shape of
  ``data/model_parameters.yaml``, usable as a scenario's ``overrides.model``.

Rates are shares in [0, 1]; counts are households; money is million VND.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import least_squares

from planning.atomic import write_files
from planning.baseline import Baseline, load_baseline
from planning.engine import EngineInputs, draws_from_samples, project
from planning.errors import PlanningInputError
from planning.i18n import label
from planning.manifest import build_manifest, write_manifest
from planning.parameters import REQUIRED, ModelParameters, load_model_parameters
from planning.paths import data_dir, display_path, scenarios_dir
from planning.programmes import GROUPS, ProgrammeBook, load_programme_book

#: the flows calibrated, as dotted names of data/model_parameters.yaml
FITTED: tuple[str, ...] = (
    "transitions.exit_poor",
    "transitions.lift_near_poor",
    "transitions.fall_near_poor",
    "transitions.repoverty_escaped",
    "transitions.fall_other",
    "households.growth",
)
OBSERVED_COLUMNS = ("unit", "year", "households", "poor", "near_poor")
METRICS = ("households", "poor", "near_poor")
POOLED = "pooled"
_Z90 = 1.6448536269514722  # two-sided 90 % normal quantile
_DEPRIVATION_GROUP = {"poor": "poor", "near_poor": "near_poor", "newly_escaped": "non_poor"}


# ------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class Observed:
    """A checked review series: one row per unit and year (counts in households).

    ``frame`` columns: unit, year, households, poor, near_poor, spending (million VND, 0 when
    not given). ``illustrative`` is true when any row is marked so (``status`` column).
    """

    frame: pd.DataFrame
    source: str
    illustrative: bool
    has_spending: bool

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.frame["unit"]))

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.frame["year"].unique())


def long_to_observed(table: pd.DataFrame | str | os.PathLike[str], *,
                     source: str = "<table>") -> pd.DataFrame:
    """Convert the long review format of ``data/baseline.csv`` to the calibrate input.

    Input columns: unit, year, metric, value[, status]; the metrics ``households``, ``poor``,
    ``near_poor`` (and ``spending`` if present) become columns. Only (unit, year) pairs with
    all three counts are kept (e.g. the 2020 township anchor with households only is
    dropped). ``status`` is ``illustrative`` when any of the pair's rows is.
    """
    if not isinstance(table, pd.DataFrame):
        source = display_path(table)
        table = _read_csv(Path(table), source)
    for col in ("unit", "year", "metric", "value"):
        if col not in table.columns:
            raise PlanningInputError(source, col, "long format columns unit, year, metric, value", "absent")
    keep = table[table["metric"].isin([*METRICS, "spending"])].copy()
    keep["value"] = pd.to_numeric(keep["value"], errors="coerce")
    wide = keep.pivot_table(index=["unit", "year"], columns="metric", values="value", aggfunc="first")
    wide = wide.dropna(subset=[m for m in METRICS if m in wide.columns]).reset_index()
    missing = [m for m in METRICS if m not in wide.columns]
    if missing:
        raise PlanningInputError(source, "metric", "rows for households, poor and near_poor", f"no '{missing[0]}'")
    if "status" in keep.columns:
        status = (keep.groupby(["unit", "year"])["status"]
                  .agg(lambda s: "illustrative" if (s == "illustrative").any() else str(s.iloc[0])))
        wide = wide.merge(status.rename("status").reset_index(), on=["unit", "year"], how="left")
    cols = [*OBSERVED_COLUMNS, *(["spending"] if "spending" in wide.columns else []),
            *(["status"] if "status" in wide.columns else [])]
    out = wide[cols].sort_values(["unit", "year"]).reset_index(drop=True)
    out.columns.name = None
    return out


def convert_long(path: str | os.PathLike[str], out: str | os.PathLike[str]) -> Path:
    """Write the calibrate input (wide CSV) converted from a long-format review file."""
    df = long_to_observed(path)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    return out


def _read_csv(path: Path, shown: str) -> pd.DataFrame:
    if not path.exists():
        raise PlanningInputError(shown, "<file>", "an existing CSV file", "missing file",
                                 message_vi="không tìm thấy tệp")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise PlanningInputError(shown, "<csv>", "a readable CSV file", str(exc)) from None


def read_observed(source: str | os.PathLike[str] | pd.DataFrame, *, name: str | None = None) -> Observed:
    """Read and check an observed series (wide calibrate input, or the long review format).

    Every problem is a :class:`PlanningInputError` naming the file, the column and, for a bad
    value, the spreadsheet row (header = row 1).
    """
    if isinstance(source, pd.DataFrame):
        shown, df = name or "<table>", source.copy()
    else:
        shown = display_path(source)
        df = _read_csv(Path(source), shown)
    if {"metric", "value"} <= set(df.columns) and "poor" not in df.columns:
        df = long_to_observed(df, source=shown)
    for col in OBSERVED_COLUMNS:
        if col not in df.columns:
            raise PlanningInputError(shown, col, "columns unit, year, households, poor, near_poor "
                                     "(optional spending, million VND)", "absent",
                                     message_vi=f"thiếu cột '{col}'")
    if df.empty:
        raise PlanningInputError(shown, "<rows>", "at least two years per unit", "no rows")
    df = df.reset_index(drop=True)
    df["unit"] = df["unit"].astype(str).str.strip()
    numeric = ["year", "households", "poor", "near_poor", *(["spending"] if "spending" in df.columns else [])]
    for col in numeric:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna() | (values < 0)
        if col == "year":
            bad |= values.notna() & (values != values.round())
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            what = "an integer year" if col == "year" else (
                "a non-negative amount in million VND" if col == "spending" else "a non-negative count of households")
            raise PlanningInputError(shown, col, what, df.loc[i, col], row=i + 2)
        df[col] = values.astype(int) if col == "year" else values.astype(float)
    over = (df["poor"] + df["near_poor"]) > df["households"]
    if over.any():
        i = int(np.flatnonzero(over.to_numpy())[0])
        raise PlanningInputError(shown, "poor", "poor + near_poor <= households",
                                 f"{df.loc[i, 'poor']:g} + {df.loc[i, 'near_poor']:g} > {df.loc[i, 'households']:g}",
                                 row=i + 2, message_vi="số hộ nghèo + cận nghèo lớn hơn tổng số hộ")
    zero = df["households"] <= 0
    if zero.any():
        i = int(np.flatnonzero(zero.to_numpy())[0])
        raise PlanningInputError(shown, "households", "a positive count of households", 0, row=i + 2)
    dup = df.duplicated(["unit", "year"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise PlanningInputError(shown, "unit/year", "each unit and year once",
                                 f"{df.loc[i, 'unit']}/{df.loc[i, 'year']}", row=i + 2)
    counts = df.groupby("unit")["year"].nunique()
    if (counts < 2).any():
        u = counts.index[counts < 2][0]
        raise PlanningInputError(shown, "year", "at least two review years per unit", f"one year for {u}",
                                 message_vi=f"đơn vị {u} chỉ có một năm số liệu (cần ít nhất hai)")
    illustrative = bool("status" in df.columns and (df["status"].astype(str) == "illustrative").any())
    has_spending = "spending" in df.columns
    if not has_spending:
        df["spending"] = 0.0
    frame = df[[*OBSERVED_COLUMNS, "spending"]].sort_values(["unit", "year"], kind="stable").reset_index(drop=True)
    return Observed(frame=frame, source=shown, illustrative=illustrative, has_spending=has_spending)


# ------------------------------------------------------------------------------------------
# The simulator: the commune engine over observed years


def _default_mix(book: ProgrammeBook) -> np.ndarray:
    """Historical spending split over components: the district plan's first budget year.

    An assumption (the 2021-2025 split by component was NOT FOUND); equal shares when the
    shipped plan is absent.
    """
    mix = np.ones(len(book.ids))
    path = scenarios_dir() / "district_plan.yaml"
    if path.exists():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        budget = raw.get("budget") or {}
        if budget:
            first = budget[min(budget)]
            mix = np.array([float(first.get(c, 0.0)) for c in book.ids])
    return mix / mix.sum()


@dataclass(frozen=True)
class _Group:
    """Units sharing a first observed year, run together through the engine."""

    rows: np.ndarray  # positions of these units in the unit list
    first_year: int
    inputs: EngineInputs


class _Simulator:
    """Runs the engine from each unit's first observation with given flow parameters.

    ``predict(theta)`` takes ``theta`` [sets, parameters] and returns each metric as
    [sets, unit, year] over ``years`` (NaN before a unit's first year; the first year is
    the observation itself). The other parameters sit at their modes; every year is given
    the *expected* bad-year factor 1 + p·(m − 1), so the fitted rates are normal-year rates
    consistent with the engine's random shocks.
    """

    def __init__(self, obs: Observed, params: ModelParameters, book: ProgrammeBook,
                 names: Sequence[str], mix: np.ndarray, data: Path) -> None:
        self.names = tuple(names)
        self.units = obs.units
        self.years = list(range(obs.years[0], obs.years[-1] + 1))
        f = obs.frame
        self.obs = {m: np.full((len(self.units), len(self.years)), np.nan) for m in (*METRICS, "spending")}
        ui = {u: i for i, u in enumerate(self.units)}
        rows, cols = f["unit"].map(ui).to_numpy(), (f["year"] - self.years[0]).to_numpy()
        for m in (*METRICS, "spending"):
            self.obs[m][rows, cols] = f[m].to_numpy(float)
        self.first = f.groupby("unit")["year"].min().reindex(self.units).to_numpy(int)
        self.comp_ids = tuple(c.id for c in book.components)
        fixed = {**params.fixed_values(), **book.fixed_values()}
        self.base = {k: np.array([v]) for k, v in fixed.items()}
        p = fixed["model.shocks.probability"]
        self.shock_factor = 1.0 + p * (fixed["model.shocks.multiplier"] - 1.0)
        caps = _coverage_caps(book, self.units, data)
        S = params.escaped_support_years
        share = fixed["model.transitions.exit_to_near_poor_share"]
        exit_mode = fixed["model.transitions.exit_poor"]
        self.groups: list[_Group] = []
        for fy in sorted(set(self.first)):
            idx = np.flatnonzero(self.first == fy)
            t0 = fy - self.years[0]
            T = len(self.years) - t0 - 1
            if T < 1:
                continue
            P0 = self.obs["poor"][idx, t0]
            N0 = self.obs["near_poor"][idx, t0]
            H0 = self.obs["households"][idx, t0]
            # Escaped cohorts at the first review are not observed: one year of exits at the
            # prior exit rate per cohort, capped by the households left.
            cohort = np.minimum(exit_mode * (1.0 - share) * P0, np.maximum(H0 - P0 - N0, 0.0) / S)
            money = np.nan_to_num(self.obs["spending"][idx, t0 + 1:])
            amounts = money[:, None, :] * mix[None, :, None]
            inputs = EngineInputs(
                households=H0, poor=P0, near_poor=N0, escaped=np.repeat(cohort[None, :], S, axis=0),
                amounts=amounts, targets=book.target_matrix(), coverage_cap=caps[:, :, idx],
                switch_log_ratio=np.zeros((T, idx.size)), shock_fixed=np.ones((T, idx.size)),
                capacity_scale=book.capacity_scale_per_household,
            )
            self.groups.append(_Group(rows=idx, first_year=int(fy), inputs=inputs))

    def predict(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        theta = np.atleast_2d(theta)
        n_asked = theta.shape[0]
        if n_asked == 1:
            # the engine needs >= 2 draws (with one, its state arrays are read-only views)
            theta = np.repeat(theta, 2, axis=0)
        n = theta.shape[0]
        out = {m: np.full((n, len(self.units), len(self.years)), np.nan) for m in METRICS}
        samples = {k: np.repeat(v, n) for k, v in self.base.items()}
        for j, name in enumerate(self.names):
            samples[f"model.{name}"] = theta[:, j]
        for g in self.groups:
            T = g.inputs.n_years
            draws = draws_from_samples(samples, self.comp_ids, np.ones((n, T)))
            draws = replace(draws, shock=np.full((n, T), self.shock_factor))
            res = project(g.inputs, draws, outputs=METRICS)
            t0 = g.first_year - self.years[0]
            for m in METRICS:
                out[m][:, g.rows, t0] = self.obs[m][g.rows, t0]
                out[m][:, g.rows, t0 + 1:t0 + 1 + T] = res[m]
        return {m: v[:n_asked] for m, v in out.items()}


def _coverage_caps(book: ProgrammeBook, units: Sequence[str], data: Path) -> np.ndarray:
    """[component, group, unit] coverage ceilings; deprivation rates where the unit is known."""
    caps = np.ones((len(book.components), len(GROUPS), len(units)))
    try:
        baseline: Baseline | None = load_baseline(data)
    except PlanningInputError:  # another data store without units/deprivation rates: no caps
        baseline = None
    for i, comp in enumerate(book.components):
        for g, group in enumerate(GROUPS):
            if comp.max_coverage is not None:
                caps[i, g] = comp.max_coverage
            elif baseline is not None:
                rates = baseline.deprivation_rate(comp.max_coverage_indicator, _DEPRIVATION_GROUP[group])
                for j, u in enumerate(units):
                    if u in baseline.units.ids:
                        caps[i, g, j] = rates[baseline.units.ids.index(u)]
    return np.clip(caps, 1e-6, 1.0)


# ------------------------------------------------------------------------------------------
# Fitting


def default_bounds(params: ModelParameters, names: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Search bounds of each fitted flow: a quarter of the prior low to twice the prior high.

    Wider than the prior range (the data may disagree with the assumption) but inside the
    physical range; growth may be negative (out-migration).
    """
    out = {}
    for name in names:
        d = params.values[f"model.{name}"]
        upper = REQUIRED.get(name) or 1.0
        if name == "households.growth":
            out[name] = (-0.03, min(upper, max(2.0 * d.high, 0.05)))
        else:
            out[name] = (max(0.25 * d.low, 1e-6), min(upper, 2.0 * d.high))
    return out


@dataclass
class Calibration:
    """A fit of the engine's flows to an observed series. See :func:`calibrate`.

    ``estimates``: one row per unit (or ``pooled``) and parameter: estimate, se, ci_low,
    ci_high (90 %), prior mode/low/high, bounds and ``at_bound``.
    ``fit``: one row per unit, year and metric: observed, fitted, residual (households) and
    ``set`` (``start`` for the first observation, ``fit``, or ``holdout`` in a back-test).
    """

    mode: str
    names: tuple[str, ...]
    estimates: pd.DataFrame
    fit: pd.DataFrame
    observed: Observed
    includes_historical_programmes: bool
    backtest_year: int | None
    prior_fit: pd.DataFrame
    bootstrap: int = 0
    seed: int = 20261126
    inputs: tuple[Path, ...] = ()  # files the fit read (observed series, data store)

    # --------------------------------------------------------------- tables
    def errors(self) -> pd.DataFrame:
        """Fit error per unit and year: poor and near-poor rates (observed, fitted, error in pp)."""
        f = self.fit.pivot_table(index=["unit", "year", "set"], columns="metric",
                                 values=["observed", "fitted"]).reset_index()
        f.columns = ["_".join(c).strip("_") if isinstance(c, tuple) else c for c in f.columns]
        out = pd.DataFrame({"unit": f["unit"], "year": f["year"], "set": f["set"]})
        for m in ("poor", "near_poor"):
            obs_r = f[f"observed_{m}"] / f["observed_households"]
            fit_r = f[f"fitted_{m}"] / f["fitted_households"]
            out[f"{m}_observed"] = f[f"observed_{m}"]
            out[f"{m}_fitted"] = f[f"fitted_{m}"]
            out[f"{m}_rate_observed"] = obs_r
            out[f"{m}_rate_fitted"] = fit_r
            out[f"{m}_rate_error_pp"] = (fit_r - obs_r) * 100.0
        out["households_error"] = f["fitted_households"] - f["observed_households"]
        return out[out["set"] != "start"].reset_index(drop=True)

    def unit_errors(self) -> pd.DataFrame:
        """Per unit (and district): RMSE of the poor and near-poor rates, pp, fit and holdout."""
        e = self.errors()
        rows = []
        for (unit, s), g in e.groupby(["unit", "set"]):
            rows.append({"unit": unit, "set": s, "years": int(g["year"].nunique()),
                         "poor_rate_rmse_pp": float(np.sqrt((g["poor_rate_error_pp"] ** 2).mean())),
                         "near_poor_rate_rmse_pp": float(np.sqrt((g["near_poor_rate_error_pp"] ** 2).mean())),
                         "poor_count_mae": float((g["poor_fitted"] - g["poor_observed"]).abs().mean())})
        return pd.DataFrame(rows)

    def backtest(self) -> pd.DataFrame | None:
        """Held-out years: error of the calibrated and of the prior (uncalibrated) flows.

        One row per held-out year and horizon (years after the last fitted year): mean
        absolute error of the unit poor rates (pp), of the district poor rate (pp), and the
        same with the prior modes of data/model_parameters.yaml.
        """
        if self.backtest_year is None:
            return None
        rows = []
        for flows, fit in (("calibrated", self.fit), ("prior", self.prior_fit)):
            h = fit[fit["set"] == "holdout"]
            if h.empty:
                continue
            w = h.pivot_table(index=["unit", "year"], columns="metric", values=["observed", "fitted"]).reset_index()
            for year, g in w.groupby("year"):
                o_r = g[("observed", "poor")] / g[("observed", "households")]
                f_r = g[("fitted", "poor")] / g[("fitted", "households")]
                o_d = g[("observed", "poor")].sum() / g[("observed", "households")].sum()
                f_d = g[("fitted", "poor")].sum() / g[("fitted", "households")].sum()
                rows.append({"flows": flows, "year": int(year), "horizon": int(year) - self.backtest_year,
                             "unit_poor_rate_mae_pp": float((f_r - o_r).abs().mean() * 100),
                             "district_poor_rate_error_pp": float((f_d - o_d) * 100),
                             "district_poor_rate_observed": float(o_d),
                             "district_poor_rate_predicted": float(f_d)})
        return pd.DataFrame(rows)

    def estimates_table(self, lang: str = "vi", digits: int = 4) -> pd.DataFrame:
        """The estimates with bilingual headers and parameter names, rounded for reading."""
        e = self.estimates
        out = pd.DataFrame({
            label("unit", lang): e["unit"],  # type: ignore[arg-type]
            label("parameter", lang): [label(f"model.{n}", lang) for n in e["parameter"]],  # type: ignore[arg-type]
            label("estimate", lang): e["estimate"].round(digits),  # type: ignore[arg-type]
            label("ci_low", lang): e["ci_low"].round(digits),  # type: ignore[arg-type]
            label("ci_high", lang): e["ci_high"].round(digits),  # type: ignore[arg-type]
            label("prior_mode", lang): e["prior_mode"].round(digits),  # type: ignore[arg-type]
        })
        return out.drop(columns=[label("unit", lang)]) if self.mode == POOLED else out  # type: ignore[arg-type]

    def plot_fit(self, lang: str = "vi", ax: Any = None) -> Any:
        """Observed (dots) and fitted (lines) poor rate per unit; held-out years shaded."""
        from matplotlib import colormaps
        from matplotlib.figure import Figure

        e = self.errors()
        start = self.fit[(self.fit["set"] == "start")].pivot_table(index=["unit", "year"], columns="metric",
                                                                     values="observed").reset_index()
        start["rate"] = start["poor"] / start["households"]
        if ax is None:
            # a bare Figure (not pyplot's): notebooks show it once, as the cell's value
            ax = Figure(figsize=(7.5, 4.2), layout="constrained").add_subplot()
        colors = colormaps["tab20"](np.linspace(0, 1, max(len(self.observed.units), 2)))
        for c, unit in zip(colors, self.observed.units, strict=False):
            g = e[e["unit"] == unit].sort_values("year")
            s0 = start[start["unit"] == unit]
            xs = np.r_[s0["year"].to_numpy(), g["year"].to_numpy()]
            ax.plot(xs, 100 * np.r_[s0["rate"].to_numpy(), g["poor_rate_fitted"].to_numpy()], color=c, lw=1.2)
            ax.scatter(xs, 100 * np.r_[s0["rate"].to_numpy(), g["poor_rate_observed"].to_numpy()], color=c, s=12)
        if self.backtest_year is not None:
            ax.axvspan(self.backtest_year + 0.5, self.observed.years[-1] + 0.5, color="grey", alpha=0.15,
                       label="kiểm định ngược / back-test" if lang == "vi" else "held out (back-test)")
            ax.legend(loc="upper right", fontsize=8)
        ax.set_xticks(self.observed.years)
        ax.set_ylabel(label("poverty_rate", lang) + " (%)")  # type: ignore[arg-type]
        ax.set_title(("Quan sát (chấm) và mô hình (đường)" if lang == "vi" else "Observed (dots) and fitted (lines)")
                     + (" — MINH HOẠ" if self.observed.illustrative and lang == "vi" else
                        " — ILLUSTRATIVE" if self.observed.illustrative else ""))
        return ax.figure

    # --------------------------------------------------------------- parameter file
    def parameter_overrides(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The fitted flows as an ``overrides.model`` mapping ({mode, low, high, source}).

        Pooled: mode = estimate, low/high = its 90 % interval (clipped to the physical range).
        Per unit: the engine has one set of flows for all units, so mode = household-weighted
        mean of the unit estimates; low/high span the units' intervals (weighted 5th percentile
        of their lower limits, 95th of their upper limits): estimation error and spread.
        """
        e = self.estimates
        out: dict[str, dict[str, dict[str, Any]]] = {}
        years = self.observed.years
        fit_years = [y for y in years if self.backtest_year is None or y <= self.backtest_year]
        base = (f"calibrated ({'pooled' if self.mode == POOLED else 'per unit'} least squares on counts) to "
                f"{self.observed.source} {fit_years[0]}-{fit_years[-1]}"
                + ("; INPUT IS ILLUSTRATIVE, not a published series" if self.observed.illustrative else "")
                + ("; the fitted flows INCLUDE the effect of historical programmes (no spending given)"
                   if self.includes_historical_programmes else
                   "; historical spending was run through the programme book, so these are flows without programmes"))
        hh = self.observed.frame.groupby("unit")["households"].mean()
        for name in self.names:
            rows = e[e["parameter"] == name]
            if self.mode == POOLED:
                r = rows.iloc[0]
                mode, lo, hi = float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"])
                how = "low/high = 90 % interval"
                how += " (residual bootstrap)" if self.bootstrap else " (Jacobian)"
            else:
                w = hh.reindex(rows["unit"]).to_numpy(float)
                v = rows["estimate"].to_numpy(float)
                mode = float(np.average(v, weights=w))
                lo = _weighted_quantile(rows["ci_low"].to_numpy(float), w, 0.05)
                hi = _weighted_quantile(rows["ci_high"].to_numpy(float), w, 0.95)
                how = ("mode = household-weighted mean of unit estimates; low/high = weighted 5th percentile of "
                       "the units' 90 % lower limits / 95th percentile of their upper limits")
            upper = REQUIRED.get(name) or 1.0
            lower = -1.0 if name == "households.growth" else 0.0
            lo, mode, hi = _ordered(lo, mode, hi, lower, upper)
            section, key = name.split(".")
            out.setdefault(section, {})[key] = {"mode": _r(mode), "low": _r(lo), "high": _r(hi),
                                                "source": f"{base}; {how}"}
        return out

    # --------------------------------------------------------------- output
    def summary(self) -> dict[str, Any]:
        ue = self.unit_errors()
        fit_e = ue[ue["set"] == "fit"]
        out: dict[str, Any] = {
            "mode": self.mode,
            "source": self.observed.source,
            "illustrative": self.observed.illustrative,
            "includes_historical_programmes": self.includes_historical_programmes,
            "units": len(self.observed.units),
            "years": self.observed.years,
            "backtest_last_fit_year": self.backtest_year,
            "parameters": list(self.names),
            "poor_rate_rmse_pp_mean": float(fit_e["poor_rate_rmse_pp"].mean()),
            "near_poor_rate_rmse_pp_mean": float(fit_e["near_poor_rate_rmse_pp"].mean()),
            "uncertainty": f"residual bootstrap ({self.bootstrap} refits)" if self.bootstrap else "Jacobian",
        }
        if self.mode == POOLED:
            out["estimates"] = {r["parameter"]: {k: _r(r[k]) for k in ("estimate", "se", "ci_low", "ci_high")}
                                for _, r in self.estimates.iterrows()}
        bt = self.backtest()
        if bt is not None and not bt.empty:
            out["backtest"] = bt.to_dict(orient="records")
        return out

    def write(self, out_dir: str | os.PathLike[str]) -> Path:
        """Write estimates.csv, fit.csv, errors.csv, unit_errors.csv, [backtest.csv],
        calibrated_parameters.yaml, summary.json, README.md and an example scenario
        ``district_plan_calibrated.yaml`` (when scenarios/district_plan.yaml exists)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, Any] = {
            "estimates.csv": lambda p: self.estimates.to_csv(p, index=False, float_format="%.6g"),
            "fit.csv": lambda p: self.fit.to_csv(p, index=False, float_format="%.6g"),
            "errors.csv": lambda p: self.errors().to_csv(p, index=False, float_format="%.6g"),
            "unit_errors.csv": lambda p: self.unit_errors().to_csv(p, index=False, float_format="%.6g"),
            "calibrated_parameters.yaml": lambda p: p.write_text(self._yaml_text(), encoding="utf-8"),
            "summary.json": lambda p: p.write_text(json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8"),
            "README.md": lambda p: p.write_text(self._readme(out), encoding="utf-8"),
            "manifest.json": lambda p: write_manifest(p, build_manifest(
                inputs=self.inputs, seed=self.seed, draws=0,
                extra={"command": "calibrate", "mode": self.mode, "bootstrap": self.bootstrap,
                       "backtest_last_fit_year": self.backtest_year})),
        }
        bt = self.backtest()
        if bt is not None:
            files["backtest.csv"] = lambda p: bt.to_csv(p, index=False, float_format="%.6g")
        plan = scenarios_dir() / "district_plan.yaml"
        if plan.exists():
            files["district_plan_calibrated.yaml"] = lambda p: p.write_text(self._scenario_text(out, plan),
                                                                             encoding="utf-8")
        return write_files(out, files)

    def _yaml_text(self) -> str:
        head = [
            "# Calibrated engine flows / Các dòng chuyển trạng thái đã hiệu chỉnh",
            f"# Written by `planning calibrate` from {self.observed.source}.",
        ]
        if self.observed.illustrative:
            head.append("# ILLUSTRATIVE / MINH HOẠ: the input series is illustrative, not published review results;")
            head.append("# these values show how calibration works, they are not estimates for the real district.")
        if self.includes_historical_programmes:
            head.append("# No spending was given: the fitted flows INCLUDE the effect of historical programmes")
            head.append("# (Không có số liệu chi: các tỷ lệ đã gồm tác động của chương trình giai đoạn trước).")
        head += [
            "# Use in a scenario / Dùng trong kịch bản: `overrides_file: PATH/TO/calibrated_parameters.yaml`,",
            "# or paste this mapping under `overrides.model:`",
            "#   overrides:",
            "#     model:",
            "#       transitions: {exit_poor: {mode: ..., low: ..., high: ...}, ...}",
            "# or run planning.calibration.with_calibration(scenario, this_file).",
        ]
        body = yaml.safe_dump(self.parameter_overrides(), sort_keys=False, allow_unicode=True, width=100)
        return "\n".join(head) + "\n" + body

    def _scenario_text(self, out: Path, plan: Path) -> str:
        rel = Path(os.path.relpath(plan.resolve(), out.resolve())).as_posix()
        spec = {
            "extends": rel,
            "name": "district_plan_calibrated",
            "title": {"vi": "Kế hoạch huyện, dòng chuyển trạng thái đã hiệu chỉnh"
                            + (" (minh hoạ)" if self.observed.illustrative else ""),
                      "en": "District plan with calibrated flows" + (" (illustrative)" if self.observed.illustrative else "")},
            "overrides": {"model": self.parameter_overrides()},
        }
        head = "# Example: the district plan run with the calibrated flows (written by `planning calibrate`).\n"
        return head + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)

    def _readme(self, out: Path) -> str:
        ill = self.observed.illustrative
        shown = display_path(out)
        lines = [
            "# Hiệu chỉnh mô hình / Calibration" + (" — MINH HOẠ / ILLUSTRATIVE" if ill else ""),
            "",
        ]
        if ill:
            lines += [
                "**Số liệu đầu vào là minh hoạ, không phải kết quả rà soát công bố. / The input series is "
                "ILLUSTRATIVE, not published review results** (data/README.md). These files show how "
                "calibration works; they are not estimates for the real district.",
                "",
            ]
        lines += [
            f"* Input / Đầu vào: `{self.observed.source}`, {len(self.observed.units)} units, years "
            f"{self.observed.years[0]}–{self.observed.years[-1]}.",
            f"* Mode / Cách ước lượng: {'pooled (one set of flows for all units)' if self.mode == POOLED else 'per unit'}; "
            "non-linear least squares on counts (households), bounds = a quarter of the prior low to twice "
            "the prior high; each unit starts from its first observed review.",
            "* " + ("No spending given: the fitted flows **include** the effect of historical programmes. / "
                    "Không có số liệu chi: các tỷ lệ đã gồm tác động của chương trình trước đây."
                    if self.includes_historical_programmes else
                    "Historical spending was run through the programme book: the fitted flows are without programmes."),
            "* Uncertainty / Độ bất định: " + (f"residual bootstrap, {self.bootstrap} refits"
                                               if self.bootstrap else "standard errors from the Jacobian, 90 % intervals"),
        ]
        if self.backtest_year is not None:
            lines.append(f"* Back-test / Kiểm định ngược: fitted on years ≤ {self.backtest_year}, "
                         "errors on later years in `backtest.csv` (with the uncalibrated prior for comparison).")
        bound = sorted(set(self.estimates.loc[self.estimates["at_bound"], "parameter"]))
        if bound:
            lines.append("* At a search bound / Chạm biên tìm kiếm: " + ", ".join(f"`{b}`" for b in bound)
                         + " — the series does not identify them well (e.g. smooth declines leave no room for "
                           "falls into poverty); treat their values with care / dữ liệu chưa đủ để xác định.")
        lines += [
            "",
            "Files / Tệp: `estimates.csv` (fitted values, se, 90 % interval, prior), `fit.csv` (observed vs fitted "
            "counts), `errors.csv` and `unit_errors.csv` (error per unit and year, pp), "
            "`calibrated_parameters.yaml` (usable as a scenario's `overrides.model`), `summary.json`, "
            "`district_plan_calibrated.yaml` (example scenario).",
            "",
            f"Use / Cách dùng: `planning run {shown}/district_plan_calibrated.yaml --out runs/cal`, or copy "
            "`calibrated_parameters.yaml` under `overrides: {model: ...}` of any scenario, or in Python "
            f"`planning.run(planning.calibration.with_calibration(SCENARIO, '{shown}/calibrated_parameters.yaml'))`.",
            "",
        ]
        return "\n".join(lines)


def _r(x: float) -> float:
    return float(f"{float(x):.6g}")


def _ordered(lo: float, mode: float, hi: float, lower: float, upper: float) -> tuple[float, float, float]:
    """low <= mode <= high inside [lower, upper] (NaN intervals collapse onto the mode)."""
    mode = float(np.clip(mode, lower, upper))
    lo = mode if not np.isfinite(lo) else float(np.clip(min(lo, mode), lower, upper))
    hi = mode if not np.isfinite(hi) else float(np.clip(max(hi, mode), lower, upper))
    return lo, mode, hi


def _weighted_quantile(v: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(v)
    v, w = v[order], w[order]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, c, v))


class _Problem:
    """Residuals and Jacobian of the fit (pooled: one parameter vector; else one per unit)."""

    def __init__(self, sim: _Simulator, pooled: bool, mask: np.ndarray, obs: dict[str, np.ndarray],
                 scale: np.ndarray) -> None:
        self.sim, self.pooled, self.mask, self.obs = sim, pooled, mask, obs
        self.p = len(sim.names)
        self.U = len(sim.units)
        self.scale = scale  # parameter scale (prior range) for finite-difference steps
        # residual positions: metric-major, then unit, then year
        self.rows = [(m, u, t) for m in METRICS for u in range(self.U) for t in range(len(sim.years))
                     if mask[u, t] and np.isfinite(obs[m][u, t])]
        self.r_metric = np.array([METRICS.index(m) for m, _, _ in self.rows])
        self.r_unit = np.array([u for _, u, _ in self.rows])
        self.r_year = np.array([t for _, _, t in self.rows])
        self.y = np.array([obs[m][u, t] for m, u, t in self.rows])

    def thetas(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(1 if self.pooled else self.U, self.p)

    def _pred(self, pred: dict[str, np.ndarray], set_of_unit: np.ndarray) -> np.ndarray:
        stack = np.stack([pred[m] for m in METRICS])  # [metric, set, unit, year]
        return stack[self.r_metric, set_of_unit[self.r_unit], self.r_unit, self.r_year]

    def residuals(self, x: np.ndarray) -> np.ndarray:
        th = self.thetas(x)
        pred = self.sim.predict(th)
        sets = np.zeros(self.U, int) if self.pooled else np.arange(self.U)
        return self._pred(pred, sets) - self.y

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """Forward differences, every perturbation in one engine call (parameters are draws)."""
        th = self.thetas(x)
        k, p = th.shape
        h = 1e-4 * self.scale
        sets = [th]
        for j in range(p):
            t = th.copy()
            t[:, j] += h[j]
            sets.append(t)
        pred = self.sim.predict(np.concatenate(sets))  # [(p+1)·k, unit, year]
        base_idx = np.zeros(self.U, int) if self.pooled else np.arange(self.U)
        f0 = self._pred(pred, base_idx)
        J = np.zeros((len(self.rows), k * p))
        for j in range(p):
            fj = self._pred(pred, base_idx + (j + 1) * k)
            d = (fj - f0) / h[j]
            if self.pooled:
                J[:, j] = d
            else:
                J[np.arange(len(self.rows)), self.r_unit * p + j] = d
        return J


def calibrate(observed: str | os.PathLike[str] | pd.DataFrame | Observed, *, pooled: bool = False,
              backtest: int | None = None, parameters: Sequence[str] = FITTED,
              bounds: Mapping[str, tuple[float, float]] | None = None, bootstrap: int = 0,
              seed: int = 20261126, spending_mix: Mapping[str, float] | None = None,
              data: str | os.PathLike[str] | None = None) -> Calibration:
    """Fit the engine's flows to an observed series (see module docstring).

    ``pooled``: one set of flows for all units (else one per unit). ``backtest``: fit on
    years <= this year, keep the later years for the error report. ``bootstrap``: number of
    residual-bootstrap refits for the intervals (0 = Jacobian). ``spending_mix``: shares of
    the historical ``spending`` by component (default: the district plan's first budget year).
    ``data``: the data store with model_parameters.yaml and programmes.yaml (default data/).
    """
    obs = observed if isinstance(observed, Observed) else read_observed(observed)
    data_path = Path(data) if data is not None else data_dir()
    params = load_model_parameters(data_path / "model_parameters.yaml")
    book = load_programme_book(data_path / "programmes.yaml")
    names = tuple(parameters)
    unknown = [n for n in names if n not in REQUIRED]
    if unknown:
        raise PlanningInputError("<calibrate>", "parameters", f"names among {', '.join(FITTED)}", unknown[0])
    if spending_mix is not None:
        mix = np.array([float(spending_mix.get(c, 0.0)) for c in book.ids])
        if mix.sum() <= 0 or (mix < 0).any():
            raise PlanningInputError("<calibrate>", "spending_mix", "non-negative shares by component", spending_mix)
        mix = mix / mix.sum()
    else:
        mix = _default_mix(book)
    sim = _Simulator(obs, params, book, names, mix, data_path)
    years = np.array(sim.years)
    first = sim.first
    observed_any = np.isfinite(sim.obs["poor"])
    after_first = years[None, :] > first[:, None]
    if backtest is not None:
        last_fit = int(backtest)
        fit_mask = observed_any & after_first & (years[None, :] <= last_fit)
        hold_mask = observed_any & (years[None, :] > last_fit)
        if not fit_mask.any(axis=1).all() or not hold_mask.any():
            raise PlanningInputError(obs.source, "--backtest",
                                     f"a last fitted year with at least two fitted years per unit and later years "
                                     f"to hold out ({obs.years[1]}..{obs.years[-2]})", backtest,
                                     message_vi="năm cuối dùng để hiệu chỉnh không hợp lệ")
    else:
        fit_mask = observed_any & after_first
        hold_mask = np.zeros_like(fit_mask)
    bnds = default_bounds(params, names)
    bnds.update(bounds or {})
    lo = np.array([bnds[n][0] for n in names])
    hi = np.array([bnds[n][1] for n in names])
    prior = np.array([params.values[f"model.{n}"].mode for n in names])
    scale = np.array([max(params.values[f"model.{n}"].high - params.values[f"model.{n}"].low, 1e-4) for n in names])
    k = 1 if pooled else len(sim.units)
    problem = _Problem(sim, pooled, fit_mask, sim.obs, scale)
    x0 = np.tile(np.clip(prior, lo, hi), k)
    sol = least_squares(problem.residuals, x0, jac=problem.jacobian, bounds=(np.tile(lo, k), np.tile(hi, k)),
                        x_scale=np.tile(scale, k), method="trf", xtol=1e-10, ftol=1e-10, gtol=1e-10,
                        max_nfev=200)
    theta = problem.thetas(sol.x)
    J = problem.jacobian(sol.x)
    r = problem.residuals(sol.x)
    ses, ci_lo, ci_hi = _jacobian_intervals(problem, theta, J, r, lo, hi)
    if bootstrap > 0:
        ci_lo, ci_hi, ses = _bootstrap_intervals(problem, sol.x, r, lo, hi, scale, bootstrap, seed)
    units = [POOLED] if pooled else list(sim.units)
    rows = []
    for i, u in enumerate(units):
        for j, n in enumerate(names):
            d = params.values[f"model.{n}"]
            rows.append({"unit": u, "parameter": n, "estimate": theta[i, j], "se": ses[i, j],
                         "ci_low": ci_lo[i, j], "ci_high": ci_hi[i, j], "prior_mode": d.mode,
                         "prior_low": d.low, "prior_high": d.high, "lower_bound": lo[j], "upper_bound": hi[j],
                         "at_bound": bool(min(theta[i, j] - lo[j], hi[j] - theta[i, j]) < 1e-6 * scale[j])})
    estimates = pd.DataFrame(rows)
    fitted = sim.predict(theta)
    fit = _fit_table(sim, fitted, pooled, fit_mask, hold_mask)
    prior_fit = _fit_table(sim, sim.predict(prior[None, :]), True, fit_mask, hold_mask)
    return Calibration(mode=POOLED if pooled else "per_unit", names=names, estimates=estimates, fit=fit,
                       observed=obs, includes_historical_programmes=not obs.has_spending,
                       backtest_year=None if backtest is None else int(backtest), prior_fit=prior_fit,
                       bootstrap=int(bootstrap), seed=int(seed), inputs=_fit_inputs(observed, data))


def _fit_inputs(observed: Any, data: str | os.PathLike[str] | None) -> tuple[Path, ...]:
    """The files a fit depends on, for its manifest: the observed table (when it is a file)
    and the data store's units and engine parameters."""
    store = Path(data) if data is not None else data_dir()
    files = [Path(observed)] if isinstance(observed, str | os.PathLike) else []
    files += [store / "units.csv", store / "model_parameters.yaml"]
    return tuple(p for p in files if p.exists())


def _jacobian_intervals(problem: _Problem, theta: np.ndarray, J: np.ndarray, r: np.ndarray,
                        lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """se = sqrt(diag(s²·(JᵀJ)⁺)) per unit block (pooled: one block), 90 % normal intervals."""
    k, p = theta.shape
    ses = np.full((k, p), np.nan)
    for i in range(k):
        rows = np.ones(len(r), bool) if problem.pooled else problem.r_unit == i
        Ji = J[rows][:, i * p:(i + 1) * p]
        dof = max(int(rows.sum()) - p, 1)
        s2 = float((r[rows] ** 2).sum()) / dof
        cov = s2 * np.linalg.pinv(Ji.T @ Ji)
        ses[i] = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return ses, np.maximum(theta - _Z90 * ses, lo), np.minimum(theta + _Z90 * ses, hi)


def _bootstrap_intervals(problem: _Problem, x: np.ndarray, r: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                         scale: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Residual bootstrap: refit to fitted + resampled residuals (within unit and metric)."""
    rng = np.random.default_rng(seed)
    fitted = problem.y + r
    k = problem.thetas(x).shape[0]
    groups = [np.flatnonzero((problem.r_unit == u) & (problem.r_metric == m))
              for u in range(problem.U) for m in range(len(METRICS))]
    fits = []
    y0 = problem.y
    for _ in range(n):
        r_star = np.empty_like(r)
        for g in groups:
            if g.size:
                r_star[g] = r[g][rng.integers(0, g.size, g.size)]
        problem.y = fitted - r_star
        s = least_squares(problem.residuals, x, jac=problem.jacobian, bounds=(np.tile(lo, k), np.tile(hi, k)),
                          x_scale=np.tile(scale, k), method="trf", max_nfev=50)
        fits.append(problem.thetas(s.x))
    problem.y = y0
    arr = np.stack(fits)
    return np.percentile(arr, 5, axis=0), np.percentile(arr, 95, axis=0), arr.std(axis=0, ddof=1)


def _fit_table(sim: _Simulator, pred: dict[str, np.ndarray], pooled: bool, fit_mask: np.ndarray,
               hold_mask: np.ndarray) -> pd.DataFrame:
    rows = []
    for i, u in enumerate(sim.units):
        s = 0 if pooled else i
        for t, year in enumerate(sim.years):
            if not np.isfinite(sim.obs["poor"][i, t]):
                continue
            kind = "start" if year == sim.first[i] else ("fit" if fit_mask[i, t] else ("holdout" if hold_mask[i, t] else "start"))
            for m in METRICS:
                o, f = sim.obs[m][i, t], pred[m][s, i, t]
                rows.append({"unit": u, "year": year, "metric": m, "set": kind, "observed": o, "fitted": f,
                             "residual": f - o})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------
# Using a calibration


def with_calibration(scenario: str | os.PathLike[str] | dict[str, Any],
                     parameters: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """A scenario dict whose ``overrides.model`` carries the calibrated flows.

    ``parameters``: a calibrated_parameters.yaml (or its mapping). Pass the result to
    ``planning.run``. Existing ``overrides.model`` entries of the scenario win for keys the
    calibration does not set.
    """
    from planning.scenario import load_scenario

    loaded = load_scenario(scenario)  # validates and resolves `extends:`
    spec = loaded.scenario.model_dump(mode="python", exclude_none=True)
    if isinstance(parameters, Mapping):
        cal = dict(parameters)
    else:
        from planning.yamlio import read_yaml

        cal = read_yaml(Path(parameters)) or {}
    model = spec.setdefault("overrides", {}).setdefault("model", {})
    for section, entries in cal.items():
        model.setdefault(section, {}).update(entries)
    return spec


# ------------------------------------------------------------------------------------------
# Command line


def cli_main(args: argparse.Namespace) -> int:
    """``planning calibrate OBSERVED.csv --out DIR [--pooled] [--backtest YEAR]``."""
    lang = getattr(args, "lang", "vi")
    # Optional flag (used when the parser defines it): --bootstrap N (residual-bootstrap refits).
    cal = calibrate(args.observed, pooled=bool(args.pooled), backtest=args.backtest,
                    bootstrap=int(getattr(args, "bootstrap", 0) or 0))
    out = cal.write(args.out)
    vi = lang == "vi"
    if cal.observed.illustrative:
        print("MINH HOẠ: số liệu đầu vào là minh hoạ, không phải số liệu rà soát công bố." if vi else
              "ILLUSTRATIVE: the input series is illustrative, not published review results.")
    if cal.includes_historical_programmes:
        print("Không có cột chi tiêu: các tỷ lệ đã gồm tác động của chương trình trước đây." if vi else
              "No spending column: the fitted flows include the effect of historical programmes.")
    est = cal.estimates.copy()
    show = pd.DataFrame({
        ("Đơn vị" if vi else "Unit"): est["unit"],
        ("Tham số" if vi else "Parameter"): [_param_label(n, lang) for n in est["parameter"]],
        ("Ước lượng" if vi else "Estimate"): est["estimate"].map(lambda v: f"{v:.4f}"),
        ("Khoảng 90%" if vi else "90% interval"): [f"{a:.4f}–{b:.4f}" for a, b in zip(est["ci_low"], est["ci_high"], strict=True)],
        ("Tiên nghiệm" if vi else "Prior mode"): est["prior_mode"].map(lambda v: f"{v:.4f}"),
    })
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(show.to_string(index=False))
        ue = cal.unit_errors()
        print("Sai số theo đơn vị (điểm %):" if vi else "Error per unit (pp):")
        print(ue.round(3).to_string(index=False))
        bt = cal.backtest()
        if bt is not None:
            print("Kiểm định ngược / Back-test:")
            print(bt.round(3).to_string(index=False))
    print(f"{'kết quả ghi tại' if vi else 'written to'} {display_path(out)}")
    return 0


def _param_label(name: str, lang: str) -> str:
    return label(f"model.{name}", lang)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m planning.calibration convert LONG.csv OUT.csv`` (long review → calibrate input)."""
    p = argparse.ArgumentParser(prog="python -m planning.calibration",
                                description="Convert the long review format to the calibrate input / "
                                            "chuyển số liệu dạng dài sang đầu vào hiệu chỉnh")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert")
    c.add_argument("long_csv")
    c.add_argument("out_csv")
    args = p.parse_args(argv)
    try:
        out = convert_long(args.long_csv, args.out_csv)
    except PlanningInputError as exc:
        print(f"Lỗi dữ liệu đầu vào / Input error:\n{exc}")
        return 2
    print(f"kết quả ghi tại / written to {display_path(out)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


__all__ = ["FITTED", "Calibration", "Observed", "calibrate", "cli_main", "convert_long", "long_to_observed",
           "read_observed", "with_calibration"]
