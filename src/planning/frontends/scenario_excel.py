"""Budgets in Excel: a scenario as a workbook (``planning template``), read back as YAML is.

``write_scenario_workbook(scenario, path)`` writes a scenario (YAML file, dict or loaded) as a
workbook for planners who work in Excel: instructions, the scenario's settings, the budget by
year × component (million VND), the allocation rule and shares, the allocation table, commune
priorities, assumptions (the scenario's ``overrides``, beside the data files' values) and
shocks. ``extends:`` chains and ``overrides_file:`` are flattened into it (the workbook stands
alone); the allocation table is copied into it. Relative paths keep pointing at the same files:
the data folder and the calibration file are rewritten relative to the workbook's folder (as a
YAML scenario's are relative to its own folder).

``read_scenario_workbook(path)`` (:mod:`planning.stores.scenario_excel_read`) returns the dict a YAML
scenario holds; :func:`planning.stores.scenario.load_scenario` dispatches ``.xlsx`` paths to it, so
``run``, ``validate``, ``compare``, ``batch``, ``target`` and the optimiser all take a workbook.
Numbers round-trip bit for bit: a double that openpyxl's 16-digit writer would round is stored
with its shortest exact representation (``repr``).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from planning.basics.errors import PlanningInputError
from planning.basics.paths import display_path, relative_path
from planning.stores.scenario import RULES, LoadedScenario, load_scenario
from planning.stores.scenario_excel_layout import (
    ASSUMPTION_COLUMNS,
    BUDGET_FIRST,
    BUDGET_TOTAL,
    DIST_KEYS,
    EN_ROW,
    EXTRA_ASSUMPTION_ROWS,
    EXTRA_SHOCK_ROWS,
    FIRST_ROW,
    ID_ROW,
    PRIORITY_COLUMN,
    RULE_ROW,
    RULE_TEXT,
    SAMPLING,
    SCENARIO_COLUMNS,
    SCENARIO_FIELDS,
    SHARE_COLUMN,
    SHEET_PURPOSE,
    SHEETS,
    SHOCK_COLUMNS,
    STREAM_KEY_PREFIX,
    TABLE_FIXED,
    UNIT_COLUMNS,
    VI_ROW,
    Column,
    assumption_roots,
    file_entries,
    flatten_overrides,
    sheet_name,
)
from planning.stores.scenario_excel_read import read_allocation_sheet, read_scenario_workbook

__all__ = ["cli_main", "read_allocation_sheet", "read_scenario_workbook", "write_scenario_workbook"]

_GREY, _WHITE, _HEAD = "D9D9D9", "FFFFFF", "DDEBF7"
_MONEY = "#,##0.0"


def yaml_text(value: Any) -> str:
    """``value`` as one line of YAML (floats as ``repr``: they read back exactly)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**9)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def set_number(cell: Any, x: float | int) -> None:
    """Put a number in ``cell`` so that it reads back bit-identical.

    openpyxl writes numbers with ``'%.16g'``, which rounds some doubles (0.30000000000000004),
    turns 3000.0 into an integer and rounds integers past 2**53: floats and such integers are
    handed to the writer as their exact text instead."""
    cell.value = x
    if isinstance(x, float) and math.isfinite(x):
        # repr is the shortest text that reads back as the same double, and keeps it a float
        # (openpyxl reads '3000' as an int and '-0' as 0)
        cell._value = repr(x)  # noqa: SLF001 (the cell stays numeric; openpyxl writes this text as is)
    elif isinstance(x, int) and abs(x) > 2**53:
        cell._value = str(x)  # noqa: SLF001


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


