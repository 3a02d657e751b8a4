"""Fixtures shared by the model's tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import FrontlineModel, load_scenario

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml"


@pytest.fixture(scope="module")
def mid_run() -> FrontlineModel:
    """An ensemble after Pakistan's choice: aid flowing, a pact in force, camps apart."""
    model = FrontlineModel(load_scenario(TINY), seed=5, replicates=48)
    for _ in range(12):
        model.step()
    assert np.abs(model.state.mil_aid).max() > 0  # the aid terms are exercised
    assert model.state.ties.max() > 0  # and the commitments
    return model
