"""Uncertainty analysis: Latin hypercube, fan charts, probabilities, sensitivity, discovery."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from planning.analyses.uncertainty import (
    BAD_YEARS,
    format_value,
    parameter_label,
    prcc,
    prim,
    run_uncertainty,
    srrc,
)
from planning.basics.errors import PlanningInputError
from planning.frontends.cli import main as cli_main
from planning.models.runner import prepare

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "district_plan.yaml"
DRAWS = 200


@pytest.fixture(scope="module")
def unc():
    return run_uncertainty(PLAN, draws=DRAWS)


def _tri_cdf(x: np.ndarray, a: float, c: float, b: float) -> np.ndarray:
    left = (x - a) ** 2 / ((b - a) * (c - a)) if c > a else np.zeros_like(x)
    right = 1 - (b - x) ** 2 / ((b - a) * (b - c)) if b > c else np.ones_like(x)
    return np.where(x <= c, left, right)


def test_every_uncertain_assumption_is_latin_hypercube_sampled(unc):
    prep = prepare(PLAN, draws=DRAWS, sampling="lhs")
    calibrated = set(prep.calibration["parameters"]) if prep.calibration else set()
    funded = {c for k, c in enumerate(prep.book.ids) if prep.amounts[:, k].sum() > 0}
    dists = {k: v for k, v in {**prep.params.uncertain(), **prep.book.uncertain()}.items() if k not in calibrated
             and (not k.startswith("programmes.") or k.split(".")[1] in funded or k == "programmes.intensity.returns")}
    assert set(dists) <= set(unc.experiments.columns)
    assert len(funded) == 8  # the seven components of the district plan and capacity
    assert BAD_YEARS in unc.experiments.columns
    for name, d in dists.items():
        u = _tri_cdf(unc.experiments[name].to_numpy(), d.low, d.mode, d.high)
        strata = np.floor(np.clip(u, 0, 1 - 1e-12) * DRAWS).astype(int)
        assert sorted(strata) == list(range(DRAWS)), name  # one draw per stratum
    assert unc.result.sampling == "lhs"


def test_fan_chart_bands_are_ordered(unc):
    f = unc.fan_chart_data()
    q = f[["p05", "p25", "p50", "p75", "p95"]].to_numpy()
    assert (np.diff(q, axis=1) >= -1e-12).all()
    d = f[f["unit"] == "district"]
    assert list(d["year"]) == [unc.result.baseline_year, *unc.result.years]
    base = d.iloc[0]
    assert base["p05"] == base["p95"] == base["mean"]  # the observed baseline year has no spread
    fig = unc.plot_fan_chart(lang="en")
    assert fig.axes[0].get_legend() is not None
    fig2 = unc.plot_probabilities(lang="vi")
    assert len(fig2.axes[0].patches) == len(unc.probabilities()) - 1


def test_probabilities_for_district_and_every_commune(unc):
    p = unc.probabilities()
    assert p.iloc[0]["unit"] == "district"
    assert set(p["level"]) == {"district", "new_commune", "unit"}
    assert p[["prob_below_target", "prob_below_threshold"]].stack().between(0, 1).all()
    uo = unc.result.unit_outcomes().set_index("unit")
    for _, row in p.iterrows():
        assert row["prob_below_target"] == pytest.approx(uo.loc[row["unit"], "prob_below_target"])


def test_srrc_and_prcc_rank_a_known_model():
    rng = np.random.default_rng(0)
    X = rng.random((500, 4))
    y = 3 * X[:, 0] - X[:, 1] + 0.2 * X[:, 2] + 0.05 * rng.standard_normal(500)
    b, r2 = srrc(X, y)
    assert np.argsort(-np.abs(b)).tolist()[:3] == [0, 1, 2]
    assert b[0] > 0 > b[1] and r2 > 0.9
    pc = prcc(X, y)
    assert np.argsort(-np.abs(pc)).tolist()[:2] == [0, 1] and abs(pc[3]) < 0.15


def test_sensitivity_ranking(unc):
    s = unc.sensitivity()
    assert list(s["rank"]) == list(range(1, len(s) + 1))
    assert (np.diff(s["srrc"].abs()) <= 1e-12).all()
    assert set(s["uncertainty"]) == set(unc.experiments.columns)
    assert 0 <= s["r2"].iloc[0] <= 1
    # faster income growth can only lower the end-year rate
    row = s.set_index("uncertainty").loc["model.income.growth"]
    assert row["srrc"] < 0 and row["direction"] == -1


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(1)
    X = rng.random((2000, 3))
    y = (X[:, 0] > 0.7) & (X[:, 1] < 0.4)
    box = prim(X, y, ["a", "b", "c"], min_mass=0.05, density_threshold=0.95)
    assert set(box.limits) == {"a", "b"}
    assert box.limits["a"][0] == pytest.approx(0.7, abs=0.05)
    assert box.limits["b"][1] == pytest.approx(0.4, abs=0.05)
    assert box.density > 0.8 and box.coverage > 0.7
    kinds = {n: side for n, side, _, _ in box.restrictions()}
    assert kinds == {"a": "above", "b": "below"}


def test_failure_threshold_rules(unc):
    share = float((unc.end_rates >= unc.target).mean())
    assert unc.failure_rule == ("target" if 0.05 <= share <= 0.95 else "median")
    med = run_uncertainty(PLAN, draws=64, failure="median")
    assert med.failure_threshold == pytest.approx(float(np.median(med.end_rates)))
    fixed = run_uncertainty(PLAN, draws=64, failure=0.07)
    assert fixed.failure_rule == "threshold" and fixed.failure_threshold == 0.07
    with pytest.raises(PlanningInputError):
        run_uncertainty(PLAN, draws=8, failure="sometimes")


def test_discovery_sentences_are_bilingual_and_plain():
    u = run_uncertainty(PLAN, draws=DRAWS, failure="target", target=float(np.median(
        run_uncertainty(PLAN, draws=DRAWS).end_rates)))
    vi, en = u.discovery_sentences("vi"), u.discovery_sentences("en")
    assert vi[0].startswith("Mục tiêu không đạt khi ") and en[0].startswith("The target fails when ")
    assert "%" in vi[0] and "," in vi[0]  # Vietnamese decimal comma
    table = u.discovery_table()
    assert not table.empty and set(table["side"]) <= {"above", "below", "between"}
    for _, r in table.iterrows():
        assert r["label_vi"].lower()[:8] in vi[0].lower()


def test_format_value_and_labels():
    assert format_value("model.setbacks.probability", 0.065, "vi") == "6,5%"
    assert format_value("model.setbacks.probability", 0.065, "en") == "6.5%"
    assert format_value("programmes.housing.unit_cost", 40, "vi") == "40,0 triệu đồng/hộ"
    assert format_value("model.bad_years.multiplier", 1.8, "en") == "1.80"
    assert parameter_label("model.setbacks.probability", "vi").startswith("Xác suất hộ gặp rủi ro")
    assert parameter_label("programmes.credit.effects.income", "en") == "Income effect – Credit"


def test_write_and_cli(unc, tmp_path, capsys):
    out = unc.write(tmp_path / "u", charts=False)
    for name in ("experiments.csv", "outcomes.csv", "fan_chart.csv", "probabilities.csv", "sensitivity.csv",
                 "discovery.csv", "discovery.md", "uncertainty.json", "summary.csv", "manifest.json"):
        assert (out / name).exists(), name
    summary = json.loads((out / "uncertainty.json").read_text(encoding="utf-8"))
    assert summary["sampling"] == "lhs" and summary["failure_rule"] in ("target", "median")
    assert len(pd.read_csv(out / "experiments.csv")) == DRAWS
    rc = cli_main(["uncertainty", str(PLAN), "--out", str(tmp_path / "cli"), "--draws", "64", "--lang", "en"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "Sensitivity ranking" in printed and "income growth of households near the line" in printed
    assert printed.rstrip().endswith(f"written to {(tmp_path / 'cli').resolve().as_posix()}")
    # components the plan gives no money (the whole plan's works) are not uncertainties of its result
    cols = set(pd.read_csv(out / "experiments.csv").columns)
    assert "programmes.livelihood.unit_cost" in cols and not any(c.startswith("programmes.roads.") for c in cols)
    assert (tmp_path / "cli" / "fan_chart.png").exists()
