"""An ipywidgets dashboard: move the budget, the allocation rule, commune priorities and key
assumptions, and see the district trajectory, the commune table and P(< 1% in 2030) change.

Usage in a notebook (or Voilà)::

    from planning.frontends.dashboard import Dashboard
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
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import ipywidgets as w
import numpy as np
from matplotlib.figure import Figure

from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.basics.i18n import Lang, label
from planning.basics.paths import scenarios_dir
from planning.frontends import dashboard_money as money
from planning.frontends import reporting
from planning.frontends.commune_map import map_html, map_values
from planning.frontends.dashboard_chart import TrajectoryPainter, png_output
from planning.frontends.dashboard_optimise import OptimisePanel
from planning.frontends.dashboard_text import error_html, intro_html
from planning.frontends.plan_tables import indicator_table
from planning.models.results import Result
from planning.models.runner import Prepared, prepare, run_prepared
from planning.stores.allocation import allocate
from planning.stores.distributions import Triangular
from planning.stores.scenario import LoadedScenario, load_scenario

if TYPE_CHECKING:
    from planning.analyses.optimize import Optimisation
    from planning.analyses.target import WhatItTakes

__all__ = ["ASSUMPTIONS", "DEFAULT_SCENARIO", "RULES", "Dashboard"]

DEFAULT_SCENARIO: Path = scenarios_dir() / "district_plan.yaml"
#: allocation rules offered in the dropdown (the scenario's own rule is added when it differs)
RULES: tuple[str, ...] = ("equal", "per_poor_household", "need_weighted")
#: uncertain assumptions with a slider: dotted name in data/model_parameters.yaml → label key
ASSUMPTIONS: dict[str, str] = {
    "income.growth": "assumption_growth",
    "setbacks.probability": "assumption_setbacks",
    "standard_switch.near_poor_to_poor": "assumption_near_to_poor",
}
#: prepared inputs kept for assumption values seen before (each holds the draws: small)
_PREP_CACHE_SIZE = 16
#: assumption slider step (a yearly probability)
_ASSUMPTION_STEP = 0.005
#: wider tab titles than ipywidgets' default (which cuts "Ngân sách và phân bổ")
_STYLE = ("<style>.jupyter-widgets.widget-tab > .lm-TabBar .lm-TabBar-tab, "
          ".jupyter-widgets.widget-tab > .p-TabBar .p-TabBar-tab {flex: 0 0 auto !important; "
          "max-width: none !important; min-width: 12em !important;}</style>")
#: the commune priorities sit in a narrower column beside the budget
_PRIORITY_STYLE = {"description_width": "150px"}
_PRIORITY_LAYOUT = {"width": "420px"}


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

    Attributes: ``result`` (latest :class:`~planning.models.results.Result`), ``probability``
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
        # [component, year] million VND per year, budget_scale included: the budget without a
        # stream (budget:), and each funding stream's own money (a loan's volume), each with
        # sliders of its own (a table allocation keeps its amounts: budget sliders only)
        self._profile, self._streams, self._stream_profile = money.money_profiles(prep0, table=own_rule == "table")
        self._table_amounts = prep0.amounts if own_rule == "table" else None
        self._defaults = self._profile.mean(axis=1)
        # the budget tab shows the components with money there (all of them where no stream can
        # take money instead); the stream tabs every component their stream may pay for
        self._budget_ids = [c for k, c in enumerate(self._components)
                            if self._profile[k].any() or self._streams is None]
        self._assumption_defaults = {name: self._assumption_default(prep0, name) for name in ASSUMPTIONS}

        self.result: Result | None = None
        self.probability: float = float("nan")
        self.recompute_count = 0
        self.last_seconds = 0.0
        self.error: PlanningInputError | PlanningInputErrors | None = None
        self._hold_depth = 0
        self._pending = False
        self._relabeling = False
        self._painter = TrajectoryPainter(history=reporting.district_history(prep0.baseline))

        self._build_widgets(lang, own_rule)
        self.recompute()

    @staticmethod
    def _assumption_default(prep: Prepared, name: str) -> Triangular:
        """The slider's starting point: the file's triangle, or for a parameter the scenario's
        calibration draws, its posterior (5 %, median on the slider's grid, 95 %)."""
        key = f"model.{name}"
        tri = prep.params.values[key]
        if prep.calibration and key in prep.calibration["parameters"]:
            x = prep.samples[key]
            mode = round(float(np.median(x)) / _ASSUMPTION_STEP) * _ASSUMPTION_STEP
            lo, hi = float(np.percentile(x, 5)), float(np.percentile(x, 95))
            tri = Triangular(low=min(lo, mode), mode=round(mode, 6), high=max(hi, mode), source="calibration")
        return tri

    # ------------------------------------------------------------------ widgets
    def _build_widgets(self, lang: Lang, own_rule: str) -> None:
        self.language = w.ToggleButtons(options=[("Tiếng Việt", "vi"), ("English", "en")], value=lang)
        self.budget: dict[str, w.FloatSlider] = {}
        for k, cid in enumerate(self._components):
            if cid in self._budget_ids:
                self.budget[cid] = money.money_slider(float(self._defaults[k]))
        #: funding stream → component → slider (the stream's money a year; loans: volume lent)
        self.stream_budget: dict[str, dict[str, w.FloatSlider]] = {}
        for st in self._streams.streams if self._streams is not None else ():
            prof = self._stream_profile[st.id]
            self.stream_budget[st.id] = {cid: money.money_slider(float(prof[self._components.index(cid)].mean()))
                                         for cid in self._components if cid in st.components}
        rules = list(RULES) + ([own_rule] if own_rule not in RULES else [])
        self._rule_ids = rules
        self.rule = w.Dropdown(options=self._rule_options(lang), value=own_rule, style=_PRIORITY_STYLE,
                               layout=_PRIORITY_LAYOUT)
        prios = self._base["allocation"].get("priorities") or {}
        self.priorities: dict[str, w.FloatSlider] = {
            uid: w.FloatSlider(value=float(prios.get(uid, 1.0)), min=0.0, max=3.0, step=0.1,
                               readout=False, continuous_update=False, style=_PRIORITY_STYLE,
                               layout=_PRIORITY_LAYOUT)
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
                step=step, readout=False, continuous_update=False, style=money.SLIDER_STYLE,
                layout=money.SLIDER_LAYOUT)
        self.reset_button = w.Button(icon="undo")
        self.reset_button.on_click(lambda _button: self.reset())
        self.title = w.HTML()
        self.intro = w.HTML()
        self.map = w.HTML()
        self.probability_label = w.HTML()
        self.status = w.HTML()
        self.chart = w.Output(layout={"min_height": "300px"})
        self.table = w.HTML()
        self.indicators = w.HTML()  # deprivation by indicator (district)
        self._indicators_head = w.HTML()
        # "what would it take?": run on demand (a few seconds), for the sliders' scenario
        self.target_button = w.Button(icon="search", layout={"width": "auto"})
        self.target_button.on_click(lambda _button: self.what_it_takes())
        self.target_text = w.HTML()
        self.target_chart = w.Output()
        self.target: WhatItTakes | None = None
        # "optimise": the sliders' money allocated for the best chance, with a progress bar
        self.optimiser = OptimisePanel()
        self.optimiser.button.on_click(lambda _button: self.optimise())
        self._budget_head, self._alloc_head, self._assump_head = w.HTML(), w.HTML(), w.HTML()
        self._rule_head, self._results_head, self._map_head, self._table_head = w.HTML(), w.HTML(), w.HTML(), w.HTML()
        # budget, allocation rule and commune priorities together, on the first tab: the rule
        # at the top of the right-hand column, the priorities under it
        # the sliders' values are shown by HTML labels in the language's number style (the
        # browser's own readout would write 3,280 and 1.0 in Vietnamese too)
        self._readouts: list[tuple[w.FloatSlider, w.HTML, int]] = []
        budget_rows = [self._with_readout(s, 0) for s in self.budget.values()]
        priority_rows = [self._with_readout(s, 1) for s in self.priorities.values()]
        assumption_rows = [self._with_readout(s, 3) for s in self.assumptions.values()]
        self._stream_heads = {sid: w.HTML() for sid in self.stream_budget}
        stream_tabs = [w.VBox([self._stream_heads[sid], *[self._with_readout(x, 0) for x in sliders.values()]])
                       for sid, sliders in self.stream_budget.items()]
        controls = w.Tab(children=[
            w.HBox([w.VBox([self._budget_head, *budget_rows], layout={"margin": "0 24px 0 0"}),
                    w.VBox([self._rule_head, self.rule, self._alloc_head, *priority_rows])],
                   layout={"flex_flow": "row wrap"}),
            *stream_tabs,
            w.VBox([self._assump_head, *assumption_rows]),
        ])
        self._tabs = controls
        self.widget = w.VBox([
            self.title, self.intro, w.HBox([self.language, self.reset_button]), controls,
            self._results_head, self.probability_label, self.status, self.chart, self._map_head, self.map,
            self._table_head, self.table, self._indicators_head, self.indicators,
            self.target_button, self.target_text, self.target_chart, self.optimiser.widget,
        ])
        self._initial = self._values()
        self._relabel(lang)
        for slider in [*self.budget.values(), *self._stream_sliders(), *self.priorities.values(),
                       *self.assumptions.values()]:
            slider.observe(self._on_change, names="value")
        self.rule.observe(self._on_change, names="value")
        self.language.observe(self._on_language, names="value")

    def _with_readout(self, slider: w.FloatSlider, digits: int) -> w.HBox:
        """``slider`` beside a label showing its value with ``digits`` decimals in the language's style."""
        readout = w.HTML(layout={"width": "80px", "margin": "0 0 0 6px"})
        self._readouts.append((slider, readout, digits))

        def show(_change: dict[str, Any] | None = None) -> None:
            readout.value = reporting.fmt_number(slider.value, self.lang, digits)

        slider.observe(show, names="value")
        return w.HBox([slider, readout])

    def _show_readouts(self, lang: Lang) -> None:
        for slider, readout, digits in self._readouts:
            readout.value = reporting.fmt_number(slider.value, lang, digits)

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
            for sliders in self.stream_budget.values():
                for cid, slider in sliders.items():
                    slider.description = reporting.component_name(cid, lang)
            for sid, head in self._stream_heads.items():
                head.value = (f"<b>{html.escape(self._streams.stream(sid).name(lang))}</b><br>"  # type: ignore[union-attr]
                              f"<i>{label('dash_stream_budget', lang)}</i>")
            self._indicators_head.value = f"<h4>{label('dash_indicators', lang)}</h4>"
            current = self.rule.value
            self.rule.options = self._rule_options(lang)
            self.rule.value = current
            self.rule.description = ""
            for uid, slider in self.priorities.items():
                slider.description = self._units.name(uid, lang)
            for name, slider in self.assumptions.items():
                slider.description = label(ASSUMPTIONS[name], lang)
            self.reset_button.description = label("dash_reset", lang)
            self.target_button.description = label("dash_what_it_takes", lang)
            self.optimiser.relabel(lang)
            if self.target is not None:
                self.target_text.value = f"<p>{html.escape(self.target.headline(lang))}</p>"
            self.intro.value = _STYLE + intro_html(lang, self.draws)
            self._show_readouts(lang)
            self._budget_head.value = f"<b>{label('dash_budget', lang)}</b>"
            self._rule_head.value = f"<b>{label('dash_rule', lang)}</b>"
            self._alloc_head.value = f"<b>{label('dash_priorities', lang)}</b>"
            self._assump_head.value = f"<b>{label('dash_assumptions', lang)}</b>"
            self._results_head.value = f"<h4>{label('dash_results', lang)}</h4>"
            self._map_head.value = f"<h4>{label('dash_map', lang)}</h4>"
            self._table_head.value = f"<h4>{label('dash_table', lang)}</h4>"
            self._tabs.titles = (label("tab_budget_allocation", lang),
                                 *[label(f"stream_{sid}", lang) for sid in self.stream_budget],
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

    def _stream_sliders(self) -> list[w.FloatSlider]:
        return [x for sliders in self.stream_budget.values() for x in sliders.values()]

    def _inputs(self) -> list[w.ValueWidget]:
        return [*self.budget.values(), *self._stream_sliders(), self.rule, *self.priorities.values(),
                *self.assumptions.values()]

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
            how = self._budget_profile
            sc["budget"] = money.money_by_year(self.budget, self._profile, self._components, self._years, how)
            sc["streams"] = {}
            for sid, sliders in self.stream_budget.items():
                amounts = money.money_by_year(sliders, self._stream_profile[sid], self._components, self._years, how)
                if any(v for by_comp in amounts.values() for v in by_comp.values()):
                    sc["streams"][sid] = amounts
            sc["budget_scale"] = 1.0  # already in the profiles
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
            result = run_prepared(prep, amounts=self._amounts(sc, prep), counterfactual=False, indicators=True)
        except (PlanningInputError, PlanningInputErrors) as exc:
            self.error = exc
            self.status.value = error_html(exc, self.lang)
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
        if self.result.deprived is not None:
            self.indicators.value = reporting.styled(indicator_table(self.result, lang), lang,
                                                     uuid="dashboard_indicators").to_html()
        self.probability_label.value = reporting.probability_html(self.result, lang, subject="selected")
        end = self.result.years[-1]
        self.map.value = map_html(map_values(self.result), self.result.units, lang, year=end,
                                  target=self.result.plan.target_rate)
        if self.error is None:
            self.status.value = ""

    def what_it_takes(self, draws: int = 200) -> WhatItTakes | None:
        """Answer "what would it take?" for the scenario as the sliders set it (``draws`` draws,
        fewer than the projection's: the cost curve runs the model about 60 times)."""
        from planning.analyses.target import what_it_takes

        lang = self.lang
        self.target_text.value = f"<p><i>{label('dash_computing', lang)}</i></p>"
        try:
            sc = self.scenario_dict()
            prep = self._prepared(sc)
            prep = replace(prepare(load_scenario(sc, base_dir=self._loaded.base_dir), draws=min(draws, self.draws),
                                   seed=self.seed), amounts=self._amounts(sc, prep))
            self.target = what_it_takes(prep)
        except (PlanningInputError, PlanningInputErrors) as exc:
            self.target_text.value = error_html(exc, lang)
            return None
        self.target_text.value = f"<p>{html.escape(self.target.headline(lang))}</p>"
        self.target_chart.outputs = (png_output(lambda ax: self.target.plot(lang, ax), "cost curve"),)
        return self.target

    def optimise(self) -> Optimisation | None:
        """Optimise the allocation of the sliders' money (the district's chance of below the
        target, then its mean rate) and show it beside the sliders' own allocation."""
        return self.optimiser.run_for(self)

    @property
    def figure(self) -> Figure | None:
        """The trajectory chart's matplotlib figure (the one shown in ``chart``)."""
        return self._painter.figure

    # ------------------------------------------------------------------ display
    def text(self) -> str:
        """One line in words: the headline sentence (the notebook's plain-text view)."""
        if self.result is None:
            return label("dash_title", self.lang)
        from planning.frontends.report_text import headline

        return f"{label('dash_title', self.lang)}: {headline(self.result.outcomes(), self.lang, 'selected')}"

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
