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
* Every scenario is executed into ``out_dir/.tmp-<stem>-<pid>`` and moved into place with
  ``os.replace`` only when complete, so a killed batch never leaves a half-written report;
  leftovers are cleaned (or, for a completed-but-not-yet-swapped folder, restored) at the
  start of the next batch.
* A scenario is skipped when the digest of its inputs (scenario file and the files it depends
  on, the notebook, the package version and source, the parameters) equals the one stored in
  ``<stem>/manifest.json`` under ``batch.inputs_digest``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

from planning.errors import PlanningInputError
from planning.hashing import file_sha256, inputs_digest, json_digest
from planning.manifest import package_version, write_manifest
from planning.paths import PROJECT_ROOT, display_path

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

Executor = Literal["process", "thread", "dask"]
Lang = Literal["vi", "en"]
Status = Literal["ok", "skipped", "failed"]

DEFAULT_NOTEBOOK: Path = PROJECT_ROOT / "notebooks" / "scenario_report.ipynb"
DEFAULT_COMPARISON_NOTEBOOK: Path = PROJECT_ROOT / "notebooks" / "comparison.ipynb"
KERNEL_NAME = "python3"

REPORT_IPYNB = "report.ipynb"
REPORT_HTML = "report.html"
SUMMARY_CSV = "summary.csv"
MANIFEST_JSON = "manifest.json"
OUTCOMES_JSON = "outcomes.json"
ERROR_TXT = "error.txt"
BATCH_JSON = "batch.json"
COMPARISON_FILES = {
    "csv": "comparison.csv",
    "xlsx": "comparison.xlsx",
    "ipynb": "comparison.ipynb",
    "html": "comparison.html",
}
# What must be in a scenario folder for it to count as complete (and be skippable).
REQUIRED_OUTPUTS = (REPORT_IPYNB, REPORT_HTML, SUMMARY_CSV, MANIFEST_JSON)

# Leftovers of an interrupted batch; see _clean_stale.
_TMP_PREFIX = ".tmp-"
_OLD_PREFIX = ".old-"
_LOCK_NAME = ".batch.lock"

# Excel sheet names: at most 31 characters and none of []:*?/\ (checked in the tests).
SHEET_NAMES: dict[str, dict[str, str]] = {
    "comparison": {"vi": "So sánh kịch bản", "en": "Scenario comparison"},
    "runs": {"vi": "Trạng thái chạy", "en": "Run status"},
}
_STATUS_LABELS: dict[str, dict[str, str]] = {
    "ok": {"vi": "đã chạy", "en": "ran"},
    "skipped": {"vi": "bỏ qua (không đổi)", "en": "skipped (unchanged)"},
    "failed": {"vi": "lỗi", "en": "failed"},
}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ScenarioRun:
    """What happened to one scenario in a batch."""

    scenario: Path
    """The scenario file (absolute)."""
    name: str
    """The scenario's stem, which is also its output folder's name."""
    status: Status
    out_dir: Path
    """``<batch out_dir>/<name>``."""
    inputs_digest: str
    seconds: float = 0.0
    error: str | None = None
    """Bilingual message naming the scenario file and the failing cell (failed runs only)."""


