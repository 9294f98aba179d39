"""A ``distributed`` client for the commands that can run on Dask (``planning batch``,
``planning optimize``): to a running scheduler, or to a LocalCluster of single-threaded worker
processes started for the command and stopped with it, its scratch files in a temporary folder
that goes with it (dask's default folder under /tmp would keep lock files after the command)."""

from __future__ import annotations

import contextlib
import logging
import tempfile
from typing import Any

from planning.basics.errors import PlanningInputError


def dask_client(stack: contextlib.ExitStack, *, scheduler: str | None, workers: int, source: str,
                env: dict[str, str] | None = None) -> Any:
    """A client to ``scheduler`` or to a new LocalCluster of ``workers`` processes (``env`` set in
    each), closed with ``stack``. A scheduler that cannot be reached is a
    :class:`PlanningInputError` naming ``source`` and the field ``scheduler``."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return stack.enter_context(Client(scheduler))
        except OSError as exc:  # includes the connect timeout
            raise PlanningInputError(source, "scheduler", "the address of a running dask scheduler",
                                     f"{scheduler} ({exc})",
                                     message_vi=f"không kết nối được dask scheduler {scheduler}: {exc}") from exc
    # entered first, so removed last: after the cluster has stopped and let go of its files
    scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="planning-dask-"))
    stack.enter_context(dask.config.set({"temporary-directory": scratch}))  # the scheduler's locks too
    cluster = stack.enter_context(LocalCluster(
        n_workers=max(workers, 1), threads_per_worker=1, processes=True, dashboard_address=None,
        silence_logs=logging.WARNING, env=env or {}, local_directory=scratch))
    return stack.enter_context(Client(cluster))
