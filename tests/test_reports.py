"""The printable reports a People's Committee reads (``planning report``, ``planning batch``,
``planning monitor report``): no code, prompts, paths or developer words; one number style
per language (HTML, PDF, Excel); a headline sentence in words; PDFs when Chromium is there.

One module-scoped ``planning report`` run (two scenarios, both languages, few draws) feeds most
tests: about 40 s on two cores, most of it kernel start-ups; the PDF checks skip without
Chromium.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from planning.frontends.cli import main
from planning.frontends.printable import (
    PDF_UNAVAILABLE,
    chromium_path,
    export_printable_html,
    html_to_pdf,
    planner_problems,
    visible_text,
)

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = [ROOT / "scenarios" / "district_plan.yaml", ROOT / "scenarios" / "budget_cut_30.yaml"]
FIXTURE = ROOT / "tests" / "fixtures" / "monitoring_illustrative.xlsx"
PAGE_BREAK = '<div class="planning-page-break"></div>'
#: a number in the other language's style next to a percent sign
VI_WRONG, EN_WRONG = re.compile(r"\d\.\d+\s?%"), re.compile(r"\d,\d+\s?%")
needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="chromium not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    code = main(["report", *map(str, SCENARIOS), "--out", str(out), "--draws", "40", "--seed", "5"])
    assert code == 0
    return out


def _parts(html_path: Path) -> tuple[str, str]:
    """(Vietnamese part, English part) of a bilingual report, as the reader sees them."""
    html = html_path.read_text(encoding="utf-8")
    assert html.count(PAGE_BREAK) == 1, "one page break between the two languages"
    vi, en = html.split(PAGE_BREAK)
    return visible_text(vi), visible_text(en)


REPORTS = ["district_plan/report.html", "budget_cut_30/report.html", "district_plan/what_it_takes.html",
           "comparison.html"]


@pytest.mark.parametrize("name", REPORTS)
def test_reports_hold_no_code_prompts_paths_or_developer_words(reports: Path, name: str) -> None:
    html = (reports / name).read_text(encoding="utf-8")
    assert planner_problems(html) == []
    text = visible_text(html)
    for word in ("In [", "/work/", "/tmp/", "pytest", "papermill", "nbval", "import ", "scenario_path",
                 "district_plan", "decree_", "P(<", "None"):
        assert word not in text, word
    assert "<script" not in html.lower()  # nothing to run, nothing fetched from the internet
    # every chart's alternative text is the page's word for it, not nbconvert's note to developers
    alts = re.findall(r'<img[^>]*\balt="([^"]*)"', html)
    assert alts and set(alts) == {"Biểu đồ / Chart"}, set(alts)


@pytest.mark.parametrize("name", REPORTS)
def test_one_number_style_per_language(reports: Path, name: str) -> None:
    vi, en = _parts(reports / name)
    assert not VI_WRONG.findall(vi), VI_WRONG.findall(vi)[:5]
    assert not EN_WRONG.findall(en), EN_WRONG.findall(en)[:5]
    assert re.search(r"\d,\d%", vi) or "0%" in vi  # Vietnamese decimals: 6,4%
    assert re.search(r"\d\.\d%", en) or "0%" in en


def test_scenario_report_opens_with_a_plain_headline(reports: Path) -> None:
    vi, en = _parts(reports / "district_plan" / "report.html")
    assert vi.lstrip().startswith("Báo cáo kịch bản: Kế hoạch giảm nghèo của huyện")
    assert "Với kinh phí kế hoạch (tổng 53,9 tỷ đồng đến năm 2030), tỷ lệ hộ nghèo toàn huyện năm 2030 dự kiến" in vi
    assert re.search(r"khả năng đạt dưới 1% năm 2030 là \d+% \((rất thấp|thấp|khoảng một nửa|cao|rất cao)\)", vi)
    assert "With the plan's budget (53.9 billion VND in all up to 2030)" in en
    assert re.search(r"the chance of getting below 1% in 2030 is \d+% \((very low|low|about even|high|very high)\)", en)
    # the headline comes before everything else the report says
    assert vi.index("Với kinh phí kế hoạch") < vi.index("1. Khả năng đạt mục tiêu")
    # money in each language's style: 53.900 million VND in all, 10.400 in 2026
    assert "53.900" in vi and "53,900" in en
    # the 2027 change of standard is explained, the plan path starts at the 2025 review
    assert "Nghị định 351/2025" in vi and "Decree 351/2025" in en
    assert "từ kết quả rà soát năm 2025 xuống dưới 1% năm 2030" in vi
    assert "NĐ 07/2021" in vi and "Decree 351/2025" in en  # standards named, not ids
    cut = _parts(reports / "budget_cut_30" / "report.html")[0]
    assert "Với kinh phí của kịch bản “" in cut  # another scenario is named, not called the plan


def test_report_holds_the_schematic_map(reports: Path) -> None:
    html = (reports / "district_plan" / "report.html").read_text(encoding="utf-8")
    assert html.count('class="planning-map"') == 4  # rate and chance, in each language
    assert html.count('class="planning-map-tile"') == 4 * 11
    vi, en = _parts(reports / "district_plan" / "report.html")
    assert "không phải bản đồ ranh giới" in vi and "not a boundary map" in en


def test_what_it_takes_report_reads_aloud(reports: Path) -> None:
    vi, en = _parts(reports / "district_plan" / "what_it_takes.html")
    assert "Với kinh phí kế hoạch (" in vi and "With the plan's budget (" in en
    assert "Cần gì để đạt dưới 1% năm 2030?" in vi and "What would it take to reach below 1% by 2030?" in en


def test_comparison_workbooks_hold_numbers_with_the_language_format(reports: Path) -> None:
    for name, lang, tag, sheet in (("comparison.xlsx", "vi", "[$-42A]", "So sánh kịch bản"),
                                   ("comparison_en.xlsx", "en", "[$-409]", "Scenario comparison")):
        ws = load_workbook(reports / name)[sheet]
        headers = [c.value for c in ws[1]]
        rows = list(ws.iter_rows(min_row=2))
        assert len(rows) == 2
        titles = {r[0].value for r in rows}
        assert titles == ({"Kế hoạch giảm nghèo của huyện (minh hoạ)", "Kế hoạch huyện, ngân sách giảm 30%"}
                          if lang == "vi" else
                          {"District poverty-reduction plan (illustrative)", "District plan with a 30% budget cut"})
        formats = {h: None for h in headers}
        for cell, h in zip(rows[0], headers, strict=True):
            formats[h] = cell.number_format
            if isinstance(cell.value, str):
                assert not re.fullmatch(r"[\d.,%+\-\s]+", cell.value), (h, cell.value)  # no number stored as text
        rate = "Tỷ lệ nghèo cuối kỳ (TB)" if lang == "vi" else "End-year poverty rate (mean)"
        money = "Tổng kinh phí (triệu đồng)" if lang == "vi" else "Total spending (million VND)"
        chance = "Khả năng dưới 1% năm 2030" if lang == "vi" else "Chance of below 1% in 2030"
        assert formats[rate] == f"{tag}0.0%" and formats[money] == f"{tag}#,##0" and formats[chance] == f"{tag}0%"
        col = headers.index(rate)
        assert all(isinstance(r[col].value, float) and 0 < r[col].value < 1 for r in rows)  # shares, as numbers
        for h in ("engine", "seed", "calibration", "Mô hình", "Engine"):
            assert h not in headers  # program details stay in comparison.csv


@needs_chromium
def test_every_report_has_a_pdf(reports: Path) -> None:
    for name in REPORTS:
        pdf = (reports / name).with_suffix(".pdf")
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000, name
    if shutil.which("pdftotext"):  # poppler, when installed: the PDF's own text
        import subprocess

        text = subprocess.run(["pdftotext", str(reports / "district_plan" / "report.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "Với kinh phí kế hoạch" in text and "With the plan" in text
        assert "/tmp/" not in text and "file://" not in text  # no header or footer with the file's path


def test_exported_notebook_loses_parameters_hidden_cells_errors_and_prompts(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("scenario_path = '/work/secret/plan.yaml'")
    params.metadata["tags"] = ["parameters"]
    hidden = nbformat.v4.new_code_cell("print(out_dir)")
    hidden.metadata["tags"] = ["report-hide"]
    hidden.outputs = [nbformat.v4.new_output("stream", name="stdout", text="/tmp/run/out\n")]
    shown = nbformat.v4.new_code_cell("x = 1\nx")
    shown.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "Tỷ lệ 6,4%"}, execution_count=3),
                     nbformat.v4.new_output("stream", name="stderr", text="Traceback: /usr/lib/x.py\n")]
    nb.cells = [params, hidden, shown]
    html = export_printable_html(nb, tmp_path / "r.html", title="Báo cáo")
    text = visible_text(html)
    assert "Tỷ lệ 6,4%" in text
    for word in ("/work/", "/tmp/", "/usr/", "scenario_path", "x = 1", "In [", "Out[", "Traceback"):
        assert word not in text, word
    assert planner_problems(html) == []
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == html
    # and the check itself finds what it must
    assert planner_problems("<p>In [3]: import planning; see /work/x and P(<1% in 2030) = 0.00</p>")


def test_without_chromium_the_html_stays_and_the_user_is_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLANNING_CHROMIUM", str(tmp_path / "no-chromium"))
    assert chromium_path() is None
    (tmp_path / "a.html").write_text("<p>x</p>", encoding="utf-8")
    assert html_to_pdf(tmp_path / "a.html", tmp_path / "a.pdf") is None and not (tmp_path / "a.pdf").exists()
    out = tmp_path / "progress"
    assert main(["monitor", "report", str(FIXTURE), "--out", str(out), "--lang", "en", "--draws", "40"]) == 0
    assert (out / "progress_report.html").exists() and not (out / "progress_report.pdf").exists()
    assert PDF_UNAVAILABLE in capsys.readouterr().out


@needs_chromium
def test_progress_report_is_printed_to_pdf(tmp_path: Path) -> None:
    assert main(["monitor", "report", str(FIXTURE), "--out", str(tmp_path), "--lang", "en", "--draws", "40"]) == 0
    pdf = tmp_path / "progress_report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_bad_report_arguments_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "missing.yaml" in capsys.readouterr().err


def test_batch_reports_are_printable_too(tmp_path: Path) -> None:
    """``planning batch`` (the real report and comparison notebooks): code-free HTML."""
    from planning.frontends.batch import run_batch

    report = run_batch(SCENARIOS, tmp_path / "batch", draws=20, seed=3, lang="en", progress=False)
    assert report.ok, report.text("en")
    for html in [tmp_path / "batch" / s.stem / "report.html" for s in SCENARIOS] + [tmp_path / "batch" / "comparison.html"]:
        text = html.read_text(encoding="utf-8")
        assert planner_problems(text) == [], html.name
        assert not EN_WRONG.findall(visible_text(text))
    text = visible_text((tmp_path / "batch" / "district_plan" / "report.html").read_text(encoding="utf-8"))
    assert "With the plan's budget" in text and "Scenario report" in text
