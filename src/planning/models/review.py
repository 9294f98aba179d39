"""The annual review (rà soát): a household review list → counts per commune → a new baseline.

Input: the household list of the end-of-year review, CSV or Excel, with the columns
``planning classify`` reads (``household_id, commune, area, members,
income_per_capita_month`` and one 0/1 column ``d_<indicator>`` per indicator of the standard
in force in the review year) plus

* ``unit`` — the commune or township **before 1 July 2025** the household lives in: an id of
  ``data/units.csv`` (``nam_et``) or its name (``Nặm Ét``, ``Nam Et``); the projection runs on
  these 11 units, so a new commune (``xa_muong_sai``) is refused with a message saying so;
* ``status_last_year`` (optional) — the household's status at last year's review: ``poor`` /
  ``hộ nghèo``, ``near_poor`` / ``cận nghèo``, ``newly_escaped`` / ``mới thoát nghèo`` (left the
  list within the last three years), ``not_poor`` / ``không nghèo`` / ``mức sống trung bình``,
  or empty for a household not on last year's list (e.g. a new household).

The list must hold **every** household of the unit (the review's household list), since the
number of households and the rates are counted from it.

Counts per unit (households): ``households``, ``poor``, ``near_poor`` (under the standard in
force in the review year) and, only when ``status_last_year`` is given, the flows of
docs/model.md §5: ``exits`` (poor last year, not poor now), ``newly_escaped`` (poor or
near-poor last year, above the line now), ``re_poor`` (newly escaped last year, poor now) and
``new_poor`` (near-poor, other or not listed last year, poor now). Without that column the
flows are *not available* (empty), never guessed.

Only counts leave this module: names, ID numbers, household codes and every other column of
the list are dropped after counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.basics.paths import display_path
from planning.models.classify import (
    REQUIRED_COLUMNS,
    _norm_name,
    classify_households,
    identifier_columns,
    read_households,
    resolve_standard,
)
from planning.stores.standards import Standard
from planning.stores.units import DISTRICT, Units, load_units

__all__ = [
    "COUNT_COLUMNS",
    "FLOWS",
    "PREVIOUS_COLUMN",
    "Review",
    "baseline_rows",
    "count_review",
    "review_households",
]

UNIT_COLUMN = "unit"
PREVIOUS_COLUMN = "status_last_year"
FLOWS: tuple[str, ...] = ("exits", "newly_escaped", "re_poor", "new_poor")
COUNT_COLUMNS: tuple[str, ...] = ("households", "poor", "near_poor", *FLOWS)
#: accepted spellings of last year's status (after lower-casing and removing accents)
_PREVIOUS: dict[str, str] = {
    **dict.fromkeys(["poor", "ngheo", "ho_ngheo"], "poor"),
    **dict.fromkeys(["near_poor", "can_ngheo", "ho_can_ngheo"], "near_poor"),
    **dict.fromkeys(["newly_escaped", "moi_thoat_ngheo", "ho_moi_thoat_ngheo", "thoat_ngheo",
                     "ho_thoat_ngheo"], "newly_escaped"),
    **dict.fromkeys(["not_poor", "other", "khong_ngheo", "ho_khong_ngheo", "average_living_standard",
                     "muc_song_trung_binh", "ho_co_muc_song_trung_binh", "ho_muc_song_trung_binh"], "other"),
}
_SHOWN_ROWS = 5  # rows named in a message about many rows


@dataclass(frozen=True)
class Review:
    """A counted review. ``counts`` has one row per unit of data/units.csv (index = unit id)
    with :data:`COUNT_COLUMNS` (households; flows NaN when last year's status was not given);
    ``dropped`` the identifier columns of the list that were not read."""

    year: int
    standard: Standard
    counts: pd.DataFrame
    flows_available: bool
    source_name: str
    dropped: tuple[str, ...]
    file: str

    def totals(self, units: Units) -> pd.DataFrame:
        """The counts of the four new communes and the district, with shares
        ``poverty_rate`` and ``near_poor_rate`` (0–1); same columns, index = id."""
        c = self.counts.loc[list(units.ids), list(COUNT_COLUMNS)].to_numpy(float)
        rows = np.vstack([c, units.membership @ c, c.sum(axis=0, keepdims=True)])
        out = pd.DataFrame(rows, index=[*units.ids, *units.new_ids, DISTRICT], columns=list(COUNT_COLUMNS))
        if not self.flows_available:
            out[list(FLOWS)] = np.nan
        out.insert(0, "level", ["unit"] * units.n + ["new_commune"] * len(units.new_ids) + ["district"])
        out["poverty_rate"] = out["poor"] / out["households"]
        out["near_poor_rate"] = out["near_poor"] / out["households"]
        return out


def _match_units(values: pd.Series, units: Units, source: str) -> tuple[pd.Series, list[PlanningInputError]]:
    """Unit ids for the ``unit`` column (ids or names, any case or accents); errors name the
    unknown values and the rows where they are (header = row 1)."""
    lookup: dict[str, str] = {}
    for uid, vi, en in zip(units.ids, units.names_vi, units.names_en, strict=True):
        for key in (uid, vi, en):
            lookup[_norm_name(key)] = uid
    new = {_norm_name(key) for nid, name in zip(units.new_ids, units.new_names_vi, strict=True)
           for key in (nid, name, f"xã {name}")} - set(lookup)
    matched = values.map(lambda v: lookup.get(_norm_name(v)) if isinstance(v, str) and v.strip() else None)
    errors = []
    bad = values[matched.isna()]
    by_value: dict[str, list[int]] = {}
    for pos, v in bad.items():
        by_value.setdefault("" if not isinstance(v, str) else v.strip(), []).append(int(pos) + 2)
    accepted = ", ".join(f"{vi} ({uid})" for uid, vi in zip(units.ids, units.names_vi, strict=True))
    for v, rows in by_value.items():
        shown_rows = ", ".join(map(str, rows[:_SHOWN_ROWS])) + (" …" if len(rows) > _SHOWN_ROWS else "")
        if not v:
            en, vi = "a commune of data/units.csv in every row", "tên xã (trước 1/7/2025) ở mọi dòng"
        elif _norm_name(v) in new:
            en = ("a commune or township as it was before 1 July 2025 (the projection counts the 11 "
                  f"former units; '{v}' is a new commune): one of {accepted}")
            vi = (f"xã, thị trấn trước ngày 1/7/2025 ('{v}' là xã mới; mô hình tính theo 11 đơn vị cũ): "
                  f"một trong {accepted}")
        else:
            en, vi = f"one of the communes of data/units.csv: {accepted}", f"một trong các xã: {accepted}"
        errors.append(PlanningInputError(
            source, UNIT_COLUMN, f"{en} (rows {shown_rows})", v or None,
            message_vi=f"{source}, cột '{UNIT_COLUMN}', dòng {shown_rows}: xã không có trong danh mục "
                       f"'{v or 'ô trống'}' — cần {vi}"))
    return matched, errors


def _match_previous(values: pd.Series, source: str) -> tuple[pd.Series, list[PlanningInputError]]:
    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip()):
            return "not_listed"
        return _PREVIOUS.get(_norm_name(v))

    matched = values.map(one)
    errors = [
        PlanningInputError(
            source, PREVIOUS_COLUMN,
            "poor, near_poor, newly_escaped, not_poor (or hộ nghèo, cận nghèo, mới thoát nghèo, "
            "không nghèo), or empty for a household not on last year's list", v, row=int(pos) + 2,
            message_vi=f"{source}, dòng {int(pos) + 2}: cột '{PREVIOUS_COLUMN}' — cần hộ nghèo, cận nghèo, "
                       f"mới thoát nghèo, không nghèo, hoặc để trống nếu hộ không có trong danh sách năm trước; "
                       f"nhận: {v}")
        for pos, v in values[matched.isna()].items()
    ]
    return matched, errors


def review_households(raw: pd.DataFrame, year: int, *, units: Units | None = None,
                      standard: Standard | str | None = None, source: str = "<table>") -> pd.DataFrame:
    """Check a review list and classify it: one row per household with ``unit`` (id),
    ``status`` (poor, near_poor, average_living_standard, not_poor) and ``previous`` (last
    year's status: poor, near_poor, newly_escaped, other, not_listed; absent without the
    column). No identifier is kept (not even the household code).

    Refused, naming them: missing columns, units not in data/units.csv, units of data/units.csv
    with no household in the list, unreadable last-year statuses, and every bad cell that
    ``classify_households`` refuses.
    """
    units = units or load_units()
    std = resolve_standard(standard, year)
    frame = raw.copy()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame = frame.reset_index(drop=True)
    needed = [*REQUIRED_COLUMNS, UNIT_COLUMN, *(f"d_{i}" for i in std.indicator_ids)]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise PlanningInputErrors([PlanningInputError(
            source, c, f"this column (a review list has the columns of the household classification plus "
                       f"'{UNIT_COLUMN}'; the indicators of {std.id})", "absent",
            message_vi=f"{source}: thiếu cột '{c}' (danh sách rà soát cần các cột của bảng phân loại hộ, "
                       f"cột '{UNIT_COLUMN}' và các chỉ số của chuẩn {std.id})") for c in missing])
    unit_ids, errors = _match_units(frame[UNIT_COLUMN], units, source)
    previous = None
    if PREVIOUS_COLUMN in frame.columns:
        previous, prev_errors = _match_previous(frame[PREVIOUS_COLUMN], source)
        errors += prev_errors
    if not errors:
        absent = [u for u in units.ids if u not in set(unit_ids)]
        if absent:
            names = ", ".join(f"{units.name(u, 'vi')} ({u})" for u in absent)
            errors.append(PlanningInputError(
                source, UNIT_COLUMN, f"households of every unit of data/units.csv; none for: {names}", None,
                message_vi=f"{source}: danh sách rà soát không có hộ nào của: {names} (cần đủ các xã)"))
    try:
        classified = classify_households(frame, std, source=source)
    except PlanningInputErrors as exc:
        errors += exc.errors
    if errors:
        raise PlanningInputErrors(errors)
    out = pd.DataFrame({"unit": unit_ids.to_numpy(), "status": classified["status"].to_numpy()})
    if previous is not None:
        out["previous"] = previous.to_numpy()
    return out


def count_review(households: pd.DataFrame, units: Units) -> tuple[pd.DataFrame, bool]:
    """Counts per unit (:data:`COUNT_COLUMNS`, index = unit ids in units.csv order) from the
    rows of :func:`review_households`; and whether the flows could be counted."""
    h = households
    has_prev = "previous" in h.columns
    above = h["status"].isin(["average_living_standard", "not_poor"])
    cols = {
        "households": np.ones(len(h), dtype=int),
        "poor": (h["status"] == "poor").to_numpy(int),
        "near_poor": (h["status"] == "near_poor").to_numpy(int),
    }
    if has_prev:
        prev = h["previous"]
        cols["exits"] = ((prev == "poor") & (h["status"] != "poor")).to_numpy(int)
        cols["newly_escaped"] = (prev.isin(["poor", "near_poor"]) & above).to_numpy(int)
        cols["re_poor"] = ((prev == "newly_escaped") & (h["status"] == "poor")).to_numpy(int)
        cols["new_poor"] = (prev.isin(["near_poor", "other", "not_listed"]) & (h["status"] == "poor")).to_numpy(int)
    table = pd.DataFrame(cols).groupby(h["unit"].to_numpy()).sum().reindex(list(units.ids), fill_value=0)
    table = table.astype(float)
    for f in FLOWS:
        if f not in table.columns:
            table[f] = np.nan
    return table[list(COUNT_COLUMNS)], has_prev


def read_review(path: str | Path, year: int, *, units: Units | None = None) -> Review:
    """Read, check, classify and count a review list (CSV or .xlsx)."""
    units = units or load_units()
    raw = read_households(path)
    source = display_path(path)
    households = review_households(raw, year, units=units, source=source)
    counts, flows = count_review(households, units)
    std = resolve_standard(None, year)
    return Review(year=int(year), standard=std, counts=counts, flows_available=flows, source_name=Path(path).name,
                  dropped=tuple(map(str, identifier_columns(raw.columns))), file=source)


def baseline_rows(review: Review, units: Units) -> pd.DataFrame:
    """The review as rows of ``data/baseline.csv`` (``unit, year, metric, value,
    unit_of_measure, status, source, note``): households, poor, near-poor and, when available,
    the flows, for every unit; status ``observed``, source ``review YEAR (file name)``."""
    rows = []
    metrics = COUNT_COLUMNS if review.flows_available else COUNT_COLUMNS[:3]
    note = (f"end-of-year review {review.year} under {review.standard.id}; counted from the household list "
            "(identifiers not kept)")
    for uid in units.ids:
        for m in metrics:
            rows.append({"unit": uid, "year": review.year, "metric": m, "value": int(review.counts.loc[uid, m]),
                         "unit_of_measure": "households", "status": "observed",
                         "source": f"review {review.year} ({review.source_name})", "note": note})
    return pd.DataFrame(rows, columns=["unit", "year", "metric", "value", "unit_of_measure", "status", "source", "note"])
