"""The calibration's files: its settings (``data/calibration.yaml``: priors of the nuisance
quantities and sampler settings) and a written calibration (``calibration.yaml`` and its
``posterior.csv``, from ``planning calibrate``), each value checked as it is read
(:mod:`planning.basics.checks`); and joint posterior draws for a forward run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.basics.checks import known, number, number_column, problem, read_csv
from planning.basics.checks import share as check_share
from planning.basics.errors import PlanningInputError
from planning.basics.paths import data_dir as default_data_dir
from planning.basics.paths import display_path
from planning.basics.yamlio import read_yaml
from planning.stores.distributions import Triangular, parse_triangular

__all__ = ["CalibrationFile", "Settings", "load_calibration", "load_settings", "posterior_samples"]



@dataclass(frozen=True)
class Settings:
    """Calibration settings (``data/calibration.yaml``)."""

    past_spending: Triangular
    component_shares: dict[str, float]
    near_poor_share: Triangular
    noise_rate: Triangular
    noise_flow: Triangular
    width_ratio: float
    walkers: int
    steps: int
    kept_draws: int
    nominal_households: float
    source_file: str


def load_settings(directory: Path | None = None) -> Settings:
    """Read ``data/calibration.yaml`` (priors of the nuisance quantities, sampler settings);
    every number is checked (finite, in range; sampler sizes whole)."""
    path = (directory or default_data_dir()) / "calibration.yaml"
    shown = display_path(path)
    raw = read_yaml(path)

    def node(parent: Any, key: str, where: str) -> Any:
        if not isinstance(parent, dict) or key not in parent:
            raise problem(shown, where, "this field (see data/README.md)", "trường này (xem data/README.md)",
                          "absent / không có")
        return parent[key]

    ps = node(raw, "past_spending", "past_spending")
    shares_raw = node(ps, "component_shares", "past_spending.component_shares")
    if not isinstance(shares_raw, dict):
        raise problem(shown, "past_spending.component_shares", "a mapping component: share",
                      "một bảng hợp phần: tỷ lệ", shares_raw)
    shares = {str(k): check_share(v, shown, f"past_spending.component_shares.{k}")
              for k, v in shares_raw.items() if k != "source"}
    if not shares or abs(sum(shares.values()) - 1.0) > 1e-6:
        raise problem(shown, "past_spending.component_shares", "non-negative shares adding up to 1",
                      "các tỷ lệ không âm cộng lại bằng 1", f"sum {sum(shares.values()):.6g}")
    sampler = node(raw, "sampler", "sampler")
    whole = {k: int(number(node(sampler, k, f"sampler.{k}"), shown, f"sampler.{k}", lo=1, whole=True))
             for k in ("walkers", "steps", "kept_draws")}
    return Settings(
        past_spending=parse_triangular(node(ps, "per_household", "past_spending.per_household"), file=shown,
                                       field="past_spending.per_household"),
        component_shares=shares,
        near_poor_share=parse_triangular(node(raw, "near_poor_share", "near_poor_share"), file=shown,
                                         field="near_poor_share", upper=0.95),
        noise_rate=parse_triangular(node(node(raw, "noise", "noise"), "rate", "noise.rate"), file=shown,
                                    field="noise.rate"),
        noise_flow=parse_triangular(node(node(raw, "noise", "noise"), "flow", "noise.flow"), file=shown,
                                    field="noise.flow"),
        width_ratio=number(node(raw, "identified_width_ratio", "identified_width_ratio"), shown,
                           "identified_width_ratio", lo=0.0, hi=1.0, lo_open=True),
        walkers=whole["walkers"], steps=whole["steps"], kept_draws=whole["kept_draws"],
        nominal_households=number(node(raw, "nominal_households", "nominal_households"), shown,
                                  "nominal_households", lo=1.0, whole=True),
        source_file=shown,
    )


@dataclass(frozen=True)
class CalibrationFile:
    """A written calibration: its metadata and posterior draws of the model parameters."""

    path: Path
    meta: dict[str, Any]
    posterior: pd.DataFrame  # columns "model.<dotted name>"

    @property
    def not_identified(self) -> list[str]:
        return [p for p in self.meta.get("not_identified", []) if p.startswith("model.")]


def load_calibration(path: str | Path, *, source: str = "<scenario>") -> CalibrationFile:
    """Read ``calibration.yaml`` (or a folder holding it) and its ``posterior.csv``; every
    posterior draw must be a finite number inside its parameter's range
    (:data:`planning.stores.parameters.REQUIRED`)."""
    from planning.stores.parameters import REQUIRED

    p = Path(path)
    if p.is_dir():
        p = p / "calibration.yaml"
    shown = display_path(p)
    if not p.exists():
        raise PlanningInputError(source, "calibration", "a calibration.yaml written by 'planning calibrate'", shown,
                                 message_vi=f"{source}, trường 'calibration': không tìm thấy tệp hiệu chỉnh {shown}")
    meta = read_yaml(p)
    if not isinstance(meta, dict) or not isinstance(meta.get("posterior"), str):
        raise problem(shown, "posterior", "the name of the posterior draws file (e.g. posterior.csv)",
                      "tên tệp các mẫu hậu nghiệm (ví dụ posterior.csv)", "absent / không có")
    post_path = p.parent / meta["posterior"]
    post_shown = display_path(post_path)
    post = read_csv(post_path, what_en="the posterior draws (posterior.csv)", what_vi="các mẫu hậu nghiệm (posterior.csv)")
    cols = [c for c in post.columns if c.startswith("model.")]
    if not cols or len(post) == 0:
        raise problem(post_shown, "<columns>", "columns model.<parameter> with posterior draws",
                      "các cột model.<tham số> chứa mẫu hậu nghiệm", "none / không có")
    for c in cols:
        name = c.removeprefix("model.")
        known(name, REQUIRED, post_shown, c, what_en="a model parameter among", what_vi="một tham số mô hình trong số")
        lo, hi = REQUIRED[name]
        post[c] = number_column(post, c, post_shown, lo=lo, hi=hi)
    return CalibrationFile(path=p, meta=meta, posterior=post[cols].astype(float))


def posterior_samples(cal: CalibrationFile, draws: int, seed: int,
                      known: Sequence[str]) -> dict[str, np.ndarray]:
    """``draws`` joint posterior draws (resampled, seeded) of the calibrated model parameters
    that the model knows (``known``: names ``model.<dotted>``)."""
    rng = np.random.default_rng([int(seed), 0xCA2])
    n = len(cal.posterior)
    idx = rng.choice(n, size=draws, replace=draws > n)
    return {c: cal.posterior[c].to_numpy(float)[idx] for c in cal.posterior.columns if c in known}
