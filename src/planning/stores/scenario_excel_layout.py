"""Layout of the scenario workbook (``planning template``): sheet names, rows, columns, fields.

Shared by the writer (:mod:`planning.frontends.scenario_excel`) and the reader
(:mod:`planning.stores.scenario_excel_read`), so that both agree cell by cell. Sheet names are
Vietnamese (as in the monitoring workbook); every sheet's title, headers and notes carry the
English beside the Vietnamese.

Every table sheet has the same frame: rows 1–3 a title in Vietnamese, in English and a note;
row 4 the allocation rule (``Phân bổ`` only); row 6 the column ids (grey: what the reader keys
on), rows 7 and 8 the headers in Vietnamese and English, data from row 9.
"""

from __future__ import annotations

from typing import Any

#: sheet key → (sheet name, English name); the order of the sheets in the workbook
SHEETS: dict[str, tuple[str, str]] = {
    "instructions": ("Hướng dẫn", "Instructions"),
    "scenario": ("Kịch bản", "Scenario"),
    "budget": ("Ngân sách", "Budget"),
    "allocation": ("Phân bổ", "Allocation"),
    "table": ("Bảng phân bổ", "Allocation table"),
    "priorities": ("Ưu tiên", "Priorities"),
    "assumptions": ("Giả định", "Assumptions"),
    "shocks": ("Cú sốc", "Shocks"),
}
#: what each sheet holds (Vietnamese, English), for the instructions sheet
SHEET_PURPOSE: dict[str, tuple[str, str]] = {
    "scenario": ("Tên, tiêu đề, các năm, thư mục số liệu gốc, tệp hiệu chỉnh, số lần mô phỏng, hạt giống, "
                 "hệ số nhân ngân sách, chuẩn nghèo theo năm.",
                 "Name, titles, years, baseline folder, calibration file, draws, seed, budget multiplier, "
                 "poverty standard by year."),
    "budget": ("Ngân sách theo năm (dòng) và hợp phần (cột), triệu đồng. Ô trống: không chi. Các trang "
               "'Nguồn …' (nếu có) ghi tiền của từng nguồn vốn theo cùng cách; tiền của các trang được cộng lại.",
               "Budget by year (rows) and component (columns), million VND. Empty cell: nothing spent. The "
               "'Nguồn …' sheets (if any) hold each funding stream's money the same way; all sheets add up."),
    "allocation": ("Quy tắc chia tiền cho các xã (ô B4); tỷ lệ của từng xã khi quy tắc là shares.",
                   "How the money is split across communes (cell B4); each commune's share for rule shares."),
    "table": ("Số tiền theo xã × hợp phần × năm, triệu đồng: chỉ dùng khi quy tắc là table.",
              "Amounts by commune × component × year, million VND: used only with rule table."),
    "priorities": ("Hệ số ưu tiên của từng xã (1 = không đổi, 2 = gấp đôi trọng số). Ô trống: 1.",
                   "Each commune's priority multiplier (1 = no change, 2 = twice the weight). Empty: 1."),
    "assumptions": ("Thay đổi giả định của mô hình và sổ chương trình (mode, low, high hoặc value); "
                    "các cột xám là giá trị trong tệp số liệu, để tham khảo.",
                    "Changes to model and programme-book assumptions (mode, low, high or value); "
                    "the grey columns show the data files' values, for reference."),
    "shocks": ("Năm thiên tai/dịch bệnh: năm, hệ số nhân xác suất rủi ro (1–10), các xã (trống: tất cả).",
               "Shock years: year, multiplier of the setback probability (1–10), communes (empty: all)."),
}
ID_ROW, VI_ROW, EN_ROW, FIRST_ROW = 6, 7, 8, 9
RULE_ROW = 4  # Phân bổ!B4 holds the rule
RULE_CELL = f"B{RULE_ROW}"
#: keys of an assumption entry that get a column of their own (the rest: the YAML column)
DIST_KEYS = ("mode", "low", "high", "value")

Column = tuple[str, str, str, int]  # id, Vietnamese header, English header, width

