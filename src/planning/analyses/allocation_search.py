"""Allocation search: the optimum of one budget, and the smallest budget reaching a target.

One concept: finding the allocation. The objectives (``_Goal``), budget–outcome curves around
the current allocation with their convex envelopes, greedy by marginal return generalised to
linear constraints inside a trust region (``_search``), the refinement against every built-in
rule on all draws (``_solve``), the search alone from a given start (``optimise_from``, the
optimised cost curve) and the min-cost bisection on the budget multiple (``_min_cost``). The
engine runs behind it (common random numbers, local or Dask) are
:mod:`planning.analyses.search_evaluation`. See :mod:`planning.analyses.optimize` for the
method.

Money is million VND; rates and probabilities are shares in [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog
from scipy.special import log_ndtr, logsumexp

from planning.analyses.constraints import (
    Constraints,
    _build_problem,
    _Problem,
    _project_feasible,
    default_constraints,
    rule_amounts,
)
from planning.analyses.search_evaluation import Settings, _Evaluator
from planning.models.engine import project
from planning.models.runner import Prepared

BUILTIN_RULES: tuple[str, ...] = ("equal", "per_poor_household", "need_weighted")
OPTIMUM = "optimum"
_LOG_2PI_HALF = 0.5 * math.log(2.0 * math.pi)


# ------------------------------------------------------------------------------------------
# Objectives (on per-draw end-year poor counts)


@dataclass(frozen=True)
class _Goal:
    """An objective to minimise over P[draw, unit]: ``value`` and its gradient weights [draw]."""

    kind: str
    households: np.ndarray  # [draw]
    target: float
    tau: float

    def rates(self, P: np.ndarray) -> np.ndarray:
        return P.sum(axis=1) / self.households

    def value(self, P: np.ndarray) -> float:
        r = self.rates(P)
        if self.kind == "min-poverty":
            return float(r.mean())
        return -float(logsumexp(log_ndtr((self.target - r) / self.tau)) - math.log(r.size))

    def weights(self, P: np.ndarray) -> np.ndarray:
        """∂value/∂P[d, u] (the same for every unit): [draw]."""
        r = self.rates(P)
        n = r.size
        if self.kind == "min-poverty":
            return 1.0 / (n * self.households)
        z = (self.target - r) / self.tau
        log_s = logsumexp(log_ndtr(z)) - math.log(n)
        log_pdf = -0.5 * z * z - _LOG_2PI_HALF
        return np.exp(log_pdf - log_s - math.log(n)) / (self.tau * self.households)


def _smoothed_probability(r: np.ndarray, target: float, tau: float) -> float:
    """mean Φ((target − r)/τ): the smoothed P(rate < target) (never exactly 0)."""
    return float(np.exp(logsumexp(log_ndtr((target - r) / tau)) - math.log(r.size)))


# ------------------------------------------------------------------------------------------
# The search


@dataclass
class _Trace:
    rows: list[dict[str, Any]] = field(default_factory=list)


def _convex_segments(o: np.ndarray, v: np.ndarray) -> list[tuple[float, float]]:
    """(slope, intercept) of the lower convex envelope through points (o, v) sorted by o."""
    hull: list[int] = []
    for i in range(len(o)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (v[b] - v[a]) * (o[i] - o[a]) >= (v[i] - v[a]) * (o[b] - o[a]):
                hull.pop()
            else:
                break
        hull.append(i)
    segs = []
    for a, b in zip(hull[:-1], hull[1:], strict=True):
        s = (v[b] - v[a]) / (o[b] - o[a])
        segs.append((float(s), float(v[a] - s * o[a])))
    return segs


def _search(pb: _Problem, ev: _Evaluator, goal: _Goal, z0: np.ndarray, settings: Settings,
            trace: _Trace) -> np.ndarray:
    """Trust-region sequential separable programming from ``z0`` (see module docstring)."""
    U, J = pb.shape
    units = np.arange(U)
    z = z0.copy()
    P = ev.poor(units, pb.amounts(z))
    F = goal.value(P)
    rho = settings.rho0
    ineq_A, ineq_lo, ineq_hi, A_eq, eq_rhs = pb.linear_rows()
    fin_hi, has_lo = np.isfinite(ineq_hi), ineq_lo > 0
    trace.rows.append({"iteration": 0, "objective": F, "rho": rho, "accepted": True, "predicted": 0.0})
    stalls = 0
    for it in range(1, settings.max_iter + 1):
        w = goal.weights(P)
        base = w @ P  # [unit]
        # --- budget-outcome curves around z: a few offsets per active adjustable
        delta = rho * pb.scale  # [J]
        room_lo, room_hi = pb.lo - z, pb.hi - z
        cand_u, cand_j, cand_o = [], [], []
        for f in settings.offsets:
            o = np.clip(f * delta[None, :], room_lo, room_hi)
            ok = np.abs(o) > 1e-9 * np.maximum(pb.scale[None, :], 1.0)
            uu, jj = np.nonzero(ok)
            cand_u.append(uu)
            cand_j.append(jj)
            cand_o.append(o[uu, jj])
        cu, cj, co = np.concatenate(cand_u), np.concatenate(cand_j), np.concatenate(cand_o)
        if cu.size == 0:
            break
        zz = z[cu].copy()
        zz[np.arange(cu.size), cj] += co
        vals = w @ ev.poor(cu, pb.amounts(zz)) - base[cu]  # objective change per candidate
        # --- LP on convex envelopes, in scaled units (d̃ = d / scale, cost / cscale)
        atom = cu * J + cj
        active = np.unique(atom)
        pos = {a: i for i, a in enumerate(active)}
        n = active.size
        cscale = max(float(np.abs(vals).max()), 1e-300)
        rows_i, rows_c, rhs = [], [], []  # epigraph rows: s·d̃ - c̃ <= -b
        d_lo, d_hi = np.zeros(n), np.zeros(n)
        at0 = np.zeros(n)
        order = np.lexsort((co, atom))
        co_s, vals_s, atom_s = co[order], vals[order], atom[order]
        starts = np.flatnonzero(np.r_[True, atom_s[1:] != atom_s[:-1]])
        ends = np.r_[starts[1:], atom_s.size]
        for s0, e0 in zip(starts, ends, strict=True):
            a = int(atom_s[s0])
            i = pos[a]
            j = a % J
            o = np.concatenate([co_s[s0:e0], [0.0]]) / pb.scale[j]
            v = np.concatenate([vals_s[s0:e0], [0.0]]) / cscale
            srt = np.argsort(o, kind="stable")
            o, v = o[srt], v[srt]
            d_lo[i], d_hi[i] = o[0], o[-1]
            segs = _convex_segments(o, v)
            # the envelope is the max of its lines; its value at d = 0 is the largest intercept
            at0[i] = max(b for _, b in segs) if segs else 0.0
            for s, b in segs:
                rows_i.append(i)
                rows_c.append(s)
                rhs.append(-b)
        # epigraph: s·d̃_i − c̃_i <= −b
        m = len(rhs)
        E = sparse.coo_matrix((np.concatenate([rows_c, -np.ones(m)]),
                               (np.concatenate([np.arange(m), np.arange(m)]),
                                np.concatenate([rows_i, n + np.array(rows_i)]))), shape=(m, 2 * n))
        sc_active = pb.scale[active % J]
        # linear constraints on z + d: coefficients on d̃ are a·scale
        z_flat = z.ravel()
        A_ub_parts, b_ub_parts = [E.tocsr()], [np.array(rhs)]
        scale_d = sparse.diags(sc_active)
        if ineq_A.shape[0]:
            Ad = ineq_A[:, active] @ scale_d
            cur = ineq_A @ z_flat
            if fin_hi.any():
                A_ub_parts.append(sparse.hstack([Ad[fin_hi], sparse.csr_matrix((int(fin_hi.sum()), n))]))
                b_ub_parts.append(ineq_hi[fin_hi] - cur[fin_hi])
            if has_lo.any():
                A_ub_parts.append(sparse.hstack([-Ad[has_lo], sparse.csr_matrix((int(has_lo.sum()), n))]))
                b_ub_parts.append(cur[has_lo] - ineq_lo[has_lo])
        A_eq_d = sparse.hstack([A_eq[:, active] @ scale_d, sparse.csr_matrix((A_eq.shape[0], n))])
        b_eq_d = eq_rhs - A_eq @ z_flat
        bounds = [(float(a), float(b)) for a, b in zip(d_lo, d_hi, strict=True)] + [(None, None)] * n
        cost = np.concatenate([np.zeros(n), np.ones(n)])
        res = linprog(cost, A_ub=sparse.vstack(A_ub_parts), b_ub=np.concatenate(b_ub_parts), A_eq=A_eq_d,
                      b_eq=b_eq_d, bounds=bounds, method="highs")
        if res.status != 0:
            trace.rows.append({"iteration": it, "objective": F, "rho": rho, "accepted": False, "predicted": 0.0})
            rho /= 2.0
            if rho < settings.rho_min:
                break
            continue
        d = np.zeros(U * J)
        d[active] = res.x[:n] * sc_active
        pred = float((res.x[n:] - at0).sum() * cscale)
        z_new = np.clip(z + d.reshape(U, J), pb.lo, pb.hi)
        P_new = ev.poor(units, pb.amounts(z_new))
        F_new = goal.value(P_new)
        actual = F_new - F
        ratio = actual / pred if pred < 0 else -np.inf
        accepted = bool(actual < 0 and ratio >= 0.1)
        trace.rows.append({"iteration": it, "objective": F_new if accepted else F, "rho": rho,
                           "accepted": accepted, "predicted": pred, "actual": actual})
        if accepted:
            z, P, F = z_new, P_new, F_new
            if ratio >= 0.75:
                rho = min(2.0 * rho, 4.0)
            elif ratio < 0.25:
                rho /= 2.0
        else:
            rho /= 2.0
        if pred > -settings.tol * abs(F):
            # nothing to gain at this radius: far curve points can hide a gain close by
            rho = min(rho, trace.rows[-1]["rho"]) / 2.0
            stalls += 1
        else:
            stalls = 0
        if settings.progress is not None:
            settings.progress(it, settings.max_iter)
        if rho < settings.rho_min or stalls >= 3:
            break
    return z


# ------------------------------------------------------------------------------------------
# Candidates


@dataclass
class Candidate:
    """An allocation and its end-year outcomes on all draws."""

    name: str
    amounts: np.ndarray
    feasible: bool
    rates: np.ndarray  # [draw] district end-year rate
    poor: np.ndarray  # [draw, unit] end-year poor households

    def row(self, target: float, tau: float) -> dict[str, Any]:
        return {"allocation": self.name, "feasible": self.feasible,
                "poverty_rate_end_mean": float(self.rates.mean()),
                "poverty_rate_end_p05": float(np.percentile(self.rates, 5)),
                "poverty_rate_end_p95": float(np.percentile(self.rates, 95)),
                "prob_below_target": float((self.rates < target).mean()),
                "prob_below_target_smoothed": _smoothed_probability(self.rates, target, tau),
                "poor_end_mean": float(self.poor.sum(axis=1).mean()),
                "total_spending": float(self.amounts.sum())}


# ------------------------------------------------------------------------------------------
# Driver


def _evaluate_full(prep: Prepared, amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(district end-year rate [draw], end-year poor [draw, unit]) on all draws."""
    res = project(prep.engine_inputs(amounts), prep.engine_draws(), outputs=("poor", "households"))
    poor = res["poor"][:, :, -1]
    return poor.sum(axis=1) / res["households"][:, :, -1].sum(axis=1), poor


