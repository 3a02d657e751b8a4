"""frontline batch: Parquet results, resume after a kill, replay, Dask, errors before running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import frontline.batch
import sim.batch
from frontline.cli import main
from frontline.launch import _local_workers
from sim.batch import (
    BatchSpec,
    check,
    columns_for,
    plan,
    run_chunk,
    run_chunks,
    scenario_from_sources,
    sources_for,
    tasks,
)

TINY = str(Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml")


def batch(out: Path, *extra: str) -> int:
    return main(["batch", TINY, "--out", str(out), "--quiet", *extra])


def load(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out).sort_values("run").reset_index(drop=True)


def tiny_copy(tmp_path: Path, name: str = "edited.yaml") -> Path:
    """A copy of the tiny scenario that a test may edit or delete."""
    path = tmp_path / name
    path.write_text(Path(TINY).read_text())
    return path


def edit(scenario: Path) -> None:
    """Change the scenario's one attitude shift, so that its runs come out different."""
    scenario.write_text(Path(TINY).read_text().replace("delta: -10", "delta: -40"))


def test_a_batch_writes_one_parquet_file_per_chunk_and_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "40", "--chunk", "10", "--workers", "1") == 0
    files = sorted(p.name for p in out.iterdir())
    chunks = [f"chunk-{k:06d}" for k in range(4)]
    assert files == ["_chunks", "_manifest.json"] + [f"{c}.parquet" for c in chunks]
    assert sorted(p.name for p in (out / "_chunks").iterdir()) == [f"{c}.json" for c in chunks]
    df = load(out)
    assert len(df) == 40 and list(df["run"]) == list(range(40))
    assert list(df["replicate"]) == list(range(40))
    assert set(df["choice.pick-a-camp"]) <= {"west", "east", "neither"}
    assert {
        "att.PAK->USSR.1950",
        "att.PAK->USSR.1951",
        "decision_agreement",
        "event.border-clash",
    } <= set(df.columns)
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["total_runs"] == 40 and manifest["chunks"] == 4
    assert manifest["code_version"]


def test_sweeps_multiply_and_record_their_values(tmp_path: Path) -> None:
    out = tmp_path / "b"
    args = [
        "--runs",
        "10",
        "--sweep",
        "dynamics.balance=0.0,0.05",
        "--set",
        "actors.PAK.weights.security=0.9",
        "--workers",
        "1",
    ]
    assert batch(out, *args) == 0
    df = load(out)
    assert len(df) == 20
    assert sorted(set(df["set.dynamics.balance"])) == [0.0, 0.05]
    assert set(df["set.actors.PAK.weights.security"]) == {0.9}
    # the same replicate ids under each swept value: common random numbers
    assert sorted(df["replicate"]) == sorted(list(range(10)) * 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sweep", "dynamics.nonsense=1,2"], "dynamics.nonsense"),
        (["--sweep", "dynamics.balance=lots,0.1"], "dynamics.balance"),
        (["--sweep", "dynamics.balance="], "expected PATH=V1,V2"),
        (["--force", "pick-a-camp=moscow"], "unknown option"),
        (["--set", "dynamics.drift=2"], "dynamics.drift"),
    ],
)
def test_a_bad_path_value_or_sweep_is_refused_before_anything_runs(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "10", *args) == 2
    assert message in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_a_folder_holding_another_batch_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "10", "--workers", "1") == 0
    before = load(out)
    assert batch(out, "--runs", "10", "--workers", "1") == 2
    assert "--resume" in capsys.readouterr().err
    assert batch(out, "--runs", "20", "--workers", "1", "--resume") == 2
    assert "different batch: --runs was 10, now 20" in capsys.readouterr().err
    pd.testing.assert_frame_equal(before, load(out), check_exact=True)


def test_resuming_after_the_scenario_file_changed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tiny_copy(tmp_path)
    out = tmp_path / "b"
    args = ["batch", str(scenario), "--out", str(out), "--runs", "10", "--quiet", "--resume"]
    assert main(args) == 0
    edit(scenario)
    capsys.readouterr()
    assert main(args) == 2
    assert "scenario files or the recorded history have changed" in capsys.readouterr().err


