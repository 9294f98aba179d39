"""Bilingual tables and charts for the workbook's notebooks and the dashboard.

Every function takes a :class:`~planning.results.Result` (or the DataFrames a run writes:
``summary.csv``, ``allocation.csv``, ``comparison.csv`` / ``outcomes.json``) and ``lang``
(``"vi"`` or ``"en"``), and returns either a ``pandas.DataFrame`` whose headers are the
labels of :mod:`planning.i18n` in that language, or a ``matplotlib.figure.Figure``.

Units: money is million VND; rates and probabilities are shares in [0, 1] (tables keep the
shares, :func:`styled` shows them as percentages); counts are households.

Why figures are built with ``matplotlib.figure.Figure`` and not ``pyplot``: no global
figure registry, so nothing leaks or is shown twice in a notebook (show a figure by making
it a cell's last value, after ``%matplotlib inline``), and the dashboard can redraw from
callbacks without touching pyplot state.

Tables carry ``df.attrs["formats"]`` (header → kind: rate, prob, money, count, pp, year,
text) so that :func:`styled` formats them in the language's number style (Vietnamese:
``6,14%``, ``53.900``).
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from pandas.io.formats.style import Styler

from planning.i18n import Lang, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from planning.results import Result
    from planning.units import Units

__all__ = [
    "commune_table",
    "comparison_chart",
    "comparison_paths_chart",
    "comparison_table",
    "component_name",
    "district_fan",
    "district_history",
    "district_table",
    "fmt_number",
    "fmt_pct",
    "heading",
    "load_batch",
    "near_poor_chart",
    "near_poor_table",
    "probability_html",
    "probability_sentence",
    "run_scenarios",
    "scenario_titles",
    "StyledTable",
    "spending_chart",
    "spending_table",
    "styled",
    "trajectory_chart",
]

Kind = Literal["rate", "prob", "money", "count", "pp", "year", "text"]

#: the flows of the commune engine shown next to the headcount (summary column → label key)
FLOWS: dict[str, str] = {
    "exits_mean": "flow_exits",
    "lifts_mean": "flow_lifts",
    "re_poor_mean": "flow_re_poor",
    "new_poor_mean": "flow_new_poor",
    "reclassified_poor_mean": "flow_reclassified_poor",
}
#: flows that add poor households (drawn below zero in the flow chart)
_INFLOWS = ("re_poor_mean", "new_poor_mean", "reclassified_poor_mean")

# Colour choices: one fixed colour per meaning, so that all charts of a report read alike.
_C_MEAN, _C_PLAN, _C_TARGET, _C_NEAR, _C_HIST = "#1f5fa8", "#d9822b", "#c0392b", "#6a8d2f", "#333333"


# ------------------------------------------------------------------------------ formatting


def _check_lang(lang: str) -> Lang:
    if lang not in ("vi", "en"):
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r} / ngôn ngữ phải là 'vi' hoặc 'en'")
    return lang  # type: ignore[return-value]


def fmt_number(x: float | None, lang: Lang = "vi", digits: int = 0, *, sign: bool = False) -> str:
    """``x`` with thousands separators in the language's style (vi: ``53.900,5``; en: ``53,900.5``).

    ``None``/NaN reads as an em dash (no value), never as ``nan``.
    """
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return "—"
    s = f"{float(x):{'+' if sign else ''},.{digits}f}"
    if lang == "vi":
        # swap separators through a placeholder: 53,900.5 -> 53.900,5
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def fmt_pct(x: float | None, lang: Lang = "vi", digits: int = 2) -> str:
    """A share in [0, 1] as a percentage in the language's style (vi ``6,14%``, en ``6.14%``)."""
    if x is None or pd.isna(x):
        return "—"
    return fmt_number(100.0 * float(x), lang, digits) + "%"


def _formatter(kind: Kind, lang: Lang) -> Any:
    if kind == "rate":
        return lambda v: fmt_pct(v, lang, 2)
    if kind == "prob":
        return lambda v: fmt_pct(v, lang, 0)
    if kind == "money":
        return lambda v: fmt_number(v, lang, 0)
    if kind == "count":
        return lambda v: fmt_number(v, lang, 0)
    if kind == "pp":
        return lambda v: fmt_number(v, lang, 1, sign=True)
    if kind == "year":
        return lambda v: "—" if pd.isna(v) else str(int(v))
    return lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def _table(columns: Sequence[tuple[str, Kind, Iterable[Any]]], index: Sequence[str] | None = None) -> pd.DataFrame:
    """A DataFrame from (header, kind, values) triples; kinds go to ``attrs['formats']``."""
    df = pd.DataFrame({h: list(v) for h, _, v in columns}, index=list(index) if index is not None else None)
    df.attrs["formats"] = {h: k for h, k, _ in columns}
    return df


