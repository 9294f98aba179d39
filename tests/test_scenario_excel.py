"""Budgets in Excel: a scenario written as a workbook (``planning template``) reads back as the
same scenario, to the last digit of the results; hand edits change the run as they should; bad
cells are refused naming the sheet and cell; every command that takes a scenario takes a workbook."""

from __future__ import annotations

import copy
import math
import os
import random
import shutil
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import Workbook, load_workbook

import planning
from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.frontends.cli import main
from planning.frontends.scenario_excel import (
    read_scenario_workbook,
    set_number,
    write_scenario_workbook,
)
from planning.models.runner import prepare
from planning.stores.scenario import load_scenario
from planning.stores.scenario_excel_layout import FIRST_ROW, ID_ROW

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
PLAN = ROOT / "scenarios" / "district_plan.yaml"
DRAWS = 16


@pytest.fixture(scope="module")
def plan_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The district plan as a workbook, in a folder other than scenarios/."""
    return write_scenario_workbook(PLAN, tmp_path_factory.mktemp("elsewhere") / "plan.xlsx")


def _errors(exc: PlanningInputError) -> list[PlanningInputError]:
    return exc.errors if isinstance(exc, PlanningInputErrors) else [exc]


def _row(ws, value, col: int = 1) -> int:  # noqa: ANN001 (openpyxl worksheet)
    """The row whose column ``col`` holds ``value`` (ids of the template)."""
    for r in range(FIRST_ROW, ws.max_row + 1):
        if ws.cell(row=r, column=col).value == value:
            return r
    raise KeyError(value)


def _col(ws, cid: str) -> str:  # noqa: ANN001
    from openpyxl.utils import get_column_letter

    for c in range(1, ws.max_column + 1):
        if ws.cell(row=ID_ROW, column=c).value == cid:
            return get_column_letter(c)
    raise KeyError(cid)


def _edit(src: Path, dst: Path, edits) -> Path:  # noqa: ANN001 (callable on the workbook)
    """A hand-edited copy of ``src``: ``edits(wb)`` changes cells, the copy is saved as ``dst``."""
    wb = load_workbook(src)
    edits(wb)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def _same_scenario(a_path: Path, b_path: Path) -> None:
    a, b = load_scenario(a_path), load_scenario(b_path)
    da, db = a.scenario.model_dump(), b.scenario.model_dump()
    assert (a.calibration_path and a.calibration_path.resolve()) == (b.calibration_path and b.calibration_path.resolve())
    assert a.baseline_dir.resolve() == b.baseline_dir.resolve()  # each written relative to its own file
    da.pop("calibration"), db.pop("calibration")
    da.pop("baseline"), db.pop("baseline")
    if a.table_path is None:
        assert da == db
    else:
        da["allocation"].pop("table"), db["allocation"].pop("table")
        assert da == db


# ------------------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("yaml_path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_round_trip_gives_identical_results(yaml_path: Path, tmp_path: Path) -> None:
    out = write_scenario_workbook(yaml_path, tmp_path / "other" / f"{yaml_path.stem}.xlsx")
    raw = read_scenario_workbook(out)
    assert "extends" not in raw and raw["name"] == yaml_path.stem  # the chain is flattened
    _same_scenario(yaml_path, out)
    a = planning.run(yaml_path, draws=DRAWS).summary()
    b = planning.run(out, draws=DRAWS).summary()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_numbers_are_written_bit_identical(tmp_path: Path) -> None:
    rng = random.Random(3)
    values = [0.1 + 0.2, 3000.0, -0.0, 5e-324, 1e308, 2**53 + 1, 2**70, 20261126]
    values += [struct.unpack("d", struct.pack("Q", rng.getrandbits(63)))[0] for _ in range(500)]
    values = [v for v in values if math.isfinite(v)]
    wb = Workbook()
    for i, v in enumerate(values, start=1):
        set_number(wb.active.cell(row=i, column=1), v)
    wb.save(tmp_path / "n.xlsx")
    ws = load_workbook(tmp_path / "n.xlsx").active
    assert [repr(ws.cell(row=i, column=1).value) for i in range(1, len(values) + 1)] == [repr(v) for v in values]


def _awkward(tmp_path: Path) -> Path:
    """A YAML scenario with awkward doubles, every kind of sheet filled, a table and a
    calibration in other folders than the scenario's."""
    plan = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    prep = prepare(PLAN, draws=1)
    amounts = prep.amounts * (1 + 1e-9 / 3)  # not round numbers
    rows = [(u, c, y, repr(float(amounts[i, k, t]))) for i, u in enumerate(prep.baseline.units.ids)
            for k, c in enumerate(prep.book.ids) for t, y in enumerate(prep.years) if amounts[i, k, t] > 0]
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "alloc.csv").write_text(
        "unit,component,year,amount\n" + "".join(f"{u},{c},{y},{a}\n" for u, c, y, a in rows), encoding="utf-8")
    plan.update(
        name="awkward", budget={}, budget_scale=0.1 + 0.2, seed=2**40 + 1, draws=7, sampling="lhs",
        calibration=str((ROOT / "data" / "calibrated" / "son_la" / "calibration.yaml").resolve()),
        baseline=str((ROOT / "data").resolve()),
        allocation={"rule": "table", "table": "../tables/alloc.csv", "priorities": {"nam_et": 1 / 3},
                    "shares": {"ca_nang": 0.5, "nam_et": 0.5}},
        shocks=[{"year": 2028, "multiplier": 1.1 + 1e-12, "units": ["ca_nang", "nam_et"], "description": "lũ"},
                {"year": 2029, "multiplier": 2.0}],
        overrides={"model": {"income": {"growth": {"mode": 0.1 + 0.2 - 0.2, "source": "ước tính: x"}},
                             "escaped_support_years": {"value": 2}},
                   "programmes": {"housing": {"unit_cost": {"mode": 60, "low": 40.5, "high": 60.25},
                                              "targets": {"poor": 0.7, "near_poor": 0.3}},
                                  "intensity": {"returns": {"mode": 0.55}}}},
    )
    (tmp_path / "yaml").mkdir()
    path = tmp_path / "yaml" / "awkward.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    return path


