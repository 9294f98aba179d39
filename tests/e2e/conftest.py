"""Fixtures for the browser tests: Debian chromium driven by Playwright, JupyterLab and Voilà.

What the fixtures do, and why (see the project's tooling notes):

* Chromium is Debian's ``/usr/bin/chromium`` (or ``$CHROMIUM``) passed to Playwright as
  ``executable_path``; ``playwright install`` is never run (it downloads a browser, which the
  closed network refuses). A missing chromium *skips* the tests at fixture level; a
  module-level skip in a conftest would abort the whole pytest run instead.
* Servers run on 127.0.0.1 with a random token, on a *copy* of ``notebooks/`` (with
  ``scenarios/`` and ``data/`` beside it, so relative paths still work) in a temp folder, so
  browser autosave never touches the repository; ``JUPYTER_*`` and ``IPYTHONDIR`` point into
  that copy, so the user's own Jupyter settings play no part.
* JupyterLab needs ``--allow-root`` (it refuses to start as root otherwise), its news toast is
  disabled through ``page_config.json`` (it covers the page), and the app is exposed to the
  page so that tests can wait for the kernel's websocket (``KERNEL_READY``) rather than for
  the toolbar's "idle", which can read idle before the kernel is connected.
* Servers are started with ``subprocess.Popen`` and stopped with SIGTERM to that pid, so the
  server shuts its kernels down; nothing is left behind.
* On a test failure, a full-page screenshot goes to ``runs/e2e/`` (or ``$E2E_ARTIFACTS``) and
  the servers' log tails are printed with the test's output.
* Everything is module-scoped: the browser's event loop is closed before the next test module
  (the papermill tests) runs.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS") or ROOT / "runs" / "e2e")
SERVER_START_TIMEOUT = 90.0

# The closed network refuses Chromium's background connections; these flags stop it trying.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
]

# ------------------------------------------------------------------------------------------
# Server plumbing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path,
               timeout: float = SERVER_START_TIMEOUT) -> None:
    """Poll ``url`` until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"Máy chủ đã dừng (mã {proc.returncode}) / server exited with code "
                f"{proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = exc
        time.sleep(0.25)
    raise TimeoutError(f"Máy chủ không trả lời / server did not answer {url} in {timeout:.0f} s "
                       f"({last}):\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _start(cmd: list[str], cwd: Path, env: dict[str, str], ready_url: str,
           log: Path) -> subprocess.Popen[bytes]:
    fh = log.open("wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)
    fh.close()  # the child holds its own descriptor
    try:
        _wait_http(ready_url, proc, log)
    except BaseException:
        _stop(proc)
        raise
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (jupyter_server then shuts its kernels down), SIGKILL if it hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway copy of notebooks/ (+ scenarios/, data/) with its own Jupyter config."""
    d = tmp_path_factory.mktemp("nbwork")
    for sub in ("notebooks", "scenarios", "data"):
        if (ROOT / sub).is_dir():
            shutil.copytree(ROOT / sub, d / sub,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (d / "notebooks").mkdir(exist_ok=True)
    for sub in ("config/labconfig", "data", "runtime", "ipython", "ws"):
        (d / ".jupyter" / sub).mkdir(parents=True, exist_ok=True)
    # The "get notified about Jupyter news?" toast covers the page; news_url=None does not stop it.
    (d / ".jupyter/config/labconfig/page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    (d / "logs").mkdir()
    return d


@pytest.fixture(scope="module")
def server_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    j = workdir / ".jupyter"
    env.update(
        JUPYTER_CONFIG_DIR=str(j / "config"),
        JUPYTER_DATA_DIR=str(j / "data"),
        JUPYTER_RUNTIME_DIR=str(j / "runtime"),
        IPYTHONDIR=str(j / "ipython"),
        JUPYTER_PLATFORM_DIRS="1",
        PYTHONUNBUFFERED="1",
    )
    env.pop("JUPYTER_TOKEN", None)
    return env


@pytest.fixture(scope="module")
def chromium() -> str:
    """Path of Debian's chromium; skips the test (not the run) when it is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium không có tại {CHROMIUM} / chromium not installed at {CHROMIUM} "
                    "(apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser_context(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh --user-data-dir
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item, so ``page`` knows whether the test failed."""
    outcome = yield
    rep = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture
def page(browser_context: Any, request: pytest.FixtureRequest, workdir: Path) -> Iterator[Any]:
    """A fresh page; on failure, a screenshot and the servers' log tails."""
    pg = browser_context.new_page()
    pg.set_default_timeout(30_000)
    console: list[str] = []
    pg.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / f"{request.node.name.replace('/', '_')}.png"
            try:
                pg.screenshot(path=str(shot), full_page=True)
                print(f"ảnh chụp màn hình / screenshot: {shot}")
            except Exception as exc:  # the page may be gone; the logs below still help
                print(f"screenshot failed: {exc}")
            print("--- browser console (last 30) ---\n" + "\n".join(console[-30:]))
            for log in sorted((workdir / "logs").glob("*.log")):
                print(f"--- {log.name} (tail) ---\n{_tail(log)}")
        pg.close()


@pytest.fixture(scope="module")
def jupyterlab(workdir: Path, server_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """JupyterLab on 127.0.0.1 with a token, rooted at the copy: ``{"base", "token"}``."""
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={workdir}",
        f"--LabApp.workspaces_dir={workdir / '.jupyter' / 'ws'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
        "--ServerApp.open_browser=False",
    ]
    base = f"http://127.0.0.1:{port}"
    proc = _start(cmd, workdir, server_env, f"{base}/api/status?token={token}",
                  workdir / "logs" / "jupyterlab.log")
    try:
        yield {"base": base, "token": token}
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def voila(workdir: Path, server_env: dict[str, str]) -> Iterator[Callable[[str], dict[str, str]]]:
    """Factory: ``voila("notebooks/dashboard.ipynb")`` → ``{"base", "token"}``; one server per
    notebook, started on first use and stopped at the end of the module."""
    servers: dict[str, tuple[subprocess.Popen[bytes], dict[str, str]]] = {}

    def start(notebook: str) -> dict[str, str]:
        if notebook in servers:
            return servers[notebook][1]
        port, token = _free_port(), secrets.token_hex(16)
        cmd = [
            sys.executable, "-m", "voila", notebook, "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", f"--token={token}", "--show_tracebacks=True",
        ]
        base = f"http://127.0.0.1:{port}"
        log = workdir / "logs" / f"voila-{Path(notebook).stem}.log"
        # Without --token Voilà serves anyone; with it, /?token= is the way in. The readiness
        # probe asks for a static asset: the page itself would start a kernel and run the notebook.
        proc = _start(cmd, workdir, server_env, f"{base}/voila/static/favicon.ico", log)
        info = {"base": base, "token": token}
        servers[notebook] = (proc, info)
        return info

    try:
        yield start
    finally:
        for proc, _ in servers.values():
            _stop(proc)


@pytest.fixture(scope="module")
def planning_app(workdir: Path, server_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """``planning app`` as a planner starts it (Voilà on the dashboard, 127.0.0.1, a token),
    on a free port, without opening a browser: ``{"base", "token"}``."""
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "planning", "app", f"--port={port}", f"--token={token}", "--no-browser"]
    base = f"http://127.0.0.1:{port}"
    proc = _start(cmd, workdir, server_env, f"{base}/voila/static/favicon.ico", workdir / "logs" / "planning-app.log")
    try:
        yield {"base": base, "token": token}
    finally:
        _stop(proc)


HARNESS_CELLS = [
    "import ipywidgets as w",
    # A stand-in for planning.frontends.dashboard.Dashboard: a slider and an HTML widget with the
    # same CSS class, whose text depends on the slider through a kernel-side observer.
    """budget = w.IntSlider(value=5, min=0, max=10, description="livelihood")
prob = w.HTML()
prob.add_class("planning-probability")

def update(change=None):
    prob.value = f"{budget.value * 10}%"

budget.observe(update, names="value")
update()
w.VBox([budget, prob])""",
]


@pytest.fixture(scope="module")
def harness_notebook(workdir: Path) -> str:
    """A throwaway dashboard-like notebook (path relative to ``workdir``)."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in HARNESS_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = workdir / "harness" / "harness_dashboard.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    return path.relative_to(workdir).as_posix()
