"""Recovery check: does the calibration find parameters it generated data from?

``planning calibrate --synthetic SCENARIO --seed S --out DIR`` draws the fitted parameters from
their prior ranges (the truth, ``truth.csv``), runs the engine on the scenario (its baseline,
money and standards: the 2027 switch included, so the near-poor re-read is fitted too) with
those values and random bad years, adds the noise of published figures to every commune's
poor and near-poor rates, fits that series exactly as ``planning calibrate`` fits a real one,
and writes ``coverage.csv``: ``parameter, truth, p05, p95, covered, identified``. Over many
seeds, the 90 % intervals of identified parameters should contain the truth 90 % of the time
(simulation-based calibration, Talts et al. 2018, arXiv:1804.06788); ``recovery_study`` runs
several seeds and reports the share.

``method="reference"`` fits with :func:`planning.analyses.reference_posterior.reference_posterior`
(importance sampling, no MCMC) instead of the sampler: a second computation of the same
posterior, so a shortfall can be put on the sampler or on the problem, and about seven times
cheaper (about 10 s a seed against 70 s), so a study can run hundreds of seeds.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.analyses.calibration import (
    FITTED,
    NOISE_RATE,
    SWITCH,
    Posterior,
    Problem,
    Quantity,
    Settings,
    _base_samples,
    _Run,
    load_settings,
    sample_posterior,
)
from planning.basics.manifest import build_manifest
from planning.basics.outputs import write_result_folder
from planning.stores.scenario import scenario_inputs


def synthetic_problem(scenario: Any, *, settings: Settings | None = None) -> Problem:
    """The fitting problem of a scenario's own engine run (observations filled in later)."""
    from planning.models.runner import prepare

    prep = prepare(scenario, draws=1, seed=0)
    settings = settings or load_settings(prep.loaded.baseline_dir)
    inputs = prep.engine_inputs()
    years = prep.years
    names = list(FITTED)
    if np.any(inputs.switch_log_ratio != 0):
        names.append(SWITCH)
    quantities = [Quantity(n, prep.params.values[f"model.{n}"], "model") for n in names]
    key = prep.loaded.scenario.name
    quantities += [Quantity(f"latent.{key}.{y}", None, "latent") for y in years]
    quantities.append(Quantity(NOISE_RATE, settings.noise_rate, "nuisance"))
    obs, labels = [], []
    for u, uid in enumerate(prep.baseline.units.ids):
        for t, y in enumerate(years):
            for share in ("poor", "near_poor"):
                obs.append((len(labels), u, t, share, float("nan"), 0))
                labels.append((uid, y, share))
    run = _Run(inputs=inputs, years=years, observations=obs, unit=key)
    return Problem(quantities=quantities, observed=np.full(len(labels), np.nan), kinds=np.zeros(len(labels), int),
                   labels=labels, runs=[run], base=_base_samples(prep.params, prep.book),
                   component_ids=tuple(c.id for c in prep.book.components),
                   description=f"synthetic series of scenario {key}: {len(labels)} observations")