def test_round_trip_of_every_field_table_and_awkward_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _awkward(tmp_path)
    out = write_scenario_workbook(src, tmp_path / "xl" / "deep" / "awkward.xlsx")
    monkeypatch.chdir(tmp_path / "tables")  # relative paths resolve from the workbook's folder, not the cwd
    _same_scenario(src, out)
    raw = read_scenario_workbook(out)
    assert raw["allocation"]["table"] == "awkward.xlsx" and raw["seed"] == 2**40 + 1
    assert raw["overrides"]["model"]["income"]["growth"] == {"source": "ước tính: x", "mode": 0.1 + 0.2 - 0.2}
    a, b = planning.run(src, draws=DRAWS), planning.run(out, draws=DRAWS)
    assert np.array_equal(a.amounts, b.amounts)
    pd.testing.assert_frame_equal(a.summary(), b.summary(), check_exact=True)
    # a template of the workbook is the same scenario again (the table travels inside it)
    again = write_scenario_workbook(out, tmp_path / "again.xlsx")
    _same_scenario(out, again)


def test_paths_are_rewritten_for_the_workbook_folder(plan_xlsx: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert read_scenario_workbook(plan_xlsx).get("baseline") is None  # the default data folder, as in the YAML
    # a scenario naming its data folder, relative to its own folder
    src = tmp_path / "mine" / "plan.yaml"
    src.parent.mkdir()
    src.write_text(f"extends: {PLAN.resolve().as_posix()}\nname: plan\n"
                   f"baseline: {os.path.relpath(ROOT / 'data', src.parent)}\n", encoding="utf-8")
    plan_xlsx = write_scenario_workbook(src, tmp_path / "elsewhere" / "plan.xlsx")
    raw = read_scenario_workbook(plan_xlsx)
    cal = (plan_xlsx.parent / raw["calibration"]).resolve()
    assert cal == (ROOT / "data" / "calibrated" / "son_la" / "calibration.yaml").resolve()
    assert not Path(raw["calibration"]).is_absolute() and not Path(raw["baseline"]).is_absolute()
    assert (plan_xlsx.parent / raw["baseline"]).resolve() == (ROOT / "data").resolve()  # from the workbook's folder
    monkeypatch.chdir(tmp_path)
    assert load_scenario(plan_xlsx).calibration_path.resolve() == cal
    # moved to a folder where the relative path no longer leads anywhere: refused, naming the cell
    moved = tmp_path / "a" / "b" / "c" / "d" / "e" / "f" / "g" / "h" / "plan.xlsx"
    moved.parent.mkdir(parents=True)
    shutil.copy(plan_xlsx, moved)
    with pytest.raises(PlanningInputError) as exc:
        load_scenario(moved)
    ws = load_workbook(moved)["Kịch bản"]
    fields = [e.field for e in _errors(exc.value)]  # the baseline folder, then the calibration: both relative
    assert fields and fields[0] == f"Kịch bản!D{_row(ws, 'baseline')}"
    assert set(fields) <= {f"Kịch bản!D{_row(ws, 'baseline')}", f"Kịch bản!D{_row(ws, 'calibration')}"}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_a_workbook_saved_by_an_office_suite_still_runs_the_same(tmp_path: Path) -> None:
    """As when a planner opens the template and saves it: LibreOffice rewrites every part of the file."""
    import subprocess

    src = write_scenario_workbook(ROOT / "scenarios" / "shock_2027.yaml", tmp_path / "a" / "plan.xlsx")
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path / "b"), str(src)],
                   check=True, capture_output=True, timeout=120)
    saved = tmp_path / "b" / "plan.xlsx"  # same depth: the relative calibration path still holds
    _same_scenario(src, saved)
    pd.testing.assert_frame_equal(planning.run(src, draws=8).summary(), planning.run(saved, draws=8).summary(),
                                  check_exact=True)


