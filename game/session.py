"""The game session: the one place where the game touches the model.

Everything the screens show comes from here as plain data (dataclasses of strings and
numbers), and everything the player does goes to the model through here, to the same
``FrontlineModel.apply`` that the AI's choices take (through ``decide``). Options are made
of acts that say what they would do (``describe_option``), and each decision's
explanation is kept with its log entry. When the model's API changes again (foreseen
events), this module changes and the screens do not.

This module never imports pygame: the forecast worker process imports it too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np

from sim.actors import ACTORS, INDEX, Bloc, StateNames
from sim.calendar import format_month, parse_month
from sim.dynamics import COMPONENTS
from sim.errors import echo
from sim.history import Record, compare, load_record
from sim.model import Choice, FrontlineModel
from sim.scenario import CompiledDecision, CompiledScenario, builtin_names, load_scenario
from sim.schema import DecisionSpec
from sim.schema import citation as cite
from sim.snapshot import seed_problem
from sim.text import signed

DIFFICULTIES: Final[dict[str, float]] = {"relaxed": 6.0, "historical": 1.0, "sharp": 0.25}
"""How sharply the other states play: a multiplier of their softmax temperatures.

``relaxed`` states often take an option that serves them less well; ``sharp`` ones nearly
always take their best. The multiplier goes into the scenario as ``set:`` overrides, so the
model runs exactly as it would from a scenario file with those temperatures.
"""

DIFFICULTY_WORDS: Final[dict[str, str]] = {
    "relaxed": "The other states often choose loosely (6x their temperature).",
    "historical": "The other states choose as the scenario's fitted values say.",
    "sharp": "The other states nearly always take their best option (1/4 temperature).",
}

BLOC_WORDS: Final[dict[int, str]] = {
    Bloc.NON_ALIGNED.value: "non-aligned",
    Bloc.WEST.value: "Western camp",
    Bloc.EAST.value: "Eastern camp",
}

FORECAST_ROLLOUTS: Final[int] = 250
"""Rollouts per option in the advisor's forecast."""


class GameError(Exception):
    """Something the player asked for cannot be done; the message says why, in words."""


@dataclass(frozen=True)
class Settings:
    """What the player chose on the setup screen."""

    scenario: str
    actor: str
    seed: int = 0
    difficulty: str = "historical"
    reveal: bool = True

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "scenario": self.scenario,
            "actor": self.actor,
            "seed": self.seed,
            "difficulty": self.difficulty,
            "reveal": self.reveal,
        }

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        """Inverse of ``to_json``; GameError naming every field that is missing or wrong.

        Nothing is converted: a seed of 1.5 or ``"7"`` is refused, not rounded or parsed.
        """
        if not isinstance(data, dict):
            raise GameError(f"settings: expected a mapping, got {echo(data)}")
        problems = []
        for key, problem_of in _SETTINGS.items():
            problem = problem_of(data[key]) if key in data else "required, missing"
            if problem:
                problems.append(f"settings.{key}: {problem}")
        if problems:
            raise GameError("; ".join(problems))
        return cls(*(data[key] for key in _SETTINGS))

    def check(self) -> None:
        """GameError if the actor or the difficulty is unknown."""
        if self.actor not in ACTORS:
            raise GameError(f"unknown state {self.actor!r}; expected one of {', '.join(ACTORS)}")
        if self.difficulty not in DIFFICULTIES:
            raise GameError(
                f"unknown difficulty {self.difficulty!r}; expected one of {', '.join(DIFFICULTIES)}"
            )


