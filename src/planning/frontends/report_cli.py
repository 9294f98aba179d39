"""``planning report``: the printable reports for the People's Committee, in HTML and PDF.

For each scenario file it runs the report notebooks (papermill) in Vietnamese and in English and
writes one bilingual document each — the Vietnamese part, then the English part on a new page,
each in its own number style — with no code, prompts, paths or program words
(:mod:`planning.frontends.printable`)::

    out_dir/
      <scenario>/report.html, report.pdf                  the scenario report
      <scenario>/what_it_takes.html, what_it_takes.pdf    what it would take to reach < 1 %
      <scenario>/summary.csv, outcomes.json, …            the figures behind them (Result.write)
      comparison.html, comparison.pdf                     with two scenarios or more
      comparison.csv, comparison.xlsx (Vietnamese), comparison_en.xlsx (English)

``--lang vi`` or ``--lang en`` writes one language only. Without Chromium the HTML files are
written and the command says how to print them (:data:`planning.frontends.printable.PDF_UNAVAILABLE`).
The progress report of ``planning monitor report`` is printed the same way by that command.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planning.basics.errors import PlanningInputError
from planning.basics.i18n import Lang
from planning.basics.paths import PROJECT_ROOT, shown_path
from planning.frontends.printable import (
    PDF_UNAVAILABLE,
    bilingual_notebook,
    export_printable_html,
    html_to_pdf,
    planner_problems,
)

__all__ = ["ReportSet", "cli_main", "make_reports"]

NOTEBOOKS = PROJECT_ROOT / "notebooks"
_TITLES: dict[str, dict[str, str]] = {
    "report": {"vi": "Báo cáo kịch bản", "en": "Scenario report"},
    "what_it_takes": {"vi": "Cần gì để đạt dưới 1%", "en": "What it would take to reach below 1%"},
    "comparison": {"vi": "So sánh kịch bản", "en": "Scenario comparison"},
}


@dataclass
class ReportSet:
    """What :func:`make_reports` wrote."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    pdf: bool = True
    """False when Chromium was missing (HTML only)."""
    errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Anything a planner must not see that was found in an exported page (none expected)."""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.problems


def _langs(lang: str) -> tuple[Lang, ...]:
    if lang == "both":
        return ("vi", "en")
    if lang in ("vi", "en"):
        return (lang,)  # type: ignore[return-value]
    raise PlanningInputError("report", "lang", "vi, en or both", lang, message_vi=f"ngôn ngữ phải là vi, en hoặc both: {lang}")


def _run(job: tuple[Path, Path, dict[str, Any]]) -> str | None:
    """Execute one notebook; the error message, or None."""
    from planning.frontends.notebook_exec import _execute, _failure_message

    notebook, output, params = job
    try:
        _execute(notebook, output, params, cwd=notebook.parent)
    except Exception as exc:  # broad on purpose: reported per report, the others go on
        scen = Path(params.get("scenario_path") or params.get("batch_dir") or notebook)
        return _failure_message(scen, notebook, output, exc, subject=("Báo cáo", "Report"))
    return None


def _publish(runs: Sequence[Path], html_path: Path, kind: str, langs: Sequence[Lang], pdf: bool,
             result: ReportSet) -> None:
    """One document from the language runs: HTML (checked for planner problems) and PDF.
    ``html_path`` lies in the work folder; ``result.files`` keeps it, moved to the output folder
    once the result is installed."""
    import nbformat

    nbs = [nbformat.read(p, as_version=4) for p in runs]
    nb = bilingual_notebook(nbs[0], nbs[1]) if len(nbs) == 2 else nbs[0]
    title = " / ".join(_TITLES[kind][lg] for lg in langs)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    text = export_printable_html(nb, html_path, title=title, lang=langs[0])
    result.files.append(html_path)
    shown = html_path.relative_to(html_path.parents[1]) if kind != "comparison" else Path(html_path.name)
    result.problems += [f"{shown.as_posix()}: {p}" for p in planner_problems(text)]
    if pdf and result.pdf:
        made = html_to_pdf(html_path, html_path.with_suffix(".pdf"))
        if made is None:
            result.pdf = False
        else:
            result.files.append(made)


def make_reports(scenarios: Sequence[str | Path], out_dir: str | Path, *, lang: str = "both",
                 draws: int | None = None, seed: int | None = None, what_it_takes: bool = True,
                 comparison: bool = True, pdf: bool = True, workers: int = 2,
                 overwrite: bool = False) -> ReportSet:
    """Write the printable reports of ``scenarios`` into ``out_dir`` (module docstring), as the
    result folder of ``planning report`` (:mod:`planning.basics.outputs`: everything is made in a work
    folder and put into place at the end; a folder that is not an earlier result of
    ``planning report`` is refused unless ``overwrite``; other files in it are never touched).

    ``draws``/``seed`` override the scenarios' own (the what-it-takes report uses at most 500
    draws: its cost curve runs the model about 60 times). Raises :class:`PlanningInputError`
    for a missing scenario file, two scenarios with the same name or an unknown language.
    """
    from planning.basics.manifest import build_manifest
    from planning.basics.outputs import check_target, install, seal, work_folder
    from planning.frontends.comparison_workbook import _comparison_frame, write_comparison_tables

    langs = _langs(lang)
    paths = [Path(s).resolve() for s in scenarios]
    if not paths:
        raise PlanningInputError("report", "scenarios", "at least one scenario file", message_vi="cần ít nhất một tệp kịch bản")
    for p in paths:
        if not p.is_file():
            raise PlanningInputError(p, "scenarios", "an existing scenario file", message_vi=f"không tìm thấy tệp kịch bản {p}")
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise PlanningInputError("report", "scenarios", "scenario files with distinct names", ", ".join(stems),
                                 message_vi="hai tệp kịch bản trùng tên")
    out = Path(out_dir).resolve()
    check_target(out, "report", overwrite=overwrite)
    result = ReportSet(out_dir=out)
    with work_folder(out, "report") as work:
        tmp, res = work / "notebooks", work / "result"
        tmp.mkdir()
        res.mkdir()
        jobs: list[tuple[Path, Path, dict[str, Any]]] = []
        later: list[tuple[Path, Path, dict[str, Any]]] = []
        for p in paths:
            for k, lg in enumerate(langs):
                jobs.append((NOTEBOOKS / "scenario_report.ipynb", tmp / f"{p.stem}-report-{lg}.ipynb",
                             {"scenario_path": str(p), "draws": draws, "seed": seed, "lang": lg,
                              "out_dir": str(res / p.stem) if k == 0 else None}))
                if what_it_takes:
                    # one answer per scenario: the first language's run saves it, the others
                    # (queued last, so that it is there by then) read it
                    wit = {"scenario_path": str(p), "draws": min(draws or 500, 500), "seed": seed or 20261126,
                           "lang": lg, "saved": str(tmp / f"{p.stem}-wit.pickle")}
                    (jobs if k == 0 else later).append((NOTEBOOKS / "what_it_takes.ipynb",
                                                        tmp / f"{p.stem}-wit-{lg}.ipynb", wit))
        jobs += later
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            outcome = dict(zip([j[1] for j in jobs], pool.map(_run, jobs), strict=True))
        result.errors += [e for e in outcome.values() if e]
        done = {path for path, error in outcome.items() if error is None}  # a failed run is never printed
        for p in paths:
            for kind, stem in (("report", "report"), ("what_it_takes", "wit")):
                runs = [tmp / f"{p.stem}-{stem}-{lg}.ipynb" for lg in langs]
                if (kind == "report" or what_it_takes) and all(r in done for r in runs):
                    _publish(runs, res / p.stem / f"{kind}.html", kind, langs, pdf, result)
        good = [res / p.stem for p in paths if (res / p.stem / "outcomes.json").exists()]
        if comparison and len(good) >= 2:
            for lg in reversed(langs):  # the first language's workbook last: it keeps the plain name
                files = write_comparison_tables(_comparison_frame(good, lg), res, lang=lg)
                if lg != langs[0]:
                    shutil.move(files["xlsx"], res / f"comparison_{lg}.xlsx")
                    result.files.append(res / f"comparison_{lg}.xlsx")
                else:
                    result.files += [files["csv"], files["xlsx"]]
            cmp_jobs = [(NOTEBOOKS / "comparison.ipynb", tmp / f"comparison-{lg}.ipynb",
                         {"batch_dir": str(res), "lang": lg}) for lg in langs]
            errors = [e for e in map(_run, cmp_jobs) if e]
            result.errors += errors
            if not errors:
                runs = [j[1] for j in cmp_jobs]
                _publish(runs, res / "comparison.html", "comparison", langs, pdf, result)
        seal(res, "report", build_manifest(
            inputs=paths, seed=seed, draws=draws,  # None: each scenario's own
            extra={"lang": lang, "what_it_takes": what_it_takes, "reports_failed": len(result.errors)}))
        install(res, out, "report", overwrite=overwrite)
        result.files = [out / f.relative_to(res) for f in result.files]
    return result


def add_report_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The ``planning report`` arguments (cli.py's sub-command)."""
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="tệp kịch bản / scenario files (YAML)")
    parser.add_argument("--out", required=True, metavar="DIR", help="thư mục kết quả / output folder")
    parser.add_argument("--lang", choices=("both", "vi", "en"), default="both",
                        help="ngôn ngữ / language (default both: Vietnamese, then English)")
    parser.add_argument("--draws", type=int, default=None, help="số lần mô phỏng / draws (default: the scenario's)")
    parser.add_argument("--seed", type=int, default=None, help="hạt giống / random seed (default: the scenario's)")
    parser.add_argument("--no-pdf", action="store_true", help="chỉ HTML / HTML only")
    parser.add_argument("--no-what-it-takes", action="store_true",
                        help="bỏ báo cáo 'cần gì để đạt dưới 1%%' / leave out the what-it-takes report")
    parser.add_argument("--workers", type=int, default=2, help="số sổ chạy song song / notebooks in parallel")
    parser.add_argument("--overwrite", action="store_true",
                        help="ghi vào thư mục không phải kết quả trước của lệnh này (chỉ thay tệp của lệnh) / write "
                             "into a folder that is not an earlier result of this command (only its own files are replaced)")
    return parser


def cli_main(args: argparse.Namespace) -> int:
    """``planning report``: 0 done, 1 a report failed, 2 bad input."""
    try:
        res = make_reports(args.scenarios, args.out, lang=args.lang, draws=args.draws, seed=args.seed,
                           what_it_takes=not args.no_what_it_takes, pdf=not args.no_pdf, workers=args.workers,
                           overwrite=getattr(args, "overwrite", False))
    except PlanningInputError as exc:
        print(f"Lỗi / error: {exc}", file=sys.stderr)
        return 2
    for f in res.files:
        print(f"Đã ghi / written: {shown_path(f)}")
    if not args.no_pdf and not res.pdf:
        print(PDF_UNAVAILABLE)
    for e in res.errors:
        print(e, file=sys.stderr)
    for p in res.problems:
        print(f"Cần sửa / to fix: {p}", file=sys.stderr)
    return 0 if res.ok else 1
