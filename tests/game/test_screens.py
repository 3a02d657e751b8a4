"""The screens, headless: the demo to 1991, the dialog by keys, a bad save, a monkey."""

import random
import warnings
from pathlib import Path

import numpy as np
import pygame
import pytest

from game import look
from game.app import App
from game.chart import attitude_chart, legend
from game.mapview import Hit
from game.options import PlayOptions
from game.saves import save_game, saves_dir
from game.screens.debrief import DebriefScreen, divergences_html
from game.screens.decision import DecisionScreen, forecast_html
from game.screens.load import LoadScreen
from game.screens.play import PlayScreen
from game.screens.setup import SetupScreen
from game.session import OptionForecast, Session, Settings, Spread
from sim import load_scenario

SHORT = "choosing-a-camp"
SCREEN_KINDS = {"title", "setup", "play", "tooltip", "state-panel", "help", "decision", "debrief"}
"""The screen types the demo saves a screenshot of."""


def run_frames(app: App, frames: int, until=None) -> None:  # type: ignore[no-untyped-def]
    for _ in range(frames):
        app.frame()
        if app.status is not None or (until is not None and until()):
            return


def test_the_demo_plays_the_baseline_to_1991_through_every_screen(tmp_path: Path) -> None:
    session = Session.start(Settings("baseline", "PAK", seed=0))
    shots = tmp_path / "shots"
    app = App(PlayOptions(actor="PAK", autoplay=True, screenshots=shots), session)
    app.fps = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status = app.run(max_frames=200_000)
    assert status == 0
    assert session.done
    kinds = {p.stem for p in shots.glob("*.png")}
    assert kinds >= SCREEN_KINDS
    reports = list((saves_dir().parent / "reports").glob("*/debrief.html"))
    assert len(reports) == 1 and (reports[0].parent / "index.html").exists()
    html = reports[0].read_text(encoding="utf-8")
    assert "How close to history" in html and "1991" in html
    too_small = [str(w.message) for w in caught if "too small" in str(w.message)]
    assert too_small == []


def test_the_demo_shows_every_screen_of_a_scenario_with_little_news(tmp_path: Path) -> None:
    """The tour of the play screen waited for ten news items, which a short file never has."""
    tiny = Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml"
    session = Session.start(Settings(str(tiny), "PAK", seed=0))
    app = App(PlayOptions(actor="PAK", autoplay=True, screenshots=tmp_path), session)
    app.fps = 0
    assert app.run(max_frames=50_000) == 0
    assert session.done
    assert len(session.all_news()) < 10  # the case: fewer items than the tour waited for
    assert {p.stem for p in tmp_path.glob("*.png")} == SCREEN_KINDS


def open_play(seed: int = 0) -> tuple[App, PlayScreen]:
    session = Session.start(Settings(SHORT, "PAK", seed=seed))
    app = App(PlayOptions(actor="PAK"), session)
    app.fps = 0
    run_frames(app, 3)
    play = app.top
    assert isinstance(play, PlayScreen)
    return app, play


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def test_the_decision_dialog_takes_the_option_chosen_with_keys() -> None:
    app, play = open_play()
    try:
        app.frame([key(pygame.K_n)])  # run to the next decision
        run_frames(app, 200, until=lambda: isinstance(app.top, DecisionScreen))
        dialog = app.top
        assert isinstance(dialog, DecisionScreen) and dialog.view.id == "pakistan-camp"
        app.frame([key(pygame.K_RETURN)])  # nothing selected yet: nothing happens
        assert app.top is dialog
        app.frame([key(pygame.K_2), key(pygame.K_RETURN)])
        assert app.top is play
        model = play.session.model
        assert model.chosen_option("pakistan-camp") == "communist-camp"
        assert [e.by for e in model.log if e.id == "pakistan-camp"] == ["human"]
    finally:
        app.shutdown()


