"""Wrong arguments to the Python API: a TypeError or ValueError naming them, the model intact."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim import Choice, FrontlineModel, load_scenario
from sim.history import compare
from sim.snapshot import SavedRunError

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml"


def waiting(replicates: int = 2) -> FrontlineModel:
    """A game of the tiny scenario paused at Pakistan's choice."""
    model = FrontlineModel(load_scenario(TINY), seed=1, replicates=replicates, humans={"PAK"})
    pending = model.run_until_human()
    assert pending is not None and pending.id == "pick-a-camp"
    return model


def refused(
    model: FrontlineModel, kind: type[Exception], words: str, call: Callable[[], Any]
) -> None:
    """``call`` raises ``kind`` with ``words`` in its message and leaves ``model`` as it was."""
    before = json.dumps(model.snapshot())
    with pytest.raises(kind, match=words):
        call()
    assert json.dumps(model.snapshot()) == before


@pytest.mark.parametrize(
    ("arguments", "kind", "words"),
    [
        ({"replicates": 0}, ValueError, r"replicates: .*from 1 to .*got 0"),
        ({"replicates": 2.5}, TypeError, r"replicates: expected a whole number, got 2\.5"),
        ({"replicates": True}, TypeError, r"replicates: .*got True"),
        ({"replicates": 10**12}, ValueError, r"replicates: .*got 1000000000000"),
        ({"replicates": 3, "replicate_ids": [0]}, ValueError, r"replicates: 3 .*1 replicate_ids"),
        ({"replicate_ids": [1.5]}, TypeError, r"replicate_ids: .*got 1\.5"),
        ({"replicate_ids": [2**64]}, ValueError, r"replicate_ids: .*got 18446744073709551616"),
        ({"replicate_ids": "01"}, TypeError, r"replicate_ids: expected a list"),
        ({"humans": "PAK"}, TypeError, r"humans: expected a set of actor ids .*got 'PAK'"),
        ({"humans": {"PAK", 5}}, ValueError, r"humans: unknown actor\(s\) 5"),
        ({"record_every": 0}, ValueError, r"record_every: .*1 or more, got 0"),
        ({"record_every": 1.5}, TypeError, r"record_every: expected a whole number"),
        ({"record_months": [0]}, ValueError, r"record_months: expected months from .*got 0"),
        ({"record_months": ["1950-06"]}, TypeError, r"record_months: .*got '1950-06'"),
        ({"weights": np.full((1, 6, 4), np.nan)}, ValueError, r"weights: expected finite"),
        ({"weights": np.zeros((6, 4))}, ValueError, r"weights: expected shape \(1, 6, 4\)"),
        ({"keep_log": "no"}, TypeError, r"keep_log: expected True or False, got 'no'"),
        ({"keep_log": 0}, TypeError, r"keep_log: expected True or False, got 0"),
        ({"explain_forced": None}, TypeError, r"explain_forced: expected True or False, got None"),
        ({"explain_forced": "yes"}, TypeError, r"explain_forced: .*got 'yes'"),
    ],
)
def test_a_wrong_model_argument_is_refused_by_name(
    arguments: dict[str, Any], kind: type[Exception], words: str
) -> None:
    with pytest.raises(kind, match=words):
        FrontlineModel(load_scenario(TINY), seed=1, **arguments)


def test_a_numpy_integer_is_a_seed_and_a_count() -> None:
    scenario = load_scenario(TINY)
    model = FrontlineModel(scenario, seed=np.int64(3), replicates=np.int64(2)).run()
    same = FrontlineModel(scenario, seed=3, replicates=2).run()
    assert np.array_equal(model.attitude_history(), same.attitude_history())


def test_numpy_bools_are_flags_and_a_wrong_flag_is_refused_before_branching() -> None:
    scenario = load_scenario(TINY)
    model = FrontlineModel(scenario, seed=3, keep_log=np.bool_(False), explain_forced=np.True_)
    assert model.keep_log is False and model.explain_forced is True
    paused = FrontlineModel(scenario, seed=3)
    paused.step()
    refused(
        paused,
        TypeError,
        "keep_log: expected True or False",
        lambda: paused.branch(2, 5, keep_log="no"),
    )


