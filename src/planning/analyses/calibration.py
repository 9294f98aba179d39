"""Calibration: the engine's dynamics fitted to observed series, with posterior draws.

What is fitted (``FITTED``, priors = the ranges of ``data/model_parameters.yaml``): income
growth and spread, the setback probability, loss and deprivation onset, deprivation
resolution, the income–deprivation correlation and the bad-year probability and size. With
them, as nuisance quantities (priors in ``data/calibration.yaml``): past programme money per
household (when the series does not give it; it runs through the programme book, so the
fitted dynamics are those **without** programmes and a scenario's programmes are not counted
twice), the near-poor share at the start (when not observed), the noise of published rates and
flows, and one uniform per year deciding whether it was a bad year (exactly as the engine
draws them, so the fitted model is the model that generates forecasts).

Likelihood: logit(observed share) ~ Normal(logit(engine share), noise²). Posterior: an
affine-invariant ensemble sampler (``emcee``; :mod:`planning.analyses.sampler`, whose
``sample_posterior`` and ``Posterior`` are re-exported here), every walker one engine draw, so
one step is one vectorised engine run per segment. A parameter whose 90 % posterior interval is
wider than ``identified_width_ratio`` of its prior's is flagged as not identified by the data
(its posterior is about its prior).

A scenario names a calibration with ``calibration: DIR/calibration.yaml``; its forward runs then
draw the fitted parameters from the posterior (``posterior_samples``). Rates are shares in
[0, 1]; money is million VND. The settings and a written calibration are read, and checked, by
:mod:`planning.stores.calibration_files` (its names are re-exported here).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from planning.analyses.sampler import Posterior, sample_posterior
from planning.basics.errors import PlanningInputError
from planning.basics.paths import data_dir as default_data_dir
from planning.models.engine import Draws, EngineInputs, draws_from_samples, project
from planning.models.engine_inputs import component_draws
from planning.stores.calibration_files import (
    CalibrationFile,
    Settings,
    load_calibration,
    load_settings,
    posterior_samples,
)
from planning.stores.distributions import Triangular
from planning.stores.observed import FLOWS, Segment
from planning.stores.parameters import ModelParameters, load_model_parameters
from planning.stores.programmes import GROUPS, ProgrammeBook, load_programme_book

#: model parameters fitted (dotted names of data/model_parameters.yaml)
FITTED: tuple[str, ...] = (
    "income.growth", "income.log_sd", "setbacks.probability", "setbacks.income_loss",
    "setbacks.persistent_share", "setbacks.deprivation_onset", "deprivation.resolution",
    "deprivation.income_correlation", "bad_years.probability", "bad_years.multiplier",
)
SWITCH = "standard_switch.near_poor_to_poor"
PAST_SPENDING = "calibration.past_spending"
NEAR_SHARE = "calibration.near_poor_share"
NOISE_RATE, NOISE_FLOW = "noise.rate", "noise.flow"
SHARES_OUT = ("poor", "near_poor", "exits", "re_poor", "new_poor")
_OUTPUT = {"poor": "poor", "near_poor": "near_poor", "exits": "exits", "re_poor": "re_poor", "new_poor": "new_poor"}
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_DEPRIVATION_GROUP = {"poor": "poor", "near_poor": "near_poor", "newly_escaped": "non_poor"}


@dataclass(frozen=True)
class Quantity:
    """One fitted quantity: a model parameter, a nuisance quantity or a bad-year uniform."""

    name: str
    prior: Triangular | None  # None: uniform on (0, 1)
    role: str  # "model", "nuisance" or "latent"

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        u = rng.random(n)
        return u if self.prior is None else self.prior.ppf(u)

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        if self.prior is None:
            return _uniform_log_pdf(x)
        return _triangular_log_pdf(x, self.prior.low, self.prior.mode, self.prior.high)

    def interval(self, lo: float = 0.05, hi: float = 0.95) -> tuple[float, float]:
        if self.prior is None:
            return lo, hi
        return float(self.prior.ppf(np.array(lo))), float(self.prior.ppf(np.array(hi)))


def _uniform_log_pdf(x: np.ndarray) -> np.ndarray:
    return np.where((x > 0.0) & (x < 1.0), 0.0, -np.inf)


def _triangular_log_pdf(x: np.ndarray, a: Any, c: Any, b: Any) -> np.ndarray:
    """Log density of triangular (a, c, b) at ``x``; a, c, b scalars or arrays broadcasting
    against x (one column per quantity), elementwise the same arithmetic either way."""
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(c > a, 2.0 * (x - a) / ((b - a) * (c - a)), np.inf)
        right = np.where(b > c, 2.0 * (b - x) / ((b - a) * (b - c)), np.inf)
        pdf = np.where(x < c, left, right)
        return np.where((x >= a) & (x <= b) & (pdf > 0), np.log(pdf), -np.inf)


# ------------------------------------------------------------------------------------------
# The forward model: engine runs whose draws are the walkers


@dataclass
class _Run:
    """One engine run of a problem: fixed inputs; the walkers are its draws."""

    inputs: EngineInputs
    years: list[int]  # calendar years of the projection steps
    #: (obs index, unit index in the run, step, share, value, kind)
    observations: list[tuple[int, int, int, str, float, int]]
    unit: str  # the run's key (latent names)
    near_share_free: bool = False
    money_free: bool = False
    growth_name: str | None = None  # a period's own growth (older standards' segments)


@dataclass
class Problem:
    """What is fitted: quantities with priors, observations and the engine runs predicting them."""

    quantities: list[Quantity]
    observed: np.ndarray  # [obs] shares
    kinds: np.ndarray  # [obs] 0 = stock rate, 1 = flow
    labels: list[tuple[str, int, str]]  # (unit, year, share) per observation
    runs: list[_Run]
    base: dict[str, np.ndarray]  # every named sample the engine needs, at its prior mode
    component_ids: tuple[str, ...]
    description: str

    @property
    def names(self) -> list[str]:
        return [q.name for q in self.quantities]

    def index(self, name: str) -> int:
        return self.names.index(name)

    @cached_property
    def _base_cache(self) -> dict[int, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
        return {}

    def _base_for(self, walkers: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The samples at their prior mode and the programme book's draws, for ``walkers``
        walkers: the same at every step, so built once per walker count (read-only)."""
        cache = self._base_cache
        if walkers not in cache:
            samples = {k: np.full(walkers, v[0]) for k, v in self.base.items()}
            components = component_draws(samples, self.component_ids)
            for a in (*samples.values(), *components.values()):
                a.setflags(write=False)
            cache[walkers] = (samples, components)
        return cache[walkers]

    def draws(self, theta: np.ndarray, run: _Run) -> Draws:
        """Engine draws for walkers ``theta`` [W, dim] in ``run``."""
        W = theta.shape[0]
        base, components = self._base_for(W)
        samples = dict(base)
        for j, q in enumerate(self.quantities):
            if q.role == "model":
                samples[f"model.{q.name}"] = theta[:, j]
        if run.growth_name is not None:
            samples["model.income.growth"] = theta[:, self.index(run.growth_name)]
        shock_u = np.ones((W, len(run.years)))
        for t, y in enumerate(run.years):
            key = f"latent.{run.unit}.{y}"
            if key in self.names:
                shock_u[:, t] = theta[:, self.index(key)]
        d = draws_from_samples(samples, self.component_ids, shock_u, components)
        money = theta[:, self.index(PAST_SPENDING)] if run.money_free else None
        near = theta[:, self.index(NEAR_SHARE)] if run.near_share_free else None
        return Draws(**{**d.__dict__, "money_scale": money, "start_near_poor_share": near})

    def run_engine(self, theta: np.ndarray, run: _Run, outputs: tuple[str, ...] = ("households", *SHARES_OUT)
                   ) -> dict[str, np.ndarray]:
        """Engine outputs [W, unit, year] of ``run``, one draw per walker."""
        return project(run.inputs, self.draws(theta, run), outputs=outputs)

    def predict(self, theta: np.ndarray) -> np.ndarray:
        """[W, obs] model shares of the observations."""
        out = np.empty((theta.shape[0], len(self.observed)))
        for run in self.runs:
            res = self.run_engine(theta, run)
            hh = res["households"]
            for i, u, step, share, _, _ in run.observations:
                out[:, i] = res[_OUTPUT[share]][:, u, step] / hh[:, u, step]
        return out

    @cached_property
    def _priors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(low, mode, high, uniform?) per quantity: the prior of every walker in one pass."""
        tri = [(q.prior.low, q.prior.mode, q.prior.high) if q.prior is not None else (0.0, 0.5, 1.0)
               for q in self.quantities]
        a, c, b = (np.array(v, dtype=float) for v in zip(*tri, strict=True))
        return a, c, b, np.array([q.prior is None for q in self.quantities])

    def log_prior(self, theta: np.ndarray) -> np.ndarray:
        # One vectorised density for all quantities (a call per quantity was a tenth of a
        # calibration's time); summed column by column in the quantities' order, as before,
        # so that the posterior is the same to the last digit.
        a, c, b, uniform = self._priors
        dens = np.where(uniform[None, :], _uniform_log_pdf(theta), _triangular_log_pdf(theta, a, c, b))
        lp = np.zeros(theta.shape[0])
        for j in range(theta.shape[1]):
            lp += dens[:, j]
        return lp

    def noise(self, theta: np.ndarray) -> np.ndarray:
        """[W, obs] noise sd on the logit scale."""
        rate = theta[:, self.index(NOISE_RATE)]
        flow = theta[:, self.index(NOISE_FLOW)] if NOISE_FLOW in self.names else rate
        return np.where(self.kinds[None, :] == 1, flow[:, None], rate[:, None])

    def log_posterior(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(theta)
        lp = self.log_prior(theta)
        ok = np.isfinite(lp)
        if not ok.any():
            return lp
        pred = np.clip(self.predict(theta[ok]), 1e-7, 1 - 1e-7)
        obs = np.clip(self.observed, 1e-7, 1 - 1e-7)
        sd = self.noise(theta[ok])
        z = (_logit(obs)[None, :] - _logit(pred)) / sd
        ll = (-0.5 * z * z - np.log(sd) - _LOG_SQRT_2PI).sum(axis=1)
        out = np.full(theta.shape[0], -np.inf)
        out[ok] = lp[ok] + np.where(np.isfinite(ll), ll, -np.inf)
        return out


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


def _base_samples(params: ModelParameters, book: ProgrammeBook) -> dict[str, np.ndarray]:
    return {k: np.array([v]) for k, v in {**params.fixed_values(), **book.fixed_values()}.items()}


def _generic_caps(book: ProgrammeBook, directory: Path) -> np.ndarray:
    """[component, group, 1] coverage caps for a unit outside the district: the district's
    household-weighted deprivation rates (assumption, docs/model.md §9)."""
    from planning.stores.baseline import load_baseline

    b = load_baseline(directory)
    w = b.households / b.households.sum()
    caps = np.ones((len(book.components), len(GROUPS), 1))
    for i, comp in enumerate(book.components):
        for g, group in enumerate(GROUPS):
            if comp.max_coverage is not None:
                caps[i, g, 0] = comp.max_coverage
            else:
                caps[i, g, 0] = float(w @ b.deprivation_rate(comp.max_coverage_indicator, _DEPRIVATION_GROUP[group]))
    return np.clip(caps, 1e-6, 1.0)


# ------------------------------------------------------------------------------------------
# Problems


def observed_problem(segments: Sequence[Segment], *, directory: Path | None = None,
                     settings: Settings | None = None) -> Problem:
    """A problem fitting ``segments`` (from :mod:`planning.stores.observed`) with shared dynamics."""
    directory = directory or default_data_dir()
    settings = settings or load_settings(directory)
    params = load_model_parameters(directory / "model_parameters.yaml")
    book = load_programme_book(directory / "programmes.yaml")
    if not segments:
        raise PlanningInputError("<observed>", "year", "a poverty rate of the unit in at least one year", "none",
                                 message_vi="cần tỷ lệ hộ nghèo của đơn vị ít nhất một năm")
    # Growth belongs to a period: the segments of the latest standard share the model's
    # income.growth (what forecasts use); each older standard has its own, same prior.
    latest = max(segments, key=lambda s: s.start_year).standard
    comp_ids = tuple(c.id for c in book.components)
    missing = [c for c in book.ids if c not in settings.component_shares]
    if missing:
        raise PlanningInputError(settings.source_file, "past_spending.component_shares", "a share for every component",
                                 missing[0])
    shares = np.array([settings.component_shares[c] for c in book.ids])
    caps = _generic_caps(book, directory)
    quantities = [Quantity(n, params.values[f"model.{n}"], "model") for n in FITTED]
    runs: list[_Run] = []
    observed, kinds, labels = [], [], []
    need_money = need_near = has_flow = False
    for seg in segments:
        years = seg.years
        H = seg.households
        amounts = np.zeros((1, len(book.ids), len(years)))
        money_free = not seg.spending
        for t, y in enumerate(years):
            per_year = seg.spending.get(y) if seg.spending else None
            amounts[0, :, t] = shares * (per_year if per_year is not None else H * 1.0)
        need_money |= money_free
        near_free = seg.start_near_poor is None
        need_near |= near_free
        inputs = EngineInputs(
            households=np.array([H]), poor=np.array([seg.start_poor * H]),
            near_poor=np.array([(seg.start_near_poor or 0.0) * H]), escaped=np.array([np.nan]),
            amounts=amounts, targets=book.target_matrix(), coverage_cap=caps,
            switch_log_ratio=np.zeros((len(years), 1)), shock_fixed=np.ones((len(years), 1)),
            capacity_scale=book.capacity_scale_per_household, support_years=params.escaped_support_years,
        )
        unit_key = f"{seg.unit}|{seg.standard}"
        obs = []
        for y, share, value, _expected in seg.observations:
            kind = 1 if share in FLOWS else 0
            has_flow |= kind == 1
            obs.append((len(observed), 0, y - seg.start_year - 1, share, value, kind))
            observed.append(value)
            kinds.append(kind)
            labels.append((seg.unit, y, share))
        growth_name = None
        if seg.standard != latest:
            growth_name = f"growth.{seg.standard}"
            if growth_name not in [q.name for q in quantities]:
                quantities.append(Quantity(growth_name, params.values["model.income.growth"], "nuisance"))
        runs.append(_Run(inputs=inputs, years=years, observations=obs, unit=unit_key,
                         near_share_free=near_free, money_free=money_free, growth_name=growth_name))
        for y in years:
            quantities.append(Quantity(f"latent.{unit_key}.{y}", None, "latent"))
    if need_money:
        quantities.append(Quantity(PAST_SPENDING, settings.past_spending, "nuisance"))
    if need_near:
        quantities.append(Quantity(NEAR_SHARE, settings.near_poor_share, "nuisance"))
    quantities.append(Quantity(NOISE_RATE, settings.noise_rate, "nuisance"))
    if has_flow:
        quantities.append(Quantity(NOISE_FLOW, settings.noise_flow, "nuisance"))
    units = sorted({s.unit for s in segments})
    return Problem(quantities=quantities, observed=np.array(observed), kinds=np.array(kinds), labels=labels,
                   runs=runs, base=_base_samples(params, book), component_ids=comp_ids,
                   description=f"{', '.join(units)}: {sum(len(s.observations) for s in segments)} observations "
                               f"in {len(segments)} segment(s)")


__all__ = [
    "FITTED", "CalibrationFile", "Posterior", "Problem", "Quantity", "Settings", "load_calibration",
    "load_settings", "observed_problem", "posterior_samples", "sample_posterior",
]