def test_the_news_feed_keeps_its_items_through_a_resize_a_new_ui_scale_and_the_debrief() -> None:
    session = Session.start(Settings(SHORT, "PAK", seed=0))
    while session.month < session.start_month + 20:  # the player's decisions taken by the AI
        session.step()
        if session.waiting:
            session.decide(session.ai_option())
    app = App(PlayOptions(actor="PAK"), session)
    app.fps = 0
    try:
        run_frames(app, 3)
        play = app.top
        assert isinstance(play, PlayScreen) and play.feed is not None
        news = play.feed.texts()
        assert len(news) >= 5
        pygame.display.set_mode((1440, 900), pygame.RESIZABLE)
        app.frame([pygame.event.Event(pygame.VIDEORESIZE, size=(1440, 900), w=1440, h=900)])
        assert play.feed.texts() == news
        app.frame([key(pygame.K_MINUS)])
        assert play.feed.texts() == news
        app.frame([key(pygame.K_d)])  # the debrief hides the play screen, Esc brings it back
        app.frame([key(pygame.K_ESCAPE)])
        assert app.top is play and play.feed.texts() == news
    finally:
        app.shutdown()


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_the_debrief_shows_every_measure_without_scrolling(size: tuple[int, int]) -> None:
    """The measures' box was a fixed 150 pixels, one line short of its six: it scrolled."""
    session = Session.start(Settings(SHORT, "PAK", seed=0))
    while session.month < session.start_month + 20:
        session.step()
        if session.waiting:
            session.decide(session.ai_option())
    app = App(PlayOptions(actor="PAK", size=size), session)
    app.fps = 0
    try:
        run_frames(app, 3)
        app.frame([key(pygame.K_d)])
        debrief = app.top
        assert isinstance(debrief, DebriefScreen)
        boxes = {
            text.split("</b>")[0]: e
            for e in debrief.elements
            if (text := getattr(e, "html_text", "")).startswith("<b>")
        }
        measures, diverged = boxes["<b>How close to history"], boxes["<b>Where you diverged"]
        assert measures.scroll_bar is None
        assert len(session.debrief().measures) >= 5
        assert measures.rect.bottom < diverged.rect.top  # one above the other, apart
    finally:
        app.shutdown()


def test_a_scenario_file_given_without_a_state_is_the_one_a_new_game_offers() -> None:
    tiny = str(Path(__file__).parents[1] / "fixtures" / "tiny.yaml")
    app = App(PlayOptions(scenario=tiny))  # frontline play tiny.yaml
    app.fps = 0
    try:
        run_frames(app, 2)
        app.frame([key(pygame.K_n)])
        setup = app.top
        assert isinstance(setup, SetupScreen) and setup.scenario == tiny
        assert setup.dropdown is not None and setup.dropdown.selected_option[0] == tiny
        app.frame([key(pygame.K_RETURN)])
        assert isinstance(app.top, PlayScreen)
        assert app.top.session.settings.scenario == tiny
        assert app.top.session.title == "Tiny test scenario"
    finally:
        app.shutdown()


def test_a_scenario_file_too_long_for_the_menu_is_named_whole_under_it(tmp_path: Path) -> None:
    folder = tmp_path / ("a-folder-with-a-long-name-" * 6)
    folder.mkdir()
    path = folder / "the-scenario-the-player-wrote.yaml"
    path.write_text((Path(__file__).parents[1] / "fixtures" / "tiny.yaml").read_text())
    app = App(PlayOptions(scenario=str(path)))
    app.fps = 0
    try:
        run_frames(app, 2)
        app.frame([key(pygame.K_n)])
        setup = app.top
        assert isinstance(setup, SetupScreen) and setup.about is not None
        assert f"File: {path}" in setup.about.html_text
    finally:
        app.shutdown()


@pytest.mark.parametrize(
    ("actor", "words"),
    [
        ("IND", "Nowhere: you have taken no decision."),  # tiny.yaml gives India none
        ("PAK", "History records none of the 1 decision(s) you took, so none can be compared"),
    ],
)
def test_the_debrief_does_not_claim_agreement_with_history_where_nothing_was_compared(
    actor: str, words: str
) -> None:
    tiny = str(Path(__file__).parents[1] / "fixtures" / "tiny.yaml")
    session = Session.start(Settings(tiny, actor))
    while not session.done:
        session.step()
        if session.waiting:
            session.decide(session.ai_option())
    html = divergences_html(session.debrief())
    assert words in html and "you chose as history did" not in html


