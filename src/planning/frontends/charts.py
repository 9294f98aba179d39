"""Charts of the reports and the dashboard: the district trajectory against the plan path and
the target (with the note at the 2027 change of standard), spending, the near-poor and flows.

Split from :mod:`planning.frontends.reporting` (tables and sentences), which still offers these names
(``reporting.trajectory_chart``) for the notebooks. Every function returns a
``matplotlib.figure.Figure`` (no pyplot state); artists carry gids that the tests read. Rates
are shares in [0, 1]; money is million VND; numbers on axes follow the language's style.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from planning.basics.chart_axes import pct_axis, year_axis
from planning.basics.i18n import Lang, label
from planning.basics.numbers import check_lang as _check_lang
from planning.basics.numbers import fmt_number, fmt_pct
from planning.frontends.report_text import switch_label
from planning.frontends.reporting import (
    _INFLOWS,
    FLOWS,
    _allocation_long,
    _district,
    _summary,
    _units_of,
    spending_table,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from planning.models.results import Result

__all__ = ["district_fan", "district_history", "near_poor_chart", "spending_chart", "trajectory_chart"]

# Colour choices: one fixed colour per meaning, so that all charts of a report read alike.
_C_MEAN, _C_PLAN, _C_TARGET, _C_NEAR, _C_HIST = "#1f5fa8", "#d9822b", "#c0392b", "#6a8d2f", "#333333"


def _rate_by_year_axes(ax: Axes, lang: Lang, title_key: str, *, ylabel: bool = True) -> None:
    """The frame every rate-over-years chart shares: title, axis labels, a zero floor, percent and
    whole-year ticks, a light grid."""
    ax.set_title(label(title_key, lang))
    ax.set_xlabel(label("year", lang))
    if ylabel:
        ax.set_ylabel(label("poverty_rate", lang))
    ax.set_ylim(bottom=0)
    pct_axis(ax, lang)
    year_axis(ax)
    ax.grid(alpha=0.3)


def _plan_label(years: Sequence[int], values: Sequence[float], lang: Lang) -> str:
    """``Lộ trình kế hoạch (8,7% năm 2025 → 0,9% năm 2030; −1,6 điểm %/năm)``."""
    if len(years) < 2:
        return label("plan_rate", lang)
    y0, y1, v0, v1 = int(years[0]), int(years[-1]), float(values[0]), float(values[-1])
    step = fmt_number(100 * (v0 - v1) / (y1 - y0), lang, 1)
    span = (f"{fmt_pct(v0, lang)} năm {y0} → {fmt_pct(v1, lang)} năm {y1}" if lang == "vi"
            else f"{fmt_pct(v0, lang)} in {y0} → {fmt_pct(v1, lang)} in {y1}")
    return f"{label('plan_rate', lang)} ({span}; −{step} {label('pp_per_year', lang)})"


def _switch(src: Any) -> tuple[int, str] | None:
    """(first year of a new poverty standard, its id) in a Result or summary rows; None if none."""
    standards = getattr(src, "standards", None)
    if standards is not None and hasattr(src, "baseline_standard"):
        years, ids = [src.baseline_year, *src.years], [src.baseline_standard, *standards]
    elif isinstance(src, pd.DataFrame) and "standard" in src.columns:
        d = _district(src)
        years, ids = [int(y) for y in d["year"]], [str(v) for v in d["standard"]]
    else:
        return None
    for k in range(1, len(ids)):
        if ids[k] != ids[k - 1]:
            return int(years[k]), str(ids[k])
    return None


def _switch_note(ax: Axes, src: Any, lang: Lang) -> None:
    """A vertical line just before the first year of a new standard, with its name written
    along it (gids ``standard_switch`` and ``standard_switch_note``): the jump that year is
    the change of standard."""
    sw = _switch(src)
    if sw is None:
        return
    year, sid = sw
    line = ax.axvline(year - 0.5, color="#7f7f7f", lw=1.1, ls="-.", zorder=1)
    line.set_gid("standard_switch")
    note = ax.text(year - 0.5, 0.03, switch_label(sid, lang) + " ", transform=ax.get_xaxis_transform(),
                   rotation=90, ha="right", va="bottom", fontsize=7.5, color="#555555",
                   bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0})
    note.set_gid("standard_switch_note")


def district_history(baseline: Any | None = None) -> pd.DataFrame:
    """The reviewed district poverty rate per year (``year``, ``poverty_rate`` share).

    From ``baseline.series`` (default: the shipped data), for plotting next to a projection;
    ``illustrative`` says whether any of those counts is not an observed review result.
    """
    if baseline is None:
        from planning.stores.baseline import load_baseline

        baseline = load_baseline()
    g = baseline.series.groupby("year")[["poor", "households"]].sum()
    return pd.DataFrame({"year": g.index.astype(int), "poverty_rate": (g["poor"] / g["households"]).to_numpy(),
                         "illustrative": getattr(baseline, "series_illustrative", True)})


def district_fan(src: Result | pd.DataFrame, name: str = "poor") -> tuple[np.ndarray, np.ndarray, dict[float, tuple[np.ndarray, np.ndarray]]]:
    """Years, mean and {band width: (low, high)} of the district ``name`` rate (shares).

    ``name`` is ``"poor"`` or ``"near_poor"``; the baseline year comes first.

    From a Result the bands come from the draws (any width); from a summary only the 90%
    band (P5–P95) exists.
    """
    if isinstance(src, pd.DataFrame):
        d = _district(src)
        col = "poverty_rate" if name == "poor" else "near_poor_rate"
        years = d["year"].to_numpy(int)
        return years, d[f"{col}_mean"].to_numpy(float), {
            0.9: (d[f"{col}_p05"].to_numpy(float), d[f"{col}_p95"].to_numpy(float))}
    r = src.district_rates(name)  # [draw, year] over the projection years
    hh0 = float(src.baseline_counts["households"].sum())
    base = float(src.baseline_counts[name].sum()) / hh0 if hh0 > 0 else 0.0
    draws = np.concatenate([np.full((r.shape[0], 1), base), r], axis=1)
    years = np.array([src.baseline_year, *src.years], dtype=int)
    bands = {}
    for width in (0.5, 0.9):
        lo, hi = np.percentile(draws, [50 * (1 - width), 50 * (1 + width)], axis=0)
        bands[width] = (lo, hi)
    return years, draws.mean(axis=0), bands


def _plan_points(src: Result | pd.DataFrame) -> tuple[np.ndarray, np.ndarray, float | None, float]:
    """Years and values of the plan path, the yearly reduction (None if unknown), the target."""
    plan = getattr(src, "plan", None)
    if plan is not None:
        years = np.arange(plan.reference_year, src.years[-1] + 1)  # type: ignore[union-attr]
        return years, np.array([plan.rate(int(y)) for y in years]), plan.reduction_per_year, plan.target_rate
    d = _district(src).dropna(subset=["plan_rate"])  # type: ignore[arg-type]
    years, vals = d["year"].to_numpy(int), d["plan_rate"].to_numpy(float)
    red = float(vals[0] - vals[1]) / float(years[1] - years[0]) if len(years) > 1 else None
    return years, vals, red, 0.01


def trajectory_chart(src: Result | pd.DataFrame, lang: Lang = "vi", *, history: pd.DataFrame | None = None,
                     bands: Sequence[float] = (0.5, 0.9), target_rate: float | None = None,
                     ax: Axes | None = None, layout: str | None = "constrained",
                     figsize: tuple[float, float] = (8.5, 5.0)) -> Figure:
    """The district poverty rate: projected mean with 50% and 90% bands, against the plan
    path (a straight line from the 2025 review, where the projection starts, to just below
    the target in 2030: ``data/plan.yaml``) and the target line (1%), with a note at the
    change of standard (2027).

    ``src``: a Result (bands from the draws) or a summary DataFrame (90% band only).
    ``history``: reviewed rates (``district_history()``) drawn as points. Artists carry
    gids ``mean``, ``plan_path``, ``target_line``, ``band50``, ``band90``, ``history``,
    ``standard_switch`` (line) and ``standard_switch_note`` (text).
    ``layout=None`` skips matplotlib's constrained layout (about half the drawing time; the
    dashboard uses it with fixed margins).
    """
    lang = _check_lang(lang)
    if ax is None:
        fig = Figure(figsize=figsize, layout=layout)
        ax = fig.add_subplot()
        if layout is None:
            fig.subplots_adjust(left=0.09, right=0.98, top=0.92, bottom=0.24)
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    years, mean, fan = district_fan(src)
    for width in sorted(bands, reverse=True):
        if width in fan:
            lo, hi = fan[width]
            key = f"band{int(round(width * 100))}"
            poly = ax.fill_between(years, lo, hi, color=_C_MEAN, alpha=0.15 if width > 0.6 else 0.3,
                                   linewidth=0, label=label(key, lang))
            poly.set_gid(key)
    (line,) = ax.plot(years, mean, color=_C_MEAN, lw=2.2, marker="o", ms=4, label=label("projection_mean", lang))
    line.set_gid("mean")
    p_years, p_vals, _reduction, default_target = _plan_points(src)
    (plan_line,) = ax.plot(p_years, p_vals, color=_C_PLAN, lw=1.8, ls="--",
                           label=_plan_label(list(p_years), list(p_vals), lang))
    plan_line.set_gid("plan_path")
    _switch_note(ax, src, lang)
    target = default_target if target_rate is None else target_rate
    target_line = ax.axhline(target, color=_C_TARGET, lw=1.5, ls=":", label=label("target_line", lang))
    target_line.set_gid("target_line")
    if history is not None and len(history):
        h = ax.scatter(history["year"], history["poverty_rate"], color=_C_HIST, s=22, zorder=3,
                       label=label("review_history_illustrative" if "illustrative" not in history
                                   or history["illustrative"].any() else "review_history", lang))
        h.set_gid("history")
    _rate_by_year_axes(ax, lang, "chart_trajectory")
    # under the chart: inside it the legend would hide the bands, the review points or the
    # note at the change of standard
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=7.5, frameon=False)
    return fig


def spending_chart(src: Result | pd.DataFrame, lang: Lang = "vi") -> Figure:
    """Programme money (million VND): stacked by component per year (left) and by old unit
    over the whole period (right). ``src`` is a Result or ``allocation.csv``."""
    lang = _check_lang(lang)
    by_c = spending_table(src, lang, by="component").iloc[:-1]
    by_u = spending_table(src, lang, by="unit").iloc[:-1]
    a = _allocation_long(src)
    units = _units_of(src)
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.1])
    year_cols = [c for c in by_c.columns[1:-1]]
    bottom = np.zeros(len(year_cols))
    cmap = _palette(len(by_c))
    for i, (_, row) in enumerate(by_c.iterrows()):
        vals = row[year_cols].to_numpy(float)
        ax1.bar([int(y) for y in year_cols], vals, bottom=bottom, color=cmap[i], label=row.iloc[0])
        bottom += vals
    ax1.set_title(label("chart_spending_component", lang))
    ax1.set_xlabel(label("year", lang))
    ax1.set_ylabel(label("spending", lang))
    ax1.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_number(v, lang)))
    year_axis(ax1)
    ax1.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.12), ncol=2, frameon=False)
    # by unit, stacked by component (same colours as the left panel)
    comps = list(by_c.index)
    wide = a.pivot_table(index="unit", columns="component", values="amount", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(index=list(units.ids), columns=comps, fill_value=0.0)
    left = np.zeros(len(wide))
    ypos = np.arange(len(wide))[::-1]
    for i, comp in enumerate(comps):
        vals = wide[comp].to_numpy(float)
        ax2.barh(ypos, vals, left=left, color=cmap[i])
        left += vals
    ax2.set_yticks(ypos, list(by_u.iloc[:, 0]))
    ax2.set_title(label("chart_spending_unit", lang))
    ax2.set_xlabel(label("spending", lang))
    ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_number(v, lang)))
    ax2.grid(axis="x", alpha=0.3)
    return fig


def _gid(bars: Any, gid: str) -> None:
    """Tag every bar of a BarContainer (containers have no gid of their own)."""
    for patch in bars:
        patch.set_gid(gid)


def _palette(n: int) -> list[Any]:
    """``n`` distinct colours (tab10, then tab20b)."""
    from matplotlib import colormaps

    colours = [colormaps["tab10"](i) for i in range(10)] + [colormaps["tab20b"](i) for i in range(20)]
    return [colours[i % len(colours)] for i in range(n)]


def _scenario_palette(n: int) -> list[Any]:
    """Like :func:`_palette` without orange and red, which mean the plan path and the target."""
    keep = [c for i, c in enumerate(_palette(30)) if i not in (1, 3)]
    return [keep[i % len(keep)] for i in range(n)]


def near_poor_chart(src: Result | pd.DataFrame, lang: Lang = "vi") -> Figure:
    """District poor and near-poor rates with 90% bands (left), and the year's flows in
    households (right: exits and lifts above zero, re-poverty, new poverty and poverty by the
    change of standard below)."""
    lang = _check_lang(lang)
    s = _summary(src)
    fig = Figure(figsize=(12, 4.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for name, colour, key in (("poor", _C_MEAN, "poor_rate_short"), ("near_poor", _C_NEAR, "near_poor_rate_short")):
        years, mean, fan = district_fan(s, name)
        lo, hi = fan[0.9]
        ax1.fill_between(years, lo, hi, color=colour, alpha=0.15, linewidth=0)
        (line,) = ax1.plot(years, mean, color=colour, lw=2, marker="o", ms=4, label=label(key, lang))
        line.set_gid(name)
    _switch_note(ax1, s, lang)
    _rate_by_year_axes(ax1, lang, "chart_poor_near_poor", ylabel=False)
    ax1.legend(fontsize=8)
    d = _district(s).dropna(subset=["exits_mean"]) if "exits_mean" in s.columns else _district(s).iloc[0:0]
    years = d["year"].to_numpy(int)
    present = [c for c in FLOWS if c in d.columns]
    width = 0.8 / max(len(present), 1)
    colours = _palette(len(present))
    for i, col in enumerate(present):
        sign = -1.0 if col in _INFLOWS else 1.0
        bars = ax2.bar(years + (i - (len(present) - 1) / 2) * width, sign * d[col].to_numpy(float),
                       width=width, color=colours[i], label=label(FLOWS[col], lang))
        _gid(bars, col)
    ax2.axhline(0, color="black", lw=0.8)
    ax2.set_title(label("chart_flows", lang))
    ax2.set_xlabel(label("year", lang))
    ax2.set_ylabel(label("flows_axis", lang))
    # inflows are drawn below zero; the tick labels show their size, not a sign
    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_number(abs(v), lang)))
    year_axis(ax2)
    ax2.grid(axis="y", alpha=0.3)
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig


