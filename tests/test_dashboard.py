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

from planning.dashboard import ASSUMPTIONS, Dashboard
from planning.i18n import label
from planning.runner import prepare, run_prepared

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "district_plan.yaml"
DRAWS = 120  # enough for stable means; small to keep the tests fast
PROB_RE = re.compile(r'<span class="planning-probability">P\(<1% in 2030\) = (\d\.\d\d)</span>')


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
    assert m and float(m.group(1)) == pytest.approx(dash.probability, abs=0.005)
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
                          (dash.assumptions["transitions.repoverty_escaped"], 0.09)):
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
        dash.assumptions["standard_switch.deprived_share_new_below_line"].value = 0.4
    assert not _same(_snapshot(dash), first)
    dash.reset_button.click()
    assert _same(_snapshot(dash), first)
    assert dash.recompute_count == count + 2


def test_sliders_edit_a_copy(dash: Dashboard) -> None:
    base = copy.deepcopy(dash._base)
    dash.budget["credit"].value = 5000
    dash.priorities["nam_et"].value = 3.0
    dash.assumptions["transitions.exit_poor"].value = 0.25
    sc = dash.scenario_dict()
    assert dash._base == base  # the loaded scenario is never edited
    assert sc["allocation"]["priorities"] == {"nam_et": 3.0}
    sc["budget"].clear()  # a caller changing the dict changes nothing in the dashboard
    assert dash.scenario_dict()["budget"]
    # the assumption goes in as overrides.model, its triangle scaled around the new mode
    entry = dash.scenario_dict()["overrides"]["model"]["transitions"]["exit_poor"]
    assert entry == pytest.approx({"mode": 0.25, "low": 0.12 * 1.25, "high": 0.28 * 1.25})
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
    dash.assumptions["transitions.exit_poor"].value = 0.3  # more households leave poverty each year
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
    assert "P(<1% in 2030)" in bundle["text/plain"]
    assert callable(dash._ipython_display_)
    # the commune table: district, 4 new communes, 11 old units
    assert dash.table.value.count("<tr>") == 1 + 1 + 4 + 11


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
