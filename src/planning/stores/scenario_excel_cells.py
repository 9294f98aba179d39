"""Reading one scenario workbook cell by cell: opening it (any unreadable file is one clear
error), values and formulas without a saved result, numbers typed as numbers or as text, the
column ids of row 6, cells outside the template, and the errors found so far, each naming its
sheet and cell (``Ngân sách!C10``) in English and Vietnamese. The sheets' meaning is read by
:mod:`planning.stores.scenario_excel_read`.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.basics.paths import display_path
from planning.stores.scenario_excel_layout import (
    FIRST_ROW,
    ID_ROW,
    SHEETS,
    sheet_name,
    stream_of_sheet,
)

__all__ = ["CellReader"]

_NUMBER_TEXT = re.compile(r"^[+-]?\d+(?:[.,](\d+))?$")
_NUM_EN, _NUM_VI = "a number", "một số"


def _as_number(v: Any) -> tuple[float | int | None, str | None]:
    """(number, None), (None, None) for an empty cell or (None, why)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None, None
    if isinstance(v, bool):
        return None, "bool"
    if isinstance(v, int | float):
        return (v, None) if math.isfinite(v) else (None, "nan")
    if isinstance(v, str):
        s = v.strip().replace(" ", "")
        m = _NUMBER_TEXT.match(s)
        if not m:
            return None, "text"
        if m.group(1) is not None and len(m.group(1)) == 3:
            return None, "ambiguous"
        return (float(s.replace(",", ".")) if m.group(1) is not None else int(s)), None
    return None, "text"


