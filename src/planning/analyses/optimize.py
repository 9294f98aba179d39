"""Optimal allocation of a scenario's budget across communes × components (× years).

Vocabulary as in Atomica's optimiser: the **adjustables** are the amounts per commune and
component (a commune's component money follows the component's yearly profile in the
scenario, or, with ``by_year``, each year separately); the **constraints** are the yearly
totals, floors and ceilings per component and per commune, a floor share of the
need-weighted rule and eligibility; the **objective** is one of

* ``min-poverty``: the expected district poverty rate in the end year (mean over draws);
* ``max-probability``: P(district rate < target) in the end year; the step function is
  smoothed (normal kernel of width τ = the spread of the end-year rate over draws) so the
  search still has a direction when no allocation reaches the target in any draw;
* ``min-cost``: the smallest multiple of the scenario's budget whose optimised allocation
  reaches the target with probability ``probability`` (bisection up to ``max_scale``).

Method. Once money is allocated, communes are independent in the engine and the district's
households do not depend on money, so the objective is (for min-poverty exactly, for
max-probability after linearisation) a sum over communes. Each iteration computes, for every
commune and component, a short budget–outcome curve around the current allocation (the
engine runs all of them at once as "virtual communes", with common random numbers: the same
draws for every candidate), takes each curve's convex envelope (diminishing returns), and
solves the linear programme "spend where the marginal poverty reduction per million VND is
highest, within the constraints" (greedy by marginal return, generalised to linear
constraints) inside a trust region; the step is kept only if the engine confirms the gain.
The search starts from the best built-in rule (equal, per_poor_household, need_weighted) and
the final choice is re-checked on all draws against every built-in rule, so the optimum is
never worse than any of them on its own objective.

Money is million VND; rates are shares in [0, 1].
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from planning.analyses.allocation_search import (
    BUILTIN_RULES,
    OPTIMUM,
    Candidate,
    Settings,
    _min_cost,
    _solve,
)
from planning.analyses.constraints import (
    Constraints,
    _with_rule,
    default_constraints,
    load_constraints,
    rule_amounts,
)
from planning.analyses.explanation import ExplanationMixin, _explain, _pct
from planning.analyses.target import MAX_SCALE
from planning.basics.errors import PlanningInputError
from planning.basics.i18n import label
from planning.basics.paths import relative_path
from planning.models.results import Result
from planning.models.runner import Prepared, prepare, run_prepared
from planning.stores.baseline import Baseline

Objective = Literal["min-poverty", "max-probability", "min-cost"]
OBJECTIVES: tuple[str, ...] = ("min-poverty", "max-probability", "min-cost")


# ------------------------------------------------------------------------------------------
# Results


@dataclass
class Optimisation(ExplanationMixin):
    """The optimised allocation, its Result, the comparison with the built-in rules and why."""

    objective: str
    target: float
    probability: float | None
    tau: float
    constraints: Constraints
    result: Result
    prep: Prepared
    candidates: list[Candidate]
    explanation: pd.DataFrame
    trace: pd.DataFrame
    budget_scale: float = 1.0
    reached: bool | None = None
    max_scale: float | None = None
    cost_curve: pd.DataFrame | None = None
    search_draws: int = 0
    seconds: float = 0.0
    chosen: str = OPTIMUM

    @property
    def amounts(self) -> np.ndarray:
        return self.result.amounts

    def comparison(self) -> pd.DataFrame:
        """One row per allocation (optimum first, then the built-in rules, the scenario's own)."""
        return pd.DataFrame([c.row(self.target, self.tau) for c in self.candidates])

    def comparison_table(self, lang: str = "vi") -> pd.DataFrame:
        """The comparison with bilingual headers; rates and probabilities in %."""
        c = self.comparison()
        names = {r: label(f"rule_{r}", lang) for r in BUILTIN_RULES}  # type: ignore[arg-type]
        names[OPTIMUM] = label("optimum", lang)  # type: ignore[arg-type]
        from planning.basics.numbers import fmt_number, fmt_pct

        vi = lang == "vi"
        return pd.DataFrame({
            label("allocation", lang): [names.get(a, a) for a in c["allocation"]],  # type: ignore[arg-type]
            label("poverty_rate_end_mean", lang): [fmt_pct(v, lang, 2) for v in c["poverty_rate_end_mean"]],  # type: ignore[arg-type]
            label("poverty_rate_end_p05", lang): [fmt_pct(v, lang, 2) for v in c["poverty_rate_end_p05"]],  # type: ignore[arg-type]
            label("poverty_rate_end_p95", lang): [fmt_pct(v, lang, 2) for v in c["poverty_rate_end_p95"]],  # type: ignore[arg-type]
            (f"Khả năng dưới {_pct(self.target, lang)}" if vi else f"Chance of below {_pct(self.target, lang)}"):
                [fmt_pct(v, lang, 1) for v in c["prob_below_target"]],
            label("total_spending", lang): [fmt_number(v, lang, 0) for v in c["total_spending"]],  # type: ignore[arg-type]
        })

    def plot_allocation(self, lang: str = "vi", ax: Any = None) -> Any:
        """Money per commune over the period: need-weighted rule and optimum (million VND)."""
        from matplotlib.figure import Figure

        units = self.result.units
        nw = rule_amounts(self.prep, "need_weighted", self.prep.amounts.sum(axis=0) * self.budget_scale).sum(axis=(1, 2))
        opt = self.amounts.sum(axis=(1, 2))
        if ax is None:
            # a bare Figure (not pyplot's): notebooks show it once, as the cell's value
            ax = Figure(figsize=(7.5, 0.32 * units.n + 1.5), layout="constrained").add_subplot()
        y = np.arange(units.n)
        ax.barh(y - 0.2, nw, height=0.4, color="grey", label=label("rule_need_weighted", lang))  # type: ignore[arg-type]
        ax.barh(y + 0.2, opt, height=0.4, color="tab:green", label=label("optimum", lang))  # type: ignore[arg-type]
        ax.set_yticks(y, [units.name(u, lang) for u in units.ids])
        ax.invert_yaxis()
        ax.set_xlabel(label("amount", lang))  # type: ignore[arg-type]
        ax.legend(loc="lower right", fontsize=8)
        return ax.figure

    def objective_value(self, name: str) -> float:
        """The objective of a candidate, lower is better: the mean end-year rate (min-poverty) or
        −P(rate < target) (max-probability; min-cost at the chosen budget)."""
        c = next(c for c in self.candidates if c.name == name)
        if self.objective == "min-poverty":
            return float(c.rates.mean())
        return -float((c.rates < self.target).mean())

    def allocation_table(self) -> pd.DataFrame:
        return self.result.spending_table()

    def scenario_dict(self, table: str = "allocation.csv", out_dir: Path | None = None) -> dict[str, Any]:
        """A standalone scenario reproducing this optimum with ``allocation: {rule: table}``
        (to be written in ``out_dir``: its calibration path is made relative to that folder)."""
        sc = self.prep.loaded.scenario
        spec = sc.model_dump(mode="python", exclude_none=True)
        spec["name"] = f"{sc.name}_optimised"[:80]
        spec["title"] = {"vi": f"{sc.title.vi} (phân bổ tối ưu)", "en": f"{sc.title.en} (optimised allocation)"}
        spec["description"] = {
            "vi": f"Phân bổ tối ưu ({self.objective}) do `planning optimize` tính; bảng phân bổ: {table}.",
            "en": f"Optimised allocation ({self.objective}) computed by `planning optimize`; allocation table: {table}.",
        }
        budget = self.result.amounts.sum(axis=0)
        spec["budget"] = {int(y): {cid: float(round(budget[k, t], 3)) for k, cid in enumerate(self.result.component_ids)
                                   if budget[k, t] > 0}
                          for t, y in enumerate(self.result.years)}
        spec["budget"] = {y: v for y, v in spec["budget"].items() if v}
        spec["budget_scale"] = 1.0
        spec["allocation"] = {"rule": "table", "table": table}
        spec["draws"] = int(self.prep.draws)
        spec["seed"] = int(self.prep.seed)
        spec["sampling"] = self.prep.sampling
        # paths are relative to the folder the scenario is written in, as in every scenario
        where = (out_dir or Path.cwd()).resolve()
        loaded = self.prep.loaded
        if loaded.scenario.baseline is not None:
            spec["baseline"] = relative_path(loaded.baseline_dir, where)
        if loaded.calibration_path is not None:
            spec["calibration"] = relative_path(loaded.calibration_path, where)
        spec.pop("overrides_file", None)  # already merged into overrides.model
        return spec

    def write(self, out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the Result's files (summary.csv, … as ``planning run``), ``allocation.csv`` with
        exact amounts, ``scenario.yaml`` (reproduces the optimum), ``comparison.csv``,
        ``explanation.md``/``.csv``, ``trace.csv``, ``optimisation.json`` [, ``cost_curve.csv``]
        and ``manifest.json``: the result folder of ``planning optimize`` (:mod:`planning.basics.outputs`)."""
        from planning.basics.outputs import write_result_folder

        out = Path(out_dir)
        meta = self.metadata()
        alloc = self.allocation_table()
        files: dict[str, Any] = {**self.result.files(),
            # repr() round-trips every double, so a `table` scenario reads back the exact amounts
            "allocation.csv": lambda p: p.write_text(
                "unit,component,year,amount\n" + "".join(
                    f"{r.unit},{r.component},{int(r.year)},{float(r.amount)!r}\n" for r in alloc.itertuples()),
                encoding="utf-8"),
            "scenario.yaml": lambda p: p.write_text(
                "# Reproduces the optimised allocation (written by `planning optimize`).\n"
                + yaml.safe_dump(self.scenario_dict(out_dir=out), sort_keys=False, allow_unicode=True, width=100),
                encoding="utf-8"),
            "comparison.csv": lambda p: self.comparison().to_csv(p, index=False, float_format="%.6g"),
            "explanation.csv": lambda p: self.explanation.to_csv(p, index=False, float_format="%.6g"),
            "explanation.md": lambda p: p.write_text(self.explanation_markdown(), encoding="utf-8"),
            "trace.csv": lambda p: self.trace.to_csv(p, index=False, float_format="%.6g"),
            "optimisation.json": lambda p: p.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                                        encoding="utf-8"),
        }
        if self.cost_curve is not None:
            cc = self.cost_curve
            files["cost_curve.csv"] = lambda p: cc.to_csv(p, index=False, float_format="%.6g")
        return write_result_folder(out, files, command="optimize", manifest=self.result.manifest({"optimisation": meta}),
                                   overwrite=overwrite)

    def metadata(self) -> dict[str, Any]:
        c = self.constraints
        return {
            "objective": self.objective, "target_rate": self.target, "probability": self.probability,
            "smoothing_tau": self.tau, "budget_scale": self.budget_scale, "reached": self.reached,
            "max_scale": self.max_scale, "chosen": self.chosen, "search_draws": self.search_draws,
            "draws": self.prep.draws,
            "constraints": {"need_floor_share": c.need_floor_share, "component_floor": c.component_floor,
                            "component_ceiling": c.component_ceiling,
                            "component_bounds": {k: list(v) for k, v in c.component_bounds.items()},
                            "unit_floor": dict(c.unit_floor), "unit_ceiling": dict(c.unit_ceiling),
                            "unit_ceiling_share": c.unit_ceiling_share, "by_year": c.by_year},
            "comparison": self.comparison().to_dict(orient="records"),
            "message_vi": self.message("vi"), "message_en": self.message("en"),
        }


# ------------------------------------------------------------------------------------------
# Driver


def optimize(scenario: str | os.PathLike[str] | dict[str, Any] | Prepared, *,
             objective: Objective = "min-poverty", probability: float = 0.5, target: float | None = None,
             constraints: Constraints | None = None, settings: Settings | None = None,
             draws: int | None = None, seed: int | None = None, max_scale: float = MAX_SCALE,
             scale_tolerance: float = 0.02, explain: bool = True, by_year: bool = False) -> Optimisation:
    """Optimise a scenario's allocation (see module docstring).

    ``constraints``: default :func:`~planning.analyses.constraints.default_constraints`;
    ``by_year``: each year's amounts chosen separately.
    ``target``: district rate to stay below (default: data/plan.yaml, 1 %). ``probability``:
    the required P(rate < target) for ``min-cost``, searched up to ``max_scale`` × the
    scenario's budget (bisection to ``scale_tolerance`` relative).
    """
    t0 = time.perf_counter()
    if objective not in OBJECTIVES:
        raise PlanningInputError("<optimize>", "--objective", f"one of {', '.join(OBJECTIVES)}", objective)
    prep = scenario if isinstance(scenario, Prepared) else prepare(scenario, draws=draws, seed=seed)
    cons = constraints or default_constraints(prep)
    if by_year:
        cons = replace(cons, by_year=True)
    cons.check(prep.loaded.source)
    settings = settings or Settings()
    target = prep.plan.target_rate if target is None else float(target)
    if not 0.0 <= probability <= 1.0:
        raise PlanningInputError(prep.loaded.source, "--probability", "a probability in [0, 1]", probability)
    budget0 = prep.amounts.sum(axis=0)
    if budget0.sum() <= 0:
        raise PlanningInputError(prep.loaded.source, "budget", "a scenario with money to allocate", 0.0,
                                 message_vi="kịch bản không có ngân sách để phân bổ")
    scale, reached, curve = 1.0, None, None
    if objective == "min-cost":
        solved, tau, scale, reached, curve = _min_cost(prep, budget0, target, probability, cons, settings,
                                                       max_scale, scale_tolerance)
    else:
        solved, tau = _solve(prep, budget0, objective, target, None, cons, settings)
    budget = budget0 * scale
    result = run_prepared(prep, amounts=solved.amounts, counterfactual=True)
    expl = _explain(prep, solved.amounts, budget, cons, settings) if explain else pd.DataFrame()
    return Optimisation(objective=objective, target=target, probability=probability if objective != "min-poverty" else None,
                        tau=tau, constraints=cons, result=result, prep=prep, candidates=solved.candidates,
                        explanation=expl, trace=solved.trace, budget_scale=scale, reached=reached,
                        max_scale=max_scale if objective == "min-cost" else None, cost_curve=curve,
                        search_draws=int(solved.trace["search_draws"].iloc[0]) if len(solved.trace) else 0,
                        seconds=time.perf_counter() - t0, chosen=solved.chosen)


# ------------------------------------------------------------------------------------------
# Benchmarks and tests: a prepared scenario on another baseline (e.g. synthetic_baseline)


def prepared_on_baseline(prep: Prepared, baseline: Baseline, *, budget_scale: float = 1.0) -> Prepared:
    """``prep`` moved onto ``baseline`` (same years, draws and programme book), its budget
    multiplied by ``budget_scale`` and allocated by the scenario's rule (``table``/``shares``
    fall back to per_poor_household). For benchmarks with synthetic communes."""
    b = replace(prep, baseline=baseline)
    rule = prep.loaded.scenario.allocation.rule
    rule = rule if rule in BUILTIN_RULES else "per_poor_household"
    if rule != prep.loaded.scenario.allocation.rule:
        b = replace(b, loaded=_with_rule(prep.loaded, rule))
    amounts = rule_amounts(b, rule, prep.amounts.sum(axis=0) * budget_scale)
    return replace(b, amounts=amounts)


__all__ = ["BUILTIN_RULES", "OBJECTIVES", "Candidate", "Constraints", "Optimisation", "Settings",
           "load_constraints", "optimize", "prepared_on_baseline", "rule_amounts"]
