"""Executing notebooks: one papermill run, run-metadata stripping, HTML export, in-place
re-execution of committed notebooks (written atomically).

One concept: turning a notebook into an executed, exported file. Putting result folders into
place is :mod:`planning.basics.outputs`'s.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from planning.basics.atomic import write_atomic as _atomic_write
from planning.basics.paths import display_path

KERNEL_NAME = "python3"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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


def export_html(notebook: str | os.PathLike[str], html: str | os.PathLike[str], *, title: str = "",
                lang: str = "vi") -> None:
    """Export an executed notebook to a standalone HTML file fit for planners: no code, no
    prompts, no parameter cells, no errors (:func:`planning.frontends.printable.export_printable_html`)."""
    from planning.frontends.printable import export_printable_html

    export_printable_html(notebook, html, title=title, lang=lang)  # type: ignore[arg-type]


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
        # ipykernel warns on its console that a local kernel talks over TCP in plain text; the
        # kernel is ours, on this machine, and planners running a report should not read it.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
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

