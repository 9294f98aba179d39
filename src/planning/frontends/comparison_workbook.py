"""The comparison workbook: one row per scenario folder (``outcomes.json``, or fallbacks),
written as ``comparison.csv`` (machine keys) and ``comparison.xlsx`` (headers in Vietnamese
or English via :func:`planning.basics.i18n.label`, plus a run-status sheet).

One concept: the comparison tables of a batch.

**Numbers in the Excel file.** Every figure is a number cell (never text), so that planners
can sum, sort and chart it, with a number format that shows it the way the report does:
rates ``0.0%``, chances ``0%``, money and households ``#,##0``, cost per household
``#,##0.0``, gaps ``+0.0`` percentage points, years ``0`` (:data:`EXCEL_FORMATS`). An Excel
number format cannot carry literal separators (``#.##0,0`` is not a valid code, and escaped
characters break the digit grouping), so the separators are the ones of the format's
*locale*: the Vietnamese workbook's formats start with the vi-VN locale tag ``[$-42A]``, the
English one's with en-US ``[$-409]``. LibreOffice (checked: ``soffice --convert-to csv``
with formatted text) then shows ``1.234,6`` and ``6,4%`` in the Vietnamese workbook and
``1,234.6`` and ``6.4%`` in the English one, whatever the computer's settings. Microsoft Excel
draws the separators from the computer's regional settings (on a computer set to Vietnamese:
``1.234,6`` and ``6,4%``), so the same file shows the reader's usual style there; the value
itself is exact either way. The alternative — a second, text column with the formatted
figure — was rejected: two columns per figure, and text that cannot be summed or sorted.

The comparison sheet is for planners: the scenario's title in the workbook's language and
the figures; program details (ids, engine, seed, calibration file) stay in
``comparison.csv``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planning.basics.paths import display_path
from planning.frontends.batch_layout import (
    COMPARISON_FILES,
    MANIFEST_JSON,
    OUTCOMES_JSON,
    SUMMARY_CSV,
    Lang,
)
from planning.frontends.notebook_exec import _atomic_write

if TYPE_CHECKING:
    from planning.frontends.batch_layout import ScenarioRun

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


#: Excel number formats (en-US notation, as the file stores them) by kind of figure
_KIND_FORMATS: dict[str, str] = {
    "rate": "0.0%", "prob": "0%", "money": "#,##0", "count": "#,##0",
    "pp": "+#,##0.0;-#,##0.0;0.0", "year": "0",
}
#: the comparison's columns (outcome keys) → kind of figure
COLUMN_KINDS: dict[str, str] = {
    "target_rate": "rate", "poverty_rate_end_mean": "rate", "poverty_rate_end_p05": "rate",
    "poverty_rate_end_p95": "rate", "near_poor_rate_end_mean": "rate", "prob_below_target": "prob",
    "total_spending": "money", "cost_per_household_lifted": "money", "households_lifted": "count",
    "draws": "count", "end_year": "year", "first_year_target_met": "year", "gap_to_plan_pp_end": "pp",
}
#: locale tags of the formats: vi-VN (0x042A) and en-US (0x0409)
_LOCALE_TAG: dict[str, str] = {"vi": "[$-42A]", "en": "[$-409]"}
#: outcome keys kept out of the planners' sheet (they stay in comparison.csv)
_PROGRAM_COLUMNS = ("title_vi", "title_en", "engine", "seed", "calibration", "calibration_not_identified")


def excel_format(kind: str, lang: Lang) -> str:
    """The Excel number format of a figure of ``kind`` (see :data:`COLUMN_KINDS`) in ``lang``."""
    return _LOCALE_TAG[lang] + _KIND_FORMATS[kind]


EXCEL_FORMATS: dict[str, dict[str, str]] = {
    lang: {kind: excel_format(kind, lang) for kind in _KIND_FORMATS} for lang in ("vi", "en")
}


def _planner_sheet(comparison: Any, lang: Lang) -> Any:
    """The comparison as planners read it: the scenario's title (in ``lang``) first, program
    columns left out, figures as numbers (empty cells where there is none)."""
    import pandas as pd

    df = comparison.copy()
    title_col = f"title_{lang}"
    if title_col in df.columns:
        titles = [t if isinstance(t, str) and t.strip() else s
                  for t, s in zip(df[title_col], df["scenario"], strict=True)]
        df["scenario"] = titles
    df = df[[c for c in df.columns if c not in _PROGRAM_COLUMNS]]
    for col in df.columns:
        if col in COLUMN_KINDS:
            df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def _header(key: str, lang: Lang) -> str:
    from planning.basics.i18n import label

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

    planner = _planner_sheet(comparison, lang)
    kinds = [COLUMN_KINDS.get(c) for c in planner.columns]
    shown = planner.rename(columns={c: _header(c, lang) for c in planner.columns})
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
                if key == "comparison":
                    _format_numbers(ws, kinds, lang)
                for i, col in enumerate(frame.columns, start=1):
                    width = max([len(str(col))] + [len(str(v)) for v in frame.iloc[:, i - 1]])
                    ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(
                        max(10, width + 2), 60
                    )

    _atomic_write(xlsx_path, write_xlsx)
    return {"csv": csv_path, "xlsx": xlsx_path}


def _format_numbers(ws: Any, kinds: Sequence[str | None], lang: Lang) -> None:
    """Give every figure cell of the sheet its number format; empty cells stay empty."""
    for col, kind in enumerate(kinds, start=1):
        if kind is None:
            continue
        fmt = excel_format(kind, lang)
        for row in range(2, ws.max_row + 1):
            cell = ws.cell(row=row, column=col)
            if cell.value is not None:
                cell.number_format = fmt