def _name_problem(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    return f"expected the scenario's name, got {echo(value)}"


def _one_of(choices: Iterable[str]) -> Callable[[Any], str | None]:
    """A check that a value is one of ``choices`` (text, compared exactly)."""
    allowed = tuple(choices)

    def problem(value: Any) -> str | None:
        if isinstance(value, str) and value in allowed:
            return None
        return f"expected one of {', '.join(allowed)}, got {echo(value)}"

    return problem


def _flag_problem(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"expected true or false, got {echo(value)}"


_SETTINGS: Final[dict[str, Callable[[Any], str | None]]] = {
    "scenario": _name_problem,
    "actor": _one_of(ACTORS),
    "seed": seed_problem,
    "difficulty": _one_of(DIFFICULTIES),
    "reveal": _flag_problem,
}
"""Each field of a save's settings, in ``Settings``' order, and why a value is not one."""


@dataclass(frozen=True)
class NewsItem:
    """One line of the news feed."""

    month: str
    kind: str  # "event" | "decision"
    actor: str | None
    headline: str
    reason: str
    citation: str
    history: str  # "" unless history is revealed: how it compares with the record
    mine: bool = False


@dataclass(frozen=True)
class OptionView:
    """An option of the pending decision, for the dialog."""

    id: str
    label: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class AdvisorRow:
    """The AI's utility breakdown of one option (what it would weigh, for the player's state)."""

    option: str
    total: float
    probability: float
    parts: dict[str, float]
    foreseen: tuple[str, ...] = ()  # what it makes likely, in words, e.g. "U-2 shot down: 80%"
    same_as: tuple[int, ...] = ()  # the other options (1-based) it cannot be told from, now


@dataclass(frozen=True)
class DecisionView:
    """The pending decision as the dialog shows it."""

    id: str
    actor: str
    month: str
    prompt: str
    citation: str
    note: str
    options: tuple[OptionView, ...]
    timing: str = ""  # when history posed it, where that is another month (``timing_words``)


@dataclass(frozen=True)
class Spread:
    """Quantiles of a quantity over rollouts."""

    low: float
    median: float
    high: float

    def to_json(self) -> list[float]:
        """Plain JSON data."""
        return [self.low, self.median, self.high]


@dataclass(frozen=True)
class OptionForecast:
    """What a few hundred rollouts of one option say about the years ahead."""

    option: str
    rollouts: int
    milestones: tuple[str, ...]
    pairs: tuple[str, ...]
    attitudes: dict[str, tuple[Spread, ...]]  # pair -> a spread per milestone
    events: dict[str, float]  # event title -> share of rollouts where it happens
    complete: bool = True  # False: the rollouts have reached only ``milestones`` so far

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (what the worker process sends back)."""
        return {
            "option": self.option,
            "rollouts": self.rollouts,
            "milestones": list(self.milestones),
            "pairs": list(self.pairs),
            "attitudes": {p: [s.to_json() for s in v] for p, v in self.attitudes.items()},
            "events": self.events,
            "complete": self.complete,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OptionForecast:
        """Inverse of ``to_json``."""
        return cls(
            str(d["option"]),
            int(d["rollouts"]),
            tuple(d["milestones"]),
            tuple(d["pairs"]),
            {p: tuple(Spread(*s) for s in v) for p, v in d["attitudes"].items()},
            {str(k): float(v) for k, v in d["events"].items()},
            bool(d.get("complete", True)),
        )


@dataclass(frozen=True)
class StateView:
    """One state as its panel shows it."""

    actor: str
    name: str
    leader: str
    regime: str
    bloc: str
    military: float
    economy: float
    prestige: float
    attitudes: dict[str, tuple[float, float]]  # other -> (towards it, from it)


@dataclass(frozen=True)
class Divergence:
    """A decision where the player chose otherwise than history, and what followed."""

    month: str
    decision: str
    prompt: str
    chosen: str
    historical: str
    followed: tuple[str, ...]
    timing: str = ""  # when history posed it, where that is another month (``timing_words``)


@dataclass(frozen=True)
class Debrief:
    """The player's path against history."""

    title: str
    until: str
    finished: bool
    measures: dict[str, str]
    timeline: tuple[tuple[str, str, str], ...]  # (month, history, this run)
    divergences: tuple[Divergence, ...]
    summary: dict[str, Any] = field(default_factory=dict)
    taken: int = 0
    """The player's decisions taken so far."""
    compared: int = 0
    """Those of them that the recorded history also holds, so that they can be compared."""


def no_divergence_words(d: Debrief) -> str:
    """What the debrief says when the player chose nowhere otherwise than history.

    It claims agreement only where there was something to compare: the player may have had no
    decision, or taken only decisions that the recorded history does not hold.
    """
    if not d.taken:
        return "Nowhere: you have taken no decision."
    if not d.compared:
        return (
            f"History records none of the {d.taken} decision(s) you took, so none can be "
            "compared with it."
        )
    unrecorded = d.taken - d.compared
    aside = f" ({unrecorded} of yours history does not record)" if unrecorded else ""
    return f"Nowhere: you chose as history did at every decision so far{aside}."


def scenario_choices() -> list[str]:
    """Built-in scenarios a player can pick, the longest first."""
    names = builtin_names()
    return sorted(names, key=lambda n: (n != "baseline", n != "choosing-a-camp", n))


def load_settings_scenario(
    settings: Settings, force: dict[str, str] | None = None
) -> CompiledScenario:
    """The scenario of these settings, with the difficulty applied to the other states."""
    settings.check()
    base = load_scenario(settings.scenario, force=force)
    factor = DIFFICULTIES[settings.difficulty]
    if factor == 1.0:
        return base
    overrides = {
        f"actors.{a}.temperature": float(base.temperatures[INDEX[a]] * factor)
        for a in ACTORS
        if a != settings.actor
    }
    return load_scenario(settings.scenario, overrides=overrides, force=force)


def _signed(x: float) -> str:
    return signed(x, 1)


def _reason(parts: dict[str, float]) -> str:
    """The one-line reason for an AI's choice: its two weightiest motives."""
    ranked = sorted(COMPONENTS, key=lambda c: -abs(parts[c]))
    shown = [f"{c} {_signed(parts[c])}" for c in ranked[:2] if abs(parts[c]) >= 0.05]
    return "for " + " and ".join(shown) if shown else "little to choose between the options"


class Session:
    """A game in progress: one run of the model (R = 1) with one human-played state."""

    def __init__(self, model: FrontlineModel, settings: Settings) -> None:
        self.model = model
        self.settings = settings
        self._record: Record | None = None
        self._reference: FrontlineModel | None = None
        self._seen = len(model.log)

    # ------------------------------------------------------------------ starting

    @classmethod
    def start(cls, settings: Settings) -> Session:
        """A new game (GameError for an unknown scenario, state or difficulty)."""
        from sim.errors import ScenarioError

        try:
            scenario = load_settings_scenario(settings)
        except ScenarioError as exc:
            raise GameError("; ".join(str(p) for p in exc.problems[:3])) from None
        except (FileNotFoundError, ValueError) as exc:
            raise GameError(str(exc)) from None
        model = FrontlineModel(scenario, seed=settings.seed, humans={settings.actor})
        session = cls(model, settings)
        session._seen = 0
        return session

    # ------------------------------------------------------------------ the clock

    @property
    def month(self) -> int:
        """The model's current month number."""
        return int(self.model.month)

    @property
    def date(self) -> str:
        """The current month as text, e.g. ``August 1947``."""
        return month_words(min(self.model.month, self.model.scenario.end))

    @property
    def start_month(self) -> int:
        """The scenario's first month."""
        return int(self.model.scenario.start)

    @property
    def end_month(self) -> int:
        """The scenario's last month."""
        return int(self.model.scenario.end)

    @property
    def done(self) -> bool:
        """True once the scenario's last month has run."""
        return bool(self.model.done)

    @property
    def waiting(self) -> bool:
        """True while the player's state must choose."""
        return self.model.pending is not None

    @property
    def title(self) -> str:
        """The scenario's title."""
        return self.model.scenario.spec.title

    @property
    def names(self) -> StateNames:
        """What this game's scenario calls the states: every screen names them by these."""
        return self.model.scenario.names

    def step(self) -> list[NewsItem]:
        """Run one month, or up to the player's next decision; the news it made."""
        if not self.done and not self.waiting:
            self.model.step()
        return self.news()

    def news(self) -> list[NewsItem]:
        """News since the last call."""
        fresh = self.model.log[self._seen :]
        self._seen = len(self.model.log)
        return [self._news_item(e) for e in fresh]

    def all_news(self) -> list[NewsItem]:
        """Every news item of the run so far (for a loaded game's feed)."""
        self._seen = len(self.model.log)
        return [self._news_item(e) for e in self.model.log]

    def _news_item(self, entry: Any) -> NewsItem:
        month = format_month(entry.month)
        citation = cite(entry.source)
        note = str(entry.source.get("note", "") or "").strip()
        if note:
            citation += f". Note: {' '.join(note.split())}"
        if entry.kind == "event":
            history = ""
            if self.settings.reveal:
                recorded = self._recorded_event_month(entry.id)
                history = (
                    "not in the recorded history"
                    if recorded is None
                    else "as in history"
                    if recorded == month
                    else f"history: {recorded}"
                )
            return NewsItem(month, "event", None, entry.title, "", citation, history)
        decision = self.model.scenario.decision(entry.id)
        mine = entry.by == "human"
        reason = "your choice" if mine else f"forced by the scenario ({entry.by})"
        if entry.by == "ai":
            explanation = entry.explanation
            if explanation is not None:
                row = next(r for r in explanation.breakdown(0) if r["option"] == entry.option)
                reason = _reason({c: float(row[c]) for c in COMPONENTS})
        history = ""
        if self.settings.reveal:
            historical = next((o for o in decision.options if o.historical), None)
            if historical is not None:
                history = (
                    "as in history"
                    if historical.id == entry.option
                    else f"history: {historical.label}"
                )
        headline = f"{self.names[str(entry.actor)]}: {entry.title}"
        return NewsItem(month, "decision", entry.actor, headline, reason, citation, history, mine)

    def _recorded_event_month(self, event_id: str) -> str | None:
        for e in self.record.events:
            if e.id == event_id:
                return e.month
        return None

    @property
    def record(self) -> Record:
        """The recorded history (read once)."""
        if self._record is None:
            self._record = load_record()
        return self._record

    # ------------------------------------------------------------------ the world

    def attitudes(self) -> np.ndarray:
        """How each state regards each other now, a 6x6 array (row regards column)."""
        return np.array(self.model.state.attitudes[0], dtype=np.float64)

    def has_flag(self, name: str) -> bool:
        """Whether a flag is raised; False for a flag the scenario does not know."""
        flags = self.model.scenario.flags
        return name in flags and bool(self.model.state.flags[0, flags.index(name)])

    def capital_month(self) -> str:
        """The current month as ``YYYY-MM`` (capitals move with it)."""
        return format_month(min(self.model.month, self.model.scenario.end))

    def state_view(self, actor: str) -> StateView:
        """One state's panel data."""
        agent = self.model.states[actor]  # type: ignore[index]
        spec = self.model.scenario.spec.actors.get(actor)  # type: ignore[call-overload]
        regime = ""
        if spec is not None:
            for leader in spec.leaders:
                if parse_month(leader.start) <= self.model.month:
                    regime = leader.regime or ""
        mil, eco = self.model.capabilities_for(min(self.model.month, self.model.scenario.end))
        i = INDEX[actor]
        s = self.model.state
        return StateView(
            actor,
            self.names[actor],
            agent.leader() or "unknown",
            regime or "unknown",
            BLOC_WORDS.get(int(s.bloc[0, i]), "?"),
            float(mil[i]),
            float(eco[i]),
            float(s.prestige[0, i]),
            {
                b: (float(s.attitudes[0, i, INDEX[b]]), float(s.attitudes[0, INDEX[b], i]))
                for b in ACTORS
                if b != actor
            },
        )

    def attitude_series(self, actor: str) -> tuple[list[int], np.ndarray]:
        """Months and this state's attitude to each state over the run so far, (T, 6)."""
        i = INDEX[actor]
        months = list(self.model.recorded_months)
        if not months:
            return [self.month], self.attitudes()[i][None, :]
        series = np.stack([a[0, i, :] for a in self.model.recorded_attitudes])
        return months, series

    # ------------------------------------------------------------------ deciding

    def decision(self) -> DecisionView:
        """The decision the player's state must take now (GameError if none)."""
        pending = self.model.pending
        if pending is None:
            raise GameError("no decision is waiting")
        spec = pending.decision.spec
        options = []
        for option in pending.decision.options:
            # each act says what it would do now, by the rules (flags are left unsaid)
            words = tuple(
                clause[0].upper() + clause[1:]
                for w in self.model.describe_option(spec.id, option.id)
                if not w.startswith(("raises the flag", "lowers the flag"))
                for clause in w.split("; ")
            )
            options.append(OptionView(option.id, option.label, words or ("nothing changes",)))
        source = spec.source
        return DecisionView(
            spec.id,
            spec.actor,
            month_words(self.model.month),
            " ".join(spec.prompt.split()),
            cite(source.model_dump(exclude_none=True)),
            " ".join((source.note or "").split()),
            tuple(options),
            timing_words(spec, self.model.month),
        )

    def advise(self) -> list[AdvisorRow]:
        """The AI's utility breakdown of each option, for the player's state, with what it foresees.

        The parts already hold the expected consequences of the events an option makes
        likelier or less likely, and the answer it expects from the state it is aimed at;
        ``foreseen`` says which, in words.
        """
        explanation = self.model.advise()
        sc = self.model.scenario
        rows = []
        for row in explanation.breakdown(0):
            words = []
            answer = row["answer"]
            if answer is not None:
                follow = sc.decision(answer["decision"])
                option = follow.options[answer["option"]]
                who = self.names.opening(follow.spec.actor)
                words.append(f"{who} would answer: {option.label}")
            shifts = sorted(
                (f for f in row["foreseen"] if abs(f["chance"] - f["without"]) >= 0.05),
                key=lambda f: -abs(f["chance"] - f["without"]),
            )
            for f in shifts[:3]:
                title = sc.events[sc.event_index(f["event"])].spec.title
                words.append(f"{title}: {f['chance']:.0%} within a year (else {f['without']:.0%})")
            rows.append(
                AdvisorRow(
                    str(row["option"]),
                    float(row["total"]),
                    float(row["probability"]),
                    {c: float(row[c]) for c in COMPONENTS},
                    tuple(words),
                )
            )
        # options whose every utility change, foreseen event and answer are the same: the
        # model cannot tell them apart in this state (their differences lie outside it)
        changes = explanation.changes[0]
        return [
            replace(
                row,
                same_as=tuple(
                    k + 1
                    for k, other in enumerate(rows)
                    if other is not row
                    and np.array_equal(changes[k], changes[o])
                    and other.foreseen == row.foreseen
                ),
            )
            for o, row in enumerate(rows)
        ]

    def decide(self, option_id: str) -> None:
        """The player's choice, through the model's one route for decisions."""
        pending = self.model.pending
        if pending is None:
            raise GameError("no decision is waiting")
        try:
            self.model.decide(Choice(pending.id, option_id, by="human"))
        except ValueError as exc:
            raise GameError(str(exc)) from None

    def ai_option(self) -> str:
        """The option the AI would take in the player's place (autoplay), by its seeded draw."""
        pending = self.model.pending
        if pending is None:
            raise GameError("no decision is waiting")
        agent = self.model.states[pending.decision.spec.actor]
        choice = agent.choose(pending.decision, agent.evaluate(pending.decision))
        index = int(np.asarray(choice.option)[0])
        return pending.decision.options[index].id

    def forecast_request(self) -> dict[str, Any]:
        """Plain JSON data for the forecast worker: this moment, and what to forecast."""
        pending = self.model.pending
        if pending is None:
            raise GameError("no decision is waiting")
        digest = hashlib.blake2b(
            f"{self.model.seed}:{self.model.month}:{pending.id}".encode(), digest_size=4
        ).digest()
        return {
            "run": self.model.snapshot(),
            "decision": pending.id,
            "options": [o.id for o in pending.decision.options],
            "actor": self.settings.actor,
            "rollouts": FORECAST_ROLLOUTS,
            "seed": int.from_bytes(digest, "little"),
            "milestones": [format_month(m) for m in self.milestones()],
        }

    def milestones(self) -> list[int]:
        """Months the forecast reports: one year on, five years on, and the scenario's end."""
        now, end = self.model.month, self.model.scenario.end
        marks = sorted({min(now + 12, end), min(now + 60, end), end})
        return [m for m in marks if m > now] or [end]

    # ------------------------------------------------------------------ saving

    def snapshot(self) -> dict[str, Any]:
        """The run as plain JSON data."""
        return self.model.snapshot()

    @classmethod
    def from_snapshot(cls, run: dict[str, Any], settings: Settings) -> Session:
        """A session continuing a saved run (GameError if the data is not a run)."""
        from sim.errors import ScenarioError

        try:
            model = FrontlineModel.restore(run)
        except ScenarioError as exc:
            raise GameError(
                "its scenario is invalid: " + "; ".join(str(p) for p in exc.problems[:3])
            ) from None
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise GameError(f"its run data is damaged ({type(exc).__name__}: {exc})") from None
        if model.replicates != 1 or settings.actor not in model.humans:
            raise GameError("it is not a one-player game of this version")
        session = cls(model, settings)
        return session

    # ------------------------------------------------------------------ the debrief

    @property
    def _reached(self) -> int:
        """The first month not yet run (the month after the scenario's end, once it is over)."""
        return min(self.model.month, self.model.scenario.end + 1)

    def debrief(self) -> Debrief:
        """The player's path against history, so far or at the end."""
        model = self.model
        if not model.recorded_months:  # not one month has run: there is nothing to compare
            return Debrief(
                self.title, self.date, False, {"so far": "nothing has happened yet"}, (), ()
            )
        now = self._reached
        finished = self.done
        summary = compare(model, self.record, until=None if finished else now).run_summary(0)
        decisions, events, phases = summary["decisions"], summary["events"], summary["phases"]
        measures = {
            "decisions as in history": _share(sum(d["agrees"] for d in decisions), len(decisions)),
            "phases as the paper tells them": _share(sum(p["agrees"] for p in phases), len(phases)),
            "recorded events that happened": _share(
                sum(e["simulated"] is not None for e in events), len(events)
            ),
        }
        measures["events history did not record that happened"] = str(
            summary["unrecorded_events_happened"]
        )
        errors = [e["error_months"] for e in events if e["error_months"] is not None]
        measures["mean timing error of those events"] = (
            f"{sum(errors) / len(errors):.1f} months" if errors else "n/a"
        )
        timeline = self._timeline(decisions, events)
        return Debrief(
            self.title,
            month_words(now - 1),
            finished,
            measures,
            tuple(timeline),
            tuple(self._divergences()),
            summary,
            *self._taken(),
        )

    def _choices(self) -> Iterator[tuple[CompiledDecision, int]]:
        """The player's decisions taken so far in this game, each with the option taken."""
        for d in self.model.scenario.decisions:
            if d.spec.actor == self.settings.actor and not d.past:
                k = int(self.model.state.choice[0, d.index])
                if k >= 0:
                    yield d, k

    def _taken(self) -> tuple[int, int]:
        """The player's decisions taken so far, and how many of them history records."""
        recorded = {d.id for d in self.record.decisions}
        taken = [d.spec.id for d, _ in self._choices()]
        return len(taken), sum(t in recorded for t in taken)

    def _label(self, decision_id: str, option_id: str | None) -> str:
        if option_id is None:
            return "(did not arise)"
        d = self.model.scenario.decision(decision_id)
        return d.options[d.option_index(option_id)].label

    def _timeline(
        self, decisions: Sequence[dict[str, Any]], events: Sequence[dict[str, Any]]
    ) -> list[tuple[str, str, str]]:
        sc = self.model.scenario
        titles = {e.spec.id: e.spec.title for e in sc.events}
        rows: list[tuple[str, int, str, str]] = []
        for d in decisions:
            cd = sc.decision(d["id"])
            actor = self.names[cd.spec.actor]
            history = f"{actor}: {self._label(d['id'], d['historical'])}"
            ours = f"{actor}: {self._label(d['id'], d['chosen'])}"
            if d["agrees"]:
                ours = "same"
            month = int(self.model.state.choice_month[0, cd.index])
            rows.append((format_month(month if month >= 0 else cd.first), 0, history, ours))
        compared = set()
        for e in events:
            compared.add(e["id"])
            title = titles.get(e["id"], e["id"])
            if e["simulated"] is None:
                ours = "did not happen"
            elif e["simulated"] == e["recorded"]:
                ours = "same"
            else:
                ours = f"happened in {e['simulated']}"
            rows.append((e["recorded"], 1, title, ours))
        # what happened and was not compared: an event the record dates after "so far"
        # (it came early in this run), or one the record does not hold at all
        recorded = {e.id: format_month(parse_month(e.month)) for e in self.record.events}
        for ev in sc.events:
            m = int(self.model.state.event_month[0, ev.index])
            if m < 0 or ev.spec.id in compared or ev.past:
                continue
            if ev.spec.id in recorded:
                happened = f"happened in {format_month(m)}"
                rows.append((recorded[ev.spec.id], 1, ev.spec.title, happened))
            else:
                rows.append((format_month(m), 1, "(not in the record)", ev.spec.title))
        rows.sort(key=lambda r: (r[0], r[1]))
        return [(m, h, o) for m, _, h, o in rows]

    def reference(self) -> FrontlineModel | None:
        """History's path for this game (None if its scenario cannot be read again).

        The same scenario and seed, with the player's state taking history's option at each
        of its decisions; a saved game whose scenario file is gone has none.
        """
        if self._reference is None:
            from sim.errors import ScenarioError

            sc = self.model.scenario
            force = {}
            for d in sc.decisions:
                historical = next((o.id for o in d.options if o.historical), None)
                if d.spec.actor == self.settings.actor and historical and not d.past:
                    force[d.spec.id] = historical
            try:
                scenario = load_settings_scenario(self.settings, force)
            except (ScenarioError, GameError, OSError, ValueError):
                return None
            self._reference = FrontlineModel(scenario, seed=self.model.seed).run()
        return self._reference

    def _divergences(self) -> list[Divergence]:
        model = self.model
        historical = {d.id: d.option for d in self.record.decisions}
        mine = []
        for d, k in self._choices():
            if d.spec.id in historical and d.options[k].id != historical[d.spec.id]:
                mine.append((int(model.state.choice_month[0, d.index]), d, d.options[k].id))
        mine.sort(key=lambda x: x[0])
        recorded_events = {e.id: parse_month(e.month) for e in self.record.events}
        out = []
        for n, (month, d, chosen) in enumerate(mine):
            until = mine[n + 1][0] if n + 1 < len(mine) else model.month
            followed = self._followed(month, until, historical, recorded_events)
            out.append(
                Divergence(
                    format_month(month),
                    d.spec.id,
                    " ".join(d.spec.prompt.split()),
                    self._label(d.spec.id, chosen),
                    self._label(d.spec.id, historical[d.spec.id]),
                    tuple(followed) or ("nothing else differed from history before the next one",),
                    timing_words(d.spec, month),
                )
            )
        return out

    def _followed(
        self,
        start: int,
        until: int,
        historical: dict[str, str],
        recorded_events: dict[str, int],
    ) -> list[str]:
        """What differed from history's path (``reference``) after a divergence, up to the next.

        History's path is the same seed with the player taking history's options, so what
        differs here follows from the player's choices (and from luck that they changed).
        In the order of the months, decisions before events within one.
        """
        ref = self.reference()
        if ref is None:
            return []
        s, r = self.model.state, ref.state
        sc = self.model.scenario
        found: list[tuple[int, str]] = []  # (month, what happened then)
        for d in sc.decisions:
            if d.spec.actor == self.settings.actor or d.past:
                continue
            mine, theirs = int(s.choice[0, d.index]), int(r.choice[0, d.index])
            m = int(s.choice_month[0, d.index])
            rm = int(r.choice_month[0, d.index])
            when = m if m >= 0 else rm
            if mine == theirs or not start <= when < until:
                continue
            actor = self.names[d.spec.actor]
            if mine >= 0 and theirs >= 0:
                found.append(
                    (
                        m,
                        f"{actor} chose '{d.options[mine].label}' "
                        f"where history's path has '{d.options[theirs].label}'",
                    )
                )
            elif mine >= 0:
                found.append(
                    (
                        m,
                        f"{actor} faced a choice history's path never posed: "
                        f"'{d.options[mine].label}'",
                    )
                )
            else:
                found.append(
                    (
                        rm,
                        f"on history's path {actor} chose '{d.options[theirs].label}'; "
                        "on yours that choice never arose",
                    )
                )
        for ev in sc.events:
            if ev.past:
                continue
            m, rm = int(s.event_month[0, ev.index]), int(r.event_month[0, ev.index])
            if m >= 0 and rm < 0 and start <= m < until:
                found.append((m, f"happened only on your path: {ev.spec.title}"))
            elif rm >= 0 and m < 0 and start <= rm < min(until, self.model.month):
                found.append((rm, f"happened on history's path, not on yours: {ev.spec.title}"))
            elif m >= 0 and rm >= 0 and start <= m < until and abs(m - rm) >= 6:
                found.append((m, f"came {_months_off(m - rm)}: {ev.spec.title}"))
        found.sort(key=lambda item: item[0])  # stable: decisions first within a month
        return [f"{format_month(month)} {text}" for month, text in found]

    def export_report(self, out: Path) -> Path:
        """Write the offline HTML report of this run (``frontline compare``'s) and the debrief."""
        import html

        from frontline.compare import html_head, write_report
        from frontline.files import write_atomic

        title = f"{self.title}: your game as {self.names.in_sentence(self.settings.actor)}"
        if not self.model.recorded_months:
            raise GameError("there is nothing to report before the first month has run")
        write_report(
            self.model, self.record, out, title, until=None if self.done else self._reached
        )
        debrief = self.debrief()
        esc = html.escape
        rows = "".join(
            f"<tr><td>{esc(m)}</td><td>{esc(h)}</td><td>{esc(o)}</td></tr>"
            for m, h, o in debrief.timeline
        )
        measures = "".join(
            f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in debrief.measures.items()
        )
        divergences = (
            "".join(
                f"<h3>{esc(d.month)}: {esc(d.chosen)}</h3><p class=ci>{esc(d.prompt)}"
                + (f"<br><i>{esc(d.timing)}.</i>" if d.timing else "")
                + f"</p><p>History: {esc(d.historical)}</p><ul>"
                + "".join(f"<li>{esc(f)}</li>" for f in d.followed)
                + "</ul>"
                for d in debrief.divergences
            )
            or f"<p>{esc(no_divergence_words(debrief))}</p>"
        )
        page = (
            html_head(f"Debrief: {title}")
            + f"<h1>Debrief: {esc(title)}</h1><p>Seed {self.settings.seed}, difficulty "
            f"{esc(self.settings.difficulty)}, up to {esc(debrief.until)}"
            f"{'' if debrief.finished else ' (the game was not finished)'}. "
            'The figures and the full comparison are in <a href="index.html">index.html</a>.</p>'
            f"<h2>How close to history</h2><table>{measures}</table>"
            f"<h2>Where you diverged, and what followed</h2>{divergences}"
            "<h2>Your timeline beside history's</h2><table><tr><th>month</th><th>history</th>"
            f"<th>your run</th></tr>{rows}</table></body></html>\n"
        )
        path = out / "debrief.html"
        write_atomic(path, page)
        return path


def recorded_month(spec: DecisionSpec) -> int | None:
    """The month in which history posed a decision: the first of its window, or its date.

    That is the month the recorded path pins it to (``sim.skill``), and the moment its
    prompt describes; None for a decision with a ``when`` trigger alone.
    """
    month = spec.date if spec.date is not None else (spec.window or (None,))[0]
    return None if month is None else parse_month(month)


def timing_words(spec: DecisionSpec, month: int) -> str:
    """Words for a decision that arises in another month than history's, else "".

    A decision with a trigger can come years earlier or later than it did (the Badaber
    ultimatum of June 1960 may come in 1965), while its prompt tells history's moment.
    """
    recorded = recorded_month(spec)
    if recorded is None or recorded == month:
        return ""
    years, months = divmod(abs(month - recorded), 12)
    span = " and ".join(
        f"{n} {unit}{'s' if n > 1 else ''}" for n, unit in ((years, "year"), (months, "month")) if n
    )
    return (
        f"History posed this choice in {month_words(recorded)}, "
        f"{span} {'earlier' if month > recorded else 'later'}"
    )


def _months_off(delta: int) -> str:
    years, months = divmod(abs(delta), 12)
    span = (f"{years} y " if years else "") + (f"{months} m" if months else "")
    return f"{span.strip()} {'later' if delta > 0 else 'earlier'} than on history's path"


def _share(k: int, n: int) -> str:
    return f"{k} of {n} ({k / n:.0%})" if n else "none yet"


MONTH_NAMES: Final[tuple[str, ...]] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_words(month: int) -> str:
    """A month number as words, e.g. ``August 1947``."""
    return f"{MONTH_NAMES[month % 12]} {month // 12}"


def forecast_pairs(actor: str) -> list[tuple[str, str]]:
    """The relationships the forecast follows: the player's state with the superpowers."""
    if actor == "USSR":
        return [("USSR", "USA"), ("USSR", "PAK")]
    if actor == "USA":
        return [("USA", "USSR"), ("USA", "PAK")]
    return [(actor, "USSR"), (actor, "USA")]


def rollouts(request: dict[str, Any], option: str) -> OptionForecast:
    """Roll the years ahead out for one option of a forecast request (see ``forecasts``)."""
    *_, last = forecasts({**request, "options": [option]})
    return last[0]


def forecasts(
    request: dict[str, Any], keep_going: Callable[[], bool] = lambda: True
) -> Iterator[list[OptionForecast]]:
    """Roll the years ahead out for each option of a forecast request (``forecast_request``).

    One ensemble holds ``rollouts`` copies of this moment per option, each block answering
    the decision with its option (``FrontlineModel.branch_answers``), every state then
    played by the AI: the options share each month's fixed costs, and rollout k of every
    option meets the same luck. Yields every option's forecast as each milestone is
    reached (the last one ``complete``); stops early, between months, once ``keep_going``
    says no.
    """
    model = FrontlineModel.restore(request["run"])
    pending = model.pending
    if pending is None or pending.id != request["decision"]:
        raise GameError("the forecast's run is not waiting for that decision")
    options = [str(o) for o in request["options"]]
    n = int(request["rollouts"])
    source = int(np.flatnonzero(pending.mask)[0])
    start = model.month
    events_before = model.state.event_month[source].copy()
    # the forecast reads the ensemble's state at its milestones, never its recorded months
    ensemble = model.branch_answers(options, n, int(request["seed"]), source=source, record=False)
    milestones = [parse_month(m) for m in request["milestones"]]
    pairs = forecast_pairs(str(request["actor"]))
    titles = [(ev.index, ev.spec.title) for ev in ensemble.scenario.events]
    snapshots: list[np.ndarray] = []
    for reached, mark in enumerate(milestones, start=1):
        while ensemble.month < mark + 1 and not ensemble.done:
            if not keep_going():
                return
            ensemble.step()
        snapshots.append(ensemble.state.attitudes.copy())
        fired = ensemble.state.event_month
        yield [
            _forecast(
                option,
                request,
                pairs,
                [s[k * n : (k + 1) * n] for s in snapshots],
                fired[k * n : (k + 1) * n],
                events_before,
                titles,
                (start, mark),
                reached == len(milestones),
            )
            for k, option in enumerate(options)
        ]


def _forecast(
    option: str,
    request: dict[str, Any],
    pairs: list[tuple[str, str]],
    snapshots: list[np.ndarray],
    fired: np.ndarray,
    events_before: np.ndarray,
    titles: list[tuple[int, str]],
    period: tuple[int, int],
    complete: bool,
) -> OptionForecast:
    """One option's forecast from its block of the ensemble, at the milestones reached."""
    attitudes = {}
    for a, b in pairs:
        i, j = INDEX[a], INDEX[b]
        spreads = []
        for att in snapshots:
            mutual = (att[:, i, j] + att[:, j, i]) * 0.5
            lo, mid, hi = np.percentile(mutual, [10, 50, 90])
            spreads.append(Spread(round(float(lo), 1), round(float(mid), 1), round(float(hi), 1)))
        attitudes[f"{a}-{b}"] = tuple(spreads)
    start, until = period
    shares = ((fired >= start) & (fired <= until)).mean(axis=0)  # each event's, at once
    events = {
        title: round(float(shares[index]), 3)
        for index, title in titles
        if events_before[index] < 0 and shares[index] >= 0.02
    }
    return OptionForecast(
        option,
        int(request["rollouts"]),
        tuple(request["milestones"][: len(snapshots)]),
        tuple(f"{a}-{b}" for a, b in pairs),
        attitudes,
        events,
        complete,
    )
