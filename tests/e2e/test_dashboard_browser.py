"""Browser tests of the dashboard: a real chromium drives JupyterLab (Run All) and Voilà.

Two kinds of test, kept apart on purpose:

* ``test_harness_*`` run a throwaway dashboard-like notebook (a slider and an HTML widget
  with class ``planning-probability``). They check the plumbing only: chromium, Playwright,
  the servers, the widget manager, the kernel round trip. If they fail, the dashboard is
  not to blame.
* ``test_dashboard_*`` run ``notebooks/dashboard.ipynb`` (``planning.frontends.dashboard.Dashboard``):
  the headline's chance appears, and moving the first budget slider with the keyboard changes
  the displayed results (the headline and the commune table). If only these fail, the
  dashboard (or the model behind it) broke.
* ``test_app_*`` start ``planning app`` as a planner would and read the page as a planner
  does: the introduction, the commune map, the headline in words, no code; a slider moved
  redraws the headline and the map; the page is refused without the token.

Each test is skipped, not failed, when chromium is missing (fixture ``chromium``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Not imported from conftest: a second rootless conftest.py would shadow that module name.
ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = "notebooks/dashboard.ipynb"
# The element carrying the headline's chance of below 1 % in 2030, shown as a percentage
# ("42%") inside the sentence; the dashboard gives it the class planning-probability.
PROBABILITY = ".planning-probability"
SLIDER_HANDLE = ".widget-hslider .noUi-handle"
PROBABILITY_TEXT = re.compile(r"^\s*\d+\s*%\s*$")
# What the dashboard shows as results: the headline sentence and the commune table. With the
# illustrative budgets the chance of below 1 % can be 0% at both ends of a slider, while the
# projected rates in the sentence and the table still move.
DASHBOARD_RESULTS = ".planning-headline, .widget-html:has(table)"
# Cold kernel + imports + a model run; generous because the CI machine may be loaded.
RENDER_TIMEOUT_MS = 180_000
#: True once the notebook ``path`` is the current tab and its kernel is connected and idle
#: (needs the server flag ``--LabApp.expose_app_in_browser=True``, set by the fixture).
#: Checking the path too: another notebook's ready kernel must not count.
KERNEL_READY = """(path) => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path) return false;
  const s = w.context.sessionContext.session;
  const k = s && s.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle';
}"""
UPDATE_TIMEOUT_MS = 60_000


def _open_lab(page: Any, lab: dict[str, str], notebook: str) -> Any:
    """Open ``notebook`` in JupyterLab, Run All Cells; return the notebook panel locator."""
    # A workspace of its own, reset: tabs restored from an earlier test would otherwise be
    # opened too, and one of them could be the current tab.
    workspace = re.sub(r"\W", "-", Path(notebook).stem)
    page.goto(f"{lab['base']}/lab/workspaces/{workspace}/tree/{notebook}"
              f"?token={lab['token']}&reset")
    # Not the toolbar's "idle": it can read idle before the kernel websocket is connected,
    # and a Run All clicked then is silently lost.
    page.wait_for_function(KERNEL_READY, arg=notebook, timeout=RENDER_TIMEOUT_MS)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    # JupyterLab 4.6: the command is runmenu:run-all; the menu item is the user's path to it.
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    return page.locator(".jp-NotebookPanel:visible").first


def _open_voila(page: Any, voila: Callable[[str], dict[str, str]], notebook: str) -> Any:
    info = voila(notebook)
    page.goto(f"{info['base']}/?token={info['token']}")
    return page.locator("body")


def _displayed(scope: Any, selector: str) -> str:
    return "\n".join(t.strip() for t in scope.locator(selector).all_inner_texts())


def _wait_for_change(scope: Any, selector: str, before: str, timeout_ms: int) -> str | None:
    """The text under ``selector`` once it differs from ``before``; None on timeout."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        now = _displayed(scope, selector)
        if now != before:
            return now
        time.sleep(0.2)
    return None


def _move_first_slider_and_expect_change(page: Any, scope: Any, watch: str) -> tuple[str, str]:
    """Wait for the probability line, move the first slider to an end with the keyboard and
    wait until the text under ``watch`` changes. Returns that text (before, after)."""
    from playwright.sync_api import expect

    prob = scope.locator(PROBABILITY).first
    expect(prob).to_have_text(PROBABILITY_TEXT, timeout=RENDER_TIMEOUT_MS)
    before = _displayed(scope, watch)

    handle = scope.locator(SLIDER_HANDLE).first
    expect(handle).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    handle.scroll_into_view_if_needed()
    handle.focus()
    now, top = handle.get_attribute("aria-valuenow"), handle.get_attribute("aria-valuemax")
    # Go to the far end that differs from the current value (a slider at its max does not
    # move on End); if that end shows the same figures, try the other. noUiSlider handles
    # Home/End like a long run of arrow presses, and each press is sent to the kernel.
    keys = ["Home", "End"] if now is not None and now == top else ["End", "Home"]
    for key in keys:
        handle.press(key)
        after = _wait_for_change(scope, watch, before, UPDATE_TIMEOUT_MS)
        if after is not None:
            expect(prob).to_have_text(PROBABILITY_TEXT)
            return before, after
    raise AssertionError(
        f"Kéo thanh trượt đầu tiên về hai đầu mà kết quả hiển thị không đổi / moving the first "
        f"slider to both ends left the displayed results unchanged:\n{before}"
    )


