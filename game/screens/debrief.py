"""The debrief: your path against history, the comparison's measures, and the export."""

from __future__ import annotations

import time
from typing import Any

import pygame
import pygame_gui

from game.saves import reports_dir
from game.screen import Pop, Quit, Screen, Transition
from game.session import Debrief, GameError, Session, no_divergence_words
from game.widgets import button, esc, fitting_text_box, label, text_box


def measures_html(d: Debrief) -> str:
    """The measures, one per line."""
    rows = "".join(f"<br><b>{esc(k)}</b>: {esc(v)}" for k, v in d.measures.items())
    return "<b>How close to history</b>" + rows


def divergences_html(d: Debrief) -> str:
    """Each decision where the player chose otherwise than history, and what followed."""
    if not d.divergences:
        return f"<b>Where you diverged</b><br>{esc(no_divergence_words(d))}"
    parts = ["<b>Where you diverged, and what followed</b>"]
    for v in d.divergences:
        parts.append(
            f"<br><b>{v.month}</b>: you chose <i>{esc(v.chosen)}</i>; history: "
            f"<i>{esc(v.historical)}</i>" + (f" ({esc(v.timing)})" if v.timing else "")
        )
        parts += [f"• {esc(f)}" for f in v.followed[:8]]
        if len(v.followed) > 8:
            parts.append(f"• … and {len(v.followed) - 8} more (in the export)")
    return "<br>".join(parts)


def timeline_html(d: Debrief) -> str:
    """History's timeline and the player's, item by item."""
    lines = ["<b>History</b>, and <i>your run</i> beside it"]
    for month, history, ours in d.timeline:
        lines.append(f"<b>{month}</b>  {esc(history)}  —  <i>{esc(ours)}</i>")
    return "<br>".join(lines)


class DebriefScreen(Screen):
    """The debrief, at the end or at any moment; E exports it as an offline HTML report."""

    kind = "debrief"

    def __init__(self, session: Session, final: bool = False) -> None:
        super().__init__()
        self.session = session
        self.final = final
        self.debrief = session.debrief()
        self.exported: Any = None
        self.export_button: Any = None
        self.back_button: Any = None
        self.demo_done = False

    def build(self) -> None:
        """Heading, measures and divergences on the left, the timeline on the right."""
        app, m, px = self.a, self.a.manager, self.a.px
        w, h = app.size
        d = self.debrief
        state = "The end" if d.finished else f"So far, up to {d.until}"
        self.keep(
            label(
                m,
                pygame.Rect(px(24), px(16), w - px(48), px(40)),
                f"Debrief: {d.title}",
                "#screen_heading",
                shorten=True,
            )
        )
        self.keep(
            label(
                m,
                pygame.Rect(px(24), px(58), w - px(48), px(22)),
                f"{state}. Your state: {self.session.names[self.session.settings.actor]}; "
                f"difficulty {self.session.settings.difficulty}; seed "
                f"{self.session.settings.seed}.",
                "#hint",
                shorten=True,
            )
        )
        top, bottom = px(90), h - px(84)
        left_w = (w - px(60)) // 2
        # the measures as tall as they need, up to half the column; the divergences below
        measures = fitting_text_box(
            m, pygame.Rect(px(24), top, left_w, (bottom - top) // 2), measures_html(d)
        )
        self.keep(measures)
        measures_h = measures.rect.height
        self.keep(
            text_box(
                m,
                pygame.Rect(
                    px(24), top + measures_h + px(10), left_w, bottom - top - measures_h - px(10)
                ),
                divergences_html(d),
                "@small",
            )
        )
        self.keep(
            text_box(
                m,
                pygame.Rect(px(36) + left_w, top, w - left_w - px(60), bottom - top),
                timeline_html(d),
                "@small",
            )
        )
        back = "To the title   (Esc)" if self.final else "Back to the game   (Esc)"
        self.back_button = self.keep(
            button(m, pygame.Rect(px(24), h - px(68), px(300), px(50)), back, "@menu_button")
        )
        self.export_button = self.keep(
            button(
                m,
                pygame.Rect(w - px(24) - px(380), h - px(68), px(380), px(50)),
                "Export as an HTML report   (E)",
                "@menu_button",
                object_id="#primary",
            )
        )

    def export(self) -> Any:
        """Write the report into the data folder; tell the player where."""
        sc = self.session.settings
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = f"{sc.scenario.replace('/', '-')}-{sc.actor}-seed{sc.seed}-{stamp}"
        try:
            path = self.session.export_report(reports_dir() / name)
        except (OSError, GameError) as exc:
            self.a.notify(esc(f"The report could not be written: {exc}"), 8.0)
            return None
        self.exported = path
        self.a.notify(f"Report written: {esc(str(path))} (open it in a browser)", 8.0)
        return path

    def handle(self, event: pygame.event.Event) -> Transition | None:
        """Export, back, and their keys."""
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.export_button:
                self.export()
            elif event.ui_element is self.back_button:
                return Pop("title" if self.final else None)
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_e:
                self.export()
            elif event.key == pygame.K_ESCAPE:
                return Pop("title" if self.final else None)
        return None

    def autoplay(self, t: float) -> Transition | None:
        """The demo shows the debrief, exports it, and ends."""
        if t < 0.5:
            return None
        if not self.demo_done:
            self.a.shoot("debrief")
            if self.a.options.screenshots is not None:
                self.export()
            self.demo_done = True
            return None
        if t < 1.0:
            return None
        return Quit(0)