@dataclass
class BatchReport:
    """The outcome of :func:`run_batch`."""

    out_dir: Path
    runs: list[ScenarioRun]
    comparison: dict[str, Path] = field(default_factory=dict)
    """Comparison files that exist after the batch (keys: csv, xlsx, ipynb, html)."""
    comparison_error: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    comparison_digest: str | None = None
    """Digest of what the comparison read; a re-run with the same one skips the comparison."""

    def _with(self, status: Status) -> list[ScenarioRun]:
        return [r for r in self.runs if r.status == status]

    @property
    def ran(self) -> list[ScenarioRun]:
        """Scenarios executed successfully in this batch."""
        return self._with("ok")

    @property
    def skipped(self) -> list[ScenarioRun]:
        """Scenarios whose outputs were up to date."""
        return self._with("skipped")

    @property
    def failed(self) -> list[ScenarioRun]:
        """Scenarios whose notebook failed (their folder holds report.ipynb and error.txt)."""
        return self._with("failed")

    @property
    def ok(self) -> bool:
        """True when no scenario and no comparison step failed."""
        return not self.failed and self.comparison_error is None

    @property
    def exit_code(self) -> int:
        """0 when everything succeeded, 1 when something failed (the CLI's status)."""
        return 0 if self.ok else 1

    def text(self, lang: Lang = "vi") -> str:
        """A short human summary, one line per scenario, in ``lang`` (with English after it for vi)."""
        lines = []
        for r in self.runs:
            status = _STATUS_LABELS[r.status][lang]
            if lang == "vi":
                status += f" / {_STATUS_LABELS[r.status]['en']}"
            extra = f" ({r.seconds:.1f} s)" if r.status == "ok" else ""
            if r.status == "failed":
                extra = f" → {display_path(r.out_dir / ERROR_TXT)}"
            lines.append(f"  {r.name}: {status}{extra}")
        n_ok, n_skip, n_fail = len(self.ran), len(self.skipped), len(self.failed)
        head = {
            "vi": (f"Lô {self.out_dir}: {n_ok} đã chạy, {n_skip} bỏ qua, {n_fail} lỗi "
                   f"/ Batch {self.out_dir}: {n_ok} ran, {n_skip} skipped, {n_fail} failed"),
            "en": f"Batch {self.out_dir}: {n_ok} ran, {n_skip} skipped, {n_fail} failed",
        }[lang]
        tail = []
        if self.comparison_error:
            tail.append(self.comparison_error)
        tail.extend(self.notes)
        return "\n".join([head, *lines, *tail])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (paths relative to ``out_dir``)."""
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "runs": [
                {
                    "name": r.name,
                    "scenario": display_path(r.scenario),
                    "status": r.status,
                    "inputs_digest": r.inputs_digest,
                    "seconds": round(r.seconds, 3),
                    "error": r.error,
                }
                for r in self.runs
            ],
            "comparison": {k: v.name for k, v in self.comparison.items()},
            "comparison_error": self.comparison_error,
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------------------------
# Notebook helpers


def strip_run_metadata(path: str | os.PathLike[str]) -> None:
    """Remove per-run metadata from an executed notebook, in place.

    papermill and nbclient stamp times, durations and random ids (the injected-parameters
    cell's id, widget model state) into the notebook; without them two runs with the same
    inputs give byte-identical files, which keeps diffs and nbval references meaningful.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    _strip_nb(nb)
    nbformat.write(nb, path)


def _strip_nb(nb: Any) -> None:
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"


def export_html(notebook: str | os.PathLike[str], html: str | os.PathLike[str]) -> None:
    """Export an executed notebook to a standalone HTML file (nbconvert's lab template)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    body, _ = HTMLExporter().from_notebook_node(nb)
    Path(html).write_text(body, encoding="utf-8")


def _execute(notebook: Path, output: Path, parameters: dict[str, Any], cwd: Path) -> None:
    import papermill as pm

    pm.execute_notebook(
        str(notebook),
        str(output),
        parameters=parameters,
        kernel_name=KERNEL_NAME,
        progress_bar=False,
        log_output=False,
        # Not papermill's cwd=: it os.chdir()s the whole process, and two threads doing that
        # at once leave the batch (and kernels started meanwhile) in the wrong folder. nbclient
        # starts the kernel in resources.metadata.path instead, per notebook.
        resources={"metadata": {"path": str(cwd)}},
        # The default graceful shutdown sometimes waits 2.5 s for a SIGINT'ed kernel.
        shutdown_kernel="immediate",
    )


def _failure_message(
    scenario: Path,
    notebook: Path,
    report: Path,
    exc: BaseException,
    subject: tuple[str, str] = ("Kịch bản", "Scenario"),
) -> str:
    """Bilingual message naming the input file (``subject``: vi, en words for it) and the
    failing cell."""
    from papermill.exceptions import PapermillExecutionError

    scen = display_path(scenario)
    if isinstance(exc, PapermillExecutionError):
        where = f"In [{exc.exec_count}]"
        detail = f"{exc.ename}: {_ANSI.sub('', str(exc.evalue))}"
        source = "\n".join("    " + line for line in str(exc.source).splitlines())
        cell = f"\n  Ô lỗi / failing cell:\n{source}" if source else ""
    else:
        where = "?"
        detail = f"{type(exc).__name__}: {_ANSI.sub('', str(exc))}"
        cell = ""
    return (
        f"{subject[0]} {scen} thất bại ở ô {where} của {notebook.name} "
        f"/ {subject[1]} {scen} failed at cell {where} of {notebook.name}\n"
        f"  {detail}{cell}\n"
        f"  Xem / see: {display_path(report)}"
    )


# --------------------------------------------------------------------------------------------
# One scenario (runs in a worker thread, process or dask worker: arguments are plain data)


def _execute_job(job: dict[str, Any]) -> dict[str, Any]:
    """Execute, export and install one scenario's report; never raises for notebook errors.

    Returns a picklable dict ``{name, status, seconds, error}``. A ``BaseException``
    (interrupt, killed worker) propagates and leaves only a ``.tmp-`` folder behind.
    """
    t0 = time.perf_counter()
    name: str = job["name"]
    scenario = Path(job["scenario"])
    notebook = Path(job["notebook"])
    root = Path(job["out_root"])
    final = root / name
    tmp = root / f"{_TMP_PREFIX}{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)

    parameters = dict(job["parameters"], out_dir=str(tmp))
    report = tmp / REPORT_IPYNB
    error: str | None = None
    try:
        _execute(notebook, report, parameters, cwd=notebook.parent)
    except Exception as exc:  # broad on purpose: any notebook/kernel error is this scenario's failure
        error = _failure_message(scenario, notebook, final / REPORT_IPYNB, exc)

    if report.exists():
        _finish_report(report, tmp, final)
        try:
            export_html(report, tmp / REPORT_HTML)
        except Exception as exc:  # broad on purpose: a report that cannot be exported is incomplete
            error = error or (
                f"Không xuất được HTML cho kịch bản {display_path(scenario)} "
                f"/ HTML export failed for scenario {display_path(scenario)}: {exc}"
            )
    if error is None:
        missing = [f for f in (SUMMARY_CSV, MANIFEST_JSON) if not (tmp / f).exists()]
        if missing:
            error = (
                f"Sổ {notebook.name} không ghi {', '.join(missing)} cho kịch bản "
                f"{display_path(scenario)} (cần gọi Result.write(out_dir)) / Notebook "
                f"{notebook.name} did not write {', '.join(missing)} for scenario "
                f"{display_path(scenario)} (it must call Result.write(out_dir))"
            )

    status: Status = "failed" if error else "ok"
    if error:
        (tmp / ERROR_TXT).write_text(error + "\n", encoding="utf-8")
    _add_batch_section(tmp / MANIFEST_JSON, job, status, final)
    _install(tmp, final)
    return {"name": name, "status": status, "seconds": time.perf_counter() - t0, "error": error}


def _finish_report(report: Path, tmp: Path, final: Path) -> None:
    """Strip run metadata and show the final folder, not the temp one, in the parameters cell.

    The notebook really wrote into the temp folder, but that folder no longer exists once the
    batch has finished; the pid-bearing name would also make every re-run differ.
    """
    import nbformat

    nb = nbformat.read(report, as_version=4)
    _strip_nb(nb)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace(repr(str(tmp)), repr(str(final)))
            cell.source = cell.source.replace(str(tmp), str(final))
    nbformat.write(nb, report)


def _add_batch_section(manifest: Path, job: dict[str, Any], status: Status, final: Path) -> None:
    """Add the ``batch`` section to the notebook's manifest (or create one for a failure)."""
    data: dict[str, Any] = {}
    if manifest.exists():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}  # a manifest the notebook half-wrote before failing is replaced
    params = dict(job["parameters"])
    params["scenario_path"] = display_path(params["scenario_path"])
    params["out_dir"] = display_path(final)
    data["batch"] = {
        "status": status,
        "inputs_digest": job["digest"],
        "notebook": display_path(job["notebook"]),
        "parameters": params,
        "inputs": job["inputs"],
        "package_version": job["package_version"],
        "code_digest": job["code_digest"],
    }
    write_manifest(manifest, data)  # the same stable layout as Result.write's


