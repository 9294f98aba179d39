"""From a scenario to a Result: load and check inputs, allocate money, sample, project.

``prepare`` does everything an engine needs that does not depend on the engine (so the
commune engine and the household microsimulation see the same data, money and draws);
``run`` adds the projection.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from planning.basics.checks import known, number, problem
from planning.basics.checks import year as check_year
from planning.basics.errors import PlanningInputError
from planning.basics.paths import display_path
from planning.basics.yamlio import read_yaml
from planning.models.engine import project
from planning.models.prepared import Prepared
from planning.models.results import PlanPath, Result
from planning.models.sampling import sample, shock_uniforms
from planning.stores.allocation import allocate, load_allocation_rules
from planning.stores.baseline import Baseline, load_baseline
from planning.stores.calibration_files import load_calibration, posterior_samples
from planning.stores.parameters import load_model_parameters
from planning.stores.programmes import load_programme_book
from planning.stores.scenario import LoadedScenario, load_scenario, scenario_inputs
from planning.stores.standards import list_standards, load_standard, standard_in_force

EngineName = Literal["commune", "microsim"]


def load_plan(data: Path, baseline: Baseline) -> PlanPath:
    """The district target and the plan path from ``data/plan.yaml`` and the review series.

    The path starts at the district rate of the review of ``path.reference_year`` (2025, the
    baseline the projections start from; the latest review before it when that year is
    missing) and runs straight to ``path.end_rate`` (a share, just below the target) in
    ``path.end_year``; the older form ``path.reduction_per_year`` (share points a year) is read
    too. Every value is checked: rates are shares (the target above 0), years 2000–2100, the
    target standard known.
    """
    path = data / "plan.yaml"
    shown = display_path(path)
    raw = read_yaml(path)

    def mapping(node: Any, field: str) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise problem(shown, field, "a mapping of fields", "một bảng các trường", "absent" if node is None else node)
        return node

    target, p = mapping(mapping(raw, "<root>").get("target"), "target"), mapping(raw.get("path"), "path")
    target_rate = number(target.get("poverty_rate"), shown, "target.poverty_rate", lo=0.0, hi=1.0, lo_open=True,
                         what_en="a share of households above 0 and at most 1 (0.01 for 1 %)",
                         what_vi="tỷ lệ hộ lớn hơn 0 và không quá 1 (0.01 là 1 %)")
    target_year = check_year(target.get("year"), shown, "target.year")
    if "standard" in target:
        from planning.stores.standards import list_standards

        known(target["standard"], [s.id for s in list_standards(data)], shown, "target.standard",
              what_en="a standard of data/standards:", what_vi="một chuẩn nghèo trong data/standards:")
    ref_year = check_year(p.get("reference_year"), shown, "path.reference_year")
    years = sorted(int(y) for y in set(baseline.series["year"]))
    if ref_year not in years:
        earlier = [y for y in years if y <= ref_year]
        ref_year = earlier[-1] if earlier else years[0]
    if target_year <= ref_year:
        raise problem(shown, "target.year", f"a year after the reference review ({ref_year})",
                      f"một năm sau năm rà soát gốc ({ref_year})", target_year)
    ref_rate = baseline.district_rate(ref_year)
    if "end_rate" in p:
        end_rate = number(p["end_rate"], shown, "path.end_rate", lo=0.0, hi=1.0,
                          what_en="a share of households between 0 and 1 (0.009 for 0.9 %)",
                          what_vi="tỷ lệ hộ từ 0 đến 1 (0.009 là 0,9 %)")
        end_year = check_year(p.get("end_year", target_year), shown, "path.end_year")
        if end_year <= ref_year:
            raise problem(shown, "path.end_year", f"a year after the reference year ({ref_year})",
                          f"một năm sau năm gốc ({ref_year})", end_year)
        reduction = max(ref_rate - end_rate, 0.0) / (end_year - ref_year)
    elif "reduction_per_year" in p:
        reduction = number(p["reduction_per_year"], shown, "path.reduction_per_year", lo=0.0, hi=1.0,
                           what_en="a share of households per year between 0 and 1 (0.02 for 2 points)",
                           what_vi="tỷ lệ hộ mỗi năm từ 0 đến 1 (0.02 là 2 điểm phần trăm)")
    else:
        raise problem(shown, "path.end_rate", "path.end_rate (or path.reduction_per_year)",
                      "path.end_rate (hoặc path.reduction_per_year)", "absent / không có")
    return PlanPath(target_rate=target_rate, target_year=target_year, reference_year=ref_year,
                    reference_rate=ref_rate, reduction_per_year=reduction)


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
    load_allocation_rules(data / "allocation_rules.yaml")  # checked whatever the rule (the app switches rules)
    for i, shock in enumerate(sc.shocks):
        for unit in shock.units or ():
            baseline.units.index(unit, file=loaded.source, field=f"shocks.{i}.units")
    amounts = allocate(loaded, baseline, book, data / "allocation_rules.yaml")
    known_standards = [s.id for s in list_standards(data)]
    for y, sid in sc.standards.items():
        known(sid, known_standards, loaded.source, f"standards.{y}", what_en="a standard of the data folder:",
              what_vi="một chuẩn nghèo của thư mục số liệu:")
    standards = [sc.standard_for(y) or standard_in_force(y, data).id for y in sc.years]
    for sid in standards:
        load_standard(sid, data)
    args = "<arguments / tham số>"
    n = sc.draws if draws is None else int(number(draws, args, "draws", lo=1, hi=1_000_000, whole=True,
                                                  what_en="a whole number of Monte Carlo draws 1–1,000,000",
                                                  what_vi="số lần mô phỏng nguyên 1–1.000.000"))
    s = sc.seed if seed is None else int(number(seed, args, "seed", lo=0, whole=True,
                                                what_en="a whole number ≥ 0", what_vi="số nguyên ≥ 0"))
    method = sampling or sc.sampling
    if method not in ("random", "lhs", "sobol", "mode"):
        raise problem(args, "sampling", "random, lhs, sobol or mode", "random, lhs, sobol hoặc mode", method)
    dists = {**params.uncertain(), **book.uncertain()}
    samples = {k: np.full(n, v) for k, v in {**params.fixed_values(), **book.fixed_values()}.items()}
    samples.update(sample(dists, n, s, method))  # type: ignore[arg-type]
    cal_info = None
    if loaded.calibration_path is not None:
        cal = load_calibration(loaded.calibration_path, source=loaded.source)
        drawn = posterior_samples(cal, n, s, known=list(samples))
        overridden = set(sc.overrides.model_names()) & set(drawn)
        for name in overridden:  # a scenario's own override wins over the calibration
            drawn.pop(name)
        samples.update(drawn)
        cal_info = {"file": display_path(cal.path), "title": cal.meta.get("title", {}),
                    "parameters": sorted(drawn), "not_identified": cal.not_identified,
                    "units": cal.meta.get("units", []), "fit_until": cal.meta.get("fit_until")}
    prep = Prepared(
        loaded=loaded, baseline=baseline, book=book, params=params, amounts=amounts,
        standards=standards, baseline_standard=standard_in_force(baseline.year, data).id,
        plan=load_plan(data, baseline), samples=samples, shock_u=shock_uniforms(n, len(sc.years), s, method),
        draws=n, seed=s, sampling=method, calibration=cal_info,
    )
    if sc.target_paths:  # targets stated as paths: the money that meets them joins the allocation
        from planning.models.pricing import price_target_paths

        priced = price_target_paths(prep, sc.target_paths)
        prep = replace(prep, amounts=prep.amounts + priced.amounts, priced=priced.table)
    return prep


def run(scenario: str | Path | dict[str, Any] | LoadedScenario, *, draws: int | None = None,
        seed: int | None = None, engine: EngineName = "commune", sampling: str | None = None,
        counterfactual: bool = True, indicators: bool = False) -> Result:
    """Project a scenario; ``draws``/``seed``/``sampling`` override the scenario's own.

    ``engine`` is ``"commune"`` (fast state-transition engine) or ``"microsim"`` (household
    microsimulation). With ``counterfactual``, the same draws are also run with no programme
    money, to report households lifted and cost per household lifted. With ``indicators``, the
    result also holds the households deprived in each indicator (``Result.deprivations``).
    """
    prep = prepare(scenario, draws=draws, seed=seed, sampling=sampling)
    return run_prepared(prep, engine=engine, counterfactual=counterfactual, indicators=indicators)


def run_prepared(prep: Prepared, *, engine: EngineName = "commune", counterfactual: bool = True,
                 amounts: np.ndarray | None = None, indicators: bool = False) -> Result:
    """Project already prepared inputs (the dashboard and optimiser reuse one ``Prepared``)."""
    original = prep  # its cache (the indicator ledger's start) does not depend on the money
    if amounts is not None:
        prep = replace(prep, amounts=amounts)
    by_indicator = None
    if engine == "commune":
        inputs, draws = prep.engine_inputs(), prep.engine_draws()
        ledger = None
        if indicators:
            K = inputs.targets.shape[0]
            ledger = np.zeros((inputs.n_years, inputs.n_units, draws.n, 6 + 3 * K))
        arrays = project(inputs, draws, ledger=ledger)
        cf = None
        if counterfactual:
            cf = project(prep.engine_inputs(np.zeros_like(prep.amounts)), prep.engine_draws(),
                         outputs=("poor",))["poor"]
        if ledger is not None:
            from planning.models.indicators import cached_ledger_setup, ledger_counts

            setup = cached_ledger_setup(original)
            by_indicator = (setup.profiles.indicators, ledger_counts(setup, arrays["households"], ledger))
    elif engine == "microsim":
        from planning.models.microsim import project_with_indicators  # heavy; only when asked

        arrays, cf, by_indicator = project_with_indicators(prep, counterfactual=counterfactual,
                                                           indicators=indicators)
    else:
        raise PlanningInputError("<run>", "engine", "'commune' or 'microsim'", engine)
    in_force = []
    if by_indicator is not None:
        data = prep.loaded.baseline_dir
        in_force = [tuple(load_standard(s, data).indicator_ids) for s in prep.standards]
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
        counterfactual_poor=cf, calibration=prep.calibration,
        indicator_ids=by_indicator[0] if by_indicator else (),
        deprived=by_indicator[1] if by_indicator else None, indicators_in_force=in_force, priced=prep.priced,
    )
