"""A part of a state (``WorldState.part``) takes only the arrays that are read."""

from __future__ import annotations

import numpy as np

from sim import FrontlineModel, load_scenario


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
