"""Poverty measures: Alkire–Foster M0, headcounts by commune, FGT income poverty measures.

* :func:`alkire_foster` — the adjusted headcount ratio M0 = H·A of Alkire & Foster (2011),
  "Counting and multidimensional poverty measurement", J. Public Econ. 95(7–8):476–487.
* :func:`headcounts` — poor / near-poor households and rates (shares 0–1) by commune.
* :func:`income_poverty_gap` — Foster–Greer–Thorbecke P0, P1, P2 of per-capita income.

Rates, ratios and shares are in [0, 1]; money is VND per person per month, as in the decrees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from planning.basics.errors import PlanningInputError

__all__ = ["alkire_foster", "headcounts", "income_poverty_gap"]

# Deprivation scores are sums of float weights (1/3, 1/6, ...), which do not add up exactly in
# binary; a household whose score equals k on paper must still count as poor.
_SCORE_TOL = 1e-9


def _fail(field: str, expected: str, got: Any, vi: str) -> None:
    raise PlanningInputError("<measures>", field, expected, got, message_vi=vi)


def alkire_foster(
    deprivations: np.ndarray | pd.DataFrame | Sequence[Sequence[float]],
    k: float,
    weights: Sequence[float] | Mapping[str, float] | pd.Series | np.ndarray | None = None,
) -> dict[str, Any]:
    """Alkire–Foster dual-cutoff identification and the adjusted headcount ratio M0.

    ``deprivations`` is a households × indicators matrix of 0/1 (1 = deprived), as a numpy
    array or a DataFrame (columns = indicator names). ``weights`` (default 1 per indicator)
    may be any positive scale; ``k`` is the poverty cut-off on the *weighted* deprivation
    score, in the same scale (k=3 with unit weights = "deprived in at least 3 of 12";
    k=1/3 with weights summing to 1 = the global MPI's cut-off). A household is poor when
    its score ≥ k.

    Returns a dict:

    * ``H`` — headcount ratio, poor households / all households (0–1);
    * ``A`` — average intensity: mean score of the poor as a share of the total weight (0–1;
      0 when nobody is poor);
    * ``M0`` — adjusted headcount ratio H·A (0–1);
    * ``n``, ``n_poor`` — households, poor households;
    * ``scores`` — weighted deprivation score per household (weight units);
    * ``poor`` — boolean array, True for the poor;
    * ``uncensored_headcounts`` / ``censored_headcounts`` — per indicator (pandas Series):
      share of all households deprived / poor *and* deprived in it;
    * ``contributions`` — per indicator, w_j·CH_j / (Σw · M0); sums to 1 when M0 > 0, all 0
      otherwise;
    * ``k``, ``weights`` (Series), ``total_weight``.

    Raises :class:`PlanningInputError` for an empty matrix, values other than 0/1, weights of
    the wrong length or not positive, or k outside (0, total weight].
    """
    if isinstance(deprivations, pd.DataFrame):
        names = [str(c) for c in deprivations.columns]
        g0 = deprivations.to_numpy(dtype="float64", na_value=np.nan)
    else:
        g0 = np.asarray(deprivations, dtype="float64")
        names = [str(j) for j in range(g0.shape[1])] if g0.ndim == 2 else []
    if g0.ndim != 2 or g0.shape[0] == 0 or g0.shape[1] == 0:
        _fail("deprivations", "a non-empty households × indicators matrix", f"shape {g0.shape}",
              f"Ma trận thiếu hụt rỗng hoặc sai chiều (kích thước {g0.shape}); cần hộ × chỉ số")
    bad = ~np.isin(g0, (0.0, 1.0))
    if bad.any():
        i, j = (int(x) for x in np.argwhere(bad)[0])
        _fail(f"deprivations[{i}, {names[j]}]", "0 or 1", g0[i, j],
              f"Giá trị thiếu hụt tại hộ {i}, chỉ số {names[j]} phải là 0 hoặc 1")

    d = g0.shape[1]
    if weights is None:
        w = np.ones(d)
    elif isinstance(weights, Mapping | pd.Series):
        wmap = dict(weights)
        missing = [c for c in names if c not in wmap]
        if missing:
            _fail("weights", f"a weight for every indicator ({', '.join(names)})",
                  f"none for {', '.join(missing)}",
                  f"Thiếu trọng số cho chỉ số: {', '.join(missing)}")
        w = np.array([float(wmap[c]) for c in names])
    else:
        w = np.asarray(weights, dtype="float64").ravel()
    if w.shape != (d,):
        _fail("weights", f"{d} weights (one per indicator)", f"{w.size}",
              f"Cần {d} trọng số (mỗi chỉ số một), nhận: {w.size}")
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        _fail("weights", "positive finite weights", list(w), "Trọng số phải là số dương")
    total = float(w.sum())

    k = float(k)
    if not np.isfinite(k) or k <= 0:
        _fail("k", "a poverty cut-off > 0", k, f"Ngưỡng nghèo k phải > 0, nhận: {k}")
    if k > total * (1 + _SCORE_TOL):
        _fail("k", f"a poverty cut-off ≤ the total weight ({total:g})", k,
              f"Ngưỡng nghèo k = {k:g} lớn hơn tổng trọng số ({total:g}): không hộ nào có thể nghèo")

    n = g0.shape[0]
    scores = g0 @ w
    poor = scores >= k - _SCORE_TOL * total
    n_poor = int(poor.sum())
    censored = g0 * poor[:, None]
    H = n_poor / n
    # min(): an all-deprived row's score may exceed the total weight by one rounding step.
    A = min(float(scores[poor].sum() / (n_poor * total)), 1.0) if n_poor else 0.0
    M0 = H * A
    ch = censored.mean(axis=0)
    contrib = (w * ch / (total * M0)) if M0 > 0 else np.zeros(d)
    return {
        "H": H,
        "A": A,
        "M0": M0,
        "n": n,
        "n_poor": n_poor,
        "k": k,
        "total_weight": total,
        "weights": pd.Series(w, index=names, name="weight"),
        "scores": scores,
        "poor": poor,
        "uncensored_headcounts": pd.Series(g0.mean(axis=0), index=names, name="uncensored_headcount"),
        "censored_headcounts": pd.Series(ch, index=names, name="censored_headcount"),
        "contributions": pd.Series(contrib, index=names, name="contribution"),
    }


def headcounts(classified_df: pd.DataFrame, by: str | None = "commune") -> pd.DataFrame:
    """Poor and near-poor households and rates per group (default: commune) and in total.

    ``classified_df`` is the output of :func:`planning.models.classify.classify_households` (needs a
    ``status`` column, and the ``by`` column unless ``by`` is None). Returns one row per group
    plus a ``total`` row, with columns ``households``, ``poor``, ``near_poor`` (counts),
    ``poor_rate``, ``near_poor_rate`` and ``poor_or_near_poor_rate`` (shares of households,
    0–1; the last is what MOLISA calls the multidimensional poverty rate).
    """
    need = ["status"] + ([by] if by else [])
    missing = [c for c in need if c not in classified_df.columns]
    if missing:
        _fail(missing[0], "a column of the classified table", "absent",
              f"Bảng đã phân loại thiếu cột '{missing[0]}'")
    status = classified_df["status"].astype("str")
    frame = pd.DataFrame({
        "group": classified_df[by].astype("str") if by else "total",
        "poor": (status == "poor").astype("int64"),
        "near_poor": (status == "near_poor").astype("int64"),
    })
    frame["households"] = 1
    table = frame.groupby("group", sort=True)[["households", "poor", "near_poor"]].sum()
    if by:
        table.loc["total"] = table.sum()
    table = table.astype("int64")
    table.index.name = by or "group"
    with np.errstate(invalid="ignore", divide="ignore"):
        hh = table["households"].replace(0, np.nan)
        table["poor_rate"] = (table["poor"] / hh).fillna(0.0)
        table["near_poor_rate"] = (table["near_poor"] / hh).fillna(0.0)
    table["poor_or_near_poor_rate"] = table["poor_rate"] + table["near_poor_rate"]
    return table


def income_poverty_gap(
    income: Sequence[float] | np.ndarray | pd.Series,
    line: float | Sequence[float] | np.ndarray | pd.Series,
    weights: Sequence[float] | np.ndarray | pd.Series | None = None,
) -> dict[str, float]:
    """Foster–Greer–Thorbecke measures of per-capita income against a poverty line.

    ``income`` and ``line`` are in the same unit (VND/person/month); ``line`` may be one
    number or one per household (e.g. rural 1,500,000 / urban 2,000,000). ``weights``
    (e.g. household members, for a person-weighted measure) default to 1 per household.
    Income at or below the line counts as poor, as in the decrees; the gap at the line is 0.

    Returns ``P0`` (headcount ratio, 0–1), ``P1`` (poverty gap index: mean of
    max(0, (z − y)/z), 0–1), ``P2`` (squared poverty gap, 0–1), ``mean_gap_vnd`` (average
    shortfall of the poor, VND/person/month), ``n`` and ``n_poor`` (counts, unweighted).
    """
    y = np.asarray(income, dtype="float64").ravel()
    if y.size == 0:
        _fail("income", "at least one household", "none", "Không có hộ nào để tính")
    z = np.broadcast_to(np.asarray(line, dtype="float64"), y.shape) if np.ndim(line) == 0 \
        else np.asarray(line, dtype="float64").ravel()
    if z.shape != y.shape:
        _fail("line", f"one line or {y.size} lines (one per household)", z.size,
              f"Cần một chuẩn hoặc {y.size} chuẩn (mỗi hộ một)")
    if not np.all(np.isfinite(y)) or np.any(y < 0):
        _fail("income", "non-negative amounts in VND/person/month", "a missing or negative value",
              "Thu nhập phải là số không âm (đồng/người/tháng)")
    if not np.all(np.isfinite(z)) or np.any(z <= 0):
        _fail("line", "a positive poverty line in VND/person/month", "a value ≤ 0 or missing",
              "Chuẩn nghèo phải là số dương (đồng/người/tháng)")
    wt = np.ones_like(y) if weights is None else np.asarray(weights, dtype="float64").ravel()
    if wt.shape != y.shape or not np.all(np.isfinite(wt)) or np.any(wt < 0) or wt.sum() <= 0:
        _fail("weights", f"{y.size} non-negative weights, not all zero", wt.size,
              "Trọng số phải không âm, đủ số hộ và không đồng thời bằng 0")
    poor = y <= z
    gap = np.where(poor, (z - y) / z, 0.0)
    wsum = float(wt.sum())
    poor_w = float(wt[poor].sum())
    return {
        "P0": float((wt * poor).sum() / wsum),
        "P1": float((wt * gap).sum() / wsum),
        "P2": float((wt * gap**2).sum() / wsum),
        "mean_gap_vnd": float((wt * (z - y))[poor].sum() / poor_w) if poor_w > 0 else 0.0,
        "n": int(y.size),
        "n_poor": int(poor.sum()),
    }
