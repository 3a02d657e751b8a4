"""The setup screen: scenario, state, difficulty, and whether history is revealed as you go."""

from __future__ import annotations

import functools

import pygame
import pygame_gui

from game.screen import Pop, Replace, Screen, Transition
from game.session import (
    DIFFICULTIES,
    DIFFICULTY_WORDS,
    GameError,
    Session,
    Settings,
    scenario_choices,
)
from game.widgets import button, esc, label, text_box, text_width
from sim.actors import ACTORS, USUAL_NAMES, StateNames
from sim.scenario import CompiledScenario


class SetupScreen(Screen):
    """Choose a game; Enter starts it, Esc goes back."""

    kind = "setup"

    def __init__(self, session: Session | None = None, scenario: str = "baseline") -> None:
        super().__init__()
        self.prepared = session
        s = session.settings if session else None
        self.scenario = s.scenario if s else scenario
        self.actor = s.actor if s else "PAK"
        self.difficulty = s.difficulty if s else "historical"
        self.reveal = s.reveal if s else True
        self.seed = s.seed if s else 0
        self.error = ""
        self.choices: dict[pygame_gui.elements.UIButton, tuple[str, str]] = {}
        self.start_button: pygame_gui.elements.UIButton | None = None
        self.back_button: pygame_gui.elements.UIButton | None = None
        self.dropdown: pygame_gui.elements.UIDropDownMenu | None = None
        self.about: pygame_gui.elements.UITextBox | None = None

    def build(self) -> None:
        """The form."""
        app, m, px = self.a, self.a.manager, self.a.px
        w, h = app.size
        width = min(w - px(80), px(980))
        x0 = (w - width) // 2
        y = px(36)
        self.keep(label(m, pygame.Rect(x0, y, width, px(40)), "New game", "#screen_heading"))
        y += px(56)
        self.choices = {}
        self.keep(label(m, pygame.Rect(x0, y, px(200), px(24)), "Scenario", "#field_label"))
        names: list[str | tuple[str, str]] = list(scenario_choices())
        if self.scenario not in names:
            names.insert(0, self.scenario)
        # as wide as its longest name (and the arrow), within the row
        widest = max(text_width(m, str(n), "drop_down_menu.button") for n in names)
        # room for the arrow, and in the opened list for its borders and scroll bar, whose
        # widths in pixels do not scale (at UI scale 0.75, px(60) left the longest name short)
        drop_w = min(width - px(200), max(px(360), widest + max(px(60), 60)))
        self.dropdown = self.keep(
            pygame_gui.elements.UIDropDownMenu(
                names, self.scenario, pygame.Rect(x0 + px(200), y - px(4), drop_w, px(34)), m
            )
        )
        y += px(44)
        self.keep(label(m, pygame.Rect(x0, y + px(6), px(200), px(24)), "You lead", "#field_label"))
        bw = (width - px(200) - px(5 * 8)) // 6
        called = state_names(self.scenario)  # the states as the scenario names them
        for k, actor in enumerate(ACTORS):
            rect = pygame.Rect(x0 + px(200) + k * (bw + px(8)), y, bw, px(38))
            cls, tip = self._cls(self.actor == actor), f"key {k + 1}"
            b = button(m, rect, called[actor], cls, tip, shorten=True)
            self.choices[self.keep(b)] = ("actor", actor)
        y += px(50)
        self.keep(
            label(m, pygame.Rect(x0, y + px(6), px(200), px(24)), "The others play", "#field_label")
        )
        bw3 = (width - px(200) - px(2 * 8)) // 3
        for k, level in enumerate(DIFFICULTIES):
            rect = pygame.Rect(x0 + px(200) + k * (bw3 + px(8)), y, bw3, px(38))
            b = button(
                m,
                rect,
                level.capitalize(),
                self._cls(self.difficulty == level),
                DIFFICULTY_WORDS[level],
            )
            self.choices[self.keep(b)] = ("difficulty", level)
        y += px(44)
        self.keep(
            label(
                m,
                pygame.Rect(x0 + px(200), y, width - px(200), px(22)),
                DIFFICULTY_WORDS[self.difficulty],
                "#hint",
            )
        )
        y += px(34)
        self.keep(label(m, pygame.Rect(x0, y + px(6), px(200), px(24)), "History", "#field_label"))
        bw2 = (width - px(200) - px(8)) // 2
        for k, (value, text) in enumerate(
            ((True, "Reveal it as you go"), (False, "Keep it for the debrief"))
        ):
            rect = pygame.Rect(x0 + px(200) + k * (bw2 + px(8)), y, bw2, px(38))
            b = button(m, rect, text, self._cls(self.reveal == value), "key H toggles")
            self.choices[self.keep(b)] = ("reveal", "1" if value else "0")
        y += px(54)
        about_h = h - y - px(110) - (px(64) if self.error else 0)  # the error box goes under it
        self.about = self.keep(
            text_box(m, pygame.Rect(x0, y, width, max(about_h, px(80))), self._about(), "@body")
        )
        y = h - px(90)
        if self.error:
            self.keep(
                text_box(
                    m,
                    pygame.Rect(x0, y - px(64), width, px(56)),
                    esc(self.error),
                    "@body",
                    object_id="#error",
                )
            )
        self.back_button = self.keep(
            button(m, pygame.Rect(x0, y, px(180), px(50)), "Back   (Esc)", "@menu_button")
        )
        self.start_button = self.keep(
            button(
                m,
                pygame.Rect(x0 + width - px(300), y, px(300), px(50)),
                "Start   (Enter)",
                "@menu_button",
                object_id="#primary",
            )
        )

    def _cls(self, on: bool) -> str:
        return "@choice_on" if on else "@choice"

    def _about(self) -> str:
        return _about(self.scenario, self.actor)

    def _start(self) -> Transition | None:
        from game.screens.play import PlayScreen

        if self.prepared is not None:
            return Replace(PlayScreen(self.prepared))
        settings = Settings(self.scenario, self.actor, self.seed, self.difficulty, self.reveal)
        try:
            session = Session.start(settings)
        except GameError as exc:
            self.error = f"This game cannot start: {exc}"
            self.rebuild()
            return None
        return Replace(PlayScreen(session))

    def handle(self, event: pygame.event.Event) -> Transition | None:
        """Choices, Start and Back, and their keys."""
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.start_button:
                return self._start()
            if event.ui_element is self.back_button:
                return Pop()
            if event.ui_element in self.choices:
                field, value = self.choices[event.ui_element]
                self._set(field, value)
        elif (
            event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED and event.ui_element is self.dropdown
        ):
            self.scenario = str(event.text)
            self.prepared = None
            self.rebuild()
        elif event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                return self._start()
            if event.key == pygame.K_ESCAPE:
                return Pop()
            if pygame.K_1 <= event.key <= pygame.K_6:
                self._set("actor", ACTORS[event.key - pygame.K_1])
            if event.key == pygame.K_h:
                self._set("reveal", "0" if self.reveal else "1")
        return None

    def _set(self, field: str, value: str) -> None:
        if field == "actor":
            self.actor = value
        elif field == "difficulty":
            self.difficulty = value
        elif field == "reveal":
            self.reveal = value == "1"
        self.prepared = None
        self.rebuild()

    def autoplay(self, t: float) -> Transition | None:
        """The demo: show the choices, then start."""
        if t < 0.5:
            return None
        self.a.shoot("setup")
        return self._start()


