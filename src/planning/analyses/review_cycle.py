"""``planning review``: the yearly cycle — a counted review becomes the new baseline, the
district plan is re-run from it, and a bilingual summary is written.

``planning review REVIEW.xlsx|csv --year YEAR --out DIR`` writes into DIR:

* ``baseline.csv`` — the review's counts in the format of ``data/baseline.csv`` (status
  ``observed``, source ``review YEAR (file name)``), every unit of ``data/units.csv``;
* ``review_counts.csv`` — the counts of the 11 units, the four new communes and the district
  (``unit, level, households, poor, near_poor, exits, newly_escaped, re_poor, new_poor,
  poverty_rate, near_poor_rate``; counts in households, rates as shares 0–1; flows empty when
  last year's status was not given);
* ``data/`` — a copy of the scenario's data folder whose ``baseline.csv`` has the review's rows
  in place of that year's counts (a scenario can point at it with ``baseline:``);
* ``plan/`` — the district plan re-run from that baseline (``planning run`` outputs), when the
  review year is the year before a plan year, from the year after the review to the plan's
  end (the plan's money and standards for those years); otherwise ``review_report.md`` says why
  it was not re-run;
* ``review_report.md`` — counts, what was done, the re-run's district path, in Vietnamese and
  English; ``manifest.json`` — the list's hash (never its contents), version, seed.

Input errors are found before anything is written. Only counts are written: names, ID
numbers and household codes never leave :mod:`planning.models.review`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.models.review import COUNT_COLUMNS, FLOWS, Review, baseline_rows, read_review
from planning.stores.units import Units

__all__ = ["ReviewOutcome", "cli_main", "rerun_scenario", "review_report", "run_review"]

_COUNT_LABELS = {
    "households": ("Số hộ", "Households"), "poor": ("Hộ nghèo", "Poor"),
    "poverty_rate": ("Tỷ lệ hộ nghèo", "Poverty rate"), "near_poor": ("Hộ cận nghèo", "Near-poor"),
    "near_poor_rate": ("Tỷ lệ cận nghèo", "Near-poor rate"), "exits": ("Thoát nghèo", "Exits from poverty"),
    "newly_escaped": ("Mới thoát nghèo", "Newly escaped"), "re_poor": ("Tái nghèo", "Re-poor"),
    "new_poor": ("Nghèo phát sinh", "Newly poor"),
}


class ReviewOutcome:
    """What ``run_review`` did: the counted review, the re-run (or ``None``) and why not."""

    def __init__(self, review: Review, units: Units, result: Any | None, why_not: tuple[str, str] | None,
                 out: Path) -> None:
        self.review, self.units, self.result, self.why_not, self.out = review, units, result, why_not, out


def _new_baseline(data: Path, review: Review, units: Units) -> str:
    """The data folder's baseline.csv with the review's rows in place of that year's counts."""
    old = pd.read_csv(data / "baseline.csv", dtype=str, keep_default_na=False)
    replaced = (old["year"] == str(review.year)) & old["metric"].isin(COUNT_COLUMNS) & old["unit"].isin(units.ids)
    new = baseline_rows(review, units).astype(str)
    return pd.concat([old[~replaced], new], ignore_index=True).to_csv(index=False, lineterminator="\n")


