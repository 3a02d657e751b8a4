"""Events driven by the state: a mean time to happen that named conditions shorten or lengthen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from sim import FrontlineModel, ScenarioError, load_scenario


def scenario(tmp_path: Path, event: dict[str, Any], **extra: Any) -> Path:
    data: dict[str, Any] = {
        "id": "events",
        "title": "Events under test",
        "start": "1960-01",
        "end": "1969-12",
        "relations": {"PAK->IND": -60, "IND->PAK": -60},
        "events": [
            {
                "id": "clash",
                "title": "A clash",
                "window": ["1960-01", "1969-12"],
                "source": {"section": "Test"},
                **event,
            }
        ],
    }
    data.update(extra)
    data["events"].append(  # never fires: it only declares the flags the tests raise
        {
            "id": "declares-flags",
            "title": "Never",
            "date": "1960-01",
            "chance": 0.0,
            "effects": [{"set_flag": "tension"}, {"set_flag": "restraint"}],
            "source": {"section": "Test"},
        }
    )
    path = tmp_path / f"events-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def months_to_fire(path: Path, runs: int = 4000) -> np.ndarray:
    model = FrontlineModel(load_scenario(path), seed=3, replicates=runs, keep_log=False).run()
    fired = model.state.event_month[:, 0]
    return np.where(fired >= 0, fired - model.scenario.start, np.nan)


def test_a_mean_time_to_happen_gives_the_mean_month_of_the_event(tmp_path: Path) -> None:
    when = {"attitude": {"from": "PAK", "to": "IND", "below": 0}}
    months = months_to_fire(scenario(tmp_path, {"when": when, "mtth": 12}))
    # a geometric wait: the mean number of months before the first firing is about mtth
    assert np.nanmean(months) == pytest.approx(12, rel=0.1)


def test_a_modifier_brings_the_event_sooner_where_its_condition_holds(tmp_path: Path) -> None:
    when = {"attitude": {"from": "PAK", "to": "IND", "below": 0}}
    tension = {"factor": 0.25, "when": {"flag": "tension"}}
    restraint = {"factor": 4.0, "when": {"flag": "restraint"}}
    event = {"when": when, "mtth": 24, "modifiers": [tension, restraint]}
    plain = months_to_fire(scenario(tmp_path, {"when": when, "mtth": 24}))
    sooner = months_to_fire(scenario(tmp_path, event, flags=["tension"]))
    later = months_to_fire(scenario(tmp_path, event, flags=["restraint"]))
    neither = months_to_fire(scenario(tmp_path, event))
    assert np.nanmean(sooner) == pytest.approx(6, rel=0.15)  # 24 x 0.25 months
    assert np.nanmean(later) > 2 * np.nanmean(plain)  # 96 months, cut by the window
    assert np.nanmean(neither) == pytest.approx(np.nanmean(plain), rel=0.1)


def test_modifiers_need_a_mean_time_to_happen(tmp_path: Path) -> None:
    modifier = {"factor": 0.5, "when": {"flag": "x"}}
    with pytest.raises(ScenarioError, match="give 'mtth' with them"):
        load_scenario(scenario(tmp_path, {"chance": 0.5, "modifiers": [modifier]}, flags=["x"]))


@pytest.mark.parametrize(
    ("condition", "fires"),
    [
        ({"tie": {"kind": "alliance", "from": "PAK", "to": "USA"}}, False),
        ({"aid_flow": {"from": "USA", "to": "PAK"}}, False),
        ({"stronger": {"actor": "USSR", "than": "PAK", "by": 5}}, True),
        ({"stronger": {"actor": "PAK", "than": "USSR"}}, False),
        ({"between": {"from": "1965-01", "to": "1965-12"}}, True),
        ({"between": {"to": "1950-01"}}, False),
    ],
)
def test_conditions_read_commitments_aid_capabilities_and_dates(
    tmp_path: Path, condition: dict[str, Any], fires: bool
) -> None:
    event = {"when": condition, "mtth": 1}
    model = FrontlineModel(load_scenario(scenario(tmp_path, event)), seed=1).run()
    happened = int(model.state.event_month[0, 0])
    assert (happened >= 0) == fires
    if "between" in condition and fires:
        assert 1965 * 12 <= happened <= 1965 * 12 + 11
