"""Run manifests: what went in (content hashes, relative paths), with which code, seed and draws."""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from planning.basics.hashing import file_sha256
from planning.basics.paths import display_path


def package_version() -> str:
    """The installed version of ``planning`` (``0+unknown`` when run from an uninstalled tree)."""
    try:
        return metadata.version("planning")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def build_manifest(*, inputs: Iterable[Path], seed: int | None, draws: int | None, extra: dict[str, Any] | None = None,
                   base: Path | None = None) -> dict[str, Any]:
    """A JSON-ready manifest; every path is relative (to ``base`` or the project root)."""
    versions = {}
    for pkg in ("numpy", "pandas", "scipy", "pydantic"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "absent"
    seen: dict[str, str] = {}
    for p in inputs:
        seen.setdefault(display_path(p, base), file_sha256(p))
    manifest = {
        "package": "planning",
        "version": package_version(),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}",
        "platform": platform.system(),
        "dependencies": versions,
        "seed": seed,
        "draws": draws,
        "inputs": [{"path": k, "sha256": v} for k, v in seen.items()],
    }
    manifest.update(extra or {})
    return manifest


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest`` as indented, key-sorted JSON (stable for diffs)."""
    Path(path).write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                          encoding="utf-8")
