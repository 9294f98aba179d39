"""Funding streams: eligibility, loans at their budget cost, and the whole plan (issue 19)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

import planning
from planning.basics.errors import PlanningInputError
from planning.models.runner import prepare
from planning.stores.programmes import load_programme_book
from planning.stores.streams import load_funding_streams

ROOT = Path(__file__).resolve().parents[1]
STREAMS = ROOT / "data" / "funding_streams.yaml"


def _no_money(plan: dict) -> dict:
    sc = copy.deepcopy(plan)
    sc["budget"] = {}
    sc["draws"] = 8
    return sc


def test_every_stream_is_described_in_both_languages_with_its_rule_and_source():
    book = load_programme_book()
    streams = load_funding_streams(STREAMS, book.ids)
    assert {"ntp_merged", "vbsp_credit", "resettlement", "provincial_budget", "commune_budget", "other"} <= set(
        streams.ids)
    for st in streams.streams:
        assert st.name_vi != st.name_en and st.rule_vi and st.rule_en and st.legal_source
        assert set(st.components) <= set(book.ids)
        if st.kind == "loan":
            assert set(st.cost_per_vnd) == set(st.components)
            assert all(0 < v <= 1 for v in st.cost_per_vnd.values())
    # the plan's infrastructure and service tasks are programme-book components
    for task in ("roads", "electricity", "irrigation", "schools", "health_stations", "water_supply", "sanitation",
                 "housing", "information", "jobs"):
        assert task in book.ids


def test_money_a_stream_may_not_spend_is_refused_naming_stream_component_and_rule(plan_dict):
    sc = _no_money(plan_dict)
    sc["streams"] = {"ntp_merged": {2027: {"health_insurance": 500}}}
    with pytest.raises(PlanningInputError) as exc:
        prepare(sc)
    err = exc.value
    assert err.field == "streams.ntp_merged.2027.health_insurance"
    assert "ntp_merged" in str(err) and "health_insurance" in str(err)
    assert "health-insurance contributions" in str(err)  # the rule, in English
    assert "không đóng bảo hiểm y tế" in str(err)  # and in Vietnamese


def test_grants_count_in_full_and_loans_at_their_budget_cost(plan_dict):
    sc = _no_money(plan_dict)
    sc["streams"] = {"ntp_merged": {2026: {"roads": 1000}}, "vbsp_credit": {2026: {"credit": 1000, "housing": 100}}}
    sc["budget"] = {2026: {"roads": 50}}
    prep = prepare(sc)
    ids = prep.book.ids
    by_comp = prep.amounts.sum(axis=0)[:, 0]
    assert by_comp[ids.index("roads")] == pytest.approx(1050)  # budget: and the stream add up
    assert by_comp[ids.index("credit")] == pytest.approx(1000 * 0.12)
    assert by_comp[ids.index("housing")] == pytest.approx(100 * 0.55)
    assert prep.amounts[:, :, 1:].sum() == 0
    # budget_scale scales every stream too
    sc["budget_scale"] = 2.0
    assert prepare(sc).amounts.sum() == pytest.approx(2 * prep.amounts.sum())


def test_a_scenario_without_streams_is_unchanged_by_the_stream_store(plan_dict, tmp_path):
    """The district plan gives the same numbers whether or not the data folder has a stream file."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("build", "README.md"))
    (data / "funding_streams.yaml").unlink()
    sc = copy.deepcopy(plan_dict)
    sc["calibration"] = str(ROOT / "data" / "calibrated" / "son_la" / "calibration.yaml")
    a = planning.run(sc, draws=30, seed=3).outcomes()
    sc["baseline"] = str(data)
    b = planning.run(sc, draws=30, seed=3).outcomes()
    assert a["poverty_rate_end_mean"] == b["poverty_rate_end_mean"]
    # stating streams without the file names the missing file
    sc["streams"] = {"ntp_merged": {2026: {"roads": 1}}}
    with pytest.raises(PlanningInputError, match="funding_streams.yaml"):
        prepare(sc)


def test_the_whole_plan_holds_every_stream_and_states_where_its_amounts_come_from():
    text = (ROOT / "scenarios" / "whole_plan.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    book = load_programme_book()
    streams = load_funding_streams(STREAMS, book.ids)
    assert set(raw["streams"]) == set(streams.ids)
    assert "ILLUSTRATIVE" in text and "Resolution 257/2025/QH15" in text and "NOT FOUND" in text
    prep = prepare(ROOT / "scenarios" / "whole_plan.yaml", draws=4)
    plan = prepare(ROOT / "scenarios" / "district_plan.yaml", draws=4)
    # it carries the district plan's poverty components and far more beside them
    assert prep.amounts.sum() > 10 * plan.amounts.sum()
    ids = book.ids
    for comp in ("livelihood", "vocational", "housing", "information", "capacity", "health_insurance"):
        k = ids.index(comp)
        assert prep.amounts[:, k].sum() >= plan.amounts[:, k].sum() - 1e-6


def test_more_money_for_works_lowers_the_2030_poverty_rate(plan_dict):
    sc = copy.deepcopy(plan_dict)
    base = planning.run(sc, draws=60, seed=5).outcomes()["poverty_rate_end_mean"]
    sc["streams"] = {"ntp_merged": {y: {"water_supply": 3000, "jobs": 0, "irrigation": 2000} for y in range(2026, 2031)}}
    more = planning.run(sc, draws=60, seed=5).outcomes()["poverty_rate_end_mean"]
    assert more < base - 0.002


def test_stream_money_per_component_and_year_is_reported_back(plan_dict):
    from planning.stores.allocation import scenario_streams

    sc = _no_money(plan_dict)
    sc["streams"] = {"vbsp_credit": {2028: {"jobs": 700}}}
    prep = prepare(sc)
    arr = scenario_streams(prep.loaded, prep.book)["vbsp_credit"]
    assert arr.shape == (len(prep.book.ids), 5)
    assert arr[prep.book.ids.index("jobs"), 2] == 700  # the volume lent, not the budget cost
    assert np.count_nonzero(arr) == 1


def test_a_stream_sheet_filled_in_excel_reaches_the_run_and_bad_cells_are_named(tmp_path):
    from openpyxl import load_workbook

    from planning.frontends.scenario_excel import write_scenario_workbook
    from planning.stores.scenario_excel_read import read_scenario_workbook

    out = write_scenario_workbook(ROOT / "scenarios" / "district_plan.yaml", tmp_path / "plan.xlsx")
    assert "streams" not in read_scenario_workbook(out)  # empty stream sheets state nothing
    wb = load_workbook(out)
    ws = wb["Nguồn vbsp_credit"]
    assert ws["B6"].value == "credit" and ws["A9"].value == 2026
    ws["B9"] = 2500  # 2.5 bn VND lent in 2026
    wb.save(out)
    raw = read_scenario_workbook(out)
    assert raw["streams"] == {"vbsp_credit": {2026: {"credit": 2500}}}
    prep = prepare(out, draws=2)
    plan = prepare(ROOT / "scenarios" / "district_plan.yaml", draws=2)
    k = prep.book.ids.index("credit")
    assert prep.amounts[:, k, 0].sum() == pytest.approx(plan.amounts[:, k, 0].sum() + 2500 * 0.12)
    ws["B9"] = -1
    wb.save(out)
    with pytest.raises(PlanningInputError) as exc:
        read_scenario_workbook(out)
    assert "Nguồn vbsp_credit!B9" in str(exc.value)
