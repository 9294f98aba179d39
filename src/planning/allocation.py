"""Splitting each year's component budget across units (million VND).

Rules: ``equal``; ``per_poor_household`` (poor households at the start of the projection);
``need_weighted`` (2026–2030 allocation coefficients × need, data/allocation_rules.yaml);
``shares`` (given unit shares adding up to 1); ``table`` (a CSV of amounts by unit, component
and year). ``priorities`` multiply unit weights before normalising. Components restricted
to some zones give nothing to the others.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planning.baseline import Baseline
from planning.errors import PlanningInputError, PlanningInputErrors
from planning.paths import display_path
from planning.programmes import ProgrammeBook
from planning.scenario import LoadedScenario
from planning.yamlio import read_yaml

TABLE_COLUMNS = ["unit", "component", "year", "amount"]


def need_weights(baseline: Baseline, rules_path: Path) -> np.ndarray:
    """Unit weights of the need-weighted rule: coefficient × (poor + w·near-poor)."""
    shown = display_path(rules_path)
    raw = read_yaml(rules_path)
    try:
        coef = raw["need_weighted"]["coefficients"]
        zone_coef = {str(k): float(v) for k, v in coef["zone"].items()}
        village = float(coef["extremely_difficult_village"])
        near_w = float(raw["need_weighted"]["need"]["near_poor_weight"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanningInputError(shown, f"need_weighted.{exc}", "zone coefficients, village coefficient and near_poor_weight", "absent") from None
    units = baseline.units
    missing = sorted(set(units.zone) - set(zone_coef))
    if missing:
        raise PlanningInputError(shown, "need_weighted.coefficients.zone", f"a coefficient for zone {missing[0]}", "absent")
    # Decision on 2026-2030 coefficients: only the highest commune coefficient counts, each
    # extremely difficult village adds its own.
    w = np.array([zone_coef[z] for z in units.zone]) + village * units.ed_villages
    need = baseline.poor + near_w * baseline.near_poor
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


def budget_matrix(loaded: LoadedScenario, book: ProgrammeBook) -> np.ndarray:
    """[component, year] budget in million VND (× budget_scale)."""
    sc = loaded.scenario
    ids = book.ids
    out = np.zeros((len(ids), len(sc.years)))
    for year, comps in sc.budget.items():
        for comp, amount in comps.items():
            if comp not in ids:
                raise PlanningInputError(loaded.source, f"budget.{year}.{comp}",
                                         f"a component of the programme book: {', '.join(ids)}", comp,
                                         message_vi=f"hợp phần '{comp}' không có trong sổ chương trình")
            out[ids.index(comp), sc.years.index(year)] = amount
    return out * sc.budget_scale


def allocate(loaded: LoadedScenario, baseline: Baseline, book: ProgrammeBook,
             rules_path: Path) -> np.ndarray:
    """Amounts [unit, component, year] in million VND for the scenario's years."""
    sc = loaded.scenario
    if sc.allocation.rule == "table":
        amounts = read_allocation_table(loaded.table_path, baseline, book, sc.years)  # type: ignore[arg-type]
        if sc.budget:
            _check_table_matches_budget(loaded, amounts, budget_matrix(loaded, book), book)
        return amounts * (sc.budget_scale if not sc.budget else 1.0)
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
    """Read a CSV ``unit, component, year, amount`` (million VND) into [unit, component, year].

    Every bad row is reported (row number as in a spreadsheet, header = row 1).
    """
    shown = display_path(path)
    try:
        df = pd.read_csv(path, dtype={"unit": str, "component": str})
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise PlanningInputError(shown, "<csv>", "a CSV with columns unit, component, year, amount", str(exc)) from None
    missing = [c for c in TABLE_COLUMNS if c not in df.columns]
    if missing:
        raise PlanningInputError(shown, missing[0], f"columns {', '.join(TABLE_COLUMNS)}", "absent")
    units, ids = baseline.units, book.ids
    out = np.zeros((units.n, len(ids), len(years)))
    errors: list[PlanningInputError] = []
    seen: set[tuple[str, str, int]] = set()
    for i, row in df.iterrows():
        r = int(i) + 2  # type: ignore[arg-type]
        if row["unit"] not in units.ids:
            errors.append(PlanningInputError(shown, "unit", f"one of {', '.join(units.ids)}", row["unit"], row=r))
            continue
        if row["component"] not in ids:
            errors.append(PlanningInputError(shown, "component", f"one of {', '.join(ids)}", row["component"], row=r))
            continue
        try:
            year = int(row["year"])
        except (TypeError, ValueError):
            errors.append(PlanningInputError(shown, "year", "an integer year", row["year"], row=r))
            continue
        if year not in years:
            errors.append(PlanningInputError(shown, "year", f"a year in {years[0]}..{years[-1]}", year, row=r))
            continue
        amount = pd.to_numeric(row["amount"], errors="coerce")
        if pd.isna(amount) or amount < 0:
            errors.append(PlanningInputError(shown, "amount", "a non-negative amount in million VND", row["amount"], row=r))
            continue
        key = (row["unit"], row["component"], year)
        if key in seen:
            errors.append(PlanningInputError(shown, "unit/component/year", "each combination once", "/".join(map(str, key)), row=r))
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
