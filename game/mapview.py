"""The map: the region's real shapes (``assets/map.json``), the six states and their relations.

The asset is made by ``tools/make_map.py`` from Natural Earth; this module only reads it.
Each pair of states is joined by a line between their capitals: solid and blue when they
regard each other well, dashed and orange when badly, dotted and grey near zero, and as
wide as the relation is strong, so the sign never rests on red against green. The United
States lies off the map and stands in a labelled box at its edge.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pygame

from game import look
from sim.actors import ACTORS, INDEX, NAMES

USA_AT = (62.0, 470.0)
"""Where the United States' box stands, in asset units (over the Arabian Sea's west)."""

NEUTRAL_BAND = 5.0
"""Attitudes closer to zero than this are drawn as a thin dotted line."""


@cache
def map_data() -> dict[str, Any]:
    """The map asset."""
    data: dict[str, Any] = json.loads((look.ASSETS / "map.json").read_text(encoding="utf-8"))
    return data


def capital(actor: str, month: str) -> tuple[str, tuple[float, float]]:
    """A state's seat of government in a month (``YYYY-MM``), in asset units."""
    if actor == "USA":
        return "Washington", USA_AT
    seats = map_data()["capitals"][actor]
    current = seats[0]
    for seat in seats:
        if seat["from"] <= month:
            current = seat
    return str(current["name"]), (float(current["at"][0]), float(current["at"][1]))


@dataclass(frozen=True)
class Hit:
    """What the pointer is over: a state, or the line between two states."""

    actor: str | None = None
    pair: tuple[str, str] | None = None


