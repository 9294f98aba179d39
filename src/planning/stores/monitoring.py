"""The monitoring workbook: an Excel template in Vietnamese for the offices and communes, and
reading it back cell by cell.

Layout (``write_template``): a ``Hướng dẫn`` (instructions) sheet, then one sheet per reporting
level — ``Huyện`` (district offices, one row per district target) and ``Xã`` (one row per
commune × commune target; the communes are the four formed on 1 July 2025, which report from
2026). Rows 1–3 are titles and notes, rows 4 and 5 the column headers in Vietnamese and
English, data from row 6. Columns: unit id and target id (hidden), unit and indicator names,
unit of measure, goal, the 2025 level (the path's start) and, for each year 2026–2030, the four
quarters and the year. Grey cells are locked (sheet protection without a password); white cells
take numbers, with Excel data validation (percentages 0–100, counts whole and ≥ 0).

Reading back (``read_monitoring``): every filled white cell must be a number in range; a cell
typed as a percentage in Excel (0.85 shown as 85 %) is read as 85; text such as ``85,5`` is
accepted, ambiguous text such as ``1.234`` is not. Every bad cell is reported at once as a
:class:`PlanningInputErrors` naming the sheet and cell (``Xã!K12``) and what was expected.

A year's value (``Monitoring.annual``): the year column when filled; otherwise the quarters,
rolled up by the target's rule — the last quarter with a number (``rollup: last``, stock
indicators such as coverage rates) or their sum (``rollup: sum``, flows such as workers
trained). Values are in the target's unit (percent 0–100, or persons).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.basics.outputs import write_new_file
from planning.basics.paths import display_path
from planning.stores.targets import Target, TargetRegister, goal_text, load_targets
from planning.stores.units import DISTRICT, Units, load_units

__all__ = [
    "INSTRUCTIONS_SHEET",
    "LEVEL_SHEETS",
    "Monitoring",
    "PERIODS",
    "cell_address",
    "read_monitoring",
    "reporting_units",
    "write_template",
]

INSTRUCTIONS_SHEET = "Hướng dẫn"
LEVEL_SHEETS: dict[str, str] = {"district": "Huyện", "commune": "Xã"}
PERIODS: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4", "year")
BASE = "base"  # the period label of the 2025 column
FIRST_DATA_ROW = 6
HEADER_VI_ROW, HEADER_EN_ROW = 4, 5
#: rows of the instructions sheet holding the three cells the offices fill (column B)
META_ROWS: dict[str, tuple[int, str]] = {
    "prepared_by": (4, "Cơ quan lập / Prepared by"),
    "date": (5, "Ngày lập / Date"),
    "source": (6, "Nguồn số liệu / Source of the figures"),
}
_FIXED = [  # (vi header, en header, width)
    ("Mã đơn vị", "Unit id", 14), ("Đơn vị", "Unit", 24), ("Mã chỉ tiêu", "Target id", 20),
    ("Chỉ tiêu", "Indicator", 44), ("Đơn vị tính", "Unit of measure", 12), ("Mục tiêu", "Goal", 18),
]
_GREY, _WHITE, _HEAD = "D9D9D9", "FFFFFF", "DDEBF7"


def reporting_units(level: str, units: Units) -> list[str]:
    """The units that report at ``level``: ``['district']`` or the four new communes."""
    return [DISTRICT] if level == "district" else list(units.new_ids)


def _columns(register: TargetRegister) -> list[tuple[int, str]]:
    """(year, period) of each value column, from column G on: the baseline, then the quarters
    and the year of each plan year."""
    cols = [(register.baseline_year, BASE)]
    for y in register.years:
        cols += [(y, p) for p in PERIODS]
    return cols


def _period_headers(year: int, period: str) -> tuple[str, str]:
    if period == BASE:
        return f"{year} (năm gốc)", f"{year} (baseline)"
    if period == "year":
        return f"{year} Cả năm", f"{year} Year"
    return f"{year} Quý {period[1]}", f"{year} {period}"


def _layout(register: TargetRegister, units: Units) -> dict[tuple[str, str], tuple[str, int]]:
    """(unit, target) → (sheet, row): units in order, each with its level's targets."""
    out: dict[tuple[str, str], tuple[str, int]] = {}
    for level, sheet in LEVEL_SHEETS.items():
        row = FIRST_DATA_ROW
        for unit in reporting_units(level, units):
            for t in register.at_level(level):
                out[(unit, t.id)] = (sheet, row)
                row += 1
    return out


