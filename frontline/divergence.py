"""``frontline compare A --against B``: where two scenarios' histories part, run for run.

Both sides run as batches (``frontline batch`` is the engine, so ``--dask`` works here
too) with the same seed and the same replicate ids. Run r of A and run r of B therefore
draw the same random numbers month by month (common random numbers, ``sim.rng``): what
differs between them is caused by what differs between the scenarios, not by luck, and a
scenario compared with itself differs nowhere. The batches are kept in the report folder
(``runs-a/``, ``runs-b/``), where ``frontline run --from`` replays any run of either side
and an interrupted report resumes them.

This module checks the two sides, runs them and measures the divergence
(``divergence.json``); ``frontline.divergence_report`` draws it.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from frontline.errors import UsageError
from sim.actors import PAIRS, StateNames, pair_name
from sim.batch import BatchSpec, check, fingerprint
from sim.calendar import format_month, parse_month
from sim.errors import Problem, ScenarioError
from sim.limits import DEFAULT_CHUNK
from sim.scenario import CompiledDecision, CompiledScenario, load_scenario
from sim.values import written

FORMAT = "frontline-state/divergence"
VERSION = 1
NEVER = "never arose"
"""The outcome of a decision in a run where it never arose (counted like an option)."""
THRESHOLD = 0.25
"""Total variation at or above which a decision counts as changed (issue 11's criterion)."""
INTERVAL = (5.0, 95.0)
"""The percentiles of the intervals the report gives: the central 90%."""

RUNS = {"a": "runs-a", "b": "runs-b"}
"""The batch folders of the two sides, inside the report folder."""
FIGURES = ("first-difference.png", "decisions.png", "events.png", "attitudes.png")
WRITTEN = ("divergence.json", "index.html", *FIGURES, *RUNS.values())
"""Everything a divergence report puts in its folder (besides temporary dot-files)."""

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
F32 = npt.NDArray[np.float32]


# --------------------------------------------------------------------------- the two sides


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a scenario with its own ``set`` values and forced choices.

    ``arguments`` says how the command line names this side's scenario, ``--set`` and
    ``--force`` (``--against``, ``--against-set`` and ``--against-force`` for side B), so
    that every problem is reported against the argument that caused it.
    """

    key: str
    scenario: str
    sets: tuple[tuple[str, Any], ...]
    force: tuple[tuple[str, str], ...]
    arguments: Mapping[str, str]

    def spec(self, runs: int, seed: int) -> BatchSpec:
        """The batch that runs this side."""
        return BatchSpec((self.scenario,), runs, seed, self.sets, (), self.force, chunk_for(runs))

    def words(self) -> list[str]:
        """The arguments of this side as a user types them (A's start with the scenario)."""
        words = [self.scenario] if self.key == "a" else [self.arguments["SCENARIO"], self.scenario]
        words += [w for p, v in self.sets for w in (self.arguments["--set"], f"{p}={written(v)}")]
        words += [w for d, o in self.force for w in (self.arguments["--force"], f"{d}={o}")]
        return words

    def relabel(self, problem: Problem) -> Problem:
        """A problem found by the batch's checks, named by this side's argument."""
        file = self.arguments.get(problem.file, problem.file)
        if problem.file == self.scenario and problem.line == 0 and self.key == "b":
            file = f"{self.arguments['SCENARIO']} {problem.file}"
        return Problem(file, problem.line, problem.path, problem.message)


SIDE_A = {"SCENARIO": "SCENARIO", "--set": "--set", "--force": "--force"}
SIDE_B = {"SCENARIO": "--against", "--set": "--against-set", "--force": "--against-force"}


def chunk_for(runs: int) -> int:
    """The chunk of a side's batch: two chunks at least, so that two cores share the work.

    It depends on ``runs`` alone, so the same command resumes its own batches on any
    number of workers; a run's row is the same in any chunk.
    """
    return min(DEFAULT_CHUNK, max(1, -(-runs // 2)))


@dataclass(frozen=True)
class Checked:
    """Both sides, checked: their compiled scenarios and their batches' fingerprints."""

    scenarios: Mapping[str, CompiledScenario]
    fingerprints: Mapping[str, str]


def check_sides(sides: Sequence[Side], runs: int, seed: int) -> Checked:
    """Check both sides' arguments and scenarios; raise one ScenarioError listing every problem.

    Each side is checked as its batch will check it (``sim.batch.check``: its arguments,
    its scenario with its values and forced choices, the record against its decisions).
    """
    problems: list[Problem] = []
    scenarios: dict[str, CompiledScenario] = {}
    prints: dict[str, str] = {}
    for side in sides:
        spec = side.spec(runs, seed)
        try:
            check(spec)
            prints[side.key] = fingerprint(spec)
            scenarios[side.key] = load_scenario(
                side.scenario, overrides=dict(side.sets), force=dict(side.force) or None
            )
        except ScenarioError as exc:
            problems += [side.relabel(p) for p in exc.problems]
    if problems:
        raise ScenarioError(problems)
    return Checked(scenarios, prints)


# --------------------------------------------------------------------------- years


def parse_years(text: str) -> tuple[int, ...]:
    """``--years 1965,1971,1980`` as sorted whole years (ValueError if malformed)."""
    years: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not (len(part) == 4 and part.isascii() and part.isdigit()):  # not ١٩٧١
            raise ValueError(f"expected years such as 1965,1971,1980, got {text!r}")
        years.append(int(part))
    if len(set(years)) != len(years):
        raise ValueError(f"a year is given twice in {text!r}")
    return tuple(sorted(years))


def common_years(scenarios: Mapping[str, CompiledScenario]) -> range:
    """The years both sides run through (a batch row holds each year's December)."""
    first = max(sc.start // 12 for sc in scenarios.values())
    last = min(sc.end // 12 for sc in scenarios.values())
    return range(first, last + 1)


def default_years(scenarios: Mapping[str, CompiledScenario]) -> tuple[int, ...]:
    """The first and last common years, every fifth year between, and 1971 if it is in."""
    years = common_years(scenarios)
    if not years:
        return ()
    chosen = {years[0], years[-1]} | {y for y in years if y % 5 == 0}
    if 1971 in years:
        chosen.add(1971)
    return tuple(sorted(chosen))


def check_years(years: Sequence[int], scenarios: Mapping[str, CompiledScenario]) -> None:
    """Refuse years that one of the sides does not run through (UsageError naming --years)."""
    span = common_years(scenarios)
    if not span:
        raise UsageError("the two scenarios share no year, so there is nothing to compare")
    outside = [y for y in years if y not in span]
    if outside:
        raise UsageError(
            f"--years: {', '.join(map(str, outside))} not in both scenarios' periods "
            f"(their common years are {span[0]} to {span[-1]})"
        )


# --------------------------------------------------------------------------- the folder


def folder_problem(out: Path) -> str | None:
    """Why ``out`` cannot take a divergence report (None if it is new, empty, or one).

    A report folder may be written again: its report is replaced, and its batches are
    resumed if they are this comparison's. Anything else in it is left alone and refused.
    """
    if not out.exists():
        return None
    if not out.is_dir():
        return f"--out: {out} exists and is not a folder"
    try:
        names = sorted(p.name for p in out.iterdir())
    except OSError as exc:
        return f"--out: {out}: {exc.strerror or exc}"
    foreign = [n for n in names if not n.startswith(".") and n not in WRITTEN]
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        return (
            f"--out: {out} already holds {shown}, which is no part of a divergence report; "
            "choose a new or empty folder (a divergence report's own folder may be reused)"
        )
    for folder in RUNS.values():
        if (out / folder).exists() and not (out / folder).is_dir():
            return (
                f"--out: {out / folder} is not a folder of runs; remove it or choose another --out"
            )
    return None


def runs_problem(
    out: Path, sides: Sequence[Side], runs: int, seed: int, checked: Checked
) -> str | None:
    """Why the runs already in ``out`` cannot be resumed for this comparison (None if they can)."""
    from frontline.batch import read_manifest
    from frontline.files import MANIFEST

    for side in sides:
        folder = out / RUNS[side.key]
        if not (folder / MANIFEST).exists():
            continue
        old = read_manifest(folder)
        if old.fingerprint == checked.fingerprints[side.key]:
            continue
        then, now = old.spec, side.spec(runs, seed)
        changed = [
            f"{name} was {before}, now {after}"
            for name, before, after in (
                (side.arguments["SCENARIO"], " ".join(then.scenarios), side.scenario),
                ("--runs", then.runs, now.runs),
                ("--seed", then.seed, now.seed),
                (side.arguments["--set"], _pairs(then.sets, written), _pairs(now.sets, written)),
                (side.arguments["--force"], _pairs(then.force), _pairs(now.force)),
            )
            if str(before) != str(after)
        ] or ["the scenario files or the recorded history have changed since"]
        return (
            f"--out: {out} holds the runs of another comparison ({RUNS[side.key]}: "
            f"{'; '.join(changed)}); choose another --out, or remove {out} to start again"
        )
    return None


def _pairs(items: Sequence[tuple[str, Any]], shown: Callable[[Any], str] = str) -> str:
    return " ".join(f"{k}={shown(v)}" for k, v in items) or "none"


# --------------------------------------------------------------------------- reading the rows


@dataclass(frozen=True)
class Rows:
    """What the divergence needs of one side's batch, as numbers (see ``read_rows``).

    ``choice[d]`` is the index of the chosen option in ``options[d]`` (-1: never arose);
    months are month numbers (year * 12 + month - 1), -1 where nothing happened.
    """

    run: I64
    seed: I64
    replicate: I64
    choice: Mapping[str, I32]
    choice_month: Mapping[str, I32]
    event_month: Mapping[str, I32]
    attitudes: Mapping[tuple[str, int], F32]


def read_rows(
    folder: Path,
    options: Mapping[str, Sequence[str]],
    events: Sequence[str],
    years: Sequence[int],
) -> Rows:
    """Read a side's batch (every chunk verified first), only the columns the report needs.

    The chunks are read one at a time into arrays made once for all the runs, their text
    turned into numbers at once: memory holds the numbers of every run, the text of one
    chunk only.
    """
    import pyarrow.parquet as pq

    from frontline.batch import verified_batch

    manifest, files = verified_batch(folder)
    present = set(pq.read_schema(files[0]).names)
    decoders: dict[str, Callable[[str], int] | None] = {
        name: None for name in ("run", "seed", "replicate")
    }
    for d, opts in options.items():
        decoders[f"choice.{d}"] = list(opts).index
        decoders[f"choice_month.{d}"] = parse_month
    decoders.update({f"event.{e}": parse_month for e in events})
    decoders.update({f"att.{pair_name(i, j)}.{y}": None for i, j in PAIRS for y in years})
    # a decision or event of the other side only: never arose or happened on this one
    absent = [c for c in decoders if c not in present and c.startswith(("choice", "event."))]
    missing = [c for c in decoders if c not in present and c not in absent]
    if missing:
        raise UsageError(
            f"{folder} lacks the column {missing[0]}; it was written by another version: "
            "remove it and run the comparison again"
        )
    wanted = [c for c in decoders if c in present]
    n = manifest.spec.total_runs
    column: dict[str, npt.NDArray[Any]] = {}
    start = 0
    for file in files:  # filled in place: no copy of every run's numbers is ever made
        table = pq.read_table(file, columns=wanted, use_threads=False)
        stop = start + table.num_rows
        for c in wanted:
            values = _numbers(table.column(c), decoders[c])
            if c not in column:
                column[c] = np.empty(n, dtype=values.dtype)
            column[c][start:stop] = values
        start = stop
    column.update({c: np.full(n, -1, dtype=np.int32) for c in absent})
    return Rows(
        run=column["run"].astype(np.int64, copy=False),
        seed=column["seed"].astype(np.int64, copy=False),
        replicate=column["replicate"].astype(np.int64, copy=False),
        choice={d: column[f"choice.{d}"] for d in options},
        choice_month={d: column[f"choice_month.{d}"] for d in options},
        event_month={e: column[f"event.{e}"] for e in events},
        attitudes={
            (pair_name(i, j), y): column[f"att.{pair_name(i, j)}.{y}"].astype(
                np.float32, copy=False
            )
            for i, j in PAIRS
            for y in years
        },
    )


def _numbers(values: Any, decode: Callable[[str], int] | None) -> npt.NDArray[Any]:
    """A column as numbers: as it is, or its text decoded (-1 where it is empty)."""
    if decode is None:
        out: npt.NDArray[Any] = values.to_numpy()
        return out
    encoded = values.combine_chunks().dictionary_encode()
    lookup = np.array([decode(v) for v in encoded.dictionary.to_pylist()] + [-1], dtype=np.int32)
    index = encoded.indices.fill_null(len(lookup) - 1).to_numpy()
    coded: npt.NDArray[Any] = lookup[index]
    return coded


# --------------------------------------------------------------------------- the measures


def decision_options(scenarios: Mapping[str, CompiledScenario]) -> dict[str, tuple[str, ...]]:
    """Every decision of either side, in the order they may arise, with all their options."""
    first: dict[str, int] = {}
    options: dict[str, list[str]] = {}
    for sc in scenarios.values():
        for d in sc.decisions:
            first[d.spec.id] = min(first.get(d.spec.id, d.first), d.first)
            known = options.setdefault(d.spec.id, [])
            known += [o.id for o in d.options if o.id not in known]
    order = sorted(first, key=lambda d: (first[d], list(first).index(d)))
    return {d: tuple(options[d]) for d in order}


def event_ids(scenarios: Mapping[str, CompiledScenario]) -> list[str]:
    """Every event of either side (A's first, in their order)."""
    ids: dict[str, None] = {}
    for sc in scenarios.values():
        ids.update(dict.fromkeys(e.spec.id for e in sc.events))
    return list(ids)


def _month(m: float | int | None) -> str | None:
    if m is None or not np.isfinite(m) or m < 0:
        return None
    return format_month(int(m))


def _interval(values: npt.NDArray[Any]) -> dict[str, float | None]:
    """Median and the central 90% interval, rounded to 0.1 (None if there are no values)."""
    v = values[~np.isnan(values)]
    if v.size == 0:
        return {"median": None, "low": None, "high": None}
    low, median, high = np.percentile(v.astype(np.float64), [INTERVAL[0], 50.0, INTERVAL[1]])
    return {
        "median": round(float(median), 1),
        "low": round(float(low), 1),
        "high": round(float(high), 1),
    }


def _shares(codes: I32, options: Sequence[str]) -> dict[str, float]:
    """The share of runs taking each option, and ``never arose`` (in that order)."""
    counts = np.bincount(np.where(codes >= 0, codes, len(options)), minlength=len(options) + 1)
    total = max(int(codes.size), 1)
    return {name: float(c) / total for name, c in zip([*options, NEVER], counts, strict=True)}


def _differences(
    a: Rows, b: Rows, options: Mapping[str, Sequence[str]], events: Sequence[str]
) -> Iterator[tuple[str, str, npt.NDArray[np.float64]]]:
    """Each decision and event, with the month it first differs in each run pair (inf: never).

    A decision differs in the first month either run took it where the other did not take
    it the same way (another option, or another month, or not at all); an event in the
    first month either run had it where the other did not have it in that same month.
    Yields (kind, id, months) one item at a time, so that memory holds one item's months.
    """

    def differs(same: npt.NDArray[np.bool_], ma: I32, mb: I32) -> npt.NDArray[np.float64]:
        first = np.minimum(np.where(ma >= 0, ma, np.inf), np.where(mb >= 0, mb, np.inf))
        out: npt.NDArray[np.float64] = np.where(same, np.inf, first)
        return out

    for d in options:
        ca, cb = a.choice[d], b.choice[d]
        ma, mb = a.choice_month[d], b.choice_month[d]
        yield "decision", d, differs((ca == cb) & (ma == mb), ma, mb)
    for e in events:
        ma, mb = a.event_month[e], b.event_month[e]
        yield "event", e, differs(ma == mb, ma, mb)


def measure(
    sides: Sequence[Side],
    checked: Checked,
    rows: Mapping[str, Rows],
    years: Sequence[int],
    runs: int,
    seed: int,
) -> dict[str, Any]:
    """The divergence of side A from side B as the plain data of ``divergence.json``."""
    a, b = rows["a"], rows["b"]
    if not (
        np.array_equal(a.replicate, b.replicate)
        and np.array_equal(a.seed, b.seed)
        and np.array_equal(a.run, b.run)
    ):
        raise UsageError("the two sides' runs are not paired (another seed or replicate ids)")
    scenarios = checked.scenarios
    options = decision_options(scenarios)
    events = event_ids(scenarios)
    n = a.run.size

    decisions: list[dict[str, Any]] = []
    for d, opts in options.items():
        compiled = {k: _decision(sc, d) for k, sc in scenarios.items()}
        shares = {k: _shares(rows[k].choice[d], opts) for k in ("a", "b")}
        tv = 0.5 * sum(abs(shares["a"][o] - shares["b"][o]) for o in [*opts, NEVER])
        any_side = next(c for c in compiled.values() if c is not None)
        decisions.append(
            {
                "id": d,
                "actor": any_side.spec.actor,
                "month": format_month(min(c.first for c in compiled.values() if c is not None)),
                "prompt": " ".join(any_side.spec.prompt.split()),
                "historical": next((o.id for o in any_side.options if o.historical), None),
                "in": {k: c is not None for k, c in compiled.items()},
                "forced": {
                    k: (
                        c.options[scenarios[k].force[c.index]].id
                        if c is not None and c.index in scenarios[k].force
                        else None
                    )
                    for k, c in compiled.items()
                },
                "shares": shares,
                "tv": round(tv, 4),
                "pairs_differing": round(float(np.mean(a.choice[d] != b.choice[d])), 4),
            }
        )

    event_rows: list[dict[str, Any]] = []
    titles = {e.spec.id: e.spec.title for sc in scenarios.values() for e in sc.events}
    for e in events:
        ha, hb = a.event_month[e] >= 0, b.event_month[e] >= 0
        diff = ha.astype(np.float64) - hb.astype(np.float64)
        se = float(np.std(diff, ddof=1) / np.sqrt(n)) if n > 1 else 0.0
        difference = float(diff.mean())
        event_rows.append(
            {
                "id": e,
                "title": titles[e],
                "p": {"a": round(float(ha.mean()), 4), "b": round(float(hb.mean()), 4)},
                "difference": round(difference, 4),
                "se": round(se, 4),
                "median_month": {
                    "a": _month(np.median(a.event_month[e][ha])) if ha.any() else None,
                    "b": _month(np.median(b.event_month[e][hb])) if hb.any() else None,
                },
            }
        )
    event_rows.sort(key=lambda r: (-r["difference"], r["id"]))

    attitudes: list[dict[str, Any]] = []
    for i, j in PAIRS:
        pair = pair_name(i, j)
        for y in years:
            va, vb = a.attitudes[(pair, y)], b.attitudes[(pair, y)]
            attitudes.append(
                {
                    "pair": pair,
                    "year": y,
                    "a": _interval(va),
                    "b": _interval(vb),
                    "difference": _interval(va.astype(np.float64) - vb.astype(np.float64)),
                }
            )

    first = np.full(n, np.inf)  # the first month each run pair differs (inf: never)
    for _, _, months in _differences(a, b, options, events):
        np.minimum(first, months, out=first)
    # Before both sides run, one side's past is assumed, not run (an era against the whole
    # period): a difference there shows from the first month both run.
    common = max(sc.start for sc in scenarios.values())
    first = np.where(np.isfinite(first), np.maximum(first, common), first)
    finite = np.isfinite(first)
    quantiles = (
        np.quantile(first, [INTERVAL[0] / 100, 0.5, INTERVAL[1] / 100], method="inverted_cdf")
        if n
        else [np.inf] * 3
    )
    causes: list[dict[str, Any]] = []
    for kind, ident, months in _differences(a, b, options, events):
        at_first = finite & (np.maximum(months, common) == first)
        if at_first.any():
            causes.append({"kind": kind, "id": ident, "share": round(float(at_first.mean()), 4)})
    causes.sort(key=lambda c: (-c["share"], c["id"]))
    months_seen, counts = np.unique(first[finite], return_counts=True)
    cumulative = [
        {"month": format_month(int(m)), "share": round(float(c) / n, 4)}
        for m, c in zip(months_seen, np.cumsum(counts), strict=True)
    ]

    command = ["frontline", "compare", *sides[0].words(), *sides[1].words()]
    command += ["--runs", str(runs), "--seed", str(seed), "--years", ",".join(map(str, years))]
    return {
        "format": FORMAT,
        "version": VERSION,
        "command": shlex.join(command),
        "a": _side_json(sides[0], scenarios["a"]),
        "b": _side_json(sides[1], scenarios["b"]),
        "runs": runs,
        "seed": seed,
        "replicates": {"first": int(a.replicate.min()), "last": int(a.replicate.max())},
        "years": list(years),
        "summary": {
            "changed_decisions": [d["id"] for d in decisions if d["tv"] >= THRESHOLD],
            "events_gained": [
                r["id"] for r in event_rows if r["difference"] > 0 and r["difference"] > 2 * r["se"]
            ],
            "events_lost": [
                r["id"]
                for r in event_rows
                if r["difference"] < 0 and -r["difference"] > 2 * r["se"]
            ],
        },
        "decisions": decisions,
        "events": event_rows,
        "attitudes": attitudes,
        "first_difference": {
            "pairs_differing": round(float(finite.mean()), 4) if n else 0.0,
            "median": _month(quantiles[1]),
            "low": _month(quantiles[0]),
            "high": _month(quantiles[2]),
            "causes": causes[:10],
            "cumulative": cumulative,
        },
    }


def _decision(sc: CompiledScenario, decision: str) -> CompiledDecision | None:
    return next((d for d in sc.decisions if d.spec.id == decision), None)


def _side_json(side: Side, sc: CompiledScenario) -> dict[str, Any]:
    return {
        "scenario": side.scenario,
        "id": sc.spec.id,
        "title": sc.spec.title,
        "start": format_month(sc.start),
        "end": format_month(sc.end),
        "set": {p: v for p, v in side.sets},
        "force": dict(side.force),
        "command": shlex.join(side.words()),
        "runs_folder": RUNS[side.key],
    }


# --------------------------------------------------------------------------- the command


def compare_sides(
    sides: Sequence[Side],
    *,
    runs: int,
    seed: int,
    years: Sequence[int] | None,
    out: Path,
    workers: int,
    dask: str | None,
    progress: Callable[[str], Callable[[Any], None] | None],
    on_checked: Callable[[], None] | None = None,
) -> Path:
    """Check everything, run both sides as batches into ``out``, write the report; its path.

    Nothing is run or written until both sides, the years and the folder have been
    checked. ``progress(label)`` gives each side's batch its progress callback (or None).
    """
    from frontline.batch import Job, execute_all
    from frontline.divergence_report import write_report

    problem = folder_problem(out)
    if problem:
        raise UsageError(problem)
    checked = check_sides(sides, runs, seed)
    if years is None:
        years = default_years(checked.scenarios)
    check_years(years, checked.scenarios)
    problem = runs_problem(out, sides, runs, seed, checked)
    if problem:
        raise UsageError(problem)
    jobs = [
        Job(side.spec(runs, seed), out / RUNS[side.key], progress(side.key.upper()))
        for side in sides
    ]
    execute_all(
        jobs,
        workers=workers,
        dask=dask,
        resume=True,
        on_checked=on_checked,
        again="run the same comparison again to finish them",
    )
    options = decision_options(checked.scenarios)
    events = event_ids(checked.scenarios)
    rows = {side.key: read_rows(out / RUNS[side.key], options, events, years) for side in sides}
    data = measure(sides, checked, rows, years, runs, seed)
    # a state both sides call alike goes by that name, one they call differently by its usual
    # name, which favours neither side (StateNames.shared)
    names = StateNames.shared(sc.names for sc in checked.scenarios.values())
    return write_report(data, out, names)