def _better(a: Candidate, b: Candidate, objective: str, target: float, tau: float) -> bool:
    """True when ``a`` beats ``b`` on the objective (ties broken by the smoothed probability
    and then by the mean rate)."""
    if objective == "min-poverty":
        return float(a.rates.mean()) < float(b.rates.mean())
    pa, pb_ = float((a.rates < target).mean()), float((b.rates < target).mean())
    if pa != pb_:
        return pa > pb_
    sa, sb = _smoothed_probability(a.rates, target, tau), _smoothed_probability(b.rates, target, tau)
    if sa != sb:
        return sa > sb
    return float(a.rates.mean()) < float(b.rates.mean())


@dataclass
class _Solved:
    amounts: np.ndarray
    candidates: list[Candidate]
    trace: pd.DataFrame
    chosen: str


def _solve(prep: Prepared, budget: np.ndarray, kind: str, target: float, tau: float | None,
           cons: Constraints, settings: Settings) -> tuple[_Solved, float]:
    """Optimise ``budget`` [component, year] for ``kind`` (min-poverty / max-probability)."""
    pb = _build_problem(prep, budget, cons)
    U, J = pb.shape
    n_search = min(settings.search_draws or prep.draws, prep.draws)
    with _Evaluator(prep, n_search, settings) as ev:
        return _solve_with(prep, budget, kind, target, tau, cons, settings, pb, ev)


