"""Household microsimulation: the commune engine's model, one household at a time.

Each household carries its unit, size, per-capita income (VND/person/month), its deprivations
(one bit per indicator of every standard, packed in a ``uint16``) and how many years ago it
left poverty (newly escaped status lasts ``escaped_support_years``, 36 months). Each year:

1. at a change of standard (2027: Decree 351/2025, 2.2 M rural / 2.8 M urban, without
   ``information_access``, with ``waste``) households are reclassified under the engine's
   income-distribution assumption (log-normal income within a unit, spread σ per draw);
2. programme money buys treatments: households reached = money / unit cost, assigned by the
   programme book's ``targets`` to poor / near-poor / newly escaped households, never more
   than the unit's allocation, indicator components only to deprived households; housing,
   water-sanitation and information remove their deprivations, income components raise the
   chance of crossing the line, health insurance and the others' ``protect`` lower falls;
   capacity scales every effect;
3. incomes move: a household crosses the income line with the probability the commune engine
   gives its state (``transitions.*`` × shocks × programme factors), so the income-shock
   distribution of every draw is the one that reproduces the engine's flows;
4. new households form (``households.growth``), copying existing non-escaped households.

Statuses always equal the classification of (income, deprivations) under the standard in
force: events that change a status also move the income across the line or add / remove
deprivations so that the household's record says why. The equations, the mapping to the
engine's parameters and the assumptions are in docs/microsim.md.

Money is million VND; incomes are VND per person per month; counts are households. The only
Python loops are over draw chunks, years, components and target groups: households and draws
are NumPy axes.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from planning import engine as _engine
from planning.baseline import Baseline
from planning.engine import OUTPUTS, Draws
from planning.errors import PlanningInputError
from planning.parameters import ModelParameters, load_model_parameters
from planning.standards import Standard, list_standards, load_standard, standard_in_force
from planning.units import Units, load_units

if TYPE_CHECKING:
    from planning.runner import Prepared

__all__ = [
    "CHUNK_DRAWS",
    "Households",
    "MicrosimRun",
    "households_from_review",
    "implied_switch_parameters",
    "indicator_universe",
    "project_prepared",
    "simulate",
    "synthesize_households",
]

#: household state codes (as in the commune engine: poor, near-poor, newly escaped, other)
P, N, E, O, DEAD = 0, 1, 2, 3, 4  # noqa: E741  the engine's state names (docs/model.md)
#: draws simulated together (memory: ~50 × households × 12 bytes of state); each chunk has
#: its own seeded random streams, so results depend on the seed and the number of draws only.
CHUNK_DRAWS = 50
_MAX_P = _engine._MAX_P  # the engine's cap on shock-raised probabilities; one source of truth

# Gaussian-copula loadings of the synthetic population (assumptions, docs/microsim.md §2):
# a household's latent disadvantage z drives both low income and deprivations.
_INCOME_LOADING = 0.6  # corr(z, income-disadvantage index)
_DEPRIVATION_LOADING = 0.6  # corr(z, deprivation propensity)
_INDICATOR_LOADING = 0.5  # loading of each indicator's latent score on the propensity
_MEMBERS_MEAN = 4.26  # persons per household, district 2025 (data/README.md, illustrative)
_CALIB_SAMPLE = 3000  # households per (group, unit) used to fit the deprivation thresholds
_CALIB_ITER = 60
_GROUP_NAMES = ("poor", "near_poor", "non_poor")

_POPCOUNT = np.unpackbits(np.arange(65536, dtype=np.uint16).view(np.uint8)).reshape(-1, 16).sum(
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


def _mask(std: Standard, indicators: tuple[str, ...]) -> np.uint16:
    """Bit mask of ``std``'s indicators."""
    missing = [i for i in std.indicator_ids if i not in indicators]
    if missing:
        raise PlanningInputError(std.source_file or std.id, "indicators",
                                 f"indicators among {', '.join(indicators)}", missing[0])
    return np.uint16(sum(1 << indicators.index(i) for i in std.indicator_ids))


def _bits_of(ids: tuple[str, ...] | list[str], indicators: tuple[str, ...]) -> np.uint16:
    return np.uint16(sum(1 << indicators.index(i) for i in ids if i in indicators))


# --------------------------------------------------------------------------- households


