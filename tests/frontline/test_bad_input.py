"""Bad input a hostile tester tried: each gets a clear message and exit status 2, never a
traceback, a hang, a wrong result with exit 0, or a file left behind."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from refusals import fails, fails_in_place

import frontline.cli
from frontline.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY = str(FIXTURES / "tiny.yaml")
RECORD = str(FIXTURES / "history" / "tiny-record.yaml")
BUILTIN_RECORD = str(Path(__file__).resolve().parents[2] / "scenarios" / "history" / "record.yaml")


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", TINY, "--seed", "-1"], "argument --seed: expected a whole number from 0"),
        (["run", TINY, "--seed", str(2**64)], "2**63 - 1"),
        (["compare", TINY, "--seed", "-1", "--out", "r"], "argument --seed"),
        (["calibrate", "--hold-out-from", "1979-13"], "argument --hold-out-from"),
        (["batch", TINY, "--runs", "5", "--seed", str(10**23), "--out", "b"], "argument --seed"),
        (["batch", TINY, "--runs", "-5", "--out", "b"], "argument --runs"),
        (["batch", TINY, "--runs", str(10**12), "--out", "b"], "100,000,000"),
        (["batch", TINY, "--runs", "5", "--chunk", str(10**12), "--out", "b"], "argument --chunk"),
        (["batch", TINY, "--runs", "5", "--chunk", "0", "--out", "b"], "argument --chunk"),
        (["batch", TINY, "--runs", "5", "--workers", "-3", "--out", "b"], "argument --workers"),
        (["batch", TINY, "--runs", "5", "--workers", "0", "--out", "b"], "argument --workers"),
        (["compare", TINY, "--runs", "0", "--out", "r"], "argument --runs"),
        (["compare", TINY, "--runs", "10000000", "--out", "r"], "5,000"),
        (["calibrate", "--budget", "0"], "argument --budget"),
        (["run", "--from", "b", "--run", "-1"], "argument --run"),
    ],
)
def test_a_number_out_of_range_is_refused_before_anything_is_created(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    assert message in fails_in_place(capsys, tmp_path, monkeypatch, *argv)


def test_batch_refuses_a_total_beyond_the_limit_before_it_announces_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["batch", TINY, "--runs", "60000000", "--sweep", "dynamics.drift=0.1,0.2"]
    err = fails(capsys, *argv, "--out", str(tmp_path / "b"))
    assert "--runs: 120,000,000 runs in all; at most 100,000,000 in one batch" in err
    assert "frontline batch:" not in err and not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--sweep", "dynamics.drift=0.1,0.2", "--sweep", "dynamics.drift=0.3,0.4"],
            "--sweep: dynamics.drift: given more than once",
        ),
        (
            ["--set", "dynamics.drift=0.9", "--sweep", "dynamics.drift=0.3,0.4"],
            "--sweep: dynamics.drift: given more than once (also given to --set)",
        ),
        (["--set", "dynamics.drift=0.1", "--set", "dynamics.drift=0.2"], "--set: 'dynamics.drift'"),
        (["--sweep", "dynamics.drift=0.1,0.1"], "the value 0.1 is given more than once"),
        (["--force", "pick-a-camp=west", "--force", "pick-a-camp=east"], "--force: 'pick-a-camp'"),
        ([TINY], "SCENARIO: "),
        (["--sweep", "dynamics.nonsense=1,2"], "--sweep: dynamics.nonsense: unknown key"),
    ],
)
def test_a_path_or_scenario_given_twice_is_an_error_naming_the_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    out = tmp_path / "b"
    err = fails(capsys, "batch", TINY, *extra, "--runs", "2", "--workers", "1", "--out", str(out))
    assert message in err
    assert not out.exists()


def test_the_same_scenario_by_another_path_is_given_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(Path(TINY).parent)
    err = fails(capsys, "batch", "tiny.yaml", "./tiny.yaml", "--runs", "2", "--out", str(tmp_path))
    assert "SCENARIO: './tiny.yaml' is the same file as 'tiny.yaml'" in err


@pytest.mark.parametrize("key", ["remove", "extends", "set.dynamics.drift"])
def test_set_on_a_key_that_cannot_be_overridden_is_refused(
    capsys: pytest.CaptureFixture[str], key: str
) -> None:
    err = fails(capsys, "run", TINY, "--set", f"{key}=baseline")
    assert f"--set: {key}: '{key.split('.')[0]}' cannot be set" in err


def test_forcing_a_decision_before_an_eras_start_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = fails(capsys, "run", "eras/1971", "--force", "pakistan-camp=neutral")
    assert "--force: force.pakistan-camp: 'pakistan-camp' is decided before this scenario" in err


# --------------------------------------------------------------------------- not files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize(
    "argv",
    [
        ["run", "{fifo}"],
        ["run", TINY, "--record", "{fifo}"],
        ["validate", "{fifo}"],
        ["compare", "{fifo}", "--out", "{tmp}/r"],
        ["run", TINY, "--out", "{fifo}"],
    ],
)
def test_a_fifo_is_refused_without_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    fifo = tmp_path / "pipe.json" if argv[0] == "compare" else tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # nobody writes into it: opening it to read would block forever
    err = fails(capsys, *(a.format(fifo=fifo, tmp=tmp_path) for a in argv))
    assert "FIFO" in err or "not a folder" in err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_saved_run_linked_to_an_endless_device_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "run.json").symlink_to("/dev/zero")
    err = fails(capsys, "compare", str(tmp_path / "run.json"), "--out", str(tmp_path / "r"))
    assert "run.json: cannot read the file: it is a device" in err


def test_a_folder_given_as_a_record_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "it is a folder" in fails(capsys, "run", TINY, "--record", str(tmp_path))


# --------------------------------------------------------------------------- saved runs


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("saved")
    assert main(["run", TINY, "--out", str(folder), "--json"]) == 0
    data: dict[str, Any] = json.loads((folder / "run.json").read_text())
    return data


def _deep(data: dict[str, Any]) -> str:
    return json.dumps(data)[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: _deep(d), "nested too deeply"),
        (lambda d: {**d, "recorded_attitudes": d["recorded_attitudes"][:3]}, "recorded_attitudes"),
        (lambda d: {**d, "scenario": ["a", "list"]}, "scenario: expected a mapping"),
        (lambda d: {**d, "seed": -1}, "seed: expected a whole number from 0"),
        (lambda d: json.dumps(d).replace('"data": [0.0', '"data": [NaN', 1), "state.attitudes"),
        (lambda d: {**d, "state": {}}, "state.attitudes: expected a mapping"),
        (lambda d: {k: v for k, v in d.items() if k != "log"}, "log: required, missing"),
        (lambda d: {**d, "format": "something else"}, "not a Frontline State saved run"),
    ],
)
def test_a_damaged_run_json_is_refused_naming_the_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    saved_run: dict[str, Any],
    damage: Any,
    message: str,
) -> None:
    damaged = damage(saved_run)
    file = tmp_path / "run.json"
    file.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged))
    err = fails(capsys, "compare", str(tmp_path), "--out", str(tmp_path / "r"))
    assert message in err and str(file) in err
    assert not (tmp_path / "r").exists()


def test_a_run_json_larger_than_the_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(frontline.cli, "MAX_RUN_BYTES", 1000)
    file = tmp_path / "run.json"
    file.write_text(" " * 2000)
    assert "at most 1,000 bytes" in fails(capsys, "compare", str(file), "--out", str(tmp_path))


def test_compare_on_a_folder_with_no_run_and_no_batch_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = fails(capsys, "compare", str(tmp_path), "--out", str(tmp_path / "r"))
    assert "holds neither a saved run (run.json) nor a batch (_manifest.json)" in err


def test_set_extends_is_refused_so_every_written_run_json_reads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "'extends' cannot be set" in fails(capsys, "run", TINY, "--set", "extends=baseline")
    assert main(["run", TINY, "--out", str(tmp_path), "--json"]) == 0
    assert main(["compare", str(tmp_path), "--out", str(tmp_path / "r"), "--record", RECORD]) == 0


# --------------------------------------------------------------------------- records


def test_validate_checks_a_record_as_a_record(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", BUILTIN_RECORD]) == 0
    assert "ok (a recorded history)" in capsys.readouterr().out


def test_validate_lists_a_records_problems_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "record.yaml"
    text = Path(RECORD).read_text()
    bad.write_text(text.replace("to: 1951-12", "to: 1949-12").replace("PAK->IND", "PAK-PAK"))
    err = fails(capsys, "validate", TINY, str(bad))
    assert f"{bad}:15: phases[0].to: 'to' (1949-12) is before 'from' (1950-06)" in err
    assert f"{bad}:20: phases[1].pair: expected two different actors" in err
    assert "did you mean" not in err


def test_validate_checks_a_records_ids_against_the_scenarios_given_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "record.yaml"
    bad.write_text(Path(RECORD).read_text().replace("option: west", "option: westt"))
    err = fails(capsys, "validate", TINY, str(bad))
    assert f"{bad}:9: decisions[0].option: unknown option 'westt'" in err
    assert "(did you mean 'west'?)" in err


def test_validate_lists_a_parents_problem_once_for_the_parent_and_its_children(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parent = FIXTURES / "extends" / "broken-parent.yaml"
    (tmp_path / "broken-parent.yaml").write_text(parent.read_text())
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(
            f"# a child of a broken parent\nextends: broken-parent.yaml\nid: {name}\n"
        )
    files = [str(tmp_path / n) for n in ("broken-parent.yaml", "a.yaml", "b.yaml")]
    err = fails(capsys, "validate", *files)
    problem = f"{files[0]}:10: events[0].chance: expected less than or equal to 1, got 1.5"
    assert err == (
        f"{problem}\n"
        f"{files[1]}: fails by the problems listed above\n"
        f"{files[2]}: fails by the problems listed above\n"
        "1 problem(s) in 3 file(s)\n"
    )


@pytest.mark.parametrize("key", ["events", "decisions"])
def test_validate_lists_the_problems_of_a_file_whose_events_are_a_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    # telling a record from a scenario read 'events' as a list and ended in a traceback
    bad = tmp_path / "odd.yaml"
    bad.write_text(f"# neither a scenario nor a record\n{key}: 3\n")
    err = fails(capsys, "validate", str(bad), TINY)
    assert f"{bad}:2: {key}: expected a valid list, got 3" in err
    assert f"{bad}:2: id: required key is missing" in err
    assert "Traceback" not in err and err.endswith("problem(s) in 1 file(s)\n")


@pytest.mark.parametrize(
    ("written", "read"),
    [(".inf", "inf"), ("-.inf", "-inf"), (".nan", "nan"), (".NaN", "nan"), ("1e999", "inf")],
)
def test_validate_says_a_finite_number_was_expected_for_yamls_infinities_and_nan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, read: str
) -> None:
    # they used to be "expected less than or equal to 100, got nan", as if nan were too large
    text = (Path(BUILTIN_RECORD).parents[1] / "baseline.yaml").read_text(encoding="utf-8")
    aid = "aid: {from: USSR, to: PAK, amount: 3, kind: economic}"
    bond = "rules.bond: 17.4"  # a parameter of the scenario's set: block
    assert text.count(aid) == 1 and text.count(bond) == 1

    def line(of: str) -> int:
        return text[: text.index(of)].count("\n") + 1

    bad = tmp_path / "baseline.yaml"
    bad.write_text(
        text.replace(aid, aid.replace("3", written)).replace(bond, f"rules.bond: {written}"),
        encoding="utf-8",
    )
    err = fails(capsys, "validate", str(bad))
    assert err == (
        f"{bad}:{line(aid)}: events[18].effects[0].aid.amount: expected a finite number, "
        f"got {read}\n"
        f"{bad}:{line(bond)}: rules.bond: expected a finite number, got {read}\n"
        "2 problem(s) in 1 file(s)\n"
    )


@pytest.mark.parametrize("command", ["run", "calibrate"])
@pytest.mark.parametrize(
    ("given", "words"),
    [
        (BUILTIN_RECORD, "this is a recorded history, not a scenario: give it with --record"),
        (
            str(Path(BUILTIN_RECORD).parents[1] / "fits" / "fit-1947-1978.yaml"),
            "this is a parameter set (made by frontline calibrate), not a scenario",
        ),
    ],
    ids=["record", "fit"],
)
def test_a_record_or_a_parameter_set_given_as_the_scenario_is_told_in_one_line(
    capsys: pytest.CaptureFixture[str], command: str, given: str, words: str
) -> None:
    # it used to be a list of a scenario's missing and unknown keys
    err = fails(capsys, command, given)
    assert len(err.splitlines()) == 1 and words in err


@pytest.mark.parametrize("command", ["run", "calibrate"])
def test_a_record_that_is_a_list_is_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    bad = tmp_path / "record.yaml"
    bad.write_text("# a record?\n- pick-a-camp\n- west\n")
    err = fails(capsys, command, TINY, "--record", str(bad))
    assert err == (
        f"{bad}:2: expected a mapping of record keys (events, decisions, phases, tolerance), "
        "got a list\n"
    )


def test_a_scenario_given_as_a_record_is_refused_before_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = fails(capsys, "run", TINY, "--record", TINY)
    assert "this is a scenario file, not a recorded history" in err


def test_a_record_with_an_unknown_id_is_refused_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "record.yaml"
    bad.write_text(Path(RECORD).read_text().replace("id: border-clash", "id: border-clsh"))
    err = fails(capsys, "run", TINY, "--record", str(bad), "--json")
    assert f"{bad}:4: events[0].id: unknown event 'border-clsh'" in err
    assert capsys.readouterr().out == ""


def test_a_child_that_renames_a_recorded_option_fails_validate_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(
        "# a child that renames an option history took\n"
        "extends: choosing-a-camp\nid: renamed\ntitle: Renamed\n"
        "decisions:\n"
        "  - id: pakistan-camp\n    actor: PAK\n    date: 1947-09\n    prompt: Which camp?\n"
        "    options:\n"
        "      - {id: neutral, label: Neutral}\n"
        "      - {id: the-west, label: The West}\n"
        "    source: {section: Test}\n"
    )
    err = fails(capsys, "validate", str(child))
    assert f"{child.name}:6: decisions[0].options: the recorded history " in err
    assert "(scenarios/history/record.yaml:" in err
    assert "says history took 'us-led-bloc' here" in err


# --------------------------------------------------------------------------- run --out


def _set_of(folder: Path) -> dict[str, int]:
    """The seed each visible file of a run's set comes from."""
    seeds = {}
    if (folder / "result.json").exists():
        seeds["result.json"] = json.loads((folder / "result.json").read_text())["seed"]
    if (folder / "run.json").exists():
        seeds["run.json"] = json.loads((folder / "run.json").read_text())["seed"]
    if (folder / "timeline.txt").exists():
        first = (folder / "timeline.txt").read_text().splitlines()[0]
        seeds["timeline.txt"] = int(first.rsplit("seed ", 1)[1])
    return seeds


