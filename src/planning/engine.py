"""The commune projection engine: household states and flows, vectorised over draws × units.

Per unit, households are poor (P), near-poor (N), newly escaped for s = 1..S years (E_s) or
other (O). Each year: a change of poverty standard reclassifies households; programme money
raises exit and lift probabilities and lowers falls through the programme book's
diminishing-returns curves; households flow between states; new households form. The
equations, with every assumption and its source, are in docs/model.md.

All arrays are float64 households (counts need not be whole: they are expectations given a
draw's parameters). Money is million VND. State arrays are [unit, draw]; the only Python loop
is over years. The yearly flow step and the standard switch are compiled kernels (numba) running units in parallel
and draws as vectorised inner loops: the same NumPy equations, fused, because on 2 cores the
array-at-a-time version was 4× slower (benchmarks/bench_engine.py, docs/model.md).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numba
import numpy as np

#: quantities the engine can return, each [draw, unit, year]
OUTPUTS = (
    "households", "poor", "near_poor", "escaped_stock", "exits", "lifts", "re_poor", "new_poor",
    "reclassified_poor",
)
_MAX_P = 0.95  # a yearly probability pushed up by shocks never reaches certainty


@dataclass(frozen=True)
class EngineInputs:
    """Everything deterministic the engine needs (no draws here).

    households, poor, near_poor: [unit] at the start (end of the baseline year).
    escaped: [S, unit] newly escaped households by years since exit (1..S).
    amounts: [unit, component, year] million VND; the last component is ``capacity``.
    targets: [component without capacity, group P/N/E] share of a component's money per group.
    coverage_cap: [component without capacity, group, unit] highest reachable coverage.
    switch_log_ratio: [year, unit] ln(new income line / old line) when the standard changes at
        the start of that year, else 0.
    shock_fixed: [year, unit] multiplier (>= 1) of fall probabilities from scenario shocks.
    capacity_scale: million VND per household giving 63 % of capacity's uplift.
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

    @property
    def n_units(self) -> int:
        return self.households.shape[0]

    @property
    def n_years(self) -> int:
        return self.amounts.shape[2]


@dataclass(frozen=True)
class Draws:
    """Sampled parameters, each [draw] (component ones [draw, component])."""

    exit_poor: np.ndarray
    exit_to_near_poor_share: np.ndarray
    lift_near_poor: np.ndarray
    fall_near_poor: np.ndarray
    repoverty_escaped: np.ndarray
    escaped_to_near_poor: np.ndarray
    fall_other: np.ndarray
    other_to_near_poor: np.ndarray
    growth: np.ndarray
    income_log_sd: np.ndarray
    escaped_concentration: np.ndarray
    deprived_share_new: np.ndarray
    switch_near_to_poor: np.ndarray
    shock: np.ndarray  # [draw, year] multiplier of fall probabilities from random bad years
    unit_cost: np.ndarray  # [draw, component]
    effect_exit: np.ndarray
    effect_lift: np.ndarray
    effect_protect: np.ndarray
    capacity_uplift: np.ndarray

    @property
    def n(self) -> int:
        return self.exit_poor.shape[0]


