"""Acts: what states do, as a closed vocabulary whose effects follow from shared rules.

A decision option is a list of acts (plus flags). An act names who does what to whom
(``join_alliance: {member: PAK, leader: USA}``); it never carries a number for its effect.
Its rule computes the effect on all six states from the state at that moment: who is allied
with whom, how each third state regards the parties, their capabilities (the Correlates of
War record, in the ``Context``), the commitments in force and the aid already flowing. The
rules read one small table of named, bounded parameters, ``Rules``, the same for every
decision of every scenario (a scenario may ``set:`` them, as any parameter; a decision may
not).

Three rules are shared by every act:

- **spill** (balance at once): when two states move closer by D (the mean of both
  directions), every third state k moves towards each of them in the direction of its own
  view of the other: ``A[k,a] += spill * D * A[k,b] / 100``. So joining a pact cools the
  leader's rivals towards the new member in proportion to their hostility to the leader,
  and warms its friends; a hostile act does the opposite.
- **memory**: a share ``memory`` of every shock stays in the baseline that attitudes drift
  towards (``WorldState.memory``), so a war or a broken promise is remembered for decades.
  The warmth a commitment brings is held by the commitment instead (``WorldState.ties``):
  it stays while the commitment lasts and goes when an act ends it.
- **prestige moves by rules only**: a visit received from a great power, a mediation that
  succeeds, a war won or lost, a commitment broken.

Each act also says in words what it would do in a given state (``describe``), for the
timeline, the advisor and the classroom.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim import kernels
from sim.actors import ACTORS, INDEX, N_ACTORS, USUAL_NAMES, ActorId, Bloc, BlocLabel, StateNames
from sim.state import F64, I8, TIE, TIES, B, WorldState, anywhere
from sim.vocabulary import Args, Loc, Resolver, Slug, effect

# --------------------------------------------------------------------------- the rules


class Rules(BaseModel):
    """The shared parameters of the acts' rules: one table for every decision.

    Attitude points are on the -100..100 scale. The defaults are the authors' reading of
    the conflict-cooperation scale of Goldstein (1992), where an alliance is about +25
    points and a war about -30; ``frontline calibrate`` fits the ones it lists by
    likelihood (see ``sim.calibrate``).
    """

    model_config = ConfigDict(extra="forbid")

    bond: float = Field(15.0, ge=0, le=60, description="warmth a commitment holds, each way")
    spill: float = Field(0.3, ge=0, le=2, description="how far third states follow a change")
    gratitude: float = Field(0.8, ge=0, le=5, description="warmth per point of aid started")
    refusal: float = Field(5.0, ge=0, le=40, description="cooling of a state whose ask is refused")
    betrayal: float = Field(20.0, ge=0, le=80, description="cooling of a partner let down")
    reputation: float = Field(3.0, ge=0, le=20, description="standing lost by a broken promise")
    visit: float = Field(6.0, ge=0, le=30, description="warmth of a visit, each way")
    visit_prestige: float = Field(
        3.0, ge=0, le=20, description="standing a host gains from the strongest guest"
    )
    hostility: float = Field(12.0, ge=0, le=60, description="cooling of a hostile act's target")
    aggression: float = Field(8.0, ge=0, le=40, description="third states' cooling at force")
    mediation: float = Field(6.0, ge=0, le=30, description="warmth towards a mediator")
    mediation_prestige: float = Field(
        4.0, ge=0, le=20, description="standing a successful mediator gains"
    )
    base_risk: float = Field(
        1.0, ge=0, le=5, description="extra share of spill at a foreign base, for the risk"
    )
    memory: float = Field(0.3, ge=0, le=1, description="share of a shock that is remembered")
    war_prestige: float = Field(5.0, ge=0, le=30, description="standing won or lost by a war")
    leaders: float = Field(
        1.0, ge=0, le=3, description="how much leaders' modifiers count (0 none, 1 as written)"
    )
    aid_token: float = Field(2.0, gt=0, le=50, description="aid points of a token programme")
    aid_modest: float = Field(5.0, gt=0, le=50, description="aid points of a modest programme")
    aid_major: float = Field(12.0, gt=0, le=100, description="aid points of a major programme")

    def aid_points(self, size: str) -> float:
        """The aid points of a programme's size."""
        return {"token": self.aid_token, "modest": self.aid_modest, "major": self.aid_major}[size]


@dataclass(frozen=True)
class Context:
    """What a rule reads besides the state: the month, the capabilities, the rules.

    ``names`` is what the scenario calls the states, for the words an act says it does.
    """

    month: int
    military: F64  # (6,) shares of the six states' CINC this year
    economic: F64  # (6,) shares of their primary energy consumption
    rules: Rules
    names: StateNames = USUAL_NAMES


_LEADER = {Bloc.WEST.value: INDEX["USA"], Bloc.EAST.value: INDEX["USSR"]}
_DIAGONAL = np.arange(N_ACTORS)
"""The state that leads each camp."""

DEPTH = np.array([1.0, 0.6, 0.5, -0.5, 0.0])
"""How much of ``Rules.bond`` each kind of tie (``TIES``) holds in the baseline."""

_THIRD = {
    (a, b): np.array([k for k in range(N_ACTORS) if k not in (a, b)])
    for a in range(N_ACTORS)
    for b in range(N_ACTORS)
}
"""For each pair, the other states (the third parties a change spills over to)."""

_BOTH_WAYS = np.array([name in ("alliance", "treaty") for name in TIES])


_MOST_TIES = 16
_WEIGHTS = 2.0 * (1.0 - 0.5 ** np.arange(_MOST_TIES + 1, dtype=np.float64))


