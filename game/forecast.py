"""The advisor's forecast, computed in a worker process so that the window never freezes.

A forecast is a few hundred rollouts per option (``game.session.forecasts``). In a thread
of the game's own process those rollouts, thousands of small numpy operations, hold the
interpreter lock often enough to make frames late (``benchmarks/game_speed.py`` measures
both); so they run in one long-lived worker process, started once per game with an
explicit ``spawn`` context (the same on Linux, macOS and Windows, and never a fork of a
process that has a window open). The worker imports ``game.session`` and the model, never
pygame. Requests and results cross two one-way pipes as JSON text: only our own plain
data, never anything unpickled from a file.

Results arrive milestone by milestone (one year ahead first), every option at each. A newer
request, or a cancel, makes the worker drop the one it is computing between months: it
looks for a waiting message on its pipe. Nothing here is a ``multiprocessing`` queue, lock
or shared value, so the game makes no named semaphores, and none can be left behind at its
exit (the resource tracker's "leaked semaphore objects" warning). A request is written to
its pipe by a thread of the game, so that the window never waits for a busy or still
starting worker to read it. A worker that dies answers the job it had with an error, and
the next request starts a new one.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from game.session import OptionForecast, forecasts
from sim import kernels

STOP = b"stop"
"""The message that ends the worker."""

CANCEL = b"cancel"
"""The message that drops the job the worker is computing, and asks for nothing else."""


@dataclass(frozen=True)
class ForecastResult:
    """One option's forecast for a request (or the error that stopped it)."""

    job: int
    option: str
    forecast: OptionForecast | None
    error: str = ""


def _work(requests: Connection, results: Connection) -> None:
    """The worker's loop: compute the newest request, sending every option at each milestone."""
    results.send_bytes(json.dumps({"hello": True, "pygame": "pygame" in sys.modules}).encode())
    kernels.warm()  # while the player reads the first screens, not at the first forecast
    while True:
        try:
            message = requests.recv_bytes()
        except EOFError:  # the game has gone
            return
        if message == STOP:
            return
        if message == CANCEL or requests.poll():
            continue  # a newer message is waiting: this one is no longer wanted
        data = json.loads(message)
        job, request = int(data["job"]), data["request"]

        def wanted() -> bool:
            return not requests.poll()

        try:
            for stage in forecasts(request, keep_going=wanted):
                for forecast in stage:
                    out = {"job": job, "option": forecast.option, "forecast": forecast.to_json()}
                    results.send_bytes(json.dumps(out).encode())
        except Exception as exc:  # reported on screen, never silently dropped
            for option in request["options"]:
                out = {"job": job, "option": option, "error": repr(exc)}
                results.send_bytes(json.dumps(out).encode())


def _send(outbox: queue.SimpleQueue[bytes | None], requests: Connection) -> None:
    """The game's sending thread: write each message into the worker's pipe, in order."""
    while True:
        message = outbox.get()
        if message is None:
            return
        try:
            requests.send_bytes(message)
        except OSError:  # the worker has gone: the game hears of it from the results pipe
            return


class Forecaster:
    """A worker process that computes forecasts; ``submit`` and then ``poll`` each frame."""

    def __init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._process: Any = None
        self._results: Connection | None = None
        self._requests: Connection | None = None
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self._job = 0
        self._options: list[str] = []  # the current job's, to answer if the worker dies
        self.worker_has_pygame: bool | None = None

    def start(self) -> None:
        """Start the worker (it imports the model meanwhile; the first forecast is then quick).

        A worker that has died is replaced.
        """
        if self._process is not None and self._process.is_alive():
            return
        self._stop_worker()
        requests_in, requests_out = self._ctx.Pipe(duplex=False)
        results_in, results_out = self._ctx.Pipe(duplex=False)
        self._process = self._ctx.Process(
            target=_work,
            args=(requests_in, results_out),
            name="frontline-forecast",
            daemon=True,
        )
        self._process.start()
        requests_in.close()  # the worker's ends: this process keeps only its own
        results_out.close()
        self._requests, self._results = requests_out, results_in
        self._outbox = queue.SimpleQueue()
        self._sender = threading.Thread(
            target=_send, args=(self._outbox, requests_out), name="forecast-sender", daemon=True
        )
        self._sender.start()

    def submit(self, request: dict[str, Any]) -> int:
        """Ask for a forecast; returns its job number (older jobs are abandoned)."""
        self.start()
        self._job += 1
        self._options = [str(o) for o in request.get("options", ())]
        self._outbox.put(json.dumps({"job": self._job, "request": request}).encode())
        return self._job

    def cancel(self) -> None:
        """Abandon the current job."""
        self._job += 1
        self._options = []
        if self._process is not None:
            self._outbox.put(CANCEL)

    def poll(self) -> list[ForecastResult]:
        """The results that have arrived since the last call (never blocks).

        If the worker has died, the current job's options are answered with an error.
        """
        out: list[ForecastResult] = []
        results = self._results
        if results is None:
            return out
        try:
            while results.poll():
                data = json.loads(results.recv_bytes())
                if "hello" in data:
                    self.worker_has_pygame = bool(data["pygame"])
                    continue
                forecast = (
                    OptionForecast.from_json(data["forecast"]) if "forecast" in data else None
                )
                out.append(
                    ForecastResult(
                        int(data["job"]), str(data["option"]), forecast, data.get("error", "")
                    )
                )
        except (EOFError, OSError):  # the worker has gone
            error = "the forecast's worker process stopped"
            out += [ForecastResult(self._job, option, None, error) for option in self._options]
            self._options = []
            self._stop_worker()
        return out

    @property
    def alive(self) -> bool:
        """Whether the worker process is running."""
        return self._process is not None and bool(self._process.is_alive())

    def close(self) -> None:
        """Stop the worker and wait for it (briefly)."""
        if self._process is None:
            return
        self.cancel()
        self._outbox.put(STOP)
        deadline = time.monotonic() + 2.0
        while self._process.is_alive() and time.monotonic() < deadline:
            self._drop_results()  # a worker stuck writing to a full pipe could not stop
            self._process.join(timeout=0.05)
        self._stop_worker()

    def _drop_results(self) -> None:
        """Read and drop whatever the worker has sent."""
        try:
            while self._results is not None and self._results.poll():
                self._results.recv_bytes()
        except (EOFError, OSError):
            pass  # the worker has gone: nothing more will come

    def _stop_worker(self) -> None:
        """End the worker, its pipes and the sending thread, whatever state they are in."""
        process, self._process = self._process, None
        if process is not None:
            for stop in (process.terminate, process.kill):
                if process.is_alive():
                    stop()
                    process.join(timeout=1.0)
            if not process.is_alive():
                process.close()
        # the sender ends at None, or at once if it is writing to a worker that has gone
        self._outbox.put(None)
        if self._sender is not None:
            self._sender.join(timeout=1.0)
        for end in (self._requests, self._results):
            if end is not None:
                end.close()
        self._requests = self._results = self._sender = None