@dataclass(frozen=True, eq=False)
class Households:
    """A population of households (one row per household, NumPy columns).

    ``unit`` indexes ``units``; ``members`` persons; ``income`` VND/person/month (float32);
    ``bits`` deprivations, bit j = ``indicators[j]`` (uint16); ``escaped`` years since the
    household left poverty (0 = not newly escaped; 1..3 = within the 36 months of support);
    ``standard`` the standard ``year``'s statuses are read under.
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

    @property
    def n(self) -> int:
        return int(self.unit.size)

    def _std(self, standard: str | Standard | None) -> Standard:
        if isinstance(standard, Standard):
            return standard
        return load_standard(standard or self.standard, self.data_dir)

    def deprived(self, indicator: str) -> np.ndarray:
        """Whether each household is deprived in ``indicator`` (bool)."""
        return (self.bits & _bits_of([indicator], self.indicators)) != 0

    def deprivation_count(self, standard: str | Standard | None = None) -> np.ndarray:
        """Deprivations counted by ``standard`` (default: the households' own)."""
        return _POPCOUNT[self.bits & _mask(self._std(standard), self.indicators)]

    def status(self, standard: str | Standard | None = None) -> np.ndarray:
        """State codes P=0 (poor), N=1 (near-poor), E=2 (newly escaped), O=3 under ``standard``.

        Poor: income ≤ the area's line AND ≥ ``poor_min_deprivations`` deprivations;
        near-poor: income ≤ line with fewer; the others are newly escaped while ``escaped`` > 0.
        """
        std = self._std(standard)
        lines = np.array([std.income_line(a) for a in self.units.area], dtype=np.float64)
        below = self.income.astype(np.float64) <= lines[self.unit]
        count = self.deprivation_count(std)
        out = np.where(self.escaped > 0, E, O).astype(np.uint8)
        out[below] = N
        out[below & (count >= std.poor_min_deprivations)] = P
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
            for g, gname in enumerate(_GROUP_NAMES):
                for u, uid in enumerate(self.units.ids):
                    rows.append((uid, gname, ind, rate[g * U + u], int(size[g * U + u])))
        return pd.DataFrame(rows, columns=["unit", "group", "indicator", "rate", "households"])

    def to_frame(self) -> pd.DataFrame:
        """The households as a review list (the columns :mod:`planning.classify` reads).

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


def households_from_review(df: pd.DataFrame, *, units: Units | None = None,
                           standard: str | Standard | None = None, year: int | None = None,
                           data_dir: Path | None = None, source: str = "<review list>") -> Households:
    """Households from a loaded review list (columns of :mod:`planning.classify`).

    Required: ``household_id, commune, area, members, income_per_capita_month`` (VND/person/
    month) and ``d_<indicator>`` (0/1) for every indicator of ``standard`` (default: the one in
    force in ``year``, else the oldest standard whose columns are all present). ``d_`` columns
    of other standards' indicators (e.g. ``d_waste``) are read when present, else 0.
    ``commune`` is a unit id or name (accents and case ignored). Optional
    ``years_since_exit`` (0..5) marks newly escaped households. Bad cells raise the bilingual
    errors of :func:`planning.classify.classify_households`.
    """
    from planning.classify import classify_households  # the list's validation lives there

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


def _default_data() -> Path:
    from planning.paths import data_dir

    return data_dir()


# --------------------------------------------------------------------------- synthesis


def _rank_within(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Rank (0-based) of each element within its group, by ``key`` ascending."""
    n = group.size
    r = np.empty(n, dtype=np.int64)
    r[np.argsort(key)] = np.arange(n)
    order = np.argsort(group.astype(np.int64) * n + r)  # one integer sort beats lexsort ~3x
    g = group[order]
    first = np.searchsorted(g, g, side="left")
    rank = np.empty(group.size, dtype=np.int64)
    rank[order] = np.arange(group.size) - first
    return rank


def _income_shape(params_or_draws: Any) -> tuple[float, float]:
    """(σ of log income, escaped concentration) from parameters, draws or named samples."""
    keys = ("model.standard_switch.income_log_sd", "model.standard_switch.escaped_concentration")
    if params_or_draws is None:
        params_or_draws = load_model_parameters()
    if isinstance(params_or_draws, ModelParameters):
        return tuple(params_or_draws.values[k].mode for k in keys)  # type: ignore[return-value]
    if isinstance(params_or_draws, Draws):
        return float(np.mean(params_or_draws.income_log_sd)), float(np.mean(params_or_draws.escaped_concentration))
    if isinstance(params_or_draws, Mapping):
        return tuple(float(np.mean(params_or_draws[k])) for k in keys)  # type: ignore[return-value]
    raise TypeError("params_or_draws: ModelParameters, engine Draws or a mapping of named samples")


def _counts_for_year(baseline: Baseline, year: int | None) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(year, households, poor, near_poor, escaped cohorts [years since exit, unit])."""
    if year is None or year == baseline.year:
        return baseline.year, baseline.households, baseline.poor, baseline.near_poor, baseline.escaped_cohorts
    s = baseline.series
    if year not in set(s["year"]):
        raise PlanningInputError("data/baseline.csv", "year", f"a review year among {sorted(set(s['year']))}", year,
                                 message_vi=f"không có số liệu rà soát năm {year}")
    ids = list(baseline.units.ids)

    def col(y: int, c: str) -> np.ndarray:
        return s[s["year"] == y].set_index("unit").loc[ids, c].to_numpy(float)

    cohorts = np.zeros((3, len(ids)))
    for k in range(3):  # as planning.baseline: net fall in the poor count proxies exits
        a, b = year - k - 1, year - k
        if a in set(s["year"]) and b in set(s["year"]):
            cohorts[k] = np.maximum(col(a, "poor") - col(b, "poor"), 0.0)
    hh, poor, near = col(year, "households"), col(year, "poor"), col(year, "near_poor")
    cohorts = np.minimum(cohorts, np.maximum(hh - poor - near, 0) / 3)
    return year, hh, poor, near, cohorts


def synthesize_households(baseline: Baseline,
                          params_or_draws: ModelParameters | Draws | Mapping[str, Any] | None = None, *,
                          seed: int,
                          year: int | None = None, data_dir: Path | None = None,
                          standard: str | None = None) -> Households:
    """A seeded synthetic population reproducing a unit-level baseline.

    Per unit: exactly the baseline's households, poor and near-poor (under ``standard``,
    default the one in force in the baseline ``year``), and newly escaped households by years
    since exit; deprivation rates by group (poor / near-poor / non-poor) reproduce
    ``baseline.deprivation`` (data/deprivation_rates.csv) within 3 households per unit ×
    group × indicator and 0.5 percentage point per group × indicator for the district.

    Construction (Gaussian copula): each household has a latent disadvantage z ~ N(0, 1);
    its income-disadvantage index x = 0.6 z + 0.8 ξ ranks incomes (the poorest B = poor +
    near-poor are below the line), its deprivation propensity d = 0.6 z + 0.8 ζ picks the
    poor among them, and each indicator is deprived when 0.5 d + 0.87 η_j exceeds a
    threshold fitted per unit, group and indicator (poor households get their three
    nearest-to-threshold deprivations when they have fewer; near-poor keep their two).
    Per-capita income is log-normal within the unit with spread σ (``income_log_sd``) placed
    so that exactly B households are at or below the line; newly escaped households sit in
    the lowest 1/c of incomes above the line (c = ``escaped_concentration``), as the engine
    assumes. ``params_or_draws``: ModelParameters (modes), engine Draws or named samples
    (means).
    """
    sigma, conc = _income_shape(params_or_draws)
    yr, hh, poor, near, cohorts = _counts_for_year(baseline, year)
    units = baseline.units
    U = units.n
    std = load_standard(standard, data_dir) if standard else standard_in_force(yr, data_dir)
    indicators = indicator_universe(data_dir)
    J = len(indicators)
    kmin = std.poor_min_deprivations
    H = np.rint(hh).astype(np.int64)
    Pn = np.minimum(np.rint(poor).astype(np.int64), H)
    Nn = np.minimum(np.rint(near).astype(np.int64), H - Pn)
    B = Pn + Nn
    A = H - B
    coh = np.rint(np.asarray(cohorts, float)).astype(np.int64)
    for u in range(U):  # never more escaped than households above the line (oldest dropped first)
        while coh[:, u].sum() > A[u]:
            k = int(np.flatnonzero(coh[:, u])[-1])
            coh[k, u] -= 1
    Etot = coh.sum(axis=0)

    rng = np.random.default_rng([int(seed), 0x5E7])
    n = int(H.sum())
    unit = np.repeat(np.arange(U), H)
    z = rng.standard_normal(n)
    x = _INCOME_LOADING * z + math.sqrt(1 - _INCOME_LOADING**2) * rng.standard_normal(n)
    d = _DEPRIVATION_LOADING * z + math.sqrt(1 - _DEPRIVATION_LOADING**2) * rng.standard_normal(n)
    r_x = _rank_within(unit, -x)  # 0 = the poorest household of its unit
    below = r_x < B[unit]
    r_d = _rank_within(unit, np.where(below, -d, np.inf))
    is_poor = below & (r_d < Pn[unit])
    group = np.where(is_poor, 0, np.where(below, 1, 2)).astype(np.int8)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(below, (r_x + 0.5) / np.maximum(B[unit], 1), (r_x - B[unit] + 0.5) / np.maximum(A[unit], 1))
    # Newly escaped: a random subset of the lowest 1/c of above-line incomes (engine's switch).
    pool = ~below & (v < 1.0 / max(conc, 1.0))
    key = np.where(pool, rng.random(n), np.where(below, np.inf, 2.0 + v))
    r_e = _rank_within(unit, key)
    esc_flag = ~below & (r_e < Etot[unit])
    cum = np.cumsum(coh, axis=0)
    years = 1 + sum((r_e >= cum[s][unit]).astype(np.int64) for s in range(coh.shape[0] - 1))
    escaped = np.where(esc_flag, years, 0).astype(np.uint8)

    # deprivations
    rates = np.zeros((3, U, J))
    for g, gname in enumerate(_GROUP_NAMES):
        for j, ind in enumerate(indicators):
            r = baseline.deprivation.get(gname, {}).get(ind)
            if r is not None:
                rates[g, :, j] = r
    base_cols = np.array([indicators.index(i) for i in std.indicator_ids])
    bits_b = _synth_deprivations(rng, unit, group, d, rates, base_cols, kmin)
    bits = np.zeros(n, dtype=np.uint16)
    for j in range(J):
        bits |= bits_b[:, j].astype(np.uint16) << j

    # incomes: log-normal with spread σ, exactly B households at or below the line
    lines = np.array([std.income_line(a) for a in units.area])
    b = np.maximum(B, 0.5) / np.maximum(H, 1)
    q = np.where(below, b[unit] * v, b[unit] + (1 - b[unit]) * v)
    inc = lines[unit] * np.exp(sigma * (ndtri(q) - ndtri(b[unit])))
    inc = np.where(below, np.minimum(inc, lines[unit]), np.maximum(inc, lines[unit] + 1.0))
    members = (1 + rng.poisson(_MEMBERS_MEAN - 1, n)).clip(1, 255).astype(np.uint8)
    return Households(units=units, indicators=indicators, unit=unit.astype(np.int16), members=members,
                      income=inc.astype(np.float32), bits=bits, escaped=escaped, year=yr, standard=std.id,
                      data_dir=data_dir)


def _bits_from_scores(m: np.ndarray, group: np.ndarray, base_cols: np.ndarray, kmin: int) -> np.ndarray:
    """Deprived where score − threshold ``m`` > 0, then the count rule of each group enforced.

    Poor households with fewer than ``kmin`` deprivations (of the standard's indicators) take
    their ``kmin`` highest m; near-poor ones with more than kmin − 1 keep their kmin − 1 highest.
    """
    bits = m > 0
    mb = m[:, base_cols]
    cnt = bits[:, base_cols].sum(axis=1)
    for g, bad, k in ((0, cnt < kmin, kmin), (1, cnt > kmin - 1, kmin - 1)):
        rows = np.flatnonzero((group == g) & bad)
        if rows.size == 0 or k <= 0:
            if k <= 0 and rows.size:
                bits[np.ix_(rows, base_cols)] = False
            continue
        top = np.argpartition(-mb[rows], k - 1, axis=1)[:, :k]
        new = np.zeros((rows.size, base_cols.size), dtype=bool)
        np.put_along_axis(new, top, True, axis=1)
        bits[np.ix_(rows, base_cols)] = new
    return bits


def _synth_deprivations(rng: np.random.Generator, unit: np.ndarray, group: np.ndarray, d: np.ndarray,
                        rates: np.ndarray, base_cols: np.ndarray, kmin: int) -> np.ndarray:
    """[household, indicator] deprivations whose group × unit rates match ``rates`` [3, U, J].

    Thresholds are fitted on at most ``_CALIB_SAMPLE`` households per (group, unit) by a
    damped probit-scale fixed point, then applied to everyone.
    """
    n = unit.size
    U, J = rates.shape[1], rates.shape[2]
    a = np.float32(_INDICATOR_LOADING)
    s = rng.standard_normal((n, J), dtype=np.float32)
    s *= np.float32(math.sqrt(1 - a * a))
    s += a * d.astype(np.float32)[:, None]
    gu = group.astype(np.int64) * U + unit
    sub = np.flatnonzero(_rank_within(gu, np.arange(n)) < _CALIB_SAMPLE)
    sub = sub[np.argsort(gu[sub], kind="stable")]  # grouped rows: one reduceat per iteration
    gu_s = gu[sub]
    present = np.unique(gu_s)
    starts = np.searchsorted(gu_s, present)
    size = np.bincount(gu_s, minlength=3 * U).astype(float)
    eps = 0.5 / np.maximum(size, 1.0)
    target = rates.reshape(3 * U, J)
    tgt = np.clip(target, eps[:, None], 1 - eps[:, None])
    tau = ndtri(1 - tgt)
    s_sub, g_sub = s[sub], group[sub]
    # Per-cell step halved whenever the error changes sign: the achieved rate is a step
    # function of the threshold, and a fixed step would bounce around the target.
    gain = np.ones_like(tau)
    prev = np.zeros_like(tau)
    best, best_err, stale = tau.copy(), np.inf, 0
    for _ in range(_CALIB_ITER):
        bits = _bits_from_scores(s_sub - tau[gu_s].astype(np.float32), g_sub, base_cols, kmin)
        ach = np.zeros((3 * U, J))
        ach[present] = np.add.reduceat(bits.astype(np.int32), starts, axis=0)
        miss = ach - target * size[:, None]  # households too many (+) or too few (-)
        err = float(np.abs(miss).sum())
        if err < best_err - 0.5:
            best, best_err, stale = tau.copy(), err, 0
        else:
            stale += 1
            if stale >= 8:
                break
        flip = np.sign(miss) * np.sign(prev) < 0
        gain = np.where(flip, gain * 0.5, np.minimum(gain * 1.2, 1.0))
        prev = np.where(np.abs(miss) < 0.5, 0.0, miss)
        ach = np.clip(ach / np.maximum(size, 1.0)[:, None], eps[:, None], 1 - eps[:, None])
        tau = np.clip(tau + gain * (ndtri(1 - tgt) - ndtri(1 - ach)), -6, 6)
    tau = best
    s -= tau.astype(np.float32)[gu]  # in place: s is not needed any more
    return _bits_from_scores(s, group, base_cols, kmin)


def implied_switch_parameters(households: Households, new_standard: str,
                              *, old_standard: str | None = None) -> dict[str, float]:
    """What the households' own incomes and deprivations say about a change of standard.

    Re-reads every household under ``new_standard`` (its lines and indicator set) and
    returns, as shares: ``near_poor_to_poor`` (near-poor with ≥ k new-standard deprivations),
    ``moved_share`` (households above the old line and at or below the new one, over all),
    ``moved_poor_share`` (of those, the share with ≥ k deprivations) and
    ``deprived_share_new_below_line`` (that share / (poor / (poor + near-poor)), the engine's
    parameter); ``poor_rate_old`` and ``poor_rate_new`` (poor / households before and after).
    Diagnostics: the projection follows the engine's switch parameters (docs/microsim.md §4).
    """
    old = households._std(old_standard)
    new = households._std(new_standard)
    st = households.status(old)
    st_new = households.status(new)
    k = new.poor_min_deprivations
    cnt_new = households.deprivation_count(new)
    npoor, nnear = int((st == P).sum()), int((st == N).sum())
    moved = (st >= E) & (st_new <= N)
    ps = npoor / max(npoor + nnear, 1)
    mps = float((cnt_new[moved] >= k).mean()) if moved.any() else 0.0
    return {
        "near_poor_to_poor": float((cnt_new[st == N] >= k).mean()) if nnear else 0.0,
        "moved_share": float(moved.mean()),
        "moved_poor_share": mps,
        "deprived_share_new_below_line": mps / ps if ps > 0 else 0.0,
        "poor_rate_old": npoor / max(households.n, 1),
        "poor_rate_new": float((st_new == P).mean()),
    }


# --------------------------------------------------------------------------- projection


@dataclass
class MicrosimRun:
    """A microsimulation's outputs.

    ``arrays``: the engine's outputs, each [draw, unit, year] (households). ``spent`` and
    ``treated``: [draw, unit, component, year] million VND spent and households treated
    (capacity: its whole allocation, no households). ``allocated``: [unit, component, year]
    million VND. ``final``: draw 0's households at the end of the last year.
    """

    arrays: dict[str, np.ndarray]
    spent: np.ndarray
    treated: np.ndarray
    allocated: np.ndarray
    final: Households | None


@dataclass(frozen=True)
class _Setup:
    """Deterministic inputs of a run, shared by every draw chunk."""

    units: Units
    indicators: tuple[str, ...]
    years: list[int]
    std_ids: list[str]
    masks: np.ndarray  # [year] uint16
    kmin: np.ndarray  # [year]
    lines: np.ndarray  # [year, unit] VND/person/month
    switch_ratio: np.ndarray  # [year, unit]
    shock_fixed: np.ndarray  # [year, unit]
    amounts: np.ndarray  # [unit, component, year]
    targets: np.ndarray  # [component, group]
    cap: np.ndarray  # [component, group, unit]
    capacity_scale: float
    is_indicator: np.ndarray  # [component] bool
    cap_bit: np.ndarray  # [component] uint16 (0 for income components)
    remove_bits: np.ndarray  # [component] uint16
    add_weights: np.ndarray  # [indicator] weights of deprivations gained at a fall
    support_years: int
    # slot layout: unit blocks with room for new households
    slot_unit: np.ndarray  # [S] int64
    start: np.ndarray  # [U]
    cap_slots: np.ndarray  # [U]
    n0: np.ndarray  # [U]
    status0: np.ndarray  # [S] uint8
    bits0: np.ndarray  # [S] uint16
    esc0: np.ndarray  # [S] uint8
    v0: np.ndarray  # [S] float32 rank of income within its side of the line (0..1)
    members0: np.ndarray  # [S] uint8
    data_dir: Path | None
    switch: str  # "engine" or "households" (docs/microsim.md §4)

    @property
    def S(self) -> int:
        return int(self.slot_unit.size)


def _income_ranks(unit: np.ndarray, below: np.ndarray, income: np.ndarray) -> np.ndarray:
    """Rank of each household's income within its unit and side of the line, in (0, 1)."""
    grp = unit.astype(np.int64) * 2 + below
    r = _rank_within(grp, income.astype(np.float64))
    size = np.bincount(grp, minlength=int(grp.max(initial=0)) + 1)
    return ((r + 0.5) / size[grp]).astype(np.float32)


def _setup(prep: Prepared, hh: Households, amounts: np.ndarray, switch: str) -> _Setup:
    units = prep.baseline.units
    if hh.units.ids != units.ids:
        raise PlanningInputError("<households>", "commune", f"the scenario's units ({', '.join(units.ids)})",
                                 ", ".join(hh.units.ids),
                                 message_vi="danh sách hộ phải dùng cùng các đơn vị với kịch bản")
    ddir = prep.loaded.baseline_dir
    indicators = hh.indicators
    ei = prep.engine_inputs(amounts)
    stds = [load_standard(s, ddir) for s in prep.standards]
    base_std = load_standard(hh.standard, ddir)
    masks = np.array([_mask(s, indicators) for s in stds], dtype=np.uint16)
    book = prep.book
    comps = book.components
    # Weights of deprivations gained when a household falls into poverty: the profile of the
    # poor at the start (so that new poor look like the poor), floored so none is impossible.
    st0 = hh.status(base_std)
    poor_bits = hh.bits[st0 == P]
    w = np.array([((poor_bits >> j) & 1).mean() if poor_bits.size else 0.3 for j in range(len(indicators))])
    years = prep.years
    # slots: each unit's block holds its households and room for growth
    U = units.n
    n0 = np.bincount(hh.unit.astype(np.int64), minlength=U)
    gmax = float(np.max(prep.samples["model.households.growth"]))
    cap_slots = np.ceil(n0 * (1 + gmax) ** len(years) + 2 * len(years) + 8).astype(np.int64)
    start = np.concatenate(([0], np.cumsum(cap_slots)[:-1]))
    S = int(cap_slots.sum())
    order = np.argsort(hh.unit, kind="stable")
    u_sorted = hh.unit[order].astype(np.int64)
    slots = start[u_sorted] + (np.arange(hh.n) - np.searchsorted(u_sorted, u_sorted))
    status = hh.status(base_std)
    below = status <= N
    v = _income_ranks(hh.unit, below, hh.income)

    def place(x: np.ndarray, fill: Any, dtype: Any) -> np.ndarray:
        out = np.full(S, fill, dtype=dtype)
        out[slots] = x[order]
        return out

    return _Setup(
        units=units, indicators=indicators, years=years, std_ids=list(prep.standards), masks=masks,
        kmin=np.array([s.poor_min_deprivations for s in stds]),
        lines=np.array([[s.income_line(a) for a in units.area] for s in stds]),
        switch_ratio=ei.switch_log_ratio, shock_fixed=ei.shock_fixed, amounts=amounts, targets=ei.targets,
        cap=ei.coverage_cap, capacity_scale=ei.capacity_scale,
        is_indicator=np.array([c.max_coverage_indicator is not None for c in comps]),
        cap_bit=np.array([_bits_of([c.max_coverage_indicator], indicators) if c.max_coverage_indicator else 0
                          for c in comps], dtype=np.uint16),
        remove_bits=np.array([_bits_of(list(c.acts_on), indicators) for c in comps], dtype=np.uint16),
        add_weights=np.maximum(w, 0.02), support_years=prep.params.escaped_support_years,
        slot_unit=np.repeat(np.arange(U), cap_slots), start=start, cap_slots=cap_slots, n0=n0,
        status0=place(np.where((status == E) & (hh.escaped > prep.params.escaped_support_years), O, status),
                      DEAD, np.uint8),
        bits0=place(hh.bits, 0, np.uint16), esc0=place(np.minimum(hh.escaped, prep.params.escaped_support_years)
                                                       * (status == E), 0, np.uint8),
        v0=place(v, 0.5, np.float32), members0=place(hh.members, 1, np.uint8), data_dir=ddir, switch=switch,
    )


def _slice(d: Draws, ds: slice) -> Draws:
    return Draws(**{f.name: getattr(d, f.name)[ds] for f in fields(Draws)})


def _rng(seed: int, chunk: int, t: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), 0x6D53, chunk, t, stream])


