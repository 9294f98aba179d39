"""Household microsimulation (planning.models.microsim): synthetic population, projection, money.

Every test is seeded; tolerances are stated where a quantity is statistical. Money: million
VND; incomes VND/person/month; counts households; "pp" percentage points.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest
import yaml

import planning
from planning.basics.errors import PlanningInputError
from planning.basics.paths import scenarios_dir
from planning.models import microsim as ms
from planning.models.classify import classify_households
from planning.models.microsim import DECOMPOSITION, OUTPUTS, E, N, O, P
from planning.stores.standards import load_standard

SEED = 20261126
DRAWS = 12


@pytest.fixture(scope="module")
def plan() -> dict:
    return yaml.safe_load((scenarios_dir() / "district_plan.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def prep() -> planning.Prepared:
    return planning.prepare("district_plan.yaml", draws=DRAWS, seed=SEED)


@pytest.fixture(scope="module")
def hh(prep: planning.Prepared) -> ms.Households:
    """The population ``project_prepared`` builds: the engine's per-unit correlation."""
    return ms.synthesize_households(prep.baseline, prep.samples, seed=SEED, income_correlation=prep.unit_correlation())


@pytest.fixture(scope="module")
def run(prep: planning.Prepared, hh: ms.Households) -> ms.MicrosimRun:
    return ms.simulate(prep, hh, keep_final=True, decompose=True)


def _district(run: ms.MicrosimRun, name: str = "poor") -> np.ndarray:
    """Mean over draws of the district total of ``name`` per year (households)."""
    return run.arrays[name].sum(axis=1).mean(axis=0)


def _frozen(plan: dict, **model: float) -> dict:
    """The plan to 2027 with no money and nothing moving: no growth, setbacks, fading
    deprivations, bad years or new households (``model`` adds other fixed parameters)."""
    sc = copy.deepcopy(plan)
    sc.pop("calibration", None)  # the modes, not posterior draws
    sc.update(end_year=2027, budget={}, standards={2026: "decree_07_2021", 2027: "decree_351_2025"})
    fixed = {"income.growth": 0.0, "setbacks.probability": 0.0, "deprivation.resolution": 0.0,
             "households.growth": 0.0, "bad_years.probability": 0.0, "standard_switch.near_poor_to_poor": 0.0,
             "standard_switch.poor_to_near_poor": 0.0, "standard_switch.newly_listed_to_poor": 0.0, **model}
    over: dict = {}
    for name, v in fixed.items():
        section, key = name.split(".")
        over.setdefault(section, {})[key] = {"mode": v, "low": v, "high": v}
    sc["overrides"] = {"model": over}
    return sc


# --------------------------------------------------------------------------- synthesis


def test_compact_dtypes(hh: ms.Households) -> None:
    assert hh.income.dtype == np.float32
    assert hh.bits.dtype == np.uint16
    assert hh.escaped.dtype == np.uint8 and hh.members.dtype == np.uint8
    assert hh.unit.dtype == np.int16
    assert len(hh.indicators) == 13 and "waste" in hh.indicators


def test_synthetic_population_reproduces_counts(prep: planning.Prepared, hh: ms.Households) -> None:
    b = prep.baseline
    c = hh.counts()
    np.testing.assert_array_equal(c["households"], b.households)
    np.testing.assert_array_equal(c["poor"], b.poor)
    np.testing.assert_array_equal(c["near_poor"], b.near_poor)
    np.testing.assert_array_equal(c["escaped"], np.rint(b.escaped_cohorts.sum(axis=0)))
    for k in range(3):  # cohorts by years since exit
        np.testing.assert_array_equal(np.bincount(hh.unit[hh.escaped == k + 1], minlength=b.units.n),
                                      np.rint(b.escaped_cohorts[k]))
    # ... and the project's own classifier agrees, from the review-list columns
    out = classify_households(hh.to_frame(), year=b.year)
    by_unit = out.groupby("commune")["status"].value_counts().unstack(fill_value=0).reindex(list(b.units.ids))
    np.testing.assert_array_equal(by_unit["poor"], b.poor)
    np.testing.assert_array_equal(by_unit["near_poor"], b.near_poor)


