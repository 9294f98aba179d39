"""Evaluating allocations while searching: the search settings and the engine runs of many
"virtual communes" (one commune with candidate amounts) on fixed draws, with common random
numbers and a cache, in this process or on Dask (``distributed``). Used by
:mod:`planning.analyses.allocation_search` and the optimiser's explanation.

Money is million VND; households are counts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from planning.basics.dask_client import dask_client
from planning.basics.errors import PlanningInputError
from planning.models.engine import Draws, EngineInputs, project
from planning.models.runner import Prepared

# ------------------------------------------------------------------------------------------
# Search options


@dataclass(frozen=True)
class Settings:
    """Search settings. ``search_draws``: draws used while searching (the first ones; common
    to every candidate); ``offsets``: the points of each budget–outcome curve, in trust radii.

    The defaults (16 draws, one step down and one up) were chosen by measurement (docs/model.md
    §11): with common random numbers the curves' differences are precise with few draws, and on
    the district plan, the whole plan and a synthetic province the optimum they find is within
    0.001 pp of the one found with 256 draws and four points, at a tenth of the time. The
    choice is always re-checked on all draws against every built-in rule."""

    search_draws: int | None = 16
    max_iter: int = 25
    rho0: float = 1.0
    rho_min: float = 1.0 / 64
    tol: float = 1e-5
    workers: int = 1
    chunk_cells: int = 400_000
    resolution: float = 1e-3  # amounts are rounded to this many million VND (1,000 VND)
    offsets: tuple[float, ...] = (-1.0, 1.0)
    #: where the engine runs while searching: ``"local"`` (this process; ``workers`` threads)
    #: or ``"dask"`` (``distributed``: a LocalCluster of ``workers`` processes, or the
    #: scheduler at ``scheduler`` for a real cluster)
    executor: str = "local"
    scheduler: str | None = None
    #: called after each iteration with (iteration, max_iter): a front end's progress bar
    progress: Callable[[int, int], None] | None = field(default=None, compare=False, repr=False)


# ------------------------------------------------------------------------------------------
# Engine evaluation with common random numbers


def _take_draws(d: Draws, n: int) -> Draws:
    return d.take(slice(0, n))


def _take_units(inputs: EngineInputs, idx: np.ndarray, amounts: np.ndarray) -> EngineInputs:
    esc = np.asarray(inputs.escaped)
    corr = None if inputs.income_correlation is None else np.asarray(inputs.income_correlation)[idx]
    return replace(inputs, households=inputs.households[idx], poor=inputs.poor[idx],
                   near_poor=inputs.near_poor[idx], escaped=esc[idx] if esc.ndim == 1 else esc[:, idx],
                   amounts=amounts, coverage_cap=inputs.coverage_cap[:, :, idx],
                   switch_log_ratio=inputs.switch_log_ratio[:, idx], shock_fixed=inputs.shock_fixed[:, idx],
                   income_correlation=corr)


class _Evaluator:
    """End-year poor households of (virtual) communes for given amounts, on fixed draws.

    Every candidate sees the same draws (common random numbers), so differences between
    candidates are differences of allocation, not of luck. Results are cached per commune
    and amounts (a commune's outcome depends only on its own money).
    """

    def __init__(self, prep: Prepared, n_draws: int, settings: Settings) -> None:
        self.inputs = prep.engine_inputs()
        full = prep.engine_draws()
        self.draws = full if n_draws >= full.n else _take_draws(full, n_draws)
        self.D = self.draws.n
        self.settings = settings
        if settings.executor not in ("local", "dask"):  # refused before any engine run
            raise PlanningInputError("<optimize>", "executor", "'local' or 'dask'", settings.executor)
        hh = project(self.inputs, self.draws, outputs=("households",))["households"][:, :, -1]
        self.households = hh.sum(axis=1)  # [draw] district households in the end year (money-free)
        self.cache: dict[tuple[int, bytes], np.ndarray] = {}
        self.cells = 0
        self._stack = contextlib.ExitStack()
        self._client: Any = None
        if settings.executor == "dask":
            try:
                # one engine thread per worker process: the workers are the parallelism
                self._client = dask_client(self._stack, scheduler=settings.scheduler, workers=settings.workers,
                                           source="<optimize>", env={"NUMBA_NUM_THREADS": "1"})
                self._draws_remote = self._client.scatter(self.draws, broadcast=True)
            except BaseException:
                self._stack.close()  # a cluster started here is stopped, also when the scatter fails
                raise

    def close(self) -> None:
        """Stop the Dask cluster this evaluator started (nothing to do when local)."""
        self._stack.close()
        self._client = None

    def __enter__(self) -> _Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def poor(self, units: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        """[draw, candidate] end-year poor households; ``amounts`` [candidate, K, T]."""
        out = np.empty((self.D, len(units)))
        todo = []
        keys = []
        for i, (u, a) in enumerate(zip(units, amounts, strict=True)):
            key = (int(u), a.tobytes())
            hit = self.cache.get(key)
            if hit is None:
                todo.append(i)
                keys.append(key)
            else:
                out[:, i] = hit
        if todo:
            idx = np.array(todo)
            vals = self._run(np.asarray(units)[idx], amounts[idx])
            out[:, idx] = vals
            if len(self.cache) > 200_000:
                self.cache.clear()
            for j, key in enumerate(keys):
                self.cache[key] = vals[:, j].copy()
        return out

    def _run(self, units: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        n = len(units)
        self.cells += n * self.D
        per = max(1, self.settings.chunk_cells // max(self.D, 1))
        chunks = [slice(a, min(a + per, n)) for a in range(0, n, per)]

        def job(s: slice) -> np.ndarray:
            return _end_poor(_take_units(self.inputs, units[s], amounts[s]), self.draws)

        if self._client is not None:
            # the chunks' inputs go to the workers as data, not inside the task graph
            sent = self._client.scatter([_take_units(self.inputs, units[s], amounts[s]) for s in chunks])
            futures = self._client.map(_end_poor, sent, draws=self._draws_remote, pure=False)
            parts = self._client.gather(futures)
        elif self.settings.workers > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(max_workers=self.settings.workers) as pool:
                parts = list(pool.map(job, chunks))
        else:
            parts = [job(s) for s in chunks]
        # The engine is compiled for the machine it runs on, so its results differ between CPU
        # types in the last bits; rounded to a millionth of a household they are the same
        # everywhere, and so are the search's accept/stop decisions and the optimum it returns.
        return np.round(np.concatenate(parts, axis=1), 6)


def _end_poor(inputs: EngineInputs, draws: Draws) -> np.ndarray:
    """[draw, unit] end-year poor households (one chunk of virtual communes; runs on a worker)."""
    return project(inputs, draws, outputs=("poor",))["poor"][:, :, -1]