def test_a_batch_killed_midway_resumes_to_the_same_dataset(tmp_path: Path) -> None:
    args = ["--runs", "400", "--chunk", "4", "--workers", "1", "--quiet"]
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "frontline.cli", "batch", TINY, "--out", str(killed), *args]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if killed.exists() and len(list(killed.glob("chunk-*.parquet"))) >= 5:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(list(killed.glob("chunk-*.parquet")))
    assert 5 <= partial < 100, "the kill should land midway"
    assert main(["batch", TINY, "--out", str(killed), "--resume", *args]) == 0
    assert not list(killed.glob(".*.tmp"))
    whole = tmp_path / "whole"
    assert main(["batch", TINY, "--out", str(whole), *args]) == 0
    pd.testing.assert_frame_equal(load(killed), load(whole), check_exact=True)


def test_more_workers_give_the_same_rows(tmp_path: Path) -> None:
    assert batch(tmp_path / "one", "--runs", "60", "--chunk", "10", "--workers", "1") == 0
    assert batch(tmp_path / "two", "--runs", "60", "--chunk", "10", "--workers", "2") == 0
    pd.testing.assert_frame_equal(load(tmp_path / "one"), load(tmp_path / "two"), check_exact=True)


def test_dask_local_gives_the_same_rows_bit_for_bit(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    assert batch(tmp_path / "local", "--runs", "30", "--chunk", "10", "--workers", "1") == 0
    assert (
        batch(
            tmp_path / "dask", "--runs", "30", "--chunk", "10", "--workers", "2", "--dask", "local"
        )
        == 0
    )
    pd.testing.assert_frame_equal(
        load(tmp_path / "local"), load(tmp_path / "dask"), check_exact=True
    )


def test_any_run_replays_alone_with_its_monthly_detail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "30", "--chunk", "8", "--workers", "1") == 0
    row = load(out).iloc[21]
    capsys.readouterr()
    assert main(["run", "--from", str(out), "--run", "21", "--json"]) == 0
    replay = json.loads(capsys.readouterr().out)
    assert len(replay["months"]) == 24  # the full monthly detail
    chosen = {d["id"]: d["chosen"] for d in replay["decisions"]}
    assert chosen.get("pick-a-camp") == row["choice.pick-a-camp"]
    december = replay["months"].index("1951-12")
    assert np.float32(replay["attitudes"]["PAK->USSR"][december]) == pytest.approx(
        row["att.PAK->USSR.1951"], abs=1e-5
    )
    events = {e["id"]: e["month"] for e in replay["events"]}
    assert events.get("border-clash") == row["event.border-clash"]


def test_replay_refuses_a_run_that_is_not_in_the_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "5", "--workers", "1") == 0
    assert main(["run", "--from", str(out), "--run", "99"]) == 2
    assert "no run 99" in capsys.readouterr().err


def test_compare_reads_a_batch_with_fan_charts_option_shares_and_sweeps(tmp_path: Path) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "12", "--sweep", "dynamics.balance=0.0,0.05", "--workers", "1") == 0
    report = tmp_path / "r"
    assert main(["compare", str(out), "--out", str(report)]) == 0
    assert {"index.html", "attitudes.png", "sweep-0.png", "summary.json"} <= {
        p.name for p in report.iterdir()
    }
    page = (report / "index.html").read_text()
    assert "dynamics.balance=0.05" in page and "24 runs" in page
    summary = json.loads((report / "summary.json").read_text())
    assert summary["runs"] == 24 and len(summary["groups"]) == 2


