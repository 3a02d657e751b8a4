"""The decision dialog: the situation, the options, the advisor and the forecast."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pygame
import pygame_gui

from game.screen import Pop, Screen, Transition
from game.session import AdvisorRow, DecisionView, OptionForecast, Session
from game.widgets import button, esc, fitting_text_box, label, oid, text_box
from sim.actors import StateNames
from sim.text import signed

EVENTS_SHOWN = 4
"""Events listed in each option's forecast: those whose chances differ most between options."""


def _pair_words(pair: str, names: StateNames) -> str:
    """A pair of the forecast (``PAK-USSR``) as its row says it: ``Soviet Union``.

    The first state of every pair is the player's own (``forecast_pairs``), so the row
    names the other: a card keeps each pair to the two lines the ids took, and the
    events' chances in view below them.
    """
    _, other = pair.split("-")
    return names[other]


def forecast_html(
    forecast: OptionForecast | None, events: list[str], names: StateNames, error: str = ""
) -> str:
    """One option's forecast as text: attitudes at the milestones, then chances of events.

    A pair's row names the other state (the first is the player's) in full: the card wraps
    its text, so a long name takes a line more, not a cut.
    """
    if error:
        return f"<b>Forecast</b>: could not be computed ({esc(error)})"
    if forecast is None:
        return "<b>Forecast</b>: computing a few hundred futures…"
    lines = [f"<b>Forecast</b> of {forecast.rollouts} futures: relations, median (10–90%)"]
    if not forecast.complete:
        lines[0] += ", so far"
    for pair in forecast.pairs:
        spreads = forecast.attitudes[pair]
        cells = []
        for month, s in zip(forecast.milestones, spreads, strict=True):
            band = f" ({signed(s.low)}…{signed(s.high)})" if s.high - s.low >= 1 else ""
            cells.append(f"{month[:4]} <b>{signed(s.median)}</b>{band}")
        lines.append(f"{esc(_pair_words(pair, names))}: " + ", ".join(cells))
    if events:
        lines.append(f"<b>Chance by {forecast.milestones[-1][:4]}</b>")
        for title in events:
            lines.append(f"{forecast.events.get(title, 0.0):.0%} {esc(title)}")
    return "<br>".join(lines)


def progress_text(
    options: Sequence[Any], forecasts: dict[str, OptionForecast], errors: dict[str, str]
) -> str:
    """How far the forecast has come: the year its rollouts have reached, or complete."""
    got = [forecasts.get(o.id) for o in options if o.id not in errors]
    if got and all(f is not None and f.complete for f in got):
        return f"Forecast complete. Select an option (1-{len(options)}), then take it (Enter)."
    reached = [f.milestones[-1][:4] for f in got if f is not None and f.milestones]
    if not reached:
        return "Forecast: rolling the years ahead out (in the background; you can choose now)"
    return f"Forecast: computed to {min(reached)}, going on (you can choose now)"


def telling_events(forecasts: dict[str, OptionForecast], shown: int = EVENTS_SHOWN) -> list[str]:
    """The events whose chances differ most between the options (then the likeliest)."""
    titles = {t for f in forecasts.values() for t in f.events}
    scored = []
    for title in titles:
        shares = [f.events.get(title, 0.0) for f in forecasts.values()]
        spread = max(shares) - min(shares)
        if max(shares) >= 0.05:
            scored.append((-round(spread, 2), -max(shares), title))
    return [t for _, _, t in sorted(scored)[:shown]]


