"""``planning verify``: check a result folder against the hashes in its manifest.

The shared names of result folders live here too (the manifest's name, the work-folder prefix,
the exit codes), below :mod:`planning.basics.outputs`, which writes the folders this module checks.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planning.basics.atomic import TMP_PREFIX
from planning.basics.hashing import file_sha256

__all__ = ["EXIT_NOT_WHOLE", "EXIT_UNCHECKABLE", "EXIT_WHOLE", "MANIFEST", "WORK_PREFIX", "Verification",
           "read_json", "verify"]

MANIFEST = "manifest.json"
WORK_PREFIX = TMP_PREFIX  # ".planning-tmp-"
#: exit codes of ``planning verify``: whole; cannot be checked (no folder, no manifest or no
#: output hashes); checked and not whole (incomplete, a file missing or changed)
EXIT_WHOLE, EXIT_UNCHECKABLE, EXIT_NOT_WHOLE = 0, 2, 3


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``; None when it cannot be read or is not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None



@dataclass
class Verification:
    """What :func:`verify` found."""

    path: Path
    command: str | None = None
    checkable: bool = True
    """False: no such folder or file, no manifest, or a manifest without output hashes."""
    reason_vi: str = ""
    reason_en: str = ""
    complete: bool = False
    """The manifest says the command finished writing."""
    good: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """Present, but not with the bytes the command wrote (edited, truncated or half-written)."""
    other: list[str] = field(default_factory=list)
    """Files in the folder that are not part of the result (not checked, left alone)."""

    @property
    def whole(self) -> bool:
        return self.checkable and self.complete and not self.missing and not self.changed

    @property
    def exit_code(self) -> int:
        if not self.checkable:
            return EXIT_UNCHECKABLE
        return EXIT_WHOLE if self.whole else EXIT_NOT_WHOLE

    def text(self) -> str:
        """Bilingual lines (Vietnamese / English)."""
        shown = str(self.path)
        cmd = f"planning {self.command}" if self.command else "planning"
        if not self.checkable:
            return f"? {shown}: không kiểm tra được — {self.reason_vi} / cannot be checked — {self.reason_en}"
        if self.whole:
            lines = [f"✓ {shown}: kết quả nguyên vẹn — {len(self.good)} tệp khớp mã băm trong bản kê ({cmd}) / "
                     f"result is whole — {len(self.good)} files match the hashes in the manifest ({cmd})"]
        else:
            lines = [f"✗ {shown}: kết quả KHÔNG nguyên vẹn / result is NOT whole ({cmd})"]
            if not self.complete:
                lines.append("  chưa ghi xong: lệnh đã dừng giữa chừng (hoặc đang chạy); hãy chạy lại lệnh / "
                             "not complete: the command stopped part-way (or is still running); run it again")
            if self.missing:
                lines.append(f"  thiếu / missing: {', '.join(self.missing)}")
            if self.changed:
                lines.append(f"  khác với khi ghi (đã sửa, bị cắt hoặc ghi dở) / changed since written (edited, "
                             f"truncated or half-written): {', '.join(self.changed)}")
        if self.other:
            some = ", ".join(self.other[:10]) + (", …" if len(self.other) > 10 else "")
            lines.append(f"  tệp khác trong thư mục, không thuộc kết quả, không kiểm tra / other files in the "
                         f"folder, not part of the result, not checked: {some}")
        return "\n".join(lines)


def _listing(folder: Path) -> list[str]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(WORK_PREFIX)]
        found += [(Path(root) / f).relative_to(folder).as_posix() for f in files if not f.startswith(WORK_PREFIX)]
    return sorted(found)


def verify(path: str | os.PathLike[str]) -> Verification:
    """Check a result folder (or a single output file with its ``NAME.manifest.json``) against
    its manifest: every listed output present with the hash written; extra files are listed,
    not judged."""
    p = Path(path)
    v = Verification(path=p)
    if not (p.exists() or p.is_symlink()):
        v.checkable, v.reason_vi, v.reason_en = False, "không có thư mục hay tệp này", "no such folder or file"
        return v
    if p.is_dir():
        mpath, base = p / MANIFEST, p
    else:
        mpath = p if p.name.endswith(".manifest.json") else p.with_name(p.name + ".manifest.json")
        base = p.parent
    m = read_json(mpath)
    if m is None:
        v.checkable = False
        v.reason_vi = (f"không có bản kê {mpath.name} đọc được (không phải kết quả của một lệnh planning, "
                       "hoặc lệnh bị ngắt trước khi ghi)")
        v.reason_en = (f"no readable {mpath.name} (not the result of a planning command, or the command was "
                       "stopped before it wrote anything)")
        return v
    v.command = m.get("command") if isinstance(m.get("command"), str) else None
    outputs = m.get("outputs")
    if not isinstance(outputs, dict):
        v.checkable = False
        v.reason_vi = "bản kê không có mã băm của các tệp kết quả (ghi bởi phiên bản cũ); hãy chạy lại lệnh"
        v.reason_en = "the manifest holds no hashes of the outputs (written by an older version); run the command again"
        return v
    v.complete = m.get("complete") is True
    for name, digest in sorted(outputs.items()):
        f = base / name
        if not f.is_file():
            v.missing.append(name)
        elif file_sha256(f) != digest:
            v.changed.append(name)
        else:
            v.good.append(name)
    if p.is_dir():
        v.other = [n for n in _listing(p) if n not in outputs and n != MANIFEST]
    return v
