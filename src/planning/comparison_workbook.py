"""The comparison workbook: one row per scenario folder (``outcomes.json``, or fallbacks),
written as ``comparison.csv`` (machine keys) and ``comparison.xlsx`` (headers in Vietnamese
or English via :func:`planning.i18n.label`, plus a run-status sheet).

One concept: the comparison tables of a batch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planning.batch_layout import COMPARISON_FILES, MANIFEST_JSON, OUTCOMES_JSON, SUMMARY_CSV, Lang
from planning.notebook_exec import _atomic_write
from planning.paths import display_path

if TYPE_CHECKING:
    from planning.batch import ScenarioRun

# Excel sheet names: at most 31 characters and none of []:*?/\ (checked in the tests).
SHEET_NAMES: dict[str, dict[str, str]] = {
    "comparison": {"vi": "So sánh kịch bản", "en": "Scenario comparison"},
    "runs": {"vi": "Trạng thái chạy", "en": "Run status"},
}
_STATUS_LABELS: dict[str, dict[str, str]] = {
    "ok": {"vi": "đã chạy", "en": "ran"},
    "skipped": {"vi": "bỏ qua (không đổi)", "en": "skipped (unchanged)"},
    "failed": {"vi": "lỗi", "en": "failed"},
}


# --------------------------------------------------------------------------------------------
# Comparison


def _header(key: str, lang: Lang) -> str:
    from planning.i18n import label

    return label(key, lang)


def _outcomes_of(folder: Path, lang: Lang) -> dict[str, Any]:
    """One comparison row from a scenario folder.

    Prefers ``outcomes.json`` (``Result.outcomes()``, written by ``Result.write``); falls back to an ``outcomes`` section
    of the manifest, then to the district rows of ``summary.csv`` (end-year poverty rate and
    total spending), so the comparison never silently drops a scenario.
    """
    import pandas as pd

    row: dict[str, Any] = {}
    if (folder / OUTCOMES_JSON).exists():
        row = json.loads((folder / OUTCOMES_JSON).read_text(encoding="utf-8"))
    else:
        manifest = json.loads((folder / MANIFEST_JSON).read_text(encoding="utf-8"))
        if isinstance(manifest.get("outcomes"), dict):
            row = dict(manifest["outcomes"])
        else:
            df = pd.read_csv(folder / SUMMARY_CSV)
            if "unit" in df.columns:
                df = df[df["unit"] == "district"]
            if len(df) and "year" in df.columns:
                end = df[df["year"] == df["year"].max()]
                if "poverty_rate_mean" in df.columns:
                    row["poverty_rate_end_mean"] = float(end["poverty_rate_mean"].iloc[0])
                if "spending" in df.columns:
                    row["total_spending"] = float(df["spending"].sum())
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict) and set(value) >= {"vi", "en"}:
            value = value[lang]  # bilingual text such as the scenario title
        elif isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        out[key] = value
    out["scenario"] = str(out.get("scenario") or folder.name)
    return out


def _comparison_frame(folders: Sequence[Path], lang: Lang) -> Any:
    """The comparison table: ``planning.compare``'s layout (one row of ``Result.outcomes()``
    per scenario, keys as columns, in their order), built from the files the notebooks wrote."""
    import pandas as pd

    df = pd.DataFrame([_outcomes_of(f, lang) for f in folders])
    return df[["scenario", *(c for c in df.columns if c != "scenario")]]

def write_comparison_tables(
    comparison: Any,
    out_dir: str | os.PathLike[str],
    *,
    lang: Lang = "vi",
    runs: Sequence[ScenarioRun] = (),
) -> dict[str, Path]:
    """Write ``comparison.csv`` (machine keys) and ``comparison.xlsx`` (``lang`` headers).

    The workbook has the comparison sheet and a run-status sheet (one row per scenario of
    the batch, failed ones included, so a missing row in the comparison is explained).
    Both files are written atomically.
    """
    import pandas as pd

    out = Path(out_dir)
    csv_path, xlsx_path = out / COMPARISON_FILES["csv"], out / COMPARISON_FILES["xlsx"]
    _atomic_write(csv_path, lambda p: comparison.to_csv(p, index=False))

    shown = comparison.rename(columns={c: _header(c, lang) for c in comparison.columns})
    status = pd.DataFrame(
        [
            {
                "scenario": r.name,
                "scenario_file": display_path(r.scenario),
                "status": _STATUS_LABELS[r.status][lang],
                "error": (r.error or "").splitlines()[0] if r.error else "",
            }
            for r in runs
        ],
        columns=["scenario", "scenario_file", "status", "error"],
    )
    status = status.rename(columns={c: _header(c, lang) for c in status.columns})

    def write_xlsx(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            for key, frame in (("comparison", shown), ("runs", status)):
                sheet = SHEET_NAMES[key][lang]
                frame.to_excel(xw, sheet_name=sheet, index=False)
                ws = xw.sheets[sheet]
                ws.freeze_panes = "A2"
                for i, col in enumerate(frame.columns, start=1):
                    width = max([len(str(col))] + [len(str(v)) for v in frame.iloc[:, i - 1]])
                    ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(
                        max(10, width + 2), 60
                    )

    _atomic_write(xlsx_path, write_xlsx)
    return {"csv": csv_path, "xlsx": xlsx_path}

