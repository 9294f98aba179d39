"""The monitoring workbook and the progress report: template, round trip, refused cells, text.

``planning monitor template`` → filled with openpyxl → ``planning monitor report`` must give the
hand-computed progress.csv; a bad cell is refused naming sheet and cell, with nothing written;
reports hold no code or paths and one number format per language.
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from planning.analyses.progress import compare
from planning.basics.errors import PlanningInputErrors
from planning.frontends.cli import main
from planning.stores.monitoring import LEVEL_SHEETS, cell_address, read_monitoring
from planning.stores.targets import load_targets
from planning.stores.units import load_units

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "monitoring_illustrative.xlsx"


@pytest.fixture(scope="module")
def register():
    return load_targets()


@pytest.fixture(scope="module")
def units():
    return load_units()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tpl") / "monitoring.xlsx"
    assert main(["monitor", "template", "--out", str(out)]) == 0
    return out


def _fill(template: Path, dest: Path, values: dict, register, units) -> Path:
    """Copy of the template with ``values[(unit, target, year, period)] = value`` typed in."""
    wb = load_workbook(template)
    for (unit, tid, year, period), value in values.items():
        sheet, cell = cell_address(register, units, unit, tid, year, period)
        if isinstance(value, tuple):  # (value, number format)
            wb[sheet][cell] = value[0]
            wb[sheet][cell].number_format = value[1]
        else:
            wb[sheet][cell] = value
    wb.save(dest)
    return dest


# ------------------------------------------------------------------------------ template


def test_template_layout_validation_and_protection(template, register, units):
    wb = load_workbook(template)
    assert wb.sheetnames == ["Hướng dẫn", "Huyện", "Xã"]
    district, commune = wb["Huyện"], wb["Xã"]
    assert district["D4"].value == "Chỉ tiêu" and district["D5"].value == "Indicator"
    assert commune["G4"].value == "2025 (năm gốc)" and commune["H4"].value == "2026 Quý 1"
    assert commune["L4"].value == "2026 Cả năm" and commune["L5"].value == "2026 Year"
    # one row per unit × indicator: 1 × 5 district targets, 4 communes × 8 commune targets
    assert [district.cell(row=r, column=3).value for r in range(6, 11)] == [t.id for t in register.at_level("district")]
    assert district.cell(row=11, column=1).value is None
    assert commune.max_row == 5 + 4 * 8
    assert [commune.cell(row=6 + 8 * j, column=1).value for j in range(4)] == list(units.new_ids)
    # the unit of each indicator is shown
    assert district["E9"].value == "người\npersons" and district["E6"].value == "%"
    # protection: headers and ids locked, value cells open; annual quarters locked
    for ws in (district, commune):
        assert ws.protection.sheet
    assert district["D4"].protection.locked and district["A6"].protection.locked
    assert not district["G7"].protection.locked  # road, 2025 level
    sheet, cell = cell_address(register, units, "district", "poverty_rate", 2026, "Q1")
    assert wb[sheet][cell].protection.locked  # poverty is yearly: quarters locked
    sheet, cell = cell_address(register, units, "district", "poverty_rate", 2026, "year")
    assert not wb[sheet][cell].protection.locked
    # data validation: percentages 0-100, counts whole and >= 0
    rules = {(dv.type, dv.operator, dv.formula1, dv.formula2): str(dv.sqref) for dv in commune.data_validations.dataValidation}
    assert ("decimal", "between", "0", "100") in rules and "J20" in rules[("decimal", "between", "0", "100")]
    drules = {dv.type: str(dv.sqref) for dv in district.data_validations.dataValidation}
    _, voc_cell = cell_address(register, units, "district", "vocational_certificates", 2027, "Q2")
    assert voc_cell in drules["whole"].split()
    # instructions in Vietnamese with English, and the three cells the offices fill
    text = " ".join(str(c.value) for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value)
    assert "Cách điền" in text and "How to fill in" in text and "Nguồn số liệu" in text
    assert not wb["Hướng dẫn"]["B6"].protection.locked


def test_empty_template_reads_back_as_no_data(template, register):
    mon = read_monitoring(template)
    assert mon.values.empty
    p = compare(mon, year=2026)
    assert set(p.table["status"][p.table["unit_of_measure"] == "persons"]) == {"no_data"}
    # the poverty paths start from the (illustrative) baseline: communes' straight lines end at 1 %
    pov = p.table[(p.table["target"] == "poverty_rate_commune") & (p.table["year"] == 2030)]
    assert (pov["target_value"] == 1.0).all()
    assert set(pov["path_start_source"]) == {"baseline"} and set(pov["path_start_status"]) == {"illustrative"}


# ------------------------------------------------------------------------------ round trip


ROUND_TRIP = {
    # district: a road rate by quarters (last quarter rolls up), a year cell that wins
    ("district", "road_district_commune", 2025, "base"): 80,
    ("district", "road_district_commune", 2026, "Q1"): 82,
    ("district", "road_district_commune", 2026, "Q3"): 84,        # last quarter with a number
    ("district", "road_district_commune", 2027, "Q4"): 99,
    ("district", "road_district_commune", 2027, "year"): 86,      # the year cell wins over Q4
    # workers trained: quarters add up, years add up to a running total
    ("district", "vocational_certificates", 2026, "Q1"): 1000,
    ("district", "vocational_certificates", 2026, "Q2"): 1200,
    ("district", "vocational_certificates", 2026, "Q4"): 1000,
    ("district", "vocational_certificates", 2027, "year"): 3000,
    # poverty: yearly
    ("district", "poverty_rate", 2026, "year"): 7.0,
    ("district", "poverty_rate", 2027, "year"): 7.2,
    # commune: Excel percentage format (0.9 shown as 90%) and text with a decimal comma
    ("xa_muong_sai", "grid_electricity", 2025, "base"): 90,
    ("xa_muong_sai", "grid_electricity", 2026, "year"): (0.93, "0%"),
    ("xa_muong_sai", "grid_electricity", 2027, "year"): "93,5",
    ("xa_muong_gion", "hygienic_water", 2026, "Q2"): 70,           # no 2025 level: path starts here
    ("xa_muong_gion", "hygienic_water", 2027, "year"): 75,
    ("xa_quynh_nhai", "poverty_rate_commune", 2026, "year"): 0.5,
}


def test_round_trip_gives_the_expected_progress_table(template, tmp_path, register, units):
    filled = _fill(template, tmp_path / "filled.xlsx", ROUND_TRIP, register, units)
    out = tmp_path / "report"
    assert main(["monitor", "report", str(filled), "--out", str(out), "--lang", "en", "--draws", "40"]) == 0
    table = pd.read_csv(out / "progress.csv")
    assert list(table.columns[:6]) == ["target", "unit", "year", "value", "target_value", "status"]
    assert len(table) == (5 + 4 * 8) * 6  # every target × unit × 2025..2030
    t = table.set_index(["target", "unit", "year"])

    def row(tid, unit, year):
        r = t.loc[(tid, unit, year)]
        return (None if math.isnan(r["value"]) else round(float(r["value"]), 6),
                None if math.isnan(r["target_value"]) else round(float(r["target_value"]), 6), r["status"])

    # road: path 80 → 100 in 2030, 4 points a year
    assert row("road_district_commune", "district", 2025) == (80.0, 80.0, "on_track")
    assert row("road_district_commune", "district", 2026) == (84.0, 84.0, "on_track")
    assert row("road_district_commune", "district", 2027) == (86.0, 88.0, "off_track")
    assert row("road_district_commune", "district", 2028) == (None, 92.0, "no_data")
    # workers: 3,200 in 2026 then 6,200 in total by 2027, against 3,200 a year
    assert row("vocational_certificates", "district", 2025) == (None, 0.0, "no_data")
    assert row("vocational_certificates", "district", 2026) == (3200.0, 3200.0, "on_track")
    assert row("vocational_certificates", "district", 2027) == (6200.0, 6400.0, "off_track")
    # poverty: the plan's path, a straight line from the 2025 review (8.7 %) to 0.9 % in 2030
    ref = 100 * 1477 / 16982
    step = (ref - 0.9) / 5
    assert row("poverty_rate", "district", 2025)[1] == pytest.approx(ref, abs=1e-6)
    assert row("poverty_rate", "district", 2026) == (7.0, round(ref - step, 6), "on_track")
    assert row("poverty_rate", "district", 2027) == (7.2, round(ref - 2 * step, 6), "off_track")
    assert row("poverty_rate", "district", 2030)[1] == pytest.approx(0.9, abs=1e-6)
    assert t.loc[("poverty_rate", "district", 2025), "value_source"] == "review_illustrative"
    # electricity: 90 → 100, 2 points a year; 0.93 typed as a percentage reads 93
    assert row("grid_electricity", "xa_muong_sai", 2026) == (93.0, 92.0, "on_track")
    assert row("grid_electricity", "xa_muong_sai", 2027) == (93.5, 94.0, "off_track")
    # water: no 2025 level, the path starts at the first report (70 in 2026) → 100 in 2030
    assert row("hygienic_water", "xa_muong_gion", 2026) == (70.0, 70.0, "on_track")
    assert row("hygienic_water", "xa_muong_gion", 2027) == (75.0, 77.5, "off_track")
    assert t.loc[("hygienic_water", "xa_muong_gion", 2027), "path_start_source"] == "workbook_first_year"
    # a commune already below 1 %
    assert row("poverty_rate_commune", "xa_quynh_nhai", 2026)[2] == "achieved"
    # the report speaks of the latest year with a figure
    html = (out / "progress_report.html").read_text(encoding="utf-8")
    assert "Progress against the targets, 2027" in html
    assert "Báo cáo tiến độ thực hiện chỉ tiêu năm 2027" in html


# ------------------------------------------------------------------------------ refused cells


BAD = {
    ("xa_muong_chien", "grid_electricity", 2026, "Q3"): 120,                 # > 100 %
    ("xa_muong_chien", "schools_standard", 2027, "year"): "khoảng 80",      # words
    ("district", "vocational_certificates", 2026, "Q1"): 12.5,              # not a whole number
    ("district", "vocational_certificates", 2026, "Q2"): -3,                # negative
    ("district", "poverty_rate", 2026, "Q2"): 7.0,                          # quarter of a yearly rate
    ("xa_muong_sai", "hygienic_water", 2028, "year"): "1.234",             # ambiguous text
    ("district", "vocational_certificates", 2025, "base"): 100,            # running total: no 2025 level
}


def test_bad_cells_are_refused_with_sheet_and_cell_and_nothing_is_written(template, tmp_path, register, units, capsys):
    filled = _fill(template, tmp_path / "bad.xlsx", {**ROUND_TRIP, **BAD}, register, units)
    with pytest.raises(PlanningInputErrors) as err:
        read_monitoring(filled)
    expected = {"!".join(cell_address(register, units, *k)) for k in BAD}
    assert {e.field for e in err.value.errors} == expected
    out = tmp_path / "never"
    assert main(["monitor", "report", str(filled), "--out", str(out)]) == 2
    assert not out.exists()
    stderr = capsys.readouterr().err
    for where in expected:
        assert where in stderr
    sheet, cell = cell_address(register, units, "xa_muong_chien", "grid_electricity", 2026, "Q3")
    assert f"{sheet}!{cell}" == "Xã!J20"
    assert "expected a percentage from 0 to 100" in stderr and "cần tỷ lệ phần trăm từ 0 đến 100" in stderr
    assert "Mường Chiên commune, Households on the national grid, 2026 Q3" in stderr
    assert "chỉ tiêu này chỉ báo cáo cả năm" in stderr and "a whole number of persons" in stderr
    assert "could be read two ways" in stderr


def test_moved_columns_and_foreign_rows_are_refused(template, tmp_path):
    wb = load_workbook(template)
    wb["Xã"]["H4"] = "Quý 1"
    wb["Huyện"]["C8"] = "unknown_target"
    wb.save(tmp_path / "moved.xlsx")
    with pytest.raises(PlanningInputErrors) as err:
        read_monitoring(tmp_path / "moved.xlsx")
    fields = {e.field for e in err.value.errors}
    assert fields == {"Xã!H4", "Huyện!C8"}
    wb = load_workbook(template)
    del wb[LEVEL_SHEETS["commune"]]
    wb.save(tmp_path / "nosheet.xlsx")
    with pytest.raises(Exception, match="Xã"):
        read_monitoring(tmp_path / "nosheet.xlsx")


# ------------------------------------------------------------------------------ report text


class _Text(HTMLParser):
    """Visible text of an HTML page by language section (style, script and attributes dropped)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: dict[str, list[str]] = {"vi": [], "en": [], "": []}
        self.lang, self.skip = "", False

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.lang = dict(attrs).get("lang", "")
        self.skip = tag in ("style", "script")

    def handle_endtag(self, tag):
        if tag == "section":
            self.lang = ""
        self.skip = False

    def handle_data(self, data):
        if not self.skip:
            self.parts[self.lang].append(data)


