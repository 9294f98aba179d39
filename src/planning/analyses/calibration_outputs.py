"""A calibration's results: estimates, fit, chart, files, and the ``planning calibrate`` command.

``calibrate(observed, units=..., until=...)`` reads an observed series (``planning.stores.observed``),
fits it (``planning.analyses.calibration``) and returns a :class:`Calibration` whose ``write(dir)``
leaves ``calibration.yaml`` (what a scenario names with ``calibration:``), ``posterior.csv``,
``estimates.csv``, ``fit.csv``, ``fit.png`` and ``manifest.json``. Rates are shares in [0, 1].
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from planning.analyses.calibration import (
    NEAR_SHARE,
    NOISE_FLOW,
    NOISE_RATE,
    PAST_SPENDING,
    Posterior,
    Problem,
    Settings,
    load_settings,
    observed_problem,
    sample_posterior,
)
from planning.basics.errors import PlanningInputError
from planning.basics.i18n import Lang
from planning.basics.manifest import build_manifest
from planning.basics.outputs import check_target, write_result_folder
from planning.basics.paths import data_dir, shown_path
from planning.stores.observed import ObservedTable, read_observed

_PREDICTIVE_DRAWS = 1000


def predictive(problem: Problem, theta: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(model shares, shares with observation noise), each [draw, observation]."""
    model = problem.predict(theta)
    rng = np.random.default_rng([int(seed), 0xF17])
    p = np.clip(model, 1e-7, 1 - 1e-7)
    noisy = 1.0 / (1.0 + np.exp(-(np.log(p) - np.log1p(-p) + problem.noise(theta) * rng.standard_normal(p.shape))))
    return model, noisy


def _subsample(samples: np.ndarray, n: int) -> np.ndarray:
    if samples.shape[0] <= n:
        return samples
    return samples[np.linspace(0, samples.shape[0] - 1, n).round().astype(int)]