def cell_address(register: TargetRegister, units: Units, unit: str, target: str, year: int,
                 period: str) -> tuple[str, str]:
    """(sheet, cell) of one value in the template, e.g. ``('Xã', 'K12')``; ``period`` is
    ``'base'`` (the 2025 column), ``'Q1'``…``'Q4'`` or ``'year'``."""
    from openpyxl.utils import get_column_letter

    sheet, row = _layout(register, units)[(unit, target)]
    col = len(_FIXED) + 1 + _columns(register).index((year, period))
    return sheet, f"{get_column_letter(col)}{row}"


def _locked(t: Target, period: str) -> bool:
    """Cells that take no value: quarters of an annual indicator; the 2025 level of a running total."""
    return (t.frequency == "annual" and period in PERIODS[:4]) or (t.cumulative and period == BASE)


def _both(vi: str, en: str) -> str:
    """A cell's two lines (Vietnamese, then English); one line when they read the same."""
    return vi if vi == en else f"{vi}\n{en}"


# --------------------------------------------------------------------------- writing


def _instructions(ws: Any, register: TargetRegister) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    bold = Font(bold=True)
    ws["A1"] = register.title["vi"]
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = register.title["en"]
    ws["A2"].font = Font(italic=True)
    for _key, (row, text) in META_ROWS.items():
        ws.cell(row=row, column=1, value=text).font = bold
        c = ws.cell(row=row, column=2)
        c.protection = Protection(locked=False)
        c.fill = PatternFill("solid", fgColor=_WHITE)
        c.border = _thin_border()
    lines = [
        ("Cách điền", "How to fill in"),
        ("1. Điền số vào các ô trắng; ô xám đã khoá (mã, tên, mục tiêu).",
         "1. Type numbers in the white cells; grey cells are locked (ids, names, goals)."),
        ("2. Tỷ lệ (%) ghi từ 0 đến 100, không gõ dấu %; số người ghi số nguyên.",
         "2. Percentages go from 0 to 100, without the % sign; persons are whole numbers."),
        ("3. Cột 2025 (năm gốc) là mức xuất phát của lộ trình; để trống nếu chưa có số.",
         "3. The 2025 (baseline) column is where the path starts; leave it empty if unknown."),
        ("4. Cột Cả năm là số chính thức của năm. Nếu để trống: chỉ tiêu tỷ lệ lấy quý gần nhất có số, "
         "chỉ tiêu số lượng cộng các quý.",
         "4. The Year column is the year's official figure. When empty: rates take the last quarter "
         "with a number, counts add up the quarters."),
        ("5. Tỷ lệ hộ nghèo chỉ ghi theo năm (kết quả rà soát cuối năm).",
         "5. The poverty rate is yearly only (the end-of-year review)."),
        ("6. Không thêm, xoá hay đổi chỗ cột, dòng; không đổi tên trang.",
         "6. Do not add, delete or move columns or rows; do not rename the sheets."),
        ("7. Ghi nguồn số liệu ở ô B6 (báo cáo, quyết định, ngày).",
         "7. Name the source of the figures in cell B6 (report, decision, date)."),
        ("", ""),
        ("Danh mục chỉ tiêu (nguồn: " + register.source + ")", "Targets (source: see each row)"),
    ]
    row = 8
    for k, (vi, en) in enumerate(lines):
        ws.cell(row=row, column=1, value=vi).font = bold if k in (0, len(lines) - 1) else Font()
        ws.cell(row=row, column=4, value=en).font = Font(italic=True)
        row += 1
    head = ["Mã / Id", "Chỉ tiêu / Target", "Cấp báo cáo / Level", "Đơn vị tính / Unit",
            "Mục tiêu / Goal", "Cộng quý / Quarters roll up", "Nguồn, mức độ tin cậy / Source, status"]
    for j, h in enumerate(head, start=1):
        c = ws.cell(row=row, column=j, value=h)
        c.font = bold
        c.fill = PatternFill("solid", fgColor=_HEAD)
    level_txt = {"district": "Huyện / District", "commune": "Xã / Commune"}
    roll_txt = {"last": "Quý gần nhất / last quarter", "sum": "Cộng các quý / sum of quarters"}
    status_txt = {"stated": "mục tiêu nêu trong kế hoạch / stated",
                  "assumption": "MỨC MỤC TIÊU GIẢ ĐỊNH / level ASSUMED"}
    for t in register.targets:
        row += 1
        values = [t.id, f"{t.name['vi']}\n{t.name['en']}", level_txt[t.level],
                  _both(t.unit_label("vi"), t.unit_label("en")), _both(goal_text(t, "vi"), goal_text(t, "en")),
                  roll_txt[t.rollup] + (" (cộng dồn / running total)" if t.cumulative else ""),
                  f"{status_txt[t.status]}; {t.source}"]
        for j, v in enumerate(values, start=1):
            ws.cell(row=row, column=j, value=v).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFG", (16, 40, 18, 16, 24, 26, 60), strict=True):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True


