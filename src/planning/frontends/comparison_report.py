"""The scenario comparison: reading a batch folder, the ranking table and its charts.

Split from :mod:`planning.frontends.reporting`, which still offers these names
(``reporting.comparison_table``) for the notebooks. Rates and probabilities are shares,
money is million VND.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from planning.basics.chart_axes import pct_axis
from planning.basics.i18n import Lang, label
from planning.basics.numbers import check_lang as _check_lang
from planning.basics.numbers import fmt_number, fmt_pct
from planning.basics.tables import kind_table
from planning.frontends.charts import (
    _C_MEAN,
    _C_NEAR,
    _C_PLAN,
    _C_TARGET,
    _gid,
    _plan_label,
    _rate_by_year_axes,
    _scenario_palette,
    _switch_note,
)
from planning.frontends.reporting import _district

__all__ = ["comparison_chart", "comparison_paths_chart", "comparison_table", "load_batch", "run_scenarios",
           "scenario_titles"]


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_batch(batch_dir: str | Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Read a batch or ``planning compare`` folder: (outcomes, {scenario: summary}).

    ``outcomes`` is ``comparison.csv`` when present, else one row per subfolder's
    ``outcomes.json``; summaries are the subfolders' ``summary.csv``, keyed by the scenario
    name of their outcomes (the folder name when there is none). Folders without a
    ``summary.csv`` (failed scenarios) are left out.
    """
    root = Path(batch_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"không có thư mục {root} / no folder {root}")
    summaries: dict[str, pd.DataFrame] = {}
    rows = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (sub / "summary.csv").exists():
            continue
        name = sub.name
        if (sub / "outcomes.json").exists():
            o = _read_json(sub / "outcomes.json")
            name = str(o.get("scenario") or sub.name)
            rows.append(o)
        summaries[name] = pd.read_csv(sub / "summary.csv")
    if (root / "comparison.csv").exists():
        outcomes = pd.read_csv(root / "comparison.csv")
    else:
        outcomes = pd.DataFrame(rows)
    if outcomes.empty:
        raise FileNotFoundError(f"không có kết quả kịch bản trong {root} / no scenario results in {root}")
    return outcomes, summaries