class _Writer:
    """Styles and protections shared by the sheets."""

    def __init__(self) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Border, Font, PatternFill, Side

        self.wb = Workbook()
        side = Side(style="thin", color="999999")
        self.border = Border(left=side, right=side, top=side, bottom=side)
        self.grey, self.white = PatternFill("solid", fgColor=_GREY), PatternFill("solid", fgColor=_WHITE)
        self.head = PatternFill("solid", fgColor=_HEAD)
        self.bold, self.italic = Font(bold=True), Font(italic=True)

    def sheet(self, key: str, title_vi: str, title_en: str, note: str) -> Any:
        from openpyxl.styles import Font

        ws = self.wb.active if key == "instructions" else self.wb.create_sheet()
        ws.title = sheet_name(key)
        ws["A1"], ws["A2"], ws["A3"] = title_vi, title_en, note
        ws["A1"].font = Font(bold=True, size=13)
        ws["A2"].font = self.italic
        return ws

    def headers(self, ws: Any, columns: list[Column]) -> None:
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        for j, (cid, vi, en, width) in enumerate(columns, start=1):
            for row, text, font in ((ID_ROW, cid, Font(color="666666", size=9)), (VI_ROW, vi, self.bold),
                                    (EN_ROW, en, self.italic)):
                c = ws.cell(row=row, column=j, value=text)
                c.font, c.border, c.fill = font, self.border, self.grey if row == ID_ROW else self.head
                c.alignment = Alignment(wrap_text=True, vertical="top")
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.freeze_panes = ws.cell(row=FIRST_ROW, column=2)

    def fixed(self, ws: Any, row: int, col: int, value: Any) -> Any:
        from openpyxl.styles import Alignment

        c = ws.cell(row=row, column=col, value=value)
        c.fill, c.border = self.grey, self.border
        c.alignment = Alignment(wrap_text=True, vertical="top")
        return c

    def entry(self, ws: Any, row: int, col: int, value: Any = None, fmt: str | None = None,
              dv: Any = None) -> Any:
        """A white cell the planner fills; numbers exactly."""
        from openpyxl.styles import Alignment, Protection

        c = ws.cell(row=row, column=col)
        if _is_number(value):
            set_number(c, value)
        elif value is not None:
            c.value = value
        c.fill, c.border, c.protection = self.white, self.border, Protection(locked=False)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        if fmt:
            c.number_format = fmt
        if dv is not None:
            dv.add(c.coordinate)
        return c

    def validation(self, ws: Any, kind: str, formula1: str, formula2: str | None = None, *,
                   operator: str | None = None, vi: str, en: str) -> Any:
        from openpyxl.worksheet.datavalidation import DataValidation

        dv = DataValidation(type=kind, operator=operator, formula1=formula1, formula2=formula2, allow_blank=True,
                            showErrorMessage=True, errorTitle="Sai giá trị / Invalid value", error=f"{vi} / {en}")
        ws.add_data_validation(dv)
        return dv

    @staticmethod
    def protect(ws: Any) -> None:
        """Lock the sheet (no password; white cells stay editable), size each row to its wrapped
        text (Excel and LibreOffice keep a written file's row heights), print one page wide."""
        from openpyxl.utils import get_column_letter

        for row in ws.iter_rows(min_row=4):
            lines = 1
            for c in row:
                if isinstance(c.value, str) and c.alignment.wrap_text and not c.value.startswith("="):
                    width = max((ws.column_dimensions[get_column_letter(c.column)].width or 10) - 1, 4)
                    lines = max(lines, sum(math.ceil(max(len(part), 1) / width) for part in c.value.split("\n")))
            if lines > 1:
                ws.row_dimensions[row[0].row].height = 15 * lines
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        ws.page_setup.orientation = "landscape"  # printed one page wide
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True


def _instructions(w: _Writer, loaded: LoadedScenario) -> None:
    from openpyxl.styles import Alignment

    sc = loaded.scenario
    ws = w.sheet("instructions", f"Kịch bản ngân sách giảm nghèo — {sc.title.vi}",
                 f"Poverty-reduction budget scenario — {sc.title.en}",
                 f"Lập từ / Written from: {loaded.source}")
    lines = [
        ("Cách điền", "How to fill it in"),
        ("1. Điền vào các ô trắng; ô xám là mã và nhãn (đã khoá, không cần mật khẩu để mở khoá).",
         "1. Type in the white cells; grey cells are ids and labels (locked, no password)."),
        ("2. Tiền tính bằng triệu đồng; tỷ lệ là số từ 0 đến 1. Gõ số, không gõ chữ.",
         "2. Money is million VND; shares are numbers from 0 to 1. Type numbers, not text."),
        ("3. Không đổi tên trang, không thêm, xoá hay đổi chỗ cột; mã ở dòng 6 và cột A phải giữ nguyên.",
         "3. Do not rename sheets or add, delete or move columns; keep the ids in row 6 and column A."),
        ("4. Sổ tính được đọc đúng như tệp kịch bản YAML: planning run plan.xlsx --out runs/plan; "
         "planning validate plan.xlsx kiểm tra trước.",
         "4. The workbook is read exactly as a YAML scenario: planning run plan.xlsx --out runs/plan; "
         "planning validate plan.xlsx checks it first."),
        ("5. Ô sai được báo theo trang và ô (ví dụ Ngân sách!C10) cùng giá trị cần có; không có gì được ghi.",
         "5. A bad cell is reported by sheet and cell (e.g. Ngân sách!C10) with what was expected; nothing is written."),
        ("6. Thư mục số liệu và tệp hiệu chỉnh tính từ thư mục chứa sổ tính này: khi chuyển sổ tính sang "
         "thư mục khác, hãy lập lại mẫu (planning template) hoặc sửa đường dẫn.",
         "6. The data folder and the calibration file are relative to this workbook's folder: if you move the "
         "workbook, write the template again (planning template) or correct the paths."),
        ("", ""),
        ("Các trang", "Sheets"),
    ]
    lines += [(f"{SHEETS[k][0]}: {vi}", f"{SHEETS[k][1]}: {en}") for k, (vi, en) in SHEET_PURPOSE.items()]
    lines += [("", ""), ("Quy tắc phân bổ (Phân bổ!B4)", "Allocation rules (Phân bổ!B4)")]
    lines += [(f"{r}: {vi}", f"{r}: {en}") for r, (vi, en) in RULE_TEXT.items()]
    headings = {"Cách điền", "Các trang", "Quy tắc phân bổ (Phân bổ!B4)"}
    for k, (vi, en) in enumerate(lines, start=5):
        for col, text in ((1, vi), (2, en)):
            c = ws.cell(row=k, column=col, value=text or None)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            if vi in headings:
                c.font = w.bold
            elif col == 2:
                c.font = w.italic
    ws.column_dimensions["A"].width = 80
    ws.column_dimensions["B"].width = 80
    w.protect(ws)


def _scenario_sheet(w: _Writer, loaded: LoadedScenario, calibration: str | None, standards: list[str],
                    baseline: str | None = None) -> None:
    sc = loaded.scenario
    ws = w.sheet("scenario", "Thông tin kịch bản", "Scenario settings",
                 "Điền cột Giá trị (D). / Fill in the Value column (D).")
    w.headers(ws, SCENARIO_COLUMNS)
    values: dict[str, Any] = {
        "name": sc.name, "title.vi": sc.title.vi, "title.en": sc.title.en,
        "description.vi": sc.description.vi if sc.description else None,
        "description.en": sc.description.en if sc.description else None,
        "start_year": sc.start_year, "end_year": sc.end_year, "baseline": baseline,
        "calibration": calibration, "budget_scale": sc.budget_scale, "draws": sc.draws, "seed": sc.seed,
        "sampling": sc.sampling, "random_shocks": sc.random_shocks,
    }
    lists = {"sampling": ",".join(SAMPLING), "bool": "TRUE,FALSE"}
    dvs = {kind: w.validation(ws, "list", f'"{f}"', vi="Chọn trong danh sách", en="Choose from the list")
           for kind, f in lists.items()}
    dvs["standard"] = w.validation(ws, "list", f'"{",".join(standards)}"', vi="Chọn trong danh sách",
                                   en="Choose from the list")
    dvs["year"] = w.validation(ws, "whole", "2022", "2100", operator="between", vi="Năm 2022–2100", en="A year 2022–2100")
    dvs["draws"] = w.validation(ws, "whole", "1", "1000000", operator="between", vi="Số nguyên 1–1.000.000",
                                en="A whole number 1–1,000,000")
    dvs["seed"] = w.validation(ws, "whole", "0", operator="greaterThanOrEqual", vi="Số nguyên ≥ 0", en="A whole number ≥ 0")
    dvs["scale"] = w.validation(ws, "decimal", "0", operator="greaterThanOrEqual", vi="Số ≥ 0", en="A number ≥ 0")
    row = FIRST_ROW
    for fid, kind, vi, en, note_vi, note_en in SCENARIO_FIELDS:
        for col, text in enumerate((fid, vi, en), start=1):
            w.fixed(ws, row, col, text)
        w.entry(ws, row, 4, values[fid], dv=dvs.get(kind))
        w.fixed(ws, row, 5, f"{note_vi} / {note_en}")
        row += 1
    for year in sc.years:
        for col, text in enumerate((f"standards.{year}", f"Chuẩn nghèo áp dụng từ năm {year}",
                                    f"Poverty standard from {year} on"), start=1):
            w.fixed(ws, row, col, text)
        w.entry(ws, row, 4, sc.standards.get(year), dv=dvs["standard"])
        w.fixed(ws, row, 5, f"trống: theo pháp luật hoặc năm trước; có: {', '.join(standards)} / "
                            f"empty: the law's or the year before's; known: {', '.join(standards)}")
        row += 1
    w.protect(ws)