@dataclass
class Calibration:
    """A fitted calibration (see module doc)."""

    posterior: Posterior
    settings: Settings
    source: str
    source_path: Path | None
    units: list[str]
    until: int | None
    illustrative: bool = False
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def problem(self) -> Problem:
        return self.posterior.problem

    def estimates(self) -> pd.DataFrame:
        if "est" not in self._cache:
            self._cache["est"] = self.posterior.estimates(self.settings.width_ratio)
        return self._cache["est"].copy()

    @property
    def not_identified(self) -> list[str]:
        est = self.estimates()
        rows = est[(est["role"] != "latent") & ~est["identified"]]
        return [f"model.{p}" if r == "model" else p for p, r in zip(rows["parameter"], rows["role"], strict=True)]

    def fit(self) -> pd.DataFrame:
        """Per observation: observed share, model mean / 5 % / 95 % and the predictive 90 % band."""
        if "fit" not in self._cache:
            theta = _subsample(self.posterior.samples, _PREDICTIVE_DRAWS)
            model, noisy = predictive(self.problem, theta, self.posterior.seed) if len(self.problem.labels) \
                else (np.empty((len(theta), 0)), np.empty((len(theta), 0)))
            rows = []
            for i, (unit, year, share) in enumerate(self.problem.labels):
                rows.append({"unit": unit, "year": year, "share": share, "observed": self.problem.observed[i],
                             "model_mean": model[:, i].mean(), "model_p05": np.percentile(model[:, i], 5),
                             "model_p95": np.percentile(model[:, i], 95),
                             "predictive_p05": np.percentile(noisy[:, i], 5),
                             "predictive_p95": np.percentile(noisy[:, i], 95)})
            cols = ["unit", "year", "share", "observed", "model_mean", "model_p05", "model_p95",
                    "predictive_p05", "predictive_p95"]
            df = pd.DataFrame(rows, columns=cols)
            df["inside_90"] = (df["observed"] >= df["predictive_p05"]) & (df["observed"] <= df["predictive_p95"])
            self._cache["fit"] = df
        return self._cache["fit"].copy()

    def estimates_table(self, lang: Lang = "vi") -> pd.DataFrame:
        """The fitted quantities for planners: name, prior and posterior ranges, identified."""
        return estimates_display(self.estimates(), lang)

    def posterior_frame(self) -> pd.DataFrame:
        """Posterior draws; model parameters as ``model.<dotted name>`` (what scenarios read)."""
        df = self.posterior.frame()
        roles = {q.name: q.role for q in self.problem.quantities}
        return df.rename(columns={c: f"model.{c}" for c in df.columns if roles[c] == "model"})

    def summary(self) -> dict[str, Any]:
        est = self.estimates()
        model = est[est["role"] == "model"]
        return {
            "source": self.source, "units": self.units, "fit_until": self.until,
            "observations": int(len(self.problem.observed)), "description": self.problem.description,
            "walkers": self.posterior.walkers, "steps": self.posterior.steps, "seed": self.posterior.seed,
            "acceptance": round(self.posterior.acceptance, 3),
            "autocorrelation_steps": None if self.posterior.autocorr_steps is None
            else round(self.posterior.autocorr_steps, 1),
            "identified": [f"model.{p}" for p in model.loc[model["identified"], "parameter"]],
            "not_identified": self.not_identified,
            "past_spending": "fitted as a nuisance quantity (data/calibration.yaml): the fitted dynamics exclude "
                             "programme effects" if any(r.money_free for r in self.problem.runs)
            else "given by the series: the fitted dynamics exclude programme effects",
        }

    def plot(self, lang: Lang = "vi", ax: Any = None) -> Any:
        """Observed poor rates and the model's 90 % band, per unit."""
        return plot_fit(self.fit(), lang, ax)

    def write(self, out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """calibration.yaml, posterior.csv, estimates.csv, fit.csv, fit.png, manifest.json: the
        result folder of ``planning calibrate`` (:func:`planning.basics.outputs.write_result_folder`)."""
        summary = self.summary()
        meta = {
            "schema_version": 1,
            "title": {"vi": f"Hiệu chỉnh theo số liệu của {', '.join(self.units)}",
                      "en": f"Calibration on the published series of {', '.join(self.units)}"},
            "posterior": "posterior.csv",
            **summary,
            "note": "Forward runs of a scenario with 'calibration: <this file>' draw the model.* columns of "
                    "posterior.csv jointly; every other assumption keeps its range from data/.",
        }
        if self.illustrative:
            meta["illustrative"] = True

        def chart(p: Path) -> None:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(7.5, 4.0))
            self.plot("en", ax)
            fig.tight_layout()
            fig.savefig(p, dpi=110, format="png")
            plt.close(fig)

        inputs = [self.source_path] if self.source_path is not None else []
        manifest = build_manifest(inputs=[*inputs, data_dir() / "model_parameters.yaml",
                                          data_dir() / "programmes.yaml", data_dir() / "calibration.yaml"],
                                  seed=self.posterior.seed, draws=len(self.posterior.samples),
                                  extra={"command": "calibrate", **{k: summary[k] for k in ("units", "fit_until")}})
        writes = {
            "calibration.yaml": lambda p: p.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False),
                                                       encoding="utf-8"),
            "posterior.csv": lambda p: self.posterior_frame().to_csv(p, index=False, float_format="%.6g"),
            "estimates.csv": lambda p: self.estimates().to_csv(p, index=False, float_format="%.6g"),
            "fit.csv": lambda p: self.fit().to_csv(p, index=False, float_format="%.6g"),
            "fit.png": chart,
        }
        return write_result_folder(out_dir, writes, command="calibrate", manifest=manifest, overwrite=overwrite)


