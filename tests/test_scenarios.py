"""Shipped scenarios run and tell a coherent story; bad scenarios fail with clear messages."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import planning
from planning.basics.errors import PlanningInputError
from planning.stores.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

GOLDEN = ROOT / "tests" / "golden" / "district_trajectories.csv"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_validates_and_runs(path):
    r = planning.run(path, draws=40)
    s = r.summary()
    assert set(s["level"]) == {"unit", "new_commune", "district"}
    assert len(s[s.level == "unit"]["unit"].unique()) == 11
    assert len(s[s.level == "new_commune"]["unit"].unique()) == 4
    assert list(s[s.level == "district"]["year"]) == [2025, 2026, 2027, 2028, 2029, 2030]
    for col in ("poverty_rate_mean", "poverty_rate_p05", "poverty_rate_p95"):
        assert s[col].between(0, 1).all()
    assert (s["poverty_rate_p05"] <= s["poverty_rate_mean"] + 1e-12).all()
    assert (s["poverty_rate_mean"] <= s["poverty_rate_p95"] + 1e-12).all()
    # new communes and the district add up the old units
    y = s[s.year == 2030].set_index("unit")
    assert y.loc["district", "households"] == pytest.approx(y[y.level == "unit"]["households"].sum())
    assert y.loc["district", "spending"] == pytest.approx(r.amounts[:, :, -1].sum())
    o = r.outcomes()
    assert 0 <= o["prob_below_target"] <= 1
    assert o["scenario"] == path.stem


def test_scenarios_rank_as_a_planner_expects():
    out = {p.stem: planning.run(p, draws=200).outcomes()["poverty_rate_end_mean"] for p in SCENARIOS}
    assert out["no_new_programmes"] > out["budget_cut_30"] > out["district_plan"] > out["accelerated"]
    assert out["shock_2027"] > out["district_plan"]


def test_golden_district_trajectories_within_tolerance():
    """Regression guard: refresh on purpose with `python tests/golden/refresh.py`."""
    golden = pd.read_csv(GOLDEN)
    for name, g in golden.groupby("scenario"):
        s = planning.run(ROOT / "scenarios" / f"{name}.yaml", draws=200, seed=1).summary()
        d = s[s.level == "district"].set_index("year")
        got = d.loc[g["year"], "poverty_rate_mean"].to_numpy()
        np.testing.assert_allclose(got, g["poverty_rate_mean"].to_numpy(), atol=1e-6,
                                   err_msg=f"{name}: numbers changed; re-run tests/golden/refresh.py if intended")


def test_extends_applies_a_delta():
    cut = load_scenario(ROOT / "scenarios" / "budget_cut_30.yaml")
    plan = load_scenario(ROOT / "scenarios" / "district_plan.yaml")
    assert cut.scenario.budget == plan.scenario.budget and cut.scenario.budget_scale == 0.7
    # the scenario, its parent and the parent's calibration are all inputs
    assert [p.name for p in cut.inputs] == ["budget_cut_30.yaml", "district_plan.yaml", "calibration.yaml"]
    r_cut = planning.run(cut, draws=8, counterfactual=False)
    r_plan = planning.run(plan, draws=8, counterfactual=False)
    assert r_cut.amounts.sum() == pytest.approx(0.7 * r_plan.amounts.sum())


def test_allocation_rules_split_the_same_money_differently(scenario):
    totals = {}
    for rule in ("equal", "per_poor_household", "need_weighted"):
        scenario["allocation"] = {"rule": rule}
        r = planning.run(scenario, draws=4, counterfactual=False)
        totals[rule] = r.amounts.sum(axis=(1, 2))
        assert r.amounts.sum() == pytest.approx(sum(sum(v.values()) for v in scenario["budget"].values()))
    assert np.allclose(totals["equal"], totals["equal"][0])
    poorest = int(np.argmax(planning.load_baseline().poor / planning.load_baseline().households))
    assert totals["need_weighted"][poorest] > totals["equal"][poorest]


def test_table_rule_reproduces_amounts_exactly(tmp_path, scenario):
    r = planning.run(scenario, draws=16, seed=3)
    table = tmp_path / "alloc.csv"
    r.spending_table().to_csv(table, index=False)
    sc2 = copy.deepcopy(scenario)
    sc2["allocation"] = {"rule": "table", "table": str(table)}
    r2 = planning.run(sc2, draws=16, seed=3)
    np.testing.assert_allclose(r2.amounts, r.amounts)
    pd.testing.assert_frame_equal(r.summary(), r2.summary())


# ------------------------------------------------------------------ bad inputs


def _error(scenario_or_path) -> PlanningInputError:
    with pytest.raises(PlanningInputError) as err:
        planning.run(scenario_or_path, draws=2)
    return err.value


def test_negative_money_is_refused(scenario):
    scenario["budget"][2027]["credit"] = -5
    msg = str(_error(scenario))
    assert "budget.2027.credit" in msg and "million VND" in msg and "-5" in msg


def test_shares_that_do_not_add_up_are_refused(scenario):
    scenario["allocation"] = {"rule": "shares", "shares": {"muong_giang": 0.5, "ca_nang": 0.3}}
    msg = str(_error(scenario))
    assert "allocation" in msg and "add up to 1" in msg and "0.8" in msg


def test_unknown_component_is_refused(scenario):
    scenario["budget"][2026]["bridges"] = 100
    err = _error(scenario)
    assert err.field == "budget.2026.bridges" and "livelihood" in err.expected


def test_year_outside_the_projection_is_refused(scenario):
    scenario["budget"][2035] = {"credit": 10}
    msg = str(_error(scenario))
    assert "2035" in msg and "start_year" in msg


def test_start_year_must_follow_the_baseline(scenario):
    scenario["start_year"] = 2024
    scenario["budget"] = {}
    scenario["standards"] = {}
    err = _error(scenario)
    assert err.field == "start_year" and "2026" in err.expected


def test_unknown_override_is_refused(scenario):
    scenario["overrides"] = {"model": {"income": {"growht": {"mode": 0.3}}}}
    err = _error(scenario)
    assert "growht" in str(err) and "overrides.model.income" in err.field


def test_malformed_yaml_names_the_file_and_line(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: broken\ntitle: {vi: a, en: b\nallocation: [\n", encoding="utf-8")
    err = _error(bad)
    assert "broken.yaml" in err.file and "line" in err.expected


def test_missing_required_field_is_named(tmp_path):
    bad = tmp_path / "no_alloc.yaml"
    bad.write_text("name: x\ntitle: {vi: a, en: b}\nstart_year: 2026\nend_year: 2030\n", encoding="utf-8")
    err = _error(bad)
    assert err.field == "allocation" and "no_alloc.yaml" in err.file


def test_bad_allocation_table_lists_every_bad_row(tmp_path, scenario):
    table = tmp_path / "t.csv"
    table.write_text("unit,component,year,amount\nca_nang,credit,2026,100\natlantis,credit,2026,5\n"
                     "ca_nang,bridges,2027,5\nca_nang,credit,2040,5\nnam_et,housing,2026,-1\n", encoding="utf-8")
    scenario["allocation"] = {"rule": "table", "table": str(table)}
    scenario["budget"] = {}
    msg = str(_error(scenario))
    for fragment in ("row 3", "atlantis", "row 4", "bridges", "row 5", "2040", "row 6", "amount"):
        assert fragment in msg


def test_extends_cycle_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n", encoding="utf-8")
    assert _error(tmp_path / "a.yaml").field == "extends"


def test_unknown_standard_is_refused(scenario):
    scenario["standards"] = {2027: "decree_999"}
    assert "decree_999" in str(_error(scenario))


def test_messages_are_bilingual(scenario):
    scenario["budget"][2026]["credit"] = -1
    msg = str(_error(scenario))
    assert "expected" in msg and ("cần" in msg or "Trường" in msg or "trường" in msg)


def test_scenarios_folder_has_the_required_set():
    names = {p.stem for p in SCENARIOS}
    assert {"no_new_programmes", "district_plan", "equal_split", "need_weighted", "budget_cut_30",
            "shock_2027"} <= names
    for p in SCENARIOS:
        sc = load_scenario(p).scenario
        assert sc.title.vi and sc.title.en and sc.seed is not None
        assert Path(p).stem == sc.name


def test_overrides_file_merges_parameters(tmp_path, scenario):
    params = tmp_path / "params.yaml"
    params.write_text("income:\n  growth: {mode: 0.12, low: 0.10, high: 0.14, source: test}\n"
                      "setbacks:\n  probability: {mode: 0.05, low: 0.05, high: 0.05}\n", encoding="utf-8")
    del scenario["calibration"]  # the calibration would replace these draws
    scenario["overrides_file"] = str(params)
    scenario["overrides"] = {"model": {"setbacks": {"probability": {"mode": 0.08, "low": 0.08, "high": 0.08}}}}
    prep = planning.prepare(scenario, draws=50)
    assert prep.samples["model.income.growth"].min() >= 0.10
    # the scenario's own override wins over the file
    assert np.allclose(prep.samples["model.setbacks.probability"], 0.08)
    assert params.resolve() in planning.load_scenario(scenario).inputs
    faster = planning.run(scenario, draws=50).outcomes()["poverty_rate_end_mean"]
    del scenario["overrides_file"]
    assert faster < planning.run(scenario, draws=50).outcomes()["poverty_rate_end_mean"]


def test_missing_overrides_file_is_named(scenario):
    scenario["overrides_file"] = "nowhere.yaml"
    err = _error(scenario)
    assert err.field == "overrides_file" and "nowhere.yaml" in str(err)


def test_calibration_drives_the_fitted_parameters(scenario):
    """With `calibration:`, the fitted parameters are joint posterior draws; the others keep
    their prior ranges; an own override wins; the result names the calibration."""
    from planning.analyses.calibration import load_calibration

    cal = load_calibration(ROOT / "data" / "calibrated" / "son_la" / "calibration.yaml")
    prep = planning.prepare(scenario, draws=200, seed=5)
    post = cal.posterior
    g, p = prep.samples["model.income.growth"], prep.samples["model.setbacks.probability"]
    assert set(np.round(g, 12)) <= set(np.round(post["model.income.growth"], 12))
    # joint draws: each (growth, setback probability) pair is one posterior row
    pairs = set(zip(np.round(post["model.income.growth"], 12), np.round(post["model.setbacks.probability"], 12),
                    strict=True))
    assert all(pair in pairs for pair in zip(np.round(g, 12), np.round(p, 12), strict=True))
    assert "model.standard_switch.near_poor_to_poor" not in prep.calibration["parameters"]
    prior = planning.prepare({**scenario, "calibration": None}, draws=200, seed=5)
    assert np.std(g) < np.std(prior.samples["model.income.growth"])  # the data narrowed it
    scenario["overrides"] = {"model": {"income": {"growth": {"mode": 0.09, "low": 0.09, "high": 0.09}}}}
    own = planning.prepare(scenario, draws=50)
    assert np.allclose(own.samples["model.income.growth"], 0.09)
    r = planning.run(scenario, draws=20)
    assert r.outcomes()["calibration"].endswith("son_la/calibration.yaml")


def test_missing_calibration_is_named(scenario):
    scenario["calibration"] = "nowhere/calibration.yaml"
    err = _error(scenario)
    assert err.field == "calibration" and "nowhere" in str(err)


def test_empty_budget_in_a_child_clears_the_parents():
    r = planning.run({"extends": "district_plan.yaml", "name": "nothing", "title": {"vi": "a", "en": "a"},
                      "budget": {}}, draws=8, counterfactual=False)
    assert r.amounts.sum() == 0.0


def test_standards_hold_from_their_year_on():
    """`standards: {2027: decree_07_2021}` in a child keeps Decree 07 to the end (no switch)."""
    kept = planning.run(ROOT / "scenarios" / "keep_decree_07.yaml", draws=32, counterfactual=False)
    assert kept.standards == ["decree_07_2021"] * 5
    assert kept.arrays["reclassified_poor"].sum() == 0.0
    law = planning.run(ROOT / "scenarios" / "district_plan.yaml", draws=32, counterfactual=False)
    assert law.standards == ["decree_07_2021"] + ["decree_351_2025"] * 4
    jump = law.district_rates()[:, 1] - law.district_rates()[:, 0]
    assert jump.mean() > 0.01  # the 2027 switch shows as a jump of over 1 pp
    assert kept.district_rates()[:, 1].mean() < kept.district_rates()[:, 0].mean()  # no jump, still falling


def test_outcomes_carry_the_monte_carlo_standard_errors_of_the_headline_numbers():
    """The two headline numbers come with how much another seed would move them (issue 20)."""
    r = planning.run(ROOT / "scenarios" / "district_plan.yaml", draws=400, seed=11, counterfactual=False)
    o = r.outcomes()
    end = r.district_rates()[:, -1]
    assert o["poverty_rate_end_mean_mcse"] == pytest.approx(end.std(ddof=1) / np.sqrt(400))
    p = o["prob_below_target"]
    assert o["prob_below_target_mcse"] == pytest.approx(np.sqrt(p * (1 - p) / 400))
    # and they mean what they say: means of independent seeds scatter by about that much
    means = [planning.run(ROOT / "scenarios" / "district_plan.yaml", draws=100, seed=s,
                          counterfactual=False).outcomes()["poverty_rate_end_mean"] for s in range(20, 32)]
    spread = float(np.std(means, ddof=1))
    assert 0.5 * 2 * o["poverty_rate_end_mean_mcse"] < spread < 2.0 * 2 * o["poverty_rate_end_mean_mcse"]
