"""The state of R replicate runs at once: every array has a leading replicate axis."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
B = npt.NDArray[np.bool_]
U64 = npt.NDArray[np.uint64]


def anywhere(mask: npt.NDArray[Any]) -> bool:
    """Whether any element of ``mask`` is true: ``mask.any()``, in a third of its time.

    The model asks this some fifty thousand times a forecast, mostly of a handful of
    replicates, where numpy's ``any`` spends more in its Python wrapper than in the test.
    """
    return bool(np.count_nonzero(mask))


def where_true(mask: B) -> npt.NDArray[np.intp]:
    """The indices where a 1-d ``mask`` holds: ``np.flatnonzero`` without its wrapper."""
    return mask.nonzero()[0]


def rows_of(array: npt.NDArray[Any], index: npt.NDArray[np.intp]) -> npt.NDArray[Any]:
    """``array[index]``: the rows at ``index`` (the first axis), the same values.

    ``take`` is four times as fast on an array in row order (a microsecond less, taken some
    ten thousand times a forecast) but ten times as slow on one in column order, which the
    arrays with a column per flag, event or decision are (``by_column``).
    """
    if array.flags.c_contiguous:
        return array.take(index, axis=0)
    return array[index]


TIES = ("alliance", "treaty", "base", "insurgency", "intervention")
"""Kinds of commitment in force between two states (the second axis of ``ties``).

``alliance`` and ``treaty`` are symmetric; ``base`` runs from host to user, ``insurgency``
from sponsor to target, ``intervention`` from the intervening state to the country."""

TIE = {name: k for k, name in enumerate(TIES)}

TIE_DTYPE = np.int8
"""How ``ties`` are kept: counts of commitments are small whole numbers, and one byte each
makes the largest of the state's arrays an eighth of its size in float64 (it is copied,
compared and taken with every decision). Older saves hold them as float64, read as these."""


COLUMNS = ("flags", "event_month", "choice", "choice_month")
"""The state's arrays with one column per flag, event or decision."""


