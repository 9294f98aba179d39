"""Uncertainty analysis: Latin hypercube over every uncertain assumption, in EMA Workbench terms.

* **Uncertainties**: every uncertain entry of the programme book and of the engine parameters
  (triangular distributions), sampled by Latin hypercube (one stratified column per parameter,
  models/sampling.py); the random bad years add one derived uncertainty,
  ``shocks.bad_years`` (their number in a draw).
* **Levers**: the scenario's budget and allocation, held fixed here.
* **Outcomes**: the poverty rate per unit and year; the district rate in the end year.

From one run this module gives fan-chart data (50 % and 90 % bands) and a matplotlib fan
chart; the probability of reaching the target (< 1 % by 2030) for the district and every
commune; a sensitivity ranking (standardised rank regression coefficients, SRRC, with
partial rank correlations, PRCC); and scenario discovery (PRIM peeling) turned into plain
sentences a planner can read, in Vietnamese and English.

With the illustrative assumptions no draw may reach the 1 % target; then "failure" is
defined against another threshold (by default the median end-year rate) and every output
says so. Rates are shares in [0, 1]; money is million VND.
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

from planning.analyses.sensitivity import Box, prcc, prim, srrc
from planning.basics.i18n import Lang, label
from planning.basics.numbers import fmt_number, fmt_pct
from planning.basics.paths import shown_path
from planning.models.results import LEVEL_DISTRICT, Result
from planning.models.runner import Prepared, prepare, run_prepared
from planning.stores.units import DISTRICT

BAD_YEARS = "shocks.bad_years"
QUANTILES = (5, 25, 50, 75, 95)


# ------------------------------------------------------------------------------------------
# Labels and numbers in words


def parameter_label(name: str, lang: Lang = "vi") -> str:
    """A planner's name for an uncertainty (``model.*``, ``programmes.<component>.<field>``)."""
    if name.startswith("programmes.") and name not in ("programmes.capacity.max_uplift",
                                                       "programmes.intensity.returns"):
        _, comp, *rest = name.split(".")
        fld = ".".join(rest)
        return f"{label('param_' + fld, lang)} – {label('comp_' + comp, lang)}"
    if name == "programmes.capacity.max_uplift":
        return label("param_max_uplift", lang)
    return label(name, lang)


def _kind(name: str) -> str:
    if name.endswith("unit_cost"):
        return "money"
    if name == BAD_YEARS:
        return "count"
    if name.split(".")[-1] in ("multiplier", "log_sd", "income_loss", "growth", "escaped_relative_risk",
                               "income_correlation", "max_uplift", "returns", "income"):
        return "number"
    return "share"


def format_value(name: str, value: float, lang: Lang = "vi") -> str:
    """``value`` of uncertainty ``name`` in words: 6,5% / 12,3 triệu đồng/hộ / 1,80 / 2."""
    kind = _kind(name)
    if kind == "share":
        return fmt_pct(value, lang, 1)
    if kind == "money":
        return fmt_number(value, lang, 1) + (" triệu đồng/hộ" if lang == "vi" else " million VND per household")
    if kind == "count":
        return fmt_number(value, lang, 0)
    return fmt_number(value, lang, 2)


def _pct(x: float, lang: Lang, digits: int = 0) -> str:
    return fmt_pct(x, lang, digits)


# ------------------------------------------------------------------------------------------
# The analysis