_EVENTS, _TREAT, _FIX, _SWITCH, _GROWTH, _MOVE = range(6)


def _fix_counts(bits: np.ndarray, idx_min: np.ndarray, idx_max: np.ndarray, mask: np.uint16, k: int,
                weights: np.ndarray, rng: np.random.Generator) -> None:
    """Make ``bits[idx_min]`` count ≥ k and ``bits[idx_max]`` count ≤ k − 1 under ``mask``.

    Deprivations gained are drawn with ``weights`` (the poor's profile); those lost are drawn
    uniformly among the household's own. In place; only households that violate change.
    """
    J = weights.size
    shifts = np.arange(J, dtype=np.uint16)
    inmask = ((mask >> shifts) & 1).astype(bool)
    for idx, gain in ((idx_min, True), (idx_max, False)):
        if idx.size == 0:
            continue
        b = bits[idx]
        c = _POPCOUNT[b & mask]
        todo = np.flatnonzero(c < k) if gain else np.flatnonzero(c > k - 1)
        while todo.size:
            bb = b[todo]
            have = ((bb[:, None] >> shifts) & 1).astype(bool)
            cand = (~have if gain else have) & inmask
            # one draw per household: the first candidate whose cumulative weight passes it
            cw = np.cumsum(np.where(cand, weights if gain else 1.0, 0.0), axis=1)
            r = rng.random(todo.size) * cw[:, -1]
            j = np.minimum((cw <= r[:, None]).sum(axis=1), J - 1).astype(np.uint16)
            flip = (np.uint16(1) << j).astype(np.uint16)
            b[todo] = bb | flip if gain else bb & ~flip
            c = _POPCOUNT[b[todo] & mask]
            todo = todo[(c < k) if gain else (c > k - 1)]
        bits[idx] = b


