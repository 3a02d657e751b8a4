"""The Frontline State model: six Mesa agents acting on a scenario, R replicates at once.

One step is one calendar month. In each month a new leader takes office where the
scenario's lists say so, the scenario's events are tried, the decisions that fall due are
taken, the attitudes are recorded, and the dynamics move the world on to the next month.
Every decision, whoever takes it (the AI, a human player, a forced counterfactual or a
test), is one ``Choice`` applied by ``FrontlineModel.apply``; a human's answer to the
pending decision goes there through ``decide``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import mesa
import numpy as np
import numpy.typing as npt

from sim.actors import ACTORS, INDEX, N_ACTORS, ActorId
from sim.acts import Context
from sim.arguments import flag, row_number, whole
from sim.calendar import format_month, parse_month
from sim.capabilities import load_capabilities
from sim.dynamics import (
    COMPONENTS,
    StaticCache,
    Structure,
    advance,
    foresee_each,
    rowsum,
)
from sim.errors import echo, shorten
from sim.limits import MAX_REPLICATES, MAX_SEED, machine_memory, size_words
from sim.rng import replicate_keys, uniform
from sim.scenario import CompiledDecision, CompiledEvent, CompiledScenario, scenario_from_data
from sim.snapshot import SavedRunError, check_arrays, check_envelope, depth_problem, seed_problem
from sim.state import F64, TIE_DTYPE, TIES, B, WorldState, anywhere, where_true
from sim.view import RunView, view_of
from sim.vocabulary import Effect, Read

SAVE_FORMAT = "frontline-state/run"
SAVE_VERSION = 2
FORESEEN = 0.01
"""An event is foreseen where some option moves its chance in the look-ahead by more than this."""

By = Literal["ai", "human", "forced", "test"]
_BY: tuple[By, ...] = ("ai", "human", "forced", "test")


@dataclass(frozen=True)
class Choice:
    """A decision taken: one option id for every replicate, or an option index per replicate."""

    decision: str
    option: str | npt.NDArray[np.int64]
    by: By = "human"

    def __post_init__(self) -> None:
        """Refuse a choice that names no decision or no chooser (TypeError, ValueError)."""
        if not isinstance(self.decision, str):
            raise TypeError(f"Choice.decision: expected a decision id, got {echo(self.decision)}")
        if self.by not in _BY:
            raise ValueError(f"Choice.by: expected one of {', '.join(_BY)}, got {echo(self.by)}")


def _shape(nested: Any, dims: int) -> tuple[int, ...]:
    """The shape of a nested list that may hold no numbers (``[]``, ``[[], []]``)."""
    shape = []
    node = nested
    for _ in range(dims):
        shape.append(len(node) if isinstance(node, list) else 0)
        node = node[0] if isinstance(node, list) and node else []
    return tuple(shape)


@dataclass(frozen=True)
class Explanation:
    """Why an actor would choose as it does: the change in each part of its utility per option.

    ``changes[r, o, c]`` is the change of utility component c (``COMPONENTS``) if option o is
    taken, relative to taking none, after the look-ahead; ``weights[r, c]`` are the actor's
    weights then (its leader's modifiers included) and ``temperature[r]`` its softmax
    temperature; ``probabilities[r, o]`` is the softmax of the weighted totals.
    """

    decision: str
    actor: ActorId
    options: tuple[str, ...]
    changes: F64
    weights: F64
    temperature: F64
    probabilities: F64
    foreseen: tuple[str, ...] = ()  # the events whose chance some option changes
    chances: F64 = field(default_factory=lambda: np.zeros((0, 0, 0)))  # (R, O, E)
    chances_without: F64 = field(default_factory=lambda: np.zeros((0, 0)))  # (R, E)
    answers: tuple[str, ...] = ()  # the decisions some option makes another state take
    answered: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros((0, 0), dtype=np.int64)
    )  # (R, O): the option assumed for that answer, -1 where none
    answering: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros((0, 0), dtype=np.int64)
    )  # (R, O): which of ``answers`` it is, -1 where none

    @property
    def scores(self) -> F64:
        """The weighted change of each component, (R, O, 4)."""
        out: F64 = self.changes * self.weights[:, None, :]
        return out

    @property
    def totals(self) -> F64:
        """Total score of each option, (R, O)."""
        return rowsum(self.scores)

    def breakdown(self, replicate: int = 0) -> list[dict[str, Any]]:
        """Per option: total, each component and probability, for one replicate."""
        replicate = row_number("replicate", replicate, self.scores.shape[0])
        scores, totals = self.scores, self.totals
        out = []
        for o, option in enumerate(self.options):
            row: dict[str, Any] = {
                "option": option,
                "total": float(totals[replicate, o]),
                "probability": float(self.probabilities[replicate, o]),
            }
            for c, name in enumerate(COMPONENTS):
                row[name] = float(scores[replicate, o, c])
            row["foreseen"] = [
                {
                    "event": event,
                    "chance": float(self.chances[replicate, o, k]),
                    "without": float(self.chances_without[replicate, k]),
                }
                for k, event in enumerate(self.foreseen)
                if np.abs(self.chances[replicate, :, k] - self.chances_without[replicate, k]).max()
                > FORESEEN
            ]
            k = int(self.answering[replicate, o]) if self.answering.size else -1
            row["answer"] = (
                None
                if k < 0
                else {"decision": self.answers[k], "option": int(self.answered[replicate, o])}
            )
            out.append(row)
        return out

    def take(self, pick: npt.NDArray[np.intp]) -> Explanation:
        """The explanation of the replicates ``pick`` (with repeats allowed)."""
        return Explanation(
            self.decision,
            self.actor,
            self.options,
            self.changes[pick],
            self.weights[pick],
            self.temperature[pick],
            self.probabilities[pick],
            self.foreseen,
            self.chances[pick] if self.foreseen else self.chances,
            self.chances_without[pick] if self.foreseen else self.chances_without,
            self.answers,
            self.answered[pick] if self.answered.size else self.answered,
            self.answering[pick] if self.answering.size else self.answering,
        )

    def spread(self, rows: npt.NDArray[np.intp], replicates: int) -> Explanation:
        """The explanation of the replicates ``rows``, placed among ``replicates`` rows.

        The other rows hold no scores: zero changes and weights, equal probabilities, no
        answer (``evaluate_where``).
        """

        def place(part: npt.NDArray[Any], fill: float) -> npt.NDArray[Any]:
            out = np.full((replicates, *part.shape[1:]), fill, dtype=part.dtype)
            out[rows] = part
            return out

        n = len(self.options)
        return Explanation(
            self.decision,
            self.actor,
            self.options,
            place(self.changes, 0.0),
            place(self.weights, 0.0),
            place(self.temperature, 1.0),
            place(self.probabilities, 1.0 / n),
            self.foreseen,
            place(self.chances, 0.0) if self.foreseen else self.chances,
            place(self.chances_without, 0.0) if self.foreseen else self.chances_without,
            self.answers,
            place(self.answered, -1) if self.answered.size else self.answered,
            place(self.answering, -1) if self.answering.size else self.answering,
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "decision": self.decision,
            "actor": self.actor,
            "options": list(self.options),
            "changes": self.changes.tolist(),
            "weights": self.weights.tolist(),
            "temperature": self.temperature.tolist(),
            "probabilities": self.probabilities.tolist(),
            "foreseen": list(self.foreseen),
            "chances": self.chances.tolist(),
            "chances_without": self.chances_without.tolist(),
            "answers": list(self.answers),
            "answered": self.answered.tolist(),
            "answering": self.answering.tolist(),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Explanation:
        """Inverse of ``to_json``."""
        return cls(
            d["decision"],
            d["actor"],
            tuple(d["options"]),
            np.asarray(d["changes"], dtype=np.float64),
            np.asarray(d["weights"], dtype=np.float64),
            np.asarray(d["temperature"], dtype=np.float64),
            np.asarray(d["probabilities"], dtype=np.float64),
            tuple(d["foreseen"]),
            np.asarray(d["chances"], dtype=np.float64).reshape(_shape(d["chances"], 3)),
            np.asarray(d["chances_without"], dtype=np.float64).reshape(
                _shape(d["chances_without"], 2)
            ),
            tuple(d["answers"]),
            np.asarray(d["answered"], dtype=np.int64).reshape(_shape(d["answered"], 2)),
            np.asarray(d["answering"], dtype=np.int64).reshape(_shape(d["answering"], 2)),
        )


@dataclass(frozen=True)
class LogEntry:
    """Something that happened in some replicates: an event fired or a decision was taken.

    A decision's entry keeps the ``explanation`` its actor's scores gave at that moment (for
    every replicate of the model; the entry's ``replicates`` say where this option was
    taken). A forced or human choice keeps the AI's scores when they were asked for.
    """

    month: int
    kind: Literal["event", "decision"]
    id: str
    title: str
    actor: ActorId | None = None
    option: str | None = None
    by: By | None = None
    replicates: tuple[int, ...] = ()
    source: dict[str, Any] = field(default_factory=dict)
    explanation: Explanation | None = None
    did: tuple[str, ...] = ()  # what the option's acts did, in words (first such replicate)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "month": format_month(self.month),
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "actor": self.actor,
            "option": self.option,
            "by": self.by,
            "replicates": list(self.replicates),
            "source": self.source,
            "explanation": None if self.explanation is None else self.explanation.to_json(),
            "did": list(self.did),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LogEntry:
        """Inverse of ``to_json``."""
        explained = d.get("explanation")
        return cls(
            parse_month(d["month"]),
            d["kind"],
            d["id"],
            d["title"],
            d["actor"],
            d["option"],
            d["by"],
            tuple(d["replicates"]),
            d["source"],
            None if explained is None else Explanation.from_json(explained),
            tuple(d.get("did", ())),
        )

    def for_replicates(self, replicates: tuple[int, ...], pick: npt.NDArray[np.intp]) -> LogEntry:
        """The entry as seen by a branch whose replicate k is this model's ``pick[k]``."""
        explained = None if self.explanation is None else self.explanation.take(pick)
        return LogEntry(
            self.month,
            self.kind,
            self.id,
            self.title,
            self.actor,
            self.option,
            self.by,
            replicates,
            self.source,
            explained,
            self.did,
        )


@dataclass(frozen=True)
class PendingDecision:
    """A decision waiting for a human: which one, and in which replicates."""

    decision: CompiledDecision
    mask: B

    @property
    def id(self) -> str:
        """The decision's id."""
        return self.decision.spec.id


class _ModelCounters(weakref.WeakKeyDictionary[Any, "itertools.count[int]"]):
    """Mesa's per-model agent-id counters, held weakly so that a finished model is freed.

    Mesa 3.3 keeps one counter per model in ``Agent._ids``, a class attribute, with the
    model as a strong key: every model would stay in memory for good (about 32 KiB each, and
    its whole recorded history). ``StateAgent`` overrides that attribute with this mapping,
    which forgets a model once nothing else holds it; ids still count from 1 per model, as
    Mesa's do. This is the one place the workaround lives; tests/sim/test_model.py checks
    that a dropped model is freed.
    """

    def __getitem__(self, model: Any) -> itertools.count[int]:
        counter = self.get(model)
        if counter is None:
            counter = itertools.count(1)
            self[model] = counter
        return counter


def softmax(changes: F64, weights: F64, temperature: F64) -> F64:
    """Choice probabilities (R, O) from utility changes (R, O, 4), weights (R, 4), temps (R,).

    The one definition of how scores become probabilities: the AI's choices and the fit's
    likelihood (``sim.calibrate``) both use it.
    """
    totals = rowsum(changes * weights[:, None, :])
    with np.errstate(over="ignore"):  # a tiny temperature: -inf, whose weight is 0
        # the ufunc's own reduction: what ndarray.max calls, without its Python wrapper
        logits = (totals - np.maximum.reduce(totals, axis=1, keepdims=True)) / temperature[:, None]
    e = np.exp(logits)
    out: F64 = e / rowsum(e)[:, None]
    return out


class StateAgent(mesa.Agent):
    """One of the six states. It reads the model's arrays and chooses at its decision points."""

    _ids = _ModelCounters()  # type: ignore[assignment]  # see _ModelCounters
    model: FrontlineModel

    def __init__(self, model: FrontlineModel, actor: ActorId) -> None:
        super().__init__(model)
        self.actor: ActorId = actor
        self.index = INDEX[actor]

    @property
    def name(self) -> str:
        """The state's name: the scenario's, if it gives one (``CompiledScenario.names``)."""
        return self.model.scenario.names[self.actor]

    @property
    def attitudes(self) -> F64:
        """How this state regards each other state, (R, 6)."""
        return self.model.state.attitudes[:, self.index, :]

    def leader(self, month: int | None = None) -> str | None:
        """Who led this state in a month (default: the model's current month)."""
        spec = self.model.scenario.spec.actors.get(self.actor)
        if spec is None:
            return None
        m = self.model.month if month is None else month
        current = None
        for leader in spec.leaders:
            if parse_month(leader.start) <= m:
                current = leader.name
        return current

    def evaluate_where(self, decision: CompiledDecision, mask: B) -> Explanation:
        """``evaluate`` for the replicates of ``mask`` only, spread back over all of them.

        A replicate's scores depend on its own state alone, so a decision due in a few
        replicates is scored on those few: the other rows hold no scores (zero changes,
        zero weights, equal probabilities) and are never used, since the choice is applied
        only where the decision is due.
        """
        part, rows = self.evaluate_rows(decision, mask)
        return part if rows is None else part.spread(rows, self.model.replicates)

    def evaluate_rows(
        self, decision: CompiledDecision, mask: B
    ) -> tuple[Explanation, npt.NDArray[np.intp] | None]:
        """``evaluate`` for the replicates of ``mask`` only: their scores, and their rows.

        The rows are None where the mask holds everywhere (the scores are every replicate's).
        """
        if mask.all():
            return self.evaluate(decision), None
        rows = where_true(mask)
        model = self.model
        structural = model.static_cache.structural(model.state, model.structure)[rows]
        part = self.evaluate(decision, model.state.take(rows), rows=rows, structural=structural)
        return part, rows

    def evaluate(
        self,
        decision: CompiledDecision,
        state: WorldState | None = None,
        *,
        foresight: bool = True,
        rows: npt.NDArray[np.intp] | None = None,
        structural: F64 | None = None,
    ) -> Explanation:
        """Score every option by the change it makes to this state's utility, looking ahead.

        The weights and temperature are the state's, as its leader in office modifies them.
        With ``foresight`` (the AI's own choices), each option's score also holds:
        - the likely answer of the state it is aimed at: where the option makes another
          state's decision due within the look-ahead, that state's most likely option (by
          its own scores, without foresight) is applied on top of this one;
        - the expected consequences of the events whose chance it changes: for each event
          that may fire within the look-ahead, its change of probability against taking no
          option, times the change of utility the event would bring.
        Both are expectations, not draws: a replicate's scores depend on nothing but its
        own state. ``rows`` are the model's replicates that ``state`` holds, where it holds
        some of them only (their weights are taken from those rows); ``structural`` is the
        state's ``structural_baseline``, where the caller has it.
        """
        model = self.model
        s = model.state if state is None else state
        horizon = model.scenario.spec.dynamics.lookahead_months
        weights, temperature = model.choosing(self.index)
        if rows is not None:
            weights, temperature = weights[rows], temperature[rows]
        structure = model.structure
        ctx = model.context(model.month)
        mil, eco = model.capabilities_for(model.month + horizon)
        if structural is None and state is None:
            structural = model.static_cache.structural(s, structure)
        cache = model.lookahead_cache

        def utilities_ahead(xs: list[WorldState]) -> list[F64]:
            structurals = cache.each(xs, structure, structural)
            return foresee_each(xs, structure, horizon, self.index, mil, eco, structurals)

        n, r = len(decision.options), s.replicates
        changes = np.empty((r, n, len(COMPONENTS)))
        everyone = np.ones(r, dtype=bool)
        trials = []
        written = []
        answers: list[str] = []
        answered = np.full((r, n), -1, dtype=np.int64)
        answering = np.full((r, n), -1, dtype=np.int64)
        follows = self._follows(decision, s) if foresight else []
        for o, option in enumerate(decision.options):
            trial = s.trial()
            trial.writable("choice")[:, decision.index] = o  # what follows the choice sees it
            for effect in option.effects:
                effect.apply(trial, ctx, everyone)
            if follows:
                ids, picks, which, changed = self._answer(follows, s, trial, rows)
                for k, follow_id in enumerate(ids):
                    if follow_id not in answers:
                        answers.append(follow_id)
                    answering[which == k, o] = answers.index(follow_id)
                answered[:, o] = picks
                written.append(changed)
            elif foresight:  # what it wrote, for the events it may make likelier
                written.append(trial.changed(s))
            trials.append(trial)
        seen: tuple[str, ...] = ()
        chances = np.zeros((r, n, 0))
        chances_base = np.zeros((r, 0))
        afters = []
        if foresight:
            seen, chances_base, chances = model.foreseen(s, trials, horizon, written)
            for event_id in seen:
                event = model.scenario.events[model.scenario.event_index(event_id)]
                after = s.trial()
                for effect in event.effects:
                    effect.apply(after, ctx, everyone)
                afters.append(after)
        # the state as it is, each option's and each foreseen event's, in one look-ahead
        ahead = utilities_ahead([s, *trials, *afters])
        base = ahead[0]
        for o in range(n):
            changes[:, o, :] = ahead[1 + o] - base
        for k in range(len(seen)):
            consequence = ahead[1 + n + k] - base  # (R, 4)
            shift = chances[:, :, k] - chances_base[:, None, k]  # (R, O)
            shift[np.abs(shift).max(axis=1) <= FORESEEN] = 0.0  # that replicate's own test
            changes += shift[:, :, None] * consequence[:, None, :]
        return Explanation(
            decision.spec.id,
            self.actor,
            tuple(o.id for o in decision.options),
            changes,
            weights,
            temperature,
            softmax(changes, weights, temperature),
            seen,
            chances,
            chances_base,
            tuple(answers),
            answered if answers else np.zeros((0, 0), dtype=np.int64),
            answering if answers else np.zeros((0, 0), dtype=np.int64),
        )

    def _follows(
        self, decision: CompiledDecision, before: WorldState
    ) -> list[tuple[CompiledDecision, B]]:
        """The other states' decisions that an option could make due within the look-ahead.

        Each with the replicates where it is not taken and not yet due in ``before``.
        """
        model = self.model
        month = model.month
        out = []
        for follow in model.open_within_lookahead():
            if follow.actor == self.index or follow.index == decision.index:
                continue
            assert follow.when is not None
            may: B = before.choice[:, follow.index] < 0
            if anywhere(may):
                may &= ~follow.when(before, month)
            if anywhere(may):
                out.append((follow, may))
        return out

    def _answer(
        self,
        follows: list[tuple[CompiledDecision, B]],
        before: WorldState,
        trial: WorldState,
        rows: npt.NDArray[np.intp] | None,
    ) -> tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.int64], frozenset[Read]]:
        """Apply the likely answer of the state an option is aimed at, where there is one.

        In each replicate, the answer is the first of ``follows`` that the option makes due
        (its ``when`` holds on ``trial``, where it did not before); that state's most likely
        option, by its scores without foresight, is applied to ``trial`` there. Returns the
        ids of the decisions answered, per replicate the option assumed and which of those
        ids it answers (-1: none), and what ``trial`` has written since ``before``
        (``WorldState.changed``, answers included).
        """
        model = self.model
        month = model.month
        r = trial.replicates
        free = np.ones(r, dtype=bool)
        ids: list[str] = []
        picks = np.full(r, -1, dtype=np.int64)
        which = np.full(r, -1, dtype=np.int64)
        ctx = model.context(month)
        changed = trial.changed(before)
        for follow, may in follows:
            assert follow.when is not None
            if follow.when.reads.isdisjoint(changed):
                continue  # its condition reads nothing the option wrote: still not due
            due = free & may
            if not anywhere(due):
                continue
            due &= follow.when(trial, month)
            if not anywhere(due):
                continue
            other = model.states[follow.spec.actor]
            scored = other.evaluate(follow, trial, foresight=False, rows=rows)
            pick = np.argmax(scored.probabilities, axis=1)
            for option in follow.options:
                where = due & (pick == option.index)
                if anywhere(where):
                    for effect in option.effects:
                        effect.apply(trial, ctx, where)
            chosen = trial.writable("choice")
            chosen[:, follow.index] = np.where(due, pick, chosen[:, follow.index])
            picks[due] = pick[due]
            which[due] = len(ids)
            ids.append(follow.spec.id)
            free &= ~due
            changed = trial.changed(before)
            if not anywhere(free):
                break
        return ids, picks, which, changed

    def choose(
        self,
        decision: CompiledDecision,
        explanation: Explanation,
        rows: npt.NDArray[np.intp] | None = None,
    ) -> Choice:
        """Pick an option per replicate by a seeded softmax over the explained scores.

        ``rows``: the explanation holds these replicates only (``evaluate_rows``); the others
        get option 0, never applied, as the decision is not due there.
        """
        model = self.model
        ids, keys = model.replicate_ids, model.keys
        if rows is not None:
            ids, keys = ids[rows], keys[rows]
        u = uniform(model.seed, ids, model.month, decision.stream, keys=keys)
        cumulative = np.cumsum(explanation.probabilities, axis=1)
        chosen = np.zeros(len(ids), dtype=np.int64)
        for o in range(len(decision.options) - 1):
            chosen += (u >= cumulative[:, o]).astype(np.int64)
        if rows is not None:
            chosen, picked = np.zeros(model.replicates, dtype=np.int64), chosen
            chosen[rows] = picked
        return Choice(decision.spec.id, chosen, by="ai")


