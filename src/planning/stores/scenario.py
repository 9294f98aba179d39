"""Scenarios: validated YAML files (or dicts of the same shape) describing one budget plan.

A scenario names its baseline data, years, the poverty standard in force each year, the budget
by year and component (million VND), how the money is split across communes, overrides of
any programme-book or model assumption, shocks, an optional calibration whose posterior draws
drive its uncertain parameters, and the Monte Carlo set-up. A scenario may ``extends:``
another file and state only what differs (a validated delta): mappings merge key by key, and
an empty mapping (``budget: {}``) clears the parent's.

``standards:`` maps a year to the standard in force **from that year on** (until the next
entry); years before the first entry follow the law (``data/standards/``). So
``standards: {2027: decree_07_2021}`` keeps Decree 07/2021 in force to the end, for comparison.
"""

from __future__ import annotations

import contextlib
import copy
import math
import re
from pathlib import Path
from typing import Any

from pydantic import (
    ValidationError,
)

from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.basics.paths import display_path, scenarios_dir
from planning.basics.yamlio import deep_merge, read_yaml
from planning.stores.scenario_schema import (
    DATA_FILES as DATA_FILES,
)

#: a scenario file with one of these suffixes is a workbook (planning.frontends.scenario_excel)
from planning.stores.scenario_schema import (
    EXCEL_SUFFIXES as EXCEL_SUFFIXES,
)
from planning.stores.scenario_schema import (
    RULES as RULES,
)
from planning.stores.scenario_schema import (
    Allocation as Allocation,
)
from planning.stores.scenario_schema import (
    BilingualError as BilingualError,
)
from planning.stores.scenario_schema import (
    Finite as Finite,
)
from planning.stores.scenario_schema import (
    LoadedScenario as LoadedScenario,
)
from planning.stores.scenario_schema import (
    NoBool as NoBool,
)
from planning.stores.scenario_schema import (
    Overrides as Overrides,
)
from planning.stores.scenario_schema import (
    Scenario as Scenario,
)
from planning.stores.scenario_schema import (
    Shock as Shock,
)
from planning.stores.scenario_schema import (
    Text as Text,
)
from planning.stores.scenario_schema import (
    Whole as Whole,
)
from planning.stores.scenario_schema import (
    Year as Year,
)
from planning.stores.scenario_schema import (
    _Strict as _Strict,
)


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-after"))


#: pydantic error type → what was expected, in Vietnamese ({…} filled from the error's context)
_VI = {
    "missing": "trường này (bắt buộc)",
    "extra_forbidden": "không có trường này trong kịch bản (gõ sai tên?)",
    "finite_number": "một số hữu hạn (không phải NaN hay vô cực)",
    "float_parsing": "một số", "float_type": "một số",
    "int_parsing": "một số nguyên", "int_type": "một số nguyên", "int_from_float": "một số nguyên",
    "greater_than_equal": "một số ≥ {ge}", "less_than_equal": "một số ≤ {le}",
    "greater_than": "một số > {gt}", "less_than": "một số < {lt}",
    "string_type": "một đoạn chữ", "string_too_short": "một đoạn chữ không rỗng",
    "string_pattern_mismatch": "mã gồm chữ thường, chữ số, _ hoặc - (ví dụ ke_hoach_2026)",
    "literal_error": "một trong {expected}",
    "dict_type": "một bảng (mục: giá trị)", "list_type": "một danh sách", "model_type": "một bảng các trường",
    "bool_type": "true hoặc false", "bool_parsing": "true hoặc false",
}


#: pydantic error type → what was expected, in English
_EN = {
    "missing": "this field (required)",
    "extra_forbidden": "no such field in a scenario (a misspelt name?)",
    "finite_number": "a finite number (not NaN or infinity)",
    "float_parsing": "a number", "float_type": "a number",
    "int_parsing": "a whole number", "int_type": "a whole number", "int_from_float": "a whole number",
    "greater_than_equal": "a number ≥ {ge}", "less_than_equal": "a number ≤ {le}",
    "greater_than": "a number > {gt}", "less_than": "a number < {lt}",
    "string_pattern_mismatch": "an id of lower-case letters, digits, _ or - (e.g. my_plan_2026)",
    "literal_error": "one of {expected}",
}


