"""Writing files whole or not at all, readable by others, and naming the file that failed.

A file is written to a temporary name beside it (``.NAME.PID.XXXXXXXX.tmp``), flushed to
disk and renamed over the old one, so a reader sees the old file or the new one, never half
of one. Files are created with mode 0666 less the umask (0644 under the usual umask of
022), like the PNG and Parquet files that libraries write, so a report folder can be shared.
A temporary file left by a process that was killed is removed the next time that file is
written. A write that fails (a full disk, say) raises a ``WriteError`` naming the file the
user asked for, not the temporary one.

Only a regular file is ever replaced: a name that holds a folder, a FIFO, a device or a
socket is refused before anything is written (renaming a file over ``/dev/null`` would
destroy the device for every program on the machine).
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import secrets
import shutil
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

from sim.files import file_kind, resolved

MANIFEST = "_manifest.json"
"""The file that makes a folder a batch's results (a leading underscore: Parquet readers skip
it)."""


def batch_holding(path: Path, *, itself: bool = True) -> Path | None:
    """The batch results folder that ``path`` is in, at any level (None if none).

    ``pandas.read_parquet`` reads a results folder with everything below it, so a file
    written anywhere inside one would be read with the batch's rows. ``itself=False`` looks
    only above ``path`` (a batch resumed in its own folder).
    """
    path = resolved(path)
    for folder in [path, *path.parents] if itself else path.parents:
        try:
            if (folder / MANIFEST).is_file():
                return folder
        except OSError:  # a folder we may not look into holds no batch we could write
            continue
    return None


class WriteError(OSError):
    """A file could not be written; ``str`` names it and says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"

    def __reduce__(self) -> tuple[type[WriteError], tuple[Path, str]]:
        # a worker's failure reaches the batch's process whole (pickled by the pool)
        return (WriteError, (self.path, self.reason))


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


