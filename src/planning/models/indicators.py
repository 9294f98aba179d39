"""Deprivation by indicator for the commune engine: a ledger beside its histogram.

The commune engine carries one flag per household (multiply deprived or not, docs/model.md §2);
the household microsimulation carries one bit per indicator. To report how many households
are deprived in each indicator (``deprivations.csv``), the engine keeps, per unit and draw,
three pools of households (docs/model.md §4b): the multiply deprived, the others that are
near-poor or newly escaped (whom programmes reach), and the rest. Each pool holds its count and
the households deprived in each indicator of every standard. The pools start from the synthetic
households of the baseline (the microsimulation's population), so that both engines start from
the same indicator profile, and move each year with the flows the engine's kernel reports
(``engine.project(..., ledger=...)``), by the microsimulation's rules applied to each pool's
average profile: households that stop being multiply deprived lose deprivations until fewer
than the cut-off (those the programmes reaching them act on first), those that become so gain
deprivations in proportion to the poor's profile, a change of standard re-reads every
household's deprivations to agree with its carried flag, and a component removes what it acts
on from the reached households below the cut-off. At each review the pools are rescaled to the
engine's counts. ``tests/test_indicators.py`` checks the ledger against the microsimulation,
which follows every household's bits, within 1 percentage point per indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from planning.models.microsim_population import Households, gain_weights
from planning.stores.standards import Standard, load_standard

if TYPE_CHECKING:
    from planning.models.prepared import Prepared

__all__ = ["LedgerSetup", "StartProfiles", "cached_ledger_setup", "ledger_counts", "ledger_setup", "start_profiles"]


@dataclass(frozen=True)
class StartProfiles:
    """Indicator profiles at the start, per unit: shares deprived in each indicator (of every
    standard) among the multiply deprived (``deprived1``) and the others (``deprived0``); the
    others split into the listed and newly escaped (``listed0``, whom programmes reach) and the
    rest (``other0``), with the listed share of the others (``listed_share``)."""

    indicators: tuple[str, ...]
    deprived1: np.ndarray  # [unit, indicator]
    deprived0: np.ndarray  # [unit, indicator]
    listed0: np.ndarray  # [unit, indicator]
    other0: np.ndarray  # [unit, indicator]
    listed_share: np.ndarray  # [unit]
    deprived_share: np.ndarray  # [unit] share multiply deprived

    def shares(self) -> np.ndarray:
        """[unit, indicator] share of all households deprived in each indicator at the start."""
        d = self.deprived_share[:, None]
        return d * self.deprived1 + (1.0 - d) * self.deprived0


def start_profiles(hh: Households) -> StartProfiles:
    """The profiles of ``hh`` under its own standard (multiply deprived: at least the standard's
    minimum count of its indicators)."""
    std = load_standard(hh.standard, hh.data_dir)
    bits = hh.bits.astype(np.int64)
    flag = hh.multiply_deprived(std)
    listed = ~flag & (hh.status(std) <= 2)  # near-poor or newly escaped (microsim_population codes)
    U, J = hh.units.n, len(hh.indicators)
    unit = hh.unit.astype(np.int64)
    groups = {"d1": flag, "d0": ~flag, "l0": listed, "o0": ~flag & ~listed}
    prof = {g: np.zeros((U, J)) for g in groups}
    den = {g: np.bincount(unit[sel], minlength=U) for g, sel in groups.items()}
    for j in range(J):
        has = ((bits >> j) & 1).astype(float)
        for g, sel in groups.items():
            num = np.bincount(unit[sel], weights=has[sel], minlength=U)
            prof[g][:, j] = np.divide(num, den[g], out=np.zeros(U), where=den[g] > 0)
    share = np.divide(den["l0"], den["d0"], out=np.zeros(U), where=den["d0"] > 0)
    all_ = den["d1"] + den["d0"]
    deprived = np.divide(den["d1"], all_, out=np.zeros(U), where=all_ > 0)
    return StartProfiles(indicators=tuple(hh.indicators), deprived1=prof["d1"], deprived0=prof["d0"],
                         listed0=prof["l0"], other0=prof["o0"], listed_share=share, deprived_share=deprived)


def _gain(p: np.ndarray, mask: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    """Profile after households of profile ``p`` gain deprivations of ``mask`` up to ``k``,
    drawn in proportion to ``weights`` among those they lack (the microsimulation's rule)."""
    cnt = (p * mask).sum(-1, keepdims=True)
    need = np.maximum(k - cnt, 0.0)
    raw = weights * (1.0 - p) * mask
    tot = raw.sum(-1, keepdims=True)
    g = np.minimum(np.divide(need * raw, tot, out=np.zeros_like(raw), where=tot > 0), 1.0 - p)
    return p + g


def _lose(p: np.ndarray, mask: np.ndarray, k: int, prefer: np.ndarray | None = None) -> np.ndarray:
    """Profile after households of profile ``p`` lose deprivations of ``mask`` until fewer than
    ``k``: those in ``prefer`` first (what the programmes reaching them act on), then any."""
    cnt = (p * mask).sum(-1, keepdims=True)
    excess = np.maximum(cnt - (k - 1), 0.0)
    out = p.copy()
    if prefer is not None:
        pm = p * mask * prefer
        first = pm.sum(-1, keepdims=True)
        take = np.minimum(excess, first)
        out = out - np.divide(take * pm, first, out=np.zeros_like(pm), where=first > 0)
        excess = excess - take
    rest = out * mask
    tot = rest.sum(-1, keepdims=True)
    return out - np.divide(excess * rest, tot, out=np.zeros_like(rest), where=tot > 0)


def switch_adjustments(hh: Households, old: Standard, new: Standard,
                       weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[unit, indicator] expected change of deprivations per household, among the households
    not multiply deprived under ``old`` and among those that are, when ``new`` comes into force
    and every household's deprivations are re-read to agree with its carried flag (the
    microsimulation's rule, docs/microsim.md §4), read off the start population ``hh``."""
    ind = hh.indicators
    J = len(ind)
    bits = hh.bits.astype(np.int64)
    have = np.stack([((bits >> j) & 1).astype(float) for j in range(J)], axis=1)  # [hh, J]
    m_old = np.array([i in old.indicator_ids for i in ind], dtype=float)
    m_new = np.array([i in new.indicator_ids for i in ind], dtype=float)
    flag = (have * m_old).sum(1) >= old.poor_min_deprivations
    cnt = (have * m_new).sum(1)
    k = new.poor_min_deprivations
    change = np.zeros_like(have)
    lose = ~flag & (cnt >= k)
    frac = np.divide(cnt - (k - 1), cnt, out=np.zeros_like(cnt), where=cnt > 0)
    change[lose] = -(have[lose] * m_new) * frac[lose, None]
    gain = flag & (cnt < k)
    change[gain] = _gain(have[gain], m_new, k, weights) - have[gain]
    U = hh.units.n
    unit = hh.unit.astype(np.int64)
    adj0, adj1 = np.zeros((U, J)), np.zeros((U, J))
    for arr, sel in ((adj0, ~flag), (adj1, flag)):
        den = np.bincount(unit[sel], minlength=U)
        for j in range(J):
            num = np.bincount(unit[sel], weights=change[sel, j], minlength=U)
            arr[:, j] = np.divide(num, den, out=np.zeros(U), where=den > 0)
    return adj0, adj1


@dataclass(frozen=True)
class LedgerSetup:
    """What the ledger needs besides the engine's outputs (module docstring)."""

    profiles: StartProfiles
    masks: np.ndarray  # [year, indicator] 1 for the indicators of the standard in force
    kmins: np.ndarray  # [year] deprivations that make a household multiply deprived
    switch: list[tuple[np.ndarray, np.ndarray] | None]  # per year: (adj0, adj1) at a change of standard
    weights: np.ndarray  # [indicator] profile of deprivations gained (the poor's at the start)
    eligible: np.ndarray  # [K] indicator making a household eligible for component k, −1 none
    acts: np.ndarray  # [K, indicator] 1 where component k acts on the indicator


def ledger_counts(setup: LedgerSetup, households: np.ndarray, ledger: np.ndarray) -> np.ndarray:
    """[draw, unit, year, indicator] households deprived, from the engine's ``households``
    ([draw, unit, year]) and ``ledger`` ([year, unit, draw, 6 + 3K], engine.project)."""
    K = setup.acts.shape[0]
    led = ledger.transpose(2, 1, 0, 3)  # [draw, unit, year, q]
    D, C, Y = households.shape
    pr = setup.profiles
    H0 = households[:, :, 0]
    n1 = np.broadcast_to(pr.deprived_share[None, :], (D, C)) * H0
    nL = (H0 - n1) * pr.listed_share[None, :]
    nO = H0 - n1 - nL
    M1 = n1[..., None] * pr.deprived1[None]
    ML = nL[..., None] * pr.listed0[None]
    MO = nO[..., None] * pr.other0[None]
    out = np.zeros((D, C, Y, pr.deprived1.shape[1]))

    def prof(M: np.ndarray, n: np.ndarray) -> np.ndarray:
        return np.clip(np.divide(M, n[..., None], out=np.zeros_like(M), where=n[..., None] > 1e-12), 0.0, 1.0)

    def move(frm: tuple[np.ndarray, np.ndarray], to: tuple[np.ndarray, np.ndarray], n: np.ndarray,
             p: np.ndarray, q: np.ndarray) -> None:
        (Mf, nf), (Mt, nt) = frm, to
        n = np.minimum(n, nf)
        Mf -= n[..., None] * p
        nf -= n
        Mt += n[..., None] * q
        nt += n

    def reached_profile(p: np.ndarray, kc: int) -> np.ndarray:
        # a component that only reaches households deprived in one indicator reaches them all
        # deprived in it
        j = setup.eligible[kc]
        if j < 0:
            return p
        q = p.copy()
        q[..., j] = 1.0
        return q

    w = setup.weights
    LISTED, OTHER, ONE = (ML, nL), (MO, nO), (M1, n1)
    for t in range(Y):
        mask, k = setup.masks[t], int(setup.kmins[t])
        if setup.switch[t] is not None:
            adj0, adj1 = setup.switch[t]
            ML += nL[..., None] * adj0[None]
            MO += nO[..., None] * adj0[None]
            M1 += n1[..., None] * adj1[None]
            pL, p1 = prof(ML, nL), prof(M1, n1)
            move(LISTED, ONE, led[:, :, t, 3 + 2 * K], pL, _gain(pL, mask, k, w))  # the near-poor made poor
            move(ONE, LISTED, led[:, :, t, 4 + 2 * K], p1, _lose(p1, mask, k))
        # the near-poor and newly escaped (whom programmes reach) as the engine counts them: the
        # difference comes from or goes to the other households below the cut-off
        want = led[:, :, t, 5 + 3 * K]
        pL, pO = prof(ML, nL), prof(MO, nO)
        grow = np.maximum(want - nL, 0.0)
        shrink = np.maximum(nL - want, 0.0)
        move(OTHER, LISTED, grow, pO, pO)
        move(LISTED, OTHER, shrink, pL, pL)
        # programmes: deprivations removed from the reached below the cut-off; the poor lifted
        pL = prof(ML, nL)
        for kc in range(K):
            r = led[:, :, t, 1 + kc]
            if not r.any():
                continue
            share = setup.acts[kc][None, None, :] * pL
            if setup.eligible[kc] >= 0:
                share[..., setup.eligible[kc]] = 1.0
            ML -= np.minimum(r[..., None] * share, ML)
        p1 = prof(M1, n1)
        lifted = led[:, :, t, 1 + K:1 + 2 * K]
        for kc in range(K):
            if lifted[..., kc].any():
                q = reached_profile(p1, kc)
                move(ONE, LISTED, lifted[..., kc], q, _lose(q, mask, k, setup.acts[kc]))
        # deprivations fading (those a programme reached lose what it acts on first); setbacks
        # that list a household adding some
        p1 = prof(M1, n1)
        fade = np.maximum(led[:, :, t, 1 + 2 * K] - lifted.sum(-1), 0.0)
        reached = led[:, :, t, 5 + 2 * K:5 + 3 * K]
        scale = np.minimum(1.0, np.divide(fade, reached.sum(-1), out=np.ones_like(fade),
                                          where=reached.sum(-1) > 0))
        for kc in range(K):
            if reached[..., kc].any():
                n = reached[..., kc] * scale
                q = reached_profile(p1, kc)
                move(ONE, LISTED, n, q, _lose(q, mask, k, setup.acts[kc]))
                fade = fade - n
        # (most multiply deprived households are poor, so all fading ones join the listed pool)
        move(ONE, LISTED, np.maximum(fade, 0.0), p1, _lose(p1, mask, k))
        onset = led[:, :, t, 2 + 2 * K]
        tot0 = nL + nO
        from_l = np.divide(onset * nL, tot0, out=np.zeros_like(onset), where=tot0 > 0)
        pL, pO = prof(ML, nL), prof(MO, nO)
        move(LISTED, ONE, from_l, pL, _gain(pL, mask, k, w))
        move(OTHER, ONE, onset - from_l, pO, _gain(pO, mask, k, w))
        # the review's counts (new households resemble the existing ones)
        d1 = led[:, :, t, 0]
        h = households[:, :, t]
        below = nL + nO
        f = np.divide(h - d1, below, out=np.ones_like(below), where=below > 0)
        M1[...] = prof(M1, n1) * d1[..., None]
        ML *= f[..., None]
        MO *= f[..., None]
        n1[...] = d1
        nL *= f
        nO *= f
        out[:, :, t] = M1 + ML + MO
    return np.clip(out, 0.0, households[..., None])


def ledger_setup(prep: Prepared, hh: Households) -> LedgerSetup:
    """The ledger's setup for a prepared scenario, started from the synthetic households ``hh``."""
    ddir = prep.loaded.baseline_dir
    profiles = start_profiles(hh)
    ind = profiles.indicators
    base = load_standard(hh.standard, ddir)
    stds = [load_standard(s, ddir) for s in prep.standards]
    prev = [base, *stds[:-1]]
    weights = gain_weights(hh, base)  # the microsimulation's profile of deprivations gained
    masks = np.array([[1.0 if i in s.indicator_ids else 0.0 for i in ind] for s in stds])
    switch = [switch_adjustments(hh, a, b, weights) if a.id != b.id else None for a, b in zip(prev, stds, strict=True)]
    comps = prep.book.components
    eligible = np.array([ind.index(c.max_coverage_indicator) if c.max_coverage_indicator in ind else -1
                         for c in comps], dtype=np.int64)
    acts = np.array([[1.0 if i in c.acts_on else 0.0 for i in ind] for c in comps])
    return LedgerSetup(profiles=profiles, masks=masks,
                       kmins=np.array([s.poor_min_deprivations for s in stds]), switch=switch, weights=weights,
                       eligible=eligible, acts=acts)


def cached_ledger_setup(prep: Prepared) -> LedgerSetup:
    """:func:`ledger_setup` of ``prep`` from the synthetic households of its baseline, kept in
    the prepared inputs' cache (it depends on neither the money nor the draws)."""
    from planning.models.microsim import baseline_households

    setup = prep._cache.get("ledger_setup")
    if setup is None:
        setup = prep._cache["ledger_setup"] = ledger_setup(prep, baseline_households(prep))
    return setup
