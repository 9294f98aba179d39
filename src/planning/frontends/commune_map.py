"""A schematic map of the communes: one square per former commune or township (the 11 units
before 1 July 2025), coloured by the projected end-year poverty rate and by the chance of a
rate below the target; drawn as inline SVG, so it shows the same in the app, in a notebook and
in a printed report, and redraws in a few milliseconds when a slider moves.

**Schematic, not a boundary map.** The project holds no commune boundaries or centroids with
an open licence and a citation (``shared/research/domain.md`` has none), so no real outline is
drawn. The squares are laid out on a grid (:data:`TILE_LAYOUT`) so that the units that formed
each new commune of 1 July 2025 (Resolution 1681/NQ-UBTVQH15, ``data/units.csv``) touch, and
the four groups sit roughly where they lie: Mường Chiên (Cà Nàng, Mường Chiên, Chiềng Khay) to
the north-west, Quỳnh Nhai (Mường Giàng, Chiềng Khoang, Chiềng Bằng, Chiềng Ơn) in the centre,
Mường Giôn (Mường Giôn, Pá Ma Pha Khinh) to the east, Mường Sại (Mường Sại, Nậm Ét) to the
south-west. Positions inside a group are approximate; the map says so on its face. A square's
border colour is its new commune.

Units: rates and chances are shares in [0, 1], written in the language's style
(:mod:`planning.basics.numbers`). Colours come in fixed bands, so two maps read alike.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from planning.basics.i18n import Lang
from planning.basics.numbers import check_lang, fmt_pct

if TYPE_CHECKING:
    from planning.models.results import Result
    from planning.stores.units import Units

__all__ = ["TILE_LAYOUT", "map_html", "map_svg", "map_values", "result_map_html"]

Measure = Literal["rate", "chance"]

#: unit id → (column, row) of its square; row 0 is the north edge
TILE_LAYOUT: dict[str, tuple[int, int]] = {
    "ca_nang": (0, 0), "muong_chien": (1, 0), "chieng_khay": (1, 1),
    "chieng_khoang": (2, 1), "muong_giang": (3, 1), "chieng_bang": (2, 2), "chieng_on": (3, 2),
    "pa_ma_pha_khinh": (4, 1), "muong_gion": (4, 2),
    "muong_sai": (1, 2), "nam_et": (1, 3),
}
#: border colour of each new commune's squares
_GROUP_COLOURS: dict[str, str] = {
    "xa_muong_chien": "#6a3d9a", "xa_quynh_nhai": "#1f5fa8", "xa_muong_gion": "#b15928", "xa_muong_sai": "#33a02c",
}
#: colour bands: (upper end, fill, text colour); the last band has no upper end
_BANDS: dict[str, tuple[tuple[float, str, str], ...]] = {
    "rate": ((0.01, "#1a9850", "#ffffff"), (0.03, "#a6d96a", "#111111"), (0.06, "#fee08b", "#111111"),
             (0.10, "#fdae61", "#111111"), (0.15, "#f46d43", "#111111"), (np.inf, "#d73027", "#ffffff")),
    "chance": ((0.05, "#f1eef6", "#111111"), (0.35, "#bdc9e1", "#111111"), (0.65, "#74a9cf", "#111111"),
               (0.90, "#2b8cbe", "#ffffff"), (np.inf, "#045a8d", "#ffffff")),
}
_TITLES: dict[str, tuple[str, str]] = {
    "rate": ("Tỷ lệ hộ nghèo dự báo năm {year}", "Projected poverty rate, {year}"),
    "chance": ("Khả năng dưới {target} năm {year}", "Chance of below {target} in {year}"),
}
_NOTE = ("Sơ đồ: mỗi ô là một xã, thị trấn cũ (trước 1/7/2025), viền cùng màu là cùng một xã mới; vị trí gần "
         "đúng, không phải bản đồ ranh giới.",
         "Schematic: each square is a former commune or township (before 1 July 2025); squares with the "
         "same border colour form one new commune; positions are approximate, not a boundary map.")
_TILE, _GAP, _PAD_TOP, _PAD = 92, 6, 30, 4


def map_values(result: Result, year: int | None = None) -> dict[str, tuple[float, float]]:
    """{unit id: (mean poverty rate, chance of a rate below the target)} of the 11 units in
    ``year`` (default: the end year), straight from the Result's draws."""
    t = -1 if year is None else result.years.index(int(year))
    rates = result.rates("poor")[:, :, t]  # [draw, reported unit]
    ids = [u for _, u in result.reported_units]
    target = result.plan.target_rate
    return {uid: (float(rates[:, k].mean()), float((rates[:, k] < target).mean()))
            for k, uid in enumerate(ids) if uid in TILE_LAYOUT}


def _band(measure: Measure, value: float) -> tuple[str, str]:
    for top, fill, ink in _BANDS[measure]:
        if value < top:
            return fill, ink
    return _BANDS[measure][-1][1:]  # pragma: no cover