@dataclass
class WorldState:
    """Everything that changes during a run, for R replicates.

    ``attitudes[r, i, j]`` is how actor i regards actor j in replicate r, in [-100, 100].
    ``memory[r, i, j]`` is the part of the attitudes' baseline that the world's own history
    has written: it starts at the scenario's relations and every shock leaves a share in it.
    ``ties[r, k, i, j]`` is 1 where a commitment of kind ``TIES[k]`` binds i to j.
    ``econ_aid[r, i, j]`` and ``mil_aid[r, i, j]`` are aid flowing from i to j (decaying).

    Arrays are copied before they are written (``writable``), except ``choice``,
    ``choice_month`` and ``event_month``, which the model fills as decisions are taken and
    events fire: the AI's trial states share arrays with the state they come from, and a
    cache may know an array by its identity (``sim.dynamics.StaticCache``, which counts the
    writes in place: ``in_place_writes``). A state writes in place only an array it owns:
    one it copied itself, or new arrays it was given to keep (``adopt``), and has shared
    with nobody since (``trial`` and ``derived`` end the ownership; so does assigning an
    array).
    """

    attitudes: F64  # (R, 6, 6)
    memory: F64  # (R, 6, 6)
    ties: I8  # (R, len(TIES), 6, 6), TIE_DTYPE
    econ_aid: F64  # (R, 6, 6)
    mil_aid: F64  # (R, 6, 6)
    prestige: F64  # (R, 6)
    ideology: F64  # (R, 6) -1 communist .. +1 liberal-capitalist
    bloc: I8  # (R, 6) Bloc values
    flags: B  # (R, F)
    event_month: I32  # (R, E), -1 until the event fires
    choice: I32  # (R, D), -1 until the decision is taken
    choice_month: I32  # (R, D), -1 until the decision is taken

    # which arrays this state may write in place (not an array: not in FIELDS)
    _owned: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        owned: set[str] | None = self.__dict__.get("_owned")
        if owned is not None:
            owned.discard(name)  # an array from elsewhere may be shared

    @property
    def replicates(self) -> int:
        """How many replicate runs this state holds."""
        return int(self.attitudes.shape[0])

    def copy(self) -> WorldState:
        """A deep copy (the AI's look-ahead works on copies)."""
        return WorldState._made({name: getattr(self, name).copy() for name in FIELDS}, True)

    def trial(self) -> WorldState:
        """A copy for the AI to try an option on, sharing every array until it is written.

        Effects never write into an array that another state may hold: they take
        ``writable`` arrays (copy on write), so a trial costs nothing until an option
        changes something.
        """
        self._owned.clear()  # every array is now shared with the trial
        return WorldState._made({name: getattr(self, name) for name in FIELDS}, False)

    def derived(self, **arrays: npt.NDArray[Any]) -> WorldState:
        """A state with some arrays replaced, sharing the others with this one."""
        self._owned.clear()
        out = {name: getattr(self, name) for name in FIELDS}
        out.update(arrays)
        return WorldState._made(out, False)

    def writable(self, name: str) -> npt.NDArray[Any]:
        """An array to write into: this state's own, or a copy in place of a shared one.

        Writing into its own array counts in ``in_place_writes``.
        """
        if name in self._owned:
            _IN_PLACE[name] += 1
            mine: npt.NDArray[Any] = getattr(self, name)
            return mine
        array: npt.NDArray[Any] = getattr(self, name).copy(order="K")  # keeps the layout
        object.__setattr__(self, name, array)
        self._owned.add(name)
        return array

    def adopt(self, **arrays: npt.NDArray[Any]) -> None:
        """Take new arrays that nothing else holds as this state's own (to write in place).

        For the arrays a computation has just made (an act's sums, a month's drift): the
        next write goes into them instead of into a copy.
        """
        for name, array in arrays.items():
            object.__setattr__(self, name, array)
            self._owned.add(name)

    @staticmethod
    def _made(arrays: dict[str, npt.NDArray[Any]], owning: bool) -> WorldState:
        """A state of these arrays (one per field), owning them all or none.

        What ``WorldState(**arrays)`` makes, without its twelve ``__setattr__`` calls: the AI
        makes a state for every option it tries.
        """
        out = object.__new__(WorldState)
        out.__dict__.update(arrays)
        out.__dict__["_owned"] = set(FIELDS) if owning else set()
        return out

    def changed(self, before: WorldState) -> frozenset[tuple[str, int]]:
        """What this trial state has written since it was tried from ``before``.

        Each array a trial has not written is still ``before``'s own (copy on write): each
        written array gives ``(field, -1)``, and for the arrays with a column per flag,
        event or decision, also ``(field, column)`` for each column that differs. A
        condition whose reads (``sim.vocabulary.Test``) are not among them gives the same
        answer on both states.
        """
        out: set[tuple[str, int]] = set()
        for name in FIELDS:
            mine, theirs = getattr(self, name), getattr(before, name)
            if mine is theirs:
                continue
            out.add((name, -1))
            if name in COLUMNS:
                differ = where_true((mine != theirs).any(axis=0))
                out.update((name, int(c)) for c in differ)
        return frozenset(out)

    def by_column(self) -> WorldState:
        """Put the arrays with a column per flag, event or decision in column order; returns self.

        The model keeps those (``COLUMNS``) in Fortran order: conditions and events read one
        column of every replicate, which is then one contiguous run of memory. The values,
        and so the runs, are the same in either order.
        """
        for name in COLUMNS:
            array = getattr(self, name)
            if not array.flags.f_contiguous:
                self.adopt(**{name: np.asfortranarray(array)})
        return self

    def take(self, index: npt.NDArray[np.intp]) -> WorldState:
        """The replicates at ``index`` (with repeats allowed), as a new state."""
        return WorldState._made(
            {name: rows_of(getattr(self, name), index) for name in FIELDS}, True
        )

    def part(self, index: npt.NDArray[np.intp]) -> WorldState:
        """The replicates at ``index`` as a new state that takes each array when first read.

        For effects due in a few replicates (``sim.model.apply_where``): most read and write
        a few of the twelve arrays. ``written_since_part`` tells which ones they replaced.
        """
        return _Part(self, index)

    def written_since_part(self) -> list[str]:
        """The arrays a ``part`` has written or replaced since it was made (none for others)."""
        return []

    @staticmethod
    def stack(states: list[WorldState]) -> WorldState:
        """The states one after another on the replicate axis, as one new state."""
        arrays = {name: np.concatenate([getattr(x, name) for x in states]) for name in FIELDS}
        return WorldState._made(arrays, True)

    @staticmethod
    def stacked(states: list[WorldState]) -> WorldState:
        """``stack``, each array joined when first read (the AI's look-ahead reads a few)."""
        return _Stacked(states)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data that restores to an identical state (floats round-trip exactly)."""
        return {
            f.name: {
                "dtype": str(getattr(self, f.name).dtype),
                "shape": list(getattr(self, f.name).shape),
                "data": getattr(self, f.name).ravel().tolist(),
            }
            for f in fields(self)
            if f.init
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorldState:
        """Inverse of ``to_json``."""
        arrays: dict[str, Any] = {}
        for f in fields(cls):
            if not f.init:
                continue
            item = data[f.name]
            arrays[f.name] = np.asarray(item["data"], dtype=np.dtype(item["dtype"])).reshape(
                item["shape"]
            )
        arrays["ties"] = arrays["ties"].astype(TIE_DTYPE)  # whole counts (checked by the loader)
        return cls(**arrays)


FIELDS = tuple(f.name for f in fields(WorldState) if f.init)
"""The names of the state's arrays, in order."""

