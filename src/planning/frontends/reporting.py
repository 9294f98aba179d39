"""Bilingual tables and charts for the workbook's notebooks and the dashboard.

Every function takes a :class:`~planning.models.results.Result` (or the DataFrames a run writes:
``summary.csv``, ``allocation.csv``, ``comparison.csv`` / ``outcomes.json``) and ``lang``
(``"vi"`` or ``"en"``), and returns either a ``pandas.DataFrame`` whose headers are the
labels of :mod:`planning.basics.i18n` in that language, or a ``matplotlib.figure.Figure``.

Units: money is million VND; rates and probabilities are shares in [0, 1] (tables keep the
shares, :func:`styled` shows them as percentages); counts are households.

Why figures are built with ``matplotlib.figure.Figure`` and not ``pyplot``: no global
figure registry, so nothing leaks or is shown twice in a notebook (show a figure by making
it a cell's last value, after ``%matplotlib inline``), and the dashboard can redraw from
callbacks without touching pyplot state.

The charts live in :mod:`planning.frontends.charts` and the scenario comparison in
:mod:`planning.frontends.comparison_report`; their names are still offered here
(``reporting.trajectory_chart``), imported on first use.

Tables carry ``df.attrs["formats"]`` (header → kind: rate, prob, money, count, pp, year,
text) so that :func:`styled` formats them in the language's number style (Vietnamese:
``6,1%``, ``53.900``; English ``6.1%``, ``53,900``: :mod:`planning.basics.numbers`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from planning.basics.i18n import Lang, label
from planning.basics.numbers import check_lang, fmt_number, fmt_pct, standard_name
from planning.basics.tables import Kind, formatter, kind_table
from planning.frontends.report_text import headline_html

if TYPE_CHECKING:

    from planning.models.results import Result
    from planning.stores.units import Units

__all__ = [
    "StyledTable",
    "calibration_sentence",
    "commune_table",
    "component_name",
    "district_table",
    "fmt_number",
    "fmt_pct",
    "heading",
    "near_poor_table",
    "probability_html",
    "probability_sentence",
    "spending_table",
    "styled",
]


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

# ------------------------------------------------------------------------------ formatting


_check_lang = check_lang


class StyledTable(Styler):
    """A pandas Styler whose plain-text view is the formatted table.

    The default plain-text view of a Styler is ``<... Styler at 0x7f...>``, a memory address
    that changes on every run; stored notebooks would differ for no reason.
    """

    _planning_lang: Lang = "vi"

    def __repr__(self) -> str:
        formats: Mapping[str, Kind] = self.data.attrs.get("formats", {})
        shown = pd.DataFrame({c: [formatter(formats.get(c, "text"), self._planning_lang)(v) for v in self.data[c]]
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
        sty.format(formatter(formats.get(col, "text"), lang), subset=[col])
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
    from planning.stores.units import load_units

    return load_units()


@lru_cache(maxsize=1)
def _component_names() -> dict[str, dict[str, str]]:
    from planning.basics.paths import data_dir
    from planning.basics.yamlio import read_yaml

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
    return kind_table([
        (label("year", lang), "year", d["year"]),
        (label("standard", lang), "text", [standard_name(v, lang) for v in d["standard"]]),
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
    return kind_table([
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

    ``src`` is a Result or the ``allocation.csv`` table; by component, only the components
    with money appear. Columns: the row's name, one column
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
    if by == "component":  # components the scenario gives no money (of the 16 in the book) are left out
        spent = (wide.to_numpy() != 0).any(axis=1)
        keys = [k for k, s in zip(keys, spent, strict=True) if s]
        names = [n for n, s in zip(names, spent, strict=True) if s]
        wide = wide.loc[keys]
    total_label = label("total", lang)
    cols: list[tuple[str, Kind, Iterable[Any]]] = [(head, "text", [*names, total_label])]
    for y in years:
        cols.append((str(y), "money", [*wide[y].to_numpy(float), float(wide[y].sum())]))
    cols.append((label("total_period", lang), "money",
                 [*wide.sum(axis=1).to_numpy(float), float(wide.to_numpy().sum())]))
    return kind_table(cols, index=[*keys, "total"])


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
    return kind_table(cols, index=[str(int(y)) for y in d["year"]])


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
                                                           cost=fmt_number(cost, lang))  # whole millions: a tenth would be false precision
    return text


def calibration_sentence(result: Result, lang: Lang = "vi") -> str:
    """Which assumptions come from a calibration on published figures, and which of them the
    figures do not pin down (their range stays about the assumption's); or that none do."""
    lang = _check_lang(lang)
    cal = result.calibration
    if not cal:
        return ("Mọi giả định lấy theo khoảng giá trị trong dữ liệu (chưa hiệu chỉnh theo số liệu công bố)."
                if lang == "vi" else
                "Every assumption is drawn from its range in the data (not calibrated to published figures).")
    units = ", ".join(cal.get("units") or [])
    fitted = "; ".join(label(p, lang) for p in cal["parameters"] if p not in cal["not_identified"])
    loose = "; ".join(label(p, lang) for p in cal["not_identified"])
    if lang == "vi":
        text = (f"Các giả định về động thái thu nhập và rủi ro được hiệu chỉnh theo số liệu công bố của {units}. "
                f"Số liệu xác định được: {fitted or 'không có'}.")
        if loose:
            text += f" Số liệu chưa xác định được (giữ gần khoảng giả định ban đầu): {loose}."
    else:
        text = (f"The assumptions on income dynamics and risk are calibrated to the published figures of {units}. "
                f"Identified by the figures: {fitted or 'none'}.")
        if loose:
            text += f" Not identified by them (kept about their assumed range): {loose}."
    return text


def probability_html(src: Result | Mapping[str, Any], lang: Lang = "vi",
                     subject: Literal["auto", "plan", "scenario", "selected"] = "auto") -> str:
    """The headline sentence as HTML (the dashboard and the reports): the projected rate and the
    chance of reaching the target, in words (:func:`planning.frontends.report_text.headline_html`).

    The chance sits in ``<span class="planning-probability" data-probability="0.420">42%</span>``:
    a stable element for tests, showing a percentage in the language's style, never notation.
    """
    return headline_html(_outcomes(src), _check_lang(lang), subject)


def heading(result: Result, lang: Lang = "vi") -> str:
    """A Markdown heading for a scenario report: the scenario's title, the years and the draws."""
    lang = _check_lang(lang)
    title = result.title.get(lang) or result.scenario_name
    years = f"{result.years[0]}–{result.years[-1]}"
    draws = fmt_number(result.draws, lang)
    sub = (f"Dự báo {years}, {draws} lần mô phỏng." if lang == "vi"
           else f"Projection {years}, {draws} simulations.")
    kind = "Báo cáo kịch bản" if lang == "vi" else "Scenario report"
    return f"# {kind}: {title}\n\n{sub}"


# ------------------------------------------------------------------------------ charts and comparison

#: names offered here but defined in planning.frontends.charts and planning.frontends.comparison_report (imported
#: on first use: those modules import this one, so importing them here would be a circle)
_ELSEWHERE: dict[str, str] = {
    **dict.fromkeys(("trajectory_chart", "spending_chart", "near_poor_chart", "district_fan", "district_history",
                     "_plan_label", "_switch", "_switch_note", "_plan_points",
                     "_palette", "_scenario_palette", "_gid"), "planning.frontends.charts"),
    **dict.fromkeys(("load_batch", "run_scenarios", "scenario_titles", "comparison_table", "comparison_chart",
                     "comparison_paths_chart", "_titles", "_read_json"), "planning.frontends.comparison_report"),
}


def __getattr__(name: str) -> Any:
    """``reporting.trajectory_chart`` and the other chart and comparison names, as before the split."""
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'planning.frontends.reporting' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
