"""Running the scenario jobs: executing, exporting and installing one scenario's report
(``_execute_job``, plain data in and out, so it runs in a thread, a spawned process or a dask
worker) and the pools that run many of them in parallel.

One concept: a job per scenario, and how the jobs are run.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from planning.basics.dask_client import dask_client
from planning.basics.outputs import install, seal, work_folder
from planning.basics.paths import display_path
from planning.frontends.batch_layout import (
    ERROR_TXT,
    MANIFEST_JSON,
    REPORT_HTML,
    REPORT_IPYNB,
    SUMMARY_CSV,
    Executor,
    Status,
)
from planning.frontends.notebook_exec import _execute, _failure_message, _strip_nb, export_html

# --------------------------------------------------------------------------------------------
# One scenario (runs in a worker thread, process or dask worker: arguments are plain data)


def _execute_job(job: dict[str, Any]) -> dict[str, Any]:
    """Execute, export and install one scenario's report; never raises for notebook errors.

    The notebook writes into ``<work folder>/result`` (:func:`planning.basics.outputs.work_folder`),
    papermill its executed copy beside it; the finished, sealed folder is put into place at
    ``<out_root>/<name>`` by :func:`planning.basics.outputs.install` (a rename, or the batch's own files
    moved into an earlier result of the batch). Returns a picklable dict ``{name, status,
    seconds, error}``. A ``BaseException`` (interrupt, killed worker) propagates and leaves
    only the work folder behind.
    """
    t0 = time.perf_counter()
    name: str = job["name"]
    scenario = Path(job["scenario"])
    notebook = Path(job["notebook"])
    final = Path(job["out_root"]) / name
    with work_folder(final, "batch", label=name) as work:
        tmp = work / "result"
        tmp.mkdir()
        parameters = dict(job["parameters"], out_dir=str(tmp))
        executed = work / REPORT_IPYNB
        error: str | None = None
        try:
            _execute(notebook, executed, parameters, cwd=notebook.parent)
        except Exception as exc:  # broad on purpose: any notebook/kernel error is this scenario's failure
            error = _failure_message(scenario, notebook, final / REPORT_IPYNB, exc)

        if executed.exists():
            _finish_report(executed, tmp, final)
            os.replace(executed, tmp / REPORT_IPYNB)
            try:
                export_html(tmp / REPORT_IPYNB, tmp / REPORT_HTML)
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
        seal(tmp, "batch", _batch_manifest(tmp / MANIFEST_JSON, job, status, final))
        install(tmp, final, "batch", overwrite=bool(job.get("overwrite")))
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


def _batch_manifest(manifest: Path, job: dict[str, Any], status: Status, final: Path) -> dict[str, Any]:
    """The notebook's manifest (an empty one for a failure) with the ``batch`` section added."""
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
    return data


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
    from distributed import as_completed as dask_as_completed

    with contextlib.ExitStack() as stack:
        client = dask_client(stack, scheduler=scheduler, workers=workers, source="batch")
        # pure=False: the same job re-submitted must run again, not come from dask's cache.
        futures = client.map(_execute_job, jobs, pure=False)
        by_key = {f.key: job for f, job in zip(futures, jobs, strict=True)}
        for fut in dask_as_completed(futures):
            try:
                res = fut.result()
            except Exception as exc:  # broad on purpose: KilledWorker etc.: report, go on
                res = crashed(by_key[fut.key], exc)
            on_result(res)