def _install(tmp: Path, final: Path) -> None:
    """Move a complete temp folder into place, replacing an older result.

    ``os.replace`` cannot replace a non-empty directory, so the old one is first renamed
    aside; if the process dies between the two renames, ``_clean_stale`` restores it.
    """
    old = final.parent / f"{_OLD_PREFIX}{final.name}-{os.getpid()}"
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Planning the batch


def _code_digest() -> str:
    """Digest of the package's source: an editable install keeps its version number while
    the engine changes, and a changed engine must re-run the scenarios."""
    return inputs_digest(sorted(Path(__file__).resolve().parent.rglob("*.py")))


def _scenario_dependencies(scenario: Path) -> list[Path]:
    """The scenario file and every file it depends on (``planning.scenario_inputs``)."""
    try:
        from planning import scenario_inputs
    except ImportError:
        return [scenario]
    try:
        deps = [Path(p) for p in scenario_inputs(scenario)]
    except Exception:  # broad on purpose: an invalid scenario fails in its notebook, with the real message
        return [scenario]
    return [scenario, *(p for p in deps if p.resolve() != scenario)]


def _prepare_job(
    scenario: Path,
    notebook: Path,
    out_root: Path,
    parameters: dict[str, Any],
    version: str,
    code_digest: str,
) -> dict[str, Any]:
    deps = list(dict.fromkeys(p.resolve() for p in _scenario_dependencies(scenario)))
    inputs = [{"path": display_path(p), "sha256": file_sha256(p)} for p in [*deps, notebook]]
    digest = inputs_digest(
        [*deps, notebook],
        extra={
            "parameters": parameters,
            "package_version": version,
            "code_digest": code_digest,
        },
    )
    return {
        "name": scenario.stem,
        "scenario": str(scenario),
        "notebook": str(notebook),
        "out_root": str(out_root),
        "parameters": dict(parameters, scenario_path=str(scenario)),
        "digest": digest,
        "inputs": inputs,
        "package_version": version,
        "code_digest": code_digest,
    }


