"""Numbers as the timeline, the reports and the game print them."""

from __future__ import annotations


def signed(x: float, places: int = 0) -> str:
    """``x`` with its sign to ``places`` decimals: "+3", "-2.5"; zero has none ("0", "0.0").

    A value that rounds to zero is never shown as "-0" or "+0".
    """
    text = f"{x:+.{places}f}"
    return text[1:] if float(text) == 0 else text
