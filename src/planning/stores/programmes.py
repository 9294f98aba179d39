"""The programme book: what each budget component costs, whom it reaches and what it changes.

Data: ``data/programmes.yaml`` (each value cited or marked assumption). The engine reads the
book as arrays over components (see docs/model.md, "Programme response").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from planning.basics.checks import known, number, share
from planning.basics.errors import PlanningInputError
from planning.basics.paths import data_dir, display_path
from planning.basics.yamlio import blame_override, deep_merge, leaf_paths, read_yaml
from planning.stores.distributions import Triangular, parse_triangular
from planning.stores.units import ZONES

GROUPS = ("poor", "near_poor", "newly_escaped")
EFFECTS = ("income", "deprivation", "protect")
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
    intensity_returns: Triangular = Triangular(0.5, 0.5, 0.5)  # η of effects ∝ packages^η

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
        out["programmes.intensity.returns"] = self.intensity_returns
        return {k: v for k, v in out.items() if not v.fixed}

    def fixed_values(self) -> dict[str, float]:
        """The book's quantities that are not uncertain (mode), by dotted name."""
        out: dict[str, float] = {}
        for c in self.components:
            out[f"programmes.{c.id}.unit_cost"] = c.unit_cost.mode
            for e in EFFECTS:
                out[f"programmes.{c.id}.effects.{e}"] = c.effects[e].mode
        out["programmes.capacity.max_uplift"] = self.capacity_max_uplift.mode
        out["programmes.intensity.returns"] = self.intensity_returns.mode
        return out


def load_programme_book(path: Path | None = None, overrides: dict[str, Any] | None = None,
                        *, override_file: str = "<scenario>") -> ProgrammeBook:
    """Read the book, apply a scenario's ``overrides.programmes`` delta, and check every entry.

    A bad value that the scenario's override set is blamed on the scenario (``override_file``,
    field ``overrides.programmes.…``), not on the programme book.
    """
    path = path or data_dir() / "programmes.yaml"
    shown = display_path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("components"), dict):
        raise PlanningInputError(shown, "components", "a mapping of component id to entry", type(raw).__name__,
                                 message_vi=f"tệp {shown}: cần mục 'components' (mã hợp phần → nội dung)")
    overrides = dict(overrides or {})
    leaves = [leaf if leaf.startswith("intensity") else f"components.{leaf}" for leaf in leaf_paths(overrides)]
    try:
        return _parse_book(raw, overrides, shown, override_file)
    except PlanningInputError as exc:
        raise blame_override(exc, leaves, file=override_file, rename=lambda f: "overrides.programmes."
                             + f.removeprefix("components.")) from None


def _parse_book(raw: dict[str, Any], overrides: dict[str, Any], shown: str, override_file: str) -> ProgrammeBook:
    comps_raw = raw["components"]
    intensity_delta = overrides.pop("intensity", None)
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
            cap_scale = number(scale.get("value", scale) if isinstance(scale, dict) else scale, shown,
                               f"{f}.capacity.scale_per_household", lo=0.0, lo_open=True,
                               what_en="a positive amount in million VND per household",
                               what_vi="số tiền dương, triệu đồng mỗi hộ")
            continue
        components.append(_parse_component(cid, entry, shown))
    if not components:
        raise PlanningInputError(shown, "components", "at least one component", "none")
    intensity = raw.get("intensity")
    if intensity_delta is not None:
        intensity = deep_merge(intensity or {}, intensity_delta, file=override_file,
                               field="overrides.programmes.intensity")
    if not isinstance(intensity, dict) or "returns" not in intensity:
        raise PlanningInputError(shown, "intensity.returns", "an entry {mode, low, high, source}", "absent")
    returns = parse_triangular(intensity["returns"], file=shown, field="intensity.returns", upper=1.0)
    return ProgrammeBook(components=tuple(components), capacity_max_uplift=cap_uplift,
                         capacity_scale_per_household=cap_scale, source_file=shown,
                         intensity_returns=returns)


def _parse_component(cid: str, entry: dict[str, Any], shown: str) -> Component:
    f = f"components.{cid}"
    name = entry.get("name") or {}
    targets = entry.get("targets")
    if not isinstance(targets, dict) or not targets:
        raise PlanningInputError(shown, f"{f}.targets", f"shares per group among {', '.join(GROUPS)}", targets)
    unknown = set(targets) - set(GROUPS)
    if unknown:
        raise PlanningInputError(shown, f"{f}.targets", f"groups among {', '.join(GROUPS)}", sorted(unknown)[0])
    shares = {g: share(v, shown, f"{f}.targets.{g}") for g, v in targets.items()}
    if abs(sum(shares.values()) - 1.0) > 1e-6:
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
        max_cov = number(mc.get("value") if isinstance(mc, dict) else mc, shown, f"{f}.max_coverage",
                         lo=0.0, hi=1.0, lo_open=True, what_en="a share in (0, 1]", what_vi="một tỷ lệ trong (0, 1]")
    zones = entry.get("eligible_zones")
    if zones:
        if not isinstance(zones, list):
            raise PlanningInputError(shown, f"{f}.eligible_zones", "a list of zones (I, II, III, other)", zones)
        for z in zones:
            known(z, ZONES, shown, f"{f}.eligible_zones", what_en="zones among", what_vi="khu vực trong số")
    return Component(
        id=cid, name_vi=str(name.get("vi", cid)), name_en=str(name.get("en", cid)),
        ntp_projects=tuple(entry.get("ntp_projects") or ()), acts_on=tuple(entry.get("acts_on") or ()),
        targets=shares, unit_cost=unit_cost, max_coverage=max_cov,
        max_coverage_indicator=str(mci) if mci is not None else None, effects=effects,
        eligible_zones=tuple(zones) if zones else None,
    )
