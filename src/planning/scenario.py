"""Scenarios: validated YAML files (or dicts of the same shape) describing one budget plan.

A scenario names its baseline data, years, the poverty standard in force each year, the budget
by year and component (million VND), how the money is split across communes, overrides of
any programme-book or model assumption, shocks, and the Monte Carlo set-up. A scenario may
``extends:`` another file and state only what differs (a validated delta).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planning.errors import PlanningInputError, PlanningInputErrors
from planning.paths import PROJECT_ROOT, display_path, scenarios_dir
from planning.yamlio import deep_merge, read_yaml

RULES = ("equal", "per_poor_household", "need_weighted", "shares", "table")
#: the data store's files a projection reads (plus data/standards/*.yaml)
DATA_FILES = ("units.csv", "baseline.csv", "deprivation_rates.csv", "programmes.yaml",
              "model_parameters.yaml", "allocation_rules.yaml", "plan.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Vietnamese and English."""

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Allocation(_Strict):
    """How each component's money is split across units.

    ``priorities`` multiply a unit's weight (1 = no change) before the split is normalised.
    """

    rule: Literal["equal", "per_poor_household", "need_weighted", "shares", "table"]
    table: str | None = None
    shares: dict[str, float] | None = None
    priorities: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _rule_fields(self) -> Allocation:
        if self.rule == "table" and not self.table:
            raise ValueError("rule 'table' needs 'table: FILE.csv' (columns unit, component, year, amount)")
        if self.rule != "table" and self.table:
            raise ValueError("'table' is only used with rule 'table'")
        if self.rule == "shares":
            if not self.shares:
                raise ValueError("rule 'shares' needs 'shares: {unit: share}'")
            if any(v < 0 for v in self.shares.values()):
                raise ValueError("shares must be non-negative")
            total = sum(self.shares.values())
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"shares must add up to 1, they add up to {total:.6g}")
        if any(v < 0 for v in self.priorities.values()):
            raise ValueError("priorities must be non-negative multipliers")
        return self


class Shock(_Strict):
    """A bad year: re-poverty and new-poverty probabilities multiplied by ``multiplier``."""

    year: int
    multiplier: float = Field(ge=1.0, le=10.0)
    units: list[str] | None = None
    description: str | None = None


class Overrides(_Strict):
    """Deltas on the programme book (``programmes``) and engine parameters (``model``)."""

    programmes: dict[str, Any] = Field(default_factory=dict)
    model: dict[str, Any] = Field(default_factory=dict)


class Scenario(_Strict):
    """One validated scenario. Money is million VND; rates are shares."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    title: Text
    description: Text | None = None
    baseline: str = "data"
    start_year: int = Field(ge=2022, le=2100)
    end_year: int = Field(ge=2022, le=2100)
    standards: dict[int, str] = Field(default_factory=dict)
    budget: dict[int, dict[str, float]] = Field(default_factory=dict)
    budget_scale: float = Field(default=1.0, ge=0.0)
    allocation: Allocation
    overrides: Overrides = Field(default_factory=Overrides)
    overrides_file: str | None = None
    shocks: list[Shock] = Field(default_factory=list)
    random_shocks: bool = True
    draws: int = Field(default=1000, ge=1, le=1_000_000)
    seed: int = Field(default=20261126, ge=0)
    sampling: Literal["random", "lhs", "mode"] = "random"

    @field_validator("budget")
    @classmethod
    def _money(cls, budget: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
        for year, comps in budget.items():
            for comp, amount in comps.items():
                if amount < 0:
                    raise ValueError(f"budget.{year}.{comp}: amounts are million VND and must be >= 0, got {amount}")
        return budget

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        if self.end_year < self.start_year:
            raise ValueError(f"end_year ({self.end_year}) must not be before start_year ({self.start_year})")
        for year in list(self.budget) + list(self.standards) + [s.year for s in self.shocks]:
            if not self.start_year <= year <= self.end_year:
                raise ValueError(f"year {year} is outside start_year..end_year ({self.start_year}..{self.end_year})")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))


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
        p = Path(self.scenario.baseline)
        return p if p.is_absolute() else (PROJECT_ROOT / p)

    @property
    def table_path(self) -> Path | None:
        t = self.scenario.allocation.table
        if t is None:
            return None
        p = Path(t)
        return p if p.is_absolute() else (self.base_dir / p)


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-after"))


def _raise_validation(exc: ValidationError, shown: str) -> None:
    errors = []
    for e in exc.errors():
        field = _loc(e["loc"]) or "<root>"
        msg = re.sub(r"^Value error, ", "", e["msg"])
        got = e.get("input")
        if isinstance(got, dict | list):
            got = None
        errors.append(PlanningInputError(shown, field, msg, got))
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


def _read_raw(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], tuple[Path, ...]]:
    """The scenario's mapping with its ``extends:`` chain merged; and the files read."""
    shown = display_path(path)
    if path.resolve() in seen:
        raise PlanningInputError(shown, "extends", "no cycle of extends", " -> ".join(p.name for p in seen))
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise PlanningInputError(shown, "<root>", "a mapping of scenario fields", type(raw).__name__)
    files = (*seen, path.resolve())
    raw, files = _merge_overrides_file(raw, path.parent, shown, files)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, files
    parent_path = (path.parent / str(parent)).resolve()
    base, files = _read_raw(parent_path, files)
    return deep_merge(base, raw, file=shown, strict=False), files


def load_scenario(scenario: str | Path | dict[str, Any] | LoadedScenario, *,
                  base_dir: Path | None = None) -> LoadedScenario:
    """Validate a scenario file or dict; errors name the file, the field and what was expected."""
    if isinstance(scenario, LoadedScenario):
        return scenario
    if isinstance(scenario, dict):
        raw = copy.deepcopy(scenario)
        base = base_dir or scenarios_dir()
        files: tuple[Path, ...] = ()
        parent = raw.pop("extends", None)
        if parent is not None:
            parent_raw, files = _read_raw((base / str(parent)).resolve())
            raw = deep_merge(parent_raw, raw, file="<dict>", strict=False)
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
