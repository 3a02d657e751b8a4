"""Runs per second of the shipped scenario at R = 1 and at R = 1000, measured in one process.

Usage: ``python benchmarks/run_speed.py [SCENARIO] [--seconds S]``. The ratio is the
figure to compare across machines: both numbers come from the same process and scenario.
"""

from __future__ import annotations

import argparse
import time

from sim import FrontlineModel, load_scenario


def runs_per_second(scenario_name: str, replicates: int, seconds: float) -> tuple[float, int]:
    """Repeat whole runs of ``replicates`` replicates for about ``seconds``; return runs/s."""
    scenario = load_scenario(scenario_name)
    FrontlineModel(scenario, seed=0, replicates=replicates).run()  # warm-up
    runs, start, seed = 0, time.perf_counter(), 1
    while True:
        FrontlineModel(scenario, seed=seed, replicates=replicates).run()
        runs += replicates
        seed += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return runs / elapsed, runs


def main() -> None:
    """Print runs per second at R = 1 and R = 1000 and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", nargs="?", default="choosing-a-camp")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    months = load_scenario(args.scenario).months
    single, n1 = runs_per_second(args.scenario, 1, args.seconds)
    batch, n2 = runs_per_second(args.scenario, 1000, args.seconds)
    print(f"scenario {args.scenario} ({months} months), one process")
    print(f"R = 1:    {single:10.1f} runs/s  ({n1} runs)")
    print(f"R = 1000: {batch:10.1f} runs/s  ({n2} runs)")
    print(f"ratio R=1000 / R=1: {batch / single:.1f}x")


if __name__ == "__main__":
    main()
