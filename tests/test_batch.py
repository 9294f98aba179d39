"""Tests of planning.frontends.batch and planning.basics.hashing.

They run small throwaway notebooks written into tmp_path (a parameters cell and a cell that
writes summary.csv / manifest.json / outcomes.json), so they test the batch machinery
(parallel papermill runs, failure isolation, skip/redo, atomic installs, comparison files,
dask) without depending on the model or on the real report notebooks.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import load_workbook

from planning.basics.errors import PlanningInputError
from planning.basics.hashing import file_sha256, inputs_digest, json_digest
from planning.basics.outputs import verify
from planning.frontends import batch, batch_plan
from planning.frontends.batch import (
    SHEET_NAMES,
    BatchReport,
    ScenarioRun,
    cli_main,
    run_batch,
    write_comparison_tables,
)

# ------------------------------------------------------------------------------------------
# Throwaway notebooks and scenarios

REPORT_CELL = '''
import json, os, pathlib, time
import yaml

spec = yaml.safe_load(pathlib.Path(scenario_path).read_text(encoding="utf-8"))
out = pathlib.Path(out_dir)
started = time.time()
rate = float(spec.get("rate", 0.1))
(out / "summary.csv").write_text(
    "unit,level,name,year,poverty_rate_mean,spending\\n"
    f"district,district,Quỳnh Nhai,2030,{rate},{spec.get('budget', 100)}\\n",
    encoding="utf-8",
)
hold = spec.get("hold_file")
if hold:  # the interruption test kills the batch while this waits
    deadline = time.time() + 30
    while pathlib.Path(hold).exists() and time.time() < deadline:
        time.sleep(0.05)
time.sleep(float(spec.get("sleep", 0)))
if spec.get("fail"):
    raise ValueError("kịch bản yêu cầu lỗi / scenario asks to fail")
(out / "manifest.json").write_text(json.dumps({"seed": seed, "draws": draws}), encoding="utf-8")
(out / "outcomes.json").write_text(json.dumps({
    "scenario": pathlib.Path(scenario_path).stem,
    "title_vi": "Tiêu đề " + pathlib.Path(scenario_path).stem,
    "title_en": "Title",
    "description": {"vi": "mô tả", "en": "description"},
    "prob_below_target": rate,
    "poverty_rate_end_mean": rate,
    "total_spending": float(spec.get("budget", 100)),
    "started": started,
    "ended": time.time(),
    "cwd": os.getcwd(),
}), encoding="utf-8")
print("rate", rate, "lang", lang)
'''

COMPARISON_CELL = '''
import pandas as pd, pathlib
df = pd.read_csv(pathlib.Path(batch_dir) / "comparison.csv")
print(lang, len(df), sorted(df["scenario"]))
'''


def _notebook(path: Path, params: str, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def report_nb(tmp_path: Path) -> Path:
    return _notebook(
        tmp_path / "report.ipynb",
        'scenario_path = ""\ndraws = None\nseed = None\nlang = "vi"\nout_dir = "."',
        REPORT_CELL,
    )


@pytest.fixture
def comparison_nb(tmp_path: Path) -> Path:
    return _notebook(tmp_path / "comparison_nb.ipynb", 'batch_dir = "."\nlang = "vi"',
                     COMPARISON_CELL)


def _scenario(folder: Path, name: str, **spec: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in spec.items()) or "{}\n",
                    encoding="utf-8")
    return path


_REAL_CODE_DIGEST = batch._code_digest  # before the autouse fixture below patches it


def _status(report: BatchReport) -> dict[str, str]:
    return {r.name: r.status for r in report.runs}


@pytest.fixture(autouse=True)
def _pinned_code_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the package-source digest: an edit to any src/planning file between two runs of a
    test (a developer saving a file) would otherwise, rightly, make the batch re-run."""
    monkeypatch.setattr(batch_plan, "_code_digest", lambda: "0" * 64)


