"""Compiling a validated scenario into the arrays and functions the model runs."""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from sim.actors import ACTORS, INDEX, N_ACTORS, USUAL_NAMES, Bloc, StateNames
from sim.acts import Rules
from sim.calendar import parse_month
from sim.errors import Problem, ScenarioError, echo
from sim.rng import stream_id
from sim.scenario.sources import _Merged
from sim.schema import (
    DecisionSpec,
    EventSpec,
    LeaderModifiers,
    OptionSpec,
    Scenario,
)
from sim.state import F64, B, WorldState, anywhere
from sim.vocabulary import (
    EFFECTS,
    Effect,
    Loc,
    Read,
    Test,
    compile_condition,
    compile_effect,
    flags_of,
    kind_of,
)

# --------------------------------------------------------------------------- compiling

_INSTEAD = {
    "attitude": "an act that says what happened: state_visit, invite, decline, denounce, "
    "back_claim, un_vote, settle_border, sign_treaty ...",
    "aid": "give_aid, offer_aid, accept_aid, extend_credit or suspend_aid",
    "prestige": "nothing: standing moves by the rules only (state_visit, mediation_succeeds, "
    "war_outcome, and the cost of breaking a commitment)",
    "align": "join_bloc or join_alliance (leave_alliance to leave)",
    "ideology": "an event: a change of regime is not something a state chooses by an act",
}
"""For each effect an option may not hold, the acts to use instead."""


def _not_an_act(kind: str) -> str:
    return (
        f"a decision option is made of acts, whose effects follow from the shared rules, and "
        f"of flags; '{kind}' writes its effect as a number, which only an event may do. "
        f"Use instead: {_INSTEAD.get(kind, 'an act')} (`frontline schema` lists every act)"
    )


@dataclass(frozen=True)
class CompiledOption:
    """An option ready to apply."""

    index: int
    id: str
    label: str
    effects: tuple[Effect, ...]
    historical: bool


@dataclass(frozen=True)
class CompiledEvent:
    """An event ready to run: month window, per-month hazard, compiled condition and effects."""

    index: int
    spec: EventSpec
    first: int
    last: int
    hazard: float
    when: Test | None
    effects: tuple[Effect, ...]
    stream: int
    past: bool = False
    pinned: int | None = None  # on the recorded path: fires in this month and no other
    mtth: float | None = None
    modifiers: tuple[tuple[float, Test], ...] = ()

    @cached_property
    def reads(self) -> frozenset[Read]:
        """What of the state its chance reads: its own column, its when and its modifiers."""
        out = {("event_month", self.index)}
        for test in (self.when, *(m for _, m in self.modifiers)):
            if test is not None:
                out |= test.reads
        return frozenset(out)

    @cached_property
    def may_reads(self) -> frozenset[Read]:
        """What of the state decides whether it may fire at all: its column and its when."""
        out = {("event_month", self.index)}
        if self.when is not None:
            out |= self.when.reads
        return frozenset(out)

    def may(self, s: WorldState, month: int) -> B:
        """Where the event may fire this month: not yet fired, and its ``when`` holds (R,)."""
        may: B = s.event_month[:, self.index] < 0
        if self.when is not None and anywhere(may):
            may &= self.when(s, month)
        return may

    def chance(self, s: WorldState, month: int, may: B | None = None) -> F64:
        """Each replicate's chance that the event fires this month, if it may (R,).

        Zero where it has fired or its ``when`` does not hold; else its hazard, which its
        modifiers raise or lower where their conditions hold. ``may`` is ``may(s, month)``,
        where the caller has it (it is not written).
        """
        if may is None:
            may = self.may(s, month)
        if not anywhere(may):
            return np.zeros(s.replicates)
        if not self.modifiers:
            return np.where(may, self.hazard, 0.0)
        assert self.mtth is not None
        months = np.full(s.replicates, self.mtth)
        for factor, condition in self.modifiers:  # in place: one operation per modifier
            np.multiply(months, factor, out=months, where=condition(s, month))
        np.divide(-1.0, months, out=months)
        np.exp(months, out=months)
        np.subtract(1.0, months, out=months)
        months[~may] = 0.0
        return months


