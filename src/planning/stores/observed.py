"""Observed poverty series: read, check and cut into segments the calibration can fit.

Three layouts are read (each row a unit, a year and a figure):

* the project's observed format (``data/observed.csv``): ``level, unit, year, metric, value,
  unit_of_measure, poverty_standard, source, ...`` with metrics such as ``poor_household_rate``
  (percent), ``poor_households``, ``near_poor_household_rate``, ``poor_plus_near_poor_rate``,
  ``households_exited_poverty``, ``re_poor_households``, ``newly_poor_households`` and their
  ``*_rate`` forms (percent of households), ``spending`` (million VND in the year);
* the baseline format (``data/baseline.csv``): ``unit, year, metric, value, status, ...`` with
  ``households``, ``poor``, ``near_poor`` counts (and optionally ``spending``);
* a wide table: ``unit, year, households, poor, near_poor[, spending]``.

Everything becomes shares of households: ``poor``, ``near_poor``, ``exits``, ``re_poor`` and
``new_poor`` (flows during the year). Rates from different poverty standards are never mixed:
a unit's series is cut into **segments**, each a run of years under one standard, starting at
its first year with a poor rate. A year whose flows are known but whose previous year is not
opens a one-year segment from the stock the flows imply (poor last year = poor + exits −
re-poor − new poor), as for Sơn La's 2018 figures.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planning.basics.errors import PlanningInputError
from planning.basics.paths import display_path

#: the shares a segment can observe, with the engine output each is compared with
SHARES = ("poor", "near_poor", "exits", "re_poor", "new_poor")
FLOWS = ("exits", "re_poor", "new_poor")
_PERCENT = {
    "poor_household_rate": "poor",
    "near_poor_household_rate": "near_poor",
    "poor_plus_near_poor_rate": "poor_plus_near_poor",
    "households_exited_poverty_rate": "exits",
    "re_poor_rate": "re_poor",
    "newly_poor_rate": "new_poor",
}
_COUNTS = {
    "poor_households": "poor",
    "poor": "poor",
    "near_poor_households": "near_poor",
    "near_poor": "near_poor",
    "households_exited_poverty": "exits",
    "exits": "exits",
    "re_poor_households": "re_poor",
    "re_poor": "re_poor",
    "newly_poor_households": "new_poor",
    "new_poor": "new_poor",
}
_EXPECTED = {"poor_household_rate_expected": "poor"}


def normalise_name(text: object) -> str:
    """Lower case without accents or spaces (for matching unit names typed by people)."""
    s = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return "".join(ch for ch in s.lower() if ch.isalnum())


@dataclass(frozen=True)
class Segment:
    """A run of years of one unit under one standard.

    ``start_year`` is the year of the known starting stock (``start_poor`` share, and
    ``start_near_poor`` when known, else None); ``observations`` rows are (year, share name,
    value, expected) for later years. ``households`` scales money (counts when known, else a
    nominal size); ``spending`` maps year → million VND when the series gives it.
    """

    unit: str
    level: str
    standard: str
    start_year: int
    start_poor: float
    start_near_poor: float | None
    observations: tuple[tuple[int, str, float, bool], ...]
    households: float
    households_known: bool
    spending: dict[int, float] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        """Projection years of the segment (start_year + 1 .. last observed year)."""
        last = max((o[0] for o in self.observations), default=self.start_year)
        return list(range(self.start_year + 1, last + 1))


@dataclass(frozen=True)
class Series:
    """One unit's observed shares, long: columns year, share, value, standard, expected, source."""

    unit: str
    level: str
    frame: pd.DataFrame
    households: dict[int, float]
    spending: dict[int, float]
    source: str

    def segments(self, *, until: int | None = None, nominal_households: float = 100_000.0) -> list[Segment]:
        """Segments with observations up to ``until`` (all when None); see the module doc."""
        df = self.frame if until is None else self.frame[self.frame["year"] <= until]
        out: list[Segment] = []
        for std, part in df.groupby("standard", sort=False):
            years = sorted(part["year"].unique())
            values = {(int(r.year), r.share): (float(r.value), bool(r.expected)) for r in part.itertuples()}
            start = None
            for y in years:
                if (y, "poor") in values:
                    start = y
                    break
            if start is None:
                continue
            flows_first = all((start, f) in values for f in FLOWS)
            if flows_first and (start - 1, "poor") not in values:
                # flows in the first year: the stock one year earlier follows from them
                p = values[(start, "poor")][0]
                p_prev = p + values[(start, "exits")][0] - values[(start, "re_poor")][0] - values[(start, "new_poor")][0]
                if 0.0 < p_prev < 1.0:
                    obs = [(y, s, v, e) for (y, s), (v, e) in values.items() if y >= start]
                    out.append(self._segment(str(std), start - 1, p_prev, None, obs, nominal_households))
                    continue
            p0 = values[(start, "poor")][0]
            n0 = values.get((start, "near_poor"), (None, False))[0]
            obs = [(y, s, v, e) for (y, s), (v, e) in values.items() if y > start]
            out.append(self._segment(str(std), start, p0, n0, obs, nominal_households))
        return out

    def _segment(self, std: str, start: int, p0: float, n0: float | None, obs: list[tuple[int, str, float, bool]],
                 nominal: float) -> Segment:
        hh = self.households.get(start) or next((self.households[y] for y in sorted(self.households)), None)
        return Segment(unit=self.unit, level=self.level, standard=std, start_year=start, start_poor=p0,
                       start_near_poor=n0, observations=tuple(sorted(obs)), households=float(hh or nominal),
                       households_known=hh is not None,
                       spending={y: v for y, v in self.spending.items() if y > start})

    def observed_years(self, share: str = "poor") -> list[int]:
        return sorted(int(y) for y in self.frame.loc[self.frame["share"] == share, "year"].unique())


