"""Vietnam's multidimensional poverty standards, loaded from cited data files.

Each standard is one YAML file in ``data/standards/`` (``decree_07_2021.yaml``,
``decree_351_2025.yaml``): income lines, the classification rule, the dimensions and
indicators, each with its source or marked unverified / not found. This module validates those
files and serves them as frozen :class:`Standard` objects.

Units: income lines and band bounds are **VND per person per month** (as in the decrees).
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planning.basics.checks import YEAR_MAX, YEAR_MIN
from planning.basics.errors import PlanningInputError
from planning.basics.paths import data_dir as _default_data_dir
from planning.basics.paths import display_path
from planning.basics.yamlio import read_yaml

AREAS: tuple[str, ...] = ("rural", "urban")

__all__ = [
    "AREAS",
    "Indicator",
    "Standard",
    "list_standards",
    "load_standard",
    "standard_in_force",
]


@dataclass(frozen=True)
class Indicator:
    """One deprivation indicator of a standard.

    ``verified`` is true only when the cut-off wording was checked against the legal text;
    ``source`` is where the wording comes from (or says UNVERIFIED / NOT FOUND); ``note``
    explains how good a substitute wording is.
    """

    id: str
    dimension: str
    name_vi: str
    name_en: str
    cutoff_vi: str
    cutoff_en: str
    verified: bool
    source: str
    note: str = ""

    def name(self, lang: str = "vi") -> str:
        """The indicator's name in ``lang`` ('vi' or 'en')."""
        return self.name_en if lang == "en" else self.name_vi


@dataclass(frozen=True)
class Standard:
    """A multidimensional poverty standard as the decree sets it.

    ``income_lines`` and ``band_upper`` map area ('rural', 'urban') to VND/person/month;
    a ``band_upper`` of ``None`` means the average-living-standard band was not found.
    ``first_year``..``last_year`` are the calendar years whose end-of-year review uses it.
    Treat the dicts as read-only: loaded standards are cached and shared.
    """

    id: str
    title_vi: str
    title_en: str
    legal_reference: dict[str, Any]
    first_year: int
    last_year: int
    income_lines: dict[str, float]
    band_upper: dict[str, float | None]
    poor_min_deprivations: int
    indicators: tuple[Indicator, ...]
    source_file: str = ""

    # The dict fields would make the generated hash fail; a standard is identified by its id
    # and file, which is what callers caching per standard need.
    def __hash__(self) -> int:
        return hash((self.id, self.source_file))

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        """Indicator ids in the order of the data file."""
        return tuple(i.id for i in self.indicators)

    @property
    def unverified_indicators(self) -> tuple[str, ...]:
        """Ids of indicators whose cut-off wording is not verified against the legal text."""
        return tuple(i.id for i in self.indicators if not i.verified)

    def income_line(self, area: str) -> float:
        """The poverty line for ``area`` ('rural' or 'urban'), in VND/person/month."""
        if area not in self.income_lines:
            raise PlanningInputError(
                self.source_file or self.id, "area", "'rural' or 'urban'", area,
                message_vi=f"Khu vực '{area}' không hợp lệ — cần 'rural' (nông thôn) "
                           "hoặc 'urban' (thành thị)",
            )
        return self.income_lines[area]

    def title(self, lang: str = "vi") -> str:
        """The standard's title in ``lang`` ('vi' or 'en')."""
        return self.title_en if lang == "en" else self.title_vi

    def covers(self, year: int) -> bool:
        """Whether the end-of-year review of ``year`` uses this standard."""
        return self.first_year <= year <= self.last_year


# --------------------------------------------------------------------------- loading


def _standards_dir(data_dir: Path | None) -> Path:
    return Path(data_dir if data_dir is not None else _default_data_dir()) / "standards"


