"""Comparing runs with the recorded history."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim import FrontlineModel, ScenarioError, load_scenario
from sim.history import compare, interval, load_record

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
            marked = next(o.id for o in d.options if o.historical)
            if d.spec.id in wanted:
                assert wanted[d.spec.id] == marked, (name, d.spec.id)
                seen.add(d.spec.id)
    assert seen == set(wanted), set(wanted) - seen