def test_the_batch_report_says_when_its_scenario_has_changed_since_the_batch_ran(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The nulls and the names come from the files as they are now: the report says so."""
    scenario = tiny_copy(tmp_path)
    out = tmp_path / "b"
    command = ["batch", str(scenario), "--runs", "4", "--workers", "1", "--quiet"]
    assert main([*command, "--out", str(out)]) == 0

    def compare(report: str) -> tuple[str, dict[str, Any], str]:
        capsys.readouterr()
        assert main(["compare", str(out), "--out", str(tmp_path / report)]) == 0
        page = (tmp_path / report / "index.html").read_text()
        summary = json.loads((tmp_path / report / "summary.json").read_text())
        return page, summary, capsys.readouterr().err

    page, summary, err = compare("as-ran")
    assert summary["scenarios_changed"] is False and "Note" not in page + err
    assert "null: uniform choice" in page
    edit(scenario)
    page, summary, err = compare("edited")
    assert summary["scenarios_changed"] is True
    assert "have changed since this batch ran" in page and "have changed since" in err
    assert "null: uniform choice" in page  # the nulls of the file as it is now, so named
    scenario.unlink()
    page, summary, err = compare("gone")
    assert summary["scenarios_changed"] is None and summary["nulls"] == {str(scenario): None}
    assert "no longer loads" in page and "no longer loads" in err


def test_the_batch_report_names_the_states_as_its_scenarios_do(
    tmp_path: Path, figure_texts: list[str]
) -> None:
    fixtures = Path(TINY).parent
    renamed, record = str(fixtures / "renamed.yaml"), str(fixtures / "history" / "tiny-record.yaml")
    note = "(shaded: the paper's phases; bands: 50% and 90% of runs)"
    assert (
        main(
            [
                "batch",
                renamed,
                "--runs",
                "4",
                "--workers",
                "1",
                "--quiet",
                "--out",
                str(tmp_path / "b"),
            ]
        )
        == 0
    )
    assert (
        main(["compare", str(tmp_path / "b"), "--out", str(tmp_path / "r"), "--record", record])
        == 0
    )
    both = "Dominion of the Indus and Union of Soviet Socialist Republics"
    assert f"{both}\n{note}" in figure_texts  # too long for one line: the note goes below
    assert f"Dominion of the Indus towards India {note}" in figure_texts
    assert not any("PAK" in t or "Pakistan" in t for t in figure_texts)
    figure_texts.clear()
    # with a scenario that keeps the usual names, the states it names otherwise take them
    args = ["batch", renamed, TINY, "--runs", "4", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "two")]) == 0
    assert (
        main(["compare", str(tmp_path / "two"), "--out", str(tmp_path / "r2"), "--record", record])
        == 0
    )
    assert f"Pakistan and the Soviet Union {note}" in figure_texts
    assert f"Pakistan towards India {note}" in figure_texts
    assert not any("Dominion" in t for t in figure_texts)
    assert {"att.PAK->USSR.1951", "att.USSR->PAK.1951"} <= set(load(tmp_path / "two").columns)


def test_ctrl_c_stops_cleanly_keeps_finished_chunks_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "b"
    args = ["--runs", "400", "--chunk", "4", "--workers", "2", "--quiet"]
    command = [sys.executable, "-m", "frontline.cli", "batch", TINY, "--out", str(out), *args]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("chunk-*.parquet"))) < 5:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)  # it must not hang
    assert proc.returncode == 130, err
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err
    kept = len(list(out.glob("chunk-*.parquet")))
    assert 5 <= kept < 100
    assert not list(out.glob(".*.tmp")) and not (out / ".lock").exists()
    assert main(["batch", TINY, "--out", str(out), "--resume", *args]) == 0
    assert len(load(out)) == 400


def test_two_batches_never_write_into_one_folder_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    out.mkdir()
    with frontline.batch._lock(out):  # another batch holds the folder
        assert batch(out, "--runs", "8", "--workers", "1") == 2
    assert f"another frontline batch (process {os.getpid()})" in capsys.readouterr().err
    (out / ".lock").write_text("999999999")  # left behind by a killed batch: nobody holds it
    assert batch(out, "--runs", "8", "--workers", "1") == 0
    assert len(load(out)) == 8 and not (out / ".lock").exists()


def _contend(out: Path, barrier: Any, inside: Any, most: Any, taken: Any, rounds: int) -> None:
    """Try for the folder's lock at the same moment as the others, round after round."""
    for _ in range(rounds):
        barrier.wait()
        try:
            with frontline.batch._lock(out):
                with inside.get_lock():
                    inside.value += 1
                    most.value = max(most.value, inside.value)
                    taken.value += 1
                time.sleep(0.001)
                with inside.get_lock():
                    inside.value -= 1
        except frontline.batch.BatchError:
            pass
        barrier.wait()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="starts the contenders by fork")
def test_the_lock_admits_one_of_several_processes_started_at_once(tmp_path: Path) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    contenders, rounds = 6, 60
    barrier = ctx.Barrier(contenders)
    inside, most, taken = ctx.Value("i", 0), ctx.Value("i", 0), ctx.Value("i", 0)
    args = (tmp_path, barrier, inside, most, taken, rounds)
    procs = [ctx.Process(target=_contend, args=args) for _ in range(contenders)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs)
    assert most.value == 1, "two processes held the lock at once"
    assert taken.value >= rounds  # in every round, one of them got it


