"""What the states are called in texts about a pair, or about several scenarios at once."""

from __future__ import annotations

from pathlib import Path

from sim import load_scenario
from sim.actors import USUAL_NAMES, StateNames

RENAMED = Path(__file__).resolve().parent.parent / "fixtures" / "renamed.yaml"


def test_a_pair_reads_as_one_state_towards_another_or_as_two_together() -> None:
    assert USUAL_NAMES.pair("PAK->USSR") == "Pakistan towards the Soviet Union"
    assert USUAL_NAMES.pair("PAK-USSR") == "Pakistan and the Soviet Union"
    assert USUAL_NAMES.pair("USA->IND") == "The United States towards India"
    renamed = load_scenario(RENAMED).names
    assert renamed.pair("USSR->PAK") == (
        "Union of Soviet Socialist Republics towards Dominion of the Indus"
    )


def test_scenarios_that_name_a_state_differently_share_its_usual_name() -> None:
    renamed = load_scenario(RENAMED).names
    indus = StateNames({"PAK": "Dominion of the Indus"})
    shared = StateNames.shared([renamed, indus])
    assert shared["PAK"] == "Dominion of the Indus"  # both call it so
    assert shared.in_sentence("USSR") == "the Soviet Union"  # one renames it, one does not
    assert StateNames.shared([renamed, renamed]).pair("PAK-USSR") == renamed.pair("PAK-USSR")
    assert StateNames.shared([]).pair("PAK-USA") == "Pakistan and the United States"
