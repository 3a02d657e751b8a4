"""Local worker processes for batches: the start method, and starting it early.

This module imports nothing heavy, so that the ``frontline`` command can start the fork
server before it imports the model itself: the two imports then run side by side.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context

PRELOAD = ("frontline.cli", "frontline.batch", "pyarrow.parquet", "frontline.warm")
"""What a local worker needs imported, and the model's compiled loops loaded
(``frontline.warm``): the fork server does it once for all workers."""


def context(dask: bool = False) -> multiprocessing.context.BaseContext:
    """The start method of local workers: a fork server where there is one, else spawn.

    An explicit context, because importing Mesa changes the global default. The fork server
    imports the model once (and Dask, for a LocalCluster's workers), and every worker starts
    from it with nothing left to import; by default each worker would import the command
    line's modules anew. The preload list counts only if the server is not yet running.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(PRELOAD) + (["distributed"] if dask else []))
    return ctx


def start_early(dask: bool = False) -> None:
    """Start the fork server now, so that it imports the model while this process works."""
    if context(dask).get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
