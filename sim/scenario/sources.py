"""Where scenarios come from: built-in names, files, ``extends:`` and ``set:``.

``extends:`` is merged keeping the origin (file, line) of every value, so that a problem is
reported where it was written; ``set:`` overrides a value by its path.
"""

from __future__ import annotations

import copy
import difflib
import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError, echo, shorten
from sim.files import file_kind, resolved
from sim.scenario.problems import _ID_LISTS, _kind
from sim.values import absent_problem, value_problem
from sim.vocabulary import (
    Loc,
)
from sim.yamlfile import Document, dotted, read_yaml

Origin = tuple[str, int]
"""(file, line) of a value."""

MAX_EXTENDS_DEPTH = 16


# --------------------------------------------------------------------------- built-ins


def builtin_dir() -> Path:
    """The folder of the scenarios that ship with the package.

    An installed wheel holds them inside the ``sim`` package; a clone, beside it.
    """
    package = Path(__file__).resolve().parent.parent  # sim/
    for candidate in (package / "scenarios", package.parent / "scenarios"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the built-in scenarios folder is missing from this installation")


def builtin_names() -> list[str]:
    """Names of the built-in scenarios (``choosing-a-camp``, ``eras/1965`` …)."""
    root = builtin_dir()
    names = []
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root)
        if rel.parts[0] in ("history", "fits"):
            continue
        names.append(rel.with_suffix("").as_posix())
    return names


def resolve_name(name_or_path: str | Path) -> Path:
    """A path for a built-in name or a file path; a missing one is a ScenarioError."""
    text = str(name_or_path)
    path = Path(text)
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # refused here, before anything resolves the path
            raise ScenarioError(
                [Problem(shorten(text), 0, "", f"cannot read the file: {exc.strerror}")]
            ) from None
    except ValueError:
        pass  # a NUL in the name: reading it says so
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    candidate = builtin_dir() / f"{text}.yaml"
    if candidate.is_file():
        return candidate
    known = builtin_names()
    hint = difflib.get_close_matches(text, known, n=1)
    extra = f" (did you mean {hint[0]!r}?)" if hint else f"; built-in scenarios: {', '.join(known)}"
    raise ScenarioError(
        [Problem(shorten(text), 0, "", f"no such scenario file or built-in name{extra}")]
    )


# --------------------------------------------------------------------------- merging


@dataclass
class _Merged:
    """Plain data of a scenario with the origin (file, line) of every value."""

    data: dict[str, Any]
    origins: dict[Loc, Origin] = field(default_factory=dict)
    saved: bool = False  # data kept in a save: already validated, inherited or not
    renames: dict[Loc, Loc] = field(default_factory=dict)  # merged item -> its own file's
    problems: list[Problem] = field(default_factory=list)  # found while reading and merging
    overridden: set[Loc] = field(default_factory=set)  # places a set: entry or --set wrote

    def shown(self, loc: Loc) -> str:
        """A location as its own file numbers it (``events[0]`` of a child, not of the merge)."""
        head = self.renames.get(tuple(loc[:2]))
        return dotted((*head, *loc[2:]) if head is not None else loc)

    def origin(self, loc: Iterable[str | int]) -> Origin:
        p = tuple(loc)
        while p:
            if p in self.origins:
                return self.origins[p]
            p = p[:-1]
        return self.origins.get((), ("?", 0))


def _prefix_index(keys: Iterable[Loc]) -> dict[Loc, list[Loc]]:
    """Every prefix of the keys -> the keys that start with it (a key is its own prefix)."""
    index: dict[Loc, list[Loc]] = {}
    for key in keys:
        _index_add(index, key)
    return index


def _index_add(index: dict[Loc, list[Loc]], key: Loc) -> None:
    """List ``key`` under each of its prefixes."""
    for n in range(len(key) + 1):
        index.setdefault(key[:n], []).append(key)


def _from_document(doc: Document) -> _Merged:
    return _Merged(doc.data, {k: (doc.file, v) for k, v in doc.lines.items()})


def _copy_origins(
    src: _Merged,
    index: dict[Loc, list[Loc]],
    src_prefix: Loc,
    dst: dict[Loc, Origin],
    dst_prefix: Loc,
) -> None:
    """Copy the origins at or below ``src_prefix`` (``index``: ``src``'s prefix index)."""
    n = len(src_prefix)
    for key in index.get(src_prefix, []):
        dst[dst_prefix + key[n:]] = src.origins[key]


