"""Uncertain quantities: triangular distributions read from cited YAML entries."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from planning.basics.errors import PlanningInputError


@dataclass(frozen=True)
class Triangular:
    """A triangular distribution on [low, high] with peak ``mode`` (all in the quantity's unit).

    A degenerate one (low == high) is a fixed value.
    """

    low: float
    mode: float
    high: float
    source: str = ""

    @property
    def fixed(self) -> bool:
        return self.high <= self.low

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles at probabilities ``u`` (inverse CDF, so Latin hypercube designs carry over)."""
        u = np.asarray(u, dtype=float)
        if self.fixed:
            return np.full_like(u, self.mode)
        a, c, b = self.low, self.mode, self.high
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0


def parse_triangular(entry: Any, *, file: str, field: str, lower: float = 0.0,
                     upper: float | None = None) -> Triangular:
    """Read ``{mode, low, high, source}`` (or ``{value, source}``, or a bare number) and check it."""
    if isinstance(entry, bool):
        raise PlanningInputError(file, field, "a number or {mode, low, high}", entry)
    if isinstance(entry, int | float):
        entry = {"value": entry}
    if not isinstance(entry, dict):
        raise PlanningInputError(file, field, "a number or a mapping {mode, low, high, source}", entry)
    if "value" in entry and "mode" not in entry:
        mode = low = high = entry["value"]
    else:
        if "mode" not in entry:
            raise PlanningInputError(file, f"{field}.mode", "a number (the most likely value)", "absent")
        mode = entry["mode"]
        low = entry.get("low", mode)
        high = entry.get("high", mode)
    parts = {"mode": mode, "low": low, "high": high}
    for key, value in parts.items():
        try:
            ok = not isinstance(value, bool) and math.isfinite(float(value))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            name = field if "value" in entry and "mode" not in entry else f"{field}.{key}"
            raise PlanningInputError(file, name, "a finite number (not text, NaN or infinity) for mode, low and high",
                                     value, message_vi=f"tệp {file}, trường '{name}': cần một số hữu hạn "
                                                       f"(không phải chữ, NaN hay vô cực); nhận: {value}")
    mode, low, high = float(mode), float(low), float(high)
    if not low <= mode <= high:
        raise PlanningInputError(file, field, "low <= mode <= high", f"low={low}, mode={mode}, high={high}",
                                 message_vi=f"tệp {file}, trường '{field}': cần low ≤ mode ≤ high; "
                                            f"nhận: low={low}, mode={mode}, high={high}")
    if low < lower or (upper is not None and high > upper):
        rng = f"[{lower}, {upper}]" if upper is not None else f">= {lower}"
        raise PlanningInputError(file, field, f"values in {rng}", f"low={low}, high={high}",
                                 message_vi=f"tệp {file}, trường '{field}': cần giá trị trong {rng}; "
                                            f"nhận: low={low}, high={high}")
    return Triangular(low=low, mode=mode, high=high, source=str(entry.get("source", "")))
