"""The project installs from its own files: pyproject.toml and environment.yml agree."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(req: str) -> str:
    return req.strip()[len(_name(req)):].replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    pip_map = {_name(r): _spec(r) for r in pip_reqs}
    conda_map = {_name(r): _spec(r) for r in conda}
    assert pip_map == conda_map, (
        f"only in pyproject: {sorted(set(pip_map) - set(conda_map))}; "
        f"only in environment.yml: {sorted(set(conda_map) - set(pip_map))}; "
        f"different bounds: {[k for k in pip_map if k in conda_map and pip_map[k] != conda_map[k]]}")


def test_console_script_and_module_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["planning"] == "planning.frontends.cli:main"
    out = subprocess.run([sys.executable, "-m", "planning", "--help"], capture_output=True, text=True, check=True)
    for command in ("run", "compare", "validate", "classify", "batch", "calibrate", "optimize"):
        assert command in out.stdout


def test_readme_opens_with_the_setup_and_test_commands_that_ci_runs():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, flags=re.S)
    assert len(blocks) >= 2
    setup, tests = blocks[0].strip(), blocks[1].strip()
    assert "planning compare" in setup and "pip install" in setup
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci, "the README's test command must be what .ci/run runs"
