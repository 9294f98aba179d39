"""Splitting each year's component budget across units (million VND).

Rules: ``equal``; ``per_poor_household`` (poor households at the start of the projection);
``need_weighted`` (2026–2030 allocation coefficients × need, data/allocation_rules.yaml);
``shares`` (given unit shares adding up to 1); ``table`` (a CSV of amounts by unit, component
and year). ``priorities`` multiply unit weights before normalising. Components restricted
to some zones give nothing to the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.basics.checks import known, number, problem, read_csv
from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.basics.paths import display_path
from planning.basics.yamlio import read_yaml
from planning.stores.baseline import Baseline
from planning.stores.programmes import ProgrammeBook
from planning.stores.scenario import EXCEL_SUFFIXES, LoadedScenario
from planning.stores.streams import FILE_NAME as STREAMS_FILE
from planning.stores.streams import FundingStreams, book_money, load_funding_streams, stream_amounts
from planning.stores.units import ZONES

TABLE_COLUMNS = ["unit", "component", "year", "amount"]


@dataclass(frozen=True)
class AllocationRules:
    """``data/allocation_rules.yaml``: the need-weighted rule's coefficients (finite, ≥ 0)."""

    zone: dict[str, float]
    village: float
    near_poor_weight: float
    source_file: str


def load_allocation_rules(path: Path) -> AllocationRules:
    """Read and check ``allocation_rules.yaml`` (a coefficient for every zone, the village
    coefficient and the near-poor weight: finite numbers ≥ 0)."""
    shown = display_path(path)
    raw = read_yaml(path)

    def mapping(node: Any, field: str) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise problem(shown, field, "a mapping", "một bảng (mục: giá trị)", "absent" if node is None else node)
        return node

    nw = mapping(mapping(raw, "<root>").get("need_weighted"), "need_weighted")
    coef = mapping(nw.get("coefficients"), "need_weighted.coefficients")
    zones = mapping(coef.get("zone"), "need_weighted.coefficients.zone")
    zone = {str(z): number(zones.get(z), shown, f"need_weighted.coefficients.zone.{z}", lo=0.0,
                           what_en="a coefficient ≥ 0", what_vi="một hệ số ≥ 0")
            for z in ZONES}
    for z in zones:
        known(str(z), ZONES, shown, "need_weighted.coefficients.zone", what_en="zones among",
              what_vi="khu vực trong số")
    village = number(coef.get("extremely_difficult_village"), shown,
                     "need_weighted.coefficients.extremely_difficult_village", lo=0.0,
                     what_en="a coefficient ≥ 0 per extremely difficult village",
                     what_vi="hệ số ≥ 0 cho mỗi thôn đặc biệt khó khăn")
    need = mapping(nw.get("need"), "need_weighted.need")
    near_w = number(need.get("near_poor_weight"), shown, "need_weighted.need.near_poor_weight", lo=0.0, hi=1.0,
                    what_en="a weight between 0 and 1", what_vi="trọng số từ 0 đến 1")
    return AllocationRules(zone=zone, village=village, near_poor_weight=near_w, source_file=shown)


def need_weights(baseline: Baseline, rules_path: Path) -> np.ndarray:
    """Unit weights of the need-weighted rule: coefficient × (poor + w·near-poor)."""
    rules = load_allocation_rules(rules_path)
    units = baseline.units
    # Decision on 2026-2030 coefficients: only the highest commune coefficient counts, each
    # extremely difficult village adds its own.
    w = np.array([rules.zone[z] for z in units.zone]) + rules.village * units.ed_villages
    need = baseline.poor + rules.near_poor_weight * baseline.near_poor
    return w * need


