"""An ipywidgets dashboard: move the budget, the allocation rule, commune priorities and key
assumptions, and see the district trajectory, the commune table and P(< 1% in 2030) change.

Usage in a notebook (or Voilà)::

    from planning.dashboard import Dashboard
    Dashboard()                      # the district plan, 300 draws

The dashboard is an ordinary Python object that owns its widgets, so it is tested without a
browser or a kernel: set a slider's ``.value`` and read ``.result`` / ``.probability``.

Units: budget sliders are million VND per year; priorities are multipliers (1 = no change);
assumption sliders are yearly probabilities (shares in [0, 1]).

Design choices (why):

* **Speed.** The scenario is prepared once (``runner.prepare``: validation, data, draws) and
  each budget, rule or priority change only re-allocates the money and re-projects the same
  draws (``runner.run_prepared(prep, amounts=...)``, ~10 ms for 300 draws). An assumption
  slider changes the sampled distributions, so it re-prepares; prepared inputs are cached by
  assumption values, so going back to a value seen before is instant. The chart keeps one
  matplotlib figure and only moves its data (rebuilding it costs twice as much).
* **Debounce.** Sliders use ``continuous_update=False``: the browser sends a value when the
  handle is released (or on each arrow key), not on every pixel of a drag. A timer-based
  debounce would need an event loop thread in the kernel and would make every callback
  asynchronous, hence untestable without a kernel; with this choice each change is one
  synchronous recompute. :meth:`Dashboard.hold` batches several programmatic changes.
* **No shared state.** Widgets edit a fresh copy of the scenario (:meth:`scenario_dict`),
  built from the scenario as loaded; moving a slider and back gives exactly the first result.
* **Budget sliders keep the year profile.** A slider shows a component's average yearly
  amount; moving it scales every year of that component by the same factor, so the
  dashboard opens on exactly the scenario as written (``budget_profile="flat"`` instead
  puts the slider's amount in every year).
* **Chart in an Output widget without output capture.** The figure is written to the
  Output widget's ``outputs`` as a PNG (what ``Output.append_display_data`` does), so no
  ``clear_output`` message is sent; notebooks that display the dashboard stay comparable
  under nbval and the callbacks work outside a kernel.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import html
import io
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import ipywidgets as w
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from planning import reporting
from planning.allocation import allocate, budget_matrix
from planning.errors import PlanningInputError, PlanningInputErrors
from planning.i18n import Lang, label
from planning.paths import scenarios_dir
from planning.results import Result
from planning.runner import Prepared, prepare, run_prepared
from planning.scenario import LoadedScenario, load_scenario

__all__ = ["ASSUMPTIONS", "DEFAULT_SCENARIO", "RULES", "Dashboard"]

DEFAULT_SCENARIO: Path = scenarios_dir() / "district_plan.yaml"
#: allocation rules offered in the dropdown (the scenario's own rule is added when it differs)
RULES: tuple[str, ...] = ("equal", "per_poor_household", "need_weighted")
#: uncertain assumptions with a slider: dotted name in data/model_parameters.yaml → label key
ASSUMPTIONS: dict[str, str] = {
    "transitions.exit_poor": "assumption_exit_poor",
    "transitions.repoverty_escaped": "assumption_repoverty_escaped",
    "standard_switch.deprived_share_new_below_line": "assumption_deprived_share",
}
#: prepared inputs kept for assumption values seen before (each holds the draws: small)
_PREP_CACHE_SIZE = 16
#: assumption slider step (a yearly probability)
_ASSUMPTION_STEP = 0.005
_SLIDER_STYLE = {"description_width": "340px"}
_SLIDER_LAYOUT = {"width": "680px"}


class _TrajectoryPainter:
    """One trajectory figure, redrawn by blitting.

    The static part (axes, ticks, plan path, 1% line, legend) is rendered once and kept as
    a bitmap; an update restores it and draws only the moving artists (mean line, bands).
    Rendering all the text again costs most of a full redraw, so this keeps a slider's
    answer well inside 0.3 s. The figure is rebuilt when the language changes or when the
    bands outgrow the y axis.
    """

    _MOVING = ("band90", "band50", "mean")

    def __init__(self) -> None:
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
        self.figure = reporting.trajectory_chart(result, lang, layout=None, figsize=(7.6, 3.9))
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


class Dashboard:
    """Interactive what-if view of one scenario (default: the district plan).

    Args:
        scenario: scenario file or dict (not modified).
        draws: Monte Carlo draws per recompute (300 answers a slider in well under 0.3 s).
        seed: random seed (None: the scenario's); the same seed for every recompute, so
            differences come from the sliders, not from sampling noise.
        lang: ``"vi"`` or ``"en"`` (the language toggle changes it later).
        budget_profile: ``"plan"`` (a budget slider scales the scenario's own year profile of
            that component) or ``"flat"`` (the slider's amount in every year).

    Attributes: ``result`` (latest :class:`~planning.results.Result`), ``probability``
    (share of draws with the district rate below the target in the end year),
    ``recompute_count``, ``last_seconds`` (duration of the latest recompute), ``error`` (the
    latest input error, or None), ``figure`` (the matplotlib trajectory figure) and the
    widgets: ``budget`` / ``priorities`` / ``assumptions`` (dicts of sliders by component,
    unit and dotted parameter name), ``rule``, ``language``, ``chart`` (Output),
    ``table``, ``probability_label``, ``status`` (HTML), ``reset_button``, ``widget`` (the
    whole layout).
    """

    def __init__(self, scenario: str | Path | dict[str, Any] = DEFAULT_SCENARIO, *, draws: int = 300,
                 seed: int | None = None, lang: Lang = "vi",
                 budget_profile: Literal["plan", "flat"] = "plan") -> None:
        if lang not in ("vi", "en"):
            raise ValueError(f"lang must be 'vi' or 'en', got {lang!r} / ngôn ngữ phải là 'vi' hoặc 'en'")
        if budget_profile not in ("plan", "flat"):
            raise ValueError(f"budget_profile must be 'plan' or 'flat', got {budget_profile!r}")
        self._loaded: LoadedScenario = load_scenario(scenario)
        # The scenario as a plain dict: every recompute starts from a deep copy of it.
        self._base: dict[str, Any] = self._loaded.scenario.model_dump(mode="python")
        self._budget_profile = budget_profile
        prep0 = prepare(self._loaded, draws=draws, seed=seed)
        self.draws, self.seed = prep0.draws, prep0.seed
        self._preps: OrderedDict[tuple[tuple[str, float], ...], Prepared] = OrderedDict({(): prep0})
        self._rules_path = prep0.loaded.baseline_dir / "allocation_rules.yaml"
        self._units = prep0.baseline.units
        self._components = prep0.book.ids
        self._years = prep0.years
        own_rule = self._base["allocation"]["rule"]
        # [component, year] million VND per year, budget_scale included
        self._profile = prep0.amounts.sum(axis=0) if own_rule == "table" else budget_matrix(self._loaded, prep0.book)
        self._table_amounts = prep0.amounts if own_rule == "table" else None
        self._defaults = self._profile.mean(axis=1)
        self._assumption_defaults = {name: prep0.params.values[f"model.{name}"] for name in ASSUMPTIONS}

        self.result: Result | None = None
        self.probability: float = float("nan")
        self.recompute_count = 0
        self.last_seconds = 0.0
        self.error: PlanningInputError | PlanningInputErrors | None = None
        self._hold_depth = 0
        self._pending = False
        self._relabeling = False
        self._painter = _TrajectoryPainter()

        self._build_widgets(lang, own_rule)
        self.recompute()

    # ------------------------------------------------------------------ widgets
    def _build_widgets(self, lang: Lang, own_rule: str) -> None:
        self.language = w.ToggleButtons(options=[("Tiếng Việt", "vi"), ("English", "en")], value=lang)
        self.budget: dict[str, w.FloatSlider] = {}
        for k, cid in enumerate(self._components):
            default = float(self._defaults[k])
            top = max(3.0 * default, 1000.0)
            self.budget[cid] = w.FloatSlider(
                value=default, min=0.0, max=float(np.ceil(top / 500.0) * 500.0), step=10.0,
                readout_format=",.0f", continuous_update=False, style=_SLIDER_STYLE, layout=_SLIDER_LAYOUT)
        rules = list(RULES) + ([own_rule] if own_rule not in RULES else [])
        self._rule_ids = rules
        self.rule = w.Dropdown(options=self._rule_options(lang), value=own_rule, style=_SLIDER_STYLE,
                               layout=_SLIDER_LAYOUT)
        prios = self._base["allocation"].get("priorities") or {}
        self.priorities: dict[str, w.FloatSlider] = {
            uid: w.FloatSlider(value=float(prios.get(uid, 1.0)), min=0.0, max=3.0, step=0.1,
                               readout_format=".1f", continuous_update=False, style=_SLIDER_STYLE,
                               layout=_SLIDER_LAYOUT)
            for uid in self._units.ids
        }
        self.assumptions: dict[str, w.FloatSlider] = {}
        for name, tri in self._assumption_defaults.items():
            # range: half the low end to 1.5 × the high end; the ends sit on the step grid
            # through the mode, so a browser slider can come back exactly to the file's value
            step = _ASSUMPTION_STEP
            below = int(np.floor((tri.mode - tri.low / 2) / step + 1e-9))
            above = int(np.floor((min(1.0, tri.high * 1.5) - tri.mode) / step + 1e-9))
            self.assumptions[name] = w.FloatSlider(
                value=tri.mode, min=round(tri.mode - below * step, 6), max=round(tri.mode + above * step, 6),
                step=step, readout_format=".3f", continuous_update=False, style=_SLIDER_STYLE,
                layout=_SLIDER_LAYOUT)
        self.reset_button = w.Button(icon="undo")
        self.reset_button.on_click(lambda _button: self.reset())
        self.title = w.HTML()
        self.probability_label = w.HTML()
        self.status = w.HTML()
        self.chart = w.Output(layout={"min_height": "300px"})
        self.table = w.HTML()
        self._budget_head, self._alloc_head, self._assump_head = w.HTML(), w.HTML(), w.HTML()
        controls = w.Tab(children=[
            w.VBox([self._budget_head, *self.budget.values()]),
            w.VBox([self._alloc_head, self.rule, *self.priorities.values()]),
            w.VBox([self._assump_head, *self.assumptions.values()]),
        ])
        self._tabs = controls
        self.widget = w.VBox([
            self.title, w.HBox([self.language, self.reset_button]), controls, self.probability_label, self.status,
            self.chart, self.table,
        ])
        self._initial = self._values()
        self._relabel(lang)
        for slider in [*self.budget.values(), *self.priorities.values(), *self.assumptions.values()]:
            slider.observe(self._on_change, names="value")
        self.rule.observe(self._on_change, names="value")
        self.language.observe(self._on_language, names="value")

    def _rule_options(self, lang: Lang) -> list[tuple[str, str]]:
        return [(label(f"rule_{r}", lang), r) for r in self._rule_ids]

    def _relabel(self, lang: Lang) -> None:
        """Every visible text in ``lang`` (labels only: the model is not re-run)."""
        self._relabeling = True
        try:
            self.title.value = f"<h3>{label('dash_title', lang)}</h3>"
            self.language.description = label("dash_language", lang)
            for cid, slider in self.budget.items():
                slider.description = reporting.component_name(cid, lang)
                slider.description_allow_html = False
            current = self.rule.value
            self.rule.options = self._rule_options(lang)
            self.rule.value = current
            self.rule.description = label("dash_rule", lang)
            for uid, slider in self.priorities.items():
                slider.description = self._units.name(uid, lang)
            for name, slider in self.assumptions.items():
                slider.description = label(ASSUMPTIONS[name], lang)
            self.reset_button.description = label("dash_reset", lang)
            self._budget_head.value = f"<b>{label('dash_budget', lang)}</b>"
            self._alloc_head.value = f"<b>{label('dash_priorities', lang)}</b>"
            self._assump_head.value = f"<b>{label('dash_assumptions', lang)}</b>"
            self._tabs.titles = (label("tab_budget", lang), label("tab_allocation", lang),
                                 label("tab_assumptions", lang))
        finally:
            self._relabeling = False

    # ------------------------------------------------------------------ events
    def _on_change(self, _change: dict[str, Any]) -> None:
        if self._relabeling:
            return
        if self._hold_depth:
            self._pending = True
            return
        self.recompute()

    def _on_language(self, change: dict[str, Any]) -> None:
        self._relabel(change["new"])
        self._redraw()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Change several widgets, recompute once at the end (if anything changed)."""
        self._hold_depth += 1
        try:
            yield
        finally:
            self._hold_depth -= 1
            if not self._hold_depth and self._pending:
                self._pending = False
                self.recompute()

    def _inputs(self) -> list[w.ValueWidget]:
        return [*self.budget.values(), self.rule, *self.priorities.values(), *self.assumptions.values()]

    def _values(self) -> list[Any]:
        return [x.value for x in self._inputs()]

    def reset(self) -> None:
        """Every budget, rule, priority and assumption widget back to the scenario's value
        (one recompute; none when nothing had changed). The language is kept."""
        with self.hold():
            for widget, value in zip(self._inputs(), self._initial, strict=True):
                widget.value = value

    # ------------------------------------------------------------------ model
    @property
    def lang(self) -> Lang:
        return self.language.value  # type: ignore[no-any-return]

    def scenario_dict(self) -> dict[str, Any]:
        """A new scenario dict (a deep copy) with the widgets' current values applied."""
        sc = copy.deepcopy(self._base)
        rule = self.rule.value
        alloc = sc["allocation"]
        alloc["rule"] = rule
        if rule != "table":
            alloc["table"] = None
            if rule != "shares":
                alloc["shares"] = None
            budget: dict[int, dict[str, float]] = {}
            for t, year in enumerate(self._years):
                budget[year] = {}
                for k, cid in enumerate(self._components):
                    value, default = float(self.budget[cid].value), float(self._defaults[k])
                    if self._budget_profile == "plan" and default > 0:
                        # value/default is exactly 1.0 at the default: the plan's own numbers
                        budget[year][cid] = float(self._profile[k, t]) * (value / default)
                    else:
                        budget[year][cid] = value
            sc["budget"] = budget
            sc["budget_scale"] = 1.0  # already in the profile
        alloc["priorities"] = {uid: float(s.value) for uid, s in self.priorities.items() if s.value != 1.0}
        overrides = self._assumption_overrides()
        if overrides:
            model = sc.setdefault("overrides", {}).setdefault("model", {})
            for name, entry in overrides.items():
                section, key = name.split(".")
                model.setdefault(section, {})[key] = entry
        return sc

    def _assumption_overrides(self) -> dict[str, dict[str, float]]:
        """{dotted name: {mode, low, high}} for assumption sliders away from their default.

        The triangle is scaled around the mode: low and high move by the same factor as the
        mode (high capped at 1, these are probabilities), so the relative uncertainty stays.
        """
        out = {}
        for name, slider in self.assumptions.items():
            tri = self._assumption_defaults[name]
            v = float(slider.value)
            if v == tri.mode:
                continue
            f = v / tri.mode if tri.mode > 0 else 1.0
            low, high = tri.low * f, min(tri.high * f, 1.0)
            out[name] = {"mode": v, "low": min(low, v), "high": max(high, v)}
        return out

    def _prepared(self, sc: dict[str, Any]) -> Prepared:
        key = tuple(sorted((n, e["mode"]) for n, e in self._assumption_overrides().items()))
        if key in self._preps:
            self._preps.move_to_end(key)
            return self._preps[key]
        prep = prepare(load_scenario(sc, base_dir=self._loaded.base_dir), draws=self.draws, seed=self.seed)
        self._preps[key] = prep
        while len(self._preps) > _PREP_CACHE_SIZE:
            self._preps.popitem(last=False)
        return prep

    def _amounts(self, sc: dict[str, Any], prep: Prepared) -> np.ndarray:
        """[unit, component, year] million VND for the widgets' budget, rule and priorities."""
        loaded = load_scenario(sc, base_dir=self._loaded.base_dir)
        if sc["allocation"]["rule"] == "table":
            assert self._table_amounts is not None
            scale = np.array([float(self.budget[c].value) / d if d > 0 else 1.0
                              for c, d in zip(self._components, self._defaults, strict=True)])
            return self._table_amounts * scale[None, :, None]
        return allocate(loaded, prep.baseline, prep.book, self._rules_path)

    def recompute(self) -> Result | None:
        """Re-run the projection with the widgets' values and redraw; returns the Result.

        An input the model cannot use (e.g. every priority at 0) keeps the previous result
        and shows the bilingual message in ``status``.
        """
        t0 = time.perf_counter()
        try:
            sc = self.scenario_dict()
            prep = self._prepared(sc)
            result = run_prepared(prep, amounts=self._amounts(sc, prep), counterfactual=False)
        except (PlanningInputError, PlanningInputErrors) as exc:
            self.error = exc
            self.status.value = (f'<span class="planning-error" style="color:#c0392b">'
                                 f"{label('dash_error', self.lang)}: {html.escape(str(exc))}</span>")
            self.last_seconds = time.perf_counter() - t0
            return self.result
        self.error = None
        self.result = result
        self.probability = float(result.outcomes()["prob_below_target"])
        self.recompute_count += 1
        self._redraw()
        self.last_seconds = time.perf_counter() - t0
        return result

    # ------------------------------------------------------------------ drawing
    def _redraw(self) -> None:
        if self.result is None:
            return
        lang = self.lang
        png = self._painter.paint(self.result, lang)
        fig = self._painter.figure
        assert fig is not None
        self.chart.outputs = ({
            "output_type": "display_data",
            "data": {"image/png": base64.b64encode(png).decode("ascii"),
                     "text/plain": f"<Figure size {fig.bbox.width:.0f}x{fig.bbox.height:.0f} with 1 Axes>"},
            "metadata": {},
        },)
        self.table.value = reporting.styled(reporting.commune_table(self.result, lang), lang,
                                            uuid="dashboard_communes").to_html()
        self.probability_label.value = reporting.probability_html(self.result, lang)
        if self.error is None:
            self.status.value = ""

    @property
    def figure(self) -> Figure | None:
        """The trajectory chart's matplotlib figure (the one shown in ``chart``)."""
        return self._painter.figure

    # ------------------------------------------------------------------ display
    def text(self) -> str:
        """One line: scenario, draws and the headline probability (the notebook's plain-text view)."""
        if self.result is None:
            return "Dashboard (no result)"
        o = self.result.outcomes()
        return (f"Dashboard {o['scenario']} ({self.draws} {label('draws_word', self.lang)}): "
                f"P(<{100 * o['target_rate']:g}% in {o['end_year']}) = {self.probability:.2f}, "
                f"{label('poverty_rate_end_mean', self.lang)} = "
                f"{reporting.fmt_pct(o['poverty_rate_end_mean'], self.lang)}")

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        # a short, stable plain-text view instead of the widget tree's repr
        data["text/plain"] = self.text()
        return data

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
