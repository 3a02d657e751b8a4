"""The AI's fast look-ahead is the readable definition, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim import FrontlineModel
from sim.actors import N_ACTORS
from sim.dynamics import (
    StaticCache,
    foresee,
    foresee_each,
    project,
    structural_baseline,
    utility_of,
)


@pytest.mark.parametrize("actor", range(N_ACTORS))
@pytest.mark.parametrize("horizon", [0, 1, 12, 37])
def test_foresee_is_project_then_utility_bit_for_bit(
    mid_run: FrontlineModel, actor: int, horizon: int
) -> None:
    s = mid_run.state
    structure = mid_run.structure
    mil, eco = mid_run.capabilities_for(mid_run.month + horizon)
    reference = utility_of(project(s, structure, horizon), actor, mil, eco)
    fast = foresee(s, structure, horizon, actor, mil, eco)
    assert fast.shape == (s.replicates, 4)
    assert np.array_equal(fast, reference)
    # and each replicate alone gives the same bits as inside the ensemble
    one = s.take(np.array([7]))
    assert np.array_equal(foresee(one, structure, horizon, actor, mil, eco), fast[7:8])


def test_the_look_ahead_moves_with_the_state(mid_run: FrontlineModel) -> None:
    """Not a constant: shifting how others regard Pakistan changes its foreseen security."""
    s = mid_run.state
    structure = mid_run.structure
    mil, eco = mid_run.capabilities_for(mid_run.month + 12)
    before = foresee(s, structure, 12, 0, mil, eco)
    warmer = s.copy()
    warmer.attitudes[:, 1:, 0] = np.clip(warmer.attitudes[:, 1:, 0] + 30.0, -100, 100)
    after = foresee(warmer, structure, 12, 0, mil, eco)
    assert (after[:, 0] > before[:, 0]).all()


@pytest.mark.parametrize("horizon", [0, 12])
def test_the_look_ahead_of_several_states_at_once_is_each_alone(
    mid_run: FrontlineModel, horizon: int
) -> None:
    """A decision's options and foreseen events share one look-ahead: the same bits as one each."""
    s = mid_run.state
    structure = mid_run.structure
    mil, eco = mid_run.capabilities_for(mid_run.month + horizon)
    warmer = s.trial()
    warmer.writable("attitudes")[:, 2, 0] = 40.0
    aided = s.trial()
    aided.writable("mil_aid")[:, 2, 0] += 5.0
    states = [s, warmer, aided]
    fixed = [structural_baseline(x, structure) for x in states]
    each = foresee_each(states, structure, horizon, 0, mil, eco, fixed)
    assert len(each) == 3
    for x, structural, joined in zip(states, fixed, each, strict=True):
        assert np.array_equal(joined, foresee(x, structure, horizon, 0, mil, eco, structural))
    assert not np.array_equal(each[0], each[2])  # the states do differ


def test_the_static_cache_follows_camps_ideologies_and_ties_row_by_row(
    mid_run: FrontlineModel,
) -> None:
    """The cache recomputes only the replicates that moved, and still gives the exact value."""
    s = mid_run.state.copy()
    structure = mid_run.structure
    cache = StaticCache()
    assert np.array_equal(cache.structural(s, structure), structural_baseline(s, structure))
    # a pact in two replicates, a new camp in one, an ideology shift in another
    ties = s.writable("ties")
    ties[[3, 40], 0, 0, 1] += 1
    ties[[3, 40], 0, 1, 0] += 1
    s.writable("bloc")[7, 0] = -s.bloc[7, 0] if s.bloc[7, 0] else 1
    s.writable("ideology")[11, 2] -= 0.5
    assert np.array_equal(cache.structural(s, structure), structural_baseline(s, structure))
    # and when most replicates move, the whole value at once
    s.writable("ideology")[:, 4] += 0.25
    assert np.array_equal(cache.structural(s, structure), structural_baseline(s, structure))
    # a write into the very arrays the cache knows (the state's own: written in place)
    ties = s.writable("ties")
    assert ties is s.ties
    ties[[8, 9], 1, 2, 3] += 1
    s.writable("ideology")[12, 0] += 0.125
    assert np.array_equal(cache.structural(s, structure), structural_baseline(s, structure))
    # a state of another size is another state
    small = s.take(np.arange(5))
    assert np.array_equal(cache.structural(small, structure), structural_baseline(small, structure))


def test_the_static_cache_gives_a_trials_value_from_its_source_in_the_rows_it_wrote(
    mid_run: FrontlineModel,
) -> None:
    """``each``: a state's trials get the exact value, recomputed only where they differ."""
    s = mid_run.state.copy()
    structure = mid_run.structure
    pact, camp, same = s.trial(), s.trial(), s.trial()
    ties = pact.writable("ties")
    ties[[2, 9], 1, 0, 3] += 1
    camp.writable("bloc")[5, 0] = -camp.bloc[5, 0] if camp.bloc[5, 0] else 1
    camp.writable("ideology")[:, 1] += 0.3  # every row: a whole new value
    cache = StaticCache()
    for _ in range(2):  # the second time from the cache
        out = cache.each([s, pact, camp, same], structure)
        for x, value in zip([s, pact, camp, same], out, strict=True):
            assert np.array_equal(value, structural_baseline(x, structure))
    assert not np.array_equal(out[0], out[1])  # the trials do differ


def test_a_state_writes_in_place_only_arrays_nobody_else_holds(mid_run: FrontlineModel) -> None:
    """Copy on write: a trial never sees its source's later writes, nor the source the trial's."""
    s = mid_run.state.copy()
    first = s.writable("attitudes")
    assert s.writable("attitudes") is first  # its own copy: written in place from now on
    trial = s.trial()
    kept = trial.attitudes.copy()
    s.writable("attitudes")[:, 0, 1] += 7.0  # shared with the trial: copied first
    assert np.array_equal(trial.attitudes, kept)
    trial.writable("prestige")[:, 0] += 1.0
    assert not np.array_equal(trial.prestige, s.prestige)
    projected = s.derived(memory=s.memory + 1.0)  # shares the other arrays
    before = projected.ties.copy()
    s.writable("ties")[:, 0, 0, 1] += 1
    assert np.array_equal(projected.ties, before)
    s.attitudes = projected.attitudes  # an array from elsewhere: not this state's own
    s.writable("attitudes")[:, 2, 3] -= 5.0
    assert not np.array_equal(projected.attitudes, s.attitudes)
    made = s.attitudes + 1.0  # a new array nothing else holds, taken as its own
    s.adopt(attitudes=made)
    assert s.writable("attitudes") is made
