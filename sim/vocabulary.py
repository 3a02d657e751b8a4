"""The closed vocabulary of scenario conditions and effects.

Each kind is registered once, with the schema of its arguments and one line of
documentation, by ``@condition(...)`` or ``@effect(...)``. A scenario names a kind as the
single key of a mapping, e.g. ``{attitude: {from: USSR, to: PAK, below: -20}}``; a kind
that is not registered fails when the file is loaded, never in the middle of a run.
Compiling a kind turns its arguments into a function over the replicate arrays; nothing
a user writes is ever evaluated as code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ForwardRef, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from sim.actors import INDEX, ActorId, Bloc, BlocLabel
from sim.state import B, WorldState

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80),
]
"""A content id: lower-case words joined by hyphens (``soviet-veto-kashmir``)."""

Actors = ActorId | list[ActorId]
Loc = tuple[str | int, ...]

CondFn = Callable[[WorldState, int], B]
"""A compiled condition: (state, month) -> one boolean per replicate."""

EffectFn = Callable[[WorldState, B], None]
"""A compiled effect: applies itself to the replicates where the mask is true."""


class Resolver(Protocol):
    """Turns names used in conditions and effects into array indices, noting unknown ones."""

    def flag(self, name: str, loc: Loc) -> int:
        """Index of a flag."""
        ...

    def event(self, event_id: str, loc: Loc) -> int:
        """Index of an event."""
        ...

    def decision(self, decision_id: str, loc: Loc) -> int:
        """Index of a decision."""
        ...

    def option(self, decision_id: str, option_id: str, loc: Loc) -> int:
        """Index of an option within its decision."""
        ...


class Args(BaseModel):
    """Base of every argument mapping: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


@dataclass(frozen=True)
class Kind:
    """A registered condition or effect kind."""

    name: str
    args: Any
    doc: str
    compile: Callable[[Any, Resolver, Loc], Any]


_CONDITION_LIST: Any = list[ForwardRef("Condition")]  # type: ignore[misc]
"""A list of conditions; resolved once ``sim.schema`` has built the ``Condition`` union."""

CONDITIONS: dict[str, Kind] = {}
EFFECTS: dict[str, Kind] = {}


def _register(table: dict[str, Kind], name: str, args: Any, doc: str) -> Callable[[Any], Any]:
    def decorate(fn: Callable[[Any, Resolver, Loc], Any]) -> Callable[[Any, Resolver, Loc], Any]:
        if name in table:
            raise RuntimeError(f"kind {name!r} registered twice")
        table[name] = Kind(name, args, doc, fn)
        return fn

    return decorate


def condition(name: str, args: Any, doc: str) -> Callable[[Any], Any]:
    """Register a condition kind: its YAML key, argument schema and one-line doc."""
    return _register(CONDITIONS, name, args, doc)


def effect(name: str, args: Any, doc: str) -> Callable[[Any], Any]:
    """Register an effect kind: its YAML key, argument schema and one-line doc."""
    return _register(EFFECTS, name, args, doc)


def _actors(value: Actors) -> list[int]:
    return [INDEX[value]] if isinstance(value, str) else [INDEX[a] for a in value]


# --------------------------------------------------------------------------- conditions


class AttitudeTest(Args):
    """How one actor regards another, compared with a threshold."""

    from_: ActorId = Field(alias="from", description="the actor who holds the attitude")
    to: ActorId = Field(description="the actor it is held towards")
    above: float | None = Field(None, ge=-100, le=100, description="true if strictly above")
    below: float | None = Field(None, ge=-100, le=100, description="true if strictly below")

    @model_validator(mode="after")
    def _needs_a_bound(self) -> AttitudeTest:
        if self.above is None and self.below is None:
            raise ValueError("give 'above', 'below' or both")
        if self.from_ == self.to:
            raise ValueError("'from' and 'to' must be different actors")
        return self


@condition("attitude", AttitudeTest, "True where FROM's attitude to TO is above/below a value.")
def _attitude_test(a: AttitudeTest, r: Resolver, loc: Loc) -> CondFn:
    i, j = INDEX[a.from_], INDEX[a.to]
    lo = -np.inf if a.above is None else a.above
    hi = np.inf if a.below is None else a.below

    def test(s: WorldState, month: int) -> B:
        v = s.attitudes[:, i, j]
        return (v > lo) & (v < hi)

    return test


