"""Synthetic households: the commune engine's start distribution, household by household.

:func:`synthesize_households` builds, per unit, exactly the baseline review's households,
poor, near-poor and newly escaped cohorts (docs/model.md §3, docs/microsim.md §2): log
permanent income on a normal quantile grid, the households listed at the review = those at or
below the line plus a random share π₀ of those within the transitory loss (1 − φ)s above it
(hit by a setback that year), the multiply-deprived flag from the engine's Gaussian copula with
each unit's income–deprivation correlation, and indicator bits that reproduce the deprivation
rates by group. Counts are households; incomes VND/person/month; log points are natural-log
differences of income.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from planning.basics.errors import PlanningInputError
from planning.models.engine import Draws, correlation_for
from planning.models.microsim_population import GROUP_NAMES, Households, indicator_universe
from planning.stores.baseline import Baseline
from planning.stores.parameters import ModelParameters, load_model_parameters
from planning.stores.standards import Standard, load_standard, standard_in_force

__all__ = ["StartShape", "start_shape", "synthesize_households", "unit_correlations"]

# Indicator scores of the synthetic population (assumption, docs/microsim.md §2): each
# indicator's latent score loads on the household's deprivation propensity.
_INDICATOR_LOADING = 0.5
_MEMBERS_MEAN = 4.26  # persons per household, district 2025 (data/README.md, illustrative)
_CALIB_SAMPLE = 3000  # households per (group, unit) used to fit the deprivation thresholds
_CALIB_ITER = 60
_STRATUM = 16  # households of neighbouring incomes whose copula noise ε is stratified together
_SHAPE_KEYS = {
    "log_sd": "model.income.log_sd",
    "income_correlation": "model.deprivation.income_correlation",
    "setback_probability": "model.setbacks.probability",
    "setback_loss": "model.setbacks.income_loss",
    "persistent_share": "model.setbacks.persistent_share",
}


@dataclass(frozen=True)
class StartShape:
    """The parameters a synthetic start is built with (one population serves every draw).

    ``log_sd`` σ of log permanent income (log points); ``income_correlation`` r of the
    copula where a unit has no correlation of its own; ``setback_probability`` π₀ (a year);
    ``setback_loss`` s (log points); ``persistent_share`` φ.
    """

    log_sd: float
    income_correlation: float
    setback_probability: float
    setback_loss: float
    persistent_share: float

    @property
    def transitory_loss(self) -> float:
        """(1 − φ)·s: log points a setback takes off income in its year only."""
        return (1.0 - self.persistent_share) * self.setback_loss


def start_shape(params_or_draws: ModelParameters | Draws | Mapping[str, Any] | None) -> StartShape:
    """The start's parameters: the modes of ModelParameters, or the means over engine Draws or
    named samples (``model.*``); None: the modes of data/model_parameters.yaml."""
    if params_or_draws is None:
        params_or_draws = load_model_parameters()
    if isinstance(params_or_draws, ModelParameters):
        return StartShape(**{f: float(params_or_draws.values[k].mode) for f, k in _SHAPE_KEYS.items()})
    if isinstance(params_or_draws, Draws):
        d = params_or_draws
        return StartShape(log_sd=float(np.mean(d.log_sd)), income_correlation=float(np.mean(d.income_correlation)),
                          setback_probability=float(np.mean(d.setback_probability)),
                          setback_loss=float(np.mean(d.setback_loss)),
                          persistent_share=float(np.mean(d.setback_persistent_share)))
    if isinstance(params_or_draws, Mapping):
        return StartShape(**{f: float(np.mean(params_or_draws[k])) for f, k in _SHAPE_KEYS.items()})
    raise TypeError("params_or_draws: ModelParameters, engine Draws or a mapping of named samples")


def unit_correlations(baseline: Baseline, std: Standard, shape: StartShape, households: np.ndarray,
                      poor: np.ndarray, near_poor: np.ndarray) -> np.ndarray:
    """[unit] income–deprivation correlation solved from the deprivation data as the engine
    does (``planning.models.engine.correlation_for``: the non-poor as often multiply deprived as their
    indicator rates imply), at ``shape``'s parameters; ``shape.income_correlation`` where a unit
    has no data."""
    target = baseline.multiply_deprived_share(std.indicator_ids, std.poor_min_deprivations)
    r = np.array([correlation_for(households[u], poor[u], near_poor[u], target[u], log_sd=shape.log_sd,
                                  setback_probability=shape.setback_probability, setback_loss=shape.setback_loss,
                                  persistent_share=shape.persistent_share)
                  for u in range(baseline.units.n)])
    return np.where(np.isfinite(r), r, shape.income_correlation)


def _rank_within(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Rank (0-based) of each element within its group, by ``key`` ascending."""
    n = group.size
    r = np.empty(n, dtype=np.int64)
    r[np.argsort(key, kind="stable")] = np.arange(n)
    order = np.argsort(group.astype(np.int64) * n + r)  # one integer sort beats lexsort ~3x
    g = group[order]
    first = np.searchsorted(g, g, side="left")
    rank = np.empty(group.size, dtype=np.int64)
    rank[order] = np.arange(group.size) - first
    return rank


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
    for k in range(3):  # as planning.stores.baseline: net fall in the poor count proxies exits
        a, b = year - k - 1, year - k
        if a in set(s["year"]) and b in set(s["year"]):
            cohorts[k] = np.maximum(col(a, "poor") - col(b, "poor"), 0.0)
    hh, poor, near = col(year, "households"), col(year, "poor"), col(year, "near_poor")
    cohorts = np.minimum(cohorts, np.maximum(hh - poor - near, 0) / 3)
    return year, hh, poor, near, cohorts