class _Chunk:
    """The state of ``D`` draws × every slot, flattened to [D·S] (draw-major)."""

    def __init__(self, st: _Setup, D: int) -> None:
        self.D, self.S, self.U = D, st.S, st.units.n
        self.status = np.tile(st.status0, D)
        self.bits = np.tile(st.bits0, D)
        self.esc = np.tile(st.esc0, D)
        self.v = np.tile(st.v0, D)
        self.members = np.tile(st.members0, D)
        self.key = (np.repeat(np.arange(D, dtype=np.int64) * self.U, self.S) + np.tile(st.slot_unit, D))
        self.key5 = self.key * 5
        self.n_alive = np.tile(st.n0, (D, 1)).astype(np.int64)
        self.cnt = self.counts()  # counts at the end of the last year simulated

    def counts(self) -> np.ndarray:
        """[D, U, 5] households per state (DEAD last)."""
        DU = self.D * self.U
        return np.bincount(self.key5 + self.status, minlength=DU * 5).reshape(self.D, self.U, 5).astype(float)


def simulate(prep: Prepared, households: Households | None = None, *, amounts: np.ndarray | None = None,
             draws: int | None = None, outputs: tuple[str, ...] = OUTPUTS, keep_final: bool = False,
             switch: Literal["engine", "households"] = "engine") -> MicrosimRun:
    """Run the microsimulation of a prepared scenario (see module docstring).

    ``households`` default: :func:`synthesize_households` of the scenario's baseline (seeded
    by the scenario's seed). ``amounts`` replaces the allocation ([unit, component, year],
    million VND). ``draws``: the first so many of the prepared draws. ``keep_final`` returns
    draw 0's households at the end. ``switch``: at a change of standard, who among the
    near-poor and the households the higher line brings below it is poor — ``"engine"``
    (default) draws it with the engine's ``standard_switch`` shares; ``"households"`` reads
    it from each household's own deprivations under the new indicator set (a sensitivity:
    it does not match the engine, see docs/microsim.md §4).
    """
    if switch not in ("engine", "households"):
        raise PlanningInputError("<run>", "switch", "'engine' or 'households'", switch)
    unknown = set(outputs) - set(OUTPUTS)
    if unknown:
        raise ValueError(f"unknown outputs: {sorted(unknown)}; known: {OUTPUTS}")
    D = prep.draws if draws is None else int(draws)
    if not 1 <= D <= prep.draws:
        raise PlanningInputError("<run>", "draws", f"1..{prep.draws} (the prepared draws)", draws,
                                 message_vi=f"số lần mô phỏng phải từ 1 đến {prep.draws}")
    hh = households or synthesize_households(prep.baseline, prep.samples, seed=prep.seed,
                                             data_dir=prep.loaded.baseline_dir)
    amounts = prep.amounts if amounts is None else np.asarray(amounts, float)
    st = _setup(prep, hh, amounts, switch)
    dr = _slice(prep.engine_draws(), slice(0, D))
    U, Y, K = st.units.n, len(st.years), amounts.shape[1]
    arrays = {name: np.zeros((D, U, Y)) for name in outputs}
    spent = np.zeros((D, U, K, Y))
    treated = np.zeros((D, U, K, Y))
    final = None
    for c, a in enumerate(range(0, D, CHUNK_DRAWS)):
        ds = slice(a, min(a + CHUNK_DRAWS, D))
        ch = _Chunk(st, ds.stop - ds.start)
        d = _slice(dr, ds)
        for t in range(Y):
            res = _year(st, ch, d, t, seed=prep.seed, chunk=c)
            for name in outputs:
                arrays[name][ds, :, t] = res[name]
            spent[ds, :, :, t] = res["spent"]
            treated[ds, :, :, t] = res["treated"]
        if a == 0 and keep_final:
            final = _snapshot(st, ch, d, hh)
    return MicrosimRun(arrays=arrays, spent=spent, treated=treated, allocated=amounts, final=final)


