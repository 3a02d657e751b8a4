"""The closed vocabulary of scenario conditions and effects.

Each kind is registered once, with the schema of its arguments and one line of
documentation, by ``@condition(...)`` or ``@effect(...)`` (the acts of ``sim.acts`` register
themselves the same way, marked as acts). A scenario names a kind as the single key of a
mapping, e.g. ``{attitude: {from: USSR, to: PAK, below: -20}}``; a kind that is not
registered fails when the file is loaded, never in the middle of a run. Compiling a
condition gives a function over the replicate arrays; compiling an effect gives an
``Effect`` object that applies itself, says in words what it does, and knows which flags it
raises. Nothing a user writes is ever evaluated as code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ForwardRef, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from sim.actors import INDEX, ActorId, Bloc, BlocLabel, StateNames
from sim.state import F64, B, WorldState

if TYPE_CHECKING:
    from sim.acts import Context

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80),
]
"""A content id: lower-case words joined by hyphens (``soviet-veto-kashmir``)."""

Actors = ActorId | list[ActorId]
Loc = tuple[str | int, ...]

CondFn = Callable[[WorldState, int], B]

Read = tuple[str, int]
"""A part of the state a condition reads: a field, and a column of it (-1: all of it)."""


@dataclass(frozen=True)
class Test:
    """A compiled condition: a function over replicate arrays, and what of the state it reads.

    ``reads`` lets the AI's look-ahead skip a condition on a trial state that differs from
    the state it came from in nothing the condition reads (``WorldState.changed``).
    """

    fn: CondFn
    reads: frozenset[Read]

    def __call__(self, s: WorldState, month: int) -> B:
        """The condition's truth in each replicate of ``s`` in ``month``."""
        return self.fn(s, month)


def _whole(*names: str) -> frozenset[Read]:
    return frozenset((name, -1) for name in names)


"""A compiled condition: (state, month) -> one boolean per replicate."""


class Effect(Protocol):
    """A compiled effect: it changes the state where the mask is true, and says what it does.

    ``structure`` applies only what lasts and needs no moment to happen in (flags raised or
    lowered, commitments, camps): a scenario that starts later replays it for what it
    assumes happened before its start.
    """

    @property
    def kind(self) -> str:
        """The registered kind."""
        ...

    @property
    def flags(self) -> tuple[int, ...]:
        """The flags it raises or lowers."""
        ...

    def apply(self, s: WorldState, ctx: Context, mask: B) -> None:
        """Apply the effect to the replicates where ``mask`` is true."""
        ...

    def structure(self, s: WorldState, ctx: Context, mask: B) -> None:
        """Apply only the lasting, structural part of the effect (see the class)."""
        ...

    def describe(self, s: WorldState, ctx: Context, replicate: int = 0) -> str:
        """What the effect does in this state, in words."""
        ...


class Resolver(Protocol):
    """Turns names used in conditions and effects into array indices, noting unknown ones."""

    @property
    def names(self) -> StateNames:
        """What the scenario calls the states, for the words an effect says."""
        ...

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
    """A registered condition or effect kind.

    ``flags`` lists the flags an effect kind raises or lowers, given its arguments (so that
    the compiler knows every flag a scenario can set without knowing any kind by name);
    ``act`` marks the acts of ``sim.acts``, the only effects a decision option may hold
    besides flags.
    """

    name: str
    args: Any
    doc: str
    compile: Callable[[Any, Resolver, Loc], Any]
    flags: Callable[[Any], tuple[str, ...]] = lambda args: ()
    act: bool = False
    in_options: bool = False  # may a decision option hold it (the acts, and flags)

    def __post_init__(self) -> None:
        if self.act:
            object.__setattr__(self, "in_options", True)


_CONDITION_LIST: Any = list[ForwardRef("Condition")]  # type: ignore[misc]
"""A list of conditions; resolved once ``sim.schema`` has built the ``Condition`` union."""

CONDITIONS: dict[str, Kind] = {}
EFFECTS: dict[str, Kind] = {}


def _register(table: dict[str, Kind], kind: Kind) -> None:
    if kind.name in table:
        raise RuntimeError(f"kind {kind.name!r} registered twice")
    table[kind.name] = kind


def condition(name: str, args: Any, doc: str) -> Callable[[Any], Any]:
    """Register a condition kind: its YAML key, argument schema and one-line doc."""

    def decorate(fn: Callable[[Any, Resolver, Loc], Any]) -> Callable[[Any, Resolver, Loc], Any]:
        _register(CONDITIONS, Kind(name, args, doc, fn))
        return fn

    return decorate


