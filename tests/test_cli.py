"""The command line: run, compare and validate behave as the README says."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from planning.frontends.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLAN = str(ROOT / "scenarios" / "district_plan.yaml")


def test_run_writes_summary_and_manifest(tmp_path, capsys):
    assert main(["run", PLAN, "--out", str(tmp_path), "--draws", "50", "--seed", "4", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Poverty rate (mean)" in out and "2030" in out and "the chance of getting below 1% in 2030 is" in out
    assert not re.search(r"\d,\d%", out)  # one number style: English
    assert out.splitlines()[0].endswith("(50 simulations, seed 4, commune model)")
    s = pd.read_csv(tmp_path / "summary.csv")
    for col in ("unit", "year", "poverty_rate_mean", "poverty_rate_p05", "poverty_rate_p95"):
        assert col in s.columns
    assert "district" in set(s["unit"])
    assert s["poverty_rate_mean"].between(0, 1).all()
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["seed"] == 4 and m["draws"] == 50 and m["package"] == "planning" and m["version"]
    paths = [i["path"] for i in m["inputs"]]
    assert "scenarios/district_plan.yaml" in paths and "data/programmes.yaml" in paths
    assert all(not p.startswith("/") for p in paths)
    assert all(len(i["sha256"]) == 64 for i in m["inputs"])
    assert (tmp_path / "outcomes.json").exists() and (tmp_path / "allocation.csv").exists()


def test_cli_arguments_override_the_scenario(tmp_path):
    main(["run", PLAN, "--out", str(tmp_path / "a"), "--draws", "20", "--seed", "1"])
    main(["run", PLAN, "--out", str(tmp_path / "b"), "--draws", "20", "--seed", "2"])
    a = pd.read_csv(tmp_path / "a" / "summary.csv")
    b = pd.read_csv(tmp_path / "b" / "summary.csv")
    assert not a["poverty_rate_mean"].equals(b["poverty_rate_mean"])


def test_compare_prints_one_table_and_writes_comparison(tmp_path, capsys):
    files = [str(ROOT / "scenarios" / f) for f in ("district_plan.yaml", "no_new_programmes.yaml")]
    assert main(["compare", *files, "--out", str(tmp_path), "--draws", "30"]) == 0
    out = capsys.readouterr().out
    # the planner reads titles, whole, in the console's language; ids are file names
    rows = [line for line in out.splitlines() if "%–" in line]  # a row has its 90% band
    assert len(rows) == 2
    assert rows[0].rstrip().endswith("Kế hoạch giảm nghèo của huyện (minh hoạ)")  # lower 2030 rate first
    assert rows[1].rstrip().endswith("Không có chương trình mới")
    assert "no_new_programmes" not in out
    assert main(["compare", *files, "--out", str(tmp_path / "en"), "--draws", "30", "--lang", "en"]) == 0
    assert "District poverty-reduction plan (illustrative)" in capsys.readouterr().out
    c = pd.read_csv(tmp_path / "comparison.csv")
    assert set(c["scenario"]) == {"district_plan", "no_new_programmes"}
    assert (tmp_path / "district_plan" / "summary.csv").exists()


def test_validate_accepts_shipped_files(capsys):
    files = [str(p) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    files += [str(ROOT / "data" / f) for f in ("programmes.yaml", "model_parameters.yaml", "baseline.csv")]
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count("✓") == len(files)


def test_validate_rejects_broken_files_naming_file_and_field(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {PLAN}\nname: bad\nbudget:\n  2027: {{credit: -3}}\n", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    assert main(["validate", str(bad), str(broken), PLAN]) == 2
    out = capsys.readouterr().out
    assert "bad.yaml" in out and "budget.2027.credit" in out
    assert "broken.yaml" in out and "YAML" in out
    assert "✓" in out  # the good file is still reported valid


def test_run_with_bad_input_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {PLAN}\nname: bad\nallocation: {{rule: shares, shares: {{ca_nang: 0.4}}}}\n",
                   encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "planning", "run", str(bad), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "allocation" in proc.stderr and "add up to 1" in proc.stderr


@pytest.mark.parametrize("argv", [["run"], ["validate"], ["nonsense"]])
def test_usage_errors_exit_nonzero(argv):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2


def test_validate_checks_allocation_tables(tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text("unit,component,year,amount\nca_nang,credit,2026,100\nnam_et,housing,2030,40\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,component,year,amount\nca_nang,credit,2031,100\n", encoding="utf-8")
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(bad)]) == 2
    out = capsys.readouterr().out
    assert "bad.csv" in out and "row 2" in out and "year" in out and "2031" in out


def test_run_speaks_the_planner_s_language_from_the_first_line(tmp_path, capsys):
    """The Vietnamese run says its header in Vietnamese, without ids or English words."""
    assert main(["run", PLAN, "--out", str(tmp_path), "--draws", "1000", "--seed", "4"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith("(1.000 lần mô phỏng, số khởi tạo ngẫu nhiên 4, mô hình theo xã)")
    assert not re.search(r"district_plan|draws|seed|engine", first)


def test_a_reader_that_leaves_early_is_no_error(tmp_path):
    """``planning run … | head -1``: the run is written, the command ends quietly with 0."""
    proc = subprocess.Popen([sys.executable, "-m", "planning", "run", PLAN, "--out", str(tmp_path / "r"),
                             "--draws", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # like head: stop reading after the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "error" not in err.lower() and (tmp_path / "r" / "summary.csv").exists()


def test_a_broken_pipe_elsewhere_is_still_an_internal_error(tmp_path, monkeypatch, capsys):
    """Only our own output's reader leaving ends quietly: a broken pipe inside the work (here
    the run itself) is reported as the internal error it is, with exit code 3."""
    from planning.models import runner

    def broken(*_a, **_k):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(runner, "run", broken)
    assert main(["run", PLAN, "--out", str(tmp_path / "r"), "--draws", "20"]) == 3
    assert "Lỗi nội bộ / internal error: BrokenPipeError" in capsys.readouterr().err
