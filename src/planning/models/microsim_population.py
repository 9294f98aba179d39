"""Households of the microsimulation: the population and its review-list input.

A household carries its unit, size, per-capita income this year (VND/person/month) and its
deprivations (one bit per indicator of every standard, packed in a ``uint16``), plus how many
years ago it left poverty (newly escaped status lasts ``escaped_support_years``, 36 months) and
the transitory part of a setback that hit it this year, if any (its permanent income is higher
by that much, docs/model.md §2 and §5). Its status is always the classification of (income this
year, deprivations) under a standard (docs/model.md §2).

:func:`planning.models.microsim_synthesis.synthesize_households` builds a population that is the
commune engine's start distribution realised household by household. Counts are households;
incomes VND/person/month; log points are natural-log differences of income.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.basics.errors import PlanningInputError
from planning.stores.standards import Standard, list_standards, load_standard, standard_in_force
from planning.stores.units import Units, load_units

__all__ = [
    "E", "N", "O", "P",
    "Households",
    "bits_of",
    "gain_weights",
    "households_from_review",
    "indicator_universe",
    "standard_mask",
]

#: household state codes (as in the commune engine: poor, near-poor, newly escaped, other)
P, N, E, O = 0, 1, 2, 3  # noqa: E741  the engine's state names (docs/model.md §2)
#: deprivation-rate groups of data/deprivation_rates.csv (E and O are both "non_poor")
GROUP_NAMES = ("poor", "near_poor", "non_poor")

POPCOUNT = np.unpackbits(np.arange(65536, dtype=np.uint16).view(np.uint8)).reshape(-1, 16).sum(
    axis=1).astype(np.uint8)


# --------------------------------------------------------------------------- indicators


def indicator_universe(data_dir: Path | None = None) -> tuple[str, ...]:
    """Every indicator id of every standard in ``data/standards/`` (oldest standard first).

    A household's deprivations are one bit per id in this order (at most 16: ``uint16``).
    """
    ids: list[str] = []
    for std in list_standards(data_dir):
        ids.extend(i for i in std.indicator_ids if i not in ids)
    if len(ids) > 16:
        raise PlanningInputError("data/standards", "indicators", "at most 16 distinct indicators", len(ids),
                                 message_vi=f"tối đa 16 chỉ số khác nhau trong các chuẩn nghèo (có {len(ids)})")
    return tuple(ids)


def standard_mask(std: Standard, indicators: tuple[str, ...]) -> np.uint16:
    """Bit mask of ``std``'s indicators among ``indicators``."""
    missing = [i for i in std.indicator_ids if i not in indicators]
    if missing:
        raise PlanningInputError(std.source_file or std.id, "indicators",
                                 f"indicators among {', '.join(indicators)}", missing[0])
    return np.uint16(sum(1 << indicators.index(i) for i in std.indicator_ids))


def gain_weights(hh: Households, standard: Standard) -> np.ndarray:
    """[indicator] how likely each deprivation is to be the one a household gains when it becomes
    multiply deprived: the poor's share deprived in it at the start (0.3 each where a population
    has no poor), at least 0.02 so that every indicator can be gained."""
    poor_bits = hh.bits[hh.status(standard) == P]
    w = np.array([((poor_bits >> j) & 1).mean() if poor_bits.size else 0.3 for j in range(len(hh.indicators))])
    return np.maximum(w, 0.02)


def bits_of(ids: tuple[str, ...] | list[str], indicators: tuple[str, ...]) -> np.uint16:
    """Bit mask of the listed indicator ids (ids not in ``indicators`` are ignored)."""
    return np.uint16(sum(1 << indicators.index(i) for i in ids if i in indicators))


# --------------------------------------------------------------------------- households


