"""The ``frontline`` command: run scenarios, validate them, list them, export their schema.

Exit status: 0 on success, 2 on bad input (a scenario's problems are listed as
``file:line: path: message``), never a traceback for anything a user wrote.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from frontline.batch import BatchError
from frontline.files import write_atomic
from frontline.report import comparison_text, result_json, timeline
from sim.batch import DEFAULT_CHUNK
from sim.calendar import format_month
from sim.errors import ScenarioError
from sim.history import compare, load_record
from sim.model import FrontlineModel
from sim.scenario import CompiledScenario, builtin_names, load_scenario
from sim.schema import json_schema

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A command-line argument is wrong; the message says how."""


_LOADED: dict[str, CompiledScenario] = {}


def _load(name: str, overrides: dict[str, Any], force: dict[str, str]) -> CompiledScenario:
    """Load a scenario, reusing one ``default_scenario`` already read when nothing is changed."""
    if not overrides and not force and name in _LOADED:
        return _LOADED[name]
    return load_scenario(name, overrides=overrides, force=force)


def default_scenario() -> str:
    """The longest top-level built-in scenario (the main job runs it).

    Eras and counterfactual presets live in sub-folders and are variants of a top-level
    scenario, never longer, so only the top level is read.
    """
    best, best_months = "", -1
    for name in builtin_names():
        if "/" in name:
            continue
        try:
            _LOADED[name] = load_scenario(name)
        except ScenarioError:
            continue
        months = _LOADED[name].months
        if months > best_months:
            best, best_months = name, months
    if not best:
        raise UsageError("no valid built-in scenario is installed")
    return best