def _budget_sheet(w: _Writer, loaded: LoadedScenario, components: list[tuple[str, str, str]], *,
                  key: str = "budget", amounts: dict[int, dict[str, float]] | None = None,
                  title: tuple[str, str] = ("Ngân sách theo năm và hợp phần (triệu đồng)",
                                            "Budget by year and component (million VND)")) -> None:
    """The budget sheet, or a funding stream's sheet (``key`` ``stream.<id>``) in the same layout."""
    from openpyxl.utils import get_column_letter

    sc = loaded.scenario
    money = sc.budget if amounts is None else amounts
    ws = w.sheet(key, *title, "Ô trống: không chi; tổng ở cột cuối tự tính. / Empty cell: nothing spent; "
                 "the last column adds up by itself.")
    cols = [BUDGET_FIRST, *[(cid, vi, en, 16) for cid, vi, en in components], BUDGET_TOTAL]
    w.headers(ws, cols)
    dv = w.validation(ws, "decimal", "0", operator="greaterThanOrEqual", vi="Nhập số ≥ 0 (triệu đồng)",
                      en="Type a number ≥ 0 (million VND)")
    last = get_column_letter(len(components) + 1)
    for i, year in enumerate(sc.years):
        row = FIRST_ROW + i
        w.fixed(ws, row, 1, year)
        for j, (cid, _vi, _en) in enumerate(components, start=2):
            w.entry(ws, row, j, money.get(year, {}).get(cid), _MONEY, dv)
        w.fixed(ws, row, len(cols), f"=SUM(B{row}:{last}{row})").number_format = _MONEY
    w.protect(ws)


def _stream_sheets(w: _Writer, loaded: LoadedScenario, components: list[tuple[str, str, str]]) -> None:
    """One sheet per funding stream of the data folder (empty where the scenario states no money
    for it), with only the components that stream may pay for (a loan stream: the volume lent)."""
    from planning.stores.streams import FILE_NAME, load_funding_streams

    path = loaded.baseline_dir / FILE_NAME
    if not path.exists() and not loaded.scenario.streams:
        return  # a data folder without streams: the budget sheet alone
    streams = load_funding_streams(path, tuple(c[0] for c in components))
    for st in streams.streams:
        allowed = [c for c in components if c[0] in st.components]
        what_vi, what_en = ("số tiền cho vay", "volume lent") if st.kind == "loan" else ("triệu đồng", "million VND")
        _budget_sheet(w, loaded, allowed, key=f"{STREAM_KEY_PREFIX}{st.id}",
                      amounts=loaded.scenario.streams.get(st.id, {}),
                      title=(f"{st.name_vi} — theo năm và hợp phần ({what_vi}, triệu đồng)",
                             f"{st.name_en} — by year and component ({what_en}, million VND)"))