class StyledTable(Styler):
    """A pandas Styler whose plain-text view is the formatted table.

    The default plain-text view of a Styler is ``<... Styler at 0x7f...>``, a memory address
    that changes on every run; stored notebooks would differ for no reason.
    """

    _planning_lang: Lang = "vi"

    def __repr__(self) -> str:
        formats: Mapping[str, Kind] = self.data.attrs.get("formats", {})
        shown = pd.DataFrame({c: [_formatter(formats.get(c, "text"), self._planning_lang)(v) for v in self.data[c]]
                              for c in self.data.columns})
        return shown.to_string(index=False)


def styled(df: pd.DataFrame, lang: Lang = "vi", *, uuid: str = "planning", caption: str | None = None,
           show_index: bool = False) -> StyledTable:
    """A pandas Styler showing ``df`` in the language's number style.

    ``uuid`` fixes the HTML ids (without it pandas draws a random one per call, which makes
    stored notebook outputs differ from run to run).
    """
    lang = _check_lang(lang)
    formats: Mapping[str, Kind] = df.attrs.get("formats", {})
    sty = StyledTable(df, uuid=uuid)
    sty._planning_lang = lang
    for col in df.columns:
        sty.format(_formatter(formats.get(col, "text"), lang), subset=[col])
    if not show_index:
        sty.hide(axis="index")
    if caption:
        sty.set_caption(caption)
    # numbers right-aligned, names left-aligned (one CSS rule per text column, not per cell)
    text_cols = [{"selector": f"td.col{i}", "props": "text-align: left;"}
                 for i, c in enumerate(df.columns) if formats.get(c, "text") == "text"]
    sty.set_table_styles([
        {"selector": "th", "props": "text-align: left; vertical-align: bottom;"},
        {"selector": "td", "props": "text-align: right; padding: 2px 8px;"},
        *text_cols,
        {"selector": "caption", "props": "caption-side: top; font-weight: bold; text-align: left;"},
    ])
    return sty


# ------------------------------------------------------------------------------ inputs


def _summary(src: Result | pd.DataFrame) -> pd.DataFrame:
    """The rows of summary.csv, from a Result or a DataFrame read from that file."""
    if isinstance(src, pd.DataFrame):
        return src
    return src.summary()


def _district(s: pd.DataFrame) -> pd.DataFrame:
    return s[s["level"] == "district"].sort_values("year").reset_index(drop=True)


def _units_of(src: Any) -> Units:
    """The unit table: the Result's own, else the shipped ``data/units.csv``."""
    units = getattr(src, "units", None)
    if units is not None:
        return units
    return _shipped_units()


@lru_cache(maxsize=1)
def _shipped_units() -> Units:
    from planning.units import load_units

    return load_units()


@lru_cache(maxsize=1)
def _component_names() -> dict[str, dict[str, str]]:
    from planning.paths import data_dir
    from planning.yamlio import read_yaml

    try:
        raw = read_yaml(data_dir() / "programmes.yaml")
        comps = raw.get("components", {}) if isinstance(raw, dict) else {}
    except Exception:  # broad on purpose: a label lookup must never break a report
        comps = {}
    return {cid: dict(entry.get("name") or {}) for cid, entry in comps.items() if isinstance(entry, dict)}


def component_name(cid: str, lang: Lang = "vi") -> str:
    """The programme book's name of component ``cid`` in ``lang`` (the id when unknown)."""
    return _component_names().get(cid, {}).get(lang, cid)


def _unit_name(units: Units, uid: str, lang: Lang) -> str:
    return units.name(uid, lang)


# ------------------------------------------------------------------------------ tables


