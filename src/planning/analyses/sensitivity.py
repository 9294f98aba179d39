"""Sensitivity statistics on Monte Carlo draws, in the vocabulary of the EMA Workbench: rank
regression (SRRC, PRCC) for which uncertain inputs drive an outcome, and PRIM boxes for the
ranges of inputs under which the target is missed (scenario discovery)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


def srrc(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Standardised rank regression coefficients of ``y`` on the columns of ``X`` and the R².

    Ranks make the measure robust to monotone non-linearity; a low R² (< 0.7) says the
    ranking explains little of the output's spread.
    """
    R = np.column_stack([rankdata(c) for c in X.T]) if X.size else np.zeros((len(y), 0))
    ry = rankdata(y)
    Z = (R - R.mean(axis=0)) / np.where(R.std(axis=0) > 0, R.std(axis=0), 1.0)
    zy = (ry - ry.mean()) / (ry.std() if ry.std() > 0 else 1.0)
    beta, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(y)), Z]), zy, rcond=None)
    fitted = np.column_stack([np.ones(len(y)), Z]) @ beta
    ss = float(((zy - zy.mean()) ** 2).sum())
    r2 = 1.0 - float(((zy - fitted) ** 2).sum()) / ss if ss > 0 else 0.0
    return beta[1:], r2


def prcc(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Partial rank correlation of ``y`` with each column of ``X``, the others held fixed."""
    R = np.column_stack([rankdata(c) for c in X.T])
    ry = rankdata(y)
    n, p = R.shape
    out = np.zeros(p)
    for i in range(p):
        others = np.column_stack([np.ones(n), np.delete(R, i, axis=1)])
        rx = R[:, i] - others @ np.linalg.lstsq(others, R[:, i], rcond=None)[0]
        rr = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        den = np.sqrt((rx ** 2).sum() * (rr ** 2).sum())
        out[i] = float((rx * rr).sum() / den) if den > 0 else 0.0
    return out


# ------------------------------------------------------------------------------------------
# Scenario discovery: PRIM


@dataclass(frozen=True)
class Box:
    """A PRIM box: limits per restricted uncertainty, and its quality.

    ``coverage``: share of all failures inside the box; ``density``: share of draws inside
    that fail; ``mass``: share of all draws inside.
    """

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    base_rate: float
    bounds: dict[str, tuple[float, float]]  # sampled range per uncertainty (unrestricted)

    def restrictions(self) -> list[tuple[str, str, float | None, float | None]]:
        """(name, 'above'|'below'|'between', low, high) for each restricted uncertainty."""
        out = []
        for name, (lo, hi) in self.limits.items():
            b_lo, b_hi = self.bounds[name]
            has_lo, has_hi = lo > b_lo, hi < b_hi
            if has_lo and has_hi:
                out.append((name, "between", lo, hi))
            elif has_lo:
                out.append((name, "above", lo, None))
            elif has_hi:
                out.append((name, "below", None, hi))
        return out


def _in_box(points: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.all((points >= lo) & (points <= hi), axis=1)


def prim(X: np.ndarray, y: np.ndarray, names: list[str], *, alpha: float = 0.05, min_mass: float = 0.05,
         density_threshold: float = 0.8, max_dims: int = 3, min_gain: float = 0.02) -> Box:
    """Patient Rule Induction Method (Friedman & Fisher 1999), peeling only.

    Repeatedly removes the ``alpha`` share of the remaining draws at the low or high end of
    one uncertainty, whichever raises the failure density most, until the box holds less
    than ``min_mass`` of the draws. From the peeling trajectory it keeps the box with the
    largest coverage whose density reaches ``density_threshold`` (else the densest), then
    drops restrictions that add less than ``min_gain`` density, at most ``max_dims`` kept.
    """
    y = np.asarray(y, bool)
    n, p = X.shape
    total_fail = max(int(y.sum()), 1)
    lo, hi = X.min(axis=0).copy(), X.max(axis=0).copy()
    bounds = {nm: (float(a), float(b)) for nm, a, b in zip(names, lo, hi, strict=True)}
    traj = [(lo.copy(), hi.copy())]
    inside = np.ones(n, bool)
    while inside.mean() > min_mass:
        best = None
        Xi, yi = X[inside], y[inside]
        for j in range(p):
            for side in (0, 1):
                q = np.quantile(Xi[:, j], alpha if side == 0 else 1 - alpha)
                keep = Xi[:, j] >= q if side == 0 else Xi[:, j] <= q
                if keep.all() or keep.sum() < 2:
                    continue
                dens = yi[keep].mean()
                if best is None or dens > best[0]:
                    best = (dens, j, side, q)
        if best is None:
            break
        _, j, side, q = best
        if side == 0:
            lo[j] = q
        else:
            hi[j] = q
        inside = _in_box(X, lo, hi)
        traj.append((lo.copy(), hi.copy()))

    def stats(l_: np.ndarray, h_: np.ndarray) -> tuple[float, float, float]:
        m = _in_box(X, l_, h_)
        if not m.any():
            return 0.0, 0.0, 0.0
        return float(y[m].sum() / total_fail), float(y[m].mean()), float(m.mean())

    scored = [(stats(a, b), a, b) for a, b in traj]
    good = [s for s in scored if s[0][1] >= density_threshold and s[0][2] >= min_mass * 0.999]
    if good:
        (cov, dens, mass), blo, bhi = max(good, key=lambda s: s[0][0])
    else:
        (cov, dens, mass), blo, bhi = max(scored, key=lambda s: (s[0][1], s[0][0]))
    blo, bhi = blo.copy(), bhi.copy()
    X_lo, X_hi = X.min(axis=0), X.max(axis=0)
    # Simplify: remove the restriction whose removal costs least density while it stays small.
    while True:
        active = [j for j in range(p) if blo[j] > X_lo[j] or bhi[j] < X_hi[j]]
        if not active:
            break
        losses = []
        for j in active:
            l2, h2 = blo.copy(), bhi.copy()
            l2[j], h2[j] = X_lo[j], X_hi[j]
            losses.append((dens - stats(l2, h2)[1], j))
        loss, j = min(losses)
        if loss < min_gain or len(active) > max_dims:
            blo[j], bhi[j] = X_lo[j], X_hi[j]
            cov, dens, mass = stats(blo, bhi)
        else:
            break
    limits = {names[j]: (float(blo[j]), float(bhi[j])) for j in range(p)
              if blo[j] > X_lo[j] or bhi[j] < X_hi[j]}
    return Box(limits=limits, coverage=cov, density=dens, mass=mass, base_rate=float(y.mean()), bounds=bounds)