class _Reader:
    """Pulls typed values out of a parsed YAML mapping, naming the file and dotted field."""

    def __init__(self, shown: str, doc: Any) -> None:
        self.shown = shown
        self.doc = doc

    def fail(self, field: str, expected: str, got: Any = None, vi: str | None = None) -> None:
        raise PlanningInputError(
            self.shown, field, expected, got,
            message_vi=vi or f"Tệp {self.shown}: trường '{field}' thiếu hoặc sai (cần: {expected})",
        )

    def get(self, field: str, node: Any = None, prefix: str = "", *,
            nullable: bool = False) -> Any:
        """``field`` (dotted) under ``node``; ``prefix`` locates ``node`` in messages."""
        cur = self.doc if node is None else node
        full = prefix + field
        for part in field.split("."):
            if not isinstance(cur, dict) or part not in cur:
                self.fail(full, "this field to be present", "absent",
                          vi=f"Tệp {self.shown}: thiếu trường '{full}'")
            cur = cur[part]
        if cur is None and not nullable:
            self.fail(full, "a value", "null", vi=f"Tệp {self.shown}: trường '{full}' để trống")
        return cur

    def text(self, field: str, node: Any = None, prefix: str = "") -> str:
        value = self.get(field, node, prefix)
        if not isinstance(value, str) or not value.strip():
            self.fail(prefix + field, "a non-empty text", value)
        return value

    def integer(self, field: str, node: Any = None, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.get(field, node)
        if (isinstance(value, bool) or not isinstance(value, int) or value < minimum
                or (maximum is not None and value > maximum)):
            span = f"{minimum}–{maximum}" if maximum is not None else f"≥ {minimum}"
            self.fail(field, f"an integer {span}", value,
                      vi=f"Tệp {self.shown}: trường '{field}' phải là số nguyên {span}, nhận: {value}")
        return value

    def amount(self, field: str, *, nullable: bool = False) -> float | None:
        value = self.get(field, nullable=nullable)
        if value is None:
            return None
        if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
                or value <= 0):
            self.fail(field, "a positive, finite amount in VND/person/month", value,
                      vi=f"Tệp {self.shown}: trường '{field}' phải là số tiền dương "
                         f"(đồng/người/tháng), nhận: {value}")
        return float(value)


def _parse(path: Path) -> Standard:
    shown = display_path(path)
    doc = read_yaml(path)  # a missing file, a folder, not UTF-8 or bad YAML: one clear error
    r = _Reader(shown, doc)
    if not isinstance(doc, dict):
        r.fail("<file>", "a mapping of fields", type(doc).__name__)

    sid = r.text("id")
    if sid != path.stem:
        r.fail("id", f"the file name '{path.stem}'", sid,
               vi=f"Tệp {shown}: 'id' ({sid}) phải trùng tên tệp ({path.stem})")
    legal = r.get("legal_reference")
    if not isinstance(legal, dict):
        r.fail("legal_reference", "a mapping with decree, date, url", legal)
    for key in ("decree", "date", "url"):
        r.text(f"legal_reference.{key}")
    first = r.integer("in_force.first_year", minimum=YEAR_MIN, maximum=YEAR_MAX)
    last = r.integer("in_force.last_year", minimum=YEAR_MIN, maximum=YEAR_MAX)
    if last < first:
        r.fail("in_force.last_year", f"a year ≥ first_year ({first})", last)

    lines: dict[str, float] = {}
    bands: dict[str, float | None] = {}
    for area in AREAS:
        line = r.amount(f"income_lines.{area}.line")
        assert line is not None
        lines[area] = line
        band = r.amount(f"income_lines.{area}.band_upper", nullable=True)
        if band is None:
            # An unknown band must say so in the file, so that "null" is never an oversight.
            r.text(f"income_lines.{area}.band_note")
        else:
            r.text(f"income_lines.{area}.band_source")
            if band <= line:
                r.fail(f"income_lines.{area}.band_upper", f"an amount above the line ({line:,.0f})",
                       band)
        r.text(f"income_lines.{area}.line_source")
        bands[area] = band

    if r.get("rule.income_test") != "at_or_below":
        r.fail("rule.income_test", "'at_or_below' (the only rule the decrees use)",
               r.get("rule.income_test"))
    k = r.integer("rule.poor_min_deprivations", minimum=1)

    dims = r.get("dimensions")
    if not isinstance(dims, list) or not dims:
        r.fail("dimensions", "a non-empty list", dims)
    dim_ids = {r.text("id", d, "dimensions[].") for d in dims}

    items = r.get("indicators")
    if not isinstance(items, list) or not items:
        r.fail("indicators", "a non-empty list of indicators", items)
    indicators: list[Indicator] = []
    for n, item in enumerate(items):
        where = f"indicators[{n}]"
        if not isinstance(item, dict):
            r.fail(where, "a mapping", item)
        iid = r.text("id", item, where + ".")
        where = f"indicators[{iid}]"
        dim = r.text("dimension", item, where + ".")
        if dim not in dim_ids:
            r.fail(f"{where}.dimension", f"one of {sorted(dim_ids)}", dim)
        verified = r.get("verified", item, where + ".")
        if not isinstance(verified, bool):
            r.fail(f"{where}.verified", "true or false", verified)
        note = item.get("note") or ""
        indicators.append(Indicator(
            id=iid,
            dimension=dim,
            name_vi=r.text("name.vi", item, where + "."),
            name_en=r.text("name.en", item, where + "."),
            cutoff_vi=r.text("cutoff.vi", item, where + "."),
            cutoff_en=r.text("cutoff.en", item, where + "."),
            verified=verified,
            source=r.text("source", item, where + "."),
            note=str(note),
        ))
    ids = [i.id for i in indicators]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        r.fail("indicators", "unique indicator ids", ", ".join(dupes))
    if k > len(indicators):
        r.fail("rule.poor_min_deprivations", f"at most the number of indicators ({len(indicators)})", k)

    return Standard(
        id=sid,
        title_vi=r.text("title.vi"),
        title_en=r.text("title.en"),
        legal_reference=dict(legal),
        first_year=first,
        last_year=last,
        income_lines=lines,
        band_upper=bands,
        poor_min_deprivations=k,
        indicators=tuple(indicators),
        source_file=shown,
    )