SPARSE = 0.25
"""Below this share of replicates, effects are applied to those replicates alone."""

JOINED = 512
"""Up to this many rows in all, ``foreseen`` computes a state's and its trials' chances of
an event in one call on the states laid one after another (each row's own chance)."""


def apply_where(s: WorldState, effects: Iterable[Effect], ctx: Context, mask: B) -> None:
    """Apply effects to ``s`` where ``mask`` is true: the same bits as ``effect.apply``.

    Where the mask holds in few replicates, the effects run on those replicates alone (a
    replicate's effects read nothing but its own state) and the arrays they wrote are
    copied back into theirs, so that the cost follows the replicates concerned rather than
    the batch.
    """
    if np.count_nonzero(mask) >= SPARSE * len(mask):
        for effect in effects:
            effect.apply(s, ctx, mask)
        return
    rows = where_true(mask)
    part = s.part(rows)  # takes only the arrays the effects read
    everyone = np.ones(len(rows), dtype=bool)
    for effect in effects:
        effect.apply(part, ctx, everyone)
    for name in part.written_since_part():
        s.writable(name)[rows] = getattr(part, name)


_RESTORED: dict[str, CompiledScenario] = {}
"""The scenarios of the last saved runs restored, by a digest of their data."""


def _restored_scenario(data: dict[str, Any], name: str) -> CompiledScenario:
    """``scenario_from_data``, compiled once for the same data.

    A compiled scenario is never written to. The game's forecast worker restores a run of
    the same game for every forecast, and compiling its scenario took a tenth of the
    forecast's time.
    """
    text = json.dumps([data, name], sort_keys=True, default=repr)
    key = hashlib.sha256(text.encode()).hexdigest()
    scenario = _RESTORED.get(key)
    if scenario is None:
        scenario = scenario_from_data(data, name)
        if len(_RESTORED) >= 4:
            _RESTORED.pop(next(iter(_RESTORED)))
        _RESTORED[key] = scenario
    return scenario


