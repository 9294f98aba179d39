"""Checking values before they are used: small rules shared by every loader.

Every loader of the data store, of scenarios and of the files a planner brings (review lists,
observed series, allocation tables) reads its numbers through these checks, so that the same
rule holds for every entry point (``planning run``, ``validate``, ``compare``, ``batch``,
``optimize``, the dashboard and the Python API): NaN and infinity are refused everywhere;
counts are whole and non-negative; shares lie in [0, 1]; years lie in ``YEAR_MIN..YEAR_MAX``;
units, components and standards are known; a repeated row is refused unless it repeats the
same value. Each failure is a :class:`~planning.basics.errors.PlanningInputError` naming the file,
the field (a table's column and row) and what was expected, in Vietnamese and English.

Reading a file is checked too (:func:`read_text`, :func:`read_csv`): a missing file, a folder,
bytes that are not UTF-8, an empty or malformed table each give one clear error.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.basics.paths import display_path

__all__ = [
    "YEAR_MAX", "YEAR_MIN", "count_column", "known", "known_column", "no_conflicting_duplicates",
    "number", "number_column", "problem", "raise_all", "read_csv", "read_text", "share", "year",
    "year_column",
]

#: the calendar years any input may speak of
YEAR_MIN, YEAR_MAX = 2000, 2100
#: at most this many bad rows of one column are listed (the rest are counted)
MAX_LISTED = 20


def _got_vi(got: Any) -> str:
    if got is None:
        return ""
    if (isinstance(got, float) and math.isnan(got)) or (isinstance(got, str) and not got.strip()):
        return "; nhận: ô trống"
    return f"; nhận: {got}"


def problem(file: Any, field: str, expected_en: str, expected_vi: str, got: Any = None, *,
            row: int | None = None) -> PlanningInputError:
    """One bad value: ``file``, ``field`` (and ``row``, header = row 1), what was expected in
    English and Vietnamese and what was found."""
    where = f"tệp {file}" + (f", dòng {row}" if row is not None else "")
    return PlanningInputError(file, field, expected_en, got, row=row,
                              message_vi=f"{where}, trường '{field}': cần {expected_vi}{_got_vi(got)}")


def raise_all(errors: Sequence[PlanningInputError]) -> None:
    """Raise ``errors`` (one, or several at once); nothing when empty."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise PlanningInputErrors(errors)


# ---------------------------------------------------------------------------------- files


def _file_problem(path: Path, shown: str, what_en: str, what_vi: str) -> PlanningInputError | None:
    if path.is_dir():
        return problem(shown, "<file>", f"{what_en} (a file, not a folder)", f"{what_vi} (một tệp, không phải thư mục)",
                       "a folder / một thư mục")
    if not path.exists():
        return problem(shown, "<file>", f"{what_en} (an existing file)", f"{what_vi} (tệp phải có sẵn)",
                       "missing file / không tìm thấy tệp")
    return None


def read_text(path: str | os.PathLike[str], what_en: str = "a text file", what_vi: str = "một tệp văn bản") -> str:
    """The UTF-8 text of ``path`` (a byte-order mark is dropped); every reading failure is one
    :class:`PlanningInputError` naming the file."""
    p = Path(path)
    shown = display_path(p)
    err = _file_problem(p, shown, what_en, what_vi)
    if err is not None:
        raise err
    try:
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise problem(shown, "<file>", f"{what_en} saved as UTF-8 text",
                      f"{what_vi} lưu dạng văn bản UTF-8",
                      f"bytes that are not UTF-8 at byte {exc.start} / byte {exc.start} không phải UTF-8") from None
    except OSError as exc:
        raise problem(shown, "<file>", f"{what_en} that can be read", f"{what_vi} đọc được",
                      exc.strerror or type(exc).__name__) from None


