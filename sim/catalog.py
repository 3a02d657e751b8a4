"""The built-in scenarios as written: their headers and ids, read without compiling.

``frontline scenarios`` lists the built-ins from their headers (id, title, start, end,
through ``extends:``) in a fraction of the time compiling them takes, and records are
checked against every id the built-ins have. Each file is parsed once a process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sim.scenario.sources as scenarios
from sim.calendar import parse_month
from sim.errors import ScenarioError
from sim.limits import MAX_MONTHS
from sim.scenario import MAX_EXTENDS_DEPTH, resolve_extends, shown_path
from sim.yamlfile import Document, read_yaml


@dataclass(frozen=True)
class KnownIds:
    """The event ids, and the decision ids with their option ids, that some scenario has."""

    events: frozenset[str]
    decisions: dict[str, frozenset[str]]


def builtin_ids() -> KnownIds:
    """Every event and decision id of the built-in scenarios, read from the files as written.

    The files are parsed, not compiled (a record's ids are checked against these, and a
    typo in a record must not pass because some scenario is shorter).
    """
    events: set[str] = set()
    decisions: dict[str, set[str]] = {}
    for name in scenarios.builtin_names():
        doc = _builtin_document(scenarios.builtin_dir() / f"{name}.yaml")
        data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
        for item in _items(data.get("events")):
            events.add(item["id"])
        for item in _items(data.get("decisions")):
            decisions.setdefault(item["id"], set()).update(
                o["id"] for o in _items(item.get("options"))
            )
    return KnownIds(frozenset(events), {k: frozenset(v) for k, v in decisions.items()})


def _items(value: Any) -> list[dict[str, Any]]:
    """The mappings with a text ``id`` in a list (anything else is left to validation)."""
    if not isinstance(value, list):
        return []
    return [x for x in value if isinstance(x, dict) and isinstance(x.get("id"), str)]


def _builtin_document(path: Path) -> Document | None:
    """A built-in file as parsed YAML, to be read only (None if it cannot be read or parsed).

    Parsed once a process while its content stays the same (``read_yaml``'s kept parses).
    """
    return read_yaml(path, shown_path(path), shared=True)[0]


@dataclass(frozen=True)
class Summary:
    """A built-in scenario's id, title and period, as its files' headers give them."""

    name: str
    id: str = ""
    title: str = ""
    start: str = ""
    end: str = ""
    problem: str | None = None

    @property
    def months(self) -> int:
        """How many months it runs (0 if its header is not sound)."""
        if self.problem is not None:
            return 0
        return parse_month(self.end) - parse_month(self.start) + 1


def summary(name: str) -> Summary:
    """A built-in scenario's header, read from its file and those it extends, uncompiled.

    Only ``id``, ``title``, ``start`` and ``end`` are read and checked (a child's win over
    its parent's); ``problem`` says what is wrong with them. The rest of the scenario is
    not checked here: ``load_scenario`` (``frontline validate``) checks it all.
    """
    path = scenarios.builtin_dir() / f"{name}.yaml"
    header: dict[str, Any] = {}
    seen: list[Path] = []
    while True:
        doc = _builtin_document(path)
        if doc is None or not isinstance(doc.data, dict):
            return Summary(name, problem=f"{shown_path(path)} cannot be read as a scenario")
        for key in ("id", "title", "start", "end"):
            if key in doc.data:
                header.setdefault(key, doc.data[key])
        ref = doc.data.get("extends")
        if ref is None:
            break
        seen.append(path.resolve())
        try:
            path = resolve_extends(
                str(ref),
                path,
                [scenarios.builtin_dir().resolve()],
                shown_path(path),
                doc.line_of(("extends",)),
            )
        except ScenarioError as exc:
            return Summary(name, problem=str(exc))
        if path.resolve() in seen or len(seen) > MAX_EXTENDS_DEPTH:
            return Summary(name, problem="its extends: chain loops or is too deep")
    values = {k: header.get(k) for k in ("id", "title", "start", "end")}
    if not all(isinstance(v, str) and v for v in values.values()):
        missing = [k for k, v in values.items() if not (isinstance(v, str) and v)]
        return Summary(name, problem=f"no text for {', '.join(missing)}")
    start, end = _month_or_none(values["start"]), _month_or_none(values["end"])
    if start is None or end is None:
        return Summary(name, problem="its start or end is not a month YYYY-MM")
    if not 0 <= end - start < MAX_MONTHS:
        return Summary(name, problem=f"its period {values['start']} to {values['end']} is wrong")
    return Summary(name, *(str(values[k]) for k in ("id", "title", "start", "end")))


def _month_or_none(value: Any) -> int | None:
    """A month number, or None if the value is not a ``YYYY-MM`` month."""
    try:
        return parse_month(value)
    except (ValueError, TypeError):
        return None
