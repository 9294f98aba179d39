"""``planning optimize``: the command line face of :mod:`planning.analyses.optimize` (search, write,
print the district table and the comparison of allocations in the planner's language)."""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

from planning.analyses.allocation_search import Settings
from planning.analyses.optimize import MAX_SCALE, load_constraints, optimize
from planning.basics.outputs import check_target
from planning.basics.paths import shown_path
from planning.frontends.cli import _print_table, district_table

__all__ = ["cli_main"]

#: what each objective means, in words (vi, en)
_OBJECTIVE_WORDS: dict[str, tuple[str, str]] = {
    "min-poverty": ("tỷ lệ hộ nghèo trung bình thấp nhất", "the lowest mean poverty rate"),
    "max-probability": ("khả năng đạt mục tiêu cao nhất", "the highest chance of reaching the target"),
    "min-cost": ("kinh phí nhỏ nhất đạt khả năng yêu cầu", "the smallest budget with the required chance"),
}


def cli_main(args: argparse.Namespace) -> int:
    """``planning optimize SCENARIO --out DIR [--objective ...] [--probability P]``."""
    lang = getattr(args, "lang", "vi")
    overwrite = getattr(args, "overwrite", False)
    check_target(Path(args.out), "optimize", overwrite=overwrite)  # refused before the search, not after
    # Optional flags (used when the parser defines them): --constraints FILE.yaml, --target RATE,
    # --max-scale X, --by-year.
    cons = load_constraints(args.constraints) if getattr(args, "constraints", None) else None
    if cons is not None and getattr(args, "by_year", False):
        cons = replace(cons, by_year=True)
    executor = getattr(args, "executor", None) or "local"
    # dask: a worker process per core by default; local: the engine's own threads do the work
    default_workers = (os.cpu_count() or 1) if executor == "dask" else 1
    settings = Settings(executor=executor, scheduler=getattr(args, "scheduler", None),
                        workers=getattr(args, "workers", None) or default_workers)
    opt = optimize(args.scenario, objective=args.objective, probability=args.probability, settings=settings,
                   draws=args.draws, seed=args.seed, constraints=cons, target=getattr(args, "target", None),
                   by_year=getattr(args, "by_year", False),
                   max_scale=getattr(args, "max_scale", None) or MAX_SCALE)
    out = opt.write(args.out, overwrite=overwrite)
    vi = lang == "vi"
    r = opt.result
    goal = _OBJECTIVE_WORDS[opt.objective][0 if vi else 1]
    print(f"{r.title['vi'] if vi else r.title['en']} — {'tối ưu' if vi else 'optimised'} ({goal}; "
          f"{r.draws} {'lần mô phỏng' if vi else 'draws'}, seed {r.seed})")
    _print_table(district_table(r, lang))
    # the planners' names of the allocations and the language's number style (not the ids)
    _print_table(opt.comparison_table(lang))
    print(opt.message(lang))
    print(f"{'Đã ghi' if vi else 'Written to'}: {shown_path(out)}")
    return 0
