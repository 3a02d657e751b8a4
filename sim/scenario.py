"""Loading scenarios: read, resolve ``extends:``, apply ``set:``, validate, compile.

Every problem in a file is collected and reported at once as ``file:line: path: what was
expected, what was found`` (a ``ScenarioError``); nothing is logged and skipped.
"""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.actors import ACTORS, INDEX, N_ACTORS, Bloc
from sim.acts import Rules
from sim.calendar import format_month, parse_month
from sim.errors import Problem, ScenarioError, echo, shorten
from sim.limits import MAX_MONTHS
from sim.rng import stream_id
from sim.schema import (
    MONTH_PATTERN,
    DecisionSpec,
    EventSpec,
    LeaderModifiers,
    OptionSpec,
    Scenario,
)
from sim.state import F64, WorldState
from sim.vocabulary import (
    EFFECTS,
    CondFn,
    Effect,
    Loc,
    compile_condition,
    compile_effect,
    flags_of,
    kind_of,
)
from sim.yamlfile import Document, dotted, read_yaml

Origin = tuple[str, int]
"""(file, line) of a value."""

MAX_EXTENDS_DEPTH = 16


# --------------------------------------------------------------------------- built-ins


def builtin_dir() -> Path:
    """The folder of the scenarios that ship with the package."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "scenarios", here.parent / "scenarios"):
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


_ID_LISTS = ("events", "decisions")


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
    if parent_path in chain or parent_path == path.resolve():
        cycle = " -> ".join(shown_path(p) for p in [*chain, path.resolve(), parent_path])
        raise ScenarioError([Problem(shown, line, "extends", f"extends: cycle ({cycle})")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            [Problem(shown, line, "extends", f"more than {MAX_EXTENDS_DEPTH} levels of extends")]
        )
    parent = _read_merged(parent_path, roots, [*chain, path.resolve()])
    own.problems += _unknown_removals(doc, parent)
    return _merge(parent, own)


def _unknown_removals(doc: Document, parent: _Merged) -> list[Problem]:
    """Ids in a child's ``remove:`` that name nothing its parent has (a typo removes nothing)."""
    remove = doc.data.get("remove")
    if not isinstance(remove, list):
        return []  # validation reports a 'remove' that is not a list
    inherited = [
        item["id"]
        for key in _ID_LISTS
        for item in (parent.data.get(key) or [])
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]
    problems = []
    for k, item_id in enumerate(remove):
        if isinstance(item_id, str) and item_id not in inherited:
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
        resolved = cand.resolve()
        if not any(resolved.is_relative_to(root) for root in roots):
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
        if resolved.is_file():
            return resolved
    raise ScenarioError([Problem(shown, line, "extends", f"no scenario {echo(ref)} to extend")])