def _thin_border() -> Any:
    from openpyxl.styles import Border, Side

    s = Side(style="thin", color="999999")
    return Border(left=s, right=s, top=s, bottom=s)


def _level_sheet(ws: Any, level: str, register: TargetRegister, units: Units) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    name_vi = {"district": "Báo cáo cấp huyện", "commune": "Báo cáo cấp xã"}[level]
    name_en = {"district": "District-level report", "commune": "Commune-level report"}[level]
    ws["A1"] = f"{name_vi} — {register.title['vi']}"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = f"{name_en} — {register.title['en']}"
    ws["A2"].font = Font(italic=True)
    ws["A3"] = ("Điền số vào ô trắng (tỷ lệ: 0–100, không gõ %). Xem trang 'Hướng dẫn'. / "
                "Type numbers in the white cells (percentages: 0–100, no % sign). See the 'Hướng dẫn' "
                "(instructions) sheet.")
    cols = _columns(register)
    headers = [(vi, en) for vi, en, _ in _FIXED] + [_period_headers(y, p) for y, p in cols]
    border = _thin_border()
    for j, (vi, en) in enumerate(headers, start=1):
        for row, text in ((HEADER_VI_ROW, vi), (HEADER_EN_ROW, en)):
            c = ws.cell(row=row, column=j, value=text)
            c.font = Font(bold=row == HEADER_VI_ROW, italic=row == HEADER_EN_ROW)
            c.fill = PatternFill("solid", fgColor=_HEAD)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            c.border = border
    for j, (_, _, width) in enumerate(_FIXED, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    for j in range(len(_FIXED) + 1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 10
    ws.column_dimensions["A"].hidden = True
    ws.column_dimensions["C"].hidden = True

    pct = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                         showErrorMessage=True, errorTitle="Sai giá trị / Invalid value",
                         error="Nhập tỷ lệ từ 0 đến 100, không gõ dấu %. / Type a percentage from 0 to 100, "
                               "without the % sign.")
    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showErrorMessage=True, errorTitle="Sai giá trị / Invalid value",
                           error="Nhập số nguyên không âm. / Type a whole number, 0 or more.")
    ws.add_data_validation(pct)
    ws.add_data_validation(whole)
    grey, white = PatternFill("solid", fgColor=_GREY), PatternFill("solid", fgColor=_WHITE)
    row = FIRST_DATA_ROW
    for unit in reporting_units(level, units):
        for t in register.at_level(level):
            fixed = [unit, f"{units.name(unit, 'vi')}\n{units.name(unit, 'en')}", t.id,
                     f"{t.name['vi']}\n{t.name['en']}", _both(t.unit_label("vi"), t.unit_label("en")),
                     _both(goal_text(t, "vi"), goal_text(t, "en"))]
            for j, v in enumerate(fixed, start=1):
                c = ws.cell(row=row, column=j, value=v)
                c.fill = grey
                c.border = border
                c.alignment = Alignment(wrap_text=True, vertical="top")
            dv = pct if t.unit == "percent" else whole
            for j, (_y, period) in enumerate(cols, start=len(_FIXED) + 1):
                c = ws.cell(row=row, column=j)
                c.border = border
                if _locked(t, period):
                    c.fill = grey
                    continue
                c.fill = white
                c.protection = Protection(locked=False)
                c.number_format = "0.0" if t.unit == "percent" else "#,##0"
                dv.add(c.coordinate)
            ws.row_dimensions[row].height = 30
            row += 1
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=len(_FIXED) + 1)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widths may still be changed
    ws.protection.formatRows = False


