"""Killed runs and batches leave nothing that looks whole but is not (issue 11 item 3).

``planning run --draws 50`` and a batch are started as subprocesses and killed with SIGKILL at
moments drawn with a fixed seed (``$PLANNING_TEST_PAUSE`` slows every file step so that the
kills land among the file moves, not only before them). Then:

* a target that did not exist, or was empty, is absent (or still empty) or whole;
* a target that held an earlier result is whole, or its manifest says it is incomplete
  (``planning verify`` exit 3) — never a complete manifest beside mixed files;
* a person's files in or beside it are untouched;
* the work folders a killed command leaves are removed by the next command (its process is
  gone), and that command leaves a whole result.

The cases run side by side to keep the file under a minute on two cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_batch import REPORT_CELL, _notebook, _scenario

from planning.basics.outputs import EXIT_NOT_WHOLE, WORK_PREFIX, clean_stale_work, verify

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "district_plan.yaml"
SEED = 20260711
SRC = str(ROOT / "src")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


def _env(pause: float) -> dict[str, str]:
    env = dict(os.environ, PLANNING_TEST_PAUSE=str(pause))
    env["PYTHONPATH"] = os.pathsep.join([SRC, *filter(None, [env.get("PYTHONPATH")])])
    return env


def _spawn(argv: list[str], pause: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *argv], env=_env(pause), cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill_later(proc: subprocess.Popen, watch: Path, delay: float, *, from_start: bool = False) -> threading.Thread:
    """SIGKILL ``proc`` (and its process group) ``delay`` seconds after a work folder appears
    in ``watch`` — or after it started, with ``from_start``."""

    def go() -> None:
        deadline = time.monotonic() + 90
        while not from_start and not any(p.name.startswith(WORK_PREFIX) for p in _entries(watch)):
            if proc.poll() is not None or time.monotonic() > deadline:
                return
            time.sleep(0.02)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):  # it had finished: then it must be whole
            os.killpg(proc.pid, signal.SIGKILL)

    t = threading.Thread(target=go)
    t.start()
    return t


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _whole_or_flagged(folder: Path) -> None:
    """Never a complete manifest over a folder that is not whole."""
    v = verify(folder)
    assert v.whole or (v.checkable and not v.complete and v.exit_code == EXIT_NOT_WHOLE), v.text()


def _dead_work_only(folder: Path) -> None:
    """What a killed command may leave in ``folder``: its own work folders; a later command's
    clean-up removes them (their process is gone) and nothing else."""
    before = sorted(p.name for p in _entries(folder))
    work = [n for n in before if n.startswith(WORK_PREFIX) and (folder / n / "owner.json").exists()]
    clean_stale_work(folder)
    assert sorted(p.name for p in _entries(folder)) == sorted(set(before) - set(work))


def test_killed_runs_leave_absent_whole_or_flagged_results(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    earlier = tmp_path / "earlier" / "out"
    done = subprocess.run([sys.executable, "-m", "planning", "run", str(PLAN), "--out", str(earlier),
                           "--draws", "50", "--seed", "1"], env=_env(0), cwd=ROOT, capture_output=True)
    assert done.returncode == 0 and verify(earlier).whole
    (earlier / "my_notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "earlier" / "beside.txt").write_text("mine", encoding="utf-8")

    cases = {  # name: (target, where the work folder appears, kill from start?)
        "absent": (tmp_path / "absent" / "out", tmp_path / "absent", False),
        "empty": (tmp_path / "empty" / "out", tmp_path / "empty", False),
        "earlier": (earlier, earlier, False),
        "early": (tmp_path / "early" / "out", tmp_path / "early", True),
    }
    (tmp_path / "empty" / "out").mkdir(parents=True)
    (tmp_path / "absent").mkdir()
    (tmp_path / "early").mkdir()
    (tmp_path / "absent" / "user.txt").write_text("mine", encoding="utf-8")
    procs, threads = {}, []
    for name, (target, watch, from_start) in cases.items():
        procs[name] = _spawn(["-m", "planning", "run", str(PLAN), "--out", str(target), "--draws", "50",
                              "--seed", "2"], pause=0.1)
        delay = rng.uniform(0.5, 4.0) if from_start else rng.uniform(0.0, 1.2)
        threads.append(_kill_later(procs[name], watch, delay, from_start=from_start))
    for t in threads:
        t.join()
    for p in procs.values():
        p.wait(timeout=60)

    for name in ("absent", "empty", "early"):
        target = cases[name][0]
        if target.exists() and any(target.iterdir()):
            assert verify(target).whole, (name, verify(target).text())  # whole or absent
        assert not [p for p in _entries(target) if p.name.startswith(WORK_PREFIX)]
        _dead_work_only(target.parent)
    assert (tmp_path / "absent" / "user.txt").read_text(encoding="utf-8") == "mine"

    _whole_or_flagged(earlier)
    assert (earlier / "my_notes.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "earlier" / "beside.txt").read_text(encoding="utf-8") == "mine"
    # The next run takes the killed one's place: whole, the person's file still there, the
    # killed run's work folder gone.
    again = subprocess.run([sys.executable, "-m", "planning", "run", str(PLAN), "--out", str(earlier),
                            "--draws", "50", "--seed", "3"], env=_env(0), cwd=ROOT, capture_output=True)
    assert again.returncode == 0, again.stderr.decode()
    assert verify(earlier).whole and verify(earlier).other == ["my_notes.txt"]
    assert json.loads((earlier / "manifest.json").read_text())["seed"] == 3
    assert not [p for p in earlier.iterdir() if p.name.startswith(WORK_PREFIX)]


BATCH = """
import sys
from pathlib import Path
from planning.frontends import batch
batch._code_digest = lambda: "0" * 64
scen, out, nb = sys.argv[1:4]
batch.run_batch(sorted(Path(scen).glob("*.yaml")), Path(out), notebook=Path(nb), comparison_notebook=None,
                progress=False, overwrite=True, workers=2)
