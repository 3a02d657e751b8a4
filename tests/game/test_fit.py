"""Every screen at every UI scale, in small and usual windows: its text fits, nothing overlaps."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygame
import pygame_gui
import pytest

from game import look
from game.app import App
from game.mapview import NAME_ROOM, Hit, MapPanel
from game.options import PlayOptions
from game.saves import save_game
from game.screen import Screen
from game.screens.debrief import DebriefScreen
from game.screens.decision import DecisionScreen
from game.screens.help import HelpScreen
from game.screens.load import LoadScreen
from game.screens.message import MessageScreen
from game.screens.play import PlayScreen
from game.screens.setup import SetupScreen
from game.session import OptionForecast, Session, Settings, rollouts
from game.widgets import label
from sim.actors import ACTORS, NAMES, StateNames

SHORT = "choosing-a-camp"

LEAVES = (
    pygame_gui.elements.UILabel,
    pygame_gui.elements.UIButton,
    pygame_gui.elements.UITextBox,
    pygame_gui.elements.UIImage,
    pygame_gui.elements.UIDropDownMenu,
    pygame_gui.elements.UISelectionList,
)
"""Widgets that show something, and so must neither overlap a sibling nor leave their container."""

FLOATING = {"#notice", "#map_tooltip"}
"""Widgets that float over the others on purpose."""


class IdleForecaster:
    """A forecaster that never answers (the test fills the dialog's forecasts in itself)."""

    def start(self) -> None:
        pass

    def submit(self, request: dict[str, Any]) -> int:
        return 1

    def cancel(self) -> None:
        pass

    def poll(self) -> list[Any]:
        return []

    def close(self) -> None:
        pass


def _border(element: Any) -> int:
    if isinstance(element, pygame_gui.elements.UILabel):
        return 0  # a label draws no border, whatever the theme says
    width = getattr(element, "border_width", 0)
    if isinstance(width, dict):  # newer pygame_gui: one width per side
        width = max(width.values())
    return int(width or 0)


def _scrolls(element: Any) -> bool:
    """Whether the element lies in a scrolling area, where it may reach past what is shown."""
    container = element.ui_container
    while container is not None:
        if "#scrollable_container" in container.object_ids:
            return True
        container = container.ui_container if container.ui_container is not container else None
    return False


def overflows(manager: pygame_gui.UIManager, window: pygame.Rect) -> list[str]:
    """What does not fit: text wider or taller than its widget, widgets outside or over others."""
    problems = []
    siblings: dict[int, list[tuple[str, pygame.Rect]]] = {}
    for element in manager.get_sprite_group().sprites():
        if not element.visible or element.rect.width <= 0 or element.rect.height <= 0:
            continue
        name = f"{type(element).__name__}{element.object_ids[-1:]} {element.rect}"
        text = getattr(element, "text", "")
        if isinstance(element, pygame_gui.elements.UILabel | pygame_gui.elements.UIButton) and text:
            needs = element.font.get_rect(text).size
            room = element.rect.inflate(-2 * _border(element), -2 * _border(element))
            if needs[0] > room.width or needs[1] > room.height:
                problems.append(f"{name}: {text!r} needs {needs[0]}x{needs[1]}")
        if isinstance(element, pygame_gui.elements.UITextBox):
            line = element.ui_theme.get_font(element.combined_element_ids).get_rect("Ag").height
            needs = line + 2 * element.padding[1] + 2 * _border(element)
            if element.rect.height < needs:
                problems.append(f"{name}: lower than a line of its text ({needs})")
        if (
            isinstance(element, LEAVES)
            and element.parent_element is None
            and not FLOATING & set(element.object_ids)
        ):
            container = element.ui_container
            bounds = container.rect.clip(window)
            if not _scrolls(element) and not bounds.contains(element.rect):
                problems.append(f"{name}: outside its container {bounds}")
            siblings.setdefault(id(container), []).append((name, element.rect))
    for placed in siblings.values():
        for k, (a, rect_a) in enumerate(placed):
            problems += [
                f"{a} overlaps {b}" for b, rect_b in placed[k + 1 :] if rect_a.colliderect(rect_b)
            ]
    return problems


@pytest.fixture(scope="module")
def waiting() -> tuple[Session, dict[str, OptionForecast]]:
    """A short game waiting for the player's first decision, with a small forecast of it."""
    session = Session.start(Settings(SHORT, "PAK", seed=0))
    while not session.waiting:
        session.step()
    request = session.forecast_request()
    request["rollouts"] = 8
    return session, {option: rollouts(request, option) for option in request["options"]}


def every_screen(
    app: App, scale: float, session: Session, forecasts: dict[str, OptionForecast]
) -> Iterator[str]:
    """Ask for a UI scale, then open each screen in turn; yields its name while it is shown."""
    save_game(session, "a save with a long name, to fill a line of the load screen's list")
    app.set_scale(scale)
    yield "title"

    def visit(screen: Screen, name: str) -> Iterator[str]:
        app.push(screen)
        app.manager.update(0.0)
        yield name
        app.stack.pop().close()
        if not screen.overlay:
            app.top.build()

    setup = SetupScreen(scenario=session.settings.scenario)  # its states' names, as it gives them
    setup.error = "This game cannot start: the scenario file has a problem at line 12."
    app.push(setup)
    yield "setup"
    assert setup.dropdown is not None
    setup.dropdown.current_state.should_transition = True  # as a click on it does
    app.manager.update(0.0)
    yield "setup with the scenarios shown"
    app.stack.pop().close()
    app.top.build()
    load = LoadScreen()
    load.error = "This save cannot be loaded: it is truncated (the file ends too early)."
    yield from visit(load, "load")
    play = PlayScreen(session)
    app.push(play)
    play._open_panel("PAK")
    assert play.map is not None
    play.point_at(play.map.rect.center)
    app.notify("Saved to a file with a long name in the data folder")
    app.manager.update(0.0)
    yield "play, with a state's panel and a tooltip"
    dialog = DecisionScreen(session)
    dialog.forecasts = forecasts
    yield from visit(dialog, "decision")
    yield from visit(HelpScreen(), "help")
    yield from visit(
        MessageScreen("This save cannot be loaded", "It is truncated. " * 8), "message"
    )
    yield from visit(DebriefScreen(session), "debrief")


def misfits(size: tuple[int, int], scale: float, waiting: Any) -> list[str]:
    """Every overflow on every screen, in a window of ``size``, with ``scale`` asked for."""
    found = []
    app = App(PlayOptions(size=size))
    app.forecaster = IdleForecaster()  # type: ignore[assignment]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for name in every_screen(app, scale, *waiting):
                problems = overflows(app.manager, pygame.Rect((0, 0), app.size))
                problems += [str(w.message) for w in caught if "too small" in str(w.message)]
                found += [f"{name} (UI scale {app.scale:g}): {p}" for p in problems]
                caught.clear()
    finally:
        app.shutdown()
    return found


@pytest.mark.parametrize("size", [(960, 600), (1024, 700), (1280, 800)])
def test_every_screen_fits_the_window_at_every_ui_scale_asked_for(
    size: tuple[int, int], waiting: Any
) -> None:
    found = [
        f"{scale:g} asked: {p}" for scale in look.SCALES for p in misfits(size, scale, waiting)
    ]
    assert found == []


@pytest.mark.parametrize("scale", look.SCALES[1:])
def test_a_ui_scale_is_shown_in_the_smallest_window_said_to_fit_it(
    scale: float, waiting: Any
) -> None:
    size = look.window_for(scale)
    assert look.fitting_scale(size, scale) == scale
    assert look.fitting_scale((size[0] - 1, size[1]), scale) < scale
    assert misfits(size, scale, waiting) == []


@pytest.mark.parametrize("size", [look.window_for(look.SCALES[0]), (1280, 420), (760, 900)])
def test_the_smallest_ui_scale_fits_the_least_window_said_to_fit_it_however_shaped(
    size: tuple[int, int], waiting: Any
) -> None:
    assert look.fitting_scale(size, look.SCALES[0]) == look.SCALES[0]
    assert misfits(size, look.SCALES[0], waiting) == []


@pytest.mark.parametrize(
    ("desktop", "window"),
    [
        ((1920, 1080), (1280, 800)),  # room to spare: the size the layout is designed for
        ((1366, 768), (1280, 668)),  # the school laptop: the whole window in sight
        ((1280, 720), (1240, 620)),
        ((800, 600), (760, 500)),
        ((640, 480), look.window_for(look.SCALES[0])),  # never below what the screens need
    ],
)
def test_a_window_given_no_size_fits_the_screen_it_opens_on(
    desktop: tuple[int, int], window: tuple[int, int]
) -> None:
    assert look.first_window([desktop, (3840, 2160)], "windows") == window
    assert look.first_window([desktop], "dummy") == look.BASE_SIZE  # no screen to fit
    assert look.first_window([], "x11") == look.BASE_SIZE


def test_a_size_given_is_the_window_and_none_given_is_the_first_window() -> None:
    app = App(PlayOptions(size=(1100, 700)))
    try:
        assert app.size == (1100, 700) and app.first_size == (1100, 700)
    finally:
        app.shutdown()
    app = App(PlayOptions())
    try:  # headless here: the designed size
        assert app.size == look.BASE_SIZE == app.first_size
        app.toggle_fullscreen()
        app.toggle_fullscreen()  # back to the window it opened with
        assert app.size == look.BASE_SIZE
    finally:
        app.shutdown()


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def test_a_ui_scale_too_large_for_the_window_waits_for_a_larger_one_and_says_so() -> None:
    app = App(PlayOptions(size=(1280, 800)))
    app.fps = 0
    try:
        for _ in range(4):
            app.frame([key(pygame.K_EQUALS)])
        assert (app.wanted, app.scale) == (1.5, 1.25)
        assert "UI scale 1.5 needs a window of 1500x840 or more" in app._notice.html_text
        pygame.display.set_mode((1600, 900), pygame.RESIZABLE)
        app.frame([pygame.event.Event(pygame.VIDEORESIZE, size=(1600, 900), w=1600, h=900)])
        assert app.scale == 1.5
        app.frame([key(pygame.K_MINUS)])
        assert (app.wanted, app.scale) == (1.25, 1.25)
    finally:
        app.shutdown()


def test_a_title_too_long_for_its_line_ends_in_an_ellipsis_and_shows_whole_on_hover() -> None:
    app = App(PlayOptions(size=(1024, 700)))
    try:
        title = "Debrief: What if Washington had offered Pakistan economic aid but no arms in 1954?"
        rect = pygame.Rect(0, 0, 400, 40)
        made = label(app.manager, rect, title, "#screen_heading", shorten=True)
        assert made.text.endswith("…") and title.startswith(made.text[:-1])
        assert made.font.get_rect(made.text).width <= rect.width
        assert made.tool_tip_text == title
        assert (
            label(app.manager, rect, "Debrief", "#screen_heading", shorten=True).text == "Debrief"
        )
    finally:
        app.shutdown()


def resize(app: App, size: tuple[int, int]) -> None:
    """Resize the window as a player (or a window manager) does, and let the app see it."""
    pygame.display.set_mode(size, pygame.RESIZABLE)
    app.frame([pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1])])