def _raise_validation(exc: ValidationError, shown: str) -> None:
    errors = []
    for e in exc.errors():
        field = _loc(e["loc"]) or "<root>"
        msg = re.sub(r"^Value error, ", "", e["msg"])
        got = e.get("input")
        if isinstance(got, dict | list):
            got = None
        if isinstance(got, float) and not math.isfinite(got):
            got = str(got)  # shown as written (nan, inf), not as an empty cell
        ctx = e.get("ctx") or {}
        with contextlib.suppress(KeyError, IndexError):
            msg = _EN[e["type"]].format(**ctx) if e["type"] in _EN else msg
        cause = ctx.get("error")
        if isinstance(cause, BilingualError):
            vi = cause.vi
        else:
            try:
                vi = _VI.get(e["type"], msg).format(**ctx)
            except (KeyError, IndexError):
                vi = msg
        where = "<dict>" if shown == "<dict>" else f"tệp {shown}"
        got_vi = "" if got is None else f"; nhận: {got}"
        errors.append(PlanningInputError(shown, field, msg, got, message_vi=f"{where}, trường '{field}': cần {vi}{got_vi}"))
    if len(errors) == 1:
        raise errors[0] from None
    raise PlanningInputErrors(errors) from None


def _merge_overrides_file(raw: dict[str, Any], base: Path, shown: str,
                          files: tuple[Path, ...]) -> tuple[dict[str, Any], tuple[Path, ...]]:
    """Merge ``overrides_file:`` (model-parameter YAML, e.g. from ``planning calibrate``) into
    ``overrides.model``; the scenario's own ``overrides.model`` entries win."""
    ref = raw.get("overrides_file")
    if ref is None:
        return raw, files
    path = (base / str(ref)).resolve()
    if not path.exists():
        raise PlanningInputError(shown, "overrides_file", "an existing YAML file of model parameters",
                                 str(ref), message_vi="không tìm thấy tệp tham số")
    mapping = read_yaml(path)
    if not isinstance(mapping, dict):
        raise PlanningInputError(display_path(path), "<root>", "a mapping like data/model_parameters.yaml",
                                 type(mapping).__name__)
    raw = copy.deepcopy(raw)
    overrides = raw.setdefault("overrides", {}) or {}
    raw["overrides"] = overrides
    overrides["model"] = deep_merge(mapping, overrides.get("model") or {}, file=shown, strict=False)
    return raw, (*files, path)


def merge_child(parent: dict[str, Any], child: dict[str, Any], *, file: str) -> dict[str, Any]:
    """``child`` applied onto ``parent``: mappings merge key by key, other values replace, and an
    empty mapping in the child clears the parent's (``budget: {}`` = no budget)."""
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if isinstance(value, dict) and not value:
            out[key] = {}
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_child(out[key], value, file=file)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_raw(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], tuple[Path, ...]]:
    """The scenario's mapping with its ``extends:`` chain merged; and the files read."""
    shown = display_path(path)
    if path.resolve() in seen:
        raise PlanningInputError(shown, "extends", "no cycle of extends", " -> ".join(p.name for p in seen))
    if path.suffix.lower() in EXCEL_SUFFIXES:  # a workbook from `planning template`: standalone, flat
        from planning.stores.scenario_excel_read import read_scenario_workbook

        return read_scenario_workbook(path), (*seen, path.resolve())
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise PlanningInputError(shown, "<root>", "a mapping of scenario fields", type(raw).__name__)
    files = (*seen, path.resolve())
    raw, files = _merge_overrides_file(raw, path.parent, shown, files)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, files
    parent_path = (path.parent / str(parent)).resolve()
    if not parent_path.is_file():
        raise PlanningInputError(shown, "extends", "an existing scenario file (relative to this file)",
                                 str(parent), message_vi=f"không tìm thấy kịch bản gốc '{parent}'")
    base, files = _read_raw(parent_path, files)
    return merge_child(_rebase(base, parent_path.parent, path.parent), raw, file=shown), files


