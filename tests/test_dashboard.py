"""The ipywidgets dashboard, headless: set widget values as a planner would, read the result.

No browser and no kernel: ipywidgets objects work without one (tests/e2e drives the real
page). Speed is only printed here (no timed assertions; see benchmarks/bench_dashboard.py).
"""

from __future__ import annotations

import base64
import copy
import re
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from planning.basics.i18n import label
from planning.frontends.dashboard import ASSUMPTIONS, Dashboard
from planning.models.runner import prepare, run_prepared

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "district_plan.yaml"
DRAWS = 120  # enough for stable means; small to keep the tests fast
# the headline's stable element: the chance as a share (data-probability) and shown as "42%"
PROB_RE = re.compile(r'<span class="planning-probability" data-probability="([0-9.]+)"><b>\d+%</b></span>')


@pytest.fixture(scope="module")
def shared() -> Dashboard:
    return Dashboard(PLAN, draws=DRAWS)


@pytest.fixture
def dash(shared: Dashboard) -> Dashboard:
    """One dashboard for the module (building one draws its figure: ~1 s), reset before each
    test; ``test_reset_restores_everything`` checks that a reset leaves nothing behind."""
    shared.language.value = "vi"
    shared.reset()
    return shared


def _end_mean(d: Dashboard) -> float:
    assert d.result is not None
    return float(d.result.outcomes()["poverty_rate_end_mean"])


def _snapshot(d: Dashboard) -> tuple:
    assert d.result is not None
    return ({k: v.copy() for k, v in d.result.arrays.items()}, d.result.amounts.copy(), d.probability,
            d.table.value, d.probability_label.value)


def _same(a: tuple, b: tuple) -> bool:
    arrays_a, amounts_a, *rest_a = a
    arrays_b, amounts_b, *rest_b = b
    return (arrays_a.keys() == arrays_b.keys()
            and all(np.array_equal(arrays_a[k], arrays_b[k]) for k in arrays_a)
            and np.array_equal(amounts_a, amounts_b) and rest_a == rest_b)


def test_opens_on_the_scenario_as_written(dash: Dashboard) -> None:
    plain = run_prepared(prepare(PLAN, draws=DRAWS), counterfactual=False)
    assert dash.result is not None
    np.testing.assert_array_equal(dash.result.amounts, plain.amounts)
    for key, arr in plain.arrays.items():
        np.testing.assert_array_equal(dash.result.arrays[key], arr)
    assert dash.probability == plain.outcomes()["prob_below_target"]
    plan = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    years = sorted(plan["budget"])
    expected = np.mean([plan["budget"][y]["livelihood"] for y in years])
    assert dash.budget["livelihood"].value == pytest.approx(expected)  # million VND per year


def test_more_budget_does_not_raise_poverty(dash: Dashboard) -> None:
    before, count = _end_mean(dash), dash.recompute_count
    dash.budget["livelihood"].value = dash.budget["livelihood"].value + 3000
    assert dash.recompute_count == count + 1
    after = _end_mean(dash)
    assert after < before
    assert 0.0 <= dash.probability <= 1.0
    m = PROB_RE.search(dash.probability_label.value)
    assert m and float(m.group(1)) == pytest.approx(dash.probability, abs=0.0005)
    assert "Với kinh phí và cách phân bổ đang chọn" in dash.probability_label.value
    # a year profile is kept: every year of the component scaled by the same factor
    base = prepare(PLAN, draws=2).amounts.sum(axis=0)
    k = dash.result.component_ids.index("livelihood")
    ratio = dash.result.amounts.sum(axis=0)[k] / base[k]
    assert np.allclose(ratio, ratio[0]) and ratio[0] > 1


def test_moving_back_restores_exactly(dash: Dashboard) -> None:
    first = _snapshot(dash)
    slider = dash.budget["housing"]
    default = slider.value
    slider.value = default + 1500
    assert not _same(_snapshot(dash), first)
    slider.value = default
    assert _same(_snapshot(dash), first)
    for widget, value in ((dash.priorities["ca_nang"], 2.5), (dash.rule, "equal"),
                          (dash.assumptions["setbacks.probability"], 0.13)):
        old = widget.value
        widget.value = value
        assert not _same(_snapshot(dash), first)
        widget.value = old
        assert _same(_snapshot(dash), first)


def test_reset_restores_everything(dash: Dashboard) -> None:
    first, count = _snapshot(dash), dash.recompute_count
    dash.reset()
    assert dash.recompute_count == count  # nothing to do
    with dash.hold():
        dash.budget["vocational"].value = 0
        dash.rule.value = "need_weighted"
        dash.priorities["chieng_on"].value = 0.5
        dash.assumptions["standard_switch.near_poor_to_poor"].value = 0.3
    assert not _same(_snapshot(dash), first)
    dash.reset_button.click()
    assert _same(_snapshot(dash), first)
    assert dash.recompute_count == count + 2