def write_template(out: str | Path, register: TargetRegister | None = None, units: Units | None = None, *,
                   overwrite: bool = False) -> Path:
    """Write the empty monitoring workbook to ``out`` (.xlsx), atomically. An existing file
    (perhaps filled in by the offices) is replaced only with ``overwrite``."""
    from openpyxl import Workbook

    register = register or load_targets()
    units = units or load_units()
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        shown = display_path(out)
        raise PlanningInputError(shown, "--out", "a file name ending in .xlsx", out.suffix or "no extension",
                                 message_vi=f"Tệp {shown}: cần tên tệp có đuôi .xlsx")
    wb = Workbook()
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET
    _instructions(ws, register)
    for level, sheet in LEVEL_SHEETS.items():
        if register.at_level(level):
            _level_sheet(wb.create_sheet(sheet), level, register, units)
    return write_new_file(out, lambda tmp: wb.save(tmp), overwrite=overwrite)


# --------------------------------------------------------------------------- reading


@dataclass
class Monitoring:
    """What a filled workbook holds: one row per filled cell (``values``: ``level, unit, target,
    year, period, value, cell``; ``period`` is ``base``, ``Q1``…``Q4`` or ``year``; ``value`` in
    the target's unit) and the three cells of the instructions sheet."""

    values: pd.DataFrame
    file: str
    register: TargetRegister
    meta: dict[str, str] = field(default_factory=dict)

    def annual(self) -> pd.DataFrame:
        """One value per ``level, unit, target, year`` (the 2025 level included, as year 2025):
        the year cell if filled, else the quarters rolled up by the target's rule; ``from``
        says which (``year``, ``base``, ``quarters``)."""
        rows = []
        for (level, unit, tid, year), g in self.values.groupby(["level", "unit", "target", "year"], sort=False):
            t = self.register.get(tid)
            by = dict(zip(g["period"], g["value"], strict=True))
            if BASE in by:
                value, source = by[BASE], "base"
            elif "year" in by:
                value, source = by["year"], "year"
            else:
                quarters = [by[q] for q in PERIODS[:4] if q in by]
                if not quarters:
                    continue
                value = float(sum(quarters)) if t.rollup == "sum" else quarters[-1]
                source = "quarters"
            rows.append({"level": level, "unit": unit, "target": tid, "year": int(year),
                         "value": float(value), "from": source})
        return pd.DataFrame(rows, columns=["level", "unit", "target", "year", "value", "from"])


_NUMBER_TEXT = re.compile(r"^[+-]?\d+(?:[.,](\d+))?$")