def draws_from_samples(samples: Mapping[str, np.ndarray], component_ids: tuple[str, ...],
                       shock_u: np.ndarray) -> Draws:
    """Arrange named samples (``model.*``, ``programmes.*``) into engine arrays.

    ``shock_u`` [draw, year] uniforms: a year is bad in a draw when its uniform falls below
    that draw's shock probability.
    """
    def m(name: str) -> np.ndarray:
        return np.asarray(samples[f"model.{name}"], dtype=float)

    def comp(field: str) -> np.ndarray:
        return np.stack([np.asarray(samples[f"programmes.{c}.{field}"], float) for c in component_ids], axis=1)

    bad = shock_u < m("shocks.probability")[:, None]
    shock = np.where(bad, m("shocks.multiplier")[:, None], 1.0)
    return Draws(
        exit_poor=m("transitions.exit_poor"),
        exit_to_near_poor_share=m("transitions.exit_to_near_poor_share"),
        lift_near_poor=m("transitions.lift_near_poor"),
        fall_near_poor=m("transitions.fall_near_poor"),
        repoverty_escaped=m("transitions.repoverty_escaped"),
        escaped_to_near_poor=m("transitions.escaped_to_near_poor"),
        fall_other=m("transitions.fall_other"),
        other_to_near_poor=m("transitions.other_to_near_poor"),
        growth=m("households.growth"),
        income_log_sd=m("standard_switch.income_log_sd"),
        escaped_concentration=m("standard_switch.escaped_concentration"),
        deprived_share_new=m("standard_switch.deprived_share_new_below_line"),
        switch_near_to_poor=m("standard_switch.near_poor_to_poor"),
        shock=shock,
        unit_cost=comp("unit_cost"),
        effect_exit=comp("effects.exit"),
        effect_lift=comp("effects.lift"),
        effect_protect=comp("effects.protect"),
        capacity_uplift=np.asarray(samples["programmes.capacity.max_uplift"], float),
    )


def project(inputs: EngineInputs, draws: Draws, *, outputs: tuple[str, ...] = OUTPUTS,
            dtype: type = np.float64) -> dict[str, np.ndarray]:
    """Run the projection; returns each requested output as [draw, unit, year] (households).

    Only the requested outputs are stored, so a national-scale run can keep memory small.
    """
    unknown = set(outputs) - set(OUTPUTS)
    if unknown:
        raise ValueError(f"unknown engine outputs: {sorted(unknown)}; known: {OUTPUTS}")
    D, C, Y = draws.n, inputs.n_units, inputs.n_years
    if inputs.amounts.shape != (C, inputs.targets.shape[0] + 1, Y):
        raise ValueError(f"amounts must be [unit, component + capacity, year] = "
                         f"{(C, inputs.targets.shape[0] + 1, Y)}, got {inputs.amounts.shape}")

    def start(v: np.ndarray) -> np.ndarray:
        return np.repeat(np.asarray(v, float)[..., None], D, axis=-1)  # a fresh, writable array

    P, N = start(inputs.poor), start(inputs.near_poor)
    E = start(inputs.escaped)  # [cohort, unit, draw]
    O = start(np.maximum(inputs.households - inputs.poor - inputs.near_poor - inputs.escaped.sum(axis=0), 0.0))
    store = np.empty((len(outputs), Y, C, D), dtype=dtype)
    slot = np.array([outputs.index(n) if n in outputs else -1 for n in OUTPUTS], dtype=np.int64)
    top = 0.999 / (1.0 + draws.capacity_uplift)  # coverage·effect·m stays below 1
    effects = np.ascontiguousarray(np.stack([
        np.minimum(draws.effect_exit, top[:, None]).T,
        np.minimum(draws.effect_lift, top[:, None]).T,
        np.minimum(draws.effect_protect, top[:, None]).T,
    ]))  # [effect, component, draw]
    inv_cost = np.ascontiguousarray((1.0 / draws.unit_cost).T)  # [component, draw]
    per_draw = np.ascontiguousarray(np.stack([
        draws.exit_poor, draws.exit_to_near_poor_share, draws.lift_near_poor, draws.fall_near_poor,
        draws.repoverty_escaped, draws.escaped_to_near_poor, draws.fall_other, draws.other_to_near_poor,
        draws.growth, draws.capacity_uplift,
    ]))
    shock = np.ascontiguousarray(draws.shock.T)  # [year, draw]
    amounts = np.ascontiguousarray(inputs.amounts, dtype=float)
    caps = np.ascontiguousarray(inputs.coverage_cap, dtype=float)
    targets = np.ascontiguousarray(inputs.targets, dtype=float)
    shock_fixed = np.ascontiguousarray(inputs.shock_fixed, dtype=float)
    rec = slot[OUTPUTS.index("reclassified_poor")]
    for t in range(Y):
        reclassified = np.zeros((C, D))
        ratio = inputs.switch_log_ratio[t]
        if np.any(ratio != 0):
            with _KERNEL_LOCK:
                reclassified = _switch_standard(P, N, E, O, ratio, draws)
        if rec >= 0:
            store[rec, t] = reclassified
        with _KERNEL_LOCK:
            _year_step(t, P, N, E, O, amounts, targets, caps, shock_fixed, float(inputs.capacity_scale),
                       per_draw, shock, inv_cost, effects, store, slot)
    return {name: store[i].transpose(2, 1, 0) for i, name in enumerate(outputs)}


