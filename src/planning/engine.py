"""The commune projection engine: each commune's income distribution, moved year by year.

Poverty is read off a distribution, as in the World Bank's distribution-based projections
(Macro Poverty Outlook, PIP): within each unit, households are spread over log income
relative to the poverty line in force (a histogram of ``N_BINS`` bins of ``BIN_WIDTH`` log
points) and carry a flag "deprived in at least 3 indicators". A household is

* poor when its income is at or below the line and it is multiply deprived,
* near-poor when its income is at or below the line and it is not,
* newly escaped for about ``support_years`` after leaving either list (tag E), other (O) else.

Each year: a change of standard moves the line (households between the old and the new line
fall below it); programme money reaches shares of the poor, near-poor and newly escaped
(cost–coverage curves) and raises their incomes, removes deprivations or protects them from
setbacks; every income then grows, regresses towards the unit's mean and a share of
households suffers a setback (illness, livestock loss, crop failure) that cuts income and may
add deprivations; deprivations also fade with general development. Re-poverty and new
poverty are setbacks of households near the line, so the protective components reduce them;
the pace of decline follows from the shape of the distribution, so it can speed up as the
poor become fewer. Every equation is in docs/model.md; every parameter is data
(data/model_parameters.yaml, data/programmes.yaml) with its source and range.

Arrays: households are float64 expectations given one draw of the uncertain parameters;
money is million VND. Outputs are [draw, unit, year]. The kernel is compiled (numba) and
runs (unit, draw) pairs in parallel; each pair keeps its whole histogram in cache.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numba
import numpy as np

#: quantities the engine can return, each [draw, unit, year] (households)
OUTPUTS = (
    "households", "poor", "near_poor", "escaped_stock", "exits", "lifts", "re_poor", "new_poor",
    "reclassified_poor",
)
#: who the poor of a year are, by history (needs ``decompose=True``); the five add up to "poor"
DECOMPOSITION = ("poor_unreached", "poor_reached", "poor_re", "poor_new", "poor_switch")

#: histogram of log income relative to the line in force: numerical settings, not data
BIN_WIDTH = 0.1  # log points per bin
X_LOW = -2.5  # lower edge of the first bin (income = 8 % of the line)
N_BINS = 60  # up to +3.5 log points (33 times the line)
LINE_BIN = 25  # first bin above the line: X_LOW + LINE_BIN * BIN_WIDTH == 0
_MAX_P = 0.95  # a yearly setback probability raised by shocks never reaches certainty
#: rows of the per-draw parameter table passed to the kernel
PER_DRAW = (
    "growth", "log_sd", "setback_probability", "setback_loss", "setback_persistent_share",
    "escaped_relative_risk", "deprivation_onset", "income_correlation", "deprivation_resolution",
    "near_poor_to_poor", "poor_to_near_poor", "household_growth", "capacity_uplift", "intensity_returns",
    "money_scale", "start_near_poor_share", "switch_scale", "newly_listed_to_poor",
)


@dataclass(frozen=True)
class EngineInputs:
    """Everything deterministic the engine needs (no draws here).

    households, poor, near_poor: [unit] at the start (end of the baseline year).
    escaped: [years since exit 1..S, unit] newly escaped households at the start (a [unit]
        total is spread evenly over the S cohorts); NaN where unknown, in which case the
        engine takes the households within S years of growth above the line.
    amounts: [unit, component, year] million VND; the last component is ``capacity``.
    targets: [component without capacity, group P/N/E] share of a component's money per group.
    coverage_cap: [component without capacity, group, unit] highest reachable coverage.
    switch_log_ratio: [year, unit] ln(new income line / old line) when the standard changes at
        the start of that year, else 0.
    shock_fixed: [year, unit] multiplier (>= 0) of setback probabilities from scenario shocks.
    capacity_scale: million VND per household giving 63 % of capacity's uplift.
    support_years: years a newly escaped household keeps that status (36 months: 3).
    """

    households: np.ndarray
    poor: np.ndarray
    near_poor: np.ndarray
    escaped: np.ndarray
    amounts: np.ndarray
    targets: np.ndarray
    coverage_cap: np.ndarray
    switch_log_ratio: np.ndarray
    shock_fixed: np.ndarray
    capacity_scale: float
    support_years: int = 3
    #: [unit] correlation of low income and multiple deprivation solved from the unit's own
    #: deprivation data (NaN or None: each draw's ``deprivation.income_correlation``)
    income_correlation: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return self.households.shape[0]

    @property
    def n_years(self) -> int:
        return self.amounts.shape[2]


@dataclass(frozen=True)
class Draws:
    """Sampled parameters, each [draw] (component ones [draw, component]).

    Units: growth and setback_loss in log points a year / per setback; probabilities and
    shares in [0, 1]; unit_cost million VND per household reached; effect_income log points
    of income gained by a reached household; effect_deprivation the probability that a
    reached multiply-deprived household falls below the cut-off (and the relative cut of a
    reached household's chance of becoming multiply deprived); effect_protect the relative
    cut of a reached household's setback probability.
    """

    growth: np.ndarray
    log_sd: np.ndarray
    setback_probability: np.ndarray
    setback_loss: np.ndarray
    setback_persistent_share: np.ndarray
    escaped_relative_risk: np.ndarray
    deprivation_onset: np.ndarray
    income_correlation: np.ndarray
    deprivation_resolution: np.ndarray
    near_poor_to_poor: np.ndarray
    poor_to_near_poor: np.ndarray
    newly_listed_to_poor: np.ndarray
    household_growth: np.ndarray
    shock: np.ndarray  # [draw, year] multiplier of setback probabilities from random bad years
    unit_cost: np.ndarray  # [draw, component]
    effect_income: np.ndarray
    effect_deprivation: np.ndarray
    effect_protect: np.ndarray
    capacity_uplift: np.ndarray
    intensity_returns: np.ndarray  # η: effects grow as (packages per reached household)^η
    #: multiplier of every amount (calibration: past spending per household); None = 1
    money_scale: np.ndarray | None = None
    #: near-poor share of poor + near-poor at the start, replacing the inputs' near-poor count
    #: (calibration on series that do not give it); None or NaN = the inputs' count
    start_near_poor_share: np.ndarray | None = None
    #: what-if lever: share of the households a change of standard would make poor that it
    #: does make poor (the rest are listed near-poor); None = 1 (the model as it is)
    switch_scale: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.growth.shape[0]

    def take(self, index: np.ndarray | slice) -> Draws:
        """The draws at ``index`` (every field sliced along the draw axis)."""
        return Draws(**{k: (None if v is None else v[index]) for k, v in self.__dict__.items()})


#: Draws field -> dotted name in data/model_parameters.yaml
MODEL_NAMES = {
    "growth": "income.growth",
    "log_sd": "income.log_sd",
    "setback_probability": "setbacks.probability",
    "setback_loss": "setbacks.income_loss",
    "setback_persistent_share": "setbacks.persistent_share",
    "escaped_relative_risk": "setbacks.escaped_relative_risk",
    "deprivation_onset": "setbacks.deprivation_onset",
    "income_correlation": "deprivation.income_correlation",
    "deprivation_resolution": "deprivation.resolution",
    "near_poor_to_poor": "standard_switch.near_poor_to_poor",
    "poor_to_near_poor": "standard_switch.poor_to_near_poor",
    "newly_listed_to_poor": "standard_switch.newly_listed_to_poor",
    "household_growth": "households.growth",
}


def bad_year_shocks(samples: Mapping[str, np.ndarray], shock_u: np.ndarray) -> np.ndarray:
    """[draw, year] setback multipliers: a year is bad when its uniform is below the draw's
    bad-year probability."""
    prob = np.asarray(samples["model.bad_years.probability"], float)
    mult = np.asarray(samples["model.bad_years.multiplier"], float)
    return np.where(shock_u < prob[:, None], mult[:, None], 1.0)


def draws_from_samples(samples: Mapping[str, np.ndarray], component_ids: tuple[str, ...],
                       shock_u: np.ndarray) -> Draws:
    """Arrange named samples (``model.*``, ``programmes.*``) into engine arrays.

    ``shock_u`` [draw, year] uniforms: a year is bad in a draw when its uniform falls below
    that draw's bad-year probability.
    """
    def comp(field: str) -> np.ndarray:
        return np.stack([np.asarray(samples[f"programmes.{c}.{field}"], float) for c in component_ids], axis=1)

    return Draws(
        **{f: np.asarray(samples[f"model.{name}"], dtype=float) for f, name in MODEL_NAMES.items()},
        shock=bad_year_shocks(samples, shock_u),
        unit_cost=comp("unit_cost"),
        effect_income=comp("effects.income"),
        effect_deprivation=comp("effects.deprivation"),
        effect_protect=comp("effects.protect"),
        capacity_uplift=np.asarray(samples["programmes.capacity.max_uplift"], float),
        intensity_returns=np.asarray(samples["programmes.intensity.returns"], float),
    )


def persistence(log_sd: np.ndarray | float, probability: np.ndarray | float,
                loss: np.ndarray | float, persistent_share: np.ndarray | float) -> np.ndarray:
    """Yearly persistence ρ of log permanent income that keeps its spread σ steady.

    The persistent part of a setback (probability π, loss φ·s) adds variance π(1 − π)(φs)² a
    year; regression to the mean removes (1 − ρ²)σ². Equal when ρ = √(1 − π(1 − π)(φs)²/σ²)
    (never below 0.5). This is the continuous model's ρ (the household microsimulation's);
    the engine's histogram also takes off its own smoothing, h²/6 a year (docs/model.md §10).
    """
    sd = np.asarray(log_sd, float)
    p = np.asarray(probability, float)
    s = np.asarray(loss, float) * np.asarray(persistent_share, float)
    return np.sqrt(np.maximum(1.0 - p * (1.0 - p) * s * s / (sd * sd), 0.25))


def project(inputs: EngineInputs, draws: Draws, *, outputs: tuple[str, ...] = OUTPUTS,
            decompose: bool = False, dtype: type = np.float64) -> dict[str, np.ndarray]:
    """Run the projection; returns each requested output as [draw, unit, year] (households).

    With ``decompose``, the poor of each year are also split by history (``DECOMPOSITION``):
    poor since the start and never reached by a programme, poor since the start though
    reached, fallen back after escaping, newly poor, and made poor by a change of standard.
    """
    known = OUTPUTS + (DECOMPOSITION if decompose else ())
    unknown = set(outputs) - set(known)
    if unknown:
        raise ValueError(f"unknown engine outputs: {sorted(unknown)}; known: {known}")
    D, C, Y = draws.n, inputs.n_units, inputs.n_years
    K = inputs.targets.shape[0]
    if inputs.amounts.shape != (C, K + 1, Y):
        raise ValueError(f"amounts must be [unit, component + capacity, year] = "
                         f"{(C, K + 1, Y)}, got {inputs.amounts.shape}")
    store = np.zeros((len(outputs), Y, C, D), dtype=dtype)
    slot = np.array([outputs.index(n) if n in outputs else -1 for n in known], dtype=np.int64)
    if not decompose:
        slot = np.concatenate([slot, np.full(len(DECOMPOSITION), -1, dtype=np.int64)])
    rows = []
    for f in PER_DRAW:
        v = getattr(draws, f)
        if v is None:
            v = np.ones(D) if f in ("money_scale", "switch_scale") else np.full(D, np.nan)
        rows.append(np.asarray(v, dtype=float))
    per_draw = np.ascontiguousarray(np.stack(rows))
    top = 0.999 / (1.0 + draws.capacity_uplift)  # coverage·effect·m stays below 1
    effects = np.ascontiguousarray(np.stack([
        np.maximum(draws.effect_income, 0.0).T,
        np.minimum(draws.effect_deprivation, top[:, None]).T,
        np.minimum(draws.effect_protect, top[:, None]).T,
    ]))  # [effect, component, draw]
    inv_cost = np.ascontiguousarray((1.0 / draws.unit_cost).T)  # [component, draw]
    escaped = np.asarray(inputs.escaped, dtype=float)
    S = int(inputs.support_years)
    if escaped.ndim == 1:  # a total: spread evenly over the cohorts (NaN: derived, §3)
        escaped = np.repeat(escaped[None, :] / S, S, axis=0)
    elif escaped.shape[0] != S:
        full = np.zeros((S, escaped.shape[1]))
        k = min(S, escaped.shape[0])
        full[:k] = escaped[:k]
        escaped = full
    with _KERNEL_LOCK:
        start = start_parameters(inputs, per_draw)
        _kernel(np.asarray(inputs.households, float), np.asarray(inputs.poor, float),
                np.asarray(inputs.near_poor, float), np.ascontiguousarray(escaped),
                unit_correlation(inputs), start,
                np.ascontiguousarray(inputs.amounts, dtype=float),
                np.ascontiguousarray(inputs.targets, dtype=float),
                np.ascontiguousarray(inputs.coverage_cap, dtype=float),
                np.ascontiguousarray(inputs.switch_log_ratio, dtype=float),
                np.ascontiguousarray(inputs.shock_fixed, dtype=float),
                float(inputs.capacity_scale), per_draw,
                np.ascontiguousarray(draws.shock.T, dtype=float), inv_cost, effects,
                decompose, store, slot)
    return {name: store[i].transpose(2, 1, 0) for i, name in enumerate(outputs)}


def start_counts(inputs: EngineInputs, draws: Draws) -> dict[str, np.ndarray]:
    """The start distribution's households by status, each [draw, unit]: ``poor``, ``near_poor``,
    ``escaped`` (newly escaped, all cohorts), ``other``, and ``non_poor_deprived`` (households not
    listed that are multiply deprived). A check that the start reproduces the baseline review."""
    D = draws.n
    rows = []
    for f in PER_DRAW:
        v = getattr(draws, f)
        if v is None:
            v = np.ones(D) if f in ("money_scale", "switch_scale") else np.full(D, np.nan)
        rows.append(np.asarray(v, dtype=float))
    per_draw = np.ascontiguousarray(np.stack(rows))
    escaped = np.asarray(inputs.escaped, dtype=float)
    S = int(inputs.support_years)
    if escaped.ndim == 1:
        escaped = np.repeat(escaped[None, :] / S, S, axis=0)
    out = np.zeros((5, inputs.n_units, D))
    with _KERNEL_LOCK:
        start = start_parameters(inputs, per_draw)
        _start_counts(np.asarray(inputs.households, float), np.asarray(inputs.poor, float),
                      np.asarray(inputs.near_poor, float), np.ascontiguousarray(escaped[:S]),
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


# numba's default threading layer must not be entered from two Python threads at once.
_KERNEL_LOCK = threading.Lock()

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
def _shift_up(A, o, lo, hi, frac, bins):  # pragma: no cover (compiled)
    """Move a share ``frac`` of origin ``o``'s mass in bins [lo, hi) up by ``bins`` >= 0 bins.

    In place, from the top down: every destination is at or above its source, so mass
    already moved is never moved again. Returns the new upper end of the occupied range.
    """
    for j in range(hi - 1, lo - 1, -1):
        for dl in range(2):
            w = A[o, dl, j]
            if w == 0.0:
                continue
            moved = w * frac
            A[o, dl, j] = w - moved
            _deposit(A, o, dl, j + bins, moved)
    return min(hi + int(bins) + 2, N_BINS)


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
    return np.ascontiguousarray(inputs.income_correlation, dtype=float)


def start_parameters(inputs: EngineInputs, per_draw: np.ndarray) -> np.ndarray:
    """[2, unit, draw] (μ, τ) of the start distribution (cached: cost curves, searches and
    breakeven runs repeat the same start with other money)."""
    r = {name: per_draw[i] for i, name in enumerate(PER_DRAW)}
    t_bins = (1.0 - r["setback_persistent_share"]) * r["setback_loss"] / BIN_WIDTH
    parts = [np.ascontiguousarray(a, dtype=float) for a in
             (inputs.households, inputs.poor, inputs.near_poor, r["log_sd"], r["income_correlation"],
              r["start_near_poor_share"], r["setback_probability"], t_bins, unit_correlation(inputs))]
    key = b"".join(p.tobytes() + len(p).to_bytes(8, "little") for p in parts)
    hit = _START_CACHE.get(key)
    if hit is None:
        hit = np.empty((2, inputs.n_units, per_draw.shape[1]))
        _start_parameters(*parts, hit)
        if len(_START_CACHE) > 16:
            _START_CACHE.clear()
        _START_CACHE[key] = hit
    return hit


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


@numba.njit(parallel=True, cache=True)
def _kernel(H0, P0, N0, E0, r_unit, start, amounts, targets, caps, ratio, shock_fixed, cap_scale,
            per_draw, shock, inv_cost, effects, decompose, store, slot):  # pragma: no cover
    """Every (unit, draw) pair over every year; see docs/model.md §3–§6 for the equations.

    Origin arrays A[o, deprived, bin] over log permanent income: o < L poor (L = 5 history
    labels with ``decompose``, else 1), then near-poor (L), newly escaped 1..S years ago
    (L + 1 .. L + S, S = E0.shape[0]), other (L + S + 1).
    An origin is the household's status at the last review, so the year's flows are read off
    where each origin's mass ends. After the move, ``Bk`` holds households not hit by a setback
    this year and ``Bh`` those hit (their income this year is below their permanent income by
    the transitory part of the loss, which decides their status at the review).
    """
    C = H0.shape[0]
    D = per_draw.shape[1]
    Y = amounts.shape[2]
    K = targets.shape[0]
    L = 5 if decompose else 1
    S = E0.shape[0]
    iN, iE, iO = L, L + 1, L + S + 1  # iE: first newly escaped cohort; iE .. iE + S − 1
    n_orig = L + S + 2
    lab_unreached, lab_reached, lab_re, lab_new, lab_switch = 0, 1, 2, 3, 4
    if not decompose:
        lab_unreached = lab_reached = lab_re = lab_new = lab_switch = 0
    h = BIN_WIDTH
    for pair in numba.prange(C * D):
        c = pair // D
        d = pair % D
        if H0[c] <= 0.0:
            continue
        g = per_draw[0, d]
        sigma = per_draw[1, d]
        pi0 = per_draw[2, d]
        loss = per_draw[3, d]
        phi = per_draw[4, d]
        e_risk = per_draw[5, d]
        onset = per_draw[6, d]
        rcorr = r_unit[c] if not math.isnan(r_unit[c]) else per_draw[7, d]
        resolve = per_draw[8, d]
        nu = per_draw[9, d]
        xi = per_draw[10, d]
        hh_g = per_draw[11, d]
        uplift = per_draw[12, d]
        eta = per_draw[13, d]
        money_scale = per_draw[14, d]
        n_start = min(_start_near_poor(P0[c], N0[c], per_draw[15, d]), max(H0[c] - P0[c], 0.0))
        kappa = per_draw[16, d]
        nu_new = per_draw[17, d]
        perm = phi * loss  # the part of a setback's loss that persists (log points)
        t_bins = (1.0 - phi) * loss / h  # the part lost this year only, in bins
        # regression keeps the spread of permanent income at σ: the persistent losses add
        # π(1 − π)(φs)² a year and the histogram's linear shares about h²/6 (docs/model.md §10)
        rho = math.sqrt(max(1.0 - (pi0 * (1.0 - pi0) * perm * perm + h * h / 6.0) / (sigma * sigma), 0.25))
        drift = g + pi0 * perm  # mean growth of permanent income in a normal year is g
        A = np.zeros((n_orig, 2, N_BINS))
        Bk = np.zeros((n_orig, 2, N_BINS))
        Bh = np.zeros((n_orig, 2, N_BINS))
        lo = np.zeros(n_orig, dtype=np.int64)
        hi = np.zeros(n_orig, dtype=np.int64)
        blo = np.zeros(n_orig, dtype=np.int64)
        bhi = np.zeros(n_orig, dtype=np.int64)
        cov = np.zeros((K, 3))
        gain = np.zeros((K, 3))
        kern = np.zeros((3, N_BINS))
        kw = np.zeros(3, dtype=np.int64)
        keep_on = np.zeros(3)
        keep_pr = np.zeros(3)
        sizes = np.zeros(3)
        cohorts = np.zeros(S)
        band = 0.0
        for k in range(S):
            cohorts[k] = E0[k, c]
        if math.isnan(cohorts[0]):
            band = S * max(g, 0.0)
        _initial(A, H0[c], P0[c], n_start, cohorts, start[0, c, d], sigma, rcorr, start[1, c, d], pi0,
                 t_bins, L, band)
        for o in range(n_orig):
            lo[o], hi[o] = _range_of(A, o)
        tp = 0.0
        tn = 0.0
        te = 0.0
        tot = 0.0
        sx = 0.0
        for t in range(Y):
            # ---- 1. change of standard: the line moves up by ratio (log points)
            reclass = 0.0
            dx = ratio[t, c]
            if dx != 0.0:
                p_before = 0.0
                for o in range(L):
                    for j in range(lo[o], hi[o]):
                        p_before += A[o, 1, j]
                Bk[:, :, :] = 0.0
                for o in range(n_orig):
                    for dl in range(2):
                        for j in range(lo[o], hi[o]):
                            w = A[o, dl, j]
                            if w != 0.0:
                                _deposit(Bk, o, dl, j - dx / h, w)
                A[:, :, :] = Bk
                Bk[:, :, :] = 0.0
                Bh[:, :, :] = 0.0
                blo[:] = 0
                bhi[:] = 0
                # the new indicator set: a share of the near-poor reaches 3 deprivations (waste
                # treatment and internet use in) and a share of the poor falls below 3
                # (information means out)
                for j in range(N_BINS):
                    moved = A[iN, 0, j] * nu * kappa  # the near-poor of the last review only
                    down = 0.0
                    for o in range(L):
                        drop = A[o, 1, j] * xi
                        A[o, 1, j] -= drop
                        down += drop
                    A[iN, 0, j] += down - moved
                    A[lab_switch, 1, j] += moved
                # newly below the line: listed as poor or near-poor by their deprivations
                # (the new indicator set reaches them too: a share of those below 3 deprivations
                # reaches 3)
                for o in range(iE, n_orig):
                    for j in range(LINE_BIN):
                        made = A[o, 1, j] + A[o, 0, j] * nu_new
                        A[lab_switch, 1, j] += made * kappa
                        A[iN, 0, j] += A[o, 0, j] + A[o, 1, j] - made * kappa
                        A[o, 1, j] = 0.0
                        A[o, 0, j] = 0.0
                p_after = 0.0
                for o in range(L):
                    for j in range(N_BINS):
                        p_after += A[o, 1, j]
                reclass = p_after - p_before  # net: made poor − fallen below 3 deprivations
                for o in range(n_orig):
                    lo[o], hi[o] = _range_of(A, o)
            # ---- 2. group sizes (kept from last year's review) and programme coverage
            if dx != 0.0 or t == 0:
                tp = 0.0
                tn = 0.0
                te = 0.0
                tot = 0.0
                sx = 0.0
                for o in range(n_orig):
                    so = 0.0
                    for dl in range(2):
                        for j in range(lo[o], hi[o]):
                            w = A[o, dl, j]
                            so += w
                            sx += w * (X_LOW + (j + 0.5) * h)
                    tot += so
                    if o < L:
                        tp += so
                    elif o == iN:
                        tn += so
                    elif o < iO:
                        te += so
            sizes[0] = tp
            sizes[1] = tn
            sizes[2] = te
            cm = amounts[c, K, t] * money_scale
            m = 1.0 + uplift * cm / (cm + cap_scale * tot + 1e-12)
            keep_dep = 1.0  # poor not lifted below the cut-off by deprivation components
            keep_on[:] = 1.0  # onset of deprivations among the reached
            keep_pr[:] = 1.0  # setback probability among the reached
            miss = 1.0  # poor reached by no component
            gained = 0.0  # Σ mass × log points moved up by programmes (for the mean)
            for k in range(K):
                money = amounts[c, k, t] * money_scale
                for gi in range(3):
                    cov[k, gi] = 0.0
                    gain[k, gi] = 0.0
                    share = targets[k, gi]
                    if money <= 0.0 or share <= 0.0:
                        continue
                    cap = caps[k, gi, c]
                    reached = money * share * inv_cost[k, d]
                    cv = cap * reached / (reached + cap * sizes[gi] + 1e-12) * m
                    if cv > 0.999:
                        cv = 0.999
                    cov[k, gi] = cv
                    # money beyond one package per reached household buys more support each:
                    # packages per reached household n = 1 + h / (c_max T), effects grow as n^η
                    n_pack = 1.0 + reached / (cap * sizes[gi] + 1e-12)
                    if n_pack > 1e6:
                        n_pack = 1e6
                    boost = n_pack ** eta
                    gain[k, gi] = effects[0, k, d] * boost
                    gained += cv * gain[k, gi] * sizes[gi]
                    e_dep = 1.0 - (1.0 - effects[1, k, d]) ** boost
                    e_pro = 1.0 - (1.0 - effects[2, k, d]) ** boost
                    keep_on[gi] *= 1.0 - cv * e_dep
                    keep_pr[gi] *= 1.0 - cv * e_pro
                    if gi == 0:
                        keep_dep *= 1.0 - cv * e_dep
                        miss *= 1.0 - cv
            if decompose and miss < 1.0:
                for dl in range(2):
                    for j in range(lo[lab_unreached], hi[lab_unreached]):
                        moved = A[lab_unreached, dl, j] * (1.0 - miss)
                        A[lab_unreached, dl, j] -= moved
                        A[lab_reached, dl, j] += moved
                lo[lab_reached] = min(lo[lab_reached], lo[lab_unreached])
                hi[lab_reached] = max(hi[lab_reached], hi[lab_unreached])
            # ---- 3. income gains of the reached: the components reach households
            # independently, so a group's gains are one convolution with the distribution of
            # the sum of its components' gains (in bins, linear shares between bins)
            for gi in range(3):
                width = 1
                kern[gi, 0] = 1.0
                for k in range(K):
                    cv = cov[k, gi]
                    b = gain[k, gi]
                    if cv <= 0.0 or b <= 0.0:
                        continue
                    sh = b / h
                    whole = int(sh)
                    f = sh - whole
                    new_w = min(width + whole + 1, N_BINS)
                    for q in range(new_w - 1, -1, -1):
                        v = kern[gi, q] * (1.0 - cv) if q < width else 0.0
                        src = q - whole
                        if 0 <= src < width:
                            v += cv * (1.0 - f) * kern[gi, src]
                        src -= 1
                        if 0 <= src < width:
                            v += cv * f * kern[gi, src]
                        kern[gi, q] = v
                    width = new_w
                kw[gi] = width
            for o in range(n_orig):
                if o >= iO or hi[o] <= lo[o]:
                    continue
                gi = 0 if o < L else (1 if o == iN else 2)
                width = kw[gi]
                if width <= 1:
                    continue
                k0 = kern[gi, 0]
                for j in range(hi[o] - 1, lo[o] - 1, -1):
                    for dl in range(2):
                        w = A[o, dl, j]
                        if w == 0.0:
                            continue
                        A[o, dl, j] = w * k0
                        top = min(width, N_BINS - j)
                        for q in range(1, top):
                            A[o, dl, j + q] += w * kern[gi, q]
                        for q in range(top, width):  # beyond the grid: the top bin
                            A[o, dl, N_BINS - 1] += w * kern[gi, q]
                hi[o] = min(hi[o] + width, N_BINS)
            # ---- 4. deprivations fade (programmes, development); permanent incomes grow and
            # regress to the mean; setbacks hit (their persistent part moves permanent income,
            # the transitory part only this year's income). Flips commute with the gains (same
            # shift for both flags), so they are applied cell by cell in the same pass.
            mu = (sx + gained) / tot if tot > 0.0 else 0.0
            base_p = pi0 * shock[t, d] * shock_fixed[t, c]
            ph = perm / h
            for o in range(n_orig):
                for dl in range(2):
                    for j in range(blo[o], bhi[o]):
                        Bk[o, dl, j] = 0.0
                        Bh[o, dl, j] = 0.0
                if hi[o] <= lo[o]:
                    blo[o] = 0
                    bhi[o] = 0
                    continue
                gi = 0 if o < L else (1 if o == iN else (2 if o < iO else 3))
                p = base_p
                stay = 1.0 - resolve
                if gi < 3:
                    p *= keep_pr[gi]
                if gi == 0:
                    stay *= keep_dep
                if gi == 2:
                    p *= e_risk
                if p > _MAX_P:
                    p = _MAX_P
                x_lo = X_LOW + (lo[o] + 0.5) * h
                x_hi = X_LOW + (hi[o] - 0.5) * h
                p_lo = lo[o] + (drift - (1.0 - rho) * (x_lo - mu)) / h - ph
                p_hi = hi[o] - 1 + (drift - (1.0 - rho) * (x_hi - mu)) / h
                blo[o] = min(max(int(math.floor(p_lo)) - 1, 0), N_BINS)
                bhi[o] = min(max(int(math.floor(p_hi)) + 3, 0), N_BINS)
                q_keep = 1.0 - p
                for j in range(lo[o], hi[o]):
                    w0 = A[o, 0, j]
                    w1 = A[o, 1, j]
                    if w0 == 0.0 and w1 == 0.0:
                        continue
                    f1 = w1 * stay
                    f0 = w0 + w1 - f1
                    x = X_LOW + (j + 0.5) * h
                    pos = j + (drift - (1.0 - rho) * (x - mu)) / h
                    if f0 != 0.0:
                        _deposit(Bk, o, 0, pos, f0 * q_keep)
                        _deposit(Bh, o, 0, pos - ph, f0 * p)
                    _deposit(Bk, o, 1, pos, f1 * q_keep)
                    _deposit(Bh, o, 1, pos - ph, f1 * p)
            # ---- 5. the review at the end of the year: who is listed (income this year at
            # or below the line), flows by origin, statuses for next year, new households
            # (shaped like the existing ones) and the outputs, in one pass
            for o in range(n_orig):
                for dl in range(2):
                    for j in range(lo[o], hi[o]):
                        A[o, dl, j] = 0.0
            grow = 1.0 + hh_g
            exits = tp
            lifts = 0.0
            re_poor = 0.0
            new_poor = 0.0
            tp = 0.0
            tn = 0.0
            te = 0.0
            tot = 0.0
            sx = 0.0
            for o in range(n_orig):
                if o < L:
                    lab = o
                elif iE <= o < iO:
                    lab = lab_re
                else:
                    lab = lab_new
                gi = 0 if o < L else (1 if o == iN else (2 if o < iO else 3))
                on = onset * (keep_on[gi] if gi < 3 else 1.0)
                for hit in range(2):
                    thr = t_bins if hit == 1 else 0.0
                    for j in range(blo[o], bhi[o]):
                        if hit == 1:
                            w0 = Bh[o, 0, j]
                            w1 = Bh[o, 1, j]
                        else:
                            w0 = Bk[o, 0, j]
                            w1 = Bk[o, 1, j]
                        if w0 == 0.0 and w1 == 0.0:
                            continue
                        ls = _listed_share(j, thr)
                        l0 = w0 * ls
                        l1 = w1 * ls
                        u0 = w0 - l0
                        u1 = w1 - l1
                        if hit == 1 and l0 != 0.0:
                            # a setback that puts a household on the list may add deprivations
                            l1 += l0 * on
                            l0 -= l0 * on
                        sx += (w0 + w1) * (X_LOW + (j + 0.5) * h)
                        tot += w0 + w1
                        tp += l1
                        tn += l0
                        if o < L:
                            exits -= l1
                        elif iE <= o < iO:
                            re_poor += l1
                        else:
                            new_poor += l1
                        A[lab, 1, j] += l1 * grow
                        A[iN, 0, j] += l0 * grow
                        if u0 == 0.0 and u1 == 0.0:
                            continue
                        if o == iO:
                            A[iO, 0, j] += u0 * grow
                            A[iO, 1, j] += u1 * grow
                        elif o >= iE:
                            # one more year since leaving the list; after S years "other". New
                            # households that resemble them are "other" (no exit behind them)
                            nxt = o + 1 if o + 1 < iO else iO
                            A[nxt, 0, j] += u0
                            A[nxt, 1, j] += u1
                            A[iO, 0, j] += u0 * hh_g
                            A[iO, 1, j] += u1 * hh_g
                            if nxt < iO:
                                te += u0 + u1
                        else:
                            if o == iN:
                                lifts += u0 + u1
                            A[iE, 0, j] += u0
                            A[iE, 1, j] += u1
                            A[iO, 0, j] += u0 * hh_g
                            A[iO, 1, j] += u1 * hh_g
                            te += u0 + u1
            if decompose:
                # households formed this year and born poor are "newly poor", whatever the
                # label of the household they resemble
                for o in range(L):
                    if o == lab_new:
                        continue
                    for j in range(N_BINS):
                        added = A[o, 1, j] * hh_g / grow
                        if added != 0.0:
                            A[o, 1, j] -= added
                            A[lab_new, 1, j] += added
            new_poor += hh_g * tp
            tot *= grow
            tp *= grow
            tn *= grow
            sx *= grow
            for o in range(n_orig):
                lo[o], hi[o] = _range_of(A, o)
            values = (tot, tp, tn, te, exits, lifts, re_poor, new_poor, reclass)
            for q in range(9):
                if slot[q] >= 0:
                    store[slot[q], t, c, d] = values[q]
            if decompose:
                for q in range(5):
                    if slot[9 + q] >= 0:
                        v = 0.0
                        for j in range(lo[q], hi[q]):
                            v += A[q, 1, j]
                        store[slot[9 + q], t, c, d] = v