# ------------------------------------------------------------------------------------ hand edits


def test_hand_edits_change_the_run(plan_xlsx: Path, tmp_path: Path) -> None:
    base = planning.run(plan_xlsx, draws=8)

    def budget(wb) -> None:  # noqa: ANN001
        ws = wb["Ngân sách"]
        ws[f"{_col(ws, 'housing')}{_row(ws, 2027)}"] = 0

    r = planning.run(_edit(plan_xlsx, tmp_path / "budget.xlsx", budget), draws=8)
    spend = lambda res: res.summary().query("level == 'district'").set_index("year")["spending"]  # noqa: E731
    assert spend(base)[2027] - spend(r)[2027] == pytest.approx(2500)
    assert (spend(base).drop(2027) == spend(r).drop(2027)).all()
    assert not base.summary()["poverty_rate_mean"].equals(r.summary()["poverty_rate_mean"])

    units = base.units.ids
    k = units.index("nam_et")

    def priority(wb) -> None:  # noqa: ANN001
        ws = wb["Ưu tiên"]
        ws[f"{_col(ws, 'multiplier')}{_row(ws, 'nam_et')}"] = 3

    p = prepare(_edit(plan_xlsx, tmp_path / "priority.xlsx", priority), draws=1)
    assert p.amounts[k].sum() > base.amounts[k].sum() * 2
    assert p.amounts.sum() == pytest.approx(base.amounts.sum())

    def rule(wb) -> None:  # noqa: ANN001
        wb["Phân bổ"]["B4"] = "equal"

    eq = prepare(_edit(plan_xlsx, tmp_path / "rule.xlsx", rule), draws=1)
    assert np.array_equal(eq.amounts, prepare(ROOT / "scenarios" / "equal_split.yaml", draws=1).amounts)


# ------------------------------------------------------------------------------------ bad cells


