"""Poverty re-projected from the monitoring workbook (issue 19): the reported pace of the
targets that measure an indicator becomes target paths, priced and projected."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import planning
from planning.analyses.progress import compare
from planning.analyses.reprojection import reported_paces, reproject
from planning.frontends.cli import main
from planning.stores.monitoring import read_monitoring
from planning.stores.targets import load_targets
from planning.stores.units import load_units

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "tests" / "fixtures" / "monitoring_illustrative.xlsx"
PLAN = ROOT / "scenarios" / "district_plan.yaml"


@pytest.fixture(scope="module")
def progress():
    reg = load_targets()
    return compare(read_monitoring(WORKBOOK, reg, load_units(ROOT / "data" / "units.csv")))


def test_reported_pace_is_the_least_squares_slope_of_the_reports(progress):
    paces = reported_paces(progress).set_index("target")
    assert set(paces.index) == {"hygienic_water", "health_insurance_cards"}  # the targets with an indicator
    t = progress.table
    r = t[(t.target == "hygienic_water") & t.value.notna() & (t.value_source == "workbook")]
    by_year = r.groupby("year")["value"].mean()
    slope = np.polyfit(by_year.index.to_numpy(float), by_year.to_numpy(float), 1)[0]
    assert paces.loc["hygienic_water", "pace_points_per_year"] == pytest.approx(slope)
    assert paces.loc["hygienic_water", "years_reported"] == len(by_year) >= 2
    # health-insurance cards: 97.5 (2025), 98, 98.5, 99, 99.6 (2030) in the fixture
    years = np.array([2025, 2026, 2027, 2028, 2030.0])
    vals = np.array([97.5, 98, 98.5, 99, 99.6])
    assert paces.loc["health_insurance_cards", "pace_points_per_year"] == pytest.approx(np.polyfit(years, vals, 1)[0])


def test_the_reprojection_prices_the_reported_pace_and_projects_poverty(progress):
    rp = reproject(progress, PLAN, draws=100)
    p = rp.projection
    assert list(p.columns) == ["year", "poverty_rate_mean", "poverty_rate_p05", "poverty_rate_p95"]
    assert list(p.year) == [2026, 2027, 2028, 2029, 2030]
    assert (p.poverty_rate_p05 <= p.poverty_rate_mean).all() and (p.poverty_rate_mean <= p.poverty_rate_p95).all()
    # the water and insurance paths add money to the plan, so poverty ends lower than the plan's own
    plan = planning.run(PLAN, draws=100, counterfactual=False).district_rates()[:, -1].mean()
    assert p.poverty_rate_mean.iloc[-1] < plan
    # the sentence carries the numbers, formatted per language
    vi, en = rp.sentence("vi"), rp.sentence("en")
    rate = p.poverty_rate_mean.iloc[-1] * 100
    assert f"{rate:.1f}".replace(".", ",") + "%" in vi and f"{rate:.1f}%" in en
    assert "at the reported pace" in en.lower() and "theo tốc độ" in vi.lower()
    if bool(rp.need["reached"]):
        assert f"{rp.need['budget_scale']:.1f} times" in en
        # "that total" is the plan's money and what the reported pace costs: the multiple's base
        base = rp.plan_money + rp.priced_money
        assert rp.need["total_budget"] == pytest.approx(rp.need["budget_scale"] * base)
    assert rp.plan_money == pytest.approx(53_900) and rp.priced_money > 0
    assert f"{rp.plan_money / 1000:.1f}" in en and f"{rp.priced_money / 1000:,.1f}" in en


def test_monitor_report_writes_projection_csv(tmp_path, capsys):
    out = tmp_path / "progress"
    # the numbers are test_the_reprojection_…'s; here the command's plumbing, on few draws
    assert main(["monitor", "report", str(WORKBOOK), "--out", str(out), "--lang", "en", "--draws", "40"]) == 0
    proj = pd.read_csv(out / "projection.csv")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    plan_seed = yaml.safe_load(PLAN.read_text(encoding="utf-8"))["seed"]
    assert (manifest["draws"], manifest["seed"]) == (40, plan_seed)  # the re-projection's, not 0
    assert list(proj.columns) == ["year", "poverty_rate_mean", "poverty_rate_p05", "poverty_rate_p95"]
    md = (out / "progress_report.md").read_text(encoding="utf-8")
    assert "Poverty re-projected from what was reported" in md and "Dự báo lại tỷ lệ hộ nghèo" in md
    assert "At the reported pace of the other targets" in capsys.readouterr().out
