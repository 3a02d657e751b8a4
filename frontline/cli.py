"""The ``frontline`` command: run scenarios, validate them, list them, export their schema.

Exit status: 0 on success, 2 on bad input (a scenario's problems are listed as
``file:line: path: message``), never a traceback for anything a user wrote. Every
argument is checked before anything is run or written.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import stat
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from frontline import interrupts
from frontline.argtypes import given as _given
from frontline.argtypes import seed as _seed
from frontline.argtypes import whole as _whole
from frontline.errors import BatchError, UsageError
from frontline.files import (
    MANIFEST,
    WriteError,
    batch_holding,
    cannot_write_into,
    check_writable,
    write_atomic,
    write_set,
)
from sim.calendar import format_month, parse_month
from sim.catalog import summary
from sim.errors import Problem, ScenarioError, echo, shorten
from sim.files import UnreadableFile, read_bounded
from sim.limits import (
    DEFAULT_CHUNK,
    MAX_BUDGET,
    MAX_CHUNK,
    MAX_COMPARE_RUNS,
    MAX_DIVERGENCE_RUNS,
    MAX_RUN_BYTES,
    MAX_RUNS,
)
from sim.scenario import CompiledScenario, builtin_names, load_scenario
from sim.values import parse_value, value_problem, written

if TYPE_CHECKING:
    from sim.history import Record
    from sim.model import FrontlineModel

EXIT_BAD_INPUT = 2
EXIT_READER_GONE = 141
"""The status when the reader of the output has gone (``frontline validate ... | head -1``):
128 + SIGPIPE, as a shell reports a Unix tool that the closed pipe stopped."""


# --------------------------------------------------------------------------- arguments


def _between(low: int, high: int, shown: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (``shown``: how to say it)."""

    def parse(text: str) -> int:
        value = _whole(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low:,} to {shown or f'{high:,}'}, got {echo(text)}"
            )
        return value

    return parse


def _file_name(text: str) -> str:
    """An argparse type: a file to write, not empty and not a folder's name (``out/``)."""
    _given("a file name")(text)
    if text.endswith(("/", os.sep)) or (os.altsep and text.endswith(os.altsep)):
        raise argparse.ArgumentTypeError(
            f"expected a file name, got {echo(text)}, a folder's (it ends in {text[-1]})"
        )
    return text


