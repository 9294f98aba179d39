"""Alkire–Foster M0, headcounts by commune and FGT income-poverty measures."""

from __future__ import annotations

from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.basics.errors import PlanningInputError
from planning.models.classify import classify_households, read_households
from planning.models.measures import alkire_foster, headcounts, income_poverty_gap

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Alkire & Foster (2011), J. Public Econ. 95:476-487, section 2-3 worked example: four
# persons, four dimensions (income, years of schooling, a caste-like ordinal, health
# insurance), achievement matrix
#     y = [[13.1, 14, 4, 1],
#          [15.2,  7, 5, 0],
#          [12.5, 10, 1, 0],
#          [20.0, 11, 3, 1]]
# with deprivation cut-offs z = (13, 12, 3, 1): deprived when y_ij < z_j. Hence
G0 = np.array([
    [0, 0, 0, 0],   # 13.1≥13, 14≥12, 4≥3, 1≥1             → c = 0
    [0, 1, 0, 1],   # 7<12, 0<1                              → c = 2
    [1, 1, 1, 1],   # 12.5<13, 10<12, 1<3, 0<1               → c = 4
    [0, 1, 0, 0],   # 11<12                                  → c = 1
])
Y = np.array([[13.1, 14, 4, 1], [15.2, 7, 5, 0], [12.5, 10, 1, 0], [20, 11, 3, 1]])
Z = np.array([13, 12, 3, 1])


def test_g0_matches_the_achievement_matrix() -> None:
    assert ((Y < Z).astype(int) == G0).all()


def test_alkire_foster_2011_worked_example() -> None:
    # k = 2, equal weights: persons 2 and 3 are poor (c = 2, 4).
    # H = 2/4 = 1/2; A = (2 + 4) / (2 · 4) = 3/4; M0 = H·A = 3/8 = 6/16 (the censored matrix
    # has 6 deprivations out of 16 entries), the values in the paper.
    r = alkire_foster(G0, k=2)
    assert r["H"] == 0.5
    assert r["A"] == 0.75
    assert r["M0"] == 0.375
    assert r["n_poor"] == 2 and r["n"] == 4
    assert list(r["poor"]) == [False, True, True, False]
    # Censored headcounts: dim 1 only person 3 → 1/4; dim 2 persons 2, 3 (person 4 censored)
    # → 2/4; dim 3 → 1/4; dim 4 → 2/4. Contributions w_j·CH_j/(d·M0) with d·M0 = 1.5.
    assert list(r["censored_headcounts"]) == [0.25, 0.5, 0.25, 0.5]
    assert list(r["uncensored_headcounts"]) == [0.25, 0.75, 0.25, 0.5]
    assert r["contributions"].to_numpy() == pytest.approx([1 / 6, 1 / 3, 1 / 6, 1 / 3], abs=1e-15)
    assert r["contributions"].sum() == pytest.approx(1.0, abs=1e-15)


def test_union_and_intersection_cutoffs() -> None:
    # k = 1 (union): persons 2, 3, 4 poor; A = (2 + 4 + 1)/(3·4) = 7/12; M0 = 7/16.
    r = alkire_foster(G0, k=1)
    assert (r["H"], r["A"], r["M0"]) == (0.75, pytest.approx(7 / 12), pytest.approx(7 / 16))
    # k = d = 4 (intersection): only person 3; H = 1/4, A = 1, M0 = 1/4.
    r = alkire_foster(G0, k=4)
    assert (r["H"], r["A"], r["M0"]) == (0.25, 1.0, 0.25)


def test_weighted_example_by_hand() -> None:
    # Same matrix, general weights as in the paper's section on weighting: w = (2, 2/3, 2/3,
    # 2/3), total 4 (income counts as much as the other three together). Scores:
    # c = (0, 2/3 + 2/3, 2 + 3·2/3, 2/3) = (0, 4/3, 4, 2/3).
    w = [2, 2 / 3, 2 / 3, 2 / 3]
    # k = 4/3: persons 2, 3 poor. H = 1/2; A = (4/3 + 4)/(2·4) = 2/3; M0 = 1/3.
    r = alkire_foster(G0, k=4 / 3, weights=w)
    assert r["n_poor"] == 2
    assert r["H"] == 0.5
    assert r["A"] == pytest.approx(2 / 3, abs=1e-15)
    assert r["M0"] == pytest.approx(1 / 3, abs=1e-15)
    # CH = (1/4, 1/2, 1/4, 1/2); contribution_j = w_j·CH_j/(4·M0) = w_j·CH_j·3/4
    # = (3/8, 1/4, 1/8, 1/4).
    assert r["contributions"].to_numpy() == pytest.approx([3 / 8, 1 / 4, 1 / 8, 1 / 4], abs=1e-15)
    # k = 2: person 2's 4/3 < 2, so only person 3: H = 1/4, A = 4/4 = 1, M0 = 1/4.
    r = alkire_foster(G0, k=2, weights=w)
    assert (r["H"], r["A"], r["M0"]) == (0.25, 1.0, 0.25)


