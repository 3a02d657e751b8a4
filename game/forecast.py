"""The advisor's forecast, computed in worker processes so that the window never freezes.

A forecast is a few hundred rollouts per option (``game.session.forecasts``). In a thread
of the game's own process those rollouts, thousands of small numpy operations, hold the
interpreter lock often enough to make frames late (``benchmarks/game_speed.py`` measures
both); so they run in long-lived worker processes, started once per game with an
explicit ``spawn`` context (the same on Linux, macOS and Windows, and never a fork of a
process that has a window open). Each worker rolls out its share of the rollouts
(``game.session.forecast_share``: a run of replicate ids) and the game merges the shares
(``merge_shares``), which gives the figures of one ensemble of all the rollouts, bit for
bit; two workers on two cores finish a forecast in about two thirds of the time of one.
The workers run at a lower priority than the window, which needs a fifth of a core.
They import ``game.session`` and the model, never pygame. Requests and results cross the
pipes as JSON text: only our own plain data, never anything unpickled from a file.

Results arrive milestone by milestone (one year ahead first), every option at each; a
newer request makes the workers drop an older one between months.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import queue
import sys
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from game.session import ForecastShare, OptionForecast, forecast_share, merge_shares, share_out
from sim import kernels

MAX_WORKERS = 2
"""At most this many forecast workers, however many cores: each holds its own model and
numpy (about 160 MB of its own with numba, measured), and two already roll out their
shares in about two thirds of the time of one."""

NICENESS = 5
"""How much lower than the window's the workers' scheduling priority is (where the system
has priorities to lower: ``os.nice``)."""


def worker_count() -> int:
    """How many forecast workers: one per core this process may use, up to ``MAX_WORKERS``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


@dataclass(frozen=True)
class ForecastResult:
    """One option's forecast for a request (or the error that stopped it)."""

    job: int
    option: str
    forecast: OptionForecast | None
    error: str = ""


def _work(part: int, requests: Any, results: Any, latest: Synchronized[int]) -> None:
    """A worker's loop: roll out its share of the newest request, milestone by milestone."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):  # if not allowed, at the window's priority
            os.nice(NICENESS)
    results.put(json.dumps({"hello": True, "pygame": "pygame" in sys.modules}))
    kernels.warm()  # while the player reads the first screens, not at the first forecast
    while True:
        message = requests.get()
        if message is None:
            return
        job, text, first, count = message
        if latest.value != job:
            continue  # a newer request came in: this one is no longer wanted
        request = json.loads(text)

        def wanted(job: int = job) -> bool:
            return bool(latest.value == job)

        try:
            for share in forecast_share(request, first, count, keep_going=wanted):
                results.put(json.dumps({"job": job, "part": part, "share": share.to_json()}))
        except Exception as exc:  # reported on screen, never silently dropped
            results.put(json.dumps({"job": job, "part": part, "error": repr(exc)}))


class Forecaster:
    """Worker processes that compute forecasts; ``submit`` and then ``poll`` each frame."""

    def __init__(self, workers: int | None = None) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self.workers = worker_count() if workers is None else max(1, workers)
        self._requests: list[Any] = [self._ctx.Queue() for _ in range(self.workers)]
        self._results: Any = self._ctx.Queue()
        self._latest: Synchronized[int] = self._ctx.Value("i", 0)
        self._processes: list[Any] = []
        self._job = 0
        self._request: dict[str, Any] = {}
        self._shares: list[list[ForecastShare]] = []
        self._sent = 0  # milestones of the current job already merged and returned
        self._failed = False
        self.worker_has_pygame: bool | None = None

    def start(self) -> None:
        """Start the workers (they import the model meanwhile; the first forecast is quick)."""
        if self._processes:
            return
        for part, requests in enumerate(self._requests):
            process = self._ctx.Process(
                target=_work,
                args=(part, requests, self._results, self._latest),
                name=f"frontline-forecast-{part}",
                daemon=True,
            )
            process.start()
            self._processes.append(process)

    def submit(self, request: dict[str, Any]) -> int:
        """Ask for a forecast; returns its job number (older jobs are abandoned)."""
        self.start()
        self._job += 1
        with self._latest.get_lock():
            self._latest.value = self._job
        text = json.dumps(request)
        shares = share_out(int(request.get("rollouts", 1)), self.workers)
        self._request = {
            key: request.get(key) for key in ("options", "actor", "rollouts", "milestones")
        }
        self._shares = [[] for _ in shares]
        self._sent = 0
        self._failed = False
        for requests, (first, count) in zip(self._requests, shares, strict=False):
            requests.put((self._job, text, first, count))
        return self._job

    def cancel(self) -> None:
        """Abandon the current job."""
        self._job += 1
        with self._latest.get_lock():
            self._latest.value = self._job

    def poll(self) -> list[ForecastResult]:
        """The results that have arrived since the last call (never blocks).

        Every option's forecast at a milestone, once every worker has reached it.
        """
        out: list[ForecastResult] = []
        while True:
            try:
                text = self._results.get_nowait()
            except queue.Empty:
                break
            data = json.loads(text)
            if "hello" in data:
                self.worker_has_pygame = bool(self.worker_has_pygame) or bool(data["pygame"])
                continue
            if int(data["job"]) != self._job or self._failed:
                continue  # an abandoned job's, or the current one has failed already
            if "error" in data:
                self._failed = True
                options = [str(o) for o in self._request.get("options") or ()]
                out += [ForecastResult(self._job, o, None, str(data["error"])) for o in options]
                continue
            self._shares[int(data["part"])].append(ForecastShare.from_json(data["share"]))
            out += self._merged()
        return out

    def _merged(self) -> list[ForecastResult]:
        """The current job's forecasts at each milestone every worker has now reached."""
        out = []
        while all(len(s) > self._sent for s in self._shares):
            self._sent += 1
            stage = merge_shares(self._request, [s[: self._sent] for s in self._shares])
            out += [ForecastResult(self._job, f.option, f) for f in stage]
        return out

    @property
    def alive(self) -> bool:
        """Whether every worker process is running."""
        return bool(self._processes) and all(p.is_alive() for p in self._processes)

    def close(self) -> None:
        """Stop the workers and wait for them (briefly)."""
        if not self._processes:
            return
        self.cancel()
        try:
            for requests in self._requests:
                requests.put(None)
            for process in self._processes:
                process.join(timeout=2.0)
        finally:
            for process in self._processes:
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=1.0)
            self._processes = []
            # a request larger than the pipe holds may still be on its way to a worker that
            # is gone: without this, the queue's feeder thread would hold the exit forever
            for requests in self._requests:
                requests.cancel_join_thread()
                requests.close()
            self._results.close()
