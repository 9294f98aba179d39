"""Administrative units: the 11 pre-2025 communes/township, the 4 new communes, the district.

The projection runs on the pre-1-July-2025 units (the grain of the poverty reviews up to 2025);
results are summed to the four communes created by Resolution 1681/NQ-UBTVQH15 and to the
district.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planning.errors import PlanningInputError
from planning.paths import data_dir, display_path

UNIT_COLUMNS = [
    "unit", "code", "name_vi", "name_en", "kind", "area", "new_commune", "new_commune_name_vi",
    "zone", "zone_status", "ed_villages", "ed_villages_status", "source",
]
DISTRICT = "district"


@dataclass(frozen=True)
class Units:
    """The projection units and how they aggregate.

    ``membership[j, i]`` is 1 when unit ``i`` belongs to new commune ``j``.
    """

    ids: tuple[str, ...]
    names_vi: tuple[str, ...]
    names_en: tuple[str, ...]
    area: np.ndarray  # 'rural' / 'urban' per unit
    zone: np.ndarray  # 'I' / 'II' / 'III' / 'other' per unit
    ed_villages: np.ndarray  # extremely difficult villages per unit (count)
    new_ids: tuple[str, ...]
    new_names_vi: tuple[str, ...]
    membership: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)

    def index(self, unit: str, *, file: str = "<scenario>", field: str = "unit") -> int:
        """Position of ``unit``; a clear error for an unknown unit."""
        try:
            return self.ids.index(unit)
        except ValueError:
            raise PlanningInputError(
                file, field, f"one of the units {', '.join(self.ids)}", unit,
                message_vi=f"không có đơn vị '{unit}' (các đơn vị: {', '.join(self.ids)})",
            ) from None

    def name(self, unit: str, lang: str = "vi") -> str:
        if unit == DISTRICT:
            return "Quỳnh Nhai (toàn huyện)" if lang == "vi" else "Quynh Nhai (district)"
        if unit in self.ids:
            i = self.ids.index(unit)
            return self.names_vi[i] if lang == "vi" else self.names_en[i]
        if unit in self.new_ids:
            j = self.new_ids.index(unit)
            return f"xã {self.new_names_vi[j]}" if lang == "vi" else f"{self.new_names_vi[j]} commune"
        return unit


def load_units(path: Path | None = None) -> Units:
    """Read ``data/units.csv`` and check its columns and the merger mapping."""
    path = path or data_dir() / "units.csv"
    shown = display_path(path)
    if not path.exists():
        raise PlanningInputError(shown, "<file>", "the units table (data/units.csv)", "missing file")
    df = pd.read_csv(path, dtype={"code": str})
    missing = [c for c in UNIT_COLUMNS if c not in df.columns]
    if missing:
        raise PlanningInputError(shown, missing[0], f"columns {', '.join(UNIT_COLUMNS)}", "absent")
    if df["unit"].duplicated().any():
        dup = df.loc[df["unit"].duplicated(), "unit"].iloc[0]
        raise PlanningInputError(shown, "unit", "unique unit ids", dup)
    bad_area = df.loc[~df["area"].isin(["rural", "urban"]), "area"]
    if len(bad_area):
        raise PlanningInputError(shown, "area", "'rural' or 'urban'", bad_area.iloc[0])
    bad_zone = df.loc[~df["zone"].isin(["I", "II", "III", "other"]), "zone"]
    if len(bad_zone):
        raise PlanningInputError(shown, "zone", "I, II, III or other", bad_zone.iloc[0])
    new_ids = tuple(dict.fromkeys(df["new_commune"]))
    new_names = tuple(df.drop_duplicates("new_commune")["new_commune_name_vi"])
    membership = np.zeros((len(new_ids), len(df)))
    for i, nc in enumerate(df["new_commune"]):
        membership[new_ids.index(nc), i] = 1.0
    return Units(
        ids=tuple(df["unit"]),
        names_vi=tuple(df["name_vi"]),
        names_en=tuple(df["name_en"]),
        area=df["area"].to_numpy(dtype=object),
        zone=df["zone"].to_numpy(dtype=object),
        ed_villages=df["ed_villages"].to_numpy(dtype=float),
        new_ids=new_ids,
        new_names_vi=new_names,
        membership=membership,
    )


def synthetic_units(n: int, *, n_groups: int | None = None, seed: int = 0) -> Units:
    """``n`` made-up units (national-scale benchmarks and tests), grouped into ``n_groups``."""
    rng = np.random.default_rng(seed)
    n_groups = n_groups or max(1, n // 3)
    ids = tuple(f"u{i:05d}" for i in range(n))
    group = np.arange(n) % n_groups
    membership = np.zeros((n_groups, n))
    membership[group, np.arange(n)] = 1.0
    return Units(
        ids=ids,
        names_vi=ids,
        names_en=ids,
        area=np.where(rng.random(n) < 0.1, "urban", "rural").astype(object),
        zone=rng.choice(np.array(["I", "II", "III"], dtype=object), size=n),
        ed_villages=rng.integers(0, 8, size=n).astype(float),
        new_ids=tuple(f"g{j:05d}" for j in range(n_groups)),
        new_names_vi=tuple(f"g{j:05d}" for j in range(n_groups)),
        membership=membership,
    )