def _parse(cell: Any, percent: bool) -> tuple[float | None, str | None]:
    """(value, None) or (None, why) for one cell; ``None, None`` when empty."""
    v = cell.value
    if v is None or (isinstance(v, str) and not v.strip()):
        return None, None
    if isinstance(v, bool):
        return None, "bool"
    if isinstance(v, int | float):
        x = float(v)
        if percent and "%" in str(cell.number_format or ""):
            x *= 100.0  # Excel stores 85 % as 0.85
        return (x, None) if math.isfinite(x) else (None, "nan")
    if isinstance(v, str):
        s = v.strip().rstrip("%").strip().replace(" ", "")
        m = _NUMBER_TEXT.match(s)
        if not m:
            return None, "text"
        if m.group(1) is not None and len(m.group(1)) == 3:
            return None, "ambiguous"
        return float(s.replace(",", ".")), None
    return None, "text"


def _expected(t: Target) -> tuple[str, str]:
    if t.unit == "percent":
        return "a percentage from 0 to 100 (a number, without the % sign)", \
            "tỷ lệ phần trăm từ 0 đến 100 (một số, không gõ dấu %)"
    return "a whole number of persons, 0 or more", "số người là số nguyên, từ 0 trở lên"


def _open(p: Path, shown: str, data_only: bool) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(p, data_only=data_only)
    except Exception as exc:  # noqa: BLE001 (any unreadable file is the same user error)
        raise PlanningInputError(shown, "<file>", "an Excel workbook (.xlsx) made from the template",
                                 type(exc).__name__,
                                 message_vi=f"Không đọc được tệp {shown} (cần tệp Excel .xlsx lập từ mẫu)") from None


