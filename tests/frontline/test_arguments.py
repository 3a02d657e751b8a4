"""The arguments of run, compare and batch: each mistake is refused with status 2 and a
message naming the argument, before any scenario is loaded, run made or file written."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from refusals import fails, fails_in_place, read_only_disk

import frontline.batch
import frontline.cli
import frontline.divergence
import sim.batch
import sim.calibrate
from frontline.cli import main
from sim.batch import BatchSpec, columns_for, fingerprint, plan

TINY = str(Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml")


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any scenario is loaded: the refusal must come before any work."""

    def loaded(*_: Any, **__: Any) -> None:
        raise AssertionError("a scenario was loaded before the arguments were checked")

    for module in (frontline.cli, sim.batch, sim.calibrate, frontline.divergence):
        monkeypatch.setattr(module, "load_scenario", loaded)


def quiet_batch(out: Path, *extra: str) -> int:
    return main(["batch", TINY, "--quiet", "--workers", "1", "--out", str(out), *extra])


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("sweep", "message"),
    [
        ("dynamics.balance=1e-1,0.1", "--sweep: dynamics.balance: the value 0.1 is given more"),
        ("dynamics.balance=0.5,true", "--sweep: dynamics.balance: expected a number, got true"),
        ("dynamics.balance=0.5,'0.4'", "--sweep: dynamics.balance: expected a number, got '0.4'"),
        ("dynamics.balance=0.1,1e999", "--sweep: dynamics.balance: 1e999 is too large a number"),
        ("actors.PAK.ideology=true,false", "--sweep: actors.PAK.ideology: expected a number"),
        ("actors.PAK.name=Pakistan,1947", "--sweep: actors.PAK.name: expected text, got 1947"),
        (
            "dynamics.drift=null,0.05",
            "--sweep: dynamics.drift: expected a number, got null (this field cannot be empty; "
            "its default is 0.03)",
        ),
        ("events.border-clash.chance=null,true", "--sweep: events.border-clash.chance: expected"),
        ("events.border-clash.chance=null,NULL", "events.border-clash.chance: the value null is"),
    ],
)
def test_a_swept_value_of_the_wrong_type_is_refused_before_the_batch_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sweep: str, message: str
) -> None:
    out = tmp_path / "b"
    err = fails(capsys, "batch", TINY, "--runs", "2", "--sweep", sweep, "--out", str(out))
    assert message in err
    assert not out.exists()


def test_a_swept_text_in_quotes_may_hold_commas(tmp_path: Path) -> None:
    sweep = "title='Pakistan, 1947',Pakistan"
    assert quiet_batch(tmp_path / "t", "--runs", "2", "--sweep", sweep) == 0
    titles = pd.read_parquet(tmp_path / "t")["set.title"]
    assert sorted(set(titles)) == ["Pakistan", "Pakistan, 1947"]


def test_a_swept_value_with_a_quote_never_closed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = "title='Pakistan, 1947,Pakistan"
    err = fails(
        capsys, "batch", TINY, "--runs", "2", "--sweep", sweep, "--out", str(tmp_path / "q")
    )
    assert "--sweep: title: a quote (') that is never closed in" in err


