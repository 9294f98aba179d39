"""The dashboard's charts: the trajectory, one matplotlib figure redrawn by blitting, and
any other chart as a PNG display output (``png_output``, the cost curve).

Kept apart from :mod:`planning.frontends.dashboard` (the widgets): the chart is the part whose speed
decides how quickly a slider answers. Units: rates are shares in [0, 1].
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from planning.basics.i18n import Lang
from planning.frontends import reporting
from planning.models.results import Result

__all__ = ["TrajectoryPainter", "png_output"]


class TrajectoryPainter:
    """One trajectory figure, redrawn by blitting.

    The static part (axes, ticks, plan path, 1% line, legend) is rendered once and kept as
    a bitmap; an update restores it and draws only the moving artists (mean line, bands).
    Rendering all the text again costs most of a full redraw, so this keeps a slider's
    answer well inside 0.3 s. The figure is rebuilt when the language changes or when the
    bands outgrow the y axis.
    """

    _MOVING = ("band90", "band50", "mean")

    def __init__(self, history: pd.DataFrame | None = None) -> None:
        self.history = history  # the reviewed rates before the projection (static points)
        self.figure: Figure | None = None
        self._lang: str | None = None
        self._canvas: FigureCanvasAgg | None = None
        self._background: Any = None

    def paint(self, result: Result, lang: Lang) -> bytes:
        """Draw ``result`` and return the PNG bytes."""
        if self.figure is None or lang != self._lang or not self._update(result):
            self._build(result, lang)
        return self._png()

    def _moving(self) -> list[Any]:
        assert self.figure is not None
        ax = self.figure.axes[0]
        found = {str(a.get_gid()): a for a in [*ax.collections, *ax.lines] if a.get_gid() in self._MOVING}
        return [found[g] for g in self._MOVING if g in found]

    def _build(self, result: Result, lang: Lang) -> None:
        self.figure = reporting.trajectory_chart(result, lang, history=self.history, layout=None,
                                                 figsize=(8.4, 4.4))
        self._canvas = FigureCanvasAgg(self.figure)
        self._lang = lang
        moving = self._moving()
        for a in moving:
            a.set_animated(True)  # left out of canvas.draw(): they go on top of the background
        self._canvas.draw()
        self._background = self._canvas.copy_from_bbox(self.figure.bbox)
        self._draw_moving(moving)

    def _draw_moving(self, moving: list[Any]) -> None:
        assert self.figure is not None and self._canvas is not None
        ax = self.figure.axes[0]
        for a in moving:
            ax.draw_artist(a)

    def _update(self, result: Result) -> bool:
        """Move the data of the moving artists; False when the figure must be rebuilt."""
        assert self.figure is not None and self._canvas is not None
        ax = self.figure.axes[0]
        years, mean, bands = reporting.district_fan(result)
        top = max(float(mean.max()), *(float(hi.max()) for _, hi in bands.values()))
        if top > ax.get_ylim()[1]:
            return False
        moving = self._moving()
        for a in moving:
            gid = str(a.get_gid())
            if gid == "mean":
                a.set_data(years, mean)
            else:
                lo, hi = bands[int(gid[4:]) / 100]
                a.set_data(years, lo, hi)
        self._canvas.restore_region(self._background)
        self._draw_moving(moving)
        return True

    def _png(self) -> bytes:
        from PIL import Image

        assert self._canvas is not None
        width, height = self._canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self._canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        # opaque white figure: RGB is smaller and quicker to encode than RGBA
        image.convert("RGB").save(buf, format="png", compress_level=3)
        return buf.getvalue()


def png_output(draw: Callable[[Any], object], name: str) -> dict[str, Any]:
    """A chart drawn by ``draw(ax)`` as a notebook display output (PNG), for an ``Output`` widget."""
    fig = Figure(figsize=(8, 4.2))
    FigureCanvasAgg(fig)
    draw(fig.add_subplot())
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return {"output_type": "display_data",
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": f"<Figure: {name}>"},
            "metadata": {}}
