"""The start of a projection: each commune's income distribution and deprivation flags set so
that the base year reproduces the review (poor, near-poor, newly escaped), and the
income–deprivation correlation that matches data/deprivation_rates.csv (docs/model.md §3);
and the grid's compiled helpers that the start and the yearly step share (mass deposited at a
fractional bin, the listed share of a bin, a group's occupied bins, the year's move per bin)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from planning.models.engine_inputs import (
    _KERNEL_LOCK,
    BIN_WIDTH,
    LINE_BIN,
    N_BINS,
    PER_DRAW,
    X_LOW,
    Draws,
    EngineInputs,
    per_draw_table,
)


def _plain(a: object) -> np.ndarray:
    """A C-ordered, writable float64 array: the one layout the kernel is compiled for (a
    read-only or strided view would compile a second copy of the kernel, ~35 s on a cold cache)."""
    return np.require(a, dtype=np.float64, requirements=("C", "W"))


def start_counts(inputs: EngineInputs, draws: Draws) -> dict[str, np.ndarray]:
    """The start distribution's households by status, each [draw, unit]: ``poor``, ``near_poor``,
    ``escaped`` (newly escaped, all cohorts), ``other``, and ``non_poor_deprived`` (households not
    listed that are multiply deprived). A check that the start reproduces the baseline review."""
    D = draws.n
    per_draw = per_draw_table(draws)
    escaped = np.asarray(inputs.escaped, dtype=float)
    S = int(inputs.support_years)
    if escaped.ndim == 1:
        escaped = np.repeat(escaped[None, :] / S, S, axis=0)
    out = np.zeros((5, inputs.n_units, D))
    with _KERNEL_LOCK:
        start = start_parameters(inputs, per_draw)
        _start_counts(_plain(inputs.households), _plain(inputs.poor), _plain(inputs.near_poor),
                      _plain(escaped[:S]),
                      unit_correlation(inputs), start, per_draw, out)
    names = ("poor", "near_poor", "escaped", "other", "non_poor_deprived")
    return {n: out[i].T for i, n in enumerate(names)}


@numba.njit(parallel=True, cache=True)
def _start_counts(H0, P0, N0, E0, r_unit, start, per_draw, out):  # pragma: no cover (compiled)
    C = H0.shape[0]
    D = per_draw.shape[1]
    S = E0.shape[0]
    for pair in numba.prange(C * D):
        c = pair // D
        d = pair % D
        if H0[c] <= 0.0:
            continue
        sigma = per_draw[1, d]
        pi0 = per_draw[2, d]
        t_bins = (1.0 - per_draw[4, d]) * per_draw[3, d] / BIN_WIDTH
        rcorr = r_unit[c] if not math.isnan(r_unit[c]) else per_draw[7, d]
        n_start = min(_start_near_poor(P0[c], N0[c], per_draw[15, d]), max(H0[c] - P0[c], 0.0))
        cohorts = np.zeros(S)
        band = 0.0
        for k in range(S):
            cohorts[k] = E0[k, c]
        if math.isnan(cohorts[0]):
            band = S * max(per_draw[0, d], 0.0)
        A = np.zeros((S + 3, 2, N_BINS))
        _initial(A, H0[c], P0[c], n_start, cohorts, start[0, c, d], sigma, rcorr, start[1, c, d], pi0,
                 t_bins, 1, band)
        for j in range(N_BINS):
            out[0, c, d] += A[0, 0, j] + A[0, 1, j]
            out[1, c, d] += A[1, 0, j] + A[1, 1, j]
            for k in range(S):
                out[2, c, d] += A[2 + k, 0, j] + A[2 + k, 1, j]
                out[4, c, d] += A[2 + k, 1, j]
            out[3, c, d] += A[S + 2, 0, j] + A[S + 2, 1, j]
            out[4, c, d] += A[S + 2, 1, j]



_SQRT2 = math.sqrt(2.0)


@numba.njit(cache=True)
def _phi_cdf(z: float) -> float:  # pragma: no cover (compiled)
    return 0.5 * math.erfc(-z / _SQRT2)


@numba.njit(cache=True)
def _ndtri(p: float) -> float:  # pragma: no cover (compiled)
    """Φ⁻¹(p): Acklam's rational approximation (relative error 1e-9) plus one Halley step."""
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
         1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
         6.680131188771972e01, -1.328068155288572e01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
         -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
    e = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    if p < 0.02425:
        q = math.sqrt(-2.0 * math.log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1.0)
    elif p > 1.0 - 0.02425:
        q = math.sqrt(-2.0 * math.log(1.0 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1.0)
    else:
        q = p - 0.5
        r = q * q
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0)
    err = 0.5 * math.erfc(-x / math.sqrt(2.0)) - p
    u = err * math.sqrt(2.0 * math.pi) * math.exp(0.5 * x * x)
    return x - u / (1.0 + 0.5 * x * u)