def district_table(src: Result | pd.DataFrame, lang: Lang = "vi") -> pd.DataFrame:
    """The district, year by year (baseline year first).

    Columns: year, standard in force, poverty rate mean / P5 / P95 (shares), plan path
    (share), gap to the plan (percentage points, positive = behind), probability that the
    rate is below the target that year, near-poor rate (share), spending (million VND).
    """
    lang = _check_lang(lang)
    d = _district(_summary(src))
    return _table([
        (label("year", lang), "year", d["year"]),
        (label("standard", lang), "text", d["standard"]),
        (label("poverty_rate_mean", lang), "rate", d["poverty_rate_mean"]),
        (label("poverty_rate_p05", lang), "rate", d["poverty_rate_p05"]),
        (label("poverty_rate_p95", lang), "rate", d["poverty_rate_p95"]),
        (label("plan_rate", lang), "rate", d["plan_rate"]),
        (label("gap_to_plan_pp", lang), "pp", d["gap_to_plan_pp"]),
        (label("prob_below_target_year", lang), "prob", d["prob_below_target"]),
        (label("near_poor_rate_mean", lang), "rate", d["near_poor_rate_mean"]),
        (label("spending", lang), "money", d["spending"]),
    ], index=[str(int(y)) for y in d["year"]])


def commune_table(src: Result | pd.DataFrame, lang: Lang = "vi", year: int | None = None) -> pd.DataFrame:
    """The district, the 4 new communes and the 11 pre-2025 units in ``year`` (default: last).

    Rows (index = unit id): the district, then each new commune followed by the old units it
    was formed from. Columns: level, name, new commune (for old units), households, poverty
    rate in the baseline year and in ``year`` (mean, P5, P95; shares), probability of a rate
    below the target in ``year``, near-poor rate (share), spending over the whole period
    (million VND).
    """
    lang = _check_lang(lang)
    units = _units_of(src)
    if isinstance(src, pd.DataFrame) or (year is not None and int(year) not in src.years):
        s = _summary(src)
        end = int(s["year"].max()) if year is None else int(year)
        base_year = int(s["year"].min())
        at = s[s["year"] == end].set_index("unit")
        base = s[s["year"] == base_year].set_index("unit")["poverty_rate_mean"]
        spend = s.groupby("unit")["spending"].sum()
    else:
        end = src.years[-1] if year is None else int(year)
        base_year = src.baseline_year
        at, base, spend = _result_rows(src, end)
    order: list[tuple[str, str, str]] = [("district", "district", "")]
    for j, nid in enumerate(units.new_ids):
        order.append((nid, "new_commune", ""))
        members = [units.ids[i] for i in np.flatnonzero(units.membership[j])]
        order += [(uid, "old_unit", _unit_name(units, nid, lang)) for uid in members]
    ids = [u for u, _, _ in order]
    missing = [u for u in ids if u not in at.index]
    if missing:
        raise KeyError(f"summary has no rows for {missing} in {end} / bảng tổng hợp thiếu {missing}")
    rows = at.loc[ids]
    return _table([
        (label("level", lang), "text", [label(kind, lang) for _, kind, _ in order]),
        (label("name", lang), "text", [_unit_name(units, u, lang) for u in ids]),
        (label("new_commune_of", lang), "text", [nc for _, _, nc in order]),
        (f"{label('households', lang)} {end}", "count", rows["households"]),
        (f"{label('poverty_rate', lang)} {base_year}", "rate", base.loc[ids]),
        (f"{label('poverty_rate_mean', lang)} {end}", "rate", rows["poverty_rate_mean"]),
        (f"{label('poverty_rate_p05', lang)} {end}", "rate", rows["poverty_rate_p05"]),
        (f"{label('poverty_rate_p95', lang)} {end}", "rate", rows["poverty_rate_p95"]),
        (f"{label('prob_below_target_year', lang)} {end}", "prob", rows["prob_below_target"]),
        (f"{label('near_poor_rate_mean', lang)} {end}", "rate", rows["near_poor_rate_mean"]),
        (f"{label('spending', lang)}, {label('total_period', lang).lower()}", "money", spend.loc[ids]),
    ], index=ids)


