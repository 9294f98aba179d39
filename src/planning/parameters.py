"""Engine parameters: yearly transition probabilities, household growth, shocks, standard switch.

Data: ``data/model_parameters.yaml``; every uncertain entry is a triangular distribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planning.distributions import Triangular, parse_triangular
from planning.errors import PlanningInputError
from planning.paths import data_dir, display_path
from planning.yamlio import deep_merge, read_yaml

#: dotted name -> (upper bound) of every parameter the engine needs
REQUIRED: dict[str, float | None] = {
    "transitions.exit_poor": 1.0,
    "transitions.exit_to_near_poor_share": 1.0,
    "transitions.lift_near_poor": 1.0,
    "transitions.fall_near_poor": 1.0,
    "transitions.repoverty_escaped": 1.0,
    "transitions.escaped_to_near_poor": 1.0,
    "transitions.fall_other": 1.0,
    "transitions.other_to_near_poor": 1.0,
    "households.growth": 0.2,
    "households.new_household_poverty_factor": None,
    "shocks.probability": 1.0,
    "shocks.multiplier": None,
    "standard_switch.income_log_sd": None,
    "standard_switch.escaped_concentration": None,
    "standard_switch.deprived_share_new_below_line": 1.0,
    "standard_switch.near_poor_to_poor": 1.0,
}


@dataclass(frozen=True)
class ModelParameters:
    """Named distributions (``model.<section>.<name>``) and the escaped-support period (years)."""

    values: dict[str, Triangular]
    escaped_support_years: int
    source_file: str

    def uncertain(self) -> dict[str, Triangular]:
        return {k: v for k, v in self.values.items() if not v.fixed}

    def fixed_values(self) -> dict[str, float]:
        return {k: v.mode for k, v in self.values.items()}


def load_model_parameters(path: Path | None = None, overrides: dict[str, Any] | None = None,
                          *, override_file: str = "<scenario>") -> ModelParameters:
    """Read the parameters, apply a scenario's ``overrides.model`` delta, check ranges."""
    path = path or data_dir() / "model_parameters.yaml"
    shown = display_path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise PlanningInputError(shown, "<root>", "a mapping", type(raw).__name__)
    if overrides:
        raw = deep_merge(raw, overrides, file=override_file, field="overrides.model")
    values: dict[str, Triangular] = {}
    for name, upper in REQUIRED.items():
        section, key = name.split(".")
        entry = (raw.get(section) or {}).get(key)
        if entry is None:
            raise PlanningInputError(shown, name, "an entry {mode, low, high, source}", "absent")
        values[f"model.{name}"] = parse_triangular(entry, file=shown, field=name, upper=upper)
    years = raw.get("escaped_support_years", {})
    years = years.get("value") if isinstance(years, dict) else years
    if years not in (1, 2, 3, 4, 5):
        raise PlanningInputError(shown, "escaped_support_years", "an integer 1..5 (years)", years)
    return ModelParameters(values=values, escaped_support_years=int(years), source_file=shown)
