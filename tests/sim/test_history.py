"""Comparing runs with the recorded history."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim import FrontlineModel, ScenarioError, load_scenario
from sim.history import compare, interval, load_record, record_problems

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY = FIXTURES / "tiny.yaml"
RECORD = FIXTURES / "history" / "tiny-record.yaml"


def run(force: str | None = None, replicates: int = 1, seed: int = 1) -> FrontlineModel:
    scenario = load_scenario(TINY, force={"pick-a-camp": force} if force else None)
    return FrontlineModel(scenario, seed=seed, replicates=replicates).run()


def test_decision_agreement_counts_the_choices_made_as_in_history() -> None:
    record = load_record(RECORD)
    assert compare(run("west"), record).decision_agreement()[0] == 1.0
    assert compare(run("east"), record).decision_agreement()[0] == 0.0


def test_phase_agreement_judges_the_direction_the_paper_gives() -> None:
    record = load_record(RECORD)
    west = compare(run("west"), record)
    # joining the West sours Pakistan-Soviet relations: the 'worsen' phase agrees
    assert west.phase_match[0, 0]
    assert west.phase_change[0, 0] < -3
    east = compare(run("east"), record)
    assert not east.phase_match[0, 0]
    assert west.phase_agreement()[0] == pytest.approx(west.phase_match[0].mean())


def test_event_timing_reports_months_off_and_events_that_never_happened() -> None:
    record = load_record(RECORD)
    model = run(replicates=200, seed=3)
    c = compare(model, record)
    fired = model.state.event_month[:, 0] >= 0
    assert 0 < fired.sum() < 200
    err = c.event_error()[:, 0]
    assert np.all(np.isnan(err[~fired]))
    expected = np.abs(model.state.event_month[fired, 0] - (1950 * 12 + 4))
    assert np.array_equal(err[fired], expected)
    assert np.array_equal(c.missing()[:, 0], ~fired)


def test_many_runs_give_distributions_with_95_percent_intervals() -> None:
    c = compare(run(replicates=300, seed=4), load_record(RECORD))
    dist = c.distribution()
    assert dist["runs"] == 300
    d = dist["decision_agreement"]
    assert d["low"] <= d["median"] <= d["high"]
    shares = dist["decisions"][0]["shares"]
    assert sum(shares.values()) == pytest.approx(1.0)
    assert dist["decisions"][0]["share_historical"] == pytest.approx(shares["west"])
    json.dumps(dist)  # JSON-ready


def test_interval_is_the_central_95_percent() -> None:
    values = np.arange(1001, dtype=float)
    out = interval(values)
    assert out == {"median": 500.0, "low": 25.0, "high": 975.0}
    assert interval(np.array([np.nan]))["median"] is None


def test_a_broken_record_lists_its_problems_with_lines() -> None:
    with pytest.raises(ScenarioError) as info:
        load_record(FIXTURES / "history" / "bad-record.yaml")
    where = {(p.line, p.path) for p in info.value.problems}
    assert (6, "phases[0].pair") in where
    assert (9, "phases[0].trend") in where


def test_the_built_in_record_agrees_with_the_historical_marks_of_every_scenario() -> None:
    from sim import builtin_names

    record = load_record()
    wanted = {d.id: d.option for d in record.decisions}
    seen = set()
    for name in builtin_names():
        sc = load_scenario(name)
        for d in sc.decisions:
            marked = next((o.id for o in d.options if o.historical), None)
            if d.spec.id in wanted:
                assert wanted[d.spec.id] == marked, (name, d.spec.id)
                seen.add(d.spec.id)
            else:  # a decision that arises only off the record marks no option
                assert marked is None, (name, d.spec.id)
    assert seen == set(wanted), set(wanted) - seen


# --------------------------------------------------------------------------- checking a record


def record_with(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the tiny record with one piece of text replaced."""
    text = RECORD.read_text()
    assert old in text
    path = tmp_path / "record.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def record_load_problems(path: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(ScenarioError) as info:
        load_record(path)
    return [(p.line, p.path, p.message) for p in info.value.problems]


def test_a_phase_that_ends_before_it_starts_is_refused_at_its_end(tmp_path: Path) -> None:
    path = record_with(tmp_path, "to: 1951-12", "to: 1949-12")
    assert record_load_problems(path) == [
        (15, "phases[0].to", "'to' (1949-12) is before 'from' (1950-06)")
    ]


@pytest.mark.parametrize("pair", ["PAK-PAK", "USSR->USSR"])
def test_a_pair_of_one_actor_with_itself_is_refused(tmp_path: Path, pair: str) -> None:
    path = record_with(tmp_path, "pair: PAK-USSR", f"pair: {pair}")
    ((line, where, message),) = record_load_problems(path)
    assert (line, where) == (13, "phases[0].pair")
    assert "two different actors" in message


def test_a_repeated_id_in_a_record_is_refused_at_the_repetition(tmp_path: Path) -> None:
    path = record_with(tmp_path, "id: pak-ind-stable", "id: pak-ussr-worse")
    assert record_load_problems(path) == [
        (19, "phases[1].id", "duplicate id 'pak-ussr-worse' (first at phases[0])")
    ]


def test_a_month_in_other_digits_is_refused_in_a_record(tmp_path: Path) -> None:
    path = record_with(tmp_path, "month: 1950-05", "month: ١٩٥٠-05")
    ((line, where, message),) = record_load_problems(path)
    assert (line, where) == (5, "events[0].month")
    assert "in the digits 0-9" in message


def test_a_scenario_given_as_a_record_is_refused_as_such() -> None:
    ((_, _, message),) = record_load_problems(TINY)
    assert message.startswith("this is a scenario file, not a recorded history")


def test_ids_and_options_a_record_names_must_exist(tmp_path: Path) -> None:
    path = record_with(tmp_path, "id: border-clash", "id: border-clsh")
    path.write_text(path.read_text().replace("option: west", "option: wset"))
    problems = record_problems(load_record(path), [load_scenario(TINY)])
    assert [(p.line, p.path) for p in problems] == [(4, "events[0].id"), (9, "decisions[0].option")]
    assert "unknown event 'border-clsh'" in problems[0].message
    assert "(did you mean 'border-clash'?)" in problems[0].message
    assert "(did you mean 'west'?)" in problems[1].message


def test_the_built_in_record_names_only_what_the_built_in_scenarios_have() -> None:
    assert record_problems(load_record(), [load_scenario("choosing-a-camp")]) == []


def test_a_child_that_renames_a_recorded_option_is_blamed_at_its_decision(tmp_path: Path) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(TINY.read_text().replace("- id: west", "- id: western"))
    problems = record_problems(load_record(RECORD), [load_scenario(child)], blame="scenario")
    ((problem),) = problems
    assert (problem.line, problem.path) == (26, "decisions[0].options")
    assert "tiny-record.yaml:9" in problem.message and "'west'" in problem.message