@numba.njit(cache=True)
def _deposit(out, o, dl, pos, w):  # pragma: no cover (compiled)
    """Add mass ``w`` at fractional bin position ``pos`` (linear share between two bins)."""
    if pos <= 0.0:
        out[o, dl, 0] += w
    elif pos >= N_BINS - 1:
        out[o, dl, N_BINS - 1] += w
    else:
        k = int(pos)
        f = pos - k
        out[o, dl, k] += w * (1.0 - f)
        out[o, dl, k + 1] += w * f


@numba.njit(cache=True)
def _range_of(A, o):  # pragma: no cover (compiled)
    """[lo, hi) of the bins where origin ``o`` holds any mass (lo == hi when empty)."""
    lo = N_BINS
    hi = 0
    for j in range(N_BINS):
        if A[o, 0, j] != 0.0 or A[o, 1, j] != 0.0:
            if j < lo:
                lo = j
            hi = j + 1
    if hi == 0:
        lo = 0
    return lo, hi


@numba.njit(cache=True)
def _split(pos, j, kk, gg, ff, r):  # pragma: no cover (compiled)
    """Bin ``j``'s move to fractional position ``pos`` as (bin, shares) in row ``r``, with the
    grid's ends as ``_deposit`` has them (a zero share where a bin is clamped). Worked out once a
    year for all origins instead of once per origin and bin: 15 % of the engine's time."""
    if pos <= 0.0:
        kk[r, j] = 0
        gg[r, j] = 1.0
        ff[r, j] = 0.0
    elif pos >= N_BINS - 1:
        kk[r, j] = N_BINS - 2
        gg[r, j] = 0.0
        ff[r, j] = 1.0
    else:
        k = int(pos)
        f = pos - k
        kk[r, j] = k
        gg[r, j] = 1.0 - f
        ff[r, j] = f


@numba.njit(cache=True)
def _spread(out, o, k, g, f, w0, w1):  # pragma: no cover (compiled)
    """Add ``w0`` (not deprived) and ``w1`` (deprived) of origin ``o`` to bins k and k + 1 with
    shares g and f (a bin's move worked out by :func:`_split`)."""
    out[o, 0, k] += w0 * g
    out[o, 0, k + 1] += w0 * f
    out[o, 1, k] += w1 * g
    out[o, 1, k + 1] += w1 * f


@numba.njit(cache=True)
def _listed_share(j, t_bins):  # pragma: no cover (compiled)
    """Share of bin ``j``'s households listed (at or below the line) when their income this
    year is ``t_bins`` bins below their permanent income (0 for no transitory loss)."""
    if j < LINE_BIN:
        return 1.0
    f = LINE_BIN + t_bins - j
    if f <= 0.0:
        return 0.0
    return 1.0 if f >= 1.0 else f


@numba.njit(cache=True)
def _start_mass(h0, mu, sigma, mass, uc):  # pragma: no cover (compiled)
    """Households per bin of a normal log permanent income (mean μ, spread σ) and the income
    z-score of each bin centre."""
    prev = 0.0
    for j in range(N_BINS):
        hi_edge = X_LOW + (j + 1) * BIN_WIDTH
        cdf = 1.0 if j == N_BINS - 1 else _phi_cdf((hi_edge - mu) / sigma)
        mass[j] = h0 * (cdf - prev)
        prev = cdf
        uc[j] = (X_LOW + (j + 0.5) * BIN_WIDTH - mu) / sigma
    return mu


@numba.njit(cache=True)
def _listed_weights(pi0, t_bins, w):  # pragma: no cover (compiled)
    """Expected listed share per bin at a review: below the line, or hit by a setback (π₀)
    whose transitory loss takes the household below it."""
    for j in range(N_BINS):
        w[j] = 1.0 if j < LINE_BIN else pi0 * _listed_share(j, t_bins)


