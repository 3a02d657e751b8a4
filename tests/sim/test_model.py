"""The model: the AI's choices and explanations, the dynamics, one route for decisions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim import Choice, FrontlineModel, load_scenario
from sim.actors import INDEX

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY = FIXTURES / "tiny.yaml"


def write_scenario(tmp_path: Path, data: dict, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_ai_explains_each_option_by_the_parts_of_its_utility() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=1).run()
    explanation = model.explanation("pick-a-camp")
    rows = explanation.breakdown()
    assert [r["option"] for r in rows] == ["west", "east", "neither"]
    for r in rows:
        parts = r["security"] + r["economy"] + r["ideology"] + r["prestige"]
        assert r["total"] == pytest.approx(parts)
    assert sum(r["probability"] for r in rows) == pytest.approx(1.0)
    # Military aid from the stronger US against a hostile India: joining the West is safer.
    west = rows[0]
    assert west["security"] > 0
    assert west["probability"] == max(r["probability"] for r in rows)
    assert rows[2]["total"] == 0.0  # doing nothing changes nothing


def test_ai_choices_follow_the_softmax_probabilities_over_replicates() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=5, replicates=4000).run()
    d = model.scenario.decision("pick-a-camp")
    shares = np.bincount(model.state.choice[:, d.index], minlength=3) / 4000
    expected = model.explanation("pick-a-camp").probabilities[0]
    assert np.allclose(shares, expected, atol=0.03)


def test_moving_the_historical_mark_changes_no_run(tmp_path: Path) -> None:
    data = yaml.safe_load(TINY.read_text())
    for decision in data["decisions"]:
        options = decision["options"]
        k = next(i for i, o in enumerate(options) if o.get("historical"))
        options[k].pop("historical")
        options[(k + 1) % len(options)]["historical"] = True
    moved = load_scenario(write_scenario(tmp_path, data))
    original = load_scenario(TINY)
    a = FrontlineModel(original, seed=9, replicates=64).run()
    b = FrontlineModel(moved, seed=9, replicates=64).run()
    assert np.array_equal(a.state.choice, b.state.choice)
    assert np.array_equal(a.attitude_history(), b.attitude_history())
    assert original.decisions[0].options[0].historical != moved.decisions[0].options[0].historical


def _triad(tmp_path: Path, india_china: float) -> FrontlineModel:
    data = {
        "id": "triad",
        "title": "India-China hostility and Pakistan",
        "start": "1962-01",
        "end": "1964-12",
        "relations": {
            "PAK->IND": -80,
            "IND->PAK": -80,
            "IND->CHN": india_china,
            "CHN->IND": india_china,
        },
        "dynamics": {"baseline": {"history": 1.0, "ideology": 0.0, "bloc": 0.0}},
    }
    return FrontlineModel(load_scenario(write_scenario(tmp_path, data)), seed=0).run()


def test_hostile_india_china_pushes_pakistan_and_china_together_without_any_event(
    tmp_path: Path,
) -> None:
    hostile = _triad(tmp_path, -80)
    neutral = _triad(tmp_path, 0)
    pak, chn = INDEX["PAK"], INDEX["CHN"]
    assert hostile.log == [] and neutral.log == []
    assert hostile.state.attitudes[0, pak, chn] > 10
    assert hostile.state.attitudes[0, chn, pak] > 10
    assert abs(neutral.state.attitudes[0, pak, chn]) < 1


def test_forcing_a_decision_goes_through_the_same_route_and_is_logged() -> None:
    scenario = load_scenario(TINY, force={"pick-a-camp": "east"})
    model = FrontlineModel(scenario, seed=1, replicates=16).run()
    assert model.chosen_option("pick-a-camp") == "east"
    assert set(model.state.choice[:, 0]) == {1}
    entries = [e for e in model.log if e.kind == "decision"]
    assert [(e.option, e.by) for e in entries] == [("east", "forced")]


def test_a_human_decision_pauses_the_run_until_decided() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=1, humans={"PAK"})
    pending = model.run_until_human()
    assert pending is not None and pending.id == "pick-a-camp"
    assert model.month == model.scenario.decision("pick-a-camp").first
    advice = model.advise()
    assert len(advice.breakdown()) == 3
    with pytest.raises(RuntimeError):
        model.step()
    with pytest.raises(ValueError, match="not an option"):
        model.decide(Choice("pick-a-camp", "moscow"))
    model.decide(Choice("pick-a-camp", "neither"))
    assert model.run_until_human() is None
    assert model.done
    assert model.chosen_option("pick-a-camp") == "neither"


def test_a_human_choice_equals_the_same_forced_choice() -> None:
    human = FrontlineModel(load_scenario(TINY), seed=4, replicates=8, humans={"PAK"})
    human.run_until_human()
    human.decide(Choice("pick-a-camp", "east"))
    human.run_until_human()
    forced = FrontlineModel(
        load_scenario(TINY, force={"pick-a-camp": "east"}), seed=4, replicates=8
    ).run()
    assert np.array_equal(human.attitude_history(), forced.attitude_history())


def test_outputs_record_every_month_and_the_event_log_cites_its_source() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=2, replicates=32).run()
    assert model.attitude_history().shape == (24, 32, 6, 6)
    assert len(model.recorded_months) == 24
    fired = [e for e in model.log if e.kind == "event"]
    assert fired and all(e.source["section"] == "Test" for e in fired)
    assert fired[0].source["cites"] == ["Nobody, 2000"]
    assert np.all(np.abs(model.attitude_history()) <= 100)


def test_capabilities_follow_the_correlates_of_war_record() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=0)
    mil_1950, _ = model.capabilities_for(1950 * 12)
    mil_1985, _ = model.capabilities_for(1985 * 12)
    assert mil_1950.sum() == pytest.approx(1.0)
    # China's share of the six states' capability grew and the US share shrank.
    assert mil_1985[INDEX["CHN"]] > mil_1950[INDEX["CHN"]]
    assert mil_1985[INDEX["USA"]] < mil_1950[INDEX["USA"]]


def test_a_finished_model_is_freed_when_dropped() -> None:
    """Mesa 3.3 keeps models in Agent's id registry; ours must not leak across a batch."""
    import gc
    import weakref

    model = FrontlineModel(load_scenario(TINY), seed=1, replicates=4).run()
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_every_kind_of_choice_goes_through_one_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = FrontlineModel.apply

    def spy(self: FrontlineModel, choice: Choice, mask: np.ndarray, explanation=None) -> None:  # type: ignore[no-untyped-def]
        seen.append(choice.by)
        original(self, choice, mask, explanation)

    monkeypatch.setattr(FrontlineModel, "apply", spy)
    FrontlineModel(load_scenario(TINY), seed=1).run()
    FrontlineModel(load_scenario(TINY, force={"pick-a-camp": "east"}), seed=1).run()
    human = FrontlineModel(load_scenario(TINY), seed=1, humans={"PAK"})
    human.run_until_human()
    human.decide(Choice("pick-a-camp", "west"))
    assert seen == ["ai", "forced", "human"]


