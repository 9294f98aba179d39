"""Engine parameters: income dynamics, setbacks, deprivations, household growth, standard switch.

Data: ``data/model_parameters.yaml``; every uncertain entry is a triangular distribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planning.basics.errors import PlanningInputError
from planning.basics.paths import data_dir, display_path
from planning.basics.yamlio import blame_override, deep_merge, leaf_paths, read_yaml
from planning.stores.distributions import Triangular, parse_triangular

#: dotted name -> (lower bound, upper bound) of every parameter the engine needs
REQUIRED: dict[str, tuple[float, float | None]] = {
    "income.growth": (-0.3, 0.5),
    "income.log_sd": (0.05, 2.0),
    "setbacks.probability": (0.0, 0.5),
    "setbacks.income_loss": (0.0, 2.0),
    "setbacks.persistent_share": (0.0, 1.0),
    "setbacks.escaped_relative_risk": (0.0, 5.0),
    "setbacks.deprivation_onset": (0.0, 1.0),
    "bad_years.probability": (0.0, 1.0),
    "bad_years.multiplier": (0.0, 10.0),
    "deprivation.income_correlation": (0.0, 0.95),
    "deprivation.resolution": (0.0, 1.0),
    "households.growth": (-0.1, 0.2),
    "standard_switch.near_poor_to_poor": (0.0, 1.0),
    "standard_switch.poor_to_near_poor": (0.0, 1.0),
    "standard_switch.newly_listed_to_poor": (0.0, 1.0),
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
    """Read the parameters, apply a scenario's ``overrides.model`` delta, check ranges.

    A bad value that the scenario's override set is blamed on the scenario (``override_file``,
    field ``overrides.model.…``), not on the parameter file.
    """
    path = path or data_dir() / "model_parameters.yaml"
    shown = display_path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise PlanningInputError(shown, "<root>", "a mapping", type(raw).__name__)
    leaves = leaf_paths(overrides or {})
    try:
        return _parse(raw, overrides, shown, override_file)
    except PlanningInputError as exc:
        raise blame_override(exc, leaves, file=override_file, rename=lambda f: f"overrides.model.{f}") from None


def _parse(raw: dict[str, Any], overrides: dict[str, Any] | None, shown: str, override_file: str) -> ModelParameters:
    if overrides:
        raw = deep_merge(raw, overrides, file=override_file, field="overrides.model")
    values: dict[str, Triangular] = {}
    for name, (lower, upper) in REQUIRED.items():
        section, key = name.split(".")
        entries = raw.get(section) or {}
        if not isinstance(entries, dict):
            raise PlanningInputError(shown, section, "a mapping of parameters", type(entries).__name__)
        entry = entries.get(key)
        if entry is None:
            raise PlanningInputError(shown, name, "an entry {mode, low, high, source}", "absent",
                                     message_vi=f"tệp {shown}: thiếu tham số '{name}' ({{mode, low, high, source}})")
        values[f"model.{name}"] = parse_triangular(entry, file=shown, field=name, lower=lower, upper=upper)
    years = raw.get("escaped_support_years", {})
    years = years.get("value") if isinstance(years, dict) else years
    if isinstance(years, bool) or years not in (1, 2, 3, 4, 5):
        raise PlanningInputError(shown, "escaped_support_years", "an integer 1..5 (years)", years,
                                 message_vi=f"tệp {shown}, trường 'escaped_support_years': cần số nguyên 1..5 (năm); "
                                            f"nhận: {years}")
    return ModelParameters(values=values, escaped_support_years=int(years), source_file=shown)