def refuse_special(path: Path) -> None:
    """A ``WriteError`` if ``path`` exists and is not a regular file (nothing is written).

    A symbolic link is judged by what it points to: a link to ``/dev/null`` is refused, a
    link that points nowhere is not (the rename replaces the link itself).
    """
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return  # nothing there yet (a parent that is not a folder is said by make_folder)
    except OSError as exc:
        raise WriteError(path, _reason(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise WriteError(path, "it is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise WriteError(path, f"it is {file_kind(info.st_mode)}, not a file; give a file name")


def check_writable(path: Path) -> None:
    """Check, before any work, that ``write_atomic(path, ...)`` can write (nothing is kept).

    Refuses a name that is not a regular file, a parent that is a file, a folder that
    cannot be written (read-only, no permission): the last by ``cannot_write_into`` the
    nearest folder that exists; and a place inside a batch's results folder, at any level
    (``pandas.read_parquet`` would read the file with the batch's and fail on it). Each
    ``WriteError`` names ``path`` as the user gave it.
    """
    refuse_special(path)
    holder = batch_holding(path.parent)
    if holder is not None:
        raise WriteError(
            path,
            f"it would be inside {holder}, which holds a batch's results (pandas.read_parquet "
            "would read it with the batch's files, and fail); write it elsewhere",
        )
    folder = path.parent
    while not os.path.lexists(folder) and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        where = "" if folder == path.parent else " (in its path)"
        raise WriteError(path, f"{folder} exists and is not a folder{where}")
    reason = cannot_write_into(folder, path.name)
    if reason is not None:
        raise WriteError(path, reason)


def cannot_write_into(folder: Path, name: str = "probe") -> str | None:
    """Why nothing can be written into ``folder``, an existing folder (None if it can).

    Asks the system's permissions first (``os.access``), then the one way it answers
    truly (access lists, read-only mounts, quotas): by creating and removing an empty
    temporary file named after ``name``.
    """
    if not os.access(folder, os.W_OK | os.X_OK):
        return os.strerror(errno.EACCES)  # as the system words it when a write is refused
    probe = _temporary(folder / name)
    try:
        _write_new(probe, b"", sync=False)
    except OSError as exc:
        return _reason(exc)
    with contextlib.suppress(OSError):
        probe.unlink()
    return None


def _alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (if unsure: yes)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there, not ask
        return _alive_on_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _alive_on_windows(pid: int) -> bool:
    """Whether a Windows process runs, asked through the process API."""
    import ctypes

    kernel32 = getattr(ctypes, "WinDLL")("kernel32", use_last_error=True)  # noqa: B009
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:  # 87: no such process; anything else (access denied): it exists
        return bool(getattr(ctypes, "get_last_error")() != 87)  # noqa: B009
    try:
        code = ctypes.c_ulong()
        running = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return not running or code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _temporary(path: Path) -> Path:
    """A fresh temporary name beside ``path`` that says which process made it."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def remove_stale(folder: Path, name: str) -> None:
    """Remove temporary files of ``name`` in ``folder`` left by processes that have ended."""
    with contextlib.suppress(OSError):
        for tmp in folder.glob(f".{glob.escape(name)}.*.tmp"):
            pid = tmp.name[len(name) + 2 :].split(".")[0]
            if not pid.isdigit() or not _alive(int(pid)):
                if tmp.is_dir():
                    shutil.rmtree(tmp, ignore_errors=True)
                else:
                    tmp.unlink(missing_ok=True)


def _write_new(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Create ``path`` (which must not exist) with ``data``, flushed to disk if ``sync``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        if sync:
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


def write_atomic(path: Path, text: str | bytes, *, durable: bool = True) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (see module).

    ``durable=False`` skips flushing to disk, for a file whose loss in a power cut is
    harmless (a chunk's checksum record: without it, the chunk is recomputed).
    """
    refuse_special(path)
    make_folder(path.parent)
    remove_stale(path.parent, path.name)
    data = text.encode("utf-8") if isinstance(text, str) else text
    tmp = _temporary(path)
    try:
        _write_new(tmp, data, sync=durable)
        refuse_special(path)  # again: a FIFO made meanwhile is not replaced either
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # on a read-only disk it was never made
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(path, _reason(exc)) from None
        raise
    if durable:
        _sync_folder(path.parent)


SET = "frontline-set"
"""The name the temporary folders of a set of files carry (``.frontline-set.PID.X.tmp``)."""


def lock_file(fd: int, *, wait: bool) -> None:
    """Lock an open file (OSError if ``wait`` is false and another process holds it).

    ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows: the lock belongs to the open
    file, and the system releases it when its process ends, however it ends.
    """
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        mode = msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK  # type: ignore[attr-defined]
        msvcrt.locking(fd, mode, 1)  # type: ignore[attr-defined]
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))


@contextlib.contextmanager
def locked(path: Path, *, wait: bool) -> Iterator[int]:
    """Hold an OS lock on the file ``path`` (created if needed); yield its descriptor.

    The file is removed on release, while still locked; a process that locked a file
    already removed locks the new one instead. Without ``wait``, an OSError says that
    another process holds the lock (the caller reads the holder from the descriptor).
    """
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise WriteError(path, _reason(exc)) from None
        try:
            lock_file(fd, wait=wait)
        except OSError:
            os.close(fd)
            raise
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        if current is not None and os.path.samestat(os.fstat(fd), current):
            break
        os.close(fd)  # removed by the process that held it before: lock the new one
    try:
        yield fd
    finally:
        try:
            if os.name == "posix":
                with contextlib.suppress(OSError):
                    path.unlink()  # while still locked: nobody can hold a lock on it meanwhile
        finally:
            os.close(fd)
        if os.name != "posix":
            with contextlib.suppress(OSError):
                path.unlink()  # Windows refuses if another process has it open: that is fine


SET_LOCK = ".frontline-set.lock"
"""The lock a folder's writers of sets hold while they move files in (one at a time)."""


def write_set(folder: Path, files: Mapping[str, str | bytes]) -> None:
    """Write several files into ``folder`` as one set: never a mix of two sets.

    The new files are written into a temporary folder inside ``folder``, which is then
    renamed to ``.frontline-set.PID.XXXXXXXX.ready``: from then on the set is complete.
    Then, holding the folder's lock (so that two writers never interleave), the old files
    of the set are removed and the new ones renamed into place. A process killed
    before the set was ready leaves a temporary folder, which the next write removes; one
    killed after leaves a ready folder, whose moves the next write finishes
    (``recover_sets``). Either way the folder never holds files of two different sets.
    """
    make_folder(folder)
    for name in files:
        refuse_special(folder / name)
    tmp = _temporary(folder / SET)
    try:
        os.mkdir(tmp)
        for name, text in files.items():
            data = text.encode("utf-8") if isinstance(text, str) else text
            try:
                _write_new(tmp / name, data)
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
    with locked(folder / SET_LOCK, wait=True):  # two writers never interleave their moves
        recover_sets(folder, but=ready)
        for name in files:
            remove_stale(folder, name)
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


def recover_sets(folder: Path, but: Path | None = None) -> None:
    """Finish the sets a killed process had made ready, and remove unfinished ones.

    ``but`` is a ready set of this process, which it commits itself.
    """
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
        if folder_ready == but:
            continue
        if not pid.isdigit() or not _alive(int(pid)):
            _commit(folder, folder_ready)
