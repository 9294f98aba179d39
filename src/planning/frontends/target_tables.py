"""The tables of the what-it-takes report (``notebooks/what_it_takes.ipynb``) and of the
dashboard's answer: cost curve, who the poor are, breakeven, communes and what one more billion
buys. Built here, not in the notebook, as the scenario report's are (frontends/reporting.py);
each is a display table whose numbers are written in the language's one format. Money in
the cost curve is billion VND; rates are shares.
"""

from __future__ import annotations

import pandas as pd

from planning.analyses.target import WhatItTakes
from planning.analyses.target_text import ASSUMPTIONS, PARTS, growth_percent
from planning.basics.i18n import Lang
from planning.basics.numbers import fmt_number
from planning.basics.tables import kind_table
from planning.frontends.plan_tables import stream_value_table

__all__ = ["breakeven_table", "communes_table", "curve_table", "decomposition_table", "streams_table",
           "thresholds_table"]


def _t(vi: str, en: str, lang: Lang) -> str:
    return vi if lang == "vi" else en


def curve_table(w: WhatItTakes, lang: Lang = "vi") -> pd.DataFrame:
    """The cost curve: times the plan's money, billion VND, 2030 rate, chance of < target,
    households lifted and marginal cost per household (million VND)."""
    c = w.curve
    return kind_table([
        (_t("Số lần kinh phí kế hoạch", "Times the plan's budget", lang), "text",
         [fmt_number(v, lang, 2) for v in c["budget_scale"]]),
        (_t("Kinh phí (tỷ đồng)", "Budget (billion VND)", lang), "text",
         [fmt_number(v / 1000, lang, 1) for v in c["total_budget"]]),
        (_t("Tỷ lệ hộ nghèo 2030 (TB)", "2030 poverty rate (mean)", lang), "rate", c["rate_2030_mean"]),
        (_t("Khả năng dưới 1%", "Chance of below 1%", lang), "prob", c["p_below_target"]),
        (_t("Hộ thoát nghèo thêm", "Households lifted", lang), "count", c["households_lifted"]),
        (_t("Chi phí biên (triệu đồng/hộ)", "Marginal cost (million VND per household)", lang), "money",
         c["marginal_cost_per_household"]),
        (_t("Theo quy tắc tốt nhất: tỷ lệ 2030", "Best allocation rule: 2030 rate", lang), "rate",
         c["rule_rate_2030_mean"]),
        (_t("Theo quy tắc tốt nhất: khả năng", "Best allocation rule: chance", lang), "prob",
         c["rule_p_below_target"]),
    ])


def thresholds_table(w: WhatItTakes, lang: Lang = "vi") -> pd.DataFrame:
    """The smallest budgets for a 50 % and an 80 % chance: with the allocation optimised and
    with the best allocation rule (times the plan's budget and billion VND)."""
    th = w.thresholds
    none = "không đạt" if lang == "vi" else "not reached"

    def times(v: float) -> str:
        return none if pd.isna(v) else fmt_number(v, lang, 1)

    def bn(v: float) -> str:
        return none if pd.isna(v) else fmt_number(v / 1000, lang, 1)

    return kind_table([
        (_t("Khả năng", "Chance", lang), "prob", th["probability"]),
        (_t("Phân bổ tối ưu: số lần kinh phí", "Optimised allocation: times the budget", lang), "text",
         [times(v) for v in th["budget_scale"]]),
        (_t("Phân bổ tối ưu: tỷ đồng", "Optimised allocation: billion VND", lang), "text",
         [bn(v) for v in th["total_budget"]]),
        (_t("Quy tắc tốt nhất: số lần kinh phí", "Best rule: times the budget", lang), "text",
         [times(v) for v in th["budget_scale_rule"]]),
        (_t("Quy tắc tốt nhất: tỷ đồng", "Best rule: billion VND", lang), "text",
         [bn(v) for v in th["total_budget_rule"]]),
    ])


def decomposition_table(w: WhatItTakes, lang: Lang = "vi") -> pd.DataFrame:
    """The 2030 poor by history: households and percentage points of the rate."""
    d = w.decomposition
    return kind_table([
        (_t("Nhóm", "Part", lang), "text", [PARTS[p][0 if lang == "vi" else 1] for p in d["part"]]),
        (_t("Số hộ", "Households", lang), "count", d["households"]),
        (_t("Điểm %", "Percentage points", lang), "text", [fmt_number(v * 100, lang, 2) for v in d["rate"]]),
    ])


def breakeven_table(w: WhatItTakes, lang: Lang = "vi") -> pd.DataFrame:
    """Each key assumption today and the value it would need for a 50 % chance."""
    b = w.breakeven
    vi = lang == "vi"

    def needed(r: pd.Series) -> str:
        if not r["reachable"]:
            return "không đạt trong phạm vi đã xét" if vi else "not reached within the range searched"
        if r["assumption"] == "income_growth":
            return fmt_number(growth_percent(r["value_needed"]), lang, 1) + ("% một năm" if vi else "% a year")
        return fmt_number(r["value_needed"], lang, 2) + (" lần hiện nay" if vi else " × today's")

    today = [fmt_number(growth_percent(r["current_value"]), lang, 1) + "%" if r["assumption"] == "income_growth"
             else "1" for _, r in b.iterrows()]
    return kind_table([
        (_t("Giả định", "Assumption", lang), "text", [ASSUMPTIONS[a][0 if vi else 1] for a in b["assumption"]]),
        (_t("Hiện nay", "Today", lang), "text", today),
        (_t("Cần để có khả năng 50%", "Needed for a 50% chance", lang), "text", [needed(r) for _, r in b.iterrows()]),
    ])


def communes_table(w: WhatItTakes, lang: Lang = "vi") -> pd.DataFrame:
    """Each reported unit's chance at the plan's money and the multiples for 50 % and 80 %."""
    cm = w.communes
    return kind_table([
        (_t("Đơn vị", "Unit", lang), "text", cm["name"] if lang == "vi" else cm["name_en"]),
        (_t("Khả năng dưới 1% với kinh phí kế hoạch", "Chance of below 1% with the plan's budget", lang), "prob",
         cm["p_below_target_at_plan"]),
        (_t("Số lần kinh phí cho khả năng 50%", "Times the budget for a 50% chance", lang), "text",
         [fmt_number(v, lang, 1) for v in cm["smallest_scale_p50"]]),
        (_t("… cho khả năng 80%", "… for an 80% chance", lang), "text",
         [fmt_number(v, lang, 1) for v in cm["smallest_scale_p80"]]),
    ])


def streams_table(w: WhatItTakes, lang: Lang = "vi") -> pd.DataFrame:
    """What one more billion VND buys, per component (best first), and which streams may pay."""
    return stream_value_table(w.streams, lang)
