"""The target register of the district plan (``data/targets.yaml``): load, check, paths, status.

Each :class:`Target` is one indicator the plan sets a level for (poverty rate, roads, schools,
health stations, irrigation, electricity, water, credit, vocational certificates, health
insurance), with its unit of measure (``percent``: 0–100 of the indicator's denominator;
``persons``: a count), the level that reports it (``district`` or ``commune``: the four
communes formed on 1 July 2025), its direction (``higher`` is better, or ``lower`` for the
poverty rate), its goal and deadline, how quarters roll up into a year and the path the plan
implies year by year.

Status rule (one value of one unit in one year, against the path value of that year):

* ``no_data`` — no value was reported;
* ``achieved`` — the value meets the goal (e.g. ``≥ 100 %``; ``< 1 %`` for the poverty rate;
  ``> 16,000`` workers);
* ``on_track`` — not yet achieved, before the deadline, and at least as good as the path
  (``value ≥ path`` when higher is better, ``value ≤ path`` when lower is better);
* ``off_track`` — otherwise: worse than the path, or not achieved by the deadline.

The district plan document was NOT FOUND; the register's targets come from the project brief
and each carries its ``source`` and ``status`` (data/README.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planning.basics.errors import PlanningInputError
from planning.basics.paths import data_dir, display_path
from planning.basics.yamlio import read_yaml

__all__ = [
    "STATUSES",
    "STATUS_LABELS",
    "Target",
    "TargetRegister",
    "UNITS",
    "UnitSpec",
    "format_value",
    "goal_text",
    "linear_path",
    "load_targets",
    "meets_goal",
    "plan_path",
    "status_of",
]

STATUSES: tuple[str, ...] = ("achieved", "on_track", "off_track", "no_data")
STATUS_LABELS: dict[str, dict[str, str]] = {
    "achieved": {"vi": "Đã đạt", "en": "Achieved"},
    "on_track": {"vi": "Đúng lộ trình", "en": "On track"},
    "off_track": {"vi": "Chậm so với lộ trình", "en": "Off track"},
    "no_data": {"vi": "Chưa có số liệu", "en": "No data"},
}
#: values this close to the path count as on it (values are typed with at most a few decimals)
TOLERANCE = 1e-6


@dataclass(frozen=True)
class UnitSpec:
    """A unit of measure: the allowed range of a reported value and its label."""

    minimum: float
    maximum: float | None
    whole: bool
    vi: str
    en: str


UNITS: dict[str, UnitSpec] = {
    "percent": UnitSpec(0.0, 100.0, False, "%", "%"),
    "persons": UnitSpec(0.0, None, True, "người", "persons"),
}
LEVELS = ("district", "commune")
DIRECTIONS = ("higher", "lower")
COMPARISONS = ("at_least", "above", "below", "at_most")
FREQUENCIES = ("quarterly", "annual")
ROLLUPS = ("last", "sum")
PATH_METHODS = ("linear", "plan")
PATH_STARTS = ("monitoring", "baseline", "zero")
GOAL_STATUSES = ("stated", "assumption")
PATH_STATUSES = ("derived", "assumption")


@dataclass(frozen=True)
class TargetLink:
    """A target's link to the model: ``component`` (programme book), ``indicator`` (standard's
    indicator or None), ``relation`` (``complement`` when an indicator is given) and ``source``."""

    component: str
    indicator: str | None
    relation: str | None
    source: str

    def percent_from_deprived(self, share_deprived: float) -> float:
        """The target's percent for a share of households deprived in the indicator."""
        return 100.0 * (1.0 - share_deprived)

    def deprived_from_percent(self, percent: float) -> float:
        """The share of households deprived in the indicator for the target's percent."""
        return 1.0 - percent / 100.0


@dataclass(frozen=True)
class Target:
    """One target of the plan. ``goal`` is in the target's ``unit`` (percent 0–100 or persons)."""

    id: str
    name: dict[str, str]
    indicator: dict[str, str]
    unit: str
    level: str
    direction: str
    comparison: str
    goal: float
    deadline: int
    frequency: str
    rollup: str
    cumulative: bool
    from_review: bool
    path_method: str
    path_start: str
    path_status: str
    path_how: dict[str, str]
    status: str
    source: str
    plan_section: str
    note: str
    #: what connects the target to the projection (None: nothing does): the programme-book
    #: component whose money moves it and, optionally, the indicator of the poverty standard it
    #: measures (``relation`` complement: target percent = 100 − percent deprived)
    maps_to: TargetLink | None = None

    @property
    def spec(self) -> UnitSpec:
        return UNITS[self.unit]

    def label(self, lang: str = "vi") -> str:
        """The target's short name in ``lang``."""
        return self.name["vi" if lang == "vi" else "en"]

    def unit_label(self, lang: str = "vi") -> str:
        return self.spec.vi if lang == "vi" else self.spec.en