@numba.njit(cache=True)
def _solve_start(h0, listed, sigma, w, lst, unl, uc):  # pragma: no cover (compiled)
    """μ of the start distribution such that Σ mass·w = listed (poor + near-poor), by bisection;
    fills ``lst`` (listed households per bin) and ``unl`` (the others), rescaled so that the
    counts are exact."""
    target = min(max(listed / h0, 1e-9), 1.0 - 1e-9)
    # Newton from the start without transitory listing (μ = −σ Φ⁻¹(share)), bracketed
    mu = -sigma * _ndtri(target)
    lo = -4.0
    hi = 6.0
    for _ in range(50):
        v = 0.0
        dv = 0.0
        prev_cdf = 0.0
        prev_pdf = 0.0
        for j in range(N_BINS):
            if j == N_BINS - 1:
                cdf = 1.0
                pdf = 0.0
            else:
                z = (X_LOW + (j + 1) * BIN_WIDTH - mu) / sigma
                cdf = _phi_cdf(z)
                pdf = math.exp(-0.5 * z * z) * 0.3989422804014327
            v += (cdf - prev_cdf) * w[j]
            dv -= (pdf - prev_pdf) / sigma * w[j]
            prev_cdf = cdf
            prev_pdf = pdf
        diff = v - target
        if diff > 0.0:
            lo = max(lo, mu)
        else:
            hi = min(hi, mu)
        if abs(diff) < 1e-13:
            break
        step = -diff / dv if dv < 0.0 else 0.0
        nxt = mu + step
        if step == 0.0 or nxt <= lo or nxt >= hi:
            nxt = 0.5 * (lo + hi)
        mu = nxt
        if hi - lo < 1e-12:
            break
    _fill_start(h0, listed, mu, sigma, w, lst, unl, uc)
    return mu


@numba.njit(cache=True)
def _fill_start(h0, listed, mu, sigma, w, lst, unl, uc):  # pragma: no cover (compiled)
    """Listed and other households per bin for a start at μ, scaled to the exact counts."""
    _start_mass(h0, mu, sigma, lst, uc)
    got = 0.0
    for j in range(N_BINS):
        got += lst[j] * w[j]
    fa = listed / got if got > 0.0 else 0.0
    fb = (h0 - listed) / (h0 - got) if h0 - got > 0.0 else 0.0
    for j in range(N_BINS):
        m = lst[j]
        a = m * w[j]
        lst[j] = a * fa
        unl[j] = (m - a) * fb


@numba.njit(cache=True)
def _start_near_poor(p0, n0, share):  # pragma: no cover (compiled)
    """The near-poor count at the start: the inputs' or, when ``share`` is given, P·s/(1 − s)."""
    if math.isnan(share):
        return n0
    return p0 * share / max(1.0 - share, 1e-9)


@numba.njit(cache=True)
def _solve_tau(lst, uc, p0, n0, rr, h0):  # pragma: no cover (compiled)
    """Threshold τ with Σ_listed mass·Φ((−r u − τ)/√(1 − r²)) = P (Newton, monotone in τ)."""
    s = math.sqrt(max(1.0 - rr * rr, 1e-6))
    tau = -_ndtri(min(max(p0 / (p0 + n0), 1e-9), 1.0 - 1e-9)) * s
    lo = -30.0  # deprived count falls as τ rises: at lo too many, at hi too few
    hi = 30.0
    for _ in range(200):
        val = 0.0
        der = 0.0
        for j in range(N_BINS):
            lw = lst[j]
            if lw < 1e-14 * h0:
                continue
            z = (-rr * uc[j] - tau) / s
            val += lw * _phi_cdf(z)
            der += lw * math.exp(-0.5 * z * z) / (2.5066282746310002 * s)
        diff = val - p0
        if abs(diff) < 1e-10 * (p0 + n0):
            break
        if diff > 0.0:
            lo = tau
        else:
            hi = tau
        nxt = tau + diff / der if der > 0.0 else 0.5 * (lo + hi)
        if not (lo < nxt < hi):
            nxt = 0.5 * (lo + hi)
        tau = nxt
        if hi - lo < 1e-13:
            break
    return tau


