"""Where the project's data and scenarios live, and how paths are written in outputs."""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root (the package is used from a checkout, installed in editable mode).
PROJECT_ROOT: Path = Path(__file__).resolve().parents[3]


def data_dir() -> Path:
    """The default data store: ``$PLANNING_DATA_DIR`` if set, else ``<project>/data``.

    Used wherever no data folder is named: a scenario without ``baseline:``, and the commands
    and functions that read the data store without a scenario (classify, monitor, calibrate,
    backtest, validate of a lone table, ...). A scenario's own ``baseline:`` wins.
    """
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


def shown_path(path: str | os.PathLike[str]) -> str:
    """``path`` as a planner at the console can use it: relative to the current folder when
    inside it, else absolute. (:func:`display_path` is for manifests, which must not carry
    absolute paths; on the console it would print a folder outside the project as ../../….)"""
    p = Path(path).resolve()
    try:
        return p.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def relative_path(target: str | os.PathLike[str], folder: str | os.PathLike[str]) -> str:
    """``target`` written relative to ``folder`` (how a scenario written into ``folder`` names
    a file or folder); absolute when no relative path exists (another drive on Windows)."""
    try:
        return Path(os.path.relpath(Path(target).resolve(), Path(folder).resolve())).as_posix()
    except ValueError:
        return Path(target).resolve().as_posix()