def run_scenarios(paths: Iterable[str | Path], draws: int = 200, seed: int | None = None
                  ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Run scenarios in this process (few draws): the same (outcomes, summaries) as
    :func:`load_batch`, for a comparison without a batch folder."""
    from planning.models.results import compare
    from planning.models.runner import run

    results = [run(p, draws=draws, seed=seed) for p in paths]
    return compare(results), {r.scenario_name: r.summary() for r in results}


def scenario_titles(outcomes: pd.DataFrame, lang: Lang = "vi") -> dict[str, str]:
    """{scenario id: title in ``lang``} from an outcomes/comparison table (id when untitled)."""
    return dict(zip(outcomes["scenario"].astype(str), _titles(outcomes, _check_lang(lang)), strict=True))


def _titles(o: pd.DataFrame, lang: Lang) -> list[str]:
    col = f"title_{lang}"
    if col in o.columns:
        return [str(t) if isinstance(t, str) and t else str(s) for t, s in zip(o[col], o["scenario"], strict=True)]
    return [str(s) for s in o["scenario"]]


def comparison_table(outcomes: pd.DataFrame, lang: Lang = "vi") -> pd.DataFrame:
    """Scenarios ranked by end-year poverty rate (lowest first; ties: higher probability).

    Also ranks by the probability of a rate below the target (highest first) and by cost
    per household lifted (lowest first; scenarios without one last). Rates and
    probabilities are shares, money is million VND. Index = scenario id.
    """
    lang = _check_lang(lang)
    o = outcomes.reset_index(drop=True).copy()
    o["_title"] = _titles(o, lang)
    cost = pd.to_numeric(o.get("cost_per_household_lifted"), errors="coerce") if "cost_per_household_lifted" in o else pd.Series(np.nan, index=o.index)
    o["_cost"] = cost
    o["_r_rate"] = o["poverty_rate_end_mean"].rank(method="min").astype(int)
    o["_r_prob"] = o["prob_below_target"].rank(method="min", ascending=False).astype(int)
    o["_r_cost"] = o["_cost"].rank(method="min", na_option="bottom").astype(int)
    o = o.sort_values(["_r_rate", "_r_prob", "scenario"], kind="stable").reset_index(drop=True)
    first = o["first_year_target_met"] if "first_year_target_met" in o else pd.Series([None] * len(o))
    lifted = o["households_lifted"] if "households_lifted" in o else pd.Series([np.nan] * len(o))
    return kind_table([
        (label("rank_rate", lang), "count", o["_r_rate"]),
        (label("scenario", lang), "text", o["_title"]),
        (label("poverty_rate_end_mean", lang), "rate", o["poverty_rate_end_mean"]),
        (label("poverty_rate_end_p05", lang), "rate", o["poverty_rate_end_p05"]),
        (label("poverty_rate_end_p95", lang), "rate", o["poverty_rate_end_p95"]),
        (label("prob_below_target", lang), "prob", o["prob_below_target"]),
        (label("rank_prob", lang), "count", o["_r_prob"]),
        (label("first_year_target_met", lang), "year", first),
        (label("gap_to_plan_pp_end", lang), "pp", o["gap_to_plan_pp_end"]),
        (label("total_spending", lang), "money", o["total_spending"]),
        (label("households_lifted", lang), "count", pd.to_numeric(lifted, errors="coerce")),
        (label("cost_per_household_lifted", lang), "money", o["_cost"]),
        (label("rank_cost", lang), "count", o["_r_cost"]),
    ], index=list(o["scenario"].astype(str)))


def comparison_chart(outcomes: pd.DataFrame, lang: Lang = "vi") -> Figure:
    """Three panels, scenarios in ranking order: end-year poverty rate (mean, P5–P95 bar,
    1% line), probability of < 1%, cost per household lifted (million VND; "—" where no
    household is lifted). Bars carry gids ``rate``, ``probability``, ``cost``."""
    lang = _check_lang(lang)
    t = comparison_table(outcomes, lang)
    o = outcomes.set_index(outcomes["scenario"].astype(str)).loc[list(t.index)]
    names = [textwrap.fill(n, 34) for n in t[label("scenario", lang)]]
    y = np.arange(len(t))[::-1]
    fig = Figure(figsize=(14, 0.6 * len(t) + 2.0), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3, sharey=True)
    mean = o["poverty_rate_end_mean"].to_numpy(float)
    err = np.vstack([mean - o["poverty_rate_end_p05"].to_numpy(float),
                     o["poverty_rate_end_p95"].to_numpy(float) - mean])
    bars = ax1.barh(y, mean, xerr=err, color=_C_MEAN, alpha=0.8, capsize=3)
    _gid(bars, "rate")
    ax1.bar_label(bars, labels=[fmt_pct(v, lang) for v in mean], padding=3, fontsize=7, label_type="center",
                  color="white")
    target = float(o["target_rate"].iloc[0]) if "target_rate" in o else 0.01
    tl = ax1.axvline(target, color=_C_TARGET, ls=":", lw=1.5, label=label("target_line", lang))
    tl.set_gid("target_line")
    ax1.set_yticks(y, names, fontsize=8)
    ax1.legend(fontsize=8, loc="lower right")
    pct_axis(ax1, lang, axis="x")
    prob = o["prob_below_target"].to_numpy(float)
    pb = ax2.barh(y, prob, color=_C_NEAR)
    _gid(pb, "probability")
    ax2.bar_label(pb, labels=[fmt_pct(v, lang, 0) for v in prob], padding=3, fontsize=8)
    ax2.set_xlim(0, 1)
    pct_axis(ax2, lang, axis="x")
    if "cost_per_household_lifted" in o:
        cost = pd.to_numeric(o["cost_per_household_lifted"], errors="coerce").to_numpy(float)
    else:
        cost = np.full(len(o), np.nan)
    cb = ax3.barh(y, np.nan_to_num(cost), color=_C_PLAN)
    _gid(cb, "cost")
    ax3.bar_label(cb, labels=[fmt_number(c, lang, 1) for c in cost], padding=3, fontsize=8)
    ax3.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_number(v, lang)))
    ax3.set_xlim(0, (np.nanmax(cost) if np.isfinite(cost).any() else 1.0) * 1.2)
    for ax, key in ((ax1, "chart_compare_rate"), (ax2, "chart_compare_prob"), (ax3, "chart_compare_cost")):
        ax.set_title(textwrap.fill(label(key, lang), 38), fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    return fig


def comparison_paths_chart(summaries: Mapping[str, pd.DataFrame], lang: Lang = "vi",
                           titles: Mapping[str, str] | None = None, target_rate: float = 0.01) -> Figure:
    """District mean poverty rate per scenario, against the plan path and the 1% line.

    ``summaries``: {scenario: summary DataFrame} (:func:`load_batch`); ``titles``: shown
    names (default: the scenario ids).
    """
    lang = _check_lang(lang)
    fig = Figure(figsize=(9, 4.8), layout="constrained")
    ax = fig.add_subplot()
    colours = _scenario_palette(len(summaries))
    plan_drawn = False
    for i, (name, s) in enumerate(summaries.items()):
        d = _district(s)
        (line,) = ax.plot(d["year"], d["poverty_rate_mean"], color=colours[i], lw=1.8, marker="o", ms=3,
                          label=(titles or {}).get(name, name))
        line.set_gid(f"scenario:{name}")
        if not plan_drawn and "plan_rate" in d:
            p = d.dropna(subset=["plan_rate"])
            years, vals = p["year"].to_numpy(int), p["plan_rate"].to_numpy(float)
            (pl,) = ax.plot(years, vals, color=_C_PLAN, lw=1.8, ls="--", label=_plan_label(list(years), list(vals), lang))
            pl.set_gid("plan_path")
            _switch_note(ax, s, lang)
            plan_drawn = True
    tl = ax.axhline(target_rate, color=_C_TARGET, ls=":", lw=1.5, label=label("target_line", lang))
    tl.set_gid("target_line")
    _rate_by_year_axes(ax, lang, "chart_compare_paths")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig
