"""frontline compare A --against B: the divergence of two scenarios, run for run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from frontline.cli import main
from sim import FrontlineModel, load_scenario

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY = str(FIXTURES / "tiny.yaml")
README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def diverge(out: Path, *args: str) -> dict[str, Any]:
    """Run ``compare`` with ``args`` into ``out`` and return its divergence.json."""
    assert main(["compare", *args, "--out", str(out)]) == 0
    data: dict[str, Any] = json.loads((out / "divergence.json").read_text())
    return data


def rows(out: Path, side: str) -> pd.DataFrame:
    return pd.read_parquet(out / f"runs-{side}").sort_values("run").reset_index(drop=True)


def test_a_scenario_compared_with_itself_diverges_nowhere(tmp_path: Path) -> None:
    data = diverge(tmp_path / "r", TINY, "--against", TINY, "--runs", "60")
    assert [d["tv"] for d in data["decisions"]] == [0.0]
    assert data["decisions"][0]["shares"]["a"] == data["decisions"][0]["shares"]["b"]
    assert data["decisions"][0]["pairs_differing"] == 0.0
    assert all(e["difference"] == 0 and e["p"]["a"] == e["p"]["b"] for e in data["events"])
    assert data["summary"] == {"changed_decisions": [], "events_gained": [], "events_lost": []}
    first = data["first_difference"]
    assert first["pairs_differing"] == 0 and first["median"] is None
    assert first["causes"] == [] and first["cumulative"] == []
    assert all(
        row["difference"] == {"median": 0.0, "low": 0.0, "high": 0.0} for row in data["attitudes"]
    )
    page = (tmp_path / "r" / "index.html").read_text()
    assert "The two histories never differ" in page


def test_forcing_two_camps_gives_a_total_variation_of_one_at_that_decision(
    tmp_path: Path,
) -> None:
    data = diverge(
        tmp_path / "r",
        TINY,
        "--force",
        "pick-a-camp=east",
        "--against",
        TINY,
        "--against-force",
        "pick-a-camp=west",
        "--runs",
        "50",
    )
    (decision,) = data["decisions"]
    assert decision["shares"]["a"] == {"west": 0, "east": 1, "neither": 0, "never arose": 0}
    assert decision["shares"]["b"] == {"west": 1, "east": 0, "neither": 0, "never arose": 0}
    assert decision["tv"] == 1.0 and decision["pairs_differing"] == 1.0
    assert decision["forced"] == {"a": "east", "b": "west"}
    assert data["summary"]["changed_decisions"] == ["pick-a-camp"]
    first = data["first_difference"]
    assert first["median"] == "1950-06" and first["pairs_differing"] == 1.0
    assert {"kind": "decision", "id": "pick-a-camp", "share": 1.0} in first["causes"]


def test_a_forced_side_against_a_free_one_gives_the_free_runs_own_shares(tmp_path: Path) -> None:
    runs = 80
    data = diverge(
        tmp_path / "r", TINY, "--force", "pick-a-camp=east", "--against", TINY, "--runs", str(runs)
    )
    (decision,) = data["decisions"]
    # B's shares are those of the same runs made directly, without any batch
    chosen = (
        FrontlineModel(load_scenario(TINY), seed=0, replicates=runs)
        .run()
        .view()
        .decisions["pick-a-camp"]
        .chosen
    )
    expected = {o: float(np.mean(chosen == o)) for o in ("west", "east", "neither")}
    assert {o: decision["shares"]["b"][o] for o in expected} == pytest.approx(expected)
    assert decision["shares"]["a"]["east"] == 1.0
    assert decision["tv"] == pytest.approx(1 - expected["east"], abs=1e-4)
    assert decision["pairs_differing"] == pytest.approx(1 - expected["east"], abs=1e-4)


def test_both_sides_run_the_same_seeds_and_replicate_ids(tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = ["--set", "dynamics.balance=0.05", "--against", TINY, "--runs", "30", "--seed", "7"]
    data = diverge(out, TINY, *args)
    a, b = rows(out, "a"), rows(out, "b")
    for column in ("run", "seed", "replicate"):
        assert list(a[column]) == list(b[column])
    assert set(a["seed"]) == {7} and list(a["replicate"]) == list(range(30))
    assert data["replicates"] == {"first": 0, "last": 29} and data["seed"] == 7
    assert set(a["set.dynamics.balance"]) == {0.05} and "set.dynamics.balance" not in b
    assert data["a"]["set"] == {"dynamics.balance": 0.05} and data["b"]["set"] == {}


def test_a_chance_left_out_on_one_side_is_recorded_as_null(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    setting = "events.border-clash.chance=null"
    data = diverge(out, TINY, "--against", TINY, "--against-set", setting, "--runs", "20")
    (event,) = [e for e in data["events"] if e["id"] == "border-clash"]
    assert event["p"]["b"] == 1.0  # without a chance, it happens as soon as it may
    assert data["b"]["set"] == {"events.border-clash.chance": None}
    assert f"--against-set {setting}" in data["b"]["command"]
    assert "set: events.border-clash.chance = null" in (out / "index.html").read_text()
    capsys.readouterr()
    again = ["compare", TINY, "--against", TINY, "--against-set", "events.border-clash.chance=0.5"]
    assert main([*again, "--runs", "20", "--out", str(out)]) == 2
    assert f"--against-set was {setting}, now events.border-clash.chance=0.5" in (
        capsys.readouterr().err
    )


def test_an_event_made_impossible_is_lost_from_the_month_it_fires_in_the_other(
    tmp_path: Path,
) -> None:
    out = tmp_path / "r"
    data = diverge(out, TINY, "--set", "events.border-clash.chance=0", "--against", TINY)
    (event,) = [e for e in data["events"] if e["id"] == "border-clash"]
    fired = rows(out, "b")["event.border-clash"]
    assert event["p"] == {"a": 0.0, "b": pytest.approx(fired.notna().mean(), abs=1e-4)}
    assert data["summary"]["events_lost"] == ["border-clash"]
    # nothing else differs before the decision of 1950-06, so the first months of
    # difference before it are the months the clash fired in B
    first = data["first_difference"]["cumulative"]
    early = fired[fired < "1950-06"].value_counts().sort_index().cumsum() / len(fired)
    assert [(p["month"], p["share"]) for p in first if p["month"] < "1950-06"] == [
        (m, pytest.approx(s, abs=1e-4)) for m, s in early.items()
    ]


def test_every_key_of_divergence_json_is_documented_in_the_readme(tmp_path: Path) -> None:
    data = diverge(tmp_path / "r", TINY, "--force", "pick-a-camp=east", "--against", TINY)
    section = README[README.index("### Comparing two scenarios") :]
    section = section[: section.index("\n## ")]
    documented = set(re.findall(r"`([a-z_]+)`", section))
    found: set[str] = set()

    def walk(value: Any, parent: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if parent in ("shares", "set", "force"):
                    continue  # options, paths and decisions: content ids, not keys
                found.add(key)
                walk(item, key if parent != "shares" else parent)
        elif isinstance(value, list):
            for item in value:
                walk(item, parent)

    walk(data, "")
    found = {k for k in found if k not in ("a", "b")}  # the two sides, named in the table
    assert found - documented == set()
    assert {"a", "b"} <= set(re.findall(r"`([a-z])`", section))


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (["nosuch", "--against", TINY], "nosuch: no such scenario"),
        ([TINY, "--against", "nosuch"], "--against nosuch: no such scenario"),
        ([TINY, "--force", "pick-a-camp=moscow", "--against", TINY], "--force: force.pick-a-camp"),
        (
            [TINY, "--against", TINY, "--against-force", "pick-a-camp=moscow"],
            "--against-force: force.pick-a-camp",
        ),
        ([TINY, "--against", TINY, "--against-set", "dynamics.zz=1"], "--against-set: dynamics.zz"),
        ([TINY, "--against", TINY, "--against-force", "pick-a-camp"], "--against-force: expected"),
        ([TINY, "--against", TINY, "--runs", "0"], "argument --runs"),
        ([TINY, "--against", TINY, "--runs", "100001"], "100,000 with --against"),
        ([TINY, "--against", TINY, "--years", "1960"], "--years: 1960 not in both"),
        ([TINY, "--against", TINY, "--years", "1950,lots"], "--years: expected years"),
        ([TINY, "--against-set", "dynamics.drift=0.1"], "--against-set applies only with"),
        ([TINY, "--against", TINY, "--record", TINY], "--record does not apply"),
    ],
)
def test_bad_arguments_on_either_side_exit_2_naming_the_argument_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], argument: str
) -> None:
    out = tmp_path / "r"
    capsys.readouterr()
    try:
        code = main(["compare", *args, "--out", str(out)])
    except SystemExit as exc:  # argparse's own refusal of a bad argument: status 2 too
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2, err
    assert argument in err and "Traceback" not in err
    assert not out.exists()


def test_a_folder_holding_something_else_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["compare", TINY, "--against", TINY, "--runs", "5", "--out", str(out)]) == 2
    assert "--out" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    batch = tmp_path / "batch"
    assert main(["batch", TINY, "--runs", "5", "--out", str(batch), "--quiet"]) == 0
    assert main(["compare", TINY, "--against", TINY, "--runs", "5", "--out", str(batch)]) == 2
    assert "batch's results" in capsys.readouterr().err


def test_a_report_folder_is_written_again_and_its_runs_are_resumed_not_recomputed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    args = [TINY, "--force", "pick-a-camp=east", "--against", TINY, "--runs", "20"]
    first = diverge(out, *args, "--years", "1950")
    chunks = {p: p.stat().st_mtime_ns for p in out.glob("runs-*/chunk-*.parquet")}
    again = diverge(out, *args, "--years", "1950,1951")
    assert {p: p.stat().st_mtime_ns for p in out.glob("runs-*/chunk-*.parquet")} == chunks
    assert again["decisions"] == first["decisions"] and again["years"] == [1950, 1951]
    capsys.readouterr()
    assert main(["compare", *args[:-1], "30", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds the runs of another comparison" in err and "--runs was 20, now 30" in err


def test_the_report_page_shows_both_sides_and_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "r"
    diverge(out, TINY, "--force", "pick-a-camp=east", "--against", TINY, "--runs", "20")
    page = (out / "index.html").read_text()
    for figure in ("first-difference.png", "decisions.png", "events.png", "attitudes.png"):
        assert f'src="{figure}"' in page
        assert (out / figure).read_bytes()[:4] == b"\x89PNG"
    assert "forced: pick-a-camp = east" in page and "pick-a-camp" in page
    assert "http" not in page.split("<body>")[0]  # nothing remote


def test_dask_local_gives_the_same_divergence_as_local_workers(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    args = [TINY, "--force", "pick-a-camp=east", "--against", TINY, "--runs", "20"]
    local = diverge(tmp_path / "local", *args, "--workers", "1")
    dask = diverge(tmp_path / "dask", *args, "--workers", "2", "--dask", "local")
    assert dask == local
    assert (tmp_path / "dask" / "divergence.json").read_bytes() == (
        tmp_path / "local" / "divergence.json"
    ).read_bytes()


def test_an_era_against_its_whole_period_first_differs_when_both_run(tmp_path: Path) -> None:
    era = str(FIXTURES / "era-tiny-late.yaml")
    data = diverge(tmp_path / "r", era, "--against", TINY, "--runs", "40")
    # the era assumes the camp chosen before its start: that past is not run, so the
    # difference it makes shows from the era's first month, never before
    assert data["first_difference"]["low"] == "1950-09"
    assert data["years"] == [1950, 1951]
    (decision,) = data["decisions"]
    assert decision["shares"]["a"]["west"] == 1.0


def test_a_cluster_lost_during_a_comparison_says_to_run_it_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    from distributed.client import FutureCancelledError

    def lost(*_: Any, **__: Any) -> Any:
        raise FutureCancelledError("_work_and_write-1", "scheduler-connection-lost")

    out = tmp_path / "report"
    args = ["compare", TINY, "--against", TINY, "--runs", "10", "--out", str(out)]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        monkeypatch.setattr(distributed.Client, "map", lost)
        assert main([*args, "--dask", cluster.scheduler_address]) == 2
    err = capsys.readouterr().err
    assert "the connection to the Dask scheduler was lost" in err
    assert "run the same comparison again to finish them" in err
    assert "--resume" not in err  # compare has no --resume
    monkeypatch.undo()
    assert main(args) == 0


def test_the_report_names_the_states_as_both_sides_do_or_by_their_usual_names(
    tmp_path: Path, figure_texts: list[str]
) -> None:
    renamed = str(FIXTURES / "renamed.yaml")
    out = tmp_path / "r"
    args = ["--force", "pick-a-camp=east", "--against", renamed, "--runs", "20", "--workers", "1"]
    data = diverge(out, renamed, *args)
    page = (out / "index.html").read_text(encoding="utf-8")
    indus, union = "Dominion of the Indus", "Union of Soviet Socialist Republics"
    assert f"<h3>{indus} and {union}: medians (and 90% of runs)</h3>" in page
    assert f"<th colspan=3>{indus} towards {union}</th>" in page
    assert f"<td>{union} towards {indus}</td>" in page  # every pair, in the details
    assert f"<td>{indus}</td>" in page and f"<td>{union}</td>" in page  # who decides
    assert f"{indus}, {union}, the United States, India, China and Afghanistan" in page
    assert f"{indus}\ntowards Union of Soviet…" in figure_texts  # a small chart's title, cut
    assert f"The United States\ntowards {indus}" in figure_texts  # opening a title
    for words in (page, " ".join(figure_texts)):
        for other in ("PAK", "USSR", "Pakistan", "Soviet Union"):
            assert other not in words
    assert {r["pair"] for r in data["attitudes"]} >= {"PAK->USSR", "USSR->PAK"}  # ids stay data
    assert {d["actor"] for d in data["decisions"]} == {"PAK", "USSR"}
    # B names the states as usual: a state the sides call differently takes its usual name
    figure_texts.clear()
    diverge(tmp_path / "r2", renamed, "--against", TINY, "--runs", "20", "--workers", "1")
    page = (tmp_path / "r2" / "index.html").read_text(encoding="utf-8")
    assert "<h3>Pakistan and the Soviet Union: medians (and 90% of runs)</h3>" in page
    assert "Pakistan\ntowards the Soviet Union" in figure_texts
    assert "Dominion" not in page + " ".join(figure_texts)
