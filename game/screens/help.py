"""The help overlay (F1): every key, and how to read the map."""

from __future__ import annotations

import pygame
import pygame_gui

from game.screen import Pop, Screen, Transition
from game.widgets import button, label, oid, text_box

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Everywhere",
        (
            ("F1", "this help (F1 or Esc closes it)"),
            ("F11", "full screen on or off"),
            ("-  /  =", "smaller or larger text and layout (UI scale)"),
            ("Esc", "close the top panel or go back"),
        ),
    ),
    (
        "Title and setup",
        (
            ("N / Enter", "new game; on the setup screen Enter starts it"),
            ("C", "continue the latest save"),
            ("L", "load a saved game"),
            ("1 - 6", "setup: choose the state you lead"),
            ("H", "setup: reveal history as you go, or keep it for the debrief"),
        ),
    ),
    (
        "The map",
        (
            ("Space", "pause or go on"),
            ("1  2  3", "slow, normal or fast (a year every 6, 2 or 0.5 seconds)"),
            ("N", "run to your next decision"),
            ("Tab", "open the next state's panel (or click a state)"),
            ("S", "save the game (autosaves happen at every decision)"),
            ("L", "load a saved game"),
            ("D", "debrief: your path against history, so far"),
            ("Esc", "close the state panel; then back to the title (the game is saved)"),
        ),
    ),
    (
        "A decision",
        (
            ("1 - 4", "select an option"),
            ("Enter", "take the selected option"),
        ),
    ),
    (
        "The debrief",
        (
            ("E", "export it as an HTML report (opens offline, with figures)"),
            ("Esc", "back to the game (or to the title at the end)"),
        ),
    ),
)

READING = (
    "<b>Reading the map.</b> A line joins the capitals of two states. "
    "<b>Solid blue</b>: they regard each other well; <b>dashed orange</b>: badly; "
    "<b>dotted grey</b>: close to indifferent. The wider the line, the stronger the feeling "
    "(the mean of both directions, -100 to +100). Point at a line or a state for the numbers; "
    "click a state for its panel. Your state has a thick outline. East Pakistan is part of "
    "Pakistan until the simulation separates it. The United States lies off the map, in the box "
    "at its left edge. In the news feed, point at an item for the paper's citation."
)


def help_html() -> str:
    """The help text as the text box's HTML."""
    parts = [READING, ""]
    for title, rows in KEYS:
        parts.append(f"<b>{title}</b>")
        parts += [f"<b>{key}</b> &nbsp; {what}" for key, what in rows]
        parts.append("")
    return "<br>".join(parts)


class HelpScreen(Screen):
    """The keys and the legend, over whatever screen is open."""

    kind = "help"
    overlay = True

    def __init__(self) -> None:
        super().__init__()
        self.close_button: pygame_gui.elements.UIButton | None = None

    def build(self) -> None:
        """The shade and the help box."""
        app, m, px = self.a, self.a.manager, self.a.px
        w, h = app.size
        shade = self.shade(30)
        bw, bh = min(w - px(60), px(900)), h - px(60)
        box = pygame_gui.elements.UIPanel(
            pygame.Rect((w - bw) // 2, px(30), bw, bh),
            starting_height=1,
            manager=m,
            container=shade,
            object_id=oid("#dialog"),
        )
        label(
            m,
            pygame.Rect(px(20), px(14), bw - px(240), px(34)),
            "Help and keys",
            "#dialog_title",
            container=box,
        )
        self.close_button = button(
            m,
            pygame.Rect(bw - px(200), px(12), px(180), px(40)),
            "Close   (F1 / Esc)",
            "@tool",
            container=box,
        )
        text_box(
            m,
            pygame.Rect(px(20), px(60), bw - px(40), bh - px(80)),
            help_html(),
            "@body",
            container=box,
        )

    def handle(self, event: pygame.event.Event) -> Transition | None:
        """Esc or the button closes the help."""
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.close_button:
            return Pop()
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            return Pop()
        return None

    def autoplay(self, t: float) -> Transition | None:
        """The demo shows the help for a moment."""
        if t < 0.4:
            return None
        self.a.shoot("help")
        return Pop()