def effect(
    name: str,
    args: Any,
    doc: str,
    *,
    flags: Callable[[Any], tuple[str, ...]] = lambda args: (),
    act: bool = False,
    in_options: bool = False,
) -> Callable[[Any], Any]:
    """Register an effect kind: its YAML key, argument schema, one-line doc, flags it sets.

    ``act``: an act of ``sim.acts``; ``in_options``: a decision option may hold it (every
    act may; of the other kinds, only those that raise or lower a flag).
    """

    def decorate(fn: Callable[[Any, Resolver, Loc], Any]) -> Callable[[Any, Resolver, Loc], Any]:
        _register(EFFECTS, Kind(name, args, doc, fn, flags, act, in_options))
        return fn

    return decorate


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
def _attitude_test(a: AttitudeTest, r: Resolver, loc: Loc) -> Test:
    i, j = INDEX[a.from_], INDEX[a.to]
    lo = -np.inf if a.above is None else a.above
    hi = np.inf if a.below is None else a.below

    def test(s: WorldState, month: int) -> B:
        v = s.attitudes[:, i, j]
        return (v > lo) & (v < hi)

    return Test(test, _whole("attitudes"))


@condition("flag", Slug, "True where the named flag is raised.")
def _flag_test(name: str, r: Resolver, loc: Loc) -> Test:
    k = r.flag(name, loc)
    return Test(lambda s, month: s.flags[:, k].copy(), frozenset({("flags", k)}))


@condition("fired", Slug, "True where the named event has already happened.")
def _fired_test(event_id: str, r: Resolver, loc: Loc) -> Test:
    k = r.event(event_id, loc)
    return Test(lambda s, month: s.event_month[:, k] >= 0, frozenset({("event_month", k)}))


class ChoseTest(Args):
    """A decision's outcome."""

    decision: Slug = Field(description="the decision's id")
    option: Slug | None = Field(None, description="the option's id; omit for 'any option'")


@condition("chose", ChoseTest, "True where DECISION has been taken (with OPTION, if given).")
def _chose_test(a: ChoseTest, r: Resolver, loc: Loc) -> Test:
    d = r.decision(a.decision, (*loc, "decision"))
    reads = frozenset({("choice", d)})
    if a.option is None:
        return Test(lambda s, month: s.choice[:, d] >= 0, reads)
    o = r.option(a.decision, a.option, (*loc, "option"))
    return Test(lambda s, month: s.choice[:, d] == o, reads)


class AlignedTest(Args):
    """An actor's bloc."""

    actor: ActorId
    bloc: BlocLabel


@condition("aligned", AlignedTest, "True where ACTOR stands in BLOC (west, east, non-aligned).")
def _aligned_test(a: AlignedTest, r: Resolver, loc: Loc) -> Test:
    i, b = INDEX[a.actor], Bloc.from_label(a.bloc).value
    return Test(lambda s, month: s.bloc[:, i] == b, _whole("bloc"))


TieKind = Literal["alliance", "treaty", "base", "insurgency", "intervention"]


class TieTest(Args):
    """A commitment in force between two states."""

    kind: TieKind = Field(description="alliance, treaty, base, insurgency or intervention")
    from_: ActorId = Field(alias="from", description="the member, host, sponsor or actor")
    to: ActorId = Field(description="the leader, user, target or country")

    @model_validator(mode="after")
    def _two(self) -> TieTest:
        if self.from_ == self.to:
            raise ValueError("'from' and 'to' must be different actors")
        return self


@condition(
    "tie",
    TieTest,
    "True where a commitment of KIND binds FROM to TO (a pact or treaty either way).",
)
def _tie_test(a: TieTest, r: Resolver, loc: Loc) -> Test:
    from sim.state import TIE

    k, i, j = TIE[a.kind], INDEX[a.from_], INDEX[a.to]
    both = a.kind in ("alliance", "treaty")
    if both:
        return Test(
            lambda s, month: (s.ties[:, k, i, j] > 0) | (s.ties[:, k, j, i] > 0), _whole("ties")
        )
    return Test(lambda s, month: s.ties[:, k, i, j] > 0, _whole("ties"))