# numba's default threading layer must not be entered from two Python threads at once.
_KERNEL_LOCK = threading.Lock()


@numba.njit(parallel=True, cache=True, fastmath=False)
def _year_step(t, P, N, E, O, amounts, targets, caps, shock_fixed, cap_scale,
               per_draw, shock, inv_cost, effects, store, slot):  # pragma: no cover (compiled)
    """One year of flows for every unit (in parallel) and draw (vectorised); updates states.

    Equations: docs/model.md, "Yearly flows" and "Programme response". ``per_draw`` rows:
    exit_poor, exit_to_near_poor_share, lift_near_poor, fall_near_poor, repoverty_escaped,
    escaped_to_near_poor, fall_other, other_to_near_poor, growth, capacity_uplift.
    """
    C, D = P.shape
    S = E.shape[0]
    K = targets.shape[0]
    for c in numba.prange(C):
        p = P[c]
        n = N[c]
        o = O[c]
        et = np.zeros(D)
        for s in range(S):
            et += E[s, c]
        h = p + n + et + o
        cm = amounts[c, K, t]
        # capacity multiplies every other component's effect
        m = 1.0 + per_draw[9] * cm / (cm + cap_scale * h + 1e-12)
        keep_exit = np.ones(D)
        keep_lift = np.ones(D)
        keep_fall_n = np.ones(D)
        keep_fall_e = np.ones(D)
        for k in range(K):
            money = amounts[c, k, t]
            if money == 0.0:
                continue
            for g in range(3):
                share = targets[k, g]
                if share <= 0.0:
                    continue
                cap = caps[k, g, c]
                a = money * share
                if g == 0:
                    for d in range(D):
                        reached = a * inv_cost[k, d]
                        cov = cap * reached / (reached + cap * p[d] + 1e-12) * m[d]
                        keep_exit[d] *= 1.0 - cov * effects[0, k, d]
                elif g == 1:
                    for d in range(D):
                        reached = a * inv_cost[k, d]
                        cov = cap * reached / (reached + cap * n[d] + 1e-12) * m[d]
                        keep_lift[d] *= 1.0 - cov * effects[1, k, d]
                        keep_fall_n[d] *= 1.0 - cov * effects[2, k, d]
                else:
                    for d in range(D):
                        reached = a * inv_cost[k, d]
                        cov = cap * reached / (reached + cap * et[d] + 1e-12) * m[d]
                        keep_fall_e[d] *= 1.0 - cov * effects[2, k, d]
        sf = shock_fixed[t, c]
        for d in range(D):
            shk = shock[t, d] * sf
            p_exit = 1.0 - (1.0 - per_draw[0, d]) * keep_exit[d]
            p_lift = 1.0 - (1.0 - per_draw[2, d]) * keep_lift[d]
            p_fall_n = min(per_draw[3, d] * shk * keep_fall_n[d], _MAX_P)
            p_re = min(per_draw[4, d] * shk * keep_fall_e[d], _MAX_P)
            p_e_to_n = min(per_draw[5, d] * shk, _MAX_P)
            p_fall_o = min(per_draw[6, d] * shk, _MAX_P)
            p_o_to_n = min(per_draw[7, d] * shk, _MAX_P)
            pp, nn, oo, ee = p[d], n[d], o[d], et[d]
            exits = pp * p_exit
            to_near = exits * per_draw[1, d]
            fall_n = nn * p_fall_n
            lifts = (nn - fall_n) * p_lift
            re_poor = ee * p_re
            not_re = 1.0 - p_re
            re_near = ee * not_re * p_e_to_n
            survive = not_re * (1.0 - p_e_to_n)  # share of each escaped cohort still escaped
            fall_o = oo * p_fall_o
            o_to_n = (oo - fall_o) * p_o_to_n
            pp = pp - exits + fall_n + re_poor + fall_o
            nn = nn + to_near - fall_n - lifts + re_near + o_to_n
            oo = oo - fall_o - o_to_n + E[S - 1, c, d] * survive
            for s in range(S - 1, 0, -1):
                E[s, c, d] = E[s - 1, c, d] * survive
            E[0, c, d] = exits - to_near + lifts
            # new households split like the existing non-escaped ones (a new household has no
            # exit to be "newly escaped" from)
            base = pp + nn + oo
            f = per_draw[8, d] * h[d] / base if base > 0.0 else 0.0
            new_poor_h = pp * f
            pp += new_poor_h
            nn += nn * f
            oo += oo * f
            P[c, d] = pp
            N[c, d] = nn
            O[c, d] = oo
            escaped = 0.0
            for s in range(S):
                escaped += E[s, c, d]
            values = (pp + nn + escaped + oo, pp, nn, escaped, exits, lifts, re_poor,
                      fall_n + fall_o + new_poor_h)
            for j in range(8):
                if slot[j] >= 0:
                    store[slot[j], t, c, d] = values[j]