# ------------------------------------------------------------------------------------------
# Harness self-tests (throwaway notebook): is the browser plumbing sound?


def test_harness_jupyterlab(page: Any, jupyterlab: dict[str, str], harness_notebook: str) -> None:
    panel = _open_lab(page, jupyterlab, harness_notebook)
    before, after = _move_first_slider_and_expect_change(page, panel, PROBABILITY)
    assert before == "50%"
    assert after in {"100%", "0%"}


def test_harness_voila(page: Any, voila: Callable[[str], dict[str, str]],
                       harness_notebook: str) -> None:
    body = _open_voila(page, voila, harness_notebook)
    before, after = _move_first_slider_and_expect_change(page, body, PROBABILITY)
    assert before == "50%"
    assert after in {"100%", "0%"}
    # Voilà hides the code.
    assert "add_class" not in page.content()


# ------------------------------------------------------------------------------------------
# The real dashboard


@pytest.fixture
def dashboard() -> str:
    # A failure, not a skip: the dashboard is part of the workbook, and a skip would hide
    # its loss.
    assert (ROOT / DASHBOARD).is_file(), f"thiếu {DASHBOARD} / {DASHBOARD} is missing"
    return DASHBOARD


def test_dashboard_voila(page: Any, dashboard: str,
                         voila: Callable[[str], dict[str, str]]) -> None:
    body = _open_voila(page, voila, dashboard)
    before, after = _move_first_slider_and_expect_change(page, body, DASHBOARD_RESULTS)
    assert before != after
    assert "import planning" not in page.content()


def test_dashboard_jupyterlab(page: Any, dashboard: str, jupyterlab: dict[str, str]) -> None:
    panel = _open_lab(page, jupyterlab, dashboard)
    # No cell of the dashboard notebook may fail under Run All.
    before, after = _move_first_slider_and_expect_change(page, panel, DASHBOARD_RESULTS)
    assert before != after
    assert panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                         ).filter(has_text="Traceback").count() == 0


def test_dashboard_notebook_is_in_the_copy(workdir: Path, dashboard: str) -> None:
    """The servers run on a copy: it must hold the dashboard (guards the fixture itself)."""
    assert (workdir / dashboard).is_file()


# ------------------------------------------------------------------------------------------
# The app, as a planner opens it


MAP_TILE = "svg.planning-map[data-measure='rate'] .planning-map-tile[data-unit='{unit}']"


def test_app_speaks_to_planners_and_redraws_the_map(page: Any, planning_app: dict[str, str]) -> None:
    from playwright.sync_api import expect

    page.goto(f"{planning_app['base']}/?token={planning_app['token']}")
    intro = page.locator(".planning-intro")
    expect(intro).to_contain_text("Bảng này để làm gì?", timeout=RENDER_TIMEOUT_MS)
    for words in ("Các thanh trượt", "Đọc biểu đồ", "Khả năng đạt dưới 1%", "minh hoạ"):
        expect(intro).to_contain_text(words)
    # the schematic map: two maps (rate, chance) of the 11 former communes
    expect(page.locator("svg.planning-map")).to_have_count(2, timeout=RENDER_TIMEOUT_MS)
    expect(page.locator("svg.planning-map[data-measure='rate'] .planning-map-tile")).to_have_count(11)
    expect(page.locator(".planning-map-note")).to_contain_text("không phải bản đồ ranh giới")
    headline = page.locator(".planning-headline").first
    expect(headline).to_contain_text("Với kinh phí và cách phân bổ đang chọn")
    expect(page.locator(PROBABILITY).first).to_have_text(PROBABILITY_TEXT)
    # budget, allocation rule and priorities on the first tab, visible together
    expect(page.locator(".widget-dropdown select").first).to_be_visible()
    expect(page.get_by_text("Hệ số ưu tiên của xã (0–3)")).to_be_visible()
    body = page.locator("body").inner_text()
    for word in ("import ", "P(<", "pytest", "papermill", "scenario_path", "/work/"):
        assert word not in body, word
    # the slider values are written the Vietnamese way (3.280, not 3,280)
    assert re.search(r"\b\d\.\d{3}\b", body) and not re.search(r"\b\d,\d{3}\b", body)

    tile = page.locator(MAP_TILE.format(unit="ca_nang"))
    rate_before = tile.get_attribute("data-value")
    text_before = headline.inner_text()
    handle = page.locator(SLIDER_HANDLE).first  # the first budget slider
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press("End")
    deadline = time.monotonic() + UPDATE_TIMEOUT_MS / 1000
    while time.monotonic() < deadline and (tile.get_attribute("data-value") == rate_before
                                           or headline.inner_text() == text_before):
        time.sleep(0.2)
    assert tile.get_attribute("data-value") != rate_before, "the map did not redraw"
    assert headline.inner_text() != text_before, "the headline did not change"
    assert float(tile.get_attribute("data-value") or 1) < float(rate_before or 0)  # more money, fewer poor

    page.get_by_role("button", name="English").click()
    expect(intro).to_contain_text("What is this for?", timeout=UPDATE_TIMEOUT_MS)
    expect(headline).to_contain_text("With the budget and allocation chosen here")


def test_app_refuses_a_page_without_the_token(planning_app: dict[str, str]) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{planning_app['base']}/", timeout=30) as resp:
        final, body = resp.geturl(), resp.read().decode("utf-8", "replace")
    assert "login" in final and "planning-intro" not in body