def _unit_rows(w: _Writer, ws: Any, units: Any, column: Column, values: dict[str, float], dv: Any,
               fmt: str) -> None:
    w.headers(ws, [*UNIT_COLUMNS, column])
    for i, uid in enumerate(units.ids):
        row = FIRST_ROW + i
        new = units.new_ids[int(np.argmax(units.membership[:, i]))]
        for col, text in enumerate((uid, units.names_vi[i], units.names_en[i],
                                    f"{units.name(new, 'vi')} / {units.name(new, 'en')}"), start=1):
            w.fixed(ws, row, col, text)
        w.entry(ws, row, len(UNIT_COLUMNS) + 1, values.get(uid), fmt, dv)


def _allocation_sheet(w: _Writer, loaded: LoadedScenario, units: Any) -> None:
    alloc = loaded.scenario.allocation
    ws = w.sheet("allocation", "Phân bổ ngân sách cho các xã", "Allocation across communes",
                 "Chọn quy tắc ở ô B4 (xem trang Hướng dẫn). / Choose the rule in cell B4 (see the instructions).")
    w.fixed(ws, RULE_ROW, 1, "Quy tắc / Rule")
    dv = w.validation(ws, "list", f'"{",".join(RULES)}"', vi="Chọn quy tắc trong danh sách", en="Choose a rule from the list")
    w.entry(ws, RULE_ROW, 2, alloc.rule, dv=dv)
    w.fixed(ws, RULE_ROW, 3, " | ".join(RULES))
    share_dv = w.validation(ws, "decimal", "0", "1", operator="between", vi="Nhập tỷ lệ từ 0 đến 1", en="Type a share from 0 to 1")
    _unit_rows(w, ws, units, SHARE_COLUMN, dict(alloc.shares or {}), share_dv, "0.000")
    w.protect(ws)


def _priorities_sheet(w: _Writer, loaded: LoadedScenario, units: Any) -> None:
    ws = w.sheet("priorities", "Hệ số ưu tiên của các xã", "Commune priorities",
                 "Trọng số của xã được nhân với hệ số này trước khi chia (1 = không đổi). / A commune's weight is "
                 "multiplied by this before the split (1 = no change).")
    dv = w.validation(ws, "decimal", "0", operator="greaterThanOrEqual", vi="Nhập số ≥ 0", en="Type a number ≥ 0")
    _unit_rows(w, ws, units, PRIORITY_COLUMN, dict(loaded.scenario.allocation.priorities), dv, "0.00")
    w.protect(ws)


def _table_sheet(w: _Writer, loaded: LoadedScenario, units: Any, components: list[tuple[str, str, str]],
                 amounts: np.ndarray | None) -> None:
    sc = loaded.scenario
    ws = w.sheet("table", "Bảng phân bổ: xã × hợp phần × năm (triệu đồng)",
                 "Allocation table: commune × component × year (million VND)",
                 "Chỉ dùng khi Phân bổ!B4 là table; ô trống = 0. / Used only when Phân bổ!B4 is table; empty = 0.")
    w.headers(ws, [*TABLE_FIXED, *[(str(y), str(y), str(y), 12) for y in sc.years]])
    for j, year in enumerate(sc.years, start=len(TABLE_FIXED) + 1):
        ws.cell(row=ID_ROW, column=j, value=year)
    dv = w.validation(ws, "decimal", "0", operator="greaterThanOrEqual", vi="Nhập số ≥ 0 (triệu đồng)",
                      en="Type a number ≥ 0 (million VND)")
    row = FIRST_ROW
    for u, uid in enumerate(units.ids):
        for k, (cid, vi, en) in enumerate(components):
            for col, text in enumerate((uid, units.names_vi[u], cid, f"{vi} / {en}"), start=1):
                w.fixed(ws, row, col, text)
            for t in range(len(sc.years)):
                x = None if amounts is None or amounts[u, k, t] == 0 else float(amounts[u, k, t])
                w.entry(ws, row, len(TABLE_FIXED) + 1 + t, x, _MONEY, dv)
            row += 1
    w.protect(ws)


