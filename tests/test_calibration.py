"""Calibration: converter, input checks, parameter recovery, uncertainty, back-test, outputs.

The recovery tests generate review series with the engine itself from known flows (plus
small multiplicative noise) and fit them back. Tolerances, stated where used: pooled fit of
10 years × 11 units with 0.2 % noise recovers every flow within 15 % (exit from poverty and
household growth within 3 %); a noise-free per-unit fit recovers each unit's flows within 2 %.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import planning
from planning.calibration import (
    FITTED,
    _default_mix,
    _Simulator,
    calibrate,
    convert_long,
    long_to_observed,
    main,
    read_observed,
    with_calibration,
)
from planning.cli import main as cli_main
from planning.errors import PlanningInputError
from planning.parameters import load_model_parameters
from planning.paths import data_dir
from planning.programmes import load_programme_book

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "data" / "baseline.csv"
SHIPPED = ROOT / "data" / "calibrated"
TRUTH = np.array([0.22, 0.12, 0.03, 0.06, 0.003, 0.015])  # order of FITTED


@pytest.fixture(scope="module")
def observed() -> pd.DataFrame:
    return long_to_observed(BASELINE)


def _simulate(frame: pd.DataFrame, theta: np.ndarray, *, noise: float = 0.0, seed: int = 1,
              per_unit: bool = False) -> pd.DataFrame:
    """Replace the counts of ``frame`` (after each unit's first year) by engine output."""
    obs = read_observed(frame)
    params, book = load_model_parameters(), load_programme_book()
    sim = _Simulator(obs, params, book, FITTED, _default_mix(book), data_dir())
    pred = sim.predict(theta)
    ui = {u: i for i, u in enumerate(sim.units)}
    f = frame.copy()
    rows = f["unit"].map(ui).to_numpy()
    cols = (f["year"] - sim.years[0]).to_numpy()
    sets = rows if per_unit else np.zeros_like(rows)
    rng = np.random.default_rng(seed)
    for m in ("households", "poor", "near_poor"):
        v = pred[m][sets, rows, cols]
        f[m] = v * (1.0 + noise * rng.standard_normal(len(v)))
    return f


def _long_series(observed: pd.DataFrame, years: range) -> pd.DataFrame:
    start = observed[observed["year"] == years[0]].drop(columns=["status"])
    return pd.concat([start.assign(year=y) for y in years], ignore_index=True)


# ------------------------------------------------------------------------------ converter
def test_long_format_converts_to_the_calibrate_input(observed, tmp_path):
    b = planning.load_baseline()
    series = b.series.sort_values(["unit", "year"]).reset_index(drop=True)
    conv = observed.sort_values(["unit", "year"]).reset_index(drop=True)
    assert list(conv.columns[:5]) == ["unit", "year", "households", "poor", "near_poor"]
    for col in ("households", "poor", "near_poor"):
        np.testing.assert_array_equal(conv[col].to_numpy(float), series[col].to_numpy(float))
    assert (conv["status"] == "illustrative").all()
    assert not ((conv["unit"] == "muong_giang") & (conv["year"] == 2020)).any()  # households-only anchor
    out = convert_long(BASELINE, tmp_path / "wide.csv")
    assert read_observed(out).illustrative
    assert main(["convert", str(BASELINE), str(tmp_path / "wide2.csv")]) == 0
    assert (tmp_path / "wide2.csv").read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_read_observed_accepts_long_format_directly():
    obs = read_observed(BASELINE)
    assert obs.illustrative and not obs.has_spending
    assert len(obs.units) == 11 and obs.years == [2021, 2022, 2023, 2024, 2025]


# ------------------------------------------------------------------------------ bad input
def _write(tmp_path: Path, df: pd.DataFrame) -> Path:
    p = tmp_path / "obs.csv"
    df.to_csv(p, index=False)
    return p


@pytest.mark.parametrize("change, field, row", [
    (lambda d: d.drop(columns=["near_poor"]), "near_poor", None),
    (lambda d: d.assign(poor=d["poor"].where(d.index != 3, -5)), "poor", 5),
    (lambda d: d.assign(households=d["households"].where(d.index != 0, "many")), "households", 2),
    (lambda d: d.assign(poor=d["poor"].where(d.index != 1, d["households"])), "poor", 3),
    (lambda d: pd.concat([d, d.iloc[[2]]], ignore_index=True), "unit/year", None),
    (lambda d: d[~((d["unit"] == "ca_nang") & (d["year"] > 2021))], "year", None),
    (lambda d: d.assign(year=d["year"].astype(float).where(d.index != 4, 2022.5)), "year", 6),
    (lambda d: d.assign(spending=-1.0), "spending", 2),
])
def test_bad_input_names_file_field_and_row(observed, tmp_path, change, field, row):
    p = _write(tmp_path, change(observed.drop(columns=["status"])))
    with pytest.raises(PlanningInputError) as exc:
        read_observed(p)
    assert exc.value.field == field
    assert "obs.csv" in exc.value.file
    if row is not None:
        assert exc.value.row == row
    assert "/" in str(exc.value)  # bilingual message


def test_missing_file_and_bad_backtest_year(observed, tmp_path):
    with pytest.raises(PlanningInputError) as exc:
        read_observed(tmp_path / "nope.csv")
    assert exc.value.field == "<file>"
    with pytest.raises(PlanningInputError) as exc:
        calibrate(observed, pooled=True, backtest=2025)
    assert exc.value.field == "--backtest"
    with pytest.raises(PlanningInputError):
        calibrate(observed, pooled=True, backtest=2021)


# ------------------------------------------------------------------------------ recovery
def test_pooled_fit_recovers_known_flows(observed):
    frame = _simulate(_long_series(observed, range(2021, 2031)), TRUTH[None, :], noise=0.002)
    cal = calibrate(frame, pooled=True)
    est = cal.estimates.set_index("parameter").loc[list(FITTED), "estimate"].to_numpy()
    rel = np.abs(est / TRUTH - 1.0)
    assert rel.max() < 0.15, dict(zip(FITTED, rel.round(3), strict=True))
    assert rel[FITTED.index("transitions.exit_poor")] < 0.03
    assert rel[FITTED.index("households.growth")] < 0.03
    e = cal.estimates
    assert (e["ci_low"] <= e["estimate"] + 1e-12).all() and (e["estimate"] <= e["ci_high"] + 1e-12).all()
    assert np.isfinite(e["se"]).all()
    assert cal.unit_errors()["poor_rate_rmse_pp"].max() < 0.5  # pp


def test_per_unit_fit_recovers_each_units_flows(observed):
    frame = _long_series(observed, range(2021, 2029))
    n = frame["unit"].nunique()
    spread = 1.0 + 0.2 * (np.arange(n) / (n - 1) - 0.5)  # ±10 % between units
    theta = TRUTH[None, :] * np.column_stack([spread, spread[::-1], np.ones((n, 4))])
    order = {u: i for i, u in enumerate(dict.fromkeys(frame["unit"]))}
    cal = calibrate(_simulate(frame, theta, per_unit=True), pooled=False)
    e = cal.estimates
    for u, i in order.items():
        est = e[e["unit"] == u].set_index("parameter").loc[list(FITTED), "estimate"].to_numpy()
        assert np.abs(est / theta[i] - 1.0).max() < 0.02, u


def test_spending_is_run_as_historical_programme_money(observed):
    frame = _long_series(observed, range(2021, 2029)).assign(spending=400.0)  # million VND / unit / year
    params, book = load_model_parameters(), load_programme_book()
    obs = read_observed(frame)
    sim = _Simulator(obs, params, book, FITTED, _default_mix(book), data_dir())
    pred = sim.predict(TRUTH[None, :])
    ui = {u: i for i, u in enumerate(sim.units)}
    f = frame.copy()
    for m in ("households", "poor", "near_poor"):
        f[m] = pred[m][0, f["unit"].map(ui).to_numpy(), (f["year"] - sim.years[0]).to_numpy()]
    with_money = calibrate(f, pooled=True)
    without = calibrate(f.drop(columns=["spending"]), pooled=True)
    assert not with_money.includes_historical_programmes and without.includes_historical_programmes
    ex = with_money.estimates.set_index("parameter")["estimate"]
    assert abs(ex["transitions.exit_poor"] / TRUTH[0] - 1) < 0.02
    # without the money the fit must credit the programmes' exits to the baseline flows
    assert without.estimates.set_index("parameter")["estimate"]["transitions.exit_poor"] > ex["transitions.exit_poor"]
    assert "INCLUDE" in without.parameter_overrides()["transitions"]["exit_poor"]["source"]


# ------------------------------------------------------------------------------ outputs
def test_backtest_reports_held_out_errors(observed):
    cal = calibrate(observed, pooled=True, backtest=2023)
    assert set(cal.fit["set"]) == {"start", "fit", "holdout"}
    assert cal.fit.loc[cal.fit["set"] == "holdout", "year"].min() == 2024
    bt = cal.backtest()
    assert set(bt["flows"]) == {"calibrated", "prior"}
    assert list(bt[bt["flows"] == "calibrated"]["horizon"]) == [1, 2]
    assert np.isfinite(bt["unit_poor_rate_mae_pp"]).all()


def test_parameter_file_is_usable_by_scenarios(observed, tmp_path):
    cal = calibrate(observed, pooled=True)
    out = cal.write(tmp_path / "cal")
    for name in ("estimates.csv", "fit.csv", "errors.csv", "unit_errors.csv", "calibrated_parameters.yaml",
                 "summary.json", "README.md", "district_plan_calibrated.yaml"):
        assert (out / name).exists(), name
    mapping = yaml.safe_load((out / "calibrated_parameters.yaml").read_text(encoding="utf-8"))
    for sec in mapping.values():
        for entry in sec.values():
            assert entry["low"] <= entry["mode"] <= entry["high"] and "ILLUSTRATIVE" in entry["source"]
    params = load_model_parameters(overrides=mapping, override_file="calibrated_parameters.yaml")
    est = cal.estimates.set_index("parameter")["estimate"]
    assert params.values["model.transitions.exit_poor"].mode == pytest.approx(est["transitions.exit_poor"], rel=1e-5)
    spec = with_calibration(ROOT / "scenarios" / "district_plan.yaml", out / "calibrated_parameters.yaml")
    spec["draws"] = 16
    r = planning.run(spec, counterfactual=False)
    assert 0 <= r.outcomes()["poverty_rate_end_mean"] < 1
    r2 = planning.run(out / "district_plan_calibrated.yaml", draws=16, counterfactual=False)
    assert r2.outcomes()["poverty_rate_end_mean"] == pytest.approx(r.outcomes()["poverty_rate_end_mean"])


def test_per_unit_parameter_file_spans_units(observed):
    cal = calibrate(observed, pooled=False)
    e = cal.estimates
    ov = cal.parameter_overrides()
    g = ov["households"]["growth"]
    est = e[e["parameter"] == "households.growth"]["estimate"]
    assert est.min() - 1e-9 <= g["mode"] <= est.max() + 1e-9  # household-weighted mean of the units
    assert g["low"] <= g["mode"] <= g["high"]
    assert "per unit" in g["source"]


def test_cli_calibrate(tmp_path, capsys):
    assert cli_main(["calibrate", str(BASELINE), "--out", str(tmp_path / "c"), "--pooled", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "ILLUSTRATIVE" in out and "include the effect of historical programmes" in out
    assert (tmp_path / "c" / "calibrated_parameters.yaml").exists()
    assert cli_main(["calibrate", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "d")]) == 2


def test_shipped_illustrative_fit_is_current(observed):
    """data/calibrated/ is `planning calibrate data/baseline.csv --out data/calibrated --pooled`."""
    shipped = pd.read_csv(SHIPPED / "estimates.csv")
    fresh = calibrate(BASELINE, pooled=True).estimates
    np.testing.assert_allclose(shipped["estimate"], fresh["estimate"], rtol=1e-4, atol=1e-8,
                               err_msg="re-run: planning calibrate data/baseline.csv --out data/calibrated --pooled")
    assert "ILLUSTRATIVE" in (SHIPPED / "README.md").read_text(encoding="utf-8")
    assert "ILLUSTRATIVE" in (SHIPPED / "calibrated_parameters.yaml").read_text(encoding="utf-8")