def test_a_damaged_save_shows_its_message_on_the_load_screen() -> None:
    session = Session.start(Settings(SHORT, "PAK"))
    session.step()
    bad = save_game(session, "broken")
    bad.write_text(bad.read_text(encoding="utf-8")[:500], encoding="utf-8")
    app = App(PlayOptions())
    app.fps = 0
    try:
        run_frames(app, 2)
        app.frame([key(pygame.K_l)])
        assert isinstance(app.top, LoadScreen)
        app.frame([key(pygame.K_RETURN)])
        screen = app.top
        assert isinstance(screen, LoadScreen)
        assert "truncated" in screen.error
        texts = [getattr(e, "html_text", "") for e in screen.elements]
        assert any("truncated" in t for t in texts)
        assert bad.exists()
    finally:
        app.shutdown()


def test_five_thousand_random_clicks_keys_and_resizes_raise_nothing() -> None:
    rng = random.Random(12)
    keys = [
        pygame.K_SPACE,
        pygame.K_1,
        pygame.K_2,
        pygame.K_3,
        pygame.K_4,
        pygame.K_n,
        pygame.K_s,
        pygame.K_l,
        pygame.K_d,
        pygame.K_e,
        pygame.K_h,
        pygame.K_c,
        pygame.K_TAB,
        pygame.K_RETURN,
        pygame.K_ESCAPE,
        pygame.K_F1,
        pygame.K_UP,
        pygame.K_DOWN,
        pygame.K_q,
        pygame.K_a,
    ]
    rebuilds = [pygame.K_MINUS, pygame.K_EQUALS, pygame.K_F11]  # each rebuilds every widget
    sizes = [(1280, 800), (1920, 1080), (1024, 700), (1440, 900)]
    app = App(PlayOptions(scenario=SHORT))
    app.fps = 0
    apps = 1
    try:
        for _ in range(5000 // 10):
            batch = []
            for _ in range(10):
                w, h = app.size
                roll = rng.random()
                pos = (rng.randrange(w), rng.randrange(h))
                if roll < 0.45:
                    batch.append(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
                    batch.append(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))
                elif roll < 0.6:
                    batch.append(
                        pygame.event.Event(
                            pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)
                        )
                    )
                elif roll < 0.993:
                    batch.append(key(rng.choice(keys)))
                elif roll < 0.996:
                    batch.append(key(rng.choice(rebuilds)))
                else:
                    size = rng.choice(sizes)
                    pygame.display.set_mode(size, pygame.RESIZABLE)
                    batch.append(
                        pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1])
                    )
            app.frame(batch)
            if app.status is not None:  # the monkey quit: start again
                app.shutdown()
                app = App(PlayOptions(scenario=SHORT))
                app.fps = 0
                apps += 1
        assert apps >= 1
    finally:
        app.shutdown()


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_every_label_fits_its_box(size: tuple[int, int], tmp_path: Path) -> None:
    session = Session.start(Settings(SHORT, "PAK", seed=3))
    app = App(
        PlayOptions(actor="PAK", autoplay=True, until="1951-01", size=size, screenshots=tmp_path),
        session,
    )
    app.fps = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert app.run(max_frames=50_000) == 0
    assert [str(w.message) for w in caught if "too small" in str(w.message)] == []