def _assumptions_sheet(w: _Writer, loaded: LoadedScenario, roots: dict[str, Any]) -> None:
    ws = w.sheet("assumptions", "Giả định thay đổi so với tệp số liệu", "Assumptions changed from the data files",
                 "Điền mode/low/high (hoặc value) để thay giá trị của tệp; để trống = giữ nguyên. Cột Khác nhận YAML. / "
                 "Fill mode/low/high (or value) to replace the file's; empty = unchanged. The Other column takes YAML.")
    w.headers(ws, ASSUMPTION_COLUMNS)
    sc = loaded.scenario
    changed: dict[str, Any] = {}
    for root in ("model", "programmes"):
        tree = getattr(sc.overrides, root)
        if tree:
            changed.update(dict(flatten_overrides(tree, root)))
    listed = [(name, entry) for root, tree in roots.items() for name, entry in file_entries(tree, root)]
    names = {name for name, _ in listed}
    rows: list[tuple[str, dict[str, Any] | None]] = listed + [(n, None) for n in changed if n not in names]
    col = {c[0]: j for j, c in enumerate(ASSUMPTION_COLUMNS, start=1)}
    row = FIRST_ROW
    for name, entry in rows:
        (w.fixed if entry is not None else w.entry)(ws, row, col["name"], name)
        w.fixed(ws, row, col["meaning"], _meaning(name, entry, roots))
        delta = changed.get(name)
        nums = {k: v for k, v in delta.items() if k in DIST_KEYS and _is_number(v)} if isinstance(delta, dict) else {}
        for key in DIST_KEYS:
            applies = entry is None or (key == "value") == ("mode" not in entry)
            (w.entry if applies or key in nums else w.fixed)(ws, row, col[key], nums.get(key))
        rest = {k: v for k, v in delta.items() if k not in nums} if isinstance(delta, dict) else delta
        other = None if name not in changed or rest == {} and nums else yaml_text(rest)
        w.entry(ws, row, col["other"], other)
        for key in DIST_KEYS:
            ref = (entry or {}).get(key)
            c = w.fixed(ws, row, col[f"file_{key}"], None)
            if _is_number(ref):
                set_number(c, ref)
        w.fixed(ws, row, col["source"], str((entry or {}).get("source", "")) or None)
        row += 1
    for _ in range(EXTRA_ASSUMPTION_ROWS):
        for j in range(1, col["other"] + 1):
            w.entry(ws, row, j)
        row += 1
    w.protect(ws)


def _meaning(name: str, entry: dict[str, Any] | None, roots: dict[str, Any]) -> str | None:
    parts = name.split(".")
    text = str((entry or {}).get("meaning") or (entry or {}).get("unit") or "")
    if parts[0] == "programmes" and len(parts) > 1:
        comp = roots["programmes"].get(parts[1])
        label = comp.get("name") if isinstance(comp, dict) else None
        if isinstance(label, dict):
            text = f"{label.get('vi', '')} / {label.get('en', '')}: {'.'.join(parts[2:])}" + (f" ({text})" if text else "")
    return text or None


def _shocks_sheet(w: _Writer, loaded: LoadedScenario) -> None:
    ws = w.sheet("shocks", "Năm thiên tai, dịch bệnh (cú sốc)", "Shock years",
                 "Mỗi dòng một cú sốc; xác suất hộ gặp rủi ro năm đó nhân với hệ số. / One row per shock; that "
                 "year's setback probability is multiplied by the factor.")
    w.headers(ws, SHOCK_COLUMNS)
    year = w.validation(ws, "whole", "2022", "2100", operator="between", vi="Năm 2022–2100", en="A year 2022–2100")
    mult = w.validation(ws, "decimal", "1", "10", operator="between", vi="Hệ số từ 1 đến 10", en="A multiplier from 1 to 10")
    shocks = list(loaded.scenario.shocks)
    for i in range(len(shocks) + EXTRA_SHOCK_ROWS):
        s = shocks[i] if i < len(shocks) else None
        row = FIRST_ROW + i
        w.entry(ws, row, 1, s.year if s else None, dv=year)
        w.entry(ws, row, 2, s.multiplier if s else None, dv=mult)
        w.entry(ws, row, 3, ", ".join(s.units) if s and s.units else None)
        w.entry(ws, row, 4, s.description if s else None)
    w.protect(ws)


