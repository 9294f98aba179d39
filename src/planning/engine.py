"""The commune projection engine: household states and flows, vectorised over draws × units.

Per unit, households are poor (P), near-poor (N), newly escaped for s = 1..S years (E_s) or
other (O). Each year: a change of poverty standard reclassifies households; programme money
raises exit and lift probabilities and lowers falls through the programme book's
diminishing-returns curves; households flow between states; new households form. The
equations, with every assumption and its source, are in docs/model.md.

All arrays are float64 households (counts need not be whole: they are expectations given a
draw's parameters). Money is million VND. The only Python loops are over years, components
and chunks of units; draws and units are NumPy axes.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np
from scipy.special import ndtr, ndtri

#: quantities the engine can return, each [draw, unit, year]
OUTPUTS = (
    "households", "poor", "near_poor", "escaped_stock", "exits", "lifts", "re_poor", "new_poor",
    "reclassified_poor",
)
_MAX_P = 0.95  # a yearly probability pushed up by shocks never reaches certainty
_GROUP_P, _GROUP_N, _GROUP_E = 0, 1, 2


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
            block_size: int = 16_384, workers: int = 1, dtype: type = np.float64) -> dict[str, np.ndarray]:
    """Run the projection; returns each requested output as [draw, unit, year].

    Units are independent once money is allocated, and draws are independent by construction,
    so the work is cut into blocks of about ``block_size`` draw × unit cells: each block's
    temporaries stay in the processor cache, memory stays bounded, and with ``workers`` > 1
    blocks run in threads (NumPy releases the GIL inside its loops).
    """
    unknown = set(outputs) - set(OUTPUTS)
    if unknown:
        raise ValueError(f"unknown engine outputs: {sorted(unknown)}; known: {OUTPUTS}")
    D, C, Y = draws.n, inputs.n_units, inputs.n_years
    # Stored [year, unit, draw] so that each block writes contiguous rows; returned as
    # [draw, unit, year] views.
    store = {name: np.empty((Y, C, D), dtype=dtype) for name in outputs}
    cu = min(C, max(1, block_size // 8))
    du = max(1, min(D, block_size // cu))
    blocks = [(slice(a, min(a + du, D)), slice(b, min(b + cu, C)))
              for a in range(0, D, du) for b in range(0, C, cu)]
    if workers > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda blk: _project_block(inputs, draws, blk[0], blk[1], store), blocks))
    else:
        for ds, cs in blocks:
            _project_block(inputs, draws, ds, cs, store)
    return {name: arr.transpose(2, 1, 0) for name, arr in store.items()}


def _coverage(money: np.ndarray, unit_cost: np.ndarray, size: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Share of a group reached: c_max · h / (h + c_max·T), h = money / unit cost (households).

    Proportional to the money while it is small (h/T), saturating at ``cap``: each extra
    million reaches fewer not-yet-reached households (diminishing returns). Arrays are
    [unit, draw]; ``money`` and ``cap`` per unit, ``unit_cost`` per draw.
    """
    h = money[:, None] / unit_cost[None, :]
    capc = cap[:, None]
    return capc * h / (h + capc * size + 1e-12)


def _slice_draws(d: Draws, ds: slice) -> Draws:
    return Draws(**{f.name: getattr(d, f.name)[ds] for f in fields(Draws)})


def _project_block(inputs: EngineInputs, d_all: Draws, ds: slice, s: slice,
                   out: dict[str, np.ndarray]) -> None:
    """Project units ``s`` × draws ``ds``; arrays here are [unit, draw] (draws contiguous)."""
    d = _slice_draws(d_all, ds)
    H0 = inputs.households[s]

    def start(v: np.ndarray) -> np.ndarray:
        return np.repeat(v[:, None], d.n, axis=1).astype(float)

    P, N = start(inputs.poor[s]), start(inputs.near_poor[s])
    E = [start(e[s]) for e in inputs.escaped]
    O = start(np.maximum(H0 - inputs.poor[s] - inputs.near_poor[s] - inputs.escaped[:, s].sum(axis=0), 0.0))
    amounts = inputs.amounts[s]
    row = lambda a: a[None, :]  # noqa: E731  per-draw parameter against units

    # Per (component, group): coverage cap × effect per draw, fixed over the years. Effects
    # are capped so that coverage·effect·capacity never reaches 1 (no certainty of exit).
    top = 0.999 / (1.0 + d.capacity_uplift)
    pairs = []  # (component, group, share, cap [unit, 1], cap·effect arrays)
    for k in range(inputs.targets.shape[0]):
        if not amounts[:, k, :].any():
            continue
        for g in (_GROUP_P, _GROUP_N, _GROUP_E):
            share = inputs.targets[k, g]
            if share <= 0:
                continue
            cap = inputs.coverage_cap[k, g, s][:, None]
            if g == _GROUP_P:
                ce = (cap * row(np.minimum(d.effect_exit[:, k], top)),)
            elif g == _GROUP_N:
                ce = (cap * row(np.minimum(d.effect_lift[:, k], top)),
                      cap * row(np.minimum(d.effect_protect[:, k], top)))
            else:
                ce = (cap * row(np.minimum(d.effect_protect[:, k], top)),)
            pairs.append((k, g, share, cap, ce))
    inv_cost = 1.0 / d.unit_cost

    for t in range(inputs.n_years):
        E_tot = sum(E)
        H = P + N + E_tot + O
        reclassified = None
        ratio = inputs.switch_log_ratio[t, s]
        if np.any(ratio != 0):
            P, N, E, O, reclassified = _switch_standard(P, N, E, O, H, ratio, d)
            E_tot = sum(E)

        # Programme response (docs/model.md): a reached household's "failure" probability is
        # multiplied by (1 - effect·m); components act independently, so factors multiply.
        cm = amounts[:, -1, t][:, None]
        m = 1.0 + row(d.capacity_uplift) * (cm / (cm + inputs.capacity_scale * H + 1e-12))
        keep = {"exit": 1.0, "lift": 1.0, "fall_n": 1.0, "fall_e": 1.0}
        sizes = (P, N, E_tot)
        for k, g, share, cap, ce in pairs:
            money = amounts[:, k, t]
            if not money.any():
                continue
            h = (money * share)[:, None] * row(inv_cost[:, k])  # households reached
            reach = h / (h + cap * sizes[g] + 1e-12)  # coverage / cap
            reach *= m
            if g == _GROUP_P:
                keep["exit"] = keep["exit"] * (1.0 - reach * ce[0])
            elif g == _GROUP_N:
                keep["lift"] = keep["lift"] * (1.0 - reach * ce[0])
                keep["fall_n"] = keep["fall_n"] * (1.0 - reach * ce[1])
            else:
                keep["fall_e"] = keep["fall_e"] * (1.0 - reach * ce[0])

        shock = row(d.shock[:, t]) * inputs.shock_fixed[t, s][:, None]
        p_exit = 1.0 - row(1.0 - d.exit_poor) * keep["exit"]
        p_lift = 1.0 - row(1.0 - d.lift_near_poor) * keep["lift"]
        p_fall_n = np.minimum(row(d.fall_near_poor) * shock * keep["fall_n"], _MAX_P)
        p_re = np.minimum(row(d.repoverty_escaped) * shock * keep["fall_e"], _MAX_P)
        p_e_to_n = np.minimum(row(d.escaped_to_near_poor) * shock, _MAX_P)
        p_fall_o = np.minimum(row(d.fall_other) * shock, _MAX_P)
        p_o_to_n = np.minimum(row(d.other_to_near_poor) * shock, _MAX_P)

        exits = P * p_exit
        to_near = exits * row(d.exit_to_near_poor_share)
        fall_n = N * p_fall_n
        lifts = (N - fall_n) * p_lift
        re_poor = E_tot * p_re
        not_re = 1.0 - p_re
        re_near = E_tot * not_re * p_e_to_n
        survive = not_re * (1.0 - p_e_to_n)  # share of each escaped cohort still escaped
        fall_o = O * p_fall_o
        o_to_n = (O - fall_o) * p_o_to_n

        P = P - exits + fall_n + re_poor + fall_o
        N = N + to_near - fall_n - lifts + re_near + o_to_n
        O = O - fall_o - o_to_n + E[-1] * survive
        E = [exits - to_near + lifts, *(e * survive for e in E[:-1])]

        # New households split like the existing non-escaped ones (a new household has no
        # exit to be "newly escaped" from).
        base = P + N + O
        f = row(d.growth) * H / np.where(base > 0, base, np.inf)
        new_poor_h = P * f
        P, N, O = P + new_poor_h, N + N * f, O + O * f

        for name, arr in out.items():
            if name == "households":
                value = P + N + sum(E) + O
            elif name == "poor":
                value = P
            elif name == "near_poor":
                value = N
            elif name == "escaped_stock":
                value = sum(E)
            elif name == "exits":
                value = exits
            elif name == "lifts":
                value = lifts
            elif name == "re_poor":
                value = re_poor
            elif name == "new_poor":
                value = fall_n + fall_o + new_poor_h
            else:
                value = reclassified if reclassified is not None else 0.0
            arr[t, s, ds] = value


def _switch_standard(P, N, E, O, H, ratio, d: Draws):
    """Reclassify at a change of standard (docs/model.md, "Standard switch").

    Per-capita income within a unit is log-normal with spread σ; the share below the old line
    is (P + N) / H, so the share below the new line is Φ(Φ⁻¹(share) + ln(L_new/L_old) / σ).
    Households newly below the line come first from the newly escaped (they sit just above the
    old line), then from the others; a share of them has >= 3 deprivations and is poor.
    """
    E_tot = sum(E)
    below_old = np.clip((P + N) / np.maximum(H, 1e-12), 1e-9, 1 - 1e-9)
    z_new = ndtri(below_old) + ratio[:, None] / d.income_log_sd[None, :]
    moved = np.clip((ndtr(z_new) - below_old) * H, 0.0, E_tot + O)
    above = E_tot + O
    with np.errstate(divide="ignore", invalid="ignore"):
        f_avg = np.where(above > 0, moved / above, 0.0)
    f_e = np.minimum(1.0, d.escaped_concentration[None, :] * f_avg)
    moved_e = np.minimum(E_tot * f_e, moved)
    moved_o = moved - moved_e
    with np.errstate(divide="ignore", invalid="ignore"):
        keep_e = np.where(E_tot > 0, 1.0 - moved_e / E_tot, 1.0)
        poor_share = np.where(P + N > 0, P / (P + N), 0.0)
    q = np.clip(d.deprived_share_new[None, :] * poor_share, 0.0, 1.0)
    n_to_p = N * d.switch_near_to_poor[None, :]
    new_poor = q * moved + n_to_p
    P = P + new_poor
    N = N - n_to_p + (1.0 - q) * moved
    E = [e * keep_e for e in E]
    O = O - moved_o
    return P, N, E, O, new_poor
