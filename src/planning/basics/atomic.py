"""Atomic file writes: an output is either complete or absent, never half-written.

Each file is written to a temporary name in the same folder and renamed into place
(``os.replace`` is atomic on one filesystem); a failed write removes its temporary file.
Whole result folders are :mod:`planning.basics.outputs`'s.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

#: prefix of temporary names (and of work folders, planning.basics.outputs): a name no person picks,
#: so nothing of the user's is ever mistaken for a leftover of a command
TMP_PREFIX = ".planning-tmp-"


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

