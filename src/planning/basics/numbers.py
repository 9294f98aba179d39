"""One number style per language, for everything a planner reads.

Vietnamese: ``1.234,5`` and ``6,4%``; English: ``1,234.5`` and ``6.4%``. Every table, sentence,
chart axis and report of the package formats its numbers with :func:`fmt_number` and
:func:`fmt_pct` (re-exported by :mod:`planning.frontends.reporting`); Excel files use the matching number
formats of :mod:`planning.frontends.comparison_workbook`.

Units: :func:`fmt_pct` takes a share in [0, 1] and writes a percentage; :func:`fmt_number`
writes the number as given (million VND, households, percentage points …).
"""

from __future__ import annotations

import math
import re
from typing import Any

from planning.basics.i18n import Lang

__all__ = ["check_lang", "fmt_number", "fmt_pct", "standard_name"]


def check_lang(lang: str) -> Lang:
    """``lang`` if it is ``"vi"`` or ``"en"``; a bilingual ``ValueError`` otherwise."""
    if lang not in ("vi", "en"):
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r} / ngôn ngữ phải là 'vi' hoặc 'en'")
    return lang  # type: ignore[return-value]


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def display_stable(x: float) -> float:
    """``x`` rounded to 7 significant digits before it is rounded for display.

    Different CPUs (and numpy's per-CPU vectorised exp/log) give results that differ in the last
    bits; a value that sits near a displayed rounding boundary (5.05 shown with one decimal)
    could then print 5.0 on one machine and 5.1 on another, and a stored notebook output would
    differ. Seven digits absorb differences of up to about 5e-8 relative, and the displayed
    rounding boundaries (x.x5) are themselves 7-digit numbers, so both machines land on the
    same side."""
    v = float(x)
    return float(f"{v:.7g}") if math.isfinite(v) else v


def fmt_number(x: float | None, lang: Lang = "vi", digits: int = 0, *, sign: bool = False) -> str:
    """``x`` with thousands separators in the language's style (vi: ``53.900,5``; en: ``53,900.5``).

    ``None``/NaN reads as an em dash (no value), never as ``nan``; ``sign=True`` writes ``+``
    before positive numbers (a gap in percentage points).
    """
    if _missing(x):
        return "—"
    s = f"{display_stable(x):{'+' if sign else ''},.{digits}f}"  # type: ignore[arg-type]
    if s.startswith("-") and s.strip("-0.,") == "":  # a negative that rounds to zero: 0,0, not -0,0
        s = s[1:]
    if lang == "vi":
        # swap separators through a placeholder: 53,900.5 -> 53.900,5
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def fmt_pct(x: float | None, lang: Lang = "vi", digits: int = 1) -> str:
    """A share in [0, 1] as a percentage in the language's style (vi ``6,4%``, en ``6.4%``)."""
    if _missing(x):
        return "—"
    return fmt_number(100.0 * float(x), lang, digits) + "%"  # type: ignore[arg-type]


_DECREE = re.compile(r"decree_(\d+)_(\d{4})$")


def standard_name(standard_id: str, lang: Lang = "vi") -> str:
    """A short name of a poverty standard for tables and charts: ``decree_351_2025`` →
    ``NĐ 351/2025`` (vi) or ``Decree 351/2025`` (en); other ids unchanged."""
    m = _DECREE.match(str(standard_id))
    if not m:
        return str(standard_id)
    number, year = m.groups()
    return f"{'NĐ' if lang == 'vi' else 'Decree'} {number}/{year}"