def test_batches_started_together_into_one_folder_give_one_whole_dataset(tmp_path: Path) -> None:
    out = tmp_path / "b"
    args = ["--runs", "40", "--chunk", "10", "--workers", "1", "--quiet", "--resume"]
    command = [sys.executable, "-m", "frontline.cli", "batch", TINY, "--out", str(out), *args]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
    assert all(code in (0, 2) for code, _ in results), results
    assert any(code == 0 for code, _ in results)
    assert all("another frontline batch" in err for code, err in results if code == 2)
    assert "Traceback" not in "".join(err for _, err in results)
    assert batch(tmp_path / "alone", "--runs", "40", "--chunk", "10", "--workers", "1") == 0
    pd.testing.assert_frame_equal(load(out), load(tmp_path / "alone"), check_exact=True)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["batch", "baseline", "--runs", "9"], (True, False)),
        (["batch", "baseline", "--dask", "local"], (True, True)),
        (["batch", "baseline", "--dask=local"], (True, True)),
        (["batch", "baseline", "--dask", "tcp://10.0.0.5:8786"], (False, False)),
        (["batch", "--help"], (False, False)),
        (["run"], (False, False)),
        (["compare", "baseline", "--against", "baseline"], (True, False)),
        (["compare", "baseline", "--against=baseline", "--dask", "local"], (True, True)),
        (["compare", "baseline", "--out", "r"], (False, False)),
    ],
)
def test_the_command_starts_local_workers_early_only_for_local_batches(
    argv: list[str], expected: tuple[bool, bool]
) -> None:
    assert _local_workers(argv) == expected


def test_the_console_script_runs_a_batch_on_workers_it_started_early(tmp_path: Path) -> None:
    out = tmp_path / "script"
    args = ["--runs", "40", "--chunk", "10"]
    argv = ["frontline", "batch", TINY, "--out", str(out), "--quiet", "--workers", "2", *args]
    code = f"import sys; from frontline.launch import main; sys.argv = {argv!r}; sys.exit(main())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert batch(tmp_path / "here", *args, "--workers", "1") == 0
    pd.testing.assert_frame_equal(load(out), load(tmp_path / "here"), check_exact=True)


def test_each_batch_reads_the_scenario_files_as_they_are_when_it_starts(tmp_path: Path) -> None:
    scenario = tiny_copy(tmp_path)
    args = ["--runs", "20", "--chunk", "10", "--workers", "2", "--quiet"]
    assert main(["batch", str(scenario), "--out", str(tmp_path / "before"), *args]) == 0
    edit(scenario)
    # the same process and the same name: nothing cached may stand in for the edited file
    assert main(["batch", str(scenario), "--out", str(tmp_path / "after"), *args]) == 0
    copy = tmp_path / "copy.yaml"
    copy.write_text(scenario.read_text())
    assert main(["batch", str(copy), "--out", str(tmp_path / "copy"), *args]) == 0
    before, after, fresh = (load(tmp_path / d) for d in ("before", "after", "copy"))
    attitudes = [c for c in before.columns if c.startswith("att.")]
    assert not before[attitudes].equals(after[attitudes])
    pd.testing.assert_frame_equal(after[attitudes], fresh[attitudes], check_exact=True)
    prints = {
        json.loads((tmp_path / d / "_manifest.json").read_text())["fingerprint"]
        for d in ("before", "after")
    }
    assert len(prints) == 2


def test_workers_compute_chunks_from_the_batch_data_without_the_files(tmp_path: Path) -> None:

    scenario = tiny_copy(tmp_path, "gone.yaml")
    spec = BatchSpec((str(scenario),), 12, seed=3, chunk=6)
    check(spec)
    columns, sources, chunk = columns_for(spec), sources_for(spec), plan(spec)[1]
    from_files = run_chunk(chunk, columns)
    scenario.unlink()  # a worker on another machine has no copy of it
    from_data = run_chunk(chunk, columns, scenario_from_sources(chunk, sources, "batch"))
    assert_same_rows(from_files, from_data)


def assert_same_rows(first: dict[str, Any], second: dict[str, Any]) -> None:
    """Two chunks' rows are the same, column by column, floats bit for bit."""
    assert first.keys() == second.keys()
    for name, values in first.items():
        a, b = np.asarray(values), np.asarray(second[name])
        assert a.tobytes() == b.tobytes() if a.dtype.kind == "f" else list(a) == list(b), name


def test_a_chunk_computed_in_slabs_has_the_rows_of_one_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = BatchSpec((TINY,), 10, seed=2, chunk=10)
    check(spec)
    chunk, columns = plan(spec)[0], columns_for(spec)
    whole = run_chunk(chunk, columns)
    monkeypatch.setattr(sim.batch, "SLAB", 4)  # three models: 4, 4 and 2 replicates
    assert_same_rows(whole, run_chunk(chunk, columns))


