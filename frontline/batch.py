"""``frontline batch``: run a batch on this machine's cores or on Dask, into resumable Parquet.

The results folder holds ``_manifest.json`` (what the batch is, with a fingerprint of the
scenarios and the code version) and one Parquet file per chunk, each written to a
temporary name and renamed when complete. ``--resume`` runs only the missing chunks; the
finished dataset is the same as an uninterrupted one. Load it with
``pandas.read_parquet(DIR)``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from frontline.files import write_atomic
from frontline.workers import context, start_early
from sim.batch import (
    BatchSpec,
    Chunk,
    Columns,
    ScenarioKey,
    check,
    chunks_done,
    columns_for,
    fingerprint,
    run_chunk,
    scenario_from_sources,
    sources_for,
)
from sim.batch import plan as make_plan

MANIFEST = "_manifest.json"  # a leading underscore: Parquet readers skip it
LOCK = ".lock"  # a leading dot: Parquet readers skip it
FORMAT = "frontline-state/batch"


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


class BatchError(Exception):
    """A batch cannot start or resume; the message says why and what to do."""


def _work_and_write(
    chunk: Chunk,
    columns: Columns,
    out: Path,
    table_schema: Any,
    sources: dict[ScenarioKey, dict[str, Any]],
    batch: str,
) -> int:
    """Compute one chunk and write its file, in a worker (no rows cross processes).

    ``sources`` holds the batch's scenario data and ``batch`` its fingerprint (see
    ``sim.batch.sources_for``).
    """
    scenario = scenario_from_sources(chunk, sources, batch)
    write_chunk(out, chunk, run_chunk(chunk, columns, scenario), table_schema)
    return chunk.index


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


def _work_local(chunk: Chunk) -> int:
    """``_work_and_write`` with the batch's shared arguments (sent once, not per chunk)."""
    return _work_and_write(chunk, **_BATCH)


def schema(spec: BatchSpec, columns: Columns) -> Any:
    """The one schema every chunk file of a batch has (a pyarrow schema)."""
    import pyarrow as pa  # imported here: the rest of the CLI starts without it

    numeric = {}
    for path, value in spec.sets:
        numeric[path] = isinstance(value, int | float) and not isinstance(value, bool)
    for path, values in spec.sweeps:
        numeric[path] = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
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
    return pa.schema(fields)


def write_chunk(out: Path, chunk: Chunk, data: dict[str, Any], table_schema: Any) -> None:
    """Write a chunk's rows under a temporary name, then rename it into place."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pydict(data, schema=table_schema)
    final = out / chunk.name
    tmp = out / f".{chunk.name}.{os.getpid()}.tmp"
    try:
        # per-column dictionaries and statistics cost more than they give on 1,500 columns
        pq.write_table(
            table, tmp, compression="snappy", use_dictionary=False, write_statistics=False
        )
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def code_version() -> str:
    """The installed package's version."""
    try:
        return metadata.version("frontline-state")
    except metadata.PackageNotFoundError:
        return "unknown"


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of a results folder (BatchError if there is none or it is not one)."""
    path = out / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BatchError(f"{out} holds no batch ({MANIFEST} is missing)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BatchError(f"{path} is not a batch manifest ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BatchError(f"{path} is not a Frontline State batch manifest")
    return data


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
) -> Progress:
    """Run a batch into ``out`` (see module). Returns the final progress.

    With ``dask="local"`` the LocalCluster starts in a thread while this process checks the
    batch; a scheduler's address is connected to once the batch has been checked.
    """
    n = workers or default_workers()
    with contextlib.ExitStack() as stack:
        dask_start = stack.enter_context(_DaskStart(dask, n)) if dask else None
        if dask_start is None and n > 1 and spec.total_runs > spec.chunk:
            start_early()
        check(spec)
        chunks = make_plan(spec)
        columns = columns_for(spec)
        table_schema = schema(spec, columns)
        print_ = fingerprint(spec)
        shared = {
            "columns": columns,
            "out": out,
            "table_schema": table_schema,
            "sources": sources_for(spec),
            "batch": print_,
        }
        # a cluster that cannot be reached fails the batch before the folder is touched
        client = dask_start.client() if dask_start is not None else None
        out.mkdir(parents=True, exist_ok=True)
        with _lock(out):
            _manifest(spec, out, chunks, table_schema, print_, resume)
            return _execute_locked(spec, out, chunks, shared, n, client, on_progress)


def _manifest(
    spec: BatchSpec, out: Path, chunks: list[Chunk], table_schema: Any, print_: str, resume: bool
) -> None:
    """Check the folder's manifest against this batch, or write it for a new batch."""
    if (out / MANIFEST).exists():
        old = read_manifest(out)
        if not resume:
            raise BatchError(
                f"{out} already holds a batch: add --resume to finish it, or choose another --out"
            )
        if old.get("fingerprint") != print_:
            raise BatchError(f"{out} holds a different batch: {_difference(old, spec)}")
    else:
        if any(p.suffix == ".parquet" for p in out.iterdir()):
            raise BatchError(f"{out} holds Parquet files but no {MANIFEST}; choose another --out")
        manifest = {
            "format": FORMAT,
            "version": 1,
            "spec": spec.to_json(),
            "fingerprint": print_,
            "code_version": code_version(),
            "total_runs": spec.total_runs,
            "chunks": len(chunks),
            "columns": len(table_schema),
        }
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
            item = f"{path}={','.join(map(str, given)) if isinstance(given, list) else given}"
        items.append(str(item))
    return " ".join(items) or "none"


