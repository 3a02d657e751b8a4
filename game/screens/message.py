"""A message over the current screen (a save that cannot be loaded, an export's result)."""

from __future__ import annotations

import pygame
import pygame_gui

from game.screen import Pop, Screen, Transition
from game.widgets import button, esc, label, oid, text_box


class MessageScreen(Screen):
    """A titled message with an OK button; Enter or Esc closes it."""

    kind = "message"
    overlay = True

    def __init__(self, title: str, text: str, error: bool = True) -> None:
        super().__init__()
        self.title = title
        self.text = text
        self.error = error
        self.ok: pygame_gui.elements.UIButton | None = None

    def build(self) -> None:
        """The shade, the box and the button."""
        app, m, px = self.a, self.a.manager, self.a.px
        w, h = app.size
        shade = self.shade()
        bw, bh = min(w - px(80), px(720)), px(300)
        box = pygame_gui.elements.UIPanel(
            pygame.Rect((w - bw) // 2, (h - bh) // 2, bw, bh),
            starting_height=1,
            manager=m,
            container=shade,
            object_id=oid("#dialog"),
        )
        label(
            m,
            pygame.Rect(px(20), px(16), bw - px(40), px(34)),
            self.title,
            "#dialog_title",
            container=box,
        )
        text_box(
            m,
            pygame.Rect(px(20), px(58), bw - px(40), bh - px(140)),
            esc(self.text),
            "@body",
            container=box,
            object_id="#error" if self.error else None,
        )
        self.ok = button(
            m,
            pygame.Rect(bw - px(200), bh - px(70), px(180), px(48)),
            "OK   (Enter)",
            "@menu_button",
            container=box,
            object_id="#primary",
        )

    def handle(self, event: pygame.event.Event) -> Transition | None:
        """OK, Enter or Esc close the message."""
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.ok:
            return Pop()
        if event.type == pygame.KEYDOWN and event.key in (
            pygame.K_RETURN,
            pygame.K_KP_ENTER,
            pygame.K_ESCAPE,
        ):
            return Pop()
        return None

    def autoplay(self, t: float) -> Transition | None:
        """The demo reads the message for a moment, then closes it."""
        if t < 0.5:
            return None
        self.a.shoot("message")
        return Pop()