class AidTest(Args):
    """Aid flowing from one state to another."""

    from_: ActorId = Field(alias="from", description="the donor")
    to: ActorId = Field(description="the recipient")
    kind: Literal["economic", "military", "any"] = "any"
    above: float = Field(0.5, ge=0, le=100, description="true if the flow is above this")

    @model_validator(mode="after")
    def _two(self) -> AidTest:
        if self.from_ == self.to:
            raise ValueError("'from' and 'to' must be different actors")
        return self


@condition("aid_flow", AidTest, "True where FROM's aid of KIND to TO flows above ABOVE points.")
def _aid_test(a: AidTest, r: Resolver, loc: Loc) -> Test:
    i, j, above, kind = INDEX[a.from_], INDEX[a.to], a.above, a.kind

    def test(s: WorldState, month: int) -> B:
        flow = (
            s.mil_aid[:, i, j]
            if kind == "military"
            else s.econ_aid[:, i, j]
            if kind == "economic"
            else s.mil_aid[:, i, j] + s.econ_aid[:, i, j]
        )
        out: B = flow > above
        return out

    return Test(test, _whole("mil_aid", "econ_aid"))


class StrengthTest(Args):
    """One state's military capability against another's (the Correlates of War record)."""

    actor: ActorId
    than: ActorId
    by: float = Field(1.0, gt=0, le=100, description="true if ACTOR's share is above BY x THAN's")

    @model_validator(mode="after")
    def _two(self) -> StrengthTest:
        if self.actor == self.than:
            raise ValueError("'actor' and 'than' must be different actors")
        return self


@condition(
    "stronger",
    StrengthTest,
    "True in the years when ACTOR's military capability exceeds BY times THAN's (COW NMC).",
)
def _stronger_test(a: StrengthTest, r: Resolver, loc: Loc) -> Test:
    from sim.capabilities import load_capabilities

    capabilities = load_capabilities()
    i, j, by = INDEX[a.actor], INDEX[a.than], a.by

    def test(s: WorldState, month: int) -> B:
        military, _ = capabilities.for_year(month // 12)
        return np.full(s.replicates, bool(military[i] > by * military[j]))

    return Test(test, frozenset())


class Period(Args):
    """A stretch of months."""

    from_: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")] | None = Field(
        None, alias="from", description="the first month, YYYY-MM"
    )
    to: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")] | None = Field(
        None, description="the last month, YYYY-MM"
    )

    @model_validator(mode="after")
    def _a_bound(self) -> Period:
        if self.from_ is None and self.to is None:
            raise ValueError("give 'from', 'to' or both")
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError(f"'to' ({self.to}) is before 'from' ({self.from_})")
        return self


@condition("between", Period, "True in the months from FROM to TO (either may be left out).")
def _between_test(a: Period, r: Resolver, loc: Loc) -> Test:
    from sim.calendar import parse_month

    lo = parse_month(a.from_) if a.from_ else -(10**9)
    hi = parse_month(a.to) if a.to else 10**9
    return Test(lambda s, month: np.full(s.replicates, lo <= month <= hi), frozenset())


@condition("all", _CONDITION_LIST, "True where every listed condition is true.")
def _all_test(items: list[Any], r: Resolver, loc: Loc) -> Test:
    tests = [compile_condition(c, r, (*loc, k)) for k, c in enumerate(items)]
    parts = [t.fn for t in tests]
    reads = frozenset().union(*(t.reads for t in tests))

    def test(s: WorldState, month: int) -> B:
        if len(parts) < 2:
            if not parts:
                return np.ones(s.replicates, dtype=bool)
            return np.array(parts[0](s, month), dtype=bool)
        out: B = parts[0](s, month) & parts[1](s, month)  # a new array, never a part's own
        for p in parts[2:]:
            out &= p(s, month)
        return out

    return Test(test, reads)


@condition("any", _CONDITION_LIST, "True where at least one listed condition is true.")
def _any_test(items: list[Any], r: Resolver, loc: Loc) -> Test:
    tests = [compile_condition(c, r, (*loc, k)) for k, c in enumerate(items)]
    parts = [t.fn for t in tests]
    reads = frozenset().union(*(t.reads for t in tests))

    def test(s: WorldState, month: int) -> B:
        if len(parts) < 2:
            if not parts:
                return np.zeros(s.replicates, dtype=bool)
            return np.array(parts[0](s, month), dtype=bool)
        out: B = parts[0](s, month) | parts[1](s, month)  # a new array, never a part's own
        for p in parts[2:]:
            out |= p(s, month)
        return out

    return Test(test, reads)


