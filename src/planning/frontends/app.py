"""``planning app``: the dashboard as a web page for people who do not code.

One command starts Voilà on ``notebooks/dashboard.ipynb``: Voilà runs the notebook and shows
only its result — the introduction, the sliders, the chart, the commune map and table — never
the code. The server listens on 127.0.0.1 only (this computer) and asks for a random token (a
page opened without it is refused); the address printed (and opened in the browser) carries
it. Stop it with Ctrl+C, or SIGTERM or SIGHUP (a service manager, a closed terminal): each
stops the Voilà server too.

``--lang en`` opens the page in English (the page's own language switch still works);
``--scenario`` starts from another scenario file than the district plan. Both reach the
notebook through environment variables read by :func:`app_settings`, so the notebook runs the
same in JupyterLab, under papermill and under Voilà.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path

from planning.basics.i18n import Lang
from planning.basics.paths import PROJECT_ROOT

__all__ = ["APP_NOTEBOOK", "add_app_arguments", "app_command", "app_settings", "cli_main"]

APP_NOTEBOOK: Path = PROJECT_ROOT / "notebooks" / "dashboard.ipynb"
_ENV_LANG, _ENV_SCENARIO = "PLANNING_APP_LANG", "PLANNING_APP_SCENARIO"


def app_settings(scenario_path: str, lang: Lang) -> tuple[str, Lang]:
    """(scenario, language) for the dashboard notebook: ``planning app``'s choices when it
    started the page, else the notebook's own parameters."""
    env_lang = os.environ.get(_ENV_LANG)
    chosen: Lang = env_lang if env_lang in ("vi", "en") else lang  # type: ignore[assignment]
    return os.environ.get(_ENV_SCENARIO) or scenario_path, chosen


def app_command(port: int, token: str, notebook: Path = APP_NOTEBOOK) -> list[str]:
    """The Voilà command line: local address only, with a token, code hidden, no tracebacks
    shown to the page's reader."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", f"--token={token}", "--strip_sources=True", "--show_tracebacks=False",
            "--theme=light"]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    return False


def add_app_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The ``planning app`` arguments (cli.py's sub-command)."""
    parser.add_argument("--port", type=int, default=8866, help="cổng / port (default 8866)")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi", help="ngôn ngữ / language (default vi)")
    parser.add_argument("--scenario", default=None, help="kịch bản ban đầu / starting scenario (default: the district plan)")
    parser.add_argument("--token", default=None, help="mã truy cập / access token (default: a random one)")
    parser.add_argument("--no-browser", action="store_true", help="không tự mở trình duyệt / do not open a browser")
    return parser


def cli_main(args: argparse.Namespace) -> int:
    """Start the app and wait until Ctrl+C; 0 when stopped, 1 if it could not start, 2 bad input."""
    import importlib.util

    port, lang = int(args.port), args.lang
    if importlib.util.find_spec("voila") is None:
        print("Cần cài Voilà: pip install voila / Voilà is needed: pip install voila", file=sys.stderr)
        return 1
    if not _port_free(port):
        print(f"Cổng {port} đang được dùng; chọn cổng khác, ví dụ --port {port + 1} / port {port} is in use; "
              f"choose another, e.g. --port {port + 1}", file=sys.stderr)
        return 2
    env = dict(os.environ, **{_ENV_LANG: lang})
    if args.scenario:
        scenario = Path(args.scenario).resolve()
        if not scenario.is_file():
            print(f"Không tìm thấy kịch bản / scenario not found: {args.scenario}", file=sys.stderr)
            return 2
        env[_ENV_SCENARIO] = str(scenario)
    token = args.token or secrets.token_urlsafe(16)
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(app_command(port, token), cwd=APP_NOTEBOOK.parent, env=env)
    previous = _stop_on_signals()
    try:
        if not _wait_ready(f"{base}/voila/static/favicon.ico", proc):
            print("Không khởi động được ứng dụng / the app did not start", file=sys.stderr)
            return 1
        url = f"{base}/?token={token}"
        print(f"Ứng dụng đang chạy; mở địa chỉ này trong trình duyệt / the app is running; open in a browser:\n"
              f"  {url}\nNhấn Ctrl+C để dừng / press Ctrl+C to stop.", flush=True)
        if not args.no_browser:
            webbrowser.open(url)
        proc.wait()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # Voilà then shuts its kernels down
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _stop_on_signals() -> dict[int, object]:
    """SIGTERM (a service manager, ``kill``) and SIGHUP (a closed terminal) stop the app as
    Ctrl+C does, so the Voilà server is stopped too instead of being left running; returns the
    handlers to put back."""

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous: dict[int, object] = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        with contextlib.suppress(ValueError):  # not the main thread: no handler can be set there
            previous[sig] = signal.signal(sig, stop)
    return previous