def _bisect(f: Callable[[np.ndarray], np.ndarray], lo: float, hi: float, n: int, iters: int = 80) -> np.ndarray:
    """[n] roots of a decreasing vectorised ``f`` (one root per unit) by bisection in [lo, hi]."""
    a = np.full(n, lo)
    b = np.full(n, hi)
    for _ in range(iters):
        m = 0.5 * (a + b)
        pos = f(m) > 0.0
        a = np.where(pos, m, a)
        b = np.where(pos, b, m)
    return 0.5 * (a + b)


def _start_mean(listed_share: np.ndarray, sigma: float, pi0: float, t: float) -> np.ndarray:
    """[unit] mean log permanent income μ (relative to the line) at which the households listed
    at the review, Φ(−μ/σ) + π₀ (Φ((t − μ)/σ) − Φ(−μ/σ)), are ``listed_share`` (model.md §3)."""
    def excess(mu: np.ndarray) -> np.ndarray:
        below = ndtr(-mu / sigma)
        return below + pi0 * (ndtr((t - mu) / sigma) - below) - listed_share

    return _bisect(excess, -20.0, 20.0, listed_share.size)


def synthesize_households(baseline: Baseline,
                          params_or_draws: ModelParameters | Draws | Mapping[str, Any] | None = None, *,
                          seed: int, year: int | None = None, data_dir: Path | None = None,
                          standard: str | None = None, income_correlation: np.ndarray | None = None) -> Households:
    """A seeded synthetic population: the commune engine's start distribution, per household.

    Per unit (docs/model.md §3, docs/microsim.md §2): exactly the baseline's households H,
    poor P, near-poor N (under ``standard``, default the one in force in the baseline
    ``year``) and newly escaped households by years since exit. Log permanent income relative
    to the line is x = μ + σ u on the normal quantile grid u = Φ⁻¹((rank + ½)/H), ranks in
    random order, with μ such that the expected households listed — those at or below the
    line plus the share π₀ of those within (1 − φ)s above it — are P + N; then exactly P + N
    are listed: every household at or below the line plus a random subset of those within
    (1 − φ)s above it, "hit at the review" (income this year (1 − φ)s below the permanent one,
    ``Households.transitory``). The multiply-deprived flag follows the engine's Gaussian
    copula: propensity d = −r u + √(1 − r²) ε; the poor are the P listed households with the
    highest d, and an unlisted household is multiply deprived when d > τ, the engine's
    threshold (Σ over the listed of Φ((−r u − τ)/√(1 − r²)) = P). Newly escaped households are
    the lowest permanent incomes among the unlisted. Indicator bits (every standard's
    indicators) reproduce ``baseline.deprivation`` by group within a few households where the
    count rule allows (flag 1 ⇒ ≥ 3 of the standard's indicators, flag 0 ⇒ ≤ 2).

    ``params_or_draws``: ModelParameters (modes), engine Draws or named samples (means) for σ,
    π₀, s, φ and the fallback r. ``income_correlation``: [unit] r (NaN: the fallback); default
    solved from the deprivation data as the engine does (:func:`unit_correlations`).
    """
    shape = start_shape(params_or_draws)
    sigma, pi0, t_loss = shape.log_sd, shape.setback_probability, shape.transitory_loss
    yr, hh, poor, near, cohorts = _counts_for_year(baseline, year)
    units = baseline.units
    U = units.n
    std = load_standard(standard, data_dir) if standard else standard_in_force(yr, data_dir)
    if income_correlation is None:
        rc = unit_correlations(baseline, std, shape, hh, poor, near)
    else:
        rc = np.asarray(income_correlation, float)
        rc = np.where(np.isfinite(rc), rc, shape.income_correlation)
    indicators = indicator_universe(data_dir)
    J = len(indicators)
    kmin = std.poor_min_deprivations
    H = np.rint(hh).astype(np.int64)
    Pn = np.minimum(np.rint(poor).astype(np.int64), H)
    Nn = np.minimum(np.rint(near).astype(np.int64), H - Pn)
    L = Pn + Nn
    coh = np.rint(np.asarray(cohorts, float)).astype(np.int64)
    for u in range(U):  # never more escaped than households not listed (oldest dropped first)
        while coh[:, u].sum() > H[u] - L[u]:
            k = int(np.flatnonzero(coh[:, u])[-1])
            coh[k, u] -= 1
    Etot = coh.sum(axis=0)

    rng = np.random.default_rng([int(seed), 0x5E7])
    n = int(H.sum())
    unit = np.repeat(np.arange(U), H)
    Hu = np.maximum(H, 1)
    rank = _rank_within(unit, rng.random(n))  # permanent income rank in the unit, 0 = poorest
    z = ndtri((rank + 0.5) / Hu[unit])  # income z-score u
    # the line in z units: μ solved on expectations, then exactly L listed
    zc = -_start_mean(np.clip(L / Hu, 0.25 / Hu, 1 - 0.25 / Hu), sigma, pi0, t_loss) / sigma
    below = z <= zc[unit]
    over = np.bincount(unit[below], minlength=U) > L  # rounding: never more below than listed
    if over.any():
        zc = np.where(over, ndtri(np.maximum(L, 0.25) / Hu), zc)  # between the L-th and (L + 1)-th grid point
        below = z <= zc[unit]
    x = sigma * (z - zc[unit])
    need = L - np.bincount(unit[below], minlength=U)  # listed through a setback at the review
    band = ~below & (x <= t_loss)
    # a random subset of the band; if the band is too small (rounding), the next incomes up
    key = np.where(band, rng.random(n), np.where(below, np.inf, 2.0 + x))
    hit = ~below & (_rank_within(unit, key) < need[unit])
    listed = below | hit
    transitory = np.where(hit, np.maximum(t_loss, x), 0.0)
    # the engine's copula: the poor are the listed households with the highest propensity
    s = np.sqrt(np.maximum(1.0 - rc * rc, 1e-6))[unit]
    r_u = rc[unit]
    d = -r_u * z + s * _stratified_normal(rng, unit * (int(H.max(initial=0)) // _STRATUM + 1) + rank // _STRATUM)
    r_d = _rank_within(unit, np.where(listed, -d, np.inf))  # 0 = highest d among the listed
    is_poor = listed & (r_d < Pn[unit])
    lu, lz, ls, lr = unit[listed], z[listed], s[listed], r_u[listed]

    def deprived_excess(tau: np.ndarray) -> np.ndarray:
        return np.bincount(lu, weights=ndtr((-lr * lz - tau[lu]) / ls), minlength=U) - Pn

    tau = np.where(Pn <= 0, np.inf, _bisect(deprived_excess, -30.0, 30.0, U))
    flag = np.where(listed, is_poor, d > tau[unit])
    # newly escaped: the lowest permanent incomes among the unlisted, years since exit random
    esc_flag = ~listed & (_rank_within(unit, np.where(listed, np.inf, z)) < Etot[unit])
    r_e = _rank_within(unit, np.where(esc_flag, rng.random(n), np.inf))
    cum = np.cumsum(coh, axis=0)
    years = 1 + sum((r_e >= cum[k][unit]).astype(np.int64) for k in range(coh.shape[0] - 1))
    escaped = np.where(esc_flag, years, 0).astype(np.uint8)

    rates = np.zeros((3, U, J))
    for g, gname in enumerate(GROUP_NAMES):
        for j, ind in enumerate(indicators):
            r = baseline.deprivation.get(gname, {}).get(ind)
            if r is not None:
                rates[g, :, j] = r
    group = np.where(is_poor, 0, np.where(listed, 1, 2)).astype(np.int8)
    base_cols = np.array([indicators.index(i) for i in std.indicator_ids])
    bits_b = _synth_deprivations(rng, unit, group, flag, d, rates, base_cols, kmin)
    bits = np.zeros(n, dtype=np.uint16)
    for j in range(J):
        bits |= bits_b[:, j].astype(np.uint16) << j

    lines = np.array([std.income_line(a) for a in units.area])[unit]
    inc = lines * np.exp(x - transitory)  # income this year
    inc = np.where(listed, np.minimum(inc, lines), np.maximum(inc, lines + 1.0))
    members = (1 + rng.poisson(_MEMBERS_MEAN - 1, n)).clip(1, 255).astype(np.uint8)
    return Households(units=units, indicators=indicators, unit=unit.astype(np.int16), members=members,
                      income=inc.astype(np.float32), bits=bits, escaped=escaped, year=yr, standard=std.id,
                      data_dir=data_dir, synthetic_log_sd=float(sigma), transitory=transitory.astype(np.float32))


def _stratified_normal(rng: np.random.Generator, block: np.ndarray) -> np.ndarray:
    """Standard normal draws, stratified within each ``block`` (a Latin hypercube per block):
    the j-th smallest of a block of m lies in the j-th of m equal-probability strata, and
    the strata are dealt to the block's households in random order."""
    r = _rank_within(block, rng.random(block.size))
    size = np.bincount(block)[block]
    return ndtri((r + rng.random(block.size)) / size)


def _bits_from_scores(m: np.ndarray, flag: np.ndarray, base_cols: np.ndarray, kmin: int) -> np.ndarray:
    """Deprived where score − threshold ``m`` > 0, then the count rule of each household enforced.

    Multiply deprived households (``flag``) with fewer than ``kmin`` deprivations of the
    standard's indicators take their ``kmin`` highest m; the others with more than kmin − 1
    keep their kmin − 1 highest.
    """
    bits = m > 0
    mb = m[:, base_cols]
    cnt = bits[:, base_cols].sum(axis=1)
    for bad, k in ((flag & (cnt < kmin), kmin), (~flag & (cnt > kmin - 1), kmin - 1)):
        rows = np.flatnonzero(bad)
        if rows.size == 0:
            continue
        new = np.zeros((rows.size, base_cols.size), dtype=bool)
        if k > 0:
            top = np.argpartition(-mb[rows], k - 1, axis=1)[:, :k]
            np.put_along_axis(new, top, True, axis=1)
        bits[np.ix_(rows, base_cols)] = new
    return bits


def _synth_deprivations(rng: np.random.Generator, unit: np.ndarray, group: np.ndarray, flag: np.ndarray,
                        d: np.ndarray, rates: np.ndarray, base_cols: np.ndarray, kmin: int) -> np.ndarray:
    """[household, indicator] deprivations whose group × unit rates match ``rates`` [3, U, J].

    Indicator j is deprived when 0.5 d + 0.87 η_j exceeds a threshold per (group, unit, j),
    then the count rule is enforced by each household's flag. Thresholds are fitted on at
    most ``_CALIB_SAMPLE`` households per (group, unit) by a damped probit-scale fixed point.
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
    s_sub, f_sub = s[sub], flag[sub]
    # Per-cell step halved whenever the error changes sign: the achieved rate is a step
    # function of the threshold, and a fixed step would bounce around the target.
    gain = np.ones_like(tau)
    prev = np.zeros_like(tau)
    best, best_err, stale = tau.copy(), np.inf, 0
    for _ in range(_CALIB_ITER):
        bits = _bits_from_scores(s_sub - tau[gu_s].astype(np.float32), f_sub, base_cols, kmin)
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
    s -= best.astype(np.float32)[gu]  # in place: s is not needed any more
    return _bits_from_scores(s, flag, base_cols, kmin)
