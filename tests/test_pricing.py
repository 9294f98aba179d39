"""Targets as inputs (issue 19): a scenario states a target path of an indicator instead of
money, and the model prices it."""

from __future__ import annotations

import copy

import pytest

import planning
from planning.basics.errors import PlanningInputError
from planning.models.runner import prepare
from planning.stores.targets import load_targets

DRAWS = 100  # the pricing's own draws: the goal is met on these


def _district(r: planning.Result, indicator: str) -> dict[int, float]:
    d = r.deprivations()
    d = d[(d.level == "district") & (d.indicator == indicator)]
    return dict(zip(d.year, d.share_deprived_mean, strict=True))


def test_every_target_that_maps_to_the_model_names_a_component_of_the_book():
    from planning.stores.programmes import load_programme_book
    from planning.stores.standards import list_standards

    book = load_programme_book()
    indicators = {i for s in list_standards() for i in s.indicator_ids}
    linked = [t for t in load_targets().targets if t.maps_to is not None]
    assert len(linked) >= 10
    for t in linked:
        assert t.maps_to.component in book.ids, t.id
        assert t.maps_to.indicator is None or t.maps_to.indicator in indicators, t.id
    by_id = {t.id: t.maps_to for t in linked}
    assert by_id["hygienic_water"].indicator == "water" and by_id["hygienic_water"].component == "water_supply"
    assert by_id["health_insurance_cards"].indicator == "health_insurance"


def test_a_met_water_target_moves_the_water_indicator_and_little_else(plan_dict):
    base_sc = copy.deepcopy(plan_dict)
    sc = copy.deepcopy(plan_dict)
    sc["target_paths"] = {"hygienic_water": {2028: 95}}
    base = planning.run(base_sc, draws=DRAWS, seed=4, indicators=True, counterfactual=False)
    met = planning.run(sc, draws=DRAWS, seed=4, indicators=True, counterfactual=False)
    w0, w1 = _district(base, "water"), _district(met, "water")
    assert w0[2028] > 0.08  # without the path about 11 % lack hygienic water
    for year in (2028, 2029, 2030):
        assert w1[year] <= 0.05 + 1e-9  # the path: 95 % from 2028 on
    assert w1[2027] < w0[2027] and w1[2026] < w0[2026]  # the straight line from 2025 to 2028
    e0, e1 = _district(base, "employment"), _district(met, "employment")
    assert abs(e1[2030] - e0[2030]) < 0.005  # what water does not touch barely moves
    priced = met.priced
    assert set(priced.component) == {"water_supply"} and priced.met.all()
    assert priced.amount.sum() > 0
    k = met.component_ids.index("water_supply")
    assert met.amounts[:, k].sum() == pytest.approx(base.amounts[:, k].sum() + priced.amount.sum())
    assert met.outcomes()["poverty_rate_end_mean"] < base.outcomes()["poverty_rate_end_mean"]


def test_a_path_money_cannot_meet_is_reported_not_met(plan_dict):
    sc = copy.deepcopy(plan_dict)
    sc["target_paths"] = {"hygienic_water": {2026: 100}}
    prep = prepare(sc, draws=DRAWS, seed=4)
    t = prep.priced
    assert not t.met.all() and t.amount.max() <= 1_000_000
    assert (t.projected_percent < t.goal_percent).any()


@pytest.mark.parametrize(("paths", "field"), [
    ({"road_district_commune": {2028: 100}}, "target_paths.road_district_commune"),  # no indicator
    ({"atlantis": {2028: 100}}, "target_paths.atlantis"),
    ({"hygienic_water": {2028: 120}}, "target_paths.hygienic_water.2028"),
])
def test_bad_target_paths_are_refused_naming_the_field(plan_dict, paths, field):
    sc = copy.deepcopy(plan_dict)
    sc["target_paths"] = paths
    with pytest.raises(PlanningInputError) as exc:
        prepare(sc, draws=4)
    assert exc.value.field == field


def test_the_scenario_workbook_refuses_target_paths_instead_of_dropping_them(plan_dict, tmp_path):
    from planning.frontends.scenario_excel import write_scenario_workbook

    sc = copy.deepcopy(plan_dict)
    sc["target_paths"] = {"hygienic_water": {2028: 95}}
    out = tmp_path / "plan.xlsx"
    with pytest.raises(PlanningInputError) as exc:
        write_scenario_workbook(sc, out)
    assert exc.value.field == "target_paths" and "hygienic_water" in str(exc.value)
    assert not out.exists()
