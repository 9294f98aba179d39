"""How fast the dashboard answers a widget change (target: < 0.3 s with the default settings).

Run: ``.venv/bin/python benchmarks/bench_dashboard.py [--draws 300] [--repeat 10]``

Prints the time from setting a widget's value to the redrawn chart, table and probability
(``Dashboard.last_seconds``), per kind of change:

* budget slider: re-allocate + project the same draws + redraw (the common case);
* allocation rule and commune priority: the same path;
* assumption slider, new value: re-prepare (new draws of the changed distribution);
* assumption slider, value seen before: prepared inputs come from the cache;
* language toggle: redraw only (no model run).

Timings are wall-clock on this machine and vary with its load; compare runs on the same
machine only.
"""

from __future__ import annotations

import argparse
import statistics
import time

from planning.frontends.dashboard import Dashboard


def _stats(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"median {statistics.median(times):.3f} s, p90 {p90:.3f} s, max {max(times):.3f} s (n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=300, help="Monte Carlo draws (dashboard default 300)")
    parser.add_argument("--repeat", type=int, default=10, help="changes per kind")
    args = parser.parse_args()

    t0 = time.perf_counter()
    dash = Dashboard(draws=args.draws)
    print(f"Dashboard() with {dash.draws} draws: {time.perf_counter() - t0:.2f} s to build and draw")

    slider = dash.budget["livelihood"]
    base = slider.value
    budget = []
    for i in range(args.repeat):
        slider.value = base + 100.0 * (i + 1)
        budget.append(dash.last_seconds)
    slider.value = base

    rules = []
    for rule in ["equal", "need_weighted", "per_poor_household"] * max(1, args.repeat // 3):
        dash.rule.value = rule
        rules.append(dash.last_seconds)

    prios = []
    p = dash.priorities["ca_nang"]
    for i in range(args.repeat):
        p.value = 1.0 + 0.1 * ((i % 10) + 1)
        prios.append(dash.last_seconds)
    p.value = 1.0

    fresh, cached = [], []
    a = dash.assumptions["setbacks.probability"]  # a yearly probability, moved by 0.005 steps
    a0 = a.value
    values = [round(a0 + 0.005 * (i + 1), 3) for i in range(min(args.repeat, 10))]
    for v in values:
        a.value = v
        fresh.append(dash.last_seconds)
    for v in values:
        a.value = v
        cached.append(dash.last_seconds)
    a.value = a0

    lang = []
    for i in range(args.repeat):
        t = time.perf_counter()
        dash.language.value = "en" if i % 2 == 0 else "vi"
        lang.append(time.perf_counter() - t)

    print(f"budget slider            : {_stats(budget)}")
    print(f"allocation rule          : {_stats(rules)}")
    print(f"commune priority         : {_stats(prios)}")
    print(f"assumption, new value    : {_stats(fresh)}")
    print(f"assumption, cached value : {_stats(cached)}")
    print(f"language toggle          : {_stats(lang)}")


if __name__ == "__main__":
    main()
