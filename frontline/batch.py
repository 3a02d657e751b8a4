"""``frontline batch``: run a batch on this machine's cores or on Dask, into resumable Parquet.

The results folder holds ``_manifest.json`` (what the batch is, with a fingerprint of the
scenarios, the code version and a checksum of the manifest itself), one Parquet file per
chunk, and ``_chunks/`` with each chunk's checksum. A chunk's file is written to a
temporary name and renamed when complete, after its checksum. A chunk counts as done only
once verified: readable, holding exactly the run ids it should, and matching its checksum.
``--resume`` verifies every chunk, recomputes the missing and the damaged ones (a damaged
file is moved to ``_damaged/``), and the finished dataset is the same as an uninterrupted
one. An OS lock on ``.lock`` keeps two batches out of one folder. Load the dataset with
``pandas.read_parquet(DIR)`` (it skips names that begin with ``_`` or ``.``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import itertools
import json
import logging
import os
import re
import shlex
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from frontline.errors import BatchError
from frontline.files import MANIFEST, WriteError, lock_file, locked, make_folder, write_atomic
from frontline.workers import context, start_early
from sim import kernels
from sim.batch import (
    BatchSpec,
    Chunk,
    Columns,
    ScenarioKey,
    argument_problems,
    check,
    columns_for,
    fingerprint,
    run_chunks,
    scenario_from_sources,
    sources_for,
    tasks,
)
from sim.batch import plan as make_plan
from sim.errors import echo
from sim.files import read_bounded
from sim.limits import DEFAULT_CHUNK
from sim.values import written

LOCK = ".lock"  # a leading dot: Parquet readers skip it
CHECKSUMS = "_chunks"  # each chunk's checksum, as chunk-NNNNNN.json
DAMAGED = "_damaged"  # chunk files that failed verification, kept for inspection
FORMAT = "frontline-state/batch"
VERSION = 2
"""Version 2 adds the chunks' checksums and the manifest's own; version 1 is refused."""

MAX_MANIFEST_BYTES = 16_000_000
"""A manifest is a few kilobytes; anything this large is not one."""


LOCAL_CLUSTER_CONFIG = {
    # Dask's nannies make glibc give memory back at every 64 KiB; with the model's many
    # short-lived arrays that costs three times the run time. Batches keep memory flat by
    # chunking, so the workers of a LocalCluster use glibc's default.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # Dask's housekeeping wakes every process many times a second (a profiler sampling
    # every 10 ms, event-loop checks every 20 ms, memory checks every 100 ms); on a
    # laptop's few cores that competes with the model, so a batch's cluster does less.
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings for ``--dask local`` (the README gives them for a cluster started by hand)."""


def _work_and_write(
    task: tuple[Chunk, ...],
    columns: Columns,
    out: Path,
    table_schema: Any,
    sources: dict[ScenarioKey, dict[str, Any]],
    batch: str,
    code: str | None = None,
) -> list[int]:
    """Compute a task's chunks as one model and write their files, in a worker.

    No rows cross processes. ``sources`` holds the batch's scenario data and ``batch`` its
    fingerprint (see ``sim.batch.sources_for``). ``code``, on a Dask worker, is the batch's
    ``code_fingerprint``: a worker whose model code differs refuses the task, since its
    rows would differ. Returns the chunks' indices.
    """
    if code is not None and code != code_fingerprint():
        import socket

        raise BatchError(
            f"a Dask worker (on {socket.gethostname()}, process {os.getpid()}) has other model "
            "code than this batch (another version of frontline-state, or files changed): "
            "install this version on every worker and restart them. Its tasks wrote nothing"
        )
    scenario = scenario_from_sources(task[0], sources, batch)
    for chunk, rows in zip(task, run_chunks(task, columns, scenario), strict=True):
        write_chunk(out, chunk, rows, table_schema, batch)
    return [chunk.index for chunk in task]


