"""The game session (the adapter to the model), saves and the forecast: no window needed."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from frontline.cli import main
from game import look
from game.forecast import Forecaster, ForecastResult
from game.options import UI_SCALE_RANGE
from game.saves import SaveError, autosave, list_saves, read_save, save_game, write_save
from game.screens.debrief import divergences_html
from game.session import Session, Settings, forecasts, rollouts
from sim.actors import ACTORS, INDEX
from sim.calendar import format_month, parse_month
from sim.history import load_record
from sim.model import Choice, FrontlineModel

SHORT = "choosing-a-camp"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def play_out(
    session: Session, pick: int = 0, save_at: int | None = None, path: Path | None = None
) -> Session:
    """Play to the end, choosing option ``pick`` (modulo the count); maybe save and reload."""
    decisions = 0
    while not session.done:
        session.step()
        if session.waiting:
            if save_at is not None and decisions == save_at:
                assert path is not None
                write_save(session, path, "test")
                session = read_save(path)
            options = session.decision().options
            session.decide(options[pick % len(options)].id)
            decisions += 1
    return session


def ai_plays_until(session: Session, month: int) -> None:
    """Step to ``month``, the player's decisions taken as the AI would take them."""
    while session.model.month < month:
        session.step()
        if session.waiting:
            session.decide(session.ai_option())


def test_save_load_continue_gives_the_same_run_as_never_saving(tmp_path: Path) -> None:
    straight = play_out(Session.start(Settings(SHORT, "PAK", seed=5)), pick=1)
    saved = play_out(
        Session.start(Settings(SHORT, "PAK", seed=5)), pick=1, save_at=2, path=tmp_path / "s.json"
    )
    a, b = straight.snapshot(), saved.snapshot()
    assert a["state"] == b["state"]
    assert a["log"] == b["log"]
    assert a["recorded_attitudes"] == b["recorded_attitudes"]


def historical_pick(session: Session) -> Session:
    while not session.done:
        session.step()
        if session.waiting:
            pending = session.model.pending
            assert pending is not None
            hist = next((o.id for o in pending.decision.options if o.historical), None)
            session.decide(hist or pending.decision.options[0].id)
    return session


def test_choosing_what_history_did_not_changes_the_debrief() -> None:
    faithful = historical_pick(Session.start(Settings(SHORT, "PAK", seed=2)))
    assert faithful.debrief().divergences == ()

    other = Session.start(Settings(SHORT, "PAK", seed=2))
    other.step()
    assert other.waiting and other.decision().id == "pakistan-camp"
    other.decide("neutral")
    other = historical_pick(other)
    debrief = other.debrief()
    assert [d.decision for d in debrief.divergences] == ["pakistan-camp"]
    first = debrief.divergences[0]
    assert first.chosen.startswith("Stay neutral")
    assert first.followed  # something differed from history's path afterwards
    assert debrief.measures != faithful.debrief().measures
    assert any("neutral" in ours.lower() for _, _, ours in debrief.timeline)


def test_difficulty_changes_the_other_states_temperatures_through_the_scenario() -> None:
    normal = Session.start(Settings(SHORT, "PAK", difficulty="historical")).model.scenario
    sharp = Session.start(Settings(SHORT, "PAK", difficulty="sharp")).model.scenario
    assert sharp.temperatures[INDEX["PAK"]] == normal.temperatures[INDEX["PAK"]]
    others = [INDEX[a] for a in ("USSR", "USA", "IND", "CHN", "AFG")]
    assert np.allclose(sharp.temperatures[others], normal.temperatures[others] * 0.25)


def test_an_option_says_what_it_does_in_words() -> None:
    session = Session.start(Settings(SHORT, "PAK"))
    session.step()
    view = session.decision()
    communist = next(o for o in view.options if o.id == "communist-camp")
    # one act, join_bloc, described by its rule in this state, a clause a line
    assert communist.words[0] == "Pakistan stands in the eastern camp"
    assert communist.words.count("Pakistan stands in the eastern camp") == 1
    assert any(w.startswith("The Soviet Union warms towards Pakistan") for w in communist.words)
    neutral = next(o for o in view.options if o.id == "neutral")
    assert neutral.words == ("nothing changes",)  # a flag only: nothing to say


