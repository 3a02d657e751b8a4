"""What is wrong with scenario data, said as ``file:line: path: what was expected``.

Shared with the recorded history's loader (``sim.history``): pydantic's errors in words,
and the checks that need the merged data (the period, repeated ids, dates outside it).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sim.calendar import format_month, parse_month
from sim.errors import Problem, echo
from sim.limits import MAX_MONTHS
from sim.schema import (
    MONTH_PATTERN,
    NAME_PATTERN,
    Scenario,
)
from sim.vocabulary import (
    Loc,
)
from sim.yamlfile import Document, dotted

if TYPE_CHECKING:
    from sim.scenario.sources import _Merged

_ID_LISTS = ("events", "decisions")
"""The lists of a scenario whose items are addressed by id."""


def _kind(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        type(None): "nothing",
    }.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


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
    NAME_PATTERN: "a name that is not blank (leave 'name' out for the state's usual name)",
}


_BOUNDS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")
"""pydantic's errors for a number beyond a field's bounds."""


def describe_error(error: Mapping[str, Any]) -> str:
    """A pydantic error as 'what was expected, what was found'."""
    kind = error["type"]
    found = error.get("input")
    if kind in _BOUNDS and isinstance(found, float) and not math.isfinite(found):
        # YAML's .inf, -.inf and .nan (or 1e999): no bound is what is wrong with them
        return f"expected a finite number, got {found!r}"
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        # a key known elsewhere (``base``: a leader's) is no suggestion for itself
        others = sorted(_known_keys() - {key})
        hint = difflib.get_close_matches(key, others, n=1, cutoff=0.75)
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
    checked = kind in ("value_error", "assertion_error")  # a validator's own whole message
    if kind in ("condition_kind", "effect_kind") or (
        isinstance(found, dict | list) and not checked
    ):
        return (
            f"{message}, got {_kind(found)}"
            if not isinstance(found, dict)
            else (f"{message}, got keys {', '.join(map(str, found)) or '(none)'}")
        )
    if "input" in error and not checked:
        return f"{message}, got {echo(found)}"
    return message


def validation_problems(doc: Document, error: ValidationError) -> list[Problem]:
    """A pydantic error on a whole YAML document as ``file:line: path: what was expected``."""
    return [
        Problem(
            doc.file,
            doc.line_of(clean_loc(e["loc"])),
            dotted(clean_loc(e["loc"])),
            describe_error(e),
        )
        for e in error.errors()
    ]


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