@functools.cache
def code_fingerprint() -> str:
    """A hash of the model's code (``sim``) and of the code that writes its rows (this file).

    Computed once per process, from the files as they are then.
    """
    import sim

    digest = hashlib.sha256()
    root = Path(sim.__file__).resolve().parent
    files = sorted(root.rglob("*.py")) + sorted(root.rglob("*.csv")) + [Path(__file__)]
    for path in files:
        name = path.relative_to(root) if path.is_relative_to(root) else path.name
        digest.update(f"{name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


_BATCH: dict[str, Any] = {}
"""In a local worker: what every chunk of its batch shares (given once, at start)."""


def _start_worker(shared: dict[str, Any], lifeline: Connection) -> None:
    """Set up a local worker: Ctrl-C is left to the parent, which stops the batch cleanly.

    ``lifeline`` is the read end of a pipe whose write end only the batch's process holds.
    When that process ends, however it ends, the pipe reports end-of-file and the worker
    exits; without this, the workers of a batch killed by SIGKILL would wait for work
    forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    kernels.warm()  # at once if the fork server has loaded them (frontline.warm)
    _BATCH.clear()
    _BATCH.update(shared)
    threading.Thread(
        target=_exit_with, args=(lifeline,), name="frontline-lifeline", daemon=True
    ).start()


def _exit_with(lifeline: Connection) -> None:
    """Wait until the batch's process closes its end of the pipe, then end this worker."""
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv()
    os._exit(1)


def _work_local(task: tuple[Chunk, ...]) -> list[int]:
    """``_work_and_write`` with the batch's shared arguments (sent once, not per task)."""
    return _work_and_write(task, **_BATCH)


def schema(spec: BatchSpec, columns: Columns) -> Any:
    """The one schema every chunk file of a batch has (a pyarrow schema)."""
    import pyarrow as pa  # imported here: the rest of the CLI starts without it

    numeric = {}  # null is a missing value in a column of either type
    for path, values in [(p, (v,)) for p, v in spec.sets] + list(spec.sweeps):
        given = [v for v in values if v is not None]
        numeric[path] = bool(given) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in given
        )
    fields = [
        pa.field("run", pa.int64()),
        pa.field("scenario", pa.string()),
        pa.field("seed", pa.int64()),
        pa.field("replicate", pa.int64()),
    ]
    fields += [
        pa.field(f"set.{p}", pa.float64() if numeric[p] else pa.string())
        for p in columns.parameters
    ]
    fields += [pa.field(f"choice.{d}", pa.string()) for d in columns.decisions]
    fields += [pa.field(f"event.{e}", pa.string()) for e in columns.events]
    fields += [pa.field(f"att.{p}.{y}", pa.float32()) for p in columns.pairs for y in columns.years]
    fields += [
        pa.field(n, pa.float64())
        for n in ("decision_agreement", "phase_agreement", "event_timing_mae_months")
    ]
    fields += [pa.field(f"choice_month.{d}", pa.string()) for d in columns.decisions]
    return pa.schema(fields)


def write_chunk(
    out: Path, chunk: Chunk, data: dict[str, Any], table_schema: Any, batch: str
) -> None:
    """Write a chunk's rows and its checksum; the rows appear under their name only whole.

    The Parquet bytes are made in memory and hashed; the checksum (``_chunks/``) is
    written, then the rows under a temporary name, flushed to disk and renamed into place.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pydict(data, schema=table_schema)
    sink = pa.BufferOutputStream()
    # per-column dictionaries and statistics cost more than they give on 1,500 columns
    pq.write_table(table, sink, compression="snappy", use_dictionary=False, write_statistics=False)
    content = sink.getvalue()
    record = {
        "chunk": chunk.index,
        "first_run": chunk.first_run,
        "runs": chunk.size,
        "bytes": content.size,
        "sha256": hashlib.sha256(content).hexdigest(),
        "batch": batch,
    }
    final = out / chunk.name
    # not flushed to disk: a record lost in a power cut only makes the chunk run again
    write_atomic(_checksum_path(out, chunk), json.dumps(record, indent=1) + "\n", durable=False)
    tmp = out / f".{chunk.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as f:
            f.write(memoryview(content))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteError(final, exc.strerror or str(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _checksum_path(out: Path, chunk: Chunk) -> Path:
    return out / CHECKSUMS / f"{Path(chunk.name).stem}.json"


def chunk_problem(out: Path, chunk: Chunk, batch: str, table_schema: Any | None) -> str | None:
    """Why a chunk's file cannot be counted as done (None if it can).

    It must exist as a regular file, have a checksum record of this batch and this chunk,
    match that checksum, be readable Parquet with the batch's columns (when
    ``table_schema`` is given), and hold exactly the chunk's run ids in order.
    """
    import pyarrow.parquet as pq

    path = out / chunk.name
    if not path.exists() and not path.is_symlink():
        return "missing"
    try:
        record = json.loads(read_bounded(_checksum_path(out, chunk), 10_000))
    except (OSError, ValueError):
        return "it has no readable checksum record (it may not have been finished)"
    expected = {"chunk": chunk.index, "first_run": chunk.first_run, "runs": chunk.size}
    if not isinstance(record, dict) or record.get("batch") != batch:
        return "its checksum record belongs to another batch"
    if any(record.get(k) != v for k, v in expected.items()):
        return "its checksum record belongs to another chunk"
    size = record.get("bytes")
    if not isinstance(size, int) or size < 0:
        return "its checksum record is damaged"
    try:
        info = path.stat()
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if not stat.S_ISREG(info.st_mode):
        return "it is not a file (a folder, a FIFO or a device)"
    actual = info.st_size
    if actual != size:
        return f"it is {actual:,} bytes where {size:,} were written (truncated or replaced)"
    try:
        content = read_bounded(path, size)
    except OSError as exc:
        return str(exc)
    if hashlib.sha256(content).hexdigest() != record.get("sha256"):
        return "its content does not match its checksum (damaged, truncated or replaced)"
    try:
        import pyarrow as pa

        parquet = pq.ParquetFile(pa.BufferReader(content))
        if table_schema is not None and not parquet.schema_arrow.equals(table_schema):
            return "its columns are not the batch's"
        runs = parquet.read(columns=["run"]).column("run").to_pylist()
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        return f"it is not readable Parquet ({type(exc).__name__})"
    if runs != list(range(chunk.first_run, chunk.first_run + chunk.size)):
        return f"it does not hold runs {chunk.first_run} to {chunk.first_run + chunk.size - 1}"
    return None


def code_version() -> str:
    """The installed package's version."""
    try:
        return metadata.version("frontline-state")
    except metadata.PackageNotFoundError:
        return "unknown"


