"""Outputs that never destroy and never lie (planning.basics.outputs, issue 11 item 3).

A result folder is whole or absent; a non-empty folder that is not an earlier result of the
same command is refused unless ``--overwrite``, and then only the command's own files are
replaced; files a person put there always stay; ``planning verify`` checks a folder against the
hashes in its manifest. The kill tests are in test_kill.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_batch import REPORT_CELL, _notebook, _scenario

from planning.basics.hashing import file_sha256
from planning.basics.outputs import (
    EXIT_NOT_WHOLE,
    EXIT_UNCHECKABLE,
    EXIT_WHOLE,
    WORK_PREFIX,
    OutputRefused,
    check_new_file,
    verify,
    write_new_file,
    write_result_folder,
)
from planning.frontends import batch_plan
from planning.frontends.batch import run_batch
from planning.frontends.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "district_plan.yaml"


def _text(content: str):
    return lambda p: p.write_text(content, encoding="utf-8")


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its content (the manifest left out)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes().decode("utf-8", "replace")
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def _no_work_left(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.startswith(WORK_PREFIX)]


# ------------------------------------------------------------------------------------------
# Refusals


def test_new_folder_is_written_whole_with_hashes(tmp_path: Path) -> None:
    out = tmp_path / "new" / "res"
    write_result_folder(out, {"a.csv": _text("1\n"), "sub/b.txt": _text("b")}, command="t",
                        manifest={"seed": 3})
    m = json.loads((out / "manifest.json").read_text())
    assert m["command"] == "t" and m["complete"] is True and m["seed"] == 3
    assert set(m["outputs"]) == {"a.csv", "sub/b.txt"} and all(len(h) == 64 for h in m["outputs"].values())
    assert verify(out).whole and _no_work_left(tmp_path)


def test_non_empty_foreign_folder_is_refused_and_untouched(tmp_path: Path) -> None:
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("mine")
    before = _tree(out)
    with pytest.raises(OutputRefused, match="overwrite"):
        write_result_folder(out, {"a.csv": _text("1")}, command="t")
    assert _tree(out) == before and sorted(p.name for p in out.iterdir()) == ["chapter1.docx"]
    # An earlier result of *another* command counts as foreign too.
    write_result_folder(tmp_path / "r", {"a.csv": _text("1")}, command="other")
    with pytest.raises(OutputRefused):
        write_result_folder(tmp_path / "r", {"a.csv": _text("2")}, command="t")
    assert (tmp_path / "r" / "a.csv").read_text() == "1"


def test_a_file_is_never_replaced_by_a_folder(tmp_path: Path) -> None:
    f = tmp_path / "out"
    f.write_text("a file")
    for overwrite in (False, True):
        with pytest.raises(OutputRefused, match="file"):
            write_result_folder(f, {"a.csv": _text("1")}, command="t", overwrite=overwrite)
    assert f.read_text() == "a file"


def test_empty_folder_is_accepted_and_replaced_in_one_step(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    seen = []
    write_result_folder(out, {"a.csv": lambda p: seen.append(sorted(x.name for x in out.iterdir()))
                              or p.write_text("1")}, command="t")
    assert seen == [[]]  # nothing appears in the empty folder until the whole result does
    assert verify(out).whole and _no_work_left(tmp_path)


def test_overwrite_replaces_only_own_files_and_keeps_user_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "notes").mkdir(parents=True)
    (out / "my_notes.txt").write_text("keep me")
    (out / "notes" / "n.txt").write_text("keep me too")
    (out / "a.csv").write_text("the user's a.csv")  # same name as an output: replaced, as asked
    write_result_folder(out, {"a.csv": _text("new"), "b.csv": _text("b")}, command="t", overwrite=True)
    assert _tree(out) == {"a.csv": "new", "b.csv": "b", "my_notes.txt": "keep me", "notes/n.txt": "keep me too"}
    v = verify(out)
    assert v.whole and v.other == ["my_notes.txt", "notes/n.txt"]


def test_folder_where_a_result_file_goes_is_refused_even_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "a.csv").mkdir(parents=True)
    (out / "a.csv" / "inside.txt").write_text("mine")
    with pytest.raises(OutputRefused):
        write_result_folder(out, {"a.csv": _text("1")}, command="t", overwrite=True)
    assert (out / "a.csv" / "inside.txt").read_text() == "mine" and _no_work_left(out)


# ------------------------------------------------------------------------------------------
# Re-running into an earlier result of the same command


def test_rerun_replaces_own_files_removes_only_unchanged_stale_ones(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_result_folder(out, {"a.csv": _text("a1"), "stale.csv": _text("s"), "edited.csv": _text("e"),
                              "sub/old.csv": _text("o")}, command="t")
    (out / "edited.csv").write_text("a person changed this")
    (out / "my_notes.txt").write_text("mine")
    write_result_folder(out, {"a.csv": _text("a2")}, command="t")  # no --overwrite needed
    # stale.csv and sub/old.csv were ours and unchanged: gone (the emptied sub/ too);
    # edited.csv was changed by a person and my_notes.txt never ours: both stay.
    assert _tree(out) == {"a.csv": "a2", "edited.csv": "a person changed this", "my_notes.txt": "mine"}
    assert not (out / "sub").exists()
    v = verify(out)
    assert v.whole and v.other == ["edited.csv", "my_notes.txt"]


def test_incomplete_earlier_result_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_result_folder(out, {"a.csv": _text("a1"), "b.csv": _text("b1")}, command="t")
    m = json.loads((out / "manifest.json").read_text())
    m["complete"] = False  # as a kill between two file moves leaves it
    (out / "manifest.json").write_text(json.dumps(m))
    assert verify(out).exit_code == EXIT_NOT_WHOLE
    write_result_folder(out, {"a.csv": _text("a2")}, command="t")
    assert _tree(out) == {"a.csv": "a2"} and verify(out).whole


def test_stopped_between_two_moves_the_folder_says_incomplete(tmp_path: Path, monkeypatch) -> None:
    """The observed defect: killed while writing, new summary.csv beside the old outcomes.json
    and a manifest that looked complete. Now the manifest says incomplete until the end."""
    import planning.basics.outputs as outputs

    out = tmp_path / "out"
    write_result_folder(out, {"summary.csv": _text("old"), "outcomes.json": _text("old")}, command="t")
    real, moves = os.replace, []

    def replace_then_die(src, dst):
        if Path(dst).name != "manifest.json":
            moves.append(dst)
            if len(moves) == 2:
                raise KeyboardInterrupt  # as a kill between the first and second file
        real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", replace_then_die)
    with pytest.raises(KeyboardInterrupt):
        write_result_folder(out, {"summary.csv": _text("new"), "outcomes.json": _text("new")}, command="t")
    monkeypatch.undo()
    assert {(out / n).read_text() for n in ("summary.csv", "outcomes.json")} == {"new", "old"}  # mixed
    v = verify(out)
    assert not v.complete and v.exit_code == EXIT_NOT_WHOLE and "not complete" in v.text()
    write_result_folder(out, {"summary.csv": _text("new"), "outcomes.json": _text("new")}, command="t")
    assert verify(out).whole and _no_work_left(out)


def test_a_failing_writer_leaves_nothing(tmp_path: Path) -> None:
    def boom(p: Path) -> None:
        raise RuntimeError("stopped")

    for target in (tmp_path / "absent", tmp_path / "empty"):
        if target.name == "empty":
            target.mkdir()
        with pytest.raises(RuntimeError):
            write_result_folder(target, {"summary.csv": _text("1"), "outcomes.json": boom}, command="t")
        assert not target.exists() or not any(target.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


# ------------------------------------------------------------------------------------------
# planning verify


def test_verify_detects_changed_missing_and_lists_extra(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    write_result_folder(out, {"a.csv": _text("a"), "b.csv": _text("b"), "c.csv": _text("c")}, command="t")
    assert main(["verify", str(out)]) == EXIT_WHOLE
    assert "whole" in capsys.readouterr().out
    (out / "extra.txt").write_text("x")
    v = verify(out)
    assert v.whole and v.other == ["extra.txt"]  # an extra file is listed, not judged
    (out / "a.csv").write_text("edited")
    (out / "b.csv").unlink()
    v = verify(out)
    assert not v.whole and v.changed == ["a.csv"] and v.missing == ["b.csv"] and v.good == ["c.csv"]
    assert main(["verify", str(out)]) == EXIT_NOT_WHOLE
    text = capsys.readouterr().out
    assert "NOT whole" in text and "a.csv" in text and "b.csv" in text and "extra.txt" in text


def test_verify_cannot_check_a_folder_without_manifest(tmp_path: Path, capsys) -> None:
    (tmp_path / "plain").mkdir()
    assert main(["verify", str(tmp_path / "plain")]) == EXIT_UNCHECKABLE
    assert main(["verify", str(tmp_path / "absent")]) == EXIT_UNCHECKABLE
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text(json.dumps({"seed": 1}))  # an older version's
    assert verify(tmp_path / "old").exit_code == EXIT_UNCHECKABLE
    assert "cannot be checked" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------
# Single files (template, monitor template)


def test_single_file_is_replaced_only_with_overwrite(tmp_path: Path) -> None:
    f = tmp_path / "plan.xlsx"
    write_new_file(f, _text("v1"))
    with pytest.raises(OutputRefused, match="overwrite"):
        write_new_file(f, _text("v2"))
    assert f.read_text() == "v1"
    write_new_file(f, _text("v2"), overwrite=True)
    assert f.read_text() == "v2" and _no_work_left(tmp_path)
    with pytest.raises(OutputRefused):
        check_new_file(tmp_path, overwrite=True)  # a folder is never replaced by a file


# ------------------------------------------------------------------------------------------
# planning run (the observed defects)


@pytest.fixture(scope="module")
def small_run():
    import planning

    return planning.run(PLAN, draws=20, seed=1)


def test_run_into_a_folder_of_other_things_is_refused(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "my_notes.txt").write_text("mine")
    assert main(["run", str(PLAN), "--out", str(out), "--draws", "5"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["my_notes.txt"]


def test_run_write_rerun_and_overwrite_keep_user_files(tmp_path: Path, small_run) -> None:
    out = tmp_path / "out"
    small_run.write(out)
    ours = sorted(p.name for p in out.iterdir())
    assert ours == ["allocation.csv", "manifest.json", "outcomes.json", "summary.csv", "unit_outcomes.csv"]
    # An earlier version's stale output, recorded in the manifest as ours: removed on re-run.
    (out / "old_table.csv").write_text("stale")
    m = json.loads((out / "manifest.json").read_text())
    m["outputs"]["old_table.csv"] = file_sha256(out / "old_table.csv")
    (out / "manifest.json").write_text(json.dumps(m))
    (out / "my_notes.txt").write_text("mine")
    small_run.write(out)
    assert sorted(p.name for p in out.iterdir()) == sorted([*ours, "my_notes.txt"])
    assert verify(out).whole

    other = tmp_path / "other"
    other.mkdir()
    (other / "my_notes.txt").write_text("mine")
    with pytest.raises(OutputRefused):
        small_run.write(other)
    small_run.write(other, overwrite=True)
    assert (other / "my_notes.txt").read_text() == "mine" and verify(other).whole


# ------------------------------------------------------------------------------------------
# planning batch (the observed defects)


@pytest.fixture
def report_nb(tmp_path: Path) -> Path:
    return _notebook(tmp_path / "report.ipynb",
                     'scenario_path = ""\ndraws = None\nseed = None\nlang = "vi"\nout_dir = "."', REPORT_CELL)


@pytest.fixture(autouse=True)
def _pinned_code_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_plan, "_code_digest", lambda: "0" * 64)


def test_batch_never_touches_tmp_old_or_user_files(tmp_path: Path, report_nb: Path) -> None:
    scen = tmp_path / "scen"
    thesis = _scenario(scen, "thesis", rate=0.1)
    base = _scenario(scen, "base", rate=0.2)
    out = tmp_path / "out"
    (out / ".tmp-mine").mkdir(parents=True)
    (out / ".tmp-mine" / "draft.txt").write_text("draft")
    (out / ".tmp-file.txt").write_text("tmp file")
    (out / ".old-thesis-42").mkdir()
    (out / ".old-thesis-42" / "summary.csv").write_text("my old thesis")
    (out / "base").mkdir()
    (out / "base" / "my_notes.txt").write_text("notes")
    before = _tree(out)

    # Not an earlier batch: refused, nothing touched.
    with pytest.raises(OutputRefused, match="overwrite"):
        run_batch([thesis, base], out, notebook=report_nb, comparison_notebook=None, progress=False)
    assert _tree(out) == before and sorted(p.name for p in out.iterdir()) == [
        ".old-thesis-42", ".tmp-file.txt", ".tmp-mine", "base"]

    report = run_batch([thesis, base], out, notebook=report_nb, comparison_notebook=None, progress=False,
                       overwrite=True)
    assert report.exit_code == 0
    after = _tree(out)
    assert {k: after[k] for k in before} == before  # every user file, unchanged
    assert (out / ".old-thesis-42").is_dir() and (out / "thesis" / "summary.csv").exists()
    assert verify(out).whole and verify(out / "thesis").whole and verify(out / "base").whole
    assert "my_notes.txt" in verify(out / "base").other

    # Run again (now an earlier batch: no --overwrite needed), forced: still nothing of the user's lost.
    again = run_batch([thesis, base], out, notebook=report_nb, comparison_notebook=None, progress=False,
                      force=True)
    assert again.exit_code == 0
    after = _tree(out)
    assert {k: after[k] for k in before} == before and verify(out).whole
    assert _no_work_left(out)


def test_batch_refuses_a_foreign_scenario_folder_in_an_earlier_batch(tmp_path: Path, report_nb: Path) -> None:
    scen = tmp_path / "scen"
    a = _scenario(scen, "a", rate=0.1)
    out = tmp_path / "out"
    run_batch([a], out, notebook=report_nb, comparison_notebook=None, progress=False)
    b = _scenario(scen, "b", rate=0.2)
    (out / "b").mkdir()
    (out / "b" / "mine.txt").write_text("mine")
    with pytest.raises(OutputRefused):
        run_batch([a, b], out, notebook=report_nb, comparison_notebook=None, progress=False)
    assert sorted(p.name for p in (out / "b").iterdir()) == ["mine.txt"]


def test_console_paths_are_usable_where_the_planner_stands(tmp_path, monkeypatch, capsys) -> None:
    """The "written" line names the folder as the planner can type it: relative to the current
    folder inside it, absolute outside it (never ../../tmp/… relative to the project)."""
    from planning.basics.paths import shown_path
    from planning.frontends.cli import main

    outside = tmp_path / "elsewhere" / "book.xlsx"
    assert main(["monitor", "template", "--out", str(outside), "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"written: {outside.resolve().as_posix()}")
    monkeypatch.chdir(tmp_path)
    assert shown_path(outside) == "elsewhere/book.xlsx"
    assert shown_path(tmp_path.parent / "x.csv") == (tmp_path.parent / "x.csv").resolve().as_posix()
