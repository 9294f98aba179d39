"""What it would take to bring poverty below the target by the end year, for the district and
each commune.

* **Cost curve**: the scenario's budget scaled from 0× to 100× (``LEVELS``); at each level the
  best of the allocation rules (the scenario's own, equal, per poor household, need-weighted) on
  a subset of draws, then the allocation optimised for P(rate < target), warm-started from the
  level below (:func:`planning.analyses.allocation_search.optimise_from`); the better of the
  two on every draw is the level's answer: 2030 rate (mean, 5 %, 95 %), P(rate < target),
  households lifted (fewer poor than with no money, same draws) and the marginal cost per
  household lifted between consecutive levels; the best rule's rate and chance beside it.
* **Smallest budgets** with P(< target) ≥ 0.5 and ≥ 0.8 (bisection between the levels that
  bracket it), with the optimised allocations and with the best rule, and the allocation at
  each; or the statement that no level up to the largest reaches it.
* **Breakeven** of each key assumption: the value at which the plan's own budget would reach
  P(< target) ≥ 0.5 (re-poverty, new poverty, income growth, unit costs, effects, coverage
  limits, size of the 2027 switch), or "not reachable" within the range searched.
* **Decomposition** of the end-year rate into poor households never reached since the start,
  reached but still poor, fallen back after escaping, newly poor, and made poor by the switch
  (they add up to the rate).
* ``what_it_takes.md``: the answer in Vietnamese and English, to be read aloud.

Money is million VND; rates and probabilities are shares in [0, 1].
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.analyses.allocation_search import OPTIMUM, Settings, optimise_from
from planning.analyses.breakeven import breakeven
from planning.analyses.constraints import rule_amounts
from planning.analyses.search_evaluation import _take_units
from planning.analyses.stream_value import COLUMNS as STREAM_COLUMNS
from planning.analyses.stream_value import stream_values
from planning.basics.hashing import file_sha256, json_digest
from planning.basics.i18n import Lang
from planning.basics.manifest import build_manifest, package_version
from planning.models.engine import DECOMPOSITION, Draws, EngineInputs, project
from planning.models.runner import Prepared, prepare
from planning.stores.scenario import scenario_inputs
from planning.stores.units import DISTRICT

#: budget multiples of the scenario's money on the cost curve (20 levels, 0× to 100×)
LEVELS: tuple[float, ...] = (0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 15, 20, 25, 30, 40, 50, 75, 100)
#: the largest budget multiple the curve (and the optimiser's min-cost search) looks at
MAX_SCALE = LEVELS[-1]
ALLOCATION_COLUMNS = ("probability", "unit", "name", "name_en", "component", "amount")
RULES: tuple[str, ...] = ("scenario", "equal", "per_poor_household", "need_weighted")
THRESHOLDS = (0.5, 0.8)
_SELECT_DRAWS = 100
_BISECT = 6  # halvings between two levels (≤ 1.5× apart): the threshold to within 0.7 %
#: above this chance at a level, the next levels reuse its optimum scaled instead of searching
_SETTLED = 0.99


# ------------------------------------------------------------------------------------------
# Evaluation


class _Evaluator:
    """End-year poor households per draw and unit for given amounts (common random numbers)."""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        self.inputs = prep.engine_inputs()
        self.draws = prep.engine_draws()
        self.base_budget = prep.amounts.sum(axis=0)  # [component, year]
        self._rules: dict[str, np.ndarray] = {"scenario": prep.amounts}
        #: budget multiple → (allocation name, amounts) of each cost-curve level's answer
        self.optimised: dict[float, tuple[str, np.ndarray]] = {}
        #: probability → the allocation (amounts) at its smallest budget
        self.at_threshold: dict[float, np.ndarray] = {}
        for r in RULES[1:]:
            self._rules[r] = rule_amounts(prep, r, self.base_budget)

    def amounts(self, rule: str, scale: float) -> np.ndarray:
        return self._rules[rule] * scale

    def end(self, amounts: np.ndarray, draws: Draws | None = None, inputs: EngineInputs | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
        """(poor, households) in the end year, each [draw, unit]."""
        inp = replace(inputs or self.inputs, amounts=amounts)
        out = project(inp, draws or self.draws, outputs=("poor", "households"))
        return out["poor"][:, :, -1], out["households"][:, :, -1]

    def end_many(self, amounts: list[np.ndarray], draws: Draws) -> list[tuple[np.ndarray, np.ndarray]]:
        """``end`` for several allocations in one engine run (the units stacked side by side)."""
        n, C = len(amounts), self.inputs.n_units
        stacked = _take_units(self.inputs, np.tile(np.arange(C), n), np.concatenate(amounts, axis=0))
        out = project(stacked, draws, outputs=("poor", "households"))
        return [(out["poor"][:, k * C:(k + 1) * C, -1], out["households"][:, k * C:(k + 1) * C, -1])
                for k in range(n)]

    def end_rest(self, amounts: np.ndarray, first: tuple[np.ndarray, np.ndarray], rest: Draws | None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """``first`` (a run of ``amounts`` on the first draws) completed with the ``rest`` of the
        draws: each draw's result is its own (common random numbers), so only the rest are run."""
        if rest is None:
            return first
        more = self.end(amounts, rest)
        return np.concatenate([first[0], more[0]]), np.concatenate([first[1], more[1]])