def test_start_lists_households_below_the_line_and_some_hit_by_a_setback(prep: planning.Prepared,
                                                                         hh: ms.Households) -> None:
    """Exactly P + N listed per unit: every household whose permanent income is at or below
    the line, plus households within the transitory loss (1 − φ)s above it that a setback hit
    at the review (their income this year is (1 − φ)s lower and at or below the line), about
    a share π₀ of that band (binomial, 4 sd per unit and 3 sd for the district)."""
    shape = ms.start_shape(prep.samples)
    t_loss = shape.transitory_loss
    assert hh.transitory is not None and set(np.unique(hh.transitory)) == {np.float32(0.0), np.float32(t_loss)}
    st = hh.status()
    line = hh.lines()
    perm = np.log(hh.permanent_income() / line)
    now = np.log(hh.income.astype(float) / line)
    hit = hh.transitory > 0
    assert (st[hit] <= N).all() and (now[hit] <= 0).all()
    assert ((perm[hit] > 0) & (perm[hit] <= t_loss + 1e-6)).all()
    assert (perm[~hit & (st <= N)] <= 1e-6).all() and (perm[st >= E] > 0).all()  # the rest: by permanent income
    b = prep.baseline
    listed = np.bincount(hh.unit[st <= N], minlength=b.units.n)
    np.testing.assert_array_equal(listed, b.poor + b.near_poor)
    band = (perm > 0) & (perm <= t_loss)
    n_band = np.bincount(hh.unit[band], minlength=b.units.n)
    n_hit = np.bincount(hh.unit[hit], minlength=b.units.n)
    pi0 = shape.setback_probability
    sd = np.sqrt(n_band * pi0 * (1 - pi0))
    assert (np.abs(n_hit - pi0 * n_band) < 4 * sd + 1).all(), (n_hit, pi0 * n_band)
    assert abs(n_hit.sum() - pi0 * n_band.sum()) < 3 * np.sqrt((sd**2).sum())
    # the hit households' status is the classification of this year's income: poor or near-poor
    assert (st[hit] == np.where(hh.multiply_deprived()[hit], P, N)).all()


def test_synthetic_population_reproduces_deprivation_rates(prep: planning.Prepared, hh: ms.Households) -> None:
    """Every group × unit × indicator within 5 households (measured ≤ 4.1), 0.5 pp for the
    district: with the correlation solved from the data, the non-poor's multiply-deprived
    share is what their indicator rates imply, so the count rule leaves room everywhere."""
    target = pd.read_csv(prep.loaded.baseline_dir / "deprivation_rates.csv")
    got = hh.deprivation_rates().merge(target[["unit", "group", "indicator", "rate"]],
                                       on=["unit", "group", "indicator"], suffixes=("", "_target"))
    assert len(got) == len(target)
    got["miss"] = (got["rate"] - got["rate_target"]) * got["households"]
    assert got["miss"].abs().max() <= 5.0, got.loc[got["miss"].abs().idxmax()]
    district = got.groupby(["group", "indicator"])[["miss", "households"]].sum()
    assert (district["miss"] / district["households"]).abs().max() <= 0.005


def test_synthetic_income_and_copula(prep: planning.Prepared, hh: ms.Households) -> None:
    """Log permanent income normal with the draws' mean σ; the non-poor as often multiply
    deprived as the deprivation data imply (the engine's per-unit correlation, docs/model.md
    §3: within 0.01 per unit, 0.003 for the district); the unlisted flags follow the copula
    threshold the listed imply; newly escaped households have the lowest permanent incomes
    among the unlisted."""
    sigma = float(np.mean(prep.samples["model.income.log_sd"]))
    assert hh.synthetic_log_sd == pytest.approx(sigma)
    b = prep.baseline
    std = load_standard(prep.baseline_standard)
    target = b.multiply_deprived_share(std.indicator_ids, std.poor_min_deprivations)
    st = hh.status()
    dep = hh.multiply_deprived()
    perm = np.log(hh.permanent_income() / hh.lines())
    got = []
    for u in range(hh.units.n):
        mine = hh.unit == u
        assert abs(perm[mine].std() - sigma) < 0.01
        got.append(dep[mine & (st >= E)].mean())
        assert perm[mine & (st == E)].max() <= perm[mine & (st == O)].min()
    got = np.array(got)
    assert np.abs(got - target).max() < 0.01, np.round(got - target, 4)
    w = b.households - b.poor - b.near_poor
    assert abs(np.average(got, weights=w) - np.average(target, weights=w)) < 0.003
    # the copula ties low income to deprivation: the poor are poorer than the near-poor
    assert perm[st == P].mean() < perm[st == N].mean()