"""


def _user_files(out: Path) -> dict[str, str]:
    (out / ".tmp-mine").mkdir(parents=True)
    (out / ".tmp-mine" / "draft.txt").write_text("draft")
    (out / ".old-thesis-42").mkdir()
    (out / ".old-thesis-42" / "summary.csv").write_text("my old thesis")
    (out / "base").mkdir()
    (out / "base" / "my_notes.txt").write_text("notes")
    return {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*") if p.is_file()}


def test_killed_batches_leave_whole_or_absent_scenarios_and_user_files(tmp_path: Path) -> None:
    from planning.frontends import batch
    from planning.frontends.batch import run_batch

    rng = random.Random(SEED + 1)
    nb = _notebook(tmp_path / "report.ipynb",
                   'scenario_path = ""\ndraws = None\nseed = None\nlang = "vi"\nout_dir = "."', REPORT_CELL)
    scen = tmp_path / "scen"
    for name, rate in (("base", 0.2), ("thesis", 0.1)):
        _scenario(scen, name, rate=rate)
    outs = [tmp_path / f"out{k}" for k in range(2)]
    users = [_user_files(out) for out in outs]
    procs, threads = [], []
    for out in outs:
        proc = _spawn(["-c", BATCH, str(scen), str(out), str(nb)], pause=0.05)
        procs.append(proc)
        threads.append(_kill_later(proc, out, rng.uniform(0.0, 4.0)))
    for t in threads:
        t.join()
    for p in procs:
        p.wait(timeout=60)

    for out, user in zip(outs, users, strict=True):
        assert {k: (out / k).read_text() for k in user} == user  # every file of the person's
        for stem in ("thesis", "base"):
            folder = out / stem
            if (folder / "manifest.json").exists():
                _whole_or_flagged(folder)
            else:
                left = sorted(p.name for p in _entries(folder) if not p.name.startswith(WORK_PREFIX))
                assert left in ([], ["my_notes.txt"])
        _whole_or_flagged(out)

    # The next batch into the killed one's folder: whole, the person's files untouched. (A
    # kernel orphaned mid-cell may still be finishing into its dead work folder: let it.)
    time.sleep(1.0)
    batch_digest = batch._code_digest
    batch._code_digest = lambda: "0" * 64
    try:
        report = run_batch(sorted(scen.glob("*.yaml")), outs[0], notebook=nb, comparison_notebook=None,
                           progress=False, overwrite=True)
    finally:
        batch._code_digest = batch_digest
    assert report.exit_code == 0
    assert {k: (outs[0] / k).read_text() for k in users[0]} == users[0]
    assert verify(outs[0]).whole and verify(outs[0] / "thesis").whole and verify(outs[0] / "base").whole
    assert not [p for p in outs[0].rglob(f"{WORK_PREFIX}*")]
