"""Acts: decision options whose effects follow from rules shared by every decision."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import yaml

from sim import Choice, FrontlineModel, ScenarioError, load_scenario
from sim.actors import INDEX, USUAL_NAMES, StateNames
from sim.state import TIE
from sim.vocabulary import EFFECTS

PAK, USSR, USA, IND, CHN = (INDEX[a] for a in ("PAK", "USSR", "USA", "IND", "CHN"))


def scenario(tmp_path: Path, options: list[dict[str, Any]], **extra: Any) -> Path:
    """A two-year scenario with one Pakistani decision in June 1950."""
    data: dict[str, Any] = {
        "id": "acts",
        "title": "Acts under test",
        "start": "1950-01",
        "end": "1951-12",
        "actors": {"USA": {"bloc": "west"}, "USSR": {"bloc": "east"}},
        "relations": {"USSR->USA": -60, "USA->USSR": -60, "IND->PAK": -40, "PAK->IND": -40},
        "decisions": [
            {
                "id": "choice",
                "actor": "PAK",
                "date": "1950-06",
                "prompt": "What now?",
                "options": options,
                "source": {"section": "Test"},
            }
        ],
    }
    data.update(extra)
    path = tmp_path / "acts.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def after(tmp_path: Path, acts: list[dict[str, Any]], **extra: Any) -> FrontlineModel:
    """The model just after Pakistan takes an option made of ``acts`` (before the month ends)."""
    options = [{"id": "act", "label": "Act", "effects": acts}, {"id": "none", "label": "No"}]
    sc = load_scenario(scenario(tmp_path, options, **extra))
    model = FrontlineModel(sc, seed=0, humans={"PAK"})
    model.run_until_human()
    model.decide(Choice("choice", "act"))
    return model


def test_an_option_with_a_number_for_its_effect_is_refused_with_the_acts_to_use(
    tmp_path: Path,
) -> None:
    options = [
        {
            "id": "a",
            "label": "A",
            "effects": [{"attitude": {"from": "USA", "to": "PAK", "delta": 9}}],
        },
        {"id": "b", "label": "B", "effects": [{"prestige": {"actor": "PAK", "delta": 2}}]},
    ]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario(tmp_path, options))
    problems = {p.path: p for p in caught.value.problems}
    assert set(problems) == {
        "decisions[0].options[0].effects[0].attitude",
        "decisions[0].options[1].effects[0].prestige",
    }
    first = problems["decisions[0].options[0].effects[0].attitude"]
    assert first.line > 0 and first.file.endswith("acts.yaml")
    assert "state_visit" in first.message and "decline" in first.message
    assert (
        "standing moves by the rules only"
        in problems["decisions[0].options[1].effects[0].prestige"].message
    )


def test_joining_a_pact_cools_the_leaders_rivals_by_their_hostility(tmp_path: Path) -> None:
    join = [{"join_alliance": {"member": "PAK", "leader": "USA", "pact": "a-pact"}}]
    hostile = after(tmp_path, join)
    calm = after(tmp_path, join, relations={"USSR->USA": -10, "USA->USSR": -10})
    before = after(tmp_path, [])
    cooled_hostile = before.state.attitudes[0, USSR, PAK] - hostile.state.attitudes[0, USSR, PAK]
    cooled_calm = before.state.attitudes[0, USSR, PAK] - calm.state.attitudes[0, USSR, PAK]
    assert cooled_hostile > cooled_calm > 0
    # the commitment, the camp and the pact's flag, which the act kind raises
    s, sc = hostile.state, hostile.scenario
    assert s.ties[0, TIE["alliance"], PAK, USA] == s.ties[0, TIE["alliance"], USA, PAK] == 1
    assert s.bloc[0, PAK] == s.bloc[0, USA]
    assert s.flags[0, sc.flags.index("a-pact")]


def test_one_table_of_rules_holds_for_every_act_and_a_scenario_may_set_it(
    tmp_path: Path,
) -> None:
    join = [{"join_alliance": {"member": "PAK", "leader": "USA"}}]
    before = after(tmp_path, []).state.attitudes[0, USSR, PAK]
    no_spill = after(tmp_path, join, rules={"spill": 0.0}).state.attitudes[0, USSR, PAK]
    assert no_spill == pytest.approx(before, abs=1e-9)


def test_breaking_a_commitment_lets_down_a_partner_who_valued_it_and_costs_standing(
    tmp_path: Path,
) -> None:
    join = {"join_alliance": {"member": "PAK", "leader": "USA"}}
    leave = {"leave_alliance": {"member": "PAK", "leader": "USA"}}
    joined = after(tmp_path, [join])
    left = after(tmp_path, [join, leave])
    assert left.state.ties[0, TIE["alliance"], PAK, USA] == 0
    assert left.state.attitudes[0, USA, PAK] < joined.state.attitudes[0, USA, PAK]
    assert left.state.prestige[0, PAK] < 0
    # leaving a pact one never joined breaks no promise
    never = after(tmp_path, [leave])
    assert never.state.prestige[0, PAK] == 0


def test_a_commitment_holds_its_warmth_while_it_lasts_and_a_shock_is_remembered(
    tmp_path: Path,
) -> None:
    def late(acts: list[dict[str, Any]]) -> FrontlineModel:
        options = [{"id": "act", "label": "Act", "effects": acts}, {"id": "no", "label": "No"}]
        path = scenario(tmp_path, options, end="1969-12")
        return FrontlineModel(load_scenario(path, force={"choice": "act"}), seed=0).run()

    nothing = late([])
    treaty = late([{"sign_treaty": {"first": "PAK", "second": "IND"}}])
    visit = late([{"state_visit": {"guest": "IND", "host": "PAK"}}])
    gap_treaty = treaty.state.attitudes[0, IND, PAK] - nothing.state.attitudes[0, IND, PAK]
    gap_visit = visit.state.attitudes[0, IND, PAK] - nothing.state.attitudes[0, IND, PAK]
    # twenty years on, the treaty still holds its bond and the visit a remembered share
    assert gap_treaty > 5
    assert 0 < gap_visit < gap_treaty


def test_a_visit_from_a_great_power_raises_the_hosts_standing_more(tmp_path: Path) -> None:
    superpower = after(tmp_path, [{"state_visit": {"guest": "USA", "host": "PAK"}}])
    small = after(tmp_path, [{"state_visit": {"guest": "AFG", "host": "PAK"}}])
    assert superpower.state.prestige[0, PAK] > small.state.prestige[0, PAK] > 0


def test_an_act_says_in_words_what_it_would_do_in_this_state(tmp_path: Path) -> None:
    options = [
        {
            "id": "west",
            "label": "Join",
            "effects": [
                {"join_alliance": {"member": "PAK", "leader": "USA"}},
                {"accept_aid": {"recipient": "PAK", "donor": "USA", "kind": "military"}},
            ],
        },
        {"id": "no", "label": "No", "effects": [{"decline": {"actor": "PAK", "requester": "USA"}}]},
    ]
    model = FrontlineModel(load_scenario(scenario(tmp_path, options)), seed=0, humans={"PAK"})
    model.run_until_human()
    pact, aid = model.describe_option("choice", "west")
    assert pact.startswith("Pakistan joins the pact led by the United States")
    assert "an alliance binds Pakistan and the United States" in pact
    assert "the Soviet Union cools towards Pakistan" in pact
    assert "starts military aid worth 5 points to Pakistan" in aid
    assert pact.count("stands in the western camp") == 1
    (no,) = model.describe_option("choice", "no")
    assert "the United States cools towards Pakistan by about 5" in no


RENAMED = Path(__file__).resolve().parents[1] / "fixtures" / "renamed.yaml"
"""tiny.yaml with Pakistan and the Soviet Union renamed by the file."""


def test_acts_and_effects_name_the_states_as_their_scenario_does() -> None:
    sc = load_scenario(RENAMED)
    assert (sc.names["PAK"], sc.names.in_sentence("USSR"), sc.names.in_sentence("USA")) == (
        "Dominion of the Indus",
        "Union of Soviet Socialist Republics",
        "the United States",
    )
    model = FrontlineModel(sc, seed=0).run()
    assert model.states["USSR"].name == "Union of Soviet Socialist Republics"
    east = model.describe_option("pick-a-camp", "east")  # headlines and what follows, at the end
    did = [line for entry in model.log for line in entry.did]  # what the chosen options did
    ctx = model.context(sc.start)
    clash = [e.describe(model.state, ctx) for e in sc.events[0].effects]  # an event's effect
    words = " ".join(east + did + clash)
    assert (
        "Dominion of the Indus joins the pact led by Union of Soviet Socialist Republics" in words
    )
    assert clash[0] == "Dominion of the Indus cools towards India and back by 10"
    assert "Union of Soviet Socialist Republics denounces Dominion of the Indus" in words or (
        "Union of Soviet Socialist Republics pays a state visit to Dominion of the Indus" in words
    )
    assert "Pakistan" not in words and "Soviet Union" not in words


@pytest.mark.parametrize(
    ("shift", "words"),
    [
        (
            {"from": "PAK", "to": "IND", "delta": -10, "mutual": True},
            "Pakistan cools towards India and back by 10",
        ),
        (
            {"from": ["USA", "USSR"], "to": "PAK", "delta": 4},
            "the Soviet Union and the United States warm towards Pakistan by 4",
        ),
        (
            {"from": "CHN", "to": ["IND", "AFG"], "delta": 2.5, "mutual": True},
            "China warms towards India and Afghanistan and back by 2.5",
        ),
    ],
)
def test_an_attitude_effect_says_who_moves_towards_whom(
    shift: dict[str, object], words: str
) -> None:
    """Both ways is "and back", never each state warming towards itself and the other."""
    kind = EFFECTS["attitude"]
    resolver = SimpleNamespace(names=USUAL_NAMES)
    effect = kind.compile(kind.args.model_validate(shift), resolver, ("effects", 0))
    assert effect.describe(None, None) == words


def test_a_state_named_by_its_usual_name_reads_as_one_not_renamed() -> None:
    """The built-ins name every state by its usual name: "the Soviet Union" in a sentence."""
    names = StateNames({"USSR": "Soviet Union", "PAK": "Dominion of the Indus"})
    assert (names["USSR"], names.in_sentence("USSR")) == ("Soviet Union", "the Soviet Union")
    assert names.listed([INDEX["PAK"], INDEX["USSR"], INDEX["USA"]]) == (
        "Dominion of the Indus, the Soviet Union and the United States"
    )
    # opening a sentence: "The Soviet Union must decide", a given name as it is given
    assert (names.opening("USSR"), names.opening("PAK")) == (
        "The Soviet Union",
        "Dominion of the Indus",
    )


def test_a_leader_changes_how_the_state_chooses_while_in_office(tmp_path: Path) -> None:
    leaders = [
        {"from": "1947-08", "name": "Cautious"},
        {
            "from": "1950-03",
            "name": "Hawk",
            "modifiers": {"weights": {"security": 2.0}, "temperature": 0.5},
            "source": "a test",
        },
    ]
    options = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]
    actors = {"PAK": {"weights": {"security": 0.5}, "leaders": leaders}}
    sc = load_scenario(scenario(tmp_path, options, actors=actors))
    assert sc.choosing(PAK, 1950 * 12)[0][0] == pytest.approx(0.5)
    weights, temperature = sc.choosing(PAK, 1950 * 12 + 5)
    assert weights[0] == pytest.approx(1.0)
    assert temperature == pytest.approx(sc.temperatures[PAK] * 0.5)
    muted = load_scenario(scenario(tmp_path, options, actors=actors, rules={"leaders": 0.0}))
    assert muted.choosing(PAK, 1950 * 12 + 5)[0][0] == pytest.approx(0.5)


def test_a_leader_with_modifiers_must_give_their_source(tmp_path: Path) -> None:
    leaders = [{"from": "1947-08", "name": "X", "modifiers": {"temperature": 2.0}}]
    options = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]
    with pytest.raises(ScenarioError, match="must give their 'source'"):
        load_scenario(scenario(tmp_path, options, actors={"PAK": {"leaders": leaders}}))


def test_the_states_an_act_names_must_be_different(tmp_path: Path) -> None:
    options = [
        {"id": "a", "label": "A", "effects": [{"state_visit": {"guest": "PAK", "host": "PAK"}}]},
        {"id": "b", "label": "B"},
    ]
    with pytest.raises(ScenarioError, match="must be different"):
        load_scenario(scenario(tmp_path, options))


def test_every_act_is_documented_and_appears_in_the_json_schema() -> None:
    from sim.acts import ACT_KINDS
    from sim.schema import json_schema
    from sim.vocabulary import EFFECTS

    assert len(ACT_KINDS) >= 30
    text = str(json_schema())
    for name in ACT_KINDS:
        assert EFFECTS[name].doc.endswith(".")
        assert name in text
    assert np.all(np.isin(["join_alliance", "suspend_aid", "grant_base", "mediate"], ACT_KINDS))