def _solve_with(prep: Prepared, budget: np.ndarray, kind: str, target: float, tau: float | None,
                cons: Constraints, settings: Settings, pb: _Problem, ev: _Evaluator
                ) -> tuple[_Solved, float]:
    # Built-in rules (and the scenario's own allocation when it is spent on this budget)
    starts: list[tuple[str, np.ndarray]] = [(r, rule_amounts(prep, r, budget)) for r in BUILTIN_RULES]
    if np.allclose(prep.amounts.sum(axis=0), budget) and prep.loaded.scenario.allocation.rule not in BUILTIN_RULES:
        starts.append((f"scenario ({prep.loaded.scenario.allocation.rule})", prep.amounts))
    cands: list[Candidate] = []
    zs: dict[str, np.ndarray | None] = {}
    for name, a in starts:
        z = pb.to_z(a)
        feasible = z is not None and pb.violation(z) <= 1e-6 * max(float(budget.sum()), 1.0)
        zs[name] = z if feasible else None
        rates, poor = _evaluate_full(prep, a)
        cands.append(Candidate(name=name, amounts=a, feasible=feasible, rates=rates, poor=poor))
    if tau is None:
        spread = float(np.std(min(cands, key=lambda c: c.rates.mean()).rates))
        tau = max(spread, 1e-3)
    feas = [c for c in cands if c.feasible]
    if feas:
        best = feas[0]
        for c in feas[1:]:
            if _better(c, best, kind, target, tau):
                best = c
        z0 = zs[best.name]
        assert z0 is not None
    else:
        best_any = min(cands, key=lambda c: c.rates.mean())
        z0 = _project_feasible(pb, pb.to_z(best_any.amounts) if pb.to_z(best_any.amounts) is not None
                               else np.clip(pb.lo, 0, None), prep.loaded.source)
    goal = _Goal(kind=kind, households=ev.households, target=target, tau=tau)
    trace = _Trace()
    z = _search(pb, ev, goal, z0, settings, trace)
    raw = pb.amounts(z)
    amounts = np.round(raw / settings.resolution) * settings.resolution
    amounts = np.maximum(amounts, 0.0)
    rates, poor = _evaluate_full(prep, amounts)
    opt = Candidate(name=OPTIMUM, amounts=amounts, feasible=True, rates=rates, poor=poor)
    chosen = OPTIMUM
    # The guarantee: the optimum is never worse than a feasible built-in rule on all draws.
    for c in cands:
        if c.feasible and _better(c, opt, kind, target, tau):
            opt = Candidate(name=OPTIMUM, amounts=c.amounts, feasible=True, rates=c.rates, poor=c.poor)
            chosen = c.name
    tr = pd.DataFrame(trace.rows)
    tr["search_draws"] = ev.D
    tr["engine_cells"] = ev.cells
    return _Solved(amounts=opt.amounts, candidates=[opt, *cands], trace=tr, chosen=chosen), tau