@dataclass(frozen=True)
class ObservedTable:
    """Every unit of an observed file, as shares (see the module doc)."""

    series: dict[str, Series]
    source: str

    @property
    def units(self) -> list[str]:
        return list(self.series)

    def unit(self, name: str) -> Series:
        """The series of ``name`` (its id or name; accents, case and spaces ignored)."""
        key = normalise_name(name)
        for uid, s in self.series.items():
            if normalise_name(uid) == key:
                return s
        raise PlanningInputError(
            self.source, "unit", f"a unit of the file ({', '.join(self.units)})", name,
            message_vi=f"{self.source}: không có đơn vị '{name}' (có: {', '.join(self.units)})")


def _read_csv(path: Path, shown: str) -> pd.DataFrame:
    if path.is_dir():
        raise PlanningInputError(shown, "<file>", "a CSV file, not a folder", shown,
                                 message_vi=f"{shown} là thư mục, cần tệp CSV")
    if not path.exists():
        raise PlanningInputError(shown, "<file>", "an existing CSV file", "missing file",
                                 message_vi=f"không tìm thấy tệp {shown}")
    try:
        return pd.read_csv(path, dtype={"year": str}, encoding="utf-8")
    except UnicodeDecodeError:
        raise PlanningInputError(shown, "<file>", "UTF-8 text", "bytes that are not UTF-8",
                                 message_vi=f"{shown}: tệp không phải văn bản UTF-8") from None
    except pd.errors.EmptyDataError:
        raise PlanningInputError(shown, "<file>", "a header row and data rows", "an empty file",
                                 message_vi=f"{shown}: tệp rỗng") from None
    except pd.errors.ParserError as exc:
        raise PlanningInputError(shown, "<file>", "a well-formed CSV table", str(exc).splitlines()[0],
                                 message_vi=f"{shown}: bảng CSV không đúng định dạng") from None


def _to_year(value: object) -> int | None:
    s = str(value).strip()
    return int(s) if s.isdigit() and len(s) == 4 else None


def _standard_for(year: int, data_dir: Path | None) -> str:
    """The standard of a review year: the one in force, else (the end-of-year review just before
    a new decree's first year already applies it, as the end-2021 review did) next year's."""
    from planning.stores.standards import standard_in_force

    for y in (year, year + 1):
        try:
            return standard_in_force(y, data_dir).id
        except PlanningInputError:
            continue
    return "unknown"


def _standard_label(text: str) -> str:
    """'2022-2025 multidimensional (presumed end-2021 baseline)' → '2022-2025 multidimensional'."""
    return text.split("(")[0].strip() or text.strip()