def test_numbers_in_exponent_form_or_with_a_leading_zero_are_numbers_in_the_results(
    tmp_path: Path,
) -> None:
    assert quiet_batch(tmp_path / "e", "--runs", "2", "--sweep", "dynamics.balance=1e-1,2e-1") == 0
    balance = pd.read_parquet(tmp_path / "e")["set.dynamics.balance"]
    assert balance.dtype == "float64" and sorted(set(balance)) == [0.1, 0.2]
    assert (
        quiet_batch(tmp_path / "z", "--runs", "2", "--sweep", "dynamics.lookahead_months=10,012")
        == 0
    )
    months = pd.read_parquet(tmp_path / "z")["set.dynamics.lookahead_months"]
    assert sorted(set(months)) == [10.0, 12.0]  # 012 is twelve, not octal ten


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """What ``frontline run TINY --json`` prints, with these arguments."""
    capsys.readouterr()
    assert main(["run", TINY, "--json", *argv]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_null_leaves_a_value_out_and_the_run_does_without_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    left_out = run_json(capsys, "--set", "events.border-clash.chance=null")["events"]
    assert left_out == [{"id": "border-clash", "month": "1950-03"}]  # no chance: at once
    switched = run_json(
        capsys,
        "--set",
        "events.border-clash.chance=NULL",
        "--set",
        "events.border-clash.mtth=1200",  # a mean wait of a century
    )
    assert switched["events"] == []


def test_a_name_in_quotes_null_is_text_not_a_name_left_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run_json(capsys, "--set", "actors.PAK.name='null'", "--set", "title='null'")
    assert out["scenario"] == "tiny"  # the run went ahead: 'null' is text where text goes


def test_a_sweep_may_mix_null_with_numbers_and_its_records_show_null(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    sweep = "events.border-clash.chance=null,0.5"
    set_ = "actors.PAK.temperature=null"
    assert quiet_batch(out, "--runs", "3", "--sweep", sweep, "--set", set_) == 0
    rows = pd.read_parquet(out)
    chance = rows["set.events.border-clash.chance"]
    assert chance.dtype == "float64" and chance.isna().sum() == 3 and (chance == 0.5).sum() == 3
    assert set(rows.loc[chance.isna(), "event.border-clash"]) == {"1950-03"}
    assert rows["set.actors.PAK.temperature"].isna().all()
    manifest = frontline.batch.read_manifest(out)
    assert manifest.data["spec"]["sweeps"] == [["events.border-clash.chance", [None, 0.5]]]
    command = frontline.batch.resume_command(manifest.spec, out)
    assert f"--sweep {sweep} --set {set_}" in command or f"--set {set_} --sweep {sweep}" in command
    assert main(["compare", str(out), "--out", str(tmp_path / "r")]) == 0
    groups = json.loads((tmp_path / "r" / "summary.json").read_text())["groups"]
    assert sorted(g.rsplit(", ", 1)[1] for g in groups) == [
        "events.border-clash.chance=0.5",
        "events.border-clash.chance=null",
    ]
    capsys.readouterr()
    assert main(["run", "--from", str(out), "--run", "0"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert "actors.PAK.temperature=null, events.border-clash.chance=null" in header


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["run", TINY, "--set", "actors.PAK.ideology=true"],
            "--set: actors.PAK.ideology: expected a number, got true",
        ),
        (
            ["run", TINY, "--set", "dynamics.lookahead_months=12.5"],
            "expected a whole number, got 12.5",
        ),
        (
            ["compare", TINY, "--set", "dynamics.balance='0.1'", "--out", "r"],
            "--set: dynamics.balance: expected a number, got '0.1'",
        ),
        (
            ["batch", TINY, "--runs", "2", "--set", "actors.PAK.ideology=true", "--out", "b"],
            "--set: actors.PAK.ideology: expected a number",
        ),
        (
            ["run", TINY, "--set", "decisions.pick-a-camp.options.west.historical=maybe"],
            "--set: decisions.pick-a-camp.options.west.historical: expected true or false, "
            "got 'maybe'\n",
        ),
        (
            ["run", TINY, "--set", "dynamics.drift=null"],
            "--set: dynamics.drift: expected a number, got null (this field cannot be empty; "
            "its default is 0.03)\n",
        ),
        (
            ["run", TINY, "--set", "events.border-clash.title=Null"],
            "--set: events.border-clash.title: expected text, got null (this field cannot be "
            "left out)\n",
        ),
        (
            ["run", TINY, "--set", "events.border-clash.chance='null'"],
            "--set: events.border-clash.chance: expected a number, got 'null'\n",
        ),
        (
            ["run", TINY, "--set", "actors.PAK.name=~"],
            "--set: actors.PAK.name: ~ is not read as null here: write null for no value, "
            "or '~' for text\n",
        ),
        (
            [
                "compare",
                TINY,
                "--against",
                TINY,
                "--against-set",
                "dynamics.balance=true",
                "--out",
                "r",
            ],
            "--against-set: dynamics.balance: expected a number, got true",
        ),
    ],
)
def test_a_set_value_of_the_wrong_type_is_refused_naming_the_argument(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_work: None,
    argv: list[str],
    message: str,
) -> None:
    assert message in fails_in_place(capsys, tmp_path, monkeypatch, *argv)


def test_a_batch_whose_arguments_are_now_refused_is_not_given_a_resume_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # as an earlier version wrote it: '1e-1' (text) and 0.1 in one sweep, no chunk written
    spec = BatchSpec((TINY,), 2, 0, (), (("dynamics.balance", ("1e-1", 0.1)),), (), 1)
    out = tmp_path / "old"
    out.mkdir()
    sim.batch.check(BatchSpec((TINY,), 2))
    columns = columns_for(spec)
    table_schema = frontline.batch.schema(spec, columns)
    frontline.batch._manifest(spec, out, plan(spec), table_schema, fingerprint(spec), False)
    err = fails(capsys, "compare", str(out), "--out", str(tmp_path / "r"))
    assert "It cannot be resumed: this version refuses its arguments" in err
    assert "--resume" not in err and not (tmp_path / "r").exists()


# --------------------------------------------------------------------------- output folders


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished batch of two runs."""
    out = tmp_path_factory.mktemp("batch") / "b6"
    assert quiet_batch(out, "--runs", "2") == 0
    return out


@pytest.mark.parametrize(
    "argv",
    [
        ["batch", TINY, "--runs", "6", "--chunk", "2", "--out", "{b}/more"],
        ["run", TINY, "--out", "{b}/runs"],
        ["compare", "{b}", "--out", "{b}/sub"],
        ["compare", TINY, "--runs", "2", "--out", "{b}/deeper/report"],
        ["compare", TINY, "--against", TINY, "--runs", "2", "--out", "{b}/div"],
    ],
)
def test_nothing_is_written_inside_a_batchs_results_folder(
    results: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    before = sorted(p.relative_to(results) for p in results.rglob("*"))
    err = fails(capsys, *(a.format(b=results) for a in argv))
    assert (
        "--out:" in err and f"is inside {results.resolve()}, which holds a batch's results" in err
    )
    assert sorted(p.relative_to(results) for p in results.rglob("*")) == before
    assert len(pd.read_parquet(results)) == 2


def test_a_batch_into_a_folder_that_holds_another_batch_is_refused_at_once(
    results: Path, capsys: pytest.CaptureFixture[str], no_work: None
) -> None:
    err = fails(capsys, "batch", TINY, "--runs", "2", "--out", str(results.parent))
    assert f"{results.parent} holds other files ({results.name}) and no batch" in err
    assert len(pd.read_parquet(results)) == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["run", TINY, "--out", "afile/sub"],
        ["compare", TINY, "--runs", "50", "--out", "afile/sub"],
        ["compare", TINY, "--against", TINY, "--out", "afile/sub"],
        ["batch", TINY, "--runs", "2", "--out", "afile/sub"],
    ],
)
def test_an_out_through_a_file_is_refused_before_anything_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_work: None,
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("afile").write_text("not a folder\n")
    err = fails(capsys, *argv)
    assert "--out: afile is not a folder, so afile/sub cannot be made in it" in err
    assert sorted(os.listdir(tmp_path)) == ["afile"]


def _unwritable(tmp_path: Path) -> Path:
    """A folder this process cannot write into (root writes anywhere but a read-only mount)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        folder.chmod(0o755)
        folder = Path("/proc/sys")
        if not folder.is_dir() or os.access(folder, os.W_OK):
            pytest.skip("no folder here that this process cannot write into")
    return folder


@pytest.mark.parametrize("command", ["run", "compare", "batch"])
def test_an_out_that_cannot_be_written_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None, command: str
) -> None:
    out = _unwritable(tmp_path) / "frontline-out"
    extra = ["--runs", "2"] if command != "run" else []
    err = fails(capsys, command, TINY, *extra, "--out", str(out))
    assert f"--out: cannot make {out} in {out.parent} (permission denied)" in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["run", "compare", "batch"])
