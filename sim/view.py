"""A plain-data view of R runs: choices and events by id, attitudes by pair, month by month.

Reports, the comparison with history, batches and the game read runs through this view
instead of decoding the model's arrays (``state.choice[r, d.index] == -1`` and the like)
each for itself. It is read-only and holds nothing the model does not already hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sim.actors import INDEX, PAIRS, pair_name
from sim.arguments import row_number
from sim.calendar import format_month
from sim.errors import echo
from sim.state import F64

if TYPE_CHECKING:
    from sim.model import FrontlineModel

I64 = npt.NDArray[np.int64]
Labels = npt.NDArray[np.object_]


@dataclass(frozen=True)
class Decided:
    """One decision across the runs: the option each run took (None: it never arose), when."""

    id: str
    actor: str
    options: tuple[str, ...]
    historical: str | None  # the scenario's mark, for comparison only
    first: int  # the first month it may arise in
    inherited_past: bool  # it lies before a later-starting scenario's start
    index: I64  # (R,) option index, -1 where it never arose
    month: I64  # (R,) month taken, -1 where it never arose

    @property
    def chosen(self) -> Labels:
        """The option id each run took, (R,) objects, None where it never arose."""
        lookup = np.array([*self.options, None], dtype=object)
        out: Labels = lookup[np.where(self.index >= 0, self.index, len(self.options))]
        return out


@dataclass(frozen=True)
class Happened:
    """One event across the runs: the month it fired in each run (-1: it never did)."""

    id: str
    title: str
    first: int
    inherited_past: bool
    month: I64  # (R,)


@dataclass(frozen=True)
class RunView:
    """What R runs of a scenario did (see the module)."""

    scenario: str
    seed: int
    start: int
    end: int
    replicate_ids: tuple[int, ...]
    months: tuple[int, ...]  # the recorded months
    attitudes: F64  # (T, R, 6, 6), read-only
    decisions: Mapping[str, Decided]
    events: Mapping[str, Happened]

    @property
    def replicates(self) -> int:
        """How many runs the view holds."""
        return len(self.replicate_ids)

    def pair(self, pair: str) -> F64:
        """The series of a pair, (T, R): ``A->B`` one direction, ``A-B`` the mean of both."""
        i, j = _actors_of(pair)
        if "->" in pair:
            out: F64 = self.attitudes[:, :, i, j]
            return out
        mutual: F64 = (self.attitudes[:, :, i, j] + self.attitudes[:, :, j, i]) * 0.5
        return mutual

    def at(self, month: int) -> int:
        """Index of the last recorded month at or before ``month`` (0 if none is)."""
        best = 0
        for t, m in enumerate(self.months):
            if m <= month:
                best = t
        return best

    def run(self, replicate: int = 0) -> dict[str, Any]:
        """One run as the documented JSON data: months, attitudes, decisions, events."""
        replicate = row_number("replicate", replicate, self.replicates)
        decisions = [
            {
                "id": d.id,
                "actor": d.actor,
                "month": format_month(int(d.month[replicate])),
                "chosen": d.options[int(d.index[replicate])],
                "historical": d.historical,
            }
            for d in self.decisions.values()
            if d.index[replicate] >= 0
        ]
        order = list(self.decisions)
        decisions.sort(key=lambda x: (str(x["month"]), order.index(str(x["id"]))))
        events = [
            {"id": e.id, "month": format_month(int(e.month[replicate]))}
            for e in self.events.values()
            if e.month[replicate] >= 0
        ]
        events.sort(key=lambda x: x["month"])
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "start": format_month(self.start),
            "end": format_month(self.end),
            "months": [format_month(m) for m in self.months],
            "attitudes": {
                pair_name(i, j): [round(float(v), 6) for v in self.attitudes[:, replicate, i, j]]
                for i, j in PAIRS
            },
            "decisions": decisions,
            "events": events,
        }


def _actors_of(pair: str) -> tuple[int, int]:
    """The two actors' indices of a pair named ``A->B`` or ``A-B`` (ValueError if not one)."""
    parts = pair.split("->") if isinstance(pair, str) and "->" in pair else None
    if parts is None and isinstance(pair, str):
        parts = pair.split("-")
    if parts is None or len(parts) != 2 or not all(p in INDEX for p in parts):
        raise ValueError(
            f"pair: expected 'A-B' or 'A->B' with actor ids {', '.join(INDEX)}, got {echo(pair)}"
        )
    return INDEX[parts[0]], INDEX[parts[1]]


def view_of(model: FrontlineModel) -> RunView:
    """The plain-data view of a model's runs (as they stand now)."""
    sc, s = model.scenario, model.state
    history = model.attitude_history()
    history.setflags(write=False)
    decisions = {
        d.spec.id: Decided(
            d.spec.id,
            d.spec.actor,
            tuple(o.id for o in d.options),
            next((o.id for o in d.options if o.historical), None),
            d.first,
            d.past,
            s.choice[:, d.index].astype(np.int64),
            s.choice_month[:, d.index].astype(np.int64),
        )
        for d in sc.decisions
    }
    events = {
        e.spec.id: Happened(
            e.spec.id, e.spec.title, e.first, e.past, s.event_month[:, e.index].astype(np.int64)
        )
        for e in sc.events
    }
    return RunView(
        sc.spec.id,
        model.seed,
        sc.start,
        sc.end,
        tuple(int(i) for i in model.replicate_ids),
        tuple(model.recorded_months),
        history,
        MappingProxyType(decisions),
        MappingProxyType(events),
    )
