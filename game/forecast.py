"""The advisor's forecast, computed in a worker process so that the window never freezes.

A forecast is a few hundred rollouts per option (``game.session.forecasts``). In a thread
of the game's own process those rollouts, thousands of small numpy operations, hold the
interpreter lock often enough to make frames late (``benchmarks/game_speed.py`` measures
both); so they run in one long-lived worker process, started once per game with an
explicit ``spawn`` context (the same on Linux, macOS and Windows, and never a fork of a
process that has a window open). The worker imports ``game.session`` and the model, never
pygame. Requests and results cross the pipe as JSON text: only our own plain data, never
anything unpickled from a file.

Results arrive milestone by milestone (one year ahead first), every option at each; a
newer request makes the worker drop an older one between months.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import sys
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from game.session import OptionForecast, forecasts
from sim import kernels


@dataclass(frozen=True)
class ForecastResult:
    """One option's forecast for a request (or the error that stopped it)."""

    job: int
    option: str
    forecast: OptionForecast | None
    error: str = ""


def _work(requests: Any, results: Any, latest: Synchronized[int]) -> None:
    """The worker's loop: compute the newest request, sending every option at each milestone."""
    results.put(json.dumps({"hello": True, "pygame": "pygame" in sys.modules}))
    kernels.warm()  # while the player reads the first screens, not at the first forecast
    while True:
        message = requests.get()
        if message is None:
            return
        job, text = message
        request = json.loads(text)
        if latest.value != job:
            continue  # a newer request came in: this one is no longer wanted

        def wanted(job: int = job) -> bool:
            return bool(latest.value == job)

        try:
            for stage in forecasts(request, keep_going=wanted):
                for forecast in stage:
                    data: dict[str, Any] = forecast.to_json()
                    results.put(
                        json.dumps({"job": job, "option": forecast.option, "forecast": data})
                    )
        except Exception as exc:  # reported on screen, never silently dropped
            for option in request["options"]:
                results.put(json.dumps({"job": job, "option": option, "error": repr(exc)}))


class Forecaster:
    """A worker process that computes forecasts; ``submit`` and then ``poll`` each frame."""

    def __init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._requests: Any = self._ctx.Queue()
        self._results: Any = self._ctx.Queue()
        self._latest: Synchronized[int] = self._ctx.Value("i", 0)
        self._process: Any = None
        self._job = 0
        self.worker_has_pygame: bool | None = None

    def start(self) -> None:
        """Start the worker (it imports the model meanwhile; the first forecast is then quick)."""
        if self._process is None:
            self._process = self._ctx.Process(
                target=_work,
                args=(self._requests, self._results, self._latest),
                name="frontline-forecast",
                daemon=True,
            )
            self._process.start()

    def submit(self, request: dict[str, Any]) -> int:
        """Ask for a forecast; returns its job number (older jobs are abandoned)."""
        self.start()
        self._job += 1
        with self._latest.get_lock():
            self._latest.value = self._job
        self._requests.put((self._job, json.dumps(request)))
        return self._job

    def cancel(self) -> None:
        """Abandon the current job."""
        self._job += 1
        with self._latest.get_lock():
            self._latest.value = self._job

    def poll(self) -> list[ForecastResult]:
        """The results that have arrived since the last call (never blocks)."""
        out = []
        while True:
            try:
                text = self._results.get_nowait()
            except queue.Empty:
                break
            data = json.loads(text)
            if "hello" in data:
                self.worker_has_pygame = bool(data["pygame"])
                continue
            forecast = OptionForecast.from_json(data["forecast"]) if "forecast" in data else None
            out.append(
                ForecastResult(
                    int(data["job"]), str(data["option"]), forecast, data.get("error", "")
                )
            )
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
        try:
            self._requests.put(None)
            self._process.join(timeout=2.0)
        finally:
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(timeout=1.0)
            self._process = None
            # a request larger than the pipe holds may still be on its way to a worker that
            # is gone: without this, the queue's feeder thread would hold the exit forever
            self._requests.cancel_join_thread()
            self._requests.close()
            self._results.close()
