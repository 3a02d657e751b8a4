"""Safe YAML reading that remembers the line of every value.

Only plain data is built (mappings, lists, strings, numbers, booleans, null): a tag that
asks for a Python object is refused before anything is constructed, duplicate keys are
reported, and the size of the file and of the data it expands to (aliases included) are
bounded so that an alias bomb is refused quickly with bounded memory.

Numbers are read as YAML 1.2's core schema writes them (``12``, ``-3``, ``0.5``, ``1e-3``,
``.inf``; ``012`` is twelve, not octal ten), not as YAML 1.1's: ``1:30`` (base 60),
``0x10``, ``0o17`` and ``1_000`` stay text, so that a field that wants a number says so
instead of reading 90 or 16. Booleans too are the core schema's (``true``, ``false``, in
lower case, capitalised or upper case): YAML 1.1's ``yes``, ``no``, ``on``, ``off`` are
text, so that an option with ``id: no`` is the option ``no``, not the value false (a field
that wants true or false still takes ``yes`` and ``no``: the schema reads them).
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import yaml

from sim.errors import Problem, echo, shorten
from sim.files import UnreadableFile, read_bounded

MAX_FILE_BYTES = 1_000_000
"""A scenario larger than this is refused unread (the 1947-1991 baseline is far smaller)."""

MAX_NODES = 200_000
"""At most this many values after aliases are expanded (a billion-laughs file hits it fast)."""

MAX_INT_DIGITS = 100
"""Digits of a whole number read at most (Python refuses to read more than 4,300; no
scenario value needs more than a few)."""

KEY_ECHO_LIMIT = 40
"""Characters of a key shown in a location (``events[0].<a very long key>...``)."""

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"

# libyaml's parser when PyYAML was built with it (several times faster), else pure Python;
# both compose the same nodes with the same marks, and only plain data is built from them.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# YAML 1.2's core schema, base 10 only (a leading zero is no octal: 012 is twelve)
_CORE_INT = re.compile(r"^[-+]?[0-9]+$")
_CORE_FLOAT = re.compile(  # a whole number matches too, but the int resolver comes first
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
CORE_BOOLEANS: Final[Mapping[str, bool]] = {
    spelling: value
    for word, value in (("true", True), ("false", False))
    for spelling in (word, word.capitalize(), word.upper())
}
"""YAML 1.2's core booleans by spelling (``true``, ``True``, ``TRUE``, and the same of false):
the only ones the files and the command line (``sim.values``) read; ``tRuE`` is text."""

_CORE_BOOL = re.compile("^(?:" + "|".join(CORE_BOOLEANS) + ")$")
_CORE_NUMBERS = ((_INT, _CORE_INT, "-+0123456789"), (_FLOAT, _CORE_FLOAT, "-+.0123456789"))


def _core_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """The loader's implicit resolvers, YAML 1.1's numbers and booleans made the core's."""
    out: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, resolvers in _Base.yaml_implicit_resolvers.items():
        kept = [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT, _BOOL)]
        if kept:
            out[first] = kept
    for tag, regexp, firsts in _CORE_NUMBERS:
        for first in firsts:
            out.setdefault(first, []).insert(0 if tag == _INT else 1, (tag, regexp))  # int first
    for first in "tTfF":
        out.setdefault(first, []).append((_BOOL, _CORE_BOOL))
    return out


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader, reading numbers and booleans as YAML 1.2's core schema does."""

    yaml_implicit_resolvers = _core_resolvers()


Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """Plain data read from a YAML file, with the line (1-based) of each value by its path."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """The line of the value at ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)


class _Budget(Exception):
    """Raised when a document expands beyond MAX_NODES."""