def _checksum(manifest: dict[str, Any]) -> str:
    """The checksum of a manifest's fields other than the checksum itself."""
    fields = {k: v for k, v in manifest.items() if k != "checksum"}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_manifest(out: Path) -> Manifest:
    """The manifest of a results folder, checked (BatchError if it is missing or not sound).

    A manifest edited by hand no longer matches the checksum it was written with, and is
    refused as edited: its batch's chunks were computed from what it said before.
    """
    path = out / MANIFEST
    if not out.is_dir():
        raise BatchError(f"{out} is not a folder of batch results")
    if not path.exists():
        raise BatchError(f"{out} holds no batch ({MANIFEST} is missing)")
    try:
        data = json.loads(read_bounded(path, MAX_MANIFEST_BYTES))
    except OSError as exc:
        raise BatchError(f"{path}: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise BatchError(f"{path} is not a batch manifest (not JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BatchError(f"{path} is not a Frontline State batch manifest")
    if data.get("version") == 1:
        raise BatchError(
            f"{path}: this batch was written by an earlier version of frontline (batch format "
            "1, without checksums), so its chunks cannot be verified. Its Parquet files can "
            "still be read with pandas; run the batch again into a new folder to compare, "
            "replay or resume it"
        )
    if data.get("version") != VERSION:
        raise BatchError(
            f"{path}: batch format {echo(data.get('version'))} is not one this version reads "
            f"({VERSION})"
        )
    if data.get("checksum") != _checksum(data):
        raise BatchError(
            f"{path} was edited by hand: it no longer matches the checksum it was written "
            "with, so it no longer says what its chunks were computed from. Restore it, or "
            "run the batch again into another folder"
        )
    try:
        spec = BatchSpec.from_json(data.get("spec"))
    except ValueError as exc:
        raise BatchError(f"{path}: {exc}") from None
    return Manifest(spec, str(data.get("fingerprint")), data)


@dataclass(frozen=True)
class Manifest:
    """A results folder's manifest, checked: the batch's arguments and its fingerprint."""

    spec: BatchSpec
    fingerprint: str
    data: dict[str, Any]


def verified_batch(results: Path) -> tuple[Manifest, list[Path]]:
    """A batch's manifest and its chunk files, every one verified (BatchError otherwise).

    A report of a batch with a missing or damaged chunk would quietly leave runs out, so
    each problem is listed with the command that repairs the batch.
    """
    manifest = read_manifest(results)
    chunks = make_plan(manifest.spec)
    problems = []
    verified = 0
    for chunk in chunks:
        problem = chunk_problem(results, chunk, manifest.fingerprint, None)
        if problem is None:
            verified += chunk.size
        else:
            problems.append(
                f"{chunk.name} (runs {chunk.first_run} to "
                f"{chunk.first_run + chunk.size - 1}): {problem}"
            )
    names = {c.name for c in chunks}
    problems += [
        f"{p.name}: no chunk of this batch"
        for p in sorted(results.glob("*.parquet"))
        if p.name not in names
    ]
    if problems:
        shown = problems[:10] + ([f"and {len(problems) - 10} more"] if len(problems) > 10 else [])
        holder = _lock_holder(results)
        if holder:
            who = f" (process {holder})" if holder > 0 else ""
            shown.append(f"a batch{who} is still writing into it: compare it once it has finished")
        refused = argument_problems(manifest.spec)
        repair = (
            "\nRepair it (the missing and damaged chunks are recomputed) with:\n  "
            + resume_command(manifest.spec, results)
            if not refused
            else "\nIt cannot be resumed: this version refuses its arguments ("
            + "; ".join(str(p) for p in refused[:3])
            + "). Run the batch again into a new folder"
        )
        raise BatchError(
            f"{results} is incomplete or damaged ({verified:,} of "
            f"{manifest.spec.total_runs:,} runs verified):\n  " + "\n  ".join(shown) + repair
        )
    return manifest, [results / c.name for c in chunks]


def resume_command(spec: BatchSpec, out: Path) -> str:
    """The ``frontline batch`` command that resumes a batch, as a user would type it."""
    words = ["frontline", "batch", *spec.scenarios, "--runs", str(spec.runs)]
    words += ["--seed", str(spec.seed)] if spec.seed else []
    words += [w for path, value in spec.sets for w in ("--set", f"{path}={written(value)}")]
    words += [
        w
        for path, values in spec.sweeps
        for w in ("--sweep", f"{path}={','.join(map(written, values))}")
    ]
    words += [w for decision, option in spec.force for w in ("--force", f"{decision}={option}")]
    words += ["--chunk", str(spec.chunk)] if spec.chunk != DEFAULT_CHUNK else []
    words += ["--out", str(out), "--resume"]
    return shlex.join(words)


@dataclass
class Progress:
    """What the progress callback is told after each chunk."""

    done: int
    total: int
    started: float
    new: int


def execute(
    spec: BatchSpec,
    out: Path,
    *,
    workers: int = 0,
    dask: str | None = None,
    resume: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
    on_checked: Callable[[], None] | None = None,
) -> Progress:
    """Run a batch into ``out`` (see module). Returns the final progress.

    With ``dask="local"`` the LocalCluster starts in a thread while this process checks the
    batch; a scheduler's address is connected to once the batch has been checked.
    ``on_notice`` is told of each chunk that failed verification and is recomputed (by
    default, on standard error); ``on_checked`` is called once the batch has been checked,
    before anything is written.
    """
    job = Job(spec, out, on_progress)
    done = execute_all(
        [job], workers=workers, dask=dask, resume=resume, on_notice=on_notice, on_checked=on_checked
    )
    return done[0]


@dataclass(frozen=True)
class Job:
    """One batch of several that ``execute_all`` runs on the same workers."""

    spec: BatchSpec
    out: Path
    on_progress: Callable[[Progress], None] | None = None


def execute_all(
    jobs: Sequence[Job],
    *,
    workers: int = 0,
    dask: str | None = None,
    resume: bool = False,
    on_notice: Callable[[str], None] | None = None,
    on_checked: Callable[[], None] | None = None,
    again: str = "run the same command with --resume to finish",
) -> list[Progress]:
    """Run several batches one after another, as ``execute`` runs one, on the same workers.

    Every batch is checked before any is written, and one Dask cluster (or client) serves
    them all, so ``--dask local`` starts its LocalCluster once. ``again`` says how to
    finish the batches if the cluster fails during one.
    """
    if on_notice is None:
        on_notice = _notice
    n = workers or default_workers()
    with contextlib.ExitStack() as stack:
        dask_start = stack.enter_context(_DaskStart(dask, n)) if dask else None
        if dask_start is None and n > 1 and any(j.spec.total_runs > j.spec.chunk for j in jobs):
            start_early()
        prepared = []
        for job in jobs:
            check(job.spec)  # each batch's scenarios, as its rows will be computed
            columns = columns_for(job.spec)
            table_schema = schema(job.spec, columns)
            shared = {
                "columns": columns,
                "out": job.out,
                "table_schema": table_schema,
                "sources": sources_for(job.spec),
                "batch": fingerprint(job.spec),
            }
            prepared.append((job, make_plan(job.spec), shared))
        if on_checked is not None:
            on_checked()
        # a cluster that cannot be reached fails the batch before the folder is touched
        client = dask_start.client() if dask_start is not None else None
        results = []
        for job, chunks, shared in prepared:
            make_folder(job.out)
            with _lock(job.out):
                _manifest(
                    job.spec, job.out, chunks, shared["table_schema"], shared["batch"], resume
                )
                try:
                    results.append(
                        _execute_locked(
                            job.spec, job.out, chunks, shared, n, client, job.on_progress, on_notice
                        )
                    )
                except _DaskStopped as exc:
                    raise BatchError(f"{exc}: {again}") from None
        return results


def _notice(message: str) -> None:
    sys.stderr.write(f"frontline batch: {message}\n")


def folder_problem(out: Path, resume: bool) -> str | None:
    """Why a batch cannot start (or resume) in ``out`` as it is (None if it can).

    A batch starts in a new or empty folder, or resumes in its own; anything else in its
    folder (another batch's folder too) would be read with its files by
    ``pandas.read_parquet``. Names that begin with ``_`` or ``.`` are skipped by Parquet
    readers, and so here.
    """
    if not out.is_dir():
        return None
    if (out / MANIFEST).exists():
        if not resume:
            return (
                f"{out} already holds a batch: add --resume to finish it, or choose another --out"
            )
        return None
    others = sorted(p.name for p in out.iterdir() if not p.name.startswith((".", "_")))
    if not others:
        return None
    return (
        f"{out} holds other files ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''}) "
        "and no batch: pandas.read_parquet would read them with the batch's files. Choose a "
        "new or empty folder for --out"
    )


def _manifest(
    spec: BatchSpec, out: Path, chunks: list[Chunk], table_schema: Any, print_: str, resume: bool
) -> None:
    """Check the folder's manifest against this batch, or write it for a new batch."""
    problem = folder_problem(out, resume)
    if problem is not None:
        raise BatchError(problem)
    if (out / MANIFEST).exists():
        old = read_manifest(out)
        if old.fingerprint != print_:
            raise BatchError(f"{out} holds a different batch: {_difference(old.data, spec)}")
    else:
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "spec": spec.to_json(),
            "fingerprint": print_,
            "code_version": code_version(),
            "total_runs": spec.total_runs,
            "chunks": len(chunks),
            "columns": len(table_schema),
            "working_folder": str(Path.cwd()),  # scenario paths are relative to it
        }
        manifest["checksum"] = _checksum(manifest)
        write_atomic(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")


_OPTIONS = {
    "scenarios": "SCENARIO",
    "runs": "--runs",
    "seed": "--seed",
    "sets": "--set",
    "sweeps": "--sweep",
    "force": "--force",
    "chunk": "--chunk",
}
"""Each field of a batch's spec, as the command line names it."""


def _difference(manifest: dict[str, Any], spec: BatchSpec) -> str:
    """What differs between a folder's batch and a new one, and what to do about it."""
    then, now = manifest.get("spec") or {}, spec.to_json()
    changed = [
        f"{option} was {_shown(then.get(field))}, now {_shown(now.get(field))}"
        for field, option in _OPTIONS.items()
        if then.get(field) != now.get(field)
    ]
    if changed:
        return "; ".join(changed) + ". Use the batch's arguments to resume it, or another --out"
    return (
        "its scenario files or the recorded history have changed since it started. "
        "Restore them to resume it, or choose another --out"
    )


def _shown(value: Any) -> str:
    """A spec value as a user would type it: ``a b``, ``PATH=V``, ``PATH=V1,V2`` or ``none``."""
    if not isinstance(value, list):
        return str(value)
    items = []
    for item in value:  # a scenario name, or [path, value] / [path, [values]] / [id, option]
        if isinstance(item, list):
            path, given = item
            shown = ",".join(map(written, given)) if isinstance(given, list) else written(given)
            item = f"{path}={shown}"
        items.append(str(item))
    return " ".join(items) or "none"


def verified_chunks(
    out: Path,
    chunks: list[Chunk],
    batch: str,
    table_schema: Any,
    on_notice: Callable[[str], None],
) -> set[int]:
    """The indices of the chunks whose files pass ``chunk_problem``.

    A file that fails (and any Parquet file that is no chunk of this batch) is moved to
    ``_damaged/``, and ``on_notice`` is told which and why, so that it is recomputed.
    """
    done: set[int] = set()
    names = {c.name for c in chunks}
    for chunk in chunks:
        problem = chunk_problem(out, chunk, batch, table_schema)
        if problem is None:
            done.add(chunk.index)
        elif problem != "missing":
            _set_aside(out, chunk.name)
            on_notice(
                f"{chunk.name} ({chunk.size} runs from run {chunk.first_run}): {problem}; "
                f"it is recomputed (the file is kept in {DAMAGED}/)"
            )
    for stray in sorted(out.glob("*.parquet")):
        if stray.name not in names:
            _set_aside(out, stray.name)
            on_notice(f"{stray.name} is no chunk of this batch; it is moved to {DAMAGED}/")
    return done


def _set_aside(out: Path, name: str) -> None:
    """Move a file that failed verification out of the dataset, into ``_damaged/``."""
    make_folder(out / DAMAGED)
    try:
        os.replace(out / name, out / DAMAGED / name)
    except IsADirectoryError:
        raise BatchError(f"{out / name} is a folder, not a chunk file; remove it") from None
    except OSError as exc:
        raise WriteError(out / name, f"cannot move it to {DAMAGED}/: {exc.strerror}") from None


def _execute_locked(
    spec: BatchSpec,
    out: Path,
    chunks: list[Chunk],
    shared: dict[str, Any],
    n: int,
    client: Any,
    on_progress: Callable[[Progress], None] | None,
    on_notice: Callable[[str], None],
) -> Progress:
    """The part of ``execute`` that runs while this process holds the folder's lock.

    ``shared`` holds ``_work_and_write``'s arguments other than the chunk; ``client`` is a
    Dask client to run them on, or None to run them here.
    """
    make_folder(out / CHECKSUMS)  # here, so that a file in its way is reported before any work
    for stale in [*out.glob(".chunk-*.tmp"), *out.glob(f"{CHECKSUMS}/.*.tmp")]:
        stale.unlink(missing_ok=True)  # left by a batch that was killed (this one holds the lock)
    done = verified_chunks(out, chunks, shared["batch"], shared["table_schema"], on_notice)
    todo = [c for c in chunks if c.index not in done]
    progress = Progress(
        sum(c.size for c in chunks if c.index in done), spec.total_runs, time.perf_counter(), 0
    )
    if on_progress is not None:
        on_progress(progress)
    by_index = {c.index: c for c in chunks}
    if client is not None:
        # a cluster's threads, or the --workers of --dask local (whose workers may still
        # be starting): either way, every worker gets tasks
        work = tasks(todo, max(n, sum(client.nthreads().values())))
        finished: Iterator[list[int]] = _run_dask(work, shared, client)
    elif n > 1 and len(todo) > 1:
        finished = _run_local(tasks(todo, n), shared, n)
    else:
        finished = (_work_and_write(task, **shared) for task in tasks(todo, 1))
    for indices in finished:
        for index in indices:
            chunk = by_index[index]
            progress.done += chunk.size
            progress.new += chunk.size
        if on_progress is not None:
            on_progress(progress)
    return progress


@contextlib.contextmanager
def _lock(out: Path) -> Iterator[None]:
    """Hold an OS lock on ``out/.lock`` so that two batches never write into one folder.

    The system releases the lock when its process ends, however it ends: a lock file left
    by a killed batch is simply locked again. The file holds the holder's process id, for
    the message another batch gives (``frontline.files.locked``).
    """
    with contextlib.ExitStack() as stack:
        try:
            fd = stack.enter_context(locked(out / LOCK, wait=False))
        except WriteError:
            raise
        except OSError:  # another process holds the lock
            holder = _lock_holder(out)
            who = f" (process {holder})" if holder > 0 else ""
            raise BatchError(
                f"another frontline batch{who} is writing into {out}; wait for it to finish "
                "or stop it"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield


def _lock_holder(out: Path) -> int:
    """Whether a batch holds a results folder's lock (this only looks, and holds nothing).

    Returns the holder's process id, -1 if that is not known, or 0 if no batch holds it.
    """
    path = out / LOCK
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return 0
    try:
        lock_file(fd, wait=False)
    except OSError:
        return _holder(fd) or -1
    finally:
        os.close(fd)  # closing releases a lock this probe took
    return 0


def _holder(fd: int) -> int:
    """The process id a lock file holds (0 if it holds none)."""
    try:
        text = os.pread(fd, 32, 0) if hasattr(os, "pread") else b""
        return int(text.decode().strip() or 0)
    except (OSError, ValueError):
        return 0


def default_workers() -> int:
    """The number of cores on this machine."""
    return max(1, os.cpu_count() or 1)


def _run_local(
    work: list[tuple[Chunk, ...]], shared: dict[str, Any], n: int
) -> Iterator[list[int]]:
    """Run tasks on ``n`` local worker processes; yield each task's chunk indices once written.

    Each worker writes its own files, and at most two tasks per worker are in flight, so
    memory stays flat however large the batch. Ctrl-C stops handing out tasks, lets the
    running ones finish and write their files, shuts the workers down, and only then
    raises KeyboardInterrupt (a KeyboardInterrupt inside the pool's machinery can leave
    it hanging).
    """
    stop = threading.Event()
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set()) if main_thread else None
    ctx = context()
    # each worker watches the read end; only this process holds the write end
    reader, writer = ctx.Pipe(duplex=False)
    pool = ProcessPoolExecutor(
        max_workers=n, mp_context=ctx, initializer=_start_worker, initargs=(shared, reader)
    )
    pending: set[Future[list[int]]] = set()
    queue = iter(work)
    try:
        for task in itertools.islice(queue, 2 * n):
            pending.add(pool.submit(_work_local, task))
        while pending:
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                nxt = None if stop.is_set() else next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(_work_local, nxt))
                yield future.result()
            if stop.is_set():
                for future in pending:
                    future.cancel()
                done = [f for f in pending if not f.cancelled()]
                for future in done:
                    yield future.result()  # the running chunks finish and are kept
                break
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        writer.close()  # only once the workers are gone: closing it ends them
        reader.close()
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    if stop.is_set():
        raise KeyboardInterrupt


DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
"""The protocols of a Dask scheduler's address that ``--dask`` takes."""

_DASK_ADDRESS = re.compile(
    r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>[0-9]{1,5})"
)


