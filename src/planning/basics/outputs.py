"""Output folders that never destroy and never lie.

Every command that writes a folder (``run``, ``compare``, ``batch``, ``calibrate``, ``backtest``,
``target``, ``optimize``, ``uncertainty``, ``review``, ``monitor report``, ``report``) goes
through this module. The rules:

* **Work folder.** The command writes everything into a fresh folder it owns,
  ``.planning-tmp-<command>-<random>/`` (with ``owner.json``: process id, host, command), then
  puts the result into place. The work folder lies beside the target when the target does not
  exist yet or is empty, inside it when it holds something. Only the command's own work folder is ever removed; a work
  folder left by a killed command is removed by a later command writing there only when its
  ``owner.json`` names a process of this host that is gone.
* **Into place.** Target absent or an empty folder: one ``rename`` — the result folder is whole
  or absent (or still the empty folder).
  Target holding something (an earlier result of the *same* command, or any folder with
  ``overwrite``): first ``manifest.json`` is replaced by one that says ``"complete": false``,
  then the command's files are moved in one by one (``os.replace``), then files of the earlier
  result of the same command that this run no longer writes are removed (only when unchanged
  since that run wrote them), and last the final manifest (``"complete": true``) replaces the
  pending one. A kill part-way leaves a folder whose manifest says it is incomplete, so it never
  looks complete; the next run of the same command takes it over. Nothing else in the folder
  is touched: files a person put there stay.
* **Refusals** (:class:`OutputRefused`, bilingual, exit 2): the target is a file (always); a
  non-empty folder that is not an earlier result of the same command (unless ``overwrite``); a
  folder where a result file goes, or a file where a result folder goes (always).
* **Manifest.** ``manifest.json`` holds the command's record (inputs with content hashes and
  relative paths, version, seed, draws, ...) plus ``command``, ``complete`` and ``outputs``
  (``{relative path: sha256}`` of every file of the result, nested manifests included).
  :func:`verify` (``planning verify DIR``) checks a folder against it.
* **Single files** (``template``, ``monitor template``): written under a temporary name and
  renamed; an existing file is replaced only with ``overwrite`` (a workbook cannot tell an
  unchanged copy from one a person has filled in). ``classify`` keeps ``OUT.manifest.json``
  beside its output (:func:`write_files_with_manifest`): an earlier, unchanged output of
  ``classify`` is replaced, anything else only with ``overwrite``.

``$PLANNING_TEST_PAUSE`` (seconds) makes every step wait, so that tests can kill a command
between two file moves.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from planning.basics.atomic import write_atomic
from planning.basics.errors import PlanningInputError
from planning.basics.hashing import file_sha256
from planning.basics.outputs_verify import EXIT_NOT_WHOLE as EXIT_NOT_WHOLE
from planning.basics.outputs_verify import EXIT_UNCHECKABLE as EXIT_UNCHECKABLE
from planning.basics.outputs_verify import EXIT_WHOLE as EXIT_WHOLE
from planning.basics.outputs_verify import MANIFEST, WORK_PREFIX
from planning.basics.outputs_verify import Verification as Verification
from planning.basics.outputs_verify import read_json as _read_json
from planning.basics.outputs_verify import verify as verify

__all__ = [
    "EXIT_NOT_WHOLE", "EXIT_UNCHECKABLE", "EXIT_WHOLE", "MANIFEST", "WORK_PREFIX", "OutputRefused",
    "Verification", "begin_update", "check_new_file", "check_target", "clean_stale_work", "finish_update", "install",
    "nested_result", "seal", "verify", "work_folder", "write_files_with_manifest", "write_new_file",
    "write_result_folder",
]

OWNER = "owner.json"
PAUSE_ENV = "PLANNING_TEST_PAUSE"
_PENDING_NOTE = ("Đang ghi, chưa hoàn tất: nếu lệnh đã dừng, hãy chạy lại lệnh. / Being written, not complete: "
                 "if the command has stopped, run it again.")

Writer = Callable[[Path], None]


class OutputRefused(PlanningInputError):
    """``--out`` names something the command may not write into (bilingual message, exit 2)."""


def _pause() -> None:
    """The kill tests' hook: wait ``$PLANNING_TEST_PAUSE`` seconds (nothing when unset)."""
    value = os.environ.get(PAUSE_ENV)
    if value:
        with contextlib.suppress(ValueError):
            time.sleep(float(value))


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def _owned(manifest: Mapping[str, Any] | None, command: str) -> dict[str, set[str]]:
    """``{name: hashes}`` a manifest of ``command`` records as its outputs (pending ones too)."""
    if not manifest or manifest.get("command") != command:
        return {}
    owned: dict[str, set[str]] = {}
    for section in (manifest.get("outputs"), manifest.get("replacing")):
        if isinstance(section, dict):
            for name, hashes in section.items():
                owned.setdefault(str(name), set()).update(
                    str(h) for h in (hashes if isinstance(hashes, list) else [hashes]))
    return owned


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _is_work(entry: Path) -> bool:
    return entry.name.startswith(WORK_PREFIX)