def test_one_step_is_one_month_and_the_counter_survives_restore_and_branch() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=1)
    for _ in range(7):
        model.step()
    assert model.steps == 7 == model.month - model.scenario.start
    restored = FrontlineModel.restore(json.loads(json.dumps(model.snapshot())))
    assert restored.steps == 7
    assert model.branch(4, seed=2).steps == 7
    human = FrontlineModel(load_scenario(TINY), seed=1, humans={"PAK"})
    human.run_until_human()  # the decision month is under way, not done
    assert human.steps == human.month - human.scenario.start
    assert len(human.agents) == 6


def test_each_decision_keeps_the_explanation_it_was_made_with() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=3, replicates=4).run()
    entries = [e for e in model.log if e.kind == "decision"]
    assert entries and all(e.explanation is not None for e in entries)
    explanation = entries[0].explanation
    assert explanation is not None and explanation.probabilities.shape == (4, 3)
    forced = FrontlineModel(load_scenario(TINY, force={"pick-a-camp": "east"}), seed=3).run()
    assert all(e.explanation is None for e in forced.log if e.kind == "decision")
    scored = FrontlineModel(
        load_scenario(TINY, force={"pick-a-camp": "east"}), seed=3, explain_forced=True
    ).run()
    kept = [e.explanation for e in scored.log if e.kind == "decision"]
    assert kept[0] is not None
    assert np.allclose(kept[0].probabilities, explanation.probabilities[:1])


def test_weights_can_differ_by_replicate_and_zero_weights_choose_uniformly() -> None:
    scenario = load_scenario(TINY)
    weights = np.zeros((3000, 6, 4))
    model = FrontlineModel(scenario, seed=5, replicates=3000, weights=weights).run()
    explanation = model.explanation("pick-a-camp")
    assert explanation is not None
    assert np.allclose(explanation.probabilities, 1 / 3)
    shares = np.bincount(model.state.choice[:, 0], minlength=3) / 3000
    assert np.allclose(shares, 1 / 3, atol=0.03)


def test_a_tiny_temperature_chooses_the_best_option_without_a_warning() -> None:
    import warnings

    scenario = load_scenario(TINY, overrides={"actors.PAK.temperature": 1e-320})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = FrontlineModel(scenario, seed=1, replicates=20).run()
    explanation = model.explanation("pick-a-camp")
    assert explanation is not None
    best = int(np.argmax(explanation.totals[0]))
    assert (model.state.choice[:, 0] == best).all()
    assert np.isfinite(explanation.probabilities).all()
