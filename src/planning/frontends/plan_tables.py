"""Tables of the whole plan for reports and the dashboard: deprivation by indicator, money by
funding stream, and which extra billion buys the most (issue 19). Each is a display table
(:func:`planning.basics.tables.kind_table`) whose numbers the report's styler writes in the
language's one format; rates are shares, money million VND.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from planning.basics.i18n import Lang, label
from planning.basics.numbers import fmt_number, fmt_pct
from planning.basics.tables import kind_table
from planning.models.results import Result
from planning.stores.programmes import ProgrammeBook
from planning.stores.scenario import LoadedScenario
from planning.stores.standards import list_standards

__all__ = ["indicator_name", "indicator_table", "stream_money_table", "stream_value_table"]


@lru_cache(maxsize=4)
def _indicator_names(data: Path | None) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for std in list_standards(data):
        for ind in std.indicators:
            out.setdefault(ind.id, {"vi": ind.name("vi"), "en": ind.name("en")})
    return out


def indicator_name(ind: str, lang: Lang = "vi", data: Path | None = None) -> str:
    """The standards' name of indicator ``ind`` in ``lang``."""
    return _indicator_names(data).get(ind, {}).get(lang, ind)


def indicator_table(result: Result, lang: Lang = "vi", level: str = "district", unit: str = "district") -> pd.DataFrame:
    """Share of households deprived in each indicator (mean over draws) per year, with the end
    year's 90 % range and the change from the first year the indicator is counted (points).
    Rows: the indicators of the end year's standard, then those dropped from it (blank where an
    indicator is not in force)."""
    d = result.deprivations()
    d = d[(d["level"] == level) & (d["unit"] == unit)]
    end = result.years[-1]
    order = list(result.indicators_in_force[-1]) + [i for i in result.indicator_ids
                                                    if i in set(d["indicator"]) and i not in result.indicators_in_force[-1]]
    wide = d.pivot_table(index="indicator", columns="year", values="share_deprived_mean").reindex(index=order)
    last = d[d["year"] == end].set_index("indicator").reindex(order)
    first = wide.apply(lambda r: r.dropna().iloc[0] if r.notna().any() else np.nan, axis=1)
    cols = [(label("indicator", lang), "text", [indicator_name(i, lang) for i in order])]
    for y in result.years:
        cols.append((str(y), "rate", wide.get(y, pd.Series(np.nan, index=order)).to_numpy(float)))
    lo, hi = last["share_deprived_p05"].to_numpy(float), last["share_deprived_p95"].to_numpy(float)
    cols.append((label("range_90_end", lang), "text",
                 ["" if np.isnan(a) else f"{fmt_pct(a, lang, 1)}–{fmt_pct(b, lang, 1)}" for a, b in zip(lo, hi, strict=True)]))
    cols.append((label("change_pp", lang), "pp", ((wide[end] - first) * 100.0).to_numpy(float)))
    return kind_table(cols, index=order)


def stream_money_table(scenario: str | Path | dict | LoadedScenario, lang: Lang = "vi",
                       book: ProgrammeBook | None = None) -> pd.DataFrame:
    """Money of each funding stream the scenario states, per year and in all (million VND; a
    loan stream's volume lent), with its kind; empty when the scenario states none."""
    from planning.stores.allocation import scenario_streams
    from planning.stores.programmes import load_programme_book
    from planning.stores.scenario import load_scenario
    from planning.stores.streams import FILE_NAME, load_funding_streams

    loaded = load_scenario(scenario)
    if book is None:
        book = load_programme_book(loaded.baseline_dir / "programmes.yaml", loaded.scenario.overrides.programmes,
                                   override_file=loaded.source)

    by_stream = scenario_streams(loaded, book)
    years = loaded.scenario.years
    head = [(label("stream", lang), "text"), *[(str(y), "money") for y in years], (label("total_period", lang), "money"),
            (label("stream_kind", lang), "text")]
    if not by_stream:
        return kind_table([(h, k, []) for h, k in head])
    streams = load_funding_streams(loaded.baseline_dir / FILE_NAME, book.ids)
    rows = []
    for sid, arr in by_stream.items():
        st = streams.stream(sid)
        rows.append([st.name(lang), *arr.sum(axis=0), float(arr.sum()), label(f"kind_{st.kind}", lang)])
    total = ["" if k == "text" else float(sum(r[i] for r in rows)) for i, (_, k) in enumerate(head)]
    total[0] = label("total", lang)
    rows.append(total)
    return kind_table([(h, k, [r[i] for r in rows]) for i, (h, k) in enumerate(head)],
                      index=[*by_stream, "total"])


def stream_value_table(values: pd.DataFrame, lang: Lang = "vi", top: int | None = None) -> pd.DataFrame:
    """``streams.csv`` of ``planning target`` for reading: per component (best first), the
    households lifted and the change of the end-year rate per extra billion VND of a grant, and
    the streams that may pay for it (a loan's billion buys its budget cost's share of that)."""
    grants = values[values["kind"] == "grant"]
    name = "component_vi" if lang == "vi" else "component_en"

    def who(g: pd.DataFrame) -> str:  # the streams' short names
        return "; ".join(label(f"stream_{sid}", lang) for sid in g["stream"])

    rows = []
    for cid, g in grants.groupby("component", sort=False):
        rows.append((cid, g[name].iloc[0], float(g["households_lifted_per_bn_vnd"].iloc[0]),
                     float(g["rate_2030_change_per_bn_vnd"].iloc[0]), who(values[values["component"] == cid])))
    for cid, g in values[values["kind"] == "loan"].groupby("component", sort=False):
        if cid not in grants["component"].to_numpy():
            rows.append((cid, g[name].iloc[0], float(g["households_lifted_per_bn_vnd"].iloc[0]),
                         float(g["rate_2030_change_per_bn_vnd"].iloc[0]), who(g)))
    rows.sort(key=lambda r: -r[2])
    rows = rows[:top] if top else rows
    return kind_table([
        (label("component", lang), "text", [r[1] for r in rows]),
        (label("lifted_per_bn", lang), "text", [fmt_number(r[2], lang, 2) for r in rows]),
        (label("rate_change_per_bn", lang), "text", [fmt_number(r[3], lang, 3) for r in rows]),
        (label("streams_paying", lang), "text", [r[4] for r in rows]),
    ], index=[r[0] for r in rows])


def stream_section_html(scenario: str | Path | dict | LoadedScenario, lang: Lang = "vi", *,
                        uuid: str = "report_streams") -> str:
    """The scenario report's streams section: a sentence and, when the scenario states funding
    streams, the table of their money (:func:`stream_money_table`)."""
    import html

    from planning.frontends.reporting import styled

    table = stream_money_table(scenario, lang)
    if len(table) == 0:
        text = ("Kịch bản này không ghi nguồn vốn: toàn bộ kinh phí là ngân sách giảm nghèo theo hợp phần "
                "(mục 4)." if lang == "vi" else
                "This scenario states no funding streams: all its money is the poverty budget by component "
                "(section 4).")
        return f"<p>{html.escape(text)}</p>"
    return styled(table, lang, uuid=uuid).to_html()