def _bad_everywhere(wb) -> dict[str, str]:  # noqa: ANN001
    """Eighteen kinds of bad cell in one workbook; returns cell → what the message must say."""
    sc, bu, al, pr, sh, asm = (wb[n] for n in ("Kịch bản", "Ngân sách", "Phân bổ", "Ưu tiên", "Cú sốc", "Giả định"))
    housing, row27 = _col(bu, "housing"), _row(bu, 2027)
    cells = {
        f"Ngân sách!{housing}{row27}": (bu, -5, "≥ 0"),  # negative money
        f"Ngân sách!{_col(bu, 'credit')}{row27}": (bu, "nhiều", "≥ 0"),  # text in a number cell
        f"Ngân sách!{_col(bu, 'vocational')}{ID_ROW}": (bu, "houses", "component"),  # unknown component column
        f"Ngân sách!A{_row(bu, 2030)}": (bu, 2035, "2026..2030"),  # year out of range
        f"Ngân sách!{chr(ord(_col(bu, 'total')) + 2)}{row27}": (bu, 7, "no column of the template"),  # stray cell
        "Phân bổ!B4": (al, "by_need", "per_poor_household"),  # unknown rule
        f"Phân bổ!{_col(al, 'share')}{_row(al, 'ca_nang')}": (al, 1.5, "0 to 1"),  # share out of range
        f"Ưu tiên!A{_row(pr, 'nam_et')}": (pr, "atlantis", "commune"),  # unknown commune
        f"Ưu tiên!{_col(pr, 'multiplier')}{_row(pr, 'ca_nang')}": (pr, -1, "≥ 0"),  # negative priority
        f"Kịch bản!D{_row(sc, 'draws')}": (sc, 2.5, "whole number"),  # draws not whole
        f"Kịch bản!D{_row(sc, 'sampling')}": (sc, "halton", "random, lhs, sobol, mode"),  # unknown sampling
        f"Kịch bản!D{_row(sc, 'standards.2027')}": (sc, "decree_99", "decree_07_2021"),  # unknown standard
        f"Kịch bản!D{_row(sc, 'name')}": (sc, "My Plan!", "lower-case"),  # bad id
        f"Kịch bản!A{sc.max_row + 1}": (sc, "colour", "field of the template"),  # unknown row
        f"Cú sốc!B{FIRST_ROW}": (sh, 20, "1 to 10"),  # shock multiplier out of range
        f"Cú sốc!C{FIRST_ROW}": (sh, "atlantis", "commune"),  # shock in an unknown commune
        f"Giả định!A{_row(asm, None)}": (asm, "model.income.speed", "assumption of the data files"),
        f"Giả định!G{_row(asm, 'model.income.log_sd')}": (asm, "{bad", "YAML"),  # malformed YAML
    }
    sh[f"A{FIRST_ROW}"] = 2028
    sh[f"B{FIRST_ROW}"] = 2
    asm[f"C{_row(asm, None)}"] = 1
    for where, (ws, value, _) in cells.items():
        ws[where.split("!")[1]] = value
    if sc.cell(row=sc.max_row, column=1).value == "colour":
        sc.cell(row=sc.max_row, column=4, value="red")
    return {where: text for where, (_, _, text) in cells.items()}


def test_every_bad_cell_is_refused_at_once_naming_sheet_and_cell(plan_xlsx: Path, tmp_path: Path) -> None:
    expect: dict[str, str] = {}
    path = _edit(plan_xlsx, tmp_path / "bad.xlsx", lambda wb: expect.update(_bad_everywhere(wb)))
    with pytest.raises(PlanningInputErrors) as exc:
        load_scenario(path)
    errs = {e.field: e for e in _errors(exc.value)}
    for where, text in expect.items():
        assert where in errs, (where, sorted(errs))
        e = errs[where]
        assert e.file.endswith("bad.xlsx")
        assert text in e.expected, (where, e.expected)
        assert f"ô {where}: cần" in str(e) and "expected" in str(e)  # Vietnamese and English
    assert len(errs) == len(expect), sorted(set(errs) - set(expect))


@pytest.mark.parametrize("case", ["mode_above_high", "value_on_a_distribution", "shares_not_one",
                                  "table_total", "table_amount", "formula", "description_half", "start_year"])