_IN_PLACE = dict.fromkeys(FIELDS, 0)


def in_place_writes(names: Iterable[str]) -> int:
    """How many times, in this process, states have written into their own arrays of these.

    Counted by ``writable``: a cache that knows arrays by their identity
    (``sim.dynamics.StaticCache``) compares their values again once this count has moved.
    """
    return sum(_IN_PLACE[name] for name in names)


_FIELD_SET = frozenset(FIELDS)


class _Part(WorldState):
    """``WorldState.part``: some replicates of a state, each array taken when first read.

    An array taken is shared with the part's record of what it took, so writing it copies
    it first (``writable``), and a written array is one that is no longer the one taken.
    """

    def __init__(self, whole: WorldState, index: npt.NDArray[np.intp]) -> None:
        d = self.__dict__
        d["_owned"] = set()
        d["_whole"] = whole
        d["_index"] = index
        d["_taken"] = {}

    def __getattr__(self, name: str) -> Any:
        # only called for an attribute not yet in the instance: an array not yet taken
        if name not in _FIELD_SET:
            raise AttributeError(name)
        d = self.__dict__
        value = rows_of(getattr(d["_whole"], name), d["_index"])
        d[name] = value
        d["_taken"][name] = value
        return value

    def written_since_part(self) -> list[str]:
        """The arrays this part has written or replaced."""
        d = self.__dict__
        return [name for name in FIELDS if name in d and d[name] is not d["_taken"].get(name)]


class _Stacked(WorldState):
    """``WorldState.stacked``: states one after another, each array joined when first read."""

    def __init__(self, states: list[WorldState]) -> None:
        d = self.__dict__
        d["_owned"] = set()
        d["_states"] = states

    def __getattr__(self, name: str) -> Any:
        # only called for an attribute not yet in the instance: an array not yet joined
        if name not in _FIELD_SET:
            raise AttributeError(name)
        d = self.__dict__
        value = np.concatenate([getattr(x, name) for x in d["_states"]])
        d[name] = value
        d["_owned"].add(name)  # a new array, held by no one else
        return value