def _result_rows(result: Result, year: int) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """For :func:`commune_table`, straight from a Result's arrays: the ``year`` columns of
    its summary rows, the baseline poverty rate and the period's spending, by unit id.

    The same operations as ``Result.summary()`` (so the same numbers, checked in the tests),
    without computing every year and column: the dashboard redraws this table on each slider
    move, and the full summary costs about half of the time budget of a move.
    """
    t = result.years.index(year)
    u = result.units
    ids = [uid for _, uid in result.reported_units]
    # reported units in Result's order: old units, new communes, district
    weights = np.vstack([np.eye(u.n), u.membership, np.ones((1, u.n))])
    poor_r, near_r = result.rates("poor")[:, :, t], result.rates("near_poor")[:, :, t]
    rows = pd.DataFrame({
        "households": result.aggregate("households")[:, :, t].mean(axis=0),
        "poverty_rate_mean": poor_r.mean(axis=0),
        "poverty_rate_p05": np.percentile(poor_r, 5, axis=0),
        "poverty_rate_p95": np.percentile(poor_r, 95, axis=0),
        "prob_below_target": (poor_r < result.plan.target_rate).mean(axis=0),
        "near_poor_rate_mean": near_r.mean(axis=0),
    }, index=ids)
    base_hh = weights @ result.baseline_counts["households"]
    base_poor = weights @ result.baseline_counts["poor"]
    with np.errstate(divide="ignore", invalid="ignore"):
        base_rate = np.where(base_hh > 0, base_poor / base_hh, 0.0)
    spend = np.einsum("cky,rc->ry", result.amounts, weights).sum(axis=1)
    return rows, pd.Series(base_rate, index=ids), pd.Series(spend, index=ids)


def _allocation_long(src: Result | pd.DataFrame) -> pd.DataFrame:
    """``unit, component, year, amount`` (million VND) from a Result or allocation.csv."""
    if isinstance(src, pd.DataFrame):
        return src[["unit", "component", "year", "amount"]]
    return src.spending_table()


