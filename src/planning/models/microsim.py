"""Household microsimulation: the commune engine's model, one household at a time.

The commune engine (:mod:`planning.models.engine`) moves each unit's distribution of log permanent
income × "multiply deprived" flag; this module moves the households themselves, with the same
equations and the same Monte Carlo draws (docs/model.md §2–§8, mapped in docs/microsim.md):
each year, per draw and household, the change of standard (a share ν of the listed near-poor
become poor and a share ξ of the poor near-poor, then incomes relative to the line fall by
ln(L_new/L_old) and unlisted households now below it are listed by their own flag), programme
reach (round(cov·T) households of each target group, uniformly at random, from the engine's
cost–coverage curve, intensity returns and capacity multiplier), deprivations fading, permanent
incomes growing, regressing to the unit's mean and suffering the persistent part of setbacks,
the review (listed when the income this year — less the transitory part of a setback — is at
or below the line; statuses and flows exactly as docs/model.md §5) and new households copying
existing ones.

A household's status is always the classification of its income this year and deprivations
(one bit per indicator of every standard) under the standard in force: when its flag flips,
deprivations are added (drawn with the poor's profile) or removed (those the programmes
reaching it act on first, then its own) so that the record says why.

Money is million VND; incomes VND/person/month (log points relative to the line inside the
projection); counts are households; outputs are [draw, unit, year] like the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from planning.basics.errors import PlanningInputError
from planning.models import microsim_kernel as _kernel
from planning.models.engine import _KERNEL_LOCK, DECOMPOSITION, OUTPUTS, Draws, persistence
from planning.models.microsim_population import (
    E,
    Households,
    N,
    O,
    P,
    bits_of,
    gain_weights,
    households_from_review,
    indicator_universe,
    standard_mask,
)
from planning.models.microsim_synthesis import (
    StartShape,
    start_shape,
    synthesize_households,
    unit_correlations,
)
from planning.stores.standards import load_standard

if TYPE_CHECKING:
    from planning.models.prepared import Prepared

__all__ = [
    "DECOMPOSITION", "E", "N", "O", "OUTPUTS", "P",
    "Households",
    "MicrosimRun",
    "StartShape",
    "households_from_review",
    "implied_switch_parameters",
    "indicator_universe",
    "project_prepared",
    "project_with_indicators",
    "simulate",
    "start_shape",
    "synthesize_households",
    "unit_correlations",
]

_SEED_SALT = 0x6D53  # the microsimulation's household streams apart from the parameter draws


@dataclass
class MicrosimRun:
    """A microsimulation's outputs.

    ``arrays``: the engine's outputs (and ``DECOMPOSITION`` when asked), each [draw, unit,
    year] (households). ``spent``: [draw, unit, component, year] million VND spent — a
    component's money for a target group is spent when it reaches anyone of that group
    (money beyond one package per household buys more support each, docs/model.md §4);
    capacity's whole allocation. ``treated``: households reached, same shape (capacity: 0).
    ``allocated``: [unit, component, year] million VND. ``final``: draw 0's households at
    the end of the last year. ``inconsistent``: [draw] household-years whose status at a
    review disagreed with their income and deprivations (0 by construction; tested).
    """

    arrays: dict[str, np.ndarray]
    spent: np.ndarray
    treated: np.ndarray
    allocated: np.ndarray
    final: Households | None
    inconsistent: np.ndarray


@dataclass(frozen=True)
class _Setup:
    """Kernel inputs that do not depend on the amounts or the draws."""

    hh: Households
    years: list[int]
    std_ids: list[str]
    masks: np.ndarray  # [year] uint16: indicators of the standard in force
    kmins: np.ndarray  # [year]
    pmasks: np.ndarray  # [year] the standard of the year before (the households' own at t = 0)
    pkmins: np.ndarray
    ratio: np.ndarray  # [year, unit] ln(new line / old line) at a change of standard, else 0
    lines: np.ndarray  # [year, unit] VND/person/month
    start: np.ndarray  # [unit] first slot of each unit's block
    n0: np.ndarray  # [unit] households at the start
    room: np.ndarray  # [unit] slots per block
    x0: np.ndarray  # [slot] log permanent income relative to the line of the households' standard
    bits0: np.ndarray
    status0: np.ndarray
    esc0: np.ndarray
    members0: np.ndarray
    weights: np.ndarray  # [indicator] profile of deprivations gained (the poor's at the start)
    is_ind: np.ndarray  # [component] the component reaches deprived households only
    cap_bit: np.ndarray  # [component] uint16 indicator that makes a household eligible
    remove_bits: np.ndarray  # [component] uint16 indicators the component acts on
    support: int


def _setup(prep: Prepared, hh: Households, growth_max: float) -> _Setup:
    units = prep.baseline.units
    if hh.units.ids != units.ids:
        raise PlanningInputError("<households>", "commune", f"the scenario's units ({', '.join(units.ids)})",
                                 ", ".join(hh.units.ids),
                                 message_vi="danh sách hộ phải dùng cùng các đơn vị với kịch bản")
    ddir = prep.loaded.baseline_dir
    ind = hh.indicators
    base = load_standard(hh.standard, ddir)
    stds = [load_standard(s, ddir) for s in prep.standards]
    prev = [base, *stds[:-1]]
    lines = np.array([[s.income_line(a) for a in units.area] for s in stds])
    ratio = np.zeros((len(stds), units.n))
    for t, (a, b) in enumerate(zip(prev, stds, strict=True)):
        if a.id != b.id:
            ratio[t] = [np.log(b.income_line(ar) / a.income_line(ar)) for ar in units.area]
    S_years = prep.params.escaped_support_years
    U, Y = units.n, len(stds)
    n0 = np.bincount(hh.unit.astype(np.int64), minlength=U)
    room = np.ceil(n0 * (1.0 + max(growth_max, 0.0)) ** Y).astype(np.int64) + 2
    start = np.concatenate(([0], np.cumsum(room)[:-1])).astype(np.int64)
    order = np.argsort(hh.unit, kind="stable")
    u_sorted = hh.unit[order].astype(np.int64)
    slots = start[u_sorted] + (np.arange(hh.n) - np.searchsorted(u_sorted, u_sorted))
    status = hh.status(base)
    esc = np.where(status == E, np.minimum(hh.escaped, S_years), 0)
    status = np.where((status == E) & (hh.escaped > S_years), O, status)
    line0 = hh.lines(base)
    x = np.log(np.maximum(hh.income.astype(np.float64), 1.0) / line0)  # this year's income
    if hh.transitory is not None:  # a setback's transitory part: permanent income is higher
        x = x + hh.transitory.astype(np.float64)
    S = int(room.sum())

    def place(v: np.ndarray, dtype: type) -> np.ndarray:
        out = np.zeros(S, dtype=dtype)
        out[slots] = np.asarray(v)[order]
        return out

    comps = prep.book.components
    return _Setup(
        hh=hh, years=list(prep.years), std_ids=list(prep.standards),
        masks=np.array([standard_mask(s, ind) for s in stds], dtype=np.uint16),
        kmins=np.array([s.poor_min_deprivations for s in stds], dtype=np.int64),
        pmasks=np.array([standard_mask(s, ind) for s in prev], dtype=np.uint16),
        pkmins=np.array([s.poor_min_deprivations for s in prev], dtype=np.int64),
        ratio=ratio, lines=lines, start=start, n0=n0.astype(np.int64), room=room,
        x0=place(x, np.float64), bits0=place(hh.bits, np.uint16), status0=place(status, np.uint8),
        esc0=place(esc, np.uint8), members0=place(hh.members, np.uint8), weights=gain_weights(hh, base),
        is_ind=np.array([c.max_coverage_indicator is not None for c in comps]),
        cap_bit=np.array([bits_of([c.max_coverage_indicator], ind) if c.max_coverage_indicator else 0
                          for c in comps], dtype=np.uint16),
        remove_bits=np.array([bits_of(list(c.acts_on), ind) for c in comps], dtype=np.uint16),
        support=S_years,
    )


def _per_draw(d: Draws, hh: Households) -> np.ndarray:
    """[row, draw] table of ``microsim_kernel.PER_DRAW``.

    ``Draws.money_scale`` multiplies every amount; ``Draws.start_near_poor_share`` (the
    calibration's replacement of the near-poor count at the start) would need a population per
    draw and is refused.
    """
    if d.start_near_poor_share is not None and np.isfinite(np.asarray(d.start_near_poor_share, float)).any():
        raise PlanningInputError("<draws>", "start_near_poor_share",
                                 "None or NaN (the microsimulation's households fix the start's near-poor)",
                                 "a share", message_vi="mô hình vi mô không hỗ trợ thay số hộ cận nghèo ban đầu "
                                                       "theo từng lần mô phỏng (start_near_poor_share)")
    scale = d.log_sd / hh.synthetic_log_sd if hh.synthetic_log_sd else np.ones(d.n)
    cols = {"spread_scale": scale,
            "persistence": persistence(d.log_sd, d.setback_probability, d.setback_loss, d.setback_persistent_share),
            "money_scale": np.ones(d.n) if d.money_scale is None else np.asarray(d.money_scale, float)}
    return np.ascontiguousarray(np.stack([cols[f] if f in cols else getattr(d, f) for f in _kernel.PER_DRAW])
                                .astype(float))


def _project(st: _Setup, prep: Prepared, d: Draws, amounts: np.ndarray, *, households_switch: bool = False,
             keep_final: bool = False, indicators: bool = False
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple | None, np.ndarray]:
    """Run the kernel; returns (store, treated, spent, inconsistent, final arrays or None,
    households deprived per indicator [draw, unit, year, indicator] or an empty array)."""
    ei = prep.engine_inputs(amounts)
    D, U, Y = d.n, prep.baseline.units.n, len(st.years)
    K = ei.targets.shape[0]
    if amounts.shape != (U, K + 1, Y):
        raise ValueError(f"amounts must be [unit, component + capacity, year] = {(U, K + 1, Y)}, "
                         f"got {amounts.shape}")
    top = 0.999 / (1.0 + d.capacity_uplift)  # as the engine: coverage·effect·m stays below 1
    effects = np.ascontiguousarray(np.stack([
        np.maximum(d.effect_income, 0.0).T,
        np.minimum(d.effect_deprivation, top[:, None]).T,
        np.minimum(d.effect_protect, top[:, None]).T,
    ]))
    store = np.zeros((_kernel.N_STORE, D, U, Y))
    treated = np.zeros((D, U, K + 1, Y))
    spent = np.zeros((D, U, K + 1, Y))
    bad = np.zeros(D, dtype=np.int64)
    S = st.x0.size
    n_fin = S if keep_final else 0
    fin = (np.zeros(n_fin), np.zeros(n_fin, np.uint8), np.zeros(n_fin, np.uint16), np.zeros(n_fin, np.uint8),
           np.zeros(n_fin, np.uint8), np.zeros(n_fin, np.uint8), np.zeros(U, np.int64))
    ind_count = np.zeros((D, U, Y, len(st.hh.indicators)) if indicators else (0, 0, 0, 0))
    seed = (int(prep.seed) * 0x10000 + _SEED_SALT) % (1 << 63)
    with _KERNEL_LOCK:
        _kernel.run(st.x0, st.bits0, st.status0, st.esc0, st.members0, st.start, st.n0, st.room, st.masks,
                    st.kmins, st.pmasks, st.pkmins, np.ascontiguousarray(st.ratio), households_switch,
                    np.ascontiguousarray(amounts, dtype=float), np.ascontiguousarray(ei.targets, dtype=float),
                    np.ascontiguousarray(ei.coverage_cap, dtype=float), float(ei.capacity_scale), st.is_ind,
                    st.cap_bit, st.remove_bits, _per_draw(d, st.hh), np.ascontiguousarray(d.shock, dtype=float),
                    np.ascontiguousarray(ei.shock_fixed, dtype=float),
                    np.ascontiguousarray((1.0 / d.unit_cost).T), effects, st.weights, int(st.support), seed,
                    store, treated, spent, bad, *fin, ind_count)
    return store, treated, spent, bad, (fin + (_per_draw(d, st.hh)[:, 0],) if keep_final else None), ind_count


def _final(st: _Setup, fin: tuple) -> Households:
    """Draw 0's households at the end: income this year from the log permanent income, the
    transitory part of a setback in the last year and the line in force."""
    fx, fhit, fbits, fstatus, fesc, fmembers, alive, row = fin
    live = np.concatenate([np.arange(s, s + a) for s, a in zip(st.start, alive, strict=True)]).astype(np.int64)
    U = st.n0.size
    unit = np.repeat(np.arange(U), alive)
    line = st.lines[-1][unit]
    par = dict(zip(_kernel.PER_DRAW, row, strict=True))
    t_loss = par["setback_loss"] - par["setback_persistent_share"] * par["setback_loss"]
    trans = np.where(fhit[live] > 0, t_loss, 0.0)
    x = fx[live] - trans  # as the kernel's review: income this year
    inc = line * np.exp(x)
    inc = np.where(x <= 0.0, np.minimum(inc, line), np.maximum(inc, line + 1.0))
    hh = st.hh
    return Households(units=hh.units, indicators=hh.indicators, unit=unit.astype(np.int16),
                      members=fmembers[live].copy(), income=inc.astype(np.float32), bits=fbits[live].copy(),
                      escaped=fesc[live].copy(), year=st.years[-1], standard=st.std_ids[-1], data_dir=hh.data_dir,
                      transitory=trans.astype(np.float32))


def _draws(prep: Prepared, draws: int | None) -> Draws:
    D = prep.draws if draws is None else int(draws)
    if not 1 <= D <= prep.draws:
        raise PlanningInputError("<run>", "draws", f"1..{prep.draws} (the prepared draws)", draws,
                                 message_vi=f"số lần mô phỏng phải từ 1 đến {prep.draws}")
    return prep.engine_draws().take(slice(0, D))


def baseline_households(prep: Prepared) -> Households:
    """The synthetic households of the scenario's baseline (seeded by the scenario's seed)."""
    return _households(prep, None)


def _households(prep: Prepared, households: Households | None) -> Households:
    if households is not None:
        return households
    return synthesize_households(prep.baseline, prep.samples, seed=prep.seed, data_dir=prep.loaded.baseline_dir,
                                 standard=prep.baseline_standard, income_correlation=prep.unit_correlation())


def simulate(prep: Prepared, households: Households | None = None, *, amounts: np.ndarray | None = None,
             draws: int | None = None, outputs: tuple[str, ...] = OUTPUTS, keep_final: bool = False,
             switch: Literal["engine", "households"] = "engine", decompose: bool = False) -> MicrosimRun:
    """Run the microsimulation of a prepared scenario (module docstring; docs/microsim.md §3).

    ``households`` default: :func:`synthesize_households` of the scenario's baseline (seeded
    by the scenario's seed). ``amounts`` replaces the allocation ([unit, component, year],
    million VND). ``draws``: the first so many of the prepared draws. ``outputs``: names of
    ``OUTPUTS`` (and of ``DECOMPOSITION`` with ``decompose``). ``keep_final`` returns draw 0's
    households at the end. ``switch``: at a change of standard, ``"engine"`` (default) carries
    each household's flag except for a share ν of the listed near-poor (made multiply deprived)
    and a share ξ of the poor (fallen below 3 deprivations), as the engine; ``"households"``
    re-reads the deprivations of every listed household (and of those the new line lists) under
    the new indicator set (a diagnostic, docs/microsim.md §4). Newly escaped status lasts
    exactly ``escaped_support_years`` reviews, as in the engine.
    """
    if switch not in ("engine", "households"):
        raise PlanningInputError("<run>", "switch", "'engine' or 'households'", switch)
    known = OUTPUTS + (DECOMPOSITION if decompose else ())
    unknown = set(outputs) - set(known)
    if unknown:
        raise ValueError(f"unknown outputs: {sorted(unknown)}; known: {known}")
    d = _draws(prep, draws)
    hh = _households(prep, households)
    amounts = prep.amounts if amounts is None else np.asarray(amounts, float)
    st = _setup(prep, hh, float(np.max(d.household_growth)))
    store, treated, spent, bad, fin, _ = _project(st, prep, d, amounts, households_switch=switch == "households",
                                                  keep_final=keep_final)
    names = OUTPUTS + DECOMPOSITION
    want = tuple(outputs) + (tuple(n for n in DECOMPOSITION if n not in outputs) if decompose else ())
    arrays = {n: store[names.index(n)] for n in want}
    return MicrosimRun(arrays=arrays, spent=spent, treated=treated, allocated=amounts,
                       final=_final(st, fin) if fin is not None else None, inconsistent=bad)


def project_prepared(prep: Prepared, *, counterfactual: bool = True, draws: int | None = None,
                     households: Households | None = None,
                     decompose: bool = False) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """The microsimulation's counterpart of :func:`planning.models.engine.project`.

    Returns every output of ``OUTPUTS`` (and ``DECOMPOSITION`` with ``decompose``) as [draw,
    unit, year] (households) and, with ``counterfactual``, the poor with no programme money
    ([draw, unit, year]; same draws, same households, same random numbers), else None.
    """
    arrays, cf, _ = project_with_indicators(prep, counterfactual=counterfactual, draws=draws,
                                            households=households, decompose=decompose, indicators=False)
    return arrays, cf


def project_with_indicators(prep: Prepared, *, counterfactual: bool = True, draws: int | None = None,
                            households: Households | None = None, decompose: bool = False,
                            indicators: bool = True
                            ) -> tuple[dict[str, np.ndarray], np.ndarray | None,
                                       tuple[tuple[str, ...], np.ndarray] | None]:
    """:func:`project_prepared` and, with ``indicators``, the indicator ids and the households
    deprived in each at the end of each year ([draw, unit, year, indicator])."""
    d = _draws(prep, draws)
    hh = _households(prep, households)
    st = _setup(prep, hh, float(np.max(d.household_growth)))
    store, _, _, _, _, counts = _project(st, prep, d, prep.amounts, indicators=indicators)
    names = OUTPUTS + DECOMPOSITION
    arrays = {n: store[i] for i, n in enumerate(names) if decompose or n in OUTPUTS}
    cf = None
    if counterfactual:
        cf = _project(st, prep, d, np.zeros_like(prep.amounts))[0][names.index("poor")]
    return arrays, cf, ((tuple(hh.indicators), counts) if indicators else None)


def implied_switch_parameters(households: Households, new_standard: str,
                              *, old_standard: str | None = None) -> dict[str, float]:
    """What the households' own incomes and deprivations say about a change of standard.

    Re-reads every household under ``new_standard`` (its lines and indicator set). Shares:

    * ``near_poor_to_poor``: near-poor with ≥ k deprivations of the new indicator set (the
      engine's ν, ``standard_switch.near_poor_to_poor``, read off the households);
    * ``poor_to_near_poor``: poor with fewer than k deprivations of the new indicator set
      (the engine's ξ, ``standard_switch.poor_to_near_poor``);
    * ``moved_share``: households above the old line and at or below the new one, over all;
    * ``moved_deprived_share_old``: of those, multiply deprived under the old standard (the
      flag the engine carries through the switch: its copula, docs/model.md §8);
    * ``moved_deprived_share_new``: of those, multiply deprived under the new indicator set;
    * ``moved_near_poor_to_poor``: of those not multiply deprived under the old standard, the
      share that is under the new one (the engine carries their flags: ν applies only to the
      near-poor listed at the last review);
    * ``poor_rate_old``; ``poor_rate_carried`` (old flags carried below the new line, before
      ν and ξ); ``poor_rate_new`` (every household re-read under the new standard).

    Incomes are this year's (a household listed after a setback stays listed: the new line
    is higher).
    """
    old = households._std(old_standard)
    new = households._std(new_standard)
    st = households.status(old)
    st_new = households.status(new)
    dep_old = households.multiply_deprived(old)
    dep_new = households.multiply_deprived(new)
    npoor, nnear = int((st == P).sum()), int((st == N).sum())
    moved = (st >= E) & (st_new <= N)
    H = max(households.n, 1)
    return {
        "near_poor_to_poor": float(dep_new[st == N].mean()) if nnear else 0.0,
        "poor_to_near_poor": float((~dep_new[st == P]).mean()) if npoor else 0.0,
        "moved_share": float(moved.mean()),
        "moved_deprived_share_old": float(dep_old[moved].mean()) if moved.any() else 0.0,
        "moved_deprived_share_new": float(dep_new[moved].mean()) if moved.any() else 0.0,
        "moved_near_poor_to_poor": float(dep_new[moved & ~dep_old].mean()) if (moved & ~dep_old).any() else 0.0,
        "poor_rate_old": npoor / H,
        "poor_rate_carried": (npoor + int((moved & dep_old).sum())) / H,
        "poor_rate_new": float((st_new == P).mean()),
    }
