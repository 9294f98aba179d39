"""Posterior sampling of a calibration problem: emcee's ensemble sampler in two stages.

Stage 1 searches the posterior's region from prior draws (differential-evolution and DE-snooker
moves, and a redraw of the bad-year uniforms), then re-fits the best points under the most
promising sets of bad years (``_best_configuration``). Stage 2 restarts every walker from a
Gaussian shaped like the best region and samples with stretch and DE moves only
(``_posterior_moves``: the snooker move cuts the posterior's tails); its second half, thinned,
is the posterior. Every walker is one engine draw, so one step is one vectorised engine run.

The problem is any object with quantities (priors), observations and a vectorised log
posterior (:class:`SamplingProblem`; :class:`planning.analyses.calibration.Problem` is the one
the calibration builds). Why each piece is there: docs/model.md §9.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from planning.stores.distributions import Triangular


class _Quantity(Protocol):
    name: str
    role: str  # "model", "nuisance" or "latent"

    @property
    def prior(self) -> Triangular | None: ...

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray: ...

    def interval(self, lo: float = 0.05, hi: float = 0.95) -> tuple[float, float]: ...


class SamplingProblem(Protocol):
    """What the sampler needs of a problem."""

    @property
    def quantities(self) -> Sequence[_Quantity]: ...

    @property
    def observed(self) -> np.ndarray: ...

    @property
    def names(self) -> list[str]: ...

    def index(self, name: str) -> int: ...

    def log_posterior(self, theta: np.ndarray) -> np.ndarray: ...


@dataclass
class Posterior:
    """Posterior draws of a problem's quantities ([draw, quantity]) and how the sampler did."""

    problem: SamplingProblem
    samples: np.ndarray
    acceptance: float
    autocorr_steps: float | None
    steps: int
    walkers: int
    seed: int
    #: Kish's effective sample size where the draws are weighted (reference posterior); None: MCMC
    effective_draws: float | None = None

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.samples, columns=self.problem.names)

    def estimates(self, width_ratio: float) -> pd.DataFrame:
        """Per quantity: prior and posterior mean / 5 % / 50 % / 95 %, width ratio, identified."""
        rows = []
        for j, q in enumerate(self.problem.quantities):
            x = self.samples[:, j]
            p05, p50, p95 = np.percentile(x, [5, 50, 95])
            lo, hi = q.interval()
            ratio = (p95 - p05) / (hi - lo) if hi > lo else 1.0
            rows.append({
                "parameter": q.name, "role": q.role,
                "prior_low": q.prior.low if q.prior else 0.0, "prior_mode": q.prior.mode if q.prior else float("nan"),
                "prior_high": q.prior.high if q.prior else 1.0, "prior_p05": lo, "prior_p95": hi,
                "mean": float(x.mean()), "p05": float(p05), "p50": float(p50), "p95": float(p95),
                "width_ratio": float(ratio), "identified": bool(ratio < width_ratio),
            })
        return pd.DataFrame(rows)


