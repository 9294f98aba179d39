"""The ``planning`` command line: run, compare, validate, classify, batch, calibrate, optimize.

Every command prints bilingual messages; a bad input exits with status 2 and a message that
names the file, the field and what was expected (never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from planning.atomic import write_files
from planning.errors import PlanningInputError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _print_table(df: pd.DataFrame) -> None:
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_colwidth", 40):
        print(df.to_string(index=False))


def _pct(x: float | None) -> str:
    return "—" if x is None or pd.isna(x) else f"{100 * x:.2f}%"


def district_table(result, lang: str = "vi") -> pd.DataFrame:  # noqa: ANN001 (Result)
    """The short per-year district table printed by ``planning run``."""
    from planning.i18n import label

    s = result.summary()
    d = s[s["level"] == "district"]
    return pd.DataFrame({
        label("year", lang): d["year"].to_numpy(),
        label("standard", lang): d["standard"].to_numpy(),
        label("poverty_rate_mean", lang): [_pct(v) for v in d["poverty_rate_mean"]],
        "P5": [_pct(v) for v in d["poverty_rate_p05"]],
        "P95": [_pct(v) for v in d["poverty_rate_p95"]],
        label("near_poor_rate_mean", lang): [_pct(v) for v in d["near_poor_rate_mean"]],
        label("plan_rate", lang): [_pct(v) for v in d["plan_rate"]],
        label("spending", lang): [f"{v:,.0f}" for v in d["spending"]],
    })


def comparison_table(outcomes: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The scenario comparison printed by ``planning compare`` (and the README's main job)."""
    from planning.i18n import label

    o = outcomes.sort_values("poverty_rate_end_mean")
    return pd.DataFrame({
        label("scenario", lang): o["scenario"].to_numpy(),
        label("poverty_rate_end_mean", lang): [_pct(v) for v in o["poverty_rate_end_mean"]],
        "P5–P95": [f"{_pct(a)}–{_pct(b)}" for a, b in zip(o["poverty_rate_end_p05"], o["poverty_rate_end_p95"], strict=True)],
        label("prob_below_target", lang): [f"{v:.0%}" for v in o["prob_below_target"]],
        label("first_year_target_met", lang): ["—" if pd.isna(v) else str(int(v)) for v in o["first_year_target_met"]],
        label("gap_to_plan_pp_end", lang): [f"{v:+.1f}" for v in o["gap_to_plan_pp_end"]],
        label("total_spending", lang): [f"{v:,.0f}" for v in o["total_spending"]],
        label("cost_per_household_lifted", lang): ["—" if pd.isna(v) else f"{v:,.0f}" for v in o["cost_per_household_lifted"]],
    })