def estimates_display(est: pd.DataFrame, lang: Lang = "vi") -> pd.DataFrame:
    """A calibration's ``estimates.csv`` for planners: name, prior and posterior ranges,
    identified (the same table for a fresh fit and a shipped one)."""
    from planning.basics.i18n import label
    from planning.basics.numbers import fmt_number
    from planning.basics.tables import kind_table

    est = est[est["role"] != "latent"]
    names = {NEAR_SHARE: ("Tỷ lệ cận nghèo đầu kỳ (trong nghèo + cận nghèo)", "Near-poor share at the start"),
             PAST_SPENDING: ("Kinh phí chương trình đã chi (triệu đồng/hộ/năm)", "Past programme money (M VND per household a year)"),
             NOISE_RATE: ("Sai số đo lường của tỷ lệ công bố", "Measurement noise of published rates"),
             NOISE_FLOW: ("Sai số đo lường của số hộ thoát/tái/phát sinh", "Measurement noise of published flows")}
    kinds = {"multidimensional": ("chuẩn đa chiều", "multidimensional standard"),
             "income": ("chuẩn thu nhập", "income standard")}

    def period(segment: str) -> str:
        # observed.csv names a series' standard as "2016-2020 multidimensional"
        years, _, kind = segment.partition(" ")
        words = kinds.get(kind)
        if words is None:
            return segment
        return f"{words[0]} {years}" if lang == "vi" else f"{years} {words[1]}"

    def name(p: str, role: str) -> str:
        if role == "model":
            return label(f"model.{p}", lang)
        if p.startswith("growth."):
            g = label("model.income.growth", lang)
            return f"{g}, {period(p.removeprefix('growth.'))}"
        return names.get(p, (p, p))[0 if lang == "vi" else 1]

    def rng(a: float, b: float) -> str:
        return f"{fmt_number(a, lang, 3)}–{fmt_number(b, lang, 3)}"

    yes, no = ("có", "không") if lang == "vi" else ("yes", "no")
    return kind_table([
        ("Đại lượng" if lang == "vi" else "Quantity", "text", [name(p, r) for p, r in zip(est["parameter"], est["role"], strict=True)]),
        ("Trước hiệu chỉnh (5–95%)" if lang == "vi" else "Prior (5–95%)", "text",
         [rng(a, b) for a, b in zip(est["prior_p05"], est["prior_p95"], strict=True)]),
        ("Sau hiệu chỉnh: trung vị" if lang == "vi" else "Posterior median", "text",
         [fmt_number(v, lang, 3) for v in est["p50"]]),
        ("Sau hiệu chỉnh (5–95%)" if lang == "vi" else "Posterior (5–95%)", "text",
         [rng(a, b) for a, b in zip(est["p05"], est["p95"], strict=True)]),
        ("Dữ liệu xác định được?" if lang == "vi" else "Identified by the data?", "text",
         [yes if v else no for v in est["identified"]]),
    ])


def plot_fit(fit: pd.DataFrame, lang: Lang = "vi", ax: Any = None) -> Any:
    """Observed poor rates and the model's 90 % band, per unit, from a ``fit.csv`` table."""
    import matplotlib.pyplot as plt

    from planning.basics.chart_axes import pct_axis

    fit = fit[fit["share"] == "poor"]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.0))
    for unit, part in fit.groupby("unit"):
        ax.fill_between(part["year"], part["predictive_p05"], part["predictive_p95"], alpha=0.25)
        ax.plot(part["year"], part["model_mean"], marker="", label=f"{unit} — " + ("mô hình" if lang == "vi" else "model"))
        ax.plot(part["year"], part["observed"], "o", color="black")
    ax.set_ylabel("Tỷ lệ hộ nghèo" if lang == "vi" else "Poor households")
    pct_axis(ax, lang, 0)
    ax.legend(fontsize=8)
    ax.set_title("Hiệu chỉnh: số liệu công bố (chấm) và dải 90 % của mô hình" if lang == "vi"
                 else "Calibration: published figures (dots) and the model's 90 % band")
    return ax


