"""``null`` in ``set:`` or ``--set`` leaves a field out, as if the file had not given it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import ScenarioError, load_scenario
from sim.errors import Problem

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml"


def refused(path: Path, **kwargs: object) -> Problem:
    """The one problem loading ``path`` reports."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **kwargs)  # type: ignore[arg-type]
    (problem,) = info.value.problems
    return problem


def test_null_switches_an_event_from_a_chance_to_a_mean_time_to_happen() -> None:
    overrides = {"events.border-clash.chance": None, "events.border-clash.mtth": 24}
    scenario = load_scenario(TINY, overrides=overrides)
    event = scenario.spec.events[0]
    assert (event.chance, event.mtth) == (None, 24)
    assert "chance" not in scenario.data["events"][0]  # left out, not kept as an empty value


def test_null_in_a_files_set_block_leaves_the_field_out_too(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(TINY.read_text() + "set:\n  events.border-clash.chance: null\n")
    assert "chance" not in load_scenario(path).data["events"][0]


def test_null_on_a_field_the_scenario_does_not_give_changes_nothing() -> None:
    plain = load_scenario(TINY).data
    left_out = load_scenario(
        TINY, overrides={"actors.AFG.temperature": None, "events.border-clash.mtth": None}
    ).data
    assert left_out == plain  # no actor AFG made to hold nothing


def test_null_on_a_field_with_a_default_is_refused_in_a_files_set_block(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(TINY.read_text() + "set:\n  dynamics.drift: null\n")
    problem = refused(path)
    assert (problem.line, problem.path) == (46, "set.dynamics.drift")
    assert problem.message == (
        "expected a number, got null (this field cannot be empty; its default is 0.03)"
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("events.border-clash.chanec", "unknown key 'chanec' (did you mean 'chance'?)"),
        ("dynamics.baselin.history", "unknown key 'baselin' (did you mean 'baseline'?)"),
        ("actors.XYZ.temperature", "unknown key 'XYZ'"),
        ("events.no-such-event.chance", "no item with id 'no-such-event' at events"),
    ],
)
def test_null_on_a_path_that_names_no_field_is_refused(path: str, message: str) -> None:
    """Leaving out a misspelt field would otherwise change nothing, silently."""
    problem = refused(TINY, overrides={path: None})
    assert (problem.file, problem.path, problem.message) == ("--set", path, message)
