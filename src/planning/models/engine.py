"""The commune projection engine: each commune's income distribution, moved year by year.

Poverty is read off a distribution, as in the World Bank's distribution-based projections
(Macro Poverty Outlook, PIP): within each unit, households are spread over log income
relative to the poverty line in force (a histogram of ``N_BINS`` bins of ``BIN_WIDTH`` log
points) and carry a flag "deprived in at least 3 indicators". A household is

* poor when its income is at or below the line and it is multiply deprived,
* near-poor when its income is at or below the line and it is not,
* newly escaped for about ``support_years`` after leaving either list (tag E), other (O) else.

Each year: a change of standard moves the line (households between the old and the new line
fall below it); programme money reaches shares of the poor, near-poor and newly escaped
(cost–coverage curves) and raises their incomes, removes deprivations or protects them from
setbacks; every income then grows, regresses towards the unit's mean and a share of
households suffers a setback (illness, livestock loss, crop failure) that cuts income and may
add deprivations; deprivations also fade with general development. Re-poverty and new
poverty are setbacks of households near the line, so the protective components reduce them;
the pace of decline follows from the shape of the distribution, so it can speed up as the
poor become fewer. Every equation is in docs/model.md; every parameter is data
(data/model_parameters.yaml, data/programmes.yaml) with its source and range.

Arrays: households are float64 expectations given one draw of the uncertain parameters;
money is million VND. Outputs are [draw, unit, year]. The kernel is compiled (numba) and
runs (unit, draw) pairs in parallel; each pair keeps its whole histogram in cache.
"""

from __future__ import annotations

import numpy as np

from planning.models.engine_inputs import _KERNEL_LOCK as _KERNEL_LOCK
from planning.models.engine_inputs import _MAX_P as _MAX_P
from planning.models.engine_inputs import BIN_WIDTH as BIN_WIDTH
from planning.models.engine_inputs import DECOMPOSITION as DECOMPOSITION
from planning.models.engine_inputs import LINE_BIN as LINE_BIN
from planning.models.engine_inputs import MODEL_NAMES as MODEL_NAMES
from planning.models.engine_inputs import N_BINS as N_BINS
from planning.models.engine_inputs import OUTPUTS as OUTPUTS
from planning.models.engine_inputs import PER_DRAW as PER_DRAW
from planning.models.engine_inputs import X_LOW as X_LOW
from planning.models.engine_inputs import Draws as Draws
from planning.models.engine_inputs import EngineInputs as EngineInputs
from planning.models.engine_inputs import bad_year_shocks as bad_year_shocks
from planning.models.engine_inputs import draws_from_samples as draws_from_samples
from planning.models.engine_inputs import per_draw_table
from planning.models.engine_inputs import persistence as persistence
from planning.models.engine_kernel import _kernel
from planning.models.engine_start import _plain
from planning.models.engine_start import correlation_for as correlation_for
from planning.models.engine_start import start_counts as start_counts
from planning.models.engine_start import start_parameters as start_parameters
from planning.models.engine_start import unit_correlation as unit_correlation


def project(inputs: EngineInputs, draws: Draws, *, outputs: tuple[str, ...] = OUTPUTS,
            decompose: bool = False, dtype: type = np.float64,
            ledger: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Run the projection; returns each requested output as [draw, unit, year] (households).

    With ``decompose``, the poor of each year are also split by history (``DECOMPOSITION``):
    poor since the start and never reached by a programme, poor since the start though
    reached, fallen back after escaping, newly poor, and made poor by a change of standard.
    ``ledger`` ([year, unit, draw, 6 + 3 × components], filled in place) receives what the
    deprivation ledger by indicator needs (:mod:`planning.models.indicators`; the layout is in
    the kernel's docstring).
    """
    known = OUTPUTS + (DECOMPOSITION if decompose else ())
    unknown = set(outputs) - set(known)
    if unknown:
        raise ValueError(f"unknown engine outputs: {sorted(unknown)}; known: {known}")
    D, C, Y = draws.n, inputs.n_units, inputs.n_years
    K = inputs.targets.shape[0]
    if inputs.amounts.shape != (C, K + 1, Y):
        raise ValueError(f"amounts must be [unit, component + capacity, year] = "
                         f"{(C, K + 1, Y)}, got {inputs.amounts.shape}")
    store = np.zeros((len(outputs), Y, C, D), dtype=dtype)
    slot = np.array([outputs.index(n) if n in outputs else -1 for n in known], dtype=np.int64)
    if not decompose:
        slot = np.concatenate([slot, np.full(len(DECOMPOSITION), -1, dtype=np.int64)])
    per_draw = per_draw_table(draws)
    top = 0.999 / (1.0 + draws.capacity_uplift)  # coverage·effect·m stays below 1
    effects = np.ascontiguousarray(np.stack([
        np.maximum(draws.effect_income, 0.0).T,
        np.minimum(draws.effect_deprivation, top[:, None]).T,
        np.minimum(draws.effect_protect, top[:, None]).T,
    ]))  # [effect, component, draw]
    inv_cost = np.ascontiguousarray((1.0 / draws.unit_cost).T)  # [component, draw]
    escaped = np.asarray(inputs.escaped, dtype=float)
    S = int(inputs.support_years)
    if escaped.ndim == 1:  # a total: spread evenly over the cohorts (NaN: derived, §3)
        escaped = np.repeat(escaped[None, :] / S, S, axis=0)
    elif escaped.shape[0] != S:
        full = np.zeros((S, escaped.shape[1]))
        k = min(S, escaped.shape[0])
        full[:k] = escaped[:k]
        escaped = full
    with _KERNEL_LOCK:
        start = start_parameters(inputs, per_draw)
        args = [inputs.households, inputs.poor, inputs.near_poor, escaped, unit_correlation(inputs), start,
                inputs.amounts, inputs.targets, inputs.coverage_cap, inputs.switch_log_ratio,
                inputs.shock_fixed]
        _kernel(*map(_plain, args), float(inputs.capacity_scale), _plain(per_draw), _plain(draws.shock.T),
                _plain(inv_cost), _plain(effects), decompose, store, slot,
                np.zeros((0, 0, 0, 0)) if ledger is None else ledger)
    return {name: store[i].transpose(2, 1, 0) for i, name in enumerate(outputs)}
