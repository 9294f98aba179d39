"""What a batch did: :class:`BatchReport`, one :class:`~planning.frontends.batch_layout.ScenarioRun` per
scenario plus the comparison step, with its exit code, a bilingual summary and a JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planning.basics.paths import display_path
from planning.frontends.batch_layout import ERROR_TXT, Lang, ScenarioRun, Status
from planning.frontends.comparison_workbook import _STATUS_LABELS

__all__ = ["BatchReport"]


@dataclass
class BatchReport:
    """The outcome of :func:`run_batch`."""

    out_dir: Path
    runs: list[ScenarioRun]
    comparison: dict[str, Path] = field(default_factory=dict)
    """Comparison files that exist after the batch (keys: csv, xlsx, ipynb, html)."""
    comparison_error: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    comparison_digest: str | None = None
    """Digest of what the comparison read; a re-run with the same one skips the comparison."""

    def _with(self, status: Status) -> list[ScenarioRun]:
        return [r for r in self.runs if r.status == status]

    @property
    def ran(self) -> list[ScenarioRun]:
        """Scenarios executed successfully in this batch."""
        return self._with("ok")

    @property
    def skipped(self) -> list[ScenarioRun]:
        """Scenarios whose outputs were up to date."""
        return self._with("skipped")

    @property
    def failed(self) -> list[ScenarioRun]:
        """Scenarios whose notebook failed (their folder holds report.ipynb and error.txt)."""
        return self._with("failed")

    @property
    def ok(self) -> bool:
        """True when no scenario and no comparison step failed."""
        return not self.failed and self.comparison_error is None

    @property
    def exit_code(self) -> int:
        """0 when everything succeeded, 1 when something failed (the CLI's status)."""
        return 0 if self.ok else 1

    def text(self, lang: Lang = "vi") -> str:
        """A short human summary, one line per scenario, in ``lang`` (with English after it for vi)."""
        lines = []
        for r in self.runs:
            status = _STATUS_LABELS[r.status][lang]
            if lang == "vi":
                status += f" / {_STATUS_LABELS[r.status]['en']}"
            extra = f" ({r.seconds:.1f} s)" if r.status == "ok" else ""
            if r.status == "failed":
                extra = f" → {display_path(r.out_dir / ERROR_TXT)}"
            lines.append(f"  {r.name}: {status}{extra}")
        n_ok, n_skip, n_fail = len(self.ran), len(self.skipped), len(self.failed)
        head = {
            "vi": (f"Lô {self.out_dir}: {n_ok} đã chạy, {n_skip} bỏ qua, {n_fail} lỗi "
                   f"/ Batch {self.out_dir}: {n_ok} ran, {n_skip} skipped, {n_fail} failed"),
            "en": f"Batch {self.out_dir}: {n_ok} ran, {n_skip} skipped, {n_fail} failed",
        }[lang]
        tail = []
        if self.comparison_error:
            tail.append(self.comparison_error)
        tail.extend(self.notes)
        return "\n".join([head, *lines, *tail])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (paths relative to ``out_dir``)."""
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "runs": [
                {
                    "name": r.name,
                    "scenario": display_path(r.scenario),
                    "status": r.status,
                    "inputs_digest": r.inputs_digest,
                    "seconds": round(r.seconds, 3),
                    "error": r.error,
                }
                for r in self.runs
            ],
            "comparison": {k: v.name for k, v in self.comparison.items()},
            "comparison_error": self.comparison_error,
            "notes": list(self.notes),
        }