def read_observed(source: str | os.PathLike[str] | pd.DataFrame, *, name: str | None = None,
                  data_dir: Path | None = None) -> ObservedTable:
    """Read an observed series in any of the three layouts; values become shares of households.

    Rows whose year is not a single calendar year (``2025-06``, ``2021-2025``) and rows with an
    empty value (searched but not found) are skipped. A value that is not a number, a share
    outside [0, 1] or a negative count is refused, naming the file, the row and the column.
    """
    if isinstance(source, pd.DataFrame):
        df, shown = source.copy(), name or "<table>"
    else:
        shown = display_path(source)
        df = _read_csv(Path(source), shown)
    df.columns = [str(c).strip() for c in df.columns]
    if "unit" not in df.columns or "year" not in df.columns:
        raise PlanningInputError(shown, "unit, year", "columns unit and year (and metric, value; or households, "
                                 "poor, near_poor)", ", ".join(df.columns[:6]) or "no columns",
                                 message_vi=f"{shown}: cần các cột unit và year")
    if "metric" not in df.columns:
        wide = [c for c in ("households", "poor", "near_poor", "spending") if c in df.columns]
        if not {"households", "poor"} <= set(wide):
            raise PlanningInputError(shown, "metric", "a long table (metric, value) or columns households, poor, "
                                     "near_poor", "neither", message_vi=f"{shown}: thiếu cột metric/value hoặc "
                                     "households, poor, near_poor")
        df = df.melt(id_vars=[c for c in df.columns if c not in wide], value_vars=wide,
                     var_name="metric", value_name="value")
    for col in ("metric", "value"):
        if col not in df.columns:
            raise PlanningInputError(shown, col, "a column of that name", "absent")
    df["row_no"] = np.arange(len(df)) + 2
    rows: dict[str, dict[str, object]] = {}
    for r in df.itertuples(index=False):
        year = _to_year(r.year)
        raw = r.value
        if year is None or raw is None or (isinstance(raw, float) and np.isnan(raw)) or str(raw).strip() == "":
            continue
        metric = str(r.metric).strip()
        try:
            value = float(str(raw).replace(",", ""))
        except ValueError:
            raise PlanningInputError(shown, "value", "a number", raw, row=int(r.row_no),
                                     message_vi=f"{shown}, dòng {r.row_no}: giá trị '{raw}' không phải số") from None
        if not np.isfinite(value) or value < 0:
            raise PlanningInputError(shown, "value", "a finite number >= 0", raw, row=int(r.row_no),
                                     message_vi=f"{shown}, dòng {r.row_no}: giá trị phải là số không âm")
        unit = str(r.unit).strip()
        entry = rows.setdefault(unit, {"level": "", "records": []})
        level = getattr(r, "level", "") if "level" in df.columns else ""
        entry["level"] = str(level) if isinstance(level, str) else entry["level"]
        std = getattr(r, "poverty_standard", None) if "poverty_standard" in df.columns else None
        std = _standard_label(std) if isinstance(std, str) and std.strip() else None
        entry["records"].append((year, metric, value, std, int(r.row_no)))  # type: ignore[union-attr]
    series = {unit: _unit_series(unit, e["level"], e["records"], shown, data_dir)  # type: ignore[arg-type]
              for unit, e in rows.items()}
    series = {u: s for u, s in series.items() if len(s.frame)}
    if not series:
        raise PlanningInputError(shown, "metric", "poverty rates or counts for at least one unit and year",
                                 "none", message_vi=f"{shown}: không có tỷ lệ hoặc số hộ nghèo nào đọc được")
    return ObservedTable(series=series, source=shown)


def _unit_series(unit: str, level: str, records: list[tuple[int, str, float, str | None, int]], shown: str,
                 data_dir: Path | None) -> Series:
    households: dict[int, float] = {}
    spending: dict[int, float] = {}
    counts: dict[tuple[int, str], float] = {}
    shares: dict[tuple[int, str], tuple[float, bool]] = {}
    std_of: dict[int, str] = {}
    for year, metric, value, std, row in records:
        if std:
            std_of.setdefault(year, std)
        if metric == "households":
            households[year] = value
        elif metric == "spending":
            spending[year] = value
        elif metric in _PERCENT:
            if value > 100:
                raise PlanningInputError(shown, "value", "a percentage between 0 and 100", value, row=row,
                                         message_vi=f"{shown}, dòng {row}: tỷ lệ phải từ 0 đến 100")
            shares[(year, _PERCENT[metric])] = (value / 100.0, False)
        elif metric in _EXPECTED:
            shares.setdefault((year, "_expected_" + _EXPECTED[metric]), (value / 100.0, True))
        elif metric in _COUNTS:
            counts[(year, _COUNTS[metric])] = value
    # counts with households give shares; poor count with a rate gives households
    for (year, share), value in counts.items():
        if year not in households and share == "poor" and (year, "poor") in shares and shares[(year, "poor")][0] > 0:
            households[year] = value / shares[(year, "poor")][0]
    for (year, share), value in counts.items():
        hh = households.get(year)
        if hh and (year, share) not in shares:
            if value > hh:
                raise PlanningInputError(shown, share, f"at most the {hh:,.0f} households of {unit} in {year}", value,
                                         message_vi=f"{shown}: {unit} năm {year}: số hộ '{share}' lớn hơn tổng số hộ")
            shares[(year, share)] = (value / hh, False)
    for (year, key), val in list(shares.items()):
        if key.startswith("_expected_"):
            real = key.removeprefix("_expected_")
            if (year, real) not in shares:
                shares[(year, real)] = val
            del shares[(year, key)]
    for (year, key), (val, exp) in list(shares.items()):
        if key == "poor_plus_near_poor":
            if (year, "near_poor") not in shares and (year, "poor") in shares:
                shares[(year, "near_poor")] = (max(val - shares[(year, "poor")][0], 0.0), exp)
            del shares[(year, key)]
    frame = pd.DataFrame(
        [{"year": y, "share": s, "value": v, "expected": e,
          "standard": std_of.get(y) or _standard_for(y, data_dir)} for (y, s), (v, e) in sorted(shares.items())],
        columns=["year", "share", "value", "expected", "standard"])
    return Series(unit=unit, level=level, frame=frame, households=households, spending=spending, source=shown)
