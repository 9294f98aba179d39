"""The ``planning`` command line: run, compare, validate, template, classify, batch, calibrate,
backtest, optimize, uncertainty, target, monitor (template, report), review, report (printable
HTML/PDF) and app (the dashboard). Scenarios are YAML files or workbooks written by
``planning template``.

Every command prints bilingual messages; a bad input (a file, a value, a command-line argument)
exits with status 2 and a message that names the file, the field and what was expected; an
internal error exits with status 3, one line, and its traceback in a log file (never on the
screen). So does an ``--out`` the command may not write into (:mod:`planning.basics.outputs`;
``--overwrite`` lifts the refusal of a folder or file that is not an earlier result of the
command). ``planning verify DIR`` checks a result folder against its manifest: 0 whole, 3 not
whole, 2 cannot be checked.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import pandas as pd

from planning.basics.errors import PlanningInputError
from planning.basics.outputs import OutputRefused

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _print_table(df: pd.DataFrame) -> None:
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 100):
        print(df.to_string(index=False))


def _pct(x: float | None, lang: str = "vi", digits: int = 1) -> str:
    from planning.basics.numbers import fmt_pct

    return fmt_pct(x, lang, digits)  # type: ignore[arg-type]


def _num(x: float | None, lang: str = "vi", digits: int = 0, sign: bool = False) -> str:
    from planning.basics.numbers import fmt_number

    return fmt_number(x, lang, digits, sign=sign)  # type: ignore[arg-type]


def district_table(result, lang: str = "vi") -> pd.DataFrame:  # noqa: ANN001 (Result)
    """The short per-year district table printed by ``planning run`` (numbers in ``lang``'s style)."""
    from planning.basics.i18n import label
    from planning.basics.numbers import standard_name

    s = result.summary()
    d = s[s["level"] == "district"]
    return pd.DataFrame({
        label("year", lang): d["year"].to_numpy(),
        label("standard", lang): [standard_name(v, lang) for v in d["standard"]],  # type: ignore[arg-type]
        label("poverty_rate_mean", lang): [_pct(v, lang) for v in d["poverty_rate_mean"]],
        "90%": [f"{_pct(a, lang)}–{_pct(b, lang)}" for a, b in zip(d["poverty_rate_p05"], d["poverty_rate_p95"], strict=True)],
        label("near_poor_rate_mean", lang): [_pct(v, lang) for v in d["near_poor_rate_mean"]],
        label("plan_rate", lang): [_pct(v, lang) for v in d["plan_rate"]],
        label("spending", lang): [_num(v, lang) for v in d["spending"]],
    })


def comparison_table(outcomes: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The scenario comparison printed by ``planning compare`` (and the README's main job)."""
    from planning.basics.i18n import label
    from planning.frontends.comparison_report import scenario_titles

    o = outcomes.sort_values("poverty_rate_end_mean")
    titles = scenario_titles(o, lang)  # type: ignore[arg-type]
    # The title goes last, left-aligned and whole: a planner knows scenarios by their titles
    # (ids are file names), and a long title at the end of its row leaves the figures aligned.
    width = max(len(t) for t in titles.values())
    return pd.DataFrame({
        label("poverty_rate_end_mean", lang): [_pct(v, lang) for v in o["poverty_rate_end_mean"]],
        "90%": [f"{_pct(a, lang)}–{_pct(b, lang)}" for a, b in zip(o["poverty_rate_end_p05"], o["poverty_rate_end_p95"], strict=True)],
        label("prob_below_target", lang): [_pct(v, lang, 0) for v in o["prob_below_target"]],
        label("first_year_target_met", lang): ["—" if pd.isna(v) else str(int(v)) for v in o["first_year_target_met"]],
        label("gap_to_plan_pp_end", lang): [_num(v, lang, 1, sign=True) for v in o["gap_to_plan_pp_end"]],
        label("total_spending", lang): [_num(v, lang) for v in o["total_spending"]],
        label("cost_per_household_lifted", lang): [_num(v, lang) for v in o["cost_per_household_lifted"]],
        label("scenario", lang).ljust(width): [titles[str(s)].ljust(width) for s in o["scenario"]],
    })


def cmd_run(args: argparse.Namespace) -> int:
    from planning.basics.outputs import check_target
    from planning.models import runner as _runner

    overwrite = getattr(args, "overwrite", False)
    check_target(Path(args.out), "run", overwrite=overwrite)  # refused before the run, not after
    result = _runner.run(args.scenario, draws=args.draws, seed=args.seed, engine=args.engine, indicators=True,
                         sampling=getattr(args, "sampling", None))
    out = result.write(args.out, overwrite=overwrite)
    o = result.outcomes()
    title = o["title_vi"] if args.lang == "vi" else o["title_en"]
    engine = {"commune": ("mô hình theo xã", "commune model"), "microsim": ("mô phỏng từng hộ", "household model")}
    kind = engine.get(o["engine"], (o["engine"], o["engine"]))
    if args.lang == "vi":
        print(f"{title} ({_num(o['draws'], 'vi')} lần mô phỏng, số khởi tạo ngẫu nhiên {o['seed']}, {kind[0]})")
    else:
        print(f"{title} ({_num(o['draws'], 'en')} simulations, seed {o['seed']}, {kind[1]})")
    _print_table(district_table(result, args.lang))
    from planning.frontends.report_text import headline

    print(headline(o, args.lang))
    print(f"{'Đã ghi' if args.lang == 'vi' else 'Written'}: {out}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from planning.basics.manifest import build_manifest
    from planning.basics.outputs import check_target, nested_result, write_result_folder
    from planning.basics.paths import display_path
    from planning.models import results as _results
    from planning.models import runner as _runner

    out, overwrite = Path(args.out), getattr(args, "overwrite", False)
    check_target(out, "compare", overwrite=overwrite)  # refused before the runs, not after
    results, failed = [], []
    for path in args.scenarios:
        try:
            r = _runner.run(path, draws=args.draws, seed=args.seed, engine=args.engine)
        except PlanningInputError as exc:
            print(f"✗ {path}: {exc}", file=sys.stderr)
            failed.append(path)
            continue
        results.append(r)
    if not results:
        return EXIT_BAD_INPUT
    outcomes = _results.compare(results)
    files = {}
    for r in results:
        files.update(nested_result(r.scenario_name, r.files(), command="run", manifest=r.manifest()))
    files["comparison.csv"] = lambda p: outcomes.to_csv(p, index=False)
    manifest = build_manifest(inputs=[p for r in results for p in r.inputs], seed=args.seed, draws=args.draws,
                              extra={"scenarios": [r.scenario_name for r in results],
                                     "failed": [display_path(p) for p in failed], "engine": args.engine})
    write_result_folder(out, files, command="compare", manifest=manifest, overwrite=overwrite)
    print("So sánh kịch bản / Scenario comparison (district, end year / toàn huyện, năm cuối):")
    _print_table(comparison_table(outcomes, args.lang))
    print(f"{'Đã ghi' if args.lang == 'vi' else 'Written'}: {out}/comparison.csv")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    """``planning verify PATH...``: 0 every result whole, 3 one is not (incomplete, a file
    missing or changed), 2 one cannot be checked (no such folder, no manifest)."""
    from planning.basics.outputs import verify

    codes = []
    for path in args.paths:
        v = verify(path)
        print(v.text())
        codes.append(v.exit_code)
    return max(codes)


def cmd_validate(args: argparse.Namespace) -> int:
    from planning.frontends.validate import validate_files

    problems = validate_files([Path(p) for p in args.files])
    for path, errs in problems.items():
        if errs:
            for e in errs:
                print(f"✗ {e}")
        else:
            print(f"✓ {path}: hợp lệ / valid")
    return EXIT_BAD_INPUT if any(problems.values()) else EXIT_OK


def _delegate(target: str) -> Callable[[argparse.Namespace], int]:
    """A handler living in another module (imported only when its command runs)."""
    module, func = target.split(":")

    def handler(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(module), func)(args)

    return handler


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="planning",
        description="Quỳnh Nhai poverty-reduction planning / Lập kế hoạch giảm nghèo bền vững Quỳnh Nhai. "
                    "Money in million VND / Tiền: triệu đồng.",
    )
    p.add_argument("--version", action="version", version=f"planning {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    def overwrite(sp: argparse.ArgumentParser, what: str = "folder") -> None:
        sp.add_argument("--overwrite", action="store_true",
                        help=f"write into an existing {what} that is not an earlier result of this command "
                             "(only the command's own files are replaced) / ghi đè")

    def common(sp: argparse.ArgumentParser, *, draws: bool = True) -> None:
        if draws:
            sp.add_argument("--draws", type=int, default=None, help="Monte Carlo draws (overrides the scenario)")
            sp.add_argument("--seed", type=int, default=None, help="random seed (overrides the scenario)")
        sp.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of labels (vi/en)")

    r = sub.add_parser("run", help="project one scenario / chạy một kịch bản")
    r.add_argument("scenario", help="scenario file (.yaml, or .xlsx from 'planning template')")
    r.add_argument("--out", required=True, help="output folder")
    r.add_argument("--engine", choices=("commune", "microsim"), default="commune")
    r.add_argument("--sampling", choices=("random", "lhs", "sobol", "mode"), default=None,
                   help="how the uncertain assumptions are drawn (overrides the scenario): plain random, "
                        "Latin hypercube, scrambled Sobol' or the modes only")
    common(r)
    overwrite(r)
    r.set_defaults(handler=cmd_run)

    c = sub.add_parser("compare", help="run and compare scenarios / so sánh kịch bản")
    c.add_argument("scenarios", nargs="+")
    c.add_argument("--out", required=True)
    c.add_argument("--engine", choices=("commune", "microsim"), default="commune")
    common(c)
    overwrite(c)
    c.set_defaults(handler=cmd_compare)

    v = sub.add_parser("validate", help="check scenario and data files / kiểm tra tệp")
    v.add_argument("files", nargs="+")
    common(v, draws=False)
    v.set_defaults(handler=cmd_validate)

    tp = sub.add_parser("template", help="write a scenario as an Excel workbook / ghi kịch bản ra sổ tính Excel")
    tp.add_argument("scenario", help="scenario file (.yaml or .xlsx)")
    tp.add_argument("--out", required=True, help="workbook to write (.xlsx)")
    tp.add_argument("--lang", choices=("vi", "en"), default=None, help="console language (default: both)")
    overwrite(tp, "file")
    tp.set_defaults(handler=_delegate("planning.frontends.scenario_excel:cli_main"))

    cl = sub.add_parser("classify", help="classify households by the poverty standard / phân loại hộ")
    cl.add_argument("households", help="household list (CSV or .xlsx)")
    cl.add_argument("--out", required=True, help="output CSV")
    cl.add_argument("--standard", default=None, help="standard id (default: the one in force in --year)")
    cl.add_argument("--year", type=int, default=None)
    cl.add_argument("--errors", default=None, help="write rejected rows here instead of stopping")
    common(cl, draws=False)
    overwrite(cl, "file")
    cl.set_defaults(handler=_delegate("planning.models.classify:cli_main"))

    b = sub.add_parser("batch", help="run the report notebook for many scenarios / chạy hàng loạt")
    b.add_argument("scenarios", nargs="+", help="scenario files (.yaml or .xlsx)")
    b.add_argument("--out", required=True)
    b.add_argument("--workers", type=int, default=2)
    b.add_argument("--notebook", default=None, help="report notebook (default notebooks/scenario_report.ipynb)")
    b.add_argument("--executor", choices=("process", "thread", "dask"), default=None)
    b.add_argument("--scheduler", default=None, help="dask scheduler address (default: a LocalCluster)")
    b.add_argument("--draws", type=int, default=None)
    b.add_argument("--force", action="store_true", help="re-run even if inputs are unchanged")
    b.add_argument("--lang", choices=("vi", "en"), default="vi")
    overwrite(b)
    b.set_defaults(handler=_delegate("planning.frontends.batch:cli_main"))

    cal = sub.add_parser("calibrate", help="fit the model to observed series / hiệu chỉnh mô hình theo số liệu")
    cal.add_argument("observed", nargs="?", default=None,
                     help="observed series CSV (data/observed.csv layout, data/baseline.csv layout or "
                          "unit, year, households, poor, near_poor)")
    cal.add_argument("--unit", action="append", default=None,
                     help="a unit of the file (repeat for several; default all, pooled)")
    cal.add_argument("--until", type=int, default=None, help="fit only the years up to this one")
    cal.add_argument("--synthetic", default=None, metavar="SCENARIO",
                     help="recovery check: simulate the scenario with parameters drawn from their ranges, "
                          "fit it, write truth.csv and coverage.csv")
    cal.add_argument("--seed", type=int, default=20261126)
    cal.add_argument("--seeds", default=None, metavar="A:B",
                     help="with --synthetic: a recovery study over seeds A to B-1 (coverage.csv, summary.csv)")
    cal.add_argument("--method", choices=("sampler", "reference"), default="sampler",
                     help="with --synthetic: fit with the sampler (default) or the importance-sampling "
                          "reference posterior, a check of the sampler")
    cal.add_argument("--steps", type=int, default=None, help="sampler steps (default data/calibration.yaml)")
    cal.add_argument("--out", required=True)
    common(cal, draws=False)
    overwrite(cal)
    cal.set_defaults(handler=_delegate("planning.analyses.calibration_outputs:cli_main"))

    bt = sub.add_parser("backtest", help="fit up to a year, forecast the later years / kiểm định ngược")
    bt.add_argument("observed", help="observed series CSV")
    bt.add_argument("--unit", required=True, help="the unit (commune, district, province, region, country)")
    bt.add_argument("--fit-until", type=int, required=True, help="last year used in the fit")
    bt.add_argument("--seed", type=int, default=20261126)
    bt.add_argument("--steps", type=int, default=None, help="sampler steps (default data/calibration.yaml)")
    bt.add_argument("--out", required=True)
    common(bt, draws=False)
    overwrite(bt)
    bt.set_defaults(handler=_delegate("planning.analyses.backtest:cli_main"))

    tg = sub.add_parser("target", help="what it would take to reach the target / cần gì để đạt mục tiêu")
    tg.add_argument("scenario", help="scenario file (.yaml or .xlsx)")
    tg.add_argument("--out", required=True, help="output folder")
    common(tg)
    overwrite(tg)
    tg.set_defaults(handler=_delegate("planning.analyses.target:cli_main"))

    op = sub.add_parser("optimize", help="optimise the allocation / tối ưu phân bổ")
    op.add_argument("scenario")
    op.add_argument("--out", required=True)
    op.add_argument("--objective", choices=("min-poverty", "max-probability", "min-cost"), default="min-poverty")
    op.add_argument("--probability", type=float, default=0.5, help="required P(<1%%) for min-cost")
    op.add_argument("--constraints", default=None, help="YAML of floors/ceilings (fields of planning.analyses.optimize.Constraints)")
    op.add_argument("--target", type=float, default=None, help="target poverty rate (share; default data/plan.yaml)")
    op.add_argument("--max-scale", type=float, default=None, help="min-cost: largest budget multiple to try (default: the cost curve's, 100)")
    op.add_argument("--by-year", action="store_true", help="also choose each year's amounts")
    op.add_argument("--executor", choices=("local", "dask"), default="local",
                    help="where the engine runs while searching: this process, or dask (a LocalCluster, "
                         "or --scheduler for a real cluster)")
    op.add_argument("--scheduler", default=None, help="dask scheduler address (with --executor dask)")
    op.add_argument("--workers", type=int, default=None, help="threads (local) or worker processes (dask LocalCluster)")
    common(op)
    overwrite(op)
    op.set_defaults(handler=_delegate("planning.frontends.optimize_cli:cli_main"))

    un = sub.add_parser("uncertainty", help="Latin hypercube uncertainty and sensitivity / phân tích bất định")
    un.add_argument("scenario")
    un.add_argument("--out", required=True)
    un.add_argument("--failure", default=None,
                    help="what counts as failing: auto | target | median | plan | a rate (share)")
    un.add_argument("--target", type=float, default=None, help="target poverty rate (share)")
    common(un)
    overwrite(un)
    un.set_defaults(handler=_delegate("planning.analyses.uncertainty:cli_main"))

    mo = sub.add_parser("monitor", help="monitoring workbook and progress report / sổ theo dõi chỉ tiêu")
    mo_sub = mo.add_subparsers(dest="action", required=True)
    mt = mo_sub.add_parser("template", help="write the empty monitoring workbook / ghi mẫu sổ theo dõi")
    mt.add_argument("--out", required=True, help="workbook to write (.xlsx)")
    mt.add_argument("--targets", default=None, help="target register (default data/targets.yaml)")
    mt.add_argument("--data", default=None, help="data folder (default data/)")
    mt.add_argument("--lang", choices=("vi", "en"), default=None, help="console language (default: both)")
    overwrite(mt, "file")
    mt.set_defaults(handler=_delegate("planning.frontends.progress_report:cli_main"))
    mr = mo_sub.add_parser("report", help="progress against every target / báo cáo tiến độ")
    mr.add_argument("workbook", help="filled monitoring workbook (.xlsx)")
    mr.add_argument("--out", required=True, help="output folder")
    mr.add_argument("--year", type=int, default=None, help="year the report speaks of (default: latest with data)")
    mr.add_argument("--targets", default=None, help="target register (default data/targets.yaml)")
    mr.add_argument("--data", default=None,
                    help="data folder whose review series starts the poverty paths (default data/; "
                         "or the data folder written by 'planning review')")
    mr.add_argument("--scenario", default=None,
                    help="scenario whose money the poverty re-projection uses (default scenarios/district_plan.yaml)")
    mr.add_argument("--draws", type=int, default=None,
                    help="Monte Carlo draws of the poverty re-projection (default 300)")
    mr.add_argument("--lang", choices=("vi", "en"), default=None, help="console language (default: both)")
    overwrite(mr)
    mr.set_defaults(handler=_delegate("planning.frontends.progress_report:cli_main"))

    rv = sub.add_parser("review", help="annual household review → new baseline, plan re-run / rà soát hằng năm")
    rv.add_argument("review", help="household review list (CSV or .xlsx)")
    rv.add_argument("--year", type=int, required=True, help="year of the review (end-of-year review)")
    rv.add_argument("--out", required=True, help="output folder")
    rv.add_argument("--scenario", default=None, help="plan to re-run (default: the shipped scenarios/district_plan.yaml)")
    rv.add_argument("--draws", type=int, default=200, help="Monte Carlo draws of the re-run")
    rv.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    rv.add_argument("--lang", choices=("vi", "en"), default=None, help="console language (default: both)")
    overwrite(rv)
    rv.set_defaults(handler=_delegate("planning.analyses.review_cycle:cli_main"))

    ve = sub.add_parser("verify", help="check a result folder against its manifest / kiểm tra thư mục kết quả")
    ve.add_argument("paths", nargs="+", metavar="DIR", help="result folder (or output file with NAME.manifest.json)")
    ve.set_defaults(handler=cmd_verify)
    _add_app_and_report(sub)
    return p


def _add_app_and_report(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``planning app`` (the dashboard for planners, served by Voilà) and ``planning report``
    (printable HTML/PDF reports); their arguments live with their code."""
    from planning.frontends.app import add_app_arguments
    from planning.frontends.report_cli import add_report_arguments

    ap = add_app_arguments(sub.add_parser("app", help="open the planning app in a browser / mở ứng dụng"))
    ap.set_defaults(handler=_delegate("planning.frontends.app:cli_main"))
    rp = add_report_arguments(sub.add_parser("report", help="printable reports, HTML and PDF / báo cáo in"))
    rp.set_defaults(handler=_delegate("planning.frontends.report_cli:cli_main"))


def _version() -> str:
    from planning.basics.manifest import package_version

    return package_version()


#: where a command-line argument's error says it is
ARGUMENTS = "<command line / dòng lệnh>"
#: numeric options: attribute → (option, lowest, highest, whole, what in English, in Vietnamese)
_NUMBER_OPTIONS: dict[str, tuple[str, float | None, float | None, bool, str, str]] = {
    "draws": ("--draws", 1, 1_000_000, True, "a whole number of draws 1–1,000,000", "số lần mô phỏng nguyên 1–1.000.000"),
    "seed": ("--seed", 0, None, True, "a whole number ≥ 0", "số nguyên ≥ 0"),
    "workers": ("--workers", 1, 256, True, "a whole number of workers 1–256", "số tiến trình nguyên 1–256"),
    "steps": ("--steps", 1, None, True, "a whole number of sampler steps ≥ 1", "số bước nguyên ≥ 1"),
    "port": ("--port", 1, 65535, True, "a port number 1–65535", "số cổng 1–65535"),
    "year": ("--year", 2000, 2100, True, "a calendar year 2000–2100", "năm dương lịch 2000–2100"),
    "until": ("--until", 2000, 2100, True, "a calendar year 2000–2100", "năm dương lịch 2000–2100"),
    "fit_until": ("--fit-until", 2000, 2100, True, "a calendar year 2000–2100", "năm dương lịch 2000–2100"),
    "probability": ("--probability", 0, 1, False, "a probability between 0 and 1", "xác suất từ 0 đến 1"),
    "target": ("--target", 0, 1, False, "a poverty rate between 0 and 1 (0.01 for 1 %)",
               "tỷ lệ nghèo từ 0 đến 1 (0.01 là 1 %)"),
    "max_scale": ("--max-scale", 0, 10_000, False, "a budget multiple between 0 and 10,000",
                  "bội số ngân sách từ 0 đến 10.000"),
}
#: commands whose --out is a file (the others write a folder)
_FILE_OUT = {("template", None), ("classify", None), ("monitor", "template")}


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors in Vietnamese and English (exit code 2)."""

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: Lỗi tham số dòng lệnh / command-line error: {message}\n")


def check_arguments(args: argparse.Namespace) -> None:
    """Numbers and output paths on the command line, checked before anything is read or written:
    each numeric option in its range (a NaN or infinite value is refused), ``--out`` a folder
    for the commands that write one (not an existing file) and a file for the others."""
    from planning.basics.checks import number

    for attr, (option, lo, hi, whole, en, vi) in _NUMBER_OPTIONS.items():
        value = getattr(args, attr, None)
        if value is None or isinstance(value, bool):
            continue
        number(value, ARGUMENTS, option, lo=lo, hi=hi, whole=whole, what_en=en, what_vi=vi)
    out = getattr(args, "out", None)
    if out is None:
        return
    path = Path(out)
    kind = (args.command, getattr(args, "action", None))
    if kind in _FILE_OUT or (args.command, None) in _FILE_OUT:
        if path.is_dir():
            raise PlanningInputError(ARGUMENTS, "--out", "a file to write, not an existing folder", out,
                                     message_vi=f"--out: cần tên tệp để ghi, không phải thư mục có sẵn ({out})")
    elif path.exists() and not path.is_dir():
        raise PlanningInputError(ARGUMENTS, "--out", "a folder to write the results in, not an existing file", out,
                                 message_vi=f"--out: cần thư mục để ghi kết quả, không phải một tệp có sẵn ({out})")


def _internal_error(exc: BaseException) -> str:
    """Write the traceback of an unexpected error to a log file; the file's path."""
    import tempfile
    import time
    import traceback

    text = (f"planning {_version()} — {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
            f"command: {' '.join(sys.argv)}\n\n" + "".join(traceback.format_exception(exc)))
    log = Path(tempfile.gettempdir()) / f"planning-error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    try:
        log.write_text(text, encoding="utf-8")
    except OSError:
        return "(no log file could be written / không ghi được tệp nhật ký)"
    return str(log)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``planning`` console script and ``python -m planning``.

    Exit codes: 0 done; 1 done, but some scenarios failed (``compare``); 2 bad input (a file,
    a value or a command-line argument: the message names the file, the field and what was
    expected); 3 internal error (one line, the traceback in a log file in the temporary
    folder); 130 interrupted.
    """
    args = build_parser().parse_args(argv)
    try:
        check_arguments(args)
        return int(args.handler(args) or 0)
    except OutputRefused as exc:
        print(f"Không ghi kết quả / Nothing was written:\n{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PlanningInputError as exc:
        print(f"Lỗi dữ liệu đầu vào / Input error:\n{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("Đã dừng / Interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 (no traceback reaches the user)
        if isinstance(exc, BrokenPipeError) and _reader_left():
            # the reader of the printed text left (``planning run … | head``); the results are
            # written before anything is printed, so this is no error: print nothing more
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK
        log = _internal_error(exc)
        print(f"Lỗi nội bộ / internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
              f"— chi tiết / details in {log}", file=sys.stderr)
        return EXIT_INTERNAL


def _reader_left() -> bool:
    """True when the broken pipe is our own output's: the standard output's reader has closed
    its end (the pipe reports an error to poll). A broken pipe anywhere else is an internal
    error like any other; so is one where poll cannot tell."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _fd, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows) or no real stdout
        return False


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
