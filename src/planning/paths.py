"""Where the project's data and scenarios live, and how paths are written in outputs."""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root (the package is used from a checkout, installed in editable mode).
PROJECT_ROOT: Path = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The data store: ``$PLANNING_DATA_DIR`` if set, else ``<project>/data``."""
    env = os.environ.get("PLANNING_DATA_DIR")
    return Path(env).resolve() if env else PROJECT_ROOT / "data"


def scenarios_dir() -> Path:
    """The shipped scenarios folder."""
    return PROJECT_ROOT / "scenarios"


def display_path(path: str | os.PathLike[str], base: Path | None = None) -> str:
    """``path`` relative to ``base`` (default: the project root) where possible.

    Manifests and messages never carry absolute paths, so that runs on two machines compare.
    """
    p = Path(path).resolve()
    for root in ([base] if base is not None else []) + [PROJECT_ROOT, Path.cwd()]:
        try:
            return p.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    try:
        return Path(os.path.relpath(p, PROJECT_ROOT)).as_posix()
    except ValueError:  # another drive on Windows
        return p.name
