"""Household microsimulation (planning.microsim): synthetic population, projection, money.

Tolerances stated where a test is statistical. Money: million VND; incomes VND/person/month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import planning
from planning import microsim as ms
from planning.classify import classify_households
from planning.errors import PlanningInputError
from planning.microsim import E, N, O, P

SEED = 20261126
DRAWS = 12


@pytest.fixture(scope="module")
def prep() -> planning.Prepared:
    return planning.prepare("district_plan.yaml", draws=DRAWS, seed=SEED)


@pytest.fixture(scope="module")
def hh(prep: planning.Prepared) -> ms.Households:
    return ms.synthesize_households(prep.baseline, prep.samples, seed=SEED)


@pytest.fixture(scope="module")
def run(prep: planning.Prepared, hh: ms.Households) -> ms.MicrosimRun:
    return ms.simulate(prep, hh, keep_final=True)


def _district(run: ms.MicrosimRun, name: str = "poor") -> np.ndarray:
    """Mean over draws of the district total of ``name`` per year (households)."""
    return run.arrays[name].sum(axis=1).mean(axis=0)


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
    # ... and the project's own classifier agrees, from the review-list columns
    out = classify_households(hh.to_frame(), year=b.year)
    by_unit = out.groupby("commune")["status"].value_counts().unstack(fill_value=0).reindex(list(b.units.ids))
    np.testing.assert_array_equal(by_unit["poor"], b.poor)
    np.testing.assert_array_equal(by_unit["near_poor"], b.near_poor)


def test_synthetic_population_reproduces_deprivation_rates(prep: planning.Prepared, hh: ms.Households) -> None:
    """Per unit × group × indicator within 3 households; district by group within 0.5 pp."""
    target = pd.read_csv(prep.loaded.baseline_dir / "deprivation_rates.csv")
    got = hh.deprivation_rates().merge(target[["unit", "group", "indicator", "rate"]],
                                       on=["unit", "group", "indicator"], suffixes=("", "_target"))
    assert len(got) == len(target)
    miss = (got["rate"] - got["rate_target"]) * got["households"]
    assert miss.abs().max() <= 3.0, got.loc[miss.abs().idxmax()]
    got["w_err"] = (got["rate"] - got["rate_target"]) * got["households"]
    district = got.groupby(["group", "indicator"]).apply(
        lambda g: g["w_err"].sum() / g["households"].sum(), include_groups=False)
    assert district.abs().max() <= 0.005


def test_synthetic_income_distribution(prep: planning.Prepared, hh: ms.Households) -> None:
    """Log-normal within unit with the spread of the draws (mean σ), escaped just above the line."""
    sigma = float(np.mean(prep.samples["model.standard_switch.income_log_sd"]))
    conc = float(np.mean(prep.samples["model.standard_switch.escaped_concentration"]))
    status = hh.status()
    for u in range(hh.units.n):
        inc = np.log(hh.income[hh.unit == u].astype(float))
        assert abs(inc.std() - sigma) < 0.05
        above = (hh.unit == u) & (status >= E)
        cut = np.quantile(hh.income[above], 1.0 / conc)
        assert (hh.income[(hh.unit == u) & (status == E)] <= cut + 1).all()
    # the latent disadvantage ties low income to deprivations (Gaussian copula)
    non_poor = status >= E
    r = np.corrcoef(np.log(hh.income[non_poor]), hh.deprivation_count()[non_poor])[0, 1]
    assert r < -0.05
    assert np.log(hh.income[status == P]).mean() < np.log(hh.income[status == N]).mean()


def test_synthesis_reproducible(prep: planning.Prepared, hh: ms.Households) -> None:
    again = ms.synthesize_households(prep.baseline, prep.samples, seed=SEED)
    for f in ("unit", "income", "bits", "escaped", "members"):
        np.testing.assert_array_equal(getattr(hh, f), getattr(again, f))
    other = ms.synthesize_households(prep.baseline, prep.samples, seed=SEED + 1)
    assert not np.array_equal(hh.bits, other.bits)


def test_synthesis_from_an_earlier_review_year(prep: planning.Prepared) -> None:
    h = ms.synthesize_households(prep.baseline, prep.params, seed=1, year=2023)
    s = prep.baseline.series
    row = s[s["year"] == 2023].set_index("unit").loc[list(prep.baseline.units.ids)]
    np.testing.assert_array_equal(h.counts()["poor"], row["poor"])
    with pytest.raises(PlanningInputError):
        ms.synthesize_households(prep.baseline, prep.params, seed=1, year=2019)


# --------------------------------------------------------------------------- projection


def test_projection_reproducible(prep: planning.Prepared, hh: ms.Households, run: ms.MicrosimRun) -> None:
    again = ms.simulate(prep, hh)
    for name in planning.engine.OUTPUTS:
        np.testing.assert_array_equal(run.arrays[name], again.arrays[name])
    np.testing.assert_array_equal(run.spent, again.spent)
    other = ms.simulate(planning.prepare("district_plan.yaml", draws=DRAWS, seed=SEED + 1), hh)
    assert not np.array_equal(run.arrays["poor"], other.arrays["poor"])


def test_outputs_are_the_engines(run: ms.MicrosimRun, prep: planning.Prepared) -> None:
    shape = (DRAWS, prep.baseline.units.n, len(prep.years))
    assert set(run.arrays) == set(planning.engine.OUTPUTS)
    for arr in run.arrays.values():
        assert arr.shape == shape and np.isfinite(arr).all() and (arr >= 0).all()


def test_households_conserved(prep: planning.Prepared, run: ms.MicrosimRun) -> None:
    a = run.arrays
    hh = a["households"]
    # states add up to the households; nobody disappears, growth only adds
    assert (a["poor"] + a["near_poor"] + a["escaped_stock"] <= hh).all()
    growth = np.diff(np.concatenate([np.broadcast_to(prep.baseline.households[None, :, None],
                                                     (DRAWS, hh.shape[1], 1)), hh], axis=2), axis=2)
    assert (growth >= 0).all()
    g = prep.samples["model.households.growth"][:DRAWS]
    expected = prep.baseline.households.sum() * (1 + g.mean()) ** len(prep.years)
    assert abs(hh[:, :, -1].sum(axis=1).mean() / expected - 1) < 0.002
    # the final households, re-classified from their incomes and deprivations, are the outputs
    final = run.final
    assert final is not None and final.n == hh[0, :, -1].sum()
    c = final.counts()
    np.testing.assert_array_equal(c["poor"], a["poor"][0, :, -1])
    np.testing.assert_array_equal(c["near_poor"], a["near_poor"][0, :, -1])
    np.testing.assert_array_equal(c["escaped"], a["escaped_stock"][0, :, -1])


def test_more_budget_never_raises_expected_poverty(prep: planning.Prepared, hh: ms.Households) -> None:
    prev = None
    for scale in (0.0, 0.5, 1.0, 2.0):
        poor = _district(ms.simulate(prep, hh, amounts=prep.amounts * scale))
        if prev is not None:
            assert (poor <= prev).all(), (scale, poor, prev)
        prev = poor


def test_standard_switch_raises_poor(prep: planning.Prepared, run: ms.MicrosimRun) -> None:
    years = prep.years
    t = years.index(2027)
    poor = _district(run)
    assert poor[t] > poor[t - 1] * 1.1  # the 2.2 M line brings households below it
    rec = run.arrays["reclassified_poor"].sum(axis=1).mean(axis=0)
    assert rec[t] > 0 and np.all(np.delete(rec, t) == 0)
    # with no money at all, the jump is there too
    none = ms.simulate(prep, amounts=np.zeros_like(prep.amounts), draws=4)
    assert _district(none)[t] > _district(none)[t - 1]


def test_final_households_follow_the_standard_in_force(run: ms.MicrosimRun) -> None:
    f = run.final
    assert f is not None and f.standard == "decree_351_2025"
    status = f.status()
    cnt = f.deprivation_count()
    assert (cnt[status == P] >= 3).all() and (cnt[status == N] <= 2).all()
    rural = np.asarray(f.units.area)[f.unit] == "rural"
    assert (f.income[(status <= N) & rural] <= 2_200_000).all()
    assert (f.income[(status >= E) & rural] > 2_200_000).all()
    assert ((f.escaped > 0) == (status == E)).all()
    assert f.escaped.max() <= 3


def test_treatments_never_exceed_the_money(prep: planning.Prepared, run: ms.MicrosimRun) -> None:
    assert (run.spent <= run.allocated[None] + 1e-6).all()
    cost = np.stack([prep.samples[f"programmes.{c}.unit_cost"][:DRAWS] for c in prep.book.ids[:-1]], axis=1)
    np.testing.assert_allclose(run.spent[:, :, :-1, :], run.treated[:, :, :-1, :] * cost[:, None, :, None])
    # a budget that buys at most one house per unit buys at most one
    tiny = np.zeros_like(prep.amounts)
    k = prep.book.ids.index("housing")
    tiny[:, k, :] = 1.5 * prep.samples["programmes.housing.unit_cost"][:DRAWS].max()
    r = ms.simulate(prep, amounts=tiny)
    assert r.treated[:, :, k, :].max() <= 1
    assert (r.spent <= tiny[None] + 1e-6).all()


def test_indicator_components_reach_deprived_households_only(prep: planning.Prepared, hh: ms.Households) -> None:
    only = np.zeros_like(prep.amounts)
    k = prep.book.ids.index("housing")
    only[:, k, 0] = prep.amounts[:, k, 0] * 50  # far more money than deprived households
    r = ms.simulate(prep, hh, amounts=only)
    st = hh.status()
    deprived = np.bincount(hh.unit[((st == P) | (st == N)) & hh.deprived("housing_quality")],
                           minlength=hh.units.n)
    assert (r.treated[:, :, k, 0] <= deprived[None, :]).all()
    assert r.treated[:, :, k, 0].sum() > 0


def test_counterfactual_and_runner_dispatch() -> None:
    res = planning.run("district_plan.yaml", draws=4, seed=SEED, engine="microsim")
    assert res.engine == "microsim"
    assert res.counterfactual_poor is not None and res.counterfactual_poor.shape == res.arrays["poor"].shape
    out = res.outcomes()
    assert out["households_lifted"] > 0 and out["cost_per_household_lifted"] > 0
    assert not res.summary().empty


# --------------------------------------------------------------------------- review list


def test_review_list_start(prep: planning.Prepared, hh: ms.Households, run: ms.MicrosimRun) -> None:
    df = hh.to_frame()
    df["Họ tên"] = "Nguyễn Văn A"  # identifiers are never read
    names = dict(zip(prep.baseline.units.ids, prep.baseline.units.names_vi, strict=True))
    df["commune"] = df["commune"].map(names)  # communes by Vietnamese name work too
    h2 = ms.households_from_review(df, year=2025)
    pd.testing.assert_frame_equal(h2.counts(), hh.counts())
    np.testing.assert_array_equal(h2.bits, hh.bits)
    arrays, cf = ms.project_prepared(prep, households=h2, counterfactual=True)
    np.testing.assert_array_equal(arrays["poor"], run.arrays["poor"])
    assert cf is not None and (cf[:, :, -1].sum(axis=1) >= arrays["poor"][:, :, -1].sum(axis=1)).mean() > 0.5


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
    """The illustrative deprivation data imply more near-poor → poor in 2027 than the engine's
    0.08 (docs/microsim.md §4); the projection follows the engine's value."""
    imp = ms.implied_switch_parameters(hh, "decree_351_2025")
    assert 0.15 < imp["near_poor_to_poor"] < 0.5
    assert 0.1 < imp["moved_share"] < 0.35
    assert imp["poor_rate_new"] > imp["poor_rate_old"]


def test_households_switch_sensitivity_runs(prep: planning.Prepared, hh: ms.Households) -> None:
    r = ms.simulate(prep, hh, draws=4, switch="households")
    assert _district(r)[prep.years.index(2027)] > _district(r)[0]
    with pytest.raises(PlanningInputError):
        ms.simulate(prep, hh, draws=1, switch="other")  # type: ignore[arg-type]


def test_draws_argument(prep: planning.Prepared, hh: ms.Households) -> None:
    assert ms.simulate(prep, hh, draws=3).arrays["poor"].shape[0] == 3
    with pytest.raises(PlanningInputError):
        ms.simulate(prep, hh, draws=DRAWS + 1)


def test_states_codes_are_the_engines() -> None:
    assert (P, N, E, O) == (0, 1, 2, 3)
