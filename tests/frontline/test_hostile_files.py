"""Hostile files and arguments met by the command line: a number too long to read, a loop of
symbolic links, text the terminal cannot encode. Each gets a clear message and exit status
2 (or its output, escaped), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontline.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY = FIXTURES / "tiny.yaml"
MANY_NINES = "9" * 5000


def fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the command, which must exit 2 without a traceback; return its standard error."""
    capsys.readouterr()
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


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