def write_scenario_workbook(scenario: str | Path | dict[str, Any] | LoadedScenario, path: str | Path, *,
                            overwrite: bool = False) -> Path:
    """Write ``scenario`` as a workbook at ``path`` (.xlsx), atomically; only a valid scenario
    (one ``planning run`` would accept) is written. An existing file (perhaps filled in) is
    replaced only with ``overwrite`` (:func:`planning.basics.outputs.write_new_file`). Returns the path."""
    from planning.basics.outputs import check_new_file, write_new_file
    from planning.basics.yamlio import read_yaml
    from planning.models.runner import prepare
    from planning.stores.allocation import read_allocation_table
    from planning.stores.standards import list_standards

    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        shown = display_path(out)
        raise PlanningInputError(shown, "--out", "a file name ending in .xlsx", out.suffix or "no extension",
                                 message_vi=f"Tệp {shown}: cần tên tệp có đuôi .xlsx")
    check_new_file(out, overwrite=overwrite)  # refused before the work, not after
    loaded0 = load_scenario(scenario)
    if loaded0.scenario.target_paths:  # the workbook has no place for them: refuse rather than drop
        raise PlanningInputError(loaded0.source, "target_paths",
                                 "a scenario without target paths (the workbook holds money, not target paths: "
                                 "state the priced money, or keep the scenario in YAML)",
                                 ", ".join(loaded0.scenario.target_paths),
                                 message_vi="sổ tính kịch bản chưa có chỗ cho target_paths (lộ trình chỉ tiêu): "
                                            "hãy dùng tệp YAML, hoặc ghi số tiền đã tính vào trang Ngân sách")
    prep = prepare(loaded0, draws=1)
    loaded, units = prep.loaded, prep.baseline.units
    data = loaded.baseline_dir
    book_raw = read_yaml(data / "programmes.yaml")
    comps = book_raw.get("components") or {}
    components = [(cid, str((comps.get(cid) or {}).get("name", {}).get("vi", cid)),
                   str((comps.get(cid) or {}).get("name", {}).get("en", cid))) for cid in prep.book.ids]
    amounts = None
    if loaded.table_path is not None:
        amounts = read_allocation_table(loaded.table_path, prep.baseline, prep.book, loaded.scenario.years)
    # paths are written relative to the workbook's folder, as a YAML scenario's are to its own
    calibration = None if loaded.calibration_path is None else relative_path(loaded.calibration_path, out.parent)
    baseline = None if loaded.scenario.baseline is None else relative_path(loaded.baseline_dir, out.parent)
    w = _Writer()
    _instructions(w, loaded)
    _scenario_sheet(w, loaded, calibration, [s.id for s in list_standards(data)], baseline)
    _budget_sheet(w, loaded, components)
    _stream_sheets(w, loaded, components)
    _allocation_sheet(w, loaded, units)
    _table_sheet(w, loaded, units, components, amounts)
    _priorities_sheet(w, loaded, units)
    _assumptions_sheet(w, loaded, assumption_roots(read_yaml(data / "model_parameters.yaml"), book_raw))
    _shocks_sheet(w, loaded)
    try:
        write_new_file(out, lambda tmp: w.wb.save(tmp), overwrite=overwrite)
    except OSError as exc:  # e.g. the file is open in Excel (Windows locks it)
        shown = display_path(out)
        raise PlanningInputError(shown, "--out", "a file that can be written (close it in Excel first)",
                                 type(exc).__name__, message_vi=f"Không ghi được tệp {shown} (hãy đóng tệp "
                                 "trong Excel trước)") from None
    return out


def cli_main(args: argparse.Namespace) -> int:
    """``planning template SCENARIO --out plan.xlsx [--lang vi|en]``."""
    out = write_scenario_workbook(args.scenario, args.out, overwrite=getattr(args, "overwrite", False))
    shown = display_path(out)
    vi = (f"Đã ghi sổ tính kịch bản: {shown}. Điền các ô trắng, rồi chạy: planning validate {shown}; "
          f"planning run {shown} --out runs/plan")
    en = (f"Scenario workbook written: {shown}. Fill in the white cells, then run: planning validate {shown}; "
          f"planning run {shown} --out runs/plan")
    lang = getattr(args, "lang", None)
    print(vi if lang == "vi" else en if lang == "en" else f"{vi}\n{en}")
    return 0
