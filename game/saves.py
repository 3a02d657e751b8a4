"""Saved games: versioned JSON files in the user's data folder, written atomically.

A save holds the game's settings and the run's snapshot (plain JSON data, never pickle),
with a checksum of both, so that a file that was truncated, damaged or edited by hand is
refused with a message that says which, instead of loading a run that is not the one saved.
Autosaves are made at every decision, and only the newest few are kept; rotation deletes
only files named exactly as the game names its autosaves, and a file that fails to load is
never deleted or overwritten. Every read of a save goes through ``read_bounded``: a FIFO, a
device or a folder named like a save is refused at once, and no save is read past
``MAX_SAVE_BYTES``.

The folder: ``FRONTLINE_DATA_DIR`` if set; otherwise ``%APPDATA%/FrontlineState`` on
Windows, ``~/Library/Application Support/FrontlineState`` on macOS, and
``$XDG_DATA_HOME/frontline-state`` (default ``~/.local/share/frontline-state``) elsewhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from frontline.files import WriteError, write_atomic
from game.session import GameError, Session, Settings
from sim.errors import echo
from sim.files import UnreadableFile, read_bounded
from sim.limits import MAX_DEPTH
from sim.snapshot import depth_problem

SAVE_FORMAT: Final[str] = "frontline-state/game"
SAVE_VERSION: Final[int] = 1
AUTOSAVES_KEPT: Final[int] = 5
MAX_SAVE_BYTES: Final[int] = 16_000_000
"""The largest save read: the baseline's, at its end in 1991, is 0.73 MB."""

AUTOSAVE_NAME: Final[re.Pattern[str]] = re.compile(r"autosave-[0-9]{8}-[0-9]{6}-([0-9]{6,})\.json")
"""The names ``autosave`` gives its files (date, time, serial), and the only names that
rotation may delete: a user's ``autosave-before-exam.json`` is not one."""

HEADER_CHARS: Final[int] = 4096
"""How much of a save the listing reads for its label and date (they come first)."""


class SaveError(Exception):
    """A save cannot be read or written; the message names the file and says why."""


def data_dir() -> Path:
    """The folder for saves and reports (created when first written to)."""
    override = os.environ.get("FRONTLINE_DATA_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform.startswith("win"):
        base = os.environ.get("APPDATA")
        return (Path(base) if base else Path.home() / "AppData" / "Roaming") / "FrontlineState"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "FrontlineState"
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "frontline-state"


def saves_dir() -> Path:
    """Where saved games live."""
    return data_dir() / "saves"


def reports_dir() -> Path:
    """Where exported debriefs go."""
    return data_dir() / "reports"


@dataclass(frozen=True)
class SaveInfo:
    """A save file as the load screen lists it."""

    path: Path
    label: str
    detail: str
    auto: bool
    modified: float


def _checksum(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _payload(session: Session, label: str) -> dict[str, Any]:
    return {
        "label": label,
        "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "date": session.date,
        "settings": session.settings.to_json(),
        "run": session.snapshot(),
    }


def write_save(session: Session, path: Path, label: str) -> Path:
    """Write a save atomically, readable by others (``write_atomic``: mode 0666 less umask)."""
    payload = _payload(session, label)
    document = {
        "format": SAVE_FORMAT,
        "version": SAVE_VERSION,
        "checksum": _checksum(payload),
        "payload": payload,
    }
    text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    try:
        write_atomic(path, text)
    except WriteError as exc:  # it may name the folder, which is not the save
        reason = exc.reason if exc.path == path else f"{exc.path}: {exc.reason}"
        raise SaveError(f"{path}: could not write the save ({reason})") from None
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "game"


def save_game(session: Session, name: str | None = None) -> Path:
    """Save into a named slot (default: the scenario, state and date); return the file."""
    label = name or f"{session.settings.actor} {session.date}"
    slug = _slug(label)
    if AUTOSAVE_NAME.fullmatch(f"{slug}.json"):  # a named save is never rotated away
        slug = f"save-{slug}"
    path = saves_dir() / f"{slug}.json"
    return write_save(session, path, label)


def autosave(session: Session, keep: int = AUTOSAVES_KEPT) -> Path:
    """An autosave (at a decision); only the newest ``keep`` of the game's autosaves are kept.

    Rotation deletes only files whose whole name is one ``autosave`` gives (``AUTOSAVE_NAME``)
    and that are files, not folders; a file it cannot delete is left, and the save stands.
    """
    folder = saves_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    serial = max((_serial(p) for p in _autosaves(folder)), default=-1) + 1
    path = folder / f"autosave-{stamp}-{serial:06d}.json"
    written = write_save(session, path, f"Autosave, {session.date}")
    for old in sorted(_autosaves(folder), key=_serial)[:-keep]:
        if old.is_symlink() or old.is_file():
            with contextlib.suppress(OSError):
                old.unlink()
    return written


def _autosaves(folder: Path) -> list[Path]:
    """The game's own autosaves in ``folder`` (by their exact names)."""
    try:
        return [p for p in folder.glob("autosave-*.json") if AUTOSAVE_NAME.fullmatch(p.name)]
    except OSError:
        return []


def _serial(path: Path) -> int:
    match = AUTOSAVE_NAME.fullmatch(path.name)
    return int(match.group(1)) if match else -1


def _read(path: Path) -> bytes:
    """A save's bytes (at most ``MAX_SAVE_BYTES``); SaveError naming the file if refused."""
    try:
        return read_bounded(path, MAX_SAVE_BYTES)
    except UnreadableFile as exc:
        if not path.exists() and not path.is_symlink():
            raise SaveError(f"{path}: no such save") from None
        raise SaveError(f"{path}: {exc}") from None


def _header(path: Path) -> tuple[str, str]:
    """A listed save's label and date, read from its start; or why it cannot be read."""
    try:
        head = _read(path)[:HEADER_CHARS].decode("utf-8", errors="replace")
    except SaveError as exc:
        return path.stem, f"(unreadable: {str(exc).removeprefix(f'{path}: ')})"
    label_match = re.search(r'"label":"((?:[^"\\]|\\.)*)"', head)
    date_match = re.search(r'"date":"([^"]*)"', head)
    label = path.stem
    if label_match:
        with contextlib.suppress(ValueError):  # a bad escape: the file's own name will do
            label = str(json.loads(f'"{label_match.group(1)}"'))
    label = label.encode("utf-8", errors="replace").decode("utf-8")  # no lone surrogates
    detail = date_match.group(1) if date_match else "(cannot read its header)"
    return label, detail


def list_saves() -> list[SaveInfo]:
    """The saves in the folder, newest first; unreadable ones (a FIFO, say) listed, marked."""
    folder = saves_dir()
    try:
        paths = list(folder.glob("*.json")) if folder.is_dir() else []
    except OSError:
        return []
    out = []
    for path in paths:
        try:
            modified = path.stat().st_mtime
        except OSError:
            modified = 0.0
        label, detail = _header(path)
        auto = AUTOSAVE_NAME.fullmatch(path.name) is not None
        out.append(SaveInfo(path, label, detail, auto, modified))
    out.sort(key=lambda s: (-s.modified, s.path.name))
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"it holds {name}, which is not a number a save can hold")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"it holds the number {text[:20]}, which is too large")
    return value


