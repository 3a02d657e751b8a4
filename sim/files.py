"""Reading files a user names: regular files only, and never more than a bound.

A FIFO would block ``open`` forever, a device such as ``/dev/zero`` never ends, and a
folder cannot be read; each is refused before anything is read. The file is opened
without blocking and checked through its open descriptor, so a file swapped for a FIFO
between a check and the read cannot block either.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnreadableFile(OSError):
    """A file that cannot or must not be read; the message says why, without the path."""


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (``a FIFO (named pipe)``), from its ``st_mode``."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises:
        UnreadableFile: with a message such as ``cannot read the file: it is a FIFO (named
            pipe)`` or ``the file is 2,000,000 bytes; at most 1,000,000 bytes are read``.

    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise UnreadableFile("cannot read the file: it is a folder") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"cannot read the file: it is {file_kind(info.st_mode)}")
        if info.st_size > limit:
            raise UnreadableFile(
                f"the file is {info.st_size:,} bytes; at most {limit:,} bytes are read"
            )
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(limit + 1)  # bounded even if the file grows while it is read
    except OSError as exc:
        if isinstance(exc, UnreadableFile):
            raise
        raise UnreadableFile(f"cannot read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UnreadableFile(f"the file is larger than {limit:,} bytes; refused")
    return data


def resolved(path: Path) -> Path:
    """``path.resolve()``, or, if a loop of symbolic links stops it, the path made absolute.

    Python before 3.13 raises ``RuntimeError("Symlink loop ...")`` for a loop: here reading
    the path then fails as for any unreadable file (``cannot read the file: Too many levels
    of symbolic links``), with the file's name, instead of a traceback.
    """
    try:
        return path.resolve()
    except RuntimeError:
        return path.absolute()
