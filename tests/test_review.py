"""The annual review cycle: counts equal hand counts, the new baseline, the re-run, privacy,
and refusals that name the communes and columns that do not match."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planning.analyses.review_cycle import run_review
from planning.frontends.cli import main
from planning.models.review import read_review
from planning.stores.baseline import BASELINE_COLUMNS, load_baseline
from planning.stores.units import load_units

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "review_synthetic.csv"

#: worked out by hand from the fixture's design (tests/fixtures/make_review_synthetic.py):
#: unit i has 6 + i%3 households; poor 2 (+1 if i%3 = 2); near-poor 1 (+1 if i%3 ≥ 1);
#: exits 2 (rows 3, 4); newly escaped 2 (rows 4, 5); re-poor 1 in even units;
#: newly poor 1 in odd units (row 2) + 1 if i%3 = 2 (row 8).
HAND = pd.DataFrame(
    [  # households, poor, near_poor, exits, newly_escaped, re_poor, new_poor
        [6, 2, 1, 2, 2, 1, 0],  # muong_giang
        [7, 2, 2, 2, 2, 0, 1],  # ca_nang
        [8, 3, 2, 2, 2, 1, 1],  # chieng_bang
        [6, 2, 1, 2, 2, 0, 1],  # chieng_khay
        [7, 2, 2, 2, 2, 1, 0],  # chieng_khoang
        [8, 3, 2, 2, 2, 0, 2],  # chieng_on
        [6, 2, 1, 2, 2, 1, 0],  # muong_chien
        [7, 2, 2, 2, 2, 0, 1],  # muong_gion
        [8, 3, 2, 2, 2, 1, 1],  # muong_sai
        [6, 2, 1, 2, 2, 0, 1],  # nam_et
        [7, 2, 2, 2, 2, 1, 0],  # pa_ma_pha_khinh
    ],
    index=["muong_giang", "ca_nang", "chieng_bang", "chieng_khay", "chieng_khoang", "chieng_on",
           "muong_chien", "muong_gion", "muong_sai", "nam_et", "pa_ma_pha_khinh"],
    columns=["households", "poor", "near_poor", "exits", "newly_escaped", "re_poor", "new_poor"],
)


@pytest.fixture(scope="module")
def units():
    return load_units()


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(FIXTURE, dtype=str)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    out = tmp_path_factory.mktemp("review") / "out"
    return run_review(FIXTURE, 2025, out, draws=8, seed=3)


def test_counts_equal_hand_counts(units):
    review = read_review(FIXTURE, 2025, units=units)
    pd.testing.assert_frame_equal(review.counts.astype(int), HAND, check_names=False)
    assert review.standard.id == "decree_07_2021" and review.flows_available
    assert review.dropped == ("ho_ten", "cccd")
    t = review.totals(units)
    assert t.loc["district", ["households", "poor", "near_poor"]].tolist() == [76, 25, 18]
    # new communes: Quỳnh Nhai = Mường Giàng + Chiềng Bằng + Chiềng Khoang + Chiềng Ơn
    assert t.loc["xa_quynh_nhai", "households"] == 6 + 8 + 7 + 8
    assert t.loc["xa_muong_sai", "poor"] == 3 + 2
    assert t.loc["district", "poverty_rate"] == pytest.approx(25 / 76)


def test_without_last_year_flows_are_not_available(units, raw, tmp_path):
    path = tmp_path / "no_previous.csv"
    raw.drop(columns=["status_last_year"]).to_csv(path, index=False)
    review = read_review(path, 2025, units=units)
    assert not review.flows_available
    assert review.counts[["exits", "newly_escaped", "re_poor", "new_poor"]].isna().all().all()
    o = run_review(path, 2025, tmp_path / "out", draws=4, seed=1)
    base = pd.read_csv(tmp_path / "out" / "baseline.csv")
    assert set(base["metric"]) == {"households", "poor", "near_poor"}  # flows are not guessed
    report = (tmp_path / "out" / "review_report.md").read_text(encoding="utf-8")
    assert "không tính được số hộ thoát nghèo" in report and "cannot be counted" in report
    counts = pd.read_csv(tmp_path / "out" / "review_counts.csv")
    assert counts["re_poor"].isna().all()
    assert o.result is not None


def test_baseline_csv_in_the_data_format(cycle, units):
    out = cycle.out
    base = pd.read_csv(out / "baseline.csv")
    assert list(base.columns) == BASELINE_COLUMNS
    assert set(base["unit"]) == set(units.ids) and set(base["year"]) == {2025}
    assert set(base["status"]) == {"observed"} and set(base["unit_of_measure"]) == {"households"}
    assert set(base["source"]) == {"review 2025 (review_synthetic.csv)"}
    wide = base.pivot(index="unit", columns="metric", values="value").loc[HAND.index, HAND.columns]
    pd.testing.assert_frame_equal(wide.astype(int), HAND, check_names=False)


def test_new_data_folder_and_plan_rerun(cycle, units):
    out = cycle.out
    b = load_baseline(out / "data")
    assert b.year == 2025
    np.testing.assert_array_equal(b.households, HAND.loc[list(units.ids), "households"].to_numpy(float))
    np.testing.assert_array_equal(b.poor, HAND.loc[list(units.ids), "poor"].to_numpy(float))
    assert b.district_rate(2024) == pytest.approx(load_baseline().district_rate(2024))  # other years kept
    summary = pd.read_csv(out / "plan" / "summary.csv")
    d = summary[summary["unit"] == "district"].set_index("year")
    assert d.loc[2025, "households"] == 76 and d.loc[2025, "poor_mean"] == 25
    assert list(d.index) == [2025, 2026, 2027, 2028, 2029, 2030]
    report = (out / "review_report.md").read_text(encoding="utf-8")
    assert "Kế hoạch của huyện được chạy lại từ số liệu nền này cho các năm 2026–2030" in report
    assert "The district plan was re-run from this baseline for 2026–2030" in report
    assert "| Quỳnh Nhai (toàn huyện) | 76 | 25 | 32,9% | 18 | 23,7% | 22 | 22 | 6 | 8 |" in report
    assert "| Quynh Nhai (district) | 76 | 25 | 32.9% | 18 | 23.7% | 22 | 22 | 6 | 8 |" in report
    for bad in (".csv", ".yaml", ".xlsx", "data/", "plan/", "None", " nan", "household_id", "status_last_year"):
        assert bad not in report, bad


def test_identifiers_never_leave(cycle, raw, tmp_path):
    secrets = set(raw["household_id"]) | set(raw["ho_ten"]) | set(raw["cccd"])
    xlsx = tmp_path / "review.xlsx"
    raw.to_excel(xlsx, index=False)
    run_review(xlsx, 2025, tmp_path / "from_xlsx", draws=4, seed=1)
    written = [p for folder in (cycle.out, tmp_path / "from_xlsx") for p in folder.rglob("*") if p.is_file()]
    assert len(written) >= 2 * 15
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="replace")
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.name} holds {leaked[:3]}"
    # also the name part of the identifiers, whatever the column
    for path in written:
        assert "Văn Giả" not in path.read_text(encoding="utf-8", errors="replace")


def _refused(raw: pd.DataFrame, tmp_path: Path, capsys, year: int = 2025) -> str:
    path = tmp_path / "bad.csv"
    raw.to_csv(path, index=False)
    out = tmp_path / "never"
    assert main(["review", str(path), "--year", str(year), "--out", str(out), "--draws", "4"]) == 2
    assert not out.exists()  # nothing written
    return capsys.readouterr().err


def test_unknown_and_new_communes_are_refused_by_name(raw, tmp_path, capsys):
    bad = raw.copy()
    bad.loc[3, "unit"] = "Ma Thị Hồ"
    bad.loc[4, "unit"] = "Ma Thị Hồ"
    bad.loc[10, "unit"] = "xa_muong_sai"
    err = _refused(bad, tmp_path, capsys)
    assert "Ma Thị Hồ" in err and "rows 5, 6" in err and "dòng 5, 6" in err
    assert "xa_muong_sai" in err and "before 1 July 2025" in err and "trước ngày 1/7/2025" in err


def test_a_commune_missing_from_the_list_is_refused_by_name(raw, tmp_path, capsys):
    err = _refused(raw[raw["unit"] != "Nặm Ét"], tmp_path, capsys)
    assert "Nặm Ét (nam_et)" in err and "none for" in err and "không có hộ nào" in err


def test_missing_columns_are_refused_by_name(raw, tmp_path, capsys):
    err = _refused(raw.drop(columns=["unit", "d_water"]), tmp_path, capsys)
    assert "'unit'" in err and "'d_water'" in err
    # the 2027 review is under Decree 351/2025: it needs d_waste, which the list lacks
    err = _refused(raw, tmp_path, capsys, year=2027)
    assert "'d_waste'" in err and "decree_351_2025" in err


def test_bad_last_year_status_and_bad_cells_are_refused(raw, tmp_path, capsys):
    bad = raw.copy()
    bad.loc[0, "status_last_year"] = "giàu"
    bad.loc[1, "members"] = "0"
    err = _refused(bad, tmp_path, capsys)
    assert "row 2" in err and "giàu" in err and "status_last_year" in err
    assert "row 3" in err and "members" in err


def test_years_that_cannot_be_rerun_say_why(tmp_path):
    o = run_review(FIXTURE, 2024, tmp_path / "y2024", draws=4)
    assert o.result is None and "2025" in o.why_not[1]
    assert not (tmp_path / "y2024" / "plan").exists()
    b = pd.read_csv(tmp_path / "y2024" / "data" / "baseline.csv")
    assert (b[(b["year"] == 2024) & (b["metric"] == "households")]["value"].sum()) == 76
    assert "was not re-run" in (tmp_path / "y2024" / "review_report.md").read_text(encoding="utf-8")


def test_a_later_review_reruns_the_remaining_years(tmp_path):
    o = run_review(FIXTURE, 2026, tmp_path / "y2026", draws=4, seed=2)
    assert o.result is not None and o.result.years == [2027, 2028, 2029, 2030]
    assert o.result.baseline_year == 2026
    alloc = pd.read_csv(tmp_path / "y2026" / "plan" / "allocation.csv")
    assert set(alloc["year"]) == {2027, 2028, 2029, 2030}