def test_sliders_edit_a_copy(dash: Dashboard) -> None:
    base = copy.deepcopy(dash._base)
    dash.budget["credit"].value = 5000
    dash.priorities["nam_et"].value = 3.0
    tri = dash._assumption_defaults["income.growth"]
    dash.assumptions["income.growth"].value = 0.09
    sc = dash.scenario_dict()
    assert dash._base == base  # the loaded scenario is never edited
    assert sc["allocation"]["priorities"] == {"nam_et": 3.0}
    sc["budget"].clear()  # a caller changing the dict changes nothing in the dashboard
    assert dash.scenario_dict()["budget"]
    # the assumption goes in as overrides.model, its triangle scaled around the new mode
    entry = dash.scenario_dict()["overrides"]["model"]["income"]["growth"]
    f = 0.09 / tri.mode
    assert entry == pytest.approx({"mode": 0.09, "low": min(tri.low * f, 0.09), "high": max(tri.high * f, 0.09)})
    assert yaml.safe_load(PLAN.read_text(encoding="utf-8"))["budget"][2026]["credit"] == 1500


def test_rule_dropdown_changes_the_allocation(dash: Dashboard) -> None:
    assert dash.rule.value == "per_poor_household"
    before = dash.result.amounts.copy()
    dash.rule.value = "equal"
    after = dash.result.amounts
    assert not np.array_equal(before, after)
    np.testing.assert_allclose(after.sum(axis=0), before.sum(axis=0))  # same money, split otherwise
    k = dash.result.component_ids.index("credit")  # open to every unit: an equal split
    np.testing.assert_allclose(after[:, k, 0], after[0, k, 0])
    dash.rule.value = "need_weighted"
    assert not np.array_equal(dash.result.amounts, after)


def test_priority_slider_moves_money_to_the_commune(dash: Dashboard) -> None:
    i = dash.result.units.ids.index("ca_nang")
    share = dash.result.amounts[i].sum() / dash.result.amounts.sum()
    dash.priorities["ca_nang"].value = 3.0
    assert dash.result.amounts[i].sum() / dash.result.amounts.sum() > share


def test_assumption_slider_changes_the_projection(dash: Dashboard) -> None:
    before = _end_mean(dash)
    dash.assumptions["income.growth"].value = 0.10  # incomes grow faster: fewer poor at the end
    assert _end_mean(dash) < before
    assert set(dash.assumptions) == set(ASSUMPTIONS)


def test_hold_batches_changes(dash: Dashboard) -> None:
    count = dash.recompute_count
    with dash.hold():
        dash.budget["livelihood"].value = 5000
        dash.budget["credit"].value = 2500
        dash.rule.value = "equal"
    assert dash.recompute_count == count + 1
    with dash.hold():
        pass
    assert dash.recompute_count == count + 1


def test_unusable_choice_keeps_the_last_result(dash: Dashboard) -> None:
    good = dash.result
    with dash.hold():
        for slider in dash.priorities.values():
            slider.value = 0.0  # no commune would get anything
    assert dash.error is not None
    assert dash.result is good
    assert "planning-error" in dash.status.value and "&lt;dict&gt;" in dash.status.value
    dash.priorities["muong_sai"].value = 1.0
    assert dash.error is None and dash.status.value == ""


def test_language_toggle_relabels_without_rerunning(dash: Dashboard) -> None:
    count = dash.recompute_count
    assert label("dash_title", "vi") in dash.title.value
    assert label("poverty_rate_mean", "vi") in dash.table.value
    dash.language.value = "en"
    assert dash.recompute_count == count
    assert label("dash_title", "en") in dash.title.value
    assert label("poverty_rate_mean", "en") in dash.table.value
    assert dash.rule.value == "per_poor_household"
    assert dash.rule.options[1][0] == label("rule_per_poor_household", "en")
    assert dash.priorities["ca_nang"].description == "Ca Nang"
    assert PROB_RE.search(dash.probability_label.value)
    assert "With the budget and allocation chosen here" in dash.probability_label.value
    assert "Reading the chart" in dash.intro.value and "Projected poverty rate, 2030" in dash.map.value
    assert dash.figure is not None and dash.figure.axes[0].get_title() == label("chart_trajectory", "en")


