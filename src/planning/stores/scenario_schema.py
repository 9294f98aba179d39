"""The shape of a scenario file: the pydantic models (budget, allocation, shocks, overrides,
Monte Carlo set-up) and :class:`LoadedScenario`, with the constants that name allowed values.

Separate from :mod:`planning.stores.scenario` (reading, ``extends:`` merging, path rebasing) so that
the Excel reader can use the schema without importing the loader that calls it. Money is
million VND; years are calendar years.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from planning.basics.checks import YEAR_MAX, YEAR_MIN
from planning.basics.paths import data_dir

#: a scenario file with one of these suffixes is a workbook (planning.frontends.scenario_excel)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
RULES = ("equal", "per_poor_household", "need_weighted", "shares", "table")
#: the data store's files a projection reads (plus data/standards/*.yaml)
DATA_FILES = ("units.csv", "baseline.csv", "deprivation_rates.csv", "programmes.yaml",
              "model_parameters.yaml", "allocation_rules.yaml", "plan.yaml", "funding_streams.yaml")


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
    (:func:`planning.models.runner.prepare`).
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


def _non_negative(field: str, by_year: dict[int, dict[str, float]]) -> None:
    """Money by year and component (million VND) must not be negative."""
    for year, comps in by_year.items():
        for comp, amount in comps.items():
            if amount < 0:
                raise BilingualError(
                    f"{field}.{year}.{comp}: amounts are million VND and must be >= 0, got {amount}",
                    f"{field}.{year}.{comp}: số tiền (triệu đồng) phải ≥ 0, nhận {amount}")


class Scenario(_Strict):
    """One validated scenario. Money is million VND; rates are shares.

    Paths (``baseline``, ``calibration``, ``overrides_file``, ``allocation.table``, ``extends``)
    are relative to the scenario file's folder; without ``baseline`` the data folder is
    ``$PLANNING_DATA_DIR`` or the project's ``data/`` (:func:`planning.basics.paths.data_dir`).
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    title: Text
    description: Text | None = None
    baseline: str | None = None
    start_year: Year = Field(ge=2022)
    end_year: Year = Field(ge=2022)
    standards: dict[Year, str] = Field(default_factory=dict)
    budget: dict[Year, dict[str, Finite]] = Field(default_factory=dict)
    #: money by funding stream × year × component (data/funding_streams.yaml; a loan stream's
    #: amounts are the volume lent); added to ``budget``
    streams: dict[str, dict[Year, dict[str, Finite]]] = Field(default_factory=dict)
    #: targets stated as paths instead of money (target id of data/targets.yaml → year →
    #: the target's percent); the model prices them (planning.models.pricing)
    target_paths: dict[str, dict[Year, Finite]] = Field(default_factory=dict)
    budget_scale: Finite = Field(default=1.0, ge=0.0)
    allocation: Allocation
    overrides: Overrides = Field(default_factory=Overrides)
    overrides_file: str | None = None
    shocks: list[Shock] = Field(default_factory=list)
    random_shocks: bool = True
    calibration: str | None = None
    draws: Whole = Field(default=1000, ge=1, le=1_000_000)
    seed: Whole = Field(default=20261126, ge=0)
    sampling: Literal["random", "lhs", "sobol", "mode"] = "random"

    @field_validator("budget")
    @classmethod
    def _money(cls, budget: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
        _non_negative("budget", budget)
        return budget

    @field_validator("streams")
    @classmethod
    def _stream_money(cls, streams: dict[str, dict[int, dict[str, float]]]) -> dict[str, dict[int, dict[str, float]]]:
        for sid, by_year in streams.items():
            _non_negative(f"streams.{sid}", by_year)
        return streams

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        if self.end_year < self.start_year:
            raise BilingualError(f"end_year ({self.end_year}) must not be before start_year ({self.start_year})",
                                 f"end_year ({self.end_year}) không được trước start_year ({self.start_year})")
        stream_years = [y for by_year in [*self.streams.values(), *self.target_paths.values()] for y in by_year]
        for year in list(self.budget) + stream_years + list(self.standards) + [s.year for s in self.shocks]:
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