@numba.njit(cache=True)
def _unlisted_deprived_share(h0, p0, n0, sigma, rr, pi0, t_bins):  # pragma: no cover (compiled)
    """Share of the households not listed at the start that the copula makes multiply deprived."""
    lst = np.empty(N_BINS)
    unl = np.empty(N_BINS)
    uc = np.empty(N_BINS)
    w = np.empty(N_BINS)
    _listed_weights(pi0, t_bins, w)
    _solve_start(h0, p0 + n0, sigma, w, lst, unl, uc)
    tau = _solve_tau(lst, uc, p0, max(n0, 1e-6 * p0), rr, h0)
    s = math.sqrt(max(1.0 - rr * rr, 1e-6))
    num = 0.0
    den = 0.0
    for j in range(N_BINS):
        num += unl[j] * _phi_cdf((-rr * uc[j] - tau) / s)
        den += unl[j]
    return num / den if den > 0.0 else 0.0


def correlation_for(households: float, poor: float, near_poor: float, target: float, *, log_sd: float,
                    setback_probability: float, setback_loss: float, persistent_share: float) -> float:
    """The income–deprivation correlation r ∈ [0, 0.95] at which the start distribution makes a
    share ``target`` of the unlisted households multiply deprived (bisection; r = 0.95 when even
    that leaves more, 0 when none is enough). NaN when ``target`` is NaN or nobody is poor."""
    if not np.isfinite(target) or poor <= 0 or households <= 0:
        return float("nan")
    t_bins = (1.0 - persistent_share) * setback_loss / BIN_WIDTH

    def share(r: float) -> float:
        return _unlisted_deprived_share(float(households), float(poor), float(near_poor), float(log_sd), r,
                                        float(setback_probability), float(t_bins))

    lo, hi = 0.0, 0.95
    if share(hi) >= target:
        return hi
    if share(lo) <= target:
        return lo
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if share(mid) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@numba.njit(parallel=True, cache=True)
def _start_parameters(H0, P0, N0, sigma, r, near_share, pi0, t_bins, r_unit, out):  # pragma: no cover
    """Per (unit, draw): μ of the start distribution and the deprivation threshold τ such that
    Σ_listed mass·Φ((−r u − τ)/√(1 − r²)) = P (docs/model.md §3)."""
    C = H0.shape[0]
    D = sigma.shape[0]
    for pair in numba.prange(C * D):
        c = pair // D
        d = pair % D
        out[0, c, d] = 0.0
        out[1, c, d] = 1e9
        if H0[c] <= 0.0:
            continue
        p0 = P0[c]
        n0 = min(_start_near_poor(p0, N0[c], near_share[d]), max(H0[c] - p0, 0.0))
        lst = np.empty(N_BINS)
        unl = np.empty(N_BINS)
        uc = np.empty(N_BINS)
        w = np.empty(N_BINS)
        _listed_weights(pi0[d], t_bins[d], w)
        out[0, c, d] = _solve_start(H0[c], p0 + n0, sigma[d], w, lst, unl, uc)
        if p0 <= 0.0:
            continue
        n0 = max(n0, 1e-6 * p0)  # no near-poor at all: still a finite threshold
        rr = r_unit[c] if not math.isnan(r_unit[c]) else r[d]
        tau = _solve_tau(lst, uc, p0, n0, rr, H0[c])
        out[1, c, d] = tau


_START_CACHE: dict[bytes, np.ndarray] = {}


def unit_correlation(inputs: EngineInputs) -> np.ndarray:
    """[unit] income–deprivation correlation from the inputs (NaN: the draws')."""
    if inputs.income_correlation is None:
        return np.full(inputs.n_units, np.nan)
    return _plain(inputs.income_correlation)


_DISTINCT_CACHE: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}


def _remembered(cache: dict[bytes, Any], key: bytes, make: Callable[[], Any]) -> Any:
    """``cache[key]``, made on a miss; a few entries at most (a run repeats the last ones)."""
    hit = cache.get(key)
    if hit is None:
        if len(cache) > 16:
            cache.clear()
        hit = cache[key] = make()
    return hit


