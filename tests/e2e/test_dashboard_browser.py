"""Browser tests of the dashboard: a real chromium drives JupyterLab (Run All) and Voilà.

Two kinds of test, kept apart on purpose:

* ``test_harness_*`` run a throwaway dashboard-like notebook (a slider and an HTML widget
  with class ``planning-probability``). They check the plumbing only: chromium, Playwright,
  the servers, the widget manager, the kernel round trip. If they fail, the dashboard is
  not to blame.
* ``test_dashboard_*`` run ``notebooks/dashboard.ipynb`` (``planning.dashboard.Dashboard``):
  the probability line appears, and moving the first budget slider with the keyboard changes
  the displayed results (the probability line and the commune table). If only these fail,
  the dashboard (or the model behind it) broke.

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
# The element carrying the headline, e.g. "P(<1% in 2030) = 0.42". The dashboard gives it
# the class; the fallback finds an HTML widget with that text if the class is missing.
PROBABILITY = ".planning-probability, .widget-html:has-text('P(<1%')"
SLIDER_HANDLE = ".widget-hslider .noUi-handle"
PROBABILITY_TEXT = re.compile(r"P\(<\s*1\s*%.*\)\s*=\s*\d")
# What the dashboard shows as results: the probability line and the commune table. With the
# illustrative budgets P(<1% in 2030) can be 0.00 at both ends of a slider, while the table's
# rates still move: the test asks that the *displayed results* react, the line included.
DASHBOARD_RESULTS = f"{PROBABILITY}, .widget-html:has(table)"
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
    assert before == "P(<1% in 2030) = 0.50"
    assert after in {"P(<1% in 2030) = 1.00", "P(<1% in 2030) = 0.00"}


def test_harness_voila(page: Any, voila: Callable[[str], dict[str, str]],
                       harness_notebook: str) -> None:
    body = _open_voila(page, voila, harness_notebook)
    before, after = _move_first_slider_and_expect_change(page, body, PROBABILITY)
    assert before == "P(<1% in 2030) = 0.50"
    assert after in {"P(<1% in 2030) = 1.00", "P(<1% in 2030) = 0.00"}
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
