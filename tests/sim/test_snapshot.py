"""A saved run is checked field by field before it is restored; good data restores exactly."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim import FrontlineModel, load_scenario
from sim.snapshot import SavedRunError

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml"


@pytest.fixture(scope="module")
def saved() -> dict[str, Any]:
    model = FrontlineModel(load_scenario(TINY), seed=5, replicates=2).run()
    data: dict[str, Any] = json.loads(json.dumps(model.snapshot()))
    return data


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *head, last = path.split("/")
        node: Any = data
        for part in head:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return edit


def _nan_attitude(data: dict[str, Any]) -> None:
    data["state"]["attitudes"]["data"][3] = float("nan")


def _shorten_history(data: dict[str, Any]) -> None:
    data["recorded_attitudes"].pop()


def _wrong_shape(data: dict[str, Any]) -> None:
    data["state"]["prestige"]["data"].pop()


def _float_ties(first: float) -> Callable[[dict[str, Any]], None]:
    """The ties saved as float64, as saves made before they were kept in one byte each."""

    def edit(data: dict[str, Any]) -> None:
        ties = data["state"]["ties"]
        ties["dtype"] = "float64"
        ties["data"] = [float(x) for x in ties["data"]]
        ties["data"][0] = first

    return edit


def _deep(data: dict[str, Any]) -> None:
    nested: Any = []
    for _ in range(5000):
        nested = [nested]
    data["scenario"]["description"] = nested


def _damage_explanation(data: dict[str, Any]) -> None:
    entry = next(e for e in data["log"] if e["explanation"] is not None)
    entry["explanation"]["changes"] = [[1.0]]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (_nan_attitude, "state.attitudes"),
        (_set("scenario", ["not", "a", "mapping"]), "scenario"),
        (_shorten_history, "recorded_attitudes"),
        (_wrong_shape, "state.prestige"),
        (_set("state/choice/data/0", 7), "state.choice"),
        (_set("state/attitudes/shape", [3, 6, 6]), "state.attitudes"),
        (_set("state/bloc/dtype", "float64"), "state.bloc"),
        (_set("seed", -1), "seed"),
        (_set("seed", 2**64), "seed"),
        (_set("replicate_ids", [0, -1]), "replicate_ids"),
        (_set("month", "2999-01"), "month"),
        (_set("recorded_months/0", "1949-01"), "recorded_months"),
        (_set("log/0/id", "no-such-event"), "log[0].id"),
        (_set("log/0/replicates", [5]), "log[0].replicates"),
        (_set("pending", {"decision": "nope", "mask": [True, True]}), "pending.decision"),
        (_damage_explanation, ".explanation.changes"),
        (_set("state/ties/data/0", -1.0), "state.ties"),
        (_set("state/ties/dtype", "int32"), "state.ties"),
        (_float_ties(1.5), "state.ties"),
        (_float_ties(300.0), "state.ties"),
        (_set("state/memory/data/1", 400.0), "state.memory"),
        (_set("log/0/did", "not a list"), "log[0].did"),
        (_set("humans", ["XYZ"]), "humans"),
        (_set("cursor", "first"), "cursor"),
        (_deep, "nested more than 64 levels"),
    ],
)
def test_a_damaged_saved_run_is_refused_naming_the_field(
    saved: dict[str, Any], edit: Callable[[dict[str, Any]], None], field: str
) -> None:
    data = copy.deepcopy(saved)
    edit(data)
    with pytest.raises(SavedRunError) as info:
        FrontlineModel.restore(data)
    assert any(field in p for p in info.value.problems), info.value.problems


def test_a_run_restored_again_reuses_its_compiled_scenario_but_not_anothers(
    saved: dict[str, Any],
) -> None:
    """The forecast worker restores the same game at every forecast: compiled once."""
    first = FrontlineModel.restore(copy.deepcopy(saved))
    again = FrontlineModel.restore(copy.deepcopy(saved))
    assert again.scenario is first.scenario
    other = copy.deepcopy(saved)
    other["scenario"].setdefault("dynamics", {})["drift"] = 0.031
    changed = FrontlineModel.restore(other)
    assert changed.scenario is not first.scenario
    assert changed.scenario.spec.dynamics.drift == 0.031


def test_an_undamaged_saved_run_restores_to_the_same_arrays(saved: dict[str, Any]) -> None:
    restored = FrontlineModel.restore(copy.deepcopy(saved))
    again = json.loads(json.dumps(restored.snapshot()))
    assert again == saved
    assert np.array_equal(
        restored.attitude_history(), np.asarray(saved["recorded_attitudes"], dtype=np.float64)
    )


@pytest.mark.parametrize("seed", [-1, 2**63, 2**64, 1.5, True])
def test_a_seed_outside_0_to_2_63_is_refused(seed: Any) -> None:
    with pytest.raises(ValueError, match="seed"):
        FrontlineModel(load_scenario(TINY), seed=seed)


def test_a_run_saved_before_its_first_month_ended_restores() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=3)
    data = json.loads(json.dumps(model.snapshot()))
    assert data["recorded_attitudes"] == []
    restored = FrontlineModel.restore(data)
    assert restored.month == model.month and restored.recorded_months == []


def test_a_run_saved_with_ties_in_float64_restores_and_goes_on_the_same() -> None:
    """Saves made before the ties took one byte each hold them as float64: still read."""
    model = FrontlineModel(load_scenario(TINY), seed=4, replicates=3)
    for _ in range(6):
        model.step()
    data = json.loads(json.dumps(model.snapshot()))
    assert data["state"]["ties"]["dtype"] == "int8"
    old = copy.deepcopy(data)
    _float_ties(float(data["state"]["ties"]["data"][0]))(old)
    now, then = FrontlineModel.restore(data).run(), FrontlineModel.restore(old).run()
    assert then.state.ties.dtype == np.int8
    assert json.loads(json.dumps(now.snapshot())) == json.loads(json.dumps(then.snapshot()))
