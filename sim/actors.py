"""The six states of the model, their fixed order, and the blocs they can join."""

from __future__ import annotations

from enum import Enum
from typing import Final, Literal

ActorId = Literal["PAK", "USSR", "USA", "IND", "CHN", "AFG"]

ACTORS: Final[tuple[ActorId, ...]] = ("PAK", "USSR", "USA", "IND", "CHN", "AFG")
"""Actor ids in the order of every actor axis of the model's arrays."""

N_ACTORS: Final[int] = len(ACTORS)
INDEX: Final[dict[str, int]] = {a: i for i, a in enumerate(ACTORS)}

NAMES: Final[dict[str, str]] = {
    "PAK": "Pakistan",
    "USSR": "Soviet Union",
    "USA": "United States",
    "IND": "India",
    "CHN": "China",
    "AFG": "Afghanistan",
}

PAIRS: Final[tuple[tuple[int, int], ...]] = tuple(
    (i, j) for i in range(N_ACTORS) for j in range(N_ACTORS) if i != j
)
"""All 30 directed pairs (i, j), i != j, in a fixed order."""


def pair_name(i: int, j: int) -> str:
    """Name a directed pair the way scenarios and outputs do, e.g. ``PAK->USSR``."""
    return f"{ACTORS[i]}->{ACTORS[j]}"


class Bloc(Enum):
    """The camp a state stands in; the numeric value is what the state arrays hold."""

    NON_ALIGNED = 0
    WEST = 1
    EAST = 2

    @property
    def label(self) -> str:
        """The spelling used in scenario files (``non-aligned``, ``west``, ``east``)."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def from_label(cls, label: str) -> Bloc:
        """Parse the spelling used in scenario files."""
        return cls[label.upper().replace("-", "_")]


BlocLabel = Literal["non-aligned", "west", "east"]
