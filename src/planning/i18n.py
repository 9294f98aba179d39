"""Bilingual labels (Vietnamese / English) for tables, charts and messages."""

from __future__ import annotations

from typing import Literal

Lang = Literal["vi", "en"]

LABELS: dict[str, dict[str, str]] = {
    "unit": {"vi": "Đơn vị", "en": "Unit"},
    "level": {"vi": "Cấp", "en": "Level"},
    "name": {"vi": "Tên", "en": "Name"},
    "year": {"vi": "Năm", "en": "Year"},
    "standard": {"vi": "Chuẩn nghèo", "en": "Poverty standard"},
    "households": {"vi": "Số hộ", "en": "Households"},
    "poor_mean": {"vi": "Hộ nghèo (TB)", "en": "Poor households (mean)"},
    "poor_p05": {"vi": "Hộ nghèo (P5)", "en": "Poor households (P5)"},
    "poor_p95": {"vi": "Hộ nghèo (P95)", "en": "Poor households (P95)"},
    "poverty_rate_mean": {"vi": "Tỷ lệ hộ nghèo (TB)", "en": "Poverty rate (mean)"},
    "poverty_rate_p05": {"vi": "Tỷ lệ hộ nghèo (P5)", "en": "Poverty rate (P5)"},
    "poverty_rate_p95": {"vi": "Tỷ lệ hộ nghèo (P95)", "en": "Poverty rate (P95)"},
    "near_poor_mean": {"vi": "Hộ cận nghèo (TB)", "en": "Near-poor households (mean)"},
    "near_poor_rate_mean": {"vi": "Tỷ lệ hộ cận nghèo (TB)", "en": "Near-poor rate (mean)"},
    "near_poor_rate_p05": {"vi": "Tỷ lệ hộ cận nghèo (P5)", "en": "Near-poor rate (P5)"},
    "near_poor_rate_p95": {"vi": "Tỷ lệ hộ cận nghèo (P95)", "en": "Near-poor rate (P95)"},
    "escaped_mean": {"vi": "Hộ thoát nghèo (TB)", "en": "Households escaping poverty (mean)"},
    "newly_escaped_mean": {"vi": "Hộ mới thoát nghèo (TB)", "en": "Newly escaped households (mean)"},
    "re_poor_mean": {"vi": "Hộ tái nghèo (TB)", "en": "Re-poor households (mean)"},
    "new_poor_mean": {"vi": "Hộ nghèo phát sinh (TB)", "en": "Newly poor households (mean)"},
    "reclassified_poor_mean": {"vi": "Hộ nghèo do đổi chuẩn (TB)", "en": "Poor by the change of standard (mean)"},
    "spending": {"vi": "Kinh phí (triệu đồng)", "en": "Spending (million VND)"},
    "plan_rate": {"vi": "Lộ trình kế hoạch", "en": "Plan path"},
    "gap_to_plan_pp": {"vi": "Chênh lệch so với lộ trình (điểm %)", "en": "Gap to plan path (pp)"},
    "prob_below_target": {"vi": "Xác suất < 1% năm 2030", "en": "Probability < 1% in 2030"},
    "scenario": {"vi": "Kịch bản", "en": "Scenario"},
    "title": {"vi": "Tiêu đề", "en": "Title"},
    "poverty_rate_end_mean": {"vi": "Tỷ lệ nghèo cuối kỳ (TB)", "en": "End-year poverty rate (mean)"},
    "poverty_rate_end_p05": {"vi": "Tỷ lệ nghèo cuối kỳ (P5)", "en": "End-year poverty rate (P5)"},
    "poverty_rate_end_p95": {"vi": "Tỷ lệ nghèo cuối kỳ (P95)", "en": "End-year poverty rate (P95)"},
    "first_year_target_met": {"vi": "Năm đầu đạt mục tiêu", "en": "First year target met"},
    "gap_to_plan_pp_end": {"vi": "Chênh lệch lộ trình cuối kỳ (điểm %)", "en": "Gap to plan at end (pp)"},
    "total_spending": {"vi": "Tổng kinh phí (triệu đồng)", "en": "Total spending (million VND)"},
    "households_lifted": {"vi": "Số hộ thoát nghèo (TB)", "en": "Households lifted out (mean)"},
    "cost_per_household_lifted": {"vi": "Chi phí/hộ thoát nghèo (triệu đồng)", "en": "Cost per household lifted (million VND)"},
    "component": {"vi": "Hợp phần", "en": "Component"},
    "amount": {"vi": "Số tiền (triệu đồng)", "en": "Amount (million VND)"},
    "district": {"vi": "Toàn huyện", "en": "District"},
    "old_unit": {"vi": "Xã/thị trấn (trước 1/7/2025)", "en": "Commune/township (before 1 Jul 2025)"},
    "new_commune": {"vi": "Xã mới (từ 1/7/2025)", "en": "New commune (from 1 Jul 2025)"},
    "target_line": {"vi": "Mục tiêu 1%", "en": "1% target"},
    "poverty_rate": {"vi": "Tỷ lệ hộ nghèo", "en": "Poverty rate"},
    "band90": {"vi": "Khoảng 90%", "en": "90% band"},
    "band50": {"vi": "Khoảng 50%", "en": "50% band"},
}


def label(key: str, lang: Lang = "vi") -> str:
    """The label of ``key`` in ``lang``; the key itself when no label is defined."""
    if lang not in ("vi", "en"):
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r} / ngôn ngữ phải là 'vi' hoặc 'en'")
    return LABELS.get(key, {}).get(lang, key)


def relabel(columns: list[str], lang: Lang = "vi") -> dict[str, str]:
    """A rename mapping for ``DataFrame.rename(columns=...)``."""
    return {c: label(c, lang) for c in columns}
