"""Same seed, same run, bit for bit: alone or in a batch, in any process, after a restore."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from sim import FrontlineModel, load_scenario

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml"


def fingerprint(model: FrontlineModel, replicate: int = 0) -> str:
    h = hashlib.sha256()
    h.update(model.attitude_history()[:, replicate].tobytes())
    h.update(model.state.choice[replicate].tobytes())
    h.update(model.state.event_month[replicate].tobytes())
    return h.hexdigest()


def test_replicate_alone_equals_the_same_replicate_inside_a_batch_of_64() -> None:
    scenario = load_scenario(TINY)
    batch = FrontlineModel(scenario, seed=11, replicates=64).run()
    for i in (0, 17, 63):
        alone = FrontlineModel(scenario, seed=11, replicate_ids=[i]).run()
        assert fingerprint(alone) == fingerprint(batch, i)
    # and the replicates really differ from each other
    assert len({fingerprint(batch, i) for i in range(64)}) > 1


def test_a_chunk_of_a_batch_equals_the_same_replicates_of_the_whole() -> None:
    scenario = load_scenario(TINY)
    whole = FrontlineModel(scenario, seed=3, replicates=40).run()
    chunk = FrontlineModel(scenario, seed=3, replicate_ids=range(20, 40)).run()
    assert np.array_equal(whole.attitude_history()[:, 20:], chunk.attitude_history())


def test_two_processes_give_the_same_run() -> None:
    code = (
        "import hashlib, sys; sys.path.insert(0, sys.argv[1]);"
        "from test_determinism import fingerprint;"
        "from sim import FrontlineModel, load_scenario;"
        "m = FrontlineModel(load_scenario(sys.argv[2]), seed=7, replicates=8).run();"
        "print(','.join(fingerprint(m, i) for i in range(8)))"
    )
    here = str(Path(__file__).resolve().parent)
    outs = [
        subprocess.run(
            [sys.executable, "-c", code, here, str(TINY)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    model = FrontlineModel(load_scenario(TINY), seed=7, replicates=8).run()
    mine = ",".join(fingerprint(model, i) for i in range(8))
    assert outs[0] == outs[1] == mine


def test_save_restore_and_continue_equals_never_stopping() -> None:
    scenario = load_scenario(TINY)
    straight = FrontlineModel(scenario, seed=5, replicates=16).run()
    stopped = FrontlineModel(scenario, seed=5, replicates=16)
    for _ in range(7):
        stopped.step()
    saved = json.loads(json.dumps(stopped.snapshot()))
    resumed = FrontlineModel.restore(saved).run()
    assert np.array_equal(straight.attitude_history(), resumed.attitude_history())
    assert np.array_equal(straight.state.choice, resumed.state.choice)
    assert np.array_equal(straight.state.event_month, resumed.state.event_month)
    assert [e.to_json() for e in straight.log] == [e.to_json() for e in resumed.log]


def test_a_restored_pending_human_decision_can_be_answered() -> None:
    model = FrontlineModel(load_scenario(TINY), seed=5, humans={"PAK"})
    model.run_until_human()
    restored = FrontlineModel.restore(json.loads(json.dumps(model.snapshot())))
    assert restored.pending is not None and restored.pending.id == "pick-a-camp"


def test_a_branch_shares_the_past_and_draws_fresh_futures() -> None:
    scenario = load_scenario(TINY)
    model = FrontlineModel(scenario, seed=5)
    for _ in range(3):
        model.step()
    ensemble = model.branch(200, seed=99)
    assert ensemble.replicates == 200
    assert np.array_equal(ensemble.state.attitudes[17], model.state.attitudes[0])
    ensemble.run()
    choices = ensemble.state.choice[:, 0]
    assert len(set(choices.tolist())) > 1  # fresh streams: the futures differ
    again = model.branch(200, seed=99).run()
    assert np.array_equal(again.attitude_history(), ensemble.attitude_history())
    quiet = model.branch(200, seed=99, keep_log=False).run()  # a forecast keeps no log
    assert quiet.log == [] and ensemble.log
    assert np.array_equal(quiet.attitude_history(), ensemble.attitude_history())