def _rates(poor: np.ndarray, hh: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """[draw, reported unit] rates: old units, new communes, district (``membership`` rows)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(hh @ membership.T > 0, (poor @ membership.T) / (hh @ membership.T), 0.0)


def _membership(prep: Prepared) -> tuple[np.ndarray, list[str], list[str]]:
    """Rows over units for every reported unit (old units, new communes, district)."""
    u = prep.baseline.units
    rows = [np.eye(u.n)[i] for i in range(u.n)] + [u.membership[j] for j in range(len(u.new_ids))]
    rows.append(np.ones(u.n))
    ids = list(u.ids) + list(u.new_ids) + [DISTRICT]
    levels = ["unit"] * u.n + ["new_commune"] * len(u.new_ids) + ["district"]
    return np.array(rows, dtype=float), ids, levels


# ------------------------------------------------------------------------------------------
# Results


@dataclass
class WhatItTakes:
    """The answer for one scenario (see module doc)."""

    prep: Prepared
    curve: pd.DataFrame
    unit_probability: pd.DataFrame  # reported unit × level: P(rate < target)
    thresholds: pd.DataFrame  # probability, reached, budget_scale, total_budget
    breakeven: pd.DataFrame
    decomposition: pd.DataFrame
    communes: pd.DataFrame
    #: value of one more billion VND of each funding stream on each component it may pay for
    #: (analyses/stream_value.py); empty without a stream file
    streams: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STREAM_COLUMNS))
    #: the allocation at each smallest budget (probability, unit, component, amount in million VND)
    allocations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ALLOCATION_COLUMNS))
    #: budget multiple → (allocation name, amounts [unit, component, year]) of each level's answer
    level_amounts: dict[float, tuple[str, np.ndarray]] = field(default_factory=dict)
    #: probability → amounts at its smallest budget
    threshold_amounts: dict[float, np.ndarray] = field(default_factory=dict)

    @property
    def target(self) -> float:
        return self.prep.plan.target_rate

    @property
    def end_year(self) -> int:
        return self.prep.years[-1]

    def headline(self, lang: Lang = "vi") -> str:
        """The paragraph of ``what_it_takes.md`` in one language."""
        from planning.analyses.target_text import paragraph

        return paragraph(self, lang)

    def markdown(self) -> str:
        from planning.analyses.target_text import markdown

        return markdown(self)

    def plot(self, lang: Lang = "vi", ax: Any = None) -> Any:
        from planning.analyses.target_text import cost_curve_chart

        return cost_curve_chart(self, lang, ax)

    def write(self, out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """cost_curve.csv, thresholds.csv, breakeven.csv, decomposition.csv, communes.csv,
        unit_probability.csv, streams.csv, threshold_allocations.csv, what_it_takes.md, cost_curve.png, manifest.json: the result folder
        of ``planning target`` (:func:`planning.basics.outputs.write_result_folder`)."""
        import matplotlib

        from planning.basics.outputs import write_result_folder

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        def chart(p: Path) -> None:
            fig, ax = plt.subplots(figsize=(8, 4.2))
            self.plot("en", ax)
            fig.tight_layout()
            fig.savefig(p, dpi=110, format="png")
            plt.close(fig)

        manifest = build_manifest(inputs=scenario_inputs(self.prep.loaded), seed=self.prep.seed,
                                  draws=self.prep.draws,
                                  extra={"command": "target", "scenario": self.prep.loaded.scenario.name,
                                         "levels": list(self.curve["budget_scale"]),
                                         "calibration": self.prep.calibration})
        fmt = "%.10g"  # never scientific notation for money up to 100× the plan (a planner opens these in Excel)
        writes = {
            "cost_curve.csv": lambda p: self.curve.to_csv(p, index=False, float_format=fmt),
            "thresholds.csv": lambda p: self.thresholds.to_csv(p, index=False, float_format=fmt),
            "breakeven.csv": lambda p: self.breakeven.to_csv(p, index=False, float_format=fmt),
            "decomposition.csv": lambda p: self.decomposition.to_csv(p, index=False, float_format=fmt),
            "communes.csv": lambda p: self.communes.to_csv(p, index=False, float_format=fmt),
            "unit_probability.csv": lambda p: self.unit_probability.to_csv(p, index=False, float_format=fmt),
            "streams.csv": lambda p: self.streams.to_csv(p, index=False, float_format=fmt),
            "threshold_allocations.csv": lambda p: self.allocations.to_csv(p, index=False, float_format="%.3f"),
            "what_it_takes.md": lambda p: p.write_text(self.markdown(), encoding="utf-8"),
            "cost_curve.png": chart,
        }
        return write_result_folder(out_dir, writes, command="target", manifest=manifest, overwrite=overwrite)


# ------------------------------------------------------------------------------------------
# The analyses


def _district(poor: np.ndarray, hh: np.ndarray) -> np.ndarray:
    """[draw] district end-year rate of a run's (poor, households) [draw, unit]."""
    return poor.sum(axis=1) / hh.sum(axis=1)


def _better(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], target: float) -> bool:
    """True when run ``a`` (poor, households [draw, unit]) beats ``b``: a higher P(district rate
    < target), then a lower mean rate."""
    ra, rb = _district(*a), _district(*b)
    pa, pb = float((ra < target).mean()), float((rb < target).mean())
    return pa > pb if pa != pb else float(ra.mean()) < float(rb.mean())