@condition("not", ForwardRef("Condition"), "True where the given condition is false.")
def _not_test(item: Any, r: Resolver, loc: Loc) -> Test:
    part = compile_condition(item, r, loc)
    inner = part.fn
    return Test(lambda s, month: ~inner(s, month), part.reads)


# --------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class Plain:
    """A compiled effect that is not an act: a shock, a change of camp or regime, a flag.

    Only events may carry the numeric ones (a decision option is made of acts); each keeps
    the citation of its event.
    """

    kind: str
    run: Callable[[WorldState, Context, B], None]
    text: str
    lasting: bool = False  # flags and camps: replayed for a scenario's assumed past
    flags: tuple[int, ...] = field(default=())

    def apply(self, s: WorldState, ctx: Context, mask: B) -> None:
        """Apply the effect where ``mask`` is true."""
        self.run(s, ctx, mask)

    def structure(self, s: WorldState, ctx: Context, mask: B) -> None:
        """Apply it again for an assumed past if it lasts (a flag, a camp); else nothing."""
        if self.lasting:
            self.run(s, ctx, mask)

    def describe(self, s: WorldState, ctx: Context, replicate: int = 0) -> str:
        """What the effect does, in words (it does not depend on the state)."""
        return self.text


class AttitudeShift(Args):
    """A shock to attitudes."""

    from_: Actors = Field(alias="from", description="actor(s) whose attitude changes")
    to: Actors = Field(description="actor(s) the attitude is held towards")
    delta: float = Field(ge=-100, le=100, description="points on the -100..100 scale")
    mutual: bool = Field(False, description="also shift TO's attitude towards FROM")


def _shift_where(column: F64, delta: float, mask: B) -> None:
    """Add ``delta`` to a column of the state where ``mask`` holds, clipped to -100..100.

    What ``np.where(mask, np.clip(column + delta, -100, 100), column)`` written back gives,
    in the same bits (clip is the larger of the value and -100, then the smaller of that
    and 100), in half its time: ``np.clip``'s Python wrappers cost more than the sum on
    the handful of replicates an event's shock usually concerns.
    """
    moved = column + delta
    np.maximum(moved, -100.0, out=moved)
    np.minimum(moved, 100.0, out=moved)
    np.copyto(column, moved, where=mask)


@effect(
    "attitude",
    AttitudeShift,
    "Shift FROM's attitude to TO by DELTA (both ways if mutual); a share stays in memory.",
)
def _attitude_shift(a: AttitudeShift, r: Resolver, loc: Loc) -> Effect:
    forward = [(i, j) for i in _actors(a.from_) for j in _actors(a.to) if i != j]
    pairs = list(forward)
    if a.mutual:
        pairs += [(j, i) for i, j in forward if (j, i) not in pairs]
    delta = float(a.delta)

    def run(s: WorldState, ctx: Context, mask: B) -> None:
        keep = ctx.rules.memory * delta
        attitudes, memory = s.writable("attitudes"), s.writable("memory")
        for i, j in pairs:
            _shift_where(attitudes[:, i, j], delta, mask)
            _shift_where(memory[:, i, j], keep, mask)

    givers = sorted({i for i, _ in forward})  # as written: the way back is "and back"
    who, whom = r.names.listed(givers), r.names.listed(sorted({j for _, j in forward}))
    verb = ("warm" if delta > 0 else "cool") + ("s" if len(givers) == 1 else "")
    both = " and back" if a.mutual else ""
    return Plain("attitude", run, f"{who} {verb} towards {whom}{both} by {abs(delta):g}")


class Alignment(Args):
    """A change of camp."""

    actor: ActorId
    bloc: BlocLabel


@effect("align", Alignment, "Put ACTOR in BLOC (west, east or non-aligned).")
def _align(a: Alignment, r: Resolver, loc: Loc) -> Effect:
    i, b = INDEX[a.actor], Bloc.from_label(a.bloc).value

    def run(s: WorldState, ctx: Context, mask: B) -> None:
        bloc = s.writable("bloc")
        bloc[:, i] = np.where(mask, np.int8(b), bloc[:, i])

    camp = {"west": "the western camp", "east": "the eastern camp"}.get(a.bloc, "no camp")
    return Plain("align", run, f"{r.names.in_sentence(a.actor)} stands in {camp}", lasting=True)


class AidFlow(Args):
    """Aid from one state to another."""

    from_: ActorId = Field(alias="from", description="the donor")
    to: ActorId = Field(description="the recipient")
    amount: float = Field(gt=0, le=100, description="size of the programme, 0..100 points")
    kind: Literal["economic", "military"] = Field("economic", description="what it buys")


