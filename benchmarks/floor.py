"""The floor of the commune engine: the same histogram step with no model in it.

    .venv/bin/python benchmarks/floor.py [--units 11] [--draws 10000] [--years 6]

Each (unit, draw) pair keeps the engine's histogram (``N_BINS`` bins of log income, 6 origin
groups × 2 deprivation flags, as the engine without ``decompose``). Every year every cell's mass
moves to a fractional position (growth and regression: one multiply-add per bin), split
between two bins and between a no-setback and a setback copy; then the mass below the line
is summed. That is the least work any engine on this histogram does per pair and year; no
coverage, convolution, switch or flows. Compiled with numba over pairs as the engine is, so
the ratio engine / floor (printed by bench_engine.py beside each row, measured in the same
run) is the price of the model's details.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from planning.models.engine_inputs import LINE_BIN, N_BINS

GROUPS = 6 * 2  # origins × deprivation flags of the engine without decompose


@numba.njit(parallel=True, cache=True)
def _floor(start: np.ndarray, rho: np.ndarray, shift: np.ndarray, p: np.ndarray, n_years: int,
           out: np.ndarray) -> None:  # pragma: no cover (compiled)
    P = start.shape[0]
    for pair in numba.prange(P):
        A = start[pair].copy()
        Bk = np.zeros((GROUPS, N_BINS))
        Bh = np.zeros((GROUPS, N_BINS))
        kk = np.empty((2, N_BINS), dtype=np.int64)
        ff = np.empty((2, N_BINS))
        for t in range(n_years):
            Bk[:, :] = 0.0
            Bh[:, :] = 0.0
            # where each bin's mass goes (the same for every group): once per year
            for j in range(N_BINS):
                for c in range(2):
                    q = j * rho[pair] + shift[pair] - 3.0 * c
                    q = min(max(q, 0.0), N_BINS - 1.000001)
                    kk[c, j] = int(q)
                    ff[c, j] = q - int(q)
            keep, hit = 1.0 - p[pair], p[pair]
            for g in range(GROUPS):
                for j in range(N_BINS):
                    w = A[g, j]
                    Bk[g, kk[0, j]] += w * keep * (1.0 - ff[0, j])
                    Bk[g, kk[0, j] + 1] += w * keep * ff[0, j]
                    Bh[g, kk[1, j]] += w * hit * (1.0 - ff[1, j])
                    Bh[g, kk[1, j] + 1] += w * hit * ff[1, j]
            below = 0.0
            for g in range(GROUPS):
                for j in range(N_BINS):
                    v = Bk[g, j] + Bh[g, j]
                    A[g, j] = v
                    if j < LINE_BIN:
                        below += v
            out[pair, t] = below


def floor_seconds(units: int, draws: int, years: int = 6, repeat: int = 3) -> float:
    """Best of ``repeat`` timings of the floor step for ``units`` × ``draws`` pairs."""
    P = units * draws
    rng = np.random.default_rng(0)
    start = rng.random((min(P, 4096), GROUPS, N_BINS))
    start = start[np.arange(P) % start.shape[0]]  # the same memory traffic as P distinct pairs
    rho = rng.uniform(0.9, 0.99, P)
    shift = rng.uniform(0.5, 2.5, P)
    p = rng.uniform(0.02, 0.2, P)
    out = np.zeros((P, years))
    _floor(start[:1], rho[:1], shift[:1], p[:1], years, out[:1])  # compile (or load) first
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        _floor(start, rho, shift, p, years, out)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=11)
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--years", type=int, default=6)
    a = ap.parse_args()
    s = floor_seconds(a.units, a.draws, a.years)
    print(f"floor: {a.units} units × {a.draws} draws × {a.years} years: {s:.3f} s "
          f"({s / (a.units * a.draws * a.years) * 1e9:.0f} ns per pair-year)")


if __name__ == "__main__":
    main()