def test_synthesis_reproducible(prep: planning.Prepared, hh: ms.Households) -> None:
    r = prep.unit_correlation()
    again = ms.synthesize_households(prep.baseline, prep.samples, seed=SEED, income_correlation=r)
    for f in ("unit", "income", "bits", "escaped", "members", "transitory"):
        np.testing.assert_array_equal(getattr(hh, f), getattr(again, f))
    other = ms.synthesize_households(prep.baseline, prep.samples, seed=SEED + 1, income_correlation=r)
    assert not np.array_equal(hh.bits, other.bits)
    # by default the correlation is solved from the deprivation data as the engine does (at
    # the given parameters: here the draws' means, the engine's modes): nearly the same
    r_own = ms.unit_correlations(prep.baseline, load_standard(prep.baseline_standard), ms.start_shape(prep.samples),
                                 prep.baseline.households, prep.baseline.poor, prep.baseline.near_poor)
    assert np.abs(r_own - r).max() < 0.01


def test_synthesis_from_an_earlier_review_year(prep: planning.Prepared) -> None:
    h = ms.synthesize_households(prep.baseline, prep.params, seed=1, year=2023)
    s = prep.baseline.series
    row = s[s["year"] == 2023].set_index("unit").loc[list(prep.baseline.units.ids)]
    np.testing.assert_array_equal(h.counts()["poor"], row["poor"])
    assert h.synthetic_log_sd == prep.params.values["model.income.log_sd"].mode
    with pytest.raises(PlanningInputError):
        ms.synthesize_households(prep.baseline, prep.params, seed=1, year=2019)


# --------------------------------------------------------------------------- projection


def test_projection_reproducible(prep: planning.Prepared, hh: ms.Households, run: ms.MicrosimRun) -> None:
    again = ms.simulate(prep, hh, decompose=True)
    for name in OUTPUTS + DECOMPOSITION:
        np.testing.assert_array_equal(run.arrays[name], again.arrays[name])
    np.testing.assert_array_equal(run.spent, again.spent)
    # the first draws of a larger run are the same draws (random numbers are per draw)
    np.testing.assert_array_equal(ms.simulate(prep, hh, draws=3).arrays["poor"], run.arrays["poor"][:3])
    other = ms.simulate(planning.prepare("district_plan.yaml", draws=DRAWS, seed=SEED + 1), hh)
    assert not np.array_equal(run.arrays["poor"], other.arrays["poor"])


def test_outputs_are_the_engines(run: ms.MicrosimRun, prep: planning.Prepared) -> None:
    shape = (DRAWS, prep.baseline.units.n, len(prep.years))
    assert set(run.arrays) == set(OUTPUTS + DECOMPOSITION)
    for arr in run.arrays.values():
        assert arr.shape == shape and np.isfinite(arr).all() and (arr >= 0).all()
        np.testing.assert_array_equal(arr, np.rint(arr))  # whole households


def test_households_conserved_and_statuses_follow_income_and_deprivations(
        prep: planning.Prepared, hh: ms.Households, run: ms.MicrosimRun) -> None:
    a = run.arrays
    g = prep.samples["model.households.growth"][:DRAWS]
    t = np.arange(1, len(prep.years) + 1)
    expected = np.floor(prep.baseline.households[None, :, None] * (1 + g[:, None, None]) ** t + 0.5)
    np.testing.assert_array_equal(a["households"], expected)  # H0 (1 + g)^t, rounded, per unit
    assert (a["poor"] + a["near_poor"] + a["escaped_stock"] <= a["households"]).all()
    # at every review of every draw, every status is the classification of the household
    assert (run.inconsistent == 0).all()
    final = run.final
    assert final is not None and final.n == a["households"][0, :, -1].sum()
    assert final.standard == "decree_351_2025"
    c = final.counts()
    np.testing.assert_array_equal(c["poor"], a["poor"][0, :, -1])
    np.testing.assert_array_equal(c["near_poor"], a["near_poor"][0, :, -1])
    np.testing.assert_array_equal(c["escaped"], a["escaped_stock"][0, :, -1])
    status, cnt = final.status(), final.deprivation_count()
    assert (cnt[status == P] >= 3).all() and (cnt[status == N] <= 2).all()
    rural = np.asarray(final.units.area)[final.unit] == "rural"
    assert (final.income[(status <= N) & rural] <= 2_200_000).all()
    assert (final.income[(status >= E) & rural] > 2_200_000).all()
    assert ((final.escaped > 0) == (status == E)).all() and final.escaped.max() <= 3