@dataclass(frozen=True, eq=False)
class Households:
    """A population of households (one row per household, NumPy columns).

    ``unit`` indexes ``units``; ``members`` persons; ``income`` VND/person/month (float32);
    ``bits`` deprivations, bit j = ``indicators[j]`` (uint16); ``escaped`` years since the
    household left poverty (0 = not newly escaped; 1..3 = within the 36 months of support);
    ``standard`` the standard ``year``'s statuses are read under. ``synthetic_log_sd``: for a
    synthetic population, the spread σ of log permanent income it was built with (the
    projection then gives each Monte Carlo draw its own σ, docs/microsim.md §3); None for a
    review list. ``transitory``: log points by which each household's income this year is
    below its permanent income (the transitory part of a setback that hit it this year; 0 for
    the others; float32); None = 0 for everyone (a review list).
    """

    units: Units
    indicators: tuple[str, ...]
    unit: np.ndarray
    members: np.ndarray
    income: np.ndarray
    bits: np.ndarray
    escaped: np.ndarray
    year: int
    standard: str
    household_id: np.ndarray | None = None
    data_dir: Path | None = None
    synthetic_log_sd: float | None = None
    transitory: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.unit.size)

    def _std(self, standard: str | Standard | None) -> Standard:
        if isinstance(standard, Standard):
            return standard
        return load_standard(standard or self.standard, self.data_dir)

    def lines(self, standard: str | Standard | None = None) -> np.ndarray:
        """Each household's income line under ``standard`` (VND/person/month, float64)."""
        std = self._std(standard)
        return np.array([std.income_line(a) for a in self.units.area], dtype=np.float64)[self.unit]

    def permanent_income(self) -> np.ndarray:
        """Each household's permanent income (VND/person/month, float64): its income this year
        plus the transitory part of a setback that hit it this year."""
        inc = self.income.astype(np.float64)
        return inc if self.transitory is None else inc * np.exp(self.transitory.astype(np.float64))

    def deprived(self, indicator: str) -> np.ndarray:
        """Whether each household is deprived in ``indicator`` (bool)."""
        return (self.bits & bits_of([indicator], self.indicators)) != 0

    def deprivation_count(self, standard: str | Standard | None = None) -> np.ndarray:
        """Deprivations counted by ``standard`` (default: the households' own)."""
        return POPCOUNT[self.bits & standard_mask(self._std(standard), self.indicators)]

    def multiply_deprived(self, standard: str | Standard | None = None) -> np.ndarray:
        """δ: deprived in at least ``poor_min_deprivations`` indicators of ``standard`` (bool)."""
        std = self._std(standard)
        return self.deprivation_count(std) >= std.poor_min_deprivations

    def status(self, standard: str | Standard | None = None) -> np.ndarray:
        """State codes P=0 (poor), N=1 (near-poor), E=2 (newly escaped), O=3 under ``standard``.

        Poor: income ≤ the area's line AND ≥ ``poor_min_deprivations`` deprivations;
        near-poor: income ≤ line with fewer; the others are newly escaped while ``escaped`` > 0.
        """
        std = self._std(standard)
        below = self.income.astype(np.float64) <= self.lines(std)
        out = np.where(self.escaped > 0, E, O).astype(np.uint8)
        out[below] = N
        out[below & self.multiply_deprived(std)] = P
        return out

    def counts(self, standard: str | Standard | None = None) -> pd.DataFrame:
        """Per unit: households, poor, near_poor, escaped (households)."""
        st = self.status(standard)
        U = self.units.n
        c = np.bincount(self.unit.astype(np.int64) * 4 + st, minlength=4 * U).reshape(U, 4)
        return pd.DataFrame({"unit": list(self.units.ids), "households": c.sum(axis=1), "poor": c[:, P],
                             "near_poor": c[:, N], "escaped": c[:, E]})

    def deprivation_rates(self, standard: str | Standard | None = None) -> pd.DataFrame:
        """Share deprived per unit × group (poor, near_poor, non_poor) × indicator, long format."""
        st = self.status(standard)
        group = np.minimum(st, 2)  # E and O are both "non_poor" in deprivation_rates.csv
        U = self.units.n
        key = group.astype(np.int64) * U + self.unit
        size = np.bincount(key, minlength=3 * U).astype(float)
        rows = []
        for j, ind in enumerate(self.indicators):
            hit = np.bincount(key, weights=((self.bits >> j) & 1).astype(float), minlength=3 * U)
            with np.errstate(invalid="ignore", divide="ignore"):
                rate = np.where(size > 0, hit / size, np.nan)
            for g, gname in enumerate(GROUP_NAMES):
                for u, uid in enumerate(self.units.ids):
                    rows.append((uid, gname, ind, rate[g * U + u], int(size[g * U + u])))
        return pd.DataFrame(rows, columns=["unit", "group", "indicator", "rate", "households"])

    def to_frame(self) -> pd.DataFrame:
        """The households as a review list (the columns :mod:`planning.models.classify` reads).

        ``commune`` is the unit id; ``years_since_exit`` carries the newly escaped status.
        """
        ids = (self.household_id if self.household_id is not None
               else np.char.add("H", np.arange(self.n).astype(str)))
        df = pd.DataFrame({
            "household_id": ids,
            "commune": np.asarray(self.units.ids, dtype=object)[self.unit],
            "area": np.asarray(self.units.area, dtype=object)[self.unit],
            "members": self.members.astype(np.int64),
            "income_per_capita_month": np.round(self.income.astype(np.float64)),
        })
        for j, ind in enumerate(self.indicators):
            df[f"d_{ind}"] = ((self.bits >> j) & 1).astype(np.int64)
        df["years_since_exit"] = self.escaped.astype(np.int64)
        return df