def _data_writers(data: Path, baseline_text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Writers of the copied data folder (top level, standards/)."""
    from planning.stores.scenario import DATA_FILES

    top: dict[str, Any] = {}
    for name in DATA_FILES:
        if name == "baseline.csv":
            top[name] = lambda f, t=baseline_text: f.write_text(t, encoding="utf-8")
        elif (data / name).exists():
            top[name] = lambda f, s=data / name: shutil.copyfile(s, f)
    standards = {p.name: (lambda f, s=p: shutil.copyfile(s, f)) for p in sorted((data / "standards").glob("*.yaml"))}
    return top, standards


def rerun_scenario(scenario: Any, year: int, data: Path) -> tuple[Any | None, tuple[str, str] | None]:
    """The scenario moved onto the review: data folder ``data``, from ``year + 1`` to its end,
    with its money, standards and shocks of those years. ``(LoadedScenario, None)``, or
    ``(None, (why in Vietnamese, why in English))`` when there is nothing to re-run."""
    from planning.stores.baseline import load_baseline
    from planning.stores.scenario import LoadedScenario, Scenario, load_scenario

    loaded = load_scenario(scenario)
    sc = loaded.scenario
    latest = load_baseline(loaded.baseline_dir).year
    if year < latest:
        return None, (f"Bộ số liệu đã có kết quả rà soát năm {latest}, muộn hơn năm {year}; kế hoạch vẫn bắt đầu từ "
                      f"năm {latest + 1} nên không chạy lại. Số liệu năm {year} đã được thay trong bộ số liệu mới.",
                      f"The data already hold the {latest} review, later than {year}; the plan still starts in "
                      f"{latest + 1}, so it was not re-run. The {year} figures were replaced in the new data set.")
    if year >= sc.end_year:
        return None, (f"Kế hoạch kết thúc năm {sc.end_year}; sau năm {year} không còn năm nào để dự báo.",
                      f"The plan ends in {sc.end_year}; no year is left to project after {year}.")
    start = year + 1
    standards = {y: s for y, s in sc.standards.items() if y >= start}
    carried = sc.standard_for(start)
    if carried is not None and start not in standards:
        standards[start] = carried
    raw = sc.model_dump()
    raw.update(baseline=str(data.resolve()), start_year=max(start, sc.start_year),
               budget={y: b for y, b in sc.budget.items() if y >= start}, standards=standards,
               shocks=[s for s in raw["shocks"] if s["year"] >= start])
    moved = Scenario.model_validate(raw)
    return LoadedScenario(scenario=moved, source=loaded.source, base_dir=loaded.base_dir, inputs=loaded.inputs), None


def _relocated(value: Any, old: str, new: str) -> Any:
    """``value`` with every path string under ``old`` moved under ``new`` (the plan ran from the
    data folder inside the work folder; its manifest names the folder the result is put in)."""
    if isinstance(value, str):
        return new + value[len(old):] if value == old or value.startswith(old + "/") else value
    if isinstance(value, dict):
        return {k: _relocated(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_relocated(v, old, new) for v in value]
    return value


def run_review(path: str | Path, year: int, out: str | Path, *, scenario: str | Path | None = None,
               draws: int = 200, seed: int | None = None, overwrite: bool = False) -> ReviewOutcome:
    """Count the review, write the new baseline and data folder, re-run the plan (default the
    shipped ``scenarios/district_plan.yaml``), write the report (module docstring), all as the
    result folder of ``planning review`` (:mod:`planning.basics.outputs`: whole or absent, a foreign
    folder refused unless ``overwrite``). Raises :class:`PlanningInputError` before writing
    anything when the list or the scenario is wrong."""
    from planning.basics.manifest import build_manifest
    from planning.basics.outputs import check_target, install, seal, work_folder
    from planning.basics.paths import display_path, scenarios_dir
    from planning.stores.scenario import load_scenario
    from planning.stores.units import load_units

    out = Path(out)
    check_target(out, "review", overwrite=overwrite)
    loaded = load_scenario(scenario if scenario is not None else scenarios_dir() / "district_plan.yaml")
    data_in = loaded.baseline_dir
    units = load_units(data_in / "units.csv")
    review = read_review(path, year, units=units)
    baseline_text = _new_baseline(data_in, review, units)
    top, standards = _data_writers(data_in, baseline_text)
    with work_folder(out, "review") as work:
        res = work / "result"
        for folder, writers in ((res / "data", top), (res / "data" / "standards", standards)):
            folder.mkdir(parents=True)
            for name, write in writers.items():
                write(folder / name)
        moved, why_not = rerun_scenario(loaded, review.year, res / "data")
        result = None
        if moved is not None:
            from planning.models.runner import run

            result = run(moved, draws=draws, seed=seed)
            (res / "plan").mkdir()
            for name, write in result.files().items():
                write(res / "plan" / name)
            seal(res / "plan", "run", _relocated(result.manifest({"review_year": review.year}),
                                                 display_path(res), display_path(out)))
        outcome = ReviewOutcome(review, units, result, why_not, out)
        counts = review.totals(units).rename_axis("unit").reset_index()
        (res / "baseline.csv").write_text(baseline_rows(review, units).to_csv(index=False, lineterminator="\n"),
                                          encoding="utf-8")
        counts.to_csv(res / "review_counts.csv", index=False, float_format="%.6g", lineterminator="\n")
        (res / "review_report.md").write_text(review_report(outcome), encoding="utf-8")
        manifest = build_manifest(inputs=[Path(path)], seed=0 if result is None else result.seed,
                                  draws=0 if result is None else result.draws,
                                  extra={"year": review.year, "standard": review.standard.id,
                                         "households": int(review.counts["households"].sum()),
                                         "flows_available": review.flows_available,
                                         "plan_rerun": result is not None})
        seal(res, "review", manifest)
        install(res, out, "review", overwrite=overwrite)
    return outcome


# --------------------------------------------------------------------------- report


def _order(units: Units) -> list[str]:
    ids = ["district"]
    for j, nid in enumerate(units.new_ids):
        ids += [nid] + [units.ids[i] for i in np.flatnonzero(units.membership[j])]
    return ids


def _md(df: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    return "\n".join(lines + ["| " + " | ".join(map(str, r)) + " |" for r in df.itertuples(index=False)])


def counts_table(review: Review, units: Units, lang: str = "vi") -> pd.DataFrame:
    """The counts as text in ``lang``: district, each new commune, then its former units."""
    from planning.basics.numbers import fmt_number, fmt_pct

    t = review.totals(units)
    k = 0 if lang == "vi" else 1
    cols = ["households", "poor", "poverty_rate", "near_poor", "near_poor_rate", *FLOWS]
    rows = []
    for uid in _order(units):
        name = units.name(uid, lang)
        if t.loc[uid, "level"] == "unit":
            name = f"— {name}"
        row = {("Đơn vị" if lang == "vi" else "Unit"): name}
        for c in cols:
            v = t.loc[uid, c]
            row[_COUNT_LABELS[c][k]] = fmt_pct(v, lang, 1) if c.endswith("rate") else fmt_number(v, lang, 0)  # type: ignore[arg-type]
        rows.append(row)
    return pd.DataFrame(rows)


def _plan_table(result: Any, lang: str) -> pd.DataFrame:
    from planning.basics.numbers import fmt_pct

    s = result.summary()
    d = s[s["level"] == "district"]
    vi = lang == "vi"
    return pd.DataFrame({
        "Năm" if vi else "Year": d["year"].astype(int).astype(str).to_numpy(),
        "Tỷ lệ hộ nghèo (TB)" if vi else "Poverty rate (mean)": [fmt_pct(v, lang, 1) for v in d["poverty_rate_mean"]],  # type: ignore[arg-type]
        "Khoảng 90%" if vi else "90% band": [f"{fmt_pct(a, lang, 1)}–{fmt_pct(b, lang, 1)}"  # type: ignore[arg-type]
                                               for a, b in zip(d["poverty_rate_p05"], d["poverty_rate_p95"], strict=True)],
        "Lộ trình kế hoạch" if vi else "Plan path": [fmt_pct(v, lang, 1) for v in d["plan_rate"]],  # type: ignore[arg-type]
    })


def review_report(o: ReviewOutcome) -> str:
    """The bilingual Markdown summary (Vietnamese part, then English part): no file names."""
    from planning.basics.numbers import fmt_number, fmt_pct

    r, u = o.review, o.units
    n = int(r.counts["households"].sum())
    parts = [f"# Kết quả rà soát hộ nghèo, hộ cận nghèo năm {r.year} / Household poverty review {r.year}", ""]
    for lang in ("vi", "en"):
        vi = lang == "vi"
        parts += ["## Tiếng Việt" if vi else "## English", ""]
        parts.append(f"Chuẩn nghèo áp dụng: {r.standard.title_vi}. Số hộ trong danh sách: {fmt_number(n, 'vi')}."
                     if vi else f"Standard applied: {r.standard.title_en}. Households on the list: {fmt_number(n, 'en')}.")
        parts.append("")
        parts.append("Chỉ số hộ được ghi ra; họ tên, số giấy tờ, mã hộ và các cột khác của danh sách không được ghi ra."
                     if vi else "Only counts are written; names, ID numbers, household codes and the list's other "
                                "columns are not.")
        parts += ["", _md(counts_table(r, u, lang)), ""]
        if not r.flows_available:
            parts += ["Danh sách không có tình trạng của hộ ở lần rà soát năm trước, nên không tính được số hộ thoát "
                      "nghèo, mới thoát nghèo, tái nghèo và nghèo phát sinh (để trống, không ước đoán)."
                      if vi else "The list does not give each household's status at last year's review, so exits, "
                                 "newly escaped, re-poor and newly poor households cannot be counted (left empty, "
                                 "not guessed).", ""]
        parts += [f"Đã lập số liệu nền mới từ kết quả rà soát năm {r.year}: số liệu năm {r.year} của 11 xã, thị trấn "
                  "(trước 1/7/2025) được thay bằng kết quả này, ghi là số liệu quan sát."
                  if vi else f"A new baseline was made from the {r.year} review: the {r.year} figures of the 11 "
                             "communes and township (before 1 July 2025) are replaced by it, marked as observed.", ""]
        if o.result is None:
            parts += [o.why_not[0 if vi else 1] if o.why_not else "", ""]
            continue
        res = o.result
        oc = res.outcomes()
        parts += [(f"Kế hoạch của huyện được chạy lại từ số liệu nền này cho các năm {res.years[0]}–{res.years[-1]} "
                   f"({fmt_number(res.draws, 'vi')} lần mô phỏng). Xác suất tỷ lệ hộ nghèo toàn huyện dưới "
                   f"{fmt_pct(oc['target_rate'], 'vi', 0)} năm {oc['end_year']}: {fmt_pct(oc['prob_below_target'], 'vi', 0)}.")
                  if vi else
                  (f"The district plan was re-run from this baseline for {res.years[0]}–{res.years[-1]} "
                   f"({fmt_number(res.draws, 'en')} simulations). Probability that the district poverty rate is "
                   f"below {fmt_pct(oc['target_rate'], 'en', 0)} in {oc['end_year']}: "
                   f"{fmt_pct(oc['prob_below_target'], 'en', 0)}."), "", _md(_plan_table(res, lang)), ""]
    return "\n".join(parts)


# --------------------------------------------------------------------------- command line


def cli_main(args: argparse.Namespace) -> int:
    """``planning review REVIEW --year YEAR --out DIR [--scenario S] [--draws N] [--seed S]``.
    Exit 0 when done; 2 on input errors (every problem printed, nothing written)."""
    from planning.basics.errors import PlanningInputError
    from planning.basics.paths import shown_path

    lang = getattr(args, "lang", None)

    def say(vi: str, en: str) -> str:
        return vi if lang == "vi" else en if lang == "en" else f"{vi} / {en}"

    try:
        o = run_review(args.review, args.year, args.out, scenario=args.scenario, draws=args.draws, seed=args.seed,
                       overwrite=getattr(args, "overwrite", False))
    except PlanningInputError as exc:
        print(say("Lỗi dữ liệu đầu vào, chưa ghi tệp nào:", "Input error, nothing was written:"), file=sys.stderr)
        print(exc, file=sys.stderr)
        return 2
    for lg in ("vi", "en") if lang is None else (lang,):
        print(counts_table(o.review, o.units, lg).iloc[[0]].to_string(index=False))
    if o.review.dropped:
        cols = ", ".join(o.review.dropped)
        print(say(f"Các cột định danh không được ghi ra: {cols}", f"Identifier columns not written: {cols}"))
    if not o.review.flows_available:
        print(say("Không có cột status_last_year: không tính được thoát nghèo, tái nghèo, nghèo phát sinh.",
                  "No status_last_year column: exits, re-poor and newly poor are not available."))
    if o.result is None and o.why_not:
        print(o.why_not[0] if lang == "vi" else o.why_not[1] if lang == "en" else f"{o.why_not[0]}\n{o.why_not[1]}")
    else:
        print(say(f"Đã chạy lại kế hoạch: {shown_path(o.out / 'plan')}", f"Plan re-run: {shown_path(o.out / 'plan')}"))
    print(say(f"Đã ghi: {shown_path(o.out)} (baseline.csv, review_counts.csv, review_report.md, data/)",
              f"Written: {shown_path(o.out)} (baseline.csv, review_counts.csv, review_report.md, data/)"))
    return 0