@effect("aid", AidFlow, "Start aid of AMOUNT from FROM to TO; it decays at dynamics.aid_decay.")
def _aid(a: AidFlow, r: Resolver, loc: Loc) -> Effect:
    i, j, amount = INDEX[a.from_], INDEX[a.to], float(a.amount)
    if i == j:
        raise ValueError("'from' and 'to' must be different actors")
    military = a.kind == "military"

    def run(s: WorldState, ctx: Context, mask: B) -> None:
        target = s.writable("mil_aid" if military else "econ_aid")
        target[:, i, j] = np.where(mask, target[:, i, j] + amount, target[:, i, j])

    giver, taker = r.names.in_sentence(a.from_), r.names.in_sentence(a.to)
    text = f"{giver} sends {a.kind} aid worth {amount:g} to {taker}"
    return Plain("aid", run, text)


class PrestigeShift(Args):
    """A change in standing."""

    actor: ActorId
    delta: float = Field(ge=-100, le=100)


@effect("prestige", PrestigeShift, "Change ACTOR's prestige by DELTA points.")
def _prestige(a: PrestigeShift, r: Resolver, loc: Loc) -> Effect:
    i, delta = INDEX[a.actor], float(a.delta)

    def run(s: WorldState, ctx: Context, mask: B) -> None:
        prestige = s.writable("prestige")
        prestige[:, i] = np.where(mask, prestige[:, i] + delta, prestige[:, i])

    verb = "gains" if delta > 0 else "loses"
    who = r.names.in_sentence(a.actor)
    return Plain("prestige", run, f"{who} {verb} {abs(delta):g} in standing")


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
def _ideology(a: IdeologyShift, r: Resolver, loc: Loc) -> Effect:
    i = INDEX[a.actor]
    to, delta = a.to, a.delta

    def run(s: WorldState, ctx: Context, mask: B) -> None:
        ideology = s.writable("ideology")
        old = ideology[:, i]
        new = np.full_like(old, to) if to is not None else np.clip(old + (delta or 0.0), -1, 1)
        ideology[:, i] = np.where(mask, new, old)

    where = f"to {to:+g}" if to is not None else f"by {delta:+g}"
    return Plain(
        "ideology",
        run,
        f"{r.names.in_sentence(a.actor)}'s ideology moves {where}",
        lasting=to is not None,
    )


@effect(
    "set_flag",
    Slug,
    "Raise the named flag (conditions can test it with 'flag').",
    flags=lambda name: (name,),
    in_options=True,
)
def _set_flag(name: str, r: Resolver, loc: Loc) -> Effect:
    k = r.flag(name, loc)

    def run(s: WorldState, ctx: Context, mask: B) -> None:
        s.writable("flags")[:, k] |= mask

    return Plain("set_flag", run, f"raises the flag {name}", lasting=True, flags=(k,))


@effect("clear_flag", Slug, "Lower the named flag.", flags=lambda name: (name,), in_options=True)
def _clear_flag(name: str, r: Resolver, loc: Loc) -> Effect:
    k = r.flag(name, loc)

    def run(s: WorldState, ctx: Context, mask: B) -> None:
        s.writable("flags")[:, k] &= ~mask

    return Plain("clear_flag", run, f"lowers the flag {name}", lasting=True, flags=(k,))


# --------------------------------------------------------------------------- compiling


def kind_of(item: BaseModel) -> str:
    """The registered kind a validated condition or effect mapping names."""
    return str(next(iter(type(item).model_fields)))


def compile_condition(item: BaseModel, r: Resolver, loc: Loc) -> Test:
    """Compile a validated condition mapping into a ``Test`` over replicate arrays."""
    name = kind_of(item)
    out: Test = CONDITIONS[name].compile(getattr(item, name), r, (*loc, name))
    return out


def compile_effect(item: BaseModel, r: Resolver, loc: Loc) -> Effect:
    """Compile a validated effect mapping into an ``Effect`` over replicate arrays."""
    name = kind_of(item)
    out: Effect = EFFECTS[name].compile(getattr(item, name), r, (*loc, name))
    return out


def flags_of(item: BaseModel) -> tuple[str, ...]:
    """The flags a validated effect mapping raises or lowers (its kind says which)."""
    name = kind_of(item)
    return EFFECTS[name].flags(getattr(item, name))