def _replicate_ids(replicates: Any, replicate_ids: Iterable[int] | None) -> npt.NDArray[np.int64]:
    """The replicate ids a model runs, from its ``replicates`` or ``replicate_ids`` argument."""
    if replicates is not None:
        replicates = whole("replicates", replicates, 1, MAX_REPLICATES)
    if replicate_ids is None:
        return np.arange(1 if replicates is None else replicates, dtype=np.int64)
    if isinstance(replicate_ids, str | bytes) or not isinstance(replicate_ids, Iterable):
        raise TypeError(
            f"replicate_ids: expected a list of whole numbers, got {echo(replicate_ids)}"
        )
    ids = [whole("replicate_ids", i, 0, MAX_SEED - 1) for i in replicate_ids]
    if not 1 <= len(ids) <= MAX_REPLICATES:
        raise ValueError(
            f"replicate_ids: expected from 1 to {MAX_REPLICATES:,} ids, got {len(ids):,}"
        )
    if replicates is not None and replicates != len(ids):
        raise ValueError(
            f"replicates: {replicates} does not count the {len(ids)} replicate_ids given "
            "(give one or the other)"
        )
    return np.array(ids, dtype=np.int64)


def _humans(humans: Any) -> frozenset[str]:
    """The actors played by humans, from the ``humans`` argument (a set of actor ids)."""
    if isinstance(humans, str | bytes) or not isinstance(humans, Iterable):
        raise TypeError(
            f"humans: expected a set of actor ids such as {{'PAK'}}, got {echo(humans)}"
        )
    chosen = frozenset(humans)
    unknown = [echo(h) for h in chosen if h not in ACTORS]
    if unknown:
        raise ValueError(
            f"humans: unknown actor(s) {', '.join(sorted(unknown))}; "
            f"expected some of {', '.join(ACTORS)}"
        )
    return chosen


