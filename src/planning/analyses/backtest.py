"""Back-test: fit a unit's series up to a year, forecast the later years, compare.

``planning backtest OBSERVED.csv --unit NAME --fit-until YEAR --out DIR`` fits the engine's
dynamics on the unit's figures up to YEAR (``planning.analyses.calibration_outputs.calibrate``), runs the
posterior forward over the later years of the same poverty standard (new bad-year draws,
past programme money continuing at the fitted level) and writes ``backtest.csv`` (``unit, year,
observed, predicted, p05, p95, error_pp``: rates in percent, ``predicted`` the model's mean,
p05–p95 the 90 % predictive band including the noise of published figures, ``error_pp`` =
predicted − observed in percentage points), ``backtest.png`` and the calibration files. Works
for any unit of the file, at any level (commune, district, province, region, country).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.analyses.calibration import Problem, observed_problem
from planning.analyses.calibration_outputs import Calibration, _subsample, calibrate, predictive
from planning.basics.errors import PlanningInputError
from planning.basics.i18n import Lang
from planning.basics.manifest import build_manifest
from planning.basics.outputs import check_target, write_result_folder
from planning.basics.paths import data_dir, display_path, shown_path
from planning.stores.observed import ObservedTable, read_observed


@dataclass
class Backtest:
    """A back-test: the calibration up to ``fit_until`` and the forecast of later years."""

    unit: str
    fit_until: int
    calibration: Calibration | None  # None for a back-test read back from its folder
    table: pd.DataFrame  # unit, year, observed, predicted, p05, p95, error_pp (percent)
    path: pd.DataFrame  # year, observed (or NaN), model mean, p05, p95 (percent): the whole segment
    not_identified_read: tuple[str, ...] = ()

    @classmethod
    def read(cls, folder: str | os.PathLike[str]) -> Backtest:
        """A back-test written by ``planning backtest`` (``backtest.csv``, ``backtest_path.csv``
        and ``manifest.json``), e.g. the shipped ``data/calibrated/son_la/backtest_2023``, so
        that a notebook can show it without fitting again."""
        import json

        d = Path(folder)

        def read_csv(path: Path, *, what_en: str, what_vi: str) -> pd.DataFrame:
            try:
                return pd.read_csv(path)
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                raise PlanningInputError(display_path(path), "<file>", what_en, type(exc).__name__,
                                         message_vi=f"{display_path(path)}: không đọc được {what_vi}") from None

        man_path = d / "manifest.json"
        shown = display_path(man_path)
        try:
            man = json.loads(man_path.read_text(encoding="utf-8"))
            unit, fit_until = str(man["unit"]), int(man["fit_until"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PlanningInputError(shown, "unit, fit_until", "the manifest of a 'planning backtest' result",
                                     type(exc).__name__,
                                     message_vi=f"{shown}: không phải kết quả của 'planning backtest'") from None
        table = read_csv(d / "backtest.csv", what_en="a back-test table", what_vi="bảng kiểm định ngược")
        path = read_csv(d / "backtest_path.csv", what_en="a back-test path", what_vi="đường kiểm định ngược")
        need = {"backtest.csv": (table, ["unit", "year", "observed", "predicted", "p05", "p95", "error_pp"]),
                "backtest_path.csv": (path, ["year", "observed", "model_mean", "p05", "p95"])}
        for name, (frame, cols) in need.items():
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                raise PlanningInputError(display_path(d / name), ", ".join(missing), "the columns " + ", ".join(cols),
                                         "absent", message_vi=f"{display_path(d / name)}: thiếu cột {', '.join(missing)}")
        return cls(unit=unit, fit_until=fit_until, calibration=None, table=table, path=path,
                   not_identified_read=tuple(man.get("not_identified", ())))

    def summary(self) -> dict[str, Any]:
        t = self.table
        return {
            "unit": self.unit, "fit_until": self.fit_until,
            "years": [int(y) for y in t["year"]],
            "error_pp": [round(float(e), 2) for e in t["error_pp"]],
            "inside_90": [bool(a <= o <= b) for o, a, b in zip(t["observed"], t["p05"], t["p95"], strict=True)],
            "not_identified": (self.calibration.not_identified if self.calibration is not None
                               else list(self.not_identified_read)),
        }

    def sentence(self, lang: Lang = "vi") -> str:
        """The back-test in words (numbers in the language's format)."""
        from planning.basics.numbers import fmt_number

        parts = []
        for r in self.table.itertuples():
            inside = r.p05 <= r.observed <= r.p95
            if lang == "vi":
                parts.append(f"năm {r.year}: dự báo {fmt_number(r.predicted, 'vi', 1)}% so với thực tế "
                             f"{fmt_number(r.observed, 'vi', 1)}% (sai số {fmt_number(r.error_pp, 'vi', 1, sign=True)} "
                             f"điểm %, {'trong' if inside else 'ngoài'} khoảng 90%)")
            else:
                parts.append(f"{r.year}: forecast {fmt_number(r.predicted, 'en', 1)}% against "
                             f"{fmt_number(r.observed, 'en', 1)}% observed (error "
                             f"{fmt_number(r.error_pp, 'en', 1, sign=True)} pp, "
                             f"{'inside' if inside else 'outside'} the 90% band)")
        head = (f"Hiệu chỉnh cho {self.unit} đến năm {self.fit_until}, dự báo các năm sau: " if lang == "vi"
                else f"Fitted on {self.unit} up to {self.fit_until}, forecasting the later years: ")
        return head + "; ".join(parts) + "."

    def display_table(self, lang: Lang = "vi") -> pd.DataFrame:
        """The held-out years for planners (rates in percent, the language's number format)."""
        from planning.basics.numbers import fmt_number
        from planning.basics.tables import kind_table

        t = self.table
        vi = lang == "vi"
        return kind_table([
            ("Năm" if vi else "Year", "year", t["year"]),
            ("Thực tế (%)" if vi else "Observed (%)", "text", [fmt_number(v, lang, 2) for v in t["observed"]]),
            ("Dự báo (%)" if vi else "Forecast (%)", "text", [fmt_number(v, lang, 2) for v in t["predicted"]]),
            ("Khoảng 90% (%)" if vi else "90% band (%)", "text",
             [f"{fmt_number(a, lang, 2)}–{fmt_number(b, lang, 2)}" for a, b in zip(t["p05"], t["p95"], strict=True)]),
            ("Sai số (điểm %)" if vi else "Error (pp)", "text", [fmt_number(v, lang, 2, sign=True) for v in t["error_pp"]]),
        ])

    def plot(self, lang: Lang = "vi", ax: Any = None) -> Any:
        import matplotlib.pyplot as plt

        from planning.basics.numbers import fmt_number

        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 4.0))
        p = self.path
        ax.fill_between(p["year"], p["p05"], p["p95"], alpha=0.25, color="tab:blue",
                        label="khoảng 90 % của mô hình" if lang == "vi" else "model 90 % band")
        ax.plot(p["year"], p["model_mean"], color="tab:blue", label="mô hình" if lang == "vi" else "model")
        fitted = p[p["year"] <= self.fit_until]
        later = p[p["year"] > self.fit_until]
        ax.plot(fitted["year"], fitted["observed"], "o", color="black",
                label="số liệu dùng để hiệu chỉnh" if lang == "vi" else "figures used in the fit")
        ax.plot(later["year"], later["observed"], "s", color="tab:red",
                label="số liệu để kiểm tra" if lang == "vi" else "figures held out")
        ax.axvline(self.fit_until + 0.5, color="grey", linestyle=":")
        ax.set_xticks(list(p["year"]))
        ax.yaxis.set_major_formatter(__import__("matplotlib.ticker", fromlist=["FuncFormatter"]).FuncFormatter(
            lambda v, _p: fmt_number(v, lang, 0) + "%"))
        ax.set_ylabel("Tỷ lệ hộ nghèo" if lang == "vi" else "Poor households")
        ax.set_title(f"Kiểm định ngược: {self.unit}, hiệu chỉnh đến {self.fit_until}" if lang == "vi"
                      else f"Back-test: {self.unit}, fitted up to {self.fit_until}")
        ax.legend(fontsize=8)
        return ax

    def write(self, out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """backtest.csv, backtest.png, the calibration's files and manifest.json: the result
        folder of ``planning backtest`` (:func:`planning.basics.outputs.write_result_folder`)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        def chart(p: Path) -> None:
            fig, ax = plt.subplots(figsize=(7.5, 4.0))
            self.plot("en", ax)
            fig.tight_layout()
            fig.savefig(p, dpi=110, format="png")
            plt.close(fig)

        cal = self.calibration
        if cal is None:
            raise ValueError("a back-test read from its folder is already written")
        inputs = [cal.source_path] if cal.source_path is not None else []
        manifest = build_manifest(inputs=[*inputs, data_dir() / "model_parameters.yaml",
                                          data_dir() / "programmes.yaml", data_dir() / "calibration.yaml"],
                                  seed=cal.posterior.seed, draws=len(cal.posterior.samples),
                                  extra={"command": "backtest", **self.summary()})
        writes = {
            "backtest.csv": lambda p: self.table.to_csv(p, index=False, float_format="%.4f"),
            "backtest_path.csv": lambda p: self.path.to_csv(p, index=False, float_format="%.4f"),
            "backtest.png": chart,
            "estimates.csv": lambda p: cal.estimates().to_csv(p, index=False, float_format="%.6g"),
            "fit.csv": lambda p: cal.fit().to_csv(p, index=False, float_format="%.6g"),
            "posterior.csv": lambda p: cal.posterior_frame().to_csv(p, index=False, float_format="%.6g"),
        }
        return write_result_folder(out_dir, writes, command="backtest", manifest=manifest, overwrite=overwrite)


def _forecast_problem(table: ObservedTable, unit: str, fit_until: int,
                      directory: Path) -> tuple[Problem, list[int], str]:
    """The problem over the whole segment the fit ended in (its later years included)."""
    from planning.analyses.calibration import load_settings

    settings = load_settings(directory)
    series = table.unit(unit)
    fit_segments = series.segments(until=fit_until, nominal_households=settings.nominal_households)
    if not fit_segments:
        raise PlanningInputError(table.source, "year", f"poverty rates of {unit} in at least two years up to "
                                 f"{fit_until}", "fewer", message_vi=f"{unit}: cần tỷ lệ hộ nghèo của ít nhất hai năm "
                                 f"đến năm {fit_until}")
    last = max(fit_segments, key=lambda s: s.start_year)
    full = [s for s in series.segments(nominal_households=settings.nominal_households)
            if s.standard == last.standard and s.start_year == last.start_year]
    later = sorted({y for s in full for (y, share, _, _) in s.observations if share == "poor" and y > fit_until})
    if not later:
        years = series.observed_years("poor")
        raise PlanningInputError(table.source, "year", f"a poor rate of {unit} after {fit_until} under the same "
                                 f"standard ({last.standard})", f"years with rates: {years}",
                                 message_vi=f"{unit}: không có tỷ lệ hộ nghèo sau năm {fit_until} cùng chuẩn để kiểm tra")
    return observed_problem(full, directory=directory, settings=settings), later, last.standard


def backtest(observed: str | os.PathLike[str] | pd.DataFrame, *, unit: str, fit_until: int,
             seed: int = 20261126, steps: int | None = None, walkers: int | None = None,
             directory: Path | None = None) -> Backtest:
    """Fit ``unit`` up to ``fit_until`` and forecast its later years (see module doc)."""
    directory = directory or data_dir()
    table = read_observed(observed, data_dir=directory) if not isinstance(observed, ObservedTable) else observed
    series = table.unit(unit)
    ext, later, _std = _forecast_problem(table, series.unit, fit_until, directory)
    cal = calibrate(table, units=[series.unit], until=fit_until, seed=seed, steps=steps, walkers=walkers,
                    directory=directory)
    if not isinstance(observed, pd.DataFrame):
        cal.source_path = Path(observed)
    post = _subsample(cal.posterior.samples, 2000)
    fitted_names = cal.problem.names
    rng = np.random.default_rng([int(seed), 0xB7])
    theta = np.empty((post.shape[0], len(ext.quantities)))
    for j, q in enumerate(ext.quantities):
        if q.name in fitted_names:
            theta[:, j] = post[:, fitted_names.index(q.name)]
        else:  # a later year's bad-year uniform: not seen by the fit
            theta[:, j] = q.draw(rng, post.shape[0])
    model, noisy = predictive(ext, theta, seed)
    rows = []
    for i, (u, y, share) in enumerate(ext.labels):
        if share != "poor" or y not in later:
            continue
        pred = float(model[:, i].mean()) * 100
        obs = float(ext.observed[i]) * 100
        rows.append({"unit": u, "year": y, "observed": obs, "predicted": pred,
                     "p05": float(np.percentile(noisy[:, i], 5)) * 100, "p95": float(np.percentile(noisy[:, i], 95)) * 100,
                     "error_pp": pred - obs})
    run = ext.runs[-1]
    res = ext.run_engine(theta, run, outputs=("households", "poor"))
    rate = res["poor"][:, 0, :] / res["households"][:, 0, :] * 100
    obs_by_year = {y: v * 100 for (u, y, s), v in zip(ext.labels, ext.observed, strict=True) if s == "poor"}
    start = run.years[0] - 1
    seg_start = next(s for s in table.unit(series.unit).segments() if s.start_year == start)
    path_rows = [{"year": start, "observed": seg_start.start_poor * 100, "model_mean": seg_start.start_poor * 100,
                  "p05": seg_start.start_poor * 100, "p95": seg_start.start_poor * 100}]
    for t, y in enumerate(run.years):
        path_rows.append({"year": y, "observed": obs_by_year.get(y, np.nan), "model_mean": rate[:, t].mean(),
                          "p05": np.percentile(rate[:, t], 5), "p95": np.percentile(rate[:, t], 95)})
    return Backtest(unit=series.unit, fit_until=fit_until, calibration=cal, table=pd.DataFrame(rows),
                    path=pd.DataFrame(path_rows))


def cli_main(args: argparse.Namespace) -> int:
    """``planning backtest``."""
    overwrite = getattr(args, "overwrite", False)
    check_target(Path(args.out), "backtest", overwrite=overwrite)  # refused before the fit, not after
    bt = backtest(args.observed, unit=args.unit, fit_until=args.fit_until, seed=args.seed, steps=args.steps)
    out = bt.write(args.out, overwrite=overwrite)
    print(bt.table.round(2).to_string(index=False))
    print(bt.sentence(args.lang))
    print(f"Đã ghi / written: {shown_path(out)}")
    return 0
