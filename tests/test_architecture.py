"""The package's shape, checked from its source (docs/architecture.md draws it).

Layers, lowest first: basics → stores → models → analyses → front ends. A module may import
from its own layer or a lower one, never a higher one; no import circles at all (imports inside
functions and ``if TYPE_CHECKING:`` blocks count too, because they are circles to a reader);
no module much over 500 lines; the public API of ``planning`` stays what users call.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import planning

PACKAGE = Path(planning.__file__).resolve().parent
LAYERS = ("basics", "stores", "models", "analyses", "frontends")
MAX_LINES = 550  # "about 500": room for a docstring, never a second concept

#: the public API as users know it (README, notebooks); changing it is a decision, not a side effect
PUBLIC_API = [
    "PlanningInputError", "PlanningInputErrors", "Prepared", "Result", "Scenario", "alkire_foster", "backtest",
    "calibrate", "classify_households", "compare", "headcounts", "households_from_review", "income_poverty_gap",
    "label", "list_standards", "load_baseline", "load_calibration", "load_model_parameters",
    "load_programme_book", "load_scenario", "load_standard", "prepare", "read_households",
    "read_scenario_workbook", "recovery_check", "run", "run_prepared", "scenario_inputs", "standard_in_force",
    "synthesize_households", "synthetic_baseline", "validate_files", "what_it_takes", "write_scenario_workbook",
]


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PACKAGE.rglob("*.py")):
        parts = p.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every planning module ``name`` imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("planning"):
                continue
            subs = {f"{target}.{a.name}" for a in node.names} & MODULES.keys()
            found |= subs or {target}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("planning")}
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(name: str) -> int | None:
    parts = name.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_sits_in_a_layer() -> None:
    loose = [n for n in MODULES if _layer(n) is None and n not in ("planning", "planning.__main__")]
    assert loose == [], f"modules outside the layer folders: {loose}"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")} == set(LAYERS)


def test_imports_point_only_down() -> None:
    upward = [
        f"{src} → {dst}"
        for src, deps in GRAPH.items()
        for dst in deps
        if _layer(src) is not None and _layer(dst) is not None and _layer(dst) > _layer(src)
    ]
    assert upward == [], "imports from a higher layer:\n" + "\n".join(sorted(upward))


def test_the_layers_do_not_import_the_package_face() -> None:
    # planning/__init__ maps the public names lazily; a layer importing it would hide a circle
    users = [src for src, deps in GRAPH.items() if "planning" in deps and _layer(src) is not None]
    assert users == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    assert _cycles(GRAPH) == []


def test_the_circle_finder_finds_circles() -> None:
    # the check above must be able to fail
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name}: {lines} lines; split it by concept"


def test_public_api_unchanged() -> None:
    assert sorted(planning.__all__) == sorted(PUBLIC_API)
    for name in PUBLIC_API:
        value = getattr(planning, name)
        assert value is not None
        # each public name comes from a layer module, never from a leftover flat module
        module = getattr(value, "__module__", "")
        assert _layer(module) is not None, f"planning.{name} is defined in {module}"


def test_every_module_imports_alone() -> None:
    # a module that only works when another was imported first hides a dependency
    for name in MODULES:
        if name != "planning.__main__":
            importlib.import_module(name)
