"""Progress against the target register: every indicator of the monitoring workbook compared
with its path, year by year, and the bilingual headline of each target.

``compare(monitoring)`` gives one row per target × reporting unit × year (the baseline year
2025 and the plan years 2026–2030) — the table written as ``progress.csv``:

| column | meaning |
|---|---|
| ``target`` | target id (``data/targets.yaml``) |
| ``unit`` | who reports: ``district`` or a commune id (the four communes of 1 July 2025) |
| ``year`` | the baseline year (2025) or a plan year |
| ``value`` | the year's value (percent 0–100 or persons); for a running total, the total since 2026 (none in 2025) |
| ``target_value`` | the path's value for that year, same unit |
| ``status`` | ``achieved``, ``on_track``, ``off_track`` or ``no_data`` (:mod:`planning.stores.targets`) |
| ``level``, ``unit_of_measure``, ``goal_value``, ``deadline`` | from the register |
| ``path_start_year``, ``path_start_value`` | where the path starts |
| ``path_start_source`` | ``workbook_2025`` (the 2025 column), ``workbook_first_year`` (no 2025 level: the first year reported), ``baseline`` (the review series of the data folder), ``plan_reference`` (the plan's 2021 reference rate), ``zero`` (a running total) |
| ``path_start_status`` | ``reported`` (an office's number), ``observed`` or ``illustrative`` (baseline rows), ``derived`` |
| ``value_source`` | ``workbook``; ``review_observed`` / ``review_illustrative`` (a poverty rate the workbook leaves empty, read from the review series); empty without a value |

Percent values stay in percent (0–100) here, as typed in the workbook, unlike the model's
shares; money does not appear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planning.basics.errors import PlanningInputError
from planning.basics.paths import data_dir as default_data_dir
from planning.stores.monitoring import Monitoring, reporting_units
from planning.stores.targets import (
    STATUS_LABELS,
    Target,
    TargetRegister,
    format_value,
    goal_text,
    linear_path,
    plan_path,
    status_of,
)
from planning.stores.units import DISTRICT, Units, load_units

__all__ = [
    "PROGRESS_COLUMNS", "Progress", "compare", "headline", "review_series", "status_counts",
    "unit_sentence", "value_matrix",
]

PROGRESS_COLUMNS = [
    "target", "unit", "year", "value", "target_value", "status", "level", "unit_of_measure",
    "goal_value", "deadline", "path_start_year", "path_start_value", "path_start_source",
    "path_start_status", "value_source",
]
#: order in which a commune-level target's headline takes the least favourable status
_SEVERITY = ("off_track", "on_track", "achieved")


def review_series(data: Path | None = None, units: Units | None = None) -> tuple[pd.DataFrame, dict[int, str]]:
    """The poverty review series of a data folder by reporting unit: columns ``unit`` (the
    district, the four new communes), ``year``, ``households``, ``poor``, ``rate`` (percent);
    and per year the status of its rows (``observed`` when all are, else ``illustrative``)."""
    from planning.stores.baseline import load_baseline

    data = Path(data) if data is not None else default_data_dir()
    b = load_baseline(data)
    units = units or b.units
    rows = []
    for year, g in b.series.groupby("year"):
        g = g.set_index("unit").reindex(list(units.ids))
        hh, poor = g["households"].to_numpy(float), g["poor"].to_numpy(float)
        for uid, h, p in zip([DISTRICT, *units.new_ids],
                             [hh.sum(), *(units.membership @ hh)], [poor.sum(), *(units.membership @ poor)],
                             strict=True):
            rows.append({"unit": uid, "year": int(year), "households": h, "poor": p,
                         "rate": 100.0 * p / h if h > 0 else math.nan})
    raw = pd.read_csv(data / "baseline.csv")
    counts = raw[raw["metric"].isin(["households", "poor", "near_poor"])]
    status = {int(y): ("observed" if (g["status"] == "observed").all() else "illustrative")
              for y, g in counts.groupby("year")}
    return pd.DataFrame(rows), status


@dataclass
class Progress:
    """The comparison (``table``: :data:`PROGRESS_COLUMNS`), with what it was made from."""

    table: pd.DataFrame
    register: TargetRegister
    units: Units
    monitoring: Monitoring
    report_year: int
    review: pd.DataFrame  # review_series() of the data folder used
    review_status: dict[int, str]

    def rows(self, target: str, unit: str | None = None) -> pd.DataFrame:
        """The table's rows of ``target`` (and ``unit``), in year order."""
        groups = self._groups()
        keys = [k for k in groups if k[0] == target and (unit is None or k[1] == unit)]
        if not keys:
            return self.table.iloc[0:0]
        return pd.concat([groups[k] for k in keys]) if len(keys) > 1 else groups[keys[0]]

    def at(self, target: str, unit: str, year: int) -> pd.Series | None:
        """The row of ``target``, ``unit``, ``year`` (None when there is none)."""
        g = self._groups().get((target, unit))
        if g is None:
            return None
        r = g[g["year"] == year]
        return None if r.empty else r.iloc[0]

    def _groups(self) -> dict[tuple[str, str], pd.DataFrame]:
        if not hasattr(self, "_by"):
            self._by = {k: g for k, g in self.table.groupby(["target", "unit"], sort=False)}
        return self._by


