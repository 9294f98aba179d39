"""The pages of the mid-term (2025) and final (2030) report (``notebooks/progress_report.ipynb``).

One page for the district and one per commune (the four communes of 1 July 2025), each with
the poverty path: the review series (2021–2025), the rates reported in the monitoring
workbook, the target path and the model's projection of the district plan (mean and 90 %
band of a :class:`~planning.models.results.Result`), then every other target of that level with its
value, path, goal and status in the report year. Text is Markdown in one language (``lang``),
numbers in that language's style; rates are shown in percent.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planning.analyses.progress import Progress, headline, unit_sentence
from planning.basics.i18n import label
from planning.frontends.progress_report import md_table, summary_sentence, summary_table
from planning.stores.monitoring import reporting_units
from planning.stores.targets import STATUS_LABELS, format_value, goal_text

__all__ = [
    "commune_page", "communes", "district_page", "poverty_chart", "projection_sentence", "summary_markdown", "title",
]


def _poverty_target(p: Progress, level: str) -> str | None:
    """The poverty-rate target of ``level`` (the one filled from the review series)."""
    return next((t.id for t in p.register.at_level(level) if t.from_review), None)


def title(p: Progress, lang: str = "vi") -> str:
    """The report's heading: mid-term (baseline year), final (plan's last year) or the year's."""
    vi = lang == "vi"
    y = p.report_year
    if y == p.register.baseline_year:
        kind = f"Báo cáo giữa kỳ (năm {y})" if vi else f"Mid-term report ({y})"
    elif y == p.register.period_end:
        kind = f"Báo cáo cuối kỳ (năm {y})" if vi else f"Final report ({y})"
    else:
        kind = f"Báo cáo tiến độ năm {y}" if vi else f"Progress report, {y}"
    return f"# {p.register.title[lang]}\n\n## {kind}"


def summary_markdown(p: Progress, lang: str = "vi") -> str:
    """The summary sentence and the table of every target's status in the report year."""
    return f"{summary_sentence(p, lang)}\n\n{md_table(summary_table(p, lang))}"


def projection_sentence(result: Any, unit: str, lang: str = "vi") -> str:
    """The model's projected poverty rate of ``unit`` at the plan's end (mean, 90 % band) and
    the probability of being below the target."""
    from planning.frontends.reporting import fmt_pct

    s = result.summary()
    r = s[(s["unit"] == unit) & (s["year"] == result.years[-1])].iloc[0]
    name = result.units.name(unit, lang)
    target = fmt_pct(result.plan.target_rate, lang, 0)  # type: ignore[arg-type]
    mean, lo, hi = (fmt_pct(r[c], lang, 1) for c in ("poverty_rate_mean", "poverty_rate_p05", "poverty_rate_p95"))  # type: ignore[arg-type]
    prob = fmt_pct(r["prob_below_target"], lang, 0)  # type: ignore[arg-type]
    if lang == "vi":
        return (f"Mô hình dự báo cho {name} theo kế hoạch của huyện, năm {result.years[-1]}: tỷ lệ hộ nghèo "
                f"trung bình {mean} (khoảng 90%: {lo}–{hi}); xác suất dưới {target}: {prob}.")
    return (f"The model's projection for {name} under the district plan, {result.years[-1]}: mean poverty rate "
            f"{mean} (90% band: {lo}–{hi}); probability below {target}: {prob}.")


def poverty_chart(p: Progress, result: Any, unit: str, lang: str = "vi") -> Any:
    """A matplotlib Figure of ``unit``'s poverty rate (percent): review series, reported rates,
    the target path, the model's projection (mean and 90 % band) and the 1 % line."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from planning.frontends.reporting import fmt_number

    level = "district" if unit == "district" else "commune"
    tid = _poverty_target(p, level)
    fig = Figure(figsize=(6.4, 3.2), dpi=72)
    ax = fig.add_subplot()
    rev = p.review[p.review["unit"] == unit].sort_values("year")
    rev = rev[rev["year"] <= p.register.baseline_year]
    if not rev.empty:
        illus = any(p.review_status.get(int(y)) != "observed" for y in rev["year"])
        ax.plot(rev["year"], rev["rate"], color="#333333", marker="s", ms=4, lw=1.5,
                label=label("review_history_illustrative" if illus else "review_history", lang))  # type: ignore[arg-type]
    s = result.summary()
    m = s[s["unit"] == unit].sort_values("year")
    ax.fill_between(m["year"], 100 * m["poverty_rate_p05"], 100 * m["poverty_rate_p95"], color="#1f5fa8", alpha=0.15,
                    label=label("band90", lang))  # type: ignore[arg-type]
    ax.plot(m["year"], 100 * m["poverty_rate_mean"], color="#1f5fa8", lw=1.5, label=label("projection_mean", lang))  # type: ignore[arg-type]
    if tid is not None:
        r = p.rows(tid, unit).sort_values("year")
        ax.plot(r["year"], r["target_value"], ls="--", color="#d9822b", lw=1.2,
                label={"vi": "Lộ trình chỉ tiêu", "en": "Target path"}[lang])
        rep = r[r["value_source"] == "workbook"]
        ax.plot(rep["year"], rep["value"], ls="none", marker="o", color="#c0392b",
                label={"vi": "Số báo cáo", "en": "Reported"}[lang])
    ax.axhline(100 * result.plan.target_rate, ls=":", color="#c0392b", lw=1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{fmt_number(v, lang, 0)}%"))  # type: ignore[arg-type]
    ax.set_title(f"{label('poverty_rate', lang)} — {p.units.name(unit, lang)}", fontsize=10)  # type: ignore[arg-type]
    ax.legend(fontsize=7, frameon=False, loc="upper right")
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.1, top=0.9)
    return fig


def _targets_table(p: Progress, unit: str, level: str, lang: str) -> pd.DataFrame:
    vi = lang == "vi"
    y = p.report_year
    rows = []
    for t in p.register.at_level(level):
        at = p.at(t.id, unit, y)
        rows.append({
            "Chỉ tiêu" if vi else "Target": t.label(lang),
            f"{'Giá trị' if vi else 'Value'} {y}": format_value(t, None if at is None else at["value"], lang),
            f"{'Lộ trình' if vi else 'Path'} {y}": format_value(t, None if at is None else at["target_value"], lang),
            "Mục tiêu" if vi else "Goal": goal_text(t, lang),
            "Trạng thái" if vi else "Status": STATUS_LABELS["no_data" if at is None else at["status"]][lang],
        })
    return pd.DataFrame(rows)


def district_page(p: Progress, result: Any, lang: str = "vi") -> str:
    """The district page (Markdown): headlines of the district targets, the projection and a table."""
    vi = lang == "vi"
    lines = [f"## {p.units.name('district', lang)}", "", projection_sentence(result, "district", lang), ""]
    lines += [f"- {headline(p, t.id, lang)[1]}" for t in p.register.at_level("district")]
    lines += ["", md_table(_targets_table(p, "district", "district", lang)), ""]
    if p.report_year >= 2027:
        lines.append("Từ năm 2027 tỷ lệ hộ nghèo tính theo chuẩn mới (Nghị định 351/2025)." if vi else
                     "From 2027 the poverty rate is counted under the new standard (Decree 351/2025).")
    return "\n".join(lines)


def commune_page(p: Progress, result: Any, unit: str, lang: str = "vi") -> str:
    """One commune's page (Markdown): the projection, one sentence per commune target, a table."""
    lines = [f"## {p.units.name(unit, lang)}", "", projection_sentence(result, unit, lang), ""]
    lines += [f"- {unit_sentence(p, t.id, unit, lang)}" for t in p.register.at_level("commune")]
    lines += ["", md_table(_targets_table(p, unit, "commune", lang))]
    return "\n".join(lines)


def communes(p: Progress) -> list[str]:
    """The communes that have a page, in reporting order."""
    return reporting_units("commune", p.units)
