"""Fixtures shared by the tests of the command line and its reports."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def figure_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text (titles, legends, tick labels) of the figures saved while the test runs."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    texts: list[str] = []
    save = Figure.savefig

    def savefig(fig: Figure, *args: Any, **kwargs: Any) -> None:
        texts.extend(t.get_text() for t in fig.findobj(Text) if t.get_text())
        save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return texts
