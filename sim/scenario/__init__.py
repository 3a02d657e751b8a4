"""Loading scenarios: read, resolve ``extends:``, apply ``set:``, validate, compile.

Every problem in a file is collected and reported at once as ``file:line: path: what was
expected, what was found`` (a ``ScenarioError``); nothing is logged and skipped. One module
per job: ``sources`` (names, files, ``extends:`` and ``set:``), ``problems`` (what is wrong,
in words), ``compile`` (the arrays and functions the model runs); this module puts them
together.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError, echo, shorten
from sim.files import resolved
from sim.scenario.compile import (
    CompiledDecision,
    CompiledEvent,
    CompiledOption,
    CompiledScenario,
    _compile,
)
from sim.scenario.problems import (
    _early_problems,
    _kind,
    _validate,
    clean_loc,
    describe_error,
    validation_problems,
)
from sim.scenario.sources import (
    MAX_EXTENDS_DEPTH,
    Origin,
    _index_add,
    _Merged,
    _prefix_index,
    _read_merged,
    _set_loc,
    apply_set,
    builtin_dir,
    builtin_names,
    resolve_extends,
    resolve_name,
    shown_path,
)

__all__ = [
    "MAX_EXTENDS_DEPTH",
    "CompiledDecision",
    "CompiledEvent",
    "CompiledOption",
    "CompiledScenario",
    "Origin",
    "apply_set",
    "builtin_dir",
    "builtin_names",
    "clean_loc",
    "describe_error",
    "load_scenario",
    "resolve_extends",
    "resolve_name",
    "scenario_from_data",
    "shown_path",
    "validate_files",
    "validation_problems",
]

# --------------------------------------------------------------------------- entry points


def load_scenario(
    name_or_path: str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    force: Mapping[str, str] | None = None,
    leave_out: Collection[str] = (),
    override_labels: Mapping[str, str] | None = None,
) -> CompiledScenario:
    """Load, validate and compile a scenario by built-in name or path.

    ``overrides`` are ``set:`` entries (``{"dynamics.balance": 0.05}``) applied after the
    file's own; ``force`` maps decision ids to option ids. ``leave_out`` names paths whose
    entries in the files' own ``set:`` blocks are left out, with any entry that sets a
    place holding one of them (calibration starts the parameters it fits from the values
    written in the body, not from an earlier fit, and keeps every other entry: an era's
    closed windows, a counterfactual's changes). ``override_labels`` names where an
    override came from in messages (``{"dynamics.balance": "--sweep"}``; the default is
    ``--set``). Raises ``ScenarioError`` listing every problem found, or TypeError if
    ``overrides`` or ``force`` is not a mapping.
    """
    for name, given in (("overrides", overrides), ("force", force)):
        if given is not None and not isinstance(given, Mapping):
            raise TypeError(
                f"{name}: expected a mapping such as {{'id': value}}, got {echo(given)}"
            )
    path = resolve_name(name_or_path)
    roots = [builtin_dir().resolve(), resolved(path).parent]
    merged = _read_merged(path, roots, [])
    own_set = merged.data.get("set")
    if leave_out and isinstance(own_set, dict):  # not a mapping: _finish reports it
        merged.data["set"] = {k: v for k, v in own_set.items() if not _sets_any(str(k), leave_out)}
    return _finish(merged, shown_path(path), overrides, force, override_labels)


def _sets_any(key: str, paths: Collection[str]) -> bool:
    """Whether a ``set:`` entry at ``key`` sets one of ``paths`` (itself or a place above)."""
    return any(path == key or path.startswith(key + ".") for path in paths)


def scenario_from_data(data: dict[str, Any], name: str = "<saved scenario>") -> CompiledScenario:
    """Validate and compile scenario data already merged (as kept in a saved run)."""
    if "extends" in data:
        raise ScenarioError([Problem(name, 0, "extends", "saved scenario data must be resolved")])
    merged = _Merged(copy.deepcopy(data), {(): (name, 0)}, saved=True)
    return _finish(merged, name, None, None)


def _finish(
    merged: _Merged,
    shown: str,
    overrides: Mapping[str, Any] | None,
    force: Mapping[str, str] | None,
    labels: Mapping[str, str] | None = None,
) -> CompiledScenario:
    problems: list[Problem] = list(merged.problems)
    file_set = merged.data.get("set") or {}
    if not isinstance(file_set, dict):
        problems.append(
            Problem(
                *merged.origin(("set",)),
                "set",
                f"expected a mapping of PATH: value, got {_kind(file_set)}",
            )
        )
        file_set = {}
    entries = [(k, v, merged.origin(("set", k)), f"set.{k}") for k, v in file_set.items()]
    labels = labels or {}
    entries += [
        (k, v, (labels.get(k, "--set"), 0), shorten(str(k))) for k, v in (overrides or {}).items()
    ]
    index = _prefix_index(merged.origins) if entries else {}
    for key, value, origin, shown_key in entries:
        message = apply_set(merged.data, str(key), value)
        if message:
            problems.append(Problem(origin[0], origin[1], shown_key, message))
        else:
            loc = _set_loc(merged.data, str(key).split("."))
            for old in index.pop(loc, []):
                merged.origins.pop(old, None)  # the value that was replaced
            if value is None:
                continue  # left out: no place was made, and none holds a value to blame
            added = [loc[:n] for n in range(1, len(loc)) if loc[:n] not in merged.origins]
            for place in added:
                merged.origins[place] = origin  # places the override created
            merged.origins[loc] = origin
            merged.overridden.add(loc)
            for place in [*added, loc]:
                _index_add(index, place)
    if force:
        existing = merged.data.setdefault("force", {})
        if isinstance(existing, dict):  # otherwise validation reports the file's 'force'
            existing.update(force)
        for k in force:
            merged.origins[("force", k)] = ("--force", 0)
    early = _early_problems(merged, shown)
    spec, invalid = _validate(merged)
    problems += early + invalid
    if spec is None or any(p.path in ("start", "end") for p in early):
        raise ScenarioError(problems)
    if problems:  # report the set: problems together with the cross-reference ones
        try:
            _compile(spec, merged, shown)
        except ScenarioError as exc:
            problems += exc.problems
        raise ScenarioError(problems)
    return _compile(spec, merged, shown)


def validate_files(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem in each of the given scenario files (empty if all are valid)."""
    problems: list[Problem] = []
    for p in paths:
        try:
            load_scenario(p)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return problems
