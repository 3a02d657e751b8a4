"""Writing files whole or not at all, readable by others, and naming the file that failed.

A file is written to a temporary name beside it (``.NAME.PID.XXXXXXXX.tmp``), flushed to
disk and renamed over the old one, so a reader sees the old file or the new one, never half
of one. Files are created with mode 0666 less the umask (0644 under the usual umask of
022), like the PNG and Parquet files that libraries write, so a report folder can be shared.
A temporary file left by a process that was killed is removed the next time that file is
written. A write that fails (a full disk, say) raises a ``WriteError`` naming the file the
user asked for, not the temporary one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path


class WriteError(OSError):
    """A file could not be written; ``str`` names it and says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def make_folder(path: Path) -> None:
    """Create a folder (and its parents) to write into, or say why it cannot be one."""
    if path.exists() and not path.is_dir():
        raise WriteError(path, "it exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(path, _reason(exc)) from None


def _alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _temporary(path: Path) -> Path:
    """A fresh temporary name beside ``path`` that says which process made it."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def remove_stale(folder: Path, name: str) -> None:
    """Remove temporary files of ``name`` in ``folder`` left by processes that have ended."""
    with contextlib.suppress(OSError):
        for tmp in folder.glob(f".{name}.*.tmp"):
            pid = tmp.name[len(name) + 2 :].split(".")[0]
            if not pid.isdigit() or not _alive(int(pid)):
                if tmp.is_dir():
                    shutil.rmtree(tmp, ignore_errors=True)
                else:
                    tmp.unlink(missing_ok=True)


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (which must not exist) with ``data``, flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename) to disk, where the system allows it."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (see module)."""
    if path.is_dir():
        raise WriteError(path, "it is a folder; give a file name")
    make_folder(path.parent)
    remove_stale(path.parent, path.name)
    data = text.encode("utf-8") if isinstance(text, str) else text
    tmp = _temporary(path)
    try:
        _write_new(tmp, data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteError(path, _reason(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


SET = "frontline-set"
"""The name the temporary folders of a set of files carry (``.frontline-set.PID.X.tmp``)."""


def write_set(folder: Path, files: Mapping[str, str | bytes]) -> None:
    """Write several files (text or bytes) into ``folder`` as one set: never a mix of two.

    The new files are written into a temporary folder inside ``folder``, which is then
    renamed to ``.frontline-set.PID.XXXXXXXX.ready``: from then on the set is complete. The old
    files of the set are removed, and the new ones renamed into place. A process killed
    before the set was ready leaves a temporary folder, which the next write removes; one
    killed after leaves a ready folder, whose moves the next write finishes
    (``recover_sets``). Either way the folder never holds files of two different sets.
    """
    make_folder(folder)
    recover_sets(folder)
    for name in files:
        remove_stale(folder, name)
    tmp = _temporary(folder / SET)
    try:
        os.mkdir(tmp)
        for name, text in files.items():
            try:
                _write_new(tmp / name, text.encode("utf-8") if isinstance(text, str) else text)
            except OSError as exc:
                raise WriteError(folder / name, _reason(exc)) from None
        _sync_folder(tmp)
        ready = tmp.with_suffix(".ready")
        os.replace(tmp, ready)
    except WriteError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise WriteError(folder, _reason(exc)) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _sync_folder(folder)
    _commit(folder, ready)


def _commit(folder: Path, ready: Path) -> None:
    """Replace the set's files in ``folder`` by those in the ready folder, then remove it."""
    try:
        names = sorted(p.name for p in ready.iterdir())
        for name in names:  # first every old file of the set: the set is never mixed
            (folder / name).unlink(missing_ok=True)
        for name in names:
            os.replace(ready / name, folder / name)
        ready.rmdir()
    except OSError as exc:
        raise WriteError(folder, _reason(exc)) from None
    _sync_folder(folder)


def recover_sets(folder: Path) -> None:
    """Finish the sets a killed process had made ready, and remove unfinished ones."""
    try:
        leftovers = sorted(folder.glob(f".{SET}.*.ready")), list(folder.glob(f".{SET}.*.tmp"))
    except OSError:
        return
    ready, unfinished = leftovers
    for tmp in unfinished:
        pid = tmp.name.split(".")[2]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)
    for folder_ready in ready:
        pid = folder_ready.name.split(".")[2]
        if not pid.isdigit() or not _alive(int(pid)):
            _commit(folder, folder_ready)