def test_standard_switch_moves_incomes_by_the_line_ratio(plan: dict) -> None:
    """Nothing moving but the line: incomes in VND are unchanged through the 2027 switch, the
    households between the lines are listed with their own flags, the poor are P + those
    flagged, exactly; ν acts on the near-poor listed at the last review only, ξ on the poor."""
    prep = planning.prepare(_frozen(plan), draws=2, seed=5, sampling="mode")
    hh = ms.synthesize_households(prep.baseline, prep.samples, seed=5)
    r = ms.simulate(prep, hh, keep_final=True)
    f = r.final
    assert f is not None and f.n == hh.n
    np.testing.assert_array_equal(f.income, hh.income)
    imp = ms.implied_switch_parameters(hh, "decree_351_2025")
    poor = r.arrays["poor"].sum(axis=1)
    np.testing.assert_array_equal(poor[:, 0], prep.baseline.poor.sum())
    np.testing.assert_array_equal(poor[:, 1], round(imp["poor_rate_carried"] * hh.n))
    np.testing.assert_array_equal(r.arrays["reclassified_poor"].sum(axis=1)[:, 1], poor[:, 1] - poor[:, 0])
    np.testing.assert_array_equal(f.multiply_deprived(), hh.multiply_deprived())  # flags carried
    moved = round(imp["moved_share"] * hh.n)
    moved_dep = round(imp["moved_share"] * imp["moved_deprived_share_old"] * hh.n)
    P0, N0 = prep.baseline.poor.sum(), prep.baseline.near_poor.sum()
    # ν = 1: every near-poor household of the last review reaches 3 deprivations; those the
    # new line lists keep their own flags
    r1 = ms.simulate(planning.prepare(_frozen(plan, **{"standard_switch.near_poor_to_poor": 1.0}), draws=1,
                                      seed=5, sampling="mode"), hh, keep_final=True)
    assert r1.arrays["poor"][0, :, 1].sum() == P0 + N0 + moved_dep
    assert r1.arrays["near_poor"][0, :, 1].sum() == moved - moved_dep
    assert r1.arrays["reclassified_poor"][0, :, 1].sum() == N0 + moved_dep
    assert r1.final is not None and (r1.final.deprivation_count()[r1.final.status() == P] >= 3).all()
    # ν′ = 1: every household the new line lists reaches 3 deprivations under the new set
    rn = ms.simulate(planning.prepare(_frozen(plan, **{"standard_switch.newly_listed_to_poor": 1.0}), draws=1,
                                      seed=5, sampling="mode"), hh, keep_final=True)
    assert rn.arrays["poor"][0, :, 1].sum() == P0 + moved
    assert rn.arrays["near_poor"][0, :, 1].sum() == N0
    # ξ = 1: every poor household falls below 3 deprivations (net change: made poor − fallen)
    rx = ms.simulate(planning.prepare(_frozen(plan, **{"standard_switch.poor_to_near_poor": 1.0}), draws=1,
                                      seed=5, sampling="mode"), hh, keep_final=True, decompose=True)
    assert rx.arrays["poor"][0, :, 1].sum() == moved_dep
    assert rx.arrays["reclassified_poor"][0, :, 1].sum() == moved_dep - P0
    assert rx.arrays["poor_switch"][0, :, 1].sum() == moved_dep  # nothing else moves: all still poor
    fx = rx.final
    assert fx is not None and (fx.deprivation_count()[fx.status() == N] <= 2).all() and (rx.inconsistent == 0).all()


