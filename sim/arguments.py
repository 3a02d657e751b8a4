"""Checking the arguments a researcher passes to the Python API, before anything changes.

A wrong argument is refused with a ``TypeError`` (not a number, not a collection) or a
``ValueError`` (out of range, unknown id) whose message names the argument, what it expects
and what it got (``source: expected a replicate from 0 to 1, got 5``), never with an
``IndexError`` or a broadcast error from deep inside numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.errors import echo


def flag(name: str, value: Any) -> bool:
    """``value`` as a bool, if it is one (Python's or numpy's); ``"no"`` or ``0`` is refused."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name}: expected True or False, got {echo(value)}")
    return bool(value)


def whole(name: str, value: Any, low: int, high: int | None = None) -> int:
    """``value`` as an int, if it is a whole number from ``low`` to ``high`` (None: no top)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name}: expected a whole number, got {echo(value)}")
    if value < low or (high is not None and value > high):
        span = f"{low:,} or more" if high is None else f"from {low:,} to {high:,}"
        raise ValueError(f"{name}: expected a whole number {span}, got {echo(value)}")
    return int(value)


def row_number(name: str, value: Any, replicates: int) -> int:
    """``value`` as a row index, if it is one of ``replicates`` rows (0..R-1)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name}: expected a replicate number, got {echo(value)}")
    if not 0 <= value < replicates:
        raise ValueError(
            f"{name}: expected a replicate from 0 to {replicates - 1}, got {echo(value)}"
        )
    return int(value)