def test_a_set_interrupted_at_any_step_is_never_mixed_and_the_next_run_completes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import frontline.files as files

    class Killed(BaseException):
        """A process killed at this point: nothing after it runs, no cleanup either."""

    def old_and_new(seed: int) -> dict[str, str]:
        result = json.dumps({"seed": seed})
        return {"result.json": result, "timeline.txt": f"t, seed {seed}\n", "run.json": result}

    calls = ["open", "mkdir", "replace", "unlink", "rmdir"]
    real = {name: getattr(os, name) for name in calls}
    steps = 0
    while True:
        folder = tmp_path / f"out{steps}"
        files.write_set(folder, old_and_new(1))
        budget = {"left": steps, "killed": False}

        def gate(name: str, budget: dict[str, Any] = budget) -> Any:
            def call(*args: Any, **kwargs: Any) -> Any:
                if budget["killed"] or budget["left"] == 0:
                    budget["killed"] = True
                    raise Killed
                budget["left"] -= 1
                return real[name](*args, **kwargs)

            return call

        for name in calls:
            monkeypatch.setattr(os, name, gate(name))
        try:
            files.write_set(folder, old_and_new(2))
            finished = True
        except Killed:
            finished = False
        finally:
            for name in calls:
                monkeypatch.setattr(os, name, real[name])
        seeds = set(_set_of(folder).values())
        assert len(seeds) <= 1, f"a mixed set after {steps} steps: {_set_of(folder)}"
        monkeypatch.setattr(files, "_alive", lambda pid: False)  # the killed writer is gone
        files.write_set(folder, old_and_new(3))
        monkeypatch.undo()
        assert _set_of(folder) == {"result.json": 3, "timeline.txt": 3, "run.json": 3}
        assert sorted(p.name for p in folder.iterdir()) == sorted(old_and_new(3))
        if finished:
            break
        steps += 1
    assert steps > 8  # every step of a write was interrupted once


