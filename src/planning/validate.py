"""``planning validate``: check scenario and data files before anything runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planning.errors import PlanningInputError, PlanningInputErrors
from planning.paths import data_dir, display_path


def _errors(exc: PlanningInputError) -> list[str]:
    if isinstance(exc, PlanningInputErrors):
        return [str(e) for e in exc.errors]
    return [str(exc)]


def validate_file(path: Path) -> list[str]:
    """Problems found in one file (empty when valid). The file's kind is read from its name/shape."""
    from planning.baseline import load_baseline
    from planning.parameters import load_model_parameters
    from planning.programmes import load_programme_book
    from planning.runner import prepare
    from planning.standards import load_standard
    from planning.yamlio import read_yaml

    shown = display_path(path)
    try:
        if not path.exists():
            raise PlanningInputError(shown, "<file>", "an existing file", "missing file",
                                     message_vi="không tìm thấy tệp")
        name = path.name
        if name == "programmes.yaml":
            load_programme_book(path)
        elif name == "model_parameters.yaml":
            load_model_parameters(path)
        elif name in {"units.csv", "baseline.csv", "deprivation_rates.csv"}:
            load_baseline(path.parent)
        elif path.parent.name == "standards" and path.suffix in {".yaml", ".yml"}:
            load_standard(path.stem, path.parent.parent)
        elif path.suffix in {".yaml", ".yml"}:
            raw = read_yaml(path)
            if isinstance(raw, dict) and ("allocation" in raw or "extends" in raw or "budget" in raw):
                prepare(path, draws=1)  # the scenario with its data, table and overrides
            elif name in {"plan.yaml", "allocation_rules.yaml"}:
                load_baseline(path.parent)
            else:
                raise PlanningInputError(shown, "<root>", "a scenario (with 'allocation:') or a known data file",
                                         "an unrecognised YAML file")
        elif path.suffix == ".csv":
            cols = set(pd.read_csv(path, nrows=0).columns)
            if {"unit", "component", "year", "amount"} <= cols:
                from planning.allocation import read_allocation_table
                from planning.runner import load_plan

                baseline = load_baseline()
                plan = load_plan(data_dir(), baseline)
                years = list(range(baseline.year + 1, plan.target_year + 1))
                read_allocation_table(path, baseline, load_programme_book(), years)
            else:
                raise PlanningInputError(shown, "<columns>", "an allocation table (unit, component, year, amount) "
                                         "or a data table named units/baseline/deprivation_rates.csv", sorted(cols))
        else:
            raise PlanningInputError(shown, "<file>", "a .yaml scenario/data file or a .csv table", path.suffix)
    except PlanningInputError as exc:
        return _errors(exc)
    return []


def validate_files(paths: list[Path]) -> dict[str, list[str]]:
    """Problems per file (shown path → messages); an empty list means the file is valid."""
    return {display_path(p): validate_file(Path(p)) for p in paths}