def dask_address_problem(address: str) -> str | None:
    """Why ``address`` is not one ``--dask`` takes (None if it is).

    It takes ``local``, or a scheduler's ``HOST:PORT`` or ``SCHEME://HOST:PORT``: checked
    here at once, since Dask would say only when it connects, after the batch is checked.
    """
    if address == "local":
        return None
    found = _DASK_ADDRESS.fullmatch(address)
    if (
        found is None
        or (found["scheme"] or "tcp") not in DASK_SCHEMES
        or not 1 <= int(found["port"]) <= 65535
    ):
        return (
            "expected 'local' or a Dask scheduler's address, HOST:PORT or SCHEME://HOST:PORT "
            f"(SCHEME one of {', '.join(DASK_SCHEMES)}; PORT 1 to 65535), such as "
            f"tcp://10.0.0.1:8786, got {echo(address)}"
        )
    return None


CONNECT_TIMEOUT = 20.0
"""Seconds to reach a Dask scheduler, and as many again for it to answer as one."""

WORKER_WAIT = 20.0
"""Seconds to wait for a scheduler with no workers to have one, before giving up."""


def _connect(address: str) -> Any:
    """A client connected to the scheduler at ``address`` (BatchError if there is none).

    Dask bounds the time to open the connection, but not the wait for the scheduler's
    first answer: a server that accepts connections and never answers as Dask does (a web
    server, say) would hold the batch for ever, and one that answers something else makes
    Dask fail in ways of its own. So the client connects in a thread, waited for a bounded
    time, and anything but a connected client is one message.
    """
    from dask.distributed import Client

    # the client logs its attempts to reconnect to a lost scheduler with tracebacks; the
    # batch says itself that the connection was lost (see _dask_failure)
    logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
    found: dict[str, Any] = {}

    def connect() -> None:
        try:
            found["client"] = Client(address, timeout=f"{CONNECT_TIMEOUT}s")
        except BaseException as exc:  # handed to the waiting thread
            found["error"] = exc

    thread = threading.Thread(target=connect, name="frontline-dask-connect", daemon=True)
    thread.start()
    thread.join(2 * CONNECT_TIMEOUT)
    if thread.is_alive():
        raise BatchError(
            f"cannot use the Dask scheduler at {address}: something accepts connections "
            f"there but has not answered as a Dask scheduler in {2 * CONNECT_TIMEOUT:g} s "
            "(is it the scheduler's port, 8786 by default?)"
        )
    error = found.get("error")
    if isinstance(error, KeyboardInterrupt):
        raise error
    if isinstance(error, OSError | ValueError):  # ValueError: an address Dask cannot read
        raise BatchError(f"cannot reach the Dask scheduler at {address}: {error}")
    if error is not None:
        raise BatchError(
            f"cannot use the Dask scheduler at {address}: what answers there is not a Dask "
            f"scheduler, or not one this Dask can talk to ({_brief(error)})"
        )
    return found["client"]


