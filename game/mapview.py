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
from functools import cache, cached_property
from typing import Any

import numpy as np
import pygame

from game import look
from game.widgets import shortened
from sim.actors import ACTORS, INDEX, NAMES, USUAL_NAMES, StateNames

USA_AT = (62.0, 470.0)
"""Where the United States' box stands, in asset units (over the Arabian Sea's west)."""

NEUTRAL_BAND = 5.0
"""Attitudes closer to zero than this are drawn as a thin dotted line."""

NAME_ROOM = 260.0
"""The most width a state's name may take on the map, in asset units (a scenario may name a
state at any length): a longer name ends in "…", and sooner where it would reach another label."""


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

    def __init__(
        self,
        rect: pygame.Rect,
        scale: float,
        player: str | None,
        names: StateNames = USUAL_NAMES,
    ) -> None:
        self.rect = pygame.Rect(rect)
        self.scale = scale
        self.player = player
        self.names = names
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
        self._labels: dict[bool, list[tuple[str, str, pygame.font.Font, pygame.Rect]]] = {}

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

    @cached_property
    def _usa_name(self) -> str:
        """The United States' name in its box: shortened to the room at the map's edge."""
        font = look.font(self._px(14), bold=True)
        x, _ = self.to_screen(USA_AT)
        edge = 2 * (round(x) - self.rect.x) - self._px(16)  # the box is centred on USA_AT
        room = max(font.size(NAMES["USA"])[0], min(round(NAME_ROOM * self.k), edge))
        return shortened(font, self.names["USA"], room)

    def _usa_box(self) -> pygame.Rect:
        font = look.font(self._px(14), bold=True)
        w, h = font.size(self._usa_name)
        x, y = self.to_screen(USA_AT)
        box = pygame.Rect(0, 0, w + self._px(16), h + self._px(10))
        box.center = (round(x), round(y))
        return box

    def _usa_hint(self) -> tuple[pygame.Surface, pygame.Rect]:
        """The words "off the map" under the United States' box, and where they stand."""
        box = self._usa_box()
        hint = look.font(self._px(11)).render(
            "off the map", True, look.colour("#map", "context_text")
        )
        return hint, hint.get_rect(midtop=(box.centerx, box.bottom + self._px(2)))

    def _draw_usa(self, surface: pygame.Surface, hover: Hit | None) -> None:
        box = self._usa_box()
        pygame.draw.rect(surface, look.colour("#map", "USA"), box, border_radius=self._px(6))
        edge = "player_outline" if self.player == "USA" else "border"
        width = self._px(3) if self.player == "USA" else 1
        if hover is not None and hover.actor == "USA":
            edge, width = "highlight", self._px(3)
        pygame.draw.rect(surface, look.colour("#map", edge), box, width, border_radius=self._px(6))
        text = look.font(self._px(14), bold=True).render(
            self._usa_name, True, look.colour("#map", "label")
        )
        surface.blit(text, text.get_rect(center=box.center))
        surface.blit(*self._usa_hint())

    def _draw_labels(
        self, surface: pygame.Surface, month: str, east_lost: bool, hover: Hit | None
    ) -> None:
        ink = look.colour("#map", "label")
        halo = look.colour("#map", "label_halo")
        for actor in ACTORS:
            if actor == "USA":
                continue
            _, at = capital(actor, month)
            x, y = self.to_screen(at)
            r = self._px(4)
            pygame.draw.circle(surface, (255, 255, 255), (x, y), r + self._px(2))
            pygame.draw.circle(surface, look.colour("#map", "capital"), (x, y), r)
        for fid, text, face, box in self.labels(east_lost):
            lit = hover is not None and hover.actor in (fid, "PAK" if fid == "EPAK" else None)
            _halo_text(
                surface,
                face,
                text,
                box.center,
                ink,
                look.colour("#map", "highlight") if lit else halo,
            )

    def labels(self, east_lost: bool) -> list[tuple[str, str, pygame.font.Font, pygame.Rect]]:
        """Each state's label (and East Pakistan's): its id, text, font and plate on the map.

        A state's name as its scenario gives it may be of any length: it is shortened with "…"
        to ``NAME_ROOM``, and further where its plate would reach another label, but never
        below the room its usual name takes.
        """
        if east_lost in self._labels:
            return self._labels[east_lost]
        font = look.font(self._px(15), bold=True)
        small = look.font(self._px(13), True)
        features = [f for f in map_data()["features"] if f["id"] in INDEX or f["id"] == "EPAK"]
        places = {f["id"]: self.to_screen(tuple(f["label"])) for f in features}

        def plate(face: pygame.font.Font, text: str, at: tuple[float, float]) -> pygame.Rect:
            box = pygame.Rect((0, 0), face.size(text))
            box.center = (round(at[0]), round(at[1]))
            return box.inflate(10, 4)  # as _halo_text draws it

        you = " (you)"
        usual: dict[str, tuple[str, pygame.font.Font]] = {}
        for fid in places:
            if fid == "EPAK":
                usual[fid] = ("Bangladesh" if east_lost else "East Pakistan", small)
            else:
                usual[fid] = (NAMES[fid] + (you if fid == self.player else ""), font)
        others = {fid: plate(face, text, places[fid]) for fid, (text, face) in usual.items()}
        fixed = [*self._context_plates(), self._usa_box(), self._usa_hint()[1]]
        out = []
        for fid, (text, face) in usual.items():
            if fid != "EPAK":
                suffix = you if fid == self.player else ""
                name = self.names[fid] + suffix
                if face.size(name)[0] > face.size(text)[0]:
                    near = fixed + [r for k, r in others.items() if k != fid]
                    room = self._room(face, places[fid], text, near)
                    name = shortened(face, self.names[fid], room - face.size(suffix)[0]) + suffix
                text = name
            others[fid] = plate(face, text, places[fid])
            out.append((fid, text, face, others[fid]))
        self._labels[east_lost] = out
        return out

    def _room(
        self,
        face: pygame.font.Font,
        at: tuple[float, float],
        usual: str,
        near: list[pygame.Rect],
    ) -> int:
        """The widest a label centred at ``at`` may be: to ``NAME_ROOM``, clear of ``near``."""
        least = face.size(usual)[0]
        h = face.get_height()

        def clear(w: int) -> bool:
            box = pygame.Rect(0, 0, w, h).inflate(10, 4)
            box.center = (round(at[0]), round(at[1]))
            return box.collidelist(near) < 0 and self.rect.contains(box)

        lo, hi = least, max(least, round(NAME_ROOM * self.k))
        while lo < hi:  # the widest that is clear; the usual name's width at the least
            mid = (lo + hi + 1) // 2
            if clear(mid):
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _context_plates(self) -> list[pygame.Rect]:
        """Where the neighbouring countries' names stand on the map, in window pixels."""
        small = look.font(self._px(12))
        out = []
        for feature in map_data()["features"]:
            if feature["kind"] == "context" and feature.get("name") and "label" in feature:
                w, h = small.size(str(feature["name"]))
                box = pygame.Rect(0, 0, w, h)
                x, y = self.to_screen(tuple(feature["label"]))
                box.center = (round(x), round(y))
                out.append(box)
        return out

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