def unit_weights(loaded: LoadedScenario, baseline: Baseline, rules_path: Path) -> np.ndarray:
    """Weights per unit (before eligibility), normalised to sum to 1."""
    alloc = loaded.scenario.allocation
    units = baseline.units
    if alloc.rule == "equal":
        w = np.ones(units.n)
    elif alloc.rule == "per_poor_household":
        w = baseline.poor.astype(float).copy()
    elif alloc.rule == "need_weighted":
        w = need_weights(baseline, rules_path)
    elif alloc.rule == "shares":
        w = np.zeros(units.n)
        for unit, share in (alloc.shares or {}).items():
            w[units.index(unit, file=loaded.source, field=f"allocation.shares.{unit}")] = share
    else:
        raise ValueError(alloc.rule)
    for unit, mult in alloc.priorities.items():
        w[units.index(unit, file=loaded.source, field=f"allocation.priorities.{unit}")] *= mult
    if w.sum() <= 0:
        raise PlanningInputError(loaded.source, "allocation", "weights with a positive total", "all zero")
    return w / w.sum()


def _stream_money(loaded: LoadedScenario, book: ProgrammeBook) -> tuple[FundingStreams | None, dict[str, np.ndarray]]:
    sc = loaded.scenario
    if not sc.streams:
        return None, {}
    streams = load_funding_streams(loaded.baseline_dir / STREAMS_FILE, book.ids)
    return streams, stream_amounts(sc.streams, streams, book.ids, sc.years, source=loaded.source)


def scenario_streams(loaded: LoadedScenario, book: ProgrammeBook) -> dict[str, np.ndarray]:
    """The scenario's ``streams:`` as [component, year] arrays of each stream's own money
    (× budget_scale; a loan's volume), every stream × component checked against its rule."""
    _, raw = _stream_money(loaded, book)
    return {sid: arr * loaded.scenario.budget_scale for sid, arr in raw.items()}


def budget_matrix(loaded: LoadedScenario, book: ProgrammeBook) -> np.ndarray:
    """[component, year] programme-book money in million VND (× budget_scale): ``budget:`` plus
    every stream's (grants as they are, loans at their budget cost)."""
    sc = loaded.scenario
    ids = book.ids
    out = np.zeros((len(ids), len(sc.years)))
    streams, raw = _stream_money(loaded, book)
    if streams is not None:
        out += book_money(raw, streams, ids)
    for year, comps in sc.budget.items():
        for comp, amount in comps.items():
            if comp not in ids:
                raise PlanningInputError(loaded.source, f"budget.{year}.{comp}",
                                         f"a component of the programme book: {', '.join(ids)}", comp,
                                         message_vi=f"hợp phần '{comp}' không có trong sổ chương trình")
            out[ids.index(comp), sc.years.index(year)] += amount
    return out * sc.budget_scale


def allocate(loaded: LoadedScenario, baseline: Baseline, book: ProgrammeBook,
             rules_path: Path) -> np.ndarray:
    """Amounts [unit, component, year] in million VND for the scenario's years."""
    sc = loaded.scenario
    if sc.allocation.rule == "table":
        amounts = read_allocation_table(loaded.table_path, baseline, book, sc.years)  # type: ignore[arg-type]
        if sc.budget or sc.streams:
            _check_table_matches_budget(loaded, amounts, budget_matrix(loaded, book), book)
        return amounts * (sc.budget_scale if not (sc.budget or sc.streams) else 1.0)
    budget = budget_matrix(loaded, book)
    base_w = unit_weights(loaded, baseline, rules_path)
    amounts = np.zeros((baseline.units.n, len(book.ids), len(sc.years)))
    for k, cid in enumerate(book.ids):
        w = base_w.copy()
        zones = book.component(cid).eligible_zones if cid != "capacity" else None
        if zones:
            w = w * np.isin(baseline.units.zone, zones)
            if w.sum() <= 0 and budget[k].sum() > 0:
                raise PlanningInputError(loaded.source, f"budget.*.{cid}",
                                         f"a unit eligible for {cid} (zones {', '.join(zones)})", "none")
            w = w / w.sum() if w.sum() > 0 else w
        amounts[:, k, :] = np.outer(w, budget[k])
    return amounts


