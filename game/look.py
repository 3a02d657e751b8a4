"""The game's looks: the pygame_gui theme (``assets/theme.json``), scaled, and its fonts.

Every colour and font size lives in the theme, addressed by object id; the map and the
charts, which pygame draws itself, read their colours from the theme's ``#map`` and
``#chart`` blocks. The UI scale multiplies every font size and every layout length.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pygame

ASSETS = Path(__file__).resolve().parent / "assets"
BASE_SIZE = (1280, 800)
"""The window size the layout is designed for at UI scale 1."""

SCALES = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
"""UI scales a player can choose (- and = keys, or --ui-scale)."""


SMALLEST_SIZE = (1000, 560)
"""The smallest window in which every screen fits at UI scale 1 (``tests/game/test_fit.py``).

A scale ``s`` needs ``s`` times this window, since every layout length and font size is
multiplied by ``s``.
"""


SCREEN_ROOM = (40, 100)
"""What a window given no size leaves of the screen, across and down: room for a taskbar and
the window's title bar, so that nothing of it is out of sight on a 1366x768 laptop."""

HEADLESS_DRIVERS = ("dummy", "offscreen")
"""SDL's video drivers without a screen, whose desktop size means nothing."""


def first_window(desktops: list[tuple[int, int]], driver: str) -> tuple[int, int]:
    """The window to open when no size is given: ``BASE_SIZE``, or less where the screen is.

    ``desktops`` are the screens' sizes (``pygame.display.get_desktop_sizes``), the first
    the one the window opens on; never less than the smallest window the screens fit at
    the smallest UI scale.
    """
    if driver in HEADLESS_DRIVERS or not desktops:
        return BASE_SIZE
    least = window_for(SCALES[0])
    width, height = desktops[0]
    return (
        max(least[0], min(BASE_SIZE[0], width - SCREEN_ROOM[0])),
        max(least[1], min(BASE_SIZE[1], height - SCREEN_ROOM[1])),
    )


def auto_scale(size: tuple[int, int]) -> float:
    """The UI scale that suits a window: 1 at 1280x800, larger on bigger screens."""
    ratio = min(size[0] / BASE_SIZE[0], size[1] / BASE_SIZE[1])
    fitting = [s for s in SCALES if s <= max(ratio, SCALES[0]) + 1e-9]
    return max(fitting)


def window_for(scale: float) -> tuple[int, int]:
    """The smallest window in which every screen fits at a UI scale."""
    return math.ceil(SMALLEST_SIZE[0] * scale), math.ceil(SMALLEST_SIZE[1] * scale)


def fitting_scale(size: tuple[int, int], wanted: float) -> float:
    """The UI scale to show in a window: ``wanted`` if the screens fit at it, else a smaller one.

    The smaller one is the largest of ``SCALES`` that fits (the smallest if none does), so
    that a scale chosen for a large window never clips text in a small one.
    """

    def fits(scale: float) -> bool:
        need = window_for(scale)
        return need[0] <= size[0] and need[1] <= size[1]

    if fits(wanted):
        return wanted
    return max([s for s in SCALES if s < wanted and fits(s)], default=min(wanted, SCALES[0]))


@cache
def theme_data() -> dict[str, Any]:
    """The theme file as JSON data."""
    data: dict[str, Any] = json.loads((ASSETS / "theme.json").read_text(encoding="utf-8"))
    return data


SCALED_MISC = ("list_item_height",)
"""Lengths in the theme's ``misc`` blocks that hold text, and so grow with the UI scale."""


def scaled_theme(scale: float) -> dict[str, Any]:
    """The theme with every font size, and the lengths that hold text, multiplied by ``scale``."""
    data: dict[str, Any] = json.loads(json.dumps(theme_data()))
    for block in data.values():
        font = block.get("font") if isinstance(block, dict) else None
        if isinstance(font, dict) and "size" in font:
            font["size"] = str(max(8, round(int(font["size"]) * scale)))
        misc = block.get("misc") if isinstance(block, dict) else None
        for name in SCALED_MISC:
            if isinstance(misc, dict) and name in misc:
                misc[name] = str(round(int(misc[name]) * scale))
    return data


def font_sizes(scale: float) -> list[tuple[str, int, bool, bool]]:
    """Every (name, size, bold, italic) the scaled theme uses, to preload them."""
    out = set()
    for block in scaled_theme(scale).values():
        font = block.get("font") if isinstance(block, dict) else None
        if isinstance(font, dict):
            out.add(
                (
                    str(font.get("name", "noto_sans")),
                    int(font["size"]),
                    font.get("bold") == "1",
                    font.get("italic") == "1",
                )
            )
    return sorted(out)


def colour(block: str, name: str) -> pygame.Color:
    """A colour of the theme's ``#map`` or ``#chart`` block (for what pygame draws itself)."""
    value = theme_data()[block]["colours"][name]
    return pygame.Color(value)


def _font_file(bold: bool) -> Path:
    name = "NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"
    return Path(str(resources.files("pygame_gui.data").joinpath(name)))


@cache
def font(size: int, bold: bool = False) -> pygame.font.Font:
    """The theme's typeface (Noto Sans, shipped with pygame_gui) at a pixel size."""
    return pygame.font.Font(_font_file(bold), max(6, size))