def test_cross_sheet_problems_name_the_cell(case: str, plan_xlsx: Path, tmp_path: Path) -> None:
    def edit(wb) -> None:  # noqa: ANN001
        asm, al, ta, bu, sc = wb["Giả định"], wb["Phân bổ"], wb["Bảng phân bổ"], wb["Ngân sách"], wb["Kịch bản"]
        if case == "mode_above_high":
            asm[f"C{_row(asm, 'model.income.growth')}"] = 0.5
        elif case == "value_on_a_distribution":
            asm[f"F{_row(asm, 'model.income.growth')}"] = 0.5
        elif case == "shares_not_one":
            al["B4"] = "shares"
            al[f"E{_row(al, 'ca_nang')}"] = 0.4
        elif case in ("table_total", "table_amount"):
            al["B4"] = "table"
            ta[f"E{FIRST_ROW}"] = 1000 if case == "table_total" else -3
        elif case == "start_year":
            sc[f"D{_row(sc, 'start_year')}"] = 2027
        elif case == "formula":
            bu[f"B{FIRST_ROW}"] = "=1+2"
        else:
            sc[f"D{_row(sc, 'description.en')}"] = None
    where, text = {
        "mode_above_high": ("Giả định!C{r}", "low <= mode <= high"),
        "value_on_a_distribution": ("Giả định!F{r}", "one of: mode"),
        "shares_not_one": (f"Phân bổ!E{FIRST_ROW}", "add up to 1"),
        "table_total": (f"Ngân sách!B{FIRST_ROW}", "allocation table's total"),
        "table_amount": (f"Bảng phân bổ!E{FIRST_ROW}", "≥ 0"),
        "formula": (f"Ngân sách!B{FIRST_ROW}", "formula has no saved result"),
        "start_year": ("Kịch bản!D{s}", "the year after the baseline review (2026)"),
        "description_half": ("Kịch bản!D{d}", "both languages"),
    }[case]
    path = _edit(plan_xlsx, tmp_path / f"{case}.xlsx", edit)
    ws_a, ws_s = load_workbook(path)["Giả định"], load_workbook(path)["Kịch bản"]
    where = where.format(r=_row(ws_a, "model.income.growth"), d=_row(ws_s, "description.en"),
                         s=_row(ws_s, "start_year"))
    with pytest.raises(PlanningInputError) as exc:
        load_scenario(path)
    errs = _errors(exc.value)
    assert where in [e.field for e in errs], [str(e) for e in errs]
    assert any(text in e.expected for e in errs if e.field == where), [e.expected for e in errs]


def test_missing_and_unknown_sheets_are_named(plan_xlsx: Path, tmp_path: Path) -> None:
    def edit(wb) -> None:  # noqa: ANN001
        del wb["Ưu tiên"]
        wb.create_sheet("Ghi chú")

    with pytest.raises(PlanningInputError) as exc:
        load_scenario(_edit(plan_xlsx, tmp_path / "sheets.xlsx", edit))
    fields = {e.field for e in _errors(exc.value)}
    assert fields == {"Ưu tiên", "Ghi chú"}
    with pytest.raises(PlanningInputError, match="Kịch bản"):  # a workbook that is no scenario at all
        load_scenario(_edit(plan_xlsx, tmp_path / "other.xlsx", lambda wb: setattr(wb["Kịch bản"], "title", "X")))


