"""The printable progress report (HTML and Markdown) and the ``planning monitor`` command.

The report has a Vietnamese part and an English part, each complete and each in its own
number style (Vietnamese ``1.234,5`` and ``6,4%``; English ``1,234.5`` and ``6.4%``): a summary
of the report year, then one section per target with its headline (``Đã đạt`` / ``Achieved``
…), how it is measured, how its path was built, a chart (HTML only) and a table. It holds
sentences, tables and charts only: no file names, ids or program words.

``planning monitor template --out monitoring.xlsx`` writes the empty workbook;
``planning monitor report monitoring.xlsx --out DIR [--year Y] [--data DIR]`` reads it back and
writes ``progress.csv``, ``progress_report.html``, ``progress_report.md`` and ``manifest.json``
(all or nothing: a bad cell stops the command before anything is written), then prints the HTML
to ``progress_report.pdf`` with the system's Chromium (:mod:`planning.frontends.printable`; without
Chromium it says how to print the HTML instead).
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from planning.analyses.progress import Progress, headline, value_matrix
from planning.analyses.reprojection import Reprojection
from planning.basics.numbers import fmt_pct
from planning.stores.monitoring import reporting_units
from planning.stores.targets import STATUS_LABELS, Target, format_value, goal_text

__all__ = [
    "cli_main", "md_table", "render_html", "render_markdown", "summary_sentence", "summary_table", "target_chart",
    "target_table", "write_report",
]

_TEXT = {
    "vi": {
        "report": "Báo cáo tiến độ thực hiện chỉ tiêu năm {year}",
        "prepared": "Cơ quan lập: {who}. Ngày lập: {date}. Nguồn số liệu: {source}.",
        "unknown": "chưa ghi",
        "illustrative": ("Lưu ý: sổ theo dõi ghi rằng số liệu là số liệu minh hoạ, không phải số liệu "
                         "báo cáo. Không dùng báo cáo này để đánh giá thực tế."),
        "baseline_illustrative": ("Lộ trình tỷ lệ hộ nghèo xuất phát từ số liệu nền minh hoạ (chưa có kết "
                                  "quả rà soát thật của huyện); mức xuất phát sẽ đúng khi thay bằng kết quả rà soát."),
        "summary": "Tóm tắt",
        "summary_sentence": ("Trong {n} chỉ tiêu, năm {year}: {achieved} đã đạt, {on_track} đúng lộ trình, "
                             "{off_track} chậm so với lộ trình, {no_data} chưa có số liệu."),
        "target": "Chỉ tiêu", "level": "Cấp", "goal": "Mục tiêu", "status": "Trạng thái",
        "district": "Huyện", "commune": "Xã", "year": "Năm", "value": "Giá trị", "path": "Lộ trình",
        "unit": "Xã", "start": "Xuất phát",
        "measured": "Cách tính: {text}.", "path_how": "Lộ trình: {text}.",
        "assumed": "Mức mục tiêu này là giả định (kế hoạch không nêu mức); cần thay khi biết mức của kế hoạch.",
        "switch": ("Từ năm 2027 áp dụng chuẩn nghèo mới (Nghị định 351/2025), nhiều hộ hơn được xác định "
                   "là hộ nghèo: tỷ lệ tăng năm 2027 là do đổi chuẩn, không phải do tái nghèo."),
        "running": "Số cộng dồn từ năm 2026.",
        "about": "Về số liệu và cách đánh giá",
        "about_lines": [
            "Văn bản kế hoạch của huyện chưa tìm thấy; các chỉ tiêu lấy theo danh mục chỉ tiêu của kế "
            "hoạch được giao cho nhóm lập sổ tính, chưa đối chiếu được số mục của kế hoạch.",
            "Đã đạt: giá trị đạt mục tiêu. Đúng lộ trình: chưa đạt nhưng bằng hoặc tốt hơn lộ trình của năm "
            "(với tỷ lệ hộ nghèo: bằng hoặc thấp hơn). Chậm so với lộ trình: kém hơn lộ trình, hoặc chưa đạt "
            "khi đã đến hạn. Chưa có số liệu: không có số báo cáo.",
            "Số của một năm là số cả năm nếu có; nếu không, chỉ tiêu tỷ lệ lấy quý gần nhất có số, chỉ tiêu "
            "số lượng cộng các quý.",
            "Khi không có mức năm 2025, lộ trình bắt đầu từ năm đầu tiên có số báo cáo.",
        ],
    },
    "en": {
        "report": "Progress against the targets, {year}",
        "prepared": "Prepared by: {who}. Date: {date}. Source of the figures: {source}.",
        "unknown": "not stated",
        "illustrative": ("Note: the monitoring workbook says its figures are illustrative, not reported "
                         "figures. Do not use this report to judge real progress."),
        "baseline_illustrative": ("The poverty-rate paths start from the illustrative baseline (the district's "
                                  "real review results are not in yet); the starting levels will be right once "
                                  "the review results replace it."),
        "summary": "Summary",
        "summary_sentence": ("Of {n} targets, in {year}: {achieved} achieved, {on_track} on track, "
                             "{off_track} off track, {no_data} without data."),
        "target": "Target", "level": "Level", "goal": "Goal", "status": "Status",
        "district": "District", "commune": "Commune", "year": "Year", "value": "Value", "path": "Path",
        "unit": "Commune", "start": "Start",
        "measured": "How it is measured: {text}.", "path_how": "Path: {text}.",
        "assumed": "This goal level is assumed (the plan states none); replace it when the plan's level is known.",
        "switch": ("From 2027 the new poverty standard (Decree 351/2025) counts more households as poor: a "
                   "rise in 2027 is the change of standard, not households falling back into poverty."),
        "running": "Running total since 2026.",
        "about": "About the figures and the assessment",
        "about_lines": [
            "The district's plan document was not found; the targets follow the list of the plan's targets "
            "given to the workbook team, and could not be matched to the plan's section numbers.",
            "Achieved: the value meets the goal. On track: not yet achieved but at least as good as the "
            "year's path (for the poverty rate: at or below it). Off track: worse than the path, or not "
            "achieved by the deadline. No data: nothing was reported.",
            "A year's figure is the whole-year figure when given; otherwise rates take the last quarter "
            "with a number and counts add up the quarters.",
            "Without a 2025 level, a path starts at the first year reported.",
        ],
    },
}


def _illustrative(p: Progress) -> bool:
    text = " ".join(p.monitoring.meta.values()).lower()
    return "minh hoạ" in text or "minh họa" in text or "illustrative" in text


def _years(p: Progress) -> list[int]:
    """The baseline year and the plan years up to the report year."""
    return [y for y in (p.register.baseline_year, *p.register.years) if y <= p.report_year]


def target_table(p: Progress, target: str, lang: str = "vi") -> pd.DataFrame:
    """The target's table as text in ``lang``: district targets by year (value, path, status);
    commune targets by commune (value each year, the report year's path and status)."""
    t = p.register.get(target)
    tx = _TEXT[lang]
    status_word = {k: v[lang] for k, v in STATUS_LABELS.items()}
    years = _years(p)
    if t.level == "district":
        r = p.rows(target, "district").set_index("year")
        table = pd.DataFrame({
            tx["year"]: [str(y) for y in years],
            tx["value"]: [format_value(t, r.loc[y, "value"], lang) for y in years],
            tx["path"]: [format_value(t, r.loc[y, "target_value"], lang) for y in years],
            tx["status"]: [status_word[r.loc[y, "status"]] for y in years],
        })
        start = _start_text(p, t, "district", lang)
        if start is None or start[1] >= p.register.baseline_year:
            return table
        first = pd.DataFrame([[f"{start[1]} ({tx['start'].lower()})", start[0], start[0], ""]], columns=table.columns)
        return pd.concat([first, table], ignore_index=True)
    m = value_matrix(p, target)
    rows = []
    for unit in reporting_units(t.level, p.units):
        row = {tx["unit"]: p.units.name(unit, lang)}
        start = _start_text(p, t, unit, lang)
        row[tx["start"]] = "—" if start is None else f"{start[0]} ({start[1]})"
        for y in years:
            row[str(y)] = format_value(t, m.loc[unit, y], lang)
        at = p.at(target, unit, p.report_year)
        row[f"{tx['path']} {p.report_year}"] = format_value(t, None if at is None else at["target_value"], lang)
        row[f"{tx['status']} {p.report_year}"] = status_word["no_data" if at is None else at["status"]]
        rows.append(row)
    return pd.DataFrame(rows)


def _start_text(p: Progress, t: Target, unit: str, lang: str) -> tuple[str, int] | None:
    """(value, year) where the unit's path starts (None without a path)."""
    r = p.rows(t.id, unit)
    if r.empty or pd.isna(r["path_start_year"].iloc[0]):
        return None
    return format_value(t, float(r["path_start_value"].iloc[0]), lang), int(r["path_start_year"].iloc[0])


def summary_table(p: Progress, lang: str = "vi") -> pd.DataFrame:
    """One row per target: name, level, goal and the report year's headline status."""
    tx = _TEXT[lang]
    return pd.DataFrame({
        tx["target"]: [t.label(lang) for t in p.register.targets],
        tx["level"]: [tx[t.level] for t in p.register.targets],
        tx["goal"]: [goal_text(t, lang) for t in p.register.targets],
        f"{tx['status']} {p.report_year}": [STATUS_LABELS[headline(p, t.id, lang)[0]][lang]
                                             for t in p.register.targets],
    })


def summary_sentence(p: Progress, lang: str) -> str:
    statuses = [headline(p, t.id, lang)[0] for t in p.register.targets]
    counts = {s: statuses.count(s) for s in STATUS_LABELS}
    return _TEXT[lang]["summary_sentence"].format(n=len(statuses), year=p.report_year, **counts)


def _paragraphs(p: Progress, t: Target, lang: str) -> list[str]:
    tx = _TEXT[lang]
    out = [tx["measured"].format(text=t.indicator[lang].rstrip(".")), tx["path_how"].format(text=t.path_how[lang].rstrip("."))]
    if t.cumulative:
        out.append(tx["running"])
    if t.status == "assumption":
        out.append(tx["assumed"])
    if t.unit == "percent" and t.direction == "lower" and p.report_year >= 2027:
        out.append(tx["switch"])
    return out


def target_chart(p: Progress, target: str, lang: str = "vi") -> Any:
    """A matplotlib Figure: each unit's values (solid, with markers) and its path (dashed) by
    year, the goal as a dotted line; tick labels are whole numbers (persons in thousands)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from planning.frontends.reporting import fmt_number

    t = p.register.get(target)
    fig = Figure(figsize=(6.4, 3.0), dpi=72)
    ax = fig.add_subplot()
    scale = 1000.0 if t.unit == "persons" else 1.0
    years = [p.register.baseline_year, *p.register.years]
    colours = ["#1f5fa8", "#d9822b", "#6a8d2f", "#8e44ad", "#c0392b"]
    for k, unit in enumerate(reporting_units(t.level, p.units)):
        r = p.rows(target, unit).set_index("year")
        c = colours[k % len(colours)]
        ax.plot(years, [r.loc[y, "target_value"] / scale for y in years], ls="--", lw=1, color=c)
        ax.plot(years, [r.loc[y, "value"] / scale for y in years], marker="o", lw=1.8, color=c,
                label=p.units.name(unit, lang))
    ax.axhline(t.goal / scale, ls=":", color="#555555", lw=1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    suffix = "%" if t.unit == "percent" else ""
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{fmt_number(v, lang, 0)}{suffix}"))  # type: ignore[arg-type]
    unit_txt = {"vi": "nghìn người", "en": "thousand persons"}[lang] if t.unit == "persons" else "%"
    dashed = {"vi": "nét đứt: lộ trình; chấm: mục tiêu", "en": "dashed: path; dotted: goal"}[lang]
    ax.set_title(f"{t.label(lang)} ({unit_txt}; {dashed})", fontsize=9)
    ax.legend(fontsize=7, loc="upper right" if t.direction == "lower" else "lower right", frameon=False)
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.1, top=0.9)
    return fig


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _html_table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def md_table(df: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        return str(v).replace("|", "/").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def _header_lines(p: Progress, lang: str) -> list[str]:
    tx = _TEXT[lang]
    meta = p.monitoring.meta
    lines = [tx["prepared"].format(who=meta.get("prepared_by") or tx["unknown"],
                                   date=meta.get("date") or tx["unknown"],
                                   source=(meta.get("source") or tx["unknown"]).rstrip("."))]
    if _illustrative(p):
        lines.append(tx["illustrative"])
    if (p.table["path_start_status"] == "illustrative").any():
        lines.append(tx["baseline_illustrative"])
    return lines


_REPROJECTION = {"vi": "Dự báo lại tỷ lệ hộ nghèo theo số liệu đã báo cáo",
                 "en": "Poverty re-projected from what was reported"}


def projection_table(r: Reprojection, lang: str) -> pd.DataFrame:
    """The re-projected district poverty rate per year, formatted in ``lang``."""
    head = ("Năm", "Tỷ lệ hộ nghèo (trung bình)", "Khoảng 90%") if lang == "vi" else (
        "Year", "Poverty rate (mean)", "90% range")
    rows = [(str(int(y)), fmt_pct(m, lang, 1), f"{fmt_pct(lo, lang, 1)}–{fmt_pct(hi, lang, 1)}")
            for y, m, lo, hi in r.projection[["year", "poverty_rate_mean", "poverty_rate_p05",
                                              "poverty_rate_p95"]].itertuples(index=False)]
    return pd.DataFrame(rows, columns=list(head))


def render_markdown(p: Progress, reprojection: Reprojection | None = None) -> str:
    """The report as Markdown: the Vietnamese part, then the English part (no charts)."""
    parts = [f"# {p.register.title['vi']} / {p.register.title['en']}", ""]
    for lang in ("vi", "en"):
        tx = _TEXT[lang]
        parts += [f"## {tx['report'].format(year=p.report_year)}", ""]
        parts += [f"{line}\n" for line in _header_lines(p, lang)]
        parts += [f"### {tx['summary']}", "", summary_sentence(p, lang), "", md_table(summary_table(p, lang)), ""]
        if reprojection is not None:
            parts += [f"### {_REPROJECTION[lang]}", "", reprojection.sentence(lang), "",
                      md_table(projection_table(reprojection, lang)), ""]
        for t in p.register.targets:
            parts += [f"### {t.label(lang)}", "", f"**{headline(p, t.id, lang)[1]}**", ""]
            parts += [f"{line}\n" for line in _paragraphs(p, t, lang)]
            parts += [md_table(target_table(p, t.id, lang)), ""]
        parts += [f"### {tx['about']}", ""] + [f"- {line}" for line in tx["about_lines"]] + [""]
    return "\n".join(parts)


_CSS = """
body { font-family: "Segoe UI", Arial, sans-serif; font-size: 11pt; max-width: 60em; margin: 1em auto; }
h1 { font-size: 16pt; } h2 { font-size: 14pt; border-bottom: 1px solid #999; } h3 { font-size: 12pt; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 10pt; }
th, td { border: 1px solid #bbb; padding: 2px 6px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.status-achieved { color: #1b7a2e; } .status-on_track { color: #1f5fa8; }
.status-off_track { color: #b03a2e; } .status-no_data { color: #666; }
.note { background: #fff4d6; padding: 0.4em 0.6em; }
section.lang-en { page-break-before: always; }
@media print { body { margin: 0; } }
@page { size: A4; margin: 14mm 12mm; }
"""


def render_html(p: Progress, *, charts: bool = True, reprojection: Reprojection | None = None) -> str:
    """The report as one self-contained HTML page (charts embedded), Vietnamese then English."""
    out = ["<!DOCTYPE html>", '<html lang="vi"><head><meta charset="utf-8">',
           f"<title>{html.escape(p.register.title['vi'])} / {html.escape(p.register.title['en'])}</title>",
           f"<style>{_CSS}</style></head><body>"]
    for lang in ("vi", "en"):
        tx = _TEXT[lang]
        out.append(f'<section lang="{lang}" class="lang-{lang}">')
        out.append(f"<h1>{html.escape(p.register.title[lang])}</h1>")
        out.append(f"<h2>{html.escape(tx['report'].format(year=p.report_year))}</h2>")
        for i, line in enumerate(_header_lines(p, lang)):
            out.append(f'<p{" class=note" if i else ""}>{html.escape(line)}</p>')
        out.append(f"<h2>{tx['summary']}</h2><p>{html.escape(summary_sentence(p, lang))}</p>")
        out.append(_html_table(summary_table(p, lang)))
        if reprojection is not None:
            out.append(f"<h2>{_REPROJECTION[lang]}</h2><p>{html.escape(reprojection.sentence(lang))}</p>")
            out.append(_html_table(projection_table(reprojection, lang)))
        for t in p.register.targets:
            status, sentence = headline(p, t.id, lang)
            out.append(f"<h3>{html.escape(t.label(lang))}</h3>")
            out.append(f'<p class="status-{status}"><strong>{html.escape(sentence)}</strong></p>')
            out += [f"<p>{html.escape(line)}</p>" for line in _paragraphs(p, t, lang)]
            if charts:
                alt = html.escape(t.label(lang))
                out.append(f'<img alt="{alt}" src="data:image/png;base64,{_png(target_chart(p, t.id, lang))}">')
            out.append(_html_table(target_table(p, t.id, lang)))
        out.append(f"<h2>{tx['about']}</h2><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in tx["about_lines"])
                   + "</ul></section>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(p: Progress, out_dir: str | Path, *, inputs: list[Path] | None = None,
                 overwrite: bool = False, pdf: Callable[[Path], None] | None = None,
                 reprojection: Reprojection | None = None) -> Path:
    """Write ``progress.csv``, ``progress_report.html``, ``progress_report.md`` and
    ``manifest.json`` as the result folder of ``planning monitor report``
    (:func:`planning.basics.outputs.write_result_folder`); everything is rendered before the first file
    is written. ``pdf(path)``, when given, may print ``progress_report.pdf`` beside the HTML
    (before the folder is sealed, so the PDF is part of the result)."""
    from planning.basics.manifest import build_manifest
    from planning.basics.outputs import write_result_folder

    csv_text = p.table.to_csv(index=False, lineterminator="\n")
    html_text, md_text = render_html(p, reprojection=reprojection), render_markdown(p, reprojection)
    # the re-projection is the report's only random part: its draws and seed are the run's
    manifest = build_manifest(inputs=inputs or [], seed=reprojection.seed if reprojection else 0,
                              draws=reprojection.draws if reprojection else 0,
                              extra={"command": "monitor report", "report_year": p.report_year})
    writers: dict[str, Callable[[Path], None]] = {
        "progress.csv": lambda f: f.write_text(csv_text, encoding="utf-8"),
        "progress_report.html": lambda f: f.write_text(html_text, encoding="utf-8"),
        "progress_report.md": lambda f: f.write_text(md_text, encoding="utf-8"),
    }
    if reprojection is not None:
        proj = reprojection.projection.to_csv(index=False, float_format="%.6g", lineterminator="\n")
        writers["projection.csv"] = lambda f: f.write_text(proj, encoding="utf-8")
    if pdf is not None:
        writers["progress_report.pdf"] = pdf
    return write_result_folder(out_dir, writers, command="monitor report", manifest=manifest, overwrite=overwrite)


# --------------------------------------------------------------------------- command line


def _say(lang: str | None, vi: str, en: str) -> str:
    return vi if lang == "vi" else en if lang == "en" else f"{vi} / {en}"


def cli_main(args: argparse.Namespace) -> int:
    """``planning monitor template --out FILE.xlsx`` and
    ``planning monitor report FILE.xlsx --out DIR [--year Y] [--data DIR] [--targets FILE]``.
    Exit 0 when done, 2 on input errors (every bad cell printed, nothing written)."""
    from planning.analyses.progress import compare
    from planning.basics.errors import PlanningInputError
    from planning.basics.outputs import check_target
    from planning.basics.paths import data_dir, shown_path
    from planning.stores.monitoring import read_monitoring, write_template
    from planning.stores.targets import load_targets
    from planning.stores.units import load_units

    lang = getattr(args, "lang", None)
    overwrite = getattr(args, "overwrite", False)
    data = Path(args.data) if getattr(args, "data", None) else data_dir()
    targets_file = Path(args.targets) if getattr(args, "targets", None) else data_dir() / "targets.yaml"
    try:
        register = load_targets(targets_file)
        units = load_units(data / "units.csv")
        if args.action == "template":
            out = write_template(args.out, register, units, overwrite=overwrite)
            print(_say(lang, f"Đã ghi mẫu sổ theo dõi: {shown_path(out)}",
                       f"Monitoring template written: {shown_path(out)}"))
            return 0
        check_target(Path(args.out), "monitor report", overwrite=overwrite)
        mon = read_monitoring(args.workbook, register, units)
        progress = compare(mon, data=data, units=units, year=args.year)
        inputs = [Path(args.workbook), targets_file, data / "baseline.csv", data / "plan.yaml", data / "units.csv"]
        scenario = Path(args.scenario) if getattr(args, "scenario", None) else (
            data_dir().parent / "scenarios" / "district_plan.yaml")
        reproj = None
        if scenario.is_file():
            from planning.analyses.reprojection import DRAWS, reproject

            draws = getattr(args, "draws", None) or DRAWS
            reproj = reproject(progress, scenario, data=Path(args.data) if getattr(args, "data", None) else None,
                               draws=draws)
            inputs.append(scenario)
        printed: list[str] = []
        out = write_report(progress, args.out, inputs=inputs, overwrite=overwrite,
                           pdf=lambda f: printed.append(_print_pdf(f, lang)), reprojection=reproj)
    except PlanningInputError as exc:
        print(_say(lang, "Lỗi dữ liệu đầu vào, chưa ghi tệp nào:", "Input error, nothing was written:"),
              file=sys.stderr)
        print(exc, file=sys.stderr)
        return 2
    for t in register.targets:
        for lg in (("vi", "en") if lang is None else (lang,)):
            print(headline(progress, t.id, lg)[1])
    if reproj is not None:
        for lg in (("vi", "en") if lang is None else (lang,)):
            print(reproj.sentence(lg))
    print(_say(lang, f"Đã ghi: {shown_path(out)} (progress.csv, progress_report.html, progress_report.md)",
               f"Written: {shown_path(out)} (progress.csv, progress_report.html, progress_report.md)"))
    for line in printed:
        print(line, file=sys.stderr if line.startswith("!") else sys.stdout)
    return 0


def _print_pdf(pdf_path: Path, lang: str | None) -> str:
    """Print ``progress_report.pdf`` from the HTML beside it with the system's Chromium; the
    line to show: written, or how to print the HTML instead
    (:data:`planning.frontends.printable.PDF_UNAVAILABLE`), or why it failed (starts with ``!``)."""
    from planning.frontends.printable import PDF_UNAVAILABLE, html_to_pdf

    try:
        pdf = html_to_pdf(pdf_path.with_name("progress_report.html"), pdf_path)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        return "! " + _say(lang, f"Chưa in được PDF: {exc}", f"No PDF was printed: {exc}")
    if pdf is None:
        return PDF_UNAVAILABLE
    return _say(lang, "Đã ghi: progress_report.pdf", "Written: progress_report.pdf")