def hash_tree(folder: Path) -> dict[str, str]:
    """SHA-256 of every regular file under ``folder`` by relative POSIX path, except its own
    ``manifest.json`` and work folders (``.planning-tmp-*``)."""
    found: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(WORK_PREFIX)]
        for name in files:
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            if rel == MANIFEST or name.startswith(WORK_PREFIX) or p.is_symlink():
                continue
            found[rel] = file_sha256(p)
    return dict(sorted(found.items()))


def seal(folder: Path, command: str, manifest: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write ``folder/manifest.json``: ``manifest`` plus the command, ``complete: true`` and the
    hash of every file now in ``folder``. Returns what was written."""
    data = {k: v for k, v in (manifest or {}).items() if k not in ("outputs", "replacing", "complete", "note")}
    data.update(command=command, complete=True, outputs=hash_tree(folder))
    _write_json(folder / MANIFEST, data)
    return data


def nested_result(prefix: str, writers: Mapping[str, Writer], *, command: str,
                  manifest: Mapping[str, Any] | None = None) -> dict[str, Writer]:
    """``writers`` under the sub-folder ``prefix``, followed by that sub-folder's own sealed
    manifest (so ``planning verify OUT/prefix`` works too)."""
    out = {f"{prefix}/{name}": w for name, w in writers.items()}

    def sealer(path: Path) -> None:
        seal(path.parent, command, manifest)

    out[f"{prefix}/{MANIFEST}"] = sealer
    return out


# --------------------------------------------------------------------------------------------
# The target


def _refuse(target: Path, expected: str, got: str, vi: str) -> OutputRefused:
    return OutputRefused(target, "--out", expected, got, message_vi=vi)


def _others(folder: Path) -> list[str]:
    return sorted(e.name for e in folder.iterdir() if not _is_work(e))


def check_target(target: Path, command: str, *, overwrite: bool = False) -> None:
    """Refuse (:class:`OutputRefused`) a target the command may not write into (module docstring)."""
    target = Path(target)
    shown = str(target)
    if (target.exists() or target.is_symlink()) and not target.is_dir():
        raise _refuse(target, "a folder (a file is never replaced by a result folder)", "a file",
                      f"{shown} là một tệp, không phải thư mục; lệnh không ghi đè lên tệp. Hãy chọn thư mục khác.")
    if not target.exists() or overwrite or (_read_json(target / MANIFEST) or {}).get("command") == command:
        return
    others = _others(target)
    if others:
        some = ", ".join(others[:5]) + (", …" if len(others) > 5 else "")
        raise _refuse(
            target,
            f"a new or empty folder, or an earlier result of 'planning {command}' (add --overwrite to write "
            "into it anyway: only the command's own files are replaced, nothing else is touched)",
            f"a folder holding other things ({some})",
            f"Thư mục {shown} đã có nội dung khác ({some}) và không phải kết quả trước đây của lệnh "
            f"'planning {command}'; không ghi vào. Thêm --overwrite để vẫn ghi (chỉ thay các tệp của lệnh, "
            "không đụng đến tệp khác), hoặc chọn thư mục khác.")


def _check_conflicts(target: Path, names: Iterable[str]) -> None:
    """A folder where a result file goes, or a file where a result folder goes: refused."""
    bad = []
    for name in names:
        parts = Path(name).parts
        for k in range(1, len(parts)):
            d = target.joinpath(*parts[:k])
            if (d.exists() or d.is_symlink()) and not d.is_dir():
                bad.append("/".join(parts[:k]))
        dst = target / name
        if dst.is_dir() and not dst.is_symlink():
            bad.append(name)
    if bad:
        listed = ", ".join(sorted(set(bad)))
        raise _refuse(target, "no folder where a result file goes and no file where a result folder goes",
                      listed, f"Trong {target}, {listed} trùng tên với kết quả của lệnh nhưng khác "
                      "loại (thư mục/tệp); không ghi gì. Hãy đổi tên hoặc chọn thư mục khác.")


# --------------------------------------------------------------------------------------------
# Work folders


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _owner_record(command: str) -> dict[str, Any]:
    return {"command": command, "pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}


def is_dead_owner(record: Mapping[str, Any] | None) -> bool:
    """True when ``record`` (an ``owner.json`` or a lock) names a process of this host that is gone."""
    if not record or record.get("host") != socket.gethostname():
        return False
    pid = record.get("pid")
    return isinstance(pid, int) and pid > 0 and not _pid_alive(pid)


def clean_stale_work(folder: Path) -> list[str]:
    """Remove work folders in ``folder`` left by killed commands (their ``owner.json`` names a
    process of this host that is gone); anything else is left alone. Bilingual notes."""
    notes = []
    if not folder.is_dir():
        return notes
    for entry in sorted(folder.iterdir()):
        if not _is_work(entry) or entry.is_symlink() or not entry.is_dir():
            continue
        if is_dead_owner(_read_json(entry / OWNER)):
            shutil.rmtree(entry, ignore_errors=True)
            notes.append(f"đã xoá thư mục tạm của một lệnh bị ngắt / removed the work folder of an interrupted "
                         f"command: {entry.name}")
    return notes


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "-", text).strip("-.")[:60] or "out"


@contextlib.contextmanager
def work_folder(target: Path, command: str, *, label: str = "") -> Iterator[Path]:
    """A fresh work folder owned by this process, removed on exit: inside ``target`` when it is
    a folder holding something already, else beside it (the parents are created)."""
    target = Path(target)
    where = target if target.is_dir() and any(target.iterdir()) else target.parent
    where.mkdir(parents=True, exist_ok=True)
    clean_stale_work(where)
    work = where / f"{WORK_PREFIX}{_slug(f'{command}-{label}' if label else command)}-{secrets.token_hex(4)}"
    work.mkdir()
    try:
        (work / OWNER).write_text(json.dumps(_owner_record(command)), encoding="utf-8")
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Putting a result into place


def _remove_stale(folder: Path, old: Mapping[str, set[str]], keep: Iterable[str]) -> None:
    """Remove the files of an earlier result (``old``) that are not in ``keep``, each only when
    unchanged since written; then the folders they leave empty."""
    kept = set(keep) | {MANIFEST}
    for name, hashes in sorted(old.items()):
        p = folder / name
        if name in kept or not _inside(p, folder) or p.is_symlink() or not p.is_file():
            continue
        if file_sha256(p) in hashes:
            p.unlink()
            d = p.parent
            while d != folder and _inside(d, folder):
                try:
                    d.rmdir()
                except OSError:
                    break
                d = d.parent


def _pending(manifest: Mapping[str, Any], old: Mapping[str, set[str]]) -> dict[str, Any]:
    return {**manifest, "complete": False, "note": _PENDING_NOTE,
            "replacing": {k: sorted(v) for k, v in sorted(old.items())}}


def _merge(result: Path, target: Path, command: str) -> None:
    """Move the sealed ``result`` into the existing folder ``target`` (module docstring)."""
    new = _read_json(result / MANIFEST) or {}
    outputs: dict[str, str] = new.get("outputs") or {}
    _check_conflicts(target, outputs)
    old = _owned(_read_json(target / MANIFEST), command)
    _write_json(target / MANIFEST, _pending(new, old))
    for name in outputs:
        _pause()
        dst = target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(result / name, dst)
    _remove_stale(target, old, outputs)
    _pause()
    os.replace(result / MANIFEST, target / MANIFEST)


def install(result: Path, target: Path, command: str, *, overwrite: bool = False) -> Path:
    """Put the sealed folder ``result`` into place at ``target``: a rename when ``target`` is
    absent, else the command's files moved in (module docstring). The target is checked again:
    it may have changed while the command ran."""
    target = Path(target)
    check_target(target, command, overwrite=overwrite)
    empty = target.is_dir() and not target.is_symlink() and not any(target.iterdir())
    if empty or (not target.exists() and not target.is_symlink()):
        _pause()
        try:
            os.rename(result, target)  # replaces an empty folder too, in one step (POSIX rename)
            return target
        except OSError:
            if not target.is_dir():
                raise
            check_target(target, command, overwrite=overwrite)  # filled meanwhile: merge into it
    _merge(result, target, command)
    return target


def write_result_folder(out_dir: str | os.PathLike[str], writers: Mapping[str, Writer], *, command: str,
                        manifest: Mapping[str, Any] | None = None, overwrite: bool = False) -> Path:
    """Write a command's result folder: every ``name: writer`` (``writer(path)`` writes the file;
    names may hold ``/``) into a work folder, seal it with ``manifest`` (the command's record;
    the outputs' hashes are added) and put it into place at ``out_dir``.

    Raises:
        OutputRefused: before anything is written, when ``out_dir`` may not be written into.
    """
    target = Path(out_dir)
    check_target(target, command, overwrite=overwrite)
    with work_folder(target, command) as work:
        result = work / "result"
        result.mkdir()
        for name, write in writers.items():
            path = result / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write(path)
            _pause()
        seal(result, command, manifest)
        install(result, target, command, overwrite=overwrite)
    return target


# --------------------------------------------------------------------------------------------
# A folder updated in place over a long run (the batch folder)


def begin_update(folder: Path, command: str, manifest: Mapping[str, Any] | None = None) -> dict[str, set[str]]:
    """Mark ``folder`` (checked with :func:`check_target`) as being written: its manifest now says
    ``"complete": false``. Returns what the earlier result of ``command`` there owned."""
    folder.mkdir(parents=True, exist_ok=True)
    old = _owned(_read_json(folder / MANIFEST), command)
    _write_json(folder / MANIFEST, _pending({**(manifest or {}), "command": command, "outputs": {}}, old))
    return old


def finish_update(folder: Path, command: str, names: Iterable[str], old: Mapping[str, set[str]],
                  manifest: Mapping[str, Any] | None = None, *,
                  stale: Callable[[str], bool] = lambda name: True) -> dict[str, Any]:
    """End :func:`begin_update`: remove the earlier result's files that are gone from ``names``
    and unchanged (those for which ``stale(name)``), then write the final manifest listing the
    hash of each of ``names`` that exists."""
    outputs = {n: file_sha256(folder / n) for n in sorted(set(names)) if (folder / n).is_file()}
    _remove_stale(folder, {k: v for k, v in old.items() if stale(k)}, outputs)
    data = {k: v for k, v in (manifest or {}).items() if k not in ("replacing", "note")}
    data.update(command=command, complete=True, outputs=outputs)
    _write_json(folder / MANIFEST, data)
    return data


# --------------------------------------------------------------------------------------------
# Single files


def _refuse_folder(path: Path) -> OutputRefused:
    return _refuse(path, "a file name (a folder is never replaced by a file)", "a folder",
                   f"{path} là một thư mục; lệnh không ghi đè lên thư mục. Hãy chọn tên tệp khác.")


def _refuse_file(path: Path) -> OutputRefused:
    return _refuse(path, "a file name that does not exist yet (add --overwrite to replace the file)",
                   "an existing file", f"Tệp {path} đã có; lệnh không ghi đè (tệp có thể đã được "
                   "sửa hay điền). Thêm --overwrite để thay tệp này, hoặc chọn tên khác.")


def check_new_file(path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
    """Refuse (:class:`OutputRefused`) a folder, or an existing file without ``overwrite``."""
    path = Path(path)
    if path.is_dir():
        raise _refuse_folder(path)
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise _refuse_file(path)


def write_new_file(path: str | os.PathLike[str], write: Writer, *, overwrite: bool = False) -> Path:
    """Write one output file (a workbook) under a temporary name beside it and rename it into
    place. An existing file is replaced only with ``overwrite``; a folder never."""
    path = Path(path)
    check_new_file(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, write)
    return path


def _relname(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()


def write_files_with_manifest(files: Mapping[Path, Writer], manifest_path: Path, *, command: str,
                              manifest: Mapping[str, Any] | None = None, overwrite: bool = False) -> None:
    """Single output files with a manifest beside them (``classify``: ``OUT`` and
    ``OUT.manifest.json``). A file is replaced when the manifest of an earlier run of ``command``
    lists it unchanged, or with ``overwrite``; a folder never. Each file is written under a
    temporary name beside it; then the manifest says ``"complete": false``, the files are
    renamed into place, and the final manifest (with their hashes) is written last."""
    manifest_path = Path(manifest_path)
    base = manifest_path.parent
    previous = _read_json(manifest_path)
    old = _owned(previous, command)
    if manifest_path.exists() and not overwrite and (previous is None or previous.get("command") != command):
        raise _refuse(manifest_path, f"no file of that name, or the manifest of an earlier 'planning {command}'",
                      "another file", f"Tệp {manifest_path} đã có và không phải do lệnh "
                      f"'planning {command}' ghi; thêm --overwrite để thay, hoặc chọn tên khác.")
    names = {Path(p): _relname(Path(p), base) for p in files}
    for p, name in names.items():
        if p.is_dir():
            raise _refuse_folder(p)
        unchanged_output = p.is_file() and file_sha256(p) in old.get(name, ())
        if (p.exists() or p.is_symlink()) and not overwrite and not unchanged_output:
            raise _refuse_file(p)
    staged: dict[Path, Path] = {}
    try:
        for p, write in files.items():
            p = Path(p)
            p.parent.mkdir(parents=True, exist_ok=True)
            staged[p] = p.with_name(f"{WORK_PREFIX}{p.name}-{secrets.token_hex(4)}{p.suffix}")
            write(staged[p])
        outputs = {names[p]: file_sha256(t) for p, t in staged.items()}
        final = {**(manifest or {}), "command": command, "complete": True, "outputs": outputs}
        _write_json(manifest_path, _pending(final, old))
        for p, t in staged.items():
            _pause()
            os.replace(t, p)
        _remove_stale(base, old, outputs)
        _write_json(manifest_path, final)
    finally:
        for t in staged.values():
            t.unlink(missing_ok=True)