def test_an_option_array_of_fractions_is_refused_not_rounded() -> None:
    model = waiting()
    refused(
        model,
        TypeError,
        r"option: expected whole option indices of pick-a-camp, got an array of float64",
        lambda: model.decide(Choice("pick-a-camp", np.array([0.7, 1.2]))),
    )
    refused(
        model,
        TypeError,
        r"array of bool",
        lambda: model.decide(Choice("pick-a-camp", np.array([True, False]))),
    )
    refused(
        model,
        ValueError,
        r"option: .*shape \(2,\)",
        lambda: model.decide(Choice("pick-a-camp", np.array([0, 1, 2]))),
    )
    refused(
        model,
        ValueError,
        r"option indices of pick-a-camp from 0 to 2, got",
        lambda: model.decide(Choice("pick-a-camp", np.array([0, 3]))),
    )
    model.decide(Choice("pick-a-camp", np.array([0, 2])))
    assert [model.chosen_option("pick-a-camp", r) for r in (0, 1)] == ["west", "neither"]


def test_a_choice_names_a_decision_and_a_known_chooser() -> None:
    with pytest.raises(TypeError, match=r"Choice\.decision: expected a decision id, got 1"):
        Choice(1, "west")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Choice\.by: expected one of ai, human.*'robot'"):
        Choice("pick-a-camp", "west", by="robot")  # type: ignore[arg-type]
    model = waiting()
    refused(
        model,
        TypeError,
        r"decide: expected a Choice, got \('pick-a-camp', 'west'\)",
        lambda: model.decide(("pick-a-camp", "west")),  # type: ignore[arg-type]
    )
    model.decide(Choice("pick-a-camp", "west"))
    assert model.run_until_human() is None


def test_a_replicate_out_of_range_is_refused_by_name() -> None:
    model = waiting()
    refused(
        model,
        ValueError,
        r"replicate: expected a replicate from 0 to 1, got 5",
        lambda: model.describe_option("pick-a-camp", "west", replicate=5),
    )
    refused(
        model,
        ValueError,
        r"replicate: .*got -1",
        lambda: model.describe_option("pick-a-camp", "west", replicate=-1),
    )
    refused(model, ValueError, r"replicate: .*got 2", lambda: model.advise().breakdown(2))
    refused(model, ValueError, r"replicate: .*got 9", lambda: model.chosen_option("pick-a-camp", 9))
    assert model.describe_option("pick-a-camp", "west", replicate=1)


def test_an_unknown_decision_or_option_names_itself() -> None:
    model = waiting()
    refused(
        model,
        ValueError,
        r"no decision 'nope' in this scenario",
        lambda: model.describe_option("nope", "west"),
    )
    refused(
        model,
        ValueError,
        r"'moscow' is not an option of pick-a-camp \(options: west, east, neither\)",
        lambda: model.describe_option("pick-a-camp", "moscow"),
    )
    refused(model, ValueError, r"no decision 'nope'", lambda: model.chosen_option("nope"))


def test_branching_from_a_replicate_out_of_range_is_refused() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=1, replicates=2)
    for _ in range(3):
        model.step()
    refused(
        model, ValueError, r"source: .*from 0 to 1, got 2", lambda: model.branch(4, 9, source=2)
    )
    refused(model, ValueError, r"source: .*got -1", lambda: model.branch(4, 9, source=-1))
    refused(model, TypeError, r"replicates: .*got 2\.5", lambda: model.branch(2.5, 9))  # type: ignore[arg-type]
    refused(model, ValueError, r"replicates: .*got 0", lambda: model.branch(0, 9))
    assert model.branch(3, 9, source=1).run().replicates == 3