def spending_table(src: Result | pd.DataFrame, lang: Lang = "vi",
                   by: Literal["component", "unit", "new_commune"] = "component") -> pd.DataFrame:
    """Programme money (million VND) by component, by old unit or by new commune, per year.

    ``src`` is a Result or the ``allocation.csv`` table. Columns: the row's name, one column
    per year, the period total; the last row is the total over all rows.
    """
    lang = _check_lang(lang)
    a = _allocation_long(src).copy()
    units = _units_of(src)
    years = list(getattr(src, "years", None) or sorted(a["year"].unique()))
    if by == "component":
        keys = list(getattr(src, "component_ids", None) or dict.fromkeys(a["component"]))
        a["key"] = a["component"]
        names = [component_name(k, lang) for k in keys]
        head = label("component", lang)
    elif by == "unit":
        keys = list(units.ids)
        a["key"] = a["unit"]
        names = [_unit_name(units, k, lang) for k in keys]
        head = label("old_unit", lang)
    elif by == "new_commune":
        keys = list(units.new_ids)
        to_new = {units.ids[i]: units.new_ids[j] for j, i in zip(*np.nonzero(units.membership), strict=True)}
        a["key"] = a["unit"].map(to_new)
        names = [_unit_name(units, k, lang) for k in keys]
        head = label("new_commune", lang)
    else:
        raise ValueError(f"by must be 'component', 'unit' or 'new_commune', got {by!r}")
    wide = a.pivot_table(index="key", columns="year", values="amount", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(index=keys, columns=years, fill_value=0.0)
    total_label = label("total", lang)
    cols: list[tuple[str, Kind, Iterable[Any]]] = [(head, "text", [*names, total_label])]
    for y in years:
        cols.append((str(y), "money", [*wide[y].to_numpy(float), float(wide[y].sum())]))
    cols.append((label("total_period", lang), "money",
                 [*wide.sum(axis=1).to_numpy(float), float(wide.to_numpy().sum())]))
    return _table(cols, index=[*keys, "total"])


def near_poor_table(src: Result | pd.DataFrame, lang: Lang = "vi") -> pd.DataFrame:
    """District headcounts next to the near-poor and the year's flows (households, means).

    Columns: year, households, poor, poverty rate (share), near-poor, near-poor rate (share),
    exits, near-poor rising above the line, re-poverty, new poverty, poor by the change of
    standard, newly escaped households still supported. Flows are blank in the baseline year.
    """
    lang = _check_lang(lang)
    d = _district(_summary(src))
    cols: list[tuple[str, Kind, Iterable[Any]]] = [
        (label("year", lang), "year", d["year"]),
        (label("households", lang), "count", d["households"]),
        (label("poor_mean", lang), "count", d["poor_mean"]),
        (label("poverty_rate_mean", lang), "rate", d["poverty_rate_mean"]),
        (label("near_poor_mean", lang), "count", d["near_poor_mean"]),
        (label("near_poor_rate_mean", lang), "rate", d["near_poor_rate_mean"]),
    ]
    for col in [*FLOWS, "escaped_stock_mean"]:
        if col in d.columns:
            cols.append((label(col, lang), "count", d[col]))
    return _table(cols, index=[str(int(y)) for y in d["year"]])


# ------------------------------------------------------------------------------ sentences


def _outcomes(src: Result | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(src, Mapping):
        return dict(src)
    return src.outcomes()


def probability_sentence(src: Result | Mapping[str, Any], lang: Lang = "vi") -> str:
    """The probability of reaching the target in the end year, stated in words.

    ``src`` is a Result or its ``outcomes()`` dict (``outcomes.json``). Adds the first year
    the mean rate is below the target and, when the run has a no-money counterfactual, the
    households lifted and the cost per household lifted (million VND).
    """
    lang = _check_lang(lang)
    o = _outcomes(src)
    target, year, draws = float(o["target_rate"]), int(o["end_year"]), int(o["draws"])
    prob, mean = float(o["prob_below_target"]), float(o["poverty_rate_end_mean"])
    plan = mean - float(o["gap_to_plan_pp_end"]) / 100.0
    text = label("sentence_probability", lang).format(
        target=fmt_pct(target, lang, 0), year=year, prob=fmt_pct(prob, lang, 0),
        hits=int(round(prob * draws)), draws=fmt_number(draws, lang),
        mean=fmt_pct(mean, lang), p05=fmt_pct(o["poverty_rate_end_p05"], lang),
        p95=fmt_pct(o["poverty_rate_end_p95"], lang), plan=fmt_pct(plan, lang),
        gap=fmt_number(o["gap_to_plan_pp_end"], lang, 1, sign=True),
    )
    first = o.get("first_year_target_met")
    first_s = str(int(first)) if first is not None and not pd.isna(first) else label("sentence_never", lang)
    text += " " + label("sentence_first_year", lang).format(target=fmt_pct(target, lang, 0), first=first_s)
    lifted, cost = o.get("households_lifted"), o.get("cost_per_household_lifted")
    if lifted is not None and cost is not None and not pd.isna(lifted) and not pd.isna(cost):
        text += " " + label("sentence_lifted", lang).format(lifted=fmt_number(lifted, lang),
                                                           cost=fmt_number(cost, lang, 1))
    return text


def probability_html(src: Result | Mapping[str, Any], lang: Lang = "vi") -> str:
    """The headline probability as HTML for the dashboard.

    The ``planning-probability`` span's text keeps one shape in both languages,
    ``P(<1% in 2030) = 0.42`` (a formula, and what the browser test reads); the words
    around it are in ``lang``.
    """
    lang = _check_lang(lang)
    o = _outcomes(src)
    target = f"{100 * float(o['target_rate']):g}%"
    p = float(o["prob_below_target"])
    return (f'<span class="planning-probability">P(<{target} in {int(o["end_year"])}) = {p:.2f}</span>'
            f' <span class="planning-probability-words">— {label("probability_explained", lang)}'
            f" ({fmt_number(int(o['draws']), lang)} {label('draws_word', lang)})</span>")


def heading(result: Result, lang: Lang = "vi") -> str:
    """A Markdown heading for a scenario report: title, scenario id, draws and seed."""
    lang = _check_lang(lang)
    title = result.title.get(lang) or result.scenario_name
    return (f"## {title}\n\n`{result.scenario_name}` — {fmt_number(result.draws, lang)} "
            f"{label('draws_word', lang)}, {label('seed_word', lang)} {result.seed}, "
            f"{result.years[0]}–{result.years[-1]}")


# ------------------------------------------------------------------------------ charts


def _pct_axis(ax: Axes, lang: Lang, digits: int = 0, axis: str = "y") -> None:
    """Percent ticks on a share axis; steps of 1, 2 or 5 so whole percentages stay exact."""
    a = ax.yaxis if axis == "y" else ax.xaxis
    a.set_major_locator(MaxNLocator(nbins=6 if axis == "x" else "auto", steps=[1, 2, 5, 10]))
    a.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_pct(v, lang, digits)))


