"""The frontline command as a user meets it: output, files, exit codes, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from frontline.cli import main

TINY = str(Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml")


def test_run_json_has_the_documented_keys_and_all_30_pairs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", TINY, "--seed", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {
        "scenario",
        "seed",
        "start",
        "end",
        "months",
        "attitudes",
        "decisions",
        "events",
    }
    assert out["seed"] == 3 and out["start"] == "1950-01" and out["end"] == "1951-12"
    assert len(out["months"]) == 24
    assert len(out["attitudes"]) == 30
    assert all(len(v) == 24 for v in out["attitudes"].values())
    (decision,) = out["decisions"]
    assert set(decision) == {"id", "actor", "month", "chosen", "historical"}
    assert decision["historical"] == "west"


def test_run_prints_a_timeline_with_reasons_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", TINY, "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "Which camp?" in out and "why:" in out and "security" in out
    assert "source:   Test" in out
    assert "Attitudes at the end" in out


def test_run_out_writes_result_timeline_and_a_restorable_run(tmp_path: Path) -> None:
    assert main(["run", TINY, "--out", str(tmp_path / "o"), "--json"]) == 0
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert names == ["result.json", "run.json", "timeline.txt"]
    from sim import FrontlineModel

    restored = FrontlineModel.restore(json.loads((tmp_path / "o" / "run.json").read_text()))
    assert restored.done


def test_run_names_the_states_as_the_scenario_does(capsys: pytest.CaptureFixture[str]) -> None:
    renamed = str(Path(TINY).with_name("renamed.yaml"))  # tiny.yaml, two states renamed
    assert main(["run", renamed, "--seed", "1"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the timeline wraps its lines
    assert "Dominion of the Indus (PAK), Union of Soviet Socialist Republics (USSR)" in out
    assert "does: Dominion of the Indus" in out
    assert (
        "Dominion of the Indus and Union of Soviet Socialist Republics, year by year "
        "(Dominion of the Indus towards Union of Soviet Socialist Republics / the reverse):"
    ) in out
    assert "Pakistan" not in out and "Soviet Union" not in out
    assert "PAK->USSR" not in out


def test_the_run_text_says_what_the_chooser_foresaw_in_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It gave ids: "expects: PAK to answer defence-agreement: sign", "foresees: kashmir-…"."""
    assert main(["run", "choosing-a-camp"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the timeline wraps its lines
    assert "foresees: UN-arranged cease-fire in Kashmir: 44% within the look-ahead" in out
    assert "expects: the Soviet Union to answer: " in out
    assert "kashmir-ceasefire" not in out and "expects: USSR" not in out


def test_the_run_texts_phases_name_the_pairs_in_line_and_the_json_keeps_the_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    renamed = str(Path(TINY).with_name("renamed.yaml"))
    record = str(Path(TINY).with_name("history") / "tiny-record.yaml")  # two phases
    assert main(["run", renamed, "--record", record, "--seed", "1"]) == 0
    out = capsys.readouterr().out
    table = out.split("phases (the paper's trend / this run's change in points):\n")[1]
    rows = table.splitlines()[:2]
    both = "Dominion of the Indus and Union of Soviet Socialist Republics"
    assert rows[0].startswith(f"    {both}  1950-06..1951-12  worsen  ")
    # the second, shorter name is padded to the first's width: the spans stay in line
    assert rows[1].startswith("    Dominion of the Indus towards India".ljust(len(both) + 6))
    assert rows[0].index("1950-06") == rows[1].index("1950-01")
    assert "PAK-USSR" not in out and "PAK->IND" not in out
    assert main(["run", renamed, "--record", record, "--seed", "1", "--json"]) == 0
    phases = json.loads(capsys.readouterr().out)["comparison"]["phases"]
    assert [p["pair"] for p in phases] == ["PAK-USSR", "PAK->IND"]


def test_same_seed_gives_the_same_json(capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", TINY, "--seed", "8", "--json"])
    first = capsys.readouterr().out
    main(["run", TINY, "--seed", "8", "--json"])
    assert capsys.readouterr().out == first


def test_force_and_set_change_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["run", TINY, "--json", "--force", "pick-a-camp=east", "--set", "dynamics.balance=0.05"]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["decisions"][0]["chosen"] == "east"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", TINY, "--set", "dynamics.nonsense=1"], "dynamics.nonsense"),
        (["run", TINY, "--set", "dynamics.balance=lots"], "dynamics.balance"),
        (["run", TINY, "--force", "pick-a-camp=moscow"], "unknown option"),
        (["run", TINY, "--force", "nonsense"], "expected KEY=VALUE"),
        (["run", "no-such-scenario"], "no such scenario"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_validate_reports_ok_and_problems_with_exit_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(TINY).read_text().replace("delta: -10", "delta: lots"))
    assert main(["validate", TINY]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["validate", TINY, str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:23: events[0].effects[0].attitude.delta: expected a valid number" in err


def test_validate_checks_and_counts_a_file_given_twice_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    same = [
        "baseline",
        "scenarios/baseline.yaml",
        "./scenarios/baseline.yaml",
        str(root / "scenarios" / "baseline.yaml"),
    ]
    assert main(["validate", *same, TINY, TINY]) == 0
    assert capsys.readouterr().out.splitlines() == ["baseline: ok", f"{TINY}: ok"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(TINY).read_text().replace("delta: -10", "delta: lots"))
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "bad.yaml", str(bad), "./bad.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("expected a valid number") == 1
    assert err.endswith("1 problem(s) in 1 file(s)\n")


def test_schema_is_json_schema_for_the_scenario_format(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"events", "decisions", "actors", "dynamics"} <= set(schema["properties"])


def test_python_dash_m_frontline_is_the_frontline_command() -> None:
    """For a machine whose venv scripts folder is not on the PATH."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "frontline", "validate", TINY],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"{TINY}: ok")
    bad = subprocess.run(
        [sys.executable, "-m", "frontline", "no-such-command"],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
    )
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="a closed pipe is told by poll() on POSIX")
@pytest.mark.parametrize("argv", [["validate", TINY, TINY], ["run", TINY], ["schema"]])
def test_output_into_a_pipe_whose_reader_has_gone_stops_quietly(argv: list[str]) -> None:
    """`frontline ... | head -1`: no message, no traceback, status 141 as Unix tools give."""
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-m", "frontline.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=root,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader goes before the first line is written
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 141, err
    assert err == ""


def test_a_broken_pipe_that_is_not_the_output_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A worker's or a connection's broken pipe is a failure, not a reader that has gone."""
    import frontline.cli

    def broken(args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(frontline.cli, "cmd_scenarios", broken)
    assert main(["scenarios"]) == 2
    assert capsys.readouterr().err == "frontline: Broken pipe\n"


def test_the_run_texts_decision_table_keeps_its_columns_in_line_for_long_ids() -> None:
    from frontline.report import comparison_text

    summary = {
        "decision_agreement": 0.5,
        "phase_agreement": None,
        "events": [],
        "event_timing_mae_months": None,
        "phases": [],
        "decisions": [
            {
                "id": "short",
                "historical": "back-pashtunistan-and-credit",
                "chosen": "a",
                "agrees": 0,
            },
            {"id": "a-much-longer-decision-id", "historical": "b", "chosen": None, "agrees": 0},
            {"id": "c", "historical": "c", "chosen": "c", "agrees": 1},
        ],
    }
    rows = comparison_text(summary, "record")
    table = rows.split("decisions (history / this run):\n")[1].splitlines()[:3]
    marks = [line.rstrip().rsplit(" ", 1)[1] for line in table]
    assert marks == ["DIFFERENT", "DIFFERENT", "same"]
    # the mark starts at the same place on every row
    assert len({len(line) - len(line.rstrip().rsplit(" ", 1)[1]) for line in table}) == 1
    assert table[1].split() == ["a-much-longer-decision-id", "b", "(never", "arose)", "DIFFERENT"]