def weight_of(count: npt.NDArray[Any] | float) -> F64:
    """How much ``count`` ties of one kind hold: 1 for one, 1.5 for two, 1.75 for three ...

    A second pact with the same leader binds a little more, not twice as much. (Counts are
    whole numbers; a table gives the weights.)
    """
    index = np.minimum(np.asarray(count), _MOST_TIES).astype(np.intp)
    out: F64 = _WEIGHTS[index]
    return out


_COUNTED = [k for k, depth in enumerate(DEPTH) if depth != 0.0]


def commitment(ties: I8) -> F64:
    """Net commitment between each pair, (R, 6, 6): the ties in force, weighted by depth.

    ``ties`` counts the commitments of each kind (a state may be in several pacts with one
    leader). A directed tie (a base, an insurgency, an intervention) binds both states of
    the pair.
    """
    out: F64 = np.zeros(ties.shape[:1] + ties.shape[2:])
    for k in _COUNTED:
        both = ties[:, k] if _BOTH_WAYS[k] else ties[:, k] + np.swapaxes(ties[:, k], 1, 2)
        out += DEPTH[k] * weight_of(both)
    return out


# --------------------------------------------------------------------------- a change


class Change:
    """The attitude, standing and aid changes an act makes, computed before any is applied.

    Every rule reads the state as it was when the act began (``before``) and adds to this
    record; ``commit`` applies it where the mask is true.
    """

    def __init__(self, s: WorldState, ctx: Context) -> None:
        r = s.replicates
        self.ctx = ctx
        self.before = s.attitudes  # read-only: commit() replaces the array, never writes it
        self.kept = np.zeros((r, N_ACTORS, N_ACTORS))  # shocks: a share is remembered
        self.held = np.zeros((r, N_ACTORS, N_ACTORS))  # warmth a commitment holds
        self.prestige = np.zeros((r, N_ACTORS))
        self.aid: list[tuple[bool, int, int, F64 | float, bool]] = []

    def one(self, i: int, j: int, delta: F64 | float) -> None:
        """How i regards j changes by ``delta`` (no spill)."""
        self.kept[:, i, j] += delta

    def dyad(
        self,
        a: int,
        b: int,
        ab: F64 | float,
        ba: F64 | float,
        *,
        held: bool = False,
        spill: float = 1.0,
    ) -> None:
        """A's view of b changes by ``ab`` and b's of a by ``ba``; third states follow.

        ``held``: the warmth belongs to a commitment (kept in ``ties``, not in memory).
        """
        target = self.held if held else self.kept
        target[:, a, b] += ab
        target[:, b, a] += ba
        if spill:
            mean = (np.asarray(ab) + np.asarray(ba)) * (0.5 * self.ctx.rules.spill * spill)
            a0 = self.before
            third = _THIRD[a, b]  # every other state k, in order: the same sums one by one
            if kernels.active():
                kernels.spill(self.kept, a0, a, b, np.atleast_1d(mean), third)
                return
            if mean.ndim:
                mean = mean[:, None]
            self.kept[:, third, a] += mean * a0[:, third, b] * 0.01
            self.kept[:, third, b] += mean * a0[:, third, a] * 0.01

    def standing(self, i: int, delta: F64 | float) -> None:
        """I's prestige changes by ``delta``."""
        self.prestige[:, i] += delta

    def flow(self, military: bool, donor: int, recipient: int, amount: F64 | float) -> None:
        """Aid of ``amount`` starts to flow (decaying at ``dynamics.aid_decay``)."""
        self.aid.append((military, donor, recipient, amount, False))

    def stop(self, military: bool, donor: int, recipient: int) -> None:
        """The aid of that kind from donor to recipient stops."""
        self.aid.append((military, donor, recipient, 0.0, True))

    def commit(self, s: WorldState, mask: B) -> None:
        """Apply the change where ``mask`` is true (into new arrays, which ``s`` adopts)."""
        if kernels.active():
            attitudes, memory, prestige = kernels.commit(
                s.attitudes,
                self.kept,
                self.held,
                s.memory,
                s.prestige,
                self.prestige,
                self.ctx.rules.memory,
                mask,
            )
            s.adopt(attitudes=attitudes, memory=memory, prestige=prestige)
        else:
            self._sums(s, mask)
        for military, donor, recipient, amount, stop in self.aid:
            flows = s.writable("mil_aid" if military else "econ_aid")
            old = flows[:, donor, recipient]
            new = np.zeros_like(old) if stop else old + amount
            flows[:, donor, recipient] = np.where(mask, new, old)

    def _sums(self, s: WorldState, mask: B) -> None:
        """The new attitudes, memory and prestige (``sim.kernels.commit`` does the same)."""
        everyone = bool(mask.all())
        m3 = mask[:, None, None]
        moved = s.attitudes + self.kept
        moved += self.held
        np.clip(moved, -100.0, 100.0, out=moved)
        moved[:, _DIAGONAL, _DIAGONAL] = 0.0
        attitudes = moved if everyone else np.where(m3, moved, s.attitudes)
        remembered = self.kept * self.ctx.rules.memory
        remembered += s.memory
        np.clip(remembered, -100.0, 100.0, out=remembered)
        remembered[:, _DIAGONAL, _DIAGONAL] = 0.0
        memory = remembered if everyone else np.where(m3, remembered, s.memory)
        standing = s.prestige + self.prestige
        prestige = standing if everyone else np.where(mask[:, None], standing, s.prestige)
        s.adopt(attitudes=attitudes, memory=memory, prestige=prestige)

    def words(self, replicate: int = 0) -> list[str]:
        """The change in words, largest first (for ``describe``)."""
        out = []
        names = self.ctx.names
        total = self.kept[replicate] + self.held[replicate]
        for j in range(N_ACTORS):
            for sign, verb in ((-1, "cool"), (1, "warm")):
                who = [i for i in range(N_ACTORS) if i != j and sign * total[i, j] >= 0.5]
                if not who:
                    continue
                sizes = [abs(total[i, j]) for i in who]
                size = (
                    f"about {round(sizes[0])}"
                    if max(sizes) - min(sizes) < 1.5
                    else f"{round(min(sizes))} to {round(max(sizes))}"
                )
                verb_s = verb + ("s" if len(who) == 1 else "")
                whom = names.in_sentence(ACTORS[j])
                line = f"{names.listed(who)} {verb_s} towards {whom} by {size}"
                out.append((max(sizes), line))
        for i in range(N_ACTORS):
            d = self.prestige[replicate, i]
            if abs(d) >= 0.05:
                verb = "gains" if d > 0 else "loses"
                one = names.in_sentence(ACTORS[i])
                out.append((abs(d), f"{one} {verb} {abs(d):.1f} in standing"))
        for military, donor, recipient, amount, stop in self.aid:
            kind = "military" if military else "economic"
            giver, taker = names.in_sentence(ACTORS[donor]), names.in_sentence(ACTORS[recipient])
            if stop:
                text = f"{giver} stops its {kind} aid to {taker}"
            else:
                points = float(np.asarray(amount).reshape(-1)[min(replicate, np.size(amount) - 1)])
                text = f"{giver} starts {kind} aid worth {points:.0f} points to {taker}"
            out.append((100.0, text))
        return [text for _, text in sorted(out, key=lambda x: -x[0])]


