"""Optimisation: never worse than the built-in rules, constraints hold, exact reproduction,
min-cost (reachable and not), explanation, command line. Few draws keep it fast."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import planning
from planning.analyses.constraints import random_allocations
from planning.analyses.optimize import (
    BUILTIN_RULES,
    OPTIMUM,
    Constraints,
    optimize,
    prepared_on_baseline,
    rule_amounts,
)
from planning.basics.errors import PlanningInputError
from planning.frontends.cli import main as cli_main
from planning.models.engine import project
from planning.models.runner import prepare
from planning.stores.baseline import synthetic_baseline

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
DRAWS = 48


@pytest.fixture(scope="module")
def plan_opt():
    return optimize(SCENARIOS / "district_plan.yaml", draws=DRAWS)


@pytest.mark.parametrize("name", ["district_plan", "need_weighted", "budget_cut_30", "shock_2027"])
def test_optimum_never_worse_than_any_builtin_rule(name):
    o = optimize(SCENARIOS / f"{name}.yaml", draws=DRAWS, explain=False)
    best = o.objective_value(OPTIMUM)
    for rule in BUILTIN_RULES:
        assert best <= o.objective_value(rule), rule
    # the comparison was made on the same draws as a plain run of each rule
    nw = planning.run_prepared(o.prep, amounts=rule_amounts(o.prep, "need_weighted"), counterfactual=False)
    row = o.comparison().set_index("allocation").loc["need_weighted"]
    assert row["poverty_rate_end_mean"] == pytest.approx(nw.outcomes()["poverty_rate_end_mean"], rel=1e-12)


def test_optimum_never_worse_than_100_random_allocations(plan_opt):
    prep = plan_opt.prep
    budget = prep.amounts.sum(axis=0)
    rand = random_allocations(prep, 100, seed=5)
    for a in rand[:5]:  # the yardstick keeps the budget of every year
        np.testing.assert_allclose(a.sum(axis=(0, 1)), budget.sum(axis=0), rtol=1e-9)
        assert (a >= 0).all()
    assert np.std([a[:, 0].sum() for a in rand]) > 0  # they differ from each other
    rates = []
    for a in rand:
        r = project(prep.engine_inputs(a), prep.engine_draws(), outputs=("poor", "households"))
        rates.append(float((r["poor"][:, :, -1].sum(1) / r["households"][:, :, -1].sum(1)).mean()))
    best = plan_opt.objective_value(OPTIMUM)
    assert best <= min(rates)
    # the yardstick is not trivial: the random allocations spread over a range of outcomes
    assert max(rates) - min(rates) > 0.001


def test_max_probability_never_worse_than_rules():
    # a target between the draws' rates so that the probability is neither 0 nor 1
    o = optimize(SCENARIOS / "district_plan.yaml", draws=DRAWS, objective="max-probability", target=0.062,
                 explain=False)
    comp = o.comparison().set_index("allocation")
    assert 0 < comp.loc["need_weighted", "prob_below_target"] < 1
    for rule in BUILTIN_RULES:
        assert comp.loc[OPTIMUM, "prob_below_target"] >= comp.loc[rule, "prob_below_target"]


def test_optimum_beats_the_rules_on_the_shipped_plan(plan_opt):
    comp = plan_opt.comparison().set_index("allocation")
    assert comp.loc[OPTIMUM, "poverty_rate_end_mean"] < comp.loc[list(BUILTIN_RULES), "poverty_rate_end_mean"].min()
    assert plan_opt.chosen == OPTIMUM


def test_constraints_hold(plan_opt):
    o = plan_opt
    a = o.amounts
    budget = o.prep.amounts.sum(axis=0)
    np.testing.assert_allclose(a.sum(axis=(0, 1)), budget.sum(axis=0), atol=0.05)  # yearly totals
    comp = a.sum(axis=0)
    c = o.constraints
    assert (comp >= c.component_floor * budget - 0.05).all()
    assert (comp <= c.component_ceiling * budget + 0.05).all()
    nw = rule_amounts(o.prep, "need_weighted")
    assert (a >= c.need_floor_share * nw - 0.01).all()
    assert (a >= 0).all()


def test_custom_constraints_hold():
    prep = prepare(SCENARIOS / "district_plan.yaml", draws=32)
    cons = Constraints(need_floor_share=0.8, component_floor=1.0, component_ceiling=1.0,
                       unit_ceiling_share=0.15, unit_floor={"muong_giang": 600.0})
    o = optimize(prep, constraints=cons, explain=False)
    a = o.amounts
    budget = prep.amounts.sum(axis=0)
    np.testing.assert_allclose(a.sum(axis=0), budget, atol=0.05)  # mix kept: only communes change
    per_unit_year = a.sum(axis=1)
    assert (per_unit_year <= 0.15 * budget.sum(axis=0)[None, :] + 0.05).all()
    assert (per_unit_year[prep.baseline.units.index("muong_giang")] >= 600.0 - 0.05).all()
    assert (a >= 0.8 * rule_amounts(prep, "need_weighted") - 0.01).all()
    # no rule satisfies these constraints: the search started from the closest feasible point
    assert not o.comparison().set_index("allocation").loc[list(BUILTIN_RULES), "feasible"].any()
    assert o.trace["objective"].iloc[-1] <= o.trace["objective"].iloc[0]


def test_year_by_year_keeps_yearly_totals():
    prep = prepare(SCENARIOS / "district_plan.yaml", draws=24)
    o = optimize(prep, constraints=Constraints(by_year=True), explain=False)
    np.testing.assert_allclose(o.amounts.sum(axis=(0, 1)), prep.amounts.sum(axis=(0, 1)), atol=0.05)
    assert o.objective_value(OPTIMUM) <= min(o.objective_value(r) for r in BUILTIN_RULES)


def test_contradictory_constraints_are_an_input_error():
    prep = prepare(SCENARIOS / "district_plan.yaml", draws=8)
    with pytest.raises(PlanningInputError) as exc:
        optimize(prep, constraints=Constraints(unit_floor={u: 5000.0 for u in prep.baseline.units.ids}))
    assert exc.value.field == "constraints"
    with pytest.raises(PlanningInputError) as exc:
        optimize(prep, constraints=Constraints(need_floor_share=1.5))
    assert exc.value.field == "need_floor_share"
    with pytest.raises(PlanningInputError) as exc:
        optimize(SCENARIOS / "no_new_programmes.yaml", draws=8)
    assert exc.value.field == "budget"


def test_table_scenario_reproduces_the_optimum_exactly(plan_opt, tmp_path):
    out = plan_opt.write(tmp_path / "opt")
    for name in ("summary.csv", "unit_outcomes.csv", "allocation.csv", "outcomes.json", "manifest.json",
                 "scenario.yaml", "comparison.csv", "explanation.md", "explanation.csv", "trace.csv",
                 "optimisation.json"):
        assert (out / name).exists(), name
    table = pd.read_csv(out / "allocation.csv")
    assert list(table.columns) == ["unit", "component", "year", "amount"]
    again = planning.run(out / "scenario.yaml")
    for key, arr in plan_opt.result.arrays.items():
        assert np.array_equal(again.arrays[key], arr), key
    assert np.array_equal(again.amounts, plan_opt.amounts)
    a, b = again.outcomes(), plan_opt.result.outcomes()
    for key in ("poverty_rate_end_mean", "prob_below_target", "households_lifted", "total_spending"):
        assert a[key] == b[key], key


def test_explanation_shows_equalised_marginal_returns(plan_opt):
    e = plan_opt.explanation
    assert {"unit", "component", "amount_optimum", "amount_need_weighted", "marginal_need_weighted",
            "marginal_optimum"} <= set(e.columns)
    ce = plan_opt.component_explanation()
    free = ce[ce["status"] == ""]
    assert not free.empty
    # inside a component the optimiser narrows the spread of returns between communes
    narrower = (free["return_opt_max"] - free["return_opt_min"]) < (free["return_nw_max"] - free["return_nw_min"])
    assert narrower.mean() >= 0.5
    md = plan_opt.explanation_markdown()
    assert "## Vì sao / Why" in md and "need-weighted" in md and "Lưu ý / Caveat" in md


def test_min_cost_reports_unreachable_target_bilingually():
    o = optimize(SCENARIOS / "district_plan.yaml", draws=24, objective="min-cost", probability=0.5,
                 max_scale=2.0, explain=False)
    assert o.reached is False and o.budget_scale == 2.0
    assert "KHÔNG có mức ngân sách" in o.message("vi")
    assert "NO budget up to 2.0" in o.message("en")
    assert o.amounts.sum() == pytest.approx(2.0 * o.prep.amounts.sum(), rel=1e-6)


def test_min_cost_finds_the_smallest_budget_when_reachable():
    o = optimize(SCENARIOS / "district_plan.yaml", draws=24, objective="min-cost", probability=0.5,
                 target=0.055, max_scale=2.0, scale_tolerance=0.1, explain=False)
    assert o.reached is True
    curve = o.cost_curve
    ok = curve[curve["prob_below_target"] >= 0.5]
    assert o.budget_scale == pytest.approx(ok["budget_scale"].min())
    assert (curve[curve["budget_scale"] < o.budget_scale]["prob_below_target"] < 0.5).all()
    assert float((o.candidates[0].rates < 0.055).mean()) >= 0.5
    assert "Smallest budget" in o.message("en") and "Ngân sách nhỏ nhất" in o.message("vi")


def test_synthetic_communes():
    prep = prepare(SCENARIOS / "district_plan.yaml", draws=16)
    b = synthetic_baseline(40, seed=3)
    p2 = prepared_on_baseline(prep, b, budget_scale=b.households.sum() / prep.baseline.households.sum())
    o = optimize(p2, explain=False)
    feasible = o.comparison().set_index("allocation")
    rules = [r for r in BUILTIN_RULES if feasible.loc[r, "feasible"]]
    assert o.objective_value(OPTIMUM) <= min(o.objective_value(r) for r in rules)


def test_cli_optimize(tmp_path, capsys):
    rc = cli_main(["optimize", str(SCENARIOS / "district_plan.yaml"), "--out", str(tmp_path / "o"),
                   "--draws", "16", "--lang", "en"])
    assert rc == 0
    out = capsys.readouterr().out
    from planning.basics.i18n import label

    # the planners' names of the allocations and the objective in words, never the ids
    assert label("optimum", "en") in out and label("rule_need_weighted", "en") in out
    for code in ("need_weighted", "per_poor_household", "min-poverty", "P(<"):
        assert code not in out, code
    assert "the lowest mean poverty rate" in out
    assert (tmp_path / "o" / "allocation.csv").exists()


def test_constraints_file(tmp_path):
    from planning.analyses.optimize import load_constraints

    p = tmp_path / "c.yaml"
    p.write_text("need_floor_share: 0.3\ncomponent_bounds: {credit: [100, 2000]}\nby_year: true\n", encoding="utf-8")
    c = load_constraints(p)
    assert c.need_floor_share == 0.3 and c.component_bounds == {"credit": (100, 2000)} and c.by_year
    p.write_text("need_floor: 0.3\n", encoding="utf-8")
    with pytest.raises(PlanningInputError) as exc:
        load_constraints(p)
    assert exc.value.field == "need_floor" and "c.yaml" in exc.value.file


def test_moving_a_used_prepared_onto_other_communes_recomputes_what_depends_on_them():
    # the benchmark's order: the district first (its per-commune correlation cached), then
    # synthetic communes; a stale 11-commune cache broke the 500-commune run
    prep = prepare(SCENARIOS / "district_plan.yaml", draws=8)
    assert prep.unit_correlation().shape == (prep.baseline.units.n,)
    b = synthetic_baseline(30, seed=2)
    moved = prepared_on_baseline(prep, b)
    assert moved.unit_correlation().shape == (30,)
    assert moved.engine_inputs().income_correlation.shape == (30,)
    assert prep.unit_correlation().shape == (prep.baseline.units.n,)


def test_dask_executor_finds_the_same_optimum_and_leaves_no_process():
    """The search on a Dask LocalCluster (the national case's executor) gives the same
    allocation as in this process, and its worker processes are gone when it returns."""
    import multiprocessing

    from planning.analyses.allocation_search import Settings

    prep = prepare(SCENARIOS / "district_plan.yaml", draws=DRAWS)
    local = optimize(prep, explain=False, settings=Settings(max_iter=4))
    before = {p.pid for p in multiprocessing.active_children()}
    dask_default = Path(tempfile.gettempdir()) / "dask-scratch-space"
    left = set(dask_default.glob("*"))
    remote = optimize(prep, explain=False, settings=Settings(max_iter=4, executor="dask", workers=2))
    np.testing.assert_allclose(remote.amounts, local.amounts, rtol=0, atol=1e-9)
    assert remote.trace["engine_cells"].iloc[-1] == local.trace["engine_cells"].iloc[-1]
    assert {p.pid for p in multiprocessing.active_children()} <= before
    assert not list(Path(tempfile.gettempdir()).glob("planning-dask-*"))  # its scratch folder is gone too
    assert set(dask_default.glob("*")) == left  # and nothing was left in dask's default one
    with pytest.raises(PlanningInputError, match="executor"):
        optimize(prep, explain=False, settings=Settings(executor="spark"))


def test_a_cluster_whose_start_fails_halfway_is_stopped(monkeypatch):
    """When sending the draws to a freshly started LocalCluster fails, the cluster's worker
    processes and its scratch folder are gone when the error reaches the caller."""
    import multiprocessing

    import distributed

    from planning.analyses.allocation_search import Settings

    def refuse(*_a, **_k):
        raise RuntimeError("scatter refused")

    prep = prepare(SCENARIOS / "district_plan.yaml", draws=DRAWS)
    before = {p.pid for p in multiprocessing.active_children()}
    monkeypatch.setattr(distributed.Client, "scatter", refuse)
    with pytest.raises(RuntimeError, match="scatter refused"):
        optimize(prep, explain=False, settings=Settings(max_iter=1, executor="dask", workers=1))
    assert {p.pid for p in multiprocessing.active_children()} <= before
    assert not list(Path(tempfile.gettempdir()).glob("planning-dask-*"))