class DecisionScreen(Screen):
    """Choose an option (1-4, then Enter); the dialog closes with the option's id."""

    kind = "decision"
    overlay = True

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.view: DecisionView = session.decision()
        self.advice: dict[str, AdvisorRow] = {r.option: r for r in session.advise()}
        self.selected: int | None = None
        self.forecasts: dict[str, OptionForecast] = {}
        self.errors: dict[str, str] = {}
        self.job = 0
        self.cards: list[Any] = []
        self.forecast_boxes: list[Any] = []
        self.select_buttons: list[Any] = []
        self.stale: list[int] = []
        self.take_button: Any = None
        self.progress: Any = None
        self.demo_pick: str | None = None
        self.demo_at = 0.0

    def open(self, app: Any) -> None:
        """Ask the worker for the forecast, then build the dialog."""
        super().open(app)
        self.job = self.a.forecaster.submit(self.session.forecast_request())

    @property
    def complete(self) -> bool:
        """True once every option's forecast has arrived (or failed) and is shown."""
        arrived = all(
            o.id in self.errors or (o.id in self.forecasts and self.forecasts[o.id].complete)
            for o in self.view.options
        )
        return arrived and not self.stale

    def build(self) -> None:
        """The shade, the dialog, and one card per option."""
        app, m, px = self.a, self.a.manager, self.a.px
        w, h = app.size
        shade = self.shade()
        margin = px(20)
        dw, dh = w - 2 * margin, h - 2 * margin
        box = pygame_gui.elements.UIPanel(
            pygame.Rect(margin, margin, dw, dh),
            starting_height=1,
            manager=m,
            container=shade,
            object_id=oid("#dialog"),
        )
        v = self.view
        inner = dw - px(32)
        label(
            m,
            pygame.Rect(px(16), px(10), inner, px(34)),
            f"{v.month}: {self.session.names.opening(v.actor)} must decide",
            "#dialog_title",
            container=box,
            shorten=True,  # the scenario names the state
        )
        prompt = esc(v.prompt)
        if v.timing:  # the prompt tells history's moment, and this is another
            prompt += f"<br><i>{esc(v.timing)}: the text above tells that moment.</i>"
        # as tall as the prompt needs, from three lines' room up to five's (then it scrolls)
        prompt_h = fitting_text_box(
            m, pygame.Rect(px(16), px(48), inner, px(140)), prompt, container=box, least=px(92)
        ).rect.height
        source = label(
            m,
            pygame.Rect(px(16), px(50) + prompt_h, inner, px(20)),
            f"Source: {v.citation}",
            "#hint",
            container=box,
            shorten=True,
        )
        if v.note:
            cut = source.text != f"Source: {v.citation}"
            tip = esc(f"Source: {v.citation}") + "<br>" if cut else ""
            source.set_tooltip(tip + esc(v.note), wrap_width=px(520), delay=0.3)
        n = len(v.options)
        gap = px(10)
        cw = (inner - gap * (n - 1)) // n
        top = px(76) + prompt_h
        bottom = dh - px(76)
        ch = bottom - top
        select_h = px(40)
        card_h = ch - select_h - px(8)
        static_h = card_h * 46 // 100
        self.cards, self.forecast_boxes, self.select_buttons = [], [], []
        events = telling_events(self.forecasts)
        for k, option in enumerate(v.options):
            x = px(16) + k * (cw + gap)
            on = self.selected == k
            style = "@card_on" if on else "@card"
            words = "<br>".join(f"• {esc(w_)}" for w_ in option.words)
            row = self.advice.get(option.id)
            html = (
                f"<b>{k + 1}.  {esc(option.label)}</b><br><b>What it does</b><br>{words}"
                f"{_same_html(row)}<br>{_advice_html(row)}"
            )
            self.cards.append(
                text_box(m, pygame.Rect(x, top, cw, static_h), html, style, container=box)
            )
            self.forecast_boxes.append(
                text_box(
                    m,
                    pygame.Rect(x, top + static_h + px(6), cw, card_h - static_h - px(6)),
                    forecast_html(
                        self.forecasts.get(option.id),
                        events,
                        self.session.names,
                        self.errors.get(option.id, ""),
                    ),
                    style,
                    container=box,
                )
            )
            b = button(
                m,
                pygame.Rect(x, top + card_h + px(8), cw, select_h),
                "Selected" if on else f"Select   ({k + 1})",
                "@choice_on" if on else "@choice",
                f"Select option {k + 1}",
                container=box,
            )
            self.select_buttons.append(b)
        self.stale = []
        self.progress = label(
            m,
            pygame.Rect(px(16), dh - px(62), inner - px(340), px(40)),
            self._progress_text(),
            "#hint",
            container=box,
        )
        text = "Take this option   (Enter)" if self.selected is not None else "Select an option"
        self.take_button = button(
            m,
            pygame.Rect(dw - px(336), dh - px(68), px(320), px(52)),
            text,
            "@menu_button",
            container=box,
            object_id="#primary",
        )
        if self.selected is None:
            self.take_button.disable()

    def update(self, dt: float) -> Transition | None:
        """Collect forecast results as they arrive; redraw the cards when one does."""
        for result in self.a.forecaster.poll():
            if result.job != self.job:
                continue
            if result.forecast is not None:
                self.forecasts[result.option] = result.forecast
            else:
                self.errors[result.option] = result.error or "failed"
            # the events worth showing depend on every option's forecast: redo each card
            self.stale = list(range(len(self.forecast_boxes)))
        if self.stale:
            # one card a frame: laying out text takes milliseconds, and frames must stay short
            k = self.stale.pop(0)
            option = self.view.options[k].id
            self.forecast_boxes[k].set_text(
                forecast_html(
                    self.forecasts.get(option),
                    telling_events(self.forecasts),
                    self.session.names,
                    self.errors.get(option, ""),
                )
            )
            if not self.stale:
                self.progress.set_text(self._progress_text())
        return None

    def _progress_text(self) -> str:
        return progress_text(self.view.options, self.forecasts, self.errors)

    def _select(self, k: int) -> None:
        if 0 <= k < len(self.view.options):
            self.selected = k
            self.rebuild()

    def _take(self) -> Transition | None:
        if self.selected is None:
            return None
        self.a.forecaster.cancel()
        return Pop(self.view.options[self.selected].id)

    def handle(self, event: pygame.event.Event) -> Transition | None:
        """Select with the buttons or 1-4; take with the button or Enter."""
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.take_button:
                return self._take()
            for k, b in enumerate(self.select_buttons):
                if event.ui_element is b:
                    self._select(k)
        elif event.type == pygame.KEYDOWN:
            if pygame.K_1 <= event.key <= pygame.K_4:
                self._select(event.key - pygame.K_1)
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                return self._take()
        return None

    def autoplay(self, t: float) -> Transition | None:
        """The demo: wait for the forecast, select the AI's option, take it."""
        if self.demo_pick is None:
            if not self.complete and t < 15.0:
                return None
            self.demo_pick = self.session.ai_option()
            ids = [o.id for o in self.view.options]
            self._select(ids.index(self.demo_pick))
            self.demo_at = t
            return None
        if t < self.demo_at + 0.15:
            return None
        self.a.shoot("decision")
        return self._take()


def _advice_html(row: AdvisorRow | None) -> str:
    if row is None:
        return "<b>Advisor</b>: no view"
    parts = ", ".join(f"{k} {signed(v, 1)}" for k, v in row.parts.items())
    text = (
        f"<b>Advisor</b>: worth <b>{signed(row.total, 1)}</b> to us over a year ({parts}). "
        f"The computer would take it {_chance(row.probability)}."
    )
    if row.foreseen:
        text += "<br><b>Foresees</b>: " + "; ".join(html.escape(w) for w in row.foreseen)
    return text


def _same_html(row: AdvisorRow | None) -> str:
    """A note where the model cannot tell this option from others (the difference is outside it)."""
    if row is None or not row.same_as:
        return ""
    others = " or ".join(str(k) for k in row.same_as)
    return f"<br><i>In the model, the same as option {others}</i>"


def _chance(p: float) -> str:
    if p >= 0.995:
        return "almost surely"
    if p <= 0.005:
        return "almost never"
    return f"{p:.0%} of the time"