def _dask_address(text: str) -> str:
    """An argparse type: ``local`` or a Dask scheduler's address, checked by its form."""
    from frontline.batch import dask_address_problem

    problem = dask_address_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def _parse_pairs(items: Sequence[str], what: str) -> dict[str, str]:
    """``KEY=VALUE`` arguments as a mapping; a key given twice is an error, not a rewrite."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise UsageError(f"{what}: expected KEY=VALUE, got {echo(item)}")
        if key in out:
            raise UsageError(f"{what}: {echo(key)} is given more than once; give it once")
        out[key] = value
    return out


def _overrides(items: Sequence[str], what: str) -> dict[str, Any]:
    """``--set PATH=VALUE`` arguments as values, each checked against its path's type.

    Values are read as ``sim.values`` reads them; every problem is reported at once
    (ScenarioError), each named by ``what`` (``--set``, ``--against-set``).
    """
    values: dict[str, Any] = {}
    problems = []
    for path, text in _parse_pairs(items, what).items():
        try:
            values[path] = parse_value(text)
        except ValueError as exc:
            problems.append(Problem(what, 0, shorten(path), str(exc)))
            continue
        message = value_problem(path, values[path])
        if message is not None:
            problems.append(Problem(what, 0, shorten(path), message))
    if problems:
        raise ScenarioError(problems)
    return values


def _workers(args: argparse.Namespace) -> tuple[int, str]:
    """The local workers a batch or comparison asks for, and where its runs go, in words."""
    from frontline.batch import default_workers

    workers: int = args.workers or default_workers()
    return workers, f"Dask at {args.dask}" if args.dask else f"{workers} local worker(s)"


def _holds_anything(folder: Path) -> bool:
    """Whether a folder exists and holds any file or folder."""
    try:
        with os.scandir(folder) as entries:
            return any(True for _ in entries)
    except OSError:
        return False


def _out_folder(value: str | None, *, batch: bool = False) -> Path | None:
    """An output folder, checked before any work is done (nothing is created yet).

    Refused: a path that exists and is not a folder, or runs through a file; a folder that
    cannot be written, or created where it would be; and a folder inside a batch's results
    folder, at any level (a batch's own folder is refused too, unless it is for the batch):
    what is written there would be read with the batch's files by ``pandas.read_parquet``.
    """
    if value is None:
        return None
    path = Path(value)
    for place in [path, *path.parents]:  # the nearest place that exists
        try:
            found = place.stat()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise UsageError(f"--out: {place}: {exc.strerror or exc}") from None
        if not stat.S_ISDIR(found.st_mode):
            if place == path:
                raise UsageError(f"--out: {value} exists and is not a folder")
            raise UsageError(f"--out: {place} is not a folder, so {value} cannot be made in it")
        reason = cannot_write_into(place)
        if reason is not None:
            verb = "write into" if place == path else f"make {value} in"
            raise UsageError(f"--out: cannot {verb} {place} ({reason.lower()})")
        break
    holder = batch_holding(path, itself=not batch)
    if holder is not None:
        where = "holds" if holder == path.resolve() else f"is inside {holder}, which holds"
        raise UsageError(
            f"--out: {value} {where} a batch's results; write into another folder (files "
            "written there would be read with the batch's by pandas.read_parquet)"
        )
    return path


# --------------------------------------------------------------------------- scenarios


def default_scenario() -> str:
    """The longest top-level built-in scenario (the main job runs it).

    Eras and counterfactual presets live in sub-folders and are variants of a top-level
    scenario, never longer, so only the top level is read, and only the headers
    (``sim.catalog.summary``): the chosen scenario is checked in full when it is loaded.
    """
    best, best_months = "", 0
    for name in builtin_names():
        if "/" in name:
            continue
        months = summary(name).months
        if months > best_months:
            best, best_months = name, months
    if not best:
        raise UsageError("no valid built-in scenario is installed")
    return best


def _record(
    path: str | None, scenarios: Sequence[CompiledScenario], other_ids: Sequence[str] = ()
) -> Record:
    """The record to compare with, checked against the scenarios before anything runs.

    Against a record given with ``--record``, the record is blamed for what does not
    match; against the built-in record, the scenario is (it renamed a recorded option).
    ``other_ids`` are event and decision ids known otherwise (a batch's columns).
    """
    from sim.history import load_record, record_problems

    record = load_record(path)
    blame: Literal["record", "scenario"] = "record" if path else "scenario"
    problems = record_problems(record, scenarios, blame=blame, other_ids=other_ids)
    if problems:
        raise ScenarioError(problems)
    return record


# --------------------------------------------------------------------------- run


def _replay(args: argparse.Namespace) -> tuple[FrontlineModel, dict[str, Any]]:
    """One run of a batch, alone, with its full monthly detail (bit for bit the batch's).

    Returns the model, not yet run, and what it replays (for the header and the JSON).
    """
    from frontline.batch import read_manifest
    from sim.batch import argument_problems, check, find_run, fingerprint, model_for

    given = [
        option
        for option, value in (
            ("SCENARIO", args.scenario),
            ("--set", args.set),
            ("--force", args.force),
            ("--seed", args.seed is not None),
        )
        if value
    ]
    if given:
        raise UsageError(
            f"--from replays a batch's run as it was: give no {', '.join(given)} "
            "(the batch's own are used)"
        )
    if args.run is None:
        raise UsageError("--from DIR needs --run ID (the 'run' column of the results)")
    manifest = read_manifest(Path(args.from_dir))
    spec = manifest.spec
    if argument_problems(spec):  # within the limits, so that finding the run is bounded
        raise UsageError(f"{args.from_dir}: its manifest does not hold a batch's arguments")
    try:
        chunk, replicate = find_run(spec, args.run)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    ran_in = manifest.data.get("working_folder")
    for name in spec.scenarios:
        here, there = Path(name), Path(str(ran_in)) / name
        if ran_in and not here.is_absolute() and not here.exists() and there.exists():
            raise UsageError(
                f"the batch names its scenario {name!r} relative to the folder it ran in; "
                f"run the replay from {ran_in}"
            )
    check(spec)  # the files as they are now
    if fingerprint(spec) != manifest.fingerprint:
        raise UsageError(
            f"the scenario files of {args.from_dir} have changed since the batch ran, so a "
            "replay would not be its run: restore the files, or run the batch again"
        )
    replay = {
        "batch": str(args.from_dir),
        "run": args.run,
        "scenario": chunk.scenario,
        "seed": spec.seed,
        "replicate": replicate,
        "set": {path: value for path, value in chunk.params},
        "force": dict(chunk.force),
    }
    return model_for(chunk, [replicate]), replay


def _replay_header(replay: dict[str, Any]) -> str:
    """The line that says which batch and run a replay is."""
    settings = [f"{p}={written(v)}" for p, v in replay["set"].items()]
    settings += [f"{d}={o} (forced)" for d, o in replay["force"].items()]
    return (
        f"Replay of run {replay['run']} of the batch in {replay['batch']}: scenario "
        f"{replay['scenario']}, seed {replay['seed']}, replicate {replay['replicate']}"
        + (f", {', '.join(settings)}" if settings else "")
        + " (the batch's run, bit for bit)\n\n"
    )


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario for one seed and print its timeline or JSON."""
    from frontline import fidelity
    from frontline.report import comparison_text, result_json, timeline
    from sim.history import compare
    from sim.model import FrontlineModel

    out = _out_folder(args.out)
    replay = None
    if args.from_dir is not None:
        model, replay = _replay(args)
    else:
        if args.run is not None:
            raise UsageError("--run needs --from DIR (a batch's results folder)")
        name = args.scenario if args.scenario is not None else default_scenario()
        overrides = _overrides(args.set, "--set")
        force = _parse_pairs(args.force, "--force")
        scenario = load_scenario(name, overrides=overrides, force=force)
        model = FrontlineModel(scenario, seed=args.seed or 0)
    record = _record(args.record, [model.scenario])
    model.run()
    result = result_json(model)
    summary_ = compare(model, record).run_summary(0)
    found = fidelity.measures(model.scenario, record)
    summary_["skill"], summary_["nulls"] = found["skill"], found["nulls"]
    result["comparison"] = summary_
    text = (
        timeline(model)
        + "\n"
        + comparison_text(
            summary_, args.record or "scenarios/history/record.yaml", model.scenario.names
        )
        + fidelity.text(found["skill"], found["nulls"], summary_)
    )
    if replay is not None:
        result["replay"] = replay
        text = _replay_header(replay) + text
    if out is not None:
        write_set(
            out,
            {
                "result.json": json.dumps(result, indent=1) + "\n",
                "timeline.txt": text,
                "run.json": json.dumps(model.snapshot()) + "\n",
            },
        )
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        sys.stdout.write(text)
        if out is not None:
            sys.stdout.write(f"\nWrote result.json, timeline.txt and run.json to {out}\n")
    return 0


# --------------------------------------------------------------------------- compare


def _load_run(file: Path) -> FrontlineModel:
    """A saved run (``run.json``) as a model, every field checked (UsageError if not one)."""
    from sim.model import FrontlineModel

    try:
        data = json.loads(read_bounded(file, MAX_RUN_BYTES))
    except UnreadableFile as exc:
        raise UsageError(f"{file}: {exc}") from None
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else f"not JSON: {exc}"
        raise UsageError(f"{file}: not a saved run ({reason})") from None
    try:
        return FrontlineModel.restore(data)
    except ScenarioError as exc:
        raise ScenarioError(
            [
                Problem(str(file), 0, "scenario." + p.path if p.path else "scenario", p.message)
                for p in exc.problems
            ]
        ) from None
    except ValueError as exc:
        problems = getattr(exc, "problems", [str(exc)])
        raise UsageError(
            f"{file}: not a saved run this version can read:\n  " + "\n  ".join(problems)
        ) from None


def cmd_compare(args: argparse.Namespace) -> int:
    """Run a scenario N times (or read a saved run or a batch) and write an HTML report.

    With ``--against B``, run two scenarios with common seeds and write their divergence.
    """
    from frontline.compare import write_report

    target = Path(args.target)
    kind = "scenario"
    if target.is_dir():
        kind = "batch" if (target / MANIFEST).exists() else "saved run"
    elif target.suffix == ".json":
        kind = "saved run"
    if args.against is not None:
        if kind != "scenario":
            raise UsageError(f"--against compares two scenarios; {target} is a {kind}")
        return _compare_against(args)
    only_against = [
        option
        for option, value in (
            ("--against-set", args.against_set),
            ("--against-force", args.against_force),
            ("--years", args.years),
            ("--workers", args.workers),
            ("--dask", args.dask),
        )
        if value
    ]
    if only_against:
        verb = "applies" if len(only_against) == 1 else "apply"
        raise UsageError(f"{', '.join(only_against)} {verb} only with --against B")
    if args.runs is not None and args.runs > MAX_COMPARE_RUNS:
        raise UsageError(
            f"--runs: at most {MAX_COMPARE_RUNS:,} runs of a scenario compared with history "
            f"(got {args.runs:,}); for more, run a batch and compare its folder"
        )
    out = _out_folder(args.out)
    assert out is not None
    if kind != "scenario" and (args.runs is not None or args.seed is not None):
        raise UsageError(f"--runs and --seed apply to a scenario; {target} is a {kind}")
    if kind != "scenario" and (args.set or args.force):
        raise UsageError(f"--set and --force apply to a scenario; {target} is a {kind}")
    if kind == "batch":
        from frontline.batch_report import write_batch_report

        index = write_batch_report(
            target,
            lambda ids: _record(args.record, [], other_ids=ids),
            out,
            say=_note,
        )
    elif kind == "saved run":
        file = target / "run.json" if target.is_dir() else target
        if target.is_dir() and not file.exists():
            raise UsageError(
                f"{target} holds neither a saved run (run.json) nor a batch (_manifest.json)"
            )
        model = _load_run(file)
        if not model.done:
            raise UsageError(f"{file}: the saved run has not finished")
        record = _record(args.record, [model.scenario])
        title = f"Comparison with history: saved run of {model.scenario.spec.id}"
        index = write_report(model, record, out, title)
    else:
        from sim.model import FrontlineModel

        runs = args.runs if args.runs is not None else 200
        overrides = _overrides(args.set, "--set")
        force = _parse_pairs(args.force, "--force")
        scenario = load_scenario(args.target, overrides=overrides, force=force or None)
        record = _record(args.record, [scenario])
        model = FrontlineModel(scenario, seed=args.seed or 0, replicates=runs).run()
        changes = [f"{k}={written(v)}" for k, v in overrides.items()]
        changes += [f"{k}={v}" for k, v in force.items()]
        title = f"Comparison with history: {scenario.spec.id}, {runs} runs" + (
            f" ({', '.join(changes)})" if changes else ""
        )
        index = write_report(model, record, out, title)
    sys.stdout.write(f"Wrote {index}\n")
    return 0


def _note(text: str) -> None:
    """A note for the user on standard error, beside the command's output."""
    sys.stderr.write(f"Note: {text}\n")


def _compare_against(args: argparse.Namespace) -> int:
    """``compare A --against B``: both as batches with common seeds, then their divergence."""
    from frontline.batch import tqdm_progress
    from frontline.divergence import SIDE_A, SIDE_B, Side, compare_sides, parse_years

    if args.record is not None:
        raise UsageError("--record does not apply with --against: it compares two scenarios")
    years = None
    if args.years is not None:
        try:
            years = parse_years(args.years)
        except ValueError as exc:
            raise UsageError(f"--years: {exc}") from None
    out = _out_folder(args.out)
    sides = []
    problems: list[Problem] = []
    for key, scenario, sets, force, names in (
        ("a", args.target, args.set, args.force, SIDE_A),
        ("b", args.against, args.against_set, args.against_force, SIDE_B),
    ):
        try:
            values = tuple(_overrides(sets, names["--set"]).items())
        except ScenarioError as exc:
            problems += exc.problems
            continue
        forced = _parse_pairs(force, names["--force"])
        sides.append(Side(key, scenario, values, tuple(forced.items()), names))
    if problems:
        raise ScenarioError(problems)
    assert out is not None
    runs = args.runs if args.runs is not None else 1000
    workers, where = _workers(args)

    def announce() -> None:
        sys.stderr.write(f"frontline compare: {runs:,} runs of A and of B on {where}\n")

    started = time.perf_counter()
    try:
        index = compare_sides(
            sides,
            runs=runs,
            seed=args.seed or 0,
            years=years,
            out=out,
            workers=workers,
            dask=args.dask,
            progress=tqdm_progress,
            on_checked=announce,
        )
    except KeyboardInterrupt:
        if not _holds_anything(out):  # stopped while checking, or reaching a cluster
            sys.stderr.write(
                "\nfrontline compare: interrupted before any run began; nothing was written.\n"
            )
            return 130
        sys.stderr.write(
            f"\nfrontline compare: interrupted; the finished runs are kept in {out}. "
            "Run the same command again to resume.\n"
        )
        return 130
    elapsed = time.perf_counter() - started
    sys.stdout.write(f"Wrote {index} and divergence.json ({elapsed:.1f}s)\n")
    return 0


# --------------------------------------------------------------------------- calibrate


def _month_arg(text: str) -> int | None:
    """``YYYY-MM`` as a month number, or ``none`` (argparse type)."""
    if text.strip().lower() == "none":
        return None
    try:
        return parse_month(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a month YYYY-MM or none, got {text!r}"
        ) from None


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the shared rules, dynamics and weights by likelihood; report the held-out decisions."""
    from sim.calibrate import calibrate, load_base
    from sim.skill import recorded_path

    if args.out is not None:
        check_writable(Path(args.out))  # before the fit, which takes minutes
    scenario = load_base(args.scenario)
    record = _record(args.record, [scenario])
    hold = args.hold_out_from
    points = recorded_path(scenario, record)
    train = [p for p in points if hold is None or p.month < hold]
    if not train:
        when = "" if hold is None else f" before {format_month(hold)}"
        raise UsageError(f"{args.scenario} has no recorded decision{when} to fit")
    held = len(points) - len(train)
    where = "all of them" if hold is None else f"those before {format_month(hold)}"
    sys.stderr.write(
        f"calibrating {scenario.spec.id} on {len(train)} recorded decisions ({where}); "
        f"{held} held out\n"
    )

    live = sys.stderr.isatty()  # a terminal: one line, rewritten; a log: a line a tenth
    shown, unshown = 0, ""  # in a log: the tenth shown last, and the line not shown since

    def progress(evaluations: int, best: float) -> None:
        nonlocal shown, unshown
        text = f"  {evaluations}/{args.budget} evaluations, best {best:.3f}"
        if live:
            sys.stderr.write(f"\r{text}")
        elif (tenth := 10 * evaluations // args.budget) > shown:
            shown, unshown = tenth, ""
            sys.stderr.write(f"{text}\n")
        else:
            unshown = text

    try:
        fit = calibrate(
            scenario, hold_out_from=hold, budget=args.budget, record=record, progress=progress
        )
    except KeyboardInterrupt:  # on a line of its own, below the progress line it cuts short
        kept = f"; {args.out} is left as it was" if args.out else ""
        end = "\n" if live else ""
        sys.stderr.write(f"{end}frontline calibrate: interrupted; nothing was written{kept}.\n")
        return 130
    if live:
        sys.stderr.write("\n")  # ends the rewritten line
    elif unshown:
        sys.stderr.write(f"{unshown}\n")  # the last count, which no tenth showed
    if fit.free_parameters >= fit.train_points:
        sys.stderr.write(
            f"frontline: warning: {fit.free_parameters} free parameters for only "
            f"{fit.train_points} decisions: the fit explains nothing it was not given\n"
        )

    def line(label: str, part: dict[str, Any] | None) -> str:
        if not part or not part.get("decisions"):
            return f"# {label}: no decisions"
        return (
            f"# {label}: {part['decisions']} decisions, log score {part['log_score']} "
            f"(uniform null {part['log_score_uniform']}), Brier skill {part['brier_skill']} "
            f"(uniform null 0), beats {round(100 * part['null_random_weights'])}% of 100 "
            "random weight sets"
        )

    lines = [
        f"# Fitted by `frontline calibrate` on {scenario.spec.id} (see sim/calibrate.py).",
        f"# {fit.free_parameters} free parameters for {fit.train_points} recorded decisions; "
        f"{fit.evaluations} evaluations (budget {args.budget}).",
        line("fitted on", fit.train),
    ]
    if hold is not None:
        lines.append(line(f"held out from {format_month(hold)}", fit.held_out))
    body = {
        "id": "my-fit" if hold is None else f"fit-to-{format_month(hold - 1)}",
        "title": "Fitted by frontline calibrate",
        "scenario": scenario.spec.id,
        "fitted_until": None if hold is None else format_month(hold - 1),
        "held_out_from": None if hold is None else format_month(hold),
        "made_by": "frontline calibrate "
        + f"--hold-out-from {'none' if hold is None else format_month(hold)} "
        + f"--budget {args.budget}",
        "set": fit.set_block(),
    }
    text = "\n".join(lines) + "\n" + yaml.safe_dump(body, sort_keys=False)
    if args.out:
        write_atomic(Path(args.out), text)
        sys.stdout.write(f"Wrote {args.out}\n")
    sys.stdout.write(text)
    return 0


# --------------------------------------------------------------------------- batch


def cmd_batch(args: argparse.Namespace) -> int:
    """Run a batch of runs into a resumable Parquet dataset."""
    from frontline.batch import execute, folder_problem, tqdm_progress
    from sim.batch import BatchSpec, argument_problems, parse_sweep

    out = _out_folder(args.out, batch=True)
    assert out is not None
    problem = folder_problem(out, args.resume)
    if problem is not None:
        raise BatchError(problem)
    sets = tuple(_overrides(args.set, "--set").items())
    try:
        sweeps = tuple(parse_sweep(s) for s in args.sweep)
    except ValueError as exc:
        raise UsageError(f"--sweep: {exc}") from None
    force = tuple(_parse_pairs(args.force, "--force").items())
    spec = BatchSpec(tuple(args.scenarios), args.runs, args.seed, sets, sweeps, force, args.chunk)
    problems = argument_problems(spec)
    if problems:
        raise ScenarioError(problems)
    workers, where = _workers(args)

    def announce() -> None:
        sys.stderr.write(f"frontline batch: {spec.total_runs:,} runs on {where} into {out}\n")

    started = time.perf_counter()
    try:
        progress = execute(
            spec,
            out,
            workers=workers,
            dask=args.dask,
            resume=args.resume,
            on_progress=None if args.quiet else tqdm_progress(),
            on_checked=announce,
        )
    except KeyboardInterrupt:
        if not (out / MANIFEST).exists():  # stopped while checking, or reaching a cluster
            sys.stderr.write(
                "\nfrontline batch: interrupted before the batch began; nothing was written.\n"
            )
            return 130
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


# --------------------------------------------------------------------------- validate


def _is_record(name: str) -> bool:
    """Whether a file given to ``validate`` is a recorded history rather than a scenario."""
    from sim.scenario import resolve_name
    from sim.scenario.sources import looks_like_record
    from sim.yamlfile import read_yaml

    try:
        doc, _ = read_yaml(resolve_name(name))
    except ScenarioError:
        return False
    return doc is not None and looks_like_record(doc.data)


def _is_fit(name: str) -> bool:
    """Whether a file given to ``validate`` is a parameter set (``scenarios/fits/``)."""
    from sim.scenario.sources import looks_like_fit
    from sim.yamlfile import read_yaml

    path = Path(name)
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return False
    doc, _ = read_yaml(path)
    return doc is not None and looks_like_fit(doc.data)


def _each_once(names: Sequence[str]) -> list[str]:
    """``names`` without a second mention of a file, in the order of first mention.

    Two spellings of one path (``scenarios/baseline.yaml ./scenarios/baseline.yaml``), or
    a built-in name and its file, are one file: checked once, counted once, under the first
    spelling. A name that names no file is kept as written (checking it says so).
    """
    from sim.files import resolved
    from sim.scenario import resolve_name

    seen: set[str] = set()
    out = []
    for name in names:
        try:
            key = str(resolved(resolve_name(name)))
        except (ScenarioError, OSError, ValueError):
            key = name
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario, record and parameter-set files; print every problem; status 2 if any.

    A scenario is also checked against the built-in record (a renamed recorded option);
    a record against the built-in scenarios and the scenarios given with it.
    """
    from sim.history import load_record, record_problems

    count, bad = 0, 0
    scenarios: list[CompiledScenario] = []
    records: list[str] = []
    shown: set[Problem] = set()  # a parent's problems are its children's too: listed once

    def report(name: str, problems: list[Problem], what: str = "") -> None:
        nonlocal count, bad
        if problems:
            new = sorted(set(problems) - shown)
            for p in new:
                sys.stderr.write(f"{p}\n")
            if not new:
                sys.stderr.write(f"{name}: fails by the problems listed above\n")
            shown.update(new)
            count, bad = count + len(new), bad + 1
        else:
            sys.stdout.write(f"{name}: ok{what}\n")

    for name in _each_once(args.files):
        if _is_record(name):
            records.append(name)
            continue
        if _is_fit(name):
            from sim.skill import load_fit

            try:
                load_fit(Path(name))
            except ScenarioError as exc:
                report(name, exc.problems)
            else:
                report(name, [], " (a parameter set)")
            continue
        try:
            scenario = load_scenario(name)
            problems = record_problems(load_record(), [scenario], blame="scenario")
        except ScenarioError as exc:
            problems = exc.problems
        else:
            scenarios.append(scenario)
        report(name, problems)
    hint = False
    for name in records:
        try:
            problems = record_problems(load_record(name), scenarios)
        except ScenarioError as exc:
            problems = exc.problems
        hint |= not scenarios and any(p.message.startswith("unknown ") for p in problems)
        report(name, problems, " (a recorded history)")
    if hint:
        sys.stderr.write(
            "(a record's ids are checked against the built-in scenarios and those given with "
            "it: frontline validate SCENARIO... RECORD)\n"
        )
    if count:
        sys.stderr.write(f"{count} problem(s) in {bad} file(s)\n")
        return EXIT_BAD_INPUT
    return 0


# --------------------------------------------------------------------------- scenarios, schema


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the built-in scenarios with their periods (from their headers: nothing compiled)."""
    rows = []
    for name in builtin_names():
        s = summary(name)
        if s.problem is not None:
            rows.append((name, "invalid", f"{s.problem} (run: frontline validate {name})"))
        else:
            rows.append((name, f"{s.start} to {s.end}", s.title))
    width = max((len(r[0]) for r in rows), default=4)
    for name, period, title in rows:
        sys.stdout.write(f"{name:<{width}}  {period}  {title}\n")
    sys.stdout.write(
        "\nRead from the files' headers; `frontline validate NAME` checks a scenario in full.\n"
    )
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schema of the scenario format."""
    from sim.schema import json_schema

    if args.out:
        check_writable(Path(args.out))
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


# --------------------------------------------------------------------------- the parser


def _many(parser: argparse.ArgumentParser, flag: str, metavar: str, help: str) -> None:
    """An option that may be given again and again (``--set``, ``--force``, ``--sweep``)."""
    parser.add_argument(flag, action="append", default=[], metavar=metavar, help=help)


def _record_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--record FILE``: the recorded history to compare or fit with."""
    parser.add_argument("--record", metavar="FILE", type=_given("a record file"), help=help)


def _where_options(parser: argparse.ArgumentParser, context: str = "") -> None:
    """``--workers`` and ``--dask``: where a batch's runs go (``context`` says when they apply)."""
    parser.add_argument(
        "--workers",
        type=_between(1, 1024),
        help=f"{context}local processes, 1 to 1,024 (default: this machine's cores)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        type=_dask_address,
        help=f"{context}a Dask scheduler (HOST:PORT or tcp://HOST:PORT), or 'local'",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``frontline`` command."""
    parser = argparse.ArgumentParser(
        prog="frontline",
        description="Frontline State: Pakistan and the Soviet Union, 1947-1991, as six agents.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    seed_help = "random seed, 0 to 2**63 - 1 (default 0)"

    run = sub.add_parser("run", help="run a scenario and print its timeline")
    run.add_argument(
        "scenario",
        nargs="?",
        type=_given("a scenario's built-in name or path"),
        help="built-in name or path (default: the longest)",
    )
    run.add_argument("--seed", type=_seed, help=seed_help)
    run.add_argument("--json", action="store_true", help="print one JSON object instead")
    run.add_argument(
        "--out",
        metavar="DIR",
        type=_given("a folder"),
        help="also write result.json, timeline.txt, run.json",
    )
    _many(run, "--set", "PATH=VALUE", "override a scenario value, e.g. dynamics.balance=0.05")
    _many(run, "--force", "DECISION=OPTION", "force a decision's option (a counterfactual)")
    _record_option(run, "the recorded history to compare with")
    run.add_argument(
        "--from",
        dest="from_dir",
        metavar="DIR",
        type=_given("a batch's results folder"),
        help="replay one run of a batch (with --run ID)",
    )
    run.add_argument(
        "--run", type=_between(0, MAX_RUNS), metavar="ID", help="the run to replay (with --from)"
    )
    run.set_defaults(func=cmd_run)

    comp = sub.add_parser(
        "compare",
        help="write an HTML report comparing runs with history, or two scenarios (--against)",
        description="Compare a scenario's runs (or a saved run, or a batch) with the recorded "
        "history; or, with --against B, compare scenario A with scenario B run for run, with "
        "common seeds: --set and --force change A, --against-set and --against-force change B.",
    )
    comp.add_argument(
        "target",
        metavar="SCENARIO_OR_RESULTS",
        type=_given("a scenario, a saved run or a batch's results folder"),
        help="a scenario (name or path) to run, a saved run (run.json or its folder), or a "
        "batch's results folder; with --against, scenario A",
    )
    comp.add_argument(
        "--runs",
        type=_between(
            1, MAX_DIVERGENCE_RUNS, f"{MAX_COMPARE_RUNS:,} ({MAX_DIVERGENCE_RUNS:,} with --against)"
        ),
        help=f"runs of a scenario, 1 to {MAX_COMPARE_RUNS:,} (default 200); with --against, "
        f"runs of each side, 1 to {MAX_DIVERGENCE_RUNS:,} (default 1,000)",
    )
    comp.add_argument("--seed", type=_seed, help=seed_help)
    comp.add_argument(
        "--out", metavar="DIR", required=True, type=_given("a folder"), help="folder for the report"
    )
    _record_option(comp, "the recorded history to compare with")
    _many(comp, "--set", "PATH=VALUE", "override a value of the scenario (of A, with --against)")
    _many(
        comp,
        "--force",
        "DECISION=OPTION",
        "force a decision's option in the scenario (in A, with --against)",
    )
    comp.add_argument(
        "--against",
        metavar="SCENARIO_B",
        type=_given("a scenario's built-in name or path"),
        help="compare with this scenario (name or path), run for run with common seeds; "
        "writes divergence.json and index.html",
    )
    _many(comp, "--against-set", "PATH=VALUE", "override a value of B")
    _many(comp, "--against-force", "DECISION=OPTION", "force a decision's option in B")
    comp.add_argument(
        "--years",
        metavar="Y1,Y2,...",
        help="with --against: the years whose December attitudes are compared (default: the "
        "first and last, every fifth year, and 1971)",
    )
    _where_options(comp, "with --against: ")
    comp.set_defaults(func=cmd_compare)

    cal = sub.add_parser(
        "calibrate", help="fit the rules and weights to history's choices, with a held-out period"
    )
    cal.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        type=_given("a scenario's built-in name or path"),
        help="the scenario fitted on (default: baseline; its set: values for the fitted "
        "parameters are left out)",
    )
    cal.add_argument(
        "--hold-out-from",
        type=_month_arg,
        default=1979 * 12,
        metavar="YYYY-MM",
        help="fit on the decisions before this month, report on the rest (default 1979-01; "
        "none: fit on all)",
    )
    cal.add_argument(
        "--budget",
        type=_between(1, MAX_BUDGET),
        default=300,
        help=f"runs of the recorded path at most (default 300, at most {MAX_BUDGET:,})",
    )
    cal.add_argument(
        "--out",
        metavar="FILE",
        type=_file_name,
        help="write the fitted parameter set to FILE",
    )
    _record_option(cal, "the recorded history to fit to")
    cal.set_defaults(func=cmd_calibrate)

    batch = sub.add_parser("batch", help="run many seeds, sweeps and scenarios into Parquet")
    batch.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        type=_given("a scenario's built-in name or path"),
    )
    batch.add_argument(
        "--runs",
        type=_between(1, MAX_RUNS),
        required=True,
        help=f"runs (seeds) per combination; at most {MAX_RUNS:,} in a batch",
    )
    batch.add_argument("--seed", type=_seed, default=0, help="base " + seed_help)
    _many(batch, "--set", "PATH=VALUE", "fix a scenario value for every run")
    _many(batch, "--sweep", "PATH=V1,V2,...", "run every listed value (sweeps multiply)")
    _many(batch, "--force", "DECISION=OPTION", "force a decision's option in every run")
    _where_options(batch)
    batch.add_argument(
        "--chunk",
        type=_between(1, MAX_CHUNK),
        default=DEFAULT_CHUNK,
        help=(
            f"runs per chunk and file, 1 to {MAX_CHUNK:,} (default {DEFAULT_CHUNK:,}); a worker "
            "computes up to five chunks as one model of at most 5,000 runs, so a smaller chunk "
            "uses less memory"
        ),
    )
    batch.add_argument(
        "--out", metavar="DIR", required=True, type=_given("a folder"), help="results folder"
    )
    batch.add_argument(
        "--resume",
        action="store_true",
        help="verify the chunks written and run the missing or damaged ones",
    )
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.set_defaults(func=cmd_batch)

    validate = sub.add_parser(
        "validate", help="check scenario and record files and list every problem"
    )
    validate.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        type=_given("a scenario, a record or a parameter set (a built-in name or a path)"),
    )
    validate.set_defaults(func=cmd_validate)

    scenarios = sub.add_parser("scenarios", help="list the built-in scenarios")
    scenarios.set_defaults(func=cmd_scenarios)

    schema = sub.add_parser("schema", help="write the JSON Schema of the scenario format")
    schema.add_argument(
        "--out", metavar="FILE", type=_file_name, help="write to FILE instead of standard output"
    )
    schema.set_defaults(func=cmd_schema)

    from game.options import add_play_arguments  # argparse only: no pygame, no model

    play = sub.add_parser("play", help="play the game: lead a state from 1947 (opens a window)")
    add_play_arguments(play)
    play.set_defaults(func=cmd_play)
    return parser


def _never_die_on_encoding() -> None:
    r"""Write what the terminal cannot encode as escapes (``Caf\xe9``) instead of dying.

    Under ``PYTHONIOENCODING=ascii`` or a Latin-1 terminal, a title or an id in another script
    would otherwise end the command with a UnicodeEncodeError halfway through its output.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "") == "strict":
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frontline`` console script."""
    _never_die_on_encoding()
    try:
        with interrupts.delivered():  # a Ctrl-C that lands in a finalizer still stops it
            code = _main(argv)
    except KeyboardInterrupt:  # raised again just as the command ended
        sys.stderr.write("frontline: interrupted\n")
        return 130
    try:
        sys.stdout.flush()  # here, not at the interpreter's exit, which would print a note
    except BrokenPipeError:
        return _reader_gone()
    return code


def _output_gone() -> bool:
    """Whether standard output is a pipe whose reader has gone (``frontline ... | head``).

    A broken pipe of anything else (a worker's, a Dask connection's) is a failure to report.
    """
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):  # no file (a test's capture)
        return False
    if not hasattr(select, "poll"):  # Windows cannot be asked: the output's, most likely
        return True
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def _reader_gone() -> int:
    """The reader of the output has gone: stop quietly, as Unix tools do."""
    with contextlib.suppress(OSError, ValueError):  # stdout may be no file (a test's capture)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # what is still buffered then goes nowhere
    return EXIT_READER_GONE


def _main(argv: Sequence[str] | None) -> int:
    """Parse the arguments and run the command; every bad input is one message and status 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ScenarioError as exc:
        for p in exc.problems:
            sys.stderr.write(f"{p}\n")
        return EXIT_BAD_INPUT
    except (BatchError, UsageError, WriteError) as exc:
        sys.stderr.write(f"frontline: {exc}\n")
        return EXIT_BAD_INPUT
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) and _output_gone():
            return _reader_gone()
        where = f" {exc.filename}:" if exc.filename else ""
        sys.stderr.write(f"frontline:{where} {exc.strerror or exc}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("frontline: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
