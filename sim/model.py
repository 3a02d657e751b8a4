"""The Frontline State model: six Mesa agents acting on a scenario, R replicates at once.

One step is one calendar month. In each month the scenario's events are tried, the
decisions that fall due are taken, the attitudes are recorded, and the dynamics move the
world on to the next month. Every decision, whoever takes it (the AI, a human player, a
forced counterfactual or a test), goes through ``FrontlineModel.decide``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import mesa
import numpy as np
import numpy.typing as npt

from sim.actors import ACTORS, INDEX, N_ACTORS, NAMES, ActorId
from sim.calendar import format_month, parse_month
from sim.capabilities import load_capabilities
from sim.dynamics import (
    COMPONENTS,
    StaticCache,
    Structure,
    advance,
    foresee,
    rowsum,
)
from sim.errors import echo, shorten
from sim.rng import uniform
from sim.scenario import CompiledDecision, CompiledScenario, scenario_from_data
from sim.snapshot import SavedRunError, check_arrays, check_envelope, depth_problem, seed_problem
from sim.state import F64, B, WorldState

SAVE_FORMAT = "frontline-state/run"
SAVE_VERSION = 1

By = Literal["ai", "human", "forced", "test"]


@dataclass(frozen=True)
class Choice:
    """A decision taken: one option id for every replicate, or an option index per replicate."""

    decision: str
    option: str | npt.NDArray[np.int64]
    by: By = "human"


@dataclass(frozen=True)
class Explanation:
    """Why an actor would choose as it does: the change in each part of its utility per option.

    ``scores[r, o, c]`` is the weighted change of component c (``COMPONENTS``) if option o
    is taken, relative to taking none, after the look-ahead; ``probabilities[r, o]`` is the
    softmax of the totals at the actor's temperature.
    """

    decision: str
    actor: ActorId
    options: tuple[str, ...]
    scores: F64
    probabilities: F64

    @property
    def totals(self) -> F64:
        """Total score of each option, (R, O)."""
        return rowsum(self.scores)

    def breakdown(self, replicate: int = 0) -> list[dict[str, Any]]:
        """Per option: total, each component and probability, for one replicate."""
        out = []
        for o, option in enumerate(self.options):
            row: dict[str, Any] = {
                "option": option,
                "total": float(self.totals[replicate, o]),
                "probability": float(self.probabilities[replicate, o]),
            }
            for c, name in enumerate(COMPONENTS):
                row[name] = float(self.scores[replicate, o, c])
            out.append(row)
        return out

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "decision": self.decision,
            "actor": self.actor,
            "options": list(self.options),
            "scores": self.scores.tolist(),
            "probabilities": self.probabilities.tolist(),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Explanation:
        """Inverse of ``to_json``."""
        return cls(
            d["decision"],
            d["actor"],
            tuple(d["options"]),
            np.asarray(d["scores"], dtype=np.float64),
            np.asarray(d["probabilities"], dtype=np.float64),
        )


@dataclass(frozen=True)
class LogEntry:
    """Something that happened in some replicates: an event fired or a decision was taken."""

    month: int
    kind: Literal["event", "decision"]
    id: str
    title: str
    actor: ActorId | None = None
    option: str | None = None
    by: By | None = None
    replicates: tuple[int, ...] = ()
    source: dict[str, Any] = field(default_factory=dict)

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
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LogEntry:
        """Inverse of ``to_json``."""
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


class StateAgent(mesa.Agent):
    """One of the six states. It reads the model's arrays and chooses at its decision points."""

    model: FrontlineModel

    def __init__(self, model: FrontlineModel, actor: ActorId) -> None:
        super().__init__(model)
        self.actor: ActorId = actor
        self.index = INDEX[actor]

    @property
    def name(self) -> str:
        """The state's name."""
        spec = self.model.scenario.spec.actors.get(self.actor)
        return spec.name if spec and spec.name else NAMES[self.actor]

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

    def evaluate(self, decision: CompiledDecision) -> Explanation:
        """Score every option by the change it makes to this state's utility, looking ahead."""
        model = self.model
        horizon = model.scenario.spec.dynamics.lookahead_months
        weights = model.scenario.weights[self.index]

        structure = model.structure_for(model.month)
        mil, eco = model.capabilities_for(model.month + horizon)

        def utility_ahead(state: WorldState) -> F64:
            static = model.static_cache.get(state, structure)
            return foresee(state, structure, horizon, self.index, mil, eco, static)

        base = utility_ahead(model.state)
        scores = np.empty((model.replicates, len(decision.options), len(COMPONENTS)))
        everyone = np.ones(model.replicates, dtype=bool)
        for o, option in enumerate(decision.options):
            trial = model.state.trial()
            for fn in option.effects:
                fn(trial, everyone)
            scores[:, o, :] = (utility_ahead(trial) - base) * weights
        totals = rowsum(scores)
        temperature = model.scenario.temperatures[self.index]
        with np.errstate(over="ignore"):  # a tiny temperature: -inf, whose weight is 0
            logits = (totals - totals.max(axis=1, keepdims=True)) / temperature
        weights_exp = np.exp(logits)
        probabilities = weights_exp / rowsum(weights_exp)[:, None]
        return Explanation(
            decision.spec.id,
            self.actor,
            tuple(o.id for o in decision.options),
            scores,
            probabilities,
        )

    def choose(self, decision: CompiledDecision) -> Choice:
        """Pick an option per replicate by a seeded softmax over the option scores."""
        explanation = self.evaluate(decision)
        self.model.explanations[decision.spec.id] = explanation
        u = uniform(self.model.seed, self.model.replicate_ids, self.model.month, decision.stream)
        cumulative = np.cumsum(explanation.probabilities, axis=1)
        chosen = np.zeros(self.model.replicates, dtype=np.int64)
        for o in range(len(decision.options) - 1):
            chosen += (u >= cumulative[:, o]).astype(np.int64)
        return Choice(decision.spec.id, chosen, by="ai")


