"""Runs per second of ``frontline batch`` against one model per run through ``mesa.batch_run``.

Usage: ``python benchmarks/batch_speed.py [--runs N] [--mesa-runs M] [--workers K]``.
Both measurements run the full 1947-1991 baseline on this machine's cores, in this one
invocation, and the ratio between them is the figure to compare across machines.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import mesa

from frontline.batch import execute
from sim import FrontlineModel, load_scenario
from sim.batch import BatchSpec


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


def batch_rate(runs: int, workers: int) -> float:
    """Runs per second of a frontline batch of the baseline."""
    spec = BatchSpec(("baseline",), runs, seed=1)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        execute(spec, Path(out) / "b", workers=workers)
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
    """Measure both and print them with their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2000, help="runs for frontline batch")
    parser.add_argument("--mesa-runs", type=int, default=40, help="runs for mesa.batch_run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    ours = batch_rate(args.runs, args.workers)
    theirs = mesa_rate(args.mesa_runs, args.workers)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"baseline 1947-1991, {args.workers} worker(s), one invocation")
    print(f"frontline batch:  {ours:8.1f} runs/s  ({args.runs} runs)")
    print(f"mesa.batch_run:   {theirs:8.1f} runs/s  ({args.mesa_runs} runs)")
    print(f"ratio: {ours / theirs:.1f}x   (peak resident memory of this process: {peak:.0f} MB)")


if __name__ == "__main__":
    main()