def _dominates(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], target: float) -> bool:
    """True when run ``a`` is at least as good as ``b`` on every headline: P(district rate <
    target), the mean rate and the poor households (mean over draws)."""
    ra, rb = _district(*a), _district(*b)
    return (float((ra < target).mean()) >= float((rb < target).mean()) and float(ra.mean()) <= float(rb.mean())
            and float(a[0].sum(axis=1).mean()) <= float(b[0].sum(axis=1).mean()))


def _summary(poor: np.ndarray, hh: np.ndarray, target: float) -> dict[str, float]:
    d = _district(poor, hh)
    return {"rate_2030_mean": float(d.mean()), "rate_2030_p05": float(np.percentile(d, 5)),
            "rate_2030_p95": float(np.percentile(d, 95)), "p_below_target": float((d < target).mean())}


def cost_curve(prep: Prepared, ev: _Evaluator | None = None, levels: tuple[float, ...] = LEVELS,
               select_draws: int = _SELECT_DRAWS, optimise: bool = True,
               settings: Settings | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cost curve and P(rate < target) per reported unit and level (see module doc).

    At each level the best allocation rule is found first (``rule`` and the ``rule_*``
    columns). With ``optimise``, the allocation is then optimised for P(district rate <
    target) (:func:`planning.analyses.allocation_search.optimise_from`), warm-started from the
    optimum of the level below scaled to this budget, and the better of the optimum and the
    best rule on all draws is the level's answer (``allocation``: ``optimum`` or the rule; the
    columns without prefix). Without it the answer is the best rule. ``ev.optimised`` keeps
    each level's answer (amounts) for the thresholds.
    """
    ev = ev or _Evaluator(prep)
    member, ids, kinds = _membership(prep)
    target = prep.plan.target_rate
    n_small = min(select_draws, ev.draws.n)
    small = ev.draws.take(slice(0, n_small))
    rest = ev.draws.take(slice(n_small, ev.draws.n)) if n_small < ev.draws.n else None
    zero = ev.end(np.zeros_like(prep.amounts))
    zero_poor = zero[0]
    total0 = float(prep.amounts.sum())
    rows, probs = [], []
    prev = None
    warm: tuple[float, np.ndarray] | None = None
    below: tuple[np.ndarray, np.ndarray] = zero  # the level below's answer (poor, households)
    settings = settings or Settings(max_iter=8)
    for scale in levels:
        rule = "scenario"
        if scale > 0:
            runs = ev.end_many([ev.amounts(r, scale) for r in RULES], small)
            rates_small = [p.sum(axis=1) / h.sum(axis=1) for p, h in runs]
            keys = [((rate < target).mean(), -rate.mean()) for rate in rates_small]
            best = max(range(len(RULES)), key=keys.__getitem__)  # the first of equals, as listed
            rule = RULES[best]
            poor, hh = ev.end_rest(ev.amounts(rule, scale), runs[best], rest)  # its first draws are run
        else:
            poor, hh = zero  # no money is the run without money
        rule_run = (poor, hh)
        allocation = rule
        chosen = ev.amounts(rule, scale)
        if optimise and scale > 0:
            d = _district(poor, hh)
            start = warm[1] * (scale / warm[0]) if warm is not None else chosen
            if warm is not None and rows[-1]["p_below_target"] >= _SETTLED:
                amounts = start  # the level below already all but certain: its optimum, scaled
            else:
                amounts = optimise_from(prep, ev.base_budget * scale, start, kind="max-probability",
                                        target=target, tau=max(float(np.std(d)), 1e-3), settings=settings)
            run = ev.end(amounts)
            if _better(run, (poor, hh), target):
                poor, hh, allocation, chosen = run[0], run[1], OPTIMUM, amounts
            # the level below's answer, scaled, is a candidate too: more money on every line
            # never raises a draw's rate, so with it the answers' chances never fall as money
            # grows. It is run on the first draws, and on the rest only when it beats the
            # answer there or the answer does not already beat the level below's on all draws
            # (a whole-draw run saved at most levels; each draw's result is its own)
            if warm is not None:
                first = ev.end(start, small)
                if (rest is None or _better(first, (poor[:n_small], hh[:n_small]), target)
                        or not _dominates((poor, hh), below, target)):
                    run = ev.end_rest(start, first, rest)
                    if _better(run, (poor, hh), target):
                        poor, hh, allocation, chosen = run[0], run[1], OPTIMUM, start
            warm = (scale, chosen)
            below = (poor, hh)
        ev.optimised[scale] = (allocation, chosen)
        rates = _rates(poor, hh, member)
        lifted = float((zero_poor.sum(axis=1) - poor.sum(axis=1)).mean())
        total = total0 * scale
        marginal = np.nan
        if prev is not None and lifted > prev[1] + 1e-9:
            marginal = (total - prev[0]) / (lifted - prev[1])
        rule_cols = _summary(*rule_run, target)
        rows.append({"budget_scale": scale, "total_budget": total, "allocation": allocation,
                     **_summary(poor, hh, target),
                     "households_lifted": lifted, "marginal_cost_per_household": marginal,
                     "average_cost_per_household": total / lifted if lifted > 1e-9 else np.nan,
                     "rule": rule, "rule_rate_2030_mean": rule_cols["rate_2030_mean"],
                     "rule_p_below_target": rule_cols["p_below_target"]})
        probs.append((rates < target).mean(axis=0))
        prev = (total, lifted)
    curve = pd.DataFrame(rows)
    up = pd.DataFrame(np.array(probs).T, columns=[f"{s:g}" for s in levels])
    up.insert(0, "level", kinds)
    up.insert(0, "unit", ids)
    return curve, up


def _threshold(curve: pd.DataFrame, prob: float, column: str, at: Any) -> tuple[float, int] | None:
    """Smallest budget multiple where ``curve[column]`` reaches ``prob``: the bracketing level,
    then a bisection between it and the level below on ``at(scale, level_index)`` → P."""
    hit = curve.index[curve[column] >= prob]
    if len(hit) == 0:
        return None
    i = int(hit[0])
    hi = float(curve.loc[i, "budget_scale"])
    lo = float(curve.loc[i - 1, "budget_scale"]) if i > 0 else 0.0
    if i > 0:
        for _ in range(_BISECT):
            mid = math.sqrt(lo * hi) if lo > 0 else 0.5 * (lo + hi)  # levels grow geometrically
            if at(mid, i) >= prob:
                hi = mid
            else:
                lo = mid
    return hi, i


def smallest_budgets(prep: Prepared, curve: pd.DataFrame, ev: _Evaluator | None = None,
                     probabilities: tuple[float, ...] = THRESHOLDS) -> pd.DataFrame:
    """Smallest budget multiple with P(district rate < target) ≥ each probability: with the
    level's answer (``budget_scale``; between levels, the upper level's answer scaled down)
    and with the best rule alone (``budget_scale_rule``). The answer is never above the
    rule's: a rule's allocation is one the answer may use."""
    ev = ev or _Evaluator(prep)
    target = prep.plan.target_rate
    total0 = float(prep.amounts.sum())

    def p_of(run: tuple[np.ndarray, np.ndarray]) -> float:
        return float((_district(*run) < target).mean())

    seen: dict[tuple[str, float], float] = {}

    def rule_at(scale: float, i: int) -> float:
        key = (str(curve.loc[i, "rule"]), scale)
        if key not in seen:
            seen[key] = p_of(ev.end(ev.amounts(key[0], scale)))
        return seen[key]

    def optimised_at(i: int) -> bool:
        return ev.optimised.get(float(curve.loc[i, "budget_scale"]), (None,))[0] == OPTIMUM

    def amounts_at(scale: float, i: int) -> np.ndarray:
        """Level ``i``'s answer scaled to ``scale`` (its rule's amounts when a rule answered)."""
        if not optimised_at(i):
            return ev.amounts(str(curve.loc[i, "rule"]), scale)
        level = float(curve.loc[i, "budget_scale"])
        return ev.optimised[level][1] * (scale / level)

    def answer_at(scale: float, i: int) -> float:
        # the upper level's answer scaled down (the rule's own path is bisected separately and
        # the smaller of the two thresholds kept); a rule's chance comes from rule_at's cache
        return p_of(ev.end(amounts_at(scale, i))) if optimised_at(i) else rule_at(scale, i)

    rows = []
    for prob in probabilities:
        by_rule = _threshold(curve, prob, "rule_p_below_target", rule_at)
        answer = _threshold(curve, prob, "p_below_target", answer_at)
        alloc = None if answer is None else str(curve.loc[answer[1], "allocation"])
        if answer is not None:
            ev.at_threshold[prob] = amounts_at(*answer)
        if by_rule is not None and (answer is None or by_rule[0] < answer[0]):
            # the curve's levels are estimates on finite draws: keep the guarantee
            answer, alloc = by_rule, str(curve.loc[by_rule[1], "rule"])
            ev.at_threshold[prob] = ev.amounts(alloc, answer[0])
        rows.append({"probability": prob, "reached": answer is not None, "allocation": alloc,
                     "budget_scale": np.nan if answer is None else answer[0],
                     "total_budget": np.nan if answer is None else answer[0] * total0,
                     "budget_scale_rule": np.nan if by_rule is None else by_rule[0],
                     "total_budget_rule": np.nan if by_rule is None else by_rule[0] * total0,
                     "rule": None if by_rule is None else str(curve.loc[by_rule[1], "rule"]),
                     "max_scale_searched": float(curve["budget_scale"].max())})
    return pd.DataFrame(rows)


def decomposition(prep: Prepared, amounts: np.ndarray | None = None) -> pd.DataFrame:
    """The end-year district rate split by the poor's history (parts add up to the rate)."""
    inputs = prep.engine_inputs(amounts)
    out = project(inputs, prep.engine_draws(), outputs=("households", "poor", *DECOMPOSITION), decompose=True)
    hh = out["households"][:, :, -1].sum(axis=1)
    rows = []
    for name in DECOMPOSITION:
        v = out[name][:, :, -1].sum(axis=1)
        rows.append({"part": name, "households": float(v.mean()), "rate": float((v / hh).mean())})
    total = float((out["poor"][:, :, -1].sum(axis=1) / hh).mean())
    df = pd.DataFrame(rows)
    df["share_of_poor"] = df["rate"] / total if total > 0 else 0.0
    return pd.concat([df, pd.DataFrame([{"part": "total", "households": float(out["poor"][:, :, -1].sum(axis=1).mean()),
                                          "rate": total, "share_of_poor": 1.0}])], ignore_index=True)


