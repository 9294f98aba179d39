"""The dashboard's money sliders: the budget without a stream (``budget:``) and each funding
stream's own money (a loan's volume lent), as yearly profiles a slider scales. Money is million
VND a year."""

from __future__ import annotations

from typing import Literal

import ipywidgets as w
import numpy as np

from planning.models.prepared import Prepared
from planning.stores.allocation import budget_matrix, scenario_streams
from planning.stores.streams import FILE_NAME, FundingStreams, load_funding_streams

__all__ = ["SLIDER_LAYOUT", "SLIDER_STYLE", "money_by_year", "money_profiles", "money_slider"]

#: the dashboard's wide sliders (money, assumptions)
SLIDER_STYLE = {"description_width": "300px"}
SLIDER_LAYOUT = {"width": "600px"}


def money_slider(default: float) -> w.FloatSlider:
    """A slider of million VND a year, from 0 to three times ``default`` (at least 1,000)."""
    top = max(3.0 * default, 1000.0)
    return w.FloatSlider(value=default, min=0.0, max=float(np.ceil(top / 500.0) * 500.0), step=10.0,
                         readout=False, continuous_update=False, style=SLIDER_STYLE, layout=SLIDER_LAYOUT)


def money_profiles(prep: Prepared, *, table: bool
                   ) -> tuple[np.ndarray, FundingStreams | None, dict[str, np.ndarray]]:
    """[component, year] profiles (budget_scale included): the budget without a stream, the
    funding streams of the data folder (None without a stream file, or with a table allocation,
    whose amounts the budget sliders scale as a whole) and each stream's own money."""
    if table:
        return prep.amounts.sum(axis=0), None, {}
    loaded = prep.loaded
    no_streams = loaded.model_copy(update={"scenario": loaded.scenario.model_copy(update={"streams": {}})})
    profile = budget_matrix(no_streams, prep.book)
    path = loaded.baseline_dir / FILE_NAME
    if not path.exists():
        return profile, None, {}
    streams = load_funding_streams(path, prep.book.ids)
    own = scenario_streams(loaded, prep.book)
    return profile, streams, {st.id: own.get(st.id, np.zeros_like(profile)) for st in streams.streams}


def money_by_year(sliders: dict[str, w.FloatSlider], profile: np.ndarray, components: tuple[str, ...],
                  years: list[int], how: Literal["plan", "flat"]) -> dict[int, dict[str, float]]:
    """{year: {component: million VND}} for ``sliders`` over ``profile``: a slider scales its
    component's year profile (``"plan"``; exactly the scenario's numbers at the default), or
    puts its value in every year (``"flat"``, or where the profile is empty)."""
    out: dict[int, dict[str, float]] = {}
    for t, year in enumerate(years):
        out[year] = {}
        for cid, slider in sliders.items():
            k = components.index(cid)
            value, default = float(slider.value), float(profile[k].mean())
            if how == "plan" and default > 0:
                out[year][cid] = float(profile[k, t]) * (value / default)
            else:
                out[year][cid] = value
    return out