SCENARIO_COLUMNS: list[Column] = [
    ("field", "Mã trường", "Field id", 20), ("label_vi", "Mục", "Item (Vietnamese)", 44),
    ("label_en", "Mục (tiếng Anh)", "Item", 44), ("value", "Giá trị", "Value", 36),
    ("note", "Ghi chú", "Note", 70),
]
#: the Kịch bản rows: (field id, kind, Vietnamese label, English label, note vi, note en)
SCENARIO_FIELDS: list[tuple[str, str, str, str, str, str]] = [
    ("name", "name", "Mã kịch bản", "Scenario id", "chữ thường, số, _ hoặc -", "lower-case letters, digits, _ or -"),
    ("title.vi", "text", "Tiêu đề (tiếng Việt)", "Title (Vietnamese)", "bắt buộc", "required"),
    ("title.en", "text", "Tiêu đề (tiếng Anh)", "Title (English)", "bắt buộc", "required"),
    ("description.vi", "text?", "Mô tả (tiếng Việt)", "Description (Vietnamese)", "điền cả hai hoặc để trống cả hai",
     "both or neither"),
    ("description.en", "text?", "Mô tả (tiếng Anh)", "Description (English)", "điền cả hai hoặc để trống cả hai",
     "both or neither"),
    ("start_year", "year", "Năm bắt đầu", "First year", "năm sau năm rà soát gốc", "the year after the baseline review"),
    ("end_year", "year", "Năm kết thúc", "Last year", "không trước năm bắt đầu", "not before the first year"),
    ("baseline", "folder", "Thư mục số liệu gốc", "Baseline data folder",
     "tính từ thư mục chứa sổ tính này (như trong tệp YAML); để trống: thư mục số liệu mặc định",
     "relative to this workbook's folder (as in YAML); empty: the default data folder"),
    ("calibration", "file?", "Tệp hiệu chỉnh (calibration.yaml)", "Calibration file (calibration.yaml)",
     "tính từ thư mục chứa sổ tính này; để trống nếu không dùng",
     "relative to this workbook's folder; empty for none"),
    ("budget_scale", "scale", "Hệ số nhân ngân sách", "Budget multiplier", "số ≥ 0; 1 = như trang Ngân sách",
     "a number ≥ 0; 1 = as on the Budget sheet"),
    ("draws", "draws", "Số lần mô phỏng", "Monte Carlo draws", "số nguyên 1–1.000.000", "a whole number 1–1,000,000"),
    ("seed", "seed", "Hạt giống ngẫu nhiên", "Random seed", "số nguyên ≥ 0", "a whole number ≥ 0"),
    ("sampling", "sampling", "Cách lấy mẫu", "Sampling", "random, lhs, sobol hoặc mode", "random, lhs, sobol or mode"),
    ("random_shocks", "bool", "Năm xấu ngẫu nhiên", "Random bad years", "TRUE hoặc FALSE", "TRUE or FALSE"),
]
SAMPLING = ("random", "lhs", "sobol", "mode")
BUDGET_FIRST = ("year", "Năm", "Year", 10)
BUDGET_TOTAL = ("total", "Tổng (tự tính)", "Total (formula)", 14)
UNIT_COLUMNS: list[Column] = [
    ("unit", "Mã xã", "Unit id", 18), ("name_vi", "Xã/thị trấn (trước 1/7/2025)", "Commune/township (before 1 July 2025)", 26),
    ("name_en", "Tên tiếng Anh", "Name", 24), ("new_commune", "Xã mới (từ 1/7/2025)", "New commune (from 1 July 2025)", 22),
]
SHARE_COLUMN: Column = ("share", "Tỷ lệ (quy tắc shares, tổng = 1)", "Share (rule shares, total 1)", 18)
PRIORITY_COLUMN: Column = ("multiplier", "Hệ số ưu tiên (trống = 1)", "Priority multiplier (empty = 1)", 20)
TABLE_FIXED: list[Column] = [
    ("unit", "Mã xã", "Unit id", 18), ("unit_name", "Xã/thị trấn", "Commune/township", 26),
    ("component", "Mã hợp phần", "Component id", 18), ("component_name", "Hợp phần", "Component", 40),
]
ASSUMPTION_COLUMNS: list[Column] = [
    ("name", "Tên giả định", "Assumption (dotted name)", 44), ("meaning", "Ý nghĩa", "Meaning", 50),
    ("mode", "Giá trị thường gặp (mode)", "Mode", 12), ("low", "Thấp (low)", "Low", 12),
    ("high", "Cao (high)", "High", 12), ("value", "Giá trị cố định (value)", "Fixed value", 12),
    ("other", "Khác (YAML)", "Other (YAML)", 30),
    ("file_mode", "Tệp: mode", "File: mode", 11), ("file_low", "Tệp: low", "File: low", 11),
    ("file_high", "Tệp: high", "File: high", 11), ("file_value", "Tệp: value", "File: value", 11),
    ("source", "Nguồn (tệp số liệu)", "Source (data file)", 60),
]
SHOCK_COLUMNS: list[Column] = [
    ("year", "Năm", "Year", 10), ("multiplier", "Hệ số nhân (1–10)", "Multiplier (1–10)", 16),
    ("units", "Các xã (mã, cách nhau dấu phẩy; trống = tất cả)", "Communes (ids, comma-separated; empty = all)", 44),
    ("description", "Mô tả", "Description", 50),
]
RULE_TEXT: dict[str, tuple[str, str]] = {
    "equal": ("chia đều cho các xã", "equal split across communes"),
    "per_poor_household": ("theo số hộ nghèo của từng xã", "in proportion to each commune's poor households"),
    "need_weighted": ("theo hệ số khu vực 2026–2030 × nhu cầu (data/allocation_rules.yaml)",
                      "2026–2030 zone coefficients × need (data/allocation_rules.yaml)"),
    "shares": ("theo tỷ lệ ghi ở cột Tỷ lệ (tổng = 1)", "by the shares in the Share column (adding up to 1)"),
    "table": ("theo số tiền ghi ở trang Bảng phân bổ", "by the amounts on the Bảng phân bổ (allocation table) sheet"),
}
EXTRA_ASSUMPTION_ROWS = 15  # empty rows left for further changes
EXTRA_SHOCK_ROWS = 8


