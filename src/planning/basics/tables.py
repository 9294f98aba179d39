"""Display tables: a DataFrame whose columns carry a *kind* (rate, money, count …) that the
styler turns into the language's number format (vi: 1.234,5 and 6,4 %; en: 1,234.5 and 6.4 %).

Kept below the analyses and the front ends so that both can build tables without importing the
report layer. Rates are shares in [0, 1]; money is million VND.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import pandas as pd

from planning.basics.i18n import Lang
from planning.basics.numbers import fmt_number, fmt_pct

__all__ = ["Kind", "formatter", "kind_table"]

Kind = Literal["rate", "prob", "money", "count", "pp", "year", "text"]


def formatter(kind: Kind, lang: Lang) -> Any:
    """The function that writes one value of ``kind`` in ``lang``'s format."""
    if kind == "rate":
        return lambda v: fmt_pct(v, lang, 1)
    if kind == "prob":
        return lambda v: fmt_pct(v, lang, 0)
    if kind == "money":
        return lambda v: fmt_number(v, lang, 0)
    if kind == "count":
        return lambda v: fmt_number(v, lang, 0)
    if kind == "pp":
        return lambda v: fmt_number(v, lang, 1, sign=True)
    if kind == "year":
        return lambda v: "—" if pd.isna(v) else str(int(v))
    return lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def kind_table(columns: Sequence[tuple[str, Kind, Iterable[Any]]], index: Sequence[str] | None = None) -> pd.DataFrame:
    """A DataFrame from (header, kind, values) triples; kinds go to ``attrs['formats']``."""
    df = pd.DataFrame({h: list(v) for h, _, v in columns}, index=list(index) if index is not None else None)
    df.attrs["formats"] = {h: k for h, k, _ in columns}
    return df
