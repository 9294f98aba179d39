"""A scenario's checked inputs, ready for an engine (:class:`Prepared`).

Its own module so that both engines (the commune engine in :mod:`planning.models.runner` and the
household microsimulation in :mod:`planning.models.microsim`) can depend on it without depending on
each other. Money is million VND; rates are shares in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planning.models.engine import EngineInputs, correlation_for, draws_from_samples
from planning.models.results import PlanPath
from planning.stores.baseline import Baseline
from planning.stores.parameters import ModelParameters
from planning.stores.programmes import GROUPS, ProgrammeBook
from planning.stores.scenario import LoadedScenario
from planning.stores.standards import load_standard

__all__ = ["Prepared"]

#: deprivation-rate group used to cap coverage of each programme target group
_DEPRIVATION_GROUP = {"poor": "poor", "near_poor": "near_poor", "newly_escaped": "non_poor"}


@dataclass(frozen=True)
class Prepared:
    """A scenario's checked inputs, ready for an engine."""

    loaded: LoadedScenario
    baseline: Baseline
    book: ProgrammeBook
    params: ModelParameters
    amounts: np.ndarray  # [unit, component, year] million VND
    standards: list[str]
    baseline_standard: str
    plan: PlanPath
    samples: dict[str, np.ndarray]
    shock_u: np.ndarray
    draws: int
    seed: int
    sampling: str
    #: the calibration whose posterior draws replaced the prior ones (None: priors only)
    calibration: dict[str, Any] | None = None
    #: the scenario's target paths and the money that meets them (models/pricing.py), if any
    priced: Any = None
    #: derived values; not an init field, so dataclasses.replace (other communes, other amounts)
    #: starts a copy with an empty cache instead of sharing a stale one
    _cache: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def years(self) -> list[int]:
        return self.loaded.scenario.years

    def engine_inputs(self, amounts: np.ndarray | None = None) -> EngineInputs:
        """The commune engine's deterministic inputs (``amounts`` replaces the allocation)."""
        b, book, sc = self.baseline, self.book, self.loaded.scenario
        amounts = self.amounts if amounts is None else amounts
        S = self.params.escaped_support_years
        escaped = np.zeros((S, b.units.n))
        k = min(S, b.escaped_cohorts.shape[0])
        escaped[:k] = b.escaped_cohorts[:k]
        caps = np.ones((len(book.components), len(GROUPS), b.units.n))
        for i, comp in enumerate(book.components):
            for g, group in enumerate(GROUPS):
                if comp.max_coverage is not None:
                    caps[i, g] = comp.max_coverage
                else:
                    caps[i, g] = b.deprivation_rate(comp.max_coverage_indicator, _DEPRIVATION_GROUP[group])
        caps = np.clip(caps, 1e-6, 1.0)
        ratio = np.zeros((len(self.years), b.units.n))
        prev = load_standard(self.baseline_standard, self.loaded.baseline_dir)
        for t, sid in enumerate(self.standards):
            cur = load_standard(sid, self.loaded.baseline_dir)
            if cur.id != prev.id:
                ratio[t] = [np.log(cur.income_line(a) / prev.income_line(a)) for a in b.units.area]
            prev = cur
        shock_fixed = np.ones((len(self.years), b.units.n))
        for shock in sc.shocks:
            t = self.years.index(shock.year)
            if shock.units:
                idx = [b.units.index(u, file=self.loaded.source, field="shocks.units") for u in shock.units]
                shock_fixed[t, idx] *= shock.multiplier
            else:
                shock_fixed[t] *= shock.multiplier
        return EngineInputs(
            households=b.households, poor=b.poor, near_poor=b.near_poor, escaped=escaped,
            amounts=amounts, targets=book.target_matrix(), coverage_cap=caps,
            switch_log_ratio=ratio, shock_fixed=shock_fixed,
            capacity_scale=book.capacity_scale_per_household, support_years=S,
            income_correlation=self.unit_correlation(),
        )

    def unit_correlation(self) -> np.ndarray:
        """[unit] income–deprivation correlation that makes the non-poor as multiply deprived as
        data/deprivation_rates.csv implies (docs/model.md §3), at the parameters' modes."""
        key = "unit_correlation"
        if key not in self._cache:
            b = self.baseline
            std = load_standard(self.baseline_standard, self.loaded.baseline_dir)
            target = b.multiply_deprived_share(std.indicator_ids, std.poor_min_deprivations)
            mode = {k: v.mode for k, v in self.params.values.items()}
            self._cache[key] = np.array([
                correlation_for(b.households[u], b.poor[u], b.near_poor[u], target[u],
                                log_sd=mode["model.income.log_sd"],
                                setback_probability=mode["model.setbacks.probability"],
                                setback_loss=mode["model.setbacks.income_loss"],
                                persistent_share=mode["model.setbacks.persistent_share"])
                for u in range(b.units.n)])
        return self._cache[key]

    def engine_draws(self):
        comp_ids = tuple(c.id for c in self.book.components)
        return draws_from_samples(self.samples, comp_ids, self.shock_u)