def _switch_standard(P: np.ndarray, N: np.ndarray, E: np.ndarray, O: np.ndarray, ratio: np.ndarray,
                     d: Draws) -> np.ndarray:
    """Reclassify at a change of standard (docs/model.md, "Standard switch").

    Per-capita income within a unit is log-normal with spread σ; the share below the old line
    is (P + N) / H, so the share below the new line is Φ(Φ⁻¹(share) + ln(L_new/L_old) / σ).
    Households newly below the line come first from the newly escaped (they sit just above the
    old line), then from the others; a share of them has >= 3 deprivations and is poor.
    Updates the [unit, draw] states in place; returns the households made poor by the switch.
    """
    new_poor = np.zeros_like(P)
    _switch_kernel(P, N, E, O, np.ascontiguousarray(ratio, dtype=float), d.income_log_sd,
                   d.escaped_concentration, d.deprived_share_new, d.switch_near_to_poor, new_poor)
    return new_poor


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


@numba.njit(parallel=True, cache=True)
def _switch_kernel(P, N, E, O, ratio, sigma, concentration, deprived_share, near_to_poor,
                   new_poor):  # pragma: no cover (compiled)
    C, D = P.shape
    S = E.shape[0]
    for c in numba.prange(C):
        if ratio[c] == 0.0:
            continue
        for d in range(D):
            escaped = 0.0
            for s in range(S):
                escaped += E[s, c, d]
            p, n, o = P[c, d], N[c, d], O[c, d]
            h = p + n + escaped + o
            below_old = min(max((p + n) / max(h, 1e-12), 1e-9), 1.0 - 1e-9)
            z_new = _ndtri(below_old) + ratio[c] / sigma[d]
            above = escaped + o
            moved = min(max((0.5 * math.erfc(-z_new / math.sqrt(2.0)) - below_old) * h, 0.0), above)
            f_avg = moved / above if above > 0.0 else 0.0
            moved_e = min(escaped * min(1.0, concentration[d] * f_avg), moved)
            keep_e = 1.0 - moved_e / escaped if escaped > 0.0 else 1.0
            poor_share = p / (p + n) if p + n > 0.0 else 0.0
            q = min(max(deprived_share[d] * poor_share, 0.0), 1.0)
            n_to_p = n * near_to_poor[d]
            made_poor = q * moved + n_to_p
            P[c, d] = p + made_poor
            N[c, d] = n + (1.0 - q) * moved - n_to_p
            for s in range(S):
                E[s, c, d] *= keep_e
            O[c, d] = o - (moved - moved_e)
            new_poor[c, d] = made_poor
