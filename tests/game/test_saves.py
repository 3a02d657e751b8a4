"""Saves that are not what they seem: devices, FIFOs, odd JSON, edited settings, user files.

Nothing here may hang the suite: a FIFO is opened in a subprocess with a timeout, or in
this process under an alarm that interrupts a blocked ``open``.
"""

import contextlib
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pygame
import pytest

from game.app import App
from game.options import PlayOptions
from game.saves import SaveError, autosave, list_saves, read_save, save_game, saves_dir
from game.screens.load import LoadScreen
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


# ---------------------------------------------------------------- not a file, or endless


def _fifo(folder: Path) -> Path:
    path = folder / "fifo.json"
    os.mkfifo(path)
    return path


def _link_to_zero(folder: Path) -> Path:
    path = folder / "save.json"
    path.symlink_to("/dev/zero")
    return path


NOT_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "dev-zero": (lambda _: Path("/dev/zero"), "device"),
    "dev-urandom": (lambda _: Path("/dev/urandom"), "device"),
    "link-to-dev-zero": (_link_to_zero, "device"),
    "fifo": (_fifo, "FIFO"),
    "folder": (lambda folder: folder, "folder"),
}


@pytest.mark.parametrize("kind", sorted(NOT_FILES))
def test_play_load_of_a_device_fifo_or_folder_exits_2_at_once(kind: str, tmp_path: Path) -> None:
    make, word = NOT_FILES[kind]
    path = make(tmp_path)
    started_at = time.monotonic()
    done = play_load(path, timeout=60)
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr and word in done.stderr
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started_at < 30


