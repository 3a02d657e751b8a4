"""What the command-line tests share: running a command that must refuse its input."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import frontline.files
from frontline.cli import main


def fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the command, which must exit 2 without a traceback; return its standard error.

    Status 2 is the command's own refusal or argparse's (raised as SystemExit); a user sees
    the same either way.
    """
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


def fails_in_place(
    capsys: pytest.CaptureFixture[str], folder: Path, monkeypatch: pytest.MonkeyPatch, *argv: str
) -> str:
    """``fails``, run in an empty ``folder`` that must stay empty (nothing created, even early)."""
    monkeypatch.chdir(folder)
    err = fails(capsys, *argv)
    assert list(folder.iterdir()) == []
    return err


def read_only_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every new file fail as on a read-only mount, removing one too (as Linux does)."""

    def refuse(path: Path, data: bytes, *, sync: bool = True) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self.name.endswith(".tmp"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(frontline.files, "_write_new", refuse)
    monkeypatch.setattr(Path, "unlink", unlink)