def test_no_jump_when_decree_07_stays_in_force(plan: dict, hh: ms.Households) -> None:
    """scenarios/keep_decree_07.yaml: no reclassification, the rate keeps falling; the district
    plan (Decree 351/2025 from 2027): the rate jumps by over 30 % (the engine: about 43 %)."""
    kept = planning.prepare("keep_decree_07.yaml", draws=DRAWS, seed=SEED)
    assert kept.standards == ["decree_07_2021"] * len(kept.years)
    r = ms.simulate(kept, hh, keep_final=True)
    switched = ms.simulate(planning.prepare(plan, draws=DRAWS, seed=SEED), hh)
    t = kept.years.index(2027)
    assert (r.arrays["reclassified_poor"] == 0).all()
    assert _district(r)[t] <= _district(r)[t - 1]
    assert _district(switched)[t] > 1.3 * _district(switched)[t - 1]
    rec = switched.arrays["reclassified_poor"].sum(axis=1).mean(axis=0)
    assert rec[t] > 0 and np.all(np.delete(rec, t) == 0)
    assert r.final is not None and r.final.standard == "decree_07_2021" and (r.inconsistent == 0).all()
    # same random numbers up to the switch: 2026 is identical
    np.testing.assert_array_equal(r.arrays["poor"][:, :, 0], switched.arrays["poor"][:, :, 0])


def test_more_money_fewer_poor(prep: planning.Prepared, hh: ms.Households) -> None:
    prev = None
    for scale in (0.0, 0.5, 1.0, 2.0, 4.0):
        poor = _district(ms.simulate(prep, hh, amounts=prep.amounts * scale))
        if prev is not None:
            assert (poor <= prev).all(), (scale, poor, prev)
            assert poor[-1] < prev[-1]
        prev = poor


def test_decomposition_adds_up(prep: planning.Prepared, hh: ms.Households, run: ms.MicrosimRun) -> None:
    a = run.arrays
    np.testing.assert_array_equal(sum(a[n] for n in DECOMPOSITION), a["poor"])
    t = prep.years.index(2027)
    # made poor by the switch at the start of 2027, still poor at its review: most of them
    # (reclassified_poor is net of the poor made near-poor, so it may be the smaller)
    assert 0.5 * a["reclassified_poor"][:, :, t].sum() < a["poor_switch"][:, :, t].sum()
    assert a["poor_switch"][:, :, t].sum() < 1.5 * a["reclassified_poor"][:, :, t].sum()
    assert (a["poor_switch"][:, :, :t] == 0).all()
    # the poor of the start only shrink; without money nobody is reached
    start = a["poor_unreached"] + a["poor_reached"]
    assert (np.diff(start.sum(axis=1), axis=1) <= 0).all() and (start[:, :, 0] <= prep.baseline.poor).all()
    assert a["poor_reached"].sum() > 0
    none = ms.simulate(prep, hh, amounts=np.zeros_like(prep.amounts), decompose=True, outputs=("poor",))
    assert (none.arrays["poor_reached"] == 0).all() and set(none.arrays) == {"poor", *DECOMPOSITION}


def test_money_reach_and_spending(prep: planning.Prepared, hh: ms.Households, run: ms.MicrosimRun) -> None:
    assert (run.spent <= run.allocated[None] + 1e-6).all()
    assert run.spent[:, :, -1, :] == pytest.approx(np.broadcast_to(run.allocated[:, -1, :], run.spent[:, :, -1, :].shape))
    assert (run.treated[:, :, -1] == 0).all() and run.treated.sum() > 0
    # indicator components reach deprived households only, however much money they get
    only = np.zeros_like(prep.amounts)
    k = prep.book.ids.index("housing")
    only[:, k, 0] = prep.amounts[:, k, 0] * 50
    r = ms.simulate(prep, hh, amounts=only)
    st = hh.status()
    deprived = np.bincount(hh.unit[(st <= N) & hh.deprived("housing_quality")], minlength=hh.units.n)
    assert (r.treated[:, :, k, 0] <= deprived[None, :]).all() and r.treated[:, :, k, 0].sum() > 0
    assert (r.treated[:, :, k, 1:] == 0).all()