def sample_posterior(problem: SamplingProblem, *, seed: int, walkers: int, steps: int, kept_draws: int,
                     progress: Callable[[int], None] | None = None) -> Posterior:
    """Run the ensemble sampler; keep the second half of the chain, thinned to ``kept_draws``."""
    import emcee

    dim = len(problem.quantities)
    if len(problem.observed) == 0:
        # nothing observed yet: the posterior is the prior (drawn directly)
        rng = np.random.default_rng([int(seed), 0xCA1])
        prior = np.column_stack([q.draw(rng, kept_draws) for q in problem.quantities])
        return Posterior(problem=problem, samples=prior, acceptance=float("nan"), autocorr_steps=None,
                         steps=0, walkers=0, seed=int(seed))
    walkers = max(int(walkers), 2 * dim + 2)
    walkers += walkers % 2
    rng = np.random.default_rng([int(seed), 0xCA1])
    start = np.column_stack([q.draw(rng, walkers) for q in problem.quantities])
    lp = problem.log_posterior(start)
    for _ in range(100):  # a start with zero prior density (a triangle's edge) is redrawn
        bad = ~np.isfinite(lp)
        if not bad.any():
            break
        start[bad] = np.column_stack([q.draw(rng, int(bad.sum())) for q in problem.quantities])
        lp[bad] = problem.log_posterior(start[bad])
    # Stage 1 finds the posterior's region from prior draws; stage 2 restarts every walker
    # around the best point found (an ensemble started far from a sharp mode can collapse onto a
    # subspace and then under-cover, which the recovery check showed).
    explore = max(steps // 3, 200)
    latent_idx = [j for j, q in enumerate(problem.quantities) if q.role == "latent"]
    # (snooker moves only in this search stage: its draws are not kept, see _posterior_moves)
    first_moves = [(emcee.moves.DEMove(), 0.7), (emcee.moves.DESnookerMove(), 0.15)]
    if latent_idx:
        first_moves.append((_LatentRedraw(latent_idx), 0.15))
    first = emcee.EnsembleSampler(walkers, dim, problem.log_posterior, vectorize=True, moves=first_moves)
    first.random_state = np.random.RandomState(int(seed) % (2**32)).get_state()
    first.run_mcmc(emcee.State(start, log_prob=lp), explore)
    lps = first.get_log_prob()
    chain1 = first.get_chain()
    best = chain1[np.unravel_index(np.argmax(lps), lps.shape)]
    best = _best_configuration(problem, chain1.reshape(-1, dim), lps.ravel(), best, rng)
    # Stage 2 starts from a Gaussian shaped like the best region stage 1 found (the draws within
    # the posterior's typical log-density range below the maximum), so the ensemble begins at
    # the posterior's width instead of having to grow from a point.
    flat1, lp1 = chain1[explore // 2:].reshape(-1, dim), lps[explore // 2:].ravel()
    near = flat1[np.isfinite(lp1) & (lp1 > lp1.max() - (0.5 * dim + 3.0 * np.sqrt(0.5 * dim)))]
    width = np.array([max(q.interval()[1] - q.interval()[0], 1e-9) for q in problem.quantities])
    if len(near) > 2 * dim:
        cov = np.cov(near.T) + np.diag((1e-4 * width) ** 2)
    else:
        cov = np.diag((0.01 * width) ** 2)
    ball = np.empty((walkers, dim))
    lp2 = np.full(walkers, -np.inf)
    for _ in range(50):  # redraw walkers outside the prior's support
        todo = ~np.isfinite(lp2)
        if not todo.any():
            break
        cand = rng.multivariate_normal(best, 0.5 * cov, size=int(todo.sum()), method="svd")
        for j in latent_idx:  # every walker starts with the best point's bad years
            cand[:, j] = best[j] + 0.01 * min(best[j], 1.0 - best[j]) * rng.uniform(-1, 1, len(cand))
        ball[todo] = cand
        lp2[todo] = problem.log_posterior(cand)
    ball[~np.isfinite(lp2)] = best
    lp2 = problem.log_posterior(ball)
    moves = _posterior_moves(latent_idx)
    sampler = emcee.EnsembleSampler(walkers, dim, problem.log_posterior, vectorize=True, moves=moves)
    sampler.random_state = first.random_state
    state = emcee.State(ball, log_prob=lp2)
    for i, _ in enumerate(sampler.sample(state, iterations=steps)):
        if progress is not None and i % 100 == 0:
            progress(i)
    chain = sampler.get_chain(discard=steps // 2, flat=False)  # [step, walker, dim]
    flat = chain.reshape(-1, dim)
    if flat.shape[0] > kept_draws:
        idx = np.linspace(0, flat.shape[0] - 1, kept_draws).round().astype(int)
        flat = flat[idx]
    emcee_log = logging.getLogger("emcee")
    level = emcee_log.level
    emcee_log.setLevel(logging.ERROR)  # its "chain too short" advice goes to the summary instead
    try:
        tau = float(np.nanmax(sampler.get_autocorr_time(discard=steps // 2, quiet=True)))
    except Exception:  # noqa: BLE001 (emcee raises on very short chains; the estimate is optional)
        tau = None
    finally:
        emcee_log.setLevel(level)
    return Posterior(problem=problem, samples=flat, acceptance=float(np.mean(sampler.acceptance_fraction)),
                     autocorr_steps=tau, steps=steps, walkers=walkers, seed=int(seed))


def _posterior_moves(latent: list[int]) -> list[tuple[Any, float]]:
    """The moves of the sampling stage: stretch and differential-evolution moves, and a
    bad-year redraw when there are bad-year uniforms.

    No DE-snooker moves: on a plain product of the priors, emcee's DESnookerMove alone puts the
    5 % and 95 % quantiles 5–9 % of the prior range inside the true ones, and one move in ten
    of it still cuts the tails of a 20,000-step chain by about 1.4 % of the range (stretch and
    DE moves: within 0.2 %). Those too-narrow tails made the recovery check's intervals miss
    truths near the ends of the priors (docs/model.md §9)."""
    import emcee

    moves: list[tuple[Any, float]] = [(emcee.moves.StretchMove(), 0.3), (emcee.moves.DEMove(), 0.5)]
    if latent:
        moves.append((_LatentRedraw(latent), 0.2))
    return moves


def _LatentRedraw(latent: list[int]) -> Any:
    """An emcee move redrawing one bad-year uniform of each walker from its uniform prior.

    The independence proposal is symmetric, so the acceptance is the posterior ratio. Without
    it, walkers rarely change which years were bad (a step function of the uniform), and a
    chain can settle on a wrong set of bad years (found by the recovery check)."""
    import emcee

    idx = np.asarray(latent)

    def propose(x0: np.ndarray, random: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
        x = x0.copy()
        pick = idx[random.randint(len(idx), size=x.shape[0])]
        x[np.arange(x.shape[0]), pick] = random.uniform(size=x.shape[0])
        return x, np.zeros(x.shape[0])

    return emcee.moves.MHMove(propose)


def _best_configuration(problem: SamplingProblem, points: np.ndarray, lps: np.ndarray, best: np.ndarray,
                        rng: np.random.Generator, *, top_points: int = 6, top_configs: int = 8,
                        per_config: int = 8, steps: int = 250, max_configs: int = 1024) -> np.ndarray:
    """The best point after re-fitting the other parameters under each of the most promising
    sets of bad years.

    A chain's bad years change only in steps, and a set of bad years that fits better may
    need other parameters to move at the same time (a bad last year needs faster growth
    before it), which single moves rarely find: the recovery check showed chains settling on a
    wrong set. Here every set is scored at the best points found; the best ``top_configs`` sets
    each get ``per_config`` walkers whose bad years stay pinned while differential-evolution
    moves re-fit the rest; the best point of all is returned."""
    import emcee

    latent = [j for j, q in enumerate(problem.quantities) if q.role == "latent"]
    if not latent or 2 ** len(latent) > max_configs or "bad_years.probability" not in problem.names:
        return best
    ok = np.isfinite(lps)
    order = np.argsort(-np.where(ok, lps, -np.inf))
    chosen: list[np.ndarray] = [best]
    for i in order:
        if len(chosen) >= top_points or not ok[i]:
            break
        if not any(np.allclose(points[i], c) for c in chosen):
            chosen.append(points[i])
    configs = (np.arange(2 ** len(latent))[:, None] >> np.arange(len(latent))[None, :]) & 1  # 1 = bad
    # uniforms well inside the bad (below every prior bad-year probability) or good range
    pb_prior = problem.quantities[problem.index("bad_years.probability")].prior
    lo_u = 0.5 * (pb_prior.low if pb_prior is not None else 0.05)
    hi_u = 1.0 - 0.5 * (1.0 - (pb_prior.high if pb_prior is not None else 0.2))
    values = np.where(configs == 1, lo_u, hi_u)
    score = np.full(len(configs), -np.inf)
    for c in chosen:
        block = np.repeat(c[None, :], len(configs), axis=0)
        block[:, latent] = values
        lp = np.concatenate([problem.log_posterior(block[k:k + 2048]) for k in range(0, len(block), 2048)])
        score = np.maximum(score, lp)
    keep = np.argsort(-score)[:top_configs]
    keep = keep[np.isfinite(score[keep])]
    if len(keep) == 0:
        return best
    width = np.array([max(q.interval()[1] - q.interval()[0], 1e-9) for q in problem.quantities])
    per_config = max(per_config, -(-(2 * len(best) + 2) // len(keep)))  # an ensemble twice the dimension
    start = np.repeat(best[None, :], len(keep) * per_config, axis=0)
    start = start + 0.02 * width * rng.standard_normal(start.shape)
    start[:, latent] = np.repeat(values[keep], per_config, axis=0)
    lp0 = problem.log_posterior(start)
    bad = ~np.isfinite(lp0)
    for k in np.flatnonzero(bad):  # back to the best point's continuous values
        row = best.copy()
        row[latent] = start[k, latent]
        start[k] = row
    lp0 = problem.log_posterior(start)
    if not np.isfinite(lp0).any():
        return best

    pinned = np.asarray(latent)

    class _PinnedDE(emcee.moves.DEMove):  # type: ignore[misc]
        def get_proposal(self, s: np.ndarray, c: Any, random: Any) -> tuple[np.ndarray, np.ndarray]:
            q, f = super().get_proposal(s, c, random)
            q[:, pinned] = s[:, pinned]
            return q, f

    walkers = start.shape[0] + start.shape[0] % 2
    if walkers != start.shape[0]:
        start = np.vstack([start, start[-1:]])
        lp0 = np.concatenate([lp0, lp0[-1:]])
    lp0 = np.where(np.isfinite(lp0), lp0, -1e300)
    sampler = emcee.EnsembleSampler(walkers, start.shape[1], problem.log_posterior, vectorize=True,
                                    moves=[(_PinnedDE(), 1.0)])
    sampler.random_state = np.random.RandomState(int(rng.integers(2**31))).get_state()
    # walkers reset to the best point and pinned bad-year uniforms make this ensemble
    # degenerate by design; emcee's start check would refuse it (seed 2001 of the recovery study)
    sampler.run_mcmc(emcee.State(start, log_prob=lp0), steps, skip_initial_state_check=True)
    lps2 = sampler.get_log_prob()
    found = sampler.get_chain()[np.unravel_index(np.argmax(lps2), lps2.shape)]
    return found if np.max(lps2) > problem.log_posterior(best[None, :])[0] else best