@dataclass(frozen=True)
class TargetRegister:
    """The register: the plan period, the baseline year (2025) and the targets in file order."""

    title: dict[str, str]
    period_start: int
    period_end: int
    baseline_year: int
    source: str
    targets: tuple[Target, ...]
    file: str

    @property
    def years(self) -> list[int]:
        """The plan's years (2026–2030)."""
        return list(range(self.period_start, self.period_end + 1))

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.targets]

    def get(self, target_id: str) -> Target:
        for t in self.targets:
            if t.id == target_id:
                return t
        raise KeyError(target_id)

    def at_level(self, level: str) -> list[Target]:
        """The targets reported at ``level`` (``district`` or ``commune``), in file order."""
        return [t for t in self.targets if t.level == level]


# --------------------------------------------------------------------------- loading


class _Reader:
    """Reads typed fields of one mapping, raising errors that name the file and the field."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, field: str, expected: str, got: Any, vi: str) -> PlanningInputError:
        return PlanningInputError(self.file, field, expected, got,
                                  message_vi=f"{self.file}, mục '{field}': cần {vi}; nhận: {got}")

    def get(self, raw: dict[str, Any], key: str, where: str) -> Any:
        if key not in raw or raw[key] is None:
            raise self.fail(f"{where}.{key}", "this field to be present", "absent", "có mục này")
        return raw[key]

    def choice(self, raw: dict[str, Any], key: str, where: str, allowed: tuple[str, ...]) -> str:
        value = self.get(raw, key, where)
        if value not in allowed:
            raise self.fail(f"{where}.{key}", f"one of {', '.join(allowed)}", value,
                            f"một trong {', '.join(allowed)}")
        return str(value)

    def text(self, raw: dict[str, Any], key: str, where: str, *, empty_ok: bool = False) -> str:
        value = raw.get(key, "" if empty_ok else None)
        if value is None or not isinstance(value, str) or (not value.strip() and not empty_ok):
            raise self.fail(f"{where}.{key}", "a non-empty text", value, "một đoạn chữ")
        return value

    def both(self, raw: dict[str, Any], key: str, where: str) -> dict[str, str]:
        value = self.get(raw, key, where)
        if not isinstance(value, dict):
            raise self.fail(f"{where}.{key}", "a mapping {vi: ..., en: ...}", value,
                            "một cặp {vi: ..., en: ...}")
        return {lang: self.text(value, lang, f"{where}.{key}") for lang in ("vi", "en")}

    def year(self, raw: dict[str, Any], key: str, where: str) -> int:
        value = self.get(raw, key, where)
        if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
            raise self.fail(f"{where}.{key}", "a year (2000–2100)", value, "một năm (2000–2100)")
        return int(value)

    def number(self, raw: dict[str, Any], key: str, where: str) -> float:
        value = self.get(raw, key, where)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail(f"{where}.{key}", "a number", value, "một số")
        return float(value)


def _target(r: _Reader, raw: Any, i: int, period: tuple[int, int]) -> Target:
    where = f"targets[{i}]"
    if not isinstance(raw, dict):
        raise r.fail(where, "a mapping of target fields", type(raw).__name__, "một mục chỉ tiêu")
    tid = r.text(raw, "id", where)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", tid):
        raise r.fail(f"{where}.id", "lower-case letters, digits and _", tid,
                     "chữ thường không dấu, chữ số và _")
    where = f"targets.{tid}"
    unit = r.choice(raw, "unit", where, tuple(UNITS))
    goal = r.get(raw, "goal", where)
    if not isinstance(goal, dict):
        raise r.fail(f"{where}.goal", "{comparison: ..., value: ...}", goal, "{comparison, value}")
    comparison = r.choice(goal, "comparison", f"{where}.goal", COMPARISONS)
    value = r.number(goal, "value", f"{where}.goal")
    spec = UNITS[unit]
    if value < spec.minimum or (spec.maximum is not None and value > spec.maximum):
        raise r.fail(f"{where}.goal.value", f"a value in the range of {unit}", value,
                     f"giá trị trong khoảng của đơn vị {unit}")
    direction = r.choice(raw, "direction", where, DIRECTIONS)
    if (direction == "higher") != (comparison in ("at_least", "above")):
        raise r.fail(f"{where}.goal.comparison",
                     "at_least/above when higher is better, below/at_most when lower is better",
                     comparison, "at_least/above khi càng cao càng tốt, below/at_most khi càng thấp càng tốt")
    deadline = r.year(raw, "deadline", where)
    if not period[0] <= deadline <= period[1]:
        raise r.fail(f"{where}.deadline", f"a year of the period {period[0]}–{period[1]}", deadline,
                     f"một năm trong giai đoạn {period[0]}–{period[1]}")
    cumulative = r.get(raw, "cumulative", where)
    if not isinstance(cumulative, bool):
        raise r.fail(f"{where}.cumulative", "true or false", cumulative, "true hoặc false")
    from_review = raw.get("from_review", False)
    if not isinstance(from_review, bool) or (from_review and unit != "percent"):
        raise r.fail(f"{where}.from_review", "true (a poverty rate, percent) or false", from_review,
                     "true (tỷ lệ hộ nghèo, %) hoặc false")
    rollup = r.choice(raw, "rollup", where, ROLLUPS)
    if cumulative and rollup != "sum":
        raise r.fail(f"{where}.rollup", "sum for a running total (cumulative: true)", rollup,
                     "sum cho chỉ tiêu cộng dồn")
    path = r.get(raw, "path", where)
    if not isinstance(path, dict):
        raise r.fail(f"{where}.path", "{method, start, status, how}", path, "{method, start, status, how}")
    method = r.choice(path, "method", f"{where}.path", PATH_METHODS)
    start = r.choice(path, "start", f"{where}.path", PATH_STARTS)
    if (start == "zero") != cumulative:
        raise r.fail(f"{where}.path.start", "zero exactly for a running total (cumulative: true)",
                     start, "zero đúng với chỉ tiêu cộng dồn")
    level = r.choice(raw, "level", where, LEVELS)
    if method == "plan" and (level != "district" or unit != "percent" or direction != "lower"):
        raise r.fail(f"{where}.path.method", "plan only for the district poverty rate (percent, lower)",
                     method, "plan chỉ dùng cho tỷ lệ hộ nghèo toàn huyện")
    link = None
    if "maps_to" in raw:
        m = raw["maps_to"]
        if not isinstance(m, dict):
            raise r.fail(f"{where}.maps_to", "{component, indicator, relation, source}", m,
                         "{component, indicator, relation, source}")
        comp = r.text(m, "component", f"{where}.maps_to")
        ind = m.get("indicator")
        rel = m.get("relation")
        if ind is not None:
            if not isinstance(ind, str) or not ind.strip():
                raise r.fail(f"{where}.maps_to.indicator", "an indicator id of the poverty standards", ind,
                             "mã chỉ số của chuẩn nghèo")
            if rel != "complement" or unit != "percent" or direction != "higher":
                raise r.fail(f"{where}.maps_to.relation", "complement (a percent target, higher is better, "
                             "= 100 − percent deprived in the indicator)", rel,
                             "complement (chỉ tiêu %, càng cao càng tốt, = 100 − % hộ thiếu hụt chỉ số)")
        elif rel is not None:
            raise r.fail(f"{where}.maps_to.relation", "no relation without an indicator", rel,
                         "không có relation khi không có indicator")
        link = TargetLink(component=comp, indicator=ind, relation=rel, source=r.text(m, "source", f"{where}.maps_to"))
    return Target(
        id=tid, name=r.both(raw, "name", where), indicator=r.both(raw, "indicator", where), unit=unit,
        level=level, direction=direction, comparison=comparison, goal=value, deadline=deadline,
        frequency=r.choice(raw, "frequency", where, FREQUENCIES), rollup=rollup, cumulative=cumulative,
        from_review=from_review, path_method=method, path_start=start,
        path_status=r.choice(path, "status", f"{where}.path", PATH_STATUSES),
        path_how=r.both(path, "how", f"{where}.path"),
        status=r.choice(raw, "status", where, GOAL_STATUSES),
        source=r.text(raw, "source", where), plan_section=r.text(raw, "plan_section", where),
        note=r.text(raw, "note", where, empty_ok=True), maps_to=link,
    )


def load_targets(path: str | Path | None = None) -> TargetRegister:
    """Read and check the register (default ``data/targets.yaml``).

    Every problem raises a :class:`PlanningInputError` naming the file and the field
    (``targets.<id>.<field>``) in Vietnamese and English.
    """
    p = Path(path) if path is not None else data_dir() / "targets.yaml"
    shown = display_path(p)
    raw = read_yaml(p)
    r = _Reader(shown)
    if not isinstance(raw, dict):
        raise r.fail("<root>", "a mapping with period, baseline_year, targets", type(raw).__name__,
                     "một bảng có period, baseline_year, targets")
    period = r.get(raw, "period", "")
    if not isinstance(period, dict):
        raise r.fail("period", "{start: year, end: year}", period, "{start, end}")
    start, end = r.year(period, "start", "period"), r.year(period, "end", "period")
    if end < start:
        raise r.fail("period.end", f"a year from {start}", end, f"một năm từ {start}")
    baseline_year = r.year(raw, "baseline_year", "")
    if baseline_year >= start:
        raise r.fail("baseline_year", f"a year before {start}", baseline_year, f"một năm trước {start}")
    items = r.get(raw, "targets", "")
    if not isinstance(items, list) or not items:
        raise r.fail("targets", "a non-empty list of targets", items, "một danh sách chỉ tiêu")
    targets = tuple(_target(r, item, i, (start, end)) for i, item in enumerate(items))
    ids = [t.id for t in targets]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise r.fail("targets.id", "each id once", dupes[0], "mỗi mã chỉ một lần")
    return TargetRegister(title=r.both(raw, "title", ""), period_start=start, period_end=end,
                          baseline_year=baseline_year, source=r.text(raw, "source", ""),
                          targets=targets, file=shown)


# --------------------------------------------------------------------------- paths and status


def linear_path(start_year: int, start_value: float, goal: float, deadline: int, year: int) -> float:
    """The straight line from ``(start_year, start_value)`` to ``(deadline, goal)`` read at ``year``.

    Before the start it is the start value; from the deadline on it is the goal.
    """
    if year >= deadline or start_year >= deadline:
        return float(goal)
    if year <= start_year:
        return float(start_value)
    return float(start_value + (goal - start_value) * (year - start_year) / (deadline - start_year))


def plan_path(reference_year: int, reference_value: float, reduction_per_year: float, year: int) -> float:
    """The plan's poverty path (data/plan.yaml): the reference rate less a fixed number of
    points a year, never below 0. Values in the unit of ``reference_value`` (percent here)."""
    return max(0.0, float(reference_value - reduction_per_year * (year - reference_year)))


def meets_goal(target: Target, value: float | None) -> bool:
    """Whether ``value`` (in the target's unit) meets the goal (strictly for above/below)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    g = target.goal
    if target.comparison == "at_least":
        return value >= g - TOLERANCE
    if target.comparison == "above":
        return value > g
    if target.comparison == "below":
        return value < g
    return value <= g + TOLERANCE


def status_of(target: Target, year: int, value: float | None, path_value: float | None) -> str:
    """``achieved``, ``on_track``, ``off_track`` or ``no_data`` (module docstring).

    ``value`` and ``path_value`` are in the target's unit; for a running total (``cumulative``)
    ``value`` is the total since the period started. Without a path value (it cannot happen
    when a value exists, see :mod:`planning.analyses.progress`) the value is judged against the goal
    alone: not achieved is ``off_track``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no_data"
    if meets_goal(target, value):
        return "achieved"
    if year >= target.deadline:
        return "off_track"
    if path_value is None or (isinstance(path_value, float) and math.isnan(path_value)):
        return "off_track"
    if target.direction == "higher":
        return "on_track" if value >= path_value - TOLERANCE else "off_track"
    return "on_track" if value <= path_value + TOLERANCE else "off_track"


# --------------------------------------------------------------------------- words and numbers


def format_value(target: Target, value: float | None, lang: str = "vi", digits: int | None = None) -> str:
    """``value`` in the language's number style with its unit: ``6,4%`` / ``6.4%`` (percent,
    one decimal by default), ``16.000 người`` / ``16,000 persons``; an em dash when missing."""
    from planning.basics.numbers import fmt_number, fmt_pct

    lang_ = "vi" if lang == "vi" else "en"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if target.unit == "percent":
        return fmt_pct(float(value) / 100.0, lang_, 1 if digits is None else digits)
    return f"{fmt_number(value, lang_, 0 if digits is None else digits)} {target.unit_label(lang_)}"


def goal_text(target: Target, lang: str = "vi") -> str:
    """The goal in words and numbers: ``dưới 1% vào năm 2030`` / ``below 1% by 2030``."""
    words = {"vi": {"at_least": "đạt", "above": "trên", "below": "dưới", "at_most": "không quá"},
             "en": {"at_least": "at least", "above": "more than", "below": "below", "at_most": "at most"}}
    lang_ = "vi" if lang == "vi" else "en"
    digits = 0 if float(target.goal).is_integer() else 1
    when = f"vào năm {target.deadline}" if lang_ == "vi" else f"by {target.deadline}"
    return f"{words[lang_][target.comparison]} {format_value(target, target.goal, lang_, digits)} {when}"