class FrontlineModel(mesa.Model):
    """Six states over a scenario's months, for R replicates at once.

    Args:
        scenario: a compiled scenario (``sim.load_scenario``).
        seed: the run's seed; replicate i of seed s is the same run in any batch or process.
        replicates: how many replicate runs to advance together (ids 0..R-1).
        replicate_ids: explicit replicate ids instead (for a chunk of a larger batch).
        humans: actors whose decisions wait for ``decide`` instead of the AI.
        record_every: record the attitudes every this many months (1: monthly).
        record_months: record only at these months (and the last), instead.
        keep_log: keep the event log (a batch, which reads only the state, turns it off).

    """

    def __init__(
        self,
        scenario: CompiledScenario,
        seed: int = 0,
        replicates: int = 1,
        *,
        replicate_ids: Iterable[int] | None = None,
        humans: Iterable[str] = (),
        record_every: int = 1,
        record_months: Iterable[int] | None = None,
        keep_log: bool = True,
    ) -> None:
        if (problem := seed_problem(seed)) is not None:
            raise ValueError(f"seed: {problem}")
        super().__init__(seed=seed)
        self.scenario = scenario
        self.seed = int(seed)
        ids = np.arange(replicates) if replicate_ids is None else np.fromiter(replicate_ids, int)
        if ids.size and ids.min() < 0:
            raise ValueError("replicate ids must be 0 or more")
        self.replicate_ids = ids.astype(np.uint64)
        self.replicates = len(self.replicate_ids)
        if self.replicates < 1:
            raise ValueError("a model needs at least one replicate")
        self.humans = frozenset(humans)
        unknown = self.humans - set(ACTORS)
        if unknown:
            raise ValueError(f"unknown actor(s) {sorted(unknown)}; expected some of {ACTORS}")
        self.record_every = max(1, int(record_every))
        self.record_months = None if record_months is None else frozenset(record_months)
        self.keep_log = keep_log
        self.month = scenario.start
        self._cursor = -1  # -1: the month has not begun; k: next due decision of the month
        self.pending: PendingDecision | None = None
        self.log: list[LogEntry] = []
        self.explanations: dict[str, Explanation] = {}
        self.recorded_months: list[int] = []
        self.recorded_attitudes: list[F64] = []
        self.state = self._initial_state()
        self.static_cache = StaticCache()
        self._assume_the_past()
        self.states = {a: StateAgent(self, a) for a in ACTORS}
        # Mesa 3.3 keeps every model as a key of Agent's id counters, so a finished model
        # (and its recorded history) would never be freed; no agent is added after these six.
        mesa.Agent._ids.pop(self, None)
        self._capabilities = load_capabilities()
        self._structure = Structure(scenario.initial_attitudes, scenario.spec.dynamics)
        self._by_month_events, self._by_month_decisions = scenario.schedule

    # ------------------------------------------------------------------ set-up

    def _initial_state(self) -> WorldState:
        sc, r = self.scenario, self.replicates
        flags = np.zeros((r, len(sc.flags)), dtype=bool)
        for name in sc.spec.flags:
            flags[:, sc.flags.index(name)] = True
        return WorldState(
            attitudes=np.repeat(sc.initial_attitudes[None], r, axis=0),
            econ_aid=np.zeros((r, N_ACTORS, N_ACTORS)),
            mil_aid=np.zeros((r, N_ACTORS, N_ACTORS)),
            prestige=np.zeros((r, N_ACTORS)),
            ideology=np.repeat(sc.initial_ideology[None], r, axis=0),
            bloc=np.repeat(sc.initial_bloc[None], r, axis=0),
            flags=flags,
            event_month=np.full((r, len(sc.events)), -1, dtype=np.int32),
            choice=np.full((r, len(sc.decisions)), -1, dtype=np.int32),
            choice_month=np.full((r, len(sc.decisions)), -1, dtype=np.int32),
        )

    def _assume_the_past(self) -> None:
        """Mark what an era scenario says happened before its start (and raise its flags)."""
        sc, s = self.scenario, self.state
        everyone = np.ones(self.replicates, dtype=bool)
        for d, o in sc.assumed_decisions.items():
            decision = sc.decisions[d]
            s.choice[:, d] = o
            s.choice_month[:, d] = decision.first
            for fn in decision.options[o].flag_effects:
                fn(s, everyone)
        for e in sc.assumed_events:
            s.event_month[:, e] = sc.events[e].first
            for fn in sc.events[e].flag_effects:
                fn(s, everyone)

    def capabilities_for(self, month: int) -> tuple[F64, F64]:
        """Military and economic shares of the six states in a month (the COW record)."""
        return self._capabilities.for_year(month // 12)

    def structure_for(self, month: int) -> Structure:
        """The structural parameters of the dynamics (constant within a scenario)."""
        return self._structure

    # ------------------------------------------------------------------ running

    @property
    def done(self) -> bool:
        """True once the scenario's last month has been run."""
        return self.month > self.scenario.end

    def step(self) -> None:
        """Run one month (or the rest of it, after a human's decision)."""
        if self.done:
            self.running = False
            return
        if self.pending is not None:
            raise RuntimeError(
                f"decision {self.pending.id!r} is waiting for a human: call decide() first"
            )
        if self._cursor < 0:
            self._fire_events()
            self._cursor = 0
        if not self._take_decisions():
            return
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

    def _due(self, decision: CompiledDecision) -> B:
        mask: B = self.state.choice[:, decision.index] < 0
        if decision.when is not None and mask.any():
            mask &= decision.when(self.state, self.month)
        return mask

    def _fire_events(self) -> None:
        s, m = self.state, self.month
        for k in self._by_month_events[m - self.scenario.start]:
            ev = self.scenario.events[k]
            mask: B = s.event_month[:, k] < 0
            if ev.when is not None and mask.any():
                mask &= ev.when(s, m)
            if ev.hazard < 1.0 and mask.any():
                mask &= uniform(self.seed, self.replicate_ids, m, ev.stream) < ev.hazard
            if not mask.any():
                continue
            for fn in ev.effects:
                fn(s, mask)
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
            if mask.any():
                forced = self.scenario.force.get(decision.index)
                if forced is not None:
                    self._apply(decision, np.full(self.replicates, forced), mask, "forced")
                elif decision.spec.actor in self.humans:
                    self.pending = PendingDecision(decision, mask)
                    return False
                else:
                    self.decide(self.states[decision.spec.actor].choose(decision), _mask=mask)
            self._cursor += 1
        return True

    def decide(self, choice: Choice, *, _mask: B | None = None) -> None:
        """Take a decision: the one route for humans, the AI, forced choices and tests.

        A human's choice must answer the pending decision; the AI's is made while the model
        resolves the month. Raises ValueError for an unknown decision or option.
        """
        if _mask is None:
            if self.pending is None or self.pending.id != choice.decision:
                waiting = self.pending.id if self.pending else "none"
                raise ValueError(
                    f"decision {choice.decision!r} is not waiting for a choice (waiting: {waiting})"
                )
            decision, mask = self.pending.decision, self.pending.mask
        else:
            decision, mask = self.scenario.decision(choice.decision), _mask
        if isinstance(choice.option, str):
            try:
                index = np.full(self.replicates, decision.option_index(choice.option))
            except KeyError:
                known = ", ".join(o.id for o in decision.options)
                raise ValueError(
                    f"{choice.option!r} is not an option of {decision.spec.id} (options: {known})"
                ) from None
        else:
            index = np.asarray(choice.option, dtype=np.int64)
            if (
                index.shape != (self.replicates,)
                or index.min() < 0
                or index.max() >= len(decision.options)
            ):
                raise ValueError("expected one option index per replicate")
        self._apply(decision, index, mask, choice.by)
        if _mask is None:
            self.pending = None
            self._cursor += 1

    def _apply(
        self, decision: CompiledDecision, index: npt.NDArray[np.int64], mask: B, by: By
    ) -> None:
        s = self.state
        for option in decision.options:
            chosen = mask & (index == option.index)
            if not chosen.any():
                continue
            for fn in option.effects:
                fn(s, chosen)
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
                    by=by,
                    replicates=self._which(chosen),
                    source=decision.spec.source.model_dump(exclude_none=True),
                )
            )
        s.choice[:, decision.index] = np.where(mask, index, s.choice[:, decision.index])
        s.choice_month[:, decision.index] = np.where(
            mask, self.month, s.choice_month[:, decision.index]
        )

    def advise(self) -> Explanation:
        """The AI's scores for the pending human decision (the advisor's view)."""
        if self.pending is None:
            raise ValueError("no decision is waiting")
        decision = self.pending.decision
        return self.states[decision.spec.actor].evaluate(decision)

    def _which(self, mask: B) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(mask))

    def _end_month(self) -> None:
        sc = self.scenario
        if self.record_months is not None:
            wanted = self.month in self.record_months
        else:
            wanted = (self.month - sc.start) % self.record_every == 0
        if wanted or self.month == sc.end:
            self.recorded_months.append(self.month)
            self.recorded_attitudes.append(self.state.attitudes.copy())
        structure = self.structure_for(self.month)
        advance(self.state, structure, self.static_cache.get(self.state, structure))
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

    def chosen_option(self, decision_id: str, replicate: int = 0) -> str | None:
        """The option a replicate took at a decision, or None if it never arose."""
        d = self.scenario.decision(decision_id)
        k = int(self.state.choice[replicate, d.index])
        return d.options[k].id if k >= 0 else None

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
            "month": format_month(self.month),
            "cursor": self._cursor,
            "pending": None
            if self.pending is None
            else {"decision": self.pending.id, "mask": self.pending.mask.tolist()},
            "state": self.state.to_json(),
            "recorded_months": [format_month(m) for m in self.recorded_months],
            "recorded_attitudes": [a.tolist() for a in self.recorded_attitudes],
            "log": [e.to_json() for e in self.log],
            "explanations": {k: v.to_json() for k, v in self.explanations.items()},
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
        scenario = scenario_from_data(data["scenario"], shorten(data["scenario_file"]))
        problems = check_arrays(data, scenario)
        if problems:
            raise SavedRunError(problems)
        model = cls(
            scenario,
            data["seed"],
            replicate_ids=data["replicate_ids"],
            humans=data["humans"],
            record_every=data["record_every"],
            record_months=data.get("record_months"),
        )
        model.month = parse_month(data["month"])
        model._cursor = int(data["cursor"])
        model.state = WorldState.from_json(data["state"])
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
        model.explanations = {k: Explanation.from_json(v) for k, v in data["explanations"].items()}
        model.running = not model.done
        return model

    def branch(
        self, replicates: int, seed: int, *, source: int = 0, humans: Iterable[str] = ()
    ) -> FrontlineModel:
        """An ensemble of R copies of one replicate's current state, going on with fresh streams.

        The copies share the past (history and log) and differ from here on: replicate k of
        the branch draws from seed ``seed``, replicate id k.
        """
        if self.pending is not None:
            raise RuntimeError("answer the pending decision before branching")
        model = FrontlineModel(
            self.scenario,
            seed,
            replicates,
            humans=humans,
            record_every=self.record_every,
            record_months=self.record_months,
        )
        model.month, model._cursor = self.month, self._cursor
        pick = np.full(replicates, source, dtype=np.intp)
        model.state = self.state.take(pick)
        model.recorded_months = list(self.recorded_months)
        model.recorded_attitudes = [a[pick] for a in self.recorded_attitudes]
        everyone = tuple(range(replicates))
        model.log = [
            LogEntry(e.month, e.kind, e.id, e.title, e.actor, e.option, e.by, everyone, e.source)
            for e in self.log
            if source in e.replicates
        ]
        model.running = not model.done
        return model