def test_relative_weights_give_the_same_measures() -> None:
    # OPHI writes weights summing to 1 and k as a share: w = 1/4 each, k = 1/2 ≡ k = 2 of 4.
    a = alkire_foster(G0, k=0.5, weights=[0.25] * 4)
    b = alkire_foster(G0, k=2)
    assert (a["H"], a["A"], a["M0"]) == (b["H"], b["A"], b["M0"])
    # Relative weights 1/12 for 12 indicators, k = 5/12: five deprivations sum to
    # 0.41666666666666663 in floating point, below 5/12 = 0.4166666666666667, yet the
    # household is poor on paper and must be identified as such.
    g = np.zeros((2, 12))
    g[0, :5] = 1
    g[1, :4] = 1
    w = np.full(12, 1 / 12)
    assert g[0] @ w < 5 / 12
    r = alkire_foster(g, k=5 / 12, weights=w)
    assert list(r["poor"]) == [True, False]
    assert r["A"] == pytest.approx(5 / 12)


def test_dataframe_input_with_named_weights() -> None:
    df = pd.DataFrame(G0, columns=["income", "schooling", "caste", "insurance"])
    r = alkire_foster(df, k=2, weights={"income": 1, "schooling": 1, "caste": 1, "insurance": 1})
    assert list(r["contributions"].index) == list(df.columns)
    assert r["M0"] == 0.375
    with pytest.raises(PlanningInputError, match="insurance"):
        alkire_foster(df, k=2, weights={"income": 1, "schooling": 1, "caste": 1})


@pytest.mark.parametrize(
    ("matrix", "k", "weights", "field"),
    [
        (G0, 5, None, "k"),                          # k above the total weight (4)
        (G0, 2.5, [0.25] * 4, "k"),                  # k above total weight 1
        (G0, 0, None, "k"),
        (G0, -1, None, "k"),
        (np.zeros((0, 4)), 1, None, "deprivations"),  # no households
        (np.zeros((3, 0)), 1, None, "deprivations"),  # no indicators
        (np.array([1, 0, 1]), 1, None, "deprivations"),  # not a matrix
        (np.array([[0, 2], [1, 0]]), 1, None, "deprivations[0, 1]"),
        (np.array([[0, np.nan]]), 1, None, "deprivations[0, 1]"),
        (G0, 1, [1, 1, 1], "weights"),
        (G0, 1, [1, 1, 1, 0], "weights"),
    ],
)
def test_alkire_foster_errors(matrix, k, weights, field: str) -> None:
    with pytest.raises(PlanningInputError) as info:
        alkire_foster(matrix, k=k, weights=weights)
    assert info.value.field == field
    assert " / " in str(info.value)


def test_nobody_poor() -> None:
    r = alkire_foster(np.zeros((5, 3)), k=1)
    assert (r["H"], r["A"], r["M0"], r["n_poor"]) == (0.0, 0.0, 0.0, 0)
    assert (r["contributions"] == 0).all()


def test_three_of_twelve_matches_the_decree_count() -> None:
    # With unit weights and k = 3, AF identification = "deprived in ≥ 3 of 12 indicators".
    out = classify_households(read_households(FIXTURES / "households_boundaries.csv"), year=2026)
    dep = out[[c for c in out.columns if c.startswith("d_")]]
    r = alkire_foster(dep, k=3)
    assert dep.shape[1] == 12
    assert list(r["poor"]) == list(out["deprivation_count"] >= 3)


# --------------------------------------------------------------------------- properties


@st.composite
def af_case(draw):
    n = draw(st.integers(1, 25))
    d = draw(st.integers(1, 8))
    g = draw(hnp.arrays(np.int8, (n, d), elements=st.integers(0, 1)))
    w = draw(hnp.arrays(np.float64, d, elements=st.floats(0.05, 10.0)))
    f1 = draw(st.floats(0.001, 1.0))
    f2 = draw(st.floats(f1, 1.0))
    return g, w, f1 * w.sum(), f2 * w.sum()