def test_the_setup_says_when_the_chosen_state_has_no_decision_to_take() -> None:
    """Not "you face 0 decision point(s)": the player would only watch."""
    from game.screens.setup import _about

    tiny = str(Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml")
    assert "As Pakistan you face one decision point;" in _about(tiny, "PAK")
    watching = _about(tiny, "IND")
    assert "India has no decision to take in this scenario: you would watch" in watching
    assert "decision point" not in watching
    assert "As Pakistan you face 6 decision points;" in _about("choosing-a-camp", "PAK")
    # a usual name reads as it does in a sentence: "As the Soviet Union", "The United States"
    assert "As the Soviet Union you face " in _about("baseline", "USSR")
    assert "The United States has no decision" in _about(tiny, "USA")


def test_a_small_share_of_strength_is_not_shown_as_none() -> None:
    from game.screens.play import share

    assert share(0.004) == "under 1%"
    assert share(0.0) == "0%"
    assert share(0.02) == "2%"
    assert share(0.005) == "under 1%"  # Python rounds it to 0%


RENAMED = str(Path(__file__).parents[1] / "fixtures" / "renamed.yaml")
"""tiny.yaml with Pakistan and the Soviet Union renamed by the file."""


def widget_texts(app: App) -> list[str]:
    """Every text the widgets show now: labels, buttons, text boxes and their tooltips."""
    out = []
    for element in app.manager.get_sprite_group().sprites():
        for attribute in ("text", "html_text", "tool_tip_text"):
            value = getattr(element, attribute, None)
            if isinstance(value, str):
                out.append(value)
    return out


def test_every_screen_names_the_states_as_the_scenario_does() -> None:
    session = Session.start(Settings(RENAMED, "PAK", seed=0))
    app = App(PlayOptions(size=(1280, 800)), session)
    app.fps = 0
    shown: list[str] = []
    try:
        setup = SetupScreen(scenario=RENAMED)
        app.push(setup)
        buttons = {value: b for b, (field, value) in setup.choices.items() if field == "actor"}
        pak, ussr = buttons["PAK"], buttons["USSR"]
        assert pak.text == "Dominion of the Indus" or (  # a name too long for its button
            pak.text.endswith("…") and "Dominion of the Indus" in pak.tool_tip_text
        )
        assert (
            ussr.text.endswith("…") and "Union of Soviet Socialist Republics" in ussr.tool_tip_text
        )
        assert (
            setup.about is not None and "As Dominion of the Indus you face" in setup.about.html_text
        )
        shown += widget_texts(app)
        app.stack.pop().close()
        while not session.waiting:
            session.step()
        play = PlayScreen(session)
        app.push(play)
        dialog = DecisionScreen(session)
        app.push(dialog)
        assert "June 1950: Dominion of the Indus must decide" in widget_texts(app)
        shown += widget_texts(app)
        app.stack.pop().close()
        session.decide("east")
        while session.month <= session.start_month + 12:  # past the Soviet reply
            session.step()
        app.stack.pop().close()
        play = PlayScreen(session)
        app.push(play)
        play._open_panel("PAK")
        assert play.map is not None and play.feed is not None
        labels = {fid: text for fid, text, _, _ in play.map.labels(east_lost=False)}
        assert labels["PAK"] == "Dominion of the Indus (you)"
        assert labels["USSR"].endswith("…") and "Union of Soviet Socialist Republics".startswith(
            labels["USSR"][:-1]
        )
        assert any("Union of Soviet Socialist Republics: " in t for t in play.feed.texts())
        assert play.status_label.text.endswith("·  Dominion of the Indus")
        tooltip = play._tooltip_html(Hit(pair=("PAK", "USSR")))
        assert "Dominion of the Indus towards Union of Soviet Socialist Republics" in tooltip
        shown += widget_texts(app) + list(labels.values()) + [tooltip]
        app.push(DebriefScreen(session))
        assert any("Your state: Dominion of the Indus;" in t for t in widget_texts(app))
        shown += widget_texts(app)
    finally:
        app.shutdown()
    words = " ".join(shown)
    assert "Pakistan" not in words.replace("East Pakistan", "")  # a region's name, not a state's
    assert "Soviet Union" not in words


def test_the_forecast_names_each_pair_by_the_states_names() -> None:
    names = load_scenario(RENAMED).names
    spread = (Spread(-20.0, -10.0, 0.0),)
    forecast = OptionForecast(
        "east",
        250,
        ("1951-12",),
        ("PAK-USSR", "PAK-USA"),
        dict.fromkeys(["PAK-USSR", "PAK-USA"], spread),
        {},
    )
    html = forecast_html(forecast, [], names)
    assert "Union of Soviet Socialist Republics: 1951" in html  # the player's relation with it
    assert "United States: 1951" in html
    assert "PAK" not in html and "USSR" not in html


def test_the_charts_legend_names_the_states_and_shortens_a_name_too_long() -> None:
    pygame.init()
    names = load_scenario(RENAMED).names
    font = look.font(11)
    labels = legend(font, names, "PAK", 100)
    assert set(labels) == {"USSR", "USA", "IND", "CHN", "AFG"}
    assert labels["USA"] == "United States" and labels["AFG"] == "Afghanistan"
    assert labels["USSR"].endswith("…") and font.size(labels["USSR"])[0] <= 100
    assert "Union of Soviet Socialist Republics".startswith(labels["USSR"][:-1])
    months = list(range(600, 624))
    series = np.zeros((len(months), 6))
    chart = attitude_chart((360, 190), months, series, "PAK", 1.0, names)
    assert chart.get_size() == (360, 190)
