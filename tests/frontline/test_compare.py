"""frontline compare and frontline calibrate, as a teacher or researcher uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from frontline.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY = str(FIXTURES / "tiny.yaml")
RECORD = str(FIXTURES / "history" / "tiny-record.yaml")


def test_compare_writes_an_offline_html_report_with_figures(tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert main(["compare", TINY, "--runs", "50", "--out", str(out), "--record", RECORD]) == 0
    assert {"index.html", "attitudes.png", "events.png", "comparison.json"} <= {
        p.name for p in out.iterdir()
    }
    page = (out / "index.html").read_text()
    assert 'src="attitudes.png"' in page and "decision agreement" in page
    assert "pick-a-camp" in page and "worse after the choice" in page
    assert "http" not in page.replace("https://json", "").split("<body>")[0]  # nothing remote
    data = json.loads((out / "comparison.json").read_text())
    assert data["runs"] == 50
    assert (out / "attitudes.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_reads_a_saved_run(tmp_path: Path) -> None:
    assert main(["run", TINY, "--out", str(tmp_path / "run"), "--json"]) == 0
    assert (
        main(["compare", str(tmp_path / "run"), "--out", str(tmp_path / "r"), "--record", RECORD])
        == 0
    )
    assert json.loads((tmp_path / "r" / "comparison.json").read_text())["runs"] == 1


def test_compare_refuses_a_file_that_is_not_a_saved_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text('{"format": "something else"}')
    assert main(["compare", str(bogus), "--out", str(tmp_path / "r")]) == 2
    assert "not a saved run" in capsys.readouterr().err


def test_run_prints_and_returns_the_comparison(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", TINY, "--json", "--record", RECORD, "--force", "pick-a-camp=west"]) == 0
    comparison = json.loads(capsys.readouterr().out)["comparison"]
    assert comparison["decision_agreement"] == 1.0
    assert {"phase_agreement", "event_timing_mae_months"} <= set(comparison)
    assert main(["run", TINY, "--record", RECORD]) == 0
    assert "Compared with the recorded history" in capsys.readouterr().out


def test_calibrate_fits_by_likelihood_and_writes_a_parameter_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fitted.yaml"
    args = ["calibrate", TINY, "--hold-out-from", "1951-01", "--budget", "4"]
    args += ["--out", str(out), "--record", RECORD]
    assert main(args) == 0
    captured = capsys.readouterr()
    text = out.read_text()
    assert "# fitted on: 1 decisions, log score" in text and "uniform null" in text
    assert "random weight sets" in text
    data = yaml.safe_load(text)
    assert data["held_out_from"] == "1951-01" and data["fitted_until"] == "1950-12"
    fitted = data["set"]
    assert {"rules.bond", "dynamics.drift", "actors.PAK.weights.security"} <= set(fitted)
    assert all(isinstance(v, float) for v in fitted.values())
    # the free parameters outnumber the one decision: the command says so, and prints
    # the same number of evaluations it writes
    assert "free parameters for only 1 decisions" in captured.err
    # into a log (not a terminal), whole lines, the last of them the final count
    assert "\r" not in captured.err
    progress = [line for line in captured.err.splitlines() if "evaluations, best" in line]
    evaluations = progress[-1].split("/")[0].strip()
    assert f"{evaluations} evaluations (budget 4)" in text


def test_calibrate_help_gives_its_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["calibrate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default 300" in text and "(default 1979-01" in text and "default: baseline" in text


def test_calibrate_refuses_a_period_with_nothing_to_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["calibrate", TINY, "--hold-out-from", "1950-01", "--record", RECORD]) == 2
    assert "no recorded decision before 1950-01" in capsys.readouterr().err


def test_calibrate_on_all_decisions_with_none_recorded_names_no_month(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the built-in record holds none of tiny's decisions; there is no month to name
    assert main(["calibrate", TINY, "--hold-out-from", "none"]) == 2
    assert capsys.readouterr().err == f"frontline: {TINY} has no recorded decision to fit\n"


def test_calibrate_leaves_out_an_earlier_fit_but_keeps_the_scenarios_own_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a counterfactual's set: entries make it the scenario named; only the values of what
    # is fitted (an earlier fit) start from the body instead
    (tmp_path / "tiny.yaml").write_text(Path(TINY).read_text())
    child = tmp_path / "no-clash.yaml"
    child.write_text(
        "# A counterfactual of tiny.yaml: no border clash.\n"
        "extends: tiny.yaml\nid: no-clash\ntitle: No clash\n"
        "set:\n  events.border-clash.chance: 0\n  rules.bond: 33\n"
        "  actors.PAK.weights.security: 0.9\n  actors.PAK.weights.prestige: 0.2\n"
    )
    from sim.calibrate import load_base, starting_values

    base = load_base(str(child))
    assert next(e for e in base.spec.events if e.id == "border-clash").chance == 0
    start = starting_values(base)
    assert start["rules.bond"] == starting_values(load_base(TINY))["rules.bond"] != 33
    assert start["actors.PAK.weights.security"] == 0.6
    assert base.weights[0, 3] == 0.2  # prestige is not fitted: its set: entry is kept
    args = ["calibrate", str(child), "--hold-out-from", "1951-01", "--budget", "1"]
    assert main([*args, "--record", RECORD]) == 0
    assert "calibrating no-clash" in capsys.readouterr().err


def test_calibrate_fits_an_era_that_closes_windows_in_its_set_block(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # eras/1979 closes a window that runs on past its start with set:; without that
    # entry it is not a valid scenario, though validate says it is
    assert main(["calibrate", "eras/1979", "--hold-out-from", "none", "--budget", "1"]) == 0
    captured = capsys.readouterr()
    assert "calibrating era-1979" in captured.err and "assume.decisions" not in captured.err
    assert "scenario: era-1979" in captured.out


def test_compare_runs_a_scenario_with_its_own_values_and_forced_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    args = ["compare", TINY, "--force", "pick-a-camp=east", "--set", "dynamics.balance=0.05"]
    assert main([*args, "--runs", "10", "--out", str(out), "--record", RECORD]) == 0
    (decision,) = json.loads((out / "comparison.json").read_text())["decisions"]
    assert decision["shares"] == {"east": 1.0}
    assert "pick-a-camp=east" in (out / "index.html").read_text()
    assert main(["run", TINY, "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    assert (
        main(["compare", str(tmp_path / "run"), "--force", "pick-a-camp=east", "--out", str(out)])
        == 2
    )
    assert "--set and --force apply to a scenario" in capsys.readouterr().err


def test_a_value_left_out_is_named_null_in_the_reports_title(tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = ["compare", TINY, "--set", "events.border-clash.chance=null", "--runs", "10"]
    assert main([*args, "--out", str(out), "--record", RECORD]) == 0
    assert "(events.border-clash.chance=null)" in (out / "index.html").read_text()


def test_validate_checks_a_parameter_set_against_its_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = Path(__file__).resolve().parents[2] / "scenarios" / "fits" / "fit-1947-1978.yaml"
    assert main(["validate", str(shipped)]) == 0
    assert "(a parameter set)" in capsys.readouterr().out
    bad = tmp_path / "fit.yaml"
    bad.write_text(
        "id: x\ntitle: X\nscenario: baseline\nmade_by: me\nset:\n"
        "  rules.nope: 3\n  rules.spill: 9\n"
    )
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "fit.yaml:6: set.rules.nope: unknown key 'nope'" in err
    assert "fit.yaml:7: set.rules.spill: expected less than or equal to 2" in err


def test_validate_lists_a_parameter_sets_unknown_scenario_beside_its_wrong_types(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "fit.yaml"
    bad.write_text("id: x\ntitle: X\nscenario: baselin\nmade_by: [me]\nset:\n  rules.spill: lots\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "fit.yaml:3: scenario: baselin: no such scenario file or built-in name" in err
    assert "fit.yaml:4: made_by: expected a valid string" in err
    assert "fit.yaml:6: set.rules.spill: expected a valid number" in err
    assert err.endswith("3 problem(s) in 1 file(s)\n")
    bad.write_text("id: x\ntitle: X\nscenario: baseline\nmade_by: 5\nset:\n  rules.nope: 3\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "fit.yaml:4: made_by: expected a valid string" in err
    assert "fit.yaml:6: set.rules.nope: unknown key 'nope'" in err


def test_the_report_names_the_states_as_the_scenario_does(
    tmp_path: Path, figure_texts: list[str]
) -> None:
    out = tmp_path / "r"
    renamed = str(FIXTURES / "renamed.yaml")
    assert main(["compare", renamed, "--runs", "10", "--out", str(out), "--record", RECORD]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    both = "Dominion of the Indus and Union of Soviet Socialist Republics"
    assert f"<td>{both}</td>" in page  # the phase of PAK-USSR
    assert "<td>Dominion of the Indus towards India</td>" in page  # that of PAK->IND
    assert "<td>Dominion of the Indus</td>" in page  # who faced pick-a-camp
    assert f"{both} (shaded: the paper's phases)" in figure_texts
    assert "Dominion of the Indus towards India (shaded: the paper's phases)" in figure_texts
    paper = "The Changing Dynamics of Pakistan's Relations with the Former Soviet Union"
    for words in (page.replace(paper, ""), " ".join(figure_texts)):
        for other in ("PAK", "USSR", "Pakistan", "Soviet Union"):
            assert other not in words
    data = json.loads((out / "comparison.json").read_text())
    assert [p["pair"] for p in data["phases"]] == ["PAK-USSR", "PAK->IND"]  # ids stay data
