"""The target register (data/targets.yaml): contents, honesty fields, paths and the status rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planning.basics.errors import PlanningInputError
from planning.stores.targets import (
    STATUSES,
    format_value,
    goal_text,
    linear_path,
    load_targets,
    meets_goal,
    plan_path,
    status_of,
)

ROOT = Path(__file__).resolve().parents[1]
REGISTER = ROOT / "data" / "targets.yaml"


@pytest.fixture(scope="module")
def register():
    return load_targets()


def test_register_holds_every_target_of_the_brief(register):
    assert register.years == [2026, 2027, 2028, 2029, 2030]
    assert register.baseline_year == 2025
    assert register.ids == [
        "poverty_rate", "poverty_rate_commune", "road_district_commune", "road_commune_village",
        "schools_standard", "classrooms_standard", "health_stations_standard", "irrigation_works",
        "grid_electricity", "hygienic_water", "preferential_credit", "vocational_certificates",
        "health_insurance_cards",
    ]
    levels = {t.id: t.level for t in register.targets}
    assert [t for t, lv in levels.items() if lv == "district"] == [
        "poverty_rate", "road_district_commune", "preferential_credit", "vocational_certificates",
        "health_insurance_cards"]
    for t in register.targets:
        assert t.deadline == 2030
        assert t.name["vi"] and t.name["en"] and t.indicator["vi"] and t.indicator["en"]
        assert t.unit in ("percent", "persons")


def test_every_target_says_where_it_comes_from(register):
    assert "NOT FOUND" in register.source
    for t in register.targets:
        assert t.plan_section == "NOT FOUND"
        assert "project brief" in t.source and "NOT FOUND" in t.source
        assert t.status in ("stated", "assumption")
        assert t.path_status in ("derived", "assumption")
        assert t.path_how["vi"] and t.path_how["en"]
    # the brief gives no level for these: the 100 % shown is an assumption and says so
    for tid in ("schools_standard", "classrooms_standard", "hygienic_water", "poverty_rate_commune"):
        t = register.get(tid)
        assert t.status == "assumption" and "ASSUMED" in t.source.upper()


def test_levels_and_rules_of_the_key_targets(register):
    pov = register.get("poverty_rate")
    assert (pov.direction, pov.comparison, pov.goal, pov.frequency, pov.path_method) == (
        "lower", "below", 1.0, "annual", "plan")
    voc = register.get("vocational_certificates")
    assert (voc.unit, voc.comparison, voc.goal, voc.rollup, voc.cumulative, voc.path_start) == (
        "persons", "above", 16000.0, "sum", True, "zero")
    for tid in ("road_district_commune", "road_commune_village", "health_stations_standard",
                "irrigation_works", "grid_electricity", "preferential_credit", "health_insurance_cards"):
        t = register.get(tid)
        assert (t.direction, t.comparison, t.goal, t.rollup, t.status) == ("higher", "at_least", 100.0, "last", "stated")


def test_linear_paths_hit_the_2030_level(register):
    for t in register.targets:
        if t.path_method != "linear":
            continue
        start = 0.0 if t.cumulative else (40.0 if t.direction == "higher" else 12.0)
        assert linear_path(2025, start, t.goal, t.deadline, 2030) == t.goal
        assert linear_path(2025, start, t.goal, t.deadline, 2025) == start
    assert linear_path(2025, 80, 100, 2030, 2027) == pytest.approx(88.0)
    assert linear_path(2025, 0, 16000, 2030, 2026) == pytest.approx(3200.0)  # 3,200 workers a year
    assert linear_path(2025, 13.5, 1.0, 2030, 2028) == pytest.approx(13.5 - 3 * 2.5)
    assert linear_path(2027, 60, 100, 2030, 2029) == pytest.approx(60 + 40 * 2 / 3)  # started late


def test_plan_path_runs_from_the_2025_review_to_below_one_percent_in_2030():
    assert plan_path(2021, 18.9, 2.0, 2026) == pytest.approx(8.9)  # the older −2 pp a year form
    assert plan_path(2021, 18.9, 2.0, 2031) == 0.0  # never below zero
    from planning.analyses.progress import _plan_reference
    from planning.basics.paths import data_dir

    year, rate, step = _plan_reference(data_dir())
    assert year == 2025  # where the projections start
    assert rate == pytest.approx(100 * 1477 / 16982, abs=0.01)  # the illustrative end-2025 review
    assert plan_path(year, rate, step, 2030) == pytest.approx(0.9)  # just below 1 %
    assert step == pytest.approx((rate - 0.9) / 5)


@pytest.mark.parametrize(("tid", "year", "value", "path", "expected"), [
    # higher is better (coverage, %)
    ("grid_electricity", 2027, 100.0, 96.0, "achieved"),
    ("grid_electricity", 2027, 97.0, 96.0, "on_track"),
    ("grid_electricity", 2027, 96.0, 96.0, "on_track"),      # exactly on the path
    ("grid_electricity", 2027, 95.9, 96.0, "off_track"),
    ("grid_electricity", 2030, 99.9, 100.0, "off_track"),    # deadline passed, not met
    ("grid_electricity", 2028, None, 97.0, "no_data"),
    # lower is better (poverty rate, %), strictly below 1 %
    ("poverty_rate", 2028, 0.8, 4.9, "achieved"),
    ("poverty_rate", 2028, 4.9, 4.9, "on_track"),
    ("poverty_rate", 2028, 5.0, 4.9, "off_track"),
    ("poverty_rate", 2030, 1.0, 0.9, "off_track"),           # 1 % is not below 1 %
    ("poverty_rate", 2029, 0.99, 2.9, "achieved"),
    # a running total, strictly more than 16,000
    ("vocational_certificates", 2030, 16000.0, 16000.0, "off_track"),
    ("vocational_certificates", 2030, 16001.0, 16000.0, "achieved"),
    ("vocational_certificates", 2027, 6400.0, 6400.0, "on_track"),
    ("vocational_certificates", 2027, 6399.0, 6400.0, "off_track"),
])
def test_status_rule_on_hand_made_values(register, tid, year, value, path, expected):
    assert expected in STATUSES
    assert status_of(register.get(tid), year, value, path) == expected


def test_meets_goal_comparisons(register):
    assert meets_goal(register.get("grid_electricity"), 100.0)
    assert not meets_goal(register.get("grid_electricity"), 99.99)
    assert meets_goal(register.get("poverty_rate"), 0.999)
    assert not meets_goal(register.get("poverty_rate"), 1.0)
    assert not meets_goal(register.get("poverty_rate"), None)


def test_goal_text_and_values_in_each_language(register):
    voc, pov = register.get("vocational_certificates"), register.get("poverty_rate")
    assert goal_text(voc, "vi") == "trên 16.000 người vào năm 2030"
    assert goal_text(voc, "en") == "more than 16,000 persons by 2030"
    assert goal_text(pov, "vi") == "dưới 1% vào năm 2030"
    assert goal_text(pov, "en") == "below 1% by 2030"
    assert format_value(pov, 6.4, "vi") == "6,4%" and format_value(pov, 6.4, "en") == "6.4%"
    assert format_value(voc, 1234.0, "vi") == "1.234 người" and format_value(voc, None, "en") == "—"


def _broken(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))
    change(raw)
    p = tmp_path / "targets.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return p


@pytest.mark.parametrize(("change", "field"), [
    (lambda r: r["targets"][0].update(direction="up"), "targets.poverty_rate.direction"),
    (lambda r: r["targets"][2]["goal"].update(value=120), "targets.road_district_commune.goal.value"),
    (lambda r: r["targets"][2]["goal"].update(comparison="below"), "targets.road_district_commune.goal.comparison"),
    (lambda r: r["targets"][11].update(rollup="last"), "targets.vocational_certificates.rollup"),
    (lambda r: r["targets"][3].pop("level"), "targets.road_commune_village.level"),
    (lambda r: r["targets"][4]["name"].pop("en"), "targets.schools_standard.name.en"),
    (lambda r: r["targets"][5].update(deadline=2035), "targets.classrooms_standard.deadline"),
    (lambda r: r["targets"][6].update(id=r["targets"][7]["id"]), "targets.id"),
])
def test_a_bad_register_is_refused_naming_the_field(tmp_path, change, field):
    with pytest.raises(PlanningInputError) as err:
        load_targets(_broken(tmp_path, change))
    assert err.value.field == field
    assert "targets.yaml" in str(err.value) and " / " in str(err.value)  # English / Vietnamese