@condition("flag", Slug, "True where the named flag is raised.")
def _flag_test(name: str, r: Resolver, loc: Loc) -> CondFn:
    k = r.flag(name, loc)
    return lambda s, month: s.flags[:, k].copy()


@condition("fired", Slug, "True where the named event has already happened.")
def _fired_test(event_id: str, r: Resolver, loc: Loc) -> CondFn:
    k = r.event(event_id, loc)
    return lambda s, month: s.event_month[:, k] >= 0


class ChoseTest(Args):
    """A decision's outcome."""

    decision: Slug = Field(description="the decision's id")
    option: Slug | None = Field(None, description="the option's id; omit for 'any option'")


@condition("chose", ChoseTest, "True where DECISION has been taken (with OPTION, if given).")
def _chose_test(a: ChoseTest, r: Resolver, loc: Loc) -> CondFn:
    d = r.decision(a.decision, (*loc, "decision"))
    if a.option is None:
        return lambda s, month: s.choice[:, d] >= 0
    o = r.option(a.decision, a.option, (*loc, "option"))
    return lambda s, month: s.choice[:, d] == o


class AlignedTest(Args):
    """An actor's bloc."""

    actor: ActorId
    bloc: BlocLabel


@condition("aligned", AlignedTest, "True where ACTOR stands in BLOC (west, east, non-aligned).")
def _aligned_test(a: AlignedTest, r: Resolver, loc: Loc) -> CondFn:
    i, b = INDEX[a.actor], Bloc.from_label(a.bloc).value
    return lambda s, month: s.bloc[:, i] == b


@condition("all", _CONDITION_LIST, "True where every listed condition is true.")
def _all_test(items: list[Any], r: Resolver, loc: Loc) -> CondFn:
    parts = [compile_condition(c, r, (*loc, k)) for k, c in enumerate(items)]

    def test(s: WorldState, month: int) -> B:
        out = np.ones(s.replicates, dtype=bool)
        for p in parts:
            out &= p(s, month)
        return out

    return test


@condition("any", _CONDITION_LIST, "True where at least one listed condition is true.")
def _any_test(items: list[Any], r: Resolver, loc: Loc) -> CondFn:
    parts = [compile_condition(c, r, (*loc, k)) for k, c in enumerate(items)]

    def test(s: WorldState, month: int) -> B:
        out = np.zeros(s.replicates, dtype=bool)
        for p in parts:
            out |= p(s, month)
        return out

    return test


@condition("not", ForwardRef("Condition"), "True where the given condition is false.")
def _not_test(item: Any, r: Resolver, loc: Loc) -> CondFn:
    part = compile_condition(item, r, loc)
    return lambda s, month: ~part(s, month)


# --------------------------------------------------------------------------- effects


class AttitudeShift(Args):
    """A shock to attitudes."""

    from_: Actors = Field(alias="from", description="actor(s) whose attitude changes")
    to: Actors = Field(description="actor(s) the attitude is held towards")
    delta: float = Field(ge=-100, le=100, description="points on the -100..100 scale")
    mutual: bool = Field(False, description="also shift TO's attitude towards FROM")


@effect("attitude", AttitudeShift, "Shift FROM's attitude to TO by DELTA (both ways if mutual).")
def _attitude_shift(a: AttitudeShift, r: Resolver, loc: Loc) -> EffectFn:
    pairs = [(i, j) for i in _actors(a.from_) for j in _actors(a.to) if i != j]
    if a.mutual:
        pairs += [(j, i) for i, j in pairs if (j, i) not in pairs]
    delta = float(a.delta)

    def apply(s: WorldState, mask: B) -> None:
        for i, j in pairs:
            v = s.attitudes[:, i, j]
            s.attitudes[:, i, j] = np.where(mask, np.clip(v + delta, -100.0, 100.0), v)

    return apply


class Alignment(Args):
    """A change of camp."""

    actor: ActorId
    bloc: BlocLabel


