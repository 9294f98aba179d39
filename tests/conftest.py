"""Shared fixtures: small, seeded runs of the shipped data."""

from __future__ import annotations

import copy
from pathlib import Path

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