def _communes(prep: Prepared, curve: pd.DataFrame, up: pd.DataFrame) -> pd.DataFrame:
    """Per reported unit: P(< target) at the plan's budget and the smallest level reaching 0.5 / 0.8."""
    levels = [float(c) for c in up.columns[2:]]
    at_one = f"{1:g}" if 1.0 in levels else up.columns[2]
    names = {uid: (prep.baseline.units.name(uid, "vi"), prep.baseline.units.name(uid, "en")) for uid in up["unit"]}
    rows = []
    for _, r in up.iterrows():
        probs = np.array([r[c] for c in up.columns[2:]], dtype=float)
        row = {"unit": r["unit"], "level": r["level"], "name": names[r["unit"]][0], "name_en": names[r["unit"]][1],
               "p_below_target_at_plan": float(r[at_one])}
        for p in THRESHOLDS:
            hit = np.flatnonzero(probs >= p)
            row[f"smallest_scale_p{int(p * 100)}"] = levels[hit[0]] if len(hit) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _allocations(prep: Prepared, at: dict[float, np.ndarray]) -> pd.DataFrame:
    """The allocation at each smallest budget, per unit and component (million VND, all years)."""
    units, ids = prep.baseline.units, prep.book.ids
    rows = [{"probability": p, "unit": uid, "name": units.name(uid, "vi"), "name_en": units.name(uid, "en"),
             "component": cid, "amount": float(a[u, k].sum())}
            for p, a in sorted(at.items()) for u, uid in enumerate(units.ids) for k, cid in enumerate(ids)
            if a[u, k].sum() > 0]
    return pd.DataFrame(rows, columns=ALLOCATION_COLUMNS)