def optimise_from(prep: Prepared, budget: np.ndarray, start: np.ndarray, *, kind: str, target: float,
                  tau: float, cons: Constraints | None = None, settings: Settings | None = None
                  ) -> np.ndarray:
    """The search alone, from ``start`` (amounts [unit, component, year] spending ``budget``):
    the optimised amounts, rounded as :func:`_solve` rounds them. No comparison with the rules
    on all draws: the caller compares (the cost curve of ``planning target`` warm-starts each
    budget level from the optimum of the level below and keeps the better of it and the best
    rule on all draws)."""
    cons = cons or default_constraints(prep)
    settings = settings or Settings()
    pb = _build_problem(prep, budget, cons)
    z0 = pb.to_z(start)
    if z0 is None or pb.violation(z0) > 1e-6 * max(float(budget.sum()), 1.0):
        z0 = _project_feasible(pb, np.clip(z0 if z0 is not None else pb.lo, pb.lo, pb.hi), prep.loaded.source)
    with _Evaluator(prep, min(settings.search_draws or prep.draws, prep.draws), settings) as ev:
        goal = _Goal(kind=kind, households=ev.households, target=target, tau=tau)
        z = _search(pb, ev, goal, z0, settings, _Trace())
    return np.maximum(np.round(pb.amounts(z) / settings.resolution) * settings.resolution, 0.0)


def _min_cost(prep: Prepared, budget0: np.ndarray, target: float, probability: float, cons: Constraints,
              settings: Settings, max_scale: float, tol: float
              ) -> tuple[_Solved, float, float, bool, pd.DataFrame]:
    """Bisection on the budget multiple; each level gets its own max-probability optimum."""
    quick = replace(settings, max_iter=min(settings.max_iter, 8))
    rows = []
    memo: dict[float, tuple[_Solved, float]] = {}

    def at(s: float) -> tuple[_Solved, float, float]:
        if s not in memo:
            memo[s] = _solve(prep, budget0 * s, "max-probability", target, None, cons, quick)
        sol, tau = memo[s]
        p = float((sol.candidates[0].rates < target).mean())
        rows.append({"budget_scale": s, "total_spending": float(budget0.sum() * s), "prob_below_target": p,
                     "poverty_rate_end_mean": float(sol.candidates[0].rates.mean())})
        return sol, tau, p

    hi_sol, hi_tau, p_hi = at(max_scale)
    if p_hi < probability:
        return hi_sol, hi_tau, max_scale, False, pd.DataFrame(rows)
    lo_s, hi_s = 0.0, max_scale
    best = (hi_sol, hi_tau, max_scale)
    while (hi_s - lo_s) > tol * hi_s:
        mid = 0.5 * (lo_s + hi_s)
        sol, tau, p = at(mid)
        if p >= probability:
            hi_s, best = mid, (sol, tau, mid)
        else:
            lo_s = mid
    sol, tau, s = best
    return sol, tau, s, True, pd.DataFrame(rows).sort_values("budget_scale").reset_index(drop=True)