def _name_lines(name: str, width: int = 11) -> list[str]:
    """The name on one line, or two split at the space nearest the middle."""
    if len(name) <= width or " " not in name:
        return [name]
    spaces = [i for i, ch in enumerate(name) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return [name[:cut], name[cut + 1:]]


def _legend(measure: Measure, lang: Lang, y: int) -> list[str]:
    out, x = [], _PAD
    lows = [0.0] + [top for top, _, _ in _BANDS[measure][:-1]]
    for low, (top, fill, _ink) in zip(lows, _BANDS[measure], strict=True):
        digits = 0
        text = (f"≥ {fmt_pct(low, lang, digits)}" if not np.isfinite(top)
                else f"< {fmt_pct(top, lang, digits)}" if low == 0.0
                else f"{fmt_pct(low, lang, digits)}–{fmt_pct(top, lang, digits)}")
        out.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{fill}" stroke="#999" stroke-width="0.5"/>')
        out.append(f'<text x="{x + 18}" y="{y + 11}" font-size="11">{html.escape(text)}</text>')
        x += 24 + 7 * len(text)
    return out


def _group_legend(units: Units, lang: Lang, y: int) -> list[str]:
    """Border colour → new commune (xã mới từ 1/7/2025)."""
    out, x = [], _PAD
    head = "Xã mới:" if lang == "vi" else "New commune:"
    out.append(f'<text x="{x}" y="{y + 11}" font-size="11">{html.escape(head)}</text>')
    x += 10 + 7 * len(head)
    for nid in units.new_ids:
        name = units.name(nid, lang).removeprefix("xã ").removesuffix(" commune")
        out.append(f'<rect x="{x}" y="{y}" width="14" height="14" rx="3" fill="#ffffff" '
                   f'stroke="{_GROUP_COLOURS.get(nid, "#555555")}" stroke-width="3"/>')
        out.append(f'<text x="{x + 19}" y="{y + 11}" font-size="11">{html.escape(name)}</text>')
        x += 30 + 7 * len(name)
    return out


def map_svg(values: Mapping[str, tuple[float, float]], units: Units, lang: Lang = "vi", *,
            measure: Measure = "rate", year: int = 2030, target: float = 0.01) -> str:
    """One schematic map as an ``<svg class="planning-map" data-measure=…>`` string.

    ``values``: {unit id: (rate, chance)} (:func:`map_values`). Each square is a
    ``<g class="planning-map-tile" data-unit=… data-value=…>`` with the unit's name and value.
    """
    lang = check_lang(lang)
    cols = 1 + max(c for c, _ in TILE_LAYOUT.values())
    rows = 1 + max(r for _, r in TILE_LAYOUT.values())
    width = _PAD * 2 + cols * _TILE + (cols - 1) * _GAP
    grid_h = rows * _TILE + (rows - 1) * _GAP
    height = _PAD_TOP + grid_h + 56
    vi, en = _TITLES[measure]
    title = (vi if lang == "vi" else en).format(year=year, target=fmt_pct(target, lang, 0))
    k = 0 if measure == "rate" else 1
    to_new = {units.ids[i]: units.new_ids[j] for j, i in zip(*np.nonzero(units.membership), strict=True)}
    parts = [f'<svg class="planning-map" data-measure="{measure}" xmlns="http://www.w3.org/2000/svg" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{html.escape(title)}" font-family="sans-serif">',
             f'<text x="{_PAD}" y="18" font-size="14" font-weight="bold">{html.escape(title)}</text>']
    for uid, (col, row) in TILE_LAYOUT.items():
        if uid not in values:
            continue
        value = float(values[uid][k])
        fill, ink = _band(measure, value)
        x, y = _PAD + col * (_TILE + _GAP), _PAD_TOP + row * (_TILE + _GAP)
        edge = _GROUP_COLOURS.get(to_new.get(uid, ""), "#555555")
        shown = fmt_pct(value, lang, 1 if measure == "rate" else 0)
        name = units.name(uid, lang)
        lines = _name_lines(name)
        parts.append(f'<g class="planning-map-tile" data-unit="{uid}" data-value="{value:.4f}">'
                     f"<title>{html.escape(name)}: {html.escape(shown)}</title>"
                     f'<rect x="{x + 2}" y="{y + 2}" width="{_TILE - 4}" height="{_TILE - 4}" rx="6" '
                     f'fill="{fill}" stroke="{edge}" stroke-width="4"/>')
        for i, line in enumerate(lines):
            parts.append(f'<text x="{x + _TILE / 2:.0f}" y="{y + 24 + 14 * i}" font-size="12" fill="{ink}" '
                         f'text-anchor="middle">{html.escape(line)}</text>')
        parts.append(f'<text x="{x + _TILE / 2:.0f}" y="{y + _TILE - 16}" font-size="18" font-weight="bold" '
                     f'fill="{ink}" text-anchor="middle">{html.escape(shown)}</text></g>')
    parts += _legend(measure, lang, _PAD_TOP + grid_h + 12)
    parts += _group_legend(units, lang, _PAD_TOP + grid_h + 34)
    parts.append("</svg>")
    return "".join(parts)


def map_html(values: Mapping[str, tuple[float, float]], units: Units, lang: Lang = "vi", *,
             year: int = 2030, target: float = 0.01,
             measures: Sequence[Measure] = ("rate", "chance")) -> str:
    """Both maps side by side with the schematic note, as one ``<div class="planning-maps">``."""
    lang = check_lang(lang)
    svgs = "".join(f'<div style="flex: 0 0 auto">{map_svg(values, units, lang, measure=m, year=year, target=target)}</div>'
                   for m in measures)
    note = _NOTE[0 if lang == "vi" else 1]
    return (f'<div class="planning-maps"><div style="display: flex; flex-wrap: wrap; gap: 16px">{svgs}</div>'
            f'<p class="planning-map-note" style="font-size: 90%; color: #444">{html.escape(note)}</p></div>')


def result_map_html(result: Result, lang: Lang = "vi", year: int | None = None) -> str:
    """:func:`map_html` of a Result's end year (or ``year``)."""
    y = result.years[-1] if year is None else int(year)
    return map_html(map_values(result, y), result.units, lang, year=y, target=result.plan.target_rate)
