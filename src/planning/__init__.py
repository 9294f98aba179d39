"""planning — poverty-reduction budget planning for Quỳnh Nhai (Sơn La, Vietnam).

The public API (imported lazily, so ``import planning`` stays fast):

* ``run(scenario, draws=, seed=, engine=)`` → :class:`Result` (``.summary()``, ``.outcomes()``)
* ``compare(results)`` → one row per scenario
* ``load_scenario(path_or_dict)``, ``scenario_inputs(path)``, ``prepare(...)`` (a path may be a
  workbook from ``planning template``)
* ``write_scenario_workbook(scenario, path)``, ``read_scenario_workbook(path)`` → budgets in Excel
* ``load_baseline()``, ``load_programme_book()``, ``load_model_parameters()``
* ``load_standard(id)``, ``standard_in_force(year)``, ``classify_households(df)``
* ``alkire_foster(deprivations, k, weights=None)``
* ``calibrate(observed, units=, until=)`` → posterior of the model's dynamics on published series
* ``backtest(observed, unit=, fit_until=)`` → forecast of the held-out years against the figures
* ``recovery_check(scenario, seed=)`` → does the calibration find parameters it generated data from?
* ``what_it_takes(scenario)`` → cost curve, smallest budgets, breakeven, decomposition, text
* ``PlanningInputError``

Money is million VND; rates are shares in [0, 1]; incomes are VND per person per month.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "run": "planning.models.runner",
    "run_prepared": "planning.models.runner",
    "prepare": "planning.models.runner",
    "Prepared": "planning.models.runner",
    "Result": "planning.models.results",
    "compare": "planning.models.results",
    "load_scenario": "planning.stores.scenario",
    "scenario_inputs": "planning.stores.scenario",
    "Scenario": "planning.stores.scenario",
    "write_scenario_workbook": "planning.frontends.scenario_excel",
    "read_scenario_workbook": "planning.stores.scenario_excel_read",
    "load_baseline": "planning.stores.baseline",
    "synthetic_baseline": "planning.stores.baseline",
    "load_programme_book": "planning.stores.programmes",
    "load_model_parameters": "planning.stores.parameters",
    "load_standard": "planning.stores.standards",
    "standard_in_force": "planning.stores.standards",
    "list_standards": "planning.stores.standards",
    "classify_households": "planning.models.classify",
    "read_households": "planning.models.classify",
    "alkire_foster": "planning.models.measures",
    "income_poverty_gap": "planning.models.measures",
    "headcounts": "planning.models.measures",
    "synthesize_households": "planning.models.microsim",
    "households_from_review": "planning.models.microsim",
    "calibrate": "planning.analyses.calibration_outputs",
    "load_calibration": "planning.analyses.calibration",
    "backtest": "planning.analyses.backtest",
    "recovery_check": "planning.analyses.recovery",
    "what_it_takes": "planning.analyses.target",
    "PlanningInputError": "planning.basics.errors",
    "PlanningInputErrors": "planning.basics.errors",
    "validate_files": "planning.frontends.validate",
    "label": "planning.basics.i18n",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'planning' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