def test_code_digest_covers_the_package_source() -> None:
    assert len(_REAL_CODE_DIGEST()) == 64 and _REAL_CODE_DIGEST() != "0" * 64


# ------------------------------------------------------------------------------------------
# hashing


def test_file_sha256_and_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(b"abc")
    assert file_sha256(f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    with pytest.raises(FileNotFoundError, match="Không tìm thấy.*not found"):
        file_sha256(tmp_path / "missing.txt")


def test_inputs_digest_is_content_based_and_order_free(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("x: 1\n")
    b.write_text("y: 2\n")
    d = inputs_digest([a, b])
    assert d == inputs_digest([b, a]) == inputs_digest([b, a, a])
    # Same names and bytes elsewhere (another checkout): same digest.
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.yaml").write_text("x: 1\n")
    (other / "b.yaml").write_text("y: 2\n")
    assert inputs_digest([other / "a.yaml", other / "b.yaml"]) == d
    # Contents swapped between the two names: a different input set.
    a.write_text("y: 2\n")
    b.write_text("x: 1\n")
    assert inputs_digest([a, b]) != d
    # Extra values count, key order does not.
    assert inputs_digest([a], extra={"draws": 10, "lang": "vi"}) == inputs_digest(
        [a], extra={"lang": "vi", "draws": 10})
    assert inputs_digest([a], extra={"draws": 10}) != inputs_digest([a], extra={"draws": 11})
    assert json_digest({"p": Path("x")}) == json_digest({"p": "x"})


def test_job_digest_tracks_parameters_notebook_and_dependencies(
    tmp_path: Path, report_nb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scen = _scenario(tmp_path / "s", "a", rate=0.1)
    dep = tmp_path / "s" / "dep.csv"
    dep.write_text("1\n")
    monkeypatch.setattr(batch_plan, "_scenario_dependencies", lambda p: [p, dep])
    params = {"draws": None, "seed": None, "lang": "vi"}

    def digest(**kw: object) -> str:
        job = batch._prepare_job(scen, report_nb, tmp_path / "out", {**params, **kw}, "0.1.0", "c")
        return job["digest"]

    base = digest()
    assert digest() == base
    assert digest(lang="en") != base
    assert digest(draws=50) != base
    dep.write_text("2\n")
    assert digest() != base
    dep.write_text("1\n")
    assert digest() == base
    report_nb.write_text(report_nb.read_text().replace("rate =", "rate  ="))
    assert digest() != base


# ------------------------------------------------------------------------------------------
# Running batches


def test_parallel_batch_writes_reports_and_comparison(
    tmp_path: Path, report_nb: Path, comparison_nb: Path
) -> None:
    scen = [_scenario(tmp_path / "s", n, rate=r, sleep=0.6) for n, r in
            (("base", 0.2), ("high", 0.05), ("low", 0.3))]
    out = tmp_path / "out"
    cwd = os.getcwd()
    report = run_batch(scen, out, notebook=report_nb, workers=2, comparison_notebook=comparison_nb,
                       draws=7, lang="vi", progress=False)
    assert report.ok and report.exit_code == 0, report.text()
    # Every kernel ran in the notebook's folder; the batch's own folder did not move (papermill's
    # cwd= would chdir the whole process from two threads at once).
    assert os.getcwd() == cwd
    assert {json.loads((out / n / "outcomes.json").read_text())["cwd"]
            for n in ("base", "high", "low")} == {str(report_nb.parent)}
    assert _status(report) == {"base": "ok", "high": "ok", "low": "ok"}

    # Two workers: at least two notebooks were executing at the same time.
    spans = sorted((json.loads((out / n / "outcomes.json").read_text())["started"],
                    json.loads((out / n / "outcomes.json").read_text())["ended"])
                   for n in ("base", "high", "low"))
    assert any(s2 < e1 for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False))

    for name in ("base", "high", "low"):
        folder = out / name
        assert {p.name for p in folder.iterdir()} == {
            "report.ipynb", "report.html", "summary.csv", "manifest.json", "outcomes.json"}
        nb = nbformat.read(folder / "report.ipynb", as_version=4)
        assert "papermill" not in nb.metadata
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and injected[0].id == "injected-parameters"
        # The parameters cell shows the final folder, never the temp one.
        assert ".planning-tmp-" not in injected[0].source and str(folder) in injected[0].source
        assert "draws = 7" in injected[0].source
        assert all("papermill" not in c.metadata and "execution" not in c.metadata
                   for c in nb.cells)
        assert "rate" in (folder / "report.html").read_text(encoding="utf-8")
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["draws"] == 7  # written by the notebook, kept
        b = manifest["batch"]
        assert b["status"] == "ok" and len(b["inputs_digest"]) == 64
        assert b["parameters"]["draws"] == 7 and b["parameters"]["lang"] == "vi"
        assert not os.path.isabs(b["parameters"]["scenario_path"])
        assert b["parameters"]["scenario_path"].endswith(f"{name}.yaml")
        assert {Path(i["path"]).name for i in b["inputs"]} >= {f"{name}.yaml", "report.ipynb"}

    cmp = pd.read_csv(out / "comparison.csv")
    assert list(cmp["scenario"]) == ["base", "high", "low"]
    assert list(cmp.columns[:4]) == ["scenario", "title_vi", "title_en", "description"]
    assert cmp.loc[0, "title_vi"] == "Tiêu đề base"
    assert cmp.loc[0, "description"] == "mô tả"  # bilingual text: the batch's language
    wb = load_workbook(out / "comparison.xlsx")
    assert wb.sheetnames == [SHEET_NAMES["comparison"]["vi"], SHEET_NAMES["runs"]["vi"]]
    sheet = wb[SHEET_NAMES["comparison"]["vi"]]
    headers = [c.value for c in sheet[1]]
    # planners' sheet: the title in the batch's language, program columns left in the CSV
    assert headers[:3] == ["Kịch bản", "description", "Khả năng dưới 1% năm 2030"]
    assert sheet["A2"].value == "Tiêu đề base"
    assert isinstance(sheet["C2"].value, float) and sheet["C2"].number_format == "[$-42A]0%"
    assert (out / "comparison.html").exists()
    cnb = nbformat.read(out / "comparison.ipynb", as_version=4)
    assert "vi 3 ['base', 'high', 'low']" in cnb.cells[-1].outputs[0]["text"]
    assert json.loads((out / "batch.json").read_text())["ok"] is True
    assert not [p for p in out.iterdir() if p.name.startswith(".planning-tmp-")]


def test_failing_scenario_is_reported_and_does_not_stop_others(
    tmp_path: Path, report_nb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scen = [_scenario(tmp_path / "s", "good1", rate=0.1),
            _scenario(tmp_path / "s", "broken", fail=True),
            _scenario(tmp_path / "s", "good2", rate=0.2)]
    out = tmp_path / "out"
    args = argparse.Namespace(scenarios=[str(s) for s in scen], out=str(out), workers=2,
                              notebook=str(report_nb), executor="thread", scheduler=None,
                              draws=None, lang="en", force=False)
    assert cli_main(args) == 1
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "failed at cell" in err and "thất bại" in err
    assert "ValueError" in err and 'raise ValueError("kịch bản yêu cầu lỗi' in err

    assert {p.name for p in (out / "good1").iterdir()} >= {"report.html", "summary.csv"}
    assert (out / "good2" / "summary.csv").exists()
    broken = out / "broken"
    assert "scenario asks to fail" in (broken / "error.txt").read_text(encoding="utf-8")
    assert json.loads((broken / "manifest.json").read_text())["batch"]["status"] == "failed"
    nb = nbformat.read(broken / "report.ipynb", as_version=4)
    assert "papermill-error-cell-tag" in nb.cells[0].metadata.get("tags", [])

    cmp = pd.read_csv(out / "comparison.csv")
    assert list(cmp["scenario"]) == ["good1", "good2"]
    wb = load_workbook(out / "comparison.xlsx")
    assert wb.sheetnames == ["Scenario comparison", "Run status"]
    assert [c.value for c in wb["Scenario comparison"][1]][:3] == [
        "Scenario", "description", "Chance of below 1% in 2030"]
    status = {r[0]: r[2] for r in wb["Run status"].iter_rows(min_row=2, values_only=True)}
    assert status == {"good1": "ran", "broken": "failed", "good2": "ran"}

    # A failed scenario is never skipped; the good ones are. Fixing it makes the batch pass.
    scen[1].write_text("rate: 0.15\n")
    report = run_batch(scen, out, notebook=report_nb, comparison_notebook=None, lang="en",
                       progress=False)
    assert _status(report) == {"good1": "skipped", "broken": "ok", "good2": "skipped"}
    assert report.exit_code == 0
    assert not (out / "broken" / "error.txt").exists()
    assert list(pd.read_csv(out / "comparison.csv")["scenario"]) == ["good1", "broken", "good2"]


def test_unchanged_scenarios_are_skipped_changed_ones_rerun(
    tmp_path: Path, report_nb: Path
) -> None:
    a = _scenario(tmp_path / "s", "a", rate=0.1)
    b = _scenario(tmp_path / "s", "b", rate=0.2)
    out = tmp_path / "out"
    # The first run also covers the spawned process pool (its own test would cost 2 more
    # interpreter start-ups).
    first = run_batch([a, b], out, notebook=report_nb, comparison_notebook=None,
                      executor="process", progress=False)
    assert _status(first) == {"a": "ok", "b": "ok"}
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}

    again = run_batch([a, b], out, notebook=report_nb, comparison_notebook=None, progress=False)
    assert _status(again) == {"a": "skipped", "b": "skipped"} and again.exit_code == 0
    # Nothing was rewritten, the comparison included (only the batch record and the batch
    # folder's manifest are).
    record = {out / "batch.json", out / "manifest.json"}
    assert {p: p.stat().st_mtime_ns for p in mtimes if p not in record} == {
        p: t for p, t in mtimes.items() if p not in record}

    b.write_text("rate: 0.25\n")
    third = run_batch([a, b], out, notebook=report_nb, comparison_notebook=None, progress=False)
    assert _status(third) == {"a": "skipped", "b": "ok"}
    assert (out / "a" / "report.ipynb").stat().st_mtime_ns == mtimes[out / "a" / "report.ipynb"]
    assert "0.25" in (out / "b" / "summary.csv").read_text()
    assert list(pd.read_csv(out / "comparison.csv")["poverty_rate_end_mean"]) == [0.1, 0.25]

    # --force re-runs everything (a changed parameter does too: see the digest test above).
    forced = run_batch([a, b], out, notebook=report_nb, comparison_notebook=None, force=True,
                       progress=False)
    assert _status(forced) == {"a": "ok", "b": "ok"}


def test_killed_batch_leaves_no_half_written_output(tmp_path: Path, report_nb: Path) -> None:
    hold = tmp_path / "hold"
    hold.write_text("x")
    scen = _scenario(tmp_path / "s", "slow", rate=0.1, hold_file=str(hold))
    out = tmp_path / "out"
    code = textwrap.dedent(f"""
        from planning.frontends.batch import run_batch
        run_batch([{str(scen)!r}], {str(out)!r}, notebook={str(report_nb)!r},
                  comparison_notebook=None, progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob(".planning-tmp-batch-slow-*/result/summary.csv")):
            assert proc.poll() is None, "the batch ended before it could be interrupted"
            assert time.monotonic() < deadline, "the notebook never started"
            time.sleep(0.05)
        # The notebook has written part of its output, into the temp folder only.
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        hold.unlink()  # lets the orphaned kernel finish; ipykernel exits when its parent is gone
    assert not (out / "slow").exists()
    assert list(out.glob(".planning-tmp-batch-slow-*"))
    # The orphaned kernel finishes its cell into the dead work folder; let it, so that it does
    # not write there while the next batch removes that folder (a race of the test, not a user's).
    deadline = time.monotonic() + 30
    while not list(out.glob(".planning-tmp-batch-slow-*/result/outcomes.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert json.loads((out / "manifest.json").read_text())["complete"] is False  # never looks done

    # The next batch cleans the leftover (and the dead batch's lock) and redoes the scenario.
    scen.write_text("rate: 0.1\n")
    report = run_batch([scen], out, notebook=report_nb, comparison_notebook=None, progress=False)
    assert _status(report) == {"slow": "ok"}
    assert any("interrupted" in n for n in report.notes)
    assert not [p for p in out.iterdir() if p.name.startswith(".planning-tmp-")]
    assert {p.name for p in (out / "slow").iterdir()} == {
        "report.ipynb", "report.html", "summary.csv", "manifest.json", "outcomes.json"}
    assert verify(out).whole and verify(out / "slow").whole


def test_stale_cleanup_removes_only_work_folders_of_dead_commands(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".old-a-123").mkdir(parents=True)  # a person's folders and files, whatever the name
    (out / ".old-a-123" / "summary.csv").write_text("mine\n")
    (out / ".tmp-c-99").mkdir()
    (out / ".tmp-comparison-99.ipynb").write_text("{}")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    for name, pid in ((".planning-tmp-batch-a-1", int(dead)), (".planning-tmp-batch-b-2", os.getpid())):
        (out / name).mkdir()
        (out / name / "owner.json").write_text(json.dumps({"pid": pid, "host": socket.gethostname()}))
    (out / ".planning-tmp-batch-c-3").mkdir()  # no owner record: not provably ours, kept
    notes = batch._clean_stale(out)
    assert sorted(p.name for p in out.iterdir()) == [
        ".old-a-123", ".planning-tmp-batch-b-2", ".planning-tmp-batch-c-3", ".tmp-c-99",
        ".tmp-comparison-99.ipynb"]
    assert (out / ".old-a-123" / "summary.csv").read_text() == "mine\n"
    assert len(notes) == 1


def test_dask_local_cluster(tmp_path: Path, report_nb: Path) -> None:
    pytest.importorskip("distributed")
    scen = [_scenario(tmp_path / "s", "d1", rate=0.1), _scenario(tmp_path / "s", "dbad", fail=True)]
    out = tmp_path / "out"
    # One worker process: each one pays the papermill/nbformat import (seconds), and the
    # pool itself is what is under test here.
    report = run_batch(scen, out, notebook=report_nb, executor="dask", workers=1,
                       comparison_notebook=None, progress=False)
    assert _status(report) == {"d1": "ok", "dbad": "failed"}
    assert report.exit_code == 1 and "dbad.yaml" in (report.failed[0].error or "")
    assert list(pd.read_csv(out / "comparison.csv")["scenario"]) == ["d1"]
    assert json.loads((out / "d1" / "manifest.json").read_text())["batch"]["status"] == "ok"



# ------------------------------------------------------------------------------------------
# Comparison tables, validation, CLI plumbing (no kernels)


@pytest.mark.parametrize(("lang", "headers", "sheets"), [
    ("vi", ["Kịch bản", "Tỷ lệ nghèo cuối kỳ (TB)", "Tổng kinh phí (triệu đồng)", "my_metric"],
     ["So sánh kịch bản", "Trạng thái chạy"]),
    ("en", ["Scenario", "End-year poverty rate (mean)", "Total spending (million VND)",
            "my_metric"], ["Scenario comparison", "Run status"]),
])
def test_comparison_excel_headers(tmp_path: Path, lang: str, headers: list[str],
                                  sheets: list[str]) -> None:
    frame = pd.DataFrame({"scenario": ["a", "b"], "poverty_rate_end_mean": [0.01, 0.02],
                          "total_spending": [1000.0, 2000.0], "my_metric": [1, 2]})
    runs = [ScenarioRun(tmp_path / "a.yaml", "a", "ok", tmp_path / "a", "d"),
            ScenarioRun(tmp_path / "b.yaml", "b", "skipped", tmp_path / "b", "d"),
            ScenarioRun(tmp_path / "c.yaml", "c", "failed", tmp_path / "c", "d", error="boom\nx")]
    files = write_comparison_tables(frame, tmp_path, lang=lang, runs=runs)  # type: ignore[arg-type]
    assert pd.read_csv(files["csv"]).columns.tolist() == list(frame.columns)  # keys, any lang
    wb = load_workbook(files["xlsx"])
    assert wb.sheetnames == sheets
    assert [c.value for c in wb[sheets[0]][1]] == headers
    rows = list(wb[sheets[1]].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["a", "b", "c"] and rows[2][3] == "boom"


def test_sheet_names_are_excel_safe() -> None:
    for names in SHEET_NAMES.values():
        for name in names.values():
            assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_bad_arguments_raise_bilingual_errors(tmp_path: Path, report_nb: Path) -> None:
    a = _scenario(tmp_path / "s1", "same")
    b = _scenario(tmp_path / "s2", "same")
    with pytest.raises(PlanningInputError, match="distinct names.*trùng tên"):
        run_batch([a, b], tmp_path / "out", notebook=report_nb, progress=False)
    with pytest.raises(PlanningInputError, match="không tìm thấy tệp kịch bản"):
        run_batch([tmp_path / "nope.yaml"], tmp_path / "out", notebook=report_nb)
    with pytest.raises(PlanningInputError, match="lang"):
        run_batch([a], tmp_path / "out", notebook=report_nb, lang="fr")  # type: ignore[arg-type]
    with pytest.raises(PlanningInputError, match="executor"):
        run_batch([a], tmp_path / "out", notebook=report_nb, executor="mpi")  # type: ignore[arg-type]
    with pytest.raises(PlanningInputError, match="notebook"):
        run_batch([a], tmp_path / "out", notebook=tmp_path / "missing.ipynb")
    with pytest.raises(PlanningInputError, match="comparison_notebook"):
        run_batch([a], tmp_path / "out", notebook=report_nb,
                  comparison_notebook=tmp_path / "missing.ipynb")
    args = argparse.Namespace(scenarios=[str(tmp_path / "nope.yaml")], out=str(tmp_path / "o"),
                              workers=2, notebook=str(report_nb), executor="thread",
                              scheduler=None, draws=None, lang="vi", force=False)
    assert cli_main(args) == 2


def test_lock_refuses_a_second_live_batch(tmp_path: Path, report_nb: Path) -> None:
    a = _scenario(tmp_path / "s", "a")
    out = tmp_path / "out"
    out.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (out / batch._LOCK_NAME).write_text(json.dumps({"pid": sleeper.pid, "host": socket.gethostname()}))
        with pytest.raises(PlanningInputError, match="lô khác"):
            run_batch([a], out, notebook=report_nb, progress=False)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_add_batch_arguments_matches_cli_main() -> None:
    parser = batch.add_batch_arguments(argparse.ArgumentParser())
    args = parser.parse_args(["a.yaml", "b.yaml", "--out", "o", "--executor", "dask",
                              "--scheduler", "tcp://h:8786", "--draws", "5", "--lang", "en",
                              "--force"])
    assert args.scenarios == ["a.yaml", "b.yaml"] and args.out == "o" and args.workers == 2
    assert (args.executor, args.scheduler, args.draws, args.lang, args.force) == (
        "dask", "tcp://h:8786", 5, "en", True)
