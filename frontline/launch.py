"""The ``frontline`` console script.

For ``frontline batch`` and ``frontline compare A --against B`` it first starts the fork
server of the local workers, which then imports the model while this process imports the
command line: on two cores the batch starts about a second sooner. Everything else is
``frontline.cli.main``.
"""

from __future__ import annotations

import sys


def _local_workers(argv: list[str]) -> tuple[bool, bool]:
    """Whether a command will run batches on local workers, and whether they run Dask.

    ``batch`` does, and so does ``compare A --against B``, which runs both sides as batches.
    """
    against = argv[:1] == ["compare"] and any(
        a == "--against" or a.startswith("--against=") for a in argv
    )
    if (argv[:1] != ["batch"] and not against) or "-h" in argv or "--help" in argv:
        return False, False
    dask = None
    for k, arg in enumerate(argv):
        if arg == "--dask" and k + 1 < len(argv):
            dask = argv[k + 1]
        elif arg.startswith("--dask="):
            dask = arg.partition("=")[2]
    if dask is not None and dask != "local":
        return False, False  # the workers belong to a cluster elsewhere
    return True, dask == "local"


def main() -> int:
    """Entry point of the ``frontline`` console script."""
    local, dask = _local_workers(sys.argv[1:])
    if local:
        from frontline.workers import start_early

        start_early(dask)
    from frontline.cli import main as cli_main

    return cli_main()