@settings(max_examples=200, deadline=None)
@given(af_case())
def test_af_properties(case) -> None:
    g, w, k1, k2 = case
    r1 = alkire_foster(g, k=k1, weights=w)
    assert r1["M0"] == pytest.approx(r1["H"] * r1["A"], rel=1e-12, abs=1e-15)
    assert 0.0 <= r1["M0"] <= r1["H"] <= 1.0
    assert 0.0 <= r1["A"] <= 1.0
    if r1["M0"] > 0:
        assert r1["contributions"].sum() == pytest.approx(1.0, rel=1e-9)
        assert r1["A"] >= k1 / w.sum() - 1e-9  # each poor household's share is at least k/Σw
    assert (r1["censored_headcounts"] <= r1["uncensored_headcounts"] + 1e-15).all()
    # Raising k never raises H (nor the set of the poor).
    r2 = alkire_foster(g, k=k2, weights=w)
    assert r2["H"] <= r1["H"]
    assert not (r2["poor"] & ~r1["poor"]).any()


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(0, 5e6)),
    st.floats(1e5, 5e6),
)
def test_fgt_properties(income: np.ndarray, line: float) -> None:
    r = income_poverty_gap(income, line)
    assert 0.0 <= r["P2"] <= r["P1"] <= r["P0"] <= 1.0


# --------------------------------------------------------------------------- headcounts, FGT


def test_headcounts_by_commune() -> None:
    out = classify_households(read_households(FIXTURES / "households_boundaries.csv"), year=2026)
    table = headcounts(out)
    # ca_nang: b01 poor, b02 near-poor, b03 average, b14 poor → 4 households.
    assert table.loc["ca_nang", ["households", "poor", "near_poor"]].tolist() == [4, 2, 1]
    assert table.loc["ca_nang", "poor_rate"] == 0.5
    assert table.loc["ca_nang", "near_poor_rate"] == 0.25
    assert table.loc["ca_nang", "poor_or_near_poor_rate"] == 0.75
    # nam_et: b08 poor, b09 near-poor.
    assert table.loc["nam_et", ["households", "poor", "near_poor"]].tolist() == [2, 1, 1]
    assert table.loc["total", ["households", "poor", "near_poor"]].tolist() == [14, 4, 2]
    assert table.loc["total", "poor_rate"] == pytest.approx(4 / 14)
    assert table.index[-1] == "total"
    only_total = headcounts(out, by=None)
    assert list(only_total.index) == ["total"]
    assert only_total.loc["total", "poor"] == 4
    with pytest.raises(PlanningInputError):
        headcounts(out, by="village")


def test_income_poverty_gap_by_hand() -> None:
    # Line 1,500,000 VND/person/month. Incomes 1,000,000 (gap 1/3), 500,000 (gap 2/3),
    # 1,500,000 (at the line: poor, gap 0), 2,000,000 (not poor).
    # P0 = 3/4; P1 = (1/3 + 2/3 + 0 + 0)/4 = 1/4; P2 = (1/9 + 4/9)/4 = 5/36;
    # mean shortfall of the poor = (500,000 + 1,000,000 + 0)/3 = 500,000 VND.
    r = income_poverty_gap([1_000_000, 500_000, 1_500_000, 2_000_000], 1_500_000)
    assert r["P0"] == 0.75
    assert r["P1"] == pytest.approx(0.25, abs=1e-15)
    assert r["P2"] == pytest.approx(5 / 36, abs=1e-15)
    assert r["mean_gap_vnd"] == pytest.approx(500_000)
    assert (r["n"], r["n_poor"]) == (4, 3)


def test_income_poverty_gap_lines_per_household_and_weights() -> None:
    # Rural 1.5 M and urban 2.0 M lines; person weights (members) 4 and 1.
    # Rural 1.2 M: gap 0.2, poor; urban 2.5 M: not poor. P0 = 4/5, P1 = 4·0.2/5 = 0.16.
    r = income_poverty_gap([1_200_000, 2_500_000], [1_500_000, 2_000_000], weights=[4, 1])
    assert r["P0"] == pytest.approx(0.8)
    assert r["P1"] == pytest.approx(0.16)


@pytest.mark.parametrize(
    ("income", "line", "field"),
    [([], 1.0, "income"), ([-1.0], 1.0, "income"), ([np.nan], 1.0, "income"),
     ([1.0], 0.0, "line"), ([1.0, 2.0], [1.0, 2.0, 3.0], "line")],
)
def test_income_poverty_gap_errors(income, line, field: str) -> None:
    with pytest.raises(PlanningInputError) as info:
        income_poverty_gap(income, line)
    assert info.value.field == field