class _Builder:
    """Turns a composed node graph into plain data, counting every node it builds."""

    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        self.count = 0
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []
        self.written: dict[int, set[int]] = {}  # mapping node -> its own key nodes (not merged)

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Budget
        line = node.start_mark.line + 1
        self.lines[path] = line
        if node.tag == _TIMESTAMP and isinstance(node, yaml.ScalarNode):
            return str(node.value)  # a date stays text; the schema says which form it wants
        if node.tag not in _PLAIN_TAGS:
            self.problems.append(
                Problem(
                    self.file,
                    line,
                    _dotted(path),
                    f"YAML tag {echo(node.tag)} is not allowed: "
                    "a scenario holds plain data only (nothing was built or run)",
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            # keys written here may repeat a key merged in with '<<', not one another
            written = self.written.setdefault(id(node), {id(k) for k, _ in node.value})
            self.loader.flatten_mapping(node)
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                    self.problems.append(
                        Problem(
                            self.file,
                            key_node.start_mark.line + 1,
                            _dotted(path),
                            "a key must be a plain value",
                        )
                    )
                    continue
                key = self.scalar(key_node, path)
                if isinstance(key, bool) or key is None:
                    key = str(key_node.value)
                if id(key_node) not in written:
                    pass  # merged in: a key written here overrides it
                elif key in seen:
                    self.problems.append(
                        Problem(
                            self.file,
                            key_node.start_mark.line + 1,
                            _dotted((*path, key)),
                            "duplicate key (each key may appear once)",
                        )
                    )
                else:
                    seen.add(key)
                out[key] = self.build(value_node, (*path, key))
                self.lines[(*path, key)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, (*path, i)) for i, v in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: Path_) -> Any:
        """A scalar's value; a number too long to read, or not one its tag names, is a problem."""
        value = str(node.value)
        digits = sum(c.isdigit() for c in value) if node.tag == _INT else 0
        if digits > MAX_INT_DIGITS:
            problem = f"expected a number of at most {MAX_INT_DIGITS} digits, got {digits:,} digits"
        elif node.tag == _INT and _CORE_INT.match(value):
            return int(value)  # base 10 (PyYAML's constructor would read 012 as octal)
        else:
            try:
                return self.loader.construct_object(node)
            except (ValueError, KeyError, TypeError, ArithmeticError):
                # only an explicit tag gets here (!!int "ten", !!bool "maybe")
                problem = f"{echo(value)} is not a value of YAML tag {echo(node.tag)}"
        self.problems.append(Problem(self.file, node.start_mark.line + 1, _dotted(path), problem))
        return None


def _dotted(path: Path_) -> str:
    """Render a path as ``events[3].effects[0].attitude``."""
    out = ""
    for part in path:
        name = shorten(str(part), KEY_ECHO_LIMIT)
        out += f"[{part}]" if isinstance(part, int) else (f".{name}" if out else name)
    return out


dotted = _dotted


PARSED_KEPT: Final = 32
"""How many parsed files a process keeps (``read_yaml``): every built-in scenario and more."""

_parsed: OrderedDict[tuple[str, bytes], tuple[Document | None, list[Problem]]] = OrderedDict()


def read_yaml(
    path: Path, shown_as: str | None = None, *, shared: bool = False
) -> tuple[Document | None, list[Problem]]:
    """Read ``path`` as plain YAML data; return the document or the problems that stop it.

    The file is read every time, and parsed once per content: a scenario extending the
    baseline, checked beside it, or each combination of a sweep would otherwise parse the
    same bytes again (a twentieth of a second each for the baseline). A parse is kept by
    the hash of the bytes, never by a file's name or time, so an edited file is parsed
    anew however soon; and each caller gets its own copy of the data, which loading a
    scenario changes, unless it asks for the ``shared`` document, which it must only read
    (the catalog of built-ins reads their headers and ids).
    """
    name = shown_as or str(path)
    try:
        raw = read_bounded(path, MAX_FILE_BYTES)
    except UnreadableFile as exc:
        return None, [Problem(name, 0, "", str(exc))]
    key = (name, hashlib.sha256(raw).digest())
    kept = _parsed.get(key)
    if kept is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
            kept = None, [Problem(name, 0, "", problem)]
        else:
            kept = parse_yaml(text, name)
        _parsed[key] = kept
        if len(_parsed) > PARSED_KEPT:
            _parsed.popitem(last=False)
    else:
        _parsed.move_to_end(key)
    doc, problems = kept
    if doc is None:
        return None, list(problems)
    if shared:
        return doc, []
    return replace(doc, data=copy.deepcopy(doc.data), lines=dict(doc.lines)), []


def parse_yaml(text: str, name: str) -> tuple[Document | None, list[Problem]]:
    """Parse YAML text (see ``read_yaml``)."""
    try:
        loader = _Loader(text)  # checks every character first
    except yaml.reader.ReaderError as exc:
        return None, [_reader_problem(name, text, exc)]
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(name, 1, "", "the file is empty; expected a scenario mapping")]
        builder = _Builder(name, loader)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(name, line, "", f"YAML syntax error: {what}")]
    except yaml.reader.ReaderError as exc:
        return None, [_reader_problem(name, text, exc)]
    except yaml.YAMLError as exc:
        return None, [Problem(name, 0, "", f"YAML error: {exc}")]
    except _Budget:
        return None, [
            Problem(
                name,
                0,
                "",
                f"the document expands to more than {MAX_NODES:,} values (an alias bomb?); refused",
            )
        ]
    except RecursionError:
        return None, [Problem(name, 0, "", "the document is nested too deeply; refused")]
    finally:
        loader.dispose()
    if builder.problems:
        return None, builder.problems
    return Document(name, data, builder.lines), []


def _reader_problem(name: str, text: str, exc: yaml.reader.ReaderError) -> Problem:
    """A character YAML does not allow (a control character, say), with its line."""
    line = text.count("\n", 0, max(exc.position, 0)) + 1
    what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
    return Problem(name, line, "", f"character {what} is not allowed in YAML ({exc.reason})")
