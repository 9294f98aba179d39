"""Behaviour checks of the baseline data files in data/ (units, baseline, deprivation rates,
observed context) and of the script that builds the illustrative ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
BUILD = DATA / "build" / "make_illustrative_baseline.py"
SHARED_OBSERVED = Path("/work/shared/research/observed.csv")

UNIT_IDS = {
    "muong_giang", "ca_nang", "chieng_bang", "chieng_khay", "chieng_khoang", "chieng_on",
    "muong_chien", "muong_gion", "muong_sai", "nam_et", "pa_ma_pha_khinh",
}  # fmt: skip
NEW_COMMUNES = {"xa_quynh_nhai", "xa_muong_chien", "xa_muong_gion", "xa_muong_sai"}
YEARS = [2021, 2022, 2023, 2024, 2025]
INDICATORS_07 = [
    "employment", "dependants", "nutrition", "health_insurance", "adult_education",
    "school_attendance", "housing_quality", "housing_area", "water", "sanitation", "telecom",
    "information_access",
]  # fmt: skip
INDICATORS = INDICATORS_07 + ["waste"]
STATUSES = {"observed", "illustrative"}
# intended district poor-household path (end-of-year review, Decree 07 standard)
POOR_PATH = {2021: 0.189, 2022: 0.163, 2023: 0.136, 2024: 0.110, 2025: 0.087}
NEAR_PATH = {2021: 0.110, 2025: 0.075}

UNITS_COLUMNS = [
    "unit", "code", "name_vi", "name_en", "kind", "area", "new_commune", "new_commune_name_vi",
    "zone", "zone_status", "ed_villages", "ed_villages_status", "source",
]  # fmt: skip
BASELINE_COLUMNS = [
    "unit",
    "year",
    "metric",
    "value",
    "unit_of_measure",
    "status",
    "source",
    "note",
]
DEPRIVATION_COLUMNS = ["unit", "year", "group", "indicator", "rate", "status", "source", "note"]


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return read("units.csv")


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    df = read("baseline.csv")
    df["year_i"] = df["year"].astype(int)
    df["value_f"] = df["value"].astype(float)
    return df


@pytest.fixture(scope="module")
def wide(baseline: pd.DataFrame) -> pd.DataFrame:
    """households / poor / near_poor by unit x year (2021-2025)."""
    sub = baseline[baseline["metric"].isin(["households", "poor", "near_poor"])]
    sub = sub[sub["year_i"].between(2021, 2025)]
    return sub.pivot(index=["unit", "year_i"], columns="metric", values="value_f")


@pytest.fixture(scope="module")
def deprivation() -> pd.DataFrame:
    df = read("deprivation_rates.csv")
    df["rate_f"] = df["rate"].astype(float)
    return df


# ---------------------------------------------------------------------------------- units
def test_units_columns_and_ids(units):
    assert list(units.columns) == UNITS_COLUMNS
    assert len(units) == 11
    assert set(units["unit"]) == UNIT_IDS
    assert units["unit"].is_unique


def test_units_kinds_areas_and_merger(units):
    u = units.set_index("unit")
    assert u.loc["muong_giang", "kind"] == "township"
    assert u.loc["muong_giang", "area"] == "urban"
    rural = u.drop(index="muong_giang")
    assert set(rural["kind"]) == {"commune"}
    assert set(rural["area"]) == {"rural"}
    assert set(u["new_commune"]) <= NEW_COMMUNES
    assert set(u["new_commune"]) == NEW_COMMUNES  # every new commune receives some unit
    # the township and its three neighbours form xã Quỳnh Nhai (Resolution 1681, domain.md 4.1)
    qn = set(u.index[u["new_commune"] == "xa_quynh_nhai"])
    assert qn == {"muong_giang", "chieng_bang", "chieng_khoang", "chieng_on"}
    names = dict(zip(u["new_commune"], u["new_commune_name_vi"], strict=False))
    assert names["xa_quynh_nhai"] == "Quỳnh Nhai"
    assert names["xa_muong_gion"] == "Mường Giôn"


def test_units_codes_and_names(units):
    assert units["code"].str.fullmatch(r"0\d{4}").all(), "GSO codes are 5-digit text with 0"
    assert units["code"].is_unique
    u = units.set_index("unit")
    assert u.loc["muong_giang", "code"] == "03703"
    assert u.loc["nam_et", "name_vi"] == "Nặm Ét"
    assert u.loc["pa_ma_pha_khinh", "name_vi"] == "Pá Ma Pha Khinh"
    assert all(n.isascii() for n in units["name_en"])
    assert not any(n.isascii() for n in units["name_vi"]), "name_vi keeps diacritics"
    assert units["source"].str.contains("UNVERIFIED").all()
    assert units["source"].str.contains("http").all()


def test_units_zones_follow_illustrative_poverty(units, wide):
    assert set(units["zone"]) <= {"I", "II", "III"}
    assert set(units["zone_status"]) == {"illustrative"}
    assert set(units["ed_villages_status"]) == {"illustrative"}
    ed = units.set_index("unit")["ed_villages"].astype(int)
    assert (ed >= 0).all()
    assert ed["muong_giang"] == 0
    rate21 = (wide["poor"] / wide["households"]).xs(2021, level="year_i")
    zone = units.set_index("unit")["zone"]
    assert zone["muong_giang"] == "I"
    for unit, z in zone.items():
        # Decision 33/2020: >= 20 % is Zone III; Zone III needs at least 15 %
        if rate21[unit] >= 0.20:
            assert z == "III", unit
        if z == "III":
            assert rate21[unit] >= 0.15, unit
    # extremely difficult villages concentrate in the poorer communes
    assert ed[zone == "III"].mean() > ed[zone != "III"].mean()
    assert ed.idxmax() in set(rate21.sort_values().index[-5:])


# ------------------------------------------------------------------------------- baseline
def test_baseline_columns_and_coverage(baseline):
    assert list(baseline.columns[:8]) == BASELINE_COLUMNS
    assert list(read("baseline.csv").columns) == BASELINE_COLUMNS
    assert set(baseline["unit"]) == UNIT_IDS
    for metric in ["households", "poor", "near_poor"]:
        sub = baseline[(baseline["metric"] == metric) & baseline["year_i"].between(2021, 2025)]
        assert len(sub) == 11 * 5, metric
        assert not sub.duplicated(["unit", "year"]).any()
        assert sub["value"].str.fullmatch(r"\d+").all(), f"{metric} must be integers"
        assert (sub["unit_of_measure"] == "households").all()
    for metric, uom in [("population", "persons"), ("ethnic_minority_share", "share")]:
        sub = baseline[baseline["metric"] == metric]
        assert set(sub["unit"]) == UNIT_IDS and set(sub["year_i"]) == {2025}, metric
        assert (sub["unit_of_measure"] == uom).all()
    assert not baseline.duplicated(["unit", "year", "metric"]).any()


def test_poor_plus_near_poor_below_households(wide):
    assert (wide["poor"] >= 0).all() and (wide["near_poor"] >= 0).all()
    assert (wide["poor"] + wide["near_poor"] < wide["households"]).all()


def test_district_poverty_path(wide):
    district = wide.groupby(level="year_i").sum()
    rate = district["poor"] / district["households"]
    for year, target in POOR_PATH.items():
        assert abs(rate[year] - target) <= 0.005, (year, rate[year])
        assert abs(rate[year] - target) <= 0.002, (year, rate[year])  # the build's tolerance
    near = district["near_poor"] / district["households"]
    for year, target in NEAR_PATH.items():
        assert abs(near[year] - target) <= 0.005, (year, near[year])
    assert rate.is_monotonic_decreasing and near.is_monotonic_decreasing


def test_district_households_and_population(baseline, wide):
    district = wide.groupby(level="year_i").sum()
    assert 16_000 <= district.loc[2025, "households"] <= 18_500
    growth = district["households"].pct_change().dropna()
    assert growth.between(0.011, 0.016).all(), growth
    pop = baseline[baseline["metric"] == "population"].set_index("unit")["value_f"]
    # 65,155 (2018) grown ~1.5 %/yr gives ~72,000 in 2025
    assert 70_000 <= pop.sum() <= 74_500
    assert 4.0 <= pop.sum() / district.loc[2025, "households"] <= 4.5
    hh25 = wide["households"].xs(2025, level="year_i")
    assert ((pop / hh25).between(3.7, 4.8)).all()


def test_ethnic_minority_shares(baseline):
    em = baseline[baseline["metric"] == "ethnic_minority_share"].set_index("unit")["value_f"]
    pop = baseline[baseline["metric"] == "population"].set_index("unit")["value_f"]
    assert em.between(0, 1).all()
    assert (em * pop).sum() / pop.sum() > 0.90
    assert em["muong_giang"] == em.min()


def test_commune_spread(wide):
    rate = (wide["poor"] / wide["households"]).unstack("year_i")
    assert 0.04 <= rate.loc["muong_giang", 2021] <= 0.06
    assert 0.28 <= rate[2021].max() <= 0.32
    assert rate[2021].idxmax() in {"pa_ma_pha_khinh", "chieng_khay", "muong_gion", "nam_et"}
    # Chiềng Ơn (9.3 % in 2020, older standard) stays among the lowest three
    assert "chieng_on" in set(rate[2021].nsmallest(3).index)
    # every unit's poverty falls every year
    assert (rate.diff(axis=1).dropna(axis=1) < 0).all().all()


def test_households_grow(wide):
    hh = wide["households"].unstack("year_i")
    assert (hh.diff(axis=1).dropna(axis=1) > 0).all().all()


# --------------------------------------------------------------- provenance (status/source)
@pytest.mark.parametrize("name", ["baseline.csv", "deprivation_rates.csv"])
def test_every_row_has_status_and_source(name):
    df = read(name)
    assert df["status"].isin(STATUSES).all()
    assert (df["source"].str.strip() != "").all()
    labelled = df[df["status"] != "observed"]
    assert (labelled["status"] == "illustrative").all()
    assert labelled["note"].str.contains("illustrative", case=False).all()


def test_observed_baseline_values_are_in_observed_file(baseline):
    obs = read("observed.csv")
    claimed = baseline[baseline["status"] == "observed"]
    assert len(claimed) >= 1
    for _, row in claimed.iterrows():
        match = obs[
            (obs["year"] == row["year"])
            & (obs["metric"] == row["metric"])
            & (obs["value"].replace("", "nan").astype(float) == row["value_f"])
            & (obs["source"] == row["source"])
        ]
        assert len(match) == 1, f"observed row not backed by observed.csv: {row.to_dict()}"
    # nothing for 2021-2025 is claimed observed: those district figures were NOT FOUND
    assert not claimed["year_i"].between(2021, 2025).any()


def test_observed_file_is_unchanged_copy():
    obs = read("observed.csv")
    assert {"level", "unit", "year", "metric", "value", "source"} <= set(obs.columns)
    assert set(obs["level"]) <= {"district", "commune", "province", "national", "region"}
    with_value = obs[obs["value"] != ""]
    assert (with_value["source"].str.startswith("http")).all()
    if SHARED_OBSERVED.exists():
        shared = pd.read_csv(SHARED_OBSERVED, dtype=str, keep_default_na=False)
        assert list(obs.columns) == list(shared.columns)
        merged = obs.merge(shared, how="left", indicator=True)
        assert (merged["_merge"] == "both").all(), "observed.csv holds rows not in research"


# ----------------------------------------------------------------------- deprivation rates
def test_deprivation_columns_and_coverage(deprivation):
    assert list(read("deprivation_rates.csv").columns) == DEPRIVATION_COLUMNS
    assert set(deprivation["year"]) == {"2025"}
    assert set(deprivation["unit"]) == UNIT_IDS
    assert set(deprivation["group"]) == {"poor", "near_poor", "non_poor"}
    assert set(deprivation["indicator"]) == set(INDICATORS)
    assert len(deprivation) == 11 * 3 * 13
    assert not deprivation.duplicated(["unit", "year", "group", "indicator"]).any()
    assert deprivation["rate_f"].between(0, 1).all()
    assert set(deprivation["status"]) == {"illustrative"}


def test_deprivation_counts_are_coherent(deprivation, units):
    d07 = deprivation[deprivation["indicator"].isin(INDICATORS_07)]
    count = d07.groupby(["unit", "group"])["rate_f"].sum().unstack("group")
    # poor: >= 3 deprivations each, so the mean is >= 3; near-poor: < 3 each (at most 2)
    assert (count["poor"] >= 3).all(), count
    assert (count["near_poor"] < 3).all(), count
    assert (count["near_poor"] <= 2).all(), count
    assert count["poor"].between(3.3, 4.5).all()
    assert count["near_poor"].between(1.2, 2.2).all()
    assert count["non_poor"].between(0.4, 1.0).all()
    assert (count["non_poor"] < count["near_poor"]).all()
    # poorer (Zone III) communes are more deprived than the township
    zone = units.set_index("unit")["zone"]
    assert count.loc[zone[zone == "III"].index, "poor"].min() > count.loc["muong_giang", "poor"]


def test_deprivation_profile_shape(deprivation):
    poor = deprivation[deprivation["group"] == "poor"].pivot(
        index="unit", columns="indicator", values="rate_f"
    )
    # poor EM households get state-paid health insurance: that deprivation stays low
    assert (poor["health_insurance"] < 0.15).all()
    assert (poor["health_insurance"] < poor["sanitation"]).all()
    assert (poor["sanitation"] > 0.4).all()
    # the township has better water and sanitation than any rural commune
    rural = poor.drop(index="muong_giang")
    assert poor.loc["muong_giang", "water"] < rural["water"].min()
    assert poor.loc["muong_giang", "waste"] < rural["waste"].min()


# ------------------------------------------------------------------------- reproducibility
def test_build_script_reproduces_files(tmp_path):
    subprocess.run(
        [sys.executable, str(BUILD), "--out", str(tmp_path), "--quiet"],
        check=True,
        cwd=tmp_path,
    )
    for name in ["units.csv", "baseline.csv", "deprivation_rates.csv"]:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


# ------------------------------------------------------------------------------ data card
def test_data_card_covers_every_file_and_column():
    card = (DATA / "README.md").read_text(encoding="utf-8")
    for path in sorted(DATA.rglob("*")):
        if path.is_file() and path.suffix in {".csv", ".yaml", ".yml"}:
            rel = path.relative_to(DATA).as_posix()
            assert rel in card, f"data/README.md does not describe {rel}"
    for col in UNITS_COLUMNS + BASELINE_COLUMNS + DEPRIVATION_COLUMNS:
        assert f"`{col}`" in card, col
    assert "illustrative" in card.lower()