@dataclass
class Uncertainty:
    """One Latin-hypercube run of a scenario and everything derived from it."""

    result: Result
    experiments: pd.DataFrame  # one row per draw, one column per uncertainty
    target: float
    failure_threshold: float
    failure_rule: str
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def end_year(self) -> int:
        return self.result.years[-1]

    @property
    def end_rates(self) -> np.ndarray:
        """District poverty rate in the end year, per draw."""
        return self.result.district_rates()[:, -1]

    @property
    def failed(self) -> np.ndarray:
        """True where a draw's end-year district rate is at or above the failure threshold."""
        return self.end_rates >= self.failure_threshold

    # --------------------------------------------------------------- tables
    def outcomes(self) -> pd.DataFrame:
        """Per draw: district rate each year (``rate_<year>``) and ``failed``."""
        r = self.result.district_rates()
        df = pd.DataFrame({f"rate_{y}": r[:, t] for t, y in enumerate(self.result.years)})
        df.insert(0, "draw", np.arange(len(df)))
        df["failed"] = self.failed
        return df

    def fan_chart_data(self) -> pd.DataFrame:
        """Per reported unit and year (baseline year first): mean and P5/P25/P50/P75/P95 rate."""
        r = self.result.rates("poor")
        base = self.result.summary()
        rows = []
        for i, (level, uid) in enumerate(self.result.reported_units):
            b = base[(base["unit"] == uid) & (base["year"] == self.result.baseline_year)]
            b_rate = float(b["poverty_rate_mean"].iloc[0]) if len(b) else np.nan
            rows.append({"unit": uid, "level": level, "name": self.result.units.name(uid, "vi"),
                         "year": self.result.baseline_year, "mean": b_rate,
                         **{f"p{q:02d}": b_rate for q in QUANTILES}})
            for t, y in enumerate(self.result.years):
                v = r[:, i, t]
                qs = np.percentile(v, QUANTILES)
                rows.append({"unit": uid, "level": level, "name": self.result.units.name(uid, "vi"), "year": y,
                             "mean": float(v.mean()), **{f"p{q:02d}": float(x) for q, x in zip(QUANTILES, qs, strict=True)}})
        return pd.DataFrame(rows)

    def probabilities(self) -> pd.DataFrame:
        """Per reported unit (district first): P(end-year rate < target) and < the failure threshold."""
        r = self.result.rates("poor")[:, :, -1]
        rows = []
        for i, (level, uid) in enumerate(self.result.reported_units):
            v = r[:, i]
            rows.append({"unit": uid, "level": level, "name": self.result.units.name(uid, "vi"),
                         "name_en": self.result.units.name(uid, "en"), "year": self.end_year,
                         "poverty_rate_mean": float(v.mean()), "poverty_rate_p05": float(np.percentile(v, 5)),
                         "poverty_rate_p95": float(np.percentile(v, 95)),
                         "prob_below_target": float((v < self.target).mean()),
                         "prob_below_threshold": float((v < self.failure_threshold).mean())})
        df = pd.DataFrame(rows)
        order = {LEVEL_DISTRICT: 0, "new_commune": 1, "unit": 2}
        return df.sort_values("level", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)

    def sensitivity(self) -> pd.DataFrame:
        """Uncertainties ranked by |SRRC| on the end-year district rate, with PRCC.

        ``direction`` is +1 when a higher value raises poverty. ``r2`` (same on every row) is
        the rank regression's R².
        """
        if "sens" not in self._cache:
            X = self.experiments.to_numpy(float)
            names = list(self.experiments.columns)
            y = self.end_rates
            b, r2 = srrc(X, y)
            pc = prcc(X, y)
            df = pd.DataFrame({"uncertainty": names, "label_vi": [parameter_label(n, "vi") for n in names],
                               "label_en": [parameter_label(n, "en") for n in names], "srrc": b, "prcc": pc,
                               "direction": np.sign(b).astype(int)})
            df["r2"] = r2
            df = df.reindex(df["srrc"].abs().sort_values(ascending=False).index).reset_index(drop=True)
            df.insert(0, "rank", np.arange(1, len(df) + 1))
            self._cache["sens"] = df
        return self._cache["sens"].copy()

    def sensitivity_table(self, lang: Lang = "vi", top: int = 10) -> pd.DataFrame:
        """The ``top`` uncertainties with bilingual names, SRRC and PRCC (rounded)."""
        s = self.sensitivity().head(top)
        return pd.DataFrame({"#": s["rank"], label("uncertainty", lang): s["label_vi" if lang == "vi" else "label_en"],
                             "SRRC": s["srrc"].round(3), "PRCC": s["prcc"].round(3)})

    def probability_table(self, lang: Lang = "vi") -> pd.DataFrame:
        """Per commune and the district: mean end-year rate, 90 % band and P(< target), in %."""
        p = self.probabilities()
        return pd.DataFrame({
            label("name", lang): p["name" if lang == "vi" else "name_en"],
            label("poverty_rate_end_mean", lang): (100 * p["poverty_rate_mean"]).round(2),
            label("poverty_rate_end_p05", lang): (100 * p["poverty_rate_p05"]).round(2),
            label("poverty_rate_end_p95", lang): (100 * p["poverty_rate_p95"]).round(2),
            f"P(<{_pct(self.target, lang)})": (100 * p["prob_below_target"]).round(1),
            label("prob_below_threshold", lang) + f" ({_pct(self.failure_threshold, lang, 2)})":
                (100 * p["prob_below_threshold"]).round(1),
        })

    def discovery(self, **kw: Any) -> Box:
        """PRIM box of the draws that fail (see :func:`prim`)."""
        key = f"box{sorted(kw.items())}"
        if key not in self._cache:
            names = list(self.experiments.columns)
            self._cache[key] = prim(self.experiments.to_numpy(float), self.failed, names, **kw)
        return self._cache[key]

    def discovery_table(self) -> pd.DataFrame:
        """The box's restrictions: uncertainty, labels, side, low, high, sampled range."""
        box = self.discovery()
        rows = []
        for name, side, lo, hi in box.restrictions():
            b_lo, b_hi = box.bounds[name]
            rows.append({"uncertainty": name, "label_vi": parameter_label(name, "vi"),
                         "label_en": parameter_label(name, "en"), "side": side, "low": lo, "high": hi,
                         "sampled_low": b_lo, "sampled_high": b_hi, "coverage": box.coverage,
                         "density": box.density, "mass": box.mass})
        return pd.DataFrame(rows)

    def failure_definition(self, lang: Lang = "vi") -> str:
        """What "failure" means in this analysis, in words."""
        thr = _pct(self.failure_threshold, lang, 2)
        if self.failure_rule == "target":
            return (f"thất bại = tỷ lệ hộ nghèo toàn huyện năm {self.end_year} không dưới mục tiêu {thr}" if lang == "vi"
                    else f"failure = district poverty rate in {self.end_year} not below the {thr} target")
        why = {"median": ("trung vị của các lần mô phỏng", "the median over draws"),
               "plan": ("lộ trình kế hoạch", "the plan path")}.get(self.failure_rule, ("ngưỡng chọn", "the chosen threshold"))
        p = float((self.end_rates < self.target).mean())
        note_vi = (f"; mục tiêu {_pct(self.target, lang, 0)} đạt trong {_pct(p, lang, 1)} số lần mô phỏng, nên "
                   "ngưỡng được đặt lại")
        note_en = (f"; the {_pct(self.target, lang, 0)} target is met in {_pct(p, lang, 1)} of draws, so the "
                   "threshold was moved")
        if lang == "vi":
            return f"thất bại = tỷ lệ hộ nghèo năm {self.end_year} ≥ {thr} ({why[0]}){note_vi}"
        return f"failure = district poverty rate in {self.end_year} ≥ {thr} ({why[1]}){note_en}"

    def discovery_sentences(self, lang: Lang = "vi") -> list[str]:
        """The scenario-discovery box in plain words (one sentence, then its quality)."""
        box = self.discovery()
        parts = []
        for name, side, lo, hi in box.restrictions():
            lab = parameter_label(name, lang)
            lab = lab[0].lower() + lab[1:]  # inside a sentence
            if side == "above":
                parts.append(f"{lab} > {format_value(name, lo, lang)}")  # type: ignore[arg-type]
            elif side == "below":
                parts.append(f"{lab} < {format_value(name, hi, lang)}")  # type: ignore[arg-type]
            else:
                parts.append(f"{lab} {'trong khoảng' if lang == 'vi' else 'between'} "
                             f"{format_value(name, lo, lang)}–{format_value(name, hi, lang)}")  # type: ignore[arg-type]
        target_words = self.failure_rule == "target"
        if lang == "vi":
            head = "Mục tiêu không đạt" if target_words else (
                f"Tỷ lệ hộ nghèo năm {self.end_year} ≥ {_pct(self.failure_threshold, lang, 2)}")
            if not parts:
                return [f"{head}: không tìm được vùng giả định nào giải thích rõ ({self.failure_definition(lang)})."]
            s1 = f"{head} khi " + " và ".join(parts) + "."
            s2 = (f"Trong vùng này {_pct(box.density, lang)} số lần mô phỏng thất bại (so với {_pct(box.base_rate, lang)} "
                  f"nói chung); vùng chứa {_pct(box.coverage, lang)} tổng số lần thất bại và {_pct(box.mass, lang)} số "
                  f"lần mô phỏng ({self.failure_definition(lang)}).")
        else:
            head = "The target fails" if target_words else (
                f"The {self.end_year} poverty rate is ≥ {_pct(self.failure_threshold, lang, 2)}")
            if not parts:
                return [f"{head}: no region of the assumptions explains it clearly ({self.failure_definition(lang)})."]
            s1 = f"{head} when " + " and ".join(parts) + "."
            s2 = (f"Inside this region {_pct(box.density, lang)} of draws fail (against {_pct(box.base_rate, lang)} "
                  f"overall); it holds {_pct(box.coverage, lang)} of all failures and {_pct(box.mass, lang)} of draws "
                  f"({self.failure_definition(lang)}).")
        return [s1, s2]

    # --------------------------------------------------------------- charts
    def plot_fan_chart(self, unit: str = DISTRICT, *, lang: Lang = "vi", ax: Any = None) -> Any:
        """Fan chart of ``unit``'s poverty rate: median, 50 % and 90 % bands, target, plan path."""
        from matplotlib.figure import Figure

        f = self.fan_chart_data()
        f = f[f["unit"] == unit].sort_values("year")
        if ax is None:
            # a bare Figure (not pyplot's): notebooks show it once, as the cell's value
            ax = Figure(figsize=(7, 4), layout="constrained").add_subplot()
        x = f["year"].to_numpy()
        ax.fill_between(x, 100 * f["p05"], 100 * f["p95"], color="tab:blue", alpha=0.18, label=label("band90", lang))
        ax.fill_between(x, 100 * f["p25"], 100 * f["p75"], color="tab:blue", alpha=0.38, label=label("band50", lang))
        ax.plot(x, 100 * f["p50"], color="tab:blue", lw=2, label=label("median", lang))
        ax.axhline(100 * self.target, color="tab:red", ls="--", lw=1, label=label("target_line", lang))
        if unit == DISTRICT:
            plan = self.result.plan
            ax.plot(x, [100 * plan.rate(int(y)) for y in x], color="grey", ls=":", label=label("plan_rate", lang))
        ax.set_xticks(x)
        ax.set_ylabel(label("poverty_rate", lang) + " (%)")
        ax.set_ylim(bottom=0)
        ax.set_title(f"{self.result.units.name(unit, lang)} — {self.result.title.get(lang, '')}")
        ax.legend(loc="upper right", fontsize=8)
        return ax.figure

    def plot_probabilities(self, *, lang: Lang = "vi", ax: Any = None) -> Any:
        """Bar chart by commune: P(end-year rate < target) and the mean end-year rate."""
        from matplotlib.figure import Figure

        p = self.probabilities()
        p = p[p["level"] != LEVEL_DISTRICT]
        names = p["name"] if lang == "vi" else p["name_en"]
        if ax is None:
            ax = Figure(figsize=(7, 0.3 * len(p) + 1.6), layout="constrained").add_subplot()
        y = np.arange(len(p))
        ax.barh(y, 100 * p["poverty_rate_mean"], color="tab:blue", alpha=0.6, label=label("poverty_rate_end_mean", lang))
        ax.errorbar(100 * p["poverty_rate_mean"], y, xerr=[100 * (p["poverty_rate_mean"] - p["poverty_rate_p05"]),
                                                            100 * (p["poverty_rate_p95"] - p["poverty_rate_mean"])],
                    fmt="none", ecolor="black", lw=0.8)
        ax.axvline(100 * self.target, color="tab:red", ls="--", lw=1, label=label("target_line", lang))
        for yi, pr in zip(y, p["prob_below_target"], strict=True):
            ax.text(0.2, yi, f"P={_pct(pr, lang)}", va="center", fontsize=7)
        ax.set_yticks(y, list(names))
        ax.invert_yaxis()
        ax.set_xlabel(label("poverty_rate", lang) + f" {self.end_year} (%)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8, frameon=False)
        return ax.figure

    # --------------------------------------------------------------- output
    def summary(self) -> dict[str, Any]:
        p = self.probabilities()
        d = p[p["level"] == LEVEL_DISTRICT].iloc[0]
        s = self.sensitivity()
        return {
            "scenario": self.result.scenario_name, "draws": self.result.draws, "seed": self.result.seed,
            "sampling": self.result.sampling, "uncertainties": list(self.experiments.columns),
            "end_year": self.end_year, "target_rate": self.target,
            "prob_below_target_district": float(d["prob_below_target"]),
            "failure_rule": self.failure_rule, "failure_threshold": self.failure_threshold,
            "failure_share": float(self.failed.mean()),
            "failure_definition_vi": self.failure_definition("vi"), "failure_definition_en": self.failure_definition("en"),
            "rank_regression_r2": float(s["r2"].iloc[0]) if len(s) else None,
            "top_uncertainties": s["uncertainty"].head(5).tolist(),
            "discovery_vi": self.discovery_sentences("vi"), "discovery_en": self.discovery_sentences("en"),
        }

    def write(self, out_dir: str | os.PathLike[str], *, charts: bool = True, overwrite: bool = False) -> Path:
        """Write the run's files (summary.csv, …), experiments.csv, outcomes.csv, fan_chart.csv,
        probabilities.csv, sensitivity.csv, discovery.csv, discovery.md, uncertainty.json,
        manifest.json and, with ``charts``, fan_chart.png and probabilities.png: the result folder
        of ``planning uncertainty`` (:func:`planning.basics.outputs.write_result_folder`)."""
        from planning.basics.outputs import write_result_folder

        manifest = self.result.manifest({"uncertainty": {"failure_rule": self.failure_rule,
                                                         "failure_threshold": self.failure_threshold}})
        exp = self.experiments.copy()
        exp.insert(0, "draw", np.arange(len(exp)))
        md = ["# Khám phá kịch bản / Scenario discovery", ""] + self.discovery_sentences("vi") + [""] + \
            self.discovery_sentences("en") + [""]
        files: dict[str, Any] = {
            **self.result.files(),
            "experiments.csv": lambda p: exp.to_csv(p, index=False, float_format="%.6g"),
            "outcomes.csv": lambda p: self.outcomes().to_csv(p, index=False, float_format="%.6g"),
            "fan_chart.csv": lambda p: self.fan_chart_data().to_csv(p, index=False, float_format="%.6g"),
            "probabilities.csv": lambda p: self.probabilities().to_csv(p, index=False, float_format="%.6g"),
            "sensitivity.csv": lambda p: self.sensitivity().to_csv(p, index=False, float_format="%.6g"),
            "discovery.csv": lambda p: self.discovery_table().to_csv(p, index=False, float_format="%.6g"),
            "discovery.md": lambda p: p.write_text("\n".join(md), encoding="utf-8"),
            "uncertainty.json": lambda p: p.write_text(json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n",
                                                       encoding="utf-8"),
        }
        if charts:
            def png(fig_fn: Any) -> Any:
                def w(p: Path) -> None:
                    fig_fn().savefig(p, format="png", dpi=110, bbox_inches="tight")
                return w

            files["fan_chart.png"] = png(lambda: self.plot_fan_chart())
            files["probabilities.png"] = png(lambda: self.plot_probabilities())
        return write_result_folder(out_dir, files, command="uncertainty", manifest=manifest, overwrite=overwrite)


def run_uncertainty(scenario: str | os.PathLike[str] | dict[str, Any] | Prepared, *, draws: int | None = None,
                    seed: int | None = None, failure: str | float = "auto", target: float | None = None,
                    engine: str = "commune") -> Uncertainty:
    """Latin-hypercube run of ``scenario`` and the analysis objects (see module docstring).

    ``failure``: ``"target"`` (end-year rate ≥ target), ``"median"`` (≥ the median over
    draws), ``"plan"`` (≥ the plan path), a rate (share), or ``"auto"``: the target when 5–95 %
    of draws fail it, else the median.
    """
    prep = scenario if isinstance(scenario, Prepared) else prepare(scenario, draws=draws, seed=seed, sampling="lhs")
    result = run_prepared(prep, engine=engine, counterfactual=False)  # type: ignore[arg-type]
    target = result.plan.target_rate if target is None else float(target)
    unc = {**prep.params.uncertain(), **prep.book.uncertain()}
    # a component the scenario gives no money cannot move the results: its unit cost and effects
    # would only add noise columns to the regressions (the book has 16 components)
    funded = {cid for k, cid in enumerate(prep.book.ids) if prep.amounts[:, k, :].sum() > 0}
    names = [n for n in sorted(unc) if not n.startswith("programmes.") or n == "programmes.intensity.returns"
             or n.split(".")[1] in funded]
    exp = pd.DataFrame({n: np.asarray(prep.samples[n], float) for n in names})
    if prep.loaded.scenario.random_shocks:
        bad = (prep.engine_draws().shock > 1.0).sum(axis=1)
        exp[BAD_YEARS] = bad.astype(float)
    exp = exp.loc[:, exp.std() > 0]  # a constant column carries no information
    end = result.district_rates()[:, -1]
    rule, thr = _failure(failure, end, target, result)
    return Uncertainty(result=result, experiments=exp, target=target, failure_threshold=thr, failure_rule=rule)


def _failure(failure: str | float, end: np.ndarray, target: float, result: Result) -> tuple[str, float]:
    from planning.basics.errors import PlanningInputError

    if isinstance(failure, int | float) and not isinstance(failure, bool):
        return "threshold", float(failure)
    if failure == "target":
        return "target", target
    if failure == "median":
        return "median", float(np.median(end))
    if failure == "plan":
        return "plan", float(result.plan.rate(result.years[-1]))
    if failure == "auto":
        share = float((end >= target).mean())
        if 0.05 <= share <= 0.95:
            return "target", target
        return "median", float(np.median(end))
    raise PlanningInputError("<uncertainty>", "failure", "'auto', 'target', 'median', 'plan' or a rate", failure)


# ------------------------------------------------------------------------------------------
# Command line


def cli_main(args: argparse.Namespace) -> int:
    """``planning uncertainty SCENARIO --out DIR [--draws N] [--seed S] [--lang vi|en]``."""
    lang: Lang = getattr(args, "lang", "vi")
    # Optional flags (used when the parser defines them): --failure auto|target|median|plan|RATE, --target RATE.
    failure: str | float = getattr(args, "failure", None) or "auto"
    if isinstance(failure, str) and failure.replace(".", "", 1).isdigit():
        failure = float(failure)
    from planning.basics.outputs import check_target

    overwrite = getattr(args, "overwrite", False)
    check_target(Path(args.out), "uncertainty", overwrite=overwrite)  # refused before the run, not after
    u = run_uncertainty(args.scenario, draws=args.draws, seed=args.seed, failure=failure,
                        target=getattr(args, "target", None))
    out = u.write(args.out, overwrite=overwrite)
    vi = lang == "vi"
    r = u.result
    p = u.probabilities()
    d = p[p["level"] == LEVEL_DISTRICT].iloc[0]
    print(f"{r.title['vi'] if vi else r.title['en']} — {'phân tích bất định' if vi else 'uncertainty analysis'} "
          f"({r.draws} {'lần mô phỏng' if vi else 'draws'}, Latin hypercube, seed {r.seed})")
    print(f"P(<{_pct(u.target, lang)} {u.end_year}) = {_pct(float(d['prob_below_target']), lang)}; "
          f"{label('poverty_rate_end_mean', lang)} {_pct(float(d['poverty_rate_mean']), lang, 2)} "
          f"(P5–P95 {_pct(float(d['poverty_rate_p05']), lang, 2)}–{_pct(float(d['poverty_rate_p95']), lang, 2)})")
    s = u.sensitivity()
    print(("Xếp hạng độ nhạy (SRRC, R² = " if vi else "Sensitivity ranking (SRRC, R² = ") + f"{s['r2'].iloc[0]:.2f}):")
    top = s.head(10)
    show = pd.DataFrame({
        "#": top["rank"], ("Yếu tố bất định" if vi else "Uncertainty"): top["label_vi" if vi else "label_en"],
        "SRRC": top["srrc"].map(lambda v: f"{v:+.3f}"), "PRCC": top["prcc"].map(lambda v: f"{v:+.3f}"),
    })
    with pd.option_context("display.width", 160, "display.max_colwidth", 70):
        print(show.to_string(index=False))
    for line in u.discovery_sentences(lang):
        print(line)
    print(f"{'kết quả ghi tại' if vi else 'written to'} {shown_path(out)}")
    return 0


__all__ = ["BAD_YEARS", "Box", "Uncertainty", "cli_main", "format_value", "parameter_label", "prcc", "prim",
           "run_uncertainty", "srrc"]