def _wait_for_workers(client: Any, address: str) -> None:
    """Wait (``WORKER_WAIT``) for a scheduler to have a worker: without, a batch never ends."""
    if client.nthreads():
        return
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except (TimeoutError, OSError):
        client.close()
        raise BatchError(
            f"the Dask scheduler at {address} has no workers (none joined in "
            f"{WORKER_WAIT:g} s): start them with 'dask worker {address} --nthreads 1'"
        ) from None


def _brief(exc: BaseException) -> str:
    """An exception as a short line: its type and the start of its message."""
    text = " ".join(str(exc).split())
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _DaskStart:
    """A Dask client. ``local`` starts a LocalCluster in a thread, while this process checks.

    The LocalCluster has ``n`` single-threaded worker processes, forked from the model's
    fork server where there is one. Any other address is a scheduler's, connected to only
    when the batch is ready to run (so that bad arguments fail at once, not after the
    connection's timeout).
    """

    def __init__(self, address: str, n: int) -> None:
        if importlib.util.find_spec("distributed") is None:
            raise BatchError(
                "--dask needs Dask distributed: pip install 'frontline-state[cluster]'"
            )
        problem = dask_address_problem(address)
        if problem is not None:
            raise BatchError(f"--dask: {problem}")
        self.address = address
        self._client: Any = None
        self._cluster: Any = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if address == "local":
            start_early(dask=True)
            self._thread = threading.Thread(
                target=self._start_local, args=(n,), name="frontline-dask-start", daemon=True
            )
            self._thread.start()

    def _start_local(self, n: int) -> None:
        try:
            import dask
            from dask.distributed import Client, LocalCluster

            dask.config.set(LOCAL_CLUSTER_CONFIG)
            if context(dask=True).get_start_method() == "forkserver":
                # the workers start from the fork server that holds Dask and the model
                dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
            self._cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._client = Client(self._cluster)
        except BaseException as exc:  # handed to the main thread by client()
            self._error = exc

    def client(self) -> Any:
        """The connected client (raises what connecting raised)."""
        if self._thread is not None:
            self._thread.join()
        elif self._client is None:
            self._client = _connect(self.address)
            _wait_for_workers(self._client, self.address)
        if self._error is not None:
            raise self._error
        return self._client

    def __enter__(self) -> _DaskStart:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _run_dask(
    work: list[tuple[Chunk, ...]], shared: dict[str, Any], client: Any
) -> Iterator[list[int]]:
    """The same tasks on a Dask distributed cluster, through a connected client.

    The workers write the chunk files themselves, as local workers do, so ``out`` must be
    a folder that every worker can reach (a shared filesystem on a cluster).
    """
    try:
        yield from _run_dask_tasks(work, shared, client)
    except (BatchError, WriteError):  # a worker's own, already clear
        raise
    except Exception as exc:
        raise _DaskStopped(
            f"the batch on Dask stopped: {_dask_failure(exc)}. The finished chunks are kept "
            f"in {shared['out']}"
        ) from None


