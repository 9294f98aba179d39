"""Administrative units: the 11 pre-2025 communes/township, the 4 new communes, the district.

The projection runs on the pre-1-July-2025 units (the grain of the poverty reviews up to 2025);
results are summed to the four communes created by Resolution 1681/NQ-UBTVQH15 and to the
district.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planning.basics.checks import count_column, known_column, problem, read_csv
from planning.basics.errors import PlanningInputError
from planning.basics.paths import data_dir, display_path

UNIT_COLUMNS = [
    "unit", "code", "name_vi", "name_en", "kind", "area", "new_commune", "new_commune_name_vi",
    "zone", "zone_status", "ed_villages", "ed_villages_status", "source",
]
DISTRICT = "district"
#: zones (Decision 861/QĐ-TTg areas I, II, III; other)
ZONES = ("I", "II", "III", "other")


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
    """Read ``data/units.csv`` and check its columns, ids, areas, zones, village counts and the
    merger mapping."""
    path = path or data_dir() / "units.csv"
    shown = display_path(path)
    df = read_csv(path, columns=UNIT_COLUMNS, what_en="the units table (data/units.csv)",
                  what_vi="bảng đơn vị hành chính (data/units.csv)")
    if df.empty:
        raise problem(shown, "unit", "at least one unit", "ít nhất một đơn vị", "no rows / không có dòng nào")
    for col in ("unit", "new_commune"):
        bad = ~df[col].fillna("").str.fullmatch(r"[a-z0-9][a-z0-9_]*").to_numpy()
        if bad.any():
            i = int(bad.argmax())
            raise problem(shown, col, "an id of lower-case letters, digits and _ (e.g. ca_nang)",
                          "mã gồm chữ thường, chữ số và _ (ví dụ ca_nang)", df[col].iloc[i], row=i + 2)
    dup = df["unit"].duplicated().to_numpy()
    if dup.any():
        i = int(dup.argmax())
        raise problem(shown, "unit", "each unit id once", "mỗi mã đơn vị một lần", df["unit"].iloc[i], row=i + 2)
    known_column(df, "area", ("rural", "urban"), shown)
    known_column(df, "zone", ZONES, shown)
    ed_villages = count_column(df, "ed_villages", shown, what="extremely difficult villages",
                               what_vi="thôn đặc biệt khó khăn")
    for col in ("name_vi", "name_en", "new_commune_name_vi"):
        empty = df[col].isna().to_numpy()
        if empty.any():
            i = int(empty.argmax())
            raise problem(shown, col, "a name", "một tên", None, row=i + 2)
    names = df.drop_duplicates(["new_commune", "new_commune_name_vi"])
    twice = names["new_commune"].duplicated().to_numpy()
    if twice.any():
        i = int(names.index[twice.argmax()])
        raise problem(shown, "new_commune_name_vi", "one name per new commune", "mỗi xã mới một tên",
                      df["new_commune_name_vi"].iloc[i], row=i + 2)
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
        ed_villages=ed_villages.to_numpy(dtype=float),
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