def test_advisor_and_news_explain_the_other_states_choices() -> None:
    session = Session.start(Settings(SHORT, "PAK"))
    news = []
    while not session.done and len([n for n in news if n.kind == "decision"]) < 4:
        news += session.step()
        if session.waiting:
            rows = session.advise()
            assert len(rows) == len(session.decision().options)
            assert abs(sum(r.probability for r in rows) - 1) < 1e-9
            session.decide(session.ai_option())
    theirs = [n for n in news if n.kind == "decision" and not n.mine]
    assert theirs and all(n.reason.startswith(("for ", "little")) for n in theirs)
    assert all(n.citation for n in news)


def test_a_forecast_rolls_out_each_option_from_this_moment() -> None:
    session = Session.start(Settings(SHORT, "PAK", seed=1))
    session.step()
    request = json.loads(json.dumps(session.forecast_request()))  # what the worker receives
    neutral = rollouts(request, "neutral")
    communist = rollouts(request, "communist-camp")
    assert neutral.rollouts == 250 and neutral.pairs == ("PAK-USSR", "PAK-USA")
    assert len(neutral.attitudes["PAK-USSR"]) == len(neutral.milestones)
    # joining the Soviet camp warms the Soviet relation in the forecast
    assert communist.attitudes["PAK-USSR"][0].median > neutral.attitudes["PAK-USSR"][0].median
    assert not session.model.done and session.waiting  # the game itself did not move


def first_request() -> dict[str, Any]:
    """The forecast request of the short scenario's first decision (Pakistan's, in 1947)."""
    session = Session.start(Settings(SHORT, "PAK", seed=1))
    session.step()
    assert session.waiting
    return session.forecast_request()


def results_of(forecaster: Forecaster, job: int, count: int) -> list[ForecastResult]:
    """Poll until ``count`` results of ``job`` have arrived (two minutes at most)."""
    import time

    results: list[ForecastResult] = []
    deadline = time.monotonic() + 120
    while len(results) < count and time.monotonic() < deadline:
        results += [r for r in forecaster.poll() if r.job == job]
        time.sleep(0.02)
    return results


def test_the_forecast_worker_answers_milestone_by_milestone_without_pygame() -> None:
    request = first_request()
    forecaster = Forecaster()
    try:
        job = forecaster.submit(request)
        options = [str(o) for o in request["options"]]
        stages = len(request["milestones"])
        results = results_of(forecaster, job, stages * len(options))
        # every option at the first milestone, then every option at the next, ...
        assert [r.option for r in results] == options * stages
        assert all(r.forecast is not None for r in results)
        reached = [len(r.forecast.milestones) for r in results if r.forecast is not None]
        assert reached == [k for k in range(1, stages + 1) for _ in options]
        done = [r.forecast.complete for r in results if r.forecast is not None]
        assert done == [False] * (stages - 1) * len(options) + [True] * len(options)
        assert forecaster.worker_has_pygame is False
    finally:
        forecaster.close()


def test_a_forecast_worker_that_dies_answers_its_job_with_an_error_and_is_replaced() -> None:
    """The dialog shows why no forecast came, and the next dialog gets a new worker."""
    request = first_request()
    options = [str(o) for o in request["options"]]
    forecaster = Forecaster()
    try:
        job = forecaster.submit(request)
        first = forecaster._process
        first.kill()  # as the system's out-of-memory killer would, while it computes
        first.join(timeout=10)
        failed = results_of(forecaster, job, len(options))
        assert [r.option for r in failed] == options
        assert all(r.forecast is None and "worker process stopped" in r.error for r in failed)
        job = forecaster.submit(request)  # a new worker answers
        assert forecaster._process is not first and forecaster.alive
        stages = len(request["milestones"])
        answered = results_of(forecaster, job, stages * len(options))
        assert all(r.forecast is not None for r in answered)
        assert len(answered) == stages * len(options)
    finally:
        forecaster.close()
    assert not forecaster.alive


