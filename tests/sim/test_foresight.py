"""Agents that foresee what their choice makes likely: events and the other side's answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim import FrontlineModel, load_scenario

BASE: dict[str, Any] = {
    "id": "foresight",
    "title": "Foresight under test",
    "start": "1950-01",
    "end": "1951-12",
    "actors": {"USA": {"bloc": "west"}, "USSR": {"bloc": "east"}},
    "relations": {"USSR->USA": -60, "USA->USSR": -60},
}


def write(tmp_path: Path, **parts: Any) -> Path:
    data = BASE | parts
    path = tmp_path / f"f{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def advice(path: Path) -> list[dict[str, Any]]:
    model = FrontlineModel(load_scenario(path), seed=0, humans={"PAK"})
    model.run_until_human()
    return model.advise().breakdown()


BASE_LEASE = {
    "id": "base-offer",
    "actor": "PAK",
    "date": "1950-03",
    "prompt": "Lease a base to the US?",
    "options": [
        {
            "id": "lease",
            "label": "Lease it",
            "effects": [{"grant_base": {"host": "PAK", "user": "USA", "base": "us-base"}}],
        },
        {"id": "refuse", "label": "Refuse", "effects": []},
    ],
    "source": {"section": "Test"},
}

INCIDENT = {
    "id": "spy-plane-incident",
    "title": "A spy plane from the base is shot down; Moscow threatens the host",
    "window": ["1950-04", "1951-12"],
    "when": {"flag": "us-base"},
    "mtth": 6,
    "effects": [{"attitude": {"from": "USSR", "to": "PAK", "delta": -40}}],
    "source": {"section": "Test"},
}


def test_an_option_that_makes_an_event_likely_carries_its_expected_consequence(
    tmp_path: Path,
) -> None:
    without = advice(write(tmp_path, decisions=[BASE_LEASE]))
    with_incident = advice(write(tmp_path, decisions=[BASE_LEASE], events=[INCIDENT]))
    lease_before = next(r for r in without if r["option"] == "lease")
    lease = next(r for r in with_incident if r["option"] == "lease")
    # the incident is foreseen with the chance its mean time gives over the look-ahead
    (seen,) = lease["foreseen"]
    assert seen["event"] == "spy-plane-incident" and seen["without"] == 0.0
    assert 0.8 < seen["chance"] < 0.9  # 1 - (1 - (1 - e^(-1/6)))^12, the look-ahead's months
    # and its cost, Moscow's threat, lowers the option's security
    assert lease["security"] < lease_before["security"] - 1.0
    assert lease["probability"] < lease_before["probability"]


ANSWER = {
    "id": "moscow-answers",
    "actor": "USSR",
    "window": ["1950-03", "1951-12"],
    "when": {"chose": {"decision": "invite-moscow", "option": "invite"}},
    "prompt": "Pakistan invites you. Go?",
    "options": [
        {"id": "go", "label": "Go", "effects": [{"state_visit": {"guest": "USSR", "host": "PAK"}}]},
        {
            "id": "snub",
            "label": "Snub",
            "effects": [{"denounce": {"actor": "USSR", "target": "PAK"}}],
        },
    ],
    "source": {"section": "Test"},
}

INVITE = {
    "id": "invite-moscow",
    "actor": "PAK",
    "date": "1950-03",
    "prompt": "Invite Moscow?",
    "options": [
        {
            "id": "invite",
            "label": "Invite",
            "effects": [{"invite": {"host": "PAK", "guest": "USSR"}}],
        },
        {"id": "no", "label": "No", "effects": []},
    ],
    "source": {"section": "Test"},
}


def test_an_option_aimed_at_a_state_counts_that_states_likely_answer(tmp_path: Path) -> None:
    rows = advice(write(tmp_path, decisions=[INVITE, ANSWER]))
    invite = next(r for r in rows if r["option"] == "invite")
    assert invite["answer"] is not None and invite["answer"]["decision"] == "moscow-answers"
    # Moscow's own scores decide its answer: a visit warms both sides, so it comes
    assert invite["answer"]["option"] == 0
    alone = advice(write(tmp_path, decisions=[INVITE]))
    invite_alone = next(r for r in alone if r["option"] == "invite")
    assert invite["total"] > invite_alone["total"]  # the visit it brings is counted
    assert next(r for r in rows if r["option"] == "no")["answer"] is None


def test_foresight_keeps_a_replicate_the_same_alone_or_in_a_batch(tmp_path: Path) -> None:
    path = write(
        tmp_path, decisions=[INVITE, ANSWER, BASE_LEASE | {"date": "1950-05"}], events=[INCIDENT]
    )
    scenario = load_scenario(path)
    batch = FrontlineModel(scenario, seed=4, replicates=32).run()
    for i in (0, 9, 31):
        alone = FrontlineModel(scenario, seed=4, replicate_ids=[i]).run()
        assert np.array_equal(alone.attitude_history()[:, 0], batch.attitude_history()[:, i])
        assert np.array_equal(alone.state.choice[0], batch.state.choice[i])
