"""The report notebooks run under papermill (API and CLI) with the parameters batch.py passes.

Each test starts a kernel (~2–4 s); draws are tiny, the numbers are checked elsewhere.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import planning
from planning.frontends import batch

papermill = pytest.importorskip("papermill")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
REPORT = NOTEBOOKS / "scenario_report.ipynb"
COMPARISON = NOTEBOOKS / "comparison.ipynb"
PLAN = ROOT / "scenarios" / "district_plan.yaml"
SUMMARY_COLUMNS = list(planning.run(PLAN, draws=2, seed=1, counterfactual=False).summary().columns)


def _execute(notebook: Path, output: Path, parameters: dict) -> None:
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name="python3",
                               progress_bar=False, log_output=False, cwd=str(NOTEBOOKS),
                               shutdown_kernel="immediate")


def _check_outputs(out: Path, draws: int, seed: int) -> None:
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert set(summary["level"]) == {"unit", "new_commune", "district"}
    assert summary["unit"].nunique() == 11 + 4 + 1
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["draws"] == draws and manifest["seed"] == seed
    assert manifest["scenario"] == "district_plan"
    paths = [i["path"] for i in manifest["inputs"]]
    assert "scenarios/district_plan.yaml" in paths and not any(p.startswith("/") for p in paths)
    outcomes = json.loads((out / "outcomes.json").read_text(encoding="utf-8"))
    assert outcomes["draws"] == draws and 0.0 <= outcomes["prob_below_target"] <= 1.0
    # the notebook's numbers are the package's numbers
    again = planning.run(PLAN, draws=draws, seed=seed).summary()
    pd.testing.assert_series_equal(summary["poverty_rate_mean"], again["poverty_rate_mean"], rtol=1e-5,
                                   check_names=False)


def test_report_parameters_match_batch_contract() -> None:
    params = papermill.inspect_notebook(str(REPORT))
    assert {k: v["default"] for k, v in params.items()} == {
        "scenario_path": '"../scenarios/district_plan.yaml"', "draws": "500", "seed": "None",
        "lang": '"vi"', "out_dir": "None",
    }
    job = batch._prepare_job(PLAN, REPORT, ROOT / "runs", {"draws": None, "seed": None, "lang": "vi"},
                             "0", "0")
    # what batch.py passes (its job parameters plus out_dir) is exactly what the notebook takes
    assert set(job["parameters"]) | {"out_dir"} == set(params)
    assert set(papermill.inspect_notebook(str(COMPARISON))) >= {"batch_dir", "lang"}


def test_report_runs_under_papermill_api(tmp_path: Path) -> None:
    out = tmp_path / "district_plan"
    _execute(REPORT, tmp_path / "report.ipynb",
             {"scenario_path": str(PLAN), "draws": 16, "seed": 7, "lang": "en", "out_dir": str(out)})
    _check_outputs(out, draws=16, seed=7)
    text = (tmp_path / "report.ipynb").read_text(encoding="utf-8")
    assert "The probability that the district poverty rate is below 1%" in text  # lang reached the cells
    assert "With the plan" in text and "Scenario report: District poverty-reduction plan" in text


def test_report_runs_under_papermill_cli_with_params_file(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    out = tmp_path / "cli"
    params.write_text(yaml.safe_dump({"scenario_path": str(PLAN), "draws": 12, "seed": 5, "out_dir": str(out)}),
                      encoding="utf-8")
    exe = Path(sys.executable).with_name("papermill")
    cmd = [str(exe)] if exe.exists() else [shutil.which("papermill") or "papermill"]
    proc = subprocess.run([*cmd, str(REPORT), str(tmp_path / "cli.ipynb"), "-f", str(params),
                           "--cwd", str(NOTEBOOKS), "-k", "python3", "--no-progress-bar"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_outputs(out, draws=12, seed=5)


def test_comparison_notebook_reads_a_batch_folder(tmp_path: Path) -> None:
    results = [planning.run(ROOT / "scenarios" / f"{n}.yaml", draws=12, seed=2)
               for n in ("district_plan", "budget_cut_30")]
    for r in results:
        r.write(tmp_path / "batch" / r.scenario_name)
    planning.compare(results).to_csv(tmp_path / "batch" / "comparison.csv", index=False)
    _execute(COMPARISON, tmp_path / "comparison.ipynb", {"batch_dir": str(tmp_path / "batch"), "lang": "en"})
    text = (tmp_path / "comparison.ipynb").read_text(encoding="utf-8")
    assert "The scenarios: District plan with a 30% budget cut; District poverty-reduction plan" in text
    assert "Rank by poverty rate" in text


def test_package_execution_keeps_the_kernels_console_quiet(tmp_path: Path, capfd) -> None:
    """A planner running ``planning report`` sees the report's own lines, not ipykernel's
    warning about plain-text TCP between two processes on the same machine; the notebook's
    own warnings still reach its outputs."""
    import nbformat

    from planning.frontends.notebook_exec import _execute as package_execute

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("import warnings; warnings.warn('own warning')")]
    nb.cells[0].metadata["tags"] = ["parameters"]
    source = tmp_path / "tiny.ipynb"
    nbformat.write(nb, source)
    package_execute(source, tmp_path / "out.ipynb", {"x": 2}, cwd=tmp_path)
    captured = capfd.readouterr()
    assert "without encryption" not in captured.err + captured.out
    ran = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    texts = [o.get("text", "") for c in ran.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("own warning" in t for t in texts)
