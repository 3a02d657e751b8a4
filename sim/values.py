"""Values written on the command line (``--set``, ``--sweep``): read and checked by type.

One small grammar reads them, the same for every argument: a whole number in decimal
digits (``012`` is twelve, never octal), a number as Python writes it (``0.1``, ``1e-1``,
``-.5``; finite only), ``true`` or ``false`` as the scenario files spell them
(``sim.yamlfile.CORE_BOOLEANS``: ``True`` and ``FALSE`` too, ``tRuE`` is text), ``null``
as the files spell it (``Null`` and ``NULL`` too: None), and text, bare or in quotes
(``'0.4'`` and ``'null'`` are text).
Nothing else is special: no YAML 1.1 octal, sexagesimal, hex or ``yes``/``no``, and never
code; a bare ``~`` is refused, since a shell may turn it into a home folder. Each value is
then checked against the type the scenario format (``sim.schema``) gives its path, so a
number goes where a number is expected and ``true`` is not a number, before any scenario
is loaded or anything written; a field that wants true or false takes what it takes in a
file (``yes``, ``no``, ``1``: the schema reads them).
``null`` leaves a field out, as if the file had not given it, and goes only where the
format lets the field be empty: a field with a default is refused, not reset to it.
"""

from __future__ import annotations

import difflib
import math
import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from sim.errors import echo, shorten
from sim.yamlfile import CORE_BOOLEANS

Scalar = bool | int | float | str | None
"""A value the grammar reads (None: ``null``, no value)."""

_WHOLE = re.compile(r"[+-]?[0-9]+")
_NULLS = ("null", "Null", "NULL")
"""YAML 1.2's core spellings of null but ``~`` (refused: a shell may make it a home folder)."""
_NUMBER = re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?")


def parse_value(text: str) -> Scalar:
    """A value as written on the command line (ValueError for a number beyond float range)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text in _NULLS:
        return None
    if text == "~":
        raise ValueError("~ is not read as null here: write null for no value, or '~' for text")
    if text in CORE_BOOLEANS:
        return CORE_BOOLEANS[text]
    if not _NUMBER.fullmatch(text):
        return text
    try:
        number = int(text) if _WHOLE.fullmatch(text) else float(text)
    except ValueError:  # more digits than int() reads
        number = math.inf
    if isinstance(number, int) or math.isfinite(number):
        return number
    raise ValueError(f"{shorten(text)} is too large a number")


def split_values(text: str) -> list[str]:
    """``V1,V2,...`` cut at the commas outside quotes (``'a,b',c`` is two values).

    Raises ValueError for a quote that is never closed.
    """
    parts, start, quote = [], 0, ""
    for k, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and not text[start:k].strip():
            quote = char  # a quote that opens a value
        elif char == ",":
            parts.append(text[start:k])
            start = k + 1
    if quote:
        raise ValueError(f"a quote ({quote}) that is never closed in {echo(text)}")
    parts.append(text[start:])
    return parts


def written(value: Any) -> str:
    """A value as the command line writes it: ``parse_value`` reads it back the same."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    try:
        same = parse_value(text) == text and text == text.strip() and "," not in text
    except ValueError:
        same = False
    if same:
        return text
    quote = '"' if "'" in text else "'"
    return f"{quote}{text}{quote}"


