"""Hostile files and arguments met by the command line: a number too long to read, a loop of
symbolic links, text the terminal cannot encode. Each gets a clear message and exit status
2 (or its output, escaped), never a traceback."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from refusals import fails

from frontline.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY = FIXTURES / "tiny.yaml"
MANY_NINES = "9" * 5000


@pytest.fixture
def longint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A scenario whose chance is a whole number of 5,000 digits, in the working folder."""
    monkeypatch.chdir(tmp_path)
    Path("longint.yaml").write_text(
        TINY.read_text().replace("chance: 0.8", f"chance: {MANY_NINES}")
    )
    return "longint.yaml"


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_whole_number_too_long_to_read_is_reported_at_its_file_and_line(
    longint: str, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    err = fails(capsys, command, longint)
    assert (
        "longint.yaml:21: events[0].chance: expected a number of at most 100 digits, "
        "got 5,000 digits"
    ) in err


def test_a_set_value_too_long_to_read_is_reported_naming_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = fails(capsys, "run", str(TINY), "--set", f"dynamics.lookahead_months={MANY_NINES}")
    assert err.startswith("--set: dynamics.lookahead_months: ")


@pytest.fixture
def loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``loop1.yaml -> loop2.yaml -> loop1.yaml`` in the working folder."""
    monkeypatch.chdir(tmp_path)
    Path("loop1.yaml").symlink_to("loop2.yaml")
    Path("loop2.yaml").symlink_to("loop1.yaml")
    return "loop1.yaml"


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "loop1.yaml"],
        ["run", "loop1.yaml"],
        ["run", str(TINY), "--record", "loop1.yaml"],
        ["batch", "loop1.yaml", "--runs", "2", "--out", "b"],
        ["compare", "loop1.yaml", "--runs", "2", "--out", "c"],
        ["play", "loop1.yaml"],
    ],
    ids=["validate", "run", "record", "batch", "compare", "play"],
)
def test_a_loop_of_symbolic_links_cannot_be_read_and_says_so(
    loop: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")  # play never opens its window here
    err = fails(capsys, *argv)
    assert "loop1.yaml: cannot read the file: Too many levels of symbolic links" in err
    assert sorted(p.name for p in Path().iterdir()) == ["loop1.yaml", "loop2.yaml"]


def test_a_loop_in_a_folder_of_the_path_cannot_be_read_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("d").symlink_to("d/x")
    err = fails(capsys, "validate", "d/x.yaml")
    assert err.startswith("d/x.yaml: cannot read the file: Too many levels of symbolic links")


@pytest.mark.parametrize(
    ("name", "make", "why"),
    [
        ("loop1.yaml", None, "cannot be read: Too many levels of symbolic links"),
        (
            "gone",
            lambda: Path("gone.yaml").symlink_to("missing.yaml"),
            "is a symbolic link to a file that does not exist",
        ),
        ("folder", lambda: Path("folder.yaml").mkdir(), "cannot be extended: it is a folder"),
    ],
    ids=["loop", "dangling", "folder"],
)
def test_an_extends_that_names_no_readable_file_says_why(
    loop: str, capsys: pytest.CaptureFixture[str], name: str, make: Any, why: str
) -> None:
    """Not "no scenario to extend", which sends the user looking for a missing file."""
    if make is not None:
        make()
    Path("child.yaml").write_text(f"id: child\ntitle: Child\nextends: {name}\n")
    err = fails(capsys, "validate", "child.yaml")
    assert err.startswith(f"child.yaml:3: extends: {name!r} {why}\n")


def test_output_the_terminal_cannot_encode_is_escaped_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, err = io.BytesIO(), io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="ascii"))
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(err, encoding="ascii"))
    assert main(["run", str(TINY), "--set", "title=Café"]) == 0
    assert main(["validate", "Café.yaml"]) == 2
    sys.stdout.flush()
    sys.stderr.flush()
    assert out.getvalue().startswith(b"Caf\\xe9 (tiny), seed 0\n")
    assert err.getvalue() == (
        b"Caf\\xe9.yaml: cannot read the file: No such file or directory\n"
        b"1 problem(s) in 1 file(s)\n"
    )


def test_a_seed_of_5000_digits_is_refused_giving_its_own_length(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(TINY), "--seed", MANY_NINES])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    assert "argument --seed" in err and err.rstrip().endswith("... (5,000 characters)")