def test_widgets_chart_and_display(dash: Dashboard) -> None:
    (out,) = dash.chart.outputs
    assert base64.b64decode(out["data"]["image/png"]).startswith(b"\x89PNG")
    gids = {a.get_gid() for a in [*dash.figure.axes[0].lines, *dash.figure.axes[0].collections]}
    assert {"plan_path", "target_line", "mean", "band50", "band90"} <= gids
    for slider in [*dash.budget.values(), *dash.priorities.values(), *dash.assumptions.values()]:
        assert slider.continuous_update is False  # answered on release, not on every pixel
    assert all(s.min >= 0 and s.max == 3 for s in dash.priorities.values())
    assert len(dash.priorities) == 11
    bundle = dash._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == dash.widget.model_id
    assert "khả năng đạt dưới 1% năm 2030 là" in bundle["text/plain"] and "P(<" not in bundle["text/plain"]
    assert callable(dash._ipython_display_)
    # the commune table: district, 4 new communes, 11 old units
    assert dash.table.value.count("<tr>") == 1 + 1 + 4 + 11


def test_budget_rule_and_priorities_sit_together_on_the_first_tab(dash: Dashboard) -> None:
    first = dash._tabs.children[0]

    def inside(box: object) -> list:
        kids = getattr(box, "children", ())
        return [*kids, *(k for c in kids for k in inside(c))]

    widgets = inside(first)
    assert dash.rule in widgets
    assert all(s in widgets for s in dash.budget.values())
    assert all(s in widgets for s in dash.priorities.values())
    right = list(first.children[1].children)
    row = next(k for k, c in enumerate(right) if dash.priorities["ca_nang"] in inside(c))
    assert right.index(dash.rule) < row  # the rule above the priorities
    assert dash._tabs.titles[0] == "Ngân sách và phân bổ"


def test_introduction_speaks_to_planners(dash: Dashboard) -> None:
    from planning.frontends.printable import planner_problems

    text = dash.intro.value
    for words in ("thanh trượt", "Đọc biểu đồ", "Khả năng đạt dưới 1%", "minh hoạ", "không phải bản đồ ranh giới"):
        assert words in text
    assert not planner_problems(text)
    dash.language.value = "en"
    assert "The chance of below 1%" in dash.intro.value and "illustrative" in dash.intro.value
    assert not planner_problems(dash.intro.value)


def test_slider_values_are_shown_in_the_language_style(dash: Dashboard) -> None:
    readout = {id(s): r for s, r, _ in dash._readouts}
    dash.budget["livelihood"].value = 3280.0
    assert readout[id(dash.budget["livelihood"])].value == "3.280"
    assert readout[id(dash.priorities["nam_et"])].value == "1,0"
    dash.language.value = "en"
    assert readout[id(dash.budget["livelihood"])].value == "3,280"
    assert readout[id(dash.priorities["nam_et"])].value == "1.0"
    assert all(not s.readout for s in dash.budget.values())  # the browser's own readout is off


def test_map_follows_the_sliders(dash: Dashboard) -> None:
    tile = re.compile(r'data-unit="ca_nang" data-value="([0-9.]+)"')
    before = [float(v) for v in tile.findall(dash.map.value)]
    assert len(before) == 2  # the rate map and the chance map
    assert dash.map.value.count('class="planning-map-tile"') == 2 * 11
    rate = dash.result.unit_outcomes().set_index("unit").loc["ca_nang", "poverty_rate_mean"]
    assert before[0] == pytest.approx(rate, abs=1e-4)
    dash.priorities["ca_nang"].value = 3.0  # more money to Cà Nàng: its projected rate falls
    after = [float(v) for v in tile.findall(dash.map.value)]
    assert after[0] < before[0]


def test_flat_budget_profile_puts_the_amount_in_every_year() -> None:
    d = Dashboard(PLAN, draws=8, budget_profile="flat")
    d.budget["housing"].value = 1000
    budget = d.scenario_dict()["budget"]
    assert {budget[y]["housing"] for y in budget} == {1000.0}


def test_response_time_with_defaults_is_reported() -> None:
    d = Dashboard()  # the default settings: district plan, 300 draws
    times = []
    for value in (4000, 4500, 5000, 3500, 3280):
        d.budget["livelihood"].value = value
        times.append(d.last_seconds)
    # informative only (a loaded CI machine must not fail here): see benchmarks/
    print(f"\ndashboard slider response ({d.draws} draws): median {statistics.median(times):.3f} s, "
          f"max {max(times):.3f} s")
    assert d.recompute_count == 6 and all(t > 0 for t in times)
    t0 = time.perf_counter()
    d.language.value = "en"
    print(f"language toggle: {time.perf_counter() - t0:.3f} s")


def test_what_it_takes_button_answers_for_the_sliders(dash: Dashboard) -> None:
    dash.target_button.click()
    assert dash.target is not None
    assert dash.target_text.value.startswith("<p>Với kinh phí kế hoạch")
    assert dash.target_chart.outputs and "image/png" in dash.target_chart.outputs[0]["data"]
    plan = dash.target.curve.set_index("budget_scale").loc[1.0, "rate_2030_mean"]
    dash.language.value = "en"
    assert dash.target_text.value.startswith("<p>With the plan&#x27;s budget")
    # more money on the sliders: the plan's own level needs less extra
    with dash.hold():
        for s in dash.budget.values():
            s.value = s.value * 2
    dash.what_it_takes()
    assert dash.target.curve.set_index("budget_scale").loc[1.0, "rate_2030_mean"] < plan


