"""Monte Carlo draws of the uncertain assumptions: plain random, Latin hypercube or scrambled
Sobol' (quasi-Monte Carlo, scipy.stats.qmc), seeded."""

from __future__ import annotations

import zlib
from typing import Literal

import numpy as np

from planning.basics.errors import PlanningInputError
from planning.stores.distributions import Triangular

Method = Literal["random", "lhs", "sobol", "mode"]
METHODS: tuple[str, ...] = ("random", "lhs", "sobol", "mode")


def _check(draws: int, method: str) -> None:
    if draws < 1:
        raise PlanningInputError("<run>", "draws", "at least 1 Monte Carlo draw", draws,
                                 message_vi="số lần mô phỏng phải ít nhất là 1")
    if method not in METHODS:
        raise PlanningInputError("<run>", "sampling", "'random', 'lhs', 'sobol' or 'mode'", method)


def _name_seed(seed: int, name: str) -> list[int]:
    # a stream of its own per parameter name (CRC-32 of the name is stable across Python runs,
    # unlike hash()), so adding a component or parameter to a data file leaves every other
    # parameter's draws unchanged
    return [seed, 104729, zlib.crc32(name.encode("utf-8"))]


def sample(distributions: dict[str, Triangular], draws: int, seed: int,
           method: Method = "random") -> dict[str, np.ndarray]:
    """One array of ``draws`` values per named distribution (``mode`` gives the modes).

    Each name has its own random stream (seeded by the run's seed and the name), so adding a
    parameter or a programme component elsewhere does not reshuffle the others' draws. With
    ``lhs`` each name's column is stratified on its own (one random permutation per name),
    which is a Latin hypercube over all of them. With ``sobol`` the names are the dimensions of
    one scrambled Sobol' sequence in sorted order: more even than random draws in every
    dimension and every pair (docs/model.md §11 measures what that buys), but adding a
    parameter shifts the dimensions after it, so the draws of the others change.
    """
    _check(draws, method)
    out = {}
    if method == "sobol":
        return _sobol(distributions, draws, seed)
    for name in sorted(distributions):
        dist = distributions[name]
        if method == "mode":
            out[name] = np.full(draws, dist.mode)
            continue
        rng = np.random.default_rng(_name_seed(seed, name))
        if method == "lhs":
            u = (rng.permutation(draws) + rng.random(draws)) / draws
        else:
            u = rng.random(draws)
        out[name] = dist.ppf(u)
    return out


def shock_uniforms(draws: int, n_years: int, seed: int, method: Method = "random") -> np.ndarray:
    """[draws, years] uniforms deciding the random bad years; a stream apart from the parameters
    (with ``sobol`` a scrambled Sobol' set of its own; ``lhs`` stratifies the parameters only)."""
    rng = np.random.default_rng([seed, 7919])
    if method == "sobol":
        import warnings

        from scipy.stats import qmc

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return qmc.Sobol(d=n_years, scramble=True, seed=rng).random(draws)
    return rng.random((draws, n_years))


def _sobol(distributions: dict[str, Triangular], draws: int, seed: int) -> dict[str, np.ndarray]:
    import warnings

    from scipy.stats import qmc

    names = sorted(distributions)
    engine = qmc.Sobol(d=len(names), scramble=True, seed=np.random.default_rng([seed, 6151]))
    with warnings.catch_warnings():
        # a draw count that is not a power of two loses Sobol's balance property a little; the
        # points are still a low-discrepancy set (the study in docs/model.md §11 uses such counts)
        warnings.simplefilter("ignore", UserWarning)
        u = engine.random(draws)
    return {name: distributions[name].ppf(u[:, i]) for i, name in enumerate(names)}