def _check_table_matches_budget(loaded: LoadedScenario, amounts: np.ndarray, budget: np.ndarray,
                                book: ProgrammeBook) -> None:
    totals = amounts.sum(axis=0)
    years = loaded.scenario.years
    for k, cid in enumerate(book.ids):
        for t, year in enumerate(years):
            if abs(totals[k, t] - budget[k, t]) > 0.5:
                raise PlanningInputError(
                    loaded.source, f"budget.{year}.{cid}",
                    f"the allocation table's total ({totals[k, t]:.1f} million VND)", budget[k, t],
                    message_vi="tổng của bảng phân bổ không khớp với ngân sách")


def read_allocation_table(path: Path, baseline: Baseline, book: ProgrammeBook,
                          years: list[int]) -> np.ndarray:
    """Read a CSV ``unit, component, year, amount`` (million VND) into [unit, component, year]
    (or a scenario workbook's allocation table sheet).

    Every bad row is reported (row number as in a spreadsheet, header = row 1).
    """
    shown = display_path(path)
    if Path(path).suffix.lower() in EXCEL_SUFFIXES:  # the table sheet of a scenario workbook
        from planning.stores.scenario_excel_read import read_allocation_sheet

        df = read_allocation_sheet(path)
        missing = [c for c in TABLE_COLUMNS if c not in df.columns]
        if missing:
            raise PlanningInputError(shown, missing[0], f"columns {', '.join(TABLE_COLUMNS)}", "absent")
    else:
        df = read_csv(path, columns=TABLE_COLUMNS, what_en="an allocation table (unit, component, year, amount)",
                      what_vi="bảng phân bổ (unit, component, year, amount)")
    units, ids = baseline.units, book.ids
    out = np.zeros((units.n, len(ids), len(years)))
    errors: list[PlanningInputError] = []
    seen: set[tuple[str, str, int]] = set()
    for i, row in df.iterrows():
        r = int(i) + 2  # type: ignore[arg-type]
        if row["unit"] not in units.ids:
            errors.append(problem(shown, "unit", f"one of {', '.join(units.ids)}",
                                  f"một trong {', '.join(units.ids)}", row["unit"], row=r))
            continue
        if row["component"] not in ids:
            errors.append(problem(shown, "component", f"one of {', '.join(ids)}",
                                  f"một trong {', '.join(ids)}", row["component"], row=r))
            continue
        try:
            year = int(number(row["year"], shown, "year", whole=True, row=r))
        except PlanningInputError as exc:
            errors.append(exc)
            continue
        if year not in years:
            errors.append(problem(shown, "year", f"a year in {years[0]}..{years[-1]}",
                                  f"một năm trong {years[0]}..{years[-1]}", year, row=r))
            continue
        try:
            amount = number(row["amount"], shown, "amount", lo=0.0, row=r,
                            what_en="a finite amount ≥ 0 in million VND", what_vi="số tiền hữu hạn ≥ 0 (triệu đồng)")
        except PlanningInputError as exc:
            errors.append(exc)
            continue
        key = (row["unit"], row["component"], year)
        if key in seen:
            errors.append(problem(shown, "unit/component/year", "each combination once", "mỗi tổ hợp một lần",
                                  "/".join(map(str, key)), row=r))
            continue
        seen.add(key)
        out[units.ids.index(row["unit"]), ids.index(row["component"]), years.index(year)] = float(amount)
    if errors:
        raise errors[0] if len(errors) == 1 else PlanningInputErrors(errors)
    return out


def allocation_frame(amounts: np.ndarray, unit_ids: tuple[str, ...], component_ids: tuple[str, ...],
                     years: list[int]) -> pd.DataFrame:
    """Long table ``unit, component, year, amount`` (million VND) of non-zero amounts."""
    u, k, t = np.nonzero(amounts)
    return pd.DataFrame({
        "unit": np.array(unit_ids)[u], "component": np.array(component_ids)[k],
        "year": np.array(years)[t], "amount": amounts[u, k, t],
    })
