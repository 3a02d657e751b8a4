"""Months as integers: the model's clock runs one step per calendar month."""

from __future__ import annotations

import re

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
r"""ASCII digits only: ``\d`` would also read Arabic-Indic and other digits as a year."""


def parse_month(text: str) -> int:
    """Turn ``"1947-08"`` into a month number (year * 12 + month - 1).

    Raises:
        ValueError: if the text is not ``YYYY-MM`` with a month from 01 to 12.

    """
    m = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def format_month(month: int) -> str:
    """Turn a month number back into ``YYYY-MM``."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"
