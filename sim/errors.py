"""Problems found in a scenario file, collected and reported together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a file: where it is and what was expected."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


ECHO_LIMIT = 60
"""Characters of a user's value echoed in a message; longer values are cut (a key of a
megabyte is shown by its start and its length, not whole)."""


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text``, or its start and its length if it is longer than ``limit`` characters."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value as a message echoes it: its ``repr``, cut to ``limit`` characters.

    A cut text gives its own length (``'99999...' (5,000 characters)``), not its repr's,
    which counts the quotes and the backslashes of escapes.
    """
    text = repr(value)
    if isinstance(value, str) and len(text) > limit:
        return f"{text[:limit]}... ({len(value):,} characters)"
    return shorten(text, limit)


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem]]]:
        # raised in a batch's worker, it reaches the batch's process with its problems
        return (ScenarioError, (self.problems,))