def test_answering_each_way_refuses_wrong_options_and_sources() -> None:
    model = waiting()
    refused(
        model,
        TypeError,
        r"options: expected a list of option ids of pick-a-camp, got 'west'",
        lambda: model.branch_answers("west", 2, 9),
    )
    refused(
        model, ValueError, r"options: expected at least one", lambda: model.branch_answers([], 2, 9)
    )
    refused(
        model,
        ValueError,
        r"'moscow' is not an option of pick-a-camp",
        lambda: model.branch_answers(["moscow"], 2, 9),
    )
    refused(
        model,
        ValueError,
        r"source: expected a replicate from 0 to 1, got 5",
        lambda: model.branch_answers(["west"], 2, 9, source=5),
    )
    refused(
        model,
        ValueError,
        r"source: .*got -1",
        lambda: model.branch_answers(["west"], 2, 9, source=-1),
    )
    assert model.branch_answers(["west", "east"], 2, 9).replicates == 4
    assert model.pending is not None


def test_a_view_refuses_a_pair_or_replicate_it_does_not_hold() -> None:
    view = FrontlineModel(load_scenario(TINY), seed=1, replicates=2).run().view()
    for pair in ("XX-YY", "PAK", "pak-usa", "PAK->USA->IND"):
        with pytest.raises(ValueError, match=r"pair: expected 'A-B' or 'A->B' with actor ids"):
            view.pair(pair)
    with pytest.raises(ValueError, match=r"replicate: expected a replicate from 0 to 1, got 2"):
        view.run(2)
    assert view.pair("PAK->USA").shape == view.pair("PAK-USA").shape


def test_compare_refuses_runs_not_yet_at_their_end() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=1)
    with pytest.raises(ValueError, match=r"runs: no month has been recorded yet"):
        compare(model)
    for _ in range(3):
        model.step()
    with pytest.raises(ValueError, match=r"runs: recorded only to .*pass until="):
        compare(model)
    compare(model, until=model.month)  # a run in progress says how far it has come
    assert compare(model.run()).distribution()


def test_load_scenario_refuses_a_force_that_is_not_a_mapping() -> None:
    with pytest.raises(TypeError, match=r"force: expected a mapping .*got \['pick-a-camp'\]"):
        load_scenario(TINY, force=["pick-a-camp"])  # type: ignore[arg-type]


def test_restore_refuses_record_months_outside_the_period_as_a_saved_run_error() -> None:
    data = FrontlineModel(load_scenario(TINY), seed=1).snapshot()
    data["record_months"] = [0]
    with pytest.raises(SavedRunError, match=r"record_months: expected months from"):
        FrontlineModel.restore(data)


def test_an_ensemble_answering_each_way_restores_bit_for_bit() -> None:
    model = waiting(replicates=1)
    answers = model.branch_answers(["west", "east"], 2, 9)
    again = FrontlineModel.restore(json.loads(json.dumps(answers.snapshot())))
    assert np.array_equal(again.run().attitude_history(), answers.run().attitude_history())


def test_a_run_whose_recorded_history_cannot_fit_in_memory_is_refused_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Refused before anything is kept, with what it would need and what to do instead."""
    baseline = load_scenario("baseline")  # 533 months, 288 bytes a replicate each
    monkeypatch.setattr("sim.model.machine_memory", lambda: 20_000_000)  # a 20 MB machine
    recorded = r"replicates: 200 replicates recorded in 533 months would keep 31 MB "
    with pytest.raises(ValueError, match=recorded):
        FrontlineModel(baseline, replicates=200)  # 30.7 MB of attitudes
    with pytest.raises(ValueError, match=r"would keep 31 GB .*than this machine's 20 MB of memory"):
        FrontlineModel(baseline, replicates=200_000)
    # recorded yearly, or at two months, the same runs fit: 46 and 2 months recorded
    assert FrontlineModel(baseline, replicates=200, record_every=12).replicates == 200
    assert (
        FrontlineModel(baseline, replicates=200, record_months=[baseline.start + 12]).replicates
        == 200
    )
    monkeypatch.setattr("sim.model.machine_memory", lambda: None)  # a system that does not say
    assert FrontlineModel(baseline, replicates=200).replicates == 200