def _stored_digest(folder: Path) -> str | None:
    """``batch.inputs_digest`` of a complete, successful previous run in ``folder``."""
    if not all((folder / f).exists() for f in REQUIRED_OUTPUTS):
        return None
    try:
        batch = json.loads((folder / MANIFEST_JSON).read_text(encoding="utf-8")).get("batch", {})
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(batch, dict) or batch.get("status") != "ok":
        return None
    return batch.get("inputs_digest")


def _clean_stale(out_root: Path) -> list[str]:
    """Remove leftovers of an interrupted batch; restore a result caught mid-swap."""
    notes = []
    for entry in sorted(out_root.iterdir()):
        if entry.name.startswith(_OLD_PREFIX) and entry.is_dir():
            name = entry.name[len(_OLD_PREFIX):].rsplit("-", 1)[0]
            target = out_root / name
            if name and not target.exists():
                os.replace(entry, target)  # it was complete: killed between the two renames
                notes.append(f"khôi phục / restored {name}")
                continue
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(_TMP_PREFIX):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            notes.append(
                f"đã xoá thư mục tạm của lần chạy bị ngắt / removed leftover of an interrupted "
                f"run: {entry.name}"
            )
    return notes


@contextlib.contextmanager
def _batch_lock(out_root: Path) -> Iterator[None]:
    """One batch at a time per output folder: the stale-temp cleanup of a second batch
    would otherwise delete the first one's work in progress."""
    lock = out_root / _LOCK_NAME
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _pid_alive(pid):
                raise PlanningInputError(
                    out_root, "out", "an output folder that no other batch is writing to",
                    f"locked by process {pid} (delete {lock} if no batch is running)",
                    message_vi=(f"thư mục {out_root} đang được lô khác (tiến trình {pid}) ghi "
                                f"vào; nếu không có lô nào đang chạy, hãy xoá {lock}"),
                ) from None
            lock.unlink(missing_ok=True)  # left by a killed batch
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        break
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _validate(
    scenarios: Sequence[str | os.PathLike[str]],
    notebook: Path,
    workers: int,
    executor: str,
    lang: str,
) -> list[Path]:
    if lang not in ("vi", "en"):
        raise PlanningInputError("batch", "lang", "'vi' or 'en'", lang,
                                 message_vi=f"ngôn ngữ phải là 'vi' hoặc 'en', nhận: {lang}")
    if executor not in ("process", "thread", "dask"):
        raise PlanningInputError("batch", "executor", "'process', 'thread' or 'dask'", executor,
                                 message_vi=f"executor phải là process, thread hoặc dask, nhận: {executor}")
    if workers < 1:
        raise PlanningInputError("batch", "workers", "a whole number ≥ 1", workers,
                                 message_vi=f"số tiến trình phải ≥ 1, nhận: {workers}")
    if not scenarios:
        raise PlanningInputError("batch", "scenarios", "at least one scenario file",
                                 message_vi="cần ít nhất một tệp kịch bản")
    if not notebook.is_file():
        raise PlanningInputError(notebook, "notebook", "an existing notebook file",
                                 message_vi=f"không tìm thấy sổ tay {notebook}")
    paths = [Path(s).resolve() for s in scenarios]
    seen: dict[str, Path] = {}
    for p in paths:
        if not p.is_file():
            raise PlanningInputError(p, "scenarios", "an existing scenario file",
                                     message_vi=f"không tìm thấy tệp kịch bản {p}")
        if p.stem.startswith("."):
            raise PlanningInputError(p, "scenarios", "a file name not starting with '.'", p.name,
                                     message_vi=f"tên tệp kịch bản không được bắt đầu bằng '.': {p.name}")
        if p.stem in seen and seen[p.stem] != p:
            raise PlanningInputError(
                p, "scenarios", "scenario files with distinct names (the name is the output folder)",
                f"{seen[p.stem]} and {p}",
                message_vi=f"hai tệp kịch bản trùng tên {p.stem}: {seen[p.stem]} và {p}",
            )
        seen[p.stem] = p
    # The same file given twice is run once.
    return list(dict.fromkeys(paths))


