"""The calibration's recovery check: fitted to series the model generated itself, the identified
parameters' 90 % intervals contain the truth about as often as they should, and agree with the
same posterior computed without MCMC (issue 5; docs/model.md §9)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from planning.analyses.calibration import FITTED
from planning.analyses.recovery import recovery_check, synthetic_problem
from planning.frontends.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]

logging.getLogger("emcee").setLevel(logging.ERROR)


# ------------------------------------------------------------------------------- recovery


@pytest.fixture(scope="module")
def recovery_fits():
    """The sampler's recovery checks of seeds 1-3 (shortened chains), shared by the tests below."""
    problem = synthetic_problem(ROOT / "scenarios" / "district_plan.yaml")
    return problem, {seed: recovery_check(ROOT / "scenarios" / "district_plan.yaml", seed=seed, steps=1500,
                                          problem=problem) for seed in (1, 2, 3)}


def test_recovery_intervals_contain_the_truth(recovery_fits):
    """Simulation-based calibration on the district plan: the identified parameters' 90 % intervals
    over these seeds contain the truth about as often as 90 % intervals should. With ~20
    intervals the count is binomial, so the test fails when it is below what nominal 90 %
    coverage gives in 99.5 % of repetitions (docs/model.md §9 has the many-seed studies). A fixed
    share such as 85 % would pass or fail by chance, and by CPU: the chains diverge at the last
    float digit from one processor to another."""
    _, fits = recovery_fits
    df = pd.concat([r.coverage() for r in fits.values()])
    ident = df[df["identified"]]
    n = len(ident)
    assert n >= 12
    assert int(ident["covered"].sum()) >= binom.ppf(0.005, n, 0.90), (int(ident["covered"].sum()), n)
    assert {f"model.{n}" for n in FITTED} <= set(df["parameter"])


def test_sampler_agrees_with_the_reference_posterior(recovery_fits):
    """The sampler's intervals are those of the same posterior computed without MCMC
    (importance sampling, planning.analyses.reference_posterior): each identified interval's ends
    within a quarter of its width, the truth inside or outside both alike. A sampler that
    narrows the tails (the DE-snooker move did by 5-9 % of the prior range) or stops on a wrong set
    of bad years fails this."""
    from planning.analyses.reference_posterior import reference_posterior

    problem, fits = recovery_fits
    agree = total = 0
    for seed, rec in fits.items():
        ref = reference_posterior(rec.posterior.problem, seed=seed)
        assert ref.effective_draws > 200
        s = rec.posterior.estimates(0.7).set_index("parameter")
        r = ref.estimates(0.7).set_index("parameter")
        for q in problem.quantities:
            if q.role == "latent" or not (s.loc[q.name, "identified"] and r.loc[q.name, "identified"]):
                continue
            width = r.loc[q.name, "p95"] - r.loc[q.name, "p05"]
            assert abs(s.loc[q.name, "p05"] - r.loc[q.name, "p05"]) <= 0.25 * width, (seed, q.name)
            assert abs(s.loc[q.name, "p95"] - r.loc[q.name, "p95"]) <= 0.25 * width, (seed, q.name)
            t = rec.truth[q.name]
            total += 1
            agree += (s.loc[q.name, "p05"] <= t <= s.loc[q.name, "p95"]) == (r.loc[q.name, "p05"] <= t <= r.loc[q.name, "p95"])
    assert total >= 12 and agree >= total - 2, (agree, total)


def test_cli_calibrate_synthetic_writes_truth_and_coverage(tmp_path, capsys):
    rc = cli_main(["calibrate", "--synthetic", str(ROOT / "scenarios" / "district_plan.yaml"), "--seed", "4",
                   "--steps", "400", "--out", str(tmp_path / "rec")])
    assert rc == 0
    cov = pd.read_csv(tmp_path / "rec" / "coverage.csv")
    assert list(cov.columns) == ["parameter", "truth", "p05", "p95", "covered", "identified"]
    truth = pd.read_csv(tmp_path / "rec" / "truth.csv").set_index("parameter")["truth"]
    assert np.allclose(cov.set_index("parameter")["truth"], truth.loc[cov["parameter"]])
    assert (cov["p05"] <= cov["p95"]).all()
    assert "recovery check" in capsys.readouterr().out