def test_counterfactual_and_runner_dispatch(prep: planning.Prepared, hh: ms.Households) -> None:
    arrays, cf = ms.project_prepared(prep, households=hh, decompose=True)
    assert set(arrays) == set(OUTPUTS + DECOMPOSITION) and cf is not None
    # common random numbers: the counterfactual is the no-money run, household for household ...
    none = ms.simulate(prep, hh, amounts=np.zeros_like(prep.amounts)).arrays["poor"]
    np.testing.assert_array_equal(cf, none)
    # ... and money in one commune changes nothing in the others (same numbers per household)
    one = np.zeros_like(prep.amounts)
    one[3, prep.book.ids.index("livelihood"), 0] = 500.0
    r = ms.simulate(prep, hh, amounts=one).arrays["poor"]
    np.testing.assert_array_equal(np.delete(r, 3, axis=1), np.delete(none, 3, axis=1))
    assert r[:, 3].sum() < none[:, 3].sum()
    assert (cf.sum(axis=1).mean(axis=0) > arrays["poor"].sum(axis=1).mean(axis=0)).all()
    res = planning.run("district_plan.yaml", draws=4, seed=SEED, engine="microsim")
    assert res.engine == "microsim" and res.counterfactual_poor is not None
    assert res.counterfactual_poor.shape == res.arrays["poor"].shape
    out = res.outcomes()
    assert out["households_lifted"] > 0 and out["cost_per_household_lifted"] > 0
    assert not res.summary().empty


def test_escaped_status_lasts_36_months(plan: dict, hh: ms.Households) -> None:
    """Nothing moving: the baseline cohorts (1, 2, 3 years since exit) leave the status at the
    3rd, 2nd and 1st review, exactly; nobody else enters or leaves it."""
    prep = planning.prepare(dict(_frozen(plan), end_year=2026, standards={2026: "decree_07_2021"}), draws=1, seed=5,
                            sampling="mode")
    h = ms.synthesize_households(prep.baseline, prep.samples, seed=5)
    c = np.rint(prep.baseline.escaped_cohorts).sum(axis=1)
    e = ms.simulate(prep, h).arrays["escaped_stock"].sum(axis=1)[0]
    assert e[0] == c[0] + c[1]


# --------------------------------------------------------------------------- review list


def test_review_list_start(prep: planning.Prepared, hh: ms.Households) -> None:
    df = hh.to_frame()
    df["Họ tên"] = "Nguyễn Văn A"  # identifiers are never read
    names = dict(zip(prep.baseline.units.ids, prep.baseline.units.names_vi, strict=True))
    df["commune"] = df["commune"].map(names)  # communes by Vietnamese name work too
    h2 = ms.households_from_review(df, year=2025)
    pd.testing.assert_frame_equal(h2.counts(), hh.counts())
    np.testing.assert_array_equal(h2.bits, hh.bits)
    assert h2.synthetic_log_sd is None  # a review list keeps its own incomes in every draw
    arrays, cf = ms.project_prepared(prep, households=h2, counterfactual=True)
    same = ms.simulate(prep, dataclasses.replace(hh, synthetic_log_sd=None, transitory=None)).arrays
    np.testing.assert_array_equal(arrays["poor"], same["poor"])
    assert cf is not None and (cf.sum(axis=1) >= arrays["poor"].sum(axis=1)).mean() > 0.5


def test_review_list_without_waste_column_and_errors(prep: planning.Prepared, hh: ms.Households) -> None:
    df = hh.to_frame().drop(columns=["d_waste", "years_since_exit"]).head(300)
    h2 = ms.households_from_review(df)
    assert h2.standard == "decree_07_2021" and not h2.deprived("waste").any()
    bad = df.copy()
    bad.loc[5, "commune"] = "Hà Nội"
    with pytest.raises(PlanningInputError) as err:
        ms.households_from_review(bad)
    assert "commune" in str(err.value) and "dòng 7" in str(err.value)
    bad = df.astype({"income_per_capita_month": object})
    bad.loc[3, "income_per_capita_month"] = "abc"
    with pytest.raises(PlanningInputError):
        ms.households_from_review(bad)


def test_implied_switch_parameters(hh: ms.Households) -> None:
    """The illustrative deprivation data imply ν ≈ 0.31 (the engine's mode is 0.25)."""
    imp = ms.implied_switch_parameters(hh, "decree_351_2025")
    assert 0.2 < imp["near_poor_to_poor"] < 0.45
    assert 0.0 < imp["poor_to_near_poor"] < 0.3  # information means drops out in 2027
    assert 0.1 < imp["moved_share"] < 0.35
    # households between the lines: rarely multiply deprived (the non-poor's data), more often
    # once waste and internet use count
    assert 0.03 < imp["moved_deprived_share_old"] < imp["moved_deprived_share_new"] < 0.5
    assert imp["poor_rate_old"] < imp["poor_rate_carried"] < imp["poor_rate_new"] + 0.05
    assert imp["poor_rate_old"] == pytest.approx(hh.counts()["poor"].sum() / hh.n)


