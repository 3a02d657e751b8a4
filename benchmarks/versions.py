"""Runs per second of ``frontline batch`` now, against an earlier version, in one invocation.

Usage: ``python benchmarks/versions.py [--against REV] [--runs N] [--rounds R]``. It checks
the earlier revision (default ``1646c8b``, the last version before decision options became
acts) out into a temporary git worktree and runs the baseline as a batch of N runs with each
version in turn, R rounds, so that a slow spell of a shared machine slows both. It prints
each round's runs per second and the median of the rounds' ratios (now / then), the figure
the issues' speed targets are stated in ("within 2x of today's": a ratio of at least 0.5).
Both versions run with this checkout's installed packages, in fresh processes, timed from
the batch's own clock (after Python's start-up and imports). Needs git and this clone's
history.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

CODE = """
import sys, time
from pathlib import Path
from frontline.batch import execute
from sim.batch import BatchSpec
out = Path(sys.argv[1])
spec = BatchSpec(("baseline",), int(sys.argv[2]))
started = time.perf_counter()
progress = execute(spec, out, workers=int(sys.argv[3]))
print(progress.new / (time.perf_counter() - started))
"""


def _rate(tree: Path, runs: int, workers: int, out: Path) -> float:
    """Runs per second of one batch of the baseline, with the code of ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, "-c", CODE, str(out), str(runs), str(workers)],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    numbers = re.findall(r"^[0-9.]+$", done.stdout, flags=re.M)
    return float(numbers[-1])


def main() -> None:
    """Run the comparison and print it (and one JSON line)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="1646c8b", help="the earlier revision")
    parser.add_argument("--runs", type=int, default=6000, help="runs per batch")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        then = Path(tmp) / "then"
        subprocess.run(
            ["git", "-C", str(HERE), "worktree", "add", "--detach", str(then), args.against],
            check=True,
            capture_output=True,
        )
        try:
            rates: dict[str, list[float]] = {"now": [], "then": []}
            for k in range(args.rounds):
                for name, tree in (("then", then), ("now", HERE)):
                    out = Path(tmp) / f"{name}-{k}"
                    rates[name].append(_rate(tree, args.runs, args.workers, out))
                print(
                    f"round {k + 1}: now {rates['now'][-1]:,.0f} runs/s, "
                    f"then {rates['then'][-1]:,.0f} runs/s, "
                    f"ratio {rates['now'][-1] / rates['then'][-1]:.2f}"
                )
        finally:
            subprocess.run(
                ["git", "-C", str(HERE), "worktree", "remove", "--force", str(then)],
                check=False,
                capture_output=True,
            )
    ratios = [n / t for n, t in zip(rates["now"], rates["then"], strict=True)]
    summary = {
        "against": args.against,
        "runs": args.runs,
        "now_median": statistics.median(rates["now"]),
        "then_median": statistics.median(rates["then"]),
        "ratio_median": statistics.median(ratios),
        "ratios": [round(r, 3) for r in ratios],
    }
    print(
        f"median: now {summary['now_median']:,.0f} runs/s, then {summary['then_median']:,.0f} "
        f"runs/s; median ratio now/then {summary['ratio_median']:.2f}"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