def test_unreadable_files_are_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
                                              plan_xlsx: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    text = tmp_path / "text.xlsx"
    text.write_text("name: not a workbook\n", encoding="utf-8")
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(plan_xlsx.read_bytes()[:2000])
    for path in (empty, text, folder, corrupt, tmp_path / "missing.xlsx"):
        with pytest.raises(PlanningInputError) as exc:
            load_scenario(path)
        assert exc.value.field == "<file>" and path.name in str(exc.value)
        assert main(["validate", str(path)]) == 2
        assert main(["run", str(path), "--out", str(tmp_path / "r"), "--draws", "2"]) == 2
    err = capsys.readouterr()
    assert "Traceback" not in err.out + err.err and "Lỗi dữ liệu đầu vào / Input error" in err.err

    def locked(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 (Excel holds the file open)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("openpyxl.load_workbook", locked)
    with pytest.raises(PlanningInputError, match="PermissionError.*không bị chương trình khác khoá"):
        load_scenario(plan_xlsx)


# ------------------------------------------------------------------------------------ commands


def test_cli_template_validate_run_compare(tmp_path: Path, capsys) -> None:
    out = tmp_path / "books" / "equal.xlsx"
    assert main(["template", str(ROOT / "scenarios" / "equal_split.yaml"), "--out", str(out), "--lang", "en"]) == 0
    assert "Scenario workbook written" in capsys.readouterr().out and out.exists()
    assert main(["template", str(PLAN), "--out", str(tmp_path / "plan.csv")]) == 2
    assert main(["validate", str(out)]) == 0
    assert "hợp lệ / valid" in capsys.readouterr().out
    bad = _edit(out, tmp_path / "bad.xlsx", lambda wb: wb["Phân bổ"].__setitem__("B4", "by_need"))
    assert main(["validate", str(bad)]) == 2
    assert "Phân bổ!B4" in capsys.readouterr().out
    assert main(["run", str(out), "--out", str(tmp_path / "run"), "--draws", "8"]) == 0
    # the workbook's scenario was run: its title heads the output (the id is for developers)
    assert capsys.readouterr().out.startswith("Ngân sách kế hoạch, chia đều cho 11 xã/thị trấn (8 lần mô phỏng")
    manifest = (tmp_path / "run" / "manifest.json").read_text(encoding="utf-8")
    assert "equal.xlsx" in manifest
    assert main(["compare", str(out), str(PLAN), "--out", str(tmp_path / "cmp"), "--draws", "8"]) == 0
    assert set(pd.read_csv(tmp_path / "cmp" / "comparison.csv")["scenario"]) == {"equal_split", "district_plan"}


def test_target_and_batch_take_a_workbook(plan_xlsx: Path, tmp_path: Path, capsys) -> None:
    from planning.frontends import batch

    assert main(["target", str(plan_xlsx), "--out", str(tmp_path / "t"), "--draws", "8", "--lang", "en"]) == 0
    assert (tmp_path / "t" / "cost_curve.csv").exists()
    with pytest.raises(SystemExit) as exc:
        main(["batch", "--help"])
    assert exc.value.code == 0 and ".xlsx" in capsys.readouterr().out
    deps = batch._scenario_dependencies(plan_xlsx.resolve())  # what batch hashes: the workbook and its data
    assert deps[0] == plan_xlsx.resolve() and any(p.name == "programmes.yaml" for p in deps)
    assert any(p.name == "calibration.yaml" for p in deps)
    assert batch._validate([plan_xlsx], batch.DEFAULT_NOTEBOOK, 1, "thread", "vi") == [plan_xlsx.resolve()]


def test_instructions_and_layout_are_bilingual(plan_xlsx: Path) -> None:
    wb = load_workbook(plan_xlsx)
    streams = ["Nguồn ntp_merged", "Nguồn vbsp_credit", "Nguồn resettlement", "Nguồn provincial_budget",
               "Nguồn commune_budget", "Nguồn other"]  # a sheet per funding stream, empty in the district plan
    assert wb.sheetnames == ["Hướng dẫn", "Kịch bản", "Ngân sách", *streams, "Phân bổ", "Bảng phân bổ", "Ưu tiên",
                             "Giả định", "Cú sốc"]
    credit = wb["Nguồn vbsp_credit"]  # only what the stream may pay for, in the budget sheet's layout
    assert [c.value for c in credit[6]][1:-1] == ["credit", "housing", "water_sanitation", "jobs"]
    assert "volume lent" in credit["A2"].value
    text = "\n".join(str(c.value) for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value)
    for needle in ("triệu đồng", "million VND", "planning run plan.xlsx", "YAML", "Ngân sách!C10"):
        assert needle in text
    bu = wb["Ngân sách"]
    assert bu["A1"].value.startswith("Ngân sách") and "million VND" in bu["A2"].value
    assert bu.protection.sheet and not bu[f"B{FIRST_ROW}"].protection.locked
    assert any("≥ 0" in (dv.error or "") for dv in bu.data_validations.dataValidation)
    assert wb["Phân bổ"].data_validations.dataValidation[0].formula1.startswith('"equal,')
    ref = wb["Giả định"]
    r = _row(ref, "model.income.growth")
    assert ref[f"H{r}"].value == 0.07 and ref[f"C{r}"].value is None  # the file's value, no change


def test_a_copy_of_the_plan_dict_is_unchanged(plan_dict: dict, tmp_path: Path) -> None:
    """Writing a template from a dict neither changes the dict nor needs a file."""
    d = copy.deepcopy(plan_dict)
    write_scenario_workbook(d, tmp_path / "d.xlsx")
    assert d == plan_dict