@effect("align", Alignment, "Put ACTOR in BLOC (west, east or non-aligned).")
def _align(a: Alignment, r: Resolver, loc: Loc) -> EffectFn:
    i, b = INDEX[a.actor], Bloc.from_label(a.bloc).value

    def apply(s: WorldState, mask: B) -> None:
        s.bloc[:, i] = np.where(mask, np.int8(b), s.bloc[:, i])

    return apply


class AidFlow(Args):
    """Aid from one state to another."""

    from_: ActorId = Field(alias="from", description="the donor")
    to: ActorId = Field(description="the recipient")
    amount: float = Field(gt=0, le=100, description="size of the programme, 0..100 points")
    kind: Literal["economic", "military"] = Field("economic", description="what it buys")


@effect("aid", AidFlow, "Start aid of AMOUNT from FROM to TO; it decays at dynamics.aid_decay.")
def _aid(a: AidFlow, r: Resolver, loc: Loc) -> EffectFn:
    i, j, amount = INDEX[a.from_], INDEX[a.to], float(a.amount)
    if i == j:
        raise ValueError("'from' and 'to' must be different actors")
    military = a.kind == "military"

    def apply(s: WorldState, mask: B) -> None:
        target = s.mil_aid if military else s.econ_aid
        target[:, i, j] = np.where(mask, target[:, i, j] + amount, target[:, i, j])

    return apply


class PrestigeShift(Args):
    """A change in standing."""

    actor: ActorId
    delta: float = Field(ge=-100, le=100)


@effect("prestige", PrestigeShift, "Change ACTOR's prestige by DELTA points.")
def _prestige(a: PrestigeShift, r: Resolver, loc: Loc) -> EffectFn:
    i, delta = INDEX[a.actor], float(a.delta)

    def apply(s: WorldState, mask: B) -> None:
        s.prestige[:, i] = np.where(mask, s.prestige[:, i] + delta, s.prestige[:, i])

    return apply


class IdeologyShift(Args):
    """A change of regime or doctrine."""

    actor: ActorId
    to: float | None = Field(None, ge=-1, le=1, description="the new position, -1..1")
    delta: float | None = Field(None, ge=-2, le=2, description="or a shift, clipped to -1..1")

    @model_validator(mode="after")
    def _one_of(self) -> IdeologyShift:
        if (self.to is None) == (self.delta is None):
            raise ValueError("give exactly one of 'to' or 'delta'")
        return self


@effect("ideology", IdeologyShift, "Move ACTOR's ideology TO a position or by DELTA (-1..1).")
def _ideology(a: IdeologyShift, r: Resolver, loc: Loc) -> EffectFn:
    i = INDEX[a.actor]
    to, delta = a.to, a.delta

    def apply(s: WorldState, mask: B) -> None:
        old = s.ideology[:, i]
        new = np.full_like(old, to) if to is not None else np.clip(old + (delta or 0.0), -1, 1)
        s.ideology[:, i] = np.where(mask, new, old)

    return apply


@effect("set_flag", Slug, "Raise the named flag (conditions can test it with 'flag').")
def _set_flag(name: str, r: Resolver, loc: Loc) -> EffectFn:
    k = r.flag(name, loc)

    def apply(s: WorldState, mask: B) -> None:
        s.flags[:, k] |= mask

    return apply


@effect("clear_flag", Slug, "Lower the named flag.")
def _clear_flag(name: str, r: Resolver, loc: Loc) -> EffectFn:
    k = r.flag(name, loc)

    def apply(s: WorldState, mask: B) -> None:
        s.flags[:, k] &= ~mask

    return apply


# --------------------------------------------------------------------------- compiling


def kind_of(item: BaseModel) -> str:
    """The registered kind a validated condition or effect mapping names."""
    return str(next(iter(type(item).model_fields)))


def compile_condition(item: BaseModel, r: Resolver, loc: Loc) -> CondFn:
    """Compile a validated condition mapping into a function over replicate arrays."""
    name = kind_of(item)
    fn: CondFn = CONDITIONS[name].compile(getattr(item, name), r, (*loc, name))
    return fn


def compile_effect(item: BaseModel, r: Resolver, loc: Loc) -> EffectFn:
    """Compile a validated effect mapping into a function over replicate arrays."""
    name = kind_of(item)
    fn: EffectFn = EFFECTS[name].compile(getattr(item, name), r, (*loc, name))
    return fn