@functools.lru_cache(maxsize=64)
def _load_cached(path: str, mtime_ns: int) -> Standard:
    # mtime is part of the key so that a notebook picks up an edited YAML without a restart.
    return _parse(Path(path))


def _load_path(path: Path) -> Standard:
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return _parse(path)  # raises the bilingual missing-file error
    return _load_cached(str(path.resolve()), mtime)


def load_standard(standard_id: str, data_dir: Path | None = None) -> Standard:
    """Load and validate ``data/standards/<standard_id>.yaml``.

    ``data_dir`` defaults to ``$PLANNING_DATA_DIR`` or the project's ``data/``. Raises
    :class:`PlanningInputError` for an unknown id or an invalid file (naming the field).
    Loads are cached (keyed by path and modification time).
    """
    folder = _standards_dir(data_dir)
    path = folder / f"{standard_id}.yaml"
    if not isinstance(standard_id, str) or "/" in standard_id or not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise PlanningInputError(
            display_path(folder), "standard", f"one of {', '.join(known) or '(none found)'}",
            standard_id,
            message_vi=f"Không có chuẩn nghèo '{standard_id}' — các chuẩn có sẵn: "
                       f"{', '.join(known) or '(không có)'}",
        )
    return _load_path(path)


def list_standards(data_dir: Path | None = None) -> list[Standard]:
    """Every standard in ``data/standards/``, ordered by first year in force."""
    folder = _standards_dir(data_dir)
    return sorted((_load_path(p) for p in sorted(folder.glob("*.yaml"))),
                  key=lambda s: (s.first_year, s.id))


def standard_in_force(year: int, data_dir: Path | None = None) -> Standard:
    """The standard used by the end-of-year review of ``year``.

    2022–2026 → ``decree_07_2021`` (2026 by the extension in Decree 351/2025);
    2027–2030 → ``decree_351_2025``. A year no standard covers raises
    :class:`PlanningInputError`.
    """
    if isinstance(year, bool) or not isinstance(year, numbers.Integral):
        raise PlanningInputError("<year>", "year", "a calendar year (integer)", year,
                                 message_vi=f"Năm phải là số nguyên, nhận: {year}")
    year = int(year)
    standards = list_standards(data_dir)
    covering = [s for s in standards if s.covers(year)]
    if len(covering) == 1:
        return covering[0]
    spans = ", ".join(f"{s.id} {s.first_year}–{s.last_year}" for s in standards)
    if not covering:
        raise PlanningInputError(
            display_path(_standards_dir(data_dir)), "year",
            f"a year covered by a standard ({spans or 'none found'})", year,
            message_vi=f"Năm {year} không thuộc chuẩn nghèo nào (có: {spans or 'không có'})",
        )
    raise PlanningInputError(
        display_path(_standards_dir(data_dir)), "in_force",
        "standards whose years do not overlap", f"{year} is covered by {len(covering)}",
        message_vi=f"Năm {year} thuộc nhiều chuẩn nghèo cùng lúc ({spans})",
    )