def read_csv(path: str | os.PathLike[str], *, columns: Sequence[str] = (), what_en: str = "a CSV table",
             what_vi: str = "một bảng CSV", text: bool = True) -> pd.DataFrame:
    """Read a CSV table (UTF-8) with at least ``columns``; every reading failure (missing file,
    folder, not UTF-8, empty, malformed, a column missing) is one clear error.

    With ``text`` every cell is read as written (strings; empty cells are NaN), so numbers are
    parsed — and refused — by the column checks below, showing the cell as typed.
    """
    import io

    p = Path(path)
    shown = display_path(p)
    content = read_text(p, what_en, what_vi)
    if not content.strip():
        raise problem(shown, "<file>", f"{what_en} with a header row and data rows",
                      f"{what_vi} có dòng tiêu đề và các dòng số liệu", "an empty file / tệp rỗng")
    try:
        kwargs: dict[str, Any] = {"dtype": str, "keep_default_na": False, "na_values": [""]} if text else {}
        df = pd.read_csv(io.StringIO(content), **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise problem(shown, "<file>", f"{what_en}: a well-formed CSV table", f"{what_vi}: bảng CSV đúng định dạng",
                      str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise problem(shown, missing[0], f"the columns {', '.join(columns)}", f"các cột {', '.join(columns)}",
                      "absent / không có")
    return df.reset_index(drop=True)


# ------------------------------------------------------------------------ single values (YAML)


def _range_text(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    if lo is not None and hi is not None:
        return f"{'>' if lo_open else '≥'} {lo:g} and {'<' if hi_open else '≤'} {hi:g}"
    if lo is not None:
        return f"{'>' if lo_open else '≥'} {lo:g}"
    if hi is not None:
        return f"{'<' if hi_open else '≤'} {hi:g}"
    return ""


def number(value: Any, file: Any, field: str, *, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False, hi_open: bool = False, whole: bool = False, row: int | None = None,
           what_en: str | None = None, what_vi: str | None = None) -> float:
    """``value`` as a finite number in the range given (``whole``: an integer value); text that
    spells a number (``"12"``) is accepted, ``true``/``false``, NaN and infinity are not."""
    rng = _range_text(lo, hi, lo_open, hi_open)
    en = what_en or (f"a {'whole ' if whole else ''}number" + (f" {rng}" if rng else "")
                     + (" (finite: not NaN or infinity)" if not whole else ""))
    vi = what_vi or (f"một số{' nguyên' if whole else ''}" + (f" {rng.replace(' and ', ' và ')}" if rng else "")
                     + (" (hữu hạn: không phải NaN hay vô cực)" if not whole else ""))
    x: float | None = None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        x = float(value)
    elif isinstance(value, str):
        try:
            x = float(value.strip())
        except ValueError:
            x = None
    if (x is None or not math.isfinite(x) or (whole and not x.is_integer())
            or (lo is not None and (x <= lo if lo_open else x < lo))
            or (hi is not None and (x >= hi if hi_open else x > hi))):
        raise problem(file, field, en, vi, value, row=row)
    return x


def share(value: Any, file: Any, field: str, *, row: int | None = None) -> float:
    """A share of households (or of money) in [0, 1]."""
    return number(value, file, field, lo=0.0, hi=1.0, row=row,
                  what_en="a share between 0 and 1 (e.g. 0.05 for 5 %)",
                  what_vi="một tỷ lệ từ 0 đến 1 (ví dụ 0.05 là 5 %)")


def year(value: Any, file: Any, field: str, *, lo: int = YEAR_MIN, hi: int = YEAR_MAX,
         row: int | None = None) -> int:
    """A calendar year ``lo..hi`` (an integer, not text such as ``twenty``)."""
    return int(number(value, file, field, lo=lo, hi=hi, whole=True, row=row,
                      what_en=f"a calendar year {lo}–{hi}", what_vi=f"một năm dương lịch {lo}–{hi}"))


def known(value: Any, allowed: Iterable[Any], file: Any, field: str, *, row: int | None = None,
          what_en: str = "one of", what_vi: str = "một trong") -> Any:
    """``value`` if it is one of ``allowed`` (units, components, standards, ...)."""
    allowed = list(allowed)
    if value not in allowed:
        listed = ", ".join(map(str, allowed))
        raise problem(file, field, f"{what_en} {listed}", f"{what_vi} {listed}", value, row=row)
    return value


# ------------------------------------------------------------------------------ table columns


def _column_errors(df: pd.DataFrame, col: str, bad: np.ndarray, file: Any, en: str, vi: str) -> None:
    # rows as a spreadsheet shows them: tables come from read_csv with a fresh index, header = row 1
    rows = np.flatnonzero(bad)
    errors = [problem(file, col, en, vi, df[col].iloc[i], row=int(df.index[i]) + 2) for i in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        errors.append(problem(file, col, en, vi, f"{len(rows) - MAX_LISTED} more rows / thêm {len(rows) - MAX_LISTED} dòng"))
    raise_all(errors)


def number_column(df: pd.DataFrame, col: str, file: Any, *, lo: float | None = None, hi: float | None = None,
                  lo_open: bool = False, whole: bool = False, required: bool = True,
                  what_en: str | None = None, what_vi: str | None = None) -> pd.Series:
    """Column ``col`` as finite floats in range; every bad row is named (row as a spreadsheet
    shows it, header = row 1). Without ``required``, empty cells are kept as NaN."""
    raw = df[col]
    x = pd.to_numeric(raw.map(lambda v: v.strip() if isinstance(v, str) else v), errors="coerce").astype(float)
    empty = raw.isna() | raw.map(lambda v: isinstance(v, str) and not v.strip())
    vals = x.to_numpy()
    ok = np.isfinite(vals)
    if whole:
        ok &= np.mod(np.where(ok, vals, 0.0), 1.0) == 0
    if lo is not None:
        ok &= (vals > lo) if lo_open else (vals >= lo)
    if hi is not None:
        ok &= vals <= hi
    if not required:
        ok |= empty.to_numpy()
    if not ok.all():
        rng = _range_text(lo, hi, lo_open, False)
        en = what_en or f"a {'whole ' if whole else ''}number{' ' + rng if rng else ''} (not NaN or infinity)"
        vi = what_vi or f"một số{' nguyên' if whole else ''}{' ' + rng if rng else ''} (không phải NaN hay vô cực)"
        _column_errors(df, col, ~ok, file, en, vi)
    return x


def count_column(df: pd.DataFrame, col: str, file: Any, *, what: str = "households",
                 what_vi: str = "hộ", positive: bool = False) -> pd.Series:
    """A column of counts: whole numbers ≥ 0 (``positive``: ≥ 1)."""
    lo = 1.0 if positive else 0.0
    return number_column(df, col, file, lo=lo, whole=True,
                         what_en=f"a whole number of {what} ≥ {lo:g} (not a fraction, NaN or infinity)",
                         what_vi=f"số {what_vi} là số nguyên ≥ {lo:g} (không phải số lẻ, NaN hay vô cực)")


def year_column(df: pd.DataFrame, col: str, file: Any, *, lo: int = YEAR_MIN, hi: int = YEAR_MAX) -> pd.Series:
    """A column of calendar years ``lo..hi`` as integers."""
    years = number_column(df, col, file, lo=lo, hi=hi, whole=True,
                          what_en=f"a calendar year {lo}–{hi}", what_vi=f"một năm dương lịch {lo}–{hi}")
    return years.astype(int)


def known_column(df: pd.DataFrame, col: str, allowed: Iterable[Any], file: Any, *,
                 what_en: str = "one of", what_vi: str = "một trong") -> None:
    """Every value of ``col`` is one of ``allowed``."""
    allowed = list(allowed)
    bad = ~df[col].isin(allowed).to_numpy()
    if bad.any():
        listed = ", ".join(map(str, allowed))
        _column_errors(df, col, bad, file, f"{what_en} {listed}", f"{what_vi} {listed}")


def no_conflicting_duplicates(df: pd.DataFrame, keys: Sequence[str], value: str, file: Any) -> pd.DataFrame:
    """``df`` without repeated rows: a key (e.g. unit, year, metric) given twice is refused
    unless both rows hold the same ``value``; identical repeats are dropped."""
    dup = df.duplicated(list(keys), keep=False).to_numpy()
    if not dup.any():
        return df
    errors = []
    for _, g in df[dup].groupby(list(keys), sort=False):
        if g[value].nunique(dropna=False) > 1:
            first, other = g.index[0], g.index[1:]
            key = "/".join(str(g[k].iloc[0]) for k in keys)
            for i in other:
                if g.loc[i, value] != g.loc[first, value]:
                    errors.append(problem(
                        file, value, f"one value per {'/'.join(keys)} ({key}: {g.loc[first, value]} on row {first + 2})",
                        f"một giá trị cho mỗi {'/'.join(keys)} ({key}: {g.loc[first, value]} ở dòng {first + 2})",
                        g.loc[i, value], row=int(i) + 2))
    raise_all(errors[:MAX_LISTED])
    return df[~df.duplicated(list(keys), keep="first")]