class MapPanel:
    """Draws the map into a rectangle and tells what lies under a point."""

    def __init__(self, rect: pygame.Rect, scale: float, player: str | None) -> None:
        self.rect = pygame.Rect(rect)
        self.scale = scale
        self.player = player
        data = map_data()
        self.width, self.height = float(data["width"]), float(data["height"])
        k = min(self.rect.width / self.width, self.rect.height / self.height)
        self.k = k
        self.ox = self.rect.x + (self.rect.width - self.width * k) / 2
        self.oy = self.rect.y + (self.rect.height - self.height * k) / 2
        self._base: pygame.Surface | None = None
        self._mask: pygame.Surface | None = None
        self._base_key: tuple[Any, ...] | None = None
        self._lines: list[tuple[str, str, tuple[float, float], tuple[float, float], float]] = []

    def to_screen(self, p: tuple[float, float]) -> tuple[float, float]:
        """Asset units to window pixels."""
        return self.ox + p[0] * self.k, self.oy + p[1] * self.k

    def _px(self, v: float) -> int:
        return max(1, round(v * self.scale))

    # ------------------------------------------------------------------ the base layer

    def _render_base(self, east_lost: bool, month: str) -> None:
        key = (east_lost, self.rect.size, self.player)
        if key == self._base_key:
            return
        surface = pygame.Surface(self.rect.size)
        mask = pygame.Surface(self.rect.size)
        surface.fill(look.colour("#map", "sea"))
        mask.fill((0, 0, 0))
        border = look.colour("#map", "border")
        data = map_data()
        shift = (-self.rect.x, -self.rect.y)

        def points(ring: list[list[float]]) -> list[tuple[float, float]]:
            return [
                (self.ox + x * self.k + shift[0], self.oy + y * self.k + shift[1]) for x, y in ring
            ]

        for feature in data["features"]:
            fid = feature["id"]
            owner = fid if fid in INDEX else None
            if fid == "EPAK" and not east_lost:
                owner = "PAK"
            fill = look.colour("#map", owner) if owner else look.colour("#map", "land")
            for ring in feature["rings"]:
                pts = points(ring)
                if len(pts) < 3:
                    continue
                pygame.draw.polygon(surface, fill, pts)
                pygame.draw.polygon(surface, border, pts, 1)
                if owner:
                    pygame.draw.polygon(mask, (INDEX[owner] + 1, 0, 0), pts)
        if self.player in INDEX and self.player != "USA":
            outline = look.colour("#map", "player_outline")
            for feature in data["features"]:
                mine = feature["id"] == self.player or (
                    feature["id"] == "EPAK" and self.player == "PAK" and not east_lost
                )
                if mine:
                    for ring in feature["rings"]:
                        pts = points(ring)
                        if len(pts) >= 3:
                            pygame.draw.lines(surface, outline, True, pts, self._px(3))
        small = look.font(self._px(12))
        grey = look.colour("#map", "context_text")
        for feature in data["features"]:
            if feature["kind"] == "context" and feature.get("name") and "label" in feature:
                x, y = feature["label"]
                text = small.render(str(feature["name"]), True, grey)
                surface.blit(
                    text,
                    text.get_rect(
                        center=(self.ox + x * self.k + shift[0], self.oy + y * self.k + shift[1])
                    ),
                )
        self._base, self._mask, self._base_key = surface, mask, key

    # ------------------------------------------------------------------ drawing

    def draw(
        self,
        surface: pygame.Surface,
        attitudes: np.ndarray | None,
        month: str,
        east_lost: bool,
        hover: Hit | None = None,
    ) -> None:
        """Draw the map, the relations (if given), the capitals and the names."""
        self._render_base(east_lost, month)
        assert self._base is not None
        surface.blit(self._base, self.rect.topleft)
        clip = surface.get_clip()
        surface.set_clip(self.rect)
        self._lines = []
        if attitudes is not None:
            self._draw_lines(surface, attitudes, month, hover)
        self._draw_usa(surface, hover)
        self._draw_labels(surface, month, east_lost, hover)
        surface.set_clip(clip)

    def _draw_lines(
        self, surface: pygame.Surface, att: np.ndarray, month: str, hover: Hit | None
    ) -> None:
        pairs = [(a, b) for i, a in enumerate(ACTORS) for b in ACTORS[i + 1 :]]
        # draw the weak relations first, so that strong ones lie on top
        order = sorted(pairs, key=lambda p: abs(_mutual(att, *p)))
        for a, b in order:
            value = _mutual(att, a, b)
            p = self.to_screen(capital(a, month)[1])
            q = self.to_screen(capital(b, month)[1])
            self._lines.append((a, b, p, q, value))
            lit = hover is not None and hover.pair == (a, b)
            width = self._px(1 + 7 * min(abs(value), 100) / 100)
            if lit:
                pygame.draw.line(surface, look.colour("#map", "highlight"), p, q, width + 6)
            if abs(value) < NEUTRAL_BAND:
                _dashed(surface, look.colour("#map", "neutral"), p, q, 1, self._px(2), self._px(5))
            elif value > 0:
                pygame.draw.line(surface, look.colour("#map", "friendly"), p, q, width)
            else:
                _dashed(
                    surface, look.colour("#map", "hostile"), p, q, width, self._px(12), self._px(7)
                )

    def _usa_box(self) -> pygame.Rect:
        font = look.font(self._px(14), bold=True)
        w, h = font.size(NAMES["USA"])
        x, y = self.to_screen(USA_AT)
        box = pygame.Rect(0, 0, w + self._px(16), h + self._px(10))
        box.center = (round(x), round(y))
        return box

    def _draw_usa(self, surface: pygame.Surface, hover: Hit | None) -> None:
        box = self._usa_box()
        pygame.draw.rect(surface, look.colour("#map", "USA"), box, border_radius=self._px(6))
        edge = "player_outline" if self.player == "USA" else "border"
        width = self._px(3) if self.player == "USA" else 1
        if hover is not None and hover.actor == "USA":
            edge, width = "highlight", self._px(3)
        pygame.draw.rect(surface, look.colour("#map", edge), box, width, border_radius=self._px(6))
        text = look.font(self._px(14), bold=True).render(
            NAMES["USA"], True, look.colour("#map", "label")
        )
        surface.blit(text, text.get_rect(center=box.center))
        hint = look.font(self._px(11)).render(
            "off the map", True, look.colour("#map", "context_text")
        )
        surface.blit(hint, hint.get_rect(midtop=(box.centerx, box.bottom + self._px(2))))

    def _draw_labels(
        self, surface: pygame.Surface, month: str, east_lost: bool, hover: Hit | None
    ) -> None:
        ink = look.colour("#map", "label")
        halo = look.colour("#map", "label_halo")
        font = look.font(self._px(15), bold=True)
        for actor in ACTORS:
            if actor == "USA":
                continue
            _, at = capital(actor, month)
            x, y = self.to_screen(at)
            r = self._px(4)
            pygame.draw.circle(surface, (255, 255, 255), (x, y), r + self._px(2))
            pygame.draw.circle(surface, look.colour("#map", "capital"), (x, y), r)
        for feature in map_data()["features"]:
            fid = feature["id"]
            if fid not in INDEX and fid != "EPAK":
                continue
            text = str(feature["name"])
            if fid == "EPAK":
                text = "Bangladesh" if east_lost else "East Pakistan"
            if fid == self.player:
                text += " (you)"
            x, y = self.to_screen(tuple(feature["label"]))
            lit = hover is not None and hover.actor in (fid, "PAK" if fid == "EPAK" else None)
            _halo_text(
                surface,
                font if fid != "EPAK" else look.font(self._px(13), True),
                text,
                (x, y),
                ink,
                look.colour("#map", "highlight") if lit else halo,
            )

    # ------------------------------------------------------------------ pointing

    def hit(self, pos: tuple[int, int]) -> Hit | None:
        """The state or relation under a window position (relations first)."""
        if not self.rect.collidepoint(pos):
            return None
        if self._usa_box().collidepoint(pos):
            return Hit(actor="USA")
        best, best_d = None, float(self._px(6))
        for a, b, p, q, value in self._lines:
            d = _distance(pos, p, q)
            reach = max(self._px(1 + 7 * min(abs(value), 100) / 100) / 2 + self._px(3), 4)
            if d <= reach and d <= best_d + reach:
                best, best_d = (a, b), d
        if best is not None:
            return Hit(pair=best)
        if self._mask is not None:
            x, y = pos[0] - self.rect.x, pos[1] - self.rect.y
            if 0 <= x < self._mask.get_width() and 0 <= y < self._mask.get_height():
                k = self._mask.get_at((x, y))[0]
                if k > 0:
                    return Hit(actor=ACTORS[k - 1])
        return None