def test_consecutive_chunks_computed_as_one_model_have_each_chunk_s_rows() -> None:
    spec = BatchSpec((TINY,), 9, seed=2, chunk=3, sweeps=(("dynamics.balance", (0.0, 0.05)),))
    check(spec)
    chunks, columns = plan(spec), columns_for(spec)
    # three chunks per combination: on two workers a task each, never across combinations
    assert [[c.index for c in task] for task in tasks(chunks, 2)] == [[0, 1, 2], [3, 4, 5]]
    work = tasks(chunks, 4)
    assert [[c.index for c in task] for task in work] == [[0, 1], [2], [3, 4], [5]]
    for task in work:
        for chunk, rows in zip(task, run_chunks(task, columns), strict=True):
            assert_same_rows(rows, run_chunk(chunk, columns))
    # a resumed batch's gaps split tasks; one worker takes the most a task may hold
    assert [[c.index for c in t] for t in tasks([chunks[0], chunks[2]], 1)] == [[0], [2]]
    assert [len(t) for t in tasks(chunks[:3], 1)] == [3]
    with pytest.raises(ValueError, match="does not continue"):
        run_chunks((chunks[0], chunks[2]), columns)


def test_replay_refuses_when_the_scenario_changed_since_the_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tiny_copy(tmp_path)
    out = tmp_path / "b"
    assert main(["batch", str(scenario), "--out", str(out), "--runs", "5", "--quiet"]) == 0
    assert main(["run", "--from", str(out), "--run", "3"]) == 0
    edit(scenario)
    capsys.readouterr()
    assert main(["run", "--from", str(out), "--run", "3"]) == 2
    assert "have changed since the batch ran" in capsys.readouterr().err


def test_an_unreachable_scheduler_fails_the_batch_before_the_folder_is_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    tried: list[str] = []

    def unreachable(address: str, **_: Any) -> None:
        tried.append(address)
        raise OSError("Timed out trying to connect")

    monkeypatch.setattr(distributed, "Client", unreachable)
    out = tmp_path / "b"
    assert batch(out, "--runs", "10", "--set", "nope.x=1", "--dask", "tcp://10.0.0.1:8786") == 2
    assert "unknown path" in capsys.readouterr().err
    assert tried == []  # bad arguments fail at once, without waiting on the network
    assert batch(out, "--runs", "10", "--dask", "tcp://10.0.0.1:8786") == 2
    assert "cannot reach the Dask scheduler at tcp://10.0.0.1:8786" in capsys.readouterr().err
    assert tried == ["tcp://10.0.0.1:8786"]
    assert not out.exists()


def _descendants(pid: int) -> set[int]:
    """The living descendants of a process (Linux: read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    """Whether a process exists and has not exited (a zombie has exited)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree from /proc")
def test_a_batch_killed_with_sigkill_leaves_no_worker_behind(tmp_path: Path) -> None:
    out = tmp_path / "b"
    args = ["--runs", "4000", "--chunk", "4", "--workers", "2", "--quiet"]
    command = [sys.executable, "-m", "frontline.cli", "batch", TINY, "--out", str(out), *args]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("chunk-*.parquet"))) < 5:
        time.sleep(0.05)
    workers = _descendants(proc.pid)
    assert len(workers) >= 2, "the batch should be running on its workers"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_running(p) for p in workers):
        time.sleep(0.1)
    left = [p for p in workers if _running(p)]
    for p in left:  # do not leave them running after a failure
        os.kill(p, signal.SIGKILL)
    assert not left, f"processes left running after the batch was killed: {left}"


# --------------------------------------------------------------------------- integrity


def _damage(out: Path) -> None:
    """Truncate one chunk, fill one with random bytes, empty one, copy one over another
    (with its checksum record), and delete one."""
    first = out / "chunk-000000.parquet"
    first.write_bytes(first.read_bytes()[:500])
    (out / "chunk-000001.parquet").write_bytes(os.urandom(4000))
    (out / "chunk-000002.parquet").write_bytes(b"")
    for folder, suffix in ((out, ".parquet"), (out / "_chunks", ".json")):
        (folder / f"chunk-000004{suffix}").write_bytes(
            (folder / f"chunk-000003{suffix}").read_bytes()
        )
    (out / "chunk-000005.parquet").unlink()


