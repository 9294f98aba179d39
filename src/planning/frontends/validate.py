"""``planning validate``: check scenario and data files before anything runs.

Each file is read by the same loader a run uses (:mod:`planning.basics.checks` rules), so whatever
``validate`` accepts a run accepts too:

* a scenario (YAML or workbook): the scenario, its ``extends:`` chain, overrides, allocation
  table and calibration, and every file of its data folder that a run reads (units, baseline,
  deprivation rates, programme book, model parameters, allocation rules, plan, standards);
* a file of a data folder, by name: ``units.csv``, ``baseline.csv``, ``deprivation_rates.csv``
  (read together), ``programmes.yaml``, ``model_parameters.yaml``, ``allocation_rules.yaml``,
  ``plan.yaml``, ``standards/*.yaml``, ``targets.yaml``, ``calibration.yaml`` (in a data folder:
  the calibration settings; elsewhere: a calibration written by ``planning calibrate``, with its
  ``posterior.csv``), ``observed.csv``;
* a data folder: every one of those files in it;
* an allocation table (``unit, component, year, amount``), against the default data folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.basics.paths import data_dir, display_path
from planning.stores.scenario import EXCEL_SUFFIXES

#: files of a data folder, in the order ``planning validate FOLDER`` checks them
DATA_FOLDER_FILES = ("units.csv", "baseline.csv", "deprivation_rates.csv", "programmes.yaml",
                     "model_parameters.yaml", "allocation_rules.yaml", "plan.yaml", "funding_streams.yaml",
                     "targets.yaml", "calibration.yaml", "observed.csv")


def _errors(exc: PlanningInputError) -> list[str]:
    if isinstance(exc, PlanningInputErrors):
        return [str(e) for e in exc.errors]
    return [str(exc)]


def _data_file_checks() -> dict[str, Callable[[Path], object]]:
    """File name → the loader that checks it (the one a run uses)."""
    from planning.models.runner import load_plan
    from planning.stores.allocation import load_allocation_rules
    from planning.stores.baseline import load_baseline
    from planning.stores.parameters import load_model_parameters
    from planning.stores.programmes import load_programme_book
    from planning.stores.streams import load_funding_streams
    from planning.stores.targets import load_targets

    def streams(path: Path) -> object:
        book = path.parent / "programmes.yaml"
        return load_funding_streams(path, load_programme_book(book).ids if book.exists() else
                                    load_programme_book().ids)

    def calibration(path: Path) -> object:
        from planning.stores.calibration_files import load_settings

        return load_settings(path.parent)

    def observed(path: Path) -> object:
        from planning.stores.observed import read_observed

        return read_observed(path, data_dir=path.parent if (path.parent / "standards").is_dir() else None)

    return {
        "units.csv": lambda p: load_baseline(p.parent),
        "baseline.csv": lambda p: load_baseline(p.parent),
        "deprivation_rates.csv": lambda p: load_baseline(p.parent),
        "programmes.yaml": load_programme_book,
        "model_parameters.yaml": load_model_parameters,
        "allocation_rules.yaml": load_allocation_rules,
        "plan.yaml": lambda p: load_plan(p.parent, load_baseline(p.parent)),
        "funding_streams.yaml": streams,
        "targets.yaml": load_targets,
        "calibration.yaml": calibration,
        "observed.csv": observed,
    }


def _check_data_folder(folder: Path) -> list[str]:
    """Every data file of ``folder`` (and its standards) checked; the problems found."""
    from planning.stores.standards import list_standards

    problems: list[str] = []
    checks = _data_file_checks()
    seen_baseline = False
    for name in DATA_FOLDER_FILES:
        path = folder / name
        if not path.exists() and name in ("funding_streams.yaml", "targets.yaml", "calibration.yaml", "observed.csv"):
            continue  # not read by a run (streams: only by scenarios that state them)
        if name in ("units.csv", "baseline.csv", "deprivation_rates.csv"):
            if seen_baseline:
                continue  # the three tables are read together
            seen_baseline = True
        try:
            checks[name](path)
        except PlanningInputError as exc:
            problems += _errors(exc)
    try:
        list_standards(folder)
    except PlanningInputError as exc:
        problems += _errors(exc)
    return problems


def check_scenarios(paths: list[Path]) -> None:
    """Every scenario of ``paths`` checked as ``planning run`` reads it (with its data,
    allocation table, overrides and calibration); all the problems raised at once, before
    anything runs or is written (``planning batch``)."""
    from planning.basics.checks import raise_all
    from planning.models.runner import prepare

    errors: list[PlanningInputError] = []
    for p in paths:
        try:
            prepare(p, draws=1)
        except PlanningInputError as exc:
            errors += exc.errors if isinstance(exc, PlanningInputErrors) else [exc]
    raise_all(errors)


def validate_file(path: Path) -> list[str]:
    """Problems found in one file or data folder (empty when valid). The kind is read from the
    name and shape (module docstring)."""
    from planning.basics.checks import read_csv
    from planning.basics.yamlio import read_yaml
    from planning.models.runner import prepare
    from planning.stores.baseline import load_baseline
    from planning.stores.programmes import load_programme_book
    from planning.stores.standards import load_standard

    path = Path(path)
    shown = display_path(path)
    try:
        if path.is_dir():
            if (path / "units.csv").exists() or (path / "baseline.csv").exists():
                return _check_data_folder(path)
            raise PlanningInputError(shown, "<file>", "a file, or a data folder (with units.csv, baseline.csv, …)",
                                     "a folder", message_vi="cần một tệp hoặc một thư mục số liệu (có units.csv, "
                                                            "baseline.csv, …)")
        if not path.exists():
            raise PlanningInputError(shown, "<file>", "an existing file", "missing file",
                                     message_vi=f"không tìm thấy tệp {shown}")
        name = path.name
        checks = _data_file_checks()
        in_data_folder = (path.parent / "units.csv").exists()
        if path.parent.name == "standards" and path.suffix in {".yaml", ".yml"}:
            load_standard(path.stem, path.parent.parent)
        elif path.suffix in {".yaml", ".yml"}:
            raw = read_yaml(path)
            if isinstance(raw, dict) and ("allocation" in raw or "extends" in raw or "budget" in raw):
                prepare(path, draws=1)  # the scenario with its data, table, overrides and calibration
            elif name == "calibration.yaml" and not in_data_folder:
                from planning.stores.calibration_files import load_calibration

                load_calibration(path, source=shown)  # written by planning calibrate, with its posterior
            elif name in checks and (in_data_folder or name in ("targets.yaml", "calibration.yaml")):
                checks[name](path)
            else:
                raise PlanningInputError(shown, "<root>", "a scenario (a mapping with name, title, allocation, …) "
                                         "or a known data file", "an unrecognised YAML file",
                                         message_vi=f"{shown}: không phải kịch bản (bảng có name, title, "
                                                    "allocation, …) hay tệp số liệu đã biết")
        elif name in checks:
            checks[name](path)
        elif path.suffix.lower() in EXCEL_SUFFIXES:  # a scenario workbook (planning template)
            prepare(path, draws=1)
        elif path.suffix == ".csv":
            cols = set(read_csv(path).columns)
            if {"unit", "component", "year", "amount"} <= cols:
                from planning.models.runner import load_plan
                from planning.stores.allocation import read_allocation_table

                baseline = load_baseline()
                plan = load_plan(data_dir(), baseline)
                years = list(range(baseline.year + 1, plan.target_year + 1))
                read_allocation_table(path, baseline, load_programme_book(), years)
            else:
                raise PlanningInputError(shown, "<columns>", "an allocation table (unit, component, year, amount) "
                                         "or a data table named units/baseline/deprivation_rates/observed.csv",
                                         ", ".join(sorted(cols)),
                                         message_vi=f"{shown}: không phải bảng phân bổ (unit, component, year, "
                                                    "amount) hay bảng số liệu đã biết")
        else:
            raise PlanningInputError(shown, "<file>", "a .yaml scenario/data file, a .xlsx scenario workbook or a "
                                     ".csv table", path.suffix or "no extension",
                                     message_vi=f"{shown}: cần tệp .yaml, sổ tính .xlsx hoặc bảng .csv")
    except PlanningInputError as exc:
        return _errors(exc)
    return []


def validate_files(paths: list[Path]) -> dict[str, list[str]]:
    """Problems per file (shown path → messages); an empty list means the file is valid."""
    return {display_path(p): validate_file(Path(p)) for p in paths}
