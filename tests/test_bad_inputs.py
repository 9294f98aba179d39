"""Table-driven bad-input suite: every kind of bad input is refused the same clear way.

Each case makes one bad input in a temporary copy of the project's data and scenario (or a
review list, monitoring workbook, observed series, scenario workbook, command-line argument),
runs the listed commands in-process and asserts, for each command:

* the exit code (2: bad input);
* the output names the file that holds the bad value and the field (or column, sheet and cell,
  option);
* the message is bilingual (a Vietnamese and an English part);
* no traceback is printed;
* nothing is written to ``--out``.

The temporary project is ``tmp/data`` (a copy of ``data/``) and ``tmp/scenarios/plan.yaml``
(the district plan, ``baseline: ../data``): every path in it resolves from the scenario's folder.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from planning.frontends.cli import main

ROOT = Path(__file__).resolve().parents[1]
#: letters only Vietnamese text has (the message's Vietnamese part)
VIETNAMESE = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")
FIXTURES = ROOT / "tests" / "fixtures"
Edit = Callable[[Path], None]

VALIDATE = ("validate", "{sc}")
RUN = ("run", "{sc}", "--out", "{out}", "--draws", "4")
SCENARIO = (VALIDATE, RUN)
#: the other entry points that read a scenario: each checks it before anything runs or is written
ENTRY_POINTS = (*SCENARIO, ("compare", "{sc}", "--out", "{out}", "--draws", "4"),
                ("batch", "{sc}", "--out", "{out}", "--draws", "4"),
                ("optimize", "{sc}", "--out", "{out}", "--draws", "4"),
                ("target", "{sc}", "--out", "{out}", "--draws", "4"))
#: the shipped district plan (no ``baseline:``): reads $PLANNING_DATA_DIR
SHIPPED = (("validate", "{repo}/scenarios/district_plan.yaml"),
           ("run", "{repo}/scenarios/district_plan.yaml", "--out", "{out}", "--draws", "4"))
DATA_DIR_ENV = {"PLANNING_DATA_DIR": "{root}/data"}


# ------------------------------------------------------------------------------------- edits


def _yaml(rel: str, fn: Callable[[Any], Any]) -> Edit:
    """Load ``rel`` (YAML), let ``fn`` change it (or return a replacement), write it back."""
    def edit(root: Path) -> None:
        p = root / rel
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
        new = fn(doc)
        p.write_text(yaml.safe_dump(doc if new is None else new, allow_unicode=True, sort_keys=False),
                     encoding="utf-8")
    return edit


def _set(doc: Any, keys: tuple[Any, ...], value: Any) -> None:
    for k in keys[:-1]:
        doc = doc.setdefault(k, {})
    doc[keys[-1]] = value


def sc(*keys: Any, value: Any) -> Edit:
    """Set ``keys`` of the scenario to ``value``."""
    return _yaml("scenarios/plan.yaml", lambda d: _set(d, keys, value))


def yset(rel: str, *keys: Any, value: Any) -> Edit:
    """Set ``keys`` of the YAML file ``rel`` to ``value``."""
    return _yaml(rel, lambda d: _set(d, keys, value))


def ydel(rel: str, *keys: Any) -> Edit:
    def fn(d: Any) -> None:
        for k in keys[:-1]:
            d = d[k]
        del d[keys[-1]]
    return _yaml(rel, fn)


def _csv(rel: str, fn: Callable[[pd.DataFrame], pd.DataFrame | None]) -> Edit:
    def edit(root: Path) -> None:
        p = root / rel
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        new = fn(df)
        (df if new is None else new).to_csv(p, index=False)
    return edit


def cset(rel: str, row: int, col: str, value: str) -> Edit:
    """Set data row ``row`` (0-based; a spreadsheet's row ``row + 2``) of column ``col``."""
    def fn(df: pd.DataFrame) -> None:
        df.loc[row, col] = value
    return _csv(rel, fn)


def cwhere(rel: str, where: dict[str, str], col: str, value: str) -> Edit:
    """Set ``col`` on the rows matching every ``where`` column = value."""
    def fn(df: pd.DataFrame) -> None:
        mask = pd.Series(True, index=df.index)
        for k, v in where.items():
            mask &= df[k] == v
        assert mask.any(), where
        df.loc[mask, col] = value
    return _csv(rel, fn)


def cdup(rel: str, row: int, col: str, value: str) -> Edit:
    """Append a copy of data row ``row`` with ``col`` changed."""
    def fn(df: pd.DataFrame) -> pd.DataFrame:
        extra = df.loc[[row]].copy()
        extra[col] = value
        return pd.concat([df, extra], ignore_index=True)
    return _csv(rel, fn)


def cdrop_col(rel: str, col: str) -> Edit:
    return _csv(rel, lambda df: df.drop(columns=[col]))


def write(rel: str, content: str | bytes) -> Edit:
    def edit(root: Path) -> None:
        p = root / rel
        p.unlink(missing_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return edit


def folder(rel: str) -> Edit:
    """Replace the file ``rel`` by a folder of that name."""
    def edit(root: Path) -> None:
        p = root / rel
        p.unlink()
        p.mkdir()
    return edit


def latin1(rel: str) -> Edit:
    """Re-save ``rel`` with bytes that are not UTF-8 (a Windows-1258/Latin-1 save)."""
    def edit(root: Path) -> None:
        p = root / rel
        p.write_bytes(p.read_text(encoding="utf-8").encode("utf-8") + "\n# Mường Giàng\n".encode("cp1258", errors="replace"))
    return edit


def latin1_csv(rel: str) -> Edit:
    def edit(root: Path) -> None:
        p = root / rel
        text = p.read_text(encoding="utf-8")
        p.write_bytes(text.encode("cp1258", errors="replace"))
    return edit


def both(*edits: Edit) -> Edit:
    def edit(root: Path) -> None:
        for e in edits:
            e(root)
    return edit


def append(rel: str, text: str) -> Edit:
    def edit(root: Path) -> None:
        p = root / rel
        p.write_text(p.read_text(encoding="utf-8") + text, encoding="utf-8")
    return edit


# ----------------------------------------------------------------------- tables and workbooks


def table(text: str) -> Edit:
    """An allocation table ``scenarios/alloc.csv`` and the scenario using it (rule table)."""
    return both(write("scenarios/alloc.csv", "unit,component,year,amount\n" + text),
                sc("allocation", value={"rule": "table", "table": "alloc.csv"}), sc("budget", value={}))


def households(fn: Callable[[pd.DataFrame], pd.DataFrame | None]) -> Edit:
    """``lists/households.csv``: the synthetic review list, changed by ``fn``."""
    def edit(root: Path) -> None:
        (root / "lists").mkdir(exist_ok=True)
        df = pd.read_csv(FIXTURES / "review_synthetic.csv", dtype=str, keep_default_na=False)
        new = fn(df)
        (df if new is None else new).to_csv(root / "lists" / "households.csv", index=False)
    return edit


def hh(row: int, col: str, value: str) -> Edit:
    def fn(df: pd.DataFrame) -> None:
        df.loc[row, col] = value
    return households(fn)


def monitoring(unit: str, target: str, year: int, period: str, value: Any) -> Edit:
    """``lists/monitoring.xlsx``: the illustrative monitoring workbook with one cell typed in."""
    def edit(root: Path) -> None:
        from planning.stores.monitoring import cell_address
        from planning.stores.targets import load_targets
        from planning.stores.units import load_units

        (root / "lists").mkdir(exist_ok=True)
        wb = load_workbook(FIXTURES / "monitoring_illustrative.xlsx")
        sheet, cell = cell_address(load_targets(), load_units(), unit, target, year, period)
        wb[sheet][cell] = value
        wb.save(root / "lists" / "monitoring.xlsx")
    return edit


def workbook(fn: Callable[[Any], None]) -> Edit:
    """``scenarios/plan.xlsx``: the scenario as a workbook (``planning template``), changed by ``fn``."""
    def edit(root: Path) -> None:
        wb = load_workbook(root / "scenarios" / "template.xlsx")
        fn(wb)
        wb.save(root / "scenarios" / "plan.xlsx")
    return edit


def _cell(wb: Any, sheet: str, row_id: Any, col_id: str) -> Any:
    """The cell of ``sheet`` in the row whose column A is ``row_id`` and the column whose row-6
    id is ``col_id``."""
    ws = wb[sheet]
    row = next(r for r in range(7, ws.max_row + 1) if ws.cell(row=r, column=1).value == row_id)
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(row=6, column=c).value == col_id)
    return ws.cell(row=row, column=col)


def xl(sheet: str, row_id: Any, col_id: str, value: Any) -> Edit:
    def fn(wb: Any) -> None:
        _cell(wb, sheet, row_id, col_id).value = value
    return workbook(fn)


def observed(fn: Callable[[pd.DataFrame], pd.DataFrame | None]) -> Edit:
    return _csv("data/observed.csv", fn)


def duplicate_budget_key(root: Path) -> None:
    """A budget component given twice with different amounts (YAML would keep the last silently)."""
    p = root / "scenarios" / "plan.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("2026: {livelihood: 3000,", "2026: {livelihood: 3000, livelihood: 30000,"),
                 encoding="utf-8")
    assert "livelihood: 30000" in p.read_text(encoding="utf-8")


# -------------------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One kind of bad input: how to make it, the commands to try, the file and field named."""

    id: str
    make: Edit
    file: str
    field: str
    commands: tuple[tuple[str, ...], ...] = SCENARIO
    code: int = 2
    env: dict[str, str] = field(default_factory=dict)


def data(id: str, make: Edit, file: str, fld: str, *extra: tuple[str, ...]) -> Case:
    """A bad data file: refused by validate and run of the scenario and by validate of the file."""
    return Case(id, make, f"data/{file}", fld, (*SCENARIO, ("validate", f"{{root}}/data/{file}"), *extra))


PLAN = "scenarios/plan.yaml"
XLSX = "scenarios/plan.xlsx"
XL_COMMANDS = (("validate", "{root}/scenarios/plan.xlsx"),
               ("run", "{root}/scenarios/plan.xlsx", "--out", "{out}", "--draws", "4"))
CLASSIFY = (("classify", "{root}/lists/households.csv", "--out", "{out}/classified.csv", "--year", "2025"),)
REVIEW = (("review", "{root}/lists/households.csv", "--year", "2025", "--out", "{out}", "--scenario", "{sc}"),)
MONITOR = (("monitor", "report", "{root}/lists/monitoring.xlsx", "--out", "{out}"),)
CALIBRATE = (("calibrate", "{root}/data/observed.csv", "--unit", "Sơn La", "--out", "{out}", "--steps", "2"),
             ("backtest", "{root}/data/observed.csv", "--unit", "Sơn La", "--fit-until", "2023", "--out", "{out}",
              "--steps", "2"))
ONE_UNIT = "chieng_on"
BUDGET = ("budget", 2026, "livelihood")

CASES: list[Case] = [
    # --- scenario: money, multipliers, priorities, shares --------------------------------
    Case("budget-nan", sc(*BUDGET, value=float("nan")), PLAN, "budget.2026.livelihood", ENTRY_POINTS),
    Case("budget-inf", sc(*BUDGET, value=float("inf")), PLAN, "budget.2026.livelihood"),
    Case("budget-minus-inf", sc(*BUDGET, value=float("-inf")), PLAN, "budget.2026.livelihood"),
    Case("budget-negative", sc(*BUDGET, value=-5), PLAN, "budget.2026.livelihood"),
    Case("budget-text", sc(*BUDGET, value="lots"), PLAN, "budget.2026.livelihood"),
    Case("budget-bool", sc(*BUDGET, value=True), PLAN, "budget.2026.livelihood"),
    Case("budget-unknown-component", sc("budget", 2026, "bridges", value=100), PLAN, "budget.2026.bridges"),
    # --- scenario: money by funding stream (data/funding_streams.yaml) ----------------------
    Case("stream-pays-for-a-component-it-may-not", sc("streams", "ntp_merged", 2026, value={"credit": 100}), PLAN,
         "streams.ntp_merged.2026.credit", ENTRY_POINTS),
    Case("stream-unknown", sc("streams", "lottery", 2026, value={"roads": 100}), PLAN, "streams.lottery"),
    Case("stream-negative", sc("streams", "ntp_merged", 2026, value={"roads": -1}), PLAN,
         "streams.ntp_merged.2026.roads"),
    Case("stream-year-outside", sc("streams", "ntp_merged", 2035, value={"roads": 1}), PLAN, "2035"),
    Case("stream-unknown-component", sc("streams", "ntp_merged", 2026, value={"bridges": 1}), PLAN,
         "streams.ntp_merged.2026.bridges"),
    Case("target-path-not-an-indicator", sc("target_paths", "road_district_commune", value={2028: 100}), PLAN,
         "target_paths.road_district_commune"),
    Case("target-path-above-100", sc("target_paths", "hygienic_water", value={2028: 150}), PLAN,
         "target_paths.hygienic_water.2028"),
    Case("target-path-year-outside", sc("target_paths", "hygienic_water", value={2040: 90}), PLAN, "2040"),
    Case("streams-file-no-rule", both(sc("streams", "ntp_merged", 2026, value={"roads": 1}),
                                      ydel("data/funding_streams.yaml", "streams", "ntp_merged", "rule")),
         "data/funding_streams.yaml", "streams.ntp_merged.rule",
         (*SCENARIO, ("validate", "{root}/data/funding_streams.yaml"))),
    Case("streams-file-loan-cost-above-one",
         both(sc("streams", "vbsp_credit", 2026, value={"credit": 1}),
              yset("data/funding_streams.yaml", "streams", "vbsp_credit", "budget_cost_per_vnd_lent", "credit",
                   "value", value=1.5)),
         "data/funding_streams.yaml", "streams.vbsp_credit.budget_cost_per_vnd_lent.credit",
         (*SCENARIO, ("validate", "{root}/data/funding_streams.yaml"))),
    Case("streams-file-unknown-component",
         both(sc("streams", "ntp_merged", 2026, value={"roads": 1}),
              yset("data/funding_streams.yaml", "streams", "ntp_merged", "components", value=["roads", "bridges"])),
         "data/funding_streams.yaml", "streams.ntp_merged.components",
         (*SCENARIO, ("validate", "{root}/data/funding_streams.yaml"))),
    Case("budget-year-outside", sc("budget", 2035, value={"credit": 10}), PLAN, "2035"),
    Case("budget-year-9999", sc("budget", 9999, value={"credit": 10}), PLAN, "budget.9999"),
    Case("budget-year-text", sc("budget", "twenty", value={"credit": 10}), PLAN, "budget.twenty"),
    Case("budget-duplicate-key", duplicate_budget_key, PLAN, "livelihood"),
    Case("budget-scale-inf", sc("budget_scale", value=float("inf")), PLAN, "budget_scale", ENTRY_POINTS),
    Case("budget-scale-nan", sc("budget_scale", value=float("nan")), PLAN, "budget_scale"),
    Case("budget-scale-negative", sc("budget_scale", value=-0.5), PLAN, "budget_scale"),
    Case("priority-nan", sc("allocation", "priorities", ONE_UNIT, value=float("nan")), PLAN,
         f"allocation.priorities.{ONE_UNIT}"),
    Case("priority-inf", sc("allocation", "priorities", ONE_UNIT, value=float("inf")), PLAN,
         f"allocation.priorities.{ONE_UNIT}"),
    Case("priority-negative", sc("allocation", "priorities", ONE_UNIT, value=-1), PLAN, "allocation"),
    Case("priority-unknown-commune", sc("allocation", "priorities", "ha_noi", value=2), PLAN,
         "allocation.priorities.ha_noi"),
    Case("shares-not-one", sc("allocation", value={"rule": "shares", "shares": {"ca_nang": 0.4}}), PLAN, "allocation"),
    Case("shares-nan", sc("allocation", value={"rule": "shares", "shares": {"ca_nang": float("nan")}}), PLAN,
         "allocation.shares.ca_nang"),
    Case("shares-unknown-commune", sc("allocation", value={"rule": "shares", "shares": {"ha_noi": 1.0}}), PLAN,
         "allocation.shares.ha_noi"),
    Case("rule-unknown", sc("allocation", "rule", value="biggest_first"), PLAN, "allocation.rule"),
    Case("rule-table-without-table", sc("allocation", "rule", value="table"), PLAN, "allocation"),
    Case("table-missing", sc("allocation", value={"rule": "table", "table": "nowhere.csv"}), PLAN, "allocation.table"),
    # --- scenario: shocks ----------------------------------------------------------------
    Case("shock-unknown-commune", sc("shocks", value=[{"year": 2028, "multiplier": 2.0, "units": ["ha_noi"]}]),
         PLAN, "shocks.0.units"),
    Case("shock-year-outside", sc("shocks", value=[{"year": 2040, "multiplier": 2.0}]), PLAN, "2040"),
    Case("shock-year-text", sc("shocks", value=[{"year": "twenty", "multiplier": 2.0}]), PLAN, "shocks.0.year"),
    Case("shock-multiplier-inf", sc("shocks", value=[{"year": 2028, "multiplier": float("inf")}]), PLAN,
         "shocks.0.multiplier"),
    Case("shock-multiplier-below-one", sc("shocks", value=[{"year": 2028, "multiplier": 0.5}]), PLAN,
         "shocks.0.multiplier"),
    # --- scenario: years, draws, names, fields -------------------------------------------
    Case("start-year-text", sc("start_year", value="twenty"), PLAN, "start_year"),
    Case("start-year-not-after-baseline", both(sc("start_year", value=2024), sc("budget", value={}),
                                               sc("standards", value={})), PLAN, "start_year"),
    Case("end-year-3000", sc("end_year", value=3000), PLAN, "end_year"),
    Case("end-before-start", both(sc("end_year", value=2025), sc("budget", value={}), sc("standards", value={})),
         PLAN, "end_year"),
    Case("draws-zero", sc("draws", value=0), PLAN, "draws"),
    Case("draws-bool", sc("draws", value=True), PLAN, "draws"),
    Case("draws-fraction", sc("draws", value=1.5), PLAN, "draws"),
    Case("seed-negative", sc("seed", value=-1), PLAN, "seed"),
    Case("sampling-unknown", sc("sampling", value="halton"), PLAN, "sampling"),
    Case("random-shocks-not-bool", sc("random_shocks", value="maybe"), PLAN, "random_shocks"),
    Case("field-misspelt", sc("bugdet", value={}), PLAN, "bugdet"),
    Case("name-not-an-id", sc("name", value="My Plan"), PLAN, "name"),
    Case("title-missing-vi", sc("title", value={"en": "Plan"}), PLAN, "title.vi"),
    Case("standard-unknown", sc("standards", 2027, value="decree_999"), PLAN, "standards.2027"),
    Case("standard-year-text", sc("standards", "twenty", value="decree_07_2021"), PLAN, "standards.twenty"),
    # --- scenario: files it names ----------------------------------------------------------
    Case("extends-missing", sc("extends", value="nowhere.yaml"), PLAN, "extends"),
    Case("extends-cycle", both(write("scenarios/a.yaml", "extends: plan.yaml\nname: a\n"),
                               sc("extends", value="a.yaml")), "scenarios/", "extends"),
    Case("baseline-folder-missing", sc("baseline", value="../nowhere"), PLAN, "baseline"),
    Case("baseline-relative-to-cwd", sc("baseline", value="data"), PLAN, "baseline"),
    Case("calibration-missing", sc("calibration", value="nowhere/calibration.yaml"), PLAN, "calibration"),
    Case("overrides-file-missing", sc("overrides_file", value="nowhere.yaml"), PLAN, "overrides_file"),
    Case("overrides-file-nan", both(write("scenarios/fitted.yaml", "income:\n  growth: {mode: .nan}\n"),
                                    sc("overrides_file", value="fitted.yaml")), PLAN, "overrides.model.income.growth"),
    # --- scenario: overrides are blamed on the scenario ----------------------------------
    Case("override-unit-cost-nan", sc("overrides", "programmes", "housing", "unit_cost", "mode", value=float("nan")),
         PLAN, "overrides.programmes.housing.unit_cost", ENTRY_POINTS),
    Case("override-unit-cost-inf", sc("overrides", "programmes", "housing", "unit_cost",
                                      value={"mode": float("inf"), "low": 40, "high": float("inf")}),
         PLAN, "overrides.programmes.housing.unit_cost"),
    Case("override-effect-above-one", sc("overrides", "programmes", "livelihood", "effects", "income",
                                         value={"mode": 1.5, "low": 1.0, "high": 2.0}),
         PLAN, "overrides.programmes.livelihood.effects.income"),
    Case("override-intensity-nan", sc("overrides", "programmes", "intensity", "returns", "mode", value=float("nan")),
         PLAN, "overrides.programmes.intensity.returns"),
    Case("override-growth-inf", sc("overrides", "model", "income", "growth", "mode", value=float("inf")),
         PLAN, "overrides.model.income.growth"),
    Case("override-growth-out-of-range", sc("overrides", "model", "income", "growth",
                                            value={"mode": 5.0, "low": 4.0, "high": 6.0}),
         PLAN, "overrides.model.income.growth"),
    Case("override-unknown-parameter", sc("overrides", "model", "income", "growht", value={"mode": 0.1}),
         PLAN, "overrides.model.income.growht"),
    Case("override-support-years", sc("overrides", "model", "escaped_support_years", value=9),
         PLAN, "overrides.model.escaped_support_years"),
    # --- scenario: the file itself ----------------------------------------------------------
    Case("scenario-yaml-syntax", write(PLAN, "name: [unclosed\n"), PLAN, "YAML"),
    Case("scenario-not-utf8", latin1(PLAN), PLAN, "<file>"),
    Case("scenario-empty", write(PLAN, ""), PLAN, "<root>"),
    Case("scenario-a-list", write(PLAN, "- 1\n- 2\n"), PLAN, "<root>"),
    Case("scenario-is-a-folder", folder(PLAN), PLAN, "<file>"),
    Case("scenario-missing", lambda root: (root / PLAN).unlink(), PLAN, "<file>"),
    # --- allocation table ---------------------------------------------------------------
    Case("table-amount-nan", table("ca_nang,credit,2026,nan\n"), "scenarios/alloc.csv", "amount"),
    Case("table-amount-inf", table("ca_nang,credit,2026,inf\n"), "scenarios/alloc.csv", "amount"),
    Case("table-amount-negative", table("ca_nang,credit,2026,-3\n"), "scenarios/alloc.csv", "amount"),
    Case("table-unknown-unit", table("ha_noi,credit,2026,3\n"), "scenarios/alloc.csv", "unit"),
    Case("table-unknown-component", table("ca_nang,bridges,2026,3\n"), "scenarios/alloc.csv", "component"),
    Case("table-year-text", table("ca_nang,credit,twenty,3\n"), "scenarios/alloc.csv", "year"),
    Case("table-duplicate-row", table("ca_nang,credit,2026,3\nca_nang,credit,2026,30\n"), "scenarios/alloc.csv",
         "unit/component/year"),
    Case("table-missing-column", both(table(""), write("scenarios/alloc.csv", "unit,component,year\nca_nang,credit,2026\n")),
         "scenarios/alloc.csv", "amount"),
    Case("table-empty-file", both(table(""), write("scenarios/alloc.csv", "")), "scenarios/alloc.csv", "<file>"),
    Case("table-not-utf8", both(table(""), write("scenarios/alloc.csv", "unit,component,year,amount\nMường Giàng,credit,2026,3\n"
                                                 .encode("cp1258", errors="replace"))), "scenarios/alloc.csv", "<file>"),
    Case("table-is-a-folder", both(table(""), folder("scenarios/alloc.csv")), "scenarios/alloc.csv", "<file>"),
    # --- data/units.csv -------------------------------------------------------------------
    data("units-ed-villages-text", cset("data/units.csv", 1, "ed_villages", "many"), "units.csv", "ed_villages"),
    data("units-ed-villages-negative", cset("data/units.csv", 1, "ed_villages", "-2"), "units.csv", "ed_villages"),
    data("units-ed-villages-fraction", cset("data/units.csv", 1, "ed_villages", "1.5"), "units.csv", "ed_villages"),
    data("units-duplicate-unit", cset("data/units.csv", 2, "unit", "ca_nang"), "units.csv", "unit"),
    data("units-bad-area", cset("data/units.csv", 1, "area", "mountain"), "units.csv", "area"),
    data("units-bad-zone", cset("data/units.csv", 1, "zone", "IV"), "units.csv", "zone"),
    data("units-missing-column", cdrop_col("data/units.csv", "zone"), "units.csv", "zone"),
    data("units-empty", write("data/units.csv", ""), "units.csv", "<file>"),
    data("units-not-utf8", latin1_csv("data/units.csv"), "units.csv", "<file>"),
    Case("units-is-a-folder", folder("data/units.csv"), "data/units.csv", "<file>"),
    # --- data/baseline.csv ----------------------------------------------------------------
    data("baseline-households-inf", cwhere("data/baseline.csv", {"unit": "ca_nang", "year": "2025", "metric": "households"},
                                           "value", "inf"), "baseline.csv", "value", *ENTRY_POINTS[2:]),
    data("baseline-households-nan", cwhere("data/baseline.csv", {"unit": "ca_nang", "year": "2025", "metric": "households"},
                                           "value", "nan"), "baseline.csv", "value"),
    data("baseline-households-fraction", cwhere("data/baseline.csv", {"unit": "ca_nang", "year": "2025",
                                                                      "metric": "households"}, "value", "1740.5"),
         "baseline.csv", "value"),
    data("baseline-households-zero", cwhere("data/baseline.csv", {"unit": "ca_nang", "year": "2025", "metric": "households"},
                                            "value", "0"), "baseline.csv", "value"),
    data("baseline-poor-negative", cwhere("data/baseline.csv", {"unit": "ca_nang", "year": "2025", "metric": "poor"},
                                          "value", "-4"), "baseline.csv", "value"),
    data("baseline-conflicting-duplicate", cdup("data/baseline.csv", 3, "value", "1450"), "baseline.csv", "value"),
    data("baseline-year-9999", cset("data/baseline.csv", 1, "year", "9999"), "baseline.csv", "year"),
    data("baseline-year-text", cset("data/baseline.csv", 1, "year", "twenty"), "baseline.csv", "year"),
    data("baseline-unknown-unit", cset("data/baseline.csv", 1, "unit", "ha_noi"), "baseline.csv", "unit"),
    data("baseline-unknown-metric", cset("data/baseline.csv", 1, "metric", "pooor"), "baseline.csv", "metric"),
    data("baseline-bad-status", cset("data/baseline.csv", 1, "status", "guessed"), "baseline.csv", "status"),
    data("baseline-more-poor-than-households", cwhere("data/baseline.csv", {"unit": "ca_nang", "year": "2025",
                                                                            "metric": "poor"}, "value", "99999"),
         "baseline.csv", "poor"),
    data("baseline-share-above-one", cwhere("data/baseline.csv", {"unit": "ca_nang", "metric": "ethnic_minority_share"},
                                            "value", "1.5"), "baseline.csv", "value"),
    data("baseline-wrong-unit-of-measure", cwhere("data/baseline.csv", {"unit": "ca_nang", "year": "2025",
                                                                        "metric": "households"}, "unit_of_measure",
                                                  "percent"), "baseline.csv", "unit_of_measure"),
    data("baseline-missing-column", cdrop_col("data/baseline.csv", "value"), "baseline.csv", "value"),
    data("baseline-empty", write("data/baseline.csv", ""), "baseline.csv", "<file>"),
    data("baseline-not-utf8", latin1_csv("data/baseline.csv"), "baseline.csv", "<file>"),
    data("baseline-malformed", write("data/baseline.csv", 'unit,year,metric,value,unit_of_measure,status,source,note\n'
                                     '"ca_nang,2025\n'), "baseline.csv", "<file>"),
    # --- data/deprivation_rates.csv -------------------------------------------------------
    data("deprivation-unknown-unit", cset("data/deprivation_rates.csv", 0, "unit", "ha_noi"), "deprivation_rates.csv", "unit"),
    data("deprivation-rate-nan", cset("data/deprivation_rates.csv", 0, "rate", "nan"), "deprivation_rates.csv", "rate"),
    data("deprivation-rate-above-one", cset("data/deprivation_rates.csv", 0, "rate", "1.5"), "deprivation_rates.csv", "rate"),
    data("deprivation-year-9999", cset("data/deprivation_rates.csv", 0, "year", "9999"), "deprivation_rates.csv", "year"),
    data("deprivation-bad-group", cset("data/deprivation_rates.csv", 0, "group", "rich"), "deprivation_rates.csv", "group"),
    data("deprivation-unknown-indicator", cset("data/deprivation_rates.csv", 0, "indicator", "wifi"),
         "deprivation_rates.csv", "indicator"),
    data("deprivation-conflicting-duplicate", cdup("data/deprivation_rates.csv", 0, "rate", "0.9"),
         "deprivation_rates.csv", "rate"),
    data("deprivation-empty", write("data/deprivation_rates.csv", ""), "deprivation_rates.csv", "<file>"),
    # --- data/programmes.yaml -------------------------------------------------------------
    data("programmes-unit-cost-nan", yset("data/programmes.yaml", "components", "housing", "unit_cost", "mode",
                                          value=float("nan")), "programmes.yaml", "components.housing.unit_cost"),
    data("programmes-unit-cost-inf", yset("data/programmes.yaml", "components", "housing", "unit_cost",
                                          value={"mode": float("inf"), "low": float("inf"), "high": float("inf")}),
         "programmes.yaml", "components.housing.unit_cost"),
    data("programmes-target-share-nan", yset("data/programmes.yaml", "components", "credit", "targets", "poor",
                                             value=float("nan")), "programmes.yaml", "components.credit.targets.poor"),
    data("programmes-coverage-above-one", yset("data/programmes.yaml", "components", "credit", "max_coverage",
                                               "value", value=1.5), "programmes.yaml", "components.credit.max_coverage"),
    data("programmes-effect-above-one", yset("data/programmes.yaml", "components", "credit", "effects", "protect",
                                             value={"mode": 2.0, "low": 1.5, "high": 3.0}),
         "programmes.yaml", "components.credit.effects.protect"),
    data("programmes-capacity-scale-text", yset("data/programmes.yaml", "components", "capacity", "capacity",
                                                "scale_per_household", "value", value="some"),
         "programmes.yaml", "scale_per_household"),
    data("programmes-intensity-nan", yset("data/programmes.yaml", "intensity", "returns", "mode", value=float("nan")),
         "programmes.yaml", "intensity.returns"),
    data("programmes-unknown-zone", yset("data/programmes.yaml", "components", "credit", "eligible_zones",
                                         value=["V"]), "programmes.yaml", "eligible_zones"),
    data("programmes-duplicate-key", append("data/programmes.yaml", "intensity: {returns: 0.2}\n"),
         "programmes.yaml", "intensity"),
    # --- data/model_parameters.yaml -------------------------------------------------------
    data("parameters-growth-nan", yset("data/model_parameters.yaml", "income", "growth", "mode", value=float("nan")),
         "model_parameters.yaml", "income.growth"),
    data("parameters-log-sd-inf", yset("data/model_parameters.yaml", "income", "log_sd",
                                       value={"mode": float("inf"), "low": 0.5, "high": float("inf")}),
         "model_parameters.yaml", "income.log_sd"),
    data("parameters-support-years", yset("data/model_parameters.yaml", "escaped_support_years", value=7),
         "model_parameters.yaml", "escaped_support_years"),
    data("parameters-missing", ydel("data/model_parameters.yaml", "setbacks", "probability"),
         "model_parameters.yaml", "setbacks.probability"),
    data("parameters-low-above-mode", yset("data/model_parameters.yaml", "income", "growth",
                                           value={"mode": 0.05, "low": 0.08, "high": 0.1}),
         "model_parameters.yaml", "income.growth"),
    # --- data/allocation_rules.yaml -------------------------------------------------------
    data("rules-zone-nan", yset("data/allocation_rules.yaml", "need_weighted", "coefficients", "zone", "III",
                                value=float("nan")), "allocation_rules.yaml", "need_weighted.coefficients.zone.III"),
    data("rules-village-negative", yset("data/allocation_rules.yaml", "need_weighted", "coefficients",
                                        "extremely_difficult_village", value=-1),
         "allocation_rules.yaml", "extremely_difficult_village"),
    data("rules-near-poor-weight-text", yset("data/allocation_rules.yaml", "need_weighted", "need", "near_poor_weight",
                                             value="half"), "allocation_rules.yaml", "near_poor_weight"),
    data("rules-missing-zone", ydel("data/allocation_rules.yaml", "need_weighted", "coefficients", "zone", "II"),
         "allocation_rules.yaml", "zone.II"),
    # --- data/plan.yaml -------------------------------------------------------------------
    data("plan-target-rate-negative", yset("data/plan.yaml", "target", "poverty_rate", value=-0.5), "plan.yaml",
         "target.poverty_rate"),
    data("plan-target-rate-nan", yset("data/plan.yaml", "target", "poverty_rate", value=float("nan")), "plan.yaml",
         "target.poverty_rate"),
    data("plan-target-year-3000", yset("data/plan.yaml", "target", "year", value=3000), "plan.yaml", "target.year"),
    data("plan-target-year-text", yset("data/plan.yaml", "target", "year", value="twenty"), "plan.yaml", "target.year"),
    data("plan-end-rate-above-one", yset("data/plan.yaml", "path", "end_rate", value=1.5), "plan.yaml", "path.end_rate"),
    data("plan-missing-path", ydel("data/plan.yaml", "path"), "plan.yaml", "path"),
    data("plan-unknown-standard", yset("data/plan.yaml", "target", "standard", value="decree_999"), "plan.yaml",
         "target.standard"),
    # --- data/standards ------------------------------------------------------------------
    data("standard-line-inf", yset("data/standards/decree_351_2025.yaml", "income_lines", "rural", "line",
                                   value=float("inf")), "standards/decree_351_2025.yaml", "income_lines.rural.line"),
    data("standard-line-nan", yset("data/standards/decree_351_2025.yaml", "income_lines", "urban", "line",
                                   value=float("nan")), "standards/decree_351_2025.yaml", "income_lines.urban.line"),
    data("standard-year-3000", yset("data/standards/decree_351_2025.yaml", "in_force", "last_year", value=3000),
         "standards/decree_351_2025.yaml", "in_force.last_year"),
    data("standard-min-deprivations-zero", yset("data/standards/decree_07_2021.yaml", "rule", "poor_min_deprivations",
                                                value=0), "standards/decree_07_2021.yaml", "rule.poor_min_deprivations"),
    # --- the scenario's calibration -------------------------------------------------------
    data("posterior-nan", cset("data/calibrated/son_la/posterior.csv", 2, "model.income.growth", "nan"),
         "calibrated/son_la/posterior.csv", "model.income.growth"),
    data("posterior-out-of-range", cset("data/calibrated/son_la/posterior.csv", 2, "model.income.growth", "5"),
         "calibrated/son_la/posterior.csv", "model.income.growth"),
    Case("posterior-missing", lambda root: (root / "data/calibrated/son_la/posterior.csv").unlink(),
         "calibrated/son_la/posterior.csv", "<file>",
         (*SCENARIO, ("validate", "{root}/data/calibrated/son_la/calibration.yaml"))),
    Case("calibration-without-posterior", ydel("data/calibrated/son_la/calibration.yaml", "posterior"),
         "calibrated/son_la/calibration.yaml", "posterior",
         (*SCENARIO, ("validate", "{root}/data/calibrated/son_la/calibration.yaml"))),
    # --- data/calibration.yaml (settings of planning calibrate / backtest) --------------
    Case("calibration-settings-walkers-fraction", yset("data/calibration.yaml", "sampler", "walkers", value=2.5),
         "data/calibration.yaml", "sampler.walkers",
         (("validate", "{root}/data/calibration.yaml"), ("validate", "{root}/data"), *CALIBRATE),
         env={"PLANNING_DATA_DIR": "{root}/data"}),
    Case("calibration-settings-noise-nan", yset("data/calibration.yaml", "noise", "rate", "mode", value=float("nan")),
         "data/calibration.yaml", "noise.rate",
         (("validate", "{root}/data/calibration.yaml"), *CALIBRATE), env={"PLANNING_DATA_DIR": "{root}/data"}),
    Case("calibration-settings-shares", yset("data/calibration.yaml", "past_spending", "component_shares", "credit",
                                             value=0.5), "data/calibration.yaml", "past_spending.component_shares",
         (("validate", "{root}/data/calibration.yaml"), *CALIBRATE), env={"PLANNING_DATA_DIR": "{root}/data"}),
    # --- data/targets.yaml (monitoring) ---------------------------------------------------
    Case("targets-goal-nan", _yaml("data/targets.yaml", lambda d: d["targets"][0]["goal"].update(value=float("nan"))),
         "data/targets.yaml", "targets.poverty_rate.goal.value",
         (("validate", "{root}/data/targets.yaml"), ("monitor", "template", "--out", "{out}/m.xlsx", "--targets",
                                                     "{root}/data/targets.yaml"))),
    Case("targets-deadline-3000", _yaml("data/targets.yaml", lambda d: d["targets"][0].update(deadline=3000)),
         "data/targets.yaml", "targets.poverty_rate.deadline",
         (("validate", "{root}/data/targets.yaml"), ("validate", "{root}/data"))),
    Case("targets-unknown-unit", _yaml("data/targets.yaml", lambda d: d["targets"][0].update(unit="hectares")),
         "data/targets.yaml", "targets.poverty_rate.unit", (("validate", "{root}/data/targets.yaml"),)),
    # --- observed series (calibrate, backtest) -------------------------------------------
    Case("observed-value-inf", cset("data/observed.csv", 0, "value", "inf"), "data/observed.csv", "value",
         (("validate", "{root}/data/observed.csv"), *CALIBRATE)),
    Case("observed-value-text", cset("data/observed.csv", 0, "value", "about 16"), "data/observed.csv", "value",
         (("validate", "{root}/data/observed.csv"), *CALIBRATE)),
    Case("observed-not-utf8", latin1_csv("data/observed.csv"), "data/observed.csv", "<file>", CALIBRATE),
    Case("observed-empty", write("data/observed.csv", ""), "data/observed.csv", "<file>", CALIBRATE),
    Case("observed-unknown-unit", lambda root: None, "data/observed.csv", "unit",
         (("calibrate", "{root}/data/observed.csv", "--unit", "Atlantis", "--out", "{out}"),)),
    # --- household review lists (classify, review) ----------------------------------------
    Case("household-members-fraction", hh(0, "members", "2.5"), "lists/households.csv", "members", CLASSIFY),
    Case("household-income-nan", hh(0, "income_per_capita_month", "nan"), "lists/households.csv",
         "income_per_capita_month", CLASSIFY),
    Case("household-income-inf", hh(0, "income_per_capita_month", "inf"), "lists/households.csv",
         "income_per_capita_month", (*CLASSIFY, *REVIEW)),
    Case("household-indicator-two", hh(0, "d_water", "2"), "lists/households.csv", "d_water", CLASSIFY),
    Case("household-missing-column", households(lambda df: df.drop(columns=["members"])), "lists/households.csv",
         "members", (*CLASSIFY, *REVIEW)),
    Case("household-duplicate-id", hh(1, "household_id", "HH-SYN-0001"), "lists/households.csv", "household_id",
         (*CLASSIFY, *REVIEW)),
    Case("household-list-not-utf8", both(households(lambda df: None), latin1_csv("lists/households.csv")),
         "lists/households.csv", "<file>", (*CLASSIFY, *REVIEW)),
    Case("household-list-empty", both(households(lambda df: None), write("lists/households.csv", "")),
         "lists/households.csv", "<file>", (*CLASSIFY, *REVIEW)),
    Case("review-unknown-commune", hh(0, "unit", "ha_noi"), "lists/households.csv", "unit", REVIEW),
    Case("review-previous-status-unknown", hh(0, "status_last_year", "rich"), "lists/households.csv",
         "status_last_year", REVIEW),
    # --- monitoring workbook ------------------------------------------------------------
    Case("monitoring-text-cell", monitoring("xa_muong_chien", "grid_electricity", 2026, "Q3", "many"),
         "lists/monitoring.xlsx", "Xã!J20", MONITOR),
    Case("monitoring-percent-above-100", monitoring("xa_muong_chien", "grid_electricity", 2026, "Q3", 150),
         "lists/monitoring.xlsx", "Xã!J20", MONITOR),
    Case("monitoring-not-a-workbook", both(lambda root: (root / "lists").mkdir(),
                                           write("lists/monitoring.xlsx", "not a workbook")),
         "lists/monitoring.xlsx", "<file>", MONITOR),
    # --- scenario workbooks --------------------------------------------------------------
    Case("workbook-budget-text", xl("Ngân sách", 2026, "livelihood", "lots"), XLSX, "Ngân sách!", XL_COMMANDS),
    Case("workbook-budget-negative", xl("Ngân sách", 2027, "credit", -5), XLSX, "Ngân sách!", XL_COMMANDS),
    Case("workbook-priority-text", xl("Ưu tiên", ONE_UNIT, "multiplier", "high"), XLSX, "Ưu tiên!", XL_COMMANDS),
    Case("workbook-draws-zero", xl("Kịch bản", "draws", "value", 0), XLSX, "Kịch bản!", XL_COMMANDS),
    Case("workbook-missing-sheet", workbook(lambda wb: wb.remove(wb["Ngân sách"])), XLSX, "Ngân sách", XL_COMMANDS),
    Case("workbook-corrupt", write(XLSX, b"PK\x03\x04 not really a workbook"), XLSX, "<file>", XL_COMMANDS),
    # --- $PLANNING_DATA_DIR: the data folder of a scenario without baseline: -------------
    Case("env-data-dir-households-inf", cwhere("data/baseline.csv", {"unit": "ca_nang", "year": "2025",
                                                                     "metric": "households"}, "value", "inf"),
         "data/baseline.csv", "value", (*SHIPPED, ("validate", "{root}/data")), env=DATA_DIR_ENV),
    Case("env-data-dir-plan-rate-negative", yset("data/plan.yaml", "target", "poverty_rate", value=-0.5),
         "data/plan.yaml", "target.poverty_rate", SHIPPED, env=DATA_DIR_ENV),
    Case("env-data-dir-rules-nan", yset("data/allocation_rules.yaml", "need_weighted", "coefficients", "zone", "III",
                                        value=float("nan")), "data/allocation_rules.yaml", "zone.III",
         (("validate", "{repo}/scenarios/need_weighted.yaml"),
          ("run", "{repo}/scenarios/need_weighted.yaml", "--out", "{out}", "--draws", "4")), env=DATA_DIR_ENV),
    Case("env-data-dir-missing", lambda root: shutil.rmtree(root / "data"), "data", "<file>", SHIPPED,
         env=DATA_DIR_ENV),
    # --- command-line arguments ----------------------------------------------------------
    Case("cli-out-is-a-file", write("out", "keep me"), "command line", "--out", (RUN,)),
    Case("cli-draws-zero", lambda root: None, "command line", "--draws",
         (("run", "{sc}", "--out", "{out}", "--draws", "0"),)),
    Case("cli-draws-negative", lambda root: None, "command line", "--draws",
         (("run", "{sc}", "--out", "{out}", "--draws", "-5"), ("target", "{sc}", "--out", "{out}", "--draws", "-5"))),
    Case("cli-draws-text", lambda root: None, "command-line error", "--draws",
         (("run", "{sc}", "--out", "{out}", "--draws", "many"),)),
    Case("cli-seed-negative", lambda root: None, "command line", "--seed",
         (("run", "{sc}", "--out", "{out}", "--seed", "-1"),
          ("compare", "{sc}", "--out", "{out}", "--seed", "-1"))),
    Case("cli-classify-year-3000", households(lambda df: None), "command line", "--year",
         (("classify", "{root}/lists/households.csv", "--out", "{out}/c.csv", "--year", "3000"),)),
    Case("cli-template-out-is-a-folder", lambda root: (root / "out").mkdir(), "command line", "--out",
         (("template", "{sc}", "--out", "{out}"),)),
    Case("cli-probability-above-one", lambda root: None, "command line", "--probability",
         (("optimize", "{sc}", "--out", "{out}", "--objective", "min-cost", "--probability", "1.5"),)),
    Case("cli-calibrate-until-3000", lambda root: None, "command line", "--until",
         (("calibrate", "{root}/data/observed.csv", "--until", "3000", "--out", "{out}"),)),
    Case("cli-port-out-of-range", lambda root: None, "command line", "--port", (("app", "--port", "70000"),)),
    Case("cli-workers-zero", lambda root: None, "command line", "--workers",
         (("batch", "{sc}", "--out", "{out}", "--workers", "0"),)),
    Case("cli-unknown-engine", lambda root: None, "command-line error", "--engine",
         (("run", "{sc}", "--out", "{out}", "--engine", "fast"),)),
]

# ------------------------------------------------------------------------------------ running


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy: ``data/`` (without the build scripts), the district plan as
    ``scenarios/plan.yaml`` written the way the shipped one is, and its workbook."""
    from planning.frontends.scenario_excel import write_scenario_workbook

    root = tmp_path_factory.mktemp("pristine")
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("build", "README.md"))
    (root / "scenarios").mkdir()
    text = (ROOT / "scenarios" / "district_plan.yaml").read_text(encoding="utf-8")
    # its own data folder, relative to the scenario file (the shipped one uses the default data folder)
    (root / PLAN).write_text(text.replace("\nstart_year:", "\nbaseline: ../data\nstart_year:", 1), encoding="utf-8")
    assert "baseline: ../data" in (root / PLAN).read_text(encoding="utf-8")
    assert main(["validate", str(root / PLAN)]) == 0  # the copy is valid before each case breaks it
    write_scenario_workbook(root / PLAN, root / "scenarios" / "template.xlsx")
    return root


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_clearly(case: Case, pristine: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "project"
    shutil.copytree(pristine, root)
    case.make(root)
    paths = {"root": str(root), "sc": str(root / PLAN), "out": str(root / "out"), "repo": str(ROOT)}
    for k, v in case.env.items():
        monkeypatch.setenv(k, v.format(**paths))
    out = root / "out"
    before = out.read_bytes() if out.is_file() else None
    monkeypatch.chdir(root)  # a scenario's paths resolve from its own folder, never from the current one
    for command in case.commands:
        argv = [a.format(**paths) for a in command]
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        captured = capsys.readouterr()
        text = captured.out + captured.err
        where = f"{case.id}: planning {' '.join(command)}\n{text}"
        assert code == case.code, where
        assert "Traceback" not in text, where
        assert case.file in text, where
        assert case.field in text, where
        assert VIETNAMESE.search(text), where  # the Vietnamese part
        assert any(word in text for word in ("expected", "error", "Error")), where  # the English part
        if before is None:
            assert not out.exists() or not any(out.iterdir()), where
        else:
            assert out.read_bytes() == before, where


def test_the_suite_covers_at_least_100_kinds() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 100


def test_an_internal_error_is_one_line_and_a_log(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    from planning.models import runner

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(runner, "run", broken)  # what `planning run` calls
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code = main(["run", str(ROOT / "scenarios" / "district_plan.yaml"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 3
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "Lỗi nội bộ / internal error" in err and "something inside broke" in err
    logs = list(tmp_path.glob("planning-error-*.log"))
    assert len(logs) == 1 and logs[0].name in err
    assert "Traceback" in logs[0].read_text(encoding="utf-8") and "RuntimeError" in logs[0].read_text(encoding="utf-8")
    assert not (tmp_path / "o").exists()


# -------------------------------------------------------- the installed command and the Python API

#: a handful of cases through the ``planning`` command in its own process (the in-process runs
#: above share one interpreter; these show the real console behaviour)
SUBPROCESS_CASES = ("budget-nan", "scenario-not-utf8", "baseline-households-inf", "cli-draws-text")


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_bad_input_through_the_command(case_id: str, pristine: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    case = next(c for c in CASES if c.id == case_id)
    root = tmp_path / "project"
    shutil.copytree(pristine, root)
    case.make(root)
    paths = {"root": str(root), "sc": str(root / PLAN), "out": str(root / "out"), "repo": str(ROOT)}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    command = case.commands[-1]
    proc = subprocess.run([sys.executable, "-m", "planning", *(a.format(**paths) for a in command)], cwd=root,
                          env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)
    text = proc.stdout + proc.stderr
    assert proc.returncode == case.code, text
    assert "Traceback" not in text and case.file in text and case.field in text and VIETNAMESE.search(text), text
    assert not (root / "out").exists(), text


@pytest.mark.parametrize("case_id", ["budget-nan", "priority-nan", "baseline-households-inf", "override-growth-inf"])
def test_the_python_api_and_the_dashboard_refuse_the_same_inputs(case_id: str, pristine: Path,
                                                                  tmp_path: Path) -> None:
    import planning
    from planning.basics.errors import PlanningInputError
    from planning.frontends.dashboard import Dashboard

    case = next(c for c in CASES if c.id == case_id)
    root = tmp_path / "project"
    shutil.copytree(pristine, root)
    case.make(root)
    for call in (lambda: planning.run(root / PLAN, draws=4), lambda: planning.prepare(root / PLAN, draws=4),
                 lambda: Dashboard(root / PLAN, draws=4)):
        with pytest.raises(PlanningInputError) as exc:
            call()
        text = str(exc.value)
        assert case.file in text and case.field in text and VIETNAMESE.search(text), text
    problems = planning.validate_files([root / PLAN])
    assert problems and case.file in str(problems) and case.field in str(problems)
