"""A second posterior of a calibration problem, computed without MCMC, to check the sampler.

The recovery check asks whether the calibration's 90 % intervals contain the truth 90 % of the
time. When they do not, the cause is either the sampler (its draws are not the posterior) or
the problem itself (the posterior is right but the series is simulated differently from what
the likelihood assumes). This module tells the two apart: it computes the same posterior a
different way, by importance sampling.

1. **Bad years.** The fitted quantities include one uniform per year; a year is bad when it
   falls below the bad-year probability p. The uniforms enter the series only through that,
   so they are summed out: each set of bad years (2^years of them) is a discrete state with
   prior weight p^k (1 − p)^(years − k).
2. **Laplace approximation** per promising set of bad years: Levenberg–Marquardt on the logit
   residuals over every fitted quantity except the noise (a Gaussian with the prior's mean and
   variance keeps quantities the data do not inform near their priors); the noise is set to the
   residuals' root mean square. Every set gets a short fit from the no-bad-year fit; the four
   best a full one.
3. **Importance sampling** from a mixture of multivariate t's (4 degrees of freedom, twice the
   Laplace covariance), one per set of bad years, each set drawn with 90 % of its Laplace
   weight plus 10 % spread evenly. The weights are the exact posterior over the proposal, so
   the result does not depend on the approximations above, only its precision does
   (``effective_draws`` reports it).

Up to three smaller rounds first adapt each set's t to its weighted draws (until a fifth of
the draws are effective); only the last round is kept. The kept draws are resampled by weight; each bad-year uniform is redrawn inside its set's
range, so :class:`~planning.analyses.sampler.Posterior` reads them like the sampler's.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from scipy import stats

from planning.analyses.calibration import NOISE_FLOW, NOISE_RATE, _logit
from planning.analyses.sampler import Posterior, SamplingProblem

_BAD_YEAR_PROBABILITY = "bad_years.probability"
_MAX_LATENT = 12  # 4,096 sets of bad years
_TOP_SETS = 4


class ReferenceProblem(SamplingProblem, Protocol):
    """What the reference needs of a problem beyond the sampler's: the observations' kinds and
    the model's predictions (:class:`planning.analyses.calibration.Problem` has both)."""

    @property
    def kinds(self) -> np.ndarray: ...

    def predict(self, theta: np.ndarray) -> np.ndarray: ...


def _clipped_logit(p: np.ndarray) -> np.ndarray:
    """Logit of shares clipped as ``Problem.log_posterior`` clips them."""
    return _logit(np.clip(p, 1e-7, 1 - 1e-7))


class _Layout:
    """Where each kind of quantity sits in a problem's vector."""

    def __init__(self, problem: ReferenceProblem) -> None:
        qs = problem.quantities
        self.n = len(qs)
        self.latent = np.array([j for j, q in enumerate(qs) if q.role == "latent"], dtype=int)
        if len(self.latent) > _MAX_LATENT:
            raise ValueError(f"the reference posterior sums over 2^{len(self.latent)} sets of bad years; "
                             f"at most {_MAX_LATENT} years are supported")
        if len(self.latent) and _BAD_YEAR_PROBABILITY not in problem.names:
            raise ValueError("bad-year uniforms without a bad-year probability")
        self.noise = [j for j, q in enumerate(qs) if q.name in (NOISE_RATE, NOISE_FLOW)]
        self.free = np.array([j for j, q in enumerate(qs) if q.role != "latent" and j not in self.noise], dtype=int)
        self.cont = np.array([j for j, q in enumerate(qs) if q.role != "latent"], dtype=int)
        self.p_bad = problem.index(_BAD_YEAR_PROBABILITY) if len(self.latent) else -1
        nl = len(self.latent)
        self.sets = ((np.arange(2 ** nl)[:, None] >> np.arange(nl)[None, :]) & 1).astype(bool)
        priors = [qs[j].prior for j in self.cont]
        if any(p is None for p in priors):
            raise ValueError("every quantity other than the bad-year uniforms needs a prior range")
        self.low = np.array([p.low for p in priors])
        self.high = np.array([p.high for p in priors])
        a, c, b = self.low, np.array([p.mode for p in priors]), self.high
        self.mean = (a + b + c) / 3.0
        self.var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
        self.noise_kind = {j: (1 if qs[j].name == NOISE_FLOW else 0) for j in self.noise}
        self.pos = {j: k for k, j in enumerate(self.cont)}

    def full(self, x: np.ndarray, bad: np.ndarray) -> np.ndarray:
        """Problem vectors from continuous values ``x`` [n, cont] and sets of bad years [n, latent]."""
        theta = np.zeros((len(x), self.n))
        theta[:, self.cont] = x
        if len(self.latent):
            p = np.clip(theta[:, self.p_bad], 1e-12, 1 - 1e-12)[:, None]
            theta[:, self.latent] = np.where(bad, 0.5 * p, 0.5 * (1.0 + p))
        return theta

    def log_target(self, problem: ReferenceProblem, x: np.ndarray, bad: np.ndarray,
                   batch: int = 8000) -> np.ndarray:
        """Log posterior of (continuous values, set of bad years), the uniforms summed out."""
        theta = self.full(x, bad)
        out = np.concatenate([problem.log_posterior(theta[i:i + batch]) for i in range(0, len(theta), batch)])
        if len(self.latent):
            p = theta[:, self.p_bad]
            k = bad.sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                out = out + k * np.log(p) + (len(self.latent) - k) * np.log1p(-p)
            out = np.where((p > 0) & (p < 1), out, -np.inf)
        return np.where(np.isfinite(out), out, -np.inf)