def _parse(path: Path, text: str) -> Any:
    """The save's JSON; SaveError for JSON that no save holds (NaN, huge numbers, deep nests)."""
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise SaveError(
                f"{path}: the save is truncated (it ends at line {exc.lineno}, column "
                f"{exc.colno}, in the middle of its data)"
            ) from None
        raise SaveError(
            f"{path}: damaged save (not valid JSON at line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})"
        ) from None
    except RecursionError:
        raise SaveError(
            f"{path}: damaged save (its data is nested more than {MAX_DEPTH} levels deep); "
            "it cannot be loaded"
        ) from None
    except ValueError as exc:
        if "digits" in str(exc):  # int() refuses more than sys.get_int_max_str_digits()
            reason = f"it holds a number of more than {sys.get_int_max_str_digits():,} digits"
        else:
            reason = str(exc)
        raise SaveError(f"{path}: damaged save ({reason}); it cannot be loaded") from None


def read_save(path: Path) -> Session:
    """Load a save; SaveError with a message that says what is wrong with the file."""
    raw = _read(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SaveError(
            f"{path}: damaged save (byte {exc.start} is not UTF-8 text); it cannot be loaded"
        ) from None
    if not text.strip():
        raise SaveError(f"{path}: the save is empty (it was cut off while being written?)")
    document = _parse(path, text)
    deep = depth_problem(document, MAX_DEPTH + 2)  # the run's own limit, inside document.payload
    if deep:
        raise SaveError(f"{path}: damaged save ({deep}); it cannot be loaded")
    return _session_of(path, document)


def _session_of(path: Path, document: Any) -> Session:
    if not isinstance(document, dict) or document.get("format") != SAVE_FORMAT:
        raise SaveError(f"{path}: not a Frontline State saved game")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SaveError(f"{path}: damaged save (its version is {echo(version)}, not a number)")
    if version > SAVE_VERSION:
        raise SaveError(
            f"{path}: saved by a newer version of Frontline State (save version {version}; "
            f"this version reads version {SAVE_VERSION} and older). Update the game to load it."
        )
    if version < 1:
        raise SaveError(f"{path}: damaged save (unknown save version {version})")
    payload = document.get("payload")
    if not isinstance(payload, dict):
        raise SaveError(f"{path}: damaged save (it has no game data)")
    if document.get("checksum") != _checksum(payload):
        raise SaveError(
            f"{path}: the save was changed after it was written (its checksum does not match), "
            "so it may not be the game you saved; it cannot be loaded"
        )
    try:
        settings = Settings.from_json(payload.get("settings"))
        return Session.from_snapshot(payload["run"], settings)
    except GameError as exc:
        raise SaveError(f"{path}: cannot be loaded: {exc}") from None
    except KeyError:
        raise SaveError(f"{path}: damaged save (it has no run)") from None


def describe(info: SaveInfo) -> str:
    """One line for the load screen."""
    when = time.strftime("%d %b %Y %H:%M", time.localtime(info.modified))
    return f"{info.label}  ·  {info.detail}  ·  saved {when}"