def test_households_switch_diagnostic(prep: planning.Prepared, hh: ms.Households) -> None:
    r = ms.simulate(prep, hh, draws=4, switch="households", keep_final=True)
    t = prep.years.index(2027)
    assert _district(r)[t] > 1.5 * _district(r)[t - 1] and (r.inconsistent == 0).all()
    with pytest.raises(PlanningInputError):
        ms.simulate(prep, hh, draws=1, switch="other")  # type: ignore[arg-type]


def test_draws_argument(prep: planning.Prepared, hh: ms.Households) -> None:
    assert ms.simulate(prep, hh, draws=3).arrays["poor"].shape[0] == 3
    with pytest.raises(PlanningInputError):
        ms.simulate(prep, hh, draws=DRAWS + 1)
    with pytest.raises(ValueError):
        ms.simulate(prep, hh, draws=1, outputs=("poor_switch",))  # needs decompose=True


def test_state_codes_are_the_engines() -> None:
    assert (P, N, E, O) == (0, 1, 2, 3)


def test_calibration_draw_fields(prep: planning.Prepared, hh: ms.Households, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Draws.money_scale`` multiplies every amount (as the engine); ``start_near_poor_share``
    would need a population per draw: refused with a clear error."""
    base = planning.Prepared.engine_draws
    scale = np.linspace(0.5, 2.0, DRAWS)
    monkeypatch.setattr(planning.Prepared, "engine_draws",
                        lambda self: dataclasses.replace(base(self), money_scale=scale))
    scaled = ms.simulate(prep, hh, draws=4).arrays["poor"]
    monkeypatch.setattr(planning.Prepared, "engine_draws", base)
    for d in range(4):
        np.testing.assert_array_equal(scaled[d], ms.simulate(prep, hh, draws=d + 1,
                                                             amounts=prep.amounts * scale[d]).arrays["poor"][d])
    monkeypatch.setattr(planning.Prepared, "engine_draws",
                        lambda self: dataclasses.replace(base(self), start_near_poor_share=np.full(DRAWS, 0.4)))
    with pytest.raises(PlanningInputError, match="start_near_poor_share"):
        ms.simulate(prep, hh, draws=1)


def test_setbacks_list_by_this_years_income_and_add_deprivations_only_to_those_they_list(plan: dict) -> None:
    """One year, onset certain (θ = 1), nothing else adding deprivations: every household a
    setback lists is poor, and every household that became multiply deprived was hit and
    listed; statuses are the classification of this year's income (permanent income less the
    transitory part of the setback)."""
    sc = dict(_frozen(plan, **{"setbacks.probability": 0.3, "setbacks.deprivation_onset": 1.0}), end_year=2026,
              standards={2026: "decree_07_2021"})
    prep = planning.prepare(sc, draws=1, seed=5, sampling="mode")
    h = ms.synthesize_households(prep.baseline, prep.samples, seed=5)
    r = ms.simulate(prep, h, keep_final=True)
    f = r.final
    assert f is not None and f.n == h.n and (r.inconsistent == 0).all()
    hit = f.transitory > 0
    t_loss = ms.start_shape(prep.samples).transitory_loss
    np.testing.assert_allclose(f.transitory[hit], t_loss, rtol=1e-6)
    listed = f.status() <= N
    assert 0.25 < hit.mean() < 0.35 and (hit & listed).any() and (hit & ~listed).any()
    assert (f.status()[hit & listed] == P).all()
    became = f.multiply_deprived() & ~h.multiply_deprived()
    assert became.any() and (hit & listed)[became].all()
    # listing follows this year's income: some hit households are listed with a permanent
    # income above the line, and no unlisted household has this year's income below it
    perm = np.log(f.permanent_income() / f.lines())
    assert (listed & (perm > 0)).any() and (f.income[~listed] > f.lines()[~listed]).all()
