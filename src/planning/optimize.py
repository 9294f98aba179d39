"""Optimal allocation of a scenario's budget across communes × components (× years).

Vocabulary as in Atomica's optimiser: the **adjustables** are the amounts per commune and
component (a commune's component money follows the component's yearly profile in the
scenario, or, with ``by_year``, each year separately); the **constraints** are the yearly
totals, floors and ceilings per component and per commune, a floor share of the
need-weighted rule and eligibility; the **objective** is one of

* ``min-poverty``: the expected district poverty rate in the end year (mean over draws);
* ``max-probability``: P(district rate < target) in the end year; the step function is
  smoothed (normal kernel of width τ = the spread of the end-year rate over draws) so the
  search still has a direction when no allocation reaches the target in any draw;
* ``min-cost``: the smallest multiple of the scenario's budget whose optimised allocation
  reaches the target with probability ``probability`` (bisection up to ``max_scale``).

Method. Once money is allocated, communes are independent in the engine and the district's
households do not depend on money, so the objective is (for min-poverty exactly, for
max-probability after linearisation) a sum over communes. Each iteration computes, for every
commune and component, a short budget–outcome curve around the current allocation (the
engine runs all of them at once as "virtual communes", with common random numbers: the same
draws for every candidate), takes each curve's convex envelope (diminishing returns), and
solves the linear programme "spend where the marginal poverty reduction per million VND is
highest, within the constraints" (greedy by marginal return, generalised to linear
constraints) inside a trust region; the step is kept only if the engine confirms the gain.
The search starts from the best built-in rule (equal, per_poor_household, need_weighted) and
the final choice is re-checked on all draws against every built-in rule, so the optimum is
never worse than any of them on its own objective.

Money is million VND; rates are shares in [0, 1].
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from scipy import sparse
from scipy.optimize import linprog
from scipy.special import log_ndtr, logsumexp

from planning.allocation import unit_weights
from planning.baseline import Baseline
from planning.engine import Draws, EngineInputs, project
from planning.errors import PlanningInputError
from planning.i18n import label
from planning.paths import display_path
from planning.results import Result
from planning.runner import Prepared, prepare, run_prepared
from planning.scenario import Allocation, LoadedScenario

Objective = Literal["min-poverty", "max-probability", "min-cost"]
OBJECTIVES: tuple[str, ...] = ("min-poverty", "max-probability", "min-cost")
BUILTIN_RULES: tuple[str, ...] = ("equal", "per_poor_household", "need_weighted")
OPTIMUM = "optimum"
_LOG_2PI_HALF = 0.5 * math.log(2.0 * math.pi)


# ------------------------------------------------------------------------------------------
# Constraints and options


@dataclass(frozen=True)
class Constraints:
    """Bounds on the allocation (million VND; shares in [0, 1]).

    need_floor_share: every commune × component × year receives at least this share of what
        the need-weighted rule would give it (0 = no floor; 1 = the rule itself).
    component_floor / component_ceiling: each component's yearly amount stays within these
        multiples of the scenario's amount for it (``None`` ceiling = no ceiling; 1 and 1
        keep the scenario's component mix and only move money between communes).
    component_bounds: per component, absolute (floor, ceiling) in million VND per year
        (either may be ``None``); replaces the multiples for that component.
    unit_floor / unit_ceiling: per commune, million VND per year over all components.
    unit_ceiling_share: no commune gets more than this share of a year's total.
    by_year: choose each year's amount separately (else each component keeps the scenario's
        yearly profile); the yearly totals are kept either way.
    """

    need_floor_share: float = 0.5
    component_floor: float = 0.5
    component_ceiling: float | None = 2.0
    component_bounds: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    unit_floor: Mapping[str, float] = field(default_factory=dict)
    unit_ceiling: Mapping[str, float] = field(default_factory=dict)
    unit_ceiling_share: float | None = None
    by_year: bool = False

    def check(self, source: str = "<optimize>") -> None:
        if not 0.0 <= self.need_floor_share <= 1.0:
            raise PlanningInputError(source, "need_floor_share", "a share in [0, 1]", self.need_floor_share)
        if self.component_floor < 0:
            raise PlanningInputError(source, "component_floor", "a non-negative multiple", self.component_floor)
        if self.component_ceiling is not None and self.component_ceiling < self.component_floor:
            raise PlanningInputError(source, "component_ceiling", "a multiple >= component_floor",
                                     self.component_ceiling)
        if self.unit_ceiling_share is not None and not 0 < self.unit_ceiling_share <= 1:
            raise PlanningInputError(source, "unit_ceiling_share", "a share in (0, 1]", self.unit_ceiling_share)


def load_constraints(path: str | os.PathLike[str]) -> Constraints:
    """Read :class:`Constraints` from a YAML mapping of its fields (unknown keys are errors)."""
    from planning.yamlio import read_yaml

    shown = display_path(path)
    raw = read_yaml(Path(path)) or {}
    known = {f.name for f in fields(Constraints)}
    if not isinstance(raw, dict):
        raise PlanningInputError(shown, "<root>", f"a mapping of {', '.join(sorted(known))}", type(raw).__name__)
    for key in raw:
        if key not in known:
            raise PlanningInputError(shown, str(key), f"one of {', '.join(sorted(known))}", key)
    if "component_bounds" in raw:
        raw["component_bounds"] = {k: tuple(v) for k, v in (raw["component_bounds"] or {}).items()}
    try:
        cons = Constraints(**raw)
    except TypeError as exc:
        raise PlanningInputError(shown, "<root>", "valid constraint values", str(exc)) from None
    cons.check(shown)
    return cons


@dataclass(frozen=True)
class Settings:
    """Search settings. ``search_draws``: draws used while searching (the first ones; common
    to every candidate); ``None`` = min(draws, ~2 million engine cells per iteration / size)."""

    search_draws: int | None = None
    max_iter: int = 25
    rho0: float = 1.0
    rho_min: float = 1.0 / 64
    tol: float = 1e-5
    workers: int = 1
    chunk_cells: int = 400_000
    resolution: float = 1e-3  # amounts are rounded to this many million VND (1,000 VND)


# ------------------------------------------------------------------------------------------
# The problem: adjustables, constraints


@dataclass
class _Problem:
    """Adjustables z[unit, column] with amounts[u] = Σ_j z[u, j]·D[j] ([component, year])."""

    D: np.ndarray  # [J, K, T]
    col_comp: np.ndarray  # [J] component of each column
    lo: np.ndarray  # [U, J]
    hi: np.ndarray  # [U, J]
    year_total: np.ndarray  # [T]
    comp_lo: np.ndarray  # [K, T]
    comp_hi: np.ndarray  # [K, T]
    unit_lo: np.ndarray  # [U, T]
    unit_hi: np.ndarray  # [U, T]
    scale: np.ndarray  # [J] typical amount of a column (trust-region unit)

    @property
    def shape(self) -> tuple[int, int]:
        return self.lo.shape

    def amounts(self, z: np.ndarray) -> np.ndarray:
        return np.tensordot(z, self.D, axes=1)

    def to_z(self, amounts: np.ndarray) -> np.ndarray | None:
        """Adjustables reproducing ``amounts`` exactly, or None when it is not representable."""
        J = self.D.shape[0]
        z = np.zeros((amounts.shape[0], J))
        flat = self.D.reshape(J, -1)
        # columns have disjoint supports: z_j = amount on column j's support / D_j's sum there
        for j in range(J):
            sup = flat[j] > 0
            if not sup.any():
                continue
            z[:, j] = amounts.reshape(amounts.shape[0], -1)[:, sup].sum(axis=1) / flat[j, sup].sum()
        if np.allclose(self.amounts(z), amounts, rtol=1e-9, atol=1e-6):
            return z
        return None

    def violation(self, z: np.ndarray) -> float:
        """Largest constraint violation (million VND)."""
        a = self.amounts(z)
        comp, unit, year = a.sum(axis=0), a.sum(axis=1), a.sum(axis=(0, 1))
        v = [np.max(self.lo - z), np.max(z - self.hi), np.max(np.abs(year - self.year_total)),
             np.max(self.comp_lo - comp), np.max(comp - self.comp_hi), np.max(self.unit_lo - unit),
             np.max(unit - self.unit_hi)]
        return float(max(0.0, *[x for x in v if np.isfinite(x)]))

    def linear_rows(self) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray, sparse.csr_matrix, np.ndarray]:
        """Constraints over z (flattened unit-major), sparse: ``lo <= A z <= hi`` and ``E z = e``.

        Rows: yearly totals (E); component floors/ceilings per year and commune floors/ceilings
        per year (A), only where a bound binds anything.
        """
        U, J = self.shape
        K, T = self.D.shape[1:]
        year_coef = self.D.sum(axis=1)  # [J, T] money a unit of column j puts in year t
        cols = np.arange(U * J)
        E = sparse.csr_matrix((np.tile(year_coef, (U, 1)).T.ravel(),
                               (np.repeat(np.arange(T), U * J), np.tile(cols, T))), shape=(T, U * J))
        rows, cidx, vals, lo, hi = [], [], [], [], []
        r = 0
        for k in range(K):
            for t in range(T):
                coef = np.tile(self.D[:, k, t], U)
                if not coef.any() or (self.comp_lo[k, t] <= 0 and not np.isfinite(self.comp_hi[k, t])):
                    continue
                nz = np.flatnonzero(coef)
                rows.append(np.full(nz.size, r))
                cidx.append(nz)
                vals.append(coef[nz])
                lo.append(self.comp_lo[k, t])
                hi.append(self.comp_hi[k, t])
                r += 1
        for u in range(U):
            for t in range(T):
                if self.unit_lo[u, t] <= 0 and not np.isfinite(self.unit_hi[u, t]):
                    continue
                nz = np.flatnonzero(year_coef[:, t])
                rows.append(np.full(nz.size, r))
                cidx.append(u * J + nz)
                vals.append(year_coef[nz, t])
                lo.append(self.unit_lo[u, t])
                hi.append(self.unit_hi[u, t])
                r += 1
        A = sparse.csr_matrix((np.concatenate(vals) if vals else np.zeros(0),
                               (np.concatenate(rows) if rows else np.zeros(0, int),
                                np.concatenate(cidx) if cidx else np.zeros(0, int))), shape=(r, U * J))
        return A, np.array(lo, float), np.array(hi, float), E, self.year_total.astype(float)


def _eligible(prep: Prepared, baseline: Baseline) -> np.ndarray:
    """[unit, component] True where the component may spend in the unit (eligible zones)."""
    out = np.ones((baseline.units.n, len(prep.book.ids)), bool)
    for k, cid in enumerate(prep.book.ids):
        if cid == "capacity":
            continue
        zones = prep.book.component(cid).eligible_zones
        if zones:
            out[:, k] = np.isin(baseline.units.zone, zones)
    return out


def _with_rule(loaded: LoadedScenario, rule: str) -> LoadedScenario:
    sc = loaded.scenario.model_copy(update={"allocation": Allocation(rule=rule)})  # type: ignore[arg-type]
    return LoadedScenario(scenario=sc, source=loaded.source, base_dir=loaded.base_dir, inputs=loaded.inputs)


def rule_amounts(prep: Prepared, rule: str, budget: np.ndarray | None = None) -> np.ndarray:
    """[unit, component, year] amounts (million VND) of a built-in rule on ``budget``.

    ``budget`` [component, year] defaults to the scenario's money (its allocation summed
    over communes). Rules are applied without the scenario's ``priorities``.
    """
    budget = prep.amounts.sum(axis=0) if budget is None else budget
    w = unit_weights(_with_rule(prep.loaded, rule), prep.baseline, prep.loaded.baseline_dir / "allocation_rules.yaml")
    elig = _eligible(prep, prep.baseline)
    out = np.zeros((prep.baseline.units.n, *budget.shape))
    for k in range(budget.shape[0]):
        wk = w * elig[:, k]
        if wk.sum() > 0:
            out[:, k, :] = np.outer(wk / wk.sum(), budget[k])
    return out


def _build_problem(prep: Prepared, budget: np.ndarray, cons: Constraints) -> _Problem:
    b = prep.baseline
    U, (K, T) = b.units.n, budget.shape
    ids = prep.book.ids
    src = prep.loaded.source
    if cons.by_year:
        J = K * T
        D = np.zeros((J, K, T))
        col_comp = np.repeat(np.arange(K), T)
        for k in range(K):
            for t in range(T):
                D[k * T + t, k, t] = 1.0
    else:
        J = K
        D = np.zeros((K, K, T))
        col_comp = np.arange(K)
        year = budget.sum(axis=0)
        for k in range(K):
            prof = budget[k] if budget[k].sum() > 0 else year
            D[k, k] = prof / prof.sum() if prof.sum() > 0 else np.full(T, 1.0 / T)
    nw = rule_amounts(prep, "need_weighted", budget)
    nw_z = _Problem(D, col_comp, np.zeros((U, J)), np.full((U, J), np.inf), budget.sum(axis=0),
                    np.zeros((K, T)), np.full((K, T), np.inf), np.zeros((U, T)), np.full((U, T), np.inf),
                    np.ones(J)).to_z(nw)
    assert nw_z is not None  # rule amounts follow the component profiles by construction
    comp_lo = cons.component_floor * budget
    comp_hi = np.full_like(budget, np.inf) if cons.component_ceiling is None else cons.component_ceiling * budget
    for cid, (lo_v, hi_v) in cons.component_bounds.items():
        if cid not in ids:
            raise PlanningInputError(src, f"component_bounds.{cid}", f"a component: {', '.join(ids)}", cid)
        k = ids.index(cid)
        comp_lo[k] = 0.0 if lo_v is None else float(lo_v)
        comp_hi[k] = np.inf if hi_v is None else float(hi_v)
    unit_lo = np.zeros((U, T))
    unit_hi = np.full((U, T), np.inf)
    for uid, v in cons.unit_floor.items():
        unit_lo[b.units.index(uid, file=src, field=f"unit_floor.{uid}")] = float(v)
    for uid, v in cons.unit_ceiling.items():
        unit_hi[b.units.index(uid, file=src, field=f"unit_ceiling.{uid}")] = float(v)
    if cons.unit_ceiling_share is not None:
        unit_hi = np.minimum(unit_hi, cons.unit_ceiling_share * budget.sum(axis=0)[None, :])
    elig = _eligible(prep, b)[:, col_comp]
    lo = cons.need_floor_share * nw_z
    # a column can never exceed its component's ceiling summed over its years
    col_cap = np.array([np.sum(comp_hi[col_comp[j]] * (D[j, col_comp[j]] > 0)) for j in range(J)])
    hi = np.where(elig, np.broadcast_to(col_cap, (U, J)), 0.0)
    lo = np.minimum(lo, hi)
    scale = np.maximum(nw_z.mean(axis=0), 1e-3 * max(float(budget.sum()), 1.0) / max(U * J, 1))
    return _Problem(D=D, col_comp=col_comp, lo=lo, hi=hi, year_total=budget.sum(axis=0), comp_lo=comp_lo,
                    comp_hi=comp_hi, unit_lo=unit_lo, unit_hi=unit_hi, scale=scale)


def _project_feasible(pb: _Problem, z0: np.ndarray, source: str) -> np.ndarray:
    """The feasible allocation closest to ``z0`` (weighted L1), or an error naming the clash."""
    U, J = pb.shape
    n = U * J
    A, lo_r, hi_r, E, e = pb.linear_rows()
    w = np.tile(1.0 / pb.scale, U)
    # variables: z (n), e+ (n), e- (n); z - e+ + e- = z0
    c = np.concatenate([np.zeros(n), w, w])
    eye = sparse.identity(n, format="csr")
    pad = sparse.csr_matrix((E.shape[0], 2 * n))
    A_eq = sparse.vstack([sparse.hstack([eye, -eye, eye]), sparse.hstack([E, pad])])
    b_eq = np.concatenate([z0.ravel(), e])
    fin, has_lo = np.isfinite(hi_r), lo_r > 0
    A_ub = sparse.vstack([A[fin], -A[has_lo]])
    kw: dict[str, Any] = {}
    if A_ub.shape[0]:
        kw = {"A_ub": sparse.hstack([A_ub, sparse.csr_matrix((A_ub.shape[0], 2 * n))]),
              "b_ub": np.concatenate([hi_r[fin], -lo_r[has_lo]])}
    hi = np.where(np.isfinite(pb.hi.ravel()), pb.hi.ravel(), None)
    bounds = [(lo, h) for lo, h in zip(pb.lo.ravel(), hi, strict=True)] + [(0, None)] * (2 * n)
    res = linprog(c, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs", **kw)
    if res.status != 0:
        raise PlanningInputError(
            source, "constraints",
            "constraints that can hold together (floors below ceilings, floors within each year's budget)",
            res.message,
            message_vi="các ràng buộc mâu thuẫn nhau (sàn vượt trần hoặc vượt ngân sách năm)")
    return res.x[:n].reshape(U, J)


# ------------------------------------------------------------------------------------------
# Engine evaluation with common random numbers


def _take_draws(d: Draws, n: int) -> Draws:
    return Draws(**{f.name: getattr(d, f.name)[:n] for f in fields(Draws)})


def _take_units(inputs: EngineInputs, idx: np.ndarray, amounts: np.ndarray) -> EngineInputs:
    return replace(inputs, households=inputs.households[idx], poor=inputs.poor[idx],
                   near_poor=inputs.near_poor[idx], escaped=inputs.escaped[:, idx], amounts=amounts,
                   coverage_cap=inputs.coverage_cap[:, :, idx], switch_log_ratio=inputs.switch_log_ratio[:, idx],
                   shock_fixed=inputs.shock_fixed[:, idx])


class _Evaluator:
    """End-year poor households of (virtual) communes for given amounts, on fixed draws.

    Every candidate sees the same draws (common random numbers), so differences between
    candidates are differences of allocation, not of luck. Results are cached per commune
    and amounts (a commune's outcome depends only on its own money).
    """

    def __init__(self, prep: Prepared, n_draws: int, settings: Settings) -> None:
        self.inputs = prep.engine_inputs()
        full = prep.engine_draws()
        self.draws = full if n_draws >= full.n else _take_draws(full, n_draws)
        self.D = self.draws.n
        self.settings = settings
        hh = project(self.inputs, self.draws, outputs=("households",))["households"][:, :, -1]
        self.households = hh.sum(axis=1)  # [draw] district households in the end year (money-free)
        self.cache: dict[tuple[int, bytes], np.ndarray] = {}
        self.cells = 0

    def poor(self, units: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        """[draw, candidate] end-year poor households; ``amounts`` [candidate, K, T]."""
        out = np.empty((self.D, len(units)))
        todo = []
        keys = []
        for i, (u, a) in enumerate(zip(units, amounts, strict=True)):
            key = (int(u), a.tobytes())
            hit = self.cache.get(key)
            if hit is None:
                todo.append(i)
                keys.append(key)
            else:
                out[:, i] = hit
        if todo:
            idx = np.array(todo)
            vals = self._run(np.asarray(units)[idx], amounts[idx])
            out[:, idx] = vals
            if len(self.cache) > 200_000:
                self.cache.clear()
            for j, key in enumerate(keys):
                self.cache[key] = vals[:, j].copy()
        return out

    def _run(self, units: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        n = len(units)
        self.cells += n * self.D
        per = max(1, self.settings.chunk_cells // max(self.D, 1))
        chunks = [slice(a, min(a + per, n)) for a in range(0, n, per)]

        def job(s: slice) -> np.ndarray:
            res = project(_take_units(self.inputs, units[s], amounts[s]), self.draws, outputs=("poor",))
            return res["poor"][:, :, -1]

        if self.settings.workers > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(max_workers=self.settings.workers) as pool:
                parts = list(pool.map(job, chunks))
        else:
            parts = [job(s) for s in chunks]
        return np.concatenate(parts, axis=1)


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
        # --- budget-outcome curves around z: 4 offsets per active adjustable
        delta = rho * pb.scale  # [J]
        room_lo, room_hi = pb.lo - z, pb.hi - z
        cand_u, cand_j, cand_o = [], [], []
        for f in (-1.0, -0.5, 0.5, 1.0):
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
        if rho < settings.rho_min or stalls >= 3:
            break
    return z


# ------------------------------------------------------------------------------------------
# Results


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


@dataclass
class Optimisation:
    """The optimised allocation, its Result, the comparison with the built-in rules and why."""

    objective: str
    target: float
    probability: float | None
    tau: float
    constraints: Constraints
    result: Result
    prep: Prepared
    candidates: list[Candidate]
    explanation: pd.DataFrame
    trace: pd.DataFrame
    budget_scale: float = 1.0
    reached: bool | None = None
    max_scale: float | None = None
    cost_curve: pd.DataFrame | None = None
    search_draws: int = 0
    seconds: float = 0.0
    chosen: str = OPTIMUM

    @property
    def amounts(self) -> np.ndarray:
        return self.result.amounts

    def comparison(self) -> pd.DataFrame:
        """One row per allocation (optimum first, then the built-in rules, the scenario's own)."""
        return pd.DataFrame([c.row(self.target, self.tau) for c in self.candidates])

    def comparison_table(self, lang: str = "vi") -> pd.DataFrame:
        """The comparison with bilingual headers; rates and probabilities in %."""
        c = self.comparison()
        names = {r: label(f"rule_{r}", lang) for r in BUILTIN_RULES}  # type: ignore[arg-type]
        names[OPTIMUM] = label("optimum", lang)  # type: ignore[arg-type]
        return pd.DataFrame({
            label("allocation", lang): [names.get(a, a) for a in c["allocation"]],  # type: ignore[arg-type]
            label("poverty_rate_end_mean", lang): (100 * c["poverty_rate_end_mean"]).round(2),  # type: ignore[arg-type]
            label("poverty_rate_end_p05", lang): (100 * c["poverty_rate_end_p05"]).round(2),  # type: ignore[arg-type]
            label("poverty_rate_end_p95", lang): (100 * c["poverty_rate_end_p95"]).round(2),  # type: ignore[arg-type]
            f"P(<{_pct(self.target, lang)})": (100 * c["prob_below_target"]).round(1),
            label("total_spending", lang): c["total_spending"].round(0),  # type: ignore[arg-type]
        })

    def plot_allocation(self, lang: str = "vi", ax: Any = None) -> Any:
        """Money per commune over the period: need-weighted rule and optimum (million VND)."""
        from matplotlib.figure import Figure

        units = self.result.units
        nw = rule_amounts(self.prep, "need_weighted", self.prep.amounts.sum(axis=0) * self.budget_scale).sum(axis=(1, 2))
        opt = self.amounts.sum(axis=(1, 2))
        if ax is None:
            # a bare Figure (not pyplot's): notebooks show it once, as the cell's value
            ax = Figure(figsize=(7.5, 0.32 * units.n + 1.5), layout="constrained").add_subplot()
        y = np.arange(units.n)
        ax.barh(y - 0.2, nw, height=0.4, color="grey", label=label("rule_need_weighted", lang))  # type: ignore[arg-type]
        ax.barh(y + 0.2, opt, height=0.4, color="tab:green", label=label("optimum", lang))  # type: ignore[arg-type]
        ax.set_yticks(y, [units.name(u, lang) for u in units.ids])
        ax.invert_yaxis()
        ax.set_xlabel(label("amount", lang))  # type: ignore[arg-type]
        ax.legend(loc="lower right", fontsize=8)
        return ax.figure

    def objective_value(self, name: str) -> float:
        """The objective of a candidate, lower is better: the mean end-year rate (min-poverty) or
        −P(rate < target) (max-probability; min-cost at the chosen budget)."""
        c = next(c for c in self.candidates if c.name == name)
        if self.objective == "min-poverty":
            return float(c.rates.mean())
        return -float((c.rates < self.target).mean())

    def allocation_table(self) -> pd.DataFrame:
        return self.result.spending_table()

    def message(self, lang: str = "vi") -> str:
        """A bilingual-ready one-paragraph account of the result in ``lang``."""
        comp = self.comparison().set_index("allocation")
        o = comp.loc[OPTIMUM]
        vi = lang == "vi"
        best_rule = comp.drop(index=[OPTIMUM]).sort_values("poverty_rate_end_mean").iloc[0]
        rule_name = label(f"rule_{best_rule.name}", lang) if best_rule.name in BUILTIN_RULES else best_rule.name  # type: ignore[arg-type]
        end = self.result.years[-1]
        lines = []
        if self.objective == "min-cost":
            cap_total = (self.max_scale or 0) * float(self.prep.amounts.sum())
            if self.reached:
                lines.append(
                    f"Ngân sách nhỏ nhất đạt P(<{_pct(self.target, lang)} năm {end}) ≥ {_pct(self.probability or 0, lang)}: "
                    f"{_num(o['total_spending'], lang)} triệu đồng ({_num(self.budget_scale, lang, 2)} lần ngân sách kịch bản)."
                    if vi else
                    f"Smallest budget reaching P(<{_pct(self.target, lang)} in {end}) ≥ {_pct(self.probability or 0, lang)}: "
                    f"{_num(o['total_spending'], lang)} million VND ({_num(self.budget_scale, lang, 2)} × the scenario budget).")
            else:
                lines.append(
                    f"KHÔNG có mức ngân sách nào đến {_num(self.max_scale or 0, lang, 1)} lần ngân sách kịch bản "
                    f"({_num(cap_total, lang)} triệu đồng) đạt P(<{_pct(self.target, lang)} năm {end}) ≥ "
                    f"{_pct(self.probability or 0, lang)}; ở mức trần, xác suất tốt nhất là {_pct(o['prob_below_target'], lang)} "
                    f"và tỷ lệ nghèo trung bình {_pct(o['poverty_rate_end_mean'], lang)}."
                    if vi else
                    f"NO budget up to {_num(self.max_scale or 0, lang, 1)} × the scenario budget "
                    f"({_num(cap_total, lang)} million VND) reaches P(<{_pct(self.target, lang)} in {end}) ≥ "
                    f"{_pct(self.probability or 0, lang)}; at the cap the best probability is {_pct(o['prob_below_target'], lang)} "
                    f"with a mean poverty rate of {_pct(o['poverty_rate_end_mean'], lang)}.")
        lines.append(
            (f"Phân bổ tối ưu: tỷ lệ nghèo {end} trung bình {_pct(o['poverty_rate_end_mean'], lang)} "
             f"(quy tắc tốt nhất: {rule_name} {_pct(best_rule['poverty_rate_end_mean'], lang)}); "
             f"P(<{_pct(self.target, lang)}) = {_pct(o['prob_below_target'], lang)}.")
            if vi else
            (f"Optimised allocation: mean {end} poverty rate {_pct(o['poverty_rate_end_mean'], lang)} "
             f"(best rule: {rule_name} {_pct(best_rule['poverty_rate_end_mean'], lang)}); "
             f"P(<{_pct(self.target, lang)}) = {_pct(o['prob_below_target'], lang)}."))
        if self.objective != "min-poverty" and float(comp["prob_below_target"].max()) == 0.0:
            lines.append(
                "Không phân bổ nào đạt mục tiêu trong bất kỳ lần mô phỏng nào; bộ tối ưu đã tối đa hoá xác suất "
                "làm trơn (đẩy các lần mô phỏng thuận lợi nhất về gần mục tiêu)." if vi else
                "No allocation reaches the target in any draw; the optimiser maximised the smoothed probability "
                "(pushing the most favourable draws towards the target).")
        return " ".join(lines)

    def component_explanation(self) -> pd.DataFrame:
        """Per component: totals (need-weighted, optimum; million VND), whether the optimum sits
        at the component's floor or ceiling, and the range over communes of the marginal
        return (fewer poor households per 1,000 million VND) under each allocation."""
        e = self.explanation
        base = self.prep.amounts.sum(axis=(0, 2)) * self.budget_scale  # the scenario's component totals
        rows = []
        for cid, g in e.groupby("component", sort=False):
            k = self.result.component_ids.index(cid)
            tot_opt, tot_nw = float(g["amount_optimum"].sum()), float(g["amount_need_weighted"].sum())
            c = self.constraints
            lo_m, hi_m = c.component_floor, c.component_ceiling
            status = ""
            if base[k] > 0 and abs(tot_opt - lo_m * base[k]) <= 1e-3 * base[k] + 1.0:
                status = "floor / sàn"
            elif base[k] > 0 and hi_m is not None and abs(tot_opt - hi_m * base[k]) <= 1e-3 * base[k] + 1.0:
                status = "ceiling / trần"
            above = g[g["amount_optimum"] > g["floor"] + 1e-6]
            opt = above if not above.empty else g
            rows.append({"component": cid, "amount_need_weighted": tot_nw, "amount_optimum": tot_opt,
                         "change": tot_opt - tot_nw, "status": status,
                         "return_nw_min": 1000 * float(g["marginal_need_weighted"].min()),
                         "return_nw_max": 1000 * float(g["marginal_need_weighted"].max()),
                         "return_opt_min": 1000 * float(opt["marginal_optimum"].min()),
                         "return_opt_max": 1000 * float(opt["marginal_optimum"].max())})
        return pd.DataFrame(rows)

    def explanation_markdown(self, lang: str | None = None) -> str:
        """Bilingual markdown: how the optimum differs from the need-weighted rule and why."""
        e = self.explanation
        comp = self.comparison()
        end = self.result.years[-1]
        units = e.groupby(["unit", "name"], sort=False)[["amount_optimum", "amount_need_weighted"]].sum().reset_index()
        units["change"] = units["amount_optimum"] - units["amount_need_weighted"]
        gain = units.sort_values("change", ascending=False)
        m_nw = e.sort_values("marginal_need_weighted", ascending=False)
        lines = [
            f"# Phân bổ tối ưu / Optimised allocation — {self.result.scenario_name}",
            "",
            f"* Mục tiêu / Objective: `{self.objective}`"
            + (f" (target < {_pct(self.target, 'en')}, P ≥ {_pct(self.probability or 0, 'en')})" if self.objective == "min-cost" else ""),
            f"* Ràng buộc / Constraints: sàn = {self.constraints.need_floor_share:g} × phân bổ theo nhu cầu / floor = "
            f"{self.constraints.need_floor_share:g} × need-weighted; mỗi hợp phần / each component "
            f"{self.constraints.component_floor:g}–{self.constraints.component_ceiling if self.constraints.component_ceiling is not None else '∞'} "
            f"× kịch bản / scenario; {'theo từng năm / year by year' if self.constraints.by_year else 'giữ lịch chi theo năm của kịch bản / keeps the scenario yearly profile'}.",
            "",
            "## Kết quả so với các quy tắc / Result against the built-in rules",
            "",
            "| allocation | mean rate " + str(end) + " | P5 | P95 | P(<target) | poor households | total (million VND) |",
            "|---|---|---|---|---|---|---|",
        ]
        for _, r in comp.iterrows():
            lines.append(f"| {r['allocation']}{'' if r['feasible'] else ' (*)'} | {100 * r['poverty_rate_end_mean']:.2f}% | "
                         f"{100 * r['poverty_rate_end_p05']:.2f}% | {100 * r['poverty_rate_end_p95']:.2f}% | "
                         f"{100 * r['prob_below_target']:.1f}% | {r['poor_end_mean']:,.0f} | {r['total_spending']:,.0f} |")
        if not comp["feasible"].all():
            lines.append("")
            lines.append("(*) vi phạm ràng buộc / violates the constraints")
        lines += ["", self.message("vi"), "", self.message("en"), "",
                  "## Khác gì so với quy tắc theo nhu cầu / How it differs from the need-weighted rule", ""]
        lines.append("Xã nhận thêm nhiều nhất / Communes gaining most (million VND, whole period):")
        for _, r in gain.head(3).iterrows():
            lines.append(f"* {r['name']}: {r['amount_need_weighted']:,.0f} → {r['amount_optimum']:,.0f} ({r['change']:+,.0f})")
        lines.append("")
        lines.append("Xã giảm nhiều nhất / Communes giving up most:")
        for _, r in gain.tail(3).iloc[::-1].iterrows():
            lines.append(f"* {r['name']}: {r['amount_need_weighted']:,.0f} → {r['amount_optimum']:,.0f} ({r['change']:+,.0f})")
        lines += ["", "## Vì sao / Why", "",
                  "Hiệu quả biên = số hộ nghèo năm " + str(end) + " giảm thêm khi chi thêm 1.000 triệu đồng (1 tỷ) "
                  "vào một ô xã × hợp phần, trung bình các lần mô phỏng / marginal return = fewer poor households in "
                  + str(end) + " per extra 1,000 million VND in one commune × component cell, mean over draws. "
                  "Theo quy tắc nhu cầu, hiệu quả biên giữa các xã chênh lệch lớn; bộ tối ưu chuyển tiền từ ô hiệu quả "
                  "thấp sang ô hiệu quả cao cho đến khi các ô còn điều chỉnh được có hiệu quả gần bằng nhau (ô ở mức sàn "
                  "hoặc trần giữ hiệu quả thấp hơn hoặc cao hơn). / Under the need-weighted rule the returns differ "
                  "widely between communes; the optimiser moves money from low-return to high-return cells until the "
                  "cells it can still change have about equal returns (cells held at a floor or ceiling keep a lower "
                  "or higher return).", "",
                  "| component | need-weighted | optimum | change | return NW (min–max) | return optimum (min–max) |",
                  "|---|---|---|---|---|---|"]
        for _, r in self.component_explanation().iterrows():
            lines.append(f"| {r['component']}{' (' + r['status'] + ')' if r['status'] else ''} | "
                         f"{r['amount_need_weighted']:,.0f} | {r['amount_optimum']:,.0f} | {r['change']:+,.0f} | "
                         f"{r['return_nw_min']:.1f}–{r['return_nw_max']:.1f} | "
                         f"{r['return_opt_min']:.1f}–{r['return_opt_max']:.1f} |")
        lines += ["", "Ô có hiệu quả biên cao nhất theo quy tắc nhu cầu / Highest-return cells under the need-weighted "
                      "rule (per 1,000 million VND):"]
        for _, r in m_nw.head(5).iterrows():
            lines.append(f"* {r['name']} — {r['component']}: {1000 * r['marginal_need_weighted']:.2f} "
                         f"({r['amount_need_weighted']:,.0f} → {r['amount_optimum']:,.0f} million VND)")
        lines.append("")
        lines.append("Thấp nhất / Lowest:")
        for _, r in m_nw[m_nw["amount_need_weighted"] > 0].tail(5).iloc[::-1].iterrows():
            lines.append(f"* {r['name']} — {r['component']}: {1000 * r['marginal_need_weighted']:.2f} "
                         f"({r['amount_need_weighted']:,.0f} → {r['amount_optimum']:,.0f} million VND)")
        lines += ["", "Lưu ý / Caveat: programme effects are assumptions (data/programmes.yaml; shared/research/"
                      "domain.md §5); the optimum is only as good as they are. Run `planning uncertainty` on the "
                      "optimised scenario to see how robust it is.", ""]
        return "\n".join(lines)

    def scenario_dict(self, table: str = "allocation.csv") -> dict[str, Any]:
        """A standalone scenario reproducing this optimum with ``allocation: {rule: table}``."""
        sc = self.prep.loaded.scenario
        spec = sc.model_dump(mode="python", exclude_none=True)
        spec["name"] = f"{sc.name}_optimised"[:80]
        spec["title"] = {"vi": f"{sc.title.vi} (phân bổ tối ưu)", "en": f"{sc.title.en} (optimised allocation)"}
        spec["description"] = {
            "vi": f"Phân bổ tối ưu ({self.objective}) do `planning optimize` tính; bảng phân bổ: {table}.",
            "en": f"Optimised allocation ({self.objective}) computed by `planning optimize`; allocation table: {table}.",
        }
        budget = self.result.amounts.sum(axis=0)
        spec["budget"] = {int(y): {cid: float(round(budget[k, t], 3)) for k, cid in enumerate(self.result.component_ids)
                                   if budget[k, t] > 0}
                          for t, y in enumerate(self.result.years)}
        spec["budget"] = {y: v for y, v in spec["budget"].items() if v}
        spec["budget_scale"] = 1.0
        spec["allocation"] = {"rule": "table", "table": table}
        spec["draws"] = int(self.prep.draws)
        spec["seed"] = int(self.prep.seed)
        spec["sampling"] = self.prep.sampling
        base = Path(self.prep.loaded.scenario.baseline)
        spec["baseline"] = base.as_posix() if not base.is_absolute() else display_path(base)
        return spec

    def write(self, out_dir: str | os.PathLike[str]) -> Path:
        """Write the Result's files (summary.csv, … as ``planning run``), ``allocation.csv`` with
        exact amounts, ``scenario.yaml`` (reproduces the optimum), ``comparison.csv``,
        ``explanation.md``/``.csv``, ``trace.csv``, ``optimisation.json`` [, ``cost_curve.csv``]."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        meta = self.metadata()
        self.result.write(out, extra_manifest={"optimisation": meta})
        alloc = self.allocation_table()
        files: dict[str, Any] = {
            # repr() round-trips every double, so a `table` scenario reads back the exact amounts
            "allocation.csv": lambda p: p.write_text(
                "unit,component,year,amount\n" + "".join(
                    f"{r.unit},{r.component},{int(r.year)},{float(r.amount)!r}\n" for r in alloc.itertuples()),
                encoding="utf-8"),
            "scenario.yaml": lambda p: p.write_text(
                "# Reproduces the optimised allocation (written by `planning optimize`).\n"
                + yaml.safe_dump(self.scenario_dict(), sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"),
            "comparison.csv": lambda p: self.comparison().to_csv(p, index=False, float_format="%.6g"),
            "explanation.csv": lambda p: self.explanation.to_csv(p, index=False, float_format="%.6g"),
            "explanation.md": lambda p: p.write_text(self.explanation_markdown(), encoding="utf-8"),
            "trace.csv": lambda p: self.trace.to_csv(p, index=False, float_format="%.6g"),
            "optimisation.json": lambda p: p.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                                        encoding="utf-8"),
        }
        if self.cost_curve is not None:
            cc = self.cost_curve
            files["cost_curve.csv"] = lambda p: cc.to_csv(p, index=False, float_format="%.6g")
        for name, writer in files.items():
            tmp = out / f".{name}.tmp"
            writer(tmp)
            os.replace(tmp, out / name)
        return out

    def metadata(self) -> dict[str, Any]:
        c = self.constraints
        return {
            "objective": self.objective, "target_rate": self.target, "probability": self.probability,
            "smoothing_tau": self.tau, "budget_scale": self.budget_scale, "reached": self.reached,
            "max_scale": self.max_scale, "chosen": self.chosen, "search_draws": self.search_draws,
            "draws": self.prep.draws,
            "constraints": {"need_floor_share": c.need_floor_share, "component_floor": c.component_floor,
                            "component_ceiling": c.component_ceiling,
                            "component_bounds": {k: list(v) for k, v in c.component_bounds.items()},
                            "unit_floor": dict(c.unit_floor), "unit_ceiling": dict(c.unit_ceiling),
                            "unit_ceiling_share": c.unit_ceiling_share, "by_year": c.by_year},
            "comparison": self.comparison().to_dict(orient="records"),
            "message_vi": self.message("vi"), "message_en": self.message("en"),
        }


def _pct(x: float, lang: str) -> str:
    s = f"{100 * float(x):.2f}%"
    return s.replace(".", ",") if lang == "vi" else s


def _num(x: float, lang: str, digits: int = 0) -> str:
    s = f"{float(x):,.{digits}f}"
    if lang == "vi":  # Vietnamese: 1.234.567,8
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


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
    n_search = settings.search_draws or int(np.clip(2_000_000 // max(U * J * 4, 1), 64, 256))
    n_search = min(n_search, prep.draws)
    ev = _Evaluator(prep, n_search, settings)
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


def _marginals(prep: Prepared, amounts_list: Sequence[np.ndarray], cons: Constraints, budget: np.ndarray,
               settings: Settings) -> list[np.ndarray]:
    """Fewer poor households (end year, mean over draws) per extra million VND, per unit × column.

    The extra money follows the column's yearly profile (a component's profile in the
    scenario); every evaluation uses the same draws.
    """
    pb = _build_problem(prep, budget, cons)
    U, J = pb.shape
    n = min(prep.draws, settings.search_draws or int(np.clip(4_000_000 // max(U * J, 1), 64, 1000)))
    ev = _Evaluator(prep, n, settings)
    step = np.maximum(0.01 * pb.scale, 1.0)  # million VND
    uu, jj = np.meshgrid(np.arange(U), np.arange(J), indexing="ij")
    uu, jj = uu.ravel(), jj.ravel()
    out = []
    for a in amounts_list:
        plus = a[uu] + step[jj][:, None, None] * pb.D[jj]
        base = ev.poor(np.arange(U), a).mean(axis=0)
        after = ev.poor(uu, plus).mean(axis=0)
        out.append(((base[uu] - after) / step[jj]).reshape(U, J))
    return out


def _explain(prep: Prepared, opt_amounts: np.ndarray, budget: np.ndarray, cons: Constraints,
             settings: Settings) -> pd.DataFrame:
    """Per unit × component: amounts (optimum, need-weighted, floor) and marginal returns."""
    nw = rule_amounts(prep, "need_weighted", budget)
    cons_c = replace(cons, by_year=False)
    m_nw, m_opt = _marginals(prep, [nw, opt_amounts], cons_c, budget, settings)
    units = prep.baseline.units
    ids = prep.book.ids
    rows = []
    for u, uid in enumerate(units.ids):
        for k, cid in enumerate(ids):
            a_opt, a_nw = float(opt_amounts[u, k].sum()), float(nw[u, k].sum())
            if a_opt == 0 and a_nw == 0:
                continue
            rows.append({"unit": uid, "name": units.name(uid, "vi"), "name_en": units.name(uid, "en"),
                         "component": cid, "amount_optimum": a_opt, "amount_need_weighted": a_nw,
                         "change": a_opt - a_nw, "change_pct": (a_opt / a_nw - 1.0) * 100 if a_nw > 0 else np.nan,
                         "floor": cons.need_floor_share * a_nw,
                         "marginal_need_weighted": float(m_nw[u, k]), "marginal_optimum": float(m_opt[u, k])})
    return pd.DataFrame(rows)


def optimize(scenario: str | os.PathLike[str] | dict[str, Any] | Prepared, *,
             objective: Objective = "min-poverty", probability: float = 0.5, target: float | None = None,
             constraints: Constraints | None = None, settings: Settings | None = None,
             draws: int | None = None, seed: int | None = None, max_scale: float = 5.0,
             scale_tolerance: float = 0.02, explain: bool = True) -> Optimisation:
    """Optimise a scenario's allocation (see module docstring).

    ``target``: district rate to stay below (default: data/plan.yaml, 1 %). ``probability``:
    the required P(rate < target) for ``min-cost``, searched up to ``max_scale`` × the
    scenario's budget (bisection to ``scale_tolerance`` relative).
    """
    t0 = time.perf_counter()
    if objective not in OBJECTIVES:
        raise PlanningInputError("<optimize>", "--objective", f"one of {', '.join(OBJECTIVES)}", objective)
    prep = scenario if isinstance(scenario, Prepared) else prepare(scenario, draws=draws, seed=seed)
    cons = constraints or Constraints()
    cons.check(prep.loaded.source)
    settings = settings or Settings()
    target = prep.plan.target_rate if target is None else float(target)
    if not 0.0 <= probability <= 1.0:
        raise PlanningInputError(prep.loaded.source, "--probability", "a probability in [0, 1]", probability)
    budget0 = prep.amounts.sum(axis=0)
    if budget0.sum() <= 0:
        raise PlanningInputError(prep.loaded.source, "budget", "a scenario with money to allocate", 0.0,
                                 message_vi="kịch bản không có ngân sách để phân bổ")
    scale, reached, curve = 1.0, None, None
    if objective == "min-cost":
        solved, tau, scale, reached, curve = _min_cost(prep, budget0, target, probability, cons, settings,
                                                       max_scale, scale_tolerance)
    else:
        solved, tau = _solve(prep, budget0, objective, target, None, cons, settings)
    budget = budget0 * scale
    result = run_prepared(prep, amounts=solved.amounts, counterfactual=True)
    expl = _explain(prep, solved.amounts, budget, cons, settings) if explain else pd.DataFrame()
    return Optimisation(objective=objective, target=target, probability=probability if objective != "min-poverty" else None,
                        tau=tau, constraints=cons, result=result, prep=prep, candidates=solved.candidates,
                        explanation=expl, trace=solved.trace, budget_scale=scale, reached=reached,
                        max_scale=max_scale if objective == "min-cost" else None, cost_curve=curve,
                        search_draws=int(solved.trace["search_draws"].iloc[0]) if len(solved.trace) else 0,
                        seconds=time.perf_counter() - t0, chosen=solved.chosen)


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


# ------------------------------------------------------------------------------------------
# Benchmarks and tests: a prepared scenario on another baseline (e.g. synthetic_baseline)


def prepared_on_baseline(prep: Prepared, baseline: Baseline, *, budget_scale: float = 1.0) -> Prepared:
    """``prep`` moved onto ``baseline`` (same years, draws and programme book), its budget
    multiplied by ``budget_scale`` and allocated by the scenario's rule (``table``/``shares``
    fall back to per_poor_household). For benchmarks with synthetic communes."""
    b = replace(prep, baseline=baseline)
    rule = prep.loaded.scenario.allocation.rule
    rule = rule if rule in BUILTIN_RULES else "per_poor_household"
    if rule != prep.loaded.scenario.allocation.rule:
        b = replace(b, loaded=_with_rule(prep.loaded, rule))
    amounts = rule_amounts(b, rule, prep.amounts.sum(axis=0) * budget_scale)
    return replace(b, amounts=amounts)


# ------------------------------------------------------------------------------------------
# Command line


def cli_main(args: argparse.Namespace) -> int:
    """``planning optimize SCENARIO --out DIR [--objective ...] [--probability P]``."""
    from planning.cli import _print_table, district_table

    lang = getattr(args, "lang", "vi")
    # Optional flags (used when the parser defines them): --constraints FILE.yaml, --target RATE,
    # --max-scale X, --by-year.
    cons = load_constraints(args.constraints) if getattr(args, "constraints", None) else Constraints()
    if getattr(args, "by_year", False):
        cons = replace(cons, by_year=True)
    opt = optimize(args.scenario, objective=args.objective, probability=args.probability,
                   draws=args.draws, seed=args.seed, constraints=cons, target=getattr(args, "target", None),
                   max_scale=getattr(args, "max_scale", None) or 5.0)
    out = opt.write(args.out)
    vi = lang == "vi"
    r = opt.result
    print(f"{r.title['vi'] if vi else r.title['en']} — {'tối ưu' if vi else 'optimised'} ({opt.objective}; "
          f"{r.draws} {'lần mô phỏng' if vi else 'draws'}, seed {r.seed})")
    _print_table(district_table(r, lang))
    comp = opt.comparison()
    show = pd.DataFrame({
        ("Phân bổ" if vi else "Allocation"): comp["allocation"],
        ("Tỷ lệ nghèo TB" if vi else "Mean rate"): [_pct(v, lang) for v in comp["poverty_rate_end_mean"]],
        "P(<target)": [_pct(v, lang) for v in comp["prob_below_target"]],
        ("Tổng (triệu đồng)" if vi else "Total (million VND)"): [_num(v, lang) for v in comp["total_spending"]],
    })
    _print_table(show)
    print(opt.message(lang))
    print(f"{'kết quả ghi tại' if vi else 'written to'} {display_path(out)}")
    return 0


__all__ = ["BUILTIN_RULES", "OBJECTIVES", "Candidate", "Constraints", "Optimisation", "Settings", "cli_main",
           "load_constraints", "optimize", "prepared_on_baseline", "rule_amounts"]
