"""Sentences and headings of the printed reports and the app, in plain Vietnamese and English.

A People's Committee reads these, not the people who wrote the model: no notation such as
``P(<1% in 2030) = 0.00``, no ids, no program words. Numbers go through
:mod:`planning.basics.numbers` (one style per language).

* :func:`headline` — the report's first sentence: "Với kinh phí kế hoạch (…), tỷ lệ hộ nghèo
  toàn huyện năm 2030 dự kiến khoảng …; khả năng đạt dưới 1% năm 2030 là …" / "With the plan's
  budget …", from a scenario's ``outcomes()`` (or ``outcomes.json``);
* :func:`headline_html` — the same sentence as HTML, the chance inside a
  ``<span class="planning-probability" data-probability="0.420">`` element (stable for tests);
* :func:`chance_words` — a chance in words (rất thấp … rất cao / very low … very high);
* :func:`switch_label` — the note drawn on charts at the 2027 change of standard;
* :func:`section` and :func:`intro` — the headings and opening paragraphs of the report
  notebooks, in the report's language.

Units: rates and chances are shares in [0, 1]; money in ``outcomes`` is million VND and is
written as billion VND (tỷ đồng) in sentences.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any, Literal

from planning.basics.i18n import Lang
from planning.basics.numbers import check_lang, fmt_number, fmt_pct, standard_name

__all__ = ["chance_words", "headline", "headline_html", "intro", "precision_words", "section", "switch_label"]

Subject = Literal["auto", "plan", "scenario", "selected"]

#: (upper end of the band, vi, en): a chance below 5 % is "very low", and so on
_CHANCE_BANDS: tuple[tuple[float, str, str], ...] = (
    (0.05, "rất thấp", "very low"),
    (0.35, "thấp", "low"),
    (0.65, "khoảng một nửa", "about even"),
    (0.90, "cao", "high"),
    (math.inf, "rất cao", "very high"),
)


def chance_words(p: float, lang: Lang = "vi") -> str:
    """A chance (share in [0, 1]) in words: rất thấp / thấp / khoảng một nửa / cao / rất cao."""
    check_lang(lang)
    for top, vi, en in _CHANCE_BANDS:
        if float(p) < top:
            return vi if lang == "vi" else en
    return _CHANCE_BANDS[-1][1 if lang == "vi" else 2]  # pragma: no cover (inf catches all)


def _subject(o: Mapping[str, Any], subject: Subject, lang: Lang) -> str:
    if subject == "auto":
        subject = "plan" if str(o.get("scenario")) == "district_plan" else "scenario"
    bn = fmt_number(float(o.get("total_spending") or 0.0) / 1000.0, lang, 1)
    end = int(o["end_year"])
    money = (f"tổng {bn} tỷ đồng đến năm {end}" if lang == "vi"
             else f"{bn} billion VND in all up to {end}")
    if subject == "plan":
        return (f"Với kinh phí kế hoạch ({money})" if lang == "vi" else f"With the plan's budget ({money})")
    if subject == "selected":
        return (f"Với kinh phí và cách phân bổ đang chọn ({money})" if lang == "vi"
                else f"With the budget and allocation chosen here ({money})")
    title = str(o.get(f"title_{lang}") or o.get("scenario") or "")
    return (f"Với kinh phí của kịch bản “{title}” ({money})" if lang == "vi"
            else f"With the budget of the scenario “{title}” ({money})")


def _parts(o: Mapping[str, Any], lang: Lang, subject: Subject) -> tuple[str, str, str]:
    """(text before the chance, the chance, text after it)."""
    lang = check_lang(lang)
    end, target = int(o["end_year"]), fmt_pct(float(o["target_rate"]), lang, 0)
    mean = fmt_pct(float(o["poverty_rate_end_mean"]), lang)
    lo, hi = fmt_pct(float(o["poverty_rate_end_p05"]), lang), fmt_pct(float(o["poverty_rate_end_p95"]), lang)
    p = float(o["prob_below_target"])
    head = _subject(o, subject, lang)
    if lang == "vi":
        before = (f"{head}, tỷ lệ hộ nghèo toàn huyện năm {end} dự kiến khoảng {mean} "
                  f"(9 trên 10 lần mô phỏng nằm trong khoảng {lo}–{hi}); khả năng đạt dưới {target} "
                  f"năm {end} là ")
        after = f" ({chance_words(p, lang)})." + precision_words(o, lang)
    else:
        before = (f"{head}, the district poverty rate in {end} is expected at about {mean} "
                  f"(9 in 10 simulations between {lo} and {hi}); the chance of getting below {target} "
                  f"in {end} is ")
        after = f" ({chance_words(p, lang)})." + precision_words(o, lang)
    return before, fmt_pct(p, lang, 0), after


def precision_words(o: Mapping[str, Any], lang: Lang = "vi") -> str:
    """How precise the two headline numbers are for the number of simulations: their Monte Carlo
    standard errors in percentage points ('' when the outcomes do not carry them)."""
    se_mean, se_p = o.get("poverty_rate_end_mean_mcse"), o.get("prob_below_target_mcse")
    if se_mean is None or se_p is None:
        return ""
    draws = float(o.get("draws") or 0)
    n = fmt_number(draws, lang, 0)
    a, b = fmt_number(100 * float(se_mean), lang, 2), fmt_number(100 * float(se_p), lang, 1)
    p = float(o.get("prob_below_target") or 0.0)
    if draws > 0 and p in (0.0, 1.0):
        # every simulation agreed: √(p(1 − p)/n) is 0, which would read as "no error"; say how
        # large a chance could still hide behind that many simulations (rule of three, 95 %)
        edge = min(3.0 / draws, 1.0)
        bound = fmt_pct(edge if p == 0.0 else 1.0 - edge, lang, 1)
        if lang == "vi":
            chance = ("khả năng giống nhau ở mọi lần mô phỏng, nên khả năng thật có thể "
                      f"{'lên tới' if p == 0.0 else 'chỉ còn'} {bound}")
        else:
            chance = ("the chance was the same in every simulation, so the true chance could be "
                      f"{'up to' if p == 0.0 else 'as low as'} {bound}")
    else:
        chance = f"±{b} điểm % với khả năng" if lang == "vi" else f"±{b} pp on the chance"
    if lang == "vi":
        return f" Sai số chuẩn do số lần mô phỏng ({n} lần): ±{a} điểm % với tỷ lệ trung bình; {chance}."
    return f" Simulation error ({n} simulations, one standard error): ±{a} pp on the mean rate; {chance}."


def headline(outcomes: Mapping[str, Any], lang: Lang = "vi", subject: Subject = "auto") -> str:
    """The report's first sentence, from a scenario's ``outcomes()`` / ``outcomes.json``.

    ``subject``: ``"plan"`` ("with the plan's budget"), ``"scenario"`` (names the scenario),
    ``"selected"`` (the app: the budget chosen with the sliders) or ``"auto"`` (plan for the
    district plan scenario, else scenario).
    """
    before, chance, after = _parts(outcomes, lang, subject)
    return before + chance + after


def headline_html(outcomes: Mapping[str, Any], lang: Lang = "vi", subject: Subject = "auto") -> str:
    """:func:`headline` as one HTML paragraph (class ``planning-headline``); the chance sits in
    ``<span class="planning-probability" data-probability="…">`` (the share, 3 decimals)."""
    before, chance, after = _parts(outcomes, lang, subject)
    p = float(outcomes["prob_below_target"])
    return (f'<p class="planning-headline" style="{_BOX}">{html.escape(before)}'
            f'<span class="planning-probability" data-probability="{p:.3f}"><b>{html.escape(chance)}</b></span>'
            f"{html.escape(after)}</p>")


_BOX = "border-left: 4px solid #1f5fa8; padding: 6px 10px; background: #f3f6fb; line-height: 1.45"


def switch_label(standard_id: str, lang: Lang = "vi") -> str:
    """The note at the change of poverty standard: ``Chuẩn nghèo mới (NĐ 351/2025)``."""
    name = standard_name(standard_id, lang)
    return f"Chuẩn nghèo mới ({name})" if check_lang(lang) == "vi" else f"New standard ({name})"


# ------------------------------------------------------------------------------ report notebooks

#: headings of the report notebooks: key → (vi, en)
SECTIONS: dict[str, tuple[str, str]] = {
    "scenario_title": ("Báo cáo kịch bản", "Scenario report"),
    "probability": ("1. Khả năng đạt mục tiêu", "1. The chance of reaching the target"),
    "trajectory": ("2. Tỷ lệ hộ nghèo toàn huyện qua các năm", "2. The district poverty rate year by year"),
    "communes": ("3. Các xã", "3. The communes"),
    "map": ("Sơ đồ các xã (không phải bản đồ ranh giới)", "Schematic of the communes (not a boundary map)"),
    "spending": ("4. Kinh phí (triệu đồng)", "4. Spending (million VND)"),
    "near_poor": ("5. Hộ cận nghèo và các dòng chuyển", "5. Near-poor households and flows"),
    "indicators": ("6. Thiếu hụt theo từng chỉ số", "6. Deprivation by indicator"),
    "streams": ("7. Các nguồn vốn", "7. Streams of money"),
    "wit_streams": ("Mỗi tỷ đồng thêm mua được gì", "What one more billion buys"),
    "comparison_title": ("So sánh kịch bản", "Scenario comparison"),
    "ranking": ("Xếp hạng", "Ranking"),
    "paths": ("Tỷ lệ hộ nghèo toàn huyện theo kịch bản", "District poverty rate by scenario"),
    "wit_title": ("Cần gì để đạt dưới 1% năm 2030?", "What would it take to reach below 1% by 2030?"),
    "cost_curve": ("Kinh phí và khả năng đạt mục tiêu", "Budget and the chance of reaching the target"),
    "wit_thresholds": ("Kinh phí nhỏ nhất cho khả năng 50% và 80%", "The smallest budgets for a 50% and an 80% chance"),
    "decomposition": ("Hộ nghèo năm 2030 gồm những ai", "Who the 2030 poor are"),
    "breakeven": ("Giả định nào phải khác đi", "Which assumptions would have to differ"),
    "wit_communes": ("Từng xã", "Each commune"),
}

#: opening and explanatory paragraphs: key → (vi, en)
_PARAGRAPHS: dict[str, tuple[str, str]] = {
    "wit_thresholds": (
        "Ở mỗi mức kinh phí, tiền được phân bổ tối ưu giữa các xã và hợp phần để tăng khả năng đạt dưới 1%; "
        "cột bên phải là kết quả theo quy tắc phân bổ tốt nhất (chia đều, theo số hộ nghèo, theo nhu cầu "
        "hoặc như kịch bản) để so sánh.",
        "At every budget level the money is allocated optimally across communes and components to raise "
        "the chance of below 1%; the columns on the right give the best allocation rule (equal, per poor "
        "household, by need or as in the scenario) for comparison."),
    "scenario": (
        "Báo cáo dự báo tỷ lệ hộ nghèo của huyện Quỳnh Nhai đến năm 2030 theo một kịch bản kinh phí: "
        "toàn huyện, 4 xã mới (từ 1/7/2025) và 11 xã, thị trấn cũ; khả năng đạt mục tiêu dưới 1%; "
        "kinh phí theo hợp phần và theo xã; hộ cận nghèo. Tiền tính bằng triệu đồng; tỷ lệ là phần trăm "
        "số hộ. Số liệu nền là số liệu minh hoạ cho đến khi có kết quả rà soát của huyện.",
        "This report projects the household poverty rate of Quỳnh Nhai district up to 2030 under one "
        "budget scenario: the district, the 4 new communes (from 1 July 2025) and the 11 former communes "
        "and township; the chance of reaching the target of below 1%; spending by component and by "
        "commune; the near-poor. Money is in million VND; rates are shares of households. The starting "
        "figures are illustrative until the district's own review results replace them."),
    "trajectory": (
        "Đường liền: dự báo trung bình; dải đậm và nhạt: một nửa và 9 trên 10 lần mô phỏng nằm trong đó; "
        "đường gạch: lộ trình kế hoạch, từ kết quả rà soát năm 2025 xuống dưới 1% năm 2030; đường chấm: "
        "mục tiêu 1%. Năm 2027 áp dụng chuẩn nghèo mới (Nghị định 351/2025), nên tỷ lệ tăng lên năm đó: "
        "đó là do đổi chuẩn, không phải do hộ tái nghèo.",
        "Solid line: the mean projection; dark and light bands: half and 9 in 10 of the simulations lie "
        "inside; dashed line: the plan path, from the 2025 review down to below 1% in 2030; dotted line: "
        "the 1% target. In 2027 the new poverty standard (Decree 351/2025) applies, so the rate rises "
        "that year: that is the change of standard, not households falling back into poverty."),
    "communes": (
        "Toàn huyện, từng xã mới và các xã, thị trấn cũ hợp thành xã mới đó, năm cuối kỳ.",
        "The district, each new commune and the former communes it was formed from, in the end year."),
    "map": (
        "Mỗi ô là một xã, thị trấn cũ (trước 1/7/2025), đặt gần đúng theo vị trí và nhóm theo xã mới; "
        "đây là sơ đồ, không phải bản đồ ranh giới (dự án chưa có dữ liệu ranh giới có giấy phép mở).",
        "Each square is one former commune or township (before 1 July 2025), placed roughly where it lies "
        "and grouped by new commune; this is a schematic, not a boundary map (the project holds no "
        "openly licensed boundary data)."),
    "near_poor": (
        "Năm 2027 chuẩn nghèo mới (Nghị định 351/2025) có hiệu lực: một số hộ thành hộ nghèo hoặc cận "
        "nghèo do đổi chuẩn.",
        "In 2027 the new standard (Decree 351/2025) applies: some households become poor or near-poor "
        "by the change of standard."),
    "comparison": (
        "Các kịch bản được xếp theo tỷ lệ hộ nghèo năm 2030, khả năng đạt dưới 1% và chi phí cho mỗi hộ "
        "thoát nghèo (so với không có kinh phí chương trình). Số liệu nền là số liệu minh hoạ.",
        "The scenarios are ranked by the 2030 poverty rate, the chance of getting below 1% and the cost "
        "per household lifted out of poverty (against no programme money). The starting figures are "
        "illustrative."),
    "indicators": (
        "Tỷ lệ hộ (trên tổng số hộ) thiếu hụt từng chỉ số của chuẩn nghèo đang áp dụng, toàn huyện, trung "
        "bình các lần mô phỏng; ô trống: chỉ số không thuộc chuẩn năm đó (Nghị định 351/2025 thêm thu gom "
        "rác thải, bỏ phương tiện tiếp cận thông tin từ năm 2027). Hạ tầng và dịch vụ (nước sạch, vệ sinh, "
        "nhà ở, trường học, y tế, thông tin) tác động trực tiếp lên các chỉ số này.",
        "Share of all households deprived in each indicator of the standard in force, district, mean over "
        "the simulations; blank: the indicator is not part of that year's standard (Decree 351/2025 adds "
        "waste collection and drops means of information from 2027). Works and services (clean water, "
        "sanitation, housing, schools, health, information) act on these indicators directly."),
    "streams": (
        "Tiền của từng nguồn vốn mà kịch bản ghi (triệu đồng; với vốn vay là số tiền cho vay, mô hình tính "
        "chi phí ngân sách của khoản vay). Số liệu minh hoạ cho đến khi có quyết định phân bổ của tỉnh.",
        "Each funding stream's money as the scenario states it (million VND; for loans the volume lent, of "
        "which the model counts the budget cost). Illustrative until the province's allocation decisions."),
    "wit_streams": (
        "Nếu chi thêm 1 tỷ đồng vốn không hoàn lại cho từng hợp phần (cùng cách phân bổ), số hộ thoát nghèo "
        "thêm năm 2030 và mức giảm tỷ lệ hộ nghèo; cột cuối là các nguồn vốn được chi cho hợp phần đó. "
        "Mỗi tỷ đồng vốn vay chỉ mua được phần chi phí ngân sách của nó.",
        "If one more billion VND of grant money went to each component (allocated the same way): the extra "
        "households out of poverty in 2030 and the fall of the rate; the last column names the streams that "
        "may pay for it. A billion lent buys only its budget cost's share of that."),
    "wit": (
        "Với kinh phí kế hoạch, khả năng đạt mục tiêu là bao nhiêu; cần bao nhiêu kinh phí để có khả "
        "năng một nửa hoặc 8 trên 10; giả định nào phải khác đi; hộ nghèo năm 2030 gồm những ai.",
        "With the plan's budget, how likely is the target; how much money would give an even chance or "
        "8 in 10; which assumptions would have to differ; who the 2030 poor are."),
}


def section(key: str, lang: Lang = "vi", level: int = 2) -> str:
    """A Markdown heading of the report notebooks in ``lang`` (``level`` # signs)."""
    vi, en = SECTIONS[key]
    return f"{'#' * level} {vi if check_lang(lang) == 'vi' else en}"


def intro(key: str, lang: Lang = "vi") -> str:
    """An opening or explanatory paragraph of the report notebooks in ``lang``."""
    vi, en = _PARAGRAPHS[key]
    return vi if check_lang(lang) == "vi" else en