class _DaskStopped(BatchError):
    """A Dask cluster failed during a batch; ``execute_all`` adds how to finish it."""


def _dask_failure(exc: Exception) -> str:
    """What a Dask failure during a batch means, in a user's words."""
    text = str(exc)
    if "scheduler-connection-lost" in text or type(exc).__name__ == "CommClosedError":
        return "the connection to the Dask scheduler was lost"
    if "already forgotten" in text or type(exc).__name__ == "KilledWorker":
        return (
            "the cluster lost its workers (all of them, or the one computing a task, too "
            "many times)"
        )
    if isinstance(exc, ImportError) or re.search(r"\b(ModuleNotFound|Import)Error\b", text):
        return (
            f"a Dask worker cannot import the model ({_brief(exc)}): install this "
            "version of frontline-state on every worker"
        )
    return f"a task failed on a Dask worker ({_brief(exc)})"


def _run_dask_tasks(
    work: list[tuple[Chunk, ...]], shared: dict[str, Any], client: Any
) -> Iterator[list[int]]:
    """``_run_dask``'s work, whose failures it explains."""
    from dask.distributed import as_completed

    # What every chunk shares goes to each worker once: pickling the 1,500-column schema
    # with every task cost the scheduler's process a second per 40 chunks.
    # Each batch's data gets keys of its own (hash=False): a dict's keys, or a content
    # hash, would name a second batch's data as the first's, which the scheduler may be
    # forgetting at that moment ("computation on lost data").
    big = ("columns", "table_schema", "sources")
    futures_ = client.scatter([shared[k] for k in big], broadcast=True, hash=False)
    scattered = dict(zip(big, futures_, strict=True))
    futures = client.map(
        _work_and_write,
        work,
        **scattered,
        out=shared["out"].resolve(),
        batch=shared["batch"],
        code=code_fingerprint(),
        pure=False,
    )
    for future in as_completed(futures):
        yield future.result()
        future.release()


def tqdm_progress(label: str | None = None) -> Callable[[Progress], None]:
    """A progress bar on standard error: runs done, runs per second, time left."""
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(p: Progress) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(
                total=p.total,
                initial=p.done,
                desc=label,
                unit="run",
                file=sys.stderr,
                dynamic_ncols=True,
                smoothing=0.1,
            )
            bar["last"] = p.done
        b = bar["bar"]
        b.update(p.done - bar["last"])
        bar["last"] = p.done
        if p.done >= p.total:
            b.close()

    return update