def _year_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _plan_label(reduction: float, lang: Lang) -> str:
    return f"{label('plan_rate', lang)} (−{fmt_number(100 * reduction, lang, 0)} {label('pp_per_year', lang)})"


def district_history(baseline: Any | None = None) -> pd.DataFrame:
    """The reviewed district poverty rate per year (``year``, ``poverty_rate`` share).

    From ``baseline.series`` (default: the shipped data), for plotting next to a projection;
    ``illustrative`` says whether any of those counts is not an observed review result.
    """
    if baseline is None:
        from planning.baseline import load_baseline

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
                     figsize: tuple[float, float] = (8.5, 4.6)) -> Figure:
    """The district poverty rate: projected mean with 50% and 90% bands, against the plan
    path (−2 pp a year from the reference year) and the target line (1%).

    ``src``: a Result (bands from the draws) or a summary DataFrame (90% band only).
    ``history``: reviewed rates (``district_history()``) drawn as points. Artists carry
    gids ``mean``, ``plan_path``, ``target_line``, ``band50``, ``band90``, ``history``.
    ``layout=None`` skips matplotlib's constrained layout (about half the drawing time; the
    dashboard uses it with fixed margins).
    """
    lang = _check_lang(lang)
    if ax is None:
        fig = Figure(figsize=figsize, layout=layout)
        ax = fig.add_subplot()
        if layout is None:
            fig.subplots_adjust(left=0.09, right=0.98, top=0.92, bottom=0.12)
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
    p_years, p_vals, reduction, default_target = _plan_points(src)
    (plan_line,) = ax.plot(p_years, p_vals, color=_C_PLAN, lw=1.8, ls="--",
                           label=_plan_label(reduction, lang) if reduction else label("plan_rate", lang))
    plan_line.set_gid("plan_path")
    target = default_target if target_rate is None else target_rate
    target_line = ax.axhline(target, color=_C_TARGET, lw=1.5, ls=":", label=label("target_line", lang))
    target_line.set_gid("target_line")
    if history is not None and len(history):
        h = ax.scatter(history["year"], history["poverty_rate"], color=_C_HIST, s=22, zorder=3,
                       label=label("review_history_illustrative" if "illustrative" not in history
                                   or history["illustrative"].any() else "review_history", lang))
        h.set_gid("history")
    ax.set_title(label("chart_trajectory", lang))
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(label("poverty_rate", lang))
    ax.set_ylim(bottom=0)
    _pct_axis(ax, lang)
    _year_axis(ax)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
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
    _year_axis(ax1)
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
    ax1.set_title(label("chart_poor_near_poor", lang))
    ax1.set_xlabel(label("year", lang))
    ax1.set_ylim(bottom=0)
    _pct_axis(ax1, lang)
    _year_axis(ax1)
    ax1.grid(alpha=0.3)
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
    _year_axis(ax2)
    ax2.grid(axis="y", alpha=0.3)
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig


# ------------------------------------------------------------------------------ comparison


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
    from planning.results import compare
    from planning.runner import run

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
    return _table([
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
    _pct_axis(ax1, lang, axis="x")
    prob = o["prob_below_target"].to_numpy(float)
    pb = ax2.barh(y, prob, color=_C_NEAR)
    _gid(pb, "probability")
    ax2.bar_label(pb, labels=[fmt_pct(v, lang, 0) for v in prob], padding=3, fontsize=8)
    ax2.set_xlim(0, 1)
    _pct_axis(ax2, lang, axis="x")
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
            red = float(vals[0] - vals[1]) / float(years[1] - years[0]) if len(years) > 1 else None
            (pl,) = ax.plot(years, vals, color=_C_PLAN, lw=1.8, ls="--",
                            label=_plan_label(red, lang) if red else label("plan_rate", lang))
            pl.set_gid("plan_path")
            plan_drawn = True
    tl = ax.axhline(target_rate, color=_C_TARGET, ls=":", lw=1.5, label=label("target_line", lang))
    tl.set_gid("target_line")
    ax.set_title(label("chart_compare_paths", lang))
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(label("poverty_rate", lang))
    ax.set_ylim(bottom=0)
    _pct_axis(ax, lang)
    _year_axis(ax)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig
