"""Explanation of an optimum: marginal returns and the bilingual account of why.

One concept: saying why the optimum differs from the need-weighted rule. Marginal returns
per commune × component (``_marginals``, ``_explain``: fewer end-year poor households per
extra million VND, on common draws), and the bilingual (vi/en) texts built on them: the
one-paragraph message, the per-component table and the explanation markdown, mixed into
:class:`planning.analyses.optimize.Optimisation` by :class:`ExplanationMixin`.

Money is million VND (returns are shown per 1,000 million VND); rates are shares in [0, 1]
(shown in %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planning.analyses.allocation_search import BUILTIN_RULES, OPTIMUM, Settings, _Evaluator
from planning.analyses.constraints import Constraints, _build_problem, rule_amounts
from planning.basics.i18n import label
from planning.basics.numbers import fmt_number, fmt_pct
from planning.models.runner import Prepared

if TYPE_CHECKING:
    from planning.models.results import Result


def _pct(x: float, lang: str, digits: int = 2) -> str:
    """A share as a percentage in ``lang``'s one number style (:mod:`planning.basics.numbers`)."""
    return fmt_pct(x, lang, digits)  # type: ignore[arg-type]


def _num(x: float, lang: str, digits: int = 0, sign: bool = False) -> str:
    """A number in ``lang``'s one number style (vi ``1.234.567,8``, en ``1,234,567.8``)."""
    return fmt_number(x, lang, digits, sign=sign)  # type: ignore[arg-type]