def _parse_pairs(items: Sequence[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise UsageError(f"{what}: expected KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def _parse_value(text: str) -> Any:
    """A --set value as a YAML scalar (numbers, true/false, text); never code."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _replay(args: argparse.Namespace) -> FrontlineModel:
    """One run of a batch, alone, with its full monthly detail (bit for bit the batch's)."""
    from frontline.batch import read_manifest
    from sim.batch import BatchSpec, check, find_run, fingerprint, model_for

    if args.scenario or args.set or args.force:
        raise UsageError(
            "--from replays a batch's run as it was: give no SCENARIO, --set or --force"
        )
    if args.run is None:
        raise UsageError("--from DIR needs --run ID (the 'run' column of the results)")
    manifest = read_manifest(Path(args.from_dir))
    spec = BatchSpec.from_json(manifest["spec"])
    try:
        chunk, replicate = find_run(spec, args.run)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    check(spec)  # the files as they are now
    if fingerprint(spec) != manifest.get("fingerprint"):
        raise UsageError(
            f"the scenario files of {args.from_dir} have changed since the batch ran, so a "
            "replay would not be its run: restore the files, or run the batch again"
        )
    model = model_for(chunk, [replicate]).run()
    return model


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario for one seed and print its timeline or JSON."""
    if args.from_dir is not None:
        model = _replay(args)
    else:
        if args.run is not None:
            raise UsageError("--run needs --from DIR (a batch's results folder)")
        name = args.scenario or default_scenario()
        overrides = {k: _parse_value(v) for k, v in _parse_pairs(args.set, "--set").items()}
        force = _parse_pairs(args.force, "--force")
        scenario = _load(name, overrides, force)
        model = FrontlineModel(scenario, seed=args.seed).run()
    result = result_json(model)
    record = load_record(args.record)
    summary = compare(model, record).run_summary(0)
    result["comparison"] = summary
    text = (
        timeline(model)
        + "\n"
        + comparison_text(summary, args.record or "scenarios/history/record.yaml")
    )
    if args.out:
        out = Path(args.out)
        write_atomic(out / "result.json", json.dumps(result, indent=1) + "\n")
        write_atomic(out / "timeline.txt", text)
        write_atomic(out / "run.json", json.dumps(model.snapshot()) + "\n")
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        sys.stdout.write(text)
        if args.out:
            sys.stdout.write(f"\nWrote result.json, timeline.txt and run.json to {args.out}\n")
    return 0


def _load_run(path: Path) -> FrontlineModel:
    """A saved run (``run.json``, or a folder holding one) as a model."""
    file = path / "run.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        return FrontlineModel.restore(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{file}: not a saved run (not JSON: {exc})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{file}: not a saved run ({exc})") from None


def cmd_compare(args: argparse.Namespace) -> int:
    """Run a scenario N times (or read a saved run) and write an HTML comparison report."""
    from frontline.compare import write_report

    target = Path(args.target)
    if target.is_dir() and (target / "_manifest.json").exists():
        from frontline.batch_report import write_batch_report

        index = write_batch_report(target, load_record(args.record), Path(args.out))
        sys.stdout.write(f"Wrote {index}\n")
        return 0
    if target.is_dir() or (target.suffix == ".json" and target.exists()):
        model = _load_run(target)
        if not model.done:
            raise UsageError(f"{target}: the saved run has not finished")
        title = f"Comparison with history: saved run of {model.scenario.spec.id}"
    else:
        if args.runs < 1:
            raise UsageError("--runs must be at least 1")
        scenario = load_scenario(args.target)
        model = FrontlineModel(scenario, seed=args.seed, replicates=args.runs).run()
        title = f"Comparison with history: {scenario.spec.id}, {args.runs} runs"
    index = write_report(model, load_record(args.record), Path(args.out), title)
    sys.stdout.write(f"Wrote {index}\n")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit parameters on training eras, report the held-out era, write a set: block."""
    from sim.calibrate import calibrate, era_windows

    names = [*args.train, *args.hold_out]
    windows = era_windows(names)
    sys.stderr.write(
        "calibrating on "
        + ", ".join(f"{n} ({windows[n]})" for n in args.train)
        + "; held out: "
        + ", ".join(f"{n} ({windows[n]})" for n in args.hold_out)
        + "\n"
    )

    def progress(evaluations: int, best: float) -> None:
        sys.stderr.write(f"\r  {evaluations}/{args.budget} evaluations, best score {best:.3f}")

    fit = calibrate(
        args.train,
        args.hold_out,
        runs=args.runs,
        seed=args.seed,
        budget=args.budget,
        progress=progress,
    )
    sys.stderr.write("\n")
    lines = [
        "# Fitted by `frontline calibrate` (see sim/calibrate.py for the procedure).",
        f"# runs per era {args.runs}, seed {args.seed}, {fit.evaluations} evaluations.",
    ]
    for label, scores in (("train", fit.train), ("held out", fit.held_out)):
        for sc in scores:
            lines.append(
                f"# {label:<8} {sc.name:<14} {windows[sc.name]}: decision agreement "
                f"{sc.decision_agreement:.3f}, phase agreement {sc.phase_agreement:.3f}"
            )
    text = "\n".join(lines) + "\n" + yaml.safe_dump({"set": fit.set_block()}, sort_keys=False)
    if args.out:
        write_atomic(Path(args.out), text)
        sys.stdout.write(f"Wrote {args.out}\n")
    sys.stdout.write(text)
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """Run a batch of runs into a resumable Parquet dataset."""
    from frontline.batch import execute, tqdm_progress
    from sim.batch import BatchSpec, parse_sweep

    sets = tuple((k, _parse_value(v)) for k, v in _parse_pairs(args.set, "--set").items())
    try:
        sweeps = tuple(parse_sweep(s) for s in args.sweep)
    except ValueError as exc:
        raise UsageError(f"--sweep: {exc}") from None
    force = tuple(_parse_pairs(args.force, "--force").items())
    spec = BatchSpec(tuple(args.scenarios), args.runs, args.seed, sets, sweeps, force, args.chunk)
    out = Path(args.out)
    where = f"Dask at {args.dask}" if args.dask else f"{args.workers or 'all'} local worker(s)"
    sys.stderr.write(f"frontline batch: {spec.total_runs} runs on {where} into {out}\n")
    started = time.perf_counter()
    try:
        progress = execute(
            spec,
            out,
            workers=args.workers,
            dask=args.dask,
            resume=args.resume,
            on_progress=None if args.quiet else tqdm_progress(),
        )
    except KeyboardInterrupt:
        sys.stderr.write(
            f"\nfrontline batch: interrupted; finished chunks are kept in {out}. "
            "Run the same command with --resume to finish.\n"
        )
        return 130
    elapsed = time.perf_counter() - started
    sys.stdout.write(
        f"{progress.done} of {progress.total} runs in {out} ({progress.new} new in "
        f"{elapsed:.1f}s, {progress.new / max(elapsed, 1e-9):.0f} runs/s). "
        f"Load with: pandas.read_parquet({str(out)!r})\n"
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario files; print every problem; status 2 if any."""
    count, bad = 0, 0
    for f in args.files:
        try:
            load_scenario(f)
        except ScenarioError as exc:
            for p in exc.problems:
                sys.stderr.write(f"{p}\n")
            count, bad = count + len(exc.problems), bad + 1
        else:
            sys.stdout.write(f"{f}: ok\n")
    if count:
        sys.stderr.write(f"{count} problem(s) in {bad} file(s)\n")
        return EXIT_BAD_INPUT
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the built-in scenarios with their periods."""
    rows = []
    for name in builtin_names():
        try:
            sc = load_scenario(name)
        except ScenarioError as exc:
            rows.append((name, "invalid", f"{len(exc.problems)} problem(s)"))
            continue
        period = f"{format_month(sc.start)} to {format_month(sc.end)}"
        rows.append((name, period, sc.spec.title))
    width = max((len(r[0]) for r in rows), default=4)
    for name, period, title in rows:
        sys.stdout.write(f"{name:<{width}}  {period}  {title}\n")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schema of the scenario format."""
    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.out:
        write_atomic(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    """Play the game (pygame is imported only now, never at the command's start)."""
    from game.options import play

    return play(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``frontline`` command."""
    parser = argparse.ArgumentParser(
        prog="frontline",
        description="Frontline State: Pakistan and the Soviet Union, 1947-1991, as six agents.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a scenario and print its timeline")
    run.add_argument("scenario", nargs="?", help="built-in name or path (default: the longest)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--json", action="store_true", help="print one JSON object instead")
    run.add_argument("--out", metavar="DIR", help="also write result.json, timeline.txt, run.json")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value, e.g. dynamics.balance=0.05",
    )
    run.add_argument(
        "--force",
        action="append",
        default=[],
        metavar="DECISION=OPTION",
        help="force a decision's option (a counterfactual)",
    )
    run.add_argument("--record", metavar="FILE", help="the recorded history to compare with")
    run.add_argument(
        "--from", dest="from_dir", metavar="DIR", help="replay one run of a batch (with --run ID)"
    )
    run.add_argument("--run", type=int, metavar="ID", help="the run to replay (with --from)")
    run.set_defaults(func=cmd_run)

    comp = sub.add_parser("compare", help="write an HTML report comparing runs with history")
    comp.add_argument(
        "target",
        metavar="SCENARIO_OR_RESULTS",
        help="a scenario (name or path) to run, or a saved run (run.json or its folder)",
    )
    comp.add_argument("--runs", type=int, default=200, help="runs of a scenario (default 200)")
    comp.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    comp.add_argument("--out", metavar="DIR", required=True, help="folder for the report")
    comp.add_argument("--record", metavar="FILE", help="the recorded history to compare with")
    comp.set_defaults(func=cmd_compare)

    cal = sub.add_parser("calibrate", help="fit parameters to history, with a held-out era")
    cal.add_argument(
        "--train",
        nargs="+",
        default=["eras/1954", "eras/1965", "eras/1971"],
        metavar="ERA",
        help="eras to fit on (default: 1954, 1965, 1971)",
    )
    cal.add_argument(
        "--hold-out",
        nargs="*",
        default=["eras/1979"],
        metavar="ERA",
        help="eras to report on, never fitted (default: 1979)",
    )
    cal.add_argument("--runs", type=int, default=64, help="runs per era and evaluation")
    cal.add_argument("--budget", type=int, default=200, help="evaluations at most")
    cal.add_argument("--seed", type=int, default=0)
    cal.add_argument("--out", metavar="FILE", help="write the set: block to FILE")
    cal.add_argument("--record", metavar="FILE", help="the recorded history to fit to")
    cal.set_defaults(func=cmd_calibrate)

    batch = sub.add_parser("batch", help="run many seeds, sweeps and scenarios into Parquet")
    batch.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    batch.add_argument("--runs", type=int, required=True, help="runs (seeds) per combination")
    batch.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    batch.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="fix a scenario value for every run",
    )
    batch.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="PATH=V1,V2,...",
        help="run every listed value (sweeps multiply)",
    )
    batch.add_argument("--force", action="append", default=[], metavar="DECISION=OPTION")
    batch.add_argument("--workers", type=int, default=0, help="local processes (default: cores)")
    batch.add_argument("--dask", metavar="ADDRESS", help="a Dask scheduler, or 'local'")
    batch.add_argument(
        "--chunk",
        type=int,
        default=DEFAULT_CHUNK,
        help=f"runs per chunk and file (default {DEFAULT_CHUNK})",
    )
    batch.add_argument("--out", metavar="DIR", required=True, help="results folder")
    batch.add_argument("--resume", action="store_true", help="run only the missing chunks")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.set_defaults(func=cmd_batch)

    validate = sub.add_parser("validate", help="check scenario files and list every problem")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=cmd_validate)

    scenarios = sub.add_parser("scenarios", help="list the built-in scenarios")
    scenarios.set_defaults(func=cmd_scenarios)

    schema = sub.add_parser("schema", help="write the JSON Schema of the scenario format")
    schema.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    schema.set_defaults(func=cmd_schema)

    from game.options import add_play_arguments  # argparse only: no pygame, no model

    play = sub.add_parser("play", help="play the game: lead a state from 1947 (opens a window)")
    add_play_arguments(play)
    play.set_defaults(func=cmd_play)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frontline`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ScenarioError as exc:
        for p in exc.problems:
            sys.stderr.write(f"{p}\n")
        return EXIT_BAD_INPUT
    except BatchError as exc:
        sys.stderr.write(f"frontline: {exc}\n")
        return EXIT_BAD_INPUT
    except UsageError as exc:
        sys.stderr.write(f"frontline: {exc}\n")
        return EXIT_BAD_INPUT
    except OSError as exc:
        sys.stderr.write(f"frontline: {exc.strerror or exc}: {exc.filename or ''}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("frontline: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