def _record_months(months: Any, scenario: CompiledScenario) -> frozenset[int]:
    """The months to record, from ``record_months``: month numbers within the period."""
    if isinstance(months, str | bytes) or not isinstance(months, Iterable):
        raise TypeError(
            f"record_months: expected a collection of month numbers, got {echo(months)}"
        )
    first, last = scenario.start, scenario.end
    out = frozenset(whole("record_months", m, 0) for m in months)
    outside = sorted(m for m in out if not first <= m <= last)
    if outside:
        raise ValueError(
            f"record_months: expected months from {first} ({format_month(first)}) to {last} "
            f"({format_month(last)}), got {outside[0]} ({format_month(outside[0])})"
        )
    return out


def _recorded(
    month: int,
    scenario: CompiledScenario,
    record_every: int,
    record_months: frozenset[int] | None,
) -> bool:
    """Whether a run records its attitudes at the end of ``month`` (always the last month)."""
    if month == scenario.end:
        return True
    if record_months is not None:
        return month in record_months
    return (month - scenario.start) % record_every == 0


RECORDED_BYTES = N_ACTORS * N_ACTORS * 8
"""What one replicate's attitudes take each month they are recorded (float64, 6 x 6)."""


def _check_memory(
    scenario: CompiledScenario,
    replicates: int,
    record_every: int,
    record_months: frozenset[int] | None,
) -> None:
    """Refuse a run whose recorded attitudes alone would not fit in this machine's memory.

    Counted before anything is kept, so that a mistyped replicate count is a message at
    once rather than a ``MemoryError`` (or the system stopping the process) hours on. The
    count is a floor: the state and the AI's trial states come on top of it.
    """
    total = machine_memory()
    if total is None:
        return
    recorded = sum(
        _recorded(m, scenario, record_every, record_months)
        for m in range(scenario.start, scenario.end + 1)
    )
    need = replicates * recorded * RECORDED_BYTES
    if need <= total:
        return
    raise ValueError(
        f"replicates: {replicates:,} replicates recorded in {recorded:,} months would keep "
        f"{size_words(need)} of attitudes, more than this machine's {size_words(total)} of "
        "memory: record fewer months (record_every=12, or record_months=[...]), run fewer "
        "replicates, or run a batch (frontline batch), which keeps its runs chunk by chunk"
    )


