"""Monte Carlo draws of the uncertain assumptions: plain random or Latin hypercube, seeded."""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.stats import qmc

from planning.basics.errors import PlanningInputError
from planning.stores.distributions import Triangular

Method = Literal["random", "lhs", "mode"]


def uniforms(n_params: int, draws: int, seed: int, method: Method = "random") -> np.ndarray:
    """[draws, n_params] probabilities in (0, 1); identical for identical arguments."""
    if draws < 1:
        raise PlanningInputError("<run>", "draws", "at least 1 Monte Carlo draw", draws,
                                 message_vi="số lần mô phỏng phải ít nhất là 1")
    if method == "mode":
        return np.full((draws, n_params), np.nan)
    if method == "lhs":
        if n_params == 0:
            return np.empty((draws, 0))
        return qmc.LatinHypercube(d=n_params, rng=np.random.default_rng(seed)).random(draws)
    if method == "random":
        return np.random.default_rng(seed).random((draws, n_params))
    raise PlanningInputError("<run>", "sampling", "'random', 'lhs' or 'mode'", method)


def sample(distributions: dict[str, Triangular], draws: int, seed: int,
           method: Method = "random") -> dict[str, np.ndarray]:
    """One array of ``draws`` values per named distribution (``mode`` gives the modes).

    Names are sorted first, so adding an unrelated parameter elsewhere in a file does not
    reshuffle which uniform each parameter gets.
    """
    names = sorted(distributions)
    u = uniforms(len(names), draws, seed, method)
    out = {}
    for j, name in enumerate(names):
        dist = distributions[name]
        out[name] = np.full(draws, dist.mode) if method == "mode" else dist.ppf(u[:, j])
    return out


def shock_uniforms(draws: int, n_years: int, seed: int) -> np.ndarray:
    """[draws, years] uniforms deciding the random bad years; a stream apart from the parameters."""
    return np.random.default_rng([seed, 7919]).random((draws, n_years))
