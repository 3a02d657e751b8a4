"""Every shipped scenario loads, runs, and keeps the AI blind to the historical marks."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from sim import FrontlineModel, builtin_names, load_scenario
from sim.history import load_record
from sim.scenario import scenario_from_data
from sim.schema import PAPER_SECTIONS, citation, heading

NAMES = builtin_names()


def test_the_simulation_core_ships_the_1947_1954_scenario() -> None:
    assert "choosing-a-camp" in NAMES
    sc = load_scenario("choosing-a-camp")
    assert (sc.spec.start, sc.spec.end) == ("1947-08", "1954-12")
    assert len({d.spec.actor for d in sc.decisions}) > 1


@pytest.mark.parametrize("name", NAMES)
def test_shipped_scenario_loads_and_runs_seeded(name: str) -> None:
    sc = load_scenario(name)
    model = FrontlineModel(sc, seed=1, replicates=8).run()
    assert model.done
    assert model.attitude_history().shape == (sc.months, 8, 6, 6)
    recorded = {d.id for d in load_record().decisions}
    for d in sc.decisions:
        # a recorded decision marks history's option; one that arises only off the record
        # (its note says so) never happened and marks none
        marks = sum(o.historical for o in d.options)
        assert marks == (1 if d.spec.id in recorded else 0), d.spec.id
    for e in sc.events:
        assert e.spec.source.section, e.spec.id


@pytest.mark.parametrize("name", NAMES)
def test_shipped_scenario_entries_cite_the_papers_sections(name: str) -> None:
    sc = load_scenario(name)
    for item in [*sc.spec.events, *sc.spec.decisions]:
        assert item.source.section in PAPER_SECTIONS, item.id


def test_the_record_cites_the_papers_sections() -> None:
    record = load_record()
    sources = [p.source for p in record.phases]
    assert sources and all(s.section in PAPER_SECTIONS for s in sources)


def test_a_heading_the_paper_cut_short_is_shown_as_printed_and_marked() -> None:
    """The paper heads its last period "... 1980-199": quoted as printed, marked [sic]."""
    assert heading("Pakistan-Soviet Relations 1980-199").endswith("1980-199 [sic]")
    assert heading("Pakistan-Soviet Relations 1970-1980") == "Pakistan-Soviet Relations 1970-1980"
    assert citation({"section": "Conclusion", "cites": ["Kux, 2001", "Sattar, 2019"]}) == (
        "Conclusion (Kux, 2001; Sattar, 2019)"
    )
    cut = [s for s in PAPER_SECTIONS if heading(s) != s]
    assert cut == ["Pakistan-Soviet Relations 1980-199"]


@pytest.mark.parametrize("name", NAMES)
def test_moving_every_historical_mark_changes_no_choice(name: str) -> None:
    sc = load_scenario(name)
    data = copy.deepcopy(sc.data)
    for decision in data.get("decisions", []):
        options = decision["options"]
        k = next((i for i, o in enumerate(options) if o.get("historical")), None)
        if k is None:  # off the record: no option happened
            continue
        options[k]["historical"] = False
        options[(k + 1) % len(options)]["historical"] = True
    moved = scenario_from_data(yaml.safe_load(yaml.safe_dump(data)))
    a = FrontlineModel(sc, seed=3, replicates=32).run()
    b = FrontlineModel(moved, seed=3, replicates=32).run()
    assert np.array_equal(a.state.choice, b.state.choice)
    assert np.array_equal(a.state.event_month, b.state.event_month)
    assert np.array_equal(a.attitude_history(), b.attitude_history())
