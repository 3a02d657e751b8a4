"""Saves that are not what they seem: devices, FIFOs, odd JSON, edited settings, user files.

Nothing here may hang the suite: a FIFO is opened in a subprocess with a timeout, or in
this process under an alarm that interrupts a blocked ``open``.
"""

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from game.saves import SaveError, read_save, save_game
from game.session import Session, Settings

SHORT = "choosing-a-camp"


@contextlib.contextmanager
def prompt(seconds: float = 10.0) -> Iterator[None]:
    """Fail (instead of hanging) if the block takes longer than ``seconds``.

    The alarm goes to the main thread itself (a process-wide one may land on another thread
    and leave the main thread blocked in ``open``), raises an AssertionError (code that
    catches OSError, as TimeoutError is, would swallow it) and repeats until the block ends.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise AssertionError(f"blocked for more than {seconds} s")

    main = threading.main_thread().ident
    assert main is not None and threading.get_ident() == main
    done = threading.Event()

    def alarm() -> None:
        if not done.wait(seconds):
            while not done.wait(0.5):
                signal.pthread_kill(main, signal.SIGALRM)

    old = signal.signal(signal.SIGALRM, interrupt)
    watcher = threading.Thread(target=alarm, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        signal.signal(signal.SIGALRM, old)


def started() -> Session:
    session = Session.start(Settings(SHORT, "PAK"))
    session.step()
    return session


def play_load(path: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frontline.cli", "play", "--load", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )


def resealed(path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """Edit a save's payload and recompute its checksum, as a careful hand editor would."""
    document = json.loads(path.read_text(encoding="utf-8"))
    edit(document["payload"])
    text = json.dumps(document["payload"], sort_keys=True, separators=(",", ":"))
    document["checksum"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# ---------------------------------------------------------------- JSON a save never holds


def _replace_seed(value: str) -> Callable[[str], str]:
    return lambda text: text.replace('"seed":0', f'"seed":{value}', 1)


ODD_JSON: dict[str, tuple[Callable[[str], str], str]] = {
    "nan": (_replace_seed("NaN"), "NaN"),
    "infinity": (_replace_seed("-Infinity"), "Infinity"),
    "overflowing-float": (_replace_seed("1e999"), "too large"),
    "5000-digit-integer": (_replace_seed("9" * 5000), "digits"),
    "deep-nesting": (lambda text: "[" * 200_000, "nested"),
}


@pytest.mark.parametrize("kind", sorted(ODD_JSON))
def test_odd_json_in_a_save_is_called_damaged_and_play_load_exits_2(kind: str) -> None:
    edit, word = ODD_JSON[kind]
    bad = save_game(started(), "odd")
    bad.write_text(edit(bad.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(SaveError) as error:
        read_save(bad)
    assert "damaged save" in str(error.value) and word in str(error.value)
    assert str(bad) in str(error.value)
    done = play_load(bad)
    assert done.returncode == 2, done.stderr
    assert "damaged save" in done.stderr and word in done.stderr
    assert "Traceback" not in done.stderr
    assert bad.exists()