# --------------------------------------------------------------------------- compiled acts

Rule = Callable[[WorldState, Context, B, Change], None]
"""An act's rule: writes what lasts (ties, camps, flags) into the state where the mask holds,
and adds what it does to attitudes, standing and aid to the ``Change``."""


@dataclass(frozen=True)
class Act:
    """A compiled act: its rule, its headline and the flags it raises or lowers."""

    kind: str
    rule: Rule
    headline: str
    flags: tuple[int, ...] = field(default=())

    def apply(self, s: WorldState, ctx: Context, mask: B) -> None:
        """Do the act in the replicates where ``mask`` is true."""
        change = Change(s, ctx)
        self.rule(s, ctx, mask, change)
        change.commit(s, mask)

    def structure(self, s: WorldState, ctx: Context, mask: B) -> None:
        """Only what lasts: the ties, camps and flags (for a scenario's assumed past)."""
        self.rule(s, ctx, mask, Change(s, ctx))

    def change(self, s: WorldState, ctx: Context) -> tuple[Change, WorldState]:
        """What the act would do to every replicate of ``s`` (on a copy; nothing is applied)."""
        trial = s.copy()
        change = Change(trial, ctx)
        self.rule(trial, ctx, np.ones(s.replicates, dtype=bool), change)
        return change, trial

    def describe(self, s: WorldState, ctx: Context, replicate: int = 0) -> str:
        """What the act would do in this state, in words: the headline, then its effects."""
        one = s.take(np.array([replicate]))
        change, after = self.change(one, ctx)
        parts = [self.headline]
        parts += [w for w in _structure_words(one, after, ctx.names) if w != self.headline]
        parts += change.words(0)
        return "; ".join(parts)


def _structure_words(before: WorldState, after: WorldState, names: StateNames) -> list[str]:
    """Commitments made or ended and camps changed between two one-replicate states."""
    out = []
    for k, name in enumerate(TIES):
        for i in range(N_ACTORS):
            for j in range(N_ACTORS):
                was, now = before.ties[0, k, i, j], after.ties[0, k, i, j]
                if was == now or (_BOTH_WAYS[k] and j < i):
                    continue
                pair = f"{names.in_sentence(ACTORS[i])} and {names.in_sentence(ACTORS[j])}"
                article = "an" if name[0] in "aeiou" else "a"
                out.append(
                    f"{article} {name} binds {pair}" if now else f"the {name} of {pair} ends"
                )
    for i in range(N_ACTORS):
        if before.bloc[0, i] != after.bloc[0, i]:
            label = Bloc(int(after.bloc[0, i])).label
            camp = {"west": "the western camp", "east": "the eastern camp"}.get(label, "no camp")
            out.append(f"{names.in_sentence(ACTORS[i])} stands in {camp}")
    return out


def _tie(s: WorldState, kind: str, i: int, j: int, value: float, mask: B) -> F64:
    """Set a tie where the mask holds (both ways for a symmetric kind); return the old one."""
    k = TIE[kind]
    ties = s.writable("ties")
    old = ties[:, k, i, j].astype(np.float64)
    ties[:, k, i, j] = np.where(mask, value, ties[:, k, i, j])
    if _BOTH_WAYS[k]:
        ties[:, k, j, i] = np.where(mask, value, ties[:, k, j, i])
    return old


def _count(s: WorldState, kind: str, i: int, j: int, step: int, mask: B) -> F64:
    """Add ``step`` (+1 or -1, never below 0) to a tie count where the mask holds; the old count."""
    k = TIE[kind]
    ties = s.writable("ties")
    old = ties[:, k, i, j].astype(np.float64)
    new = np.maximum(old + step, 0.0)
    ties[:, k, i, j] = np.where(mask, new, old)
    if _BOTH_WAYS[k]:
        ties[:, k, j, i] = np.where(mask, new, ties[:, k, j, i])
    return old


def _flag(s: WorldState, k: int, raise_: bool, mask: B) -> None:
    flags = s.writable("flags")
    if raise_:
        flags[:, k] |= mask
    else:
        flags[:, k] &= ~mask


