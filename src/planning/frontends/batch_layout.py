"""The layout of a batch's output folder: the file names in it, the prefixes of in-progress
and leftover entries, and the type aliases the batch modules share.

One concept: where things are in ``out_dir`` (see :mod:`planning.frontends.batch` for the picture).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from planning.basics.atomic import TMP_PREFIX

Executor = Literal["process", "thread", "dask"]
Lang = Literal["vi", "en"]
Status = Literal["ok", "skipped", "failed"]

REPORT_IPYNB = "report.ipynb"
REPORT_HTML = "report.html"
SUMMARY_CSV = "summary.csv"
MANIFEST_JSON = "manifest.json"
OUTCOMES_JSON = "outcomes.json"
ERROR_TXT = "error.txt"
BATCH_JSON = "batch.json"
COMPARISON_FILES = {
    "csv": "comparison.csv",
    "xlsx": "comparison.xlsx",
    "ipynb": "comparison.ipynb",
    "html": "comparison.html",
}
# What must be in a scenario folder for it to count as complete (and be skippable).
REQUIRED_OUTPUTS = (REPORT_IPYNB, REPORT_HTML, SUMMARY_CSV, MANIFEST_JSON)

# Work folders and temporary files (planning.basics.outputs, planning.basics.atomic) start with this; the
# lock too, so that a folder holding only a killed batch's lock still counts as empty.
_TMP_PREFIX = TMP_PREFIX
_LOCK_NAME = f"{TMP_PREFIX}batch.lock"


@dataclass(frozen=True)
class ScenarioRun:
    """What happened to one scenario in a batch."""

    scenario: Path
    """The scenario file (absolute)."""
    name: str
    """The scenario's stem, which is also its output folder's name."""
    status: Status
    out_dir: Path
    """``<batch out_dir>/<name>``."""
    inputs_digest: str
    seconds: float = 0.0
    error: str | None = None
    """Bilingual message naming the scenario file and the failing cell (failed runs only)."""
