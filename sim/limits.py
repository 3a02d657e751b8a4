"""The limits of what a run, a batch or a file may ask for, in one place.

Each keeps a mistyped number from filling memory or the disk before anything useful
happens; each is refused with a message that names the argument and the limit. The
README lists them.
"""

from __future__ import annotations

import os

MAX_SEED = 2**63
"""Seeds run from 0 to 2**63 - 1: a batch's seed column is int64, and the random streams
take a seed modulo 2**64, so 2**64 would silently be the run of seed 0."""

MAX_REPLICATES = 1_000_000
"""The most replicates one ``FrontlineModel`` advances together (a batch runs its chunks of
at most ``MAX_CHUNK``): each keeps its own state and, recorded monthly, about 150 KB of
history for the baseline, so a million is already more than most machines hold."""

MAX_MONTHS = 1200
"""The longest scenario, in months (a century; the 1947-1991 baseline runs 533). Every
month of a run is kept in memory and every year is a batch column."""

DEFAULT_CHUNK = 1000
"""Runs per chunk, the unit of work, of files and of resuming.

Each chunk's file costs about as much to write for 500 runs as for 1,000 (the 1,551
columns, not the rows, set the cost), so a chunk is two slabs."""

MAX_RUNS = 100_000_000
"""The most runs in one batch (scenarios x combinations x ``--runs``): about 22 hours of the
baseline on two cores (the README's Speed gives the rate)."""

MAX_CHUNK = 10_000
"""The largest chunk: its rows are held in memory until its file is written (about 120 MB
for 10,000 runs of the baseline)."""

MAX_CHUNKS = 100_000
"""The most chunks (files) in one batch."""

MAX_COMBINATIONS = 1_000
"""The most scenarios x sweep combinations: each is loaded and checked before a batch runs."""

MAX_COMPARE_RUNS = 5_000
"""The most runs ``compare`` and ``calibrate`` run of a scenario at once: each keeps its
whole monthly history in memory (about 150 KB a run for the baseline). For more, run a
batch and compare its folder."""

MAX_DIVERGENCE_RUNS = 100_000
"""The most runs of each side of ``compare A --against B``. The runs are batches, written
to disk chunk by chunk (5.5 MB per 1,000 runs of the baseline), but the report holds the
choices, events and attitudes of every run of both sides in memory: 100,000 a side of the
baseline took 165 s on two cores, with a peak of 0.77 GB in the report's process."""

MAX_BUDGET = 10_000
"""The most evaluations ``calibrate`` may spend."""

MAX_RUN_BYTES = 64_000_000
"""The largest saved run (``run.json``) read back: the baseline's is 0.76 MB a replicate."""

MAX_DEPTH = 64
"""The deepest nesting of lists and mappings in a saved run (its scenario's conditions
included); deeper data is refused before anything recurses into it."""


def machine_memory() -> int | None:
    """The physical memory of this machine in bytes, where the system tells it (None: unknown).

    POSIX systems give it through ``sysconf``; elsewhere (Windows) it is unknown, and the
    checks that compare with it are skipped.
    """
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * size if pages > 0 and size > 0 else None


def size_words(count: float) -> str:
    """A number of bytes for a message: ``30.7 MB``, ``1.5 GB``, ``153 GB``."""
    unit, size = next(
        ((unit, size) for unit, size in (("GB", 1e9), ("MB", 1e6)) if count >= size), ("KB", 1e3)
    )
    value = count / size
    return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