def test_a_resumed_batch_over_damaged_chunks_equals_an_undamaged_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--runs", "60", "--chunk", "10", "--workers", "1"]
    assert batch(tmp_path / "whole", *args) == 0
    out = tmp_path / "b"
    assert batch(out, *args) == 0
    _damage(out)
    capsys.readouterr()
    assert batch(out, *args, "--resume") == 0
    err = capsys.readouterr().err
    for k in (0, 1, 2, 4):
        assert f"chunk-00000{k}.parquet" in err
    assert "chunk-000001.parquet (10 runs from run 10): it is 4,000 bytes where" in err
    assert (
        "chunk-000004.parquet (10 runs from run 40): its checksum record belongs to another" in err
    )
    assert "recomputed" in err and "chunk-000005" not in err  # a missing chunk is just run
    pd.testing.assert_frame_equal(load(out), load(tmp_path / "whole"), check_exact=True)
    assert sorted(p.name for p in (out / "_damaged").iterdir()) == [
        f"chunk-00000{k}.parquet" for k in (0, 1, 2, 4)
    ]
    assert main(["compare", str(out), "--out", str(tmp_path / "r")]) == 0


def test_a_chunk_damaged_inside_its_data_is_recomputed(tmp_path: Path) -> None:
    args = ["--runs", "20", "--chunk", "10", "--workers", "1"]
    out = tmp_path / "b"
    assert batch(out, *args) == 0
    before = load(out)
    chunk = out / "chunk-000001.parquet"
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped bit pattern in the middle: still the same size
    chunk.write_bytes(bytes(data))
    assert batch(out, *args, "--resume") == 0
    pd.testing.assert_frame_equal(load(out), before, check_exact=True)


