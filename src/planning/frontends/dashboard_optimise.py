"""The dashboard's "optimise" button: the allocation of the sliders' money across communes and
components that gives the best chance of below the target (then the lowest mean rate), with a
progress bar while it searches, a sentence comparing it with the sliders' own allocation and a
table of the money by component. The search is :func:`planning.analyses.optimize.optimize`
(objective ``max-probability``); for the district it answers in a few seconds."""

from __future__ import annotations

import html
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import numpy as np
import pandas as pd

from planning.basics.errors import PlanningInputError, PlanningInputErrors
from planning.basics.i18n import Lang, label
from planning.basics.numbers import fmt_pct
from planning.basics.tables import kind_table
from planning.frontends import reporting
from planning.frontends.dashboard_text import error_html
from planning.models.runner import Prepared

if TYPE_CHECKING:
    from planning.analyses.optimize import Optimisation

#: the optimum's name in the comparison (planning.analyses.allocation_search.OPTIMUM; the
#: optimiser is imported only when the button is pressed, to keep the dashboard's start quick)
OPTIMUM = "optimum"

__all__ = ["OptimisePanel", "district_now", "optimised_sentence", "optimised_table"]


def optimised_sentence(opt: Optimisation, current: tuple[float, float], lang: Lang) -> str:
    """One sentence: the optimised 2030 rate and chance beside the sliders' allocation's."""
    row = opt.comparison().set_index("allocation").loc[OPTIMUM]
    rate, chance = float(row["poverty_rate_end_mean"]), float(row["prob_below_target"])
    tgt = fmt_pct(opt.target, lang, 0)
    end = opt.prep.years[-1]
    if lang == "vi":
        return (f"Phân bổ tối ưu cùng số tiền giữa các xã và hợp phần: tỷ lệ hộ nghèo năm {end} khoảng "
                f"{fmt_pct(rate, lang, 1)}, khả năng dưới {tgt} là {fmt_pct(chance, lang, 0)} (phân bổ đang chọn: "
                f"{fmt_pct(current[0], lang, 1)} và {fmt_pct(current[1], lang, 0)}).")
    return (f"The same money allocated optimally across communes and components: a {end} poverty rate of about "
            f"{fmt_pct(rate, lang, 1)} and a {fmt_pct(chance, lang, 0)} chance of below {tgt} (the selected "
            f"allocation: {fmt_pct(current[0], lang, 1)} and {fmt_pct(current[1], lang, 0)}).")


def optimised_table(opt: Optimisation, current: np.ndarray, lang: Lang) -> pd.DataFrame:
    """Money by component over all years (million VND): the selected allocation and the optimum."""
    ids = opt.prep.book.ids
    best = opt.amounts
    keep = [k for k in range(len(ids)) if current[:, k].sum() > 0 or best[:, k].sum() > 0]
    return kind_table([
        (label("component", lang), "text", [reporting.component_name(ids[k], lang) for k in keep]),
        ("Phân bổ đang chọn (triệu đồng)" if lang == "vi" else "Selected allocation (million VND)", "money",
         [float(current[:, k].sum()) for k in keep]),
        ("Phân bổ tối ưu (triệu đồng)" if lang == "vi" else "Optimised allocation (million VND)", "money",
         [float(best[:, k].sum()) for k in keep]),
    ])


class OptimisePanel:
    """Button, progress bar, sentence and table of the dashboard's optimisation."""

    def __init__(self) -> None:
        self.button = w.Button(icon="sliders", layout={"width": "auto"})
        self.progress = w.IntProgress(value=0, min=0, max=1, layout={"visibility": "hidden", "width": "300px"})
        self.text = w.HTML()
        self.table = w.HTML()
        self.widget = w.VBox([w.HBox([self.button, self.progress]), self.text, self.table])
        self.last: Optimisation | None = None
        self._current: tuple[tuple[float, float], np.ndarray] | None = None

    def relabel(self, lang: Lang) -> None:
        self.button.description = ("Tối ưu phân bổ số tiền này" if lang == "vi"
                                   else "Optimise the allocation of this money")
        self.show(lang)

    def run(self, prep: Prepared, amounts: np.ndarray, current: tuple[float, float], lang: Lang) -> Optimisation:
        """Optimise ``amounts``' money (as ``prep`` with these amounts) and show the answer."""
        from planning.analyses.allocation_search import Settings
        from planning.analyses.optimize import optimize

        self.progress.value, self.progress.layout.visibility = 0, "visible"

        def tick(it: int, of: int) -> None:
            self.progress.max = of
            self.progress.value = it

        self.text.value = f"<p><i>{label('dash_computing', lang)}</i></p>"
        self.table.value = ""
        try:
            self.last = optimize(replace(prep, amounts=amounts), objective="max-probability", explain=False,
                                 settings=Settings(progress=tick))
        finally:
            self.progress.value = self.progress.max
            self.progress.layout.visibility = "hidden"
        self._current = (current, amounts)
        self.show(lang)
        return self.last

    def run_for(self, dash: Any) -> Optimisation | None:
        """``run`` for a :class:`~planning.frontends.dashboard.Dashboard`'s sliders; an input the
        model cannot use is shown as the bilingual message instead."""
        lang = dash.lang
        try:
            sc = dash.scenario_dict()
            prep = dash._prepared(sc)
            amounts = dash._amounts(sc, prep)
            if dash.result is None:
                dash.recompute()
            current = district_now(dash.result) if dash.result is not None else (float("nan"), float("nan"))
            return self.run(prep, amounts, current, lang)
        except (PlanningInputError, PlanningInputErrors) as exc:
            self.text.value = error_html(exc, lang)
            return None

    def show(self, lang: Lang) -> None:
        if self.last is None or self._current is None:
            return
        current, amounts = self._current
        self.text.value = f"<p>{html.escape(optimised_sentence(self.last, current, lang))}</p>"
        self.table.value = reporting.styled(optimised_table(self.last, amounts, lang), lang,
                                            uuid="dashboard_optimised").to_html()


def district_now(result: object) -> tuple[float, float]:
    """(mean end-year district rate, chance of below the target) of a dashboard Result."""
    o = result.outcomes()  # type: ignore[attr-defined]
    return float(o["poverty_rate_end_mean"]), float(o["prob_below_target"])
