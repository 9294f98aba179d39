"""Behaviour of the commune projection engine: conservation, bounds, monotonicity, the 2027 jump."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planning
from planning.engine import OUTPUTS, project
from planning.errors import PlanningInputError
from planning.runner import prepare, run_prepared


@pytest.fixture(scope="module")
def prep(plan_dict):
    sc = copy.deepcopy(plan_dict)
    return prepare(sc, draws=48, seed=11)


def _district_poor(prep, amounts):
    out = project(prep.engine_inputs(amounts), prep.engine_draws(), outputs=("poor", "households"))
    return out["poor"].sum(axis=1), out["households"].sum(axis=1)  # [draw, year]


def test_households_are_conserved_and_grow_at_the_drawn_rate(prep):
    out = project(prep.engine_inputs(), prep.engine_draws())
    g = prep.samples["model.households.growth"]
    expected = prep.baseline.households[None, :, None] * (1 + g[:, None, None]) ** np.arange(1, 6)[None, None, :]
    np.testing.assert_allclose(out["households"], expected, rtol=1e-10)
    # states add up to the households in every draw, unit and year
    parts = out["poor"] + out["near_poor"] + out["escaped_stock"]
    assert np.all(parts <= out["households"] * (1 + 1e-12))


def test_states_and_rates_stay_within_bounds(prep):
    out = project(prep.engine_inputs(), prep.engine_draws())
    for name in OUTPUTS:
        assert np.all(out[name] >= -1e-9), name
    rate = out["poor"] / out["households"]
    assert np.all((rate >= 0) & (rate <= 1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    base=st.lists(st.floats(0, 6000), min_size=8, max_size=8),
    comp=st.integers(0, 7),
    extra=st.floats(1.0, 20000),
    unit=st.integers(0, 10),
    year=st.integers(0, 4),
)
def test_more_budget_never_raises_expected_poverty(prep, base, comp, extra, unit, year):
    amounts = np.zeros_like(prep.amounts)
    amounts[:, :, :] = np.asarray(base)[None, :, None] / 11.0
    more = amounts.copy()
    more[unit, comp, year] += extra
    poor_a, _ = _district_poor(prep, amounts)
    poor_b, _ = _district_poor(prep, more)
    assert np.all(poor_b.mean(axis=0) <= poor_a.mean(axis=0) + 1e-9)


def test_same_seed_gives_identical_results_and_another_seed_differs(scenario):
    a = planning.run(scenario, draws=32, seed=5).summary()
    b = planning.run(scenario, draws=32, seed=5).summary()
    c = planning.run(scenario, draws=32, seed=6).summary()
    assert a.equals(b)
    assert not np.allclose(a["poverty_rate_mean"], c["poverty_rate_mean"])


def test_requested_outputs_only_and_identical_numbers(prep):
    ref = project(prep.engine_inputs(), prep.engine_draws())
    some = project(prep.engine_inputs(), prep.engine_draws(), outputs=("poor", "reclassified_poor"))
    assert set(some) == {"poor", "reclassified_poor"}
    np.testing.assert_array_equal(ref["poor"], some["poor"])
    np.testing.assert_array_equal(ref["reclassified_poor"], some["reclassified_poor"])


def test_concurrent_calls_from_threads_are_safe_and_equal(prep):
    from concurrent.futures import ThreadPoolExecutor

    ref = project(prep.engine_inputs(), prep.engine_draws(), outputs=("poor",))["poor"]
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda _: project(prep.engine_inputs(), prep.engine_draws(), outputs=("poor",))["poor"],
                             range(4)))
    for o in outs:
        np.testing.assert_array_equal(o, ref)


def test_zero_draws_are_refused_with_a_clear_error(scenario):
    with pytest.raises(PlanningInputError, match="draws"):
        planning.run(scenario, draws=0)
    scenario["draws"] = 0
    with pytest.raises(PlanningInputError, match="draws"):
        planning.run(scenario)


def test_unknown_commune_is_refused(scenario):
    scenario["allocation"] = {"rule": "equal", "priorities": {"atlantis": 2.0}}
    with pytest.raises(PlanningInputError) as err:
        planning.run(scenario)
    assert "atlantis" in str(err.value) and "allocation.priorities" in str(err.value)


def test_standard_switch_shows_as_a_jump_and_not_without_it(scenario):
    scenario["budget"] = {}
    with_switch = planning.run(scenario, draws=64).summary()
    d = with_switch[with_switch.level == "district"].set_index("year")
    assert d.loc[2027, "poverty_rate_mean"] > d.loc[2026, "poverty_rate_mean"] + 0.02
    assert d.loc[2027, "reclassified_poor_mean"] > 0
    assert d.loc[2027, "standard"] == "decree_351_2025"
    # the same scenario keeping Decree 07 in force shows no jump
    scenario["standards"] = {y: "decree_07_2021" for y in range(2026, 2031)}
    flat = planning.run(scenario, draws=64).summary()
    f = flat[flat.level == "district"].set_index("year")
    assert f.loc[2027, "poverty_rate_mean"] <= f.loc[2026, "poverty_rate_mean"] + 0.005
    assert f.loc[2027, "reclassified_poor_mean"] == 0


def test_urban_township_jumps_by_its_own_line_ratio(prep):
    # ln(2.8/2.0) for the urban township, ln(2.2/1.5) for rural communes
    ratio = prep.engine_inputs().switch_log_ratio
    units = prep.baseline.units
    t = prep.years.index(2027)
    for i, area in enumerate(units.area):
        expected = np.log(2.8 / 2.0) if area == "urban" else np.log(2.2 / 1.5)
        assert ratio[t, i] == pytest.approx(expected)
    assert np.all(ratio[prep.years.index(2026)] == 0)


def test_shock_year_raises_re_poverty_and_new_poverty(scenario):
    calm = planning.run(scenario, draws=64).summary()
    scenario["shocks"] = [{"year": 2027, "multiplier": 2.5}]
    hit = planning.run(scenario, draws=64).summary()
    c = calm[calm.level == "district"].set_index("year")
    h = hit[hit.level == "district"].set_index("year")
    assert h.loc[2027, "re_poor_mean"] > 2.0 * c.loc[2027, "re_poor_mean"]
    assert h.loc[2027, "new_poor_mean"] > 2.0 * c.loc[2027, "new_poor_mean"]
    assert h.loc[2026, "poverty_rate_mean"] == pytest.approx(c.loc[2026, "poverty_rate_mean"])


def test_a_commune_specific_shock_hits_only_that_commune(scenario):
    calm = planning.run(scenario, draws=32).summary()
    scenario["shocks"] = [{"year": 2028, "multiplier": 3.0, "units": ["nam_et"]}]
    hit = planning.run(scenario, draws=32).summary()
    key = ["unit", "year"]
    c, h = calm.set_index(key), hit.set_index(key)
    assert h.loc[("nam_et", 2028), "new_poor_mean"] > c.loc[("nam_et", 2028), "new_poor_mean"]
    assert h.loc[("chieng_on", 2028), "new_poor_mean"] == pytest.approx(c.loc[("chieng_on", 2028), "new_poor_mean"])


def test_national_scale_synthetic_baseline_runs(prep):
    from dataclasses import replace

    from planning.baseline import synthetic_baseline

    b = synthetic_baseline(300, seed=3)
    amounts = np.full((300, len(prep.book.ids), 5), 50.0)
    syn = replace(prep, baseline=b, amounts=amounts)
    res = run_prepared(syn, counterfactual=False)
    rates = res.district_rates()
    assert rates.shape == (48, 5)
    assert np.all((rates > 0) & (rates < 1))


def test_a_single_draw_runs(scenario):
    r = planning.run(scenario, draws=1, sampling="mode")
    assert r.district_rates().shape == (1, 5)


def test_standard_switch_matches_the_lognormal_formula(prep):
    """The compiled switch against the formula of docs/model.md written with SciPy."""
    from scipy.special import ndtr, ndtri

    from planning.engine import _switch_standard

    rng = np.random.default_rng(0)
    d = prep.engine_draws()
    C, D = 11, d.n
    P, N, O = (rng.uniform(50, 600, (C, D)) for _ in range(3))
    E = rng.uniform(0, 100, (3, C, D))
    ratio = np.where(np.arange(C) == 0, np.log(2.8 / 2.0), np.log(2.2 / 1.5))
    H = P + N + E.sum(0) + O
    b = (P + N) / H
    moved = np.clip((ndtr(ndtri(b) + ratio[:, None] / d.income_log_sd[None, :]) - b) * H, 0, E.sum(0) + O)
    q = d.deprived_share_new[None, :] * P / (P + N)
    expected_new_poor = q * moved + N * d.switch_near_to_poor[None, :]
    P2, N2, E2, O2 = P.copy(), N.copy(), E.copy(), O.copy()
    made = _switch_standard(P2, N2, E2, O2, ratio, d)
    np.testing.assert_allclose(made, expected_new_poor, rtol=1e-8)
    np.testing.assert_allclose(P2, P + expected_new_poor, rtol=1e-8)
    np.testing.assert_allclose(P2 + N2 + E2.sum(0) + O2, H, rtol=1e-12)  # nobody appears or vanishes
    assert np.all(E2 <= E + 1e-12) and np.all(O2 <= O + 1e-12)