def test_a_stray_parquet_file_is_set_aside_on_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--runs", "20", "--chunk", "10", "--workers", "1"]
    out = tmp_path / "b"
    assert batch(out, *args) == 0
    before = load(out)
    (out / "chunk-000009.parquet").write_bytes((out / "chunk-000000.parquet").read_bytes())
    assert batch(out, *args, "--resume") == 0
    assert "chunk-000009.parquet is no chunk of this batch" in capsys.readouterr().err
    pd.testing.assert_frame_equal(load(out), before, check_exact=True)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda out: (out / "chunk-000002.parquet").unlink(),
            "chunk-000002.parquet (runs 20 to 29): missing",
        ),
        (lambda out: (out / "chunk-000001.parquet").write_bytes(b""), "it is 0 bytes where"),
        (
            lambda out: (out / "chunk-000001.parquet").write_bytes(
                (out / "chunk-000000.parquet").read_bytes()
            ),
            "chunk-000001.parquet (runs 10 to 19): it is",
        ),
        (lambda out: (out / "_chunks" / "chunk-000003.json").unlink(), "no readable checksum"),
    ],
)
def test_compare_refuses_a_batch_with_a_missing_or_damaged_chunk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Any, message: str
) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "40", "--chunk", "10", "--workers", "1") == 0
    damage(out)
    capsys.readouterr()
    assert main(["compare", str(out), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "of 40 runs verified" in err and "--resume" in err
    assert not (tmp_path / "r").exists()


def test_compare_on_a_folder_holding_only_a_manifest_says_no_chunk_is_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "20", "--chunk", "10", "--workers", "1") == 0
    for chunk in out.glob("chunk-*.parquet"):
        chunk.unlink()
    assert main(["compare", str(out), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "(0 of 20 runs verified)" in err and "Traceback" not in err


def test_a_hand_edited_manifest_is_refused_as_edited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "10", "--workers", "1") == 0
    path = out / "_manifest.json"
    manifest = json.loads(path.read_text())
    manifest["spec"]["seed"] = 7
    path.write_text(json.dumps(manifest))
    capsys.readouterr()
    for argv in (
        ["batch", TINY, "--runs", "10", "--workers", "1", "--out", str(out), "--resume"],
        ["run", "--from", str(out), "--run", "3"],
        ["compare", str(out), "--out", str(tmp_path / "r")],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "was edited by hand" in err and "scenario files" not in err


def test_a_manifest_of_the_first_format_is_refused_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "10", "--workers", "1") == 0
    path = out / "_manifest.json"
    manifest = json.loads(path.read_text())
    manifest["version"] = 1
    del manifest["checksum"]
    path.write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main(["run", "--from", str(out), "--run", "3"]) == 2
    assert "earlier version of frontline (batch format 1, without checksums)" in (
        capsys.readouterr().err
    )


def test_a_replay_says_which_batch_and_run_it_replays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    args = ["--runs", "6", "--sweep", "dynamics.balance=0.0,0.05", "--workers", "1"]
    assert batch(out, *args, "--seed", "4") == 0
    capsys.readouterr()
    assert main(["run", "--from", str(out), "--run", "8"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(
        f"Replay of run 8 of the batch in {out}: scenario {TINY}, seed 4, replicate 2, "
        "dynamics.balance=0.05"
    )
    assert main(["run", "--from", str(out), "--run", "8", "--json"]) == 0
    replay = json.loads(capsys.readouterr().out)["replay"]
    assert replay == {
        "batch": str(out),
        "run": 8,
        "scenario": TINY,
        "seed": 4,
        "replicate": 2,
        "set": {"dynamics.balance": 0.05},
        "force": {},
    }
    assert main(["run", "--from", str(out), "--run", "8", "--seed", "3"]) == 2
    assert "give no --seed" in capsys.readouterr().err


def test_a_batch_is_not_written_into_a_folder_holding_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert batch(out, "--runs", "4", "--workers", "1") == 2
    assert "holds other files (notes.txt) and no batch" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_reports_and_runs_are_not_written_into_a_batchs_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "4", "--workers", "1") == 0
    capsys.readouterr()
    for argv in (["run", TINY, "--out", str(out)], ["compare", str(out), "--out", str(out)]):
        assert main(argv) == 2
        assert "holds a batch's results" in capsys.readouterr().err
    assert len(pd.read_parquet(out)) == 4


def test_compare_while_the_batch_still_runs_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert batch(out, "--runs", "20", "--chunk", "10", "--workers", "1") == 0
    (out / "chunk-000001.parquet").unlink()
    capsys.readouterr()
    with frontline.batch._lock(out):  # as a batch that is still writing its chunks
        assert main(["compare", str(out), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert f"a batch (process {os.getpid()}) is still writing into it" in err


def test_a_folder_in_place_of_a_chunk_is_set_aside_and_the_chunk_recomputed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--runs", "20", "--chunk", "10", "--workers", "1"]
    out = tmp_path / "b"
    assert batch(out, *args) == 0
    before = load(out)
    (out / "chunk-000001.parquet").unlink()
    (out / "chunk-000001.parquet").mkdir()
    assert batch(out, *args, "--resume") == 0
    assert "chunk-000001.parquet (10 runs from run 10): it is not a file" in (
        capsys.readouterr().err
    )
    pd.testing.assert_frame_equal(load(out), before, check_exact=True)


def test_a_chunk_a_worker_cannot_write_is_named_not_a_broken_pool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    (out / "_chunks" / "chunk-000002.json").mkdir(parents=True)  # in the way of a checksum
    assert batch(out, "--runs", "40", "--chunk", "10", "--workers", "2") == 2
    err = capsys.readouterr().err
    assert f"cannot write {out / '_chunks' / 'chunk-000002.json'}: it is a folder" in err
    assert "Traceback" not in err and "BrokenProcessPool" not in err


def test_a_file_in_the_way_of_the_checksums_folder_is_reported_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    out.mkdir()
    (out / "_chunks").write_text("")
    assert batch(out, "--runs", "40", "--chunk", "10", "--workers", "2") == 2
    assert f"cannot write {out / '_chunks'}: it exists and is not a folder" in (
        capsys.readouterr().err
    )
    assert not list(out.glob("chunk-*"))


@pytest.mark.parametrize("kind", ["write", "scenario", "saved"])
def test_errors_cross_from_a_worker_process_whole(kind: str) -> None:
    import pickle

    from frontline.files import WriteError
    from sim.errors import Problem, ScenarioError
    from sim.snapshot import SavedRunError

    error: Exception = {
        "write": WriteError(Path("/x/chunk.parquet"), "No space left on device"),
        "scenario": ScenarioError([Problem("a.yaml", 3, "end", "before start")]),
        "saved": SavedRunError(["seed: expected a whole number"]),
    }[kind]
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error)


def test_a_replay_from_another_folder_says_where_the_batch_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran_in = tmp_path / "project"
    (ran_in / "scenarios").mkdir(parents=True)
    (ran_in / "scenarios" / "mine.yaml").write_text(Path(TINY).read_text())
    monkeypatch.chdir(ran_in)
    out = tmp_path / "b"
    assert main(["batch", "scenarios/mine.yaml", "--runs", "4", "--quiet", "--out", str(out)]) == 0
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["run", "--from", str(out), "--run", "1"]) == 2
    assert f"run the replay from {ran_in}" in capsys.readouterr().err
    monkeypatch.chdir(ran_in)
    assert main(["run", "--from", str(out), "--run", "1", "--json"]) == 0


def test_compare_checks_a_record_of_your_own_against_the_batchs_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = Path(TINY).parent / "history" / "tiny-record.yaml"
    out = tmp_path / "b"
    assert batch(out, "--runs", "6", "--workers", "1") == 0
    args = ["compare", str(out), "--out", str(tmp_path / "r"), "--record"]
    assert main([*args, str(record)]) == 0  # its ids are the batch's, not the built-ins'
    typo = tmp_path / "record.yaml"
    typo.write_text(record.read_text().replace("id: pick-a-camp", "id: pick-a-cmp"))
    capsys.readouterr()
    assert main([*args, str(typo)]) == 2
    assert "unknown decision 'pick-a-cmp' (did you mean 'pick-a-camp'?)" in capsys.readouterr().err


def _server(reply: bytes | None) -> tuple[str, Any]:
    """A TCP server on this machine that is not Dask: it answers ``reply``, or never."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)
            if reply is not None:
                conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    return f"tcp://127.0.0.1:{listener.getsockname()[1]}", listener


@pytest.mark.parametrize("reply", [None, b"HTTP/1.0 400 Bad request\r\n\r\n" * 4])
def test_a_server_that_is_not_dask_fails_the_batch_in_bounded_time_with_a_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    reply: bytes | None,
) -> None:
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(frontline.batch, "CONNECT_TIMEOUT", 1.0)
    address, listener = _server(reply)
    out = tmp_path / "b"
    started = time.perf_counter()
    try:
        assert batch(out, "--runs", "10", "--dask", address) == 2
    finally:
        listener.close()
    assert time.perf_counter() - started < 10
    err = capsys.readouterr().err
    assert f"cannot use the Dask scheduler at {address}: " in err
    assert ("has not answered as a Dask scheduler" if reply is None else "is not a Dask") in err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_scheduler_without_workers_fails_the_batch_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    monkeypatch.setattr(frontline.batch, "WORKER_WAIT", 1.0)
    out = tmp_path / "b"
    with distributed.LocalCluster(
        n_workers=0, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        assert batch(out, "--runs", "10", "--dask", cluster.scheduler_address) == 2
    err = capsys.readouterr().err
    assert f"the Dask scheduler at {cluster.scheduler_address} has no workers" in err
    assert not out.exists()


def test_a_worker_that_cannot_import_the_model_stops_the_batch_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("dask.distributed")

    def not_installed(*_: Any) -> None:
        raise ModuleNotFoundError("No module named 'sim.batch'")

    # the worker runs in this process (processes=False), so it sees the patch
    monkeypatch.setattr(frontline.batch, "scenario_from_sources", not_installed)
    out = tmp_path / "b"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        assert batch(out, "--runs", "10", "--dask", cluster.scheduler_address) == 2
    err = capsys.readouterr().err
    assert "the batch on Dask stopped: a Dask worker cannot import the model" in err
    assert "No module named 'sim.batch'" in err
    assert "run the same command with --resume to finish" in err


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("scheduler-connection-lost", "the connection to the Dask scheduler was lost"),
        ("already forgotten", "the cluster lost its workers"),
    ],
)
def test_a_cluster_lost_during_a_batch_stops_it_with_a_message_and_resumable(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    reason: str,
    said: str,
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    from distributed.client import FutureCancelledError

    def lost(*_: Any, **__: Any) -> Any:
        raise FutureCancelledError("_work_and_write-1", reason)

    out = tmp_path / "b"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        monkeypatch.setattr(distributed.Client, "map", lost)
        assert batch(out, "--runs", "10", "--dask", cluster.scheduler_address) == 2
    err = capsys.readouterr().err
    assert f"the batch on Dask stopped: {said}" in err
    assert f"The finished chunks are kept in {out}" in err
    assert batch(out, "--runs", "10", "--resume") == 0
    assert len(load(out)) == 10


def test_a_dask_worker_with_other_model_code_refuses_its_tasks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    out = tmp_path / "b"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        # the worker runs in a thread of this process: its code is made to differ
        monkeypatch.setattr(
            frontline.batch,
            "code_fingerprint",
            lambda: "client" if threading.current_thread() is threading.main_thread() else "other",
        )
        assert batch(out, "--runs", "10", "--dask", cluster.scheduler_address) == 2
    err = capsys.readouterr().err
    assert "has other model code than this batch" in err
    assert not list(out.glob("*.parquet"))