#: a funding stream's sheet is ``STREAM_SHEET_PREFIX + stream id`` (key ``stream.<id>``), one per
#: stream the scenario states money for (data/funding_streams.yaml)
STREAM_SHEET_PREFIX = "Nguồn "
STREAM_KEY_PREFIX = "stream."


def sheet_name(key: str) -> str:
    """The workbook's name of sheet ``key`` (``'budget'`` → ``'Ngân sách'``; ``'stream.vbsp_credit'``
    → ``'Nguồn vbsp_credit'``)."""
    if key.startswith(STREAM_KEY_PREFIX):
        return STREAM_SHEET_PREFIX + key.removeprefix(STREAM_KEY_PREFIX)
    return SHEETS[key][0]


def stream_of_sheet(name: str) -> str | None:
    """The stream id of a stream sheet's name, or None for any other sheet."""
    return name.removeprefix(STREAM_SHEET_PREFIX) if name.startswith(STREAM_SHEET_PREFIX) else None


def split_dotted(name: str) -> list[str]:
    """``'programmes.housing.unit_cost'`` → its keys."""
    return name.split(".")


def flatten_overrides(node: Any, prefix: str) -> list[tuple[str, Any]]:
    """An override tree as (dotted name, entry) rows: mappings without a mode/low/high/value key
    are opened further; anything else (an entry, a bare number, a list) is one row."""
    if isinstance(node, dict) and node and not any(k in node for k in DIST_KEYS):
        out: list[tuple[str, Any]] = []
        for key, value in node.items():
            out += flatten_overrides(value, f"{prefix}.{key}")
        return out
    return [(prefix, node)]


def file_entries(node: Any, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    """The assumptions of a data file (mappings with a ``mode`` or ``value``), by dotted name."""
    if not isinstance(node, dict):
        return []
    if "mode" in node or "value" in node:
        return [(prefix, node)]
    out: list[tuple[str, dict[str, Any]]] = []
    for key, value in node.items():
        out += file_entries(value, f"{prefix}.{key}")
    return out


def assumption_roots(model_raw: dict[str, Any], book_raw: dict[str, Any]) -> dict[str, Any]:
    """The trees an assumption's dotted name walks: ``model`` (data/model_parameters.yaml) and
    ``programmes`` (the book's components, plus ``intensity``), as scenario overrides see them."""
    programmes = dict(book_raw.get("components") or {})
    if "intensity" in book_raw:
        programmes["intensity"] = book_raw["intensity"]
    return {"model": model_raw, "programmes": programmes}