def test_an_out_on_a_read_only_disk_is_refused_before_anything_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_work: None,
    command: str,
) -> None:
    """A folder the permissions call writable, where the system refuses only when a file is made
    (Windows access lists, some network mounts), simulated as a read-only disk."""
    read_only_disk(monkeypatch)
    out = tmp_path / "frontline-out"
    extra = ["--runs", "2"] if command != "run" else []
    err = fails(capsys, command, TINY, *extra, "--out", str(out))
    assert f"--out: cannot make {out} in {tmp_path} (read-only file system)" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", ""], "argument scenario: expected a scenario's built-in name or path, got ''"),
        (["run", TINY, "--out", ""], "argument --out: expected a folder, got ''"),
        (["compare", "", "--out", "r"], "argument SCENARIO_OR_RESULTS: expected a scenario"),
        (["compare", TINY, "--out", " "], "argument --out: expected a folder, got ' '"),
        (
            ["compare", TINY, "--against", "", "--out", "r"],
            "argument --against: expected a scenario",
        ),
        (["batch", "", "--runs", "2", "--out", "b"], "argument SCENARIO: expected a scenario"),
        (["batch", TINY, "--runs", "2", "--out", ""], "argument --out: expected a folder, got ''"),
        (["calibrate", ""], "argument scenario: expected a scenario's built-in name or path"),
        (["calibrate", TINY, "--out", ""], "argument --out: expected a file name, got ''"),
        (
            ["calibrate", TINY, "--out", "fits/"],
            "argument --out: expected a file name, got 'fits/', a folder's (it ends in /)",
        ),
        (["schema", "--out", ""], "argument --out: expected a file name, got ''"),
        (["schema", "--out", "new/"], "argument --out: expected a file name, got 'new/'"),
        (["calibrate", TINY, "--record", " "], "argument --record: expected a record file"),
        (["validate", TINY, ""], "argument FILE: expected a scenario, a record or a parameter"),
        (["run", TINY, "--seed", "٣"], "argument --seed: expected a whole number, got '٣'"),
        (["batch", TINY, "--runs", "٣", "--out", "b"], "argument --runs: expected a whole number"),
        (
            ["compare", TINY, "--against", TINY, "--years", "١٩٥٠", "--out", "r"],
            "--years: expected years such as 1965",
        ),
    ],
)
def test_an_empty_name_or_a_number_in_other_digits_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_work: None,
    argv: list[str],
    message: str,
) -> None:
    assert message in fails_in_place(capsys, tmp_path, monkeypatch, *argv)


