"""Atomic file writes: an output is either complete or absent, never half-written.

Each file is written to a temporary name in the same folder and renamed into place
(``os.replace`` is atomic on one filesystem); a failed write removes its temporary file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

#: prefix of temporary names; a batch removes leftovers with it (planning.batch._clean_stale)
TMP_PREFIX = ".tmp-"


def write_atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` and rename ``tmp`` to ``target``; the suffix is kept for writers
    that choose a format from it."""
    target = Path(target)
    tmp = target.with_name(f"{TMP_PREFIX}{target.name}-{os.getpid()}{target.suffix}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_files(out_dir: str | os.PathLike[str], writers: Mapping[str, Callable[[Path], None]]) -> Path:
    """Write each ``name: writer`` of ``writers`` atomically into ``out_dir`` (created)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, writer in writers.items():
        write_atomic(out / name, writer)
    return out