def _laplace(problem: ReferenceProblem, lay: _Layout, bad: np.ndarray, start: np.ndarray,
             iterations: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Mode and covariance (continuous quantities) of one set of bad years (module doc, step 2)."""
    y = _clipped_logit(np.asarray(problem.observed, float))
    kinds = np.asarray(problem.kinds)
    free = [lay.pos[j] for j in lay.free]
    lo, hi = lay.low[free], lay.high[free]
    m0, v0 = lay.mean[free], lay.var[free]
    h = 1e-4 * (hi - lo)
    x = start.copy()

    def predict(points: np.ndarray) -> np.ndarray:
        rows = np.repeat(x[None, :], len(points), axis=0)
        rows[:, free] = points
        return _clipped_logit(problem.predict(lay.full(rows, np.repeat(bad[None, :], len(points), axis=0))))

    def sd_of(res: np.ndarray) -> np.ndarray:
        sd = np.empty_like(res)
        for kind in (0, 1):
            sel = kinds == kind
            if sel.any():
                sd[sel] = max(float(np.sqrt(np.mean(res[sel] ** 2))), 1e-4)
        return sd

    def objective(z: np.ndarray, f: np.ndarray, sd: np.ndarray) -> float:
        r = (y - f) / sd
        return float(0.5 * r @ r + 0.5 * np.sum((z - m0) ** 2 / v0))

    z = x[free]
    f = predict(z[None, :])[0]
    lam = 1e-3
    jac = np.zeros((len(y), len(free)))
    for _ in range(iterations):
        cols = predict(np.vstack([z + np.diag(h), z - np.diag(h)]))
        jac = (cols[: len(z)] - cols[len(z):]).T / (2.0 * h)
        sd = sd_of(y - f)
        a = (jac / sd[:, None] ** 2).T @ jac + np.diag(1.0 / v0)
        grad = (jac / sd[:, None] ** 2).T @ (y - f) - (z - m0) / v0
        current = objective(z, f, sd)
        for _ in range(10):
            step = np.linalg.solve(a + lam * np.diag(np.diag(a)), grad)
            new = np.clip(z + step, lo + 1e-6 * (hi - lo), hi - 1e-6 * (hi - lo))
            fn = predict(new[None, :])[0]
            if objective(new, fn, sd) < current:
                lam = max(lam / 3.0, 1e-7)
                break
            lam *= 5.0
        else:
            break
        moved = float(np.max(np.abs(new - z) / (hi - lo)))
        z, f = new, fn
        if moved < 1e-6:
            break
    res = y - f
    sd = sd_of(res)
    x[free] = z
    cov = np.zeros((len(lay.cont), len(lay.cont)))
    cov[np.ix_(free, free)] = np.linalg.inv((jac / sd[:, None] ** 2).T @ jac + np.diag(1.0 / v0))
    for j in lay.noise:
        k, sel = lay.pos[j], kinds == lay.noise_kind[j]
        s = float(sd[sel][0]) if sel.any() else lay.mean[k]
        # inside the prior's support, and never a wider proposal than the prior itself
        x[k] = float(np.clip(s, lay.low[k] + 1e-3 * (lay.high[k] - lay.low[k]),
                             lay.high[k] - 1e-3 * (lay.high[k] - lay.low[k])))
        cov[k, k] = min(s * s / (2.0 * int(sel.sum())), lay.var[k]) if sel.any() else lay.var[k]
    return x, cov


def reference_posterior(problem: ReferenceProblem, *, seed: int, draws: int = 40_000,
                        kept_draws: int = 4000) -> Posterior:
    """Posterior draws of ``problem`` by Laplace-guided importance sampling (module doc).

    ``draws`` proposals are weighted; ``kept_draws`` are resampled from them. The returned
    :class:`Posterior` has ``effective_draws`` (Kish's effective sample size of the weights):
    below a few hundred its quantiles are rough.
    """
    lay = _Layout(problem)
    rng = np.random.default_rng([int(seed), 0x4EF])
    sets = lay.sets
    m0, c0 = _laplace(problem, lay, sets[0], lay.mean.copy())
    # A set of bad years may need other values than the no-bad-year fit (a bad last year needs
    # faster growth before it): every set (or, past 64 sets, the 16 best at the no-bad-year
    # fit) gets a short fit from there, the best _TOP_SETS a full one.
    score = lay.log_target(problem, np.repeat(m0[None, :], len(sets), axis=0), sets)
    shortlist = np.arange(len(sets)) if len(sets) <= 64 else np.argsort(-score)[:16]
    modes = np.repeat(m0[None, :], len(sets), axis=0)
    covs = np.repeat(c0[None, :, :], len(sets), axis=0)
    for s in shortlist:
        if s:
            modes[s], covs[s] = _laplace(problem, lay, sets[s], m0.copy(), iterations=4)
    quick = lay.log_target(problem, modes[shortlist], sets[shortlist])
    order = np.argsort(-quick)[:_TOP_SETS]
    top = [int(shortlist[k]) for k in order if np.isfinite(quick[k])] or [0]
    evidence = np.full(len(sets), -np.inf)
    for s in top:
        if s:
            modes[s], covs[s] = _laplace(problem, lay, sets[s], modes[s].copy())
        lp = lay.log_target(problem, modes[s][None, :], sets[s][None, :])[0]
        sign, logdet = np.linalg.slogdet(covs[s])
        if np.isfinite(lp) and sign > 0:
            evidence[s] = lp + 0.5 * logdet
    weight = np.exp(evidence - evidence.max()) if np.isfinite(evidence).any() else np.ones(len(sets))
    weight = weight / weight.sum()
    ridge = np.diag((1e-6 * (lay.high - lay.low)) ** 2)
    # Smaller rounds first adapt each set's proposal to the weighted draws (the Laplace fit can
    # sit off a skewed or prior-truncated posterior); only the last round is kept.
    rounds = [draws // 4, draws // 4, draws // 4, draws]
    for r, n in enumerate(rounds):
        x, which, log_w = _importance_round(problem, lay, rng, modes, covs, weight, ridge, n)
        w = np.exp(log_w - np.max(log_w))
        w /= w.sum()
        if n == draws and r == len(rounds) - 1:
            break
        if r >= 1 and 1.0 / np.sum(w * w) > 0.2 * n:  # adapted well enough: go to the last round
            rounds[r + 1:] = [draws]
        mass = np.bincount(which, weights=w, minlength=len(sets))
        for s in np.unique(which):
            sel = which == s
            ws = w[sel]
            if ws.sum() > 0 and 1.0 / np.sum((ws / ws.sum()) ** 2) > 4 * len(lay.cont):
                ws = ws / ws.sum()
                modes[s] = ws @ x[sel]
                d = x[sel] - modes[s]
                covs[s] = (d * ws[:, None]).T @ d
        weight = mass / mass.sum()
    ess = float(1.0 / np.sum(w * w))
    # systematic resampling: each kept draw carries 1/kept_draws of the weight
    pick = np.searchsorted(np.cumsum(w), (rng.random() + np.arange(kept_draws)) / kept_draws)
    pick = np.minimum(pick, draws - 1)
    theta = lay.full(x[pick], sets[which[pick]])
    if len(lay.latent):  # a uniform anywhere inside its set's range, as the sampler would hold it
        p = theta[:, [lay.p_bad]]
        u = rng.random((kept_draws, len(lay.latent)))
        theta[:, lay.latent] = np.where(sets[which[pick]], u * p, p + u * (1.0 - p))
    return Posterior(problem=problem, samples=theta, acceptance=float("nan"), autocorr_steps=None,
                     steps=0, walkers=0, seed=int(seed), effective_draws=ess)


def _importance_round(problem: ReferenceProblem, lay: _Layout, rng: np.random.Generator, modes: np.ndarray,
                      covs: np.ndarray, weight: np.ndarray, ridge: np.ndarray, n: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` draws from the mixture (each set of bad years drawn with 90 % of ``weight`` plus
    10 % spread evenly) and their log importance weights (module doc, step 3)."""
    sets = lay.sets
    mix = 0.9 * weight + 0.1 / len(sets)
    which = rng.choice(len(sets), size=n, p=mix / mix.sum())
    x = np.empty((n, len(lay.cont)))
    log_q = np.empty(n)
    for s in np.unique(which):
        sel = which == s
        t = stats.multivariate_t(loc=modes[s], shape=2.0 * covs[s] + ridge, df=4, allow_singular=True)
        x[sel] = np.asarray(t.rvs(size=int(sel.sum()), random_state=rng)).reshape(-1, len(lay.cont))
        log_q[sel] = t.logpdf(x[sel]) + np.log(mix[s] / mix.sum())
    log_w = lay.log_target(problem, x, sets[which]) - log_q
    if not np.isfinite(log_w).any():
        raise RuntimeError("the reference posterior found no proposal inside the prior's support")
    return x, which, np.where(np.isfinite(log_w), log_w, -np.inf)