class CellReader:
    """One workbook being read: its sheets, the errors found so far, where each field came from."""

    def __init__(self, path: Path) -> None:
        self.path, self.shown = path, display_path(path)
        self.errors: list[PlanningInputError] = []
        self.cells: dict[str, str] = {}  # dotted scenario field → 'Sheet!A1'
        self._flagged: set[tuple[str, int, int]] = set()  # formulas without a saved result, reported
        self.values = self._open(data_only=True)
        self.formulas = self._open(data_only=False)

    def _open(self, data_only: bool) -> Any:
        from openpyxl import load_workbook

        p, shown = self.path, self.shown
        if p.is_dir():
            raise PlanningInputError(shown, "<file>", "a workbook file (.xlsx), not a folder", "a folder",
                                     message_vi=f"{shown} là một thư mục, cần tệp Excel .xlsx")
        if not p.exists():
            raise PlanningInputError(shown, "<file>", "an existing .xlsx file", "missing file",
                                     message_vi=f"Không tìm thấy tệp {shown}")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return load_workbook(p, data_only=data_only)
        except Exception as exc:  # noqa: BLE001 (any unreadable file is the same user error)
            raise PlanningInputError(
                shown, "<file>", "an Excel workbook (.xlsx) written by 'planning template', readable and not "
                "locked by another program", type(exc).__name__,
                message_vi=f"Không đọc được tệp {shown} (cần tệp Excel .xlsx lập bằng 'planning template', "
                           "không bị chương trình khác khoá)") from None

    # ---------------------------------------------------------------- errors and cells

    def bad(self, where: str, en: str, vi: str, got: Any = None) -> None:
        got_vi = "ô trống" if got is None or (isinstance(got, str) and not got.strip()) else str(got)
        self.errors.append(PlanningInputError(self.shown, where, en, got if got is not None else "",
                                              message_vi=f"{self.shown}, ô {where}: cần {vi}; nhận: {got_vi}"))

    def raise_errors(self) -> None:
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else PlanningInputErrors(self.errors)

    def where(self, key: str, row: int, col: int) -> str:
        from openpyxl.utils import get_column_letter

        return f"{sheet_name(key)}!{get_column_letter(col)}{row}"

    def get(self, key: str, row: int, col: int) -> Any:
        """A cell's value; a formula without a saved result is reported and read as empty."""
        v = self.values[sheet_name(key)].cell(row=row, column=col).value
        if v is None and (key, row, col) not in self._flagged:
            f = self.formulas[sheet_name(key)].cell(row=row, column=col).value
            if isinstance(f, str) and f.startswith("="):
                self._flagged.add((key, row, col))
                self.bad(self.where(key, row, col), "a value (this formula has no saved result: open the file in "
                         "Excel and save it again)", "một giá trị (công thức chưa có kết quả: mở tệp bằng Excel rồi "
                         "lưu lại)", f)
        return v

    def number(self, key: str, row: int, col: int, *, lo: float | None = None, hi: float | None = None,
               whole: bool = False, en: str = _NUM_EN, vi: str = _NUM_VI) -> float | int | None:
        v = self.get(key, row, col)
        x, why = _as_number(v)
        if x is None and why is None:
            return None
        if why == "ambiguous":
            en, vi = f"{en}; '{v}' could be read two ways: type it as a number", \
                f"{vi}; '{v}' có thể hiểu hai cách: hãy gõ dạng số"
        if (x is None or (lo is not None and x < lo) or (hi is not None and x > hi)
                or (whole and not float(x).is_integer())):
            self.bad(self.where(key, row, col), en, vi, v)
            return None
        return int(x) if whole else x

    def text(self, key: str, row: int, col: int) -> str | None:
        v = self.get(key, row, col)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return (v.strip() if isinstance(v, str) else repr(v) if isinstance(v, float) else str(v))

    # ---------------------------------------------------------------- layout

    def sheets(self) -> None:
        names = {v[0]: k for k, v in SHEETS.items()}
        if sheet_name("scenario") not in self.values.sheetnames:
            raise PlanningInputError(self.shown, sheet_name("scenario"), "a scenario workbook written by "
                                     "'planning template' (with a sheet 'Kịch bản')", "absent",
                                     message_vi=f"{self.shown}: không phải sổ tính kịch bản (thiếu trang 'Kịch bản'; "
                                                "hãy lập bằng 'planning template')")
        for name in self.values.sheetnames:
            if name not in names and stream_of_sheet(name) is None:
                self.errors.append(PlanningInputError(
                    self.shown, name, f"only the template's sheets ({', '.join(names)})", name,
                    message_vi=f"{self.shown}: trang '{name}' không có trong mẫu (chỉ dùng: {', '.join(names)})"))
        for key, (name, en) in SHEETS.items():
            if key != "instructions" and name not in self.values.sheetnames:
                self.errors.append(PlanningInputError(
                    self.shown, name, f"a sheet named '{name}' ({en}) from the template", "absent",
                    message_vi=f"{self.shown}: thiếu trang '{name}' ({en}); hãy dùng tệp lập bằng 'planning template'"))
        self.raise_errors()

    def header(self, key: str, expected: list[Any] | None, width: int) -> list[Any]:
        """The column ids of row 6 (checked against ``expected`` when given) and no value right of
        the table's ``width`` columns."""
        ws = self.values[sheet_name(key)]
        ids = [ws.cell(row=ID_ROW, column=j).value for j in range(1, width + 1)]
        for j, want in enumerate(expected or [], start=1):
            if ids[j - 1] != want:
                self.bad(self.where(key, ID_ROW, j), f"the column id '{want}' (columns must not be added, deleted "
                         "or moved)", f"mã cột '{want}' (không thêm, xoá hay đổi chỗ cột)", ids[j - 1])
        for row in ws.iter_rows(min_row=ID_ROW, min_col=width + 1, max_col=max(ws.max_column, width + 1)):
            for c in row:
                if c.value is not None and not (isinstance(c.value, str) and not c.value.strip()):
                    self.bad(f"{sheet_name(key)}!{c.coordinate}", "an empty cell (no column of the template here)",
                             "ô trống (cột này không có trong mẫu)", c.value)
        return ids

    def rows(self, key: str) -> range:
        return range(FIRST_ROW, self.values[sheet_name(key)].max_row + 1)

    def blank(self, key: str, row: int, cols: range) -> bool:
        return all(self.get(key, row, j) in (None, "") for j in cols)