def test_the_forecaster_makes_no_named_semaphores_that_could_leak_at_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pipes only: the resource tracker has nothing to warn of when the game exits."""
    from multiprocessing import resource_tracker

    registered: list[tuple[str, str]] = []
    monkeypatch.setattr(
        resource_tracker, "register", lambda name, rtype: registered.append((name, rtype))
    )
    request = first_request()
    forecaster = Forecaster()
    try:
        job = forecaster.submit(request)
        assert results_of(forecaster, job, len(request["options"]))
        forecaster.cancel()
    finally:
        forecaster.close()
    assert [r for r in registered if r[1] == "semaphore"] == []


def test_one_ensemble_for_all_options_is_each_option_branched_alone() -> None:
    """The forecast's one ensemble gives each option what answering it, then branching, gives."""
    session = Session.start(Settings(SHORT, "PAK", seed=1))
    session.step()
    request = json.loads(json.dumps(session.forecast_request()))
    request["rollouts"] = 40
    stages = list(forecasts(request))
    assert len(stages) == len(request["milestones"])
    assert [f.complete for f in stages[-1]] == [True] * len(request["options"])
    assert not any(f.complete for stage in stages[:-1] for f in stage)
    ensemble = FrontlineModel.restore(request["run"]).branch_answers(
        request["options"], 40, int(request["seed"])
    )
    ensemble.run()
    for k, option in enumerate(request["options"]):
        alone = FrontlineModel.restore(request["run"])
        assert alone.pending is not None
        alone.decide(Choice(alone.pending.id, option, by="human"))
        branched = alone.branch(40, int(request["seed"]), keep_log=False)
        branched.run()
        block = slice(k * 40, (k + 1) * 40)
        for name in ("attitudes", "choice", "event_month", "ties"):
            assert np.array_equal(
                getattr(ensemble.state, name)[block], getattr(branched.state, name)
            ), name
        # and the forecast's figures are those of the block at the end
        assert stages[-1][k] == rollouts({**request}, option)


def test_autosaves_keep_only_the_newest_few() -> None:
    session = Session.start(Settings(SHORT, "PAK"))
    session.step()
    paths = [autosave(session, keep=3) for _ in range(5)]
    kept = sorted(p.name for p in paths[0].parent.glob("autosave-*.json"))
    assert kept == sorted(p.name for p in paths[-3:])
    assert len(list_saves()) == 3