def _norm(text: Any) -> str:
    s = str(text).replace("đ", "d").replace("Đ", "D")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "_".join(s.strip().lower().replace("-", " ").split())


def _default_data() -> Path:
    from planning.basics.paths import data_dir

    return data_dir()


def households_from_review(df: pd.DataFrame, *, units: Units | None = None,
                           standard: str | Standard | None = None, year: int | None = None,
                           data_dir: Path | None = None, source: str = "<review list>") -> Households:
    """Households from a loaded review list (columns of :mod:`planning.models.classify`).

    Required: ``household_id, commune, area, members, income_per_capita_month`` (VND/person/
    month) and ``d_<indicator>`` (0/1) for every indicator of ``standard`` (default: the one in
    force in ``year``, else the oldest standard whose columns are all present). ``d_`` columns
    of other standards' indicators (e.g. ``d_waste``) are read when present, else 0.
    ``commune`` is a unit id or name (accents and case ignored). Optional
    ``years_since_exit`` (0..5) marks newly escaped households. Bad cells raise the bilingual
    errors of :func:`planning.models.classify.classify_households`.
    """
    from planning.models.classify import classify_households  # the list's validation lives there

    indicators = indicator_universe(data_dir)
    cols = {str(c).strip().lower() for c in df.columns}
    if isinstance(standard, Standard):
        std = standard
    elif standard:
        std = load_standard(standard, data_dir)
    elif year is not None:
        std = standard_in_force(year, data_dir)
    else:
        fits = [s for s in list_standards(data_dir) if all(f"d_{i}" in cols for i in s.indicator_ids)]
        std = fits[0] if fits else list_standards(data_dir)[0]
    clean = classify_households(df, standard=std, source=source)
    units = units or load_units((data_dir or _default_data()) / "units.csv")
    lookup: dict[str, int] = {}
    for i, (uid, nvi, nen) in enumerate(zip(units.ids, units.names_vi, units.names_en, strict=True)):
        for name in (uid, nvi, nen):
            lookup[_norm(name)] = i
    unit = np.empty(len(clean), dtype=np.int16)
    for pos, c in enumerate(clean["commune"]):
        key = _norm(c)
        if key not in lookup:
            raise PlanningInputError(source, "commune", f"a unit id or name ({', '.join(units.ids)})", c,
                                     row=pos + 2,
                                     message_vi=f"{source}, dòng {pos + 2}: không nhận ra xã '{c}' "
                                                f"(cần mã hoặc tên đơn vị: {', '.join(units.ids)})")
        unit[pos] = lookup[key]
    raw = df.copy()
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    bits = np.zeros(len(clean), dtype=np.uint16)
    for j, ind in enumerate(indicators):
        col = f"d_{ind}"
        if col in clean.columns:
            v = clean[col].to_numpy()
        elif col in raw.columns:
            v = pd.to_numeric(raw[col], errors="coerce").fillna(0).to_numpy()
            if not np.isin(v, (0, 1)).all():
                pos = int(np.flatnonzero(~np.isin(v, (0, 1)))[0])
                raise PlanningInputError(source, col, "0 (not deprived) or 1 (deprived)", raw[col].iloc[pos],
                                         row=pos + 2, message_vi=f"{source}, dòng {pos + 2}: cột '{col}' "
                                                                 "cần 0 (không thiếu hụt) hoặc 1 (thiếu hụt)")
        else:
            continue
        bits |= (v.astype(np.uint16) & 1) << j
    escaped = np.zeros(len(clean), dtype=np.uint8)
    if "years_since_exit" in raw.columns:
        v = pd.to_numeric(raw["years_since_exit"], errors="coerce")
        bad = v.isna() | (v < 0) | (v > 5) | (v % 1 != 0)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise PlanningInputError(source, "years_since_exit", "a whole number of years 0..5",
                                     raw["years_since_exit"].iloc[pos], row=pos + 2,
                                     message_vi=f"{source}, dòng {pos + 2}: cột 'years_since_exit' "
                                                "cần số năm nguyên từ 0 đến 5")
        escaped = v.to_numpy().astype(np.uint8)
    return Households(
        units=units, indicators=indicators, unit=unit,
        members=np.clip(clean["members"].to_numpy(), 1, 255).astype(np.uint8),
        income=clean["income_per_capita_month"].to_numpy().astype(np.float32), bits=bits,
        escaped=escaped, year=int(year if year is not None else std.first_year), standard=std.id,
        household_id=clean["household_id"].to_numpy(dtype=object), data_dir=data_dir,
    )