def _merge(parent: _Merged, child: _Merged) -> _Merged:
    """Child over parent: mappings merge deeply, id lists merge by id, the rest replaces."""
    data: dict[str, Any] = {}
    origins: dict[Loc, Origin] = {(): child.origins.get((), ("?", 0))}
    # where each source's locations lie, so that copying a subtree's origins costs its size
    indexes = {id(parent): _prefix_index(parent.origins), id(child): _prefix_index(child.origins)}

    def copy_origins(src: _Merged, src_prefix: Loc, dst_prefix: Loc) -> None:
        _copy_origins(src, indexes[id(src)], src_prefix, origins, dst_prefix)

    renames: dict[Loc, Loc] = {}
    remove = child.data.get("remove")
    removed = {r for r in remove if isinstance(r, str)} if isinstance(remove, list) else set()

    def id_of(item: Any) -> str | None:
        item_id = item.get("id") if isinstance(item, dict) else None
        return item_id if isinstance(item_id, str) else None

    def merge_map(p: Any, c: Any, loc: Loc) -> Any:
        if isinstance(p, dict) and isinstance(c, dict):
            out = {}
            for k in p:
                if k not in c:
                    out[k] = copy.deepcopy(p[k])
                    copy_origins(parent, (*loc, k), (*loc, k))
            for k in c:
                if k in p:
                    out[k] = merge_map(p[k], c[k], (*loc, k))
                    if (*loc, k) in child.origins:
                        origins[(*loc, k)] = child.origins[(*loc, k)]
                else:
                    out[k] = copy.deepcopy(c[k])
                    copy_origins(child, (*loc, k), (*loc, k))
            return out
        copy_origins(child, loc, loc)
        return copy.deepcopy(c)

    for key in list(parent.data) + [k for k in child.data if k not in parent.data]:
        if key in ("extends", "remove"):
            continue
        p, c = parent.data.get(key), child.data.get(key)
        if key in _ID_LISTS and isinstance(p, list) and (c is None or isinstance(c, list)):
            items: list[tuple[_Merged, int, Any]] = []
            by_id: dict[Any, int] = {}
            for k, item in enumerate(p):
                item_id = id_of(item)
                if item_id in removed:
                    continue
                by_id[item_id] = len(items)
                items.append((parent, k, item))
            for k, item in enumerate(c or []):
                item_id = id_of(item)
                if item_id is not None and item_id in by_id:
                    items[by_id[item_id]] = (child, k, item)
                else:
                    items.append((child, k, item))
            data[key] = [copy.deepcopy(item) for _, _, item in items]
            origins[(key,)] = child.origins.get((key,), parent.origin((key,)))
            for new_k, (src, old_k, _) in enumerate(items):
                copy_origins(src, (key, old_k), (key, new_k))
                renames[(key, new_k)] = src.renames.get((key, old_k), (key, old_k))
        elif key not in child.data:
            data[key] = copy.deepcopy(p)
            copy_origins(parent, (key,), (key,))
        elif key not in parent.data:
            data[key] = copy.deepcopy(c)
            copy_origins(child, (key,), (key,))
        else:
            data[key] = merge_map(p, c, (key,))
            origins[(key,)] = child.origins.get((key,), ("?", 0))
    return _Merged(data, origins, renames=renames, problems=parent.problems + child.problems)


SCENARIO_KEYS = ("id", "title", "start", "end", "extends")
"""Keys a scenario has and a record never has: how a scenario given as a record is told."""


def looks_like_record(data: Any) -> bool:
    """Whether YAML data is a record rather than a scenario (``frontline validate`` asks)."""
    if not isinstance(data, dict) or any(k in data for k in SCENARIO_KEYS):
        return False
    if "phases" in data or "tolerance" in data:
        return True
    lists = [data.get("events"), data.get("decisions")]  # either may be anything at all
    items = [i for found in lists if isinstance(found, list) for i in found]
    return any(isinstance(i, dict) and ("month" in i or "option" in i) for i in items)


def looks_like_fit(data: Any) -> bool:
    """Whether YAML data is a named parameter set rather than a scenario or a record."""
    return isinstance(data, dict) and "made_by" in data and "set" in data


