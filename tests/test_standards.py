"""Poverty standards as cited data (data/standards/*.yaml) and the shared input error."""

from __future__ import annotations

import os
import pickle
import shutil
import time
from pathlib import Path

import pytest
import yaml

from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.stores.standards import (
    Indicator,
    Standard,
    list_standards,
    load_standard,
    standard_in_force,
)

DATA = Path(__file__).resolve().parents[1] / "data"

DECREE_07_IDS = (
    "employment", "dependants", "nutrition", "health_insurance", "adult_education",
    "school_attendance", "housing_quality", "housing_area", "water", "sanitation", "telecom",
    "information_access",
)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/standards/ to break on purpose."""
    shutil.copytree(DATA / "standards", tmp_path / "standards")
    return tmp_path


def _edit(path: Path, change) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


# --------------------------------------------------------------------------- content


def test_decree_07_values() -> None:
    s = load_standard("decree_07_2021")
    assert isinstance(s, Standard)
    assert (s.first_year, s.last_year) == (2022, 2026)
    assert s.income_lines == {"rural": 1_500_000, "urban": 2_000_000}
    assert s.band_upper == {"rural": 2_250_000, "urban": 3_000_000}
    assert s.poor_min_deprivations == 3
    assert s.indicator_ids == DECREE_07_IDS
    assert {i.dimension for i in s.indicators} == {
        "employment", "health", "education", "housing", "water_sanitation", "information"}
    assert s.legal_reference["decree"] == "07/2021/NĐ-CP"
    assert s.legal_reference["date"] == "2021-01-27"
    assert s.legal_reference["url"].startswith("https://")
    assert s.income_line("rural") == 1_500_000
    assert s.income_line("urban") == 2_000_000


def test_decree_351_values() -> None:
    s = load_standard("decree_351_2025")
    assert (s.first_year, s.last_year) == (2027, 2030)
    assert s.income_lines == {"rural": 2_200_000, "urban": 2_800_000}
    assert s.band_upper == {"rural": None, "urban": None}  # NOT FOUND
    assert s.poor_min_deprivations == 3
    ids = set(s.indicator_ids)
    assert len(s.indicator_ids) == 12
    assert ids == (set(DECREE_07_IDS) - {"information_access"}) | {"waste"}
    telecom = next(i for i in s.indicators if i.id == "telecom")
    assert "internet" in telecom.cutoff_en and "digital" in telecom.cutoff_en
    assert s.legal_reference["decree"] == "351/2025/NĐ-CP"


@pytest.mark.parametrize("sid", ["decree_07_2021", "decree_351_2025"])
def test_every_value_carries_a_source_or_a_not_found_mark(sid: str) -> None:
    doc = yaml.safe_load((DATA / "standards" / f"{sid}.yaml").read_text(encoding="utf-8"))
    assert doc["in_force"]["source"]
    assert doc["rule"]["source"]
    assert doc["indicator_list_source"]
    for area in ("rural", "urban"):
        entry = doc["income_lines"][area]
        assert entry["line_source"]
        if entry["band_upper"] is None:
            assert "NOT FOUND" in entry["band_note"]
        else:
            assert entry["band_source"]
    for ind in load_standard(sid).indicators:
        assert isinstance(ind, Indicator)
        assert ind.source.strip()
        assert ind.name_vi and ind.name_en and ind.cutoff_vi and ind.cutoff_en
        if not ind.verified:
            # An unverified cut-off must say why: a draft source, UNVERIFIED or NOT FOUND.
            assert ind.note or "UNVERIFIED" in ind.source or "NOT FOUND" in ind.source


def test_unverified_cutoffs_are_marked() -> None:
    # shared/research/domain.md §1.3: the Decree 07 appendix wording was NOT FOUND, and these
    # cut-offs come from prior knowledge only.
    s = load_standard("decree_07_2021")
    by_id = {i.id: i for i in s.indicators}
    for iid in ("health_insurance", "adult_education", "school_attendance", "housing_quality",
                "housing_area", "water", "sanitation", "telecom", "information_access"):
        assert by_id[iid].verified is False
        assert "UNVERIFIED" in by_id[iid].source
    # Found only in the 2026-2030 draft, so not verified for Decree 07 either.
    for iid in ("employment", "dependants", "nutrition"):
        assert by_id[iid].verified is False
        assert "draft" in by_id[iid].source
    assert set(s.unverified_indicators) == set(DECREE_07_IDS)


@pytest.mark.parametrize(
    ("year", "sid"),
    [(2022, "decree_07_2021"), (2025, "decree_07_2021"), (2026, "decree_07_2021"),
     (2027, "decree_351_2025"), (2030, "decree_351_2025")],
)
def test_standard_in_force(year: int, sid: str) -> None:
    assert standard_in_force(year).id == sid


@pytest.mark.parametrize("year", [2021, 2031, 1990])
def test_no_standard_for_year(year: int) -> None:
    with pytest.raises(PlanningInputError) as info:
        standard_in_force(year)
    assert info.value.field == "year"
    assert str(year) in str(info.value)
    assert "không thuộc chuẩn nghèo nào" in str(info.value)


def test_year_must_be_an_integer() -> None:
    with pytest.raises(PlanningInputError):
        standard_in_force("2026")  # type: ignore[arg-type]
    with pytest.raises(PlanningInputError):
        standard_in_force(True)  # type: ignore[arg-type]


def test_list_standards_in_order() -> None:
    assert [s.id for s in list_standards()] == ["decree_07_2021", "decree_351_2025"]


def test_unknown_area_and_standard() -> None:
    s = load_standard("decree_07_2021")
    with pytest.raises(PlanningInputError) as info:
        s.income_line("peri-urban")
    assert info.value.field == "area" and info.value.got == "peri-urban"
    with pytest.raises(PlanningInputError) as info:
        load_standard("decree_59_2015")
    assert "decree_07_2021" in str(info.value) and "decree_351_2025" in str(info.value)


def test_loads_are_cached_and_hashable() -> None:
    a = load_standard("decree_07_2021")
    assert load_standard("decree_07_2021") is a
    assert len({a, load_standard("decree_351_2025")}) == 2


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("income_lines.rural.line", lambda d: d["income_lines"]["rural"].pop("line")),
        ("in_force.first_year", lambda d: d["in_force"].pop("first_year")),
        ("rule.poor_min_deprivations", lambda d: d["rule"].pop("poor_min_deprivations")),
        ("legal_reference.url", lambda d: d["legal_reference"].pop("url")),
        ("indicators[water].verified", lambda d: d["indicators"][8].pop("verified")),
        ("indicators[telecom].source", lambda d: d["indicators"][10].update(source="")),
        ("income_lines.urban.line", lambda d: d["income_lines"]["urban"].update(line=-1)),
        ("income_lines.rural.band_note", lambda d: d["income_lines"]["rural"].update(band_upper=None)),
        ("id", lambda d: d.update(id="something_else")),
    ],
)
def test_invalid_yaml_names_file_and_field(data_copy: Path, field: str, change) -> None:
    _edit(data_copy / "standards" / "decree_07_2021.yaml", change)
    with pytest.raises(PlanningInputError) as info:
        load_standard("decree_07_2021", data_dir=data_copy)
    err = info.value
    assert err.field == field
    assert "decree_07_2021.yaml" in err.file
    assert field in str(err) and "decree_07_2021.yaml" in str(err)


def test_data_dir_from_environment(data_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _edit(data_copy / "standards" / "decree_351_2025.yaml",
          lambda d: d["income_lines"]["rural"].update(line=2_300_000))
    monkeypatch.setenv("PLANNING_DATA_DIR", str(data_copy))
    assert load_standard("decree_351_2025").income_line("rural") == 2_300_000
    assert standard_in_force(2028).income_line("rural") == 2_300_000
    monkeypatch.delenv("PLANNING_DATA_DIR")
    assert load_standard("decree_351_2025").income_line("rural") == 2_200_000


def test_edited_file_is_reloaded(data_copy: Path) -> None:
    path = data_copy / "standards" / "decree_351_2025.yaml"
    assert load_standard("decree_351_2025", data_copy).income_line("urban") == 2_800_000
    _edit(path, lambda d: d["income_lines"]["urban"].update(line=2_900_000))
    later = time.time() + 5
    os.utime(path, (later, later))
    assert load_standard("decree_351_2025", data_copy).income_line("urban") == 2_900_000


def test_overlapping_standards_are_refused(data_copy: Path) -> None:
    _edit(data_copy / "standards" / "decree_351_2025.yaml",
          lambda d: d["in_force"].update(first_year=2026))
    with pytest.raises(PlanningInputError) as info:
        standard_in_force(2026, data_copy)
    assert info.value.field == "in_force"


# --------------------------------------------------------------------------- errors module


def test_error_message_is_one_bilingual_line() -> None:
    err = PlanningInputError(
        "scenarios/x.yaml", "budget.2027.credit", "a non-negative amount in million VND", -5,
        message_vi="Trường 'budget.2027.credit' — cần số tiền không âm (triệu đồng), nhận: -5",
    )
    text = str(err)
    assert "\n" not in text
    assert text == (
        "scenarios/x.yaml: field 'budget.2027.credit' — expected a non-negative amount in "
        "million VND, got -5 / Trường 'budget.2027.credit' — cần số tiền không âm (triệu đồng), "
        "nhận: -5"
    )
    assert isinstance(err, ValueError)
    assert (err.file, err.field, err.got, err.row) == ("scenarios/x.yaml", "budget.2027.credit", -5,
                                                       None)


def test_error_generic_vietnamese_frame_and_row() -> None:
    err = PlanningInputError("hh.csv", "members", "an integer ≥ 1", 0, row=7)
    assert str(err) == ("hh.csv, row 7: field 'members' — expected an integer ≥ 1, got 0 / "
                        "tệp hh.csv, dòng 7, trường 'members': giá trị không hợp lệ "
                        "(cần: an integer ≥ 1; nhận: 0)")
    assert "empty" in str(PlanningInputError("f", "x", "a number", float("nan")))


def test_errors_aggregate_one_per_line_and_pickle() -> None:
    errs = PlanningInputErrors([
        PlanningInputError("hh.csv", "members", "an integer ≥ 1", 0, row=3),
        PlanningInputError("hh.csv", "area", "'rural' or 'urban'", "town", row=5),
    ])
    lines = str(errs).splitlines()
    assert len(lines) == 3
    assert "2" in lines[0] and "hh.csv" in lines[0]
    assert "row 3" in lines[1] and "row 5" in lines[2]
    assert isinstance(errs, PlanningInputError)
    assert errs.row == 3 and len(errs.errors) == 2
    back = pickle.loads(pickle.dumps(errs))
    assert str(back) == str(errs) and [e.row for e in back.errors] == [3, 5]
    single = pickle.loads(pickle.dumps(errs.errors[1]))
    assert str(single) == str(errs.errors[1]) and single.got == "town"
    with pytest.raises(ValueError):
        PlanningInputErrors([])