def what_it_takes(scenario: Any, *, draws: int | None = None, seed: int | None = None,
                  levels: tuple[float, ...] = LEVELS, optimise: bool = True,
                  saved: str | os.PathLike[str] | None = None) -> WhatItTakes:
    """The whole answer for ``scenario`` (file, dict or prepared); ``optimise``: the allocation
    optimised at every budget level (else the best rule's).

    ``saved``: a file that keeps the answer for the same question (the scenario's input files'
    contents, draws, seed, levels, ``optimise``): read when it holds it, else written. The
    printed report asks the same question once per language; the second reads the first's."""
    prep = scenario if isinstance(scenario, Prepared) else prepare(scenario, draws=draws, seed=seed)
    key = None
    if saved is not None:
        key = json_digest({"inputs": [file_sha256(f) for f in scenario_inputs(prep.loaded)],
                           "scenario": prep.loaded.scenario.name, "draws": prep.draws, "seed": prep.seed,
                           "levels": list(levels), "optimise": optimise, "version": package_version()})
        try:
            with open(saved, "rb") as fh:
                found = pickle.load(fh)
            if found[0] == key:
                return found[1]
        except (OSError, pickle.UnpicklingError, EOFError, IndexError, TypeError):
            pass  # not there (or not a saved answer): computed below and written
    ev = _Evaluator(prep)
    curve, up = cost_curve(prep, ev, levels, optimise=optimise)
    thresholds = smallest_budgets(prep, curve, ev)
    # the rate at the plan's budget is split for the allocation the curve answers with there
    plan_amounts = ev.optimised[1.0][1] if 1.0 in ev.optimised else None
    answer = WhatItTakes(prep=prep, curve=curve, unit_probability=up, thresholds=thresholds,
                         breakeven=breakeven(prep, ev), decomposition=decomposition(prep, plan_amounts),
                         communes=_communes(prep, curve, up), streams=stream_values(prep),
                         allocations=_allocations(prep, ev.at_threshold), level_amounts=ev.optimised,
                         threshold_amounts=ev.at_threshold)
    if saved is not None:
        tmp = Path(f"{saved}.{os.getpid()}.part")
        tmp.write_bytes(pickle.dumps((key, answer)))
        os.replace(tmp, saved)  # whole or absent, also when two runs write it at once
    return answer


def cli_main(args: argparse.Namespace) -> int:
    """``planning target SCENARIO --out DIR``."""
    from planning.basics.outputs import check_target
    from planning.basics.paths import shown_path

    overwrite = getattr(args, "overwrite", False)
    check_target(Path(args.out), "target", overwrite=overwrite)  # refused before the work, not after
    res = what_it_takes(args.scenario, draws=args.draws, seed=args.seed)
    out = res.write(args.out, overwrite=overwrite)
    print(res.headline(args.lang))
    print(f"{'Đã ghi' if args.lang == 'vi' else 'Written to'}: {shown_path(out)}")
    return 0