def _plan_reference(data: Path) -> tuple[int, float, float]:
    """(reference year, reference rate in percent, reduction in points a year) of data/plan.yaml."""
    from planning.models.runner import load_plan
    from planning.stores.baseline import load_baseline

    plan = load_plan(data, load_baseline(data))
    return plan.reference_year, 100.0 * plan.reference_rate, 100.0 * plan.reduction_per_year


def _start(t: Target, unit: str, values: dict[int, float], register: TargetRegister, review: pd.DataFrame,
           review_status: dict[int, str]) -> tuple[int | None, float | None, str, str]:
    """(year, value, source, status) of the path's start for ``t`` and ``unit``."""
    base = register.baseline_year
    if t.path_start == "zero":
        return base, 0.0, "zero", "derived"
    if base in values:
        return base, values[base], "workbook_2025", "reported"
    if t.path_start == "baseline":
        r = review[(review["unit"] == unit) & (review["year"] <= base)]
        if not r.empty:
            last = r.sort_values("year").iloc[-1]
            return int(last["year"]), float(last["rate"]), "baseline", review_status.get(int(last["year"]), "illustrative")
    later = sorted(y for y in values if y > base)
    if later:
        return later[0], values[later[0]], "workbook_first_year", "reported"
    return None, None, "", ""


def compare(monitoring: Monitoring, *, data: Path | None = None, units: Units | None = None,
            year: int | None = None) -> Progress:
    """Compare every target of the workbook's register with its path (module docstring), for
    the baseline year (2025) and each plan year.

    ``data`` is the data folder whose review series starts the poverty paths and fills the
    poverty rates the workbook leaves empty (targets with ``from_review``; default ``data/``; a
    folder written by ``planning review`` works the same). ``year`` is the year the headlines
    speak of (default: the latest year the workbook has a value for, else the baseline year).
    """
    register = monitoring.register
    data = Path(data) if data is not None else default_data_dir()
    units = units or load_units(data / "units.csv")
    annual = monitoring.annual()
    review, review_status = review_series(data, units)
    years = [register.baseline_year, *register.years]
    plan_ref = None
    rows = []
    for t in register.targets:
        for unit in reporting_units(t.level, units):
            a = annual[(annual["target"] == t.id) & (annual["unit"] == unit)]
            reported = {int(y): float(v) for y, v in zip(a["year"], a["value"], strict=True)}
            values, sources = dict(reported), dict.fromkeys(reported, "workbook")
            if t.from_review:
                r = review[review["unit"] == unit]
                for y, rate in zip(r["year"], r["rate"], strict=True):
                    if int(y) in years and int(y) not in values:
                        values[int(y)] = float(rate)
                        sources[int(y)] = f"review_{review_status.get(int(y), 'illustrative')}"
            if t.path_method == "plan":
                plan_ref = plan_ref or _plan_reference(data)
                s_year, s_value, s_source, s_status = (plan_ref[0], plan_ref[1], "plan_reference",
                                                       review_status.get(plan_ref[0], "illustrative"))
            else:
                s_year, s_value, s_source, s_status = _start(t, unit, reported, register, review, review_status)
            running = 0.0
            for y in years:
                value = values.get(y)
                if t.cumulative:
                    value = None if y == register.baseline_year or value is None else running + value
                    running = running if value is None else value
                if t.path_method == "plan":
                    path = plan_path(plan_ref[0], plan_ref[1], plan_ref[2], y)  # type: ignore[index]
                elif s_year is None or y < s_year:
                    path = math.nan
                else:
                    path = linear_path(s_year, s_value, t.goal, t.deadline, y)  # type: ignore[arg-type]
                rows.append({
                    "target": t.id, "unit": unit, "year": y,
                    "value": math.nan if value is None else value, "target_value": path,
                    "status": status_of(t, y, value, path), "level": t.level, "unit_of_measure": t.unit,
                    "goal_value": t.goal, "deadline": t.deadline, "path_start_year": s_year,
                    "path_start_value": s_value, "path_start_source": s_source, "path_start_status": s_status,
                    "value_source": sources.get(y, "") if value is not None else "",
                })
    table = pd.DataFrame(rows, columns=PROGRESS_COLUMNS)
    table["path_start_year"] = table["path_start_year"].astype("Int64")
    if year is None:
        year = int(annual["year"].max()) if len(annual) else register.baseline_year
    if not register.baseline_year <= int(year) <= register.period_end:
        raise PlanningInputError("--year", "year", f"a year from {register.baseline_year} to {register.period_end}",
                                 year, message_vi=f"năm báo cáo phải từ {register.baseline_year} đến "
                                                  f"{register.period_end}; nhận: {year}")
    return Progress(table=table, register=register, units=units, monitoring=monitoring,
                    report_year=int(year), review=review, review_status=review_status)


# --------------------------------------------------------------------------- words


