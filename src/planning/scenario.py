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
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from planning.checks import YEAR_MAX, YEAR_MIN
from planning.errors import PlanningInputError, PlanningInputErrors
from planning.paths import data_dir, display_path, scenarios_dir
from planning.yamlio import deep_merge, read_yaml

#: a scenario file with one of these suffixes is a workbook (planning.scenario_excel)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
RULES = ("equal", "per_poor_household", "need_weighted", "shares", "table")
#: the data store's files a projection reads (plus data/standards/*.yaml)
DATA_FILES = ("units.csv", "baseline.csv", "deprivation_rates.csv", "programmes.yaml",
              "model_parameters.yaml", "allocation_rules.yaml", "plan.yaml")


class BilingualError(ValueError):
    """A validator's complaint in English (``str``) and Vietnamese (``vi``)."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en)
        self.vi = vi


def _no_bool(value: Any) -> Any:
    # YAML's true/false would otherwise count as 1/0 draws, years or money
    if isinstance(value, bool):
        raise BilingualError("a number, not true/false", "một số, không phải true/false")
    return value


NoBool = BeforeValidator(_no_bool)
#: a finite number (NaN and infinity refused)
Finite = Annotated[float, NoBool, Field(allow_inf_nan=False)]
Whole = Annotated[int, NoBool]
#: a calendar year of a projection
Year = Annotated[int, NoBool, Field(ge=YEAR_MIN, le=YEAR_MAX)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Vietnamese and English."""

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Allocation(_Strict):
    """How each component's money is split across units.

    ``priorities`` multiply a unit's weight (1 = no change) before the split is normalised.
    Shares and priorities are finite numbers ≥ 0; the units are checked against the data
    (:func:`planning.runner.prepare`).
    """

    rule: Literal["equal", "per_poor_household", "need_weighted", "shares", "table"]
    table: str | None = None
    shares: dict[str, Finite] | None = None
    priorities: dict[str, Finite] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _rule_fields(self) -> Allocation:
        if self.rule == "table" and not self.table:
            raise BilingualError("rule 'table' needs 'table: FILE.csv' (columns unit, component, year, amount)",
                                 "quy tắc 'table' cần 'table: TỆP.csv' (cột unit, component, year, amount)")
        if self.rule != "table" and self.table:
            raise BilingualError("'table' is only used with rule 'table'", "'table' chỉ dùng với quy tắc 'table'")
        if self.rule == "shares":
            if not self.shares:
                raise BilingualError("rule 'shares' needs 'shares: {unit: share}'",
                                     "quy tắc 'shares' cần 'shares: {mã xã: tỷ lệ}'")
            if any(v < 0 for v in self.shares.values()):
                raise BilingualError("shares must be non-negative", "tỷ lệ không được âm")
            total = sum(self.shares.values())
            if abs(total - 1.0) > 1e-6:
                raise BilingualError(f"shares must add up to 1, they add up to {total:.6g}",
                                     f"các tỷ lệ phải cộng lại bằng 1, hiện bằng {total:.6g}")
        if any(v < 0 for v in self.priorities.values()):
            raise BilingualError("priorities must be non-negative multipliers",
                                 "hệ số ưu tiên phải là số không âm")
        return self


class Shock(_Strict):
    """A bad year: every household's setback probability multiplied by ``multiplier``."""

    year: Year
    multiplier: Finite = Field(ge=1.0, le=10.0)
    units: list[str] | None = None
    description: str | None = None


class Overrides(_Strict):
    """Deltas on the programme book (``programmes``) and engine parameters (``model``)."""

    programmes: dict[str, Any] = Field(default_factory=dict)
    model: dict[str, Any] = Field(default_factory=dict)

    def model_names(self) -> list[str]:
        """Dotted names (``model.<section>.<name>``) of the model parameters overridden."""
        return [f"model.{sec}.{key}" for sec, entries in self.model.items() if isinstance(entries, dict)
                for key in entries]


class Scenario(_Strict):
    """One validated scenario. Money is million VND; rates are shares.

    Paths (``baseline``, ``calibration``, ``overrides_file``, ``allocation.table``, ``extends``)
    are relative to the scenario file's folder; without ``baseline`` the data folder is
    ``$PLANNING_DATA_DIR`` or the project's ``data/`` (:func:`planning.paths.data_dir`).
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    title: Text
    description: Text | None = None
    baseline: str | None = None
    start_year: Year = Field(ge=2022)
    end_year: Year = Field(ge=2022)
    standards: dict[Year, str] = Field(default_factory=dict)
    budget: dict[Year, dict[str, Finite]] = Field(default_factory=dict)
    budget_scale: Finite = Field(default=1.0, ge=0.0)
    allocation: Allocation
    overrides: Overrides = Field(default_factory=Overrides)
    overrides_file: str | None = None
    shocks: list[Shock] = Field(default_factory=list)
    random_shocks: bool = True
    calibration: str | None = None
    draws: Whole = Field(default=1000, ge=1, le=1_000_000)
    seed: Whole = Field(default=20261126, ge=0)
    sampling: Literal["random", "lhs", "mode"] = "random"

    @field_validator("budget")
    @classmethod
    def _money(cls, budget: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
        for year, comps in budget.items():
            for comp, amount in comps.items():
                if amount < 0:
                    raise BilingualError(
                        f"budget.{year}.{comp}: amounts are million VND and must be >= 0, got {amount}",
                        f"budget.{year}.{comp}: số tiền (triệu đồng) phải ≥ 0, nhận {amount}")
        return budget

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        if self.end_year < self.start_year:
            raise BilingualError(f"end_year ({self.end_year}) must not be before start_year ({self.start_year})",
                                 f"end_year ({self.end_year}) không được trước start_year ({self.start_year})")
        for year in list(self.budget) + list(self.standards) + [s.year for s in self.shocks]:
            if not self.start_year <= year <= self.end_year:
                raise BilingualError(
                    f"year {year} is outside start_year..end_year ({self.start_year}..{self.end_year})",
                    f"năm {year} nằm ngoài start_year..end_year ({self.start_year}..{self.end_year})")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    def standard_for(self, year: int) -> str | None:
        """The standard this scenario puts in force in ``year`` (None: the law's default)."""
        chosen = None
        for y in sorted(self.standards):
            if y <= year:
                chosen = self.standards[y]
        return chosen


class LoadedScenario(BaseModel):
    """A scenario with where it came from: its file (for messages) and every input file."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    scenario: Scenario
    source: str  # shown path or '<dict>'
    base_dir: Path  # relative paths (table, extends, baseline) resolve from here
    inputs: tuple[Path, ...]  # scenario file, parents, allocation table

    def __getattr__(self, item: str) -> Any:
        # a LoadedScenario reads like its Scenario (name, title, draws, seed, ...)
        return getattr(self.__dict__["scenario"], item)

    @property
    def baseline_dir(self) -> Path:
        """The data folder named by ``baseline:``, relative to the scenario's folder; without
        one, the default data folder (``$PLANNING_DATA_DIR`` or the project's ``data/``)."""
        ref = self.scenario.baseline
        if ref is None:
            return data_dir()
        p = Path(ref)
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def calibration_path(self) -> Path | None:
        """The calibration named by ``calibration:``, relative to the scenario's folder."""
        ref = self.scenario.calibration
        if ref is None:
            return None
        p = Path(ref)
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def table_path(self) -> Path | None:
        t = self.scenario.allocation.table
        if t is None:
            return None
        p = Path(t)
        return p if p.is_absolute() else (self.base_dir / p)


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
        from planning.scenario_excel_read import read_scenario_workbook

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
