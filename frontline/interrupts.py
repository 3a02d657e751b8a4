"""Ctrl-C that always stops a command, even when it lands in a finalizer.

Python raises ``KeyboardInterrupt`` wherever the main thread is when SIGINT arrives. If
that is inside a weakref callback or a ``__del__``, the exception cannot propagate: Python
prints "Exception ignored in ..." and goes on, and the command finishes as if it had never
been interrupted. A run frees thousands of look-ahead models, and each removes itself from
weak mappings (Mesa's agent sets, ``StateAgent``'s id counters) through such callbacks, so
an early Ctrl-C was lost about once in a hundred. ``delivered`` catches a lost interrupt
through ``sys.unraisablehook`` and raises it again a millisecond later, from a timer
signal, where it propagates like any other.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

AGAIN_AFTER = 0.001
"""Seconds after a lost interrupt that it is raised again (a callback takes microseconds)."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """The timer signal's handler: the interrupt that was lost."""
    raise KeyboardInterrupt


def _raise_again() -> None:
    """Raise KeyboardInterrupt in the main thread soon, outside the callback that lost it."""
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, AGAIN_AFTER)
    else:  # Windows: no timer signal; a thread simulates Ctrl-C instead
        import _thread

        threading.Timer(AGAIN_AFTER, _thread.interrupt_main).start()


@contextlib.contextmanager
def delivered() -> Iterator[None]:
    """Within this block, a KeyboardInterrupt swallowed by a finalizer is raised again.

    Only in the main thread (where signal handlers live); elsewhere it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_hook = sys.unraisablehook
    previous_alarm: Any = None

    def hook(unraisable: Any) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            _raise_again()  # and say nothing: the command reports the interrupt itself
            return
        previous_hook(unraisable)

    if hasattr(signal, "setitimer"):
        previous_alarm = signal.signal(signal.SIGALRM, _interrupt)
    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_alarm or signal.SIG_DFL)
