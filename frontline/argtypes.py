"""Argument types shared by every ``frontline`` command, the game's included.

Each reads one command-line value and raises ``argparse.ArgumentTypeError`` with what it
expected, so that ``frontline run --seed`` and ``frontline play --seed`` read, and refuse,
the same things. Importing this module imports neither the model nor pygame.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from sim.errors import echo
from sim.limits import MAX_SEED


def whole(text: str) -> int:
    """A whole number in ASCII digits (``int`` would take ``٣`` or ``1_000`` too)."""
    if not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {echo(text)}")
    try:
        return int(text)
    except ValueError:  # more digits than Python reads (4,300): beyond any bound here
        raise argparse.ArgumentTypeError(
            f"expected a whole number of at most 4,300 digits, got {echo(text)}"
        ) from None


def seed(text: str) -> int:
    """A seed from the command line: 0 to 2**63 - 1 (parquet columns are int64)."""
    value = whole(text)
    if not 0 <= value < MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 0 to 2**63 - 1, got {echo(text)}"
        )
    return value


def given(what: str) -> Callable[[str], str]:
    """An argparse type: any text but an empty one (``""`` would mean the default, or ``.``)."""

    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"expected {what}, got {echo(text)}")
        return text

    return parse