def project_prepared(prep: Prepared, *, counterfactual: bool = True, draws: int | None = None,
                     households: Households | None = None) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """The microsimulation's counterpart of :func:`planning.engine.project`.

    Returns every output of ``planning.engine.OUTPUTS`` as [draw, unit, year] (households) and,
    with ``counterfactual``, the poor with no programme money ([draw, unit, year], same draws
    and same household random numbers), else None.
    """
    hh = households or synthesize_households(prep.baseline, prep.samples, seed=prep.seed,
                                             data_dir=prep.loaded.baseline_dir)
    if not counterfactual:
        return simulate(prep, hh, draws=draws).arrays, None
    # The two runs are independent and NumPy releases the GIL in its loops: run them side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        fut = pool.submit(simulate, prep, hh, amounts=np.zeros_like(prep.amounts), draws=draws, outputs=("poor",))
        run = simulate(prep, hh, draws=draws)
        cf = fut.result().arrays["poor"]
    return run.arrays, cf


def _year(st: _Setup, ch: _Chunk, d: Draws, t: int, *, seed: int, chunk: int) -> dict[str, np.ndarray]:
    """Advance one chunk by one year; returns that year's outputs as [draw, unit] arrays."""
    D, U = ch.D, ch.U
    DU = D * U
    mask, k = st.masks[t], int(st.kmin[t])
    cnt = ch.cnt
    H_start = cnt[..., :4].sum(axis=2)
    shock = (d.shock[:, t][:, None] * st.shock_fixed[t][None, :]).ravel()  # [D·U]
    reclass = np.zeros((D, U))

    def per_draw(x: np.ndarray) -> np.ndarray:  # a per-draw parameter as a [D·U] table
        return np.repeat(x, U)

    # 1. change of standard ------------------------------------------------------------
    if np.any(st.switch_ratio[t] != 0):
        reclass = _switch(st, ch, d, t, cnt, _rng(seed, chunk, t, _SWITCH))
        cnt = ch.counts()

    # 2. programmes ----------------------------------------------------------------------
    groups = [np.flatnonzero(ch.status == c) for c in (P, N, E)]
    keys = [ch.key[i] for i in groups]
    keep1 = [np.ones(i.size) for i in groups]  # failure to exit (P), fall (N), re-poverty (E)
    keep2 = np.ones(groups[1].size)  # failure to lift (N)
    K = st.amounts.shape[1]
    spent = np.zeros((D, U, K))
    treated = np.zeros((D, U, K))
    cm = st.amounts[:, -1, t][None, :]
    m = 1.0 + d.capacity_uplift[:, None] * (cm / (cm + st.capacity_scale * H_start + 1e-12))  # [D, U]
    spent[:, :, -1] = st.amounts[:, -1, t][None, :]
    top = 0.999 / (1.0 + d.capacity_uplift)  # as the engine: effect·capacity never reaches 1
    pending: list[tuple[np.ndarray, np.uint16]] = []  # income components' deprivations resolved on exit
    rng_t = _rng(seed, chunk, t, _TREAT)
    for kc in range(K - 1):
        money = st.amounts[:, kc, t]
        if not money.any():
            continue
        e_exit = (np.minimum(d.effect_exit[:, kc], top)[:, None] * m).ravel()
        e_lift = (np.minimum(d.effect_lift[:, kc], top)[:, None] * m).ravel()
        e_prot = (np.minimum(d.effect_protect[:, kc], top)[:, None] * m).ravel()
        rbits = st.remove_bits[kc]
        for g, code in enumerate((P, N, E)):
            share = st.targets[kc, g]
            if share <= 0 or groups[g].size == 0:
                continue
            ig, kg = groups[g], keys[g]
            sel = (ch.bits[ig] & st.cap_bit[kc]) != 0 if st.is_indicator[kc] else None
            if code == P:  # not those whose deprivations an earlier component already removed
                ok = _POPCOUNT[ch.bits[ig] & mask] >= k
                sel = ok if sel is None else sel & ok
            pos = np.flatnonzero(sel) if sel is not None else np.arange(ig.size)
            if pos.size == 0:
                continue
            kk = kg[pos]
            h = ((money * share)[None, :] / d.unit_cost[:, kc][:, None]).ravel()  # households affordable
            cs = (st.cap[kc, g][None, :] * cnt[:, :, code]).ravel()
            n_target = cs * h / (h + cs + 1e-12)  # the engine's diminishing-returns coverage
            pool = np.bincount(kk, minlength=DU)
            n_target = _inflate(n_target, np.floor(h + 1e-9), pool)
            if st.is_indicator[kc] and code == P:
                # Targeting so that a share e_exit of the treated poor are those whom removing
                # the deprivations takes below the cut-off (the book's exit effect).
                piv = _POPCOUNT[ch.bits[ig[pos]] & (mask & ~rbits)] < k
                n_piv = np.bincount(kk[piv], minlength=DU)
                want = np.minimum(e_exit * n_target, n_piv)
                pi_piv = want / np.maximum(n_piv, 1)
                pi_non = np.clip((n_target - want) / np.maximum(pool - n_piv, 1), 0, 1)
                pi = np.where(piv, pi_piv[kk], pi_non[kk])
            else:
                pi = np.minimum(n_target / np.maximum(pool, 1), 1.0)[kk]
            chosen = rng_t.random(kk.size) < pi
            # never more households than the money buys: keep the first floor(h) of each unit
            csum = np.cumsum(chosen)
            before = np.concatenate(([0], csum))[np.searchsorted(kk, np.arange(DU))]
            chosen &= (csum - before[kk]) <= np.floor(h + 1e-9)[kk]
            tp, tk = pos[chosen], kk[chosen]
            ti = ig[tp]
            nt = np.bincount(tk, minlength=DU).reshape(D, U)
            treated[:, :, kc] += nt
            spent[:, :, kc] += nt * d.unit_cost[:, kc][:, None]
            if st.is_indicator[kc]:
                ch.bits[ti] &= ~rbits
            elif rbits:
                pending.append((ti, rbits))
            if code == P and not st.is_indicator[kc]:
                keep1[0][tp] *= 1.0 - e_exit[tk]
            elif code == N:
                keep1[1][tp] *= 1.0 - e_prot[tk]
                keep2[tp] *= 1.0 - e_lift[tk]
            elif code == E:
                keep1[2][tp] *= 1.0 - e_prot[tk]

    # 3. incomes and deprivations move -----------------------------------------------
    u = _rng(seed, chunk, t, _EVENTS).random(ch.status.size)  # one per slot: same in every run
    (iP, iN, iE), (kP, kN, kE) = groups, keys
    # poor
    p = 1.0 - (1.0 - per_draw(d.exit_poor)[kP]) * keep1[0]
    uP = u[iP]
    ev = uP < p
    mech = _POPCOUNT[ch.bits[iP] & mask] < k  # programmes removed enough deprivations
    exitP = ev | mech
    # A share ``exit_to_near_poor_share`` of all exits stays below the income line (fewer
    # deprivations, not more income); exits made by removing deprivations are already such,
    # so the other exits take that channel only as often as needed to keep the engine's share.
    n_ev = np.bincount(kP[ev], minlength=DU)
    n_mo = np.bincount(kP[mech & ~ev], minlength=DU)
    s_adj = np.clip((per_draw(d.exit_to_near_poor_share) * (n_ev + n_mo) - n_mo) / np.maximum(n_ev, 1), 0, 1)
    near_ch = uP < p * s_adj[kP]
    toE_P = ev & ~near_ch
    toN_P = exitP & ~toE_P
    # near-poor: fall first, then lift among the others (as the engine)
    pf = np.minimum(per_draw(d.fall_near_poor)[kN] * shock[kN] * keep1[1], _MAX_P)
    pl = 1.0 - (1.0 - per_draw(d.lift_near_poor)[kN]) * keep2
    uN = u[iN]
    fallN = uN < pf
    liftN = ~fallN & (uN < pf + (1.0 - pf) * pl)
    # newly escaped
    pr = np.minimum(per_draw(d.repoverty_escaped)[kE] * shock[kE] * keep1[2], _MAX_P)
    pen = np.minimum(per_draw(d.escaped_to_near_poor)[kE] * shock[kE], _MAX_P)
    uE = u[iE]
    repE = uE < pr
    toN_E = ~repE & (uE < pr + (1.0 - pr) * pen)
    # others: events are rare, so only households under the largest threshold are looked at
    pfo = np.minimum(per_draw(d.fall_other) * shock, _MAX_P)
    thr = pfo + (1.0 - pfo) * np.minimum(per_draw(d.other_to_near_poor) * shock, _MAX_P)
    iO = np.flatnonzero((u < thr.max(initial=0.0)) & (ch.status == O))
    kO = ch.key[iO]
    uO = u[iO]
    fallO = uO < pfo[kO]
    toN_O = ~fallO & (uO < thr[kO])
    iO, kO, fallO, toN_O = iO[fallO | toN_O], kO[fallO | toN_O], fallO[fallO | toN_O], toN_O[fallO | toN_O]

    rng_m = _rng(seed, chunk, t, _MOVE)
    inv_c = per_draw(np.minimum(1.0, 1.0 / d.escaped_concentration))
    up = np.concatenate((iP[toE_P], iN[liftN]))  # incomes rise above the line
    fallers = np.concatenate((iE[repE | toN_E], iO))  # incomes fall below it
    ch.status[iP[toE_P]] = E
    ch.status[iP[toN_P]] = N
    ch.status[iN[fallN]] = P
    ch.status[iN[liftN]] = E
    ch.status[iE[repE]] = P
    ch.status[iE[toN_E]] = N
    ch.status[iO[fallO]] = P
    ch.status[iO[toN_O]] = N
    stay = iE[~repE & ~toN_E]
    ch.esc[stay] += 1
    aged = stay[ch.esc[stay] > st.support_years]
    ch.status[aged] = O
    ch.esc[aged] = 0
    ch.esc[iE[repE | toN_E]] = 0
    ch.esc[up] = 1
    # Newly escaped households sit just above the line (the engine's concentration), fallers
    # just below it; the others keep their rank.
    ch.v[up] = (rng_m.random(up.size) * inv_c[ch.key[up]]).astype(np.float32)
    ch.v[fallers] = (1.0 - rng_m.random(fallers.size) * inv_c[ch.key[fallers]]).astype(np.float32)
    _fix_counts(ch.bits, np.concatenate((iN[fallN], iE[repE], iO[fallO])),
                np.concatenate((iP[toN_P & ~mech], iE[toN_E], iO[toN_O])), mask, k, st.add_weights,
                _rng(seed, chunk, t, _FIX))
    for ti, rbits in pending:  # training, credit...: deprivations resolved once out of poverty
        ti = ti[ch.status[ti] != P]
        ch.bits[ti] &= ~rbits

    def per_du(keys_: np.ndarray) -> np.ndarray:
        return np.bincount(keys_, minlength=DU).reshape(D, U).astype(float)

    flows = {"exits": per_du(kP[exitP]), "lifts": per_du(kN[liftN]), "re_poor": per_du(kE[repE]),
             "new_poor": per_du(kN[fallN]) + per_du(kO[fallO])}

    # 4. new households -------------------------------------------------------------
    flows["new_poor"] += _grow(st, ch, d, H_start, _rng(seed, chunk, t, _GROWTH))
    cnt = ch.cnt = ch.counts()
    return {
        "households": cnt[..., :4].sum(axis=2), "poor": cnt[..., P], "near_poor": cnt[..., N],
        "escaped_stock": cnt[..., E], **flows, "reclassified_poor": reclass, "spent": spent,
        "treated": treated,
    }


