"""A part of a state (``WorldState.part``) takes only the arrays that are read; a stack of
states (``WorldState.stacked``) joins only those; an act's new arrays are the state's own."""

from __future__ import annotations

import numpy as np

from sim import FrontlineModel, load_scenario
from sim.acts import Act
from sim.state import FIELDS, WorldState


def test_a_part_takes_what_is_read_and_knows_what_was_written() -> None:
    whole = FrontlineModel(load_scenario("baseline"), seed=1, replicates=10).state
    rows = np.array([2, 5, 7])
    part = whole.part(rows)
    assert part.written_since_part() == []
    assert np.array_equal(part.attitudes, whole.attitudes[rows])  # read: taken
    assert np.array_equal(part.flags, whole.flags[rows])
    assert part.replicates == 3
    assert part.written_since_part() == []  # reading writes nothing
    part.writable("memory")[:, 0, 1] += 5.0  # written in place (after a copy)
    part.prestige = part.prestige + 1.0  # replaced
    assert part.written_since_part() == ["memory", "prestige"]
    assert not np.array_equal(part.memory, whole.memory[rows])
    # the whole state is untouched until the caller copies the rows back
    assert np.array_equal(
        whole.memory, FrontlineModel(load_scenario("baseline"), seed=1, replicates=10).state.memory
    )


def test_a_stack_joins_what_is_read_and_equals_the_whole_stack() -> None:
    model = FrontlineModel(load_scenario("baseline"), seed=1, replicates=4)
    one = model.state
    two = one.take(np.array([3, 1]))
    two.writable("attitudes")[:, 0, 1] += 9.0
    lazy = WorldState.stacked([one, two])
    assert "flags" not in vars(lazy)  # nothing joined yet
    assert lazy.replicates == 6
    whole = WorldState.stack([one, two])
    for name in FIELDS:
        assert np.array_equal(getattr(lazy, name), getattr(whole, name)), name


def test_an_act_leaves_its_new_arrays_to_the_state_to_write_in_place() -> None:
    model = FrontlineModel(load_scenario("baseline"), seed=1, replicates=3)
    s = model.state.copy()
    act = next(
        (e, d.first)
        for d in model.scenario.decisions
        for o in d.options
        for e in o.effects
        if isinstance(e, Act)
    )
    before = s.attitudes
    act[0].apply(s, model.context(act[1]), np.ones(3, dtype=bool))
    assert s.attitudes is not before  # the act's sums are new arrays ...
    assert s.writable("attitudes") is s.attitudes  # ... the state's own: no copy to write