def damage(path: Path, how: str) -> None:
    text = path.read_text(encoding="utf-8")
    if how == "truncated":
        path.write_text(text[: len(text) // 2], encoding="utf-8")
    elif how == "damaged":
        path.write_bytes(b"\xff\xfe" + text.encode()[10:])
    elif how == "hand-edited":
        path.write_text(text.replace('"seed":0', '"seed":7', 1), encoding="utf-8")
    elif how == "future-version":
        doc = json.loads(text)
        doc["version"] = 99
        path.write_text(json.dumps(doc), encoding="utf-8")
    elif how == "not-json":
        path.write_text("{ this is not json", encoding="utf-8")
    elif how == "empty":
        path.write_text("", encoding="utf-8")


EXPECTED = {
    "truncated": "truncated",
    "damaged": "not UTF-8",
    "hand-edited": "changed after it was written",
    "future-version": "newer version",
    "not-json": "not valid JSON",
    "empty": "empty",
}


@pytest.mark.parametrize("how", sorted(EXPECTED))
def test_a_bad_save_gives_a_clear_message_and_the_autosave_survives(how: str) -> None:
    session = Session.start(Settings(SHORT, "PAK"))
    session.step()
    good = autosave(session)
    bad = save_game(session, "to be damaged")
    damage(bad, how)
    with pytest.raises(SaveError) as error:
        read_save(bad)
    assert EXPECTED[how] in str(error.value) and str(bad) in str(error.value)
    assert bad.exists() and good.exists()
    assert read_save(good).decision().id == "pakistan-camp"


def test_frontline_play_load_of_a_bad_save_exits_2_without_a_traceback(tmp_path: Path) -> None:
    session = Session.start(Settings(SHORT, "PAK"))
    session.step()
    bad = save_game(session, "bad")
    damage(bad, "truncated")
    done = subprocess.run(
        [sys.executable, "-m", "frontline.cli", "play", "--load", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "truncated" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("until", ["1900-01", "1950-01"])
def test_frontline_play_until_a_month_before_the_first_exits_2_and_says_why(
    until: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = str(Path(__file__).parents[1] / "fixtures" / "tiny.yaml")  # starts in 1950-01
    code = main(["play", tiny, "--as", "PAK", "--autoplay", "--until", until])
    err = capsys.readouterr().err
    assert code == 2
    assert f"--until {until}: expected a month after 1950-01, where the scenario starts" in err


@pytest.mark.parametrize("scale", ["0.5", "0.7", "2.5", "3", "nan"])
def test_frontline_play_refuses_a_ui_scale_outside_those_whose_screens_are_checked(
    scale: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (look.SCALES[0], look.SCALES[-1]) == UI_SCALE_RANGE
    assert main(["play", "--as", "PAK", "--ui-scale", scale]) == 2
    assert "--ui-scale: expected a value from 0.75 to 2, got" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("size", "words"),
    [
        ("10x10", "the smallest window is "),
        ("800x600", "the smallest window is "),
        ("big", "expected WIDTHxHEIGHT such as 1280x800, got 'big'"),
        ("1280x", "expected WIDTHxHEIGHT such as 1280x800, got '1280x'"),
    ],
)
def test_frontline_play_says_why_a_window_size_is_refused(
    size: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A size too small is told the smallest, not that it is not a size."""
    assert main(["play", "--as", "PAK", "--size", size]) == 2
    assert f"--size: {words}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--seed", "\u0663"], "--seed: expected a whole number, got '\u0663'"),
        (["--seed", "1_000"], "--seed: expected a whole number, got '1_000'"),
        (["--until", "\u0661\u0669\u0664\u0668-01"], "--until: expected a month"),
        (["--size", "\u0661\u0662\u0668\u0660x800"], "--size: expected WIDTHxHEIGHT"),
    ],
)
def test_frontline_play_reads_numbers_in_ascii_digits_as_frontline_run_does(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not int()'s reading of Arabic-Indic digits or underscores; an --until it could not
    stop at ran the demo on past it."""
    demo = ["--autoplay", "--until", "1948-01"]  # were it let through: a short demo, not a wait
    assert status(["play", "--as", "PAK", *demo, *argv]) == 2
    assert words in capsys.readouterr().err


def test_frontline_play_refuses_an_empty_scenario_name(capsys: pytest.CaptureFixture[str]) -> None:
    """Not the baseline in silence."""
    assert status(["play", "", "--as", "PAK", "--autoplay", "--until", "1948-01"]) == 2
    assert "expected a scenario's built-in name or path, got ''" in capsys.readouterr().err


def status(argv: list[str]) -> int:
    """The exit status of ``frontline ARGV``, whether argparse or the command refuses."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)


def test_the_command_line_starts_without_importing_pygame() -> None:
    code = (
        "import sys, frontline.cli as c; p = c.build_parser(); "
        "p.parse_args(['play', '--as', 'PAK']); "
        "assert 'pygame' not in sys.modules and 'pygame_gui' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_a_scenario_without_the_east_pakistan_flag_reads_as_not_separated() -> None:
    session = Session.start(Settings(SHORT, "PAK"))
    assert session.has_flag("east-pakistan-lost") is False
    assert session.has_flag("no-such-flag") is False


def test_a_debrief_before_the_first_month_says_nothing_has_happened() -> None:
    session = Session.start(Settings(SHORT, "PAK"))
    assert session.debrief().timeline == ()


def test_a_report_exported_mid_game_compares_only_what_has_come_so_far(tmp_path: Path) -> None:
    """Events and decisions the record places later are not counted as missed."""
    session = Session.start(Settings("baseline", "PAK", seed=0))
    ai_plays_until(session, 1950 * 12)
    now = session.model.month
    session.export_report(tmp_path)
    found = json.loads((tmp_path / "comparison.json").read_text(encoding="utf-8"))
    events = [e["id"] for e in found["events"]]
    assert events and "partition-and-independence" in events
    assert "ussr-dissolved-1991" not in events
    record = {e.id: parse_month(e.month) for e in session.record.events}
    assert all(record[e] < now for e in events)
    # the debrief on screen counts the same events
    measures = session.debrief().measures
    assert f" of {len(events)} (" in measures["recorded events that happened"]


def test_an_event_that_came_before_historys_date_is_not_called_unrecorded_mid_game(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A debrief before the record's date of an event that has already happened says so."""
    text = (FIXTURES / "history" / "tiny-record.yaml").read_text(encoding="utf-8")
    late = tmp_path / "record.yaml"
    late.write_text(text.replace("month: 1950-05", "month: 1950-11"), encoding="utf-8")
    record = load_record(late)
    monkeypatch.setattr("game.session.load_record", lambda: record)
    session = Session.start(Settings(str(FIXTURES / "tiny.yaml"), "PAK", seed=1))
    fired = session.model.scenario.event_index("border-clash")
    while session.model.state.event_month[0, fired] < 0:
        session.step()
        if session.waiting:
            session.decide(session.ai_option())
    month = format_month(int(session.model.state.event_month[0, fired]))
    assert session.model.month < parse_month("1950-11")  # before history's date
    timeline = session.debrief().timeline
    assert ("1950-11", "A border clash", f"happened in {month}") in timeline
    assert all(h != "(not in the record)" for _, h, _ in timeline)


def test_the_debrief_never_shows_event_timing_alone(tmp_path: Path) -> None:
    """Beside the timing error: the recorded events missed and the unrecorded that happened."""
    session = Session.start(Settings("baseline", "PAK", seed=1))
    ai_plays_until(session, 1956 * 12)
    session.export_report(tmp_path)
    found = json.loads((tmp_path / "comparison.json").read_text(encoding="utf-8"))
    off_record = [e["id"] for e in found["unrecorded_events"] if e["share_happened"] > 0]
    assert off_record, "this seed's run has events that history did not record"
    measures = session.debrief().measures
    assert measures["events history did not record that happened"] == str(len(off_record))
    names = list(measures)
    timing = names.index("mean timing error of those events")
    assert names.index("recorded events that happened") < timing
    assert names.index("events history did not record that happened") < timing


def test_the_advisor_says_what_an_option_makes_likely() -> None:
    session = Session.start(Settings(SHORT, "PAK"))
    seen: list[str] = []
    while not session.done and not seen:
        session.step()
        if session.waiting:
            seen = [w for row in session.advise() for w in row.foreseen]
            session.decide(session.ai_option())
    assert seen, "no decision of Pakistan's foresaw anything"
    assert any("within a year" in w or "would answer" in w for w in seen)


def test_the_advisor_says_which_options_the_model_cannot_tell_apart() -> None:
    session = Session.start(Settings(SHORT, "PAK", seed=1))
    while not session.waiting:
        session.step()
    rows = {r.option: r for r in session.advise()}
    # staying neutral and turning first to the Islamic world are the same acts (none) in 1947
    assert rows["neutral"].same_as == (4,) and rows["islamic-world"].same_as == (1,)
    assert rows["us-led-bloc"].same_as == () and rows["communist-camp"].same_as == ()


NEVER_READS = """
import time

def never_reads(requests, results):
    time.sleep(120)

if __name__ == "__main__":
    import game.forecast as forecast
    forecast._work = never_reads  # a worker that is still starting when the game closes
    forecaster = forecast.Forecaster()
    forecaster.submit({"run": "x" * 2_000_000})  # more than a pipe holds
    forecaster.close()
    print("closed", flush=True)
"""


def run_script(folder: Path, text: str) -> subprocess.CompletedProcess[str]:
    """Run ``text`` as a Python script of its own in ``folder``, with this project importable."""
    script = folder / "script.py"
    script.write_text(text, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(root)},
    )


def test_the_game_exits_when_it_closes_with_a_forecast_request_unread(tmp_path: Path) -> None:
    """Quitting while a large request waits in the pipe must not hold the exit forever."""
    done = run_script(tmp_path, NEVER_READS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "closed"


FLOODS = """
import pathlib
import time

def floods(requests, results):
    for _ in range(100):  # a megabyte of results the game has not read: more than a pipe holds
        results.send_bytes(b"x" * 10_000)
    while requests.recv_bytes() != b"stop":
        pass
    pathlib.Path("stopped").write_text("by itself")

if __name__ == "__main__":
    import game.forecast as forecast
    forecast._work = floods
    forecaster = forecast.Forecaster()
    forecaster.start()
    time.sleep(1)  # the worker has filled the pipe and waits to write the rest
    forecaster.close()
    print("closed", flush=True)
"""


def test_a_worker_stuck_writing_results_nobody_read_still_stops_by_itself(
    tmp_path: Path,
) -> None:
    """Closing reads what the worker sent, so that it reaches the stop and ends cleanly."""
    done = run_script(tmp_path, FLOODS)
    assert (done.returncode, done.stdout.strip()) == (0, "closed"), done.stderr
    assert (tmp_path / "stopped").read_text() == "by itself"  # not terminated


def test_every_text_of_a_game_names_the_states_as_its_scenario_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """News, the decision's words, the advisor, the panels, the debrief and its export."""
    record = load_record(FIXTURES / "history" / "tiny-record.yaml")  # holds the fixture's decision
    monkeypatch.setattr("game.session.load_record", lambda: record)
    session = Session.start(Settings(str(FIXTURES / "renamed.yaml"), "PAK", seed=0))
    texts = []
    while not session.waiting:
        texts += [n.headline for n in session.step()]
    texts += [w for o in session.decision().options for w in o.words]
    texts += [w for row in session.advise() for w in row.foreseen]
    session.decide("east")  # not history's option: the debrief says what followed
    while not session.done:
        texts += [n.headline for n in session.step()]
    texts += [session.state_view(a).name for a in ACTORS]
    debrief = session.debrief()
    texts += [t for row in debrief.timeline for t in row]
    texts += [f for d in debrief.divergences for f in d.followed]
    page = session.export_report(tmp_path / "report").read_text(encoding="utf-8")
    assert "1950-09 Union of Soviet Socialist Republics: " in " ".join(
        f"{n.month} {n.headline}" for n in session.all_news()
    )
    assert (
        "Dominion of the Indus joins the pact led by Union of Soviet Socialist Republics" in texts
    )
    assert "Dominion of the Indus: Join the West" in texts  # history's side of the timeline
    assert "Dominion of the Indus: Join the East" in texts  # the player's
    assert "your game as Dominion of the Indus" in page
    report = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")  # beside it
    assert "<td>Dominion of the Indus and Union of Soviet Socialist Republics</td>" in report
    paper = "The Changing Dynamics of Pakistan's Relations with the Former Soviet Union"
    for words in (" ".join(texts), page, report.replace(paper, "")):
        assert "Pakistan" not in words and "Soviet Union" not in words


LATE_DECISION = """
  - id: answer-the-clash
    actor: PAK
    window: [1950-02, 1951-06]
    when: {fired: border-clash}
    prompt: February 1950. India has massed troops on the border. How should Pakistan answer?
    options:
      - id: protest
        label: Protest to the United Nations
        historical: true
      - id: mobilise
        label: Mobilise in turn
        effects:
          - denounce: {actor: PAK, target: IND}
    source: {section: "Test"}
"""


def test_a_decision_that_comes_later_than_in_history_says_when_history_posed_it(
    tmp_path: Path,
) -> None:
    """Its prompt tells history's moment; the dialog and the debrief say that it is another."""
    path = tmp_path / "late.yaml"
    path.write_text((FIXTURES / "tiny.yaml").read_text() + LATE_DECISION, encoding="utf-8")
    session = Session.start(Settings(str(path), "PAK", seed=0))
    views = {}
    while not session.done:
        session.step()
        if session.waiting:
            view = session.decision()
            views[view.id] = (session.model.month, view)
            session.decide("mobilise" if view.id == "answer-the-clash" else session.ai_option())
    on_time_month, on_time = views["pick-a-camp"]  # a fixed date: always history's month
    assert on_time_month == parse_month("1950-06") and on_time.timing == ""
    month, late = views["answer-the-clash"]  # it waits for the clash, after February 1950
    assert month > parse_month("1950-02")
    years, months = divmod(month - parse_month("1950-02"), 12)
    assert late.timing.startswith("History posed this choice in February 1950, ")
    assert late.timing.endswith(" earlier") and f"{months} month" in late.timing
    assert (f"{years} year" in late.timing) == (years > 0)


def test_the_debrief_says_when_history_posed_a_choice_that_came_at_another_time() -> None:
    """The Badaber ultimatum of June 1960 comes in April 1965 in this run (seed 0)."""
    session = Session.start(Settings("baseline", "PAK", seed=0))
    late = None
    while session.model.month < parse_month("1969-01"):
        session.step()
        if session.waiting:
            view = session.decision()
            if view.id == "answer-to-khrushchev-1960":
                late = (session.model.month, view)
                history = load_record().decisions
                taken = next(d.option for d in history if d.id == view.id)
                session.decide(next(o.id for o in view.options if o.id != taken))
            else:
                session.decide(session.ai_option())
    assert late is not None, "the decision did not arise by 1969: choose another seed"
    month, view = late
    assert month != parse_month("1960-06"), "it came on time: choose another seed"
    assert view.timing.startswith("History posed this choice in June 1960, ")
    divergence = next(
        d for d in session.debrief().divergences if d.decision == "answer-to-khrushchev-1960"
    )
    assert divergence.timing == view.timing and divergence.month == format_month(month)
    debrief = session.debrief()
    assert view.timing in divergences_html(debrief)
    for d in debrief.divergences:  # what followed each, in the order of the months
        months = [f[:7] for f in d.followed if f[:4].isdigit()]
        assert months == sorted(months)
    followed = [f for d in debrief.divergences for f in d.followed]
    # a choice that arose on history's path alone is named by what was chosen there, not by id
    never = [f for f in followed if "never arose" in f]
    assert never and all("'" in f and not f.endswith(")") for f in never)