_CODE = re.compile(r"(\.py\b|\.csv\b|\.ya?ml\b|\.xlsx\b|\.json\b|\.ipynb\b|/work|src/|data/|Traceback|"
                   r"\bdef\b|\bimport\b|\bNone\b|\bnan\b|\bNaN\b|\bTrue\b|\bFalse\b|planning\.|"
                   r"[a-z]+_[a-z_]+|<[a-z]+ |\{|\})")
_VI_BAD = re.compile(r"\d\.\d{1,2}(?!\d)|\d,\d{3}(?!\d)")   # English decimals or thousands
_EN_BAD = re.compile(r"\d,\d{1,2}(?!\d)|\d\.\d{3}(?!\d)")   # Vietnamese decimals or thousands


def _check_language(text: str, lang: str) -> None:
    bad = _VI_BAD if lang == "vi" else _EN_BAD
    # ids, code and paths never appear; numbers follow one style per language
    assert not _CODE.findall(text), _CODE.findall(text)[:5]
    assert not bad.findall(text), bad.findall(text)[:5]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rep")
    assert main(["monitor", "report", str(FIXTURE), "--out", str(out), "--draws", "40"]) == 0
    return out


def test_reports_hold_no_code_and_one_number_format_per_language(report):
    parser = _Text()
    parser.feed((report / "progress_report.html").read_text(encoding="utf-8"))
    vi, en = " ".join(parser.parts["vi"]), " ".join(parser.parts["en"])
    _check_language(vi, "vi")
    _check_language(en, "en")
    assert "16.200 người" in vi and "16,200 persons" in en
    assert "0,8%" in vi and "0.8%" in en
    md = (report / "progress_report.md").read_text(encoding="utf-8")
    vi_md, en_md = md.split("## Progress against the targets")
    _check_language(vi_md, "vi")
    _check_language(en_md, "en")
    assert md.count('data:image/png') == 0 and parser.parts["vi"]
    html = (report / "progress_report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2 * 13  # a chart per target and language


def test_headlines_of_the_illustrative_workbook(report):
    md = (report / "progress_report.md").read_text(encoding="utf-8")
    # every target has a bilingual headline
    assert md.count("**Đã đạt —") + md.count("**Chậm so với lộ trình —") + md.count("**Đúng lộ trình —") \
        + md.count("**Chưa có số liệu —") == 13
    assert "**Đã đạt — Tỷ lệ hộ nghèo toàn huyện: 0,8% năm 2030 (mục tiêu: dưới 1% vào năm 2030).**" in md
    assert "**Achieved — District household poverty rate: 0.8% in 2030 (goal: below 1% by 2030).**" in md
    assert "**Off track — State-paid health-insurance groups holding a card: 99.6% in 2030, goal not met" in md
    assert "Lưu ý: sổ theo dõi ghi rằng số liệu là số liệu minh hoạ" in md
    assert "the illustrative baseline" in md
    t = pd.read_csv(report / "progress.csv").set_index(["target", "unit", "year"])
    assert t.loc[("poverty_rate", "district", 2027), "status"] == "off_track"   # the 2027 standard switch
    assert t.loc[("poverty_rate_commune", "xa_muong_sai", 2030), "status"] == "off_track"  # exactly 1.0 %
    assert t.loc[("vocational_certificates", "district", 2030), "value"] == 16200
    assert t.loc[("irrigation_works", "xa_muong_sai", 2030), "status"] == "no_data"
    assert t.loc[("hygienic_water", "xa_muong_chien", 2030), "path_start_source"] == "workbook_first_year"
    assert t.loc[("health_stations_standard", "xa_muong_gion", 2026), "value"] == 60.0  # last quarter


def test_mid_term_report_year(tmp_path):
    out = tmp_path / "mid"
    assert main(["monitor", "report", str(FIXTURE), "--out", str(out), "--year", "2025", "--draws", "40"]) == 0
    md = (out / "progress_report.md").read_text(encoding="utf-8")
    assert "Báo cáo tiến độ thực hiện chỉ tiêu năm 2025" in md
    assert "Đúng lộ trình — Tỷ lệ hộ nghèo toàn huyện: 8,7% năm 2025" in md
    assert main(["monitor", "report", str(FIXTURE), "--out", str(tmp_path / "x"), "--year", "2031"]) == 2


def test_illustrative_fixture_is_reproducible(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("mk", ROOT / "tests" / "fixtures" / "make_monitoring_illustrative.py")
    mk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mk)
    again = read_monitoring(mk.build(tmp_path / "again.xlsx"))
    shipped = read_monitoring(FIXTURE)
    pd.testing.assert_frame_equal(again.values, shipped.values)
    assert "ILLUSTRATIVE" in shipped.meta["source"]


def test_report_notebook_takes_its_parameters(tmp_path):
    papermill = pytest.importorskip("papermill")
    nb = ROOT / "notebooks" / "progress_report.ipynb"
    params = {k: v["default"] for k, v in papermill.inspect_notebook(str(nb)).items()}
    assert params == {"monitoring": '"../tests/fixtures/monitoring_illustrative.xlsx"', "year": "2030", "lang": '"vi"'}
    out = tmp_path / "mid.ipynb"
    papermill.execute_notebook(str(nb), str(out), parameters={"monitoring": str(FIXTURE), "year": 2025, "lang": "en"},
                               kernel_name="python3", progress_bar=False, cwd=str(nb.parent))
    import nbformat

    texts = [o.get("data", {}).get("text/markdown", "") for c in nbformat.read(out, as_version=4).cells
             if c.cell_type == "code" for o in c.get("outputs", [])]
    text = "\n".join(texts)
    assert "## Mid-term report (2025)" in text
    for name in ("Quỳnh Nhai commune", "Mường Chiên commune", "Mường Giôn commune", "Mường Sại commune"):
        assert f"## {name}" in text
    assert "The model's projection for Mường Sại commune under the district plan, 2030" in text
    assert "On track — District household poverty rate: 8.7% in 2025" in text
    _check_language(text.replace("Mid-term report", "").replace("##", ""), "en")
