"""The title screen: new game, continue, load, help, quit."""

from __future__ import annotations

import pygame
import pygame_gui

from game.mapview import MapPanel
from game.saves import SaveError, list_saves, read_save
from game.screen import Push, Quit, Screen, Transition
from game.session import Session
from game.widgets import button, label


class TitleScreen(Screen):
    """The first screen; with a game given on the command line it goes straight to it."""

    kind = "title"

    def __init__(self, session: Session | None = None) -> None:
        super().__init__()
        self.session = session
        self.map: MapPanel | None = None
        self.buttons: dict[str, pygame_gui.elements.UIButton] = {}

    def build(self) -> None:
        """The title, the menu and the map behind them."""
        app, m = self.a, self.a.manager
        w, h = app.size
        self.map = MapPanel(pygame.Rect(0, 0, w, h), app.scale, None)
        px = app.px
        self.keep(
            label(m, pygame.Rect(0, h // 2 - px(250), w, px(64)), "Frontline State", "#title")
        )
        self.keep(
            label(
                m,
                pygame.Rect(0, h // 2 - px(182), w, px(30)),
                "Pakistan and the Soviet Union, 1947–1991: lead one of six states",
                "#subtitle",
            )
        )
        items = [("new", "New game   (N)")]
        if list_saves():
            items.append(("continue", "Continue the latest save   (C)"))
        items += [
            ("load", "Load a saved game   (L)"),
            ("help", "Help and keys   (F1)"),
            ("quit", "Quit   (Esc)"),
        ]
        bw, bh = px(380), px(48)
        top = h // 2 - px(110)
        self.buttons = {}
        for k, (key, text) in enumerate(items):
            rect = pygame.Rect((w - bw) // 2, top + k * (bh + px(12)), bw, bh)
            cls = "@menu_button"
            self.buttons[key] = self.keep(
                button(m, rect, text, cls, object_id="#primary" if k == 0 else None)
            )
        self.keep(
            label(
                m,
                pygame.Rect(px(20), h - px(44), w - px(40), px(30)),
                "Map: Natural Earth (public domain). History: Ayaz, Nawaz & Ullah (2025), "
                "Global Foreign Policies Review VIII(III).",
                "#hint",
            )
        )

    def draw(self, surface: pygame.Surface) -> None:
        """The map, dimmed, behind the menu."""
        if self.map is not None:
            self.map.draw(surface, None, "1947-08", False)
        shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        shade.fill((8, 14, 20, 200))
        surface.blit(shade, (0, 0))

    def _do(self, what: str) -> Transition | None:
        from game.screens.help import HelpScreen
        from game.screens.load import LoadScreen
        from game.screens.message import MessageScreen
        from game.screens.play import PlayScreen
        from game.screens.setup import SetupScreen

        if what == "new":  # the scenario given on the command line, if any, is offered first
            return Push(SetupScreen(scenario=self.a.options.scenario or "baseline"))
        if what == "load":
            return Push(LoadScreen())
        if what == "help":
            return Push(HelpScreen())
        if what == "quit":
            return Quit(0)
        if what == "continue":
            saves = list_saves()
            if not saves:
                return None
            try:
                session = read_save(saves[0].path)
            except SaveError as exc:
                return Push(MessageScreen("This save cannot be loaded", str(exc)))
            return Push(PlayScreen(session))
        return None

    def handle(self, event: pygame.event.Event) -> Transition | None:
        """Buttons and their keys."""
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            for key, b in self.buttons.items():
                if event.ui_element is b:
                    return self._do(key)
        if event.type == pygame.KEYDOWN:
            keys = {
                pygame.K_n: "new",
                pygame.K_RETURN: "new",
                pygame.K_c: "continue",
                pygame.K_l: "load",
                pygame.K_ESCAPE: "quit",
                pygame.K_q: "quit",
            }
            if event.key in keys:
                return self._do(keys[event.key])
        return None

    def update(self, dt: float) -> Transition | None:
        """A game given on the command line starts at once (after the demo's title shot)."""
        if self.session is not None and not self.a.options.autoplay:
            from game.screens.play import PlayScreen

            session, self.session = self.session, None
            return Push(PlayScreen(session))
        return None

    def resume(self, result: object) -> Transition | None:
        """Back on the title: open a loaded game, or rebuild (a save may have appeared)."""
        from game.screens.load import Loaded
        from game.screens.play import PlayScreen

        if isinstance(result, Loaded):
            return Push(PlayScreen(result.session))
        if self.a.options.autoplay and self.session is None:
            return Quit(0)
        self.rebuild()
        return None

    def autoplay(self, t: float) -> Transition | None:
        """The demo: show the title, then the setup with the demo's choices."""
        if t < 0.5:
            return None
        self.a.shoot("title")
        from game.screens.setup import SetupScreen

        session, self.session = self.session, None
        if session is None:
            return Quit(0)
        if self.a.options.load is not None:
            from game.screens.play import PlayScreen

            return Push(PlayScreen(session))
        return Push(SetupScreen(session))