@functools.lru_cache(maxsize=8)
def _read(scenario: str) -> CompiledScenario | Exception:
    """A scenario as the setup screen shows it (read once), or why it cannot be read."""
    from sim.scenario import load_scenario

    try:
        return load_scenario(scenario)
    except Exception as exc:  # a scenario that does not load is described, not fatal
        return exc


def state_names(scenario: str) -> StateNames:
    """What a scenario calls the states (the usual names if it cannot be read)."""
    sc = _read(scenario)
    return USUAL_NAMES if isinstance(sc, Exception) else sc.names


@functools.lru_cache(maxsize=64)
def _about(scenario: str, actor: str) -> str:
    """What a scenario is, for the setup screen (read once per scenario and state)."""
    from sim.calendar import format_month

    sc = _read(scenario)
    if isinstance(sc, Exception):
        return f"<b>{esc(scenario)}</b><br>This scenario cannot be loaded: {esc(str(sc))}"
    name = esc(sc.names.in_sentence(actor))
    mine = [d for d in sc.decisions if d.spec.actor == actor and not d.past]
    text = f"<b>{esc(sc.spec.title)}</b><br>"
    if scenario not in scenario_choices():  # a file: its whole path, which the menu may cut
        text += f"File: {esc(scenario)}<br>"
    others = (
        "the other five states are played by the computer, which weighs security, economy, "
        "ideology and prestige as its scenario says."
    )
    if not mine:  # the game would never ask: say so before the player picks this state
        role = (
            f"{esc(sc.names.opening(actor))} has no decision to take in this scenario: "
            f"you would watch, while {others} Choose another state to play."
        )
    else:
        count = "one decision point" if len(mine) == 1 else f"{len(mine)} decision points"
        role = f"As {name} you face {count}; {others}"
    text += f"{format_month(sc.start)} to {format_month(sc.end)}. {role}<br><br>"
    if sc.spec.description:
        text += esc(" ".join(sc.spec.description.split()))
    return text