@dataclass(frozen=True)
class CompiledDecision:
    """A decision point ready to run."""

    index: int
    spec: DecisionSpec
    actor: int
    first: int
    last: int
    when: Test | None
    options: tuple[CompiledOption, ...]
    stream: int
    past: bool = False
    pinned: int | None = None  # on the recorded path: arises in this month, whatever `when` says

    def option_index(self, option_id: str) -> int:
        """Index of an option by id (KeyError if unknown)."""
        for o in self.options:
            if o.id == option_id:
                return o.index
        raise KeyError(option_id)


@dataclass
class CompiledScenario:
    """A validated scenario turned into arrays and functions the model runs."""

    spec: Scenario
    data: dict[str, Any]
    file: str
    start: int
    end: int
    flags: list[str]
    events: list[CompiledEvent]
    decisions: list[CompiledDecision]
    force: dict[int, int]
    assumed_decisions: dict[int, int]
    assumed_events: list[int]
    initial_attitudes: np.ndarray
    initial_ideology: np.ndarray
    weights: np.ndarray
    temperatures: np.ndarray
    initial_bloc: np.ndarray
    initial_memory: np.ndarray
    leaders: tuple[tuple[tuple[int, LeaderModifiers | None], ...], ...]
    """Per actor (in ``ACTORS`` order): (month taking office, modifiers), in order."""

    @property
    def rules(self) -> Rules:
        """The acts' shared parameters."""
        return self.spec.rules

    def leader_modifiers(self, actor: int, month: int) -> LeaderModifiers | None:
        """The modifiers of the actor's leader in office in a month (None: no modifiers)."""
        current = None
        for start, modifiers in self.leaders[actor]:
            if start > month:
                break
            current = modifiers
        return current

    def leader_factors(self, actor: int, month: int) -> tuple[np.ndarray, float]:
        """The factors (4,) on the actor's weights and the factor on its temperature in a month.

        Those of the leader in office, raised to ``rules.leaders`` (0: leaders make no
        difference; 1: as the scenario writes them); ones where no modifiers are listed.
        """
        mod = self.leader_modifiers(actor, month)
        if mod is None:
            return np.ones(4), 1.0
        power = self.rules.leaders
        w = mod.weights
        factors = np.array([w.security, w.economy, w.ideology, w.prestige]) ** power
        return factors, float(mod.temperature**power)

    def choosing(self, actor: int, month: int) -> tuple[np.ndarray, float]:
        """The actor's utility weights (4,) and softmax temperature in a month, leader included."""
        factors, warmth = self.leader_factors(actor, month)
        return self.weights[actor] * factors, float(self.temperatures[actor]) * warmth

    @cached_property
    def ideology_shifts(self) -> dict[int, list[tuple[int, float]]]:
        """Month -> (actor, shift of ideology) where a new leader takes office in the period.

        A scenario's ``ideology`` is the state's with the leader in office at the start; at
        each change of leader it moves by ``rules.leaders`` x (new shift - old shift).
        """
        out: dict[int, list[tuple[int, float]]] = {}
        power = self.rules.leaders
        for actor, entries in enumerate(self.leaders):
            previous = 0.0
            for start, modifiers in entries:
                shift = modifiers.ideology if modifiers is not None else 0.0
                if self.start < start <= self.end and shift != previous:
                    out.setdefault(start, []).append((actor, power * (shift - previous)))
                previous = shift
        return out

    decision_places: dict[str, tuple[str, int, str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Each decision's file, line and path as its file numbers it, for messages."""

    names: StateNames = field(default=USUAL_NAMES, compare=False)
    """What the scenario calls the states (its ``actors.X.name``, else the usual names)."""

    @property
    def months(self) -> int:
        """How many monthly steps the scenario runs."""
        return self.end - self.start + 1

    @cached_property
    def schedule(self) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
        """For each month (from the start), the events and the decisions open in it."""

        def window(item: CompiledEvent | CompiledDecision) -> tuple[int, int]:
            return (item.first, item.last) if item.pinned is None else (item.pinned, item.pinned)

        return (
            self._by_month([window(e) for e in self.events]),
            self._by_month([window(d) for d in self.decisions]),
        )

    def open_ahead(self, month: int, horizon: int) -> tuple[tuple[CompiledEvent, int], ...]:
        """The events open in the ``horizon`` months after ``month``, with how many each.

        Not the assumed past's. Kept for every month asked, in the scenario: the AI asks at
        every decision, and the game's forecasts run the same compiled scenario again.
        """
        key = (month, horizon)
        out = self._ahead.get(key)
        if out is None:
            found = []
            for ev in self.events:
                months = min(ev.last, month + horizon) - max(ev.first, month + 1) + 1
                if months > 0 and not ev.past:
                    found.append((ev, months))
            out = self._ahead[key] = tuple(found)
        return out

    def open_within(self, month: int, horizon: int) -> tuple[CompiledDecision, ...]:
        """The decisions with a condition that may fall due in ``month`` or ``horizon`` after.

        Kept as ``open_ahead`` is, for the same reasons.
        """
        key = (month, horizon)
        out = self._within.get(key)
        if out is None:
            out = self._within[key] = tuple(
                d
                for d in self.decisions
                if d.when is not None and d.last >= month and d.first <= month + horizon
            )
        return out

    @cached_property
    def _within(self) -> dict[tuple[int, int], tuple[CompiledDecision, ...]]:
        """What ``open_within`` has found, by month and horizon."""
        return {}

    @cached_property
    def _ahead(self) -> dict[tuple[int, int], tuple[tuple[CompiledEvent, int], ...]]:
        """What ``open_ahead`` has found, by month and horizon."""
        return {}

    def _by_month(self, windows: list[tuple[int, int]]) -> tuple[tuple[int, ...], ...]:
        table: list[list[int]] = [[] for _ in range(self.months)]
        for k, (first, last) in enumerate(windows):
            for m in range(max(first, self.start), min(last, self.end) + 1):
                table[m - self.start].append(k)
        return tuple(tuple(row) for row in table)

    def origin_of_decision(self, decision_id: str) -> tuple[str, int]:
        """The file and line a decision was written at (line 0 if unknown)."""
        file, line, _ = self.decision_places.get(decision_id, (self.file, 0, ""))
        return file, line

    def shown_decision(self, decision_id: str) -> str:
        """A decision's location as its file numbers it (``decisions[3]``)."""
        return self.decision_places.get(decision_id, ("", 0, "decisions"))[2]

    def decision(self, decision_id: str) -> CompiledDecision:
        """A decision by id (KeyError if unknown)."""
        return self._decisions_by_id[decision_id]

    def event_index(self, event_id: str) -> int:
        """An event's index by id (KeyError if unknown)."""
        return self._event_indices[event_id]

    @cached_property
    def _event_indices(self) -> dict[str, int]:
        return {e.spec.id: e.index for e in self.events}

    @cached_property
    def _decisions_by_id(self) -> dict[str, CompiledDecision]:
        return {d.spec.id: d for d in self.decisions}


class _Table:
    """Resolver of names to indices; unknown names become problems with their location."""

    def __init__(self, spec: Scenario, merged: _Merged) -> None:
        self.merged = merged
        self.problems: list[Problem] = []
        self.names = StateNames({a: s.name for a, s in spec.actors.items() if s.name})
        self.events = {e.id: k for k, e in enumerate(spec.events)}
        self.decisions = {d.id: k for k, d in enumerate(spec.decisions)}
        self.options = {d.id: {o.id: k for k, o in enumerate(d.options)} for d in spec.decisions}
        flags: list[str] = list(dict.fromkeys(spec.flags))
        holders: list[EventSpec | OptionSpec] = [*spec.events]
        holders += [o for d in spec.decisions for o in d.options]
        for item in holders:
            for eff in item.effects:
                flags.extend(flags_of(eff))
        self.flag_names = list(dict.fromkeys(flags))
        self.flags = {f: k for k, f in enumerate(self.flag_names)}

    def problem(self, loc: Loc, message: str) -> None:
        file, line = self.merged.origin(loc)
        self.problems.append(Problem(file, line, self.merged.shown(loc), message))

    def _lookup(self, table: Mapping[str, int], name: str, what: str, loc: Loc) -> int:
        if name in table:
            return table[name]
        hint = difflib.get_close_matches(name, list(table), n=1)
        self.problem(
            loc, f"unknown {what} {echo(name)}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
        )
        return 0

    def flag(self, name: str, loc: Loc) -> int:
        if name not in self.flags:
            hint = difflib.get_close_matches(name, list(self.flags), n=1)
            self.problem(
                loc,
                f"unknown flag {echo(name)}: no effect sets it and it is not in "
                "'flags'" + (f" (did you mean {hint[0]!r}?)" if hint else ""),
            )
            return 0
        return self.flags[name]

    def event(self, event_id: str, loc: Loc) -> int:
        return self._lookup(self.events, event_id, "event", loc)

    def decision(self, decision_id: str, loc: Loc) -> int:
        return self._lookup(self.decisions, decision_id, "decision", loc)

    def option(self, decision_id: str, option_id: str, loc: Loc) -> int:
        if decision_id not in self.options:
            return 0
        options = self.options[decision_id]
        if option_id in options:
            return options[option_id]
        self.problem(
            loc,
            f"unknown option {echo(option_id)} of decision {echo(decision_id)}: "
            f"expected one of {', '.join(options)}",
        )
        return 0


def _window(item: EventSpec | DecisionSpec, start: int, end: int) -> tuple[int, int, bool]:
    """The months an entry may run in (clipped to the scenario) and whether it is all past.

    An entry inherited through ``extends:`` may lie before the start (the past of an era)
    or after the end (a shorter scenario); ``_early_problems`` holds the file's own entries
    to the period.
    """
    if item.date is not None:
        first = last = parse_month(item.date)
    elif item.window is not None:
        first, last = parse_month(item.window[0]), parse_month(item.window[1])
    else:
        return start, end, False
    return max(first, start), min(last, end), last < start


def _compile(spec: Scenario, merged: _Merged, file: str) -> CompiledScenario:
    table = _Table(spec, merged)
    start, end = parse_month(spec.start), parse_month(spec.end)

    def effects(items: list[Any], loc: Loc, *, option: bool = False) -> tuple[Effect, ...]:
        """The compiled effects; a decision option may hold only acts and flags."""
        out = []
        for k, item in enumerate(items):
            kind = kind_of(item)
            if option and not EFFECTS[kind].in_options:
                table.problem((*loc, k, kind), _not_an_act(kind))
                continue
            try:
                out.append(compile_effect(item, table, (*loc, k)))
            except ValueError as exc:
                table.problem((*loc, k), str(exc))
        return tuple(out)

    events = []
    for k, ev in enumerate(spec.events):
        loc: Loc = ("events", k)
        first, last, past = _window(ev, start, end)
        when = compile_condition(ev.when, table, (*loc, "when")) if ev.when else None
        if ev.when is None and first > start and not past and not ev.exogenous:
            table.problem(
                loc,
                "an event with no 'when' condition after the start must say why "
                "with 'exogenous: <reason>' (otherwise no earlier choice can change it)",
            )
        n = max(1, last - first + 1)
        if ev.mtth is not None:
            hazard = 1.0 - math.exp(-1.0 / ev.mtth)
        elif ev.chance is not None:
            hazard = 1.0 if ev.chance >= 1 else 1.0 - (1.0 - ev.chance) ** (1.0 / n)
        else:
            hazard = 1.0
        fns = effects(ev.effects, (*loc, "effects"))
        modifiers = tuple(
            (m.factor, compile_condition(m.when, table, (*loc, "modifiers", n, "when")))
            for n, m in enumerate(ev.modifiers)
        )
        events.append(
            CompiledEvent(
                k,
                ev,
                first,
                last,
                hazard,
                when,
                fns,
                stream_id("event:" + ev.id),
                past,
                mtth=ev.mtth,
                modifiers=modifiers,
            )
        )

    decisions = []
    for k, dec in enumerate(spec.decisions):
        loc = ("decisions", k)
        first, last, past = _window(dec, start, end)
        when = compile_condition(dec.when, table, (*loc, "when")) if dec.when else None
        options = tuple(
            CompiledOption(
                n,
                o.id,
                o.label,
                effects(o.effects, (*loc, "options", n, "effects"), option=True),
                o.historical,
            )
            for n, o in enumerate(dec.options)
        )
        decisions.append(
            CompiledDecision(
                k,
                dec,
                INDEX[dec.actor],
                first,
                last,
                when,
                options,
                stream_id("decision:" + dec.id),
                past,
            )
        )

    force: dict[int, int] = {}
    for decision_id, option_id in spec.force.items():
        d = table.decision(decision_id, ("force", decision_id))
        if decision_id in table.decisions:
            force[d] = table.option(decision_id, option_id, ("force", decision_id))
            if decisions[d].past or decisions[d].first > end:
                side = (
                    "before this scenario starts"
                    if decisions[d].past
                    else "after this scenario ends"
                )
                table.problem(
                    ("force", decision_id),
                    f"{echo(decision_id)} is decided {side} ({spec.start} to {spec.end}), so "
                    "forcing it would change nothing; force it in a scenario whose period "
                    "holds it",
                )

    assumed_decisions: dict[int, int] = {}
    for decision_id, option_id in spec.assume.decisions.items():
        where: Loc = ("assume", "decisions", decision_id)
        d = table.decision(decision_id, where)
        if decision_id in table.decisions:
            assumed_decisions[d] = table.option(decision_id, option_id, where)
            if not decisions[d].past:
                table.problem(
                    where,
                    f"only a decision before the start ({spec.start}) can be "
                    f"assumed; {echo(decision_id)} can still be taken",
                )
    assumed_events: list[int] = []
    for n, event_id in enumerate(spec.assume.events):
        where = ("assume", "events", n)
        e = table.event(event_id, where)
        if event_id in table.events:
            assumed_events.append(e)
            if not events[e].past:
                table.problem(
                    where,
                    f"only an event before the start ({spec.start}) can be "
                    f"assumed; {echo(event_id)} can still happen",
                )

    initial = np.zeros((N_ACTORS, N_ACTORS))
    for key, value in spec.relations.items():
        a, b = key.split("->")
        initial[INDEX[a], INDEX[b]] = value
    memory = initial.copy()
    for key, value in (spec.memory or {}).items():
        a, b = key.split("->")
        memory[INDEX[a], INDEX[b]] = value
    leaders = tuple(
        tuple(
            sorted(
                (parse_month(leader.start), leader.modifiers)
                for leader in (spec.actors[a].leaders if a in spec.actors else [])
            )
        )
        for a in ACTORS
    )
    ideology = np.array([spec.actors[a].ideology if a in spec.actors else 0.0 for a in ACTORS])
    weights = np.zeros((N_ACTORS, 4))
    temperatures = np.full(N_ACTORS, spec.dynamics.temperature)
    bloc = np.zeros(N_ACTORS, dtype=np.int8)
    for a, actor in spec.actors.items():
        i = INDEX[a]
        w = actor.weights
        weights[i] = (w.security, w.economy, w.ideology, w.prestige)
        if actor.temperature is not None:
            temperatures[i] = actor.temperature
        bloc[i] = Bloc.from_label(actor.bloc).value
    for a in ACTORS:
        if a not in spec.actors:
            from sim.schema import Weights

            w = Weights()
            weights[INDEX[a]] = (w.security, w.economy, w.ideology, w.prestige)

    if table.problems:
        raise ScenarioError(table.problems)
    data = copy.deepcopy(merged.data)
    data.pop("set", None)
    places = {
        d.id: (*merged.origin(("decisions", k)), merged.shown(("decisions", k)))
        for k, d in enumerate(spec.decisions)
    }
    return CompiledScenario(
        spec,
        data,
        file,
        start,
        end,
        table.flag_names,
        events,
        decisions,
        force,
        assumed_decisions,
        assumed_events,
        initial,
        ideology,
        weights,
        temperatures,
        bloc,
        memory,
        leaders,
        places,
        table.names,
    )