#: the fields of a scenario that name files or folders (relative to the scenario file)
PATH_FIELDS = (("baseline",), ("calibration",), ("overrides_file",), ("allocation", "table"))


def _rebase(raw: dict[str, Any], origin: Path, target: Path) -> dict[str, Any]:
    """``raw`` (read from a file in ``origin``) with its relative paths made absolute when it is
    merged into a scenario in another folder (``target``): a path means what it meant in the
    file that states it."""
    if origin.resolve() == target.resolve():
        return raw
    out = copy.deepcopy(raw)
    for keys in PATH_FIELDS:
        node = out
        for k in keys[:-1]:
            node = node.get(k) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(keys[-1]), str):
            p = Path(node[keys[-1]])
            if not p.is_absolute():
                node[keys[-1]] = (origin / p).resolve().as_posix()
    return out


def load_scenario(scenario: str | Path | dict[str, Any] | LoadedScenario, *,
                  base_dir: Path | None = None) -> LoadedScenario:
    """Validate a scenario file (YAML, or a workbook from ``planning template``) or dict; errors
    name the file, the field (a workbook's: the sheet and cell) and what was expected."""
    if isinstance(scenario, LoadedScenario):
        return scenario
    if isinstance(scenario, dict):
        raw = copy.deepcopy(scenario)
        base = base_dir or scenarios_dir()
        files: tuple[Path, ...] = ()
        parent = raw.pop("extends", None)
        if parent is not None:
            parent_path = (base / str(parent)).resolve()
            if not parent_path.is_file():
                raise PlanningInputError("<dict>", "extends", f"an existing scenario file (relative to {display_path(base)})",
                                         str(parent), message_vi=f"không tìm thấy kịch bản gốc '{parent}'")
            parent_raw, files = _read_raw(parent_path)
            raw = merge_child(_rebase(parent_raw, parent_path.parent, base), raw, file="<dict>")
        shown = "<dict>"
        raw, files = _merge_overrides_file(raw, base, shown, files)
    else:
        path = Path(scenario)
        if not path.exists() and not path.is_absolute() and (scenarios_dir() / path).exists():
            path = scenarios_dir() / path
        shown = display_path(path)
        raw, files = _read_raw(path)
        base = path.resolve().parent
    try:
        sc = Scenario.model_validate(raw)
    except ValidationError as exc:
        _raise_validation(exc, shown)
    loaded = LoadedScenario(scenario=sc, source=shown, base_dir=base, inputs=files)
    if sc.baseline is not None and not loaded.baseline_dir.is_dir():
        raise PlanningInputError(shown, "baseline", "an existing data folder (with units.csv, baseline.csv, …), "
                                 "relative to the scenario file's folder", sc.baseline,
                                 message_vi=f"{shown}, trường 'baseline': không có thư mục số liệu '{sc.baseline}' "
                                            "(đường dẫn tính từ thư mục chứa tệp kịch bản)")
    cal = loaded.calibration_path
    if cal is not None:
        if not cal.exists():
            raise PlanningInputError(shown, "calibration", "an existing calibration (calibration.yaml written by "
                                     "'planning calibrate', relative to the scenario file)", sc.calibration,
                                     message_vi=f"không tìm thấy tệp hiệu chỉnh '{sc.calibration}'")
        files = (*files, cal.resolve())
        loaded = LoadedScenario(scenario=sc, source=shown, base_dir=base, inputs=files)
    table = loaded.table_path
    if table is not None:
        if not table.exists():
            raise PlanningInputError(shown, "allocation.table", "an existing CSV file", display_path(table))
        loaded = LoadedScenario(scenario=sc, source=shown, base_dir=base, inputs=(*files, table.resolve()))
    return loaded


def scenario_inputs(scenario: str | Path | dict[str, Any] | LoadedScenario) -> list[Path]:
    """Every file a scenario's result depends on: scenario chain, table and the data store."""
    loaded = load_scenario(scenario)
    data = loaded.baseline_dir
    data_files = [data / name for name in DATA_FILES if (data / name).exists()]
    data_files += sorted((data / "standards").glob("*.yaml"))
    return [*loaded.inputs, *data_files]
