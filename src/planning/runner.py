"""From a scenario to a Result: load and check inputs, allocate money, sample, project.

``prepare`` does everything an engine needs that does not depend on the engine (so the
commune engine and the household microsimulation see the same data, money and draws);
``run`` adds the projection.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from planning.allocation import allocate
from planning.baseline import Baseline, load_baseline
from planning.engine import EngineInputs, draws_from_samples, project
from planning.errors import PlanningInputError
from planning.parameters import ModelParameters, load_model_parameters
from planning.programmes import GROUPS, ProgrammeBook, load_programme_book
from planning.results import PlanPath, Result
from planning.sampling import sample, shock_uniforms
from planning.scenario import LoadedScenario, load_scenario, scenario_inputs
from planning.standards import load_standard, standard_in_force
from planning.yamlio import read_yaml

EngineName = Literal["commune", "microsim"]
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

    @property
    def years(self) -> list[int]:
        return self.loaded.scenario.years

    def engine_inputs(self, amounts: np.ndarray | None = None) -> EngineInputs:
        """The commune engine's deterministic inputs (``amounts`` replaces the allocation)."""
        b, book, sc = self.baseline, self.book, self.loaded.scenario
        amounts = self.amounts if amounts is None else amounts
        S = self.params.escaped_support_years
        cohorts = np.zeros((S, b.units.n))
        k = min(S, b.escaped_cohorts.shape[0])
        cohorts[:k] = b.escaped_cohorts[:k]
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
            households=b.households, poor=b.poor, near_poor=b.near_poor, escaped=cohorts,
            amounts=amounts, targets=book.target_matrix(), coverage_cap=caps,
            switch_log_ratio=ratio, shock_fixed=shock_fixed,
            capacity_scale=book.capacity_scale_per_household,
        )

    def engine_draws(self):
        comp_ids = tuple(c.id for c in self.book.components)
        return draws_from_samples(self.samples, comp_ids, self.shock_u)


def load_plan(data: Path, baseline: Baseline) -> PlanPath:
    """The district target and the −2 pp/yr path from data/plan.yaml and the review series."""
    path = data / "plan.yaml"
    raw = read_yaml(path)
    try:
        target, p = raw["target"], raw["path"]
        ref_year = int(p["reference_year"])
        ref_rate = baseline.district_rate(ref_year) if ref_year in set(baseline.series["year"]) else None
        if ref_rate is None:
            ref_rate = baseline.district_rate(int(baseline.series["year"].min()))
            ref_year = int(baseline.series["year"].min())
        return PlanPath(target_rate=float(target["poverty_rate"]), target_year=int(target["year"]),
                        reference_year=ref_year, reference_rate=ref_rate,
                        reduction_per_year=float(p["reduction_per_year"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanningInputError("data/plan.yaml", str(exc), "target.poverty_rate, target.year, "
                                 "path.reference_year, path.reduction_per_year", "absent") from None


def prepare(scenario: str | Path | dict[str, Any] | LoadedScenario, *, draws: int | None = None,
            seed: int | None = None, sampling: str | None = None) -> Prepared:
    """Validate the scenario and its data, allocate its money, and draw its uncertain parameters.

    ``draws``, ``seed`` and ``sampling`` override the scenario's own values.
    """
    loaded = load_scenario(scenario)
    sc = loaded.scenario
    data = loaded.baseline_dir
    baseline = load_baseline(data)
    if sc.start_year != baseline.year + 1:
        raise PlanningInputError(loaded.source, "start_year",
                                 f"the year after the baseline review ({baseline.year + 1})", sc.start_year,
                                 message_vi=f"năm bắt đầu phải là {baseline.year + 1} (sau năm rà soát gốc)")
    book = load_programme_book(data / "programmes.yaml", sc.overrides.programmes, override_file=loaded.source)
    params = load_model_parameters(data / "model_parameters.yaml", sc.overrides.model, override_file=loaded.source)
    amounts = allocate(loaded, baseline, book, data / "allocation_rules.yaml")
    standards = [sc.standards.get(y) or standard_in_force(y, data).id for y in sc.years]
    for sid in standards:
        load_standard(sid, data)  # an unknown id fails here, naming the standard
    n = sc.draws if draws is None else draws
    s = sc.seed if seed is None else seed
    method = sampling or sc.sampling
    if n is None or n < 1:
        raise PlanningInputError(loaded.source, "draws", "at least 1 Monte Carlo draw", n,
                                 message_vi="số lần mô phỏng phải ít nhất là 1")
    dists = {**params.uncertain(), **book.uncertain()}
    samples = {k: np.full(n, v) for k, v in {**params.fixed_values(), **book.fixed_values()}.items()}
    samples.update(sample(dists, n, s, method))  # type: ignore[arg-type]
    return Prepared(
        loaded=loaded, baseline=baseline, book=book, params=params, amounts=amounts,
        standards=standards, baseline_standard=standard_in_force(baseline.year, data).id,
        plan=load_plan(data, baseline), samples=samples, shock_u=shock_uniforms(n, len(sc.years), s),
        draws=n, seed=s, sampling=method,
    )


def run(scenario: str | Path | dict[str, Any] | LoadedScenario, *, draws: int | None = None,
        seed: int | None = None, engine: EngineName = "commune", sampling: str | None = None,
        counterfactual: bool = True) -> Result:
    """Project a scenario; ``draws``/``seed``/``sampling`` override the scenario's own.

    ``engine`` is ``"commune"`` (fast state-transition engine) or ``"microsim"`` (household
    microsimulation). With ``counterfactual``, the same draws are also run with no programme
    money, to report households lifted and cost per household lifted.
    """
    prep = prepare(scenario, draws=draws, seed=seed, sampling=sampling)
    return run_prepared(prep, engine=engine, counterfactual=counterfactual)


def run_prepared(prep: Prepared, *, engine: EngineName = "commune", counterfactual: bool = True,
                 amounts: np.ndarray | None = None) -> Result:
    """Project already prepared inputs (the dashboard and optimiser reuse one ``Prepared``)."""
    if amounts is not None:
        prep = replace(prep, amounts=amounts)
    if engine == "commune":
        arrays = project(prep.engine_inputs(), prep.engine_draws())
        cf = None
        if counterfactual:
            cf = project(prep.engine_inputs(np.zeros_like(prep.amounts)), prep.engine_draws(),
                         outputs=("poor",))["poor"]
    elif engine == "microsim":
        from planning.microsim import project_prepared  # heavy; only when asked

        arrays, cf = project_prepared(prep, counterfactual=counterfactual)
    else:
        raise PlanningInputError("<run>", "engine", "'commune' or 'microsim'", engine)
    sc = prep.loaded.scenario
    b = prep.baseline
    return Result(
        scenario_name=sc.name, title={"vi": sc.title.vi, "en": sc.title.en}, units=b.units,
        years=prep.years, baseline_year=b.year,
        baseline_counts={"households": b.households, "poor": b.poor, "near_poor": b.near_poor},
        standards=prep.standards, baseline_standard=prep.baseline_standard,
        component_ids=prep.book.ids, amounts=prep.amounts, arrays=arrays, plan=prep.plan,
        draws=prep.draws, seed=prep.seed, sampling=prep.sampling, engine=engine,
        inputs=scenario_inputs(prep.loaded), source=prep.loaded.source, samples=prep.samples,
        counterfactual_poor=cf,
    )
