"""The compiled loops (``sim.kernels``) give the numpy code's bits, and can be turned off."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from sim import FrontlineModel, kernels, load_scenario
from sim.actors import N_ACTORS
from sim.dynamics import _product, advance, foresee, structural_baseline
from sim.rng import replicate_keys, stream_id, uniform
from sim.state import FIELDS, TIE_DTYPE

pytest.importorskip("numba")


def test_the_environment_turns_the_loops_off() -> None:
    assert kernels.wanted({})
    assert kernels.wanted({kernels.ENV: "on"})
    assert not kernels.wanted({kernels.ENV: "off"})
    assert not kernels.wanted({kernels.ENV: "0"})


@pytest.mark.parametrize("actor", range(N_ACTORS))
@pytest.mark.parametrize("horizon", [1, 12, 37])
def test_the_compiled_look_ahead_is_numpys_bit_for_bit(
    mid_run: FrontlineModel, actor: int, horizon: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = mid_run.state
    structure = mid_run.structure
    mil, eco = mid_run.capabilities_for(mid_run.month + horizon)
    fixed = structural_baseline(s, structure)
    monkeypatch.setattr(kernels, "ENABLED", True)
    fast = foresee(s, structure, horizon, actor, mil, eco, fixed)
    monkeypatch.setattr(kernels, "ENABLED", False)
    slow = foresee(s, structure, horizon, actor, mil, eco, fixed)
    assert np.array_equal(fast, slow)
    assert np.abs(fast).max() > 0


def test_the_balance_product_is_summed_in_one_order_with_and_without_the_loops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``(a * |a|) @ a`` as a plain sum over k in order, whatever the library: the same bits
    from the compiled loop, from numpy, and from Python floats one term at a time."""
    a = np.random.default_rng(5).uniform(-100.0, 100.0, size=(64, N_ACTORS, N_ACTORS))
    monkeypatch.setattr(kernels, "ENABLED", True)
    fast = _product(a)
    monkeypatch.setattr(kernels, "ENABLED", False)
    slow = _product(a)
    assert np.array_equal(fast, slow)
    for r, i, j in [(0, 0, 0), (7, 2, 5), (63, 5, 1)]:
        total = float(a[r, i, 0]) * abs(float(a[r, i, 0])) * float(a[r, 0, j])
        for k in range(1, N_ACTORS):
            total += float(a[r, i, k]) * abs(float(a[r, i, k])) * float(a[r, k, j])
        assert fast[r, i, j] == total
    assert np.array_equal(_product(a[7:8]), slow[7:8])  # one replicate alone: the same


def test_a_compiled_month_is_numpys_bit_for_bit(
    mid_run: FrontlineModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    structure = mid_run.structure
    fast, slow = mid_run.state.copy(), mid_run.state.copy()
    monkeypatch.setattr(kernels, "ENABLED", True)
    advance(fast, structure)
    monkeypatch.setattr(kernels, "ENABLED", False)
    advance(slow, structure)
    for name in FIELDS:
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    assert not np.array_equal(fast.attitudes, mid_run.state.attitudes)  # it did move


def test_the_compiled_structural_baseline_is_numpys_bit_for_bit(
    mid_run: FrontlineModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = mid_run.state.copy()
    rng = np.random.default_rng(5)
    # every kind of tie, in counts past the end of the weights' table, and every camp
    s.ties = rng.integers(0, 20, size=s.ties.shape).astype(TIE_DTYPE)
    s.ties[::3] = 0
    s.bloc = rng.integers(0, 3, size=s.bloc.shape).astype(np.int8)
    s.ideology = rng.uniform(-1.0, 1.0, size=s.ideology.shape)
    for state in (mid_run.state, s):
        monkeypatch.setattr(kernels, "ENABLED", True)
        fast = structural_baseline(state, mid_run.structure)
        monkeypatch.setattr(kernels, "ENABLED", False)
        slow = structural_baseline(state, mid_run.structure)
        assert fast.tobytes() == slow.tobytes()
        assert np.abs(fast).max() > 0


def test_compiled_draws_are_numpys_bit_for_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = np.random.default_rng(1).integers(0, 2**40, 4000).astype(np.uint64)
    for seed in (0, 7, 2**63 + 5):
        keys = replicate_keys(seed, ids)
        for month, stream, draw in ((0, 0, 0), (23_000, stream_id("x"), 3), (23_892, 2**64 - 1, 0)):
            monkeypatch.setattr(kernels, "ENABLED", True)
            fast = uniform(seed, ids, month, stream, draw, keys=keys)
            monkeypatch.setattr(kernels, "ENABLED", False)
            slow = uniform(seed, ids, month, stream, draw, keys=keys)
            assert fast.tobytes() == slow.tobytes()
            assert fast.min() >= 0.0 and fast.max() < 1.0


def test_the_baseline_runs_to_the_same_bits_with_and_without_the_loops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def run() -> FrontlineModel:
        return FrontlineModel(load_scenario("baseline"), seed=3, replicates=30).run()

    monkeypatch.setattr(kernels, "ENABLED", True)
    fast = run()
    monkeypatch.setattr(kernels, "ENABLED", False)
    slow = run()
    assert np.array_equal(fast.attitude_history(), slow.attitude_history())
    for name in FIELDS:
        assert np.array_equal(getattr(fast.state, name), getattr(slow.state, name)), name
    scored = [
        (a.id, a.month, a.explanation.changes.tobytes(), b.explanation.changes.tobytes())
        for a, b in zip(fast.log, slow.log, strict=True)
        if a.explanation is not None and b.explanation is not None
    ]
    assert scored and all(x == y for _, _, x, y in scored)


def test_an_act_done_in_some_replicates_commits_numpys_bits(
    mid_run: FrontlineModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every act's spill and commit by the compiled loops, with a mask: the same bits (signs
    of zero included), the rest untouched."""
    ctx = mid_run.context(mid_run.month)
    mask = np.arange(mid_run.replicates) % 3 == 0
    acts = [
        effect
        for decision in mid_run.scenario.decisions
        for option in decision.options
        for effect in option.effects
    ]
    assert acts
    for effect in acts:
        fast, slow = mid_run.state.copy(), mid_run.state.copy()
        monkeypatch.setattr(kernels, "ENABLED", True)
        effect.apply(fast, ctx, mask)
        monkeypatch.setattr(kernels, "ENABLED", False)
        effect.apply(slow, ctx, mask)
        for name in FIELDS:
            assert getattr(fast, name).tobytes() == getattr(slow, name).tobytes(), (effect, name)
        untouched = ~mask
        assert np.array_equal(fast.attitudes[untouched], mid_run.state.attitudes[untouched])


def test_the_environment_variable_is_read_when_the_model_is_imported() -> None:
    code = "from sim import kernels; print(kernels.active())"
    env = {**os.environ, kernels.ENV: "off"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is not installed")
def test_the_loops_written_out_for_six_actors_refuse_other_shapes() -> None:
    """Three loops are written out for the six actors; a cube of five would read past it."""
    five = np.zeros((2, 5, 5))
    with pytest.raises(ValueError, match=r"expected attitudes of shape \(R, 6, 6\)"):
        kernels.product(five)
    with pytest.raises(ValueError, match=r"shape \(R, 6, 6\)"):
        kernels.advance(five, five, five, five, five, five, (0.0,) * 5)
    with pytest.raises(ValueError, match=r"shape \(R, 6, 6\)"):
        kernels.commit(
            five, five, five, five, np.zeros((2, 5)), np.zeros((2, 5)), 0.0, np.ones(2, bool)
        )