def read_monitoring(path: str | Path, register: TargetRegister | None = None,
                    units: Units | None = None) -> Monitoring:
    """Read a filled workbook; every bad cell is refused (sheet!cell, what was expected)."""
    from openpyxl.utils import get_column_letter

    register = register or load_targets()
    units = units or load_units()
    p = Path(path)
    shown = display_path(p)
    if not p.is_file():
        raise PlanningInputError(shown, "<file>", "an existing .xlsx file", "missing file",
                                 message_vi=f"Không tìm thấy tệp {shown}")
    wb = _open(p, shown, data_only=True)
    formulas = _open(p, shown, data_only=False)
    errors: list[PlanningInputError] = []

    def bad(sheet: str, coord: str, en: str, vi: str, got: Any, context_en: str = "", context_vi: str = "") -> None:
        where = f"{sheet}!{coord}"
        got_vi = "ô trống" if got is None else str(got)
        errors.append(PlanningInputError(
            shown, where, en + (f" ({context_en})" if context_en else ""), got,
            message_vi=f"{shown}, ô {where}" + (f" ({context_vi})" if context_vi else "")
                       + f": cần {vi}; nhận: {got_vi}"))

    cols = _columns(register)
    headers = [(vi, en) for vi, en, _ in _FIXED] + [_period_headers(y, q) for y, q in cols]
    records = []
    for level, sheet in LEVEL_SHEETS.items():
        targets = {t.id: t for t in register.at_level(level)}
        if not targets:
            continue
        if sheet not in wb.sheetnames:
            raise PlanningInputError(shown, sheet, f"a sheet named '{sheet}' (from the template)", "absent",
                                     message_vi=f"{shown}: thiếu trang '{sheet}' (hãy dùng tệp mẫu)")
        ws, wf = wb[sheet], formulas[sheet]
        for j, (vi, en) in enumerate(headers, start=1):
            for row, text in ((HEADER_VI_ROW, vi), (HEADER_EN_ROW, en)):
                got = ws.cell(row=row, column=j).value
                if str(got or "").strip() != text:
                    bad(sheet, f"{get_column_letter(j)}{row}", f"the header '{text}' (columns must not be moved)",
                        f"tiêu đề '{text}' (không thêm, xoá, đổi chỗ cột)", got)
        valid_units = reporting_units(level, units)
        seen: dict[tuple[str, str], int] = {}
        for row in range(FIRST_DATA_ROW, ws.max_row + 1):
            unit, tid = ws.cell(row=row, column=1).value, ws.cell(row=row, column=3).value
            values = [ws.cell(row=row, column=j).value for j in range(len(_FIXED) + 1, len(headers) + 1)]
            if unit is None and tid is None and all(v is None for v in values):
                continue
            if unit not in valid_units:
                bad(sheet, f"A{row}", f"a unit id of this sheet ({', '.join(valid_units)})",
                    f"mã đơn vị của trang này ({', '.join(valid_units)})", unit)
                continue
            if tid not in targets:
                bad(sheet, f"C{row}", f"a target id of this level ({', '.join(targets)})",
                    f"mã chỉ tiêu của cấp này ({', '.join(targets)})", tid)
                continue
            if (unit, tid) in seen:
                bad(sheet, f"C{row}", f"each unit and target once (already on row {seen[(unit, tid)]})",
                    f"mỗi đơn vị, chỉ tiêu một dòng (đã có ở dòng {seen[(unit, tid)]})", tid)
                continue
            seen[(unit, tid)] = row
            t = targets[tid]
            en_exp, vi_exp = _expected(t)
            for j, (year, period) in enumerate(cols, start=len(_FIXED) + 1):
                cell = ws.cell(row=row, column=j)
                coord = cell.coordinate
                head_vi, head_en = _period_headers(year, period)
                ctx_en = f"{units.name(unit, 'en')}, {t.name['en']}, {head_en}"
                ctx_vi = f"{units.name(unit, 'vi')}, {t.name['vi']}, {head_vi}"
                raw_formula = wf.cell(row=row, column=j).value
                if cell.value is None and isinstance(raw_formula, str) and raw_formula.startswith("="):
                    bad(sheet, coord, "a number (this formula has no saved result: open the file in Excel "
                        "and save it again)", "một số (công thức chưa có kết quả: mở tệp bằng Excel rồi lưu lại)",
                        raw_formula, ctx_en, ctx_vi)
                    continue
                value, why = _parse(cell, t.unit == "percent")
                if value is None and why is None:
                    continue
                if _locked(t, period):
                    what_en = ("an empty cell: this indicator is reported for the whole year only"
                               if period != BASE else "an empty cell: a running total starts at 0")
                    what_vi = ("ô trống: chỉ tiêu này chỉ báo cáo cả năm" if period != BASE
                               else "ô trống: chỉ tiêu cộng dồn bắt đầu từ 0")
                    bad(sheet, coord, what_en, what_vi, cell.value, ctx_en, ctx_vi)
                    continue
                if why == "ambiguous":
                    bad(sheet, coord, f"{en_exp}; '{cell.value}' could be read two ways: type it as a number",
                        f"{vi_exp}; '{cell.value}' có thể hiểu hai cách: hãy gõ dạng số", cell.value, ctx_en, ctx_vi)
                    continue
                spec = t.spec
                if (value is None or value < spec.minimum or (spec.maximum is not None and value > spec.maximum)
                        or (spec.whole and not float(value).is_integer())):
                    bad(sheet, coord, en_exp, vi_exp, cell.value, ctx_en, ctx_vi)
                    continue
                records.append({"level": level, "unit": unit, "target": tid, "year": year, "period": period,
                                "value": float(value), "cell": f"{sheet}!{coord}"})
    if errors:
        raise PlanningInputErrors(errors)
    meta = {}
    if INSTRUCTIONS_SHEET in wb.sheetnames:
        wi = wb[INSTRUCTIONS_SHEET]
        for key, (row, _label) in META_ROWS.items():
            v = wi.cell(row=row, column=2).value
            if hasattr(v, "date") and callable(v.date):  # a date typed as a date
                v = v.date().isoformat()
            meta[key] = "" if v is None else str(v).strip()
    values = pd.DataFrame(records, columns=["level", "unit", "target", "year", "period", "value", "cell"])
    return Monitoring(values=values, file=shown, register=register, meta=meta)
