"""Screens as small states: each handles input and returns the next step for the stack.

A screen returns ``Push`` (open another on top), ``Pop`` (close itself, optionally handing a
result to the screen below), ``Replace`` (swap itself for another) or ``Quit``; the app
applies them in one place (``game.app.App.apply``). Nothing else moves between screens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui

from game.widgets import oid

if TYPE_CHECKING:
    from game.app import App


@dataclass(frozen=True)
class Push:
    """Open a screen on top of this one."""

    screen: Screen


@dataclass(frozen=True)
class Pop:
    """Close this screen; the one below gets ``result`` in ``resume``."""

    result: Any = None


@dataclass(frozen=True)
class Replace:
    """Close this screen and open another in its place."""

    screen: Screen


@dataclass(frozen=True)
class Quit:
    """Leave the game with an exit status."""

    status: int = 0


Transition = Push | Pop | Replace | Quit


class Screen:
    """Base of every screen: widgets built in ``build``, torn down in ``close``."""

    kind = "screen"
    """The screen's type, which names its screenshot in autoplay."""

    overlay = False
    """True if the screens below stay drawn under this one (dialogs, help)."""

    def __init__(self) -> None:
        self.app: App | None = None
        self.elements: list[pygame_gui.core.UIElement] = []

    @property
    def a(self) -> App:
        """The app this screen lives in (set when it is opened)."""
        assert self.app is not None, "screen used before it was opened"
        return self.app

    def open(self, app: App) -> None:
        """Called once when the screen joins the stack (built when the window can hold it)."""
        self.app = app
        if not app.too_small:
            self.build()

    def build(self) -> None:
        """Create the widgets for the current window size and UI scale."""

    def clear(self) -> None:
        """Remove the widgets (before a rebuild or on close)."""
        for element in self.elements:
            element.kill()
        self.elements = []

    def rebuild(self) -> None:
        """Rebuild after a resize or a change of UI scale."""
        self.clear()
        self.build()

    def close(self) -> None:
        """Called once when the screen leaves the stack."""
        self.clear()

    def keep(self, element: Any) -> Any:
        """Remember a widget so that ``clear`` removes it; returns it."""
        self.elements.append(element)
        return element

    def shade(self, starting_height: int = 20) -> pygame_gui.elements.UIPanel:
        """A panel over the whole window that dims the screens below (for overlays), kept."""
        w, h = self.a.size
        panel: pygame_gui.elements.UIPanel = self.keep(
            pygame_gui.elements.UIPanel(
                pygame.Rect(0, 0, w, h),
                starting_height=starting_height,
                manager=self.a.manager,
                object_id=oid("#shade"),
            )
        )
        return panel

    def handle(self, event: pygame.event.Event) -> Transition | None:
        """React to one event (keys, mouse, and pygame_gui's widget events)."""
        return None

    def update(self, dt: float) -> Transition | None:
        """Advance by ``dt`` seconds (model steps happen here, never in ``draw``)."""
        return None

    def draw(self, surface: pygame.Surface) -> None:
        """Draw what pygame draws itself, under the widgets."""

    def resume(self, result: Any) -> Transition | None:
        """The screen above closed with ``result``."""
        return None

    def autoplay(self, t: float) -> Transition | None:
        """What the demo mode does on this screen, ``t`` seconds after it opened."""
        return None