# --------------------------------------------------------------------------------------------
# Running the jobs


def _run_jobs(
    jobs: list[dict[str, Any]],
    executor: Executor,
    workers: int,
    scheduler: str | None,
    on_result: Callable[[dict[str, Any]], None],
) -> None:
    """Run ``_execute_job`` over ``jobs``; call ``on_result`` as each finishes.

    A job whose worker dies (or raises despite ``_execute_job``'s guard) is reported as
    failed; the others go on.
    """
    if not jobs:
        return

    def crashed(job: dict[str, Any], exc: BaseException) -> dict[str, Any]:
        scen = display_path(job["scenario"])
        return {
            "name": job["name"],
            "status": "failed",
            "seconds": 0.0,
            "error": (f"Tiến trình chạy kịch bản {scen} bị dừng / the worker running scenario "
                      f"{scen} died: {type(exc).__name__}: {exc}"),
        }

    if executor == "dask":
        _run_dask(jobs, workers, scheduler, on_result, crashed)
        return
    pool: ThreadPoolExecutor | ProcessPoolExecutor
    if executor == "thread":
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="planning-batch")
    else:
        # spawn: the parent may hold threads (tqdm, zmq); fork would copy their locks.
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    with pool:
        futures: dict[Future[dict[str, Any]], dict[str, Any]] = {
            pool.submit(_execute_job, job): job for job in jobs
        }
        try:
            for fut in as_completed(futures):
                try:
                    res = fut.result()
                except Exception as exc:  # broad on purpose: e.g. BrokenProcessPool: report, go on
                    res = crashed(futures[fut], exc)
                on_result(res)
        except BaseException:
            # Ctrl-C: do not start the queued scenarios; running ones end in their .tmp dirs.
            for fut in futures:
                fut.cancel()
            raise