@dataclass
class Recovery:
    """One recovery check: the truth, the synthetic series and the fit's posterior."""

    scenario: str
    seed: int
    truth: dict[str, float]
    observed: pd.DataFrame  # unit, year, share, value
    posterior: Posterior
    width_ratio: float
    inputs: list[Path]

    def coverage(self) -> pd.DataFrame:
        """parameter, truth, p05, p95, covered, identified (latent bad-year uniforms left out)."""
        est = self.posterior.estimates(self.width_ratio).set_index("parameter")
        rows = []
        for q in self.posterior.problem.quantities:
            if q.role == "latent":
                continue
            e = est.loc[q.name]
            name = f"model.{q.name}" if q.role == "model" else q.name
            truth = self.truth[q.name]
            rows.append({"parameter": name, "truth": truth, "p05": e["p05"], "p95": e["p95"],
                         "covered": bool(e["p05"] <= truth <= e["p95"]), "identified": bool(e["identified"])})
        return pd.DataFrame(rows)

    def write(self, out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """truth.csv, observed.csv, coverage.csv, posterior.csv, estimates.csv, manifest.json: the
        result folder of ``planning calibrate --synthetic`` (:mod:`planning.basics.outputs`)."""
        truth = pd.DataFrame([{"parameter": (f"model.{k}" if k in FITTED or k == SWITCH else k), "truth": v}
                              for k, v in self.truth.items()])
        manifest = build_manifest(inputs=self.inputs, seed=self.seed, draws=len(self.posterior.samples),
                                  extra={"command": "calibrate --synthetic", "scenario": self.scenario})
        writes = {
            "truth.csv": lambda p: truth.to_csv(p, index=False, float_format="%.6g"),
            "observed.csv": lambda p: self.observed.to_csv(p, index=False, float_format="%.6g"),
            "coverage.csv": lambda p: self.coverage().to_csv(p, index=False, float_format="%.6g"),
            "posterior.csv": lambda p: self.posterior.frame().to_csv(p, index=False, float_format="%.6g"),
            "estimates.csv": lambda p: self.posterior.estimates(self.width_ratio).to_csv(p, index=False,
                                                                                        float_format="%.6g"),
        }
        return write_result_folder(out_dir, writes, command="calibrate --synthetic", manifest=manifest,
                                   overwrite=overwrite)


METHODS = ("sampler", "reference")


def recovery_check(scenario: Any, *, seed: int, steps: int | None = None, walkers: int | None = None,
                   problem: Problem | None = None, method: str = "sampler") -> Recovery:
    """Draw a truth, simulate the scenario's series, fit it with ``method`` (see module doc)."""
    from planning.stores.scenario import load_scenario

    loaded = load_scenario(scenario)
    settings = load_settings(loaded.baseline_dir)
    problem = problem or synthetic_problem(loaded, settings=settings)
    rng = np.random.default_rng([int(seed), 0x5B5])
    truth = np.array([[q.draw(rng, 1)[0] for q in problem.quantities]])
    model = np.clip(problem.predict(truth)[0], 1e-7, 1 - 1e-7)
    noise = problem.noise(truth)[0] * rng.standard_normal(model.shape)
    observed = 1.0 / (1.0 + np.exp(-(np.log(model) - np.log1p(-model) + noise)))
    # replace() copies the fields only, not the problem's caches (walker samples, priors)
    fitted = dataclasses.replace(problem, observed=observed)
    if method == "reference":
        from planning.analyses.reference_posterior import reference_posterior

        post = reference_posterior(fitted, seed=seed, kept_draws=settings.kept_draws)
    elif method == "sampler":
        post = sample_posterior(fitted, seed=seed, walkers=walkers or settings.walkers,
                                steps=steps or settings.steps, kept_draws=settings.kept_draws)
    else:
        raise ValueError(f"unknown recovery method {method!r}; known: {', '.join(METHODS)}")
    obs_df = pd.DataFrame([{"unit": u, "year": y, "share": s, "value": v}
                           for (u, y, s), v in zip(problem.labels, observed, strict=True)])
    return Recovery(scenario=loaded.scenario.name, seed=int(seed),
                    truth={q.name: float(truth[0, j]) for j, q in enumerate(problem.quantities) if q.role != "latent"},
                    observed=obs_df, posterior=post, width_ratio=settings.width_ratio,
                    inputs=scenario_inputs(loaded))


def recovery_study(scenario: Any, seeds: list[int], *, steps: int | None = None,
                   walkers: int | None = None, method: str = "sampler") -> pd.DataFrame:
    """Coverage rows of every seed (column ``seed`` added; ``effective_draws`` with the reference)."""
    from planning.stores.scenario import load_scenario

    loaded = load_scenario(scenario)
    problem = synthetic_problem(loaded)
    frames = []
    for s in seeds:
        rec = recovery_check(loaded, seed=s, steps=steps, walkers=walkers, problem=problem, method=method)
        cov = rec.coverage()
        cov.insert(0, "seed", s)
        if rec.posterior.effective_draws is not None:
            cov["effective_draws"] = round(rec.posterior.effective_draws)
        frames.append(cov)
    return pd.concat(frames, ignore_index=True)


def study_summary(coverage: pd.DataFrame) -> pd.DataFrame:
    """Per parameter and in all: seeds, identified intervals, how many contain the truth, the share."""
    ident = coverage[coverage["identified"]]
    rows = []
    for name, g in [*ident.groupby("parameter", sort=True), ("all", ident)]:
        rows.append({"parameter": name, "seeds": int(coverage["seed"].nunique()), "identified": len(g),
                     "covered": int(g["covered"].sum()),
                     "share": float(g["covered"].mean()) if len(g) else float("nan")})
    return pd.DataFrame(rows)


def write_study(coverage: pd.DataFrame, out_dir: str | os.PathLike[str], *, scenario: Any, method: str,
                overwrite: bool = False) -> Path:
    """coverage.csv (every seed's rows), summary.csv (:func:`study_summary`) and manifest.json."""
    from planning.stores.scenario import load_scenario

    loaded = load_scenario(scenario)
    seeds = sorted(int(s) for s in coverage["seed"].unique())
    manifest = build_manifest(inputs=scenario_inputs(loaded), seed=seeds[0] if seeds else 0, draws=len(seeds),
                              extra={"command": "calibrate --synthetic --seeds", "scenario": loaded.scenario.name,
                                     "method": method, "seeds": f"{seeds[0]}:{seeds[-1] + 1}" if seeds else ""})
    writes = {
        "coverage.csv": lambda p: coverage.to_csv(p, index=False, float_format="%.6g"),
        "summary.csv": lambda p: study_summary(coverage).to_csv(p, index=False, float_format="%.4f"),
    }
    return write_result_folder(out_dir, writes, command="calibrate --synthetic --seeds", manifest=manifest,
                               overwrite=overwrite)
