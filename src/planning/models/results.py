"""Projection results: per unit (old commune, new commune, district) and year, and per scenario.

A :class:`Result` keeps the engine's arrays ([draw, unit, year], households) and derives the
tables planners read: :meth:`Result.summary` (the rows of ``summary.csv``),
:meth:`Result.outcomes` (the scenario's headline figures), :meth:`Result.unit_outcomes`
(probability of reaching the target per unit). Rates are shares in [0, 1]; money is million VND.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.basics.manifest import build_manifest
from planning.basics.outputs import Writer, write_result_folder
from planning.stores.allocation import allocation_frame
from planning.stores.units import DISTRICT, Units

LEVEL_UNIT, LEVEL_NEW, LEVEL_DISTRICT = "unit", "new_commune", "district"
_FLOWS = ("exits", "lifts", "re_poor", "new_poor", "reclassified_poor")


@dataclass(frozen=True)
class PlanPath:
    """The district target (rate below ``target_rate`` in ``target_year``) and the plan path.

    The path is a straight line from ``reference_rate`` in ``reference_year`` (the review the
    projections start from, 2025) falling by ``reduction_per_year`` (share points a year);
    ``data/plan.yaml`` gives its end (just below the target in the target year), from which
    :func:`planning.models.runner.load_plan` derives the yearly reduction. Rates are shares.
    """

    target_rate: float
    target_year: int
    reference_year: int
    reference_rate: float
    reduction_per_year: float

    def rate(self, year: int) -> float:
        """Path value in ``year`` (share of households), never below zero."""
        return max(self.reference_rate - self.reduction_per_year * (year - self.reference_year), 0.0)


@dataclass
class Result:
    """One scenario's projection. See module docstring for units."""

    scenario_name: str
    title: dict[str, str]
    units: Units
    years: list[int]
    baseline_year: int
    baseline_counts: dict[str, np.ndarray]  # households, poor, near_poor per unit at the baseline
    standards: list[str]  # standard id per year
    baseline_standard: str
    component_ids: tuple[str, ...]
    amounts: np.ndarray  # [unit, component, year] million VND
    arrays: dict[str, np.ndarray]  # engine outputs [draw, unit, year]
    plan: PlanPath
    draws: int
    seed: int
    sampling: str
    engine: str
    inputs: list[Path]
    source: str
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    counterfactual_poor: np.ndarray | None = None  # [draw, unit, year] with no programme money
    calibration: dict[str, Any] | None = None  # the calibration whose posterior drove the draws
    #: deprivation by indicator (run with ``indicators=True``): ids of every standard's
    #: indicators, households deprived [draw, unit, year, indicator] and the ids in force each year
    indicator_ids: tuple[str, ...] = ()
    deprived: np.ndarray | None = None
    indicators_in_force: list[tuple[str, ...]] = field(default_factory=list)
    #: the scenario's target paths and the money that meets them (models/pricing.py), if any
    priced: pd.DataFrame | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------- aggregation
    def _levels(self) -> list[tuple[str, str, np.ndarray]]:
        """(level, unit id, weights over units) for every reported unit."""
        u = self.units
        eye = np.eye(u.n)
        rows = [(LEVEL_UNIT, uid, eye[i]) for i, uid in enumerate(u.ids)]
        rows += [(LEVEL_NEW, nid, u.membership[j]) for j, nid in enumerate(u.new_ids)]
        rows.append((LEVEL_DISTRICT, DISTRICT, np.ones(u.n)))
        return rows

    def aggregate(self, name: str) -> np.ndarray:
        """Output ``name`` summed to every reported unit: [draw, reported unit, year]."""
        key = f"agg:{name}"
        if key not in self._cache:
            W = np.stack([w for _, _, w in self._levels()])  # [R, unit]
            self._cache[key] = np.einsum("dcy,rc->dry", self.arrays[name], W, optimize=True)
        return self._cache[key]

    def rates(self, name: str = "poor") -> np.ndarray:
        """``name`` over households for every reported unit: [draw, reported unit, year]."""
        hh = self.aggregate("households")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(hh > 0, self.aggregate(name) / hh, 0.0)

    def district_rates(self, name: str = "poor") -> np.ndarray:
        """District ``name`` rate per draw and year: [draw, year] (fan charts)."""
        return self.rates(name)[:, -1, :]

    @property
    def reported_units(self) -> list[tuple[str, str]]:
        return [(level, uid) for level, uid, _ in self._levels()]

    # ----------------------------------------------------------------- tables
    def summary(self) -> pd.DataFrame:
        """One row per reported unit and year (baseline year first), the rows of summary.csv.

        Columns: unit, level, name, name_en, year, standard, households, poor_mean/p05/p95,
        poverty_rate_mean/p05/p95, near_poor_mean, near_poor_rate_mean/p05/p95,
        escaped_stock_mean, exits_mean, lifts_mean, re_poor_mean, new_poor_mean,
        reclassified_poor_mean, spending (million VND), prob_below_target, plan_rate and
        gap_to_plan_pp (district rows only; percentage points, positive = behind the plan).
        """
        if "summary" in self._cache:
            return self._cache["summary"].copy()
        levels = self._levels()
        W = np.stack([w for _, _, w in levels])
        R, Y = len(levels), len(self.years)
        hh = self.aggregate("households")
        poor = self.aggregate("poor")
        poor_r, near_r = self.rates("poor"), self.rates("near_poor")
        base_hh = W @ self.baseline_counts["households"]
        base_poor = W @ self.baseline_counts["poor"]
        base_near = W @ self.baseline_counts["near_poor"]
        with np.errstate(divide="ignore", invalid="ignore"):
            b_rate = np.where(base_hh > 0, base_poor / base_hh, 0.0)
            b_near = np.where(base_hh > 0, base_near / base_hh, 0.0)

        def table(baseline: np.ndarray, projected: np.ndarray) -> np.ndarray:
            """[reported unit, baseline year + projection years] → flat rows, year-major."""
            return np.concatenate([baseline[:, None], projected], axis=1).T.ravel()

        def pct(a: np.ndarray, q: float) -> np.ndarray:
            return np.percentile(a, q, axis=0)

        cols: dict[str, object] = {
            "unit": [uid for _, uid, _ in levels] * (Y + 1),
            "level": [lvl for lvl, _, _ in levels] * (Y + 1),
            "name": [self.units.name(uid, "vi") for _, uid, _ in levels] * (Y + 1),
            "name_en": [self.units.name(uid, "en") for _, uid, _ in levels] * (Y + 1),
            "year": np.repeat([self.baseline_year, *self.years], R),
            "standard": np.repeat([self.baseline_standard, *self.standards], R),
            "households": table(base_hh, hh.mean(axis=0)),
            "poor_mean": table(base_poor, poor.mean(axis=0)),
            "poor_p05": table(base_poor, pct(poor, 5)),
            "poor_p95": table(base_poor, pct(poor, 95)),
            "poverty_rate_mean": table(b_rate, poor_r.mean(axis=0)),
            "poverty_rate_p05": table(b_rate, pct(poor_r, 5)),
            "poverty_rate_p95": table(b_rate, pct(poor_r, 95)),
            "near_poor_mean": table(base_near, self.aggregate("near_poor").mean(axis=0)),
            "near_poor_rate_mean": table(b_near, near_r.mean(axis=0)),
            "near_poor_rate_p05": table(b_near, pct(near_r, 5)),
            "near_poor_rate_p95": table(b_near, pct(near_r, 95)),
            "spending": table(np.zeros(R), np.einsum("cky,rc->ry", self.amounts, W)),
            "prob_below_target": table((b_rate < self.plan.target_rate).astype(float),
                                       (poor_r < self.plan.target_rate).mean(axis=0)),
        }
        for name in ("escaped_stock", *_FLOWS):
            if name in self.arrays:
                cols[f"{name}_mean"] = table(np.full(R, np.nan), self.aggregate(name).mean(axis=0))
        df = pd.DataFrame(cols)
        is_d = df["level"] == LEVEL_DISTRICT
        df["plan_rate"] = np.where(is_d, [self.plan.rate(int(y)) for y in df["year"]], np.nan)
        df["gap_to_plan_pp"] = np.where(is_d, (df["poverty_rate_mean"] - df["plan_rate"]) * 100.0, np.nan)
        df = df.sort_values(["level", "unit", "year"], key=_level_order).reset_index(drop=True)
        self._cache["summary"] = df
        return df.copy()

    def deprivations(self) -> pd.DataFrame:
        """Share of households deprived in each indicator of the standard in force, per reported
        unit and year (the rows of ``deprivations.csv``): unit, level, year, standard, indicator,
        share_deprived_mean, share_deprived_p05, share_deprived_p95 (shares of all households,
        over the Monte Carlo draws)."""
        if self.deprived is None:
            raise ValueError("run with indicators=True for the deprivation by indicator")
        levels = self._levels()
        W = np.stack([w for _, _, w in levels])
        agg = np.einsum("dcyj,rc->dryj", self.deprived, W, optimize=True)
        hh = self.aggregate("households")[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(hh > 0, agg / hh, 0.0)
        mean, p05, p95 = share.mean(axis=0), np.percentile(share, 5, axis=0), np.percentile(share, 95, axis=0)
        rows = []
        for t, year in enumerate(self.years):
            for ind in self.indicators_in_force[t]:
                j = self.indicator_ids.index(ind)
                for r, (level, uid, _) in enumerate(levels):
                    rows.append((uid, level, year, self.standards[t], ind, mean[r, t, j], p05[r, t, j], p95[r, t, j]))
        df = pd.DataFrame(rows, columns=["unit", "level", "year", "standard", "indicator", "share_deprived_mean",
                                         "share_deprived_p05", "share_deprived_p95"])
        return df.sort_values(["level", "unit", "year"], key=_level_order, kind="stable").reset_index(drop=True)

    def outcomes(self) -> dict[str, Any]:
        """The scenario's headline figures (district, end year); JSON-ready.

        prob_below_target: share of draws with the district rate below the target in the end
        year; first_year_target_met: first year whose mean rate is below the target (None if
        never); households_lifted: mean fewer poor households at the end than with no
        programme money (same draws); cost_per_household_lifted: total spending / that.
        ``*_mcse``: the Monte Carlo standard error of the end-year mean rate (s / √n) and of the
        probability (√(p(1 − p)/n)): how much these two numbers would move with another seed.
        """
        r = self.district_rates()
        end = r[:, -1]
        mean_path = r.mean(axis=0)
        met = [y for y, v in zip(self.years, mean_path, strict=True) if v < self.plan.target_rate]
        total = float(self.amounts.sum())
        lifted = None
        if self.counterfactual_poor is not None:
            lifted = float((self.counterfactual_poor[:, :, -1].sum(axis=1) - self.arrays["poor"][:, :, -1].sum(axis=1)).mean())
        cost = total / lifted if lifted and lifted > 0 else None
        return {
            "scenario": self.scenario_name,
            "title_vi": self.title.get("vi", ""),
            "title_en": self.title.get("en", ""),
            "engine": self.engine,
            "draws": self.draws,
            "seed": self.seed,
            "end_year": self.years[-1],
            "target_rate": self.plan.target_rate,
            "prob_below_target": float((end < self.plan.target_rate).mean()),
            "prob_below_target_mcse": _mcse_share(float((end < self.plan.target_rate).mean()), end.size),
            "poverty_rate_end_mean": float(end.mean()),
            "poverty_rate_end_mean_mcse": float(end.std(ddof=1) / np.sqrt(end.size)) if end.size > 1 else None,
            "poverty_rate_end_p05": float(np.percentile(end, 5)),
            "poverty_rate_end_p95": float(np.percentile(end, 95)),
            "near_poor_rate_end_mean": float(self.district_rates("near_poor")[:, -1].mean()),
            "first_year_target_met": met[0] if met else None,
            "gap_to_plan_pp_end": float((end.mean() - self.plan.rate(self.years[-1])) * 100.0),
            "total_spending": total,
            "households_lifted": lifted,
            "cost_per_household_lifted": cost,
            "calibration": None if self.calibration is None else self.calibration["file"],
            "calibration_not_identified": None if self.calibration is None else self.calibration["not_identified"],
        }

    def unit_outcomes(self) -> pd.DataFrame:
        """Per reported unit: end-year poverty rate (mean, P5, P95) and P(rate < target)."""
        r = self.rates("poor")[:, :, -1]
        return pd.DataFrame({
            "unit": [u for _, u in self.reported_units],
            "level": [lvl for lvl, _ in self.reported_units],
            "name": [self.units.name(u, "vi") for _, u in self.reported_units],
            "year": self.years[-1],
            "poverty_rate_mean": r.mean(axis=0),
            "poverty_rate_p05": np.percentile(r, 5, axis=0),
            "poverty_rate_p95": np.percentile(r, 95, axis=0),
            "prob_below_target": (r < self.plan.target_rate).mean(axis=0),
        })

    def spending_table(self) -> pd.DataFrame:
        """Allocation as ``unit, component, year, amount`` (million VND), non-zero rows."""
        return allocation_frame(self.amounts, self.units.ids, self.component_ids, self.years)

    # ----------------------------------------------------------------- output
    def manifest(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return build_manifest(inputs=self.inputs, seed=self.seed, draws=self.draws, extra={
            "scenario": self.scenario_name, "scenario_source": self.source, "engine": self.engine,
            "sampling": self.sampling, "years": self.years, "calibration": self.calibration, **(extra or {}),
        })

    def files(self) -> dict[str, Writer]:
        """The writers of summary.csv, unit_outcomes.csv, allocation.csv and outcomes.json (the
        manifest is added by whoever writes the folder: :meth:`write`, or a command that writes
        these files with its own)."""
        return {
            "summary.csv": lambda p: self.summary().to_csv(p, index=False, float_format="%.6g"),
            "unit_outcomes.csv": lambda p: self.unit_outcomes().to_csv(p, index=False, float_format="%.6g"),
            "allocation.csv": lambda p: self.spending_table().to_csv(p, index=False, float_format="%.6g"),
            "outcomes.json": lambda p: p.write_text(json.dumps(self.outcomes(), indent=2, ensure_ascii=False) + "\n",
                                                    encoding="utf-8"),
            **({"deprivations.csv": lambda p: self.deprivations().to_csv(p, index=False, float_format="%.6g")}
               if self.deprived is not None else {}),
            **({"target_paths.csv": lambda p: self.priced.to_csv(p, index=False, float_format="%.6g")}
               if self.priced is not None else {}),
        }

    def write(self, out_dir: str | os.PathLike[str], *, extra_manifest: dict[str, Any] | None = None,
              overwrite: bool = False) -> Path:
        """Write summary.csv, unit_outcomes.csv, allocation.csv, outcomes.json and manifest.json
        (with the hash of every file) as the result folder of ``planning run``
        (:func:`planning.basics.outputs.write_result_folder`): the folder is whole or absent, or, when
        it existed, marked incomplete until done; a folder that is not an earlier result of
        ``planning run`` is refused unless ``overwrite``; other files in it are never touched.
        """
        return write_result_folder(out_dir, self.files(), command="run", manifest=self.manifest(extra_manifest),
                                   overwrite=overwrite)


def _mcse_share(p: float, n: int) -> float | None:
    """Monte Carlo standard error of a share ``p`` of ``n`` independent draws."""
    return float(np.sqrt(p * (1.0 - p) / n)) if n > 1 else None


def _level_order(s: pd.Series) -> pd.Series:
    if s.name == "level":
        return s.map({LEVEL_DISTRICT: 0, LEVEL_NEW: 1, LEVEL_UNIT: 2})
    return s


def compare(results: list[Result]) -> pd.DataFrame:
    """One row per scenario with its headline figures (Result.outcomes)."""
    return pd.DataFrame([r.outcomes() for r in results])