def _run_dask(
    jobs: list[dict[str, Any]],
    workers: int,
    scheduler: str | None,
    on_result: Callable[[dict[str, Any]], None],
    crashed: Callable[[dict[str, Any], BaseException], dict[str, Any]],
) -> None:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_as_completed

    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler))
            except OSError as exc:  # includes the connect timeout
                raise PlanningInputError(
                    "batch", "scheduler", "the address of a running dask scheduler",
                    f"{scheduler} ({exc})",
                    message_vi=f"không kết nối được dask scheduler {scheduler}: {exc}",
                ) from exc
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.WARNING,
                )
            )
            client = stack.enter_context(Client(cluster))
        # pure=False: the same job re-submitted must run again, not come from dask's cache.
        futures = client.map(_execute_job, jobs, pure=False)
        by_key = {f.key: job for f, job in zip(futures, jobs, strict=True)}
        for fut in dask_as_completed(futures):
            try:
                res = fut.result()
            except Exception as exc:  # broad on purpose: KilledWorker etc.: report, go on
                res = crashed(by_key[fut.key], exc)
            on_result(res)


# --------------------------------------------------------------------------------------------
# Comparison


def _header(key: str, lang: Lang) -> str:
    from planning.i18n import label

    return label(key, lang)


def _outcomes_of(folder: Path, lang: Lang) -> dict[str, Any]:
    """One comparison row from a scenario folder.

    Prefers ``outcomes.json`` (``Result.outcomes()``, written by ``Result.write``); falls back to an ``outcomes`` section
    of the manifest, then to the district rows of ``summary.csv`` (end-year poverty rate and
    total spending), so the comparison never silently drops a scenario.
    """
    import pandas as pd

    row: dict[str, Any] = {}
    if (folder / OUTCOMES_JSON).exists():
        row = json.loads((folder / OUTCOMES_JSON).read_text(encoding="utf-8"))
    else:
        manifest = json.loads((folder / MANIFEST_JSON).read_text(encoding="utf-8"))
        if isinstance(manifest.get("outcomes"), dict):
            row = dict(manifest["outcomes"])
        else:
            df = pd.read_csv(folder / SUMMARY_CSV)
            if "unit" in df.columns:
                df = df[df["unit"] == "district"]
            if len(df) and "year" in df.columns:
                end = df[df["year"] == df["year"].max()]
                if "poverty_rate_mean" in df.columns:
                    row["poverty_rate_end_mean"] = float(end["poverty_rate_mean"].iloc[0])
                if "spending" in df.columns:
                    row["total_spending"] = float(df["spending"].sum())
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict) and set(value) >= {"vi", "en"}:
            value = value[lang]  # bilingual text such as the scenario title
        elif isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        out[key] = value
    out["scenario"] = str(out.get("scenario") or folder.name)
    return out


def _comparison_frame(folders: Sequence[Path], lang: Lang) -> Any:
    """The comparison table: ``planning.compare``'s layout (one row of ``Result.outcomes()``
    per scenario, keys as columns, in their order), built from the files the notebooks wrote."""
    import pandas as pd

    df = pd.DataFrame([_outcomes_of(f, lang) for f in folders])
    return df[["scenario", *(c for c in df.columns if c != "scenario")]]