def _inflate(n: np.ndarray, limit: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Bernoulli draws aiming at μ households, then cut at ``limit`` (the money), keep on
    average μ − E[(X − limit)⁺]; returns the μ (≥ n) whose average kept is ``n`` (normal
    approximation of the binomial, a few fixed-point steps), so that the households reached
    match the engine's coverage rather than falling short of it."""
    target = np.minimum(n, limit)
    mu = target.copy()
    for _ in range(4):
        p = np.clip(mu / np.maximum(pool, 1), 0.0, 1.0)
        sd = np.sqrt(np.maximum(pool * p * (1 - p), 1e-12))
        a = (limit - mu) / sd
        short = sd * (np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi) - a * ndtr(-a))
        mu = np.minimum(target + short, pool)
    return mu


def _switch(st: _Setup, ch: _Chunk, d: Draws, t: int, cnt: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reclassify at a change of standard, as the engine's ``_switch_standard`` in expectation.

    Incomes are log-normal within the unit with spread σ (the draw's ``income_log_sd``), so
    the share at or below the new line is Φ(Φ⁻¹(share below old) + ln(L_new/L_old)/σ); the
    households it brings below the line are newly escaped with probability min(1, c·f) and
    others with the rest (c = escaped concentration, f = moved / above). Of them a share
    q = deprived_share_new·P/(P+N) is poor, and a share ``near_poor_to_poor`` of the near-poor
    become poor; households whose own new-standard deprivations already reach the cut-off
    are chosen first, then deprivations are made to agree with each status.
    """
    D, U = ch.D, ch.U
    mask, k = st.masks[t], int(st.kmin[t])
    Pc, Nc, Ec, Oc = (cnt[..., c] for c in (P, N, E, O))
    H = Pc + Nc + Ec + Oc
    below_old = np.clip((Pc + Nc) / np.maximum(H, 1e-12), 1e-9, 1 - 1e-9)
    z_new = ndtri(below_old) + st.switch_ratio[t][None, :] / d.income_log_sd[:, None]
    moved = np.clip((ndtr(z_new) - below_old) * H, 0.0, Ec + Oc)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_avg = np.where(Ec + Oc > 0, moved / (Ec + Oc), 0.0)
        f_e = np.minimum(1.0, d.escaped_concentration[:, None] * f_avg)
        moved_e = np.minimum(Ec * f_e, moved)
        pe = np.where(Ec > 0, moved_e / Ec, 0.0).ravel()
        po = np.where(Oc > 0, (moved - moved_e) / Oc, 0.0).ravel()
        q = np.clip(np.where(Pc + Nc > 0, d.deprived_share_new[:, None] * Pc / (Pc + Nc), 0.0), 0, 1)
    iP, iN, iE, iO = (np.flatnonzero(ch.status == c) for c in (P, N, E, O))
    mv = np.concatenate((iE[rng.random(iE.size) < pe[ch.key[iE]]], iO[rng.random(iO.size) < po[ch.key[iO]]]))
    mv.sort()

    def choose(idx: np.ndarray, share: np.ndarray) -> np.ndarray:
        """A share of ``idx`` (per draw × unit) to make poor, own-deprived households first."""
        kk = ch.key[idx]
        hi = _POPCOUNT[ch.bits[idx] & mask] >= k
        n_all = np.bincount(kk, minlength=D * U)
        n_hi = np.bincount(kk[hi], minlength=D * U)
        want = share.ravel() * n_all
        p_hi = np.minimum(1.0, want / np.maximum(n_hi, 1))
        p_lo = np.clip((want - p_hi * n_hi) / np.maximum(n_all - n_hi, 1), 0, 1)
        return rng.random(idx.size) < np.where(hi, p_hi[kk], p_lo[kk])

    if st.switch == "households":  # each household's own deprivations decide
        mv_p = _POPCOUNT[ch.bits[mv] & mask] >= k
        n_p = _POPCOUNT[ch.bits[iN] & mask] >= k
        p_n = _POPCOUNT[ch.bits[iP] & mask] < k
    else:
        mv_p = choose(mv, q)
        n_p = choose(iN, np.broadcast_to(d.switch_near_to_poor[:, None], (D, U)))
        p_n = np.zeros(iP.size, dtype=bool)  # the engine keeps every poor household poor
    # income ranks: the moved sit at the top of the (larger) below-line side
    b_new = np.clip((Pc + Nc + moved) / np.maximum(H, 1e-12), 1e-9, 1.0)
    ratio = (below_old / b_new).ravel()
    below_idx = np.concatenate((iP, iN))
    ch.v[below_idx] = (ch.v[below_idx] * ratio[ch.key[below_idx]]).astype(np.float32)
    kmv = ch.key[mv]
    ch.v[mv] = (ratio[kmv] + rng.random(mv.size) * (1 - ratio[kmv])).astype(np.float32)
    ch.status[mv] = np.where(mv_p, P, N).astype(np.uint8)
    ch.esc[mv] = 0
    ch.status[iN[n_p]] = P
    ch.status[iP[p_n]] = N
    newP = np.concatenate((mv[mv_p], iN[n_p]))
    _fix_counts(ch.bits, np.concatenate((iP[~p_n], newP)), np.concatenate((mv[~mv_p], iN[~n_p])), mask, k,
                st.add_weights, rng)
    return np.bincount(ch.key[newP], minlength=D * U).reshape(D, U).astype(float)


def _grow(st: _Setup, ch: _Chunk, d: Draws, H_start: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add growth × households (stochastically rounded) per draw × unit, each a copy of a
    random poor, near-poor or other household of its unit (as the engine splits new ones)."""
    D, U, S = ch.D, ch.U, ch.S
    k_new = np.floor(d.growth[:, None] * H_start + rng.random((D, U))).astype(np.int64)
    k_new = np.clip(k_new, 0, st.cap_slots[None, :] - ch.n_alive)
    total = int(k_new.sum())
    if total == 0:
        return np.zeros((D, U))
    grp = np.repeat(np.arange(D * U), k_new.ravel())
    first = np.concatenate(([0], np.cumsum(k_new.ravel())[:-1]))
    offset = np.arange(total) - first[grp]
    dd, uu = grp // U, grp % U
    base = dd * S + st.start[uu]
    new = base + ch.n_alive.ravel()[grp] + offset
    alive = ch.n_alive.ravel()[grp]
    donor = base + np.floor(rng.random(total) * alive).astype(np.int64)
    for _ in range(8):  # newly escaped households do not found new ones (engine: P, N, O only)
        redo = np.flatnonzero(ch.status[donor] == E)
        if redo.size == 0:
            break
        donor[redo] = base[redo] + np.floor(rng.random(redo.size) * alive[redo]).astype(np.int64)
    status = ch.status[donor]
    ch.status[new] = np.where(status == E, O, status)
    ch.bits[new] = ch.bits[donor]
    ch.v[new] = ch.v[donor]
    ch.members[new] = ch.members[donor]
    ch.esc[new] = 0
    ch.n_alive += k_new
    return np.bincount(grp[ch.status[new] == P], minlength=D * U).reshape(D, U).astype(float)


def _snapshot(st: _Setup, ch: _Chunk, d: Draws, hh: Households) -> Households:
    """Draw 0's live households at the end of the run, incomes from their ranks (VND/person/month)."""
    S, U = ch.S, ch.U
    live = np.flatnonzero(ch.status[:S] != DEAD)
    status = ch.status[live]
    unit = st.slot_unit[live]
    below = status <= N
    t = len(st.years) - 1
    c = np.bincount(unit * 2 + below, minlength=2 * U).reshape(U, 2)
    b = np.maximum(c[:, 1], 0.5) / np.maximum(c.sum(axis=1), 1)
    v = ch.v[live].astype(np.float64)
    q = np.where(below, b[unit] * v, b[unit] + (1 - b[unit]) * v)
    line = st.lines[t][unit]
    inc = line * np.exp(d.income_log_sd[0] * (ndtri(np.clip(q, 1e-12, 1 - 1e-12)) - ndtri(b[unit])))
    inc = np.where(below, np.minimum(inc, line), np.maximum(inc, line + 1.0))
    return Households(units=st.units, indicators=st.indicators, unit=unit.astype(np.int16),
                      members=ch.members[live].copy(), income=inc.astype(np.float32), bits=ch.bits[live].copy(),
                      escaped=ch.esc[live].copy(), year=st.years[-1], standard=st.std_ids[-1],
                      data_dir=st.data_dir)
