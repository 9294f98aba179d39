"""Planning a batch before anything runs: which scenarios are up to date (digests of code and
inputs), what each job needs, the lock that keeps two batches out of one folder, and the check
of every scenario before the first notebook starts."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from planning.basics.errors import PlanningInputError
from planning.basics.hashing import file_sha256, inputs_digest
from planning.basics.outputs import (
    clean_stale_work,
    is_dead_owner,
    verify,
)
from planning.basics.paths import display_path
from planning.frontends.batch_layout import _LOCK_NAME, MANIFEST_JSON, REQUIRED_OUTPUTS

log = logging.getLogger(__name__)


def _code_digest() -> str:
    """Digest of the package's source: an editable install keeps its version number while
    the engine changes, and a changed engine must re-run the scenarios."""
    return inputs_digest(sorted(Path(__file__).resolve().parents[1].rglob("*.py")))  # the whole package


def _scenario_dependencies(scenario: Path) -> list[Path]:
    """The scenario file and every file it depends on (``planning.scenario_inputs``)."""
    try:
        from planning.stores.scenario import scenario_inputs
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
    """``batch.inputs_digest`` of a complete, successful, whole previous run in ``folder``."""
    if not all((folder / f).exists() for f in REQUIRED_OUTPUTS) or not verify(folder).whole:
        return None
    try:
        batch = json.loads((folder / MANIFEST_JSON).read_text(encoding="utf-8")).get("batch", {})
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(batch, dict) or batch.get("status") != "ok":
        return None
    return batch.get("inputs_digest")


def _clean_stale(out_root: Path) -> list[str]:
    """Remove the work folders of interrupted batches (their ``owner.json`` names a process of
    this host that is gone); nothing else — a person's ``.tmp-*`` or ``.old-*`` stays."""
    return clean_stale_work(out_root)


@contextlib.contextmanager
def _batch_lock(out_root: Path) -> Iterator[None]:
    """One batch at a time per output folder: two batches would install the same scenarios
    and each rewrite the folder's manifest. A lock left by a killed batch (its process gone)
    is taken over; anything else at that name is never removed."""
    lock = out_root / _LOCK_NAME
    me = {"command": "batch", "pid": os.getpid(), "host": socket.gethostname()}
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                held = json.loads(lock.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                held = None
            if isinstance(held, dict) and is_dead_owner(held):
                lock.unlink(missing_ok=True)  # left by a killed batch
                continue
            pid = held.get("pid") if isinstance(held, dict) else "?"
            raise PlanningInputError(
                out_root, "out", "an output folder that no other batch is writing to",
                f"locked by process {pid} (delete {lock} if no batch is running)",
                message_vi=(f"thư mục {out_root} đang được lô khác (tiến trình {pid}) ghi "
                            f"vào; nếu không có lô nào đang chạy, hãy xoá {lock}"),
            ) from None
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(me))
        break
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


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



