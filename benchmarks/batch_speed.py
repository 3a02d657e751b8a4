"""Runs per second of ``frontline batch`` against one model per run through ``mesa.batch_run``.

Usage: ``python benchmarks/batch_speed.py [--runs N] [--mesa-runs M] [--workers K]
[--rounds R] [--dask]``. Every measurement runs the full 1947-1991 baseline on this
machine's cores, in this one invocation, taking turns, so that a slow spell of a shared
machine slows them all; the ratios between them are the figures to compare across
machines. ``--dask`` also measures ``--dask local`` on the same cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import mesa

from frontline.batch import execute
from frontline.workers import start_early
from sim import FrontlineModel, load_scenario
from sim.batch import BatchSpec
from sim.limits import DEFAULT_CHUNK


@cache
def _baseline() -> Any:
    return load_scenario("baseline")


class OneRunModel(FrontlineModel):
    """The baseline as one Mesa model per run (R = 1), as mesa.batch_run expects."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__(_baseline(), seed=seed)
        self.datacollector = mesa.DataCollector(model_reporters={"pak_ussr": "pak_ussr"})

    @property
    def pak_ussr(self) -> float:
        """Pakistan's attitude to the Soviet Union (what the collector reports)."""
        return float(self.state.attitudes[0, 0, 1])

    def step(self) -> None:
        """One month, then the collector's record (mesa.batch_run reads one per step)."""
        super().step()
        self.datacollector.collect(self)


def batch_rate(runs: int, workers: int, dask: str | None = None) -> float:
    """Runs per second of a frontline batch of the baseline (locally, or on Dask)."""
    spec = BatchSpec(("baseline",), runs, seed=1)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        execute(spec, Path(out) / "b", workers=workers, dask=dask)
        return runs / (time.perf_counter() - start)


def mesa_rate(runs: int, workers: int) -> float:
    """Runs per second of mesa.batch_run, one model per run."""
    months = _baseline().months
    start = time.perf_counter()
    mesa.batch_run(
        OneRunModel,
        parameters={"seed": list(range(runs))},
        iterations=1,
        max_steps=months,
        number_processes=workers,
        data_collection_period=-1,
        display_progress=False,
    )
    return runs / (time.perf_counter() - start)


def main() -> None:
    """Measure each in turn, ``--rounds`` times, and print the medians with their ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20000, help="runs per frontline batch")
    parser.add_argument("--mesa-runs", type=int, default=40, help="runs for mesa.batch_run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=5, help="measurements of each")
    parser.add_argument("--dask", action="store_true", help="also measure --dask local")
    args = parser.parse_args()
    # As the frontline command does, start the workers' fork server first; a small batch
    # (and one on Dask, which imports it) waits until all is ready, so that every round
    # measures the same thing.
    start_early(dask=args.dask)
    batch_rate(2 * DEFAULT_CHUNK, args.workers)
    if args.dask:
        batch_rate(2 * DEFAULT_CHUNK, args.workers, dask="local")
    rates: dict[str, list[float]] = {"local": [], "mesa": [], "dask": []}
    for _ in range(args.rounds):  # interleaved, so that a slow spell of the machine hits all
        rates["local"].append(batch_rate(args.runs, args.workers))
        if args.dask:  # right after the local batch it is compared with
            rates["dask"].append(batch_rate(args.runs, args.workers, dask="local"))
        rates["mesa"].append(mesa_rate(args.mesa_runs, args.workers))
    ours, theirs = statistics.median(rates["local"]), statistics.median(rates["mesa"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"baseline 1947-1991, {args.workers} worker(s), {args.rounds} round(s), one invocation")
    print(f"frontline batch:       {ours:8.1f} runs/s  ({args.runs} runs; {_each(rates['local'])})")
    print(f"mesa.batch_run:        {theirs:8.1f} runs/s  ({args.mesa_runs} runs)")
    paired = _paired(rates["local"], rates["mesa"])
    print(f"ratio: {ours / theirs:.1f}x (median of the rounds' ratios: {paired}x)")
    if args.dask:
        dask = statistics.median(rates["dask"])
        print(f"frontline batch --dask local: {dask:8.1f} runs/s  ({_each(rates['dask'])})")
        paired = _paired(rates["dask"], rates["local"])
        print(f"dask / local: {dask / ours:.2f} (median of the rounds' ratios: {paired})")
    print(f"peak resident memory of this process: {peak:.0f} MB")


def _paired(top: list[float], bottom: list[float]) -> str:
    """The median over rounds of each round's ratio: a slow spell hits both sides of it."""
    return f"{statistics.median(t / b for t, b in zip(top, bottom, strict=True)):.2f}"


def _each(rates: list[float]) -> str:
    return "rounds: " + ", ".join(f"{r:.0f}" for r in rates)


if __name__ == "__main__":
    main()
