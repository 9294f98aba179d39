"""``planning app`` stops its Voilà server on SIGTERM and SIGHUP as on Ctrl+C: nothing it started
is left running (issue 20, a suite and an app that respect their users)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("voila")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (from /proc)."""
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            if k not in out:
                out.add(k)
                todo.append(k)
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the server")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_stops_the_app_and_its_server(sig, tmp_path):
    port = _free_port()
    log = tmp_path / "app.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "planning", "app", f"--port={port}", "--no-browser",
                                 "--token=abc"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while b"?token=abc" not in log.read_bytes():
            assert proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.3)
        server = _children(proc.pid)
        assert server, "the app runs its Voilà server as a child process"
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 0
        time.sleep(0.5)
        assert not [p for p in server if _alive(p)], "a process the app started is still running"
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))  # the port is free again: no server listens
    finally:  # whatever happened, the test itself leaves nothing behind
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in server:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
