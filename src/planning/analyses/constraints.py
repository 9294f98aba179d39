"""Constraints on an allocation: the bounds the optimiser must respect and the feasible set.

One concept: what an allocation of a budget across communes × components (× years) may be.
:class:`Constraints` (user-facing floors and ceilings, read from YAML by
:func:`load_constraints` and checked by ``Constraints.check``), the need-weighted floor (so
the built-in rules' amounts, :func:`rule_amounts`, live here), eligibility, and ``_Problem``:
the adjustables with their bounds and linear rows (yearly totals, component and commune
floors/ceilings), plus the projection of an allocation onto the feasible set.

Money is million VND; rates and floor shares are shares in [0, 1].
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from planning.basics.errors import PlanningInputError
from planning.basics.paths import display_path
from planning.models.runner import Prepared
from planning.stores.allocation import unit_weights
from planning.stores.baseline import Baseline
from planning.stores.scenario import Allocation, LoadedScenario

# ------------------------------------------------------------------------------------------
# Constraints


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


def default_constraints(prep: Prepared) -> Constraints:
    """The constraints an optimisation of ``prep`` gets when none are given: the defaults, and
    for a scenario whose money comes in streams (``streams:``) each component's yearly total
    kept as the streams give it. A stream may pay only for its own components (policy credit
    cannot become a road), and the search moves money between components freely within the
    multiples, so with streams it moves money only between communes (docs/model.md §11)."""
    from planning.stores.allocation import scenario_streams

    if scenario_streams(prep.loaded, prep.book):
        return Constraints(component_floor=1.0, component_ceiling=1.0)
    return Constraints()


def load_constraints(path: str | os.PathLike[str]) -> Constraints:
    """Read :class:`Constraints` from a YAML mapping of its fields (unknown keys are errors)."""
    from planning.basics.yamlio import read_yaml

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


def random_allocations(prep: Prepared, n: int, *, seed: int, constraints: Constraints | None = None,
                       budget: np.ndarray | None = None) -> list[np.ndarray]:
    """``n`` random allocations of ``budget`` (default: the scenario's) that keep the
    constraints: exponential weights on every eligible commune × component, moved to the
    nearest feasible allocation. The optimiser's yardstick beside the built-in rules
    (benchmarks/bench_optimize.py, tests/test_optimize.py); [unit, component, year] each."""
    cons = constraints or default_constraints(prep)
    budget = prep.amounts.sum(axis=0) if budget is None else budget
    pb = _build_problem(prep, budget, cons)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        z = rng.exponential(size=pb.shape) * pb.scale[None, :] * (pb.hi > 0)
        z *= float(budget.sum()) / max(float(pb.amounts(z).sum()), 1e-300)
        out.append(pb.amounts(_project_feasible(pb, np.minimum(z, pb.hi), prep.loaded.source)))
    return out
