"""Batch runs of the scenario report notebook: one executed, exported report per scenario.

``run_batch`` executes ``notebooks/scenario_report.ipynb`` with papermill once per scenario
file, in parallel, and then builds the comparison (CSV, Excel, executed comparison notebook).
Layout of ``out_dir``::

    out_dir/
      batch.json                 the batch's own record (statuses, digests)
      comparison.csv             one row per successful scenario (machine-readable keys)
      comparison.xlsx            the same with Vietnamese or English headers, plus run status
      comparison.ipynb / .html   the executed comparison notebook (parameters batch_dir, lang)
      <scenario stem>/
        report.ipynb / .html     the executed report notebook (run metadata stripped)
        summary.csv, manifest.json, outcomes.json   written by the notebook (Result.write)
        error.txt                only for a failed scenario

Contract with the report notebook: its ``parameters`` cell defines ``scenario_path``,
``draws``, ``seed``, ``lang`` and ``out_dir``; it must write ``summary.csv`` and
``manifest.json`` into ``out_dir`` (``Result.write(out_dir)`` does, with ``outcomes.json``,
from which the comparison is built: the same rows as ``planning.compare``). ``draws`` and
``seed`` are None unless the batch overrides them: the notebook then uses the scenario's own.
The comparison notebook (parameters ``batch_dir``, ``lang``) runs after ``comparison.csv`` and
``comparison.xlsx`` exist, so it can read them and each ``<stem>/`` folder.

With ``executor="dask"`` and a ``scheduler`` address, the workers must see the same file
system as the caller (all paths handed to them are absolute).

Why the design is what it is (measured on the project's 2-core machines):

* Threads are the default pool: each papermill run drives its own kernel *process*, so
  threads already run notebooks in parallel; 2 workers is the sweet spot on 2 cores.
* Output folders follow :mod:`planning.basics.outputs`. Every scenario is executed into a work folder
  (``.planning-tmp-batch-<stem>-<random>/``) and put into place only when complete and sealed
  (its ``manifest.json`` lists the hash of every file): a rename for a new ``<stem>/``, else the
  batch's own files moved into the earlier result (files a person added stay). The batch folder
  itself is refused when it is neither new, empty nor an earlier batch (``overwrite`` lifts
  that), and so is a ``<stem>/`` that is not an earlier batch result; its ``manifest.json`` says
  ``"complete": false`` while the batch runs and lists every output when it ends, so
  ``planning verify`` tells a killed batch from a whole one. Only the batch's own work folders
  are ever removed (a later batch removes those of a process that is gone).
* A scenario is skipped when the digest of its inputs (scenario file and the files it depends
  on, the notebook, the package version and source, the parameters) equals the one stored in
  ``<stem>/manifest.json`` under ``batch.inputs_digest`` and the folder is whole
  (:func:`planning.basics.outputs.verify`).

This module is the public face (``run_batch``, ``BatchReport``, the command line) and plans
the batch; the parts live in :mod:`planning.frontends.batch_layout` (the folder's file names),
:mod:`planning.frontends.notebook_exec` (executing, stripping, exporting notebooks; atomic installs),
:mod:`planning.frontends.batch_jobs` (one scenario's job and the worker pools) and
:mod:`planning.frontends.comparison_workbook` (comparison.csv / comparison.xlsx). Their names are
re-exported here.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from planning.basics.errors import PlanningInputError
from planning.basics.hashing import file_sha256, json_digest
from planning.basics.manifest import build_manifest, package_version
from planning.basics.outputs import (
    begin_update,
    check_target,
    finish_update,
    work_folder,
)
from planning.basics.paths import PROJECT_ROOT, display_path
from planning.frontends import batch_plan

# The batch's parts live in their own modules; everything that was importable from
# planning.frontends.batch before the split is re-exported here (``X as X``), so it still is.
from planning.frontends.batch_jobs import _batch_manifest as _batch_manifest
from planning.frontends.batch_jobs import _execute_job as _execute_job
from planning.frontends.batch_jobs import _finish_report as _finish_report
from planning.frontends.batch_jobs import _run_dask as _run_dask
from planning.frontends.batch_jobs import _run_jobs as _run_jobs
from planning.frontends.batch_layout import _LOCK_NAME as _LOCK_NAME
from planning.frontends.batch_layout import _TMP_PREFIX as _TMP_PREFIX
from planning.frontends.batch_layout import BATCH_JSON as BATCH_JSON
from planning.frontends.batch_layout import COMPARISON_FILES as COMPARISON_FILES
from planning.frontends.batch_layout import ERROR_TXT as ERROR_TXT
from planning.frontends.batch_layout import MANIFEST_JSON as MANIFEST_JSON
from planning.frontends.batch_layout import OUTCOMES_JSON as OUTCOMES_JSON
from planning.frontends.batch_layout import REPORT_HTML as REPORT_HTML
from planning.frontends.batch_layout import REPORT_IPYNB as REPORT_IPYNB
from planning.frontends.batch_layout import REQUIRED_OUTPUTS as REQUIRED_OUTPUTS
from planning.frontends.batch_layout import SUMMARY_CSV as SUMMARY_CSV
from planning.frontends.batch_layout import Executor as Executor
from planning.frontends.batch_layout import Lang as Lang
from planning.frontends.batch_layout import ScenarioRun as ScenarioRun
from planning.frontends.batch_layout import Status as Status
from planning.frontends.batch_plan import _batch_lock as _batch_lock
from planning.frontends.batch_plan import _clean_stale as _clean_stale
from planning.frontends.batch_plan import _code_digest as _code_digest
from planning.frontends.batch_plan import _prepare_job as _prepare_job
from planning.frontends.batch_plan import _scenario_dependencies as _scenario_dependencies
from planning.frontends.batch_plan import _stored_digest as _stored_digest
from planning.frontends.batch_plan import _validate as _validate
from planning.frontends.batch_report import BatchReport as BatchReport
from planning.frontends.comparison_workbook import _STATUS_LABELS as _STATUS_LABELS
from planning.frontends.comparison_workbook import SHEET_NAMES as SHEET_NAMES
from planning.frontends.comparison_workbook import _comparison_frame as _comparison_frame
from planning.frontends.comparison_workbook import _header as _header
from planning.frontends.comparison_workbook import _outcomes_of as _outcomes_of
from planning.frontends.comparison_workbook import (
    write_comparison_tables as write_comparison_tables,
)
from planning.frontends.notebook_exec import _ANSI as _ANSI
from planning.frontends.notebook_exec import KERNEL_NAME as KERNEL_NAME
from planning.frontends.notebook_exec import _atomic_write as _atomic_write
from planning.frontends.notebook_exec import _execute as _execute
from planning.frontends.notebook_exec import _failure_message as _failure_message
from planning.frontends.notebook_exec import _strip_nb as _strip_nb
from planning.frontends.notebook_exec import export_html as export_html
from planning.frontends.notebook_exec import refresh_notebooks as refresh_notebooks
from planning.frontends.notebook_exec import strip_run_metadata as strip_run_metadata

__all__ = [
    "BatchReport",
    "ScenarioRun",
    "add_batch_arguments",
    "cli_main",
    "export_html",
    "refresh_notebooks",
    "run_batch",
    "strip_run_metadata",
    "write_comparison_tables",
]

log = logging.getLogger(__name__)

DEFAULT_NOTEBOOK: Path = PROJECT_ROOT / "notebooks" / "scenario_report.ipynb"
DEFAULT_COMPARISON_NOTEBOOK: Path = PROJECT_ROOT / "notebooks" / "comparison.ipynb"


# --------------------------------------------------------------------------------------------
# Results


# --------------------------------------------------------------------------------------------
# Comparison notebook


def _run_comparison_notebook(notebook: Path, out_root: Path, lang: Lang) -> str | None:
    """Execute the comparison notebook into ``out_root``; the error message, or None."""
    ipynb, html = out_root / COMPARISON_FILES["ipynb"], out_root / COMPARISON_FILES["html"]
    error = None
    with work_folder(ipynb, "batch", label="comparison") as work:
        tmp_nb, tmp_html = work / ipynb.name, work / html.name
        try:
            _execute(notebook, tmp_nb, {"batch_dir": str(out_root), "lang": lang},
                     cwd=notebook.parent)
        except Exception as exc:  # broad on purpose: reported in the BatchReport, exit code 1
            error = _failure_message(notebook, notebook, ipynb, exc,
                                     subject=("Sổ so sánh", "Comparison notebook"))
        if tmp_nb.exists():
            strip_run_metadata(tmp_nb)
            export_html(tmp_nb, tmp_html)
            os.replace(tmp_nb, ipynb)
            os.replace(tmp_html, html)
    return error


# --------------------------------------------------------------------------------------------
# Public entry points


def run_batch(
    scenarios: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    notebook: str | os.PathLike[str] = DEFAULT_NOTEBOOK,
    workers: int = 2,
    executor: Executor = "thread",
    scheduler: str | None = None,
    draws: int | None = None,
    seed: int | None = None,
    lang: Lang = "vi",
    comparison_notebook: str | os.PathLike[str] | None = DEFAULT_COMPARISON_NOTEBOOK,
    force: bool = False,
    progress: bool = True,
    check: bool | None = None,
    overwrite: bool = False,
) -> BatchReport:
    """Execute the report notebook for every scenario, then build the comparison.

    Args:
        scenarios: scenario YAML files; each one's stem names its output folder.
        out_dir: the batch's output folder (created if needed).
        notebook: the report notebook (parameters ``scenario_path``, ``draws``, ``seed``,
            ``lang``, ``out_dir``).
        workers: parallel notebook runs (2 is best on 2 cores).
        executor: ``"thread"`` (default; each run has its own kernel process anyway),
            ``"process"`` (spawned process pool) or ``"dask"`` (``distributed``).
        scheduler: with ``executor="dask"``, the address of a running scheduler; without it a
            ``LocalCluster`` of ``workers`` single-threaded processes is started.
        draws: Monte Carlo draws for every scenario (None: each scenario's own).
        seed: random seed for every scenario (None: each scenario's own).
        lang: language of the notebooks' text and of the Excel headers.
        comparison_notebook: notebook run on the finished batch (parameters ``batch_dir``,
            ``lang``); None skips it. The default is skipped with a note when it does not exist.
        force: re-run every scenario even when its inputs are unchanged.
        progress: show a tqdm progress bar on stderr.
        check: check every scenario (data, table, overrides, calibration) before anything
            runs or is written; None: when ``notebook`` is the shipped scenario report.
        overwrite: write into ``out_dir`` (and its ``<stem>/`` folders) even when it is not an
            earlier batch result; only the batch's own files are replaced.

    Returns:
        A :class:`BatchReport`; ``report.exit_code`` is 1 when any scenario or the comparison
        failed. A failing scenario does not stop the others.

    Raises:
        PlanningInputError: bad arguments (missing files, two scenarios with the same name,
            unknown executor or language, another batch writing to ``out_dir``, a bad value
            in a scenario or its data when checked), or an ``out_dir`` (or ``<stem>/`` in it)
            the batch may not write into (:class:`planning.basics.outputs.OutputRefused`), before
            anything is written.
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    nb_path = Path(notebook).resolve()
    paths = _validate(scenarios, nb_path, workers, executor, lang)
    if check or (check is None and nb_path == DEFAULT_NOTEBOOK.resolve()):
        from planning.frontends.validate import check_scenarios

        check_scenarios(paths)  # a bad input: one clear error, nothing written
    notes: list[str] = []
    cmp_nb: Path | None = None
    if comparison_notebook is not None:
        cmp_nb = Path(comparison_notebook).resolve()
        if not cmp_nb.is_file():
            if Path(comparison_notebook) == DEFAULT_COMPARISON_NOTEBOOK:
                notes.append(
                    f"chưa có sổ so sánh {display_path(cmp_nb)}, bỏ qua / comparison notebook "
                    f"{display_path(cmp_nb)} does not exist yet, skipped"
                )
                cmp_nb = None
            else:
                raise PlanningInputError(cmp_nb, "comparison_notebook", "an existing notebook file",
                                         message_vi=f"không tìm thấy sổ so sánh {cmp_nb}")

    out_root = Path(out_dir).resolve()
    check_target(out_root, "batch", overwrite=overwrite)
    for p in paths:
        check_target(out_root / p.stem, "batch", overwrite=overwrite)
    out_root.mkdir(parents=True, exist_ok=True)
    version, code = package_version(), batch_plan._code_digest()  # module attribute: tests replace it
    parameters = {"draws": draws, "seed": seed, "lang": lang}

    with _batch_lock(out_root):
        notes.extend(_clean_stale(out_root))
        for p in paths:  # a scenario folder that held something had its work folder inside
            notes.extend(_clean_stale(out_root / p.stem))
        record = build_manifest(inputs=[*paths, nb_path], seed=seed, draws=draws,
                                extra={"lang": lang, "scenarios": [p.stem for p in paths]})
        previous = begin_update(out_root, "batch", record)  # "complete": false until the end
        jobs = [dict(_prepare_job(p, nb_path, out_root, parameters, version, code), overwrite=overwrite)
                for p in paths]
        results: dict[str, dict[str, Any]] = {}
        todo = []
        for job in jobs:
            if not force and _stored_digest(out_root / job["name"]) == job["digest"]:
                results[job["name"]] = {"name": job["name"], "status": "skipped", "seconds": 0.0,
                                        "error": None}
            else:
                todo.append(job)

        bar = tqdm(total=len(jobs), initial=len(jobs) - len(todo), disable=not progress,
                   desc="Kịch bản / scenarios", unit="kb", file=sys.stderr)

        def on_result(res: dict[str, Any]) -> None:
            results[res["name"]] = res
            if res["status"] == "failed" and res.get("error"):
                if progress:  # above the bar, as it happens
                    bar.write(res["error"], file=sys.stderr)
                else:
                    log.warning("%s", res["error"])
            bar.set_postfix_str(res["name"])
            bar.update(1)

        try:
            _run_jobs(todo, executor, workers, scheduler, on_result)
        finally:
            bar.close()

        runs = [
            ScenarioRun(
                scenario=Path(job["scenario"]),
                name=job["name"],
                status=results[job["name"]]["status"],
                out_dir=out_root / job["name"],
                inputs_digest=job["digest"],
                seconds=float(results[job["name"]]["seconds"]),
                error=results[job["name"]]["error"],
            )
            for job in jobs
        ]
        report = BatchReport(out_dir=out_root, runs=runs, notes=notes)
        _compare(report, cmp_nb, lang, code)
        report.seconds = time.perf_counter() - t0
        _write_batch_json(report, lang)
        finish_update(out_root, "batch", _batch_outputs(report), previous, record,
                      stale=lambda name: "/" not in name)  # other scenarios' folders are kept
    return report


def _batch_outputs(report: BatchReport) -> list[str]:
    """What the batch folder's manifest lists: batch.json, the comparison files and every file
    of this batch's scenario folders (each listed in that folder's own manifest)."""
    names = [BATCH_JSON, *(p.name for p in report.comparison.values())]
    for r in report.runs:
        inner = _read_json(r.out_dir / MANIFEST_JSON).get("outputs") or {}
        names += [f"{r.name}/{MANIFEST_JSON}", *(f"{r.name}/{n}" for n in inner)]
    return names


def _compare(report: BatchReport, cmp_nb: Path | None, lang: Lang, code: str) -> None:
    """Comparison tables and notebook, skipped when nothing they read has changed."""
    out_root = report.out_dir
    good = [r for r in report.runs if r.status != "failed"]
    if not good:
        report.notes.append("không có kịch bản nào thành công để so sánh / no successful "
                            "scenario to compare")
        return
    digest = json_digest({
        "scenarios": [[r.name, r.inputs_digest] for r in good],
        "status": [[r.name, r.status == "failed"] for r in report.runs],
        "notebook": file_sha256(cmp_nb) if cmp_nb else None,
        "lang": lang,
        "code": code,
    })
    wanted = ["csv", "xlsx"] + (["ipynb", "html"] if cmp_nb else [])
    previous = _read_json(out_root / BATCH_JSON).get("comparison", {}) or {}
    if (previous.get("inputs_digest") == digest and not previous.get("error")
            and all((out_root / COMPARISON_FILES[k]).exists() for k in wanted)):
        report.comparison = {k: out_root / COMPARISON_FILES[k] for k in wanted}
        report.notes.append("so sánh không đổi, bỏ qua / comparison unchanged, skipped")
        report.comparison_digest = digest
        return
    try:
        frame = _comparison_frame([r.out_dir for r in good], lang)
        report.comparison.update(write_comparison_tables(frame, out_root, lang=lang,
                                                         runs=report.runs))
    except Exception as exc:  # broad on purpose: e.g. a notebook wrote an unreadable outcomes.json
        report.comparison_error = (f"Không lập được bảng so sánh / could not build the "
                                   f"comparison tables: {type(exc).__name__}: {exc}")
        return
    if cmp_nb is not None:
        report.comparison_error = _run_comparison_notebook(cmp_nb, out_root, lang)
        for k in ("ipynb", "html"):
            if (out_root / COMPARISON_FILES[k]).exists():
                report.comparison[k] = out_root / COMPARISON_FILES[k]
    report.comparison_digest = digest


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_batch_json(report: BatchReport, lang: Lang) -> None:
    data = report.to_dict()
    data.pop("seconds", None)  # keep the record stable across identical re-runs
    for run in data["runs"]:
        run.pop("seconds", None)
    data["lang"] = lang
    data["comparison"] = {
        "files": sorted(p.name for p in report.comparison.values()),
        "inputs_digest": report.comparison_digest,
        "error": report.comparison_error,
    }
    data.pop("comparison_error", None)
    data.pop("notes", None)
    path = report.out_dir / BATCH_JSON
    _atomic_write(path, lambda p: p.write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"))



# --------------------------------------------------------------------------------------------
# Command line


def add_batch_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``planning batch`` arguments to ``parser`` (for cli.py's sub-command)."""
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                        help="tệp kịch bản (YAML hoặc sổ tính .xlsx) / scenario files (.yaml or .xlsx workbooks)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="thư mục kết quả / output folder")
    parser.add_argument("--workers", type=int, default=2,
                        help="số sổ chạy song song / notebooks run in parallel (default 2)")
    parser.add_argument("--notebook", default=str(DEFAULT_NOTEBOOK), metavar="NB",
                        help="sổ báo cáo / report notebook")
    parser.add_argument("--executor", choices=["process", "thread", "dask"], default="thread",
                        help="cách chạy song song / parallel backend (default thread)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="địa chỉ dask scheduler / dask scheduler address (with --executor dask)")
    parser.add_argument("--draws", type=int, default=None,
                        help="số lần mô phỏng / Monte Carlo draws (default: the scenario's)")
    parser.add_argument("--lang", choices=["vi", "en"], default="vi",
                        help="ngôn ngữ / language (default vi)")
    parser.add_argument("--force", action="store_true",
                        help="chạy lại tất cả / re-run unchanged scenarios too")
    parser.add_argument("--overwrite", action="store_true",
                        help="ghi vào thư mục không phải kết quả trước của lệnh (chỉ thay tệp của lệnh) / write "
                             "into a folder that is not an earlier batch (only the batch's own files are replaced)")
    return parser


def cli_main(args: argparse.Namespace) -> int:
    """``planning batch``: run the batch, print the summary; 0 ok, 1 something failed, 2 bad input."""
    lang: Lang = getattr(args, "lang", None) or "vi"
    try:
        report = run_batch(
            [Path(s) for s in args.scenarios],
            Path(args.out),
            notebook=Path(getattr(args, "notebook", None) or DEFAULT_NOTEBOOK),
            workers=getattr(args, "workers", None) or 2,
            executor=getattr(args, "executor", None) or "thread",
            scheduler=getattr(args, "scheduler", None),
            draws=getattr(args, "draws", None),
            lang=lang,
            force=bool(getattr(args, "force", False)),
            progress=True,
            overwrite=bool(getattr(args, "overwrite", False)),
        )
    except PlanningInputError as exc:
        print(f"Lỗi / error: {exc}", file=sys.stderr)
        return 2
    # Each failure's full message was already printed as it happened (run_batch, on stderr);
    # the summary points at the error.txt files that keep it.
    print(report.text(lang))
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m planning.frontends.batch``: ``run ...`` (as ``planning batch``) or ``refresh NB...``."""
    parser = argparse.ArgumentParser(prog="python -m planning.frontends.batch", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add_batch_arguments(sub.add_parser("run", help="chạy lô kịch bản / run a batch"))
    refresh = sub.add_parser("refresh", help="chạy lại sổ tại chỗ / re-execute notebooks in place")
    refresh.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "run":
        return cli_main(args)
    failed = 0
    for nb in args.notebooks:
        try:
            refresh_notebooks([nb])
        except RuntimeError as exc:
            failed += 1
            print(exc, file=sys.stderr)
        else:
            print(f"đã chạy lại / refreshed: {nb}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
