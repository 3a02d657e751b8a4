"""Game tests run headless: SDL's dummy drivers are set before pygame is imported."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Saves and reports go to a temporary folder, never the user's."""
    folder = tmp_path / "data"
    monkeypatch.setenv("FRONTLINE_DATA_DIR", str(folder))
    return folder
