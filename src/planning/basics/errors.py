"""Input errors that name the file, the field and what was expected, in Vietnamese and English.

Every error a user can fix by editing an input (a scenario, a data table, a household list)
is a :class:`PlanningInputError`; several at once are a :class:`PlanningInputErrors`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def _fmt_got(got: Any) -> tuple[str, str]:
    """``got`` as shown in the (en, vi) message; empty cells read as words, not ``nan``."""
    if got is None:
        return "", ""
    if (isinstance(got, float) and math.isnan(got)) or (isinstance(got, str) and not got.strip()):
        return ", got an empty value", "; nhận: ô trống"
    return f", got {got}", f"; nhận: {got}"


class PlanningInputError(ValueError):
    """A value in an input file (or table) that the workbook cannot use.

    Attributes: ``file`` (path as shown to the user), ``field`` (column or dotted key),
    ``expected`` (what a valid value looks like, in English), ``got`` (the value found, or
    ``None``), ``row`` (1-based row as a spreadsheet shows it, header = row 1; ``None`` when
    the error is not about one row) and ``message_vi`` (the Vietnamese sentence; a generic one
    is built when not given).
    """

    def __init__(
        self,
        file: Any,
        field: str,
        expected: str,
        got: Any = None,
        *,
        row: int | None = None,
        message_vi: str | None = None,
    ) -> None:
        self.file = str(file)
        self.field = str(field)
        self.expected = expected
        self.got = got
        self.row = row
        self.message_vi = message_vi
        super().__init__(self._line())

    def _line(self) -> str:
        got_en, got_vi = _fmt_got(self.got)
        where_en = f"{self.file}, row {self.row}" if self.row is not None else self.file
        en = f"{where_en}: field '{self.field}' — expected {self.expected}{got_en}"
        if self.message_vi:
            vi = self.message_vi
        else:
            where_vi = f"tệp {self.file}" + (f", dòng {self.row}" if self.row is not None else "")
            vi = (f"{where_vi}, trường '{self.field}': giá trị không hợp lệ "
                  f"(cần: {self.expected}{got_vi})")
        return f"{en} / {vi}"

    def __str__(self) -> str:
        return self._line()

    # Keyword-only arguments defeat Exception's default pickling, and errors raised inside
    # dask workers must travel back to the client.
    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (type(self), self.__dict__.copy()))


class PlanningInputErrors(PlanningInputError):
    """Several :class:`PlanningInputError` at once (e.g. every bad row of a household list).

    ``.errors`` holds them in order; ``str()`` is a bilingual header line followed by one
    line per error. The ``file``/``field``/``row``... attributes are those of the first error.
    """

    def __init__(self, errors: Sequence[PlanningInputError]) -> None:
        if not errors:
            raise ValueError("PlanningInputErrors needs at least one error / cần ít nhất một lỗi")
        self.errors: list[PlanningInputError] = list(errors)
        first = self.errors[0]
        super().__init__(first.file, first.field, first.expected, first.got, row=first.row,
                         message_vi=first.message_vi)

    def _line(self) -> str:
        files = sorted({e.file for e in getattr(self, "errors", [])})
        where = files[0] if len(files) == 1 else f"{len(files)} files / {len(files)} tệp"
        n = len(getattr(self, "errors", []))
        head = f"{where}: {n} invalid value(s) / {n} giá trị không hợp lệ"
        return "\n".join([head] + [f"  - {e._line()}" for e in self.errors])


def _rebuild_error(cls: type[PlanningInputError], state: dict[str, Any]) -> PlanningInputError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    ValueError.__init__(err, err._line())
    return err
