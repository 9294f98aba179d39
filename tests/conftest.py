"""Shared fixtures: small, seeded runs of the shipped data."""

from __future__ import annotations

import copy
import os
from pathlib import Path

# Under pytest-xdist (README: ``-n 2``) each worker already has a core to itself: numba's
# threads would then only spin against the other worker (GNU OpenMP waits actively), which
# made the parallel suite slower than the serial one. Results do not depend on the thread
# count (each unit-draw pair is computed alone). Set before any test module imports numba.
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="session")
def plan_dict() -> dict:
    """The district plan scenario as a dict (a fresh copy per use: see ``scenario``)."""
    return yaml.safe_load((ROOT / "scenarios" / "district_plan.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def scenario(plan_dict) -> dict:
    sc = copy.deepcopy(plan_dict)
    sc["draws"] = 64
    return sc


#: The files that take longest, longest first (measured with ``--durations=0`` under ``-n 2``):
#: started first, they leave the short files to fill both workers at the end, instead of one
#: worker finishing a long file alone while the other waits.
_LONGEST_FIRST = ("test_calibration_recovery.py", "test_reports.py", "test_target.py", "test_calibration.py",
                  "test_reference_posterior.py", "test_monitoring.py", "test_dashboard.py", "what_it_takes.ipynb",
                  "test_reprojection.py", "test_optimize.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(_LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file keeps its order