def _gap(t: Target, value: float, path: float, lang: str) -> str:
    from planning.basics.numbers import fmt_number

    gap = abs(value - path)
    if t.unit == "percent":
        return f"{fmt_number(gap, lang, 1)} {'điểm %' if lang == 'vi' else 'percentage points'}"  # type: ignore[arg-type]
    return format_value(t, gap, lang)


def _unit_sentence(p: Progress, t: Target, unit: str, year: int, lang: str) -> tuple[str, str]:
    """(status, sentence) of one unit's value in ``year``."""
    vi = lang == "vi"
    row = p.at(t.id, unit, year)
    status = "no_data" if row is None else str(row["status"])
    if status == "no_data":
        earlier = p.rows(t.id, unit)
        earlier = earlier[(earlier["year"] < year) & earlier["value"].notna()]
        text = f"chưa có số liệu năm {year}" if vi else f"no figure for {year}"
        if not earlier.empty:
            e = earlier.iloc[-1]
            text += (f"; số gần nhất: {format_value(t, e['value'], lang)} năm {int(e['year'])}" if vi else
                     f"; latest: {format_value(t, e['value'], lang)} in {int(e['year'])}")
        return status, text
    value, path = float(row["value"]), float(row["target_value"])
    shown = format_value(t, value, lang)
    if status == "achieved":
        return status, f"{shown} năm {year}" if vi else f"{shown} in {year}"
    path_txt = format_value(t, path, lang)
    if status == "on_track":
        return status, (f"{shown} năm {year}, lộ trình năm {year} là {path_txt}" if vi else
                        f"{shown} in {year}, against a path of {path_txt} for {year}")
    if year >= t.deadline:
        return status, (f"{shown} năm {year}, chưa đạt mục tiêu" if vi else f"{shown} in {year}, goal not met")
    return status, (f"{shown} năm {year}, lộ trình {path_txt}, còn cách {_gap(t, value, path, lang)}" if vi else
                    f"{shown} in {year} against a path of {path_txt}, {_gap(t, value, path, lang)} behind")


def headline(p: Progress, target: str, lang: str = "vi", year: int | None = None) -> tuple[str, str]:
    """(status, sentence) for one target in ``year`` (default: the report year), in ``lang``.

    A district target speaks of the district's value. A commune target counts the communes by
    status and names those off track; its status is the least favourable among communes with
    a figure (``no_data`` only when none has one)."""
    t = p.register.get(target)
    year = p.report_year if year is None else int(year)
    vi = lang == "vi"
    goal = goal_text(t, lang)
    if t.level == "district":
        status, text = _unit_sentence(p, t, DISTRICT, year, lang)
        label = STATUS_LABELS[status]["vi" if vi else "en"]
        return status, f"{label} — {t.label(lang)}: {text} ({'mục tiêu' if vi else 'goal'}: {goal})."
    by: dict[str, list[str]] = {}
    for unit in reporting_units(t.level, p.units):
        s, _ = _unit_sentence(p, t, unit, year, lang)
        by.setdefault(s, []).append(p.units.name(unit, "vi" if vi else "en"))
    status = next((s for s in _SEVERITY if s in by), "no_data")
    n = sum(len(v) for v in by.values())
    parts = []
    of = "xã" if vi else "communes"
    for s in ("achieved", "on_track", "off_track", "no_data"):
        if s in by:
            names = f" ({', '.join(by[s])})" if s in ("off_track", "no_data") else ""
            count = f"{len(by[s])}/{n} {of}" if vi else f"{len(by[s])} of {n} {of}"
            parts.append(f"{STATUS_LABELS[s]['vi' if vi else 'en'].lower()}: {count}{names}")
    label = STATUS_LABELS[status]["vi" if vi else "en"]
    when = f"năm {year}" if vi else f"in {year}"
    return status, f"{label} — {t.label(lang)} {when}: {'; '.join(parts)} ({'mục tiêu' if vi else 'goal'}: {goal})."


def unit_sentence(p: Progress, target: str, unit: str, lang: str = "vi", year: int | None = None) -> str:
    """One unit's sentence for ``target`` (used per commune in the mid-term/final report)."""
    t = p.register.get(target)
    status, text = _unit_sentence(p, t, unit, p.report_year if year is None else int(year), lang)
    return f"{STATUS_LABELS[status]['vi' if lang == 'vi' else 'en']} — {t.label(lang)}: {text}."


def status_counts(p: Progress, year: int | None = None) -> pd.DataFrame:
    """Rows per status, columns ``targets`` (headline statuses) for ``year``."""
    year = p.report_year if year is None else int(year)
    statuses = [headline(p, t.id, "en", year)[0] for t in p.register.targets]
    counts = pd.Series(statuses).value_counts()
    return pd.DataFrame({"targets": [int(counts.get(s, 0)) for s in STATUS_LABELS]}, index=list(STATUS_LABELS))


def value_matrix(p: Progress, target: str) -> pd.DataFrame:
    """[unit × year] of values (NaN where none), units in reporting order, 2025–2030."""
    t = p.register.get(target)
    r = p.rows(target)
    m = r.pivot_table(index="unit", columns="year", values="value", aggfunc="first")
    years = [p.register.baseline_year, *p.register.years]
    return m.reindex(index=reporting_units(t.level, p.units), columns=years).astype(float)