def _flagging(rule: Rule, k: int, up: bool) -> Rule:
    """The rule, then the act's flag raised (``up``) or lowered where the mask holds."""

    def flagged(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        rule(s, ctx, mask, ch)
        _flag(s, k, up, mask)

    return flagged


def _bloc(s: WorldState, i: int, value: F64 | int, mask: B) -> None:
    bloc = s.writable("bloc")
    bloc[:, i] = np.where(mask, np.asarray(value, dtype=np.int8), bloc[:, i])


def _warm(values: F64) -> F64:
    """How much a state values a relationship: its attitude, positive part, as a share."""
    out: F64 = np.maximum(values, 0.0) * 0.01
    return out


def _others(*exclude: int) -> list[int]:
    return [k for k in range(N_ACTORS) if k not in exclude]


# --------------------------------------------------------------------------- registration


def _n(r: Resolver, actor: str) -> str:
    """An actor's name in a sentence, as the scenario being compiled calls it."""
    return r.names.in_sentence(actor)


def _act(
    name: str,
    args: type[BaseModel],
    doc: str,
    *,
    raises: str | None = None,
    lowers: str | None = None,
) -> Callable[[Callable[[BaseModel, Resolver, Loc], tuple[Rule, str]]], None]:
    """Register an act: its YAML key, arguments, doc line, and the flag argument it uses.

    ``raises``/``lowers`` name the optional argument that holds a flag the act raises or
    lowers (a pact's flag, a base's): flag-setting is a property of the act kind.
    """
    flag_arg = raises or lowers

    def flags_of(a: BaseModel) -> tuple[str, ...]:
        value = getattr(a, flag_arg) if flag_arg else None
        return (value,) if value else ()

    def decorate(make: Callable[[BaseModel, Resolver, Loc], tuple[Rule, str]]) -> None:
        def compile_(a: BaseModel, r: Resolver, loc: Loc) -> Act:
            rule, headline = make(a, r, loc)
            value = getattr(a, flag_arg) if flag_arg else None
            if not value or not flag_arg:
                return Act(name, rule, headline)
            k = r.flag(value, (*loc, flag_arg))
            return Act(name, _flagging(rule, k, raises is not None), headline, (k,))

        effect(name, args, doc, flags=flags_of, act=True)(compile_)

    return decorate


class _Two(Args):
    """Base of acts between two named parties."""

    @model_validator(mode="after")
    def _distinct(self) -> _Two:
        values = [v for v in self.model_dump().values() if isinstance(v, str) and v in INDEX]
        if len(set(values)) != len(values):
            raise ValueError("the states an act names must be different")
        return self


Size = Literal["token", "modest", "major"]
AidKind = Literal["economic", "military"]


# --------------------------------------------------------------------------- camps and pacts


class JoinBloc(Args):
    """A state takes its place in a camp."""

    actor: ActorId
    bloc: BlocLabel


@_act("join_bloc", JoinBloc, "ACTOR stands in BLOC; it warms with that camp's leader.")
def _join_bloc(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, JoinBloc)
    i, new = INDEX[a.actor], Bloc.from_label(a.bloc).value

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        old = s.bloc[:, i].copy()
        for value, leader in _LEADER.items():
            if leader == i:
                continue
            joins = (old != value) & (new == value)
            leaves = (old == value) & (new != value)
            warmth = ctx.rules.bond * 0.5 * (joins.astype(float) - leaves)
            if anywhere(warmth):
                ch.dyad(i, leader, warmth, warmth)
        _bloc(s, i, new, mask)

    label = {"west": "the western camp", "east": "the eastern camp"}.get(a.bloc, "no camp")
    return rule, f"{_n(r, a.actor)} stands in {label}"


class Pact(_Two):
    """A state and the leader of a pact."""

    member: ActorId
    leader: ActorId
    pact: Slug | None = Field(None, description="the pact's flag, raised or lowered")


@_act(
    "join_alliance",
    Pact,
    "MEMBER joins the pact LEADER leads: a commitment, the leader's camp, rivals cool.",
    raises="pact",
)
def _join_alliance(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Pact)
    m, lead = INDEX[a.member], INDEX[a.leader]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        old = _count(s, "alliance", m, lead, 1, mask)
        bond = ctx.rules.bond * (weight_of(old + 1) - weight_of(old))  # a second pact adds less
        ch.dyad(m, lead, bond, bond, held=True)
        camp = s.bloc[:, lead]
        _bloc(s, m, np.where(camp != Bloc.NON_ALIGNED.value, camp, s.bloc[:, m]), mask)

    return rule, f"{_n(r, a.member)} joins the pact led by {_n(r, a.leader)}"


@_act(
    "leave_alliance",
    Pact,
    "MEMBER leaves LEADER's pact: the commitment ends; a partner who valued it is let down.",
    lowers="pact",
)
def _leave_alliance(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Pact)
    m, lead = INDEX[a.member], INDEX[a.leader]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        old = _count(s, "alliance", m, lead, -1, mask)
        p = ctx.rules
        lost = weight_of(old) - weight_of(np.maximum(old - 1, 0.0))  # what this pact held
        ch.dyad(m, lead, 0.0, -p.betrayal * lost * _warm(ch.before[:, lead, m]))
        ch.standing(m, -p.reputation * lost)
        _bloc(s, m, Bloc.NON_ALIGNED.value, mask & (old == 1))  # its last pact in that camp

    return rule, f"{_n(r, a.member)} leaves the pact led by {_n(r, a.leader)}"


class Treaty(_Two):
    """Two states and a treaty between them."""

    first: ActorId
    second: ActorId
    treaty: Slug | None = Field(None, description="the treaty's flag")


@_act(
    "sign_treaty",
    Treaty,
    "FIRST and SECOND sign a treaty of friendship: a lighter commitment than a pact.",
    raises="treaty",
)
def _sign_treaty(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Treaty)
    i, j = INDEX[a.first], INDEX[a.second]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        old = _tie(s, "treaty", i, j, 1.0, mask)
        bond = ctx.rules.bond * DEPTH[TIE["treaty"]] * (1.0 - old)
        ch.dyad(i, j, bond, bond, held=True)

    return rule, f"{_n(r, a.first)} and {_n(r, a.second)} sign a treaty of friendship"


class TreatyBreak(_Two):
    """A state ends its treaty with another."""

    breaker: ActorId
    partner: ActorId
    treaty: Slug | None = Field(None, description="the treaty's flag, lowered")


@_act(
    "break_treaty",
    TreatyBreak,
    "BREAKER ends its treaty with PARTNER: the partner is let down, standing is lost.",
    lowers="treaty",
)
def _break_treaty(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, TreatyBreak)
    i, j = INDEX[a.breaker], INDEX[a.partner]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        old = _tie(s, "treaty", i, j, 0.0, mask)
        p = ctx.rules
        ch.dyad(i, j, 0.0, -p.betrayal * DEPTH[TIE["treaty"]] * old * _warm(ch.before[:, j, i]))
        ch.standing(i, -p.reputation * old)

    return rule, f"{_n(r, a.breaker)} ends its treaty with {_n(r, a.partner)}"


# --------------------------------------------------------------------------- aid


class Aid(_Two):
    """Aid of a kind and size from a donor to a recipient.

    Sizes (in then-year US dollars, for the whole programme): ``token`` under $50 million,
    ``modest`` under $500 million, ``major`` above; the rules give their aid points.
    """

    donor: ActorId
    recipient: ActorId
    kind: AidKind = "economic"
    size: Size = "modest"


def _aid_rule(a: Aid, *, started: bool, share: float = 1.0) -> Rule:
    d, rc, military = INDEX[a.donor], INDEX[a.recipient], a.kind == "military"

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        points = p.aid_points(a.size) * share
        if started:
            ch.flow(military, d, rc, points)
            ch.dyad(rc, d, p.gratitude * points, p.gratitude * points * 0.25)
        else:  # a promise: half the gratitude, nothing flows yet
            ch.dyad(rc, d, p.gratitude * points * 0.5, 0.0)

    return rule


@_act("offer_aid", Aid, "DONOR promises aid to RECIPIENT: goodwill now, nothing flows yet.")
def _offer_aid(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Aid)
    return _aid_rule(a, started=False), (
        f"{_n(r, a.donor)} offers {a.size} {a.kind} aid to {_n(r, a.recipient)}"
    )


@_act("give_aid", Aid, "DONOR starts aid to RECIPIENT: the flow, and the recipient's gratitude.")
def _give_aid(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Aid)
    return _aid_rule(a, started=True), (
        f"{_n(r, a.donor)} gives {a.size} {a.kind} aid to {_n(r, a.recipient)}"
    )


@_act("accept_aid", Aid, "RECIPIENT accepts DONOR's aid: it starts to flow (as give_aid).")
def _accept_aid(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Aid)
    return _aid_rule(a, started=True), (
        f"{_n(r, a.recipient)} accepts {a.size} {a.kind} aid from {_n(r, a.donor)}"
    )


class Credit(_Two):
    """A loan: economic aid that must be repaid."""

    lender: ActorId
    borrower: ActorId
    size: Size = "modest"


@_act(
    "extend_credit",
    Credit,
    "LENDER lends to BORROWER: half a grant's flow and gratitude (it is repaid).",
)
def _extend_credit(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Credit)
    aid = Aid(donor=a.lender, recipient=a.borrower, kind="economic", size=a.size)
    return _aid_rule(aid, started=True, share=0.5), (
        f"{_n(r, a.lender)} extends {a.size} credit to {_n(r, a.borrower)}"
    )


class AidStop(_Two):
    """A donor stops a kind of aid."""

    donor: ActorId
    recipient: ActorId
    kind: AidKind = "military"


@_act(
    "suspend_aid",
    AidStop,
    "DONOR stops KIND aid to RECIPIENT: the more it depended on it, and the more they were "
    "allies, the worse it is taken; a broken promise to an ally costs standing.",
)
def _suspend_aid(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, AidStop)
    d, rc, military = INDEX[a.donor], INDEX[a.recipient], a.kind == "military"

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        flowing = (s.mil_aid if military else s.econ_aid)[:, d, rc]
        dependence = np.minimum(flowing / p.aid_major, 1.0)
        allied = s.ties[:, TIE["alliance"], d, rc].astype(np.float64)
        ch.stop(military, d, rc)
        ch.dyad(rc, d, -p.betrayal * 0.5 * (dependence + allied), 0.0)
        ch.standing(d, -p.reputation * allied)

    return rule, f"{_n(r, a.donor)} suspends its {a.kind} aid to {_n(r, a.recipient)}"


class Trade(_Two):
    """Two states and a trade agreement."""

    first: ActorId
    second: ActorId


@_act("trade_agreement", Trade, "FIRST and SECOND agree to trade: a token flow each way, warmth.")
def _trade(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Trade)
    i, j = INDEX[a.first], INDEX[a.second]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        ch.flow(False, i, j, p.aid_token * 0.5)
        ch.flow(False, j, i, p.aid_token * 0.5)
        ch.dyad(i, j, p.visit * 0.5, p.visit * 0.5)

    return rule, f"{_n(r, a.first)} and {_n(r, a.second)} sign a trade agreement"


class Ask(_Two):
    """A state asks another for aid."""

    asker: ActorId
    donor: ActorId
    kind: AidKind = "military"


@_act("request_aid", Ask, "ASKER asks DONOR for aid: a sign of alignment; nothing flows yet.")
def _request_aid(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Ask)
    i, j = INDEX[a.asker], INDEX[a.donor]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        v = ctx.rules.visit
        ch.dyad(i, j, v * 0.25, v * 0.5)

    return rule, f"{_n(r, a.asker)} asks {_n(r, a.donor)} for {a.kind} aid"


class Refusal(_Two):
    """A state says no to another's request or offer."""

    actor: ActorId
    requester: ActorId


@_act("decline", Refusal, "ACTOR declines REQUESTER's request or offer: the requester cools.")
def _decline(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Refusal)
    i, j = INDEX[a.actor], INDEX[a.requester]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        ch.dyad(j, i, -ctx.rules.refusal, 0.0)

    return rule, f"{_n(r, a.actor)} declines {_n(r, a.requester)}'s request"


# --------------------------------------------------------------------------- bases


class BaseArgs(_Two):
    """A host state and the foreign user of a base on its soil."""

    host: ActorId
    user: ActorId
    base: Slug | None = Field(None, description="the base's flag")


@_act(
    "grant_base",
    BaseArgs,
    "HOST grants USER a base: a commitment, and a risk the user's rivals see and resent.",
    raises="base",
)
def _grant_base(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, BaseArgs)
    h, u = INDEX[a.host], INDEX[a.user]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        old = _tie(s, "base", h, u, 1.0, mask)
        bond = p.bond * DEPTH[TIE["base"]] * (1.0 - old)
        ch.dyad(h, u, bond, bond, held=True, spill=1.0 + p.base_risk)

    return rule, f"{_n(r, a.host)} grants {_n(r, a.user)} a base"


@_act("restrict_base", BaseArgs, "HOST limits USER's use of a base: a refusal, the base stays.")
def _restrict_base(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, BaseArgs)
    h, u = INDEX[a.host], INDEX[a.user]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        ch.dyad(u, h, -ctx.rules.refusal, 0.0)

    return rule, f"{_n(r, a.host)} restricts {_n(r, a.user)}'s use of the base"


@_act(
    "close_base",
    BaseArgs,
    "HOST closes USER's base: the commitment ends; the user, if it valued it, is let down.",
    lowers="base",
)
def _close_base(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, BaseArgs)
    h, u = INDEX[a.host], INDEX[a.user]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        old = _tie(s, "base", h, u, 0.0, mask)
        depth = DEPTH[TIE["base"]]
        ch.dyad(h, u, 0.0, -p.betrayal * depth * old * _warm(ch.before[:, u, h]))
        ch.standing(h, -p.reputation * depth * old)

    return rule, f"{_n(r, a.host)} closes {_n(r, a.user)}'s base"


# --------------------------------------------------------------------------- diplomacy


class Visit(_Two):
    """A guest and a host."""

    guest: ActorId
    host: ActorId


@_act(
    "state_visit",
    Visit,
    "GUEST visits HOST: warmth both ways; the host gains standing by the guest's power.",
)
def _state_visit(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Visit)
    g, h = INDEX[a.guest], INDEX[a.host]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        ch.dyad(g, h, p.visit, p.visit)
        ch.standing(h, p.visit_prestige * ctx.military[g] / ctx.military.max())

    return rule, f"{_n(r, a.guest)} pays a state visit to {_n(r, a.host)}"


class Invitation(_Two):
    """A host and the guest it invites."""

    host: ActorId
    guest: ActorId


@_act("invite", Invitation, "HOST invites GUEST: half a visit's warmth, both ways.")
def _invite(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Invitation)
    h, g = INDEX[a.host], INDEX[a.guest]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        v = ctx.rules.visit * 0.5
        ch.dyad(h, g, v, v)

    return rule, f"{_n(r, a.host)} invites {_n(r, a.guest)}"


@_act(
    "establish_relations",
    Trade,
    "FIRST and SECOND exchange ambassadors: half a visit's warmth, both ways.",
)
def _establish(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Trade)
    i, j = INDEX[a.first], INDEX[a.second]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        v = ctx.rules.visit * 0.5
        ch.dyad(i, j, v, v)

    return rule, f"{_n(r, a.first)} and {_n(r, a.second)} establish diplomatic relations"


class Recognition(_Two):
    """A state recognises another (a new state or a new government)."""

    actor: ActorId
    state: ActorId


@_act("recognise", Recognition, "ACTOR recognises STATE: STATE warms by a visit's worth.")
def _recognise(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Recognition)
    i, j = INDEX[a.actor], INDEX[a.state]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        v = ctx.rules.visit
        ch.dyad(i, j, v * 0.5, v)

    return rule, f"{_n(r, a.actor)} recognises {_n(r, a.state)}"


class Mediation(_Two):
    """A mediator between two parties."""

    mediator: ActorId
    first: ActorId
    second: ActorId


@_act(
    "mediate",
    Mediation,
    "MEDIATOR offers its good offices to FIRST and SECOND: each warms towards it a little.",
)
def _mediate(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Mediation)
    m, i, j = INDEX[a.mediator], INDEX[a.first], INDEX[a.second]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        half = ctx.rules.mediation * 0.5
        ch.one(i, m, half)
        ch.one(j, m, half)

    return (
        rule,
        f"{_n(r, a.mediator)} offers to mediate between {_n(r, a.first)} and {_n(r, a.second)}",
    )


class MediationAnswer(_Two):
    """A party to a dispute and the mediator it accepts."""

    party: ActorId
    mediator: ActorId


@_act(
    "accept_mediation",
    MediationAnswer,
    "PARTY accepts MEDIATOR's good offices: warmth both ways.",
)
def _accept_mediation(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, MediationAnswer)
    i, m = INDEX[a.party], INDEX[a.mediator]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        ch.dyad(i, m, p.mediation * 0.5, p.mediation)

    return rule, f"{_n(r, a.party)} accepts {_n(r, a.mediator)}'s good offices"


@_act(
    "mediation_succeeds",
    Mediation,
    "MEDIATOR's mediation between FIRST and SECOND succeeds: they settle, it gains standing.",
)
def _mediation_succeeds(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Mediation)
    m, i, j = INDEX[a.mediator], INDEX[a.first], INDEX[a.second]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        ch.dyad(i, j, p.mediation, p.mediation)
        ch.one(i, m, p.mediation)
        ch.one(j, m, p.mediation)
        ch.standing(m, p.mediation_prestige)

    return (
        rule,
        f"{_n(r, a.mediator)}'s mediation between {_n(r, a.first)} and {_n(r, a.second)} succeeds",
    )


class Vote(_Two):
    """A state's vote at the United Nations on a dispute between two others."""

    actor: ActorId
    party: ActorId
    against: ActorId
    vote: Literal["for", "abstain", "veto"] = "for"


@_act(
    "un_vote",
    Vote,
    "ACTOR votes at the UN on PARTY's behalf against AGAINST: for, abstain, or veto (twice "
    "a vote's weight); abstaining slights the party and spares its opponent.",
)
def _un_vote(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Vote)
    i, p_, q = INDEX[a.actor], INDEX[a.party], INDEX[a.against]
    weight = {"for": 1.0, "veto": 2.0, "abstain": -0.5}[a.vote]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        v = ctx.rules.visit * weight
        ch.dyad(p_, i, v, 0.0)
        ch.dyad(q, i, -v, 0.0)

    verb = {"for": "votes for", "veto": "uses its veto for", "abstain": "abstains on"}[a.vote]
    return rule, f"{_n(r, a.actor)} {verb} {_n(r, a.party)} against {_n(r, a.against)} at the UN"


class Claim(_Two):
    """A state endorses one party's position in a dispute with another."""

    actor: ActorId
    party: ActorId
    against: ActorId


@_act(
    "back_claim",
    Claim,
    "ACTOR publicly backs PARTY's claim against AGAINST: one and a half votes' weight.",
)
def _back_claim(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Claim)
    i, p_, q = INDEX[a.actor], INDEX[a.party], INDEX[a.against]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        v = ctx.rules.visit * 1.5
        ch.dyad(p_, i, v, 0.0)
        ch.dyad(q, i, -v, 0.0)

    return rule, f"{_n(r, a.actor)} backs {_n(r, a.party)}'s claim against {_n(r, a.against)}"


class Target(_Two):
    """A state acting against another."""

    actor: ActorId
    target: ActorId


@_act("denounce", Target, "ACTOR denounces TARGET: the target cools by half a hostile act.")
def _denounce(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Target)
    i, j = INDEX[a.actor], INDEX[a.target]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        h = ctx.rules.hostility
        ch.dyad(i, j, -h * 0.25, -h * 0.5)

    return rule, f"{_n(r, a.actor)} denounces {_n(r, a.target)}"


class Message(_Two):
    """A go-between, the sender of a message and its receiver."""

    carrier: ActorId
    sender: ActorId
    receiver: ActorId
    channel: Slug | None = Field(None, description="the channel's flag")


@_act(
    "carry_message",
    Message,
    "CARRIER carries SENDER's secret message to RECEIVER: both thank it; they draw closer.",
    raises="channel",
)
def _carry_message(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Message)
    c, sd, rc = INDEX[a.carrier], INDEX[a.sender], INDEX[a.receiver]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        v = ctx.rules.visit
        ch.one(sd, c, v)
        ch.one(rc, c, v * 0.5)
        ch.dyad(sd, rc, v * 0.5, v * 0.5)

    return rule, (
        f"{_n(r, a.carrier)} carries {_n(r, a.sender)}'s secret message to {_n(r, a.receiver)}"
    )


# --------------------------------------------------------------------------- force


class Insurgency(_Two):
    """A sponsor and the state whose rebels it arms or shelters."""

    sponsor: ActorId
    target: ActorId
    covert: bool = Field(
        False, description="deniable: third states do not react, the target half as much"
    )
    flag: Slug | None = Field(None, description="the programme's flag")


@_act(
    "arm_insurgency",
    Insurgency,
    "SPONSOR arms rebels in TARGET: a lasting hostile tie; the target and its friends cool "
    "(covert: only the target, by half); arming them again escalates.",
    raises="flag",
)
def _arm_insurgency(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Insurgency)
    sp, t = INDEX[a.sponsor], INDEX[a.target]

    share, spill = (0.5, 0.0) if a.covert else (1.0, 1.0)

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        h = ctx.rules.hostility * share  # arming them again escalates: each time counts
        _tie(s, "insurgency", sp, t, 1.0, mask)
        ch.dyad(sp, t, -h * 0.5, -h, spill=spill)

    how = "secretly arms" if a.covert else "arms"
    return rule, f"{_n(r, a.sponsor)} {how} the rebels in {_n(r, a.target)}"


@_act(
    "shelter_insurgency",
    Insurgency,
    "SPONSOR shelters TARGET's rebels and refugees but does not arm them: half the hostility.",
    raises="flag",
)
def _shelter_insurgency(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Insurgency)
    sp, t = INDEX[a.sponsor], INDEX[a.target]

    share, spill = (0.5, 0.0) if a.covert else (1.0, 1.0)

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        ch.dyad(sp, t, 0.0, -ctx.rules.hostility * 0.5 * share, spill=spill)

    return rule, f"{_n(r, a.sponsor)} shelters rebels and refugees from {_n(r, a.target)}"


class Intervention(_Two):
    """A state sending its forces into another."""

    actor: ActorId
    country: ActorId
    side: Literal["government", "rebels"] = "government"
    flag: Slug | None = Field(None, description="the intervention's flag")


def _aggression(
    ch: Change, ctx: Context, actor: int, exclude: tuple[int, ...], scale: F64 | float
) -> None:
    """Every third state cools towards a state that uses force, unless it is its friend."""
    for k in _others(actor, *exclude):
        ch.one(k, actor, -ctx.rules.aggression * scale * (1.0 - _warm(ch.before[:, k, actor])))


@_act(
    "intervene",
    Intervention,
    "ACTOR sends its forces into COUNTRY on SIDE's behalf: third states cool by aggression.",
    raises="flag",
)
def _intervene(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Intervention)
    i, c = INDEX[a.actor], INDEX[a.country]
    sign = 1.0 if a.side == "government" else -1.0

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        old = _tie(s, "intervention", i, c, 1.0, mask)
        ch.dyad(c, i, sign * p.bond * 0.5 * (1 - old), 0.0, spill=0.0)
        _aggression(ch, ctx, i, (c,), 1.0 - old)

    return rule, f"{_n(r, a.actor)} sends its forces into {_n(r, a.country)}"


@_act(
    "withdraw",
    Intervention,
    "ACTOR withdraws its forces from COUNTRY: third states warm by half the aggression.",
    lowers="flag",
)
def _withdraw(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Intervention)
    i, c = INDEX[a.actor], INDEX[a.country]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        old = _tie(s, "intervention", i, c, 0.0, mask)
        _aggression(ch, ctx, i, (c,), -0.5 * old)

    return rule, f"{_n(r, a.actor)} withdraws its forces from {_n(r, a.country)}"


class War(_Two):
    """An attacker and a defender."""

    attacker: ActorId
    defender: ActorId
    flag: Slug | None = Field(None, description="the war's flag")


@_act(
    "go_to_war",
    War,
    "ATTACKER goes to war with DEFENDER: twice a hostile act both ways, remembered; third "
    "states cool towards the attacker by half the aggression.",
    raises="flag",
)
def _go_to_war(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, War)
    i, j = INDEX[a.attacker], INDEX[a.defender]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        h = ctx.rules.hostility
        ch.dyad(i, j, -2 * h, -2 * h)
        _aggression(ch, ctx, i, (j,), 0.5)

    return rule, f"{_n(r, a.attacker)} goes to war with {_n(r, a.defender)}"


class Peace(_Two):
    """A state that asks its enemy for peace."""

    actor: ActorId
    enemy: ActorId


@_act(
    "sue_for_peace",
    Peace,
    "ACTOR sues ENEMY for peace: half a hostile act's warmth back; ACTOR loses half a war's "
    "standing.",
)
def _sue_for_peace(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Peace)
    i, j = INDEX[a.actor], INDEX[a.enemy]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        ch.dyad(i, j, p.hostility * 0.5, p.hostility * 0.5)
        ch.standing(i, -p.war_prestige * 0.5)

    return rule, f"{_n(r, a.actor)} sues {_n(r, a.enemy)} for peace"


class Outcome(_Two):
    """The winner and the loser of a war or a crisis."""

    winner: ActorId
    loser: ActorId


@_act(
    "war_outcome",
    Outcome,
    "WINNER wins a war or crisis against LOSER: standing moves; the loser remembers.",
)
def _war_outcome(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Outcome)
    w, lo = INDEX[a.winner], INDEX[a.loser]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        ch.standing(w, p.war_prestige)
        ch.standing(lo, -p.war_prestige)
        ch.one(lo, w, -p.hostility * 0.5)

    return rule, f"{_n(r, a.winner)} prevails over {_n(r, a.loser)}"


class Border(_Two):
    """Two states settling their border."""

    first: ActorId
    second: ActorId
    flag: Slug | None = Field(None, description="the settlement's flag")


@_act(
    "settle_border",
    Border,
    "FIRST and SECOND settle their border: half a commitment's warmth, remembered; the rivals "
    "of each cool towards the other.",
    raises="flag",
)
def _settle_border(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Border)
    i, j = INDEX[a.first], INDEX[a.second]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        half = ctx.rules.bond * 0.5
        ch.dyad(i, j, half, half)

    return rule, f"{_n(r, a.first)} and {_n(r, a.second)} settle their border"


class Accord(_Two):
    """Two parties to an accord that ends a dispute or a war."""

    first: ActorId
    second: ActorId
    accord: Slug | None = Field(None, description="the accord's flag")


@_act(
    "sign_accord",
    Accord,
    "FIRST and SECOND sign an accord that ends a dispute: half a commitment's warmth, "
    "remembered (as settle_border).",
    raises="accord",
)
def _sign_accord(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Accord)
    i, j = INDEX[a.first], INDEX[a.second]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        half = ctx.rules.bond * 0.5
        ch.dyad(i, j, half, half)

    return rule, f"{_n(r, a.first)} and {_n(r, a.second)} sign an accord"


class Guarantee(_Two):
    """A great power that guarantees an accord between two parties."""

    guarantor: ActorId
    first: ActorId
    second: ActorId


@_act(
    "guarantee_accord",
    Guarantee,
    "GUARANTOR guarantees an accord between FIRST and SECOND: both warm towards it as towards "
    "a mediator; it gains half a successful mediator's standing.",
)
def _guarantee_accord(a: BaseModel, r: Resolver, loc: Loc) -> tuple[Rule, str]:
    assert isinstance(a, Guarantee)
    g, i, j = INDEX[a.guarantor], INDEX[a.first], INDEX[a.second]

    def rule(s: WorldState, ctx: Context, mask: B, ch: Change) -> None:
        p = ctx.rules
        ch.one(i, g, p.mediation)
        ch.one(j, g, p.mediation)
        ch.standing(g, p.mediation_prestige * 0.5)

    return rule, (
        f"{_n(r, a.guarantor)} guarantees the accord between {_n(r, a.first)} and {_n(r, a.second)}"
    )


ACT_KINDS: tuple[str, ...] = ()
"""Filled below: the names of every registered act."""


def _act_kinds() -> tuple[str, ...]:
    from sim.vocabulary import EFFECTS

    return tuple(name for name, kind in EFFECTS.items() if kind.act)


ACT_KINDS = _act_kinds()
