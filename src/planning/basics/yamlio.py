"""Reading YAML with errors that name the file, and merging override deltas."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from planning.basics.errors import PlanningInputError
from planning.basics.paths import display_path

# libyaml's C loader is ~10x faster than the pure-Python one; both are "safe" loaders.
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, line: str, first: str) -> None:
        super().__init__(f"key {key!r} given twice ({first} and {line}) with different values")
        self.key, self.line, self.first = key, line, first


class _Loader(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, refusing a mapping key given twice with different values (YAML keeps
    the last silently, so a repeated ``livelihood:`` would change a budget without a word)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, tuple[Any, str]] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                continue  # the base class reports unhashable keys
            mark = key_node.start_mark
            line = f"{mark.line + 1}:{mark.column + 1}"
            if key in seen:
                first_value, first_line = seen[key]
                value = self.construct_object(value_node, deep=True)
                if value != first_value:
                    raise _DuplicateKey(key, line, first_line)
            else:
                seen[key] = (self.construct_object(value_node, deep=True), line)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """Parse ``path``; a missing file, a folder, bytes that are not UTF-8, malformed YAML or a key
    given twice with different values becomes a PlanningInputError naming the file."""
    from planning.basics.checks import read_text

    shown = display_path(path)
    text = read_text(path, "a YAML file", "một tệp YAML")
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (safe loader)
    except _DuplicateKey as exc:
        raise PlanningInputError(shown, str(exc.key), f"each key once in a mapping (line:column {exc.first} and "
                                 f"{exc.line} give '{exc.key}' different values)", "a repeated key",
                                 message_vi=f"tệp {shown}: mục '{exc.key}' xuất hiện hai lần với giá trị khác "
                                            f"nhau (dòng:cột {exc.first} và {exc.line})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise PlanningInputError(shown, "<yaml>", f"well-formed YAML ({where})",
                                 str(getattr(exc, "problem", exc)),
                                 message_vi=f"YAML sai cú pháp ở {where}") from None


def deep_merge(base: Any, delta: Any, *, file: str, field: str = "", strict: bool = True) -> Any:
    """``delta`` applied onto ``base``: mappings merge key by key, anything else replaces.

    With ``strict``, a key of ``delta`` that ``base`` lacks is an error: an override of an
    assumption that does not exist is a typo, not a new assumption.
    """
    if not isinstance(delta, dict) or not isinstance(base, dict):
        return copy.deepcopy(delta)
    out = copy.deepcopy(base)
    for key, value in delta.items():
        path = f"{field}.{key}" if field else str(key)
        if key not in out:
            if strict:
                raise PlanningInputError(file, path, f"one of: {', '.join(map(str, out))}", key,
                                         message_vi=f"không có mục '{key}' để ghi đè")
            out[key] = copy.deepcopy(value)
        else:
            out[key] = deep_merge(out[key], value, file=file, field=path, strict=strict)
    return out


def leaf_paths(delta: Any, prefix: str = "") -> list[str]:
    """Dotted paths of the values an override delta sets (``{a: {b: 1}}`` → ``["a.b"]``)."""
    if not isinstance(delta, dict) or not delta:
        return [prefix] if prefix else []
    out: list[str] = []
    for key, value in delta.items():
        out += leaf_paths(value, f"{prefix}.{key}" if prefix else str(key))
    return out


def blame_override(exc: PlanningInputError, leaves: list[str], *, file: str,
                   rename: Callable[[str], str]) -> PlanningInputError:
    """The error ``exc`` (found in a data file after a scenario's override was applied) naming
    the scenario ``file`` and its field (``rename(data field)``) when the bad value is one the
    override set; else ``exc`` unchanged."""
    field = exc.field
    hit = any(leaf == field or leaf.startswith(field + ".") or field.startswith(leaf + ".") for leaf in leaves)
    if not hit or exc.file == file:
        return exc
    new_field = rename(field)
    vi = exc.message_vi.replace(exc.file, file).replace(f"'{field}'", f"'{new_field}'") if exc.message_vi else None
    return PlanningInputError(file, new_field, exc.expected, exc.got, row=exc.row, message_vi=vi)
