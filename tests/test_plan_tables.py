"""The whole plan's tables for reports and the dashboard (issue 19): deprivation by indicator,
money by stream and what one more billion buys, in each language's one number format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import planning
from planning.analyses.stream_value import stream_values
from planning.frontends import plan_tables, target_tables
from planning.frontends.reporting import styled
from planning.models.runner import prepare

ROOT = Path(__file__).resolve().parents[1]
WHOLE = ROOT / "scenarios" / "whole_plan.yaml"


@pytest.fixture(scope="module")
def whole() -> planning.Result:
    return planning.run(WHOLE, draws=60, seed=1, indicators=True, counterfactual=False)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_indicator_table_is_the_deprivations_in_words(whole, lang):
    t = plan_tables.indicator_table(whole, lang)
    d = whole.deprivations()
    d = d[d.level == "district"]
    assert list(t.index[:12]) == list(whole.indicators_in_force[-1])  # the 2030 standard's twelve first
    water = d[(d.indicator == "water")].set_index("year")["share_deprived_mean"]
    assert t.loc["water", "2030"] == pytest.approx(water[2030])
    assert t.iloc[:, -1]["water"] == pytest.approx((water[2030] - water[2026]) * 100)
    assert pd.isna(t.loc["waste", "2026"]) and pd.isna(t.loc["information_access", "2030"])
    html = styled(t, lang).to_html()
    assert ("Nguồn nước sinh hoạt" if lang == "vi" else "Domestic water") in html
    rate = f"{water[2030] * 100:.1f}"
    assert (rate.replace(".", ",") if lang == "vi" else rate) + "%" in html


def test_stream_money_table_adds_up_and_names_loans():
    t = plan_tables.stream_money_table(WHOLE, "en")
    assert list(t.index) == ["ntp_merged", "vbsp_credit", "provincial_budget", "commune_budget", "resettlement",
                             "other", "total"]
    total = t.columns[-2]
    assert t.loc["ntp_merged", total] == pytest.approx(120_000)  # 120 bn VND over five years
    assert t.loc["total", total] == pytest.approx(1_044_000)
    assert t.loc["vbsp_credit", t.columns[-1]] == "loan (volume lent)"
    assert "no funding streams" in plan_tables.stream_section_html(ROOT / "scenarios" / "district_plan.yaml", "en")


def test_stream_value_table_ranks_components_by_households_per_billion():
    prep = prepare(WHOLE, draws=40, seed=1)
    v = stream_values(prep)
    t = plan_tables.stream_value_table(v, "vi")
    lifted = [float(x.replace(",", ".")) for x in t.iloc[:, 1]]
    assert lifted == sorted(lifted, reverse=True) and len(t) == len(set(v.component))
    assert "Tín dụng chính sách" in t.loc["credit"].iloc[-1]  # the streams that may pay, short names


def test_what_it_takes_tables_come_from_the_library():
    w = planning.what_it_takes(ROOT / "scenarios" / "district_plan.yaml", draws=40, seed=1)
    for fn in (target_tables.curve_table, target_tables.decomposition_table, target_tables.breakeven_table,
               target_tables.communes_table, target_tables.streams_table):
        vi, en = fn(w, "vi"), fn(w, "en")
        assert len(vi) == len(en) > 0 and list(vi.columns) != list(en.columns)
    curve = target_tables.curve_table(w, "en")
    assert len(curve) == len(w.curve) and curve.iloc[:, 0].iloc[4] == "1.00"