def _distinct_units(units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique of the units' rows with the inverse; remembered, since a calibration asks it
    of the same few units at every one of its thousands of steps."""
    def make() -> tuple[np.ndarray, np.ndarray]:
        distinct, back = np.unique(units, axis=0, return_inverse=True)
        return distinct, np.asarray(back).ravel()

    return _remembered(_DISTINCT_CACHE, units.tobytes() + units.shape[0].to_bytes(8, "little"), make)


def start_parameters(inputs: EngineInputs, per_draw: np.ndarray) -> np.ndarray:
    """[2, unit, draw] (μ, τ) of the start distribution (cached: cost curves, searches and
    breakeven runs repeat the same start with other money)."""
    r = {name: per_draw[i] for i, name in enumerate(PER_DRAW)}
    t_bins = (1.0 - r["setback_persistent_share"]) * r["setback_loss"] / BIN_WIDTH
    units = np.column_stack([np.asarray(a, dtype=float) for a in
                             (inputs.households, inputs.poor, inputs.near_poor, unit_correlation(inputs))])
    # the search's "virtual communes" repeat a few real ones many times with other money: the
    # start depends on the unit's counts only, so it is solved once per distinct unit
    distinct, back = _distinct_units(units)
    parts = [np.ascontiguousarray(a, dtype=float) for a in
             (distinct[:, 0], distinct[:, 1], distinct[:, 2], r["log_sd"], r["income_correlation"],
              r["start_near_poor_share"], r["setback_probability"], t_bins, distinct[:, 3])]
    key = b"".join(p.tobytes() + len(p).to_bytes(8, "little") for p in parts)
    def solve() -> np.ndarray:
        out = np.empty((2, distinct.shape[0], per_draw.shape[1]))
        _start_parameters(*parts, out)
        return out

    hit = _remembered(_START_CACHE, key, solve)
    return np.ascontiguousarray(hit[:, back, :])


@numba.njit(cache=True)
def _initial(A, h0, p0, n0, cohorts, mu, sigma, r, tau, pi0, t_bins, L, derive_band):  # pragma: no cover
    """Fill origin arrays with the start distribution (docs/model.md §3).

    Log permanent income is normal (μ, σ) such that the households listed at the baseline
    review (below the line, or hit by a setback whose transitory loss takes them below it)
    are exactly P + N; the multiply-deprived flag follows a Gaussian copula with correlation
    ``r`` between low income and deprivation, threshold τ such that P of the listed are
    deprived. Newly escaped households are the lowest unlisted incomes above the line, split
    over their cohorts (years since exit) in proportion to ``cohorts``; with ``derive_band``
    > 0 (cohorts unknown) the households within that many log points above the line, evenly.
    """
    S = cohorts.shape[0]
    iN, iE, iO = L, L + 1, L + S + 1
    lst = np.empty(N_BINS)
    unl = np.empty(N_BINS)
    uc = np.empty(N_BINS)
    w = np.empty(N_BINS)
    _listed_weights(pi0, t_bins, w)
    _fill_start(h0, p0 + n0, mu, sigma, w, lst, unl, uc)
    s = math.sqrt(max(1.0 - r * r, 1e-6))
    for j in range(N_BINS):
        q = _phi_cdf((-r * uc[j] - tau) / s) if abs(tau) < 1e8 else (0.0 if tau > 0 else 1.0)
        listed = lst[j]
        rest = unl[j]
        A[0, 1, j] = listed * q
        A[iN, 0, j] = listed * (1.0 - q)
        A[iO, 1, j] = rest * q
        A[iO, 0, j] = rest * (1.0 - q)
    # newly escaped: the lowest unlisted incomes above the line
    want = 0.0
    for k in range(S):
        want += cohorts[k]
    if derive_band > 0.0:
        want = 0.0
        band = derive_band / BIN_WIDTH
        for j in range(LINE_BIN, N_BINS):
            k = j - LINE_BIN
            if k + 1 <= band:
                want += A[iO, 0, j] + A[iO, 1, j]
            elif k < band:
                want += (band - k) * (A[iO, 0, j] + A[iO, 1, j])
    total = want
    for j in range(LINE_BIN, N_BINS):
        if want <= 0.0:
            break
        tot = A[iO, 0, j] + A[iO, 1, j]
        if tot <= 0.0:
            continue
        take = min(tot, want) / tot
        for dl in range(2):
            moved = A[iO, dl, j] * take
            A[iO, dl, j] -= moved
            for k in range(S):
                share = (1.0 / S) if derive_band > 0.0 else cohorts[k] / total
                A[iE + k, dl, j] += moved * share
        want -= min(tot, want)
