"""Household classification under the standard in force: boundaries, bad rows, privacy, CLI."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest

from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.models.classify import (
    IDENTIFIER_COLUMNS,
    REQUIRED_COLUMNS,
    STATUSES,
    classify_households,
    cli_main,
    identifier_columns,
    read_households,
    status_counts,
)
from planning.stores.standards import load_standard

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BOUNDARIES = FIXTURES / "households_boundaries.csv"
BAD = FIXTURES / "households_bad.csv"

# What each household of households_boundaries.csv must be, by hand from the decrees:
# 2026 = Decree 07 (rural line 1,500,000, band to 2,250,000; urban 2,000,000 / 3,000,000;
# information_access counts, waste does not); 2027 = Decree 351 (rural 2,200,000, urban
# 2,800,000, no band found; waste counts, information_access does not). Poor needs ≥ 3.
EXPECTED = {
    #       2026                      2027
    "b01": ("poor", "poor"),                            # rural, exactly 1.5 M, 3 deprivations
    "b02": ("near_poor", "near_poor"),                  # rural, exactly 1.5 M, 2 deprivations
    "b03": ("average_living_standard", "poor"),         # 1 VND above the 2026 rural line
    "b04": ("poor", "poor"),                            # urban, exactly 2.0 M
    "b05": ("average_living_standard", "poor"),         # urban, 1 VND above 2.0 M
    "b06": ("average_living_standard", "poor"),         # 2.0 M but rural
    "b07": ("average_living_standard", "poor"),         # rural 1.8 M, 3 deprivations
    "b08": ("poor", "near_poor"),                       # third deprivation = information_access
    "b09": ("near_poor", "poor"),                       # third deprivation = waste
    "b10": ("average_living_standard", "not_poor"),     # exactly at the rural band bound
    "b11": ("not_poor", "not_poor"),                    # 1 VND above the rural band
    "b12": ("not_poor", "not_poor"),                    # 1 VND above the urban band
    "b13": ("average_living_standard", "poor"),         # urban, exactly 2.8 M, 3 deprivations
    "b14": ("poor", "poor"),                            # no income, deprived in everything
}
IDENTIFIER_VALUES = ("Lò Văn Một", "014012345678", "0912345678", "Quàng Thị Hai")


@pytest.fixture(scope="module")
def boundaries() -> pd.DataFrame:
    return read_households(BOUNDARIES)


def _row(**changes) -> dict:
    base = {"household_id": "h1", "commune": "ca_nang", "area": "rural", "members": 4,
            "income_per_capita_month": 1_500_000}
    base.update({f"d_{i}": 0 for i in load_standard("decree_07_2021").indicator_ids})
    base["d_waste"] = 0
    base.update(changes)
    return base


def _deprived(n: int) -> dict:
    ids = ["employment", "water", "sanitation", "housing_area", "telecom"]
    return {f"d_{i}": 1 for i in ids[:n]}


# --------------------------------------------------------------------------- boundaries


@pytest.mark.parametrize(("year", "col"), [(2026, 0), (2027, 1)])
def test_boundary_households(boundaries: pd.DataFrame, year: int, col: int) -> None:
    out = classify_households(boundaries, year=year, source=BOUNDARIES.name)
    got = dict(zip(out["household_id"], out["status"], strict=True))
    assert got == {hid: exp[col] for hid, exp in EXPECTED.items()}
    assert set(out["standard"]) == {"decree_07_2021" if year == 2026 else "decree_351_2025"}


@pytest.mark.parametrize(
    ("income", "n_dep", "status"),
    [
        (1_500_000, 3, "poor"),          # exactly at the line counts as at-or-below
        (1_500_000, 2, "near_poor"),
        (1_499_999, 3, "poor"),
        (1_500_001, 3, "average_living_standard"),
        (1_500_001, 0, "average_living_standard"),
        (2_250_000, 5, "average_living_standard"),
        (2_250_001, 5, "not_poor"),
        (0, 0, "near_poor"),
    ],
)
def test_rural_line_2026(income: int, n_dep: int, status: str) -> None:
    df = pd.DataFrame([_row(income_per_capita_month=income, **_deprived(n_dep))])
    out = classify_households(df, year=2026)
    assert out["status"].iloc[0] == status
    assert out["deprivation_count"].iloc[0] == n_dep


@pytest.mark.parametrize(
    ("income", "year", "status"),
    [(2_000_000, 2026, "poor"), (2_000_001, 2026, "average_living_standard"),
     (3_000_000, 2026, "average_living_standard"), (3_000_001, 2026, "not_poor"),
     (2_800_000, 2027, "poor"), (2_800_001, 2027, "not_poor")],
)
def test_urban_line(income: int, year: int, status: str) -> None:
    df = pd.DataFrame([_row(area="urban", income_per_capita_month=income, **_deprived(3))])
    assert classify_households(df, year=year)["status"].iloc[0] == status


def test_same_household_2026_vs_2027() -> None:
    df = pd.DataFrame([_row(income_per_capita_month=1_800_000, **_deprived(3))])
    assert classify_households(df, year=2026)["status"].iloc[0] == "average_living_standard"
    assert classify_households(df, year=2027)["status"].iloc[0] == "poor"
    # An explicit standard wins over the year (what-if use).
    assert classify_households(df, "decree_351_2025", year=2026)["status"].iloc[0] == "poor"
    assert classify_households(df, load_standard("decree_07_2021"))["status"].iloc[0] != "poor"


def test_information_access_and_waste() -> None:
    info = pd.DataFrame([_row(income_per_capita_month=1_000_000, d_employment=1, d_water=1,
                              d_information_access=1)])
    waste = pd.DataFrame([_row(income_per_capita_month=1_000_000, d_employment=1, d_water=1,
                               d_waste=1)])
    out = classify_households(info, year=2026)
    assert (out["deprivation_count"].iloc[0], out["status"].iloc[0]) == (3, "poor")
    assert out["deprived_indicators"].iloc[0] == "employment;water;information_access"
    out = classify_households(info, year=2027)
    assert (out["deprivation_count"].iloc[0], out["status"].iloc[0]) == (2, "near_poor")
    assert "d_information_access" not in out.columns
    out = classify_households(waste, year=2026)
    assert (out["deprivation_count"].iloc[0], out["status"].iloc[0]) == (2, "near_poor")
    assert "d_waste" not in out.columns
    out = classify_households(waste, year=2027)
    assert (out["deprivation_count"].iloc[0], out["status"].iloc[0]) == (3, "poor")
    assert out["deprived_indicators"].iloc[0] == "employment;water;waste"


def test_output_columns_and_types(boundaries: pd.DataFrame) -> None:
    out = classify_households(boundaries, year=2026)
    ind = [f"d_{i}" for i in load_standard("decree_07_2021").indicator_ids]
    assert list(out.columns) == [*REQUIRED_COLUMNS, *ind, "deprivation_count", "status",
                                 "deprived_indicators", "standard"]
    assert set(out["status"]) <= set(STATUSES)
    assert out["members"].dtype == "int64"
    assert out["deprivation_count"].dtype == "int64"
    assert out.loc[out["household_id"] == "b11", "deprived_indicators"].iloc[0] == ""


def test_standard_or_year_required() -> None:
    with pytest.raises(PlanningInputError):
        classify_households(pd.DataFrame([_row()]))
    with pytest.raises(PlanningInputError):
        classify_households(pd.DataFrame([_row()]), year=2031)


def test_column_names_are_case_insensitive() -> None:
    df = pd.DataFrame([_row(**_deprived(3))]).rename(columns=str.upper)
    assert classify_households(df, year=2026)["status"].iloc[0] == "poor"


# --------------------------------------------------------------------------- bad rows


BAD_CELLS = [  # (row as in the spreadsheet, column)
    (3, "income_per_capita_month"),  # -5
    (4, "members"),                  # 0
    (5, "members"),                  # 2.5
    (6, "d_nutrition"),              # 2
    (7, "area"),                     # 'town'
    (8, "commune"),                  # empty
    (8, "income_per_capita_month"),  # empty
    (9, "household_id"),             # duplicate of row 2
    (10, "income_per_capita_month"),  # '1.500.000'
]


def test_bad_rows_raise_with_row_and_column() -> None:
    df = read_households(BAD)
    with pytest.raises(PlanningInputErrors) as info:
        classify_households(df, year=2026, source="households_bad.csv")
    errs = info.value.errors
    assert [(e.row, e.field) for e in errs] == BAD_CELLS
    text = str(info.value)
    assert len(text.splitlines()) == 1 + len(BAD_CELLS)
    assert "households_bad.csv, row 3: field 'income_per_capita_month'" in text
    assert "dòng 3" in text and "got -5" in text
    assert "already on row 2" in text
    assert "Lò Văn" not in text  # names never reach a message


def test_bad_rows_report_mode() -> None:
    df = read_households(BAD)
    good, errors = classify_households(df, year=2026, on_error="report")
    assert list(good["household_id"]) == ["g01", "g10"]
    assert list(good["status"]) == ["poor", "average_living_standard"]
    # The kept index maps back to the file: row = index + 2.
    assert list(good.index + 2) == [2, 11]
    assert list(zip(errors["row"], errors["column"], strict=True)) == BAD_CELLS
    assert set(errors.columns) >= {"row", "household_id", "column", "value", "expected_en",
                                   "expected_vi", "message"}
    assert errors.loc[errors["row"] == 6, "value"].iloc[0] == "2"
    assert errors.loc[errors["column"] == "commune", "value"].iloc[0] == ""
    # No bad household gets a status.
    assert not set(good["household_id"]) & {"x02", "x03", "x04", "x05", "x06", "x07", "x09"}


def test_missing_required_column_always_raises() -> None:
    df = read_households(FIXTURES / "households_missing_column.csv")
    for mode in ("raise", "report"):
        with pytest.raises(PlanningInputErrors) as info:
            classify_households(df, year=2026, on_error=mode)
        assert [e.field for e in info.value.errors] == ["d_telecom"]
        assert info.value.errors[0].row is None
    # Under Decree 351 the same file also lacks d_waste.
    with pytest.raises(PlanningInputErrors) as info:
        classify_households(df, year=2027)
    assert {e.field for e in info.value.errors} == {"d_telecom", "d_waste"}


@pytest.mark.parametrize(
    ("changes", "column"),
    [({"members": None}, "members"), ({"members": "3,5"}, "members"),
     ({"income_per_capita_month": float("inf")}, "income_per_capita_month"),
     ({"d_water": "yes"}, "d_water"), ({"d_water": -1}, "d_water"), ({"d_water": None}, "d_water"),
     ({"area": "Urban "}, None), ({"area": None}, "area"), ({"household_id": "  "}, "household_id")],
)
def test_single_bad_values(changes: dict, column: str | None) -> None:
    df = pd.DataFrame([_row(**changes)])
    if column is None:
        assert classify_households(df, year=2026)["area"].iloc[0] == "urban"
        return
    with pytest.raises(PlanningInputErrors) as info:
        classify_households(df, year=2026)
    assert [(e.row, e.field) for e in info.value.errors] == [(2, column)]


def test_empty_table() -> None:
    df = pd.DataFrame(columns=list(_row()))
    out = classify_households(df, year=2026)
    assert len(out) == 0 and "status" in out.columns


# --------------------------------------------------------------------------- privacy


def test_identifier_detection() -> None:
    cols = ["Họ tên", "HO_TEN", "so dien thoai", "CCCD", "Address", "Địa chỉ", "cmnd", "Name",
            "full_name", "phone", "id_card", "commune", "household_id", "members"]
    assert identifier_columns(cols) == cols[:11]
    assert {"name", "ho_ten", "full_name", "id_card", "cccd", "cmnd", "phone", "so_dien_thoai",
            "address", "dia_chi"} <= IDENTIFIER_COLUMNS


def test_identifiers_never_in_output(boundaries: pd.DataFrame, tmp_path: Path) -> None:
    assert {"ho_ten", "CCCD", "so_dien_thoai"} <= set(boundaries.columns)
    for year in (2026, 2027):
        out = classify_households(boundaries, year=year)
        assert not identifier_columns(out.columns)
        assert "ghi_chu" not in out.columns  # free text is not copied either
        text = out.to_csv(index=False)
        for value in IDENTIFIER_VALUES:
            assert value not in text
    good, errors = classify_households(read_households(BAD), year=2026, on_error="report")
    for frame in (good, errors):
        assert "Lò Văn" not in frame.to_csv(index=False)


# --------------------------------------------------------------------------- Excel


def test_excel_input(boundaries: pd.DataFrame, tmp_path: Path) -> None:
    xlsx = tmp_path / "households.xlsx"
    frame = pd.read_csv(BOUNDARIES)  # numbers as numbers, as a spreadsheet holds them
    frame.to_excel(xlsx, index=False, engine="openpyxl")
    df = read_households(xlsx)
    out = classify_households(df, year=2026, source=xlsx.name)
    assert dict(zip(out["household_id"], out["status"], strict=True)) == {
        hid: exp[0] for hid, exp in EXPECTED.items()}
    assert not identifier_columns(out.columns)


def test_excel_numeric_ids_and_bad_cells(tmp_path: Path) -> None:
    rows = [_row(household_id=101, **_deprived(3)), _row(household_id=102, members=0)]
    xlsx = tmp_path / "hh.xlsx"
    pd.DataFrame(rows).to_excel(xlsx, index=False, engine="openpyxl")
    good, errors = classify_households(read_households(xlsx), year=2026, on_error="report")
    assert list(good["household_id"]) == ["101"]
    assert list(zip(errors["row"], errors["column"], errors["household_id"], strict=True)) == [
        (3, "members", "102")]


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(PlanningInputError) as info:
        read_households(tmp_path / "nope.csv")
    assert "Không tìm thấy" in str(info.value)
    (tmp_path / "hh.xls").write_bytes(b"\x00")
    with pytest.raises(PlanningInputError) as info:
        read_households(tmp_path / "hh.xls")
    assert ".xlsx" in str(info.value)


# --------------------------------------------------------------------------- counts + CLI


def test_status_counts(boundaries: pd.DataFrame) -> None:
    table = status_counts(classify_households(boundaries, year=2026))
    assert list(table.index) == [*STATUSES, "total"]
    assert table.loc["poor", "households"] == 4
    assert table.loc["total", "households"] == len(EXPECTED)
    assert table.loc["total", "share"] == pytest.approx(1.0)


def _args(tmp_path: Path, households: Path | str, **kw) -> argparse.Namespace:
    base = {"households": str(households), "out": str(tmp_path / "out" / "classified.csv"),
            "standard": None, "year": 2026, "errors": None, "lang": None}
    base.update(kw)
    return argparse.Namespace(**base)


def test_cli_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _args(tmp_path, BOUNDARIES)
    assert cli_main(args) == 0
    captured = capsys.readouterr()
    assert "Hộ nghèo / Poor" in captured.out and "Tổng / Total" in captured.out
    assert "ho_ten" in captured.out  # says which identifier columns were dropped
    out = pd.read_csv(args.out, dtype=str)
    assert len(out) == len(EXPECTED)
    assert not identifier_columns(out.columns)
    text = Path(args.out).read_text(encoding="utf-8-sig")
    for value in IDENTIFIER_VALUES:
        assert value not in text


def test_cli_lang_and_standard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _args(tmp_path, BOUNDARIES, year=None, standard="decree_351_2025", lang="en")
    assert cli_main(args) == 0
    text = capsys.readouterr().out
    assert "Poor" in text and "Hộ nghèo" not in text
    assert "not found" in text  # the missing band is said, not hidden
    assert set(pd.read_csv(args.out)["standard"]) == {"decree_351_2025"}


def test_cli_bad_rows_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _args(tmp_path, BAD)
    assert cli_main(args) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "dòng 3" in err and "income_per_capita_month" in err
    assert not Path(args.out).exists()  # nothing half-written


def test_cli_bad_rows_with_errors_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors_csv = tmp_path / "errors.csv"
    args = _args(tmp_path, BAD, errors=str(errors_csv))
    assert cli_main(args) == 2
    assert list(pd.read_csv(args.out, dtype=str)["household_id"]) == ["g01", "g10"]
    errs = pd.read_csv(errors_csv)
    assert list(zip(errs["row"], errs["column"], strict=True)) == BAD_CELLS
    assert "Lò Văn" not in errors_csv.read_text(encoding="utf-8-sig")
    assert "dòng 3" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kw",
    [{"year": None, "standard": None}, {"year": 2031}, {"standard": "decree_59_2015"},
     {"households": "does/not/exist.csv"}],
)
def test_cli_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 kw: dict) -> None:
    kw = dict(kw)  # the parametrize dict is shared between runs
    args = _args(tmp_path, kw.pop("households", BOUNDARIES), **kw)
    assert cli_main(args) == 2
    assert " / " in capsys.readouterr().err  # bilingual message


def test_caller_index_is_kept_even_when_repeated() -> None:
    df = pd.DataFrame([_row(household_id="a", **_deprived(3)), _row(household_id="b", members=0),
                       _row(household_id="c")], index=[7, 7, 9])
    good, errors = classify_households(df, year=2026, on_error="report")
    assert list(good.index) == [7, 9]
    assert list(good["household_id"]) == ["a", "c"]
    assert list(good["status"]) == ["poor", "near_poor"]
    assert list(errors["row"]) == [3]  # rows count by position, header = row 1


def test_cli_writes_a_manifest_without_personal_data(tmp_path):
    import json
    from types import SimpleNamespace

    from planning.models.classify import cli_main

    src = tmp_path / "hh.csv"
    src.write_text("household_id,commune,area,members,income_per_capita_month,ho_ten,"
                   + ",".join(f"d_{i}" for i in ("employment", "dependants", "nutrition", "health_insurance",
                                                 "adult_education", "school_attendance", "housing_quality",
                                                 "housing_area", "water", "sanitation", "telecom",
                                                 "information_access"))
                   + "\nH1,ca_nang,rural,4,1200000,Nguyễn Văn A," + ",".join(["1"] * 3 + ["0"] * 9) + "\n",
                   encoding="utf-8")
    out = tmp_path / "out.csv"
    args = SimpleNamespace(households=str(src), out=str(out), standard=None, year=2026, errors=None, lang="en")
    assert cli_main(args) == 0
    manifest_path = tmp_path / "out.csv.manifest.json"
    text = manifest_path.read_text(encoding="utf-8")
    m = json.loads(text)
    assert m["command"] == "classify" and m["standard"] == "decree_07_2021" and m["year"] == 2026
    assert m["households_classified"] == 1
    assert len(m["inputs"][0]["sha256"]) == 64 and not m["inputs"][0]["path"].startswith("/")
    assert "Nguyễn" not in text and "1200000" not in text