def cmd_run(args: argparse.Namespace) -> int:
    import planning

    result = planning.run(args.scenario, draws=args.draws, seed=args.seed, engine=args.engine)
    out = result.write(args.out)
    o = result.outcomes()
    title = o["title_vi"] if args.lang == "vi" else o["title_en"]
    print(f"{title} — {o['scenario']} ({o['draws']} draws / lần mô phỏng, seed {o['seed']}, engine {o['engine']})")
    _print_table(district_table(result, args.lang))
    print(f"P(<{o['target_rate']:.0%} {o['end_year']}) = {o['prob_below_target']:.0%}; "
          f"{'kết quả ghi tại' if args.lang == 'vi' else 'written to'} {out}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    import planning

    out = Path(args.out)
    results, failed = [], []
    for path in args.scenarios:
        try:
            r = planning.run(path, draws=args.draws, seed=args.seed, engine=args.engine)
        except PlanningInputError as exc:
            print(f"✗ {path}: {exc}", file=sys.stderr)
            failed.append(path)
            continue
        r.write(out / r.scenario_name)
        results.append(r)
    if not results:
        return EXIT_BAD_INPUT
    outcomes = planning.compare(results)
    write_files(out, {"comparison.csv": lambda p: outcomes.to_csv(p, index=False)})
    print("So sánh kịch bản / Scenario comparison (district, end year / toàn huyện, năm cuối):")
    _print_table(comparison_table(outcomes, args.lang))
    print(f"{'kết quả ghi tại' if args.lang == 'vi' else 'written to'} {out}/comparison.csv")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from planning.validate import validate_files

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
    p = argparse.ArgumentParser(
        prog="planning",
        description="Quỳnh Nhai poverty-reduction planning / Lập kế hoạch giảm nghèo bền vững Quỳnh Nhai. "
                    "Money in million VND / Tiền: triệu đồng.",
    )
    p.add_argument("--version", action="version", version=f"planning {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser, *, draws: bool = True) -> None:
        if draws:
            sp.add_argument("--draws", type=int, default=None, help="Monte Carlo draws (overrides the scenario)")
            sp.add_argument("--seed", type=int, default=None, help="random seed (overrides the scenario)")
        sp.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of labels (vi/en)")

    r = sub.add_parser("run", help="project one scenario / chạy một kịch bản")
    r.add_argument("scenario", help="scenario YAML file")
    r.add_argument("--out", required=True, help="output folder")
    r.add_argument("--engine", choices=("commune", "microsim"), default="commune")
    common(r)
    r.set_defaults(handler=cmd_run)

    c = sub.add_parser("compare", help="run and compare scenarios / so sánh kịch bản")
    c.add_argument("scenarios", nargs="+")
    c.add_argument("--out", required=True)
    c.add_argument("--engine", choices=("commune", "microsim"), default="commune")
    common(c)
    c.set_defaults(handler=cmd_compare)

    v = sub.add_parser("validate", help="check scenario and data files / kiểm tra tệp")
    v.add_argument("files", nargs="+")
    common(v, draws=False)
    v.set_defaults(handler=cmd_validate)

    cl = sub.add_parser("classify", help="classify households by the poverty standard / phân loại hộ")
    cl.add_argument("households", help="household list (CSV or .xlsx)")
    cl.add_argument("--out", required=True, help="output CSV")
    cl.add_argument("--standard", default=None, help="standard id (default: the one in force in --year)")
    cl.add_argument("--year", type=int, default=None)
    cl.add_argument("--errors", default=None, help="write rejected rows here instead of stopping")
    common(cl, draws=False)
    cl.set_defaults(handler=_delegate("planning.classify:cli_main"))

    b = sub.add_parser("batch", help="run the report notebook for many scenarios / chạy hàng loạt")
    b.add_argument("scenarios", nargs="+")
    b.add_argument("--out", required=True)
    b.add_argument("--workers", type=int, default=2)
    b.add_argument("--notebook", default=None, help="report notebook (default notebooks/scenario_report.ipynb)")
    b.add_argument("--executor", choices=("process", "thread", "dask"), default=None)
    b.add_argument("--scheduler", default=None, help="dask scheduler address (default: a LocalCluster)")
    b.add_argument("--draws", type=int, default=None)
    b.add_argument("--force", action="store_true", help="re-run even if inputs are unchanged")
    b.add_argument("--lang", choices=("vi", "en"), default="vi")
    b.set_defaults(handler=_delegate("planning.batch:cli_main"))

    cal = sub.add_parser("calibrate", help="fit engine flows to observed reviews / hiệu chỉnh mô hình")
    cal.add_argument("observed", help="CSV with unit, year, households, poor, near_poor [, spending]")
    cal.add_argument("--out", required=True)
    cal.add_argument("--pooled", action="store_true", help="one set of flows for all units")
    cal.add_argument("--backtest", type=int, default=None, metavar="LAST_FIT_YEAR",
                     help="fit up to this year and report the error on the later years")
    cal.add_argument("--bootstrap", type=int, default=0, help="bootstrap resamples for the fitted values' ranges")
    common(cal, draws=False)
    cal.set_defaults(handler=_delegate("planning.calibration:cli_main"))

    op = sub.add_parser("optimize", help="optimise the allocation / tối ưu phân bổ")
    op.add_argument("scenario")
    op.add_argument("--out", required=True)
    op.add_argument("--objective", choices=("min-poverty", "max-probability", "min-cost"), default="min-poverty")
    op.add_argument("--probability", type=float, default=0.5, help="required P(<1%%) for min-cost")
    op.add_argument("--constraints", default=None, help="YAML of floors/ceilings (fields of planning.optimize.Constraints)")
    op.add_argument("--target", type=float, default=None, help="target poverty rate (share; default data/plan.yaml)")
    op.add_argument("--max-scale", type=float, default=None, help="min-cost: largest budget multiple to try (default 5)")
    op.add_argument("--by-year", action="store_true", help="also choose each year's amounts")
    common(op)
    op.set_defaults(handler=_delegate("planning.optimize:cli_main"))

    un = sub.add_parser("uncertainty", help="Latin hypercube uncertainty and sensitivity / phân tích bất định")
    un.add_argument("scenario")
    un.add_argument("--out", required=True)
    un.add_argument("--failure", default=None,
                    help="what counts as failing: auto | target | median | plan | a rate (share)")
    un.add_argument("--target", type=float, default=None, help="target poverty rate (share)")
    common(un)
    un.set_defaults(handler=_delegate("planning.uncertainty:cli_main"))
    return p


def _version() -> str:
    from planning.manifest import package_version

    return package_version()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``planning`` console script and ``python -m planning``."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except PlanningInputError as exc:
        print(f"Lỗi dữ liệu đầu vào / Input error:\n{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("Đã dừng / Interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
