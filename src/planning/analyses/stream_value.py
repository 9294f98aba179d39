"""Which extra billion buys the most: the value of one more billion VND of each funding stream
on each component it may pay for (``streams.csv`` of ``planning target``).

For every component the scenario's money is raised by ``STEP`` million VND of programme-book
money, spread over the years and communes like the component's own money (or, where the
scenario gives it none, like all of the scenario's money; evenly where there is none at all),
and the engine is run on the same draws (common random numbers). The change of the district's
mean rate in the end year and the households lifted (fewer poor than without the extra money),
divided by ``STEP``, are the values per billion VND of a grant; a loan stream's billion lent
buys its budget cost per VND lent of that (data/funding_streams.yaml). Rates are shares; money
is million VND.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from planning.models.engine import project
from planning.models.prepared import Prepared
from planning.stores.allocation import scenario_streams
from planning.stores.streams import FILE_NAME, load_funding_streams

#: extra programme-book money per component, million VND (10 bn VND: a clear signal over the
#: Monte Carlo noise with common random numbers; values are reported per billion)
STEP = 10_000.0
#: draws used (the first so many of the scenario's; as the breakeven search, enough for a ranking)
DRAWS = 300
COLUMNS = ["stream", "stream_vi", "stream_en", "kind", "component", "component_vi", "component_en",
           "amount_in_scenario", "rate_2030_change_per_bn_vnd", "households_lifted_per_bn_vnd"]


def _pattern(prep: Prepared, k: int) -> np.ndarray:
    """[unit, year] shares of extra money for component ``k`` (sum 1)."""
    own = prep.amounts[:, k, :]
    if own.sum() > 0:
        return own / own.sum()
    every = prep.amounts[:, :-1, :].sum(axis=1)
    if every.sum() > 0:
        return every / every.sum()
    return np.full(own.shape, 1.0 / own.size)


def stream_values(prep: Prepared) -> pd.DataFrame:
    """One row per funding stream × component it may pay for (``COLUMNS``), sorted with the
    most households lifted per billion first; empty when the data folder has no stream file."""
    path = prep.loaded.baseline_dir / FILE_NAME
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    book = prep.book
    streams = load_funding_streams(path, book.ids)
    in_scenario = scenario_streams(prep.loaded, book)
    inputs, draws = prep.engine_inputs(), prep.engine_draws()
    draws = draws.take(slice(0, min(DRAWS, draws.n)))

    def end(amounts: np.ndarray) -> tuple[float, float]:
        out = project(replace(inputs, amounts=amounts), draws, outputs=("poor", "households"))
        poor, hh = out["poor"][:, :, -1].sum(axis=1), out["households"][:, :, -1].sum(axis=1)
        return float((poor / hh).mean()), float(poor.mean())

    rate0, poor0 = end(prep.amounts)
    per_component: dict[str, tuple[float, float]] = {}
    for st in streams.streams:
        for cid in st.components:
            if cid in per_component:
                continue
            k = book.ids.index(cid)
            more = prep.amounts.copy()
            more[:, k, :] += STEP * _pattern(prep, k)
            rate1, poor1 = end(more)
            per_component[cid] = ((rate1 - rate0) * 100.0 / (STEP / 1000.0), (poor0 - poor1) / (STEP / 1000.0))
    names = {c.id: (c.name_vi, c.name_en) for c in book.components}
    names.setdefault("capacity", ("Nâng cao năng lực", "Capacity building"))
    rows = []
    for st in streams.streams:
        for cid in st.components:
            d_rate, lifted = per_component[cid]
            f = st.factor(cid)
            k = book.ids.index(cid)
            amount = float(in_scenario[st.id][k].sum()) if st.id in in_scenario else 0.0
            rows.append((st.id, st.name_vi, st.name_en, st.kind, cid, *names[cid], amount, d_rate * f, lifted * f))
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.sort_values("households_lifted_per_bn_vnd", ascending=False, kind="stable").reset_index(drop=True)