def shown_path(path: Path) -> str:
    """How a file is named in messages: relative to the built-ins or the working folder."""
    resolved = path.resolve()
    try:
        return "scenarios/" + resolved.relative_to(builtin_dir()).as_posix()
    except ValueError:
        pass
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _kind(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        type(None): "nothing",
    }.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


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
    and validation judges the value).
    """
    parts = path.split(".")
    if not all(parts):
        return f"expected a dotted path like dynamics.balance, got {echo(path)}"
    if parts[0] in _NOT_SETTABLE:
        return f"{parts[0]!r} cannot be set: {_NOT_SETTABLE[parts[0]]}"
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
            if (k == 0 and part in ("dynamics", "actors", "relations", "rules", "memory")) or (
                k >= 1 and parts[0] in ("dynamics", "actors") and k <= 2
            ):
                node[part] = {}
            else:
                return f"unknown path: {echo('.'.join(parts[: k + 1]))} does not exist"
        node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        return f"cannot replace a whole item of {'.'.join(parts[:-1])}; set one of its fields"
    if not isinstance(node, dict):
        return f"{'.'.join(parts[:-1])} holds no keys"
    node[last] = value
    return None


# --------------------------------------------------------------------------- validation


def clean_loc(loc: tuple[Any, ...]) -> Loc:
    """Drop the union tags pydantic repeats (``attitude.attitude`` -> ``attitude``)."""
    out: list[str | int] = []
    for part in loc:
        if out and isinstance(part, str) and out[-1] == part:
            continue
        if isinstance(part, str) and (
            part.startswith(("function-", "tagged-union")) or part == "[key]"
        ):
            continue
        out.append(part)
    return tuple(out)


_KNOWN_KEYS: set[str] = set()


def _known_keys() -> set[str]:
    if not _KNOWN_KEYS:

        def walk(schema: Any) -> None:
            if isinstance(schema, dict):
                props = schema.get("properties")
                if isinstance(props, dict):
                    _KNOWN_KEYS.update(props)
                for v in schema.values():
                    walk(v)
            elif isinstance(schema, list):
                for v in schema:
                    walk(v)

        walk(Scenario.model_json_schema(by_alias=True))
    return _KNOWN_KEYS


_PATTERNS = {
    MONTH_PATTERN: "a month written YYYY-MM",
    r"^[a-z0-9]+(-[a-z0-9]+)*$": "an id of lower-case words joined by hyphens",
}


def describe_error(error: Mapping[str, Any]) -> str:
    """A pydantic error as 'what was expected, what was found'."""
    kind = error["type"]
    found = error.get("input")
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        hint = difflib.get_close_matches(key, sorted(_known_keys()), n=1, cutoff=0.75)
        return f"unknown key {echo(key)}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    if kind == "missing":
        return "required key is missing"
    if kind in ("too_short", "too_long") and "actual_length" in error.get("ctx", {}):
        ctx = error["ctx"]
        bound = (
            f"at least {ctx['min_length']}"
            if kind == "too_short"
            else (f"at most {ctx['max_length']}")
        )
        return f"expected {bound} items, got {ctx['actual_length']}"
    if kind == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        wanted = _PATTERNS.get(pattern, f"text matching {pattern}")
        if isinstance(found, str) and any(c.isdigit() and not c.isascii() for c in found):
            wanted += " in the digits 0-9 (other scripts' digits are not read)"
        return f"expected {wanted}, got {echo(found)}"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    if message.startswith("input should be"):
        message = "expected " + message.removeprefix("input should be ")
    if kind in ("condition_kind", "effect_kind") or isinstance(found, dict | list):
        return (
            f"{message}, got {_kind(found)}"
            if not isinstance(found, dict)
            else (f"{message}, got keys {', '.join(map(str, found)) or '(none)'}")
        )
    if "input" in error and kind not in ("value_error", "assertion_error"):
        return f"{message}, got {echo(found)}"
    return message


def _validate(merged: _Merged) -> tuple[Scenario | None, list[Problem]]:
    try:
        return Scenario.model_validate(merged.data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = clean_loc(error["loc"])
            file, line = merged.origin(loc)
            problems.append(Problem(file, line, merged.shown(loc), describe_error(error)))
        return None, problems


# --------------------------------------------------------------------------- compiling

_INSTEAD = {
    "attitude": "an act that says what happened: state_visit, invite, decline, denounce, "
    "back_claim, un_vote, settle_border, sign_treaty ...",
    "aid": "give_aid, offer_aid, accept_aid, extend_credit or suspend_aid",
    "prestige": "nothing: standing moves by the rules only (state_visit, mediation_succeeds, "
    "war_outcome, and the cost of breaking a commitment)",
    "align": "join_bloc or join_alliance (leave_alliance to leave)",
    "ideology": "an event: a change of regime is not something a state chooses by an act",
}
"""For each effect an option may not hold, the acts to use instead."""


def _not_an_act(kind: str) -> str:
    return (
        f"a decision option is made of acts, whose effects follow from the shared rules, and "
        f"of flags; '{kind}' writes its effect as a number, which only an event may do. "
        f"Use instead: {_INSTEAD.get(kind, 'an act')} (`frontline schema` lists every act)"
    )


@dataclass(frozen=True)
class CompiledOption:
    """An option ready to apply."""

    index: int
    id: str
    label: str
    effects: tuple[Effect, ...]
    historical: bool


@dataclass(frozen=True)
class CompiledEvent:
    """An event ready to run: month window, per-month hazard, compiled condition and effects."""

    index: int
    spec: EventSpec
    first: int
    last: int
    hazard: float
    when: CondFn | None
    effects: tuple[Effect, ...]
    stream: int
    past: bool = False
    pinned: int | None = None  # on the recorded path: fires in this month and no other
    mtth: float | None = None
    modifiers: tuple[tuple[float, CondFn], ...] = ()

    def chance(self, s: WorldState, month: int) -> F64:
        """Each replicate's chance that the event fires this month, if it may (R,).

        Zero where it has fired or its ``when`` does not hold; else its hazard, which its
        modifiers raise or lower where their conditions hold.
        """
        may = s.event_month[:, self.index] < 0
        if self.when is not None and may.any():
            may &= self.when(s, month)
        if not self.modifiers:
            return np.where(may, self.hazard, 0.0)
        assert self.mtth is not None
        months = np.full(s.replicates, self.mtth)
        for factor, condition in self.modifiers:
            months = np.where(condition(s, month), months * factor, months)
        return np.where(may, 1.0 - np.exp(-1.0 / months), 0.0)


@dataclass(frozen=True)
class CompiledDecision:
    """A decision point ready to run."""

    index: int
    spec: DecisionSpec
    actor: int
    first: int
    last: int
    when: CondFn | None
    options: tuple[CompiledOption, ...]
    stream: int
    past: bool = False
    pinned: int | None = None  # on the recorded path: arises in this month, whatever `when` says

    def option_index(self, option_id: str) -> int:
        """Index of an option by id (KeyError if unknown)."""
        for o in self.options:
            if o.id == option_id:
                return o.index
        raise KeyError(option_id)


@dataclass
class CompiledScenario:
    """A validated scenario turned into arrays and functions the model runs."""

    spec: Scenario
    data: dict[str, Any]
    file: str
    start: int
    end: int
    flags: list[str]
    events: list[CompiledEvent]
    decisions: list[CompiledDecision]
    force: dict[int, int]
    assumed_decisions: dict[int, int]
    assumed_events: list[int]
    initial_attitudes: np.ndarray
    initial_ideology: np.ndarray
    weights: np.ndarray
    temperatures: np.ndarray
    initial_bloc: np.ndarray
    initial_memory: np.ndarray
    leaders: tuple[tuple[tuple[int, LeaderModifiers | None], ...], ...]
    """Per actor (in ``ACTORS`` order): (month taking office, modifiers), in order."""

    @property
    def rules(self) -> Rules:
        """The acts' shared parameters."""
        return self.spec.rules

    def leader_modifiers(self, actor: int, month: int) -> LeaderModifiers | None:
        """The modifiers of the actor's leader in office in a month (None: no modifiers)."""
        current = None
        for start, modifiers in self.leaders[actor]:
            if start > month:
                break
            current = modifiers
        return current

    def leader_factors(self, actor: int, month: int) -> tuple[np.ndarray, float]:
        """The factors (4,) on the actor's weights and the factor on its temperature in a month.

        Those of the leader in office, raised to ``rules.leaders`` (0: leaders make no
        difference; 1: as the scenario writes them); ones where no modifiers are listed.
        """
        mod = self.leader_modifiers(actor, month)
        if mod is None:
            return np.ones(4), 1.0
        power = self.rules.leaders
        w = mod.weights
        factors = np.array([w.security, w.economy, w.ideology, w.prestige]) ** power
        return factors, float(mod.temperature**power)

    def choosing(self, actor: int, month: int) -> tuple[np.ndarray, float]:
        """The actor's utility weights (4,) and softmax temperature in a month, leader included."""
        factors, warmth = self.leader_factors(actor, month)
        return self.weights[actor] * factors, float(self.temperatures[actor]) * warmth

    @cached_property
    def ideology_shifts(self) -> dict[int, list[tuple[int, float]]]:
        """Month -> (actor, shift of ideology) where a new leader takes office in the period.

        A scenario's ``ideology`` is the state's with the leader in office at the start; at
        each change of leader it moves by ``rules.leaders`` x (new shift - old shift).
        """
        out: dict[int, list[tuple[int, float]]] = {}
        power = self.rules.leaders
        for actor, entries in enumerate(self.leaders):
            previous = 0.0
            for start, modifiers in entries:
                shift = modifiers.ideology if modifiers is not None else 0.0
                if self.start < start <= self.end and shift != previous:
                    out.setdefault(start, []).append((actor, power * (shift - previous)))
                previous = shift
        return out

    decision_places: dict[str, tuple[str, int, str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Each decision's file, line and path as its file numbers it, for messages."""

    @property
    def months(self) -> int:
        """How many monthly steps the scenario runs."""
        return self.end - self.start + 1

    @cached_property
    def schedule(self) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
        """For each month (from the start), the events and the decisions open in it."""

        def window(item: CompiledEvent | CompiledDecision) -> tuple[int, int]:
            return (item.first, item.last) if item.pinned is None else (item.pinned, item.pinned)

        return (
            self._by_month([window(e) for e in self.events]),
            self._by_month([window(d) for d in self.decisions]),
        )

    def _by_month(self, windows: list[tuple[int, int]]) -> tuple[tuple[int, ...], ...]:
        table: list[list[int]] = [[] for _ in range(self.months)]
        for k, (first, last) in enumerate(windows):
            for m in range(max(first, self.start), min(last, self.end) + 1):
                table[m - self.start].append(k)
        return tuple(tuple(row) for row in table)

    def origin_of_decision(self, decision_id: str) -> tuple[str, int]:
        """The file and line a decision was written at (line 0 if unknown)."""
        file, line, _ = self.decision_places.get(decision_id, (self.file, 0, ""))
        return file, line

    def shown_decision(self, decision_id: str) -> str:
        """A decision's location as its file numbers it (``decisions[3]``)."""
        return self.decision_places.get(decision_id, ("", 0, "decisions"))[2]

    def decision(self, decision_id: str) -> CompiledDecision:
        """A decision by id (KeyError if unknown)."""
        return self._decisions_by_id[decision_id]

    def event_index(self, event_id: str) -> int:
        """An event's index by id (KeyError if unknown)."""
        return self._event_indices[event_id]

    @cached_property
    def _event_indices(self) -> dict[str, int]:
        return {e.spec.id: e.index for e in self.events}

    @cached_property
    def _decisions_by_id(self) -> dict[str, CompiledDecision]:
        return {d.spec.id: d for d in self.decisions}


class _Table:
    """Resolver of names to indices; unknown names become problems with their location."""

    def __init__(self, spec: Scenario, merged: _Merged) -> None:
        self.merged = merged
        self.problems: list[Problem] = []
        self.events = {e.id: k for k, e in enumerate(spec.events)}
        self.decisions = {d.id: k for k, d in enumerate(spec.decisions)}
        self.options = {d.id: {o.id: k for k, o in enumerate(d.options)} for d in spec.decisions}
        flags: list[str] = list(dict.fromkeys(spec.flags))
        holders: list[EventSpec | OptionSpec] = [*spec.events]
        holders += [o for d in spec.decisions for o in d.options]
        for item in holders:
            for eff in item.effects:
                flags.extend(flags_of(eff))
        self.flag_names = list(dict.fromkeys(flags))
        self.flags = {f: k for k, f in enumerate(self.flag_names)}

    def problem(self, loc: Loc, message: str) -> None:
        file, line = self.merged.origin(loc)
        self.problems.append(Problem(file, line, self.merged.shown(loc), message))

    def _lookup(self, table: Mapping[str, int], name: str, what: str, loc: Loc) -> int:
        if name in table:
            return table[name]
        hint = difflib.get_close_matches(name, list(table), n=1)
        self.problem(
            loc, f"unknown {what} {echo(name)}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
        )
        return 0

    def flag(self, name: str, loc: Loc) -> int:
        if name not in self.flags:
            hint = difflib.get_close_matches(name, list(self.flags), n=1)
            self.problem(
                loc,
                f"unknown flag {echo(name)}: no effect sets it and it is not in "
                "'flags'" + (f" (did you mean {hint[0]!r}?)" if hint else ""),
            )
            return 0
        return self.flags[name]

    def event(self, event_id: str, loc: Loc) -> int:
        return self._lookup(self.events, event_id, "event", loc)

    def decision(self, decision_id: str, loc: Loc) -> int:
        return self._lookup(self.decisions, decision_id, "decision", loc)

    def option(self, decision_id: str, option_id: str, loc: Loc) -> int:
        if decision_id not in self.options:
            return 0
        options = self.options[decision_id]
        if option_id in options:
            return options[option_id]
        self.problem(
            loc,
            f"unknown option {echo(option_id)} of decision {echo(decision_id)}: "
            f"expected one of {', '.join(options)}",
        )
        return 0


def _window(item: EventSpec | DecisionSpec, start: int, end: int) -> tuple[int, int, bool]:
    """The months an entry may run in (clipped to the scenario) and whether it is all past.

    An entry inherited through ``extends:`` may lie before the start (the past of an era)
    or after the end (a shorter scenario); ``_early_problems`` holds the file's own entries
    to the period.
    """
    if item.date is not None:
        first = last = parse_month(item.date)
    elif item.window is not None:
        first, last = parse_month(item.window[0]), parse_month(item.window[1])
    else:
        return start, end, False
    return max(first, start), min(last, end), last < start


def _compile(spec: Scenario, merged: _Merged, file: str) -> CompiledScenario:
    table = _Table(spec, merged)
    start, end = parse_month(spec.start), parse_month(spec.end)

    def effects(items: list[Any], loc: Loc, *, option: bool = False) -> tuple[Effect, ...]:
        """The compiled effects; a decision option may hold only acts and flags."""
        out = []
        for k, item in enumerate(items):
            kind = kind_of(item)
            if option and not EFFECTS[kind].act and kind not in ("set_flag", "clear_flag"):
                table.problem((*loc, k, kind), _not_an_act(kind))
                continue
            try:
                out.append(compile_effect(item, table, (*loc, k)))
            except ValueError as exc:
                table.problem((*loc, k), str(exc))
        return tuple(out)

    events = []
    for k, ev in enumerate(spec.events):
        loc: Loc = ("events", k)
        first, last, past = _window(ev, start, end)
        when = compile_condition(ev.when, table, (*loc, "when")) if ev.when else None
        if ev.when is None and first > start and not past and not ev.exogenous:
            table.problem(
                loc,
                "an event with no 'when' condition after the start must say why "
                "with 'exogenous: <reason>' (otherwise no earlier choice can change it)",
            )
        n = max(1, last - first + 1)
        if ev.mtth is not None:
            hazard = 1.0 - math.exp(-1.0 / ev.mtth)
        elif ev.chance is not None:
            hazard = 1.0 if ev.chance >= 1 else 1.0 - (1.0 - ev.chance) ** (1.0 / n)
        else:
            hazard = 1.0
        fns = effects(ev.effects, (*loc, "effects"))
        modifiers = tuple(
            (m.factor, compile_condition(m.when, table, (*loc, "modifiers", n, "when")))
            for n, m in enumerate(ev.modifiers)
        )
        events.append(
            CompiledEvent(
                k,
                ev,
                first,
                last,
                hazard,
                when,
                fns,
                stream_id("event:" + ev.id),
                past,
                mtth=ev.mtth,
                modifiers=modifiers,
            )
        )

    decisions = []
    for k, dec in enumerate(spec.decisions):
        loc = ("decisions", k)
        first, last, past = _window(dec, start, end)
        when = compile_condition(dec.when, table, (*loc, "when")) if dec.when else None
        options = tuple(
            CompiledOption(
                n,
                o.id,
                o.label,
                effects(o.effects, (*loc, "options", n, "effects"), option=True),
                o.historical,
            )
            for n, o in enumerate(dec.options)
        )
        decisions.append(
            CompiledDecision(
                k,
                dec,
                INDEX[dec.actor],
                first,
                last,
                when,
                options,
                stream_id("decision:" + dec.id),
                past,
            )
        )

    force: dict[int, int] = {}
    for decision_id, option_id in spec.force.items():
        d = table.decision(decision_id, ("force", decision_id))
        if decision_id in table.decisions:
            force[d] = table.option(decision_id, option_id, ("force", decision_id))
            if decisions[d].past or decisions[d].first > end:
                side = (
                    "before this scenario starts"
                    if decisions[d].past
                    else "after this scenario ends"
                )
                table.problem(
                    ("force", decision_id),
                    f"{echo(decision_id)} is decided {side} ({spec.start} to {spec.end}), so "
                    "forcing it would change nothing; force it in a scenario whose period "
                    "holds it",
                )

    assumed_decisions: dict[int, int] = {}
    for decision_id, option_id in spec.assume.decisions.items():
        where: Loc = ("assume", "decisions", decision_id)
        d = table.decision(decision_id, where)
        if decision_id in table.decisions:
            assumed_decisions[d] = table.option(decision_id, option_id, where)
            if not decisions[d].past:
                table.problem(
                    where,
                    f"only a decision before the start ({spec.start}) can be "
                    f"assumed; {echo(decision_id)} can still be taken",
                )
    assumed_events: list[int] = []
    for n, event_id in enumerate(spec.assume.events):
        where = ("assume", "events", n)
        e = table.event(event_id, where)
        if event_id in table.events:
            assumed_events.append(e)
            if not events[e].past:
                table.problem(
                    where,
                    f"only an event before the start ({spec.start}) can be "
                    f"assumed; {echo(event_id)} can still happen",
                )

    initial = np.zeros((N_ACTORS, N_ACTORS))
    for key, value in spec.relations.items():
        a, b = key.split("->")
        initial[INDEX[a], INDEX[b]] = value
    memory = initial.copy()
    for key, value in (spec.memory or {}).items():
        a, b = key.split("->")
        memory[INDEX[a], INDEX[b]] = value
    leaders = tuple(
        tuple(
            sorted(
                (parse_month(leader.start), leader.modifiers)
                for leader in (spec.actors[a].leaders if a in spec.actors else [])
            )
        )
        for a in ACTORS
    )
    ideology = np.array([spec.actors[a].ideology if a in spec.actors else 0.0 for a in ACTORS])
    weights = np.zeros((N_ACTORS, 4))
    temperatures = np.full(N_ACTORS, spec.dynamics.temperature)
    bloc = np.zeros(N_ACTORS, dtype=np.int8)
    for a, actor in spec.actors.items():
        i = INDEX[a]
        w = actor.weights
        weights[i] = (w.security, w.economy, w.ideology, w.prestige)
        if actor.temperature is not None:
            temperatures[i] = actor.temperature
        bloc[i] = Bloc.from_label(actor.bloc).value
    for a in ACTORS:
        if a not in spec.actors:
            from sim.schema import Weights

            w = Weights()
            weights[INDEX[a]] = (w.security, w.economy, w.ideology, w.prestige)

    if table.problems:
        raise ScenarioError(table.problems)
    data = copy.deepcopy(merged.data)
    data.pop("set", None)
    places = {
        d.id: (*merged.origin(("decisions", k)), merged.shown(("decisions", k)))
        for k, d in enumerate(spec.decisions)
    }
    return CompiledScenario(
        spec,
        data,
        file,
        start,
        end,
        table.flag_names,
        events,
        decisions,
        force,
        assumed_decisions,
        assumed_events,
        initial,
        ideology,
        weights,
        temperatures,
        bloc,
        memory,
        leaders,
        places,
    )


# --------------------------------------------------------------------------- entry points


def load_scenario(
    name_or_path: str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    force: Mapping[str, str] | None = None,
    file_set: bool = True,
    override_labels: Mapping[str, str] | None = None,
) -> CompiledScenario:
    """Load, validate and compile a scenario by built-in name or path.

    ``overrides`` are ``set:`` entries (``{"dynamics.balance": 0.05}``) applied after the
    file's own; ``force`` maps decision ids to option ids. ``file_set=False`` leaves out
    the files' own ``set:`` blocks (calibration starts from the values written in the
    body, not from an earlier fit). ``override_labels`` names where an override came from
    in messages (``{"dynamics.balance": "--sweep"}``; the default is ``--set``). Raises
    ``ScenarioError`` listing every problem found.
    """
    path = resolve_name(name_or_path)
    roots = [builtin_dir().resolve(), path.resolve().parent]
    merged = _read_merged(path, roots, [])
    if not file_set:
        merged.data.pop("set", None)
    return _finish(merged, shown_path(path), overrides, force, override_labels)


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


def _month_or_none(value: Any) -> int | None:
    """A month number, or None if the value is not a ``YYYY-MM`` month (validation says so)."""
    try:
        return parse_month(value)
    except (ValueError, TypeError):
        return None


def _early_problems(merged: _Merged, file: str) -> list[Problem]:
    """Problems the raw data shows before validation, reported with validation's own.

    The period (``end`` after ``start``, at most ``MAX_MONTHS``), repeated ids, and the
    dates of the file's own events and decisions: checked here on whatever is well formed,
    so that a file with other mistakes learns of these in the same pass, not the next one.
    A bound set by an override is blamed on the override.
    """
    data = merged.data
    problems: list[Problem] = []

    def report(loc: Loc, message: str) -> None:
        problems.append(Problem(*merged.origin(loc), merged.shown(loc), message))

    start, end = _month_or_none(data.get("start")), _month_or_none(data.get("end"))
    if start is not None and end is not None:
        overridden_start = ("start",) in merged.overridden and ("end",) not in merged.overridden
        blamed: Loc = ("start",) if overridden_start else ("end",)
        if end < start:
            report(blamed, f"'end' ({format_month(end)}) is before 'start' ({format_month(start)})")
            start = end = None
        elif end - start + 1 > MAX_MONTHS:
            report(
                blamed,
                f"the scenario runs {end - start + 1:,} months ({format_month(start)} to "
                f"{format_month(end)}); at most {MAX_MONTHS:,} are allowed",
            )
            start = end = None
    for key in _ID_LISTS:
        items = data.get(key)
        if not isinstance(items, list):
            continue
        seen: dict[str, int] = {}
        for k, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            loc: Loc = (key, k)
            item_id = item.get("id")
            if isinstance(item_id, str):
                if item_id in seen:
                    first = f"{key}[{seen[item_id]}]"
                    report(
                        (*loc, "id"), f"duplicate {key[:-1]} id {echo(item_id)} (first at {first})"
                    )
                seen.setdefault(item_id, k)
            if key == "decisions":
                problems += _repeated_options(merged, loc, item.get("options"))
            inherited = merged.saved or merged.origin(loc)[0] != file
            if start is not None and end is not None and not inherited:
                problems += _dates_outside(merged, loc, item, start, end)
    return problems


def _repeated_options(merged: _Merged, loc: Loc, options: Any) -> list[Problem]:
    """A decision's option ids given twice, each reported at its repetition."""
    if not isinstance(options, list):
        return []
    problems = []
    seen: dict[str, int] = {}
    for n, option in enumerate(options):
        option_id = option.get("id") if isinstance(option, dict) else None
        if not isinstance(option_id, str):
            continue
        if option_id in seen:
            where: Loc = (*loc, "options", n, "id")
            problems.append(
                Problem(
                    *merged.origin(where),
                    merged.shown(where),
                    f"duplicate option id {echo(option_id)} (first at options[{seen[option_id]}])",
                )
            )
        seen.setdefault(option_id, n)
    return problems


def _dates_outside(
    merged: _Merged, loc: Loc, item: dict[str, Any], start: int, end: int
) -> list[Problem]:
    """An entry's date or window outside the period, or a window that ends before it starts."""
    window = item.get("window")
    if "date" in item:
        where: Loc = (*loc, "date")
        months = [_month_or_none(item["date"])]
    elif isinstance(window, list) and len(window) == 2:
        where = (*loc, "window")
        months = [_month_or_none(window[0]), _month_or_none(window[1])]
    else:
        return []
    if None in months:
        return []  # validation says what is wrong with the month
    problems = []
    first, last = months[0], months[-1]
    assert first is not None and last is not None
    if last < first:
        problems.append(
            Problem(
                *merged.origin(where),
                merged.shown(where),
                f"window ends ({format_month(last)}) before it starts ({format_month(first)})",
            )
        )
    span = (
        format_month(first) if first == last else f"{format_month(first)} to {format_month(last)}"
    )
    blamed: set[Loc] = set()  # overridden bounds already blamed for this entry
    for m in dict.fromkeys((first, last)):
        if start <= m <= end:
            continue
        bound: Loc = ("start",) if m < start else ("end",)
        if bound not in merged.overridden:
            problems.append(
                Problem(
                    *merged.origin(where),
                    merged.shown(where),
                    f"expected a month within the scenario "
                    f"({format_month(start)} to {format_month(end)}), got {format_month(m)}",
                )
            )
        elif bound not in blamed:
            blamed.add(bound)
            file, line = merged.origin(where)
            side = "before the start" if m < start else "after the end"
            problems.append(
                Problem(
                    *merged.origin(bound),
                    merged.shown(bound),
                    f"{format_month(start if m < start else end)} leaves "
                    f"{merged.shown(where)} ({file}:{line}: {span}) {side} of the scenario",
                )
            )
    return problems


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


def validate_files(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem in each of the given scenario files (empty if all are valid)."""
    problems: list[Problem] = []
    for p in paths:
        try:
            load_scenario(p)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return problems