def test_optimise_button_answers_with_a_progress_bar(dash: Dashboard) -> None:
    dash.language.value = "vi"
    ticks: list[int] = []
    dash.optimiser.progress.observe(lambda ch: ticks.append(ch["new"]), names="value")
    dash.optimiser.button.click()
    opt = dash.optimiser.last
    assert opt is not None and ticks and max(ticks) >= 1  # the bar moved while it searched
    assert dash.optimiser.progress.layout.visibility == "hidden"  # and is put away after
    comp = opt.comparison().set_index("allocation")
    # the optimum spends the sliders' money and does no worse than the sliders' allocation
    sc = dash.scenario_dict()
    amounts = dash._amounts(sc, dash._prepared(sc))
    best = next(c for c in opt.candidates if c.name == "optimum").amounts
    np.testing.assert_allclose(best.sum(axis=(0, 1)), amounts.sum(axis=(0, 1)), rtol=1e-6)
    assert comp.loc["optimum", "poverty_rate_end_mean"] <= dash.result.outcomes()["poverty_rate_end_mean"] + 1e-12
    text = dash.optimiser.text.value
    assert text.startswith("<p>Phân bổ tối ưu") and "%" in text and "," in text
    assert "Phân bổ tối ưu (triệu đồng)" in dash.optimiser.table.value
    dash.language.value = "en"
    assert dash.optimiser.text.value.startswith("<p>The same money allocated optimally")
    assert "Optimised allocation (million VND)" in dash.optimiser.table.value
    dash.language.value = "vi"


# ------------------------------------------------------------------- streams and indicators (issue 19)
WHOLE = PLAN.with_name("whole_plan.yaml")


def test_a_tab_per_funding_stream_opens_on_the_whole_plan_as_written() -> None:
    d = Dashboard(WHOLE, draws=60)
    assert d.budget == {}  # all its money comes through streams
    assert set(d.stream_budget) == {"ntp_merged", "vbsp_credit", "resettlement", "provincial_budget",
                                    "commune_budget", "other"}
    assert d._tabs.titles[1:-1] == tuple(label(f"stream_{s}", "vi") for s in d.stream_budget)
    assert set(d.stream_budget["vbsp_credit"]) == {"credit", "housing", "water_sanitation", "jobs"}
    assert d.stream_budget["vbsp_credit"]["credit"].value == pytest.approx(14000)  # volume lent a year
    ref = run_prepared(prepare(WHOLE, draws=60, seed=d.seed), counterfactual=False)
    np.testing.assert_array_equal(d.result.arrays["poor"], ref.arrays["poor"])
    # the indicator view, and more water money from one stream lowers the water deprivation
    assert label("dash_indicators", "vi") in d._indicators_head.value
    water = d.result.deprivations().query("level == 'district' and indicator == 'water' and year == 2030")
    before, rate = float(water.share_deprived_mean.iloc[0]), d.result.outcomes()["poverty_rate_end_mean"]
    slider = d.stream_budget["ntp_merged"]["water_supply"]
    assert slider.max == 3 * slider.value == 6000  # three times the stream's 2,000 M VND a year
    slider.value = slider.max
    water = d.result.deprivations().query("level == 'district' and indicator == 'water' and year == 2030")
    assert float(water.share_deprived_mean.iloc[0]) < before - 0.003
    assert d.result.outcomes()["poverty_rate_end_mean"] < rate
    assert d.scenario_dict()["streams"]["ntp_merged"][2027]["water_supply"] == pytest.approx(6000)
    d.reset()
    np.testing.assert_array_equal(d.result.arrays["poor"], ref.arrays["poor"])


def test_the_district_plan_can_take_money_from_another_stream(dash: Dashboard) -> None:
    assert all(s.value == 0 for sliders in dash.stream_budget.values() for s in sliders.values())
    assert "Nguồn nước sinh hoạt" in dash.indicators.value and "Thu gom, xử lý rác thải" in dash.indicators.value
    rate = dash.result.outcomes()["poverty_rate_end_mean"]
    slider = dash.stream_budget["provincial_budget"]["jobs"]
    slider.value = slider.max  # 1,000 M VND a year where the scenario gives the stream nothing
    assert dash.scenario_dict()["streams"]["provincial_budget"][2030]["jobs"] == 1000
    assert dash.result.outcomes()["poverty_rate_end_mean"] < rate
