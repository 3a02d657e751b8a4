"""The play screen: the map, the date and time controls, the news feed and the state panel."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pygame
import pygame_gui

from game import look
from game.chart import attitude_chart
from game.feed import NewsPanel
from game.mapview import Hit, MapPanel, capital
from game.saves import SaveError, autosave, save_game
from game.screen import Pop, Push, Replace, Screen, Transition
from game.session import Session
from game.widgets import button, esc, label, oid, shortened, text_box
from sim.actors import ACTORS
from sim.text import signed

SPEEDS = {0: 0.0, 1: 2.0, 2: 6.0, 3: 24.0}
"""Months per second at each speed (0 is paused)."""

SPEED_WORDS = {0: "Paused", 1: "Slow", 2: "Normal speed", 3: "Fast"}

TIP_WIDTH = 290
"""Width of the map's tooltip at UI scale 1."""

STEP_BUDGET_S = 0.008
"""Time the model may take per frame; the rest of the frame is for drawing."""


def share(x: float) -> str:
    """A share of the six as a whole percentage.

    A share that rounds to 0% but is not nothing is "under 1%": "0%" reads as none at all.
    """
    shown = f"{x:.0%}"
    return "under 1%" if x > 0 and shown == "0%" else shown


class PlayScreen(Screen):
    """A game in progress."""

    kind = "play"

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.speed = 0
        self.jump = False
        self.debt = 0.0
        self.map: MapPanel | None = None
        self.feed: NewsPanel | None = None
        self.buttons: dict[str, pygame_gui.elements.UIButton] = {}
        self.date_label: Any = None
        self.status_label: Any = None
        self.panel_actor: str | None = None
        self.panel: Any = None
        self.panel_month = -1
        self.hover: Hit | None = None
        self.tooltip: Any = None
        self.tooltip_key: tuple[Any, ...] | None = None
        self.mouse = (-1, -1)
        self.demo_phase = 0
        self.demo_at = 0.0
        self._news_seen = False
        self._lit: dict[str, bool] = {}

    # ------------------------------------------------------------------ layout

    def open(self, app: Any) -> None:
        """Start the forecast worker early: its imports overlap the first minutes of play."""
        super().open(app)
        self.a.forecaster.start()
        if self.a.options.autoplay:
            self.speed = 3

    def build(self) -> None:
        """Top bar, map, feed, legend."""
        app, m, px = self.a, self.a.manager, self.a.px
        w, h = app.size
        top = px(60)
        feed_w = min(px(380), w // 3)
        legend_h = px(30)
        bar = self.keep(
            pygame_gui.elements.UIPanel(
                pygame.Rect(0, 0, w, top), manager=m, object_id=oid("#topbar")
            )
        )
        # the date, and under its box (not at a scaled offset that rounding can push into it)
        # the status: together they fill the bar's inside, which is a few pixels short of ``top``
        date = pygame.Rect(px(12), 0, px(230), px(34))
        self.date_label = label(m, date, "", "#date", container=bar)
        status = pygame.Rect(date.x, date.bottom, date.width, px(20))
        self.status_label = label(m, status, "", "#status", container=bar)
        x = px(250)
        self.buttons = {}
        self._lit = {}
        for key, text, width, tip in (
            ("pause", "Pause", 74, "Pause or go on (Space)"),
            ("slow", "Slow", 64, "A year every 6 seconds (1)"),
            ("normal", "Normal", 78, "A year every 2 seconds (2)"),
            ("fast", "Fast", 64, "A year every half second (3)"),
            ("jump", "Next decision", 132, "Run to your next decision (N)"),
        ):
            self.buttons[key] = button(
                m, pygame.Rect(x, px(10), px(width), px(40)), text, "@tool", tip, container=bar
            )
            x += px(width) + px(6)
        right = w - px(12)
        for key, text, width, tip in reversed(
            (
                ("save", "Save", 64, "Save the game (S)"),
                ("load", "Load", 64, "Load a saved game (L)"),
                ("debrief", "Debrief", 84, "Your path against history, so far (D)"),
                ("help", "Help", 64, "Keys and how to read the map (F1)"),
            )
        ):
            right -= px(width)
            self.buttons[key] = button(
                m, pygame.Rect(right, px(10), px(width), px(40)), text, "@tool", tip, container=bar
            )
            right -= px(6)
        self.map = MapPanel(
            pygame.Rect(0, top, w - feed_w, h - top - legend_h),
            app.scale,
            self.session.settings.actor,
            self.session.names,
        )
        self.keep(
            label(
                m,
                pygame.Rect(w - feed_w + px(8), top + px(4), feed_w - px(16), px(26)),
                "News  (point at an item for its source)",
                "#feed_heading",
                shorten=True,  # the feed is a third of the window, which may be narrow
            )
        )
        # a rebuild (a resize, a new UI scale, back from the debrief) shows the items shown
        # before it and those still queued, in a new panel
        kept = [] if self.feed is None else [*self.feed.items, *self.feed.waiting]
        self.feed = NewsPanel(
            m, pygame.Rect(w - feed_w, top + px(34), feed_w, h - top - px(34)), app.scale
        )
        self.keep(self.feed.container)
        if not self._news_seen:
            self.feed.show_all(self.session.all_news())
            self._news_seen = True
        else:
            self.feed.show_all(kept)
        self.tooltip = None
        self.tooltip_key = None
        self.panel = None
        if self.panel_actor is not None:
            self._open_panel(self.panel_actor)
        self._refresh_bar()

    def clear(self) -> None:
        """Remove the widgets (the feed's items are kept for the rebuild)."""
        super().clear()
        for element in self.buttons.values():
            element.kill()
        if self.panel is not None:
            self.panel.kill()
            self.panel = None
        if self.tooltip is not None:
            self.tooltip.kill()
            self.tooltip = None

    def _refresh_bar(self) -> None:
        s = self.session
        self.date_label.set_text(s.date)
        if s.done:
            status = "The end"
        elif self.jump:
            status = "To your next decision…"
        else:
            status = SPEED_WORDS[self.speed]
        line = f"{status}  ·  {s.names[s.settings.actor]}"  # the scenario names the state
        fitted = shortened(self.status_label.font, line, self.status_label.relative_rect.width)
        if fitted != self.status_label.text:
            self.status_label.set_text(fitted)
            tip = esc(line) if fitted != line else None
            self.status_label.set_tooltip(tip, wrap_width=self.a.px(420), delay=0.3)
        for key, b in self.buttons.items():
            on = (
                (key == "pause" and self.speed == 0 and not self.jump)
                or (key == "slow" and self.speed == 1 and not self.jump)
                or (key == "normal" and self.speed == 2 and not self.jump)
                or (key == "fast" and self.speed == 3 and not self.jump)
                or (key == "jump" and self.jump)
            )
            if self._lit.get(key, False) != on:
                b.change_object_id(oid(None, "@tool_on" if on else "@tool"))
                self._lit[key] = on

    # ------------------------------------------------------------------ the state panel

    def _open_panel(self, actor: str) -> None:
        app, m, px = self.a, self.a.manager, self.a.px
        if self.panel is not None:
            self.panel.kill()
        self.panel_actor = actor
        assert self.map is not None
        rect = self.map.rect
        pw = min(px(380), rect.width // 2)
        self.panel = pygame_gui.elements.UIPanel(
            pygame.Rect(rect.x + px(8), rect.y + px(8), pw, rect.height - px(16)),
            starting_height=5,
            manager=m,
            object_id=oid("#state_panel"),
        )
        view = self.session.state_view(actor)
        inner = pw - px(24)
        label(
            m,
            pygame.Rect(px(10), px(8), inner - px(40), px(32)),
            view.name,
            "#dialog_title",
            container=self.panel,
            shorten=True,  # the scenario names the state
        )
        close = button(
            m,
            pygame.Rect(pw - px(50), px(8), px(36), px(32)),
            "×",
            "@tool",
            "Close (Esc)",
            container=self.panel,
        )
        self.buttons["panel-close"] = close
        names = self.session.names
        rows = "".join(
            f"<br>{esc(names[b])}: {signed(towards)} towards, {signed(back)} back"
            for b, (towards, back) in view.attitudes.items()
        )
        mine = " (you)" if actor == self.session.settings.actor else ""
        html = (
            f"<b>Leader</b>: {esc(view.leader)}{mine}<br><b>Regime</b>: {esc(view.regime)}<br>"
            f"<b>Camp</b>: {esc(view.bloc)}<br><b>Strength</b> among the six: military "
            f"{share(view.military)}, economy {share(view.economy)}<br><b>Prestige</b>: "
            f"{signed(view.prestige, 1)}<br><br><b>Attitudes</b> (-100 to +100){rows}"
        )
        chart_h = px(190)
        body_h = rect.height - px(16) - px(52) - chart_h - px(40)
        text_box(
            m, pygame.Rect(px(10), px(46), inner, body_h), html, "@small", container=self.panel
        )
        label(
            m,
            pygame.Rect(px(10), px(50) + body_h, inner, px(22)),
            f"How {self.session.names.in_sentence(actor)} regarded the others",
            "#hint",
            container=self.panel,
            shorten=True,
        )
        months, series = self.session.attitude_series(actor)
        chart = attitude_chart(
            (inner, chart_h), months, series, actor, app.scale, self.session.names
        )
        pygame_gui.elements.UIImage(
            pygame.Rect(px(10), px(74) + body_h, inner, chart_h), chart, m, container=self.panel
        )
        self.panel_month = self.session.month

    def _close_panel(self) -> None:
        if self.panel is not None:
            self.panel.kill()
        self.panel = None
        self.panel_actor = None
        self.buttons.pop("panel-close", None)

    # ------------------------------------------------------------------ the tooltip

    def _tooltip_html(self, hit: Hit) -> str:
        att = self.session.attitudes()
        from sim.actors import INDEX

        if hit.pair is not None:
            a, b = hit.pair
            ab, ba = att[INDEX[a], INDEX[b]], att[INDEX[b], INDEX[a]]
            mean = (ab + ba) / 2
            word = "friendly" if mean >= 5 else "hostile" if mean <= -5 else "indifferent"
            name_a, name_b = self._tip_name(a), self._tip_name(b)
            return (
                f"<b>{name_a} and {name_b}</b><br>"
                f"{name_a} towards {name_b}: {signed(ab)}<br>"
                f"{name_b} towards {name_a}: {signed(ba)}<br>"
                f"on average {signed(mean)}: {word}"
            )
        assert hit.actor is not None
        view = self.session.state_view(hit.actor)
        seat = capital(hit.actor, self.session.capital_month())[0]
        you = " (you)" if hit.actor == self.session.settings.actor else ""
        return (
            f"<b>{self._tip_name(hit.actor)}</b>{you}<br>{esc(view.leader)}<br>"
            f"Capital: {esc(seat)}<br>"
            f"Camp: {esc(view.bloc)}<br><i>Click for its panel</i>"
        )

    def _tip_name(self, actor: str) -> str:
        """A state's name for the map's tooltip, on one line at most (its panel has it whole)."""
        font = self.a.manager.get_theme().get_font(["#map_tooltip"])
        return esc(shortened(font, self.session.names[actor], self.a.px(TIP_WIDTH - 40)))

    def _update_tooltip(self) -> None:
        hit = self.hover
        key = None if hit is None else (hit.actor, hit.pair, self.session.month, self.mouse)
        if key == self.tooltip_key:
            return
        self.tooltip_key = key
        if self.tooltip is not None:
            self.tooltip.kill()
            self.tooltip = None
        if hit is None:
            return
        px = self.a.px
        width = px(TIP_WIDTH)
        w, h = self.a.size
        x = min(self.mouse[0] + px(16), w - width - px(4))
        self.tooltip = pygame_gui.elements.UITextBox(
            self._tooltip_html(hit),
            pygame.Rect(x, 0, width, -1),
            self.a.manager,
            object_id=oid("#map_tooltip"),
            starting_height=40,
            wrap_to_height=True,
        )
        y = self.mouse[1] + px(18)
        if y + self.tooltip.rect.height > h - px(4):
            y = max(px(4), self.mouse[1] - self.tooltip.rect.height - px(8))
        self.tooltip.set_position((x, y))

    def point_at(self, pos: tuple[int, int]) -> None:
        """Hover the pointer at a window position (the mouse, or the demo)."""
        self.mouse = pos
        self.hover = self.map.hit(pos) if self.map is not None else None
        if self.panel is not None and self.panel.rect.collidepoint(pos):
            self.hover = None
        self._update_tooltip()

    # ------------------------------------------------------------------ input

    def _set_speed(self, speed: int) -> None:
        self.speed = speed
        self.jump = False
        self._refresh_bar()

    def _press(self, key: str) -> Transition | None:
        from game.screens.debrief import DebriefScreen
        from game.screens.help import HelpScreen
        from game.screens.load import LoadScreen

        if key == "pause":
            self._set_speed(0 if (self.speed or self.jump) else 2)
        elif key in ("slow", "normal", "fast"):
            self._set_speed({"slow": 1, "normal": 2, "fast": 3}[key])
        elif key == "jump":
            self.jump = True
            self._refresh_bar()
        elif key == "save":
            try:
                path = save_game(self.session)
            except SaveError as exc:
                self.a.notify(esc(str(exc)), 8.0)
            else:
                self.a.notify(f"Saved to {esc(str(path))}")
        elif key == "load":
            self._set_speed(0)
            return Push(LoadScreen())
        elif key == "debrief":
            self._set_speed(0)
            return Push(DebriefScreen(self.session))
        elif key == "help":
            return Push(HelpScreen())
        elif key == "panel-close":
            self._close_panel()
        return None

    def handle(self, event: pygame.event.Event) -> Transition | None:
        """Buttons, keys, the pointer over the map, clicks on states."""
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            for key, b in list(self.buttons.items()):
                if event.ui_element is b:
                    return self._press(key)
        elif event.type == pygame.MOUSEMOTION:
            self.point_at(event.pos)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            hit = self.map.hit(event.pos) if self.map is not None else None
            if hit is not None and hit.actor is not None:
                self._open_panel(hit.actor)
            elif hit is not None and hit.pair is not None:
                self._open_panel(hit.pair[0])
        elif event.type == pygame.KEYDOWN:
            keys = {
                pygame.K_SPACE: "pause",
                pygame.K_1: "slow",
                pygame.K_2: "normal",
                pygame.K_3: "fast",
                pygame.K_n: "jump",
                pygame.K_s: "save",
                pygame.K_l: "load",
                pygame.K_d: "debrief",
            }
            if event.key in keys:
                return self._press(keys[event.key])
            if event.key == pygame.K_TAB:
                now = self.panel_actor or ACTORS[-1]
                self._open_panel(ACTORS[(ACTORS.index(now) + 1) % len(ACTORS)])
            elif event.key == pygame.K_ESCAPE:
                if self.panel is not None:
                    self._close_panel()
                else:
                    return self._leave()
        return None

    def _leave(self) -> Transition:
        if not self.session.done:
            with contextlib.suppress(SaveError):  # leaving never fails; older autosaves stay
                autosave(self.session)
        return Pop()

    # ------------------------------------------------------------------ time

    def update(self, dt: float) -> Transition | None:
        """Advance the model by the speed (or to the next decision) within a time budget."""
        s = self.session
        if self.feed is not None:
            self.feed.update()
        if s.waiting:
            return self._decision()
        if s.done or self._until_reached():
            if self._touring():
                return None  # the demo shows this screen first, however little news there is
            return self._end()
        steps = 0
        if self.jump:
            steps = 10_000
        elif self.speed:
            self.debt = min(self.debt + dt * SPEEDS[self.speed], 3.0)
            steps = int(self.debt)
            self.debt -= steps
        deadline = time.perf_counter() + STEP_BUDGET_S
        month = s.month
        while steps > 0 and not s.done and not s.waiting and not self._until_reached():
            news = s.step()
            if self.feed is not None and news:
                self.feed.add(news)
            steps -= 1
            if time.perf_counter() > deadline:
                break
        if s.month != month:
            self._refresh_bar()
            if self.panel_actor is not None and s.month - self.panel_month >= 3:
                self._open_panel(self.panel_actor)
            self.tooltip_key = None
        self._update_tooltip()
        return None

    def _touring(self) -> bool:
        """Whether the demo has yet to show this screen (its tour ends in the help screen)."""
        return bool(self.a.options.autoplay) and self.demo_phase < 3

    def _until_reached(self) -> bool:
        until = self.a.options.until if self.a.options.autoplay else None
        return until is not None and self.session.capital_month() >= until

    def _decision(self) -> Transition:
        from game.screens.decision import DecisionScreen

        if self.jump:
            self.jump = False
            self.speed = 0
        self._refresh_bar()
        try:
            autosave(self.session)
        except SaveError as exc:
            self.a.notify(esc(f"Autosave failed: {exc}"), 8.0)
        return Push(DecisionScreen(self.session))

    def _end(self) -> Transition:
        from game.screens.debrief import DebriefScreen

        self.speed, self.jump = 0, False
        self._refresh_bar()
        return Push(DebriefScreen(self.session, final=True))

    def resume(self, result: object) -> Transition | None:
        """Back from a dialog: take the chosen option, open a loaded game, or leave."""
        from game.screens.load import Loaded

        if isinstance(result, str) and self.session.waiting:
            self.session.decide(result)
            if self.feed is not None:
                self.feed.add(self.session.news())
            self._refresh_bar()
        elif isinstance(result, Loaded):
            return Replace(PlayScreen(result.session))
        elif result == "title":
            return Pop()
        return None

    # ------------------------------------------------------------------ drawing

    def draw(self, surface: pygame.Surface) -> None:
        """The map with the relations, and the legend under it."""
        if self.map is None:
            return
        s = self.session
        self.map.draw(
            surface,
            s.attitudes(),
            s.capital_month(),
            s.has_flag("east-pakistan-lost"),
            self.hover,
        )
        self._draw_legend(surface)

    def _draw_legend(self, surface: pygame.Surface) -> None:
        assert self.map is not None
        px = self.a.px
        rect = pygame.Rect(self.map.rect.x, self.map.rect.bottom, self.map.rect.width, px(30))
        surface.fill(look.colour("#chart", "bg"), rect)
        font = look.font(px(13))
        ink = look.colour("#chart", "text")
        x, y = rect.x + px(12), rect.centery
        for style, text in (
            ("friendly", "friendly"),
            ("hostile", "hostile"),
            ("neutral", "indifferent"),
        ):
            colour = look.colour("#map", style)
            if style == "friendly":
                pygame.draw.line(surface, colour, (x, y), (x + px(36), y), px(4))
            else:
                dash, gap = (px(8), px(5)) if style == "hostile" else (px(2), px(4))
                width = px(4) if style == "hostile" else 1
                from game.mapview import _dashed

                _dashed(surface, colour, (x, y), (x + px(36), y), width, dash, gap)
            label = font.render(text, True, ink)
            surface.blit(label, label.get_rect(midleft=(x + px(42), y)))
            x += px(42) + label.get_width() + px(20)
        rest = font.render(
            "Wider = stronger. Point at a line or a state for numbers; click a state.", True, ink
        )
        if x + rest.get_width() < rect.right - px(8):
            surface.blit(rest, rest.get_rect(midleft=(x, y)))

    # ------------------------------------------------------------------ the demo

    def autoplay(self, t: float) -> Transition | None:
        """The demo: play fast; once, show the screen, a tooltip, a state panel and the help."""
        from game.screens.help import HelpScreen

        at_end = self.session.done or self._until_reached()
        if (
            self.demo_phase == 0
            and self.feed is not None
            and (len(self.feed.items) >= 10 or at_end)
        ):
            self.a.shoot("play")
            self.demo_phase, self.demo_at = 1, t
            assert self.map is not None
            a = self.map.to_screen(capital("PAK", self.session.capital_month())[1])
            b = self.map.to_screen(capital("USSR", self.session.capital_month())[1])
            self.point_at((round((a[0] + b[0]) / 2), round((a[1] + b[1]) / 2)))
        elif self.demo_phase == 1 and t > self.demo_at + 0.3:
            self._update_tooltip()
            self.a.shoot("tooltip")
            self.point_at((-1, -1))
            self._open_panel(self.session.settings.actor)
            self.demo_phase, self.demo_at = 2, t
        elif self.demo_phase == 2 and t > self.demo_at + 0.3:
            self.a.shoot("state-panel")
            self._close_panel()
            self.demo_phase = 3
            return Push(HelpScreen())
        elif self.demo_phase == 3:
            self.jump = True
        return None