def _another_kind(data: dict[str, Any]) -> str | None:
    """What a file given as a scenario is instead, in words (None: it is meant as one)."""
    if looks_like_record(data):
        return (
            "this is a recorded history, not a scenario: give it with --record (a scenario "
            "has id, title, start and end)"
        )
    if looks_like_fit(data):
        return (
            "this is a parameter set (made by frontline calibrate), not a scenario: a "
            "scenario has id, title, start and end"
        )
    return None


def _read_merged(path: Path, roots: list[Path], chain: list[Path]) -> _Merged:
    """Read a file and everything it extends, merged, with origins."""
    shown = shown_path(path)
    doc, problems = read_yaml(path, shown)
    if doc is None:
        raise ScenarioError(problems)
    if not isinstance(doc.data, dict):
        raise ScenarioError(
            [
                Problem(
                    shown,
                    doc.line_of(()),
                    "",
                    f"expected a mapping of scenario keys, got {_kind(doc.data)}",
                )
            ]
        )
    other = _another_kind(doc.data)
    if other is not None:
        raise ScenarioError([Problem(shown, 0, "", other)])
    own = _from_document(doc)
    parent_ref = doc.data.get("extends")
    if parent_ref is None:
        if doc.data.get("remove"):
            own.problems.append(
                Problem(
                    shown,
                    doc.line_of(("remove",)),
                    "remove",
                    "'remove' drops events and decisions inherited from a parent, so it needs "
                    "'extends'",
                )
            )
        return own
    line = doc.line_of(("extends",))
    if not isinstance(parent_ref, str) or not parent_ref:
        raise ScenarioError(
            [
                Problem(
                    shown,
                    line,
                    "extends",
                    f"expected a scenario name or path, got {echo(parent_ref)}",
                )
            ]
        )
    parent_path = resolve_extends(parent_ref, path, roots, shown, line)
    if parent_path in chain or parent_path == resolved(path):
        cycle = " -> ".join(shown_path(p) for p in [*chain, resolved(path), parent_path])
        raise ScenarioError([Problem(shown, line, "extends", f"extends: cycle ({cycle})")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            [Problem(shown, line, "extends", f"more than {MAX_EXTENDS_DEPTH} levels of extends")]
        )
    parent = _read_merged(parent_path, roots, [*chain, resolved(path)])
    own.problems += _removal_problems(doc, parent)
    return _merge(parent, own)


def _removal_problems(doc: Document, parent: _Merged) -> list[Problem]:
    """Ids in a child's ``remove:`` that nothing inherited has, or that are given again.

    A typo would remove nothing; a repeated id is most often a pasted line that meant another.
    """
    remove = doc.data.get("remove")
    if not isinstance(remove, list):
        return []  # validation reports a 'remove' that is not a list
    inherited = [
        item["id"]
        for key in _ID_LISTS
        for item in (parent.data.get(key) or [])
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]
    known = set(inherited)
    first: dict[str, int] = {}
    problems = []
    for k, item_id in enumerate(remove):
        if not isinstance(item_id, str):
            continue  # validation reports an id that is not text
        if item_id in first:
            problems.append(
                Problem(
                    doc.file,
                    doc.line_of(("remove", k)),
                    f"remove[{k}]",
                    f"{echo(item_id)} is given more than once (first as "
                    f"remove[{first[item_id]}]); remove each id once",
                )
            )
            continue
        first[item_id] = k
        if item_id not in known:
            hint = difflib.get_close_matches(item_id, inherited, n=1)
            problems.append(
                Problem(
                    doc.file,
                    doc.line_of(("remove", k)),
                    f"remove[{k}]",
                    f"nothing inherited has the id {echo(item_id)} to remove"
                    + (f" (did you mean {hint[0]!r}?)" if hint else ""),
                )
            )
    return problems


def resolve_extends(ref: str, path: Path, roots: list[Path], shown: str, line: int) -> Path:
    """The file an ``extends:`` names (a ScenarioError if none, or outside ``roots``)."""
    candidates = [(path.parent / ref)]
    if not ref.endswith((".yaml", ".yml")):
        candidates = [path.parent / f"{ref}.yaml", builtin_dir() / f"{ref}.yaml"]
    for cand in candidates:
        target = resolved(cand)
        if not any(target.is_relative_to(root) for root in roots):
            raise ScenarioError(
                [
                    Problem(
                        shown,
                        line,
                        "extends",
                        f"{echo(ref)} points outside the scenarios' folders; "
                        "extends may name a built-in scenario or a file "
                        "beside this one",
                    )
                ]
            )
        if target.is_file():
            return target
        why = _not_a_scenario_file(cand)
        if why:
            raise ScenarioError([Problem(shown, line, "extends", f"{echo(ref)} {why}")])
    raise ScenarioError([Problem(shown, line, "extends", f"no scenario {echo(ref)} to extend")])


def _not_a_scenario_file(path: Path) -> str:
    """Why a path that exists (or is a link) cannot be a scenario file; empty if it is absent."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "is a symbolic link to a file that does not exist" if path.is_symlink() else ""
    except OSError as exc:  # a loop of links, or a folder that may not be searched
        return f"cannot be read: {exc.strerror or exc}"
    except RuntimeError:  # Python < 3.13: a loop of links found while resolving
        return "cannot be read: Too many levels of symbolic links"
    if stat.S_ISREG(info.st_mode):
        return ""
    return f"cannot be extended: it is {file_kind(info.st_mode)}"


def shown_path(path: Path) -> str:
    """How a file is named in messages: relative to the built-ins or the working folder."""
    full = resolved(path)
    try:
        return "scenarios/" + full.relative_to(builtin_dir()).as_posix()
    except ValueError:
        pass
    try:
        return full.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- set: overrides

_NOT_SETTABLE = {
    "extends": "the parent is read before any override applies; write a file that extends "
    "the scenario you want",
    "remove": "inherited items are removed before any override applies; write a file that "
    "extends the scenario and removes them",
    "set": "overrides cannot override one another; give the path itself",
}
"""Top-level keys an override may not change, and why (it would be ignored, or break saves)."""


def apply_set(data: dict[str, Any], path: str, value: Any) -> str | None:
    """Set ``path`` (``dynamics.balance``, ``events.kashmir-war.chance``) in scenario data.

    Lists of events and decisions are addressed by id. Returns a message if the path does
    not name an existing place (new keys under ``actors.X`` and ``relations`` are allowed,
    and validation judges the value). ``None`` (``null``) leaves the place out, as if the
    file had not given it, where the scenario format lets it be empty (``sim.values``).
    """
    parts = path.split(".")
    if not all(parts):
        return f"expected a dotted path like dynamics.balance, got {echo(path)}"
    if parts[0] in _NOT_SETTABLE:
        return f"{parts[0]!r} cannot be set: {_NOT_SETTABLE[parts[0]]}"
    if value is None and (problem := value_problem(path, None)) is not None:
        return problem
    node: Any = data
    for k, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            match = [x for x in node if isinstance(x, dict) and x.get("id") == part]
            if not match:
                return f"no item with id {echo(part)} at {'.'.join(parts[:k]) or 'top level'}"
            node = match[0]
            continue
        if not isinstance(node, dict):
            return f"{'.'.join(parts[:k])} holds no keys"
        if part not in node:
            if not (
                (k == 0 and part in ("dynamics", "actors", "relations", "rules", "memory"))
                or (k >= 1 and parts[0] in ("dynamics", "actors") and k <= 2)
            ):
                return f"unknown path: {echo('.'.join(parts[: k + 1]))} does not exist"
            if value is None:  # nothing there to leave out, and nothing is made to hold it
                return absent_problem(path)
            node[part] = {}
        node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        return f"cannot replace a whole item of {'.'.join(parts[:-1])}; set one of its fields"
    if not isinstance(node, dict):
        return f"{'.'.join(parts[:-1])} holds no keys"
    if value is None:
        if last not in node:
            return absent_problem(path)
        del node[last]
        return None
    node[last] = value
    return None


def _set_loc(data: Any, parts: list[str]) -> Loc:
    """Where ``apply_set`` wrote, with list items by index (``events.x.chance`` -> events[2])."""
    loc: list[str | int] = []
    node = data
    for part in parts:
        if isinstance(node, list):
            k = next(
                (i for i, x in enumerate(node) if isinstance(x, dict) and x.get("id") == part), None
            )
            if k is None:
                break
            loc.append(k)
            node = node[k]
        else:
            loc.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return tuple(loc)
