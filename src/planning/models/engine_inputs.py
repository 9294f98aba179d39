"""The commune engine's inputs: the deterministic arrays of a scenario (:class:`EngineInputs`),
the uncertain parameters of each draw (:class:`Draws`), the histogram's numerical settings
and the names of what the engine returns. Money is million VND; households are counts."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

#: quantities the engine can return, each [draw, unit, year] (households)
OUTPUTS = (
    "households", "poor", "near_poor", "escaped_stock", "exits", "lifts", "re_poor", "new_poor",
    "reclassified_poor",
)
#: who the poor of a year are, by history (needs ``decompose=True``); the five add up to "poor"
DECOMPOSITION = ("poor_unreached", "poor_reached", "poor_re", "poor_new", "poor_switch")

#: histogram of log income relative to the line in force: numerical settings, not data
BIN_WIDTH = 0.1  # log points per bin
X_LOW = -2.5  # lower edge of the first bin (income = 8 % of the line)
N_BINS = 60  # up to +3.5 log points (33 times the line)
LINE_BIN = 25  # first bin above the line: X_LOW + LINE_BIN * BIN_WIDTH == 0
_MAX_P = 0.95  # a yearly setback probability raised by shocks never reaches certainty
#: rows of the per-draw parameter table passed to the kernel
PER_DRAW = (
    "growth", "log_sd", "setback_probability", "setback_loss", "setback_persistent_share",
    "escaped_relative_risk", "deprivation_onset", "income_correlation", "deprivation_resolution",
    "near_poor_to_poor", "poor_to_near_poor", "household_growth", "capacity_uplift", "intensity_returns",
    "money_scale", "start_near_poor_share", "switch_scale", "newly_listed_to_poor",
)


@dataclass(frozen=True)
class EngineInputs:
    """Everything deterministic the engine needs (no draws here).

    households, poor, near_poor: [unit] at the start (end of the baseline year).
    escaped: [years since exit 1..S, unit] newly escaped households at the start (a [unit]
        total is spread evenly over the S cohorts); NaN where unknown, in which case the
        engine takes the households within S years of growth above the line.
    amounts: [unit, component, year] million VND; the last component is ``capacity``.
    targets: [component without capacity, group P/N/E] share of a component's money per group.
    coverage_cap: [component without capacity, group, unit] highest reachable coverage.
    switch_log_ratio: [year, unit] ln(new income line / old line) when the standard changes at
        the start of that year, else 0.
    shock_fixed: [year, unit] multiplier (>= 0) of setback probabilities from scenario shocks.
    capacity_scale: million VND per household giving 63 % of capacity's uplift.
    support_years: years a newly escaped household keeps that status (36 months: 3).
    """

    households: np.ndarray
    poor: np.ndarray
    near_poor: np.ndarray
    escaped: np.ndarray
    amounts: np.ndarray
    targets: np.ndarray
    coverage_cap: np.ndarray
    switch_log_ratio: np.ndarray
    shock_fixed: np.ndarray
    capacity_scale: float
    support_years: int = 3
    #: [unit] correlation of low income and multiple deprivation solved from the unit's own
    #: deprivation data (NaN or None: each draw's ``deprivation.income_correlation``)
    income_correlation: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return self.households.shape[0]

    @property
    def n_years(self) -> int:
        return self.amounts.shape[2]


@dataclass(frozen=True)
class Draws:
    """Sampled parameters, each [draw] (component ones [draw, component]).

    Units: growth and setback_loss in log points a year / per setback; probabilities and
    shares in [0, 1]; unit_cost million VND per household reached; effect_income log points
    of income gained by a reached household; effect_deprivation the probability that a
    reached multiply-deprived household falls below the cut-off (and the relative cut of a
    reached household's chance of becoming multiply deprived); effect_protect the relative
    cut of a reached household's setback probability.
    """

    growth: np.ndarray
    log_sd: np.ndarray
    setback_probability: np.ndarray
    setback_loss: np.ndarray
    setback_persistent_share: np.ndarray
    escaped_relative_risk: np.ndarray
    deprivation_onset: np.ndarray
    income_correlation: np.ndarray
    deprivation_resolution: np.ndarray
    near_poor_to_poor: np.ndarray
    poor_to_near_poor: np.ndarray
    newly_listed_to_poor: np.ndarray
    household_growth: np.ndarray
    shock: np.ndarray  # [draw, year] multiplier of setback probabilities from random bad years
    unit_cost: np.ndarray  # [draw, component]
    effect_income: np.ndarray
    effect_deprivation: np.ndarray
    effect_protect: np.ndarray
    capacity_uplift: np.ndarray
    intensity_returns: np.ndarray  # η: effects grow as (packages per reached household)^η
    #: multiplier of every amount (calibration: past spending per household); None = 1
    money_scale: np.ndarray | None = None
    #: near-poor share of poor + near-poor at the start, replacing the inputs' near-poor count
    #: (calibration on series that do not give it); None or NaN = the inputs' count
    start_near_poor_share: np.ndarray | None = None
    #: what-if lever: share of the households a change of standard would make poor that it
    #: does make poor (the rest are listed near-poor); None = 1 (the model as it is)
    switch_scale: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.growth.shape[0]

    def take(self, index: np.ndarray | slice) -> Draws:
        """The draws at ``index`` (every field sliced along the draw axis)."""
        return Draws(**{k: (None if v is None else v[index]) for k, v in self.__dict__.items()})


#: Draws field -> dotted name in data/model_parameters.yaml
MODEL_NAMES = {
    "growth": "income.growth",
    "log_sd": "income.log_sd",
    "setback_probability": "setbacks.probability",
    "setback_loss": "setbacks.income_loss",
    "setback_persistent_share": "setbacks.persistent_share",
    "escaped_relative_risk": "setbacks.escaped_relative_risk",
    "deprivation_onset": "setbacks.deprivation_onset",
    "income_correlation": "deprivation.income_correlation",
    "deprivation_resolution": "deprivation.resolution",
    "near_poor_to_poor": "standard_switch.near_poor_to_poor",
    "poor_to_near_poor": "standard_switch.poor_to_near_poor",
    "newly_listed_to_poor": "standard_switch.newly_listed_to_poor",
    "household_growth": "households.growth",
}


def bad_year_shocks(samples: Mapping[str, np.ndarray], shock_u: np.ndarray) -> np.ndarray:
    """[draw, year] setback multipliers: a year is bad when its uniform is below the draw's
    bad-year probability."""
    prob = np.asarray(samples["model.bad_years.probability"], float)
    mult = np.asarray(samples["model.bad_years.multiplier"], float)
    return np.where(shock_u < prob[:, None], mult[:, None], 1.0)


def component_draws(samples: Mapping[str, np.ndarray], component_ids: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The programme book's fields of :class:`Draws` (unit costs, effects, capacity, intensity)
    from named samples (``programmes.*``)."""
    def comp(field: str) -> np.ndarray:
        return np.stack([np.asarray(samples[f"programmes.{c}.{field}"], float) for c in component_ids], axis=1)

    return {"unit_cost": comp("unit_cost"), "effect_income": comp("effects.income"),
            "effect_deprivation": comp("effects.deprivation"), "effect_protect": comp("effects.protect"),
            "capacity_uplift": np.asarray(samples["programmes.capacity.max_uplift"], float),
            "intensity_returns": np.asarray(samples["programmes.intensity.returns"], float)}


def draws_from_samples(samples: Mapping[str, np.ndarray], component_ids: tuple[str, ...],
                       shock_u: np.ndarray, components: Mapping[str, np.ndarray] | None = None) -> Draws:
    """Arrange named samples (``model.*``, ``programmes.*``) into engine arrays.

    ``shock_u`` [draw, year] uniforms: a year is bad in a draw when its uniform falls below
    that draw's bad-year probability. ``components``: :func:`component_draws` of the same
    samples, where the caller holds it already (a calibration varies only ``model.*``, step
    after step).
    """
    return Draws(
        **{f: np.asarray(samples[f"model.{name}"], dtype=float) for f, name in MODEL_NAMES.items()},
        shock=bad_year_shocks(samples, shock_u),
        **(component_draws(samples, component_ids) if components is None else components),
    )


def persistence(log_sd: np.ndarray | float, probability: np.ndarray | float,
                loss: np.ndarray | float, persistent_share: np.ndarray | float) -> np.ndarray:
    """Yearly persistence ρ of log permanent income that keeps its spread σ steady.

    The persistent part of a setback (probability π, loss φ·s) adds variance π(1 − π)(φs)² a
    year; regression to the mean removes (1 − ρ²)σ². Equal when ρ = √(1 − π(1 − π)(φs)²/σ²)
    (never below 0.5). This is the continuous model's ρ (the household microsimulation's);
    the engine's histogram also takes off its own smoothing, h²/6 a year (docs/model.md §10).
    """
    sd = np.asarray(log_sd, float)
    p = np.asarray(probability, float)
    s = np.asarray(loss, float) * np.asarray(persistent_share, float)
    return np.sqrt(np.maximum(1.0 - p * (1.0 - p) * s * s / (sd * sd), 0.25))

# numba's default threading layer must not be entered from two Python threads at once.
_KERNEL_LOCK = threading.Lock()


def per_draw_table(draws: Draws) -> np.ndarray:
    """[PER_DRAW row, draw] parameters as the compiled kernels read them; an absent optional
    row is 1 for the scales (no change) and NaN for the rest (the kernel derives it)."""
    D = draws.n
    rows = []
    for f in PER_DRAW:
        v = getattr(draws, f)
        if v is None:
            v = np.ones(D) if f in ("money_scale", "switch_scale") else np.full(D, np.nan)
        rows.append(np.asarray(v, dtype=float))
    return np.ascontiguousarray(np.stack(rows))