# --------------------------------------------------------------------------- Dask


@pytest.mark.parametrize(
    "address", ["not an address", "tcp://host", "localhost:abc", "foo://1.2.3.4:1", "h:0", ""]
)
@pytest.mark.parametrize("command", ["batch", "compare"])
def test_a_dask_address_of_the_wrong_form_is_refused_saying_what_is_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None, command: str, address: str
) -> None:
    out = tmp_path / "o"
    extra = ["--runs", "2"] if command == "batch" else ["--against", TINY]
    err = fails(capsys, command, TINY, *extra, "--dask", address, "--out", str(out))
    assert "argument --dask: expected 'local' or a Dask scheduler's address, HOST:PORT or " in err
    assert not out.exists()


def test_an_address_dask_cannot_read_is_refused_when_it_connects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("dask.distributed")

    def unreadable(address: str, **_: Any) -> None:
        raise ValueError(f"unknown address scheme in {address!r}")

    monkeypatch.setattr(distributed, "Client", unreadable)
    out = tmp_path / "b"
    err = fails(
        capsys, "batch", TINY, "--runs", "2", "--dask", "ucx://10.0.0.1:8786", "--out", str(out)
    )
    assert "cannot reach the Dask scheduler at ucx://10.0.0.1:8786: unknown address scheme" in err
    assert not out.exists()