_SLOW_RENAMES = """
import os, sys, time
real = os.replace
def replace(*args, **kwargs):  # each rename as it happens, then time for a SIGKILL to land
    real(*args, **kwargs)
    with open(sys.argv[1], "a") as log:
        log.write("renamed\\n")
    time.sleep(0.3)
os.replace = replace
from frontline.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("renames", [1, 2])
def test_a_run_killed_with_sigkill_while_writing_never_leaves_a_mixed_set(
    tmp_path: Path, renames: int
) -> None:
    import signal
    import subprocess
    import sys
    import time

    out, log = tmp_path / "o", tmp_path / "renames.log"
    assert main(["run", TINY, "--out", str(out), "--seed", "1", "--json"]) == 0
    argv = ["run", TINY, "--out", str(out), "--seed", "2", "--json"]
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_RENAMES, str(log), *argv], stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and log.read_text().count("renamed") >= renames:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)  # while the run writes its set
    proc.wait()
    assert len(set(_set_of(out).values())) == 1, _set_of(out)
    assert main(["run", TINY, "--out", str(out), "--seed", "3", "--json"]) == 0
    assert set(_set_of(out).values()) == {3}
    assert sorted(p.name for p in out.iterdir()) == ["result.json", "run.json", "timeline.txt"]


def test_a_stale_temporary_file_from_an_earlier_kill_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / ".run.json.x8w2k1q0.tmp").write_text("half a run")  # as an older version left it
    (out / ".result.json.99999999.abcd1234.tmp").write_text("{")  # a dead process's
    assert main(["run", TINY, "--out", str(out), "--json"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["result.json", "run.json", "timeline.txt"]


def test_a_full_disk_names_the_file_and_keeps_the_old_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    out = tmp_path / "o"
    assert main(["run", TINY, "--out", str(out), "--seed", "1", "--json"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_fsync = os.fsync
    count = {"n": 0}

    def fsync(fd: int) -> None:
        count["n"] += 1
        if count["n"] == 3:  # the third file of the set: run.json
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    err = fails(capsys, "run", TINY, "--out", str(out), "--seed", "2", "--json")
    assert f"cannot write {out / 'run.json'}: No space left on device" in err
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_schema_out_to_a_folder_names_the_folder_not_a_temporary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = fails(capsys, "schema", "--out", str(tmp_path))
    assert err.strip() == f"frontline: cannot write {tmp_path}: it is a folder; give a file name"
    assert list(tmp_path.iterdir()) == []


def test_written_files_are_readable_by_others_under_the_usual_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert main(["run", TINY, "--out", str(tmp_path / "run"), "--json"]) == 0
        assert main(["compare", TINY, "--runs", "5", "--out", str(tmp_path / "report")]) == 0
        assert (
            main(
                [
                    "batch",
                    TINY,
                    "--runs",
                    "5",
                    "--workers",
                    "1",
                    "--quiet",
                    "--out",
                    str(tmp_path / "batch"),
                ]
            )
            == 0
        )
        assert main(["schema", "--out", str(tmp_path / "schema.json")]) == 0
        os.umask(0o077)
        assert main(["schema", "--out", str(tmp_path / "private.json")]) == 0
    finally:
        os.umask(old)
    modes = {
        p.relative_to(tmp_path).as_posix(): p.stat().st_mode & 0o777
        for p in tmp_path.rglob("*")
        if p.is_file()
    }
    assert modes.pop("private.json") == 0o600  # the umask is respected
    assert set(modes.values()) == {0o644}, modes
    assert {"run/run.json", "report/index.html", "batch/_manifest.json"} <= set(modes)


# --------------------------------------------------------------------------- listing and replay


def test_scenarios_lists_headers_without_compiling_any_scenario(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sim.scenario

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("listing must not compile a scenario")

    monkeypatch.setattr(sim.scenario, "_compile", never)
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "baseline" in out and "1947-08 to 1991-12" in out
    assert "eras/1971" in out and "1971-01 to 1991-12" in out
    assert frontline.cli.default_scenario() == "baseline"


def test_scenarios_still_reports_an_invalid_built_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sim.scenario.sources

    shutil.copy(TINY, tmp_path / "good.yaml")
    (tmp_path / "bad.yaml").write_text("# broken\nid: bad\ntitle: Bad\nstart: 1950-01\n")
    (tmp_path / "late.yaml").write_text("# broken\nextends: good\nid: late\nend: 1940-01\n")
    monkeypatch.setattr(sim.scenario.sources, "builtin_dir", lambda: tmp_path)
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "bad   invalid  no text for end (run: frontline validate bad)" in out
    assert "late  invalid  its period 1950-01 to 1940-01 is wrong" in out
    assert "good  1950-01 to 1951-12  Tiny test scenario" in out


def _write_sets(folder: Path, label: int, times: int) -> None:
    import frontline.files as files

    for _ in range(times):
        text = json.dumps({"seed": label})
        files.write_set(
            folder, {"result.json": text, "run.json": text, "timeline.txt": f"seed {label}"}
        )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="starts the writers by fork")
def test_two_processes_writing_sets_into_one_folder_never_mix_them(tmp_path: Path) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    writers = [ctx.Process(target=_write_sets, args=(tmp_path, k, 40)) for k in (1, 2)]
    for w in writers:
        w.start()
    import frontline.files as files

    seen = set()
    while any(w.is_alive() for w in writers):
        with files.locked(tmp_path / files.SET_LOCK, wait=True):  # between two writers' moves
            seeds = set(_set_of(tmp_path).values())
        assert len(seeds) <= 1, seeds
        seen |= seeds
    assert all(w.exitcode == 0 for w in writers)
    assert seen == {1, 2}  # the reader saw both writers' sets
    assert len(set(_set_of(tmp_path).values())) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json", "run.json", "timeline.txt"]


def test_a_record_validated_alone_says_how_to_give_its_scenario(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = fails(capsys, "validate", RECORD)  # its ids are tiny.yaml's, not the built-ins'
    assert "unknown decision 'pick-a-camp'" in err
    assert "frontline validate SCENARIO... RECORD" in err
    assert main(["validate", TINY, RECORD]) == 0