def calibrate(observed: str | os.PathLike[str] | pd.DataFrame | ObservedTable, *,
              units: list[str] | None = None, until: int | None = None, seed: int = 20261126,
              steps: int | None = None, walkers: int | None = None,
              directory: Path | None = None) -> Calibration:
    """Fit the engine's dynamics to ``observed`` (all its units pooled, or ``units``)."""
    directory = directory or data_dir()
    settings = load_settings(directory)
    table = observed if isinstance(observed, ObservedTable) else read_observed(observed, data_dir=directory)
    chosen = [table.unit(u) for u in units] if units else list(table.series.values())
    segments = [seg for s in chosen for seg in s.segments(until=until, nominal_households=settings.nominal_households)]
    problem = observed_problem(segments, directory=directory, settings=settings)
    post = sample_posterior(problem, seed=seed, walkers=walkers or settings.walkers, steps=steps or settings.steps,
                            kept_draws=settings.kept_draws)
    path = None if isinstance(observed, pd.DataFrame | ObservedTable) else Path(observed)
    return Calibration(posterior=post, settings=settings, source=table.source, source_path=path,
                       units=[s.unit for s in chosen], until=until)


def _seed_range(text: str) -> list[int]:
    """``A:B`` → seeds A … B-1 (B > A ≥ 0)."""
    parts = str(text).split(":")
    try:
        a, b = (int(parts[0]), int(parts[1])) if len(parts) == 2 else (None, None)
    except ValueError:
        a = b = None
    if a is None or b is None or a < 0 or b <= a:
        raise PlanningInputError("<command line>", "--seeds", "A:B with whole numbers 0 <= A < B, e.g. 2000:2100",
                                 text, message_vi="cần dạng A:B với số nguyên 0 <= A < B, ví dụ 2000:2100")
    return list(range(a, b))


def cli_main(args: argparse.Namespace) -> int:
    """``planning calibrate`` (observed series, or ``--synthetic`` recovery check)."""
    overwrite = getattr(args, "overwrite", False)
    seeds = _seed_range(args.seeds) if getattr(args, "seeds", None) else None
    if seeds is not None and not args.synthetic:
        raise PlanningInputError("<command line>", "--seeds", "--synthetic SCENARIO with it", args.seeds,
                                 message_vi="--seeds chỉ dùng cùng --synthetic KỊCH_BẢN")
    command = "calibrate --synthetic" if args.synthetic else "calibrate"
    if seeds is not None:
        command += " --seeds"
    check_target(Path(args.out), command, overwrite=overwrite)  # refused before the fit, not after
    method = getattr(args, "method", "sampler")
    if seeds is not None:
        from planning.analyses.recovery import recovery_study, study_summary, write_study

        cov = recovery_study(args.synthetic, seeds, steps=args.steps, method=method)
        out = write_study(cov, args.out, scenario=args.synthetic, method=method, overwrite=overwrite)
        total = study_summary(cov).iloc[-1]
        print(f"Nghiên cứu khôi phục / recovery study ({len(seeds)} seeds, {method}): "
              f"{total['covered']}/{total['identified']} = {total['share']:.1%} khoảng 90 % của tham số được xác "
              f"định chứa giá trị thật / identified 90 % intervals contain the truth; "
              f"kết quả / written to {shown_path(out)}")
        return 0
    if args.synthetic:
        from planning.analyses.recovery import recovery_check

        rec = recovery_check(args.synthetic, seed=args.seed, steps=args.steps, method=method)
        out = rec.write(args.out, overwrite=overwrite)
        cov = rec.coverage()
        ident = cov[cov["identified"]]
        print(f"Kiểm tra khôi phục tham số / recovery check: {int(ident['covered'].sum())}/{len(ident)} "
              f"tham số được xác định nằm trong khoảng 90 % / identified parameters inside their 90 % interval; "
              f"kết quả / written to {shown_path(out)}")
        return 0
    if not args.observed:
        raise PlanningInputError("<command line>", "observed", "an observed series CSV (or --synthetic SCENARIO)", "none",
                                 message_vi="cần tệp số liệu quan sát (hoặc --synthetic KỊCH_BẢN)")
    cal = calibrate(args.observed, units=args.unit, until=args.until, seed=args.seed, steps=args.steps)
    out = cal.write(args.out, overwrite=overwrite)
    s = cal.summary()
    print(json.dumps({k: s[k] for k in ("units", "observations", "identified", "not_identified", "acceptance")},
                     ensure_ascii=False, indent=1))
    print(f"Đã ghi / written: {shown_path(out)}")
    return 0

