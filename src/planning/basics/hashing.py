"""Content hashes of input files, for run manifests and the batch's skip-if-unchanged logic.

Hashes depend on file *contents* (and, for a set of files, their base names), never on
absolute paths or modification times: the same inputs in another checkout, or after a
``git checkout`` that rewrote the files with the same bytes, give the same digest, so a
batch is not re-run for nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["file_sha256", "inputs_digest", "json_digest"]

# 1 MiB reads: data files are small, but a notebook with embedded images may not be.
_CHUNK = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of the bytes of ``path``.

    Raises:
        FileNotFoundError: with a bilingual message naming the file.
    """
    p = Path(path)
    h = hashlib.sha256()
    try:
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                h.update(chunk)
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"Không tìm thấy tệp để tính mã băm: {p} / File to hash not found: {p}"
        ) from exc
    return h.hexdigest()


def json_digest(value: object) -> str:
    """SHA-256 (hex) of ``value`` as canonical JSON (sorted keys, no whitespace).

    Non-JSON values (paths, numpy scalars) are turned into strings, so parameters can be
    hashed as they are passed.
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def inputs_digest(
    paths: Iterable[str | os.PathLike[str]],
    *,
    extra: Mapping[str, object] | None = None,
) -> str:
    """One SHA-256 (hex) over a set of input files and optional extra values.

    The digest is built from the sorted ``(base name, content hash)`` pairs, so it does not
    depend on the order the paths are given in (a dependency list that comes back in another
    order must not force a re-run) nor on where the checkout lives. The base name is kept
    so that two files swapping contents still changes the digest. Listing the same file
    twice counts it once.

    Args:
        paths: the input files (scenario, data files, notebook, ...).
        extra: non-file inputs (parameters, package version), hashed as canonical JSON.
    """
    entries = sorted({(Path(p).name, file_sha256(p)) for p in paths})
    h = hashlib.sha256()
    for name, digest in entries:
        # NUL and newline cannot occur in a file name on POSIX, so the encoding is unambiguous.
        h.update(f"{name}\0{digest}\n".encode())
    if extra:
        h.update(b"extra\0")
        h.update(json_digest(dict(extra)).encode())
    return h.hexdigest()
