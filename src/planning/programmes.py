"""The programme book: what each budget component costs, whom it reaches and what it changes.

Data: ``data/programmes.yaml`` (each value cited or marked assumption). The engine reads the
book as arrays over components (see docs/model.md, "Programme response").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from planning.distributions import Triangular, parse_triangular
from planning.errors import PlanningInputError
from planning.paths import data_dir, display_path
from planning.yamlio import deep_merge, read_yaml

GROUPS = ("poor", "near_poor", "newly_escaped")
EFFECTS = ("exit", "lift", "protect")
CAPACITY = "capacity"


@dataclass(frozen=True)
class Component:
    """One budget component. Money in million VND; effects are probabilities per household reached."""

    id: str
    name_vi: str
    name_en: str
    ntp_projects: tuple[str, ...]
    acts_on: tuple[str, ...]
    targets: dict[str, float]  # share of the component's money per target group (sums to 1)
    unit_cost: Triangular  # million VND per household reached
    max_coverage: float | None  # constant ceiling of coverage, or None when an indicator sets it
    max_coverage_indicator: str | None
    effects: dict[str, Triangular]
    eligible_zones: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ProgrammeBook:
    """All components in book order, plus the capacity component's scaling parameters."""

    components: tuple[Component, ...]
    capacity_max_uplift: Triangular
    capacity_scale_per_household: float  # million VND per household for ~63 % of the uplift
    source_file: str

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.components) + (CAPACITY,)

    def component(self, cid: str) -> Component:
        for c in self.components:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def target_matrix(self) -> np.ndarray:
        """[component (without capacity), group] shares of money per target group."""
        return np.array([[c.targets.get(g, 0.0) for g in GROUPS] for c in self.components])

    def uncertain(self) -> dict[str, Triangular]:
        """Every uncertain quantity of the book, by dotted name."""
        out: dict[str, Triangular] = {}
        for c in self.components:
            out[f"programmes.{c.id}.unit_cost"] = c.unit_cost
            for e in EFFECTS:
                out[f"programmes.{c.id}.effects.{e}"] = c.effects[e]
        out["programmes.capacity.max_uplift"] = self.capacity_max_uplift
        return {k: v for k, v in out.items() if not v.fixed}

    def fixed_values(self) -> dict[str, float]:
        """The book's quantities that are not uncertain (mode), by dotted name."""
        out: dict[str, float] = {}
        for c in self.components:
            out[f"programmes.{c.id}.unit_cost"] = c.unit_cost.mode
            for e in EFFECTS:
                out[f"programmes.{c.id}.effects.{e}"] = c.effects[e].mode
        out["programmes.capacity.max_uplift"] = self.capacity_max_uplift.mode
        return out


def load_programme_book(path: Path | None = None, overrides: dict[str, Any] | None = None,
                        *, override_file: str = "<scenario>") -> ProgrammeBook:
    """Read the book, apply a scenario's ``overrides.programmes`` delta, and check every entry."""
    path = path or data_dir() / "programmes.yaml"
    shown = display_path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("components"), dict):
        raise PlanningInputError(shown, "components", "a mapping of component id to entry", type(raw).__name__)
    comps_raw = raw["components"]
    if overrides:
        comps_raw = deep_merge(comps_raw, overrides, file=override_file, field="overrides.programmes")
    components = []
    cap_uplift, cap_scale = Triangular(0, 0, 0), 1.0
    for cid, entry in comps_raw.items():
        f = f"components.{cid}"
        if not isinstance(entry, dict):
            raise PlanningInputError(shown, f, "a mapping", entry)
        if cid == CAPACITY:
            cap = entry.get("capacity") or {}
            cap_uplift = parse_triangular(cap.get("max_uplift", 0.0), file=shown, field=f"{f}.capacity.max_uplift", upper=1.0)
            scale = cap.get("scale_per_household", {})
            cap_scale = float(scale.get("value", scale) if isinstance(scale, dict) else scale)
            if cap_scale <= 0:
                raise PlanningInputError(shown, f"{f}.capacity.scale_per_household", "a positive amount", cap_scale)
            continue
        components.append(_parse_component(cid, entry, shown))
    if not components:
        raise PlanningInputError(shown, "components", "at least one component", "none")
    return ProgrammeBook(components=tuple(components), capacity_max_uplift=cap_uplift,
                         capacity_scale_per_household=cap_scale, source_file=shown)


def _parse_component(cid: str, entry: dict[str, Any], shown: str) -> Component:
    f = f"components.{cid}"
    name = entry.get("name") or {}
    targets = entry.get("targets")
    if not isinstance(targets, dict) or not targets:
        raise PlanningInputError(shown, f"{f}.targets", f"shares per group among {', '.join(GROUPS)}", targets)
    unknown = set(targets) - set(GROUPS)
    if unknown:
        raise PlanningInputError(shown, f"{f}.targets", f"groups among {', '.join(GROUPS)}", sorted(unknown)[0])
    shares = {g: float(v) for g, v in targets.items()}
    if any(v < 0 for v in shares.values()) or abs(sum(shares.values()) - 1.0) > 1e-6:
        raise PlanningInputError(shown, f"{f}.targets", "non-negative shares that add up to 1",
                                 f"sum {sum(shares.values()):.6g}")
    unit_cost = parse_triangular(entry.get("unit_cost"), file=shown, field=f"{f}.unit_cost")
    if unit_cost.low <= 0:
        raise PlanningInputError(shown, f"{f}.unit_cost", "a positive cost in million VND", unit_cost.low)
    effects_raw = entry.get("effects") or {}
    effects = {e: parse_triangular(effects_raw.get(e, 0.0), file=shown, field=f"{f}.effects.{e}", upper=1.0)
               for e in EFFECTS}
    mc, mci = entry.get("max_coverage"), entry.get("max_coverage_indicator")
    if (mc is None) == (mci is None):
        raise PlanningInputError(shown, f"{f}.max_coverage", "exactly one of max_coverage or max_coverage_indicator", "both or neither")
    max_cov = None
    if mc is not None:
        max_cov = float(mc.get("value") if isinstance(mc, dict) else mc)
        if not 0 < max_cov <= 1:
            raise PlanningInputError(shown, f"{f}.max_coverage", "a share in (0, 1]", max_cov)
    zones = entry.get("eligible_zones")
    return Component(
        id=cid, name_vi=str(name.get("vi", cid)), name_en=str(name.get("en", cid)),
        ntp_projects=tuple(entry.get("ntp_projects") or ()), acts_on=tuple(entry.get("acts_on") or ()),
        targets=shares, unit_cost=unit_cost, max_coverage=max_cov,
        max_coverage_indicator=str(mci) if mci is not None else None, effects=effects,
        eligible_zones=tuple(zones) if zones else None,
    )