def _mutual(att: np.ndarray, a: str, b: str) -> float:
    return float((att[INDEX[a], INDEX[b]] + att[INDEX[b], INDEX[a]]) / 2)


def _distance(p: tuple[int, int], a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.hypot(p[0] - ax, p[1] - ay)
    t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / length2))
    return math.hypot(p[0] - (ax + t * dx), p[1] - (ay + t * dy))


def _dashed(
    surface: pygame.Surface,
    colour: pygame.Color,
    a: tuple[float, float],
    b: tuple[float, float],
    width: int,
    dash: int,
    gap: int,
) -> None:
    length = math.hypot(b[0] - a[0], b[1] - a[1])
    if length == 0:
        return
    ux, uy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
    s = 0.0
    while s < length:
        e = min(s + dash, length)
        pygame.draw.line(
            surface, colour, (a[0] + ux * s, a[1] + uy * s), (a[0] + ux * e, a[1] + uy * e), width
        )
        s = e + gap


def _halo_text(
    surface: pygame.Surface,
    font: pygame.font.Font,
    text: str,
    centre: tuple[float, float],
    ink: pygame.Color,
    halo: pygame.Color,
) -> None:
    """Text on a soft rounded plate, so that it reads over lines and fills alike."""
    rendered = font.render(text, True, ink)
    box = rendered.get_rect(center=(round(centre[0]), round(centre[1])))
    plate = pygame.Surface(box.inflate(10, 4).size, pygame.SRCALPHA)
    pygame.draw.rect(plate, halo, plate.get_rect(), border_radius=6)
    surface.blit(plate, box.inflate(10, 4).topleft)
    surface.blit(rendered, box)
