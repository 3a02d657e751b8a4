"""Ctrl-C stops a command with status 130 even when it lands in a finalizer (a weakref
callback), where Python would print "Exception ignored" and go on."""

from __future__ import annotations

import os
import signal
import time
import weakref
from pathlib import Path
from typing import Any

import pytest

import sim.model
from frontline import interrupts
from frontline.cli import main

TINY = str(Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml")

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX signals")


class _Thing:
    """Something a weak mapping holds, like a finished look-ahead model."""


def _interrupt_inside_a_finalizer() -> None:
    """Free an object whose weakref callback receives SIGINT, as Ctrl-C at a bad moment."""

    def callback(_: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _k in range(10_000):  # Python runs the handler here, inside the callback
            pass

    thing = _Thing()
    ref = weakref.ref(thing, callback)
    del thing
    assert ref() is None


def test_an_interrupt_lost_in_a_weakref_callback_is_raised_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(KeyboardInterrupt), interrupts.delivered():
        _interrupt_inside_a_finalizer()
        time.sleep(5)  # the command goes on: the interrupt must arrive meanwhile
    assert "Exception ignored" not in capsys.readouterr().err


def test_the_block_leaves_the_hooks_as_it_found_them() -> None:
    import sys

    hook, alarm = sys.unraisablehook, signal.getsignal(signal.SIGALRM)
    with interrupts.delivered():
        pass
    assert sys.unraisablehook is hook and signal.getsignal(signal.SIGALRM) == alarm


def test_compare_interrupted_in_a_finalizer_stops_with_130_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    step = sim.model.FrontlineModel.step
    calls = {"n": 0}

    def step_then_interrupt(self: sim.model.FrontlineModel) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            _interrupt_inside_a_finalizer()
        step(self)

    monkeypatch.setattr(sim.model.FrontlineModel, "step", step_then_interrupt)
    code = main(["compare", TINY, "--runs", "3", "--out", str(tmp_path / "cint")])
    err = capsys.readouterr().err
    assert code == 130, err
    assert err == "frontline: interrupted\n"
    assert not (tmp_path / "cint").exists()


@pytest.mark.parametrize("command", ["batch", "compare"])
def test_ctrl_c_before_anything_is_written_does_not_advise_resuming(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Stopped while the batch is checked or a cluster reached: there is nothing to resume."""
    import frontline.batch
    import frontline.divergence

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(frontline.batch, "execute", interrupted)
    monkeypatch.setattr(frontline.divergence, "compare_sides", interrupted)
    out = tmp_path / "out"
    argv = [command, TINY, "--runs", "2", "--out", str(out)]
    if command == "compare":
        argv += ["--against", TINY]
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "nothing was written" in err and "resume" not in err
    assert not out.exists()


def test_calibrate_interrupted_says_so_on_its_own_line_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message does not run on from the progress line, and --out is left as it was."""
    import sim.calibrate

    real = sim.calibrate._fit_choices
    calls = {"n": 0}

    def fit_then_interrupt(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.calibrate, "_fit_choices", fit_then_interrupt)
    out = tmp_path / "fit.yaml"
    out.write_text("old fit\n")
    record = str(Path(TINY).parent / "history" / "tiny-record.yaml")
    argv = ["calibrate", TINY, "--hold-out-from", "1951-01", "--out", str(out)]
    assert main([*argv, "--record", record, "--budget", "5"]) == 130
    err = capsys.readouterr().err
    assert err.endswith(
        f"\nfrontline calibrate: interrupted; nothing was written; {out} is left as it was.\n"
    )
    assert "evaluations, best" in err.splitlines()[-2]
    assert out.read_text() == "old fit\n"
    assert [p.name for p in tmp_path.iterdir()] == ["fit.yaml"]