def shown(value: Any) -> str:
    """A value as a message shows it: ``true``, ``0.1``, ``null``, ``'text'`` (a long one cut)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return shorten(repr(value))
    return echo(value)


def kind(value: Any) -> str:
    """What sort of value this is, in words (a sweep's values are of one sort, or null)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return f"a {type(value).__name__}"


# --------------------------------------------------------------------------- the schema's types

_EXPECTED = {"float": "a number", "int": "a whole number", "bool": "true or false", "str": "text"}


def _bare(annotation: Any) -> Any:
    """An annotation without ``Annotated`` and without ``None`` in a union of two."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [m for m in get_args(annotation) if m is not type(None)]
        if len(members) == 1:
            return _bare(members[0])
    return annotation


@dataclass(frozen=True)
class _Place:
    """A place the scenario format defines: its type, and its field (None: a mapping's entry)."""

    annotation: Any
    field: FieldInfo | None


def _place(path: str) -> _Place | str | None:
    """The place a dotted path names in the scenario format.

    A message if the format has no such place (an unknown key); None if the format does not
    say, as for a path into a condition or an effect, or one that ends at a list's item.
    """
    from sim.schema import Scenario

    node: Any = Scenario
    place: _Place | None = None
    for part in path.split("."):
        node = _bare(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            fields = node.model_fields
            found = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
            if found is None:
                names = [f.alias or name for name, f in fields.items()]
                hint = difflib.get_close_matches(part, names, n=1, cutoff=0.75)
                guess = f" (did you mean {hint[0]!r}?)" if hint else ""
                return f"unknown key {echo(part)}{guess}"
            place = _Place(found.annotation, found)
            node = found.annotation
        elif get_origin(node) is dict:
            key, value = get_args(node)
            try:
                TypeAdapter(key).validate_python(part)
            except ValidationError:
                return f"unknown key {echo(part)}"
            place = _Place(value, None)
            node = value
        elif get_origin(node) is list:  # lists of items are addressed by id
            item = _bare(get_args(node)[0])
            if not (isinstance(item, type) and issubclass(item, BaseModel)):
                return None
            if "id" not in item.model_fields:
                return None
            place, node = None, item  # an item as a whole is no field
        else:
            return None
    return place


def _leaf(path: str) -> Any:
    """The annotation the scenario format gives a dotted path (None if it names none)."""
    place = _place(path)
    return place.annotation if isinstance(place, _Place) else None


def _takes_none(annotation: Any) -> bool:
    """Whether a field of this type may be empty (``X | None``, or any value)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if annotation in (Any, None, type(None)):
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_takes_none(m) for m in get_args(annotation))
    return False


def _kinds(annotation: Any) -> set[str] | None:
    """The sorts of scalar a field takes (None if it takes a mapping, list or model)."""
    annotation = _bare(annotation)
    union = get_origin(annotation) in (Union, types.UnionType)
    kinds: set[str] = set()
    for member in get_args(annotation) if union else (annotation,):
        member = _bare(member)
        if member is type(None):
            continue
        if member in (bool, int, float, str):
            kinds.add(member.__name__)
        elif get_origin(member) is Literal and all(isinstance(a, str) for a in get_args(member)):
            kinds.add("str")
        else:
            return None  # the scenario's own checks judge a value put there
    return kinds or None


def expected(path: str) -> str | None:
    """What a path takes, in words (``a number``), or None if it is not a scalar's path."""
    kinds = _kinds(_leaf(path))
    if kinds is None:
        return None
    if "float" in kinds:
        kinds.discard("int")
    return " or ".join(_EXPECTED[k] for k in sorted(kinds))


def value_problem(path: str, value: Any) -> str | None:
    """Why ``value`` cannot go at ``path``, by the type the path takes (None if it can).

    A path that is not a scalar's (unknown, a mapping, a list) gives None: loading the
    scenario reports what is wrong there. ``None`` (``null``) goes only where the field may
    be empty.
    """
    if value is None:
        return _null_problem(path)
    kinds = _kinds(_leaf(path))
    if kinds is None:
        return None
    if isinstance(value, bool):
        fits = "bool" in kinds
    elif kinds == {"bool"}:
        fits = _reads_as_bool(value)  # ``yes``, ``no``, ``1``: what a file may write there
    elif isinstance(value, int):
        fits = bool(kinds & {"int", "float"})
    elif isinstance(value, float):
        fits = "float" in kinds
    else:
        fits = isinstance(value, str) and "str" in kinds
    if fits and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            fits = math.isfinite(float(value))
        except OverflowError:
            fits = False
        if not fits:
            return f"expected a finite number, got {shown(value)}"
    if fits:
        return None
    hint = ""
    if kinds == {"str"} and isinstance(value, int | float):
        hint = " (in quotes, it is text)"
    return f"expected {expected(path)}, got {shown(value)}{hint}"


def _reads_as_bool(value: Any) -> bool:
    """Whether the scenario format reads ``value`` as true or false, as it does in a file."""
    try:
        TypeAdapter(bool).validate_python(value)
    except ValidationError:
        return False
    return True


def _shape(annotation: Any) -> str:
    """What a field that is no scalar takes, in words (``a mapping``)."""
    bare = _bare(annotation)
    if get_origin(bare) is dict or (isinstance(bare, type) and issubclass(bare, BaseModel)):
        return "a mapping"
    if get_origin(bare) in (list, tuple):
        return "a list"
    return "a value"


def _null_problem(path: str) -> str | None:
    """Why ``null`` cannot go at ``path`` (None if the field may be empty, or is not known)."""
    place = _place(path)
    if not isinstance(place, _Place) or _takes_none(place.annotation):
        return None  # not known: loading the scenario reports what is wrong there
    what = expected(path) or _shape(place.annotation)
    field = place.field
    if field is None:
        why = "an entry cannot be empty"
    elif field.is_required():
        why = "this field cannot be left out"
    elif isinstance(field.default, bool | int | float | str):
        why = f"this field cannot be empty; its default is {shown(field.default)}"
    else:
        why = "this field cannot be empty"
    return f"expected {what}, got null ({why})"


def absent_problem(path: str) -> str | None:
    """Why ``null`` at ``path`` is wrong where the scenario does not give that place.

    None if the scenario format has the place: it is already left out, and ``null`` there
    changes nothing. Otherwise the path is unknown, and a message says so.
    """
    place = _place(path)
    if isinstance(place, _Place):
        return None
    return place or f"nothing to leave out: {echo(path)} is not given"