def _weights(weights: Any, replicates: int) -> F64 | None:
    """Each replicate's utility weights, from ``weights``: finite numbers, (R, 6, 4)."""
    if weights is None:
        return None
    try:
        out = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"weights: expected an array of numbers, got {echo(weights)}") from None
    expected = (replicates, N_ACTORS, 4)
    if out.shape != expected:
        raise ValueError(f"weights: expected shape {expected}, got {out.shape}")
    if not np.isfinite(out).all():
        raise ValueError("weights: expected finite numbers, got NaN or infinity")
    return out


class FrontlineModel(mesa.Model):
    """Six states over a scenario's months, for R replicates at once.

    One ``step`` runs one calendar month (Mesa's ``steps`` counts the months done). A
    human's decision pauses the month: ``run_until_human`` returns it, ``decide`` answers
    it, and the month goes on.

    Args:
        scenario: a compiled scenario (``sim.load_scenario``).
        seed: the run's seed; replicate i of seed s is the same run in any batch or process.
        replicates: how many replicate runs to advance together (ids 0..R-1; 1 if neither
            this nor ``replicate_ids`` is given).
        replicate_ids: explicit replicate ids instead (for a chunk of a larger batch); an
            id may repeat (the same run twice), and ``replicates``, if given, must count them.
        humans: actors whose decisions wait for ``decide`` instead of the AI (a set of ids).
        record_every: record the attitudes every this many months (1: monthly).
        record_months: record only at these months (and the last), instead; each a month
            number within the scenario's period.
        keep_log: keep the event log (a batch, which reads only the state, turns it off).
        explain_forced: score forced decisions too, as the AI would have (for measuring the
            model along the recorded path); the choice stays the forced one.
        weights: each replicate's own utility weights, (R, 6, 4), instead of the scenario's
            (a null model of random weights runs its draws as replicates); leaders' modifiers
            still apply.

    A wrong argument raises a TypeError or a ValueError that names it (``sim.arguments``).

    """

    def __init__(
        self,
        scenario: CompiledScenario,
        seed: int = 0,
        replicates: int | None = None,
        *,
        replicate_ids: Iterable[int] | None = None,
        humans: Iterable[str] = (),
        record_every: int = 1,
        record_months: Iterable[int] | None = None,
        keep_log: bool = True,
        explain_forced: bool = False,
        weights: F64 | None = None,
    ) -> None:
        if isinstance(seed, np.integer):
            seed = int(seed)
        if (problem := seed_problem(seed)) is not None:
            raise ValueError(f"seed: {problem}")
        ids = _replicate_ids(replicates, replicate_ids)
        humans = _humans(humans)
        record_every = whole("record_every", record_every, 1)
        keep_log = flag("keep_log", keep_log)
        explain_forced = flag("explain_forced", explain_forced)
        if record_months is not None:
            record_months = _record_months(record_months, scenario)
        weights = _weights(weights, len(ids))
        _check_memory(scenario, len(ids), record_every, record_months)
        super().__init__(seed=seed)
        self.scenario = scenario
        self.seed = int(seed)
        self.replicate_ids = ids.astype(np.uint64)
        self.replicates = len(self.replicate_ids)
        self.keys = replicate_keys(self.seed, self.replicate_ids)  # half of every draw's hash
        self.humans = humans
        self.record_every = record_every
        self.record_months = record_months
        self.keep_log = keep_log
        self.explain_forced = explain_forced
        self.weights = weights
        self.month = scenario.start
        self._cursor = -1  # -1: the month has not begun; k: next due decision of the month
        self.pending: PendingDecision | None = None
        self.log: list[LogEntry] = []
        self.recorded_months: list[int] = []
        self.recorded_attitudes: list[F64] = []
        self._capabilities = load_capabilities()
        self._contexts: dict[int, Context] = {}
        self.structure = Structure(scenario.spec.dynamics, scenario.rules.bond)
        self.static_cache = StaticCache()
        self._choosing: dict[tuple[int, int], tuple[F64, F64]] = {}  # by actor and leader
        self.lookahead_cache = StaticCache()  # the states the AI answers for, and their trials
        self._by_month_events, self._by_month_decisions = scenario.schedule
        self.state = self._initial_state()
        self._assume_the_past()
        self.states = {a: StateAgent(self, a) for a in ACTORS}

    # ------------------------------------------------------------------ set-up

    def _initial_state(self) -> WorldState:
        sc, r = self.scenario, self.replicates
        # the arrays with a column per flag, event or decision are kept column by column
        # (Fortran order): conditions and events read one column of every replicate
        flags = np.zeros((r, len(sc.flags)), dtype=bool, order="F")
        for name in sc.spec.flags:
            flags[:, sc.flags.index(name)] = True
        return WorldState(
            attitudes=np.repeat(sc.initial_attitudes[None], r, axis=0),
            memory=np.repeat(sc.initial_memory[None], r, axis=0),
            ties=np.zeros((r, len(TIES), N_ACTORS, N_ACTORS), dtype=TIE_DTYPE),
            econ_aid=np.zeros((r, N_ACTORS, N_ACTORS)),
            mil_aid=np.zeros((r, N_ACTORS, N_ACTORS)),
            prestige=np.zeros((r, N_ACTORS)),
            ideology=np.repeat(sc.initial_ideology[None], r, axis=0),
            bloc=np.repeat(sc.initial_bloc[None], r, axis=0),
            flags=flags,
            event_month=np.full((r, len(sc.events)), -1, dtype=np.int32, order="F"),
            choice=np.full((r, len(sc.decisions)), -1, dtype=np.int32, order="F"),
            choice_month=np.full((r, len(sc.decisions)), -1, dtype=np.int32, order="F"),
        )

    def _assume_the_past(self) -> None:
        """Mark what a later-starting scenario says happened before its start.

        What lasts of each assumed choice and event (its flags, commitments and camps) is
        put in place; its passing shocks are not (the scenario's relations hold them).
        """
        sc, s = self.scenario, self.state
        everyone = np.ones(self.replicates, dtype=bool)
        for d, o in sc.assumed_decisions.items():
            decision = sc.decisions[d]
            s.choice[:, d] = o
            s.choice_month[:, d] = decision.first
            ctx = self.context(decision.first)
            for effect in decision.options[o].effects:
                effect.structure(s, ctx, everyone)
        for e in sc.assumed_events:
            s.event_month[:, e] = sc.events[e].first
            ctx = self.context(sc.events[e].first)
            for effect in sc.events[e].effects:
                effect.structure(s, ctx, everyone)

    def capabilities_for(self, month: int) -> tuple[F64, F64]:
        """Military and economic shares of the six states in a month (the COW record)."""
        return self._capabilities.for_year(month // 12)

    def choosing(self, actor: int) -> tuple[F64, F64]:
        """An actor's weights (R, 4) and temperatures (R,) this month, per replicate.

        Kept while the same leader is in office: they change with nothing else, and the AI
        asks for them at every decision (the scenario holds the leaders' modifiers, so their
        identity names the leader).
        """
        key = (actor, id(self.scenario.leader_modifiers(actor, self.month)))
        cached = self._choosing.get(key)
        if cached is not None:
            return cached
        r = self.replicates
        factors, warmth = self.scenario.leader_factors(actor, self.month)
        temperature = np.full(r, float(self.scenario.temperatures[actor]) * warmth)
        temperature.flags.writeable = False  # shared by the month's explanations
        if self.weights is None:
            weights = np.broadcast_to(self.scenario.weights[actor] * factors, (r, 4))
        else:
            weights = self.weights[:, actor, :] * factors
            weights.flags.writeable = False
        if len(self._choosing) > 4 * N_ACTORS:
            self._choosing.clear()
        self._choosing[key] = weights, temperature
        return weights, temperature

    def context(self, month: int) -> Context:
        """What the acts' rules read besides the state, in a month."""
        ctx = self._contexts.get(month)
        if ctx is None:
            military, economic = self.capabilities_for(month)
            ctx = self._contexts[month] = Context(
                month, military, economic, self.scenario.rules, self.scenario.names
            )
        return ctx

    # ------------------------------------------------------------------ running

    @property
    def done(self) -> bool:
        """True once the scenario's last month has been run."""
        return self.month > self.scenario.end

    def step(self) -> None:
        """Run one calendar month, or the rest of it once a human has decided.

        The month stops early if a human's decision falls due (``pending``); Mesa's
        ``steps`` counts only the months that are done, whatever the number of calls.
        """
        if self.done:
            self.running = False
        elif self.pending is not None:
            raise RuntimeError(
                f"decision {self.pending.id!r} is waiting for a human: call decide() first"
            )
        else:
            self._advance()
        self.steps = self.month - self.scenario.start

    def _advance(self) -> None:
        """Run the current month until it ends or a human's decision falls due."""
        if self._cursor < 0:
            self._new_leaders()
            self._fire_events()
            self._cursor = 0
        if self._take_decisions():
            self._end_month()

    def run(self) -> FrontlineModel:
        """Run to the end of the scenario (every actor played by the AI or forced)."""
        if self.humans:
            raise RuntimeError("humans play in this model: use run_until_human() and decide()")
        while not self.done:
            self.step()
        return self

    def run_until_human(self) -> PendingDecision | None:
        """Run until a human's decision falls due (returned) or the scenario ends (None)."""
        while not self.done:
            if self.pending is not None:
                return self.pending
            self.step()
        return self.pending

    def _new_leaders(self) -> None:
        """Where a new leader takes office this month, move the state's ideology as listed."""
        for actor, shift in self.scenario.ideology_shifts.get(self.month, ()):
            ideology = self.state.writable("ideology")
            ideology[:, actor] = np.clip(ideology[:, actor] + shift, -1.0, 1.0)

    def _due(self, decision: CompiledDecision) -> B:
        mask: B = self.state.choice[:, decision.index] < 0
        if decision.pinned is not None:
            return mask & (self.month == decision.pinned)
        if decision.when is not None and anywhere(mask):
            mask &= decision.when(self.state, self.month)
        return mask

    def _fire_events(self) -> None:
        s, m = self.state, self.month
        ctx = self.context(m)
        for k in self._by_month_events[m - self.scenario.start]:
            ev = self.scenario.events[k]
            if ev.pinned is not None:
                mask: B = s.event_month[:, k] < 0
                mask &= m == ev.pinned
            else:
                mask = ev.may(s, m)
                if not anywhere(mask):
                    continue  # fired everywhere already, or its condition holds nowhere
                chance = ev.chance(s, m, mask)
                mask &= chance > 0
                if anywhere(mask) and anywhere(chance < 1.0):
                    rows = where_true(mask)  # a draw only where the event may fire
                    ids, keys = self.replicate_ids[rows], self.keys[rows]
                    u = uniform(self.seed, ids, m, ev.stream, keys=keys)
                    mask[rows] = u < chance[rows]
            if not anywhere(mask):
                continue
            apply_where(s, ev.effects, ctx, mask)
            s.event_month[:, k] = np.where(mask, m, s.event_month[:, k])
            if not self.keep_log:
                continue
            self.log.append(
                LogEntry(
                    m,
                    "event",
                    ev.spec.id,
                    ev.spec.title,
                    replicates=self._which(mask),
                    source=ev.spec.source.model_dump(exclude_none=True),
                )
            )

    def _take_decisions(self) -> bool:
        """Take the month's due decisions in file order; False if one waits for a human."""
        todo = self._by_month_decisions[self.month - self.scenario.start]
        while self._cursor < len(todo):
            decision = self.scenario.decisions[todo[self._cursor]]
            mask = self._due(decision)
            if anywhere(mask):
                forced = self.scenario.force.get(decision.index)
                if forced is None and decision.spec.actor in self.humans:
                    self.pending = PendingDecision(decision, mask)
                    return False
                agent = self.states[decision.spec.actor]
                part, rows, explanation = None, None, None
                if forced is None or self.explain_forced:
                    part, rows = agent.evaluate_rows(decision, mask)
                    if self.keep_log:  # the scores among all replicates (a batch keeps none)
                        explanation = part if rows is None else part.spread(rows, self.replicates)
                if forced is not None:
                    choice = Choice(decision.spec.id, np.full(self.replicates, forced), "forced")
                else:
                    assert part is not None
                    choice = agent.choose(decision, part, rows)
                self.apply(choice, mask, explanation)
            self._cursor += 1
        return True

    def decide(self, choice: Choice) -> None:
        """A human's answer to the pending decision (ValueError if it answers another)."""
        if not isinstance(choice, Choice):
            raise TypeError(f"decide: expected a Choice, got {echo(choice)}")
        if self.pending is None or self.pending.id != choice.decision:
            waiting = self.pending.id if self.pending else "none"
            raise ValueError(
                f"decision {choice.decision!r} is not waiting for a choice (waiting: {waiting})"
            )
        self.apply(choice, self.pending.mask)
        self.pending = None
        self._cursor += 1

    def apply(self, choice: Choice, mask: B, explanation: Explanation | None = None) -> None:
        """Take a decision in the replicates of ``mask``: the one route for every choice.

        The AI's, a forced counterfactual's, a human's (through ``decide``) and a test's
        choices all come here: the chosen option's acts are applied, the choice is recorded
        and logged with the ``explanation`` it was made with. Raises ValueError for an
        unknown decision or option.
        """
        decision = self._decision(choice.decision)
        index = self._option_indices(decision, choice.option)
        s = self.state
        ctx = self.context(self.month)
        for option in decision.options:
            chosen = mask & (index == option.index)
            if not anywhere(chosen):
                continue
            did: tuple[str, ...] = ()
            if self.keep_log:
                first = int(np.flatnonzero(chosen)[0])
                did = tuple(effect.describe(s, ctx, first) for effect in option.effects)
            apply_where(s, option.effects, ctx, chosen)
            if not self.keep_log:
                continue
            self.log.append(
                LogEntry(
                    self.month,
                    "decision",
                    decision.spec.id,
                    option.label,
                    actor=decision.spec.actor,
                    option=option.id,
                    by=choice.by,
                    replicates=self._which(chosen),
                    source=decision.spec.source.model_dump(exclude_none=True),
                    explanation=explanation,
                    did=did,
                )
            )
        s.choice[:, decision.index] = np.where(mask, index, s.choice[:, decision.index])
        s.choice_month[:, decision.index] = np.where(
            mask, self.month, s.choice_month[:, decision.index]
        )

    def _decision(self, decision_id: str) -> CompiledDecision:
        """A decision of the scenario by id (ValueError naming the id if there is none)."""
        try:
            return self.scenario.decision(decision_id)
        except (KeyError, TypeError):
            raise ValueError(
                f"no decision {echo(decision_id)} in this scenario ({self.scenario.spec.id})"
            ) from None

    def _option_indices(
        self, decision: CompiledDecision, option: str | npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """One option index per replicate, from an option id or an array of indices."""
        if isinstance(option, str):
            try:
                return np.full(self.replicates, decision.option_index(option))
            except KeyError:
                known = ", ".join(o.id for o in decision.options)
                raise ValueError(
                    f"{echo(option)} is not an option of {decision.spec.id} (options: {known})"
                ) from None
        given = np.asarray(option)
        n = len(decision.options)
        if given.shape != (self.replicates,):
            raise ValueError(
                f"option: expected an option id of {decision.spec.id} or one option index per "
                f"replicate, shape ({self.replicates},), got {echo(option)}"
            )
        if given.dtype.kind not in "iu":
            raise TypeError(
                f"option: expected whole option indices of {decision.spec.id}, "
                f"got an array of {given.dtype}"
            )
        index = given.astype(np.int64)
        if index.min() < 0 or index.max() >= n:
            raise ValueError(
                f"option: expected option indices of {decision.spec.id} from 0 to {n - 1}, "
                f"got {echo(option)}"
            )
        return index

    def foreseen(
        self,
        s: WorldState,
        trials: list[WorldState],
        horizon: int,
        written: list[frozenset[Read]] | None = None,
    ) -> tuple[tuple[str, ...], F64, F64]:
        """The events whose chance within ``horizon`` months the trial states change.

        For each event open in the next ``horizon`` months and not yet fired: its chance of
        firing in them, 1 - (1 - monthly chance)^months, with the monthly chance as the
        state stands (no option: ``s``; each option: ``trials``). Returns the ids of the
        events some option changes by more than ``FORESEEN`` in some replicate, their
        chances without an option (R, E) and with each option (R, O, E); ``evaluate`` counts
        an event in the replicates where some option moves it that much, and no others.
        ``written`` is what each trial has written (``WorldState.changed``), where the
        caller has it.
        """
        month = self.month
        r, n = s.replicates, len(trials)
        ids, base, each = [], [], []
        changed = [t.changed(s) for t in trials] if written is None else written
        anything = frozenset().union(*changed)  # what some option wrote: most events read none
        joined = WorldState.stacked([s, *trials]) if r * (1 + n) <= JOINED else None
        for ev, months in self._open_ahead(horizon):
            if ev.reads.isdisjoint(anything):
                continue  # no option wrote anything its chance reads
            moved = [not ev.reads.isdisjoint(c) for c in changed]
            if ev.may_reads.isdisjoint(anything) and not anywhere(ev.may(s, month)):
                continue  # it may fire nowhere, with or without any option: no chance moves
            if joined is not None:  # a few replicates: every state's chance in one call
                every = 1.0 - (1.0 - ev.chance(joined, month)) ** months
                blocks = every.reshape(1 + n, r)  # a block of rows per state, in order
                for k, m in enumerate(moved, start=1):
                    if not m:  # wrote nothing the chance reads: the state's own chance
                        blocks[k] = blocks[0]
                without, options = blocks[0], blocks[1:].T  # views: no copy, no stack
            else:
                without = 1.0 - (1.0 - ev.chance(s, month)) ** months
                withs = [
                    1.0 - (1.0 - ev.chance(t, month)) ** months if m else without
                    for t, m in zip(trials, moved, strict=True)
                ]
                options = np.stack(withs, axis=1)
            if np.abs(options - without[:, None]).max() <= FORESEEN:
                continue
            ids.append(ev.spec.id)
            base.append(without)
            each.append(options)
        if not ids:
            return (), np.zeros((r, 0)), np.zeros((r, n, 0))
        return tuple(ids), np.stack(base, axis=1), np.stack(each, axis=2)

    def open_within_lookahead(self) -> tuple[CompiledDecision, ...]:
        """The decisions with a condition that may fall due within the look-ahead from now."""
        horizon = self.scenario.spec.dynamics.lookahead_months
        return self.scenario.open_within(self.month, horizon)

    def _open_ahead(self, horizon: int) -> tuple[tuple[CompiledEvent, int], ...]:
        """The events open in the next ``horizon`` months, each with how many of them it is."""
        return self.scenario.open_ahead(self.month, horizon)

    def advise(self) -> Explanation:
        """The AI's scores for the pending human decision (the advisor's view)."""
        if self.pending is None:
            raise ValueError("no decision is waiting")
        decision = self.pending.decision
        return self.states[decision.spec.actor].evaluate(decision)

    def describe_option(self, decision_id: str, option_id: str, replicate: int = 0) -> list[str]:
        """What each act of an option would do now, in words (for the advisor and the class)."""
        decision = self._decision(decision_id)
        replicate = row_number("replicate", replicate, self.replicates)
        option = decision.options[int(self._option_indices(decision, option_id)[0])]
        ctx = self.context(self.month)
        return [e.describe(self.state, ctx, replicate) for e in option.effects]

    def _which(self, mask: B) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(mask))

    def _end_month(self) -> None:
        if _recorded(self.month, self.scenario, self.record_every, self.record_months):
            self.recorded_months.append(self.month)
            self.recorded_attitudes.append(self.state.attitudes.copy())
        structure = self.structure
        advance(self.state, structure, self.static_cache.structural(self.state, structure))
        self.month += 1
        self._cursor = -1
        if self.done:
            self.running = False

    # ------------------------------------------------------------------ outputs

    def attitude_history(self) -> F64:
        """Recorded attitudes, shape (T, R, 6, 6), for ``recorded_months``."""
        if not self.recorded_attitudes:
            return np.zeros((0, self.replicates, N_ACTORS, N_ACTORS))
        return np.stack(self.recorded_attitudes)

    def view(self) -> RunView:
        """The runs as plain data: choices and events by id, attitudes by pair."""
        return view_of(self)

    def chosen_option(self, decision_id: str, replicate: int = 0) -> str | None:
        """The option a replicate took at a decision, or None if it never arose."""
        d = self._decision(decision_id)
        replicate = row_number("replicate", replicate, self.replicates)
        k = int(self.state.choice[replicate, d.index])
        return d.options[k].id if k >= 0 else None

    def explanation(self, decision_id: str) -> Explanation | None:
        """The scores of the last time a decision was taken (None if never, or unscored)."""
        for entry in reversed(self.log):
            if entry.kind == "decision" and entry.id == decision_id:
                return entry.explanation
        return None

    # ------------------------------------------------------------------ save, restore, branch

    def snapshot(self) -> dict[str, Any]:
        """The whole run as JSON data; ``restore`` continues it bit for bit."""
        return {
            "format": SAVE_FORMAT,
            "version": SAVE_VERSION,
            "scenario_file": self.scenario.file,
            "scenario": self.scenario.data,
            "seed": self.seed,
            "replicate_ids": [int(i) for i in self.replicate_ids],
            "humans": sorted(self.humans),
            "record_every": self.record_every,
            "record_months": None if self.record_months is None else sorted(self.record_months),
            "explain_forced": self.explain_forced,
            "weights": None if self.weights is None else self.weights.tolist(),
            "month": format_month(self.month),
            "cursor": self._cursor,
            "pending": None
            if self.pending is None
            else {"decision": self.pending.id, "mask": self.pending.mask.tolist()},
            "state": self.state.to_json(),
            "recorded_months": [format_month(m) for m in self.recorded_months],
            "recorded_attitudes": [a.tolist() for a in self.recorded_attitudes],
            "log": [e.to_json() for e in self.log],
        }

    @classmethod
    def restore(cls, data: dict[str, Any]) -> FrontlineModel:
        """Rebuild a run from ``snapshot`` data.

        Every field is checked first (``sim.snapshot``): a SavedRunError (a ValueError)
        lists each field that is wrong, and a ScenarioError the problems of its scenario.
        """
        if not isinstance(data, dict) or data.get("format") != SAVE_FORMAT:
            raise SavedRunError(["not a Frontline State saved run"])
        if data.get("version") != SAVE_VERSION:
            raise SavedRunError(
                [
                    f"saved run version {echo(data.get('version'))} is not supported "
                    f"(this version reads {SAVE_VERSION})"
                ]
            )
        problems = check_envelope(data)
        deep = depth_problem(data)
        if problems or deep:
            raise SavedRunError(problems + ([deep] if deep else []))
        scenario = _restored_scenario(data["scenario"], shorten(data["scenario_file"]))
        problems = check_arrays(data, scenario)
        if problems:
            raise SavedRunError(problems)
        try:  # the checks above leave the arguments' own rules (record_months' range)
            model = cls(
                scenario,
                data["seed"],
                replicate_ids=data["replicate_ids"],
                humans=data["humans"],
                record_every=data["record_every"],
                record_months=data.get("record_months"),
                explain_forced=bool(data.get("explain_forced", False)),
                weights=None if data.get("weights") is None else np.asarray(data["weights"]),
            )
        except (TypeError, ValueError) as exc:
            raise SavedRunError([str(exc)]) from None
        model.month = parse_month(data["month"])
        model._cursor = int(data["cursor"])
        model.state = WorldState.from_json(data["state"]).by_column()
        if data["pending"] is not None:
            model.pending = PendingDecision(
                scenario.decision(data["pending"]["decision"]),
                np.asarray(data["pending"]["mask"], dtype=bool),
            )
        model.recorded_months = [parse_month(m) for m in data["recorded_months"]]
        model.recorded_attitudes = [
            np.asarray(a, dtype=np.float64) for a in data["recorded_attitudes"]
        ]
        model.log = [LogEntry.from_json(e) for e in data["log"]]
        model.steps = model.month - scenario.start
        model.running = not model.done
        return model

    def branch(
        self,
        replicates: int,
        seed: int,
        *,
        source: int = 0,
        humans: Iterable[str] = (),
        keep_log: bool = True,
    ) -> FrontlineModel:
        """An ensemble of R copies of one replicate's current state, going on with fresh streams.

        The copies share the past (history and log) and differ from here on: replicate k of
        the branch draws from seed ``seed``, replicate id k. Without ``keep_log`` the branch
        keeps no log, neither the past's nor its own (a forecast reads the state alone); its
        runs are the same.
        """
        if self.pending is not None:
            raise RuntimeError("answer the pending decision before branching")
        source = row_number("source", source, self.replicates)
        return self._copies(source, replicates, 1, seed, humans, keep_log)

    def branch_answers(
        self,
        options: Sequence[str],
        replicates: int,
        seed: int,
        *,
        source: int = 0,
        keep_log: bool = False,
        record: bool = True,
    ) -> FrontlineModel:
        """One ensemble that answers the pending decision each way, R copies per answer.

        Block k (rows k*R to (k+1)*R - 1) takes ``options[k]`` and goes on as ``branch`` would
        after that answer: row k*R + i is replicate id i of seed ``seed`` in every block, so
        each answer meets the same luck, and each block has the same bits as answering
        ``options[k]`` here and then branching R copies (a replicate's run depends on its
        own row alone). One ensemble shares each month's fixed costs across the answers.

        ``record``: False for an ensemble whose recorded attitudes nobody reads (the game's
        forecast reads its state at its milestones). It then records the last month alone,
        and none of the months before the branch: copying and keeping every month's
        attitudes for a thousand replicates took a tenth of a forecast's time. The runs
        are the same; only ``recorded_months`` and ``recorded_attitudes`` differ.
        """
        pending = self.pending
        if pending is None:
            raise RuntimeError("no decision is waiting to be answered")
        source = row_number("source", source, self.replicates)
        if not pending.mask[source]:
            raise ValueError(f"source: the pending decision is not due in replicate {source}")
        decision = pending.decision
        if isinstance(options, str | bytes) or not isinstance(options, Sequence):
            raise TypeError(
                f"options: expected a list of option ids of {decision.spec.id}, got {echo(options)}"
            )
        if not options:
            raise ValueError(f"options: expected at least one option id of {decision.spec.id}")
        if not all(isinstance(o, str) for o in options):
            raise TypeError(f"options: expected option ids, got {echo(options)}")
        answers = [int(self._option_indices(decision, o)[0]) for o in options]
        model = self._copies(source, replicates, len(options), seed, (), keep_log, record)
        index = np.repeat(answers, replicates)
        model.pending = PendingDecision(decision, np.ones(model.replicates, dtype=bool))
        model.decide(Choice(decision.spec.id, index.astype(np.int64), by="human"))
        return model

    def _copies(
        self,
        source: int,
        replicates: int,
        blocks: int,
        seed: int,
        humans: Iterable[str],
        keep_log: bool,
        record: bool = True,
    ) -> FrontlineModel:
        """``blocks`` x ``replicates`` copies of replicate ``source``, ids 0..R-1 in each block.

        ``record``: as ``branch_answers`` says (False: the last month alone).
        """
        replicates = whole("replicates", replicates, 1, MAX_REPLICATES // blocks)
        n = replicates * blocks
        model = FrontlineModel(
            self.scenario,
            seed,
            replicate_ids=list(range(replicates)) * blocks,
            humans=humans,
            keep_log=keep_log,
            record_every=self.record_every,
            record_months=self.record_months if record else (),
            explain_forced=self.explain_forced,
            weights=None if self.weights is None else self.weights[[source] * n],
        )
        model.month, model._cursor = self.month, self._cursor
        pick = np.full(n, source, dtype=np.intp)
        model.state = self.state.take(pick).by_column()
        if record:
            model.recorded_months = list(self.recorded_months)
            model.recorded_attitudes = [a[pick] for a in self.recorded_attitudes]
        everyone = tuple(range(n))
        if keep_log:
            model.log = [
                e.for_replicates(everyone, pick) for e in self.log if source in e.replicates
            ]
        model.steps = self.steps
        model.running = not model.done
        return model