def _atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    tmp = target.with_name(f"{_TMP_PREFIX}{target.name}-{os.getpid()}{target.suffix}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_comparison_tables(
    comparison: Any,
    out_dir: str | os.PathLike[str],
    *,
    lang: Lang = "vi",
    runs: Sequence[ScenarioRun] = (),
) -> dict[str, Path]:
    """Write ``comparison.csv`` (machine keys) and ``comparison.xlsx`` (``lang`` headers).

    The workbook has the comparison sheet and a run-status sheet (one row per scenario of
    the batch, failed ones included, so a missing row in the comparison is explained).
    Both files are written atomically.
    """
    import pandas as pd

    out = Path(out_dir)
    csv_path, xlsx_path = out / COMPARISON_FILES["csv"], out / COMPARISON_FILES["xlsx"]
    _atomic_write(csv_path, lambda p: comparison.to_csv(p, index=False))

    shown = comparison.rename(columns={c: _header(c, lang) for c in comparison.columns})
    status = pd.DataFrame(
        [
            {
                "scenario": r.name,
                "scenario_file": display_path(r.scenario),
                "status": _STATUS_LABELS[r.status][lang],
                "error": (r.error or "").splitlines()[0] if r.error else "",
            }
            for r in runs
        ],
        columns=["scenario", "scenario_file", "status", "error"],
    )
    status = status.rename(columns={c: _header(c, lang) for c in status.columns})

    def write_xlsx(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            for key, frame in (("comparison", shown), ("runs", status)):
                sheet = SHEET_NAMES[key][lang]
                frame.to_excel(xw, sheet_name=sheet, index=False)
                ws = xw.sheets[sheet]
                ws.freeze_panes = "A2"
                for i, col in enumerate(frame.columns, start=1):
                    width = max([len(str(col))] + [len(str(v)) for v in frame.iloc[:, i - 1]])
                    ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(
                        max(10, width + 2), 60
                    )

    _atomic_write(xlsx_path, write_xlsx)
    return {"csv": csv_path, "xlsx": xlsx_path}


def _run_comparison_notebook(notebook: Path, out_root: Path, lang: Lang) -> str | None:
    """Execute the comparison notebook into ``out_root``; the error message, or None."""
    ipynb, html = out_root / COMPARISON_FILES["ipynb"], out_root / COMPARISON_FILES["html"]
    tmp_nb = out_root / f"{_TMP_PREFIX}comparison-{os.getpid()}.ipynb"
    tmp_html = out_root / f"{_TMP_PREFIX}comparison-{os.getpid()}.html"
    error = None
    try:
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
    finally:
        tmp_nb.unlink(missing_ok=True)
        tmp_html.unlink(missing_ok=True)
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

    Returns:
        A :class:`BatchReport`; ``report.exit_code`` is 1 when any scenario or the comparison
        failed. A failing scenario does not stop the others.

    Raises:
        PlanningInputError: bad arguments (missing files, two scenarios with the same name,
            unknown executor or language, another batch writing to ``out_dir``).
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    nb_path = Path(notebook).resolve()
    paths = _validate(scenarios, nb_path, workers, executor, lang)
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
    out_root.mkdir(parents=True, exist_ok=True)
    version, code = package_version(), _code_digest()
    parameters = {"draws": draws, "seed": seed, "lang": lang}

    with _batch_lock(out_root):
        notes.extend(_clean_stale(out_root))
        jobs = [_prepare_job(p, nb_path, out_root, parameters, version, code) for p in paths]
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
    return report


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
# Re-executing the committed notebooks (scripts/refresh_notebooks.sh)


def refresh_notebooks(paths: Sequence[str | os.PathLike[str]], *, timeout: int = 900) -> list[Path]:
    """Re-execute notebooks in place with their own parameter defaults; strip run metadata.

    Used on purpose after a model change, to refresh the outputs nbval compares against.
    nbclient (not papermill) executes them, because it honours ``raises-exception`` tags
    that documentation notebooks use; each notebook runs in its own folder, as under nbval.
    A notebook that fails is left untouched and the error is raised after the others ran.
    """
    import nbformat
    from nbclient import NotebookClient

    done, errors = [], []
    for p in map(Path, paths):
        nb = nbformat.read(p, as_version=4)
        kernel = nb.metadata.get("kernelspec", {}).get("name", KERNEL_NAME)
        client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, record_timing=False,
                                resources={"metadata": {"path": str(p.parent.resolve())}})
        try:
            client.execute()
        except Exception as exc:  # broad on purpose: go on with the other notebooks
            errors.append(f"{p}: {type(exc).__name__}: {_ANSI.sub('', str(exc))[:2000]}")
            continue
        _strip_nb(nb)
        _atomic_write(p, lambda t, nb=nb: nbformat.write(nb, t))
        done.append(p)
    if errors:
        raise RuntimeError("Không chạy lại được / could not re-execute:\n" + "\n".join(errors))
    return done


# --------------------------------------------------------------------------------------------
# Command line


def add_batch_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``planning batch`` arguments to ``parser`` (for cli.py's sub-command)."""
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                        help="tệp kịch bản YAML / scenario YAML files")
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
        )
    except PlanningInputError as exc:
        print(f"Lỗi / error: {exc}", file=sys.stderr)
        return 2
    # Each failure's full message was already printed as it happened (run_batch, on stderr);
    # the summary points at the error.txt files that keep it.
    print(report.text(lang))
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m planning.batch``: ``run ...`` (as ``planning batch``) or ``refresh NB...``."""
    parser = argparse.ArgumentParser(prog="python -m planning.batch", description=__doc__.split("\n")[0])
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
