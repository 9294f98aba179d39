"""Axis formatting shared by every chart: percent ticks and year ticks in the language's style."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.ticker import FuncFormatter, MaxNLocator

from planning.basics.i18n import Lang
from planning.basics.numbers import fmt_pct

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["pct_axis", "year_axis"]


def pct_axis(ax: Axes, lang: Lang, digits: int = 0, axis: str = "y") -> None:
    """Percent ticks on a share axis; steps of 1, 2 or 5 so whole percentages stay exact."""
    a = ax.yaxis if axis == "y" else ax.xaxis
    a.set_major_locator(MaxNLocator(nbins=6 if axis == "x" else "auto", steps=[1, 2, 5, 10]))
    a.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_pct(v, lang, digits)))


def year_axis(ax: Axes) -> None:
    """Whole years only on the x axis."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