def minimum_size() -> tuple[int, int]:
    """The least size the window manager lets the player give the window."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the display module's own window
        return tuple(pygame.Window.from_display_module().minimum_size)  # type: ignore[return-value]


def test_a_window_too_small_for_every_ui_scale_shows_only_how_large_it_must_be(
    waiting: Any,
) -> None:
    session, _ = waiting
    app = App(PlayOptions(size=(1280, 800)))
    app.fps = 0
    app.forecaster = IdleForecaster()  # type: ignore[assignment]
    try:
        assert minimum_size() == look.window_for(look.SCALES[0]) == (750, 420)
        play = PlayScreen(session)  # waiting for the player's decision
        app.push(play)
        resize(app, (320, 200))
        assert [e for e in app.manager.get_sprite_group().sprites() if isinstance(e, LEAVES)] == []
        assert overflows(app.manager, pygame.Rect(0, 0, 320, 200)) == []
        month = session.month
        for k in (pygame.K_3, pygame.K_n, pygame.K_F1, pygame.K_EQUALS):
            app.frame([key(k)])
        assert (session.month, len(app.stack), app.status) == (month, 2, None)
        resize(app, (1280, 800))  # the game goes on: the decision opens over the map
        assert play.map is not None and isinstance(app.top, DecisionScreen)
        assert overflows(app.manager, pygame.Rect(0, 0, 1280, 800)) == []
    finally:
        app.shutdown()


LONG = str(Path(__file__).parents[1] / "fixtures" / "long-text.yaml")
"""A valid scenario of very long names, titles, prompts and labels."""


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_every_screen_fits_a_scenario_of_very_long_names_titles_and_labels(
    size: tuple[int, int],
) -> None:
    session = Session.start(Settings(LONG, "PAK", seed=0))
    while not session.waiting:
        session.step()
    request = session.forecast_request()
    request["rollouts"] = 4
    forecasts = {option: rollouts(request, option) for option in request["options"]}
    assert misfits(size, look.auto_scale(size), (session, forecasts)) == []


def test_a_label_shows_line_breaks_and_tabs_in_its_text_as_spaces() -> None:
    app = App(PlayOptions(size=(1280, 800)))
    try:
        title = "A title\non two lines\twith a tab, " + "and more words " * 20
        made = label(
            app.manager, pygame.Rect(0, 0, 600, 40), title, "#screen_heading", shorten=True
        )
        assert made.text.startswith("A title on two lines with a tab, and")
        assert made.text.endswith("…") and "\n" not in made.text and "\t" not in made.text
        assert made.tool_tip_text == title.replace("\n", " ").replace("\t", " ")
        short = label(app.manager, pygame.Rect(0, 0, 600, 40), "Two\r\nlines  kept", "#hint")
        assert short.text == "Two lines  kept"
    finally:
        app.shutdown()


def test_a_tab_in_an_option_label_is_shown_as_a_space_not_a_missing_glyph() -> None:
    session = Session.start(Settings(LONG, "PAK", seed=0))
    while not session.waiting:
        session.step()
    app = App(PlayOptions(size=(1280, 800)))
    app.forecaster = IdleForecaster()  # type: ignore[assignment]
    try:
        app.push(DecisionScreen(session))
        texts = [
            e.html_text
            for e in app.manager.get_sprite_group().sprites()
            if isinstance(e, pygame_gui.elements.UITextBox)
        ]
        assert any("Stay out" in t for t in texts)
        assert not any("\t" in t for t in texts)
    finally:
        app.shutdown()


def _overlaps(panel: MapPanel) -> set[tuple[str, int]]:
    """Which map label overlaps what: another label (by index) or a fixed plate (negative)."""
    labels = panel.labels(east_lost=False)
    fixed = [*panel._context_plates(), panel._usa_box(), panel._usa_hint()[1]]
    found = {
        (a[0], k)
        for a in labels
        for k, b in enumerate(labels)
        if a is not b and a[3].colliderect(b[3])
    }
    return found | {
        (a[0], -1 - k) for a in labels for k, r in enumerate(fixed) if a[3].colliderect(r)
    }


@pytest.mark.parametrize(
    ("rect", "scale"),
    [
        ((0, 60, 900, 710), 1.0),  # the map of a 1280x800 window
        ((0, 45, 500, 352), 0.75),  # of the least window (750x420)
        ((0, 90, 1350, 960), 1.5),  # of a 1920x1080 window at UI scale 1.5
    ],
)
def test_a_long_state_name_is_shortened_on_the_map_and_overlaps_nothing_its_usual_name_does_not(
    rect: tuple[int, int, int, int], scale: float
) -> None:
    pygame.font.init()
    long = StateNames(
        {a: ("The council of a far larger federation of peoples " * 4)[:200] for a in ACTORS}
    )
    usual, renamed = (MapPanel(pygame.Rect(rect), scale, "AFG", n) for n in (StateNames(), long))
    assert [t for _, t, _, _ in usual.labels(False)[:5]] == [
        NAMES[a] + (" (you)" if a == "AFG" else "") for a in ("USSR", "PAK", "IND", "CHN", "AFG")
    ]
    assert usual._usa_name == NAMES["USA"]
    before = {fid: plate for fid, _, _, plate in usual.labels(False)}
    room = round(NAME_ROOM * renamed.k) + 10  # with the plate's margin
    for fid, text, _, plate in renamed.labels(False)[:5]:
        assert text.removesuffix(" (you)").endswith("…"), text
        assert (fid == "AFG") == text.endswith(" (you)")
        assert plate.width <= max(before[fid].width, room)
    assert renamed._usa_name.endswith("…")
    assert renamed._usa_box().width <= max(usual._usa_box().width, round(NAME_ROOM * renamed.k))
    assert _overlaps(renamed) <= _overlaps(usual)


def test_the_maps_tooltip_names_very_long_states_on_a_line_each_and_stays_in_the_window() -> None:
    session = Session.start(Settings(LONG, "PAK", seed=0))
    session.step()
    app = App(PlayOptions(size=(1280, 800)))
    app.forecaster = IdleForecaster()  # type: ignore[assignment]
    try:
        play = PlayScreen(session)
        app.push(play)
        assert play.map is not None
        window = pygame.Rect((0, 0), app.size)
        for y in (play.map.rect.top + 10, play.map.rect.centery, play.map.rect.bottom - 10):
            play.hover, play.mouse = Hit(pair=("PAK", "USSR")), (play.map.rect.centerx, y)
            play._update_tooltip()
            assert play.tooltip is not None and window.contains(play.tooltip.rect)
        assert play.tooltip.html_text.count("…") == 6  # each name, each time it is named
    finally:
        app.shutdown()
