"""Bilingual tables and charts of planning.frontends.reporting: headers, rows, numbers, chart artists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import planning
from planning.basics.i18n import LABELS, label
from planning.frontends import reporting as rp
from planning.frontends.report_text import headline

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "district_plan.yaml"
OLD_UNITS = 11
NEW_COMMUNES = 4


@pytest.fixture(scope="module")
def result() -> planning.Result:
    return planning.run(PLAN, draws=64, seed=11)


@pytest.fixture(scope="module")
def summary(result: planning.Result) -> pd.DataFrame:
    return result.summary()


def _district(s: pd.DataFrame) -> pd.DataFrame:
    return s[s["level"] == "district"].sort_values("year").reset_index(drop=True)


# ------------------------------------------------------------------------------ labels


def test_every_new_label_is_bilingual() -> None:
    for key, texts in LABELS.items():
        assert set(texts) == {"vi", "en"}, key
        assert texts["vi"].strip() and texts["en"].strip(), key


@pytest.mark.parametrize(("lang", "number", "pct", "signed"), [
    ("vi", "53.900", "6,1%", "+5,3"),
    ("en", "53,900", "6.1%", "+5.3"),
])
def test_number_style_follows_language(lang: str, number: str, pct: str, signed: str) -> None:
    assert rp.fmt_number(53900.2, lang) == number
    assert rp.fmt_pct(0.061384, lang) == pct
    assert rp.fmt_number(5.26, lang, 1, sign=True) == signed
    assert rp.fmt_number(None, lang) == rp.fmt_pct(float("nan"), lang) == "—"


def test_unknown_language_is_refused(result: planning.Result) -> None:
    with pytest.raises(ValueError, match="vi"):
        rp.district_table(result, "fr")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ tables


DISTRICT_KEYS = ["year", "standard", "poverty_rate_mean", "poverty_rate_p05", "poverty_rate_p95", "plan_rate",
                 "gap_to_plan_pp", "prob_below_target_year", "near_poor_rate_mean", "spending"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_district_table_headers_and_numbers(result: planning.Result, summary: pd.DataFrame, lang: str) -> None:
    t = rp.district_table(result, lang)
    assert list(t.columns) == [label(k, lang) for k in DISTRICT_KEYS]
    d = _district(summary)
    assert len(t) == len(result.years) + 1  # the baseline year first
    assert list(t[label("year", lang)]) == [result.baseline_year, *result.years]
    for key in ("poverty_rate_mean", "poverty_rate_p05", "poverty_rate_p95", "plan_rate", "gap_to_plan_pp",
                "near_poor_rate_mean", "spending"):
        np.testing.assert_allclose(t[label(key, lang)].to_numpy(float), d[key].to_numpy(float), rtol=1e-12)
    np.testing.assert_allclose(t[label("prob_below_target_year", lang)].to_numpy(float),
                                  d["prob_below_target"].to_numpy(float))
    # the same table from summary.csv's rows
    pd.testing.assert_frame_equal(rp.district_table(summary, lang), t)


def test_tables_differ_by_language_only_in_text(result: planning.Result) -> None:
    vi, en = rp.district_table(result, "vi"), rp.district_table(result, "en")
    assert list(vi.columns) != list(en.columns)
    np.testing.assert_array_equal(vi.iloc[:, 2:].to_numpy(float), en.iloc[:, 2:].to_numpy(float))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_commune_table_has_district_new_and_old_units(result: planning.Result, summary: pd.DataFrame,
                                                      lang: str) -> None:
    t = rp.commune_table(result, lang)
    units = result.units
    assert len(t) == 1 + NEW_COMMUNES + OLD_UNITS
    assert set(t.index) == {"district", *units.new_ids, *units.ids}
    assert t.index[0] == "district"
    level = t[label("level", lang)]
    assert (level == label("new_commune", lang)).sum() == NEW_COMMUNES
    assert (level == label("old_unit", lang)).sum() == OLD_UNITS
    assert (level == label("district", lang)).sum() == 1
    # every old unit sits right after its new commune (or a sibling), and names it
    for j, nid in enumerate(units.new_ids):
        members = [units.ids[i] for i in np.flatnonzero(units.membership[j])]
        pos = list(t.index).index(nid)
        assert list(t.index[pos + 1: pos + 1 + len(members)]) == members
        assert set(t.loc[members, label("new_commune_of", lang)]) == {units.name(nid, lang)}
    assert list(t[label("name", lang)]) == [units.name(u, lang) for u in t.index]
    end, base = result.years[-1], result.baseline_year
    at = summary[summary["year"] == end].set_index("unit").loc[t.index]
    headers = {
        f"{label('poverty_rate_mean', lang)} {end}": "poverty_rate_mean",
        f"{label('poverty_rate_p05', lang)} {end}": "poverty_rate_p05",
        f"{label('poverty_rate_p95', lang)} {end}": "poverty_rate_p95",
        f"{label('prob_below_target_year', lang)} {end}": "prob_below_target",
        f"{label('near_poor_rate_mean', lang)} {end}": "near_poor_rate_mean",
        f"{label('households', lang)} {end}": "households",
    }
    for header, col in headers.items():
        np.testing.assert_allclose(t[header].to_numpy(float), at[col].to_numpy(float), rtol=1e-12)
    b = summary[summary["year"] == base].set_index("unit").loc[t.index, "poverty_rate_mean"]
    np.testing.assert_allclose(t[f"{label('poverty_rate', lang)} {base}"].to_numpy(float), b.to_numpy(float), rtol=1e-12)
    spend = t.iloc[:, -1]
    assert spend["district"] == pytest.approx(result.amounts.sum())
    assert sum(spend[u] for u in units.ids) == pytest.approx(result.amounts.sum())
    # from summary.csv's rows: the same table
    pd.testing.assert_frame_equal(rp.commune_table(summary, lang), t, check_exact=False, rtol=1e-12)
    assert list(rp.commune_table(result, lang, year=result.years[0]).index) == list(t.index)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_spending_tables_add_up(result: planning.Result, lang: str) -> None:
    total = float(result.amounts.sum())
    by_c = rp.spending_table(result, lang, by="component")
    assert by_c.columns[0] == label("component", lang)
    assert list(by_c.columns[1:-1]) == [str(y) for y in result.years]
    assert by_c.columns[-1] == label("total_period", lang)
    funded = [c for k, c in enumerate(result.component_ids) if result.amounts[:, k].sum() > 0]
    assert list(by_c.index) == [*funded, "total"] and len(funded) == 8  # the district plan's eight
    assert by_c.iloc[-1, 0] == label("total", lang)
    idx = [result.component_ids.index(c) for c in funded]
    np.testing.assert_allclose(by_c.iloc[:-1, 1:-1].to_numpy(float), result.amounts.sum(axis=0)[idx])
    assert by_c.iloc[-1, -1] == pytest.approx(total)
    assert by_c.loc["livelihood"].iloc[0] == rp.component_name("livelihood", lang) != "livelihood"
    by_u = rp.spending_table(result, lang, by="unit")
    assert list(by_u.index) == [*result.units.ids, "total"]
    np.testing.assert_allclose(by_u.iloc[:-1, 1:-1].to_numpy(float), result.amounts.sum(axis=1))
    by_n = rp.spending_table(result, lang, by="new_commune")
    assert len(by_n) == NEW_COMMUNES + 1
    assert by_n.iloc[-1, -1] == pytest.approx(total)
    # from allocation.csv's rows the table is the same
    pd.testing.assert_frame_equal(rp.spending_table(result.spending_table(), lang, by="component"), by_c,
                                  check_dtype=False)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_near_poor_table_sits_next_to_headcount(result: planning.Result, summary: pd.DataFrame, lang: str) -> None:
    t = rp.near_poor_table(result, lang)
    d = _district(summary)
    for key in ("households", "poor_mean", "poverty_rate_mean", "near_poor_mean", "near_poor_rate_mean",
                "exits_mean", "lifts_mean", "re_poor_mean", "new_poor_mean", "reclassified_poor_mean",
                "escaped_stock_mean"):
        np.testing.assert_allclose(t[label(key, lang)].to_numpy(float), d[key].to_numpy(float), rtol=1e-12)
    assert np.isnan(t[label("exits_mean", lang)].iloc[0])  # no flow in the baseline year


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_styled_formats_in_language_with_a_fixed_id(result: planning.Result, lang: str) -> None:
    html = rp.styled(rp.district_table(result, lang), lang, uuid="fixed").to_html()
    assert 'id="T_fixed"' in html
    assert not re.search(r"T_[0-9a-f]{5}[_\"]", html)
    rate = float(rp.district_table(result, lang).iloc[-1, 2])
    assert rp.fmt_pct(rate, lang) in html
    assert label("poverty_rate_mean", lang) in html
    # the plain-text view (what a stored notebook keeps next to the HTML) has no memory address
    text = repr(rp.styled(rp.district_table(result, lang), lang))
    assert "0x" not in text and rp.fmt_pct(rate, lang) in text and label("year", lang) in text


# ------------------------------------------------------------------------------ sentences


def test_probability_sentence_states_the_numbers(result: planning.Result, tmp_path: Path) -> None:
    o = result.outcomes()
    vi, en = rp.probability_sentence(result, "vi"), rp.probability_sentence(result, "en")
    assert "Xác suất" in vi and "probability" in en
    for lang, text in (("vi", vi), ("en", en)):
        assert rp.fmt_pct(o["prob_below_target"], lang, 0) in text
        assert rp.fmt_pct(o["poverty_rate_end_mean"], lang) in text
        assert str(o["end_year"]) in text
        assert rp.fmt_number(o["draws"], lang) in text
    # from outcomes.json, as a batch folder holds it
    result.write(tmp_path)
    again = json.loads((tmp_path / "outcomes.json").read_text(encoding="utf-8"))
    assert rp.probability_sentence(again, "en") == en


def test_probability_html_is_a_sentence_with_a_stable_element(result: planning.Result) -> None:
    o = result.outcomes()
    p = o["prob_below_target"]
    for lang, start in (("vi", "Với kinh phí kế hoạch"), ("en", "With the plan")):
        html = rp.probability_html(result, lang)
        m = re.search(r'<span class="planning-probability" data-probability="([0-9.]+)"><b>(\d+)%</b></span>', html)
        assert m and float(m.group(1)) == pytest.approx(p, abs=0.0005)
        assert m.group(2) == rp.fmt_pct(p, lang, 0)[:-1]
        text = re.sub(r"<[^>]+>", "", html)
        assert text.startswith(start) and rp.fmt_pct(o["poverty_rate_end_mean"], lang) in text
        assert "P(<" not in text and "=" not in text  # words, not notation


# ------------------------------------------------------------------------------ charts


def _by_gid(fig: Figure, gid: str) -> list:
    return [a for ax in fig.axes for a in [*ax.lines, *ax.collections, *ax.patches] if a.get_gid() == gid]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_trajectory_chart_shows_plan_path_target_and_bands(result: planning.Result, summary: pd.DataFrame,
                                                           lang: str) -> None:
    fig = rp.trajectory_chart(result, lang, history=rp.district_history())
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == label("chart_trajectory", lang)
    (target,) = _by_gid(fig, "target_line")
    assert set(target.get_ydata()) == {result.plan.target_rate} == {0.01}
    (plan,) = _by_gid(fig, "plan_path")
    years = np.asarray(plan.get_xdata())
    # the plan path starts where the projection starts (the 2025 review) and ends below 1 % in 2030
    assert years[0] == result.plan.reference_year == result.baseline_year == 2025 and years[-1] == result.years[-1]
    np.testing.assert_allclose(plan.get_ydata(), [result.plan.rate(int(y)) for y in years])
    assert np.allclose(np.diff(plan.get_ydata()), -result.plan.reduction_per_year)  # a straight line
    assert plan.get_ydata()[-1] == pytest.approx(0.009) and plan.get_ydata()[-1] < result.plan.target_rate
    (mean,) = _by_gid(fig, "mean")
    np.testing.assert_allclose(mean.get_ydata(), _district(summary)["poverty_rate_mean"], rtol=1e-12)
    assert plan.get_ydata()[0] == pytest.approx(mean.get_ydata()[0])  # the two lines meet in 2025
    # the note at the 2027 change of standard
    (switch,) = _by_gid(fig, "standard_switch")
    assert set(switch.get_xdata()) == {2026.5}
    (note,) = [t for t in ax.texts if t.get_gid() == "standard_switch_note"]
    assert note.get_text().strip() == ("Chuẩn nghèo mới (NĐ 351/2025)" if lang == "vi" else "New standard (Decree 351/2025)")
    assert _by_gid(fig, "band50") and _by_gid(fig, "band90") and _by_gid(fig, "history")
    _, legend_labels = ax.get_legend_handles_labels()
    assert label("target_line", lang) in legend_labels
    assert any(t.startswith(label("plan_rate", lang)) and label("pp_per_year", lang) in t for t in legend_labels)
    assert {label("band50", lang), label("band90", lang)} <= set(legend_labels)


def test_trajectory_chart_from_summary_has_the_90_band_only(summary: pd.DataFrame) -> None:
    fig = rp.trajectory_chart(summary, "en")
    assert _by_gid(fig, "band90") and not _by_gid(fig, "band50")
    (plan,) = _by_gid(fig, "plan_path")
    d = _district(summary)
    np.testing.assert_allclose(plan.get_ydata(), d["plan_rate"])
    assert _by_gid(fig, "target_line") and _by_gid(fig, "standard_switch")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_spending_chart_bars_add_up(result: planning.Result, lang: str) -> None:
    fig = rp.spending_chart(result, lang)
    ax1, ax2 = fig.axes
    assert ax1.get_title() == label("chart_spending_component", lang)
    assert ax2.get_title() == label("chart_spending_unit", lang)
    heights: dict[float, float] = {}
    for p in ax1.patches:
        x = round(p.get_x() + p.get_width() / 2)
        heights[x] = heights.get(x, 0.0) + p.get_height()
    np.testing.assert_allclose([heights[y] for y in result.years], result.amounts.sum(axis=(0, 1)))
    assert sum(p.get_width() for p in ax2.patches) == pytest.approx(result.amounts.sum())
    assert [t.get_text() for t in ax2.get_yticklabels()] == [result.units.name(u, lang) for u in result.units.ids]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_near_poor_chart_has_rates_and_flows(result: planning.Result, summary: pd.DataFrame, lang: str) -> None:
    fig = rp.near_poor_chart(result, lang)
    assert _by_gid(fig, "poor") and _by_gid(fig, "near_poor")
    d = _district(summary).iloc[1:]
    exits = sorted(p.get_height() for p in _by_gid(fig, "exits_mean"))
    np.testing.assert_allclose(exits, sorted(d["exits_mean"]))
    re_poor = _by_gid(fig, "re_poor_mean")
    assert all(p.get_height() <= 0 for p in re_poor)  # households falling in are drawn below zero
    assert fig.axes[1].get_title() == label("chart_flows", lang)


# ------------------------------------------------------------------------------ comparison


def _outcomes() -> pd.DataFrame:
    base = {"target_rate": 0.01, "end_year": 2030, "draws": 10, "seed": 1, "poverty_rate_end_p05": 0.0,
            "poverty_rate_end_p95": 0.2, "first_year_target_met": None, "gap_to_plan_pp_end": 1.0,
            "near_poor_rate_end_mean": 0.1}
    rows = [
        dict(base, scenario="a", title_vi="Một", title_en="One", poverty_rate_end_mean=0.05,
             prob_below_target=0.1, total_spending=100.0, households_lifted=10.0, cost_per_household_lifted=10.0),
        dict(base, scenario="b", title_vi="Hai", title_en="Two", poverty_rate_end_mean=0.03,
             prob_below_target=0.3, total_spending=200.0, households_lifted=40.0, cost_per_household_lifted=5.0),
        dict(base, scenario="c", title_vi="Ba", title_en="Three", poverty_rate_end_mean=0.08,
             prob_below_target=0.0, total_spending=0.0, households_lifted=0.0, cost_per_household_lifted=None),
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_comparison_table_ranks(lang: str) -> None:
    t = rp.comparison_table(_outcomes(), lang)
    assert list(t.index) == ["b", "a", "c"]  # lowest end-year rate first
    assert list(t[label("rank_rate", lang)]) == [1, 2, 3]
    assert list(t[label("rank_prob", lang)]) == [1, 2, 3]
    assert list(t[label("rank_cost", lang)]) == [1, 2, 3]  # no cost (nobody lifted) ranks last
    assert list(t[label("scenario", lang)]) == (["Hai", "Một", "Ba"] if lang == "vi" else ["Two", "One", "Three"])
    for key in ("poverty_rate_end_mean", "prob_below_target", "cost_per_household_lifted", "total_spending"):
        assert label(key, lang) in t.columns


def test_comparison_charts() -> None:
    fig = rp.comparison_chart(_outcomes(), "vi")
    assert len(fig.axes) == 3
    rates = _by_gid(fig, "rate")
    assert sorted(p.get_width() for p in rates) == [0.03, 0.05, 0.08]
    (target,) = _by_gid(fig, "target_line")
    assert set(target.get_xdata()) == {0.01}
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Hai", "Một", "Ba"]


def test_load_batch_and_paths_chart(tmp_path: Path) -> None:
    results = [planning.run(ROOT / "scenarios" / f"{n}.yaml", draws=16, seed=3) for n in ("district_plan", "accelerated")]
    for r in results:
        r.write(tmp_path / r.scenario_name)
    outcomes, summaries = rp.load_batch(tmp_path)  # no comparison.csv: from outcomes.json
    assert sorted(outcomes["scenario"]) == sorted(summaries) == ["accelerated", "district_plan"]
    planning.compare(results).to_csv(tmp_path / "comparison.csv", index=False)
    outcomes2, _ = rp.load_batch(tmp_path)
    assert list(outcomes2["scenario"]) == ["district_plan", "accelerated"]
    t = rp.comparison_table(outcomes2, "en")
    assert list(t.index) == ["accelerated", "district_plan"]  # twice the money, lower rate
    fig = rp.comparison_paths_chart(summaries, "en", titles=rp.scenario_titles(outcomes2, "en"))
    assert _by_gid(fig, "plan_path") and _by_gid(fig, "target_line")
    assert len(_by_gid(fig, "scenario:accelerated")) == 1
    _, labels = fig.axes[0].get_legend_handles_labels()
    assert results[1].title["en"] in labels
    with pytest.raises(FileNotFoundError):
        rp.load_batch(tmp_path / "missing")


def test_illustrative_review_series_is_labelled_as_such():
    import matplotlib.pyplot as plt

    from planning.stores.baseline import load_baseline

    b = load_baseline()
    assert b.series_illustrative  # the shipped 2021-2025 series is illustrative (data/README.md)
    hist = rp.district_history(b)
    r = planning.run(Path(__file__).resolve().parents[1] / "scenarios" / "district_plan.yaml", draws=8)
    for lang, text in (("vi", "minh hoạ"), ("en", "illustrative")):
        fig = rp.trajectory_chart(r, lang, history=hist)
        labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert any(text in lab for lab in labels), labels
        plt.close(fig)


def test_calibration_sentence_names_what_the_figures_pin_down():
    import planning
    from planning.frontends.reporting import calibration_sentence

    r = planning.run(Path(__file__).resolve().parents[1] / "scenarios" / "district_plan.yaml", draws=16,
                     counterfactual=False)
    vi, en = calibration_sentence(r, "vi"), calibration_sentence(r, "en")
    assert "Sơn La" in vi and "Sơn La" in en
    assert "Tốc độ tăng thu nhập" in vi.split("Số liệu chưa")[0]  # growth is identified
    assert "Not identified by them" in en and "bad year" in en.lower()
    spec = planning.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "district_plan.yaml").scenario.model_dump(mode="python")
    spec["calibration"] = None
    plain = planning.run(spec, draws=8, counterfactual=False)
    assert "not calibrated" in calibration_sentence(plain, "en")


def test_headline_gives_the_simulation_error_of_both_numbers(result: planning.Result) -> None:
    o = result.outcomes()
    vi, en = headline(o, "vi"), headline(o, "en")
    a_vi = f"±{100 * o['poverty_rate_end_mean_mcse']:.2f}".replace(".", ",")
    a_en = f"±{100 * o['poverty_rate_end_mean_mcse']:.2f} pp on the mean rate"
    assert a_vi + " điểm % với tỷ lệ trung bình" in vi
    # no draw below 1 %: the chance's error is not "±0" but how much could hide (3/n)
    assert o["prob_below_target"] == 0.0
    bound = f"{300 / o['draws']:.1f}%"
    assert f"could be up to {bound}" in en and f"lên tới {bound.replace('.', ',')}" in vi
    assert "±0.0 pp on the chance" not in en
    some = dict(o, prob_below_target=0.25, prob_below_target_mcse=0.054)
    assert "±5.4 pp on the chance" in headline(some, "en") and "±5,4 điểm % với khả năng" in headline(some, "vi")
    assert a_en in en
    assert f"({o['draws']} simulations, one standard error)" in en and f"({o['draws']} lần)" in vi
    # it shrinks as 1/√n: four times the draws, about half the error
    big = planning.run(PLAN, draws=4 * result.draws, seed=result.seed).outcomes()
    assert big["poverty_rate_end_mean_mcse"] == pytest.approx(o["poverty_rate_end_mean_mcse"] / 2, rel=0.25)
    # outcomes without the errors (an old outcomes.json) keep the sentence without them
    old = {k: v for k, v in o.items() if not k.endswith("_mcse")}
    assert "Sai số" not in headline(old, "vi") and headline(old, "vi").endswith(").")
    # the dashboard and the reports show the same sentence
    assert "Sai số chuẩn do số lần mô phỏng" in rp.probability_html(o, "vi")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_cost_per_household_lifted_is_said_in_whole_millions(lang: str) -> None:
    """A tenth of a million VND per household would be false precision (the Monte Carlo error of
    the households lifted alone is several million): whole millions, in the language's style."""
    o = {"target_rate": 0.01, "end_year": 2030, "draws": 100, "prob_below_target": 0.0,
         "poverty_rate_end_mean": 0.079, "poverty_rate_end_p05": 0.06, "poverty_rate_end_p95": 0.1,
         "gap_to_plan_pp_end": 6.9, "first_year_target_met": None, "households_lifted": 1234.0,
         "cost_per_household_lifted": 1287.46}
    text = rp.probability_sentence(o, lang)
    assert ("1.287 triệu đồng/hộ" if lang == "vi" else "1,287 million VND per household") in text
    assert "1.287,5" not in text and "1,287.5" not in text
