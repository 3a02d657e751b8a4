"""The model's shortcuts change its speed, never its results.

Five shortcuts keep a batch fast: a decision due in a few replicates is scored on those
alone (``evaluate_where``), effects due in a few replicates run on those alone
(``apply_where``), the look-ahead skips a condition that reads nothing an option wrote
(``WorldState.changed``), the static baseline is kept while camps, ideologies and ties
are the same arrays, and a trial's is its source's but in the rows it wrote
(``StaticCache``), and a few replicates' chances of an event are computed for all of an
option's trials in one call (``JOINED``). With all five turned off, the baseline gives the
same bits: the same attitudes, choices, events and scores.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim.model
from sim import FrontlineModel, load_scenario
from sim.dynamics import StaticCache, structural_baseline
from sim.state import FIELDS, WorldState

EVERYTHING = frozenset((name, c) for name in FIELDS for c in range(-1, 1000))


def run(replicates: int) -> FrontlineModel:
    return FrontlineModel(load_scenario("baseline"), seed=21, replicates=replicates).run()


def scores(model: FrontlineModel) -> list[tuple[str, int, bytes]]:
    out = []
    for entry in model.log:
        if entry.kind == "decision" and entry.explanation is not None:
            rows = list(entry.replicates)
            out.append((entry.id, entry.month, entry.explanation.probabilities[rows].tobytes()))
    return out


def test_the_shortcuts_give_the_same_bits_as_the_long_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quick = run(40)
    sparse = sim.model.SPARSE

    def everywhere(self: sim.model.StateAgent, decision, mask):  # type: ignore[no-untyped-def]
        return self.evaluate(decision)

    def always(self: StaticCache, s: WorldState, st):  # type: ignore[no-untyped-def]
        return structural_baseline(s, st)

    def each(self: StaticCache, states: list[WorldState], st, first=None):  # type: ignore[no-untyped-def]
        return [structural_baseline(x, st) for x in states]

    monkeypatch.setattr(sim.model.StateAgent, "evaluate_where", everywhere)
    monkeypatch.setattr(sim.model, "SPARSE", 0.0)
    monkeypatch.setattr(sim.model, "JOINED", 0)
    monkeypatch.setattr(WorldState, "changed", lambda self, before: EVERYTHING)
    monkeypatch.setattr(StaticCache, "structural", always)
    monkeypatch.setattr(StaticCache, "each", each)
    slow = run(40)
    assert np.array_equal(quick.attitude_history(), slow.attitude_history())
    assert np.array_equal(quick.state.choice, slow.state.choice)
    assert np.array_equal(quick.state.choice_month, slow.state.choice_month)
    assert np.array_equal(quick.state.event_month, slow.state.event_month)
    assert scores(quick) == scores(slow)
    # and the decisions really were due in a few replicates at a time
    sizes = [len(e.replicates) for e in quick.log if e.kind == "decision"]
    assert min(sizes) < 40 * sparse


def test_a_replicate_scores_the_same_alone_as_inside_the_baseline_batch() -> None:
    batch = run(24)
    for i in (0, 13):
        alone = FrontlineModel(load_scenario("baseline"), seed=21, replicate_ids=[i]).run()
        assert np.array_equal(alone.attitude_history()[:, 0], batch.attitude_history()[:, i])
        mine = [
            (e.id, e.month, e.explanation.probabilities[[i]].tobytes())
            for e in batch.log
            if e.kind == "decision" and e.explanation is not None and i in e.replicates
        ]
        assert mine == scores(alone)
