"""A small line chart of one state's attitudes over time, drawn with pygame."""

from __future__ import annotations

import numpy as np
import pygame

from game import look
from game.widgets import shortened
from sim.actors import ACTORS, StateNames

LEGEND_SHARE = 0.3
"""The most of a chart's width its legend (the states' names at the lines' ends) may take."""


def legend(font: pygame.font.Font, names: StateNames, actor: str, width: int) -> dict[str, str]:
    """The other states' names for the lines' ends, each shortened to fit ``width`` pixels."""
    return {o: shortened(font, names[o], width) for o in ACTORS if o != actor}


def attitude_chart(
    size: tuple[int, int],
    months: list[int],
    series: np.ndarray,
    actor: str,
    scale: float,
    names: StateNames,
) -> pygame.Surface:
    """How ``actor`` regarded each other state, month by month: one line per state, named."""
    w, h = size
    surface = pygame.Surface((w, h))
    surface.fill(look.colour("#chart", "bg"))
    small = look.font(max(9, round(11 * scale)))
    text = look.colour("#chart", "text")
    gap = round(4 * scale)
    labels = legend(small, names, actor, round(w * LEGEND_SHARE) - gap)
    widest = max(small.size(t)[0] for t in labels.values())
    left, right = round(30 * scale), widest + 2 * gap
    top, bottom = round(8 * scale), round(20 * scale)
    pw, ph = w - left - right, h - top - bottom

    def y_of(v: float) -> float:
        return top + (100 - v) / 200 * ph

    for v in (-100, -50, 0, 50, 100):
        colour = look.colour("#chart", "zero" if v == 0 else "grid")
        pygame.draw.line(surface, colour, (left, y_of(v)), (left + pw, y_of(v)), 1)
        label = small.render(f"{v:+d}" if v else "0", True, text)
        surface.blit(label, label.get_rect(midright=(left - 3, y_of(v))))
    first, last = months[0], max(months[-1], months[0] + 1)

    def x_of(m: float) -> float:
        return left + (m - first) / (last - first) * pw

    for year in range(first // 12, last // 12 + 1):
        if year % 10 == 0 or (last - first < 120 and year % 2 == 0):
            x = x_of(year * 12)
            if left <= x <= left + pw:
                label = small.render(str(year), True, text)
                surface.blit(label, label.get_rect(midtop=(x, top + ph + 2)))
    ends: list[tuple[float, str, pygame.Color]] = []
    name: str
    for j, other in enumerate(ACTORS):
        if other == actor:
            continue
        colour = look.colour("#chart", other)
        values = series[:, j]
        if len(months) >= 2:
            points = [(x_of(m), y_of(float(v))) for m, v in zip(months, values, strict=True)]
            pygame.draw.lines(surface, colour, False, points, max(1, round(2 * scale)))
        ends.append((y_of(float(values[-1])), labels[other], colour))
    # labels at the right end, nudged apart so that they never overlap
    ends.sort()
    step = small.get_height()
    placed: list[float] = []
    for y, name, colour in ends:
        y = max(y, placed[-1] + step) if placed else y
        placed.append(y)
        label = small.render(name, True, colour)
        surface.blit(label, label.get_rect(midleft=(left + pw + gap, min(y, h - step / 2))))
    return surface
