"""What it would take, in words and a chart: the paragraph an officer reads aloud, the
markdown report and the cost curve. Numbers in each language's one format (vi 1.234,5 and
6,4 %; en 1,234.5 and 6.4 %). Money in the text is billion VND (tỷ đồng) for readability."""

from __future__ import annotations

import math
from typing import Any, Protocol

import pandas as pd

from planning.basics.i18n import Lang
from planning.basics.numbers import fmt_number, fmt_pct


class WhatItTakes(Protocol):
    """What the text needs of :class:`planning.analyses.target.WhatItTakes` (a protocol, so that the
    answer can call its text without the text importing the answer back)."""

    prep: Any
    curve: pd.DataFrame
    thresholds: pd.DataFrame
    breakeven: pd.DataFrame
    decomposition: pd.DataFrame
    streams: pd.DataFrame

    @property
    def target(self) -> float: ...

    @property
    def end_year(self) -> int: ...

#: labels of the decomposition parts and breakeven assumptions
PARTS = {
    "poor_unreached": ("hộ nghèo từ đầu kỳ chưa được chương trình nào hỗ trợ",
                       "poor since 2025 and never reached by a programme"),
    "poor_reached": ("hộ nghèo từ đầu kỳ đã được hỗ trợ nhưng chưa thoát nghèo",
                     "poor since 2025, reached but not yet out of poverty"),
    "poor_re": ("hộ tái nghèo (đã thoát rồi lại nghèo)", "re-poor (escaped, then fell back)"),
    "poor_new": ("hộ nghèo phát sinh", "newly poor"),
    "poor_switch": ("hộ trở thành nghèo do đổi chuẩn năm 2027", "made poor by the 2027 change of standard"),
    "total": ("tổng", "total"),
}
ASSUMPTIONS = {
    "repoverty": ("nguy cơ tái nghèo của hộ mới thoát nghèo", "re-poverty risk of newly escaped households"),
    "new_poverty": ("nguy cơ gặp rủi ro (nghèo phát sinh) của các hộ khác", "setback risk (new poverty) of other households"),
    "income_growth": ("tốc độ tăng thu nhập của hộ quanh chuẩn nghèo", "income growth of households near the line"),
    "unit_costs": ("chi phí mỗi hộ được hỗ trợ", "cost per household supported"),
    "effects": ("hiệu quả của mỗi suất hỗ trợ", "effect of each package of support"),
    "coverage_limits": ("giới hạn độ bao phủ của chương trình", "coverage limits of the programmes"),
    "switch_size": ("số hộ trở thành nghèo do đổi chuẩn năm 2027", "households made poor by the 2027 switch"),
}


def _bn(million: float, lang: Lang) -> str:
    """Million VND as billion VND with the language's format."""
    return fmt_number(million / 1000.0, lang, 1)


def _article(number: str) -> str:
    """English article before a written number: "an" where it is said with a vowel sound
    (8, 11, 18, 80–89, 8,000, 11,000 …), else "a"."""
    lead = number.split(",")[0].split(".")[0].rstrip("%")
    return "an" if lead.startswith("8") or lead in ("11", "18") else "a"


def _scale(x: float, lang: Lang) -> str:
    return fmt_number(x, lang, 1 if x < 10 else 0)


def paragraph(w: WhatItTakes, lang: Lang = "vi") -> str:
    """The answer to 'with our money, how likely is < 1 % by the end year, and what would it take?'."""
    c = w.curve
    plan = c.loc[(c["budget_scale"] - 1.0).abs().idxmin()]
    total = float(w.prep.amounts.sum())
    y0, y1 = w.prep.years[0], w.end_year
    tgt = fmt_pct(w.target, lang, 0)
    dec = w.decomposition.set_index("part")
    parts = [p for p in ("poor_unreached", "poor_reached", "poor_re", "poor_new", "poor_switch")
             if p in dec.index]
    i = 0 if lang == "vi" else 1
    parts_txt = "; ".join(f"{fmt_number(dec.loc[p, 'rate'] * 100, lang, 1)} {'điểm %' if lang == 'vi' else 'pp'} "
                          f"{PARTS[p][i]}" for p in parts)
    th = w.thresholds.set_index("probability")
    need = []
    for p in (0.5, 0.8):
        if p not in th.index:
            continue
        r = th.loc[p]
        if bool(r["reached"]):
            rule_k = float(r["budget_scale_rule"]) if "budget_scale_rule" in r and pd.notna(r["budget_scale_rule"]) \
                else math.nan
            need.append((p, float(r["budget_scale"]), float(r["total_budget"]), rule_k))
    optimised = "allocation" in c and plan.get("allocation") == "optimum"
    maxs = float(c["budget_scale"].max())
    be = w.breakeven
    ok = be[be["reachable"]]
    cal = w.prep.calibration
    if lang == "vi":
        s = (f"Với kinh phí kế hoạch ({_bn(total, lang)} tỷ đồng cho {y0}–{y1}), tỷ lệ hộ nghèo năm {y1} theo "
             f"chuẩn mới dự kiến khoảng {fmt_pct(plan['rate_2030_mean'], lang, 1)} (khoảng 90%: "
             f"{fmt_pct(plan['rate_2030_p05'], lang, 1)}–{fmt_pct(plan['rate_2030_p95'], lang, 1)}); khả năng đạt "
             f"dưới {tgt} là {fmt_pct(plan['p_below_target'], lang, 0)}")
        if optimised:
            s += (f", khi phân bổ tối ưu giữa các xã và hợp phần (theo quy tắc phân bổ tốt nhất: "
                  f"{fmt_pct(plan['rule_rate_2030_mean'], lang, 1)} và {fmt_pct(plan['rule_p_below_target'], lang, 0)})")
        s += ". "
        if need:
            s += "Để có " + ("; " if optimised else " và ").join(
                f"khả năng {fmt_pct(p, lang, 0)} cần khoảng {_scale(k, lang)} lần kinh phí kế hoạch "
                f"({_bn(m, lang)} tỷ đồng)" + (f", {_scale(rk, lang)} lần nếu theo quy tắc phân bổ tốt nhất"
                                               if optimised and rk > k * 1.005 else "")
                for p, k, m, rk in need) + ". "
            if len(need) < 2:
                s += f"Không mức kinh phí nào đến {_scale(maxs, lang)} lần đạt khả năng 80%. "
        else:
            s += (f"Không mức kinh phí nào đến {_scale(maxs, lang)} lần kinh phí kế hoạch đạt khả năng 50%. ")
        s += f"Tỷ lệ năm {y1} gồm: {parts_txt}. "
        if len(ok):
            s += ("Với đúng kinh phí kế hoạch, mục tiêu có khả năng 50% nếu: " + "; ".join(
                _breakeven_text(r, lang) for _, r in ok.iterrows()) + ". ")
        else:
            s += "Với đúng kinh phí kế hoạch, không giả định nào trong phạm vi đã xét đủ để đạt mục tiêu. "
        s += ("Các con số phụ thuộc vào số liệu minh hoạ và các giả định có khoảng bất định rộng "
              "(xem bảng giả định nào phải khác đi).")
        if cal:
            s += " Tốc độ tăng thu nhập và rủi ro được hiệu chỉnh theo số liệu công bố của tỉnh Sơn La."
        s += streams_text(w, lang)
    else:
        s = (f"With the plan's budget ({_bn(total, lang)} billion VND for {y0}–{y1}), the {y1} poverty rate under "
             f"the new standard is expected at about {fmt_pct(plan['rate_2030_mean'], lang, 1)} (90% range "
             f"{fmt_pct(plan['rate_2030_p05'], lang, 1)}–{fmt_pct(plan['rate_2030_p95'], lang, 1)}); the chance of "
             f"being below {tgt} is {fmt_pct(plan['p_below_target'], lang, 0)}")
        if optimised:
            s += (f", with the money allocated optimally across communes and components (with the best "
                  f"allocation rule: {fmt_pct(plan['rule_rate_2030_mean'], lang, 1)} and "
                  f"{fmt_pct(plan['rule_p_below_target'], lang, 0)})")
        s += ". "
        if need:
            parts = [f"{_article(fmt_pct(p, lang, 0))} {fmt_pct(p, lang, 0)} chance would take about "
                     f"{_scale(k, lang)} times the plan's budget ({_bn(m, lang)} billion VND)"
                     + (f", {_scale(rk, lang)} times with the best allocation rule" if optimised and rk > k * 1.005
                        else "")
                     for p, k, m, rk in need]
            text = ("; " if optimised else " and ").join(parts)
            s += text[0].upper() + text[1:] + ". "
            if len(need) < 2:
                s += f"No budget up to {_scale(maxs, lang)} times reaches an 80% chance. "
        else:
            s += f"No budget up to {_scale(maxs, lang)} times the plan's reaches a 50% chance. "
        s += f"The {y1} rate is made of: {parts_txt}. "
        if len(ok):
            s += ("With the plan's own budget, the target would have a 50% chance if: " + "; ".join(
                _breakeven_text(r, lang) for _, r in ok.iterrows()) + ". ")
        else:
            s += "With the plan's own budget, no assumption within the ranges searched is enough. "
        s += "The figures rest on illustrative data and on assumptions with wide ranges (see the table of the assumptions that would have to differ)."
        if cal:
            s += " Income growth and setback risk are calibrated to Sơn La province's published figures."
        s += streams_text(w, lang)
    return s


def streams_text(w: WhatItTakes, lang: Lang) -> str:
    """The scenario's streams of money and which extra billion buys the most ('' without them)."""
    from planning.stores.allocation import scenario_streams
    from planning.stores.streams import FILE_NAME, load_funding_streams

    out = ""
    prep = w.prep
    by_stream = scenario_streams(prep.loaded, prep.book)
    if by_stream:
        streams = load_funding_streams(prep.loaded.baseline_dir / FILE_NAME, prep.book.ids)
        items = []
        loans = False
        for sid, arr in by_stream.items():
            st = streams.stream(sid)
            loans |= st.kind == "loan"
            items.append(f"{st.name(lang)} {_bn(float(arr.sum()), lang)} {'tỷ đồng' if lang == 'vi' else 'bn VND'}")
        if lang == "vi":
            out += f" Kịch bản gồm {len(items)} nguồn vốn: " + "; ".join(items) + "."
            if loans:
                out += " Với vốn vay, con số là số tiền cho vay; mô hình tính chi phí ngân sách của khoản vay."
        else:
            out += f" The scenario holds {len(items)} streams of money: " + "; ".join(items) + "."
            if loans:
                out += " For loans the figure is the volume lent; the model counts the loans' budget cost."
    v = w.streams
    if len(v):
        grants = v[v["kind"] == "grant"].drop_duplicates("component")
        if len(grants) >= 4:
            name = "component_vi" if lang == "vi" else "component_en"
            top = [f"{r[name].lower()} ({fmt_number(r['households_lifted_per_bn_vnd'], lang, 1)})"
                   for _, r in grants.head(3).iterrows()]
            low = grants.iloc[-1]
            low_txt = f"{low[name].lower()} ({fmt_number(low['households_lifted_per_bn_vnd'], lang, 2)})"
            if lang == "vi":
                out += (" Mỗi tỷ đồng vốn không hoàn lại chi thêm giúp nhiều hộ thoát nghèo nhất khi dành cho "
                        + ", ".join(top) + " hộ/tỷ đồng; ít nhất khi dành cho " + low_txt + " hộ/tỷ đồng.")
            else:
                out += (" An extra billion VND of grant money lifts the most households when spent on "
                        + ", ".join(top) + " households per billion; the fewest on " + low_txt + ".")
    return out


def growth_percent(log_points: float) -> float:
    """Yearly growth in percent for a growth in log points (0.0718 → 7.4 %)."""
    return (math.exp(log_points) - 1.0) * 100.0


def _breakeven_text(r: Any, lang: Lang) -> str:
    i = 0 if lang == "vi" else 1
    name = ASSUMPTIONS[r["assumption"]][i]
    v = float(r["value_needed"])
    if r["assumption"] == "income_growth":
        cur = float(r["current_value"])
        a, b = fmt_number(growth_percent(v), lang, 1), fmt_number(growth_percent(cur), lang, 1)
        return (f"{name} đạt {a}% một năm thay vì {b}%" if lang == "vi"
                else f"{name} reached {a}% a year instead of {b}%")
    if v > 1.0:
        k = fmt_number(v, lang, 1)
        return f"{name} gấp {k} lần mức hiện nay" if lang == "vi" else f"{name} were {k} times today's"
    k = fmt_number(v * 100, lang, 0)
    return f"{name} chỉ bằng {k}% mức hiện nay" if lang == "vi" else f"{name} were {k}% of today's"


def markdown(w: WhatItTakes) -> str:
    """what_it_takes.md: both paragraphs and the key tables (numbers formatted per language)."""
    c = w.curve
    lines = ["# Cần gì để đạt mục tiêu / What it would take", "",
             f"*{w.prep.loaded.scenario.title.vi} / {w.prep.loaded.scenario.title.en}*", "",
             "## Tiếng Việt", "", paragraph(w, "vi"), "", "## English", "", paragraph(w, "en"), "",
             "## Đường chi phí / Cost curve", "",
             "| Lần kinh phí / Budget × | Tỷ đồng / bn VND | Tỷ lệ 2030 (TB) / 2030 rate (mean) | Khoảng 90% / 90% range "
             "| Khả năng dưới 1% / Chance below 1% | Hộ thoát nghèo thêm / Households lifted | Chi phí biên (triệu đồng/hộ) / Marginal cost (M VND/household) "
             "| Quy tắc tốt nhất: tỷ lệ, khả năng / Best rule: rate, chance |",
             "|---|---|---|---|---|---|---|---|"]
    for _, r in c.iterrows():
        rule = (f"{fmt_pct(r['rule_rate_2030_mean'], 'vi', 1)}; {fmt_pct(r['rule_p_below_target'], 'vi', 0)}"
                if "rule_rate_2030_mean" in r else "")
        lines.append(
            f"| {fmt_number(r['budget_scale'], 'vi', 2)} | {fmt_number(r['total_budget'] / 1000, 'vi', 1)} "
            f"| {fmt_pct(r['rate_2030_mean'], 'vi', 1)} | {fmt_pct(r['rate_2030_p05'], 'vi', 1)}–"
            f"{fmt_pct(r['rate_2030_p95'], 'vi', 1)} | {fmt_pct(r['p_below_target'], 'vi', 0)} "
            f"| {fmt_number(r['households_lifted'], 'vi', 0)} | {fmt_number(r['marginal_cost_per_household'], 'vi', 0)} "
            f"| {rule} |")
    lines += ["", "*Phân bổ tối ưu giữa các xã và hợp phần ở mỗi mức kinh phí; quy tắc tốt nhất để so sánh. / "
              "The allocation is optimised across communes and components at every budget level; the best "
              "allocation rule beside it for comparison.*", ""]
    lines += _assumptions_table(w)
    lines += ["*(Số viết theo kiểu Việt Nam: 1.234,5 / numbers in Vietnamese style: 1.234,5 = 1,234.5.)*", ""]
    return "\n".join(lines) + "\n"


def _assumptions_table(w: WhatItTakes) -> list[str]:
    """The assumptions table the paragraphs point to: each key assumption now, the value at which
    the plan's own budget would have a 50 % chance, and the chance now and at the searched limit
    (the report's section "Giả định nào phải khác đi")."""
    lines = ["## Giả định nào phải khác đi / Which assumptions would have to differ", "",
             "| Giả định / Assumption | Hiện nay / Now | Cần để có khả năng 50% / Needed for a 50% chance "
             "| Khả năng hiện nay / Chance now | Khả năng ở giới hạn đã xét / Chance at the limit searched |",
             "|---|---|---|---|---|"]

    def value(v: float, growth: bool) -> str:
        return f"{fmt_number(growth_percent(v), 'vi', 1)}%/năm" if growth else f"{fmt_number(v, 'vi', 2)} ×"

    for _, r in w.breakeven.iterrows():
        vi, en = ASSUMPTIONS[r["assumption"]]
        growth = r["assumption"] == "income_growth"
        limit = value(float(r["limit_searched"]), growth)
        needed = (value(float(r["value_needed"]), growth) if bool(r["reachable"])
                  else f"không đạt, kể cả ở {limit} / not reached, even at {limit}")
        lines.append(f"| {vi} / {en} | {value(float(r['current_value']), growth)} | {needed} "
                     f"| {fmt_pct(float(r['p_now']), 'vi', 0)} | {fmt_pct(float(r['p_at_limit']), 'vi', 0)} |")
    lines += ["", "*× : số lần mức hiện nay; %/năm: tăng thu nhập mỗi năm. / ×: times today's value; "
              "%/năm: income growth a year.*", ""]
    return lines


def cost_curve_chart(w: WhatItTakes, lang: Lang = "vi", ax: Any = None) -> Any:
    """2030 rate (mean and 90 % band) and P(< target) against the budget multiple (log scale)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    c = w.curve[w.curve["budget_scale"] > 0]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.2))
    x = c["budget_scale"].to_numpy(float)
    ax.fill_between(x, c["rate_2030_p05"] * 100, c["rate_2030_p95"] * 100, alpha=0.25, color="#1f5fa8",
                    label="khoảng 90%" if lang == "vi" else "90% range")
    ax.plot(x, c["rate_2030_mean"] * 100, color="#1f5fa8", marker="o", ms=3,
            label=f"tỷ lệ hộ nghèo {w.end_year}" if lang == "vi" else f"{w.end_year} poverty rate")
    if "rule_rate_2030_mean" in c and (c["allocation"] == "optimum").any():
        ax.plot(x, c["rule_rate_2030_mean"] * 100, color="#1f5fa8", linestyle=":", lw=1,
                label="theo quy tắc phân bổ tốt nhất" if lang == "vi" else "with the best allocation rule")
    ax.axhline(w.target * 100, color="#c0392b", linestyle="--",
               label=f"mục tiêu {fmt_pct(w.target, lang, 0)}" if lang == "vi" else f"target {fmt_pct(w.target, lang, 0)}")
    ax.axvline(1.0, color="grey", linestyle=":")
    ax.text(1.0, ax.get_ylim()[1] * 0.95, " kế hoạch" if lang == "vi" else " plan", color="grey", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("Số lần kinh phí kế hoạch" if lang == "vi" else "Times the plan's budget")
    ax.set_ylabel("Tỷ lệ hộ nghèo (%)" if lang == "vi" else "Poor households (%)")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_number(v, lang, 0 if v >= 1 else 2)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_number(v, lang, 0)))
    ax2 = ax.twinx()
    ax2.plot(x, c["p_below_target"] * 100, color="#6a8d2f", marker="s", ms=3,
             label=f"khả năng dưới {fmt_pct(w.target, lang, 0)}" if lang == "vi"
             else f"chance below {fmt_pct(w.target, lang, 0)}")
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("Khả năng (%)" if lang == "vi" else "Chance (%)")
    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_number(v, lang, 0)))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper right")
    ax.set_title("Cần bao nhiêu kinh phí để đạt dưới 1%?" if lang == "vi" else "How much money for below 1%?")
    return ax
