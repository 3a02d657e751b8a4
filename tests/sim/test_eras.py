"""Era starts: a scenario that begins later than its parent, from a stated past."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim import FrontlineModel, ScenarioError, load_scenario

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_an_era_starts_from_its_assumed_past() -> None:
    sc = load_scenario(FIXTURES / "era-tiny-late.yaml")
    assert sc.spec.start == "1950-09"
    model = FrontlineModel(sc, seed=2, replicates=16)
    d = sc.decision("pick-a-camp")
    assert d.past
    assert set(model.state.choice[:, d.index]) == {0}  # west, as assumed
    assert model.state.attitudes[0, 0, 1] == -30  # PAK->USSR as the era says
    model.run()
    assert all(e.id != "pick-a-camp" for e in model.log)  # not taken again
    assert model.attitude_history().shape[0] == 16  # 1950-09 .. 1951-12


def test_an_era_clips_inherited_windows_to_its_start() -> None:
    sc = load_scenario(FIXTURES / "era-tiny-late.yaml")
    clash = next(e for e in sc.events if e.spec.id == "border-clash")
    assert (clash.first, clash.last) == (1950 * 12 + 8, 1950 * 12 + 11)


def test_an_eras_own_entries_must_still_fall_within_it() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(FIXTURES / "era-own-past.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (9, "events[0].date")


def test_only_the_past_can_be_assumed() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(FIXTURES / "era-assume-future.yaml")
    (problem,) = info.value.problems
    assert problem.line == 8
    assert "can still be taken" in problem.message


def test_an_era_run_saves_and_restores() -> None:
    model = FrontlineModel(load_scenario(FIXTURES / "era-tiny-late.yaml"), seed=2, replicates=4)
    model.step()
    restored = FrontlineModel.restore(json.loads(json.dumps(model.snapshot()))).run()
    straight = FrontlineModel(
        load_scenario(FIXTURES / "era-tiny-late.yaml"), seed=2, replicates=4
    ).run()
    assert np.array_equal(restored.attitude_history(), straight.attitude_history())