def test_a_save_larger_than_the_bound_is_refused_and_kept(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(17_000_000)  # sparse: no disk used
    with pytest.raises(SaveError, match="bytes") as error:
        read_save(big)
    assert str(big) in str(error.value)
    assert big.exists()


def test_a_fifo_in_the_saves_folder_is_listed_as_unreadable_without_blocking() -> None:
    good = save_game(started(), "good")
    fifo = saves_dir() / "zz.json"
    os.mkfifo(fifo)
    with prompt():
        saves = {s.path.name: s for s in list_saves()}
        with pytest.raises(SaveError, match="FIFO"):
            read_save(fifo)
    assert "FIFO" in saves["zz.json"].detail
    assert saves[good.name].label == "good"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def test_the_load_screen_says_why_a_fifo_and_a_nan_save_cannot_be_loaded() -> None:
    nan = save_game(started(), "nan")
    nan.write_text(nan.read_text(encoding="utf-8").replace('"seed":0', '"seed":NaN', 1))
    os.utime(nan, (1, 1))  # the older: listed second
    fifo = saves_dir() / "zz.json"
    os.mkfifo(fifo)
    with prompt(30):
        app = App(PlayOptions())
    app.fps = 0
    try:
        with prompt(30):
            for _ in range(2):
                app.frame()
            app.frame([key(pygame.K_l)])
            screen = app.top
            assert isinstance(screen, LoadScreen)
            assert [s.path for s in screen.saves] == [fifo, nan]
            app.frame([key(pygame.K_RETURN)])
            assert "FIFO" in screen.error and str(fifo) in screen.error
            app.frame([key(pygame.K_DOWN), key(pygame.K_DOWN), key(pygame.K_RETURN)])
            screen = app.top
            assert isinstance(screen, LoadScreen)
            assert "damaged save" in screen.error and "NaN" in screen.error
            texts = [getattr(e, "html_text", "") for e in screen.elements]
            assert any("NaN" in t for t in texts)
    finally:
        app.shutdown()
    assert nan.exists() and stat.S_ISFIFO(fifo.stat().st_mode)


def test_sigterm_ends_the_game_at_the_title_even_with_a_fifo_among_the_saves(
    tmp_path: Path, data_dir: Path
) -> None:
    (data_dir / "saves").mkdir(parents=True)
    os.mkfifo(data_dir / "saves" / "zz.json")
    shots = tmp_path / "shots"
    demo = ["play", "--as", "PAK", "--autoplay", "--screenshots", str(shots)]
    game = subprocess.Popen(
        [sys.executable, "-m", "frontline.cli", *demo],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    try:
        deadline = time.monotonic() + 90
        while not list(shots.glob("*.png")) and game.poll() is None:
            assert time.monotonic() < deadline, "the title was never drawn"
            time.sleep(0.2)
        assert game.poll() is None, "the demo ended before it was asked to"
        game.send_signal(signal.SIGTERM)
        _, err = game.communicate(timeout=30)
    finally:
        if game.poll() is None:
            game.kill()
            game.communicate()
    assert game.returncode == 0, err
    assert "Traceback" not in err


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


# ---------------------------------------------------------------- the settings in a save

BAD_SETTINGS: dict[str, tuple[str, object, str]] = {
    "negative-seed": ("seed", -5, "settings.seed: expected a whole number from 0 to 2**63 - 1"),
    "huge-seed": ("seed", 2**70, "settings.seed: expected a whole number from 0 to 2**63 - 1"),
    "fractional-seed": ("seed", 1.5, "settings.seed: expected a whole number, got 1.5"),
    "text-seed": ("seed", "seven", "settings.seed: expected a whole number, got 'seven'"),
    "true-seed": ("seed", True, "settings.seed: expected a whole number, got True"),
    "actor": ("actor", "XYZ", "settings.actor: expected one of PAK, USSR, USA, IND, CHN, AFG"),
    "actor-not-text": ("actor", 7, "settings.actor: expected one of PAK"),
    "difficulty": ("difficulty", "hard", "settings.difficulty: expected one of relaxed"),
    "reveal": ("reveal", "no", "settings.reveal: expected true or false, got 'no'"),
    "scenario": ("scenario", 5, "settings.scenario: expected the scenario's name, got 5"),
    "missing": ("difficulty", None, "settings.difficulty: required, missing"),
}


@pytest.mark.parametrize("kind", sorted(BAD_SETTINGS))
def test_each_settings_field_of_a_resealed_save_is_checked(kind: str) -> None:
    field, value, message = BAD_SETTINGS[kind]

    def edit(payload: dict[str, Any]) -> None:
        if value is None:
            del payload["settings"][field]
        else:
            payload["settings"][field] = value

    bad = resealed(save_game(started(), "edited"), edit)
    with pytest.raises(SaveError) as error:
        read_save(bad)
    assert message in str(error.value) and str(bad) in str(error.value)
    assert "garble" not in str(error.value)


def test_every_bad_settings_field_is_named_at_once() -> None:
    def edit(payload: dict[str, Any]) -> None:
        payload["settings"].update(seed=-1, actor="ZZZ", reveal=1)

    bad = resealed(save_game(started(), "edited"), edit)
    with pytest.raises(SaveError) as error:
        read_save(bad)
    for field in ("settings.seed", "settings.actor", "settings.reveal"):
        assert field in str(error.value)


@pytest.mark.parametrize("seed", ["-1", "99999999999999999999", "seven"])
def test_play_refuses_a_seed_out_of_range_as_an_argument_error(seed: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "frontline.cli", "play", "--seed", seed, "--as", "PAK"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    assert done.returncode == 2
    assert "--seed" in done.stderr and "expected a whole number" in done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- what autosaves touch


def test_autosave_rotation_deletes_only_the_games_own_autosaves() -> None:
    folder = saves_dir()
    folder.mkdir(parents=True)
    mine = {
        name: f"the user's {name}"
        for name in (
            "autosave-before-exam.json",
            "autosave-.json",
            "autosave-20240101-120000-000001-copy.json",
            "autosave-2024-01-01.json",
        )
    }
    for name, text in mine.items():
        (folder / name).write_text(text, encoding="utf-8")
    os.utime(folder / "autosave-before-exam.json", (1, 1))
    session = started()
    made = [autosave(session, keep=2) for _ in range(4)]
    for name, text in mine.items():
        assert (folder / name).read_text(encoding="utf-8") == text
    assert [p.exists() for p in made] == [False, False, True, True]
    autos = sorted(s.path.name for s in list_saves() if s.auto)
    assert autos == sorted(p.name for p in made[2:])


def test_saves_are_written_readable_by_others_like_every_other_file() -> None:
    old = os.umask(0o022)
    try:
        session = started()
        written = [save_game(session, "shared"), autosave(session)]
    finally:
        os.umask(old)
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_save_that_cannot_be_written_says_so_and_leaves_no_temporary_file() -> None:
    folder = saves_dir()
    folder.parent.mkdir(parents=True)
    folder.write_text("not a folder", encoding="utf-8")
    with pytest.raises(SaveError, match="could not write the save") as error:
        save_game(started(), "nowhere")
    assert f"({folder}: it exists and is not a folder)" in str(error.value)
    assert folder.read_text(encoding="utf-8") == "not a folder"
    assert [p.name for p in folder.parent.iterdir()] == ["saves"]
