"""Reading a scenario workbook (``planning template``) back into the dict a YAML scenario holds.

Every cell is checked against the template's layout (:mod:`planning.stores.scenario_excel_layout`)
and the data it refers to (the baseline folder's communes, components, assumptions and
standards). Every bad cell is reported at once — a :class:`PlanningInputError` (or several)
whose file is the workbook and whose field names the sheet and cell (``Ngân sách!C10``), with
what was expected in English and Vietnamese. An unreadable file (empty, not an .xlsx, a folder,
locked, corrupt) is one such error, never a traceback.

With rule ``table`` the allocation table lives in the workbook itself: the dict's
``allocation.table`` names the workbook, and :func:`planning.stores.allocation.read_allocation_table`
reads it through :func:`read_allocation_sheet`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from planning.basics.errors import PlanningInputError
from planning.basics.paths import data_dir, display_path
from planning.stores.scenario_excel_cells import CellReader
from planning.stores.scenario_excel_layout import (
    ASSUMPTION_COLUMNS,
    BUDGET_FIRST,
    BUDGET_TOTAL,
    DIST_KEYS,
    FIRST_ROW,
    ID_ROW,
    PRIORITY_COLUMN,
    RULE_CELL,
    RULE_ROW,
    SAMPLING,
    SCENARIO_COLUMNS,
    SCENARIO_FIELDS,
    SHARE_COLUMN,
    SHOCK_COLUMNS,
    STREAM_KEY_PREFIX,
    TABLE_FIXED,
    UNIT_COLUMNS,
    Column,
    assumption_roots,
    sheet_name,
    stream_of_sheet,
)
from planning.stores.scenario_schema import RULES, Scenario

__all__ = ["read_allocation_sheet", "read_scenario_workbook"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_TRUE, _FALSE = {"true", "có", "co", "yes", "1"}, {"false", "không", "khong", "no", "0"}


def _unit_text(units: Any) -> tuple[str, str]:
    ids = ", ".join(units.ids)
    return f"a commune id of the baseline ({ids})", f"mã xã trong số liệu gốc ({ids})"


def _scenario_sheet(r: CellReader) -> dict[str, Any]:
    key = "scenario"
    r.header(key, [c[0] for c in SCENARIO_COLUMNS], len(SCENARIO_COLUMNS))
    kinds = {f[0]: f[1] for f in SCENARIO_FIELDS}
    out: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for row in r.rows(key):
        fid, where = r.text(key, row, 1), r.where(key, row, 4)
        if fid is None:
            if not r.blank(key, row, range(4, 5)):
                r.bad(r.where(key, row, 1), "a field id (column A) for this value", "mã trường (cột A) cho giá trị này")
            continue
        kind = kinds.get(fid) or ("standard" if re.fullmatch(r"standards\.\d{4}", fid) else None)
        if kind is None:
            r.bad(r.where(key, row, 1), f"a field of the template ({', '.join(kinds)}, standards.YEAR)",
                  f"một trường của mẫu ({', '.join(kinds)}, standards.NĂM)", fid)
            continue
        if fid in seen:
            r.bad(r.where(key, row, 1), f"each field once (already on row {seen[fid]})",
                  f"mỗi trường một dòng (đã có ở dòng {seen[fid]})", fid)
            continue
        seen[fid] = row
        r.cells[fid] = where
        if kind in ("year", "draws", "seed"):
            lo, hi, en, vi = {"year": (2022, 2100, "a year 2022–2100", "năm 2022–2100"),
                              "draws": (1, 1_000_000, "a whole number 1–1,000,000", "số nguyên 1–1.000.000"),
                              "seed": (0, None, "a whole number ≥ 0", "số nguyên ≥ 0")}[kind]
            value: Any = r.number(key, row, 4, lo=lo, hi=hi, whole=True, en=en, vi=vi)
        elif kind == "scale":
            value = r.number(key, row, 4, lo=0, en="a number ≥ 0", vi="một số ≥ 0")
        elif kind == "bool":
            v = r.get(key, row, 4)
            value = v if isinstance(v, bool) or v is None else \
                True if str(v).strip().lower() in _TRUE else False if str(v).strip().lower() in _FALSE else "?"
            if value == "?":
                r.bad(where, "TRUE or FALSE", "TRUE hoặc FALSE", v)
                value = None
        else:
            value = r.text(key, row, 4)
            if kind == "sampling" and value is not None and value not in SAMPLING:
                r.bad(where, f"one of {', '.join(SAMPLING)}", f"một trong {', '.join(SAMPLING)}", value)
            if kind == "name" and value is not None and not _NAME.match(value):
                r.bad(where, "an id of lower-case letters, digits, _ or - (e.g. my_plan)",
                      "mã gồm chữ thường, số, _ hoặc - (ví dụ ke_hoach_2026)", value)
        if value is None and kind in ("name", "text", "year"):
            r.bad(where, "a value (required)", "một giá trị (bắt buộc)", None)
        if value is not None:
            out[fid] = value
    for fid, kind in kinds.items():
        if fid not in seen and kind in ("name", "text", "year"):
            r.errors.append(PlanningInputError(r.shown, sheet_name(key), f"a row '{fid}' (from the template)",
                                               "absent", message_vi=f"{r.shown}: trang Kịch bản thiếu dòng '{fid}'"))
    return out


class _Data:
    """What the baseline folder says: communes, components, standards, assumption trees."""

    def __init__(self, folder: Path) -> None:
        from planning.basics.yamlio import read_yaml
        from planning.stores.baseline import load_baseline
        from planning.stores.programmes import load_programme_book
        from planning.stores.standards import list_standards

        self.folder = folder
        self.baseline = load_baseline(folder)
        self.units = self.baseline.units
        self.book = load_programme_book(folder / "programmes.yaml")
        self.standards = [s.id for s in list_standards(folder)]
        self.roots = assumption_roots(read_yaml(folder / "model_parameters.yaml"),
                                      read_yaml(folder / "programmes.yaml"))


def _data(r: CellReader, fields: dict[str, Any]) -> _Data | None:
    base = fields.get("baseline")
    if base is None:
        folder = data_dir()
    else:
        folder = Path(base) if Path(base).is_absolute() else r.path.resolve().parent / base
    if not (folder / "units.csv").is_file() or not (folder / "programmes.yaml").is_file():
        r.bad(r.cells.get("baseline", f"{sheet_name('scenario')}!D"), "a data folder with units.csv and "
              "programmes.yaml (relative to this workbook's folder, e.g. ../data)",
              "thư mục số liệu có units.csv và programmes.yaml (tính từ thư mục chứa sổ tính, ví dụ ../data)",
              base or display_path(folder))
        return None
    return _Data(folder)


def _check_years(r: CellReader, fields: dict[str, Any], data: _Data) -> list[int]:
    start, end = fields.get("start_year"), fields.get("end_year")
    if start is not None and start != data.baseline.year + 1:
        r.bad(r.cells["start_year"], f"the year after the baseline review ({data.baseline.year + 1})",
              f"năm sau năm rà soát gốc ({data.baseline.year + 1})", start)
    if start is not None and end is not None and end < start:
        r.bad(r.cells["end_year"], f"a year not before the first year ({start})", f"năm không trước năm bắt đầu ({start})", end)
        return []
    years = list(range(start, end + 1)) if start is not None and end is not None else []
    for fid in [f for f in fields if f.startswith("standards.")]:
        year, sid = int(fid.split(".")[1]), fields[fid]
        if years and year not in years:
            r.bad(r.cells[fid].replace("!D", "!A"), f"a year in {years[0]}..{years[-1]}", f"năm trong {years[0]}..{years[-1]}", fid)
        if sid not in data.standards:
            r.bad(r.cells[fid], f"a standard among {', '.join(data.standards)}", f"chuẩn nghèo trong số {', '.join(data.standards)}", sid)
    return years


def _year(r: CellReader, key: str, row: int, col: int, years: list[int], *, required: bool = False) -> int | None:
    span = f"{years[0]}..{years[-1]}" if years else "the scenario's years"
    y = r.number(key, row, col, whole=True, en=f"a year in {span}", vi=f"năm trong {span}")
    if y is None and required and r.get(key, row, col) in (None, ""):
        r.bad(r.where(key, row, col), f"a year in {span}", f"năm trong {span}", None)
    if y is not None and years and y not in years:
        r.bad(r.where(key, row, col), f"a year in {span} (Kịch bản: start_year..end_year)",
              f"năm trong {span} (Kịch bản: năm bắt đầu..năm kết thúc)", y)
        return None
    return y


def _budget_sheet(r: CellReader, data: _Data, years: list[int], key: str = "budget",
                  ids: tuple[str, ...] | None = None) -> tuple[dict[int, dict[str, Any]], dict[tuple[int, str], str]]:
    """The budget sheet, or a funding stream's sheet (``key`` ``stream.<id>``; ``ids``: the
    components that stream may pay for)."""
    ids = data.book.ids if ids is None else ids
    ws = r.values[sheet_name(key)]
    width = max(ws.max_column, 1)
    while width > 1 and ws.cell(row=ID_ROW, column=width).value in (None, ""):
        width -= 1
    head = r.header(key, [BUDGET_FIRST[0]], width)
    cols: dict[int, str] = {}
    for j, cid in enumerate(head[1:], start=2):
        if cid == BUDGET_TOTAL[0]:
            continue
        if cid not in ids or cid in cols.values():
            r.bad(r.where(key, ID_ROW, j), f"a component id of the programme book, once ({', '.join(ids)})",
                  f"mã hợp phần trong sổ chương trình, mỗi mã một lần ({', '.join(ids)})", cid)
            continue
        cols[j] = cid
    budget: dict[int, dict[str, Any]] = {}
    where: dict[tuple[int, str], str] = {}
    seen: set[int] = set()
    for row in r.rows(key):
        if r.blank(key, row, range(1, 2)) and all(r.get(key, row, j) in (None, "") for j in cols):
            continue
        year = _year(r, key, row, 1, years, required=True)
        if year is None:
            continue
        if year in seen:
            r.bad(r.where(key, row, 1), "each year once", "mỗi năm một dòng", year)
            continue
        seen.add(year)
        amounts = {}
        for j, cid in cols.items():
            where[(year, cid)] = r.where(key, row, j)
            x = r.number(key, row, j, lo=0, en="an amount ≥ 0 in million VND", vi="số tiền ≥ 0 (triệu đồng)")
            if x is not None:
                amounts[cid] = x
                r.cells[f"{_field(key)}.{year}.{cid}"] = where[(year, cid)]
        r.cells[f"{_field(key)}.{year}"] = r.where(key, row, 1)
        if amounts:
            budget[year] = amounts
    return budget, where


def _field(key: str) -> str:
    """The scenario field a budget-like sheet fills: ``budget`` or ``streams.<id>``."""
    return "streams." + key.removeprefix(STREAM_KEY_PREFIX) if key.startswith(STREAM_KEY_PREFIX) else key


def _stream_sheets(r: CellReader, data: _Data, years: list[int]) -> dict[str, dict[int, dict[str, Any]]]:
    """Every 'Nguồn …' sheet as the scenario's ``streams:`` (a stream unknown to the data folder
    is refused naming the sheet)."""
    from planning.stores.streams import FILE_NAME, load_funding_streams

    names = [n for n in r.values.sheetnames if stream_of_sheet(n) is not None]
    if not names:
        return {}
    streams = load_funding_streams(data.folder / FILE_NAME, data.book.ids)
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for name in names:
        sid = stream_of_sheet(name)
        if sid not in streams.ids:
            r.bad(name, f"a funding stream of {streams.source_file} ({', '.join(streams.ids)})",
                  f"một nguồn vốn trong {streams.source_file} ({', '.join(streams.ids)})", sid)
            continue
        by_year, _ = _budget_sheet(r, data, years, key=STREAM_KEY_PREFIX + sid, ids=streams.stream(sid).components)
        if by_year:  # an empty stream sheet states nothing
            out[sid] = by_year
    return out


def _unit_sheet(r: CellReader, key: str, column: Column, data: _Data | None, *, hi: float | None,
                en: str, vi: str) -> dict[str, Any]:
    cols = [*UNIT_COLUMNS, column]
    r.header(key, [c[0] for c in cols], len(cols))
    out: dict[str, Any] = {}
    for row in r.rows(key):
        x = r.number(key, row, len(cols), lo=0, hi=hi, en=en, vi=vi)
        uid = r.text(key, row, 1)
        if x is None and uid is None:
            continue
        if data is not None and uid not in data.units.ids:
            r.bad(r.where(key, row, 1), *_unit_text(data.units), uid)
        elif uid in out:
            r.bad(r.where(key, row, 1), "each commune once", "mỗi xã một dòng", uid)
        elif x is not None and uid is not None:
            out[uid] = x
    return out


def _table_rows(r: CellReader, data: _Data | None, years: list[int] | None) -> list[dict[str, Any]]:
    key = "table"
    ws = r.values[sheet_name(key)]
    width = ws.max_column
    while width > len(TABLE_FIXED) and ws.cell(row=ID_ROW, column=width).value in (None, ""):
        width -= 1
    head = r.header(key, [c[0] for c in TABLE_FIXED], width)
    ycols: dict[int, int] = {}
    for j in range(len(TABLE_FIXED) + 1, width + 1):
        y = _year(r, key, ID_ROW, j, years or [], required=True)
        if y is not None and y in ycols.values():
            r.bad(r.where(key, ID_ROW, j), "each year once", "mỗi năm một cột", y)
        elif y is not None:
            ycols[j] = y
    out: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in r.rows(key):
        if r.blank(key, row, range(len(TABLE_FIXED) + 1, len(head) + 1)):
            continue
        uid, cid = r.text(key, row, 1), r.text(key, row, 3)
        if data is not None and uid not in data.units.ids:
            r.bad(r.where(key, row, 1), *_unit_text(data.units), uid)
            continue
        if data is not None and cid not in data.book.ids:
            r.bad(r.where(key, row, 3), f"a component id ({', '.join(data.book.ids)})",
                  f"mã hợp phần ({', '.join(data.book.ids)})", cid)
            continue
        if (uid, cid) in seen:
            r.bad(r.where(key, row, 3), f"each commune and component once (already on row {seen[(uid, cid)]})",
                  f"mỗi xã, hợp phần một dòng (đã có ở dòng {seen[(uid, cid)]})", cid)
            continue
        seen[(uid, cid)] = row  # type: ignore[index]
        for j, year in ycols.items():
            x = r.number(key, row, j, lo=0, en="an amount ≥ 0 in million VND", vi="số tiền ≥ 0 (triệu đồng)")
            if x is not None:
                out.append({"unit": uid, "component": cid, "year": year, "amount": x, "cell": r.where(key, row, j)})
    return out


def _set_path(tree: dict[str, Any], parts: list[str], value: Any) -> bool:
    """Put ``value`` at ``parts`` in ``tree``; False when another row already set it."""
    node = tree
    for p in parts[:-1]:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            return False
    if parts[-1] in node:
        return False
    node[parts[-1]] = value
    return True


def _assumptions_sheet(r: CellReader, data: _Data | None) -> tuple[dict[str, Any], dict[str, str]]:
    key = "assumptions"
    r.header(key, [c[0] for c in ASSUMPTION_COLUMNS], len(ASSUMPTION_COLUMNS))
    col = {c[0]: j for j, c in enumerate(ASSUMPTION_COLUMNS, start=1)}
    tree: dict[str, Any] = {}
    first_cell: dict[str, str] = {}
    for row in r.rows(key):
        if r.blank(key, row, range(col["mode"], col["other"] + 1)):
            continue
        name = r.text(key, row, col["name"])
        parts = (name or "").split(".")
        node: Any = data.roots if data is not None else None
        for p in parts:
            node = node.get(p) if isinstance(node, dict) else None
        if name is None or parts[0] not in ("model", "programmes") or len(parts) < 2 or (data is not None and node is None):
            r.bad(r.where(key, row, col["name"]), "an assumption of the data files (model.SECTION.NAME or "
                  "programmes.COMPONENT.NAME, e.g. model.income.growth)", "tên giả định có trong tệp số liệu "
                  "(model.MỤC.TÊN hoặc programmes.HỢP_PHẦN.TÊN, ví dụ model.income.growth)", name)
            continue
        nums = {k: r.number(key, row, col[k]) for k in DIST_KEYS}
        nums = {k: v for k, v in nums.items() if v is not None}
        value: Any = nums
        text = r.text(key, row, col["other"])
        if text is not None:
            try:
                other = yaml.safe_load(text)
            except yaml.YAMLError:
                r.bad(r.where(key, row, col["other"]), "well-formed YAML (e.g. {source: my note} or 0.5)",
                      "YAML đúng cú pháp (ví dụ {source: ghi chú} hoặc 0,5)", text)
                continue
            if isinstance(other, dict) and not set(other) & set(nums):
                value = {**other, **nums}
            elif nums:
                r.bad(r.where(key, row, col["other"]), "either numbers in the mode/low/high/value columns or a value "
                      "here that does not repeat them", "số ở các cột mode/low/high/value hoặc giá trị ở đây, không cả hai",
                      text)
                continue
            else:
                value = other
        if not _set_path(tree, parts, value):
            r.bad(r.where(key, row, col["name"]), "each assumption once", "mỗi giả định một dòng", name)
            continue
        filled = [j for j in range(col["mode"], col["other"] + 1) if r.get(key, row, j) not in (None, "")]
        first_cell[name] = r.where(key, row, filled[0] if filled else col["name"])  # type: ignore[index]
    return tree, first_cell


def _check_assumptions(r: CellReader, data: _Data, overrides: dict[str, Any], cells: dict[str, str]) -> None:
    """Apply the changes as a run would; an error is reported at the row that caused it."""
    from planning.stores.parameters import load_model_parameters
    from planning.stores.programmes import load_programme_book

    checks = (("model", lambda: load_model_parameters(data.folder / "model_parameters.yaml",
                                                       overrides.get("model"), override_file=r.shown)),
              ("programmes", lambda: load_programme_book(data.folder / "programmes.yaml",
                                                         overrides.get("programmes"), override_file=r.shown)))
    for root, check in checks:
        try:
            check()
        except PlanningInputError as exc:
            field = re.sub(r"^overrides\.", "", exc.field)
            field = re.sub(r"^components\.", "programmes.", field)
            if not field.startswith(root + "."):
                field = f"{root}.{field}"
            rows = [n for n in cells if field == n or field.startswith(n + ".") or n.startswith(field + ".")]
            if not rows:
                raise
            name = max(rows, key=len)
            r.bad(cells[name], f"{exc.expected} (assumption {name})", f"{exc.expected} (giả định {name})", exc.got)


def _shocks_sheet(r: CellReader, data: _Data | None, years: list[int]) -> list[dict[str, Any]]:
    key = "shocks"
    r.header(key, [c[0] for c in SHOCK_COLUMNS], len(SHOCK_COLUMNS))
    out: list[dict[str, Any]] = []
    for row in r.rows(key):
        if r.blank(key, row, range(1, len(SHOCK_COLUMNS) + 1)):
            continue
        n = len(out)
        year = _year(r, key, row, 1, years)
        mult = r.number(key, row, 2, lo=1, hi=10, en="a multiplier from 1 to 10", vi="hệ số từ 1 đến 10")
        for value, j in ((year, 1), (mult, 2)):
            if value is None and r.get(key, row, j) in (None, ""):
                r.bad(r.where(key, row, j), "a value (each shock needs a year and a multiplier)",
                      "một giá trị (mỗi cú sốc cần năm và hệ số)", None)
        ids = [u for u in re.split(r"[,;\s]+", r.text(key, row, 3) or "") if u]
        for u in ids:
            if data is not None and u not in data.units.ids:
                r.bad(r.where(key, row, 3), *_unit_text(data.units), u)
        shock: dict[str, Any] = {"year": year, "multiplier": mult}
        if ids:
            shock["units"] = ids
        desc = r.text(key, row, 4)
        if desc is not None:
            shock["description"] = desc
        for k, c in (("year", 1), ("multiplier", 2), ("units", 3)):
            r.cells[f"shocks.{n}.{k}"] = r.where(key, row, c)
        r.cells[f"shocks.{n}"] = r.where(key, row, 1)
        out.append(shock)
    return out


def _cross_checks(r: CellReader, raw: dict[str, Any], table: list[dict[str, Any]],
                  budget_cells: dict[tuple[int, str], str]) -> None:
    alloc = raw["allocation"]
    if alloc["rule"] == "shares":
        total = sum((alloc.get("shares") or {}).values())
        if abs(total - 1.0) > 1e-6:
            r.bad(r.where("allocation", FIRST_ROW, len(UNIT_COLUMNS) + 1), f"shares (rule shares) that add up to 1; "
                  f"they add up to {total:.6g}", f"tỷ lệ (quy tắc shares) có tổng bằng 1; tổng hiện là {total:.6g}", total)
    if alloc["rule"] == "table" and raw.get("budget"):
        totals: dict[tuple[int, str], float] = {}
        for t in table:
            totals[(t["year"], t["component"])] = totals.get((t["year"], t["component"]), 0.0) + float(t["amount"])
        for (year, cid), where in budget_cells.items():
            budget = float(raw["budget"].get(year, {}).get(cid, 0.0))
            if abs(totals.get((year, cid), 0.0) - budget) > 0.5:
                got = totals.get((year, cid), 0.0)
                r.bad(where, f"the allocation table's total for this year and component ({got:,.1f} million VND), "
                      "or a table that adds up to this budget", f"bằng tổng của Bảng phân bổ cho năm và hợp phần này "
                      f"({got:,.1f} triệu đồng), hoặc sửa bảng cho khớp", budget)


def _schema(r: CellReader, raw: dict[str, Any]) -> None:
    """Whatever the schema still refuses, reported at the cell the field came from."""
    try:
        Scenario.model_validate(raw)
    except ValidationError as exc:
        for e in exc.errors():
            field = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function-after"))
            parts = field.split(".")
            where = next((r.cells[".".join(parts[:k])] for k in range(len(parts), 0, -1)
                          if ".".join(parts[:k]) in r.cells), sheet_name("scenario"))
            msg = re.sub(r"^Value error, ", "", e["msg"])
            r.bad(where, f"{msg} ({field or 'scenario'})", f"{msg} ({field or 'kịch bản'})", None)


def read_scenario_workbook(path: str | Path) -> dict[str, Any]:
    """The scenario a workbook holds, as the dict a YAML scenario file holds; every bad cell is
    refused with its sheet and cell (nothing is half-read)."""
    p = Path(path)
    r = CellReader(p)
    r.sheets()
    fields = _scenario_sheet(r)
    data = _data(r, fields)
    years = _check_years(r, fields, data) if data is not None else []
    rule = r.text("allocation", RULE_ROW, 2)
    r.cells["allocation"] = r.cells["allocation.rule"] = f"{sheet_name('allocation')}!{RULE_CELL}"
    if rule not in RULES:
        r.bad(r.cells["allocation"], f"a rule among {', '.join(RULES)}", f"một quy tắc trong số {', '.join(RULES)}", rule)
    budget, budget_cells = _budget_sheet(r, data, years) if data is not None else ({}, {})
    streams = _stream_sheets(r, data, years) if data is not None else {}
    shares = _unit_sheet(r, "allocation", SHARE_COLUMN, data, hi=1, en="a share from 0 to 1", vi="tỷ lệ từ 0 đến 1")
    table = _table_rows(r, data, years) if rule == "table" else []
    priorities = _unit_sheet(r, "priorities", PRIORITY_COLUMN, data, hi=None, en="a multiplier ≥ 0 (1 = no change)",
                             vi="hệ số ≥ 0 (1 = không đổi)")
    overrides, override_cells = _assumptions_sheet(r, data)
    shocks = _shocks_sheet(r, data, years)
    r.raise_errors()
    raw: dict[str, Any] = {"name": fields["name"], "title": {"vi": fields["title.vi"], "en": fields["title.en"]}}
    if "description.vi" in fields or "description.en" in fields:
        for lang in ("vi", "en"):
            if f"description.{lang}" not in fields:
                r.bad(r.cells.get(f"description.{lang}", sheet_name("scenario")), "a description in both languages, or "
                      "neither", "mô tả bằng cả hai thứ tiếng, hoặc để trống cả hai", None)
        raw["description"] = {"vi": fields.get("description.vi"), "en": fields.get("description.en")}
    raw.update({k: fields[k] for k in ("baseline", "start_year", "end_year", "calibration", "budget_scale",
                                       "draws", "seed", "sampling", "random_shocks") if k in fields})
    if "calibration" in fields and not (p.resolve().parent / fields["calibration"]).is_file():
        r.bad(r.cells["calibration"], "an existing calibration file, relative to this workbook's folder",
              "tệp hiệu chỉnh có thật, tính từ thư mục chứa sổ tính", fields["calibration"])
    raw["standards"] = {int(k.split(".")[1]): v for k, v in fields.items() if k.startswith("standards.")}
    raw["budget"] = budget
    if streams:
        raw["streams"] = streams
    raw["allocation"] = {"rule": rule, "priorities": priorities}
    if shares:
        raw["allocation"]["shares"] = shares
    if rule == "table":
        raw["allocation"]["table"] = p.name
    raw["overrides"] = overrides
    raw["shocks"] = shocks
    _cross_checks(r, raw, table, budget_cells)
    if data is not None and overrides:
        _check_assumptions(r, data, overrides, override_cells)
    _schema(r, raw)
    r.raise_errors()
    return raw


def read_allocation_sheet(path: str | Path) -> pd.DataFrame:
    """The workbook's allocation table as ``unit, component, year, amount`` rows (million VND),
    for :func:`planning.stores.allocation.read_allocation_table` (which checks communes, components
    and years)."""
    r = CellReader(Path(path))
    r.sheets()
    rows = _table_rows(r, None, None)
    r.raise_errors()
    return pd.DataFrame(rows, columns=["unit", "component", "year", "amount"])