def _execute_locked(
    spec: BatchSpec,
    out: Path,
    chunks: list[Chunk],
    shared: dict[str, Any],
    n: int,
    client: Any,
    on_progress: Callable[[Progress], None] | None,
) -> Progress:
    """The part of ``execute`` that runs while this process holds the folder's lock.

    ``shared`` holds ``_work_and_write``'s arguments other than the chunk; ``client`` is a
    Dask client to run them on, or None to run them here.
    """
    for stale in out.glob(".chunk-*.tmp"):
        stale.unlink(missing_ok=True)
    done = chunks_done([p.name for p in out.iterdir()], chunks)
    todo = [c for c in chunks if c.index not in done]
    progress = Progress(
        sum(c.size for c in chunks if c.index in done), spec.total_runs, time.perf_counter(), 0
    )
    if on_progress is not None:
        on_progress(progress)
    by_index = {c.index: c for c in chunks}
    if client is not None:
        finished: Iterator[int] = _run_dask(todo, shared, client)
    elif n > 1 and len(todo) > 1:
        finished = _run_local(todo, shared, n)
    else:
        finished = (_work_and_write(chunk, **shared) for chunk in todo)
    for index in finished:
        chunk = by_index[index]
        progress.done += chunk.size
        progress.new += chunk.size
        if on_progress is not None:
            on_progress(progress)
    return progress


@contextlib.contextmanager
def _lock(out: Path) -> Iterator[None]:
    """Hold ``out/.lock`` so that two batches never write into one folder at once."""
    path = out / LOCK
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                holder = int(path.read_text().strip() or "0")
            except (OSError, ValueError):
                holder = 0
            if holder and _alive(holder):
                raise BatchError(
                    f"another frontline batch (process {holder}) is writing into {out}; wait "
                    "for it to finish or stop it"
                ) from None
            path.unlink(missing_ok=True)  # left by a batch that was killed
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
        return
    raise BatchError(f"cannot take the lock {path}")


def _alive(pid: int) -> bool:
    """Whether a process exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def default_workers() -> int:
    """The number of cores on this machine."""
    return max(1, os.cpu_count() or 1)


def _run_local(todo: list[Chunk], shared: dict[str, Any], n: int) -> Iterator[int]:
    """Run chunks on ``n`` local worker processes; yield each chunk's index once it is written.

    Each worker writes its own files, and at most two chunks per worker are in flight, so
    memory stays flat however large the batch. Ctrl-C stops handing out chunks, lets the
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
    pending: set[Future[int]] = set()
    queue = iter(todo)
    try:
        for chunk in itertools.islice(queue, 2 * n):
            pending.add(pool.submit(_work_local, chunk))
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
            from dask.distributed import Client

            try:
                self._client = Client(self.address, timeout="20s")
            except OSError as exc:
                raise BatchError(
                    f"cannot reach the Dask scheduler at {self.address}: {exc}"
                ) from None
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


def _run_dask(todo: list[Chunk], shared: dict[str, Any], client: Any) -> Iterator[int]:
    """The same chunks on a Dask distributed cluster, through a connected client.

    The workers write the chunk files themselves, as local workers do, so ``out`` must be
    a folder that every worker can reach (a shared filesystem on a cluster).
    """
    from dask.distributed import as_completed

    # What every chunk shares goes to each worker once: pickling the 1,500-column schema
    # with every task cost the scheduler's process a second per 40 chunks.
    big = ("columns", "table_schema", "sources")
    scattered = client.scatter({k: shared[k] for k in big}, broadcast=True)
    futures = client.map(
        _work_and_write,
        todo,
        **scattered,
        out=shared["out"].resolve(),
        batch=shared["batch"],
        pure=False,
    )
    for future in as_completed(futures):
        yield future.result()
        future.release()


def tqdm_progress() -> Callable[[Progress], None]:
    """A progress bar on standard error: runs done, runs per second, time left."""
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(p: Progress) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(
                total=p.total,
                initial=p.done,
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
