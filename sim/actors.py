"""The six states of the model, their fixed order, and the blocs they can join."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
"""The states' usual names, where a scenario gives none (``StateNames``)."""

_IN_A_SENTENCE: Final[dict[str, str]] = {"USA": "the United States", "USSR": "the Soviet Union"}
"""The usual names that take an article inside a sentence."""


@dataclass(frozen=True)
class StateNames:
    """What the six states are called wherever people read about them.

    A scenario may name a state (``actors: {PAK: {name: the Dominion of Pakistan}}``); that
    name, as written, is then the state's one name: alone, in a sentence, in the game and in
    the words of the acts. A state the scenario does not name, or names by its usual name
    (``NAMES``), keeps that name, which reads "the United States" inside a sentence.
    """

    given: Mapping[str, str] = field(default_factory=dict)
    """The scenario's own names, by actor id."""

    def __getitem__(self, actor: str) -> str:
        """A state's name standing alone (a label, a button): ``United States``."""
        return self.given.get(actor) or NAMES[actor]

    def in_sentence(self, actor: str) -> str:
        """A state's name inside a sentence: ``the United States``, ``Pakistan``."""
        usual = NAMES[actor]
        given = self.given.get(actor) or usual
        return _IN_A_SENTENCE.get(actor, usual) if given == usual else given

    def opening(self, actor: str) -> str:
        """A state's name opening a sentence: ``The United States``, ``Pakistan``."""
        name = self.in_sentence(actor)
        return name[:1].upper() + name[1:]

    def listed(self, indices: Sequence[int]) -> str:
        """States by index, for a sentence: ``Pakistan``, ``India and China``, ``A, B and C``."""
        names = [self.in_sentence(ACTORS[i]) for i in indices]
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]

    def pair(self, pair: str) -> str:
        """A pair as records and outputs write it, in words.

        ``PAK->USSR`` (one direction) is "Pakistan towards the Soviet Union", ``PAK-USSR``
        (both) "Pakistan and the Soviet Union".
        """
        a, b = pair.split("->") if "->" in pair else pair.split("-")
        return f"{self.opening(a)} {'towards' if '->' in pair else 'and'} {self.in_sentence(b)}"

    @classmethod
    def shared(cls, many: Iterable[StateNames]) -> StateNames:
        """The names for a text about several scenarios: each state's name where they agree.

        A state the scenarios call differently keeps its usual name (``NAMES``), which
        favours none of them; with no scenario, every state has its usual name.
        """
        every = list(many)
        agreed = {a: {names[a] for names in every} for a in ACTORS}
        return cls({a: called.pop() for a, called in agreed.items() if len(called) == 1})


USUAL_NAMES: Final[StateNames] = StateNames()
"""The names of a scenario that renames no state."""

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
