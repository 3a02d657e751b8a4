"""Batches of runs: scenarios x sweep values x seeds, cut into chunks of replicates.

Each chunk is one vectorised model (R replicates at once). A chunk is a pure function of
its description: scenario, parameter values, forced choices, seed and replicate ids, so it
gives the same rows in any process, on any worker, alone or in any batch. That is what
lets an interrupted batch resume chunk by chunk, a Dask cluster give the same results as
this machine, and any single run be replayed alone with its full monthly detail.

This module plans and computes; writing files and showing progress belong to the caller
(``frontline.batch``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.actors import PAIRS, pair_name
from sim.calendar import format_month, parse_month
from sim.errors import Problem, ScenarioError, echo
from sim.history import compare, labels, load_record, record_problems
from sim.limits import DEFAULT_CHUNK, MAX_CHUNK, MAX_CHUNKS, MAX_COMBINATIONS, MAX_RUNS
from sim.model import FrontlineModel
from sim.scenario import CompiledScenario, load_scenario, resolve_name, scenario_from_data
from sim.snapshot import seed_problem
from sim.values import kind, parse_value, shown, split_values, value_problem

SLAB = 5000
"""Replicates per vectorised model, at most: a month's fixed costs (a decision due in a few
replicates costs about as much to score as in many) are shared by more runs in a larger
model, and a model of 5,000 replicates keeps a worker near half a gigabyte. A larger chunk
is computed slab by slab, and consecutive chunks of one scenario may be computed as one
model (``tasks``, ``run_chunks``); the rows are the same for any slab, since a replicate's
run does not depend on the others."""


ScenarioKey = tuple[str, tuple[tuple[str, Any], ...], tuple[tuple[str, str], ...]]
"""A scenario as a batch runs it: name, parameter values and forced choices."""


@dataclass(frozen=True)
class BatchSpec:
    """What a batch runs: the product of scenarios, sweep values and ``runs`` seeds."""

    scenarios: tuple[str, ...]
    runs: int
    seed: int = 0
    sets: tuple[tuple[str, Any], ...] = ()
    sweeps: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    force: tuple[tuple[str, str], ...] = ()
    chunk: int = DEFAULT_CHUNK

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (the manifest keeps it)."""
        d = asdict(self)
        d["sets"] = [list(x) for x in self.sets]
        d["sweeps"] = [[p, list(v)] for p, v in self.sweeps]
        d["force"] = [list(x) for x in self.force]
        d["scenarios"] = list(self.scenarios)
        return d

    @classmethod
    def from_json(cls, d: Any) -> BatchSpec:
        """Inverse of ``to_json`` (ValueError if ``d`` is not such data)."""
        try:
            spec = cls(
                tuple(str(n) for n in d["scenarios"]),
                d["runs"],
                d["seed"],
                tuple((str(p), v) for p, v in d["sets"]),
                tuple((str(p), tuple(v)) for p, v in d["sweeps"]),
                tuple((str(a), str(b)) for a, b in d["force"]),
                d["chunk"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a batch's arguments ({type(exc).__name__}: {exc})") from None
        if not all(isinstance(n, int) for n in (spec.runs, spec.seed, spec.chunk)):
            raise ValueError("not a batch's arguments (runs, seed and chunk must be numbers)")
        return spec

    @property
    def combination_count(self) -> int:
        """How many combinations of swept values there are (without listing them)."""
        return math.prod(len(v) for _, v in self.sweeps)

    @property
    def parameter_paths(self) -> list[str]:
        """Every parameter this batch sets, fixed or swept, in a stable order."""
        return [p for p, _ in self.sets] + [p for p, _ in self.sweeps]

    def combinations(self) -> list[dict[str, Any]]:
        """Each combination of swept values, with the fixed values, as ``set:`` overrides."""
        fixed = dict(self.sets)
        names = [p for p, _ in self.sweeps]
        values = [v for _, v in self.sweeps]
        return [
            fixed | dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)
        ]

    @property
    def total_runs(self) -> int:
        """How many runs the batch holds."""
        return len(self.scenarios) * self.combination_count * self.runs


@dataclass(frozen=True)
class Chunk:
    """One vectorised model's worth of runs: a pure function of these fields."""

    index: int
    first_run: int
    scenario: str
    params: tuple[tuple[str, Any], ...]
    force: tuple[tuple[str, str], ...]
    seed: int
    start: int  # first replicate id
    stop: int  # one past the last

    @property
    def key(self) -> ScenarioKey:
        """The chunk's scenario as the batch runs it (see ``scenario_keys``)."""
        return (self.scenario, self.params, self.force)

    @property
    def size(self) -> int:
        """Runs in this chunk."""
        return self.stop - self.start

    @property
    def name(self) -> str:
        """The chunk's file name in a results folder."""
        return f"chunk-{self.index:06d}.parquet"


def plan(spec: BatchSpec) -> list[Chunk]:
    """Cut a batch into chunks, in a fixed order (scenario, combination, replicates)."""
    chunks: list[Chunk] = []
    first = 0
    for scenario, params, force in scenario_keys(spec):
        for start in range(0, spec.runs, spec.chunk):
            stop = min(spec.runs, start + spec.chunk)
            chunks.append(
                Chunk(len(chunks), first, scenario, params, force, spec.seed, start, stop)
            )
            first += stop - start
    return chunks


TASK_CHUNKS = 5
"""Chunks per task, at most: a task's files are written together when it ends, so a batch
stopped early keeps all but at most this many chunks per worker of what it computed."""


def _follows(a: Chunk, b: Chunk) -> bool:
    """Whether chunk ``b`` continues ``a``: the same scenario and seed, the next replicates."""
    return (
        a.key == b.key
        and a.seed == b.seed
        and b.start == a.stop
        and b.first_run == a.first_run + a.size
    )


def tasks(todo: list[Chunk], workers: int) -> list[tuple[Chunk, ...]]:
    """The chunks to compute, grouped into tasks of consecutive chunks computed as one model.

    Each task holds at most ``SLAB`` replicates and ``TASK_CHUNKS`` chunks and, where there
    are enough chunks, every worker gets tasks of the same size: a 6,000-run batch of
    1,000-run chunks on two workers is two tasks of three chunks, a 100,000-run batch twenty
    tasks of five. Files, checksums and resuming stay chunk by chunk.
    """
    if not todo:
        return []
    largest = max(c.size for c in todo)
    per = max(1, min(SLAB // largest, TASK_CHUNKS, -(-len(todo) // max(1, workers))))
    out: list[tuple[Chunk, ...]] = []
    current: list[Chunk] = []
    for chunk in todo:
        if current and (len(current) == per or not _follows(current[-1], chunk)):
            out.append(tuple(current))
            current = []
        current.append(chunk)
    out.append(tuple(current))
    return out


def run_chunks(
    chunks: tuple[Chunk, ...], columns: Columns, scenario: CompiledScenario | None = None
) -> list[dict[str, Any]]:
    """Compute consecutive chunks (``tasks``) as one model: each chunk's rows, in order.

    The rows are those ``run_chunk`` gives for each chunk alone.
    """
    for a, b in itertools.pairwise(chunks):
        if not _follows(a, b):
            raise ValueError(f"chunk {b.index} does not continue chunk {a.index}")
    merged = replace(chunks[0], stop=chunks[-1].stop)
    rows = run_chunk(merged, columns, scenario)
    out = []
    offset = 0
    for chunk in chunks:
        part = slice(offset, offset + chunk.size)
        out.append({name: values[part] for name, values in rows.items()})
        offset += chunk.size
    return out


def find_run(spec: BatchSpec, run: int) -> tuple[Chunk, int]:
    """The chunk holding a run id, and the run's replicate id."""
    for chunk in plan(spec):
        if chunk.first_run <= run < chunk.first_run + chunk.size:
            return chunk, chunk.start + run - chunk.first_run
    raise KeyError(f"no run {run} in this batch (runs are 0 to {spec.total_runs - 1})")


def argument_problems(spec: BatchSpec) -> list[Problem]:
    """What is wrong with a batch's arguments, before any scenario is read or file written.

    Each problem names its argument (``--runs``, ``--sweep`` ...). The limits are
    ``MAX_RUNS``, ``MAX_CHUNK``, ``MAX_CHUNKS`` and ``MAX_COMBINATIONS``.
    """
    problems: list[Problem] = []

    def bad(argument: str, message: str, path: str = "") -> None:
        problems.append(Problem(argument, 0, path, message))

    if not isinstance(spec.runs, int) or spec.runs < 1:
        bad("--runs", f"expected at least 1 run, got {echo(spec.runs)}")
    if not isinstance(spec.chunk, int) or not 1 <= spec.chunk <= MAX_CHUNK:
        bad("--chunk", f"expected 1 to {MAX_CHUNK:,} runs per chunk, got {echo(spec.chunk)}")
    if (message := seed_problem(spec.seed)) is not None:
        bad("--seed", message)
    given: dict[str, str] = {}
    for argument, items in (("--set", spec.sets), ("--sweep", spec.sweeps)):
        for path, _ in items:
            if path in given:
                also = "" if given[path] == argument else f" (also given to {given[path]})"
                bad(argument, f"given more than once{also}; give each path once", path)
            given.setdefault(path, argument)
    for path, value in spec.sets:
        if (message := value_problem(path, value)) is not None:
            bad("--set", message, path)
    for path, values in spec.sweeps:
        if not values:
            bad("--sweep", "expected at least one value", path)
        for message in dict.fromkeys(value_problem(path, v) for v in values):
            if message is not None:
                bad("--sweep", message, path)
        # compared as read: 1e-1 is 0.1 and 1 is 1.0, but true is not 1
        seen = [(isinstance(v, bool), v) for v in values]
        repeated = [v for k, v in enumerate(values) if seen[k] in seen[:k]]
        if repeated:
            bad("--sweep", f"the value {shown(repeated[0])} is given more than once", path)
    forced = [decision for decision, _ in spec.force]
    for decision in dict.fromkeys(d for k, d in enumerate(forced) if d in forced[:k]):
        bad("--force", "given more than once; force each decision once", decision)
    files: dict[Path, str] = {}
    for name in spec.scenarios:
        try:
            file = resolve_name(name).resolve()
        except (ScenarioError, OSError):
            continue  # reported when the scenarios are loaded
        if file in files:
            same = (
                "is given twice"
                if name == files[file]
                else f"is the same file as {echo(files[file])}"
            )
            bad("SCENARIO", f"{echo(name)} {same}; give each scenario once")
        files.setdefault(file, name)
    if problems:
        return problems
    combinations = len(spec.scenarios) * spec.combination_count
    if combinations > MAX_COMBINATIONS:
        bad(
            "--sweep",
            f"{combinations:,} scenario and sweep combinations; at most {MAX_COMBINATIONS:,}",
        )
    elif spec.total_runs > MAX_RUNS:
        bad("--runs", f"{spec.total_runs:,} runs in all; at most {MAX_RUNS:,} in one batch")
    elif combinations * -(-spec.runs // spec.chunk) > MAX_CHUNKS:
        chunks = combinations * -(-spec.runs // spec.chunk)
        bad("--chunk", f"{chunks:,} chunks; at most {MAX_CHUNKS:,} (use a larger --chunk)")
    return problems


def check(spec: BatchSpec) -> None:
    """Check the arguments, then load every scenario with every combination (ScenarioError).

    Every problem is collected: the arguments' first, then those of each combination's
    scenario (a swept value is reported as ``--sweep``) with any sweep whose values are not
    of one type, null aside (a Parquet column holds them, null as a missing value), then
    whether the recorded history still matches each scenario's decisions, all before
    anything runs.
    """
    problems = argument_problems(spec)
    if problems:
        raise ScenarioError(problems)
    _SCENARIOS.clear()  # a batch reads the files as they are now, in any process
    labels = {path: "--sweep" for path, _ in spec.sweeps}
    for key in scenario_keys(spec):
        name, params, force = key
        try:
            _SCENARIOS[key] = load_scenario(
                name, overrides=dict(params), force=dict(force) or None, override_labels=labels
            )
        except ScenarioError as exc:
            problems += exc.problems
    for path, values in spec.sweeps:  # one column holds them all, so one type (or null)
        kinds = list(dict.fromkeys(kind(v) for v in values if v is not None))
        if len(kinds) > 1:
            message = f"expected values of one type (null aside), got {' and '.join(kinds)}"
            problems.append(Problem("--sweep", 0, path, message))
    if problems:
        raise ScenarioError(problems)
    problems = record_problems(load_record(), list(_SCENARIOS.values()), blame="scenario")
    if problems:
        raise ScenarioError(problems)


def scenario_keys(spec: BatchSpec) -> list[ScenarioKey]:
    """Every scenario a batch runs, in plan order."""
    return [(s, tuple(c.items()), spec.force) for s in spec.scenarios for c in spec.combinations()]


_SCENARIOS: dict[ScenarioKey, CompiledScenario] = {}
"""One batch's compiled scenarios: ``check`` empties it and loads them for every batch."""


def _scenario(
    name: str, params: tuple[tuple[str, Any], ...], force: tuple[tuple[str, str], ...]
) -> CompiledScenario:
    key = (name, params, force)
    if key not in _SCENARIOS:
        _SCENARIOS[key] = load_scenario(name, overrides=dict(params), force=dict(force) or None)
    return _SCENARIOS[key]


def sources_for(spec: BatchSpec) -> dict[ScenarioKey, dict[str, Any]]:
    """The merged data of every scenario of a batch, as checked and fingerprinted here.

    Workers compile the scenarios from this data (``scenario_from_sources``), not from the
    files: they need no scenario files, cannot see a file edited since the batch was
    checked, and compile in a fifth of the time.
    """
    return {key: _scenario(*key).data for key in scenario_keys(spec)}


_FROM_SOURCES: dict[tuple[str, ScenarioKey], CompiledScenario] = {}
"""Scenarios compiled from a batch's sources, by (batch fingerprint, key); one batch's."""


def scenario_from_sources(
    chunk: Chunk, sources: dict[ScenarioKey, dict[str, Any]], batch: str
) -> CompiledScenario:
    """A chunk's scenario compiled from its batch's sources, once per process and batch."""
    compiled = _FROM_SOURCES.get((batch, chunk.key))
    if compiled is None:
        if any(b != batch for b, _ in _FROM_SOURCES):
            _FROM_SOURCES.clear()  # a long-lived worker keeps only the current batch's
        compiled = scenario_from_data(sources[chunk.key], chunk.scenario)
        _FROM_SOURCES[(batch, chunk.key)] = compiled
    return compiled


def model_for(
    chunk: Chunk,
    replicate_ids: Iterable[int] | None = None,
    *,
    lean: bool = False,
    scenario: CompiledScenario | None = None,
) -> FrontlineModel:
    """The model that computes a chunk (or chosen replicates of it), not yet run.

    ``lean`` records only the months a batch row needs (each December and the months the
    comparison with history reads) instead of every month; the runs are the same.
    ``scenario`` is the chunk's compiled scenario, if the caller has it (else it is loaded
    from the files).
    """
    if scenario is None:
        scenario = _scenario(*chunk.key)
    ids = range(chunk.start, chunk.stop) if replicate_ids is None else replicate_ids
    months = _months_needed(scenario) if lean else None
    return FrontlineModel(
        scenario, seed=chunk.seed, replicate_ids=ids, record_months=months, keep_log=not lean
    )


def _months_needed(sc: CompiledScenario) -> set[int]:
    """Each December, the first month, and the phase boundaries the comparison reads."""
    months = {sc.start, sc.end} | {m for m in range(sc.start, sc.end + 1) if m % 12 == 11}
    for phase in load_record().phases:
        months.add(max(parse_month(phase.start) - 1, sc.start))
        months.add(parse_month(phase.end))
    return {m for m in months if sc.start <= m <= sc.end}


@dataclass(frozen=True)
class Columns:
    """The columns every chunk of a batch writes, so that all files share one schema."""

    parameters: tuple[str, ...]
    decisions: tuple[str, ...]
    events: tuple[str, ...]
    years: tuple[int, ...]
    pairs: tuple[str, ...] = field(default=tuple(pair_name(i, j) for i, j in PAIRS))


def columns_for(spec: BatchSpec) -> Columns:
    """The union of every scenario's decisions, events and years in the batch."""
    decisions: dict[str, None] = {}
    events: dict[str, None] = {}
    years: set[int] = set()
    for scenario in spec.scenarios:
        sc = _scenario(scenario, tuple(spec.combinations()[0].items()), spec.force)
        decisions.update(dict.fromkeys(d.spec.id for d in sc.decisions))
        events.update(dict.fromkeys(e.spec.id for e in sc.events))
        years.update(range(sc.start // 12, sc.end // 12 + 1))
    return Columns(
        tuple(spec.parameter_paths), tuple(decisions), tuple(events), tuple(sorted(years))
    )


def run_chunk(
    chunk: Chunk, columns: Columns, scenario: CompiledScenario | None = None
) -> dict[str, Any]:
    """Compute a chunk: one row per run, as column name -> list or array (see ``Columns``).

    The chunk is computed in slabs of at most ``SLAB`` replicates. ``scenario`` is as for
    ``model_for``.
    """
    slabs = [
        _run_slab(chunk, columns, scenario, start, min(start + SLAB, chunk.stop))
        for start in range(chunk.start, chunk.stop, SLAB)
    ]
    if len(slabs) == 1:
        return slabs[0]
    out: dict[str, Any] = {}
    for name, first in slabs[0].items():
        parts = [slab[name] for slab in slabs]
        if isinstance(first, np.ndarray):
            out[name] = np.concatenate(parts)
        else:
            out[name] = [value for part in parts for value in part]
    return out


def _run_slab(
    chunk: Chunk, columns: Columns, scenario: CompiledScenario | None, start: int, stop: int
) -> dict[str, Any]:
    """The rows of the chunk's replicates ``start`` to ``stop`` (one vectorised model)."""
    model = model_for(chunk, range(start, stop), lean=True, scenario=scenario).run()
    view = model.view()  # the runs as plain data: choices and events by id
    n = stop - start
    first = chunk.first_run + start - chunk.start
    out: dict[str, Any] = {
        "run": np.arange(first, first + n, dtype=np.int64),
        "scenario": [chunk.scenario] * n,
        "seed": np.full(n, chunk.seed, dtype=np.int64),
        "replicate": np.arange(start, stop, dtype=np.int64),
    }
    params = dict(chunk.params)
    for p in columns.parameters:
        out[f"set.{p}"] = [_plain(params.get(p))] * n
    never = np.full(n, -1, dtype=np.int64)
    for d in columns.decisions:
        decided = view.decisions.get(d)
        out[f"choice.{d}"] = [None] * n if decided is None else decided.chosen.tolist()
    names = [format_month(m) for m in range(view.start, view.end + 1)]
    for e in columns.events:
        happened = view.events.get(e)
        months = never if happened is None else happened.month
        out[f"event.{e}"] = labels(names, np.where(months >= 0, months - view.start, -1))
    index = {m: t for t, m in enumerate(view.months)}
    missing = np.full(n, np.nan, dtype=np.float32)
    for y in columns.years:
        # December of each year, or the scenario's last month in its last year
        t = index.get(min(y * 12 + 11, view.end))
        # (6, 6, R) in float32, one month at a time (a copy that stays in the cache; the
        # whole history at once took eight times as long): each column is one row of it
        month = (
            None
            if t is None
            else np.ascontiguousarray(view.attitudes[t].astype(np.float32).transpose(1, 2, 0))
        )
        for (i, j), pair in zip(PAIRS, columns.pairs, strict=True):
            out[f"att.{pair}.{y}"] = month[i, j] if month is not None else missing
    comparison = compare(view, load_record())
    out["decision_agreement"] = comparison.decision_agreement()
    out["phase_agreement"] = comparison.phase_agreement()
    out["event_timing_mae_months"] = comparison.event_timing_mae()
    # added after the columns above, which keep their order: the month of each choice
    for d in columns.decisions:
        decided = view.decisions.get(d)
        out[f"choice_month.{d}"] = _month_labels(never if decided is None else decided.month)
    return out


def _month_labels(months: np.ndarray[Any, Any]) -> list[str | None]:
    """Each month as ``YYYY-MM`` (before the scenario's start too), None where it is -1."""
    found = np.unique(months[months >= 0])
    names = [format_month(int(m)) for m in found]
    return labels(names, np.where(months >= 0, np.searchsorted(found, months), -1))


def _plain(value: Any) -> Any:
    """A parameter value as it goes into a column (numbers as floats, the rest as text)."""
    if isinstance(value, bool) or value is None:
        return None if value is None else str(value).lower()
    if isinstance(value, int | float):
        return float(value)
    return str(value)


def fingerprint(spec: BatchSpec, fresh: bool = False) -> str:
    """A hash of everything a batch's rows depend on: the spec and the scenarios' content.

    ``fresh``: of the files as they are now, not as this process last compiled them (a
    ScenarioError if one no longer loads).
    """
    if fresh:
        _SCENARIOS.clear()
    h = hashlib.sha256(json.dumps(spec.to_json(), sort_keys=True).encode())
    for key in scenario_keys(spec):
        h.update(json.dumps(_scenario(*key).data, sort_keys=True, default=str).encode())
    h.update(json.dumps(load_record().model_dump(mode="json"), sort_keys=True).encode())
    return h.hexdigest()


def parse_sweep(text: str) -> tuple[str, tuple[Any, ...]]:
    """``PATH=V1,V2,...`` -> (path, values), read as ``sim.values`` reads them.

    A value in quotes may hold commas (``sim.values.split_values``). Raises ValueError if
    the text is malformed, a quote is never closed, or a number is beyond float range.
    """
    path, sep, values = text.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise ValueError(f"expected PATH=V1,V2,..., got {echo(text)}")
    parsed = []
    try:
        pieces = split_values(values)
    except ValueError as exc:
        raise ValueError(f"{path.strip()}: {exc}") from None
    for v in pieces:
        if not v.strip():
            raise ValueError(f"{path.strip()}: an empty value in {echo(values)}")
        try:
            parsed.append(parse_value(v))
        except ValueError as exc:
            raise ValueError(f"{path.strip()}: {exc}") from None
    return path.strip(), tuple(parsed)