def _marginals(prep: Prepared, amounts_list: Sequence[np.ndarray], cons: Constraints, budget: np.ndarray,
               settings: Settings) -> list[np.ndarray]:
    """Fewer poor households (end year, mean over draws) per extra million VND, per unit × column.

    The extra money follows the column's yearly profile (a component's profile in the
    scenario); every evaluation uses the same draws.
    """
    pb = _build_problem(prep, budget, cons)
    U, J = pb.shape
    # the marginal returns are shown to the planner, so they use more draws than the search
    # (common random numbers keep the differences precise; ~500k engine cells, 64–256 draws)
    n = min(prep.draws, int(np.clip(500_000 // max(U * J, 1), 64, 256)))
    step = np.maximum(0.01 * pb.scale, 1.0)  # million VND
    uu, jj = np.meshgrid(np.arange(U), np.arange(J), indexing="ij")
    uu, jj = uu.ravel(), jj.ravel()
    out = []
    with _Evaluator(prep, n, settings) as ev:
        for a in amounts_list:
            plus = a[uu] + step[jj][:, None, None] * pb.D[jj]
            base = ev.poor(np.arange(U), a).mean(axis=0)
            after = ev.poor(uu, plus).mean(axis=0)
            out.append(((base[uu] - after) / step[jj]).reshape(U, J))
    return out


def _explain(prep: Prepared, opt_amounts: np.ndarray, budget: np.ndarray, cons: Constraints,
             settings: Settings) -> pd.DataFrame:
    """Per unit × component: amounts (optimum, need-weighted, floor) and marginal returns."""
    nw = rule_amounts(prep, "need_weighted", budget)
    cons_c = replace(cons, by_year=False)
    m_nw, m_opt = _marginals(prep, [nw, opt_amounts], cons_c, budget, settings)
    units = prep.baseline.units
    ids = prep.book.ids
    rows = []
    for u, uid in enumerate(units.ids):
        for k, cid in enumerate(ids):
            a_opt, a_nw = float(opt_amounts[u, k].sum()), float(nw[u, k].sum())
            if a_opt == 0 and a_nw == 0:
                continue
            rows.append({"unit": uid, "name": units.name(uid, "vi"), "name_en": units.name(uid, "en"),
                         "component": cid, "amount_optimum": a_opt, "amount_need_weighted": a_nw,
                         "change": a_opt - a_nw, "change_pct": (a_opt / a_nw - 1.0) * 100 if a_nw > 0 else np.nan,
                         "floor": cons.need_floor_share * a_nw,
                         "marginal_need_weighted": float(m_nw[u, k]), "marginal_optimum": float(m_opt[u, k])})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------
# Bilingual texts (methods of Optimisation)


class ExplanationMixin:
    """The bilingual account of an :class:`~planning.analyses.optimize.Optimisation` (whose fields and
    ``comparison()`` these methods read)."""

    if TYPE_CHECKING:
        objective: str
        target: float
        probability: float | None
        constraints: Constraints
        result: Result
        prep: Prepared
        explanation: pd.DataFrame
        budget_scale: float
        reached: bool | None
        max_scale: float | None

        def comparison(self) -> pd.DataFrame: ...

    def message(self, lang: str = "vi") -> str:
        """A bilingual-ready one-paragraph account of the result in ``lang``."""
        comp = self.comparison().set_index("allocation")
        o = comp.loc[OPTIMUM]
        vi = lang == "vi"
        best_rule = comp.drop(index=[OPTIMUM]).sort_values("poverty_rate_end_mean").iloc[0]
        rule_name = label(f"rule_{best_rule.name}", lang) if best_rule.name in BUILTIN_RULES else best_rule.name  # type: ignore[arg-type]
        end = self.result.years[-1]
        lines = []
        if self.objective == "min-cost":
            cap_total = (self.max_scale or 0) * float(self.prep.amounts.sum())
            if self.reached:
                lines.append(
                    f"Ngân sách nhỏ nhất cho khả năng đạt dưới {_pct(self.target, lang, 0)} năm {end} từ {_pct(self.probability or 0, lang, 0)} trở lên: "
                    f"{_num(o['total_spending'], lang)} triệu đồng ({_num(self.budget_scale, lang, 2)} lần ngân sách kịch bản)."
                    if vi else
                    f"Smallest budget giving at least a {_pct(self.probability or 0, lang, 0)} chance of below {_pct(self.target, lang, 0)} in {end}: "
                    f"{_num(o['total_spending'], lang)} million VND ({_num(self.budget_scale, lang, 2)} × the scenario budget).")
            else:
                lines.append(
                    f"KHÔNG có mức ngân sách nào đến {_num(self.max_scale or 0, lang, 1)} lần ngân sách kịch bản "
                    f"({_num(cap_total, lang)} triệu đồng) cho khả năng đạt dưới {_pct(self.target, lang, 0)} năm {end} từ "
                    f"{_pct(self.probability or 0, lang, 0)} trở lên; ở mức trần, khả năng cao nhất là {_pct(o['prob_below_target'], lang, 0)} "
                    f"và tỷ lệ nghèo trung bình {_pct(o['poverty_rate_end_mean'], lang)}."
                    if vi else
                    f"NO budget up to {_num(self.max_scale or 0, lang, 1)} × the scenario budget "
                    f"({_num(cap_total, lang)} million VND) gives a {_pct(self.probability or 0, lang, 0)} chance of below "
                    f"{_pct(self.target, lang, 0)} in {end}; at the cap the best chance is {_pct(o['prob_below_target'], lang, 0)} "
                    f"with a mean poverty rate of {_pct(o['poverty_rate_end_mean'], lang)}.")
        lines.append(
            (f"Phân bổ tối ưu: tỷ lệ nghèo {end} trung bình {_pct(o['poverty_rate_end_mean'], lang)} "
             f"(quy tắc tốt nhất: {rule_name} {_pct(best_rule['poverty_rate_end_mean'], lang)}); "
             f"khả năng dưới {_pct(self.target, lang, 0)}: {_pct(o['prob_below_target'], lang, 0)}.")
            if vi else
            (f"Optimised allocation: mean {end} poverty rate {_pct(o['poverty_rate_end_mean'], lang)} "
             f"(best rule: {rule_name} {_pct(best_rule['poverty_rate_end_mean'], lang)}); "
             f"chance of below {_pct(self.target, lang, 0)}: {_pct(o['prob_below_target'], lang, 0)}."))
        if self.objective != "min-poverty" and float(comp["prob_below_target"].max()) == 0.0:
            lines.append(
                "Không phân bổ nào đạt mục tiêu trong bất kỳ lần mô phỏng nào; bộ tối ưu đã tối đa hoá xác suất "
                "làm trơn (đẩy các lần mô phỏng thuận lợi nhất về gần mục tiêu)." if vi else
                "No allocation reaches the target in any draw; the optimiser maximised the smoothed probability "
                "(pushing the most favourable draws towards the target).")
        return " ".join(lines)

    def component_explanation(self) -> pd.DataFrame:
        """Per component: totals (need-weighted, optimum; million VND), whether the optimum sits
        at the component's floor or ceiling, and the range over communes of the marginal
        return (fewer poor households per 1,000 million VND) under each allocation."""
        e = self.explanation
        base = self.prep.amounts.sum(axis=(0, 2)) * self.budget_scale  # the scenario's component totals
        rows = []
        for cid, g in e.groupby("component", sort=False):
            k = self.result.component_ids.index(cid)
            tot_opt, tot_nw = float(g["amount_optimum"].sum()), float(g["amount_need_weighted"].sum())
            c = self.constraints
            lo_m, hi_m = c.component_floor, c.component_ceiling
            status = ""
            if base[k] > 0 and abs(tot_opt - lo_m * base[k]) <= 1e-3 * base[k] + 1.0:
                status = "floor / sàn"
            elif base[k] > 0 and hi_m is not None and abs(tot_opt - hi_m * base[k]) <= 1e-3 * base[k] + 1.0:
                status = "ceiling / trần"
            above = g[g["amount_optimum"] > g["floor"] + 1e-6]
            opt = above if not above.empty else g
            rows.append({"component": cid, "amount_need_weighted": tot_nw, "amount_optimum": tot_opt,
                         "change": tot_opt - tot_nw, "status": status,
                         "return_nw_min": 1000 * float(g["marginal_need_weighted"].min()),
                         "return_nw_max": 1000 * float(g["marginal_need_weighted"].max()),
                         "return_opt_min": 1000 * float(opt["marginal_optimum"].min()),
                         "return_opt_max": 1000 * float(opt["marginal_optimum"].max())})
        return pd.DataFrame(rows)

    def explanation_markdown(self, lang: str | None = None) -> str:
        """Bilingual markdown: how the optimum differs from the need-weighted rule and why."""
        e = self.explanation
        comp = self.comparison()
        end = self.result.years[-1]
        units = e.groupby(["unit", "name"], sort=False)[["amount_optimum", "amount_need_weighted"]].sum().reset_index()
        units["change"] = units["amount_optimum"] - units["amount_need_weighted"]
        gain = units.sort_values("change", ascending=False)
        m_nw = e.sort_values("marginal_need_weighted", ascending=False)
        lines = [
            f"# Phân bổ tối ưu / Optimised allocation — {self.result.scenario_name}",
            "",
            f"* Mục tiêu / Objective: `{self.objective}`"
            + (f" (target < {_pct(self.target, 'en')}, P ≥ {_pct(self.probability or 0, 'en')})" if self.objective == "min-cost" else ""),
            f"* Ràng buộc / Constraints: sàn = {self.constraints.need_floor_share:g} × phân bổ theo nhu cầu / floor = "
            f"{self.constraints.need_floor_share:g} × need-weighted; mỗi hợp phần / each component "
            f"{self.constraints.component_floor:g}–{self.constraints.component_ceiling if self.constraints.component_ceiling is not None else '∞'} "
            f"× kịch bản / scenario; {'theo từng năm / year by year' if self.constraints.by_year else 'giữ lịch chi theo năm của kịch bản / keeps the scenario yearly profile'}.",
            "",
            "## Kết quả so với các quy tắc / Result against the built-in rules",
            "",
            "| allocation | mean rate " + str(end) + " | P5 | P95 | P(<target) | poor households | total (million VND) |",
            "|---|---|---|---|---|---|---|",
        ]
        for _, r in comp.iterrows():
            lines.append(f"| {r['allocation']}{'' if r['feasible'] else ' (*)'} | {_pct(r['poverty_rate_end_mean'], 'en')} | "
                         f"{_pct(r['poverty_rate_end_p05'], 'en')} | {_pct(r['poverty_rate_end_p95'], 'en')} | "
                         f"{_pct(r['prob_below_target'], 'en', 1)} | {_num(r['poor_end_mean'], 'en')} | {_num(r['total_spending'], 'en')} |")
        if not comp["feasible"].all():
            lines.append("")
            lines.append("(*) vi phạm ràng buộc / violates the constraints")
        lines += ["", self.message("vi"), "", self.message("en"), "",
                  "## Khác gì so với quy tắc theo nhu cầu / How it differs from the need-weighted rule", ""]
        lines.append("Xã nhận thêm nhiều nhất / Communes gaining most (million VND, whole period):")
        for _, r in gain.head(3).iterrows():
            lines.append(f"* {r['name']}: {_num(r['amount_need_weighted'], 'en')} → {_num(r['amount_optimum'], 'en')} ({_num(r['change'], 'en', sign=True)})")
        lines.append("")
        lines.append("Xã giảm nhiều nhất / Communes giving up most:")
        for _, r in gain.tail(3).iloc[::-1].iterrows():
            lines.append(f"* {r['name']}: {_num(r['amount_need_weighted'], 'en')} → {_num(r['amount_optimum'], 'en')} ({_num(r['change'], 'en', sign=True)})")
        lines += ["", "## Vì sao / Why", "",
                  "Hiệu quả biên = số hộ nghèo năm " + str(end) + " giảm thêm khi chi thêm 1.000 triệu đồng (1 tỷ) "
                  "vào một ô xã × hợp phần, trung bình các lần mô phỏng / marginal return = fewer poor households in "
                  + str(end) + " per extra 1,000 million VND in one commune × component cell, mean over draws. "
                  "Theo quy tắc nhu cầu, hiệu quả biên giữa các xã chênh lệch lớn; bộ tối ưu chuyển tiền từ ô hiệu quả "
                  "thấp sang ô hiệu quả cao cho đến khi các ô còn điều chỉnh được có hiệu quả gần bằng nhau (ô ở mức sàn "
                  "hoặc trần giữ hiệu quả thấp hơn hoặc cao hơn). / Under the need-weighted rule the returns differ "
                  "widely between communes; the optimiser moves money from low-return to high-return cells until the "
                  "cells it can still change have about equal returns (cells held at a floor or ceiling keep a lower "
                  "or higher return).", "",
                  "| component | need-weighted | optimum | change | return NW (min–max) | return optimum (min–max) |",
                  "|---|---|---|---|---|---|"]
        for _, r in self.component_explanation().iterrows():
            lines.append(f"| {r['component']}{' (' + r['status'] + ')' if r['status'] else ''} | "
                         f"{_num(r['amount_need_weighted'], 'en')} | {_num(r['amount_optimum'], 'en')} | {_num(r['change'], 'en', sign=True)} | "
                         f"{_num(r['return_nw_min'], 'en', 1)}–{_num(r['return_nw_max'], 'en', 1)} | "
                         f"{_num(r['return_opt_min'], 'en', 1)}–{_num(r['return_opt_max'], 'en', 1)} |")
        lines += ["", "Ô có hiệu quả biên cao nhất theo quy tắc nhu cầu / Highest-return cells under the need-weighted "
                      "rule (per 1,000 million VND):"]
        for _, r in m_nw.head(5).iterrows():
            lines.append(f"* {r['name']} — {r['component']}: {_num(1000 * r['marginal_need_weighted'], 'en', 2)} "
                         f"({_num(r['amount_need_weighted'], 'en')} → {_num(r['amount_optimum'], 'en')} million VND)")
        lines.append("")
        lines.append("Thấp nhất / Lowest:")
        for _, r in m_nw[m_nw["amount_need_weighted"] > 0].tail(5).iloc[::-1].iterrows():
            lines.append(f"* {r['name']} — {r['component']}: {_num(1000 * r['marginal_need_weighted'], 'en', 2)} "
                         f"({_num(r['amount_need_weighted'], 'en')} → {_num(r['amount_optimum'], 'en')} million VND)")
        lines += ["", "Lưu ý / Caveat: programme effects are assumptions (data/programmes.yaml; shared/research/"
                      "domain.md §5); the optimum is only as good as they are. Run `planning uncertainty` on the "
                      "optimised scenario to see how robust it is.", ""]
        return "\n".join(lines)
