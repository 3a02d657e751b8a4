"""The recorded history and the comparison of runs with it.

The record (``scenarios/history/record.yaml``) holds what happened: the dated events, the
option each decision point took, and the paper's phases of each relationship. It is read
only here, to judge runs; the AI never sees it (nor the scenarios' ``historical`` marks).

For a run, or each of R replicates at once:
- decision agreement: the share of the record's decision points (within the scenario's
  period) where the run chose as history did; a decision that never arose disagrees;
- event timing: months between each simulated event and the recorded one, and which
  recorded events never happened;
- phase agreement: the share of the paper's phases in which the relationship moved the
  way the paper says (``improve``: up by more than the tolerance, ``worsen``: down by more,
  ``stable``: within it). A pair ``A-B`` is the mean of both directions; ``A->B`` one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from sim.actors import ACTORS, INDEX
from sim.calendar import format_month, parse_month
from sim.catalog import KnownIds, builtin_ids
from sim.errors import Problem, ScenarioError, echo
from sim.files import resolved
from sim.model import FrontlineModel
from sim.scenario import (
    CompiledScenario,
    builtin_dir,
    shown_path,
    validation_problems,
)
from sim.scenario.problems import _kind
from sim.scenario.sources import SCENARIO_KEYS
from sim.schema import Month, Source
from sim.view import Decided, Happened, RunView
from sim.vocabulary import Slug
from sim.yamlfile import Document, dotted, read_yaml

Trend = Literal["improve", "worsen", "stable"]
_ACT = "|".join(ACTORS)


def _two_actors(pair: str) -> str:
    a, _, b = pair.replace("->", "-").partition("-")
    if a == b:
        raise ValueError(f"expected two different actors, got {pair!r}")
    return pair


PairSpec = Annotated[
    str,
    StringConstraints(pattern=rf"^({_ACT})(->|-)({_ACT})$"),
    AfterValidator(_two_actors),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RecordedEvent(_Strict):
    """An event as it happened."""

    id: Slug
    month: Month
    source: Source


class RecordedDecision(_Strict):
    """The option history took at a decision point."""

    id: Slug
    option: Slug
    source: Source | None = None


class Phase(_Strict):
    """A stretch of a relationship as the paper characterises it."""

    id: Slug
    pair: PairSpec = Field(description="A-B for both directions' mean, A->B for one")
    start: Month = Field(alias="from")
    end: Month = Field(alias="to")
    trend: Trend
    wording: str = Field(min_length=1, description="the paper's own words")
    source: Source

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if isinstance(start, str) and parse_month(end) < parse_month(start):
            raise ValueError(f"'to' ({end}) is before 'from' ({start})")
        return end


class Record(_Strict):
    """The recorded history."""

    tolerance: float = Field(3.0, ge=0, le=50, description="points of change that count")
    events: list[RecordedEvent] = Field(default_factory=list)
    decisions: list[RecordedDecision] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    _document: Document | None = PrivateAttr(None)

    def where(self, loc: tuple[str | int, ...]) -> tuple[str, int]:
        """The file and line of a place in the record (line 0 if it was not read from a file)."""
        if self._document is None:
            return "record", 0
        return self._document.file, self._document.line_of(loc)


def record_path() -> Path:
    """Where the built-in record lives."""
    return builtin_dir() / "history" / "record.yaml"


def load_record(path: str | Path | None = None) -> Record:
    """Read and validate a record file; a ScenarioError lists every problem with its line."""
    p = Path(path) if path is not None else record_path()
    return _load_record(resolved(p))  # a loop of links: reading it says so


@cache
def _load_record(path: Path) -> Record:
    doc, problems = read_yaml(path, shown_path(path))
    if doc is None:
        raise ScenarioError(problems)
    if isinstance(doc.data, dict) and any(k in doc.data for k in SCENARIO_KEYS):
        raise ScenarioError(
            [
                Problem(
                    doc.file,
                    0,
                    "",
                    "this is a scenario file, not a recorded history: a record holds "
                    "'events' with months, 'decisions' with options and 'phases' (like "
                    "scenarios/history/record.yaml)",
                )
            ]
        )
    if not isinstance(doc.data, dict):
        raise ScenarioError(
            [
                Problem(
                    doc.file,
                    doc.line_of(()),
                    "",
                    "expected a mapping of record keys (events, decisions, phases, "
                    f"tolerance), got {_kind(doc.data)}",
                )
            ]
        )
    try:
        record = Record.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(doc, exc) + _repeated_ids(doc)) from None
    record._document = doc
    repeated = _repeated_ids(doc)
    if repeated:
        raise ScenarioError(repeated)
    return record


def _repeated_ids(doc: Document) -> list[Problem]:
    """Ids given twice within a list of the record, each at its repetition."""
    problems = []
    data = doc.data if isinstance(doc.data, dict) else {}
    for key in ("events", "decisions", "phases"):
        items = data.get(key)
        seen: dict[str, int] = {}
        for k, item in enumerate(items if isinstance(items, list) else []):
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                continue
            if item_id in seen:
                problems.append(
                    Problem(
                        doc.file,
                        doc.line_of((key, k, "id")),
                        f"{key}[{k}].id",
                        f"duplicate id {echo(item_id)} (first at {key}[{seen[item_id]}])",
                    )
                )
            seen.setdefault(item_id, k)
    return problems


def record_problems(
    record: Record,
    scenarios: Sequence[CompiledScenario] = (),
    *,
    blame: Literal["record", "scenario"] = "record",
    other_ids: Iterable[str] = (),
) -> list[Problem]:
    """What in a record names nothing, or names an option its scenario does not have.

    An event or decision id must be one of the built-in scenarios' or of ``scenarios``'
    (a record may hold items outside a scenario's period: they are not compared), or one
    of ``other_ids`` (ids known without their options, such as a batch's columns). Where
    a scenario has a recorded decision, it must have the option history took. ``blame``
    says which file is reported as wrong when they disagree: the record (a record given
    with ``--record``) or the scenario (one checked against the built-in record).
    """
    own = [{d.spec.id for d in sc.decisions} for sc in scenarios]
    events = set(other_ids).union(*({e.spec.id for e in sc.events} for sc in scenarios))
    decisions = set(other_ids).union(*own)
    covered = all(e.id in events for e in record.events) and all(
        d.id in decisions for d in record.decisions
    )
    # the built-in files are read only if the scenarios at hand leave an id unexplained
    known = KnownIds(frozenset(), {}) if covered else builtin_ids()
    events |= known.events
    decisions |= set(known.decisions)
    problems = []

    def unknown(loc: tuple[str | int, ...], what: str, name: str, names: Iterable[str]) -> None:
        hint = difflib.get_close_matches(name, sorted(names), n=1)
        problems.append(
            Problem(
                *record.where(loc),
                dotted(loc),
                f"unknown {what} {echo(name)}" + (f" (did you mean {hint[0]!r}?)" if hint else ""),
            )
        )

    for k, e in enumerate(record.events):
        if e.id not in events:
            unknown(("events", k, "id"), "event", e.id, events)
    for k, d in enumerate(record.decisions):
        if d.id not in decisions:
            unknown(("decisions", k, "id"), "decision", d.id, decisions)
            continue
        having = [sc for sc, ids in zip(scenarios, own, strict=True) if d.id in ids]
        if not having and d.id not in known.decisions:
            continue  # one of other_ids: its options are not known here
        if not having:  # only built-in scenarios have it: their options as written
            if d.option not in known.decisions[d.id]:
                unknown(
                    ("decisions", k, "option"),
                    f"option of {d.id!r}",
                    d.option,
                    known.decisions[d.id],
                )
            continue
        for sc in having:
            have = [o.id for o in sc.decision(d.id).options]
            if d.option in have:
                continue
            file, line = record.where(("decisions", k, "option"))
            if blame == "scenario":
                problems.append(
                    Problem(
                        *sc.origin_of_decision(d.id),
                        f"{sc.shown_decision(d.id)}.options",
                        f"the recorded history ({file}:{line}) says history took "
                        f"{d.option!r} here, which is not an option (options: "
                        f"{', '.join(have)}); keep that option's id, or compare with a record "
                        "of your own (--record)",
                    )
                )
            else:
                hint = difflib.get_close_matches(d.option, have, n=1)
                problems.append(
                    Problem(
                        file,
                        line,
                        f"decisions[{k}].option",
                        f"unknown option {echo(d.option)} of {d.id!r} in {sc.file} "
                        f"(options: {', '.join(have)})"
                        + (f" (did you mean {hint[0]!r}?)" if hint else ""),
                    )
                )
    return problems


F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]


def _no_events() -> npt.NDArray[np.int64]:
    return np.zeros((0, 0), dtype=np.int64)


@dataclass(frozen=True)
class Comparison:
    """How R replicate runs compare with the record, item by item."""

    decisions: tuple[RecordedDecision, ...]
    decision_match: Bool  # (R, D)
    chosen: tuple[tuple[str | None, ...], ...]  # per decision, option id per replicate
    events: tuple[RecordedEvent, ...]
    event_month: npt.NDArray[np.int64]  # (R, E), -1 if it never happened
    phases: tuple[Phase, ...]
    phase_change: F64  # (R, P)
    phase_match: Bool  # (R, P)
    unrecorded: tuple[str, ...] = ()  # the scenario's events that the record does not hold
    unrecorded_month: npt.NDArray[np.int64] = field(default_factory=_no_events)  # (R, U)

    @property
    def replicates(self) -> int:
        """How many runs are compared."""
        return int(self.phase_change.shape[0])

    def decision_agreement(self) -> F64:
        """Share of decision points chosen as in history, per run (NaN if none compared)."""
        return _mean_or_nan(self.decision_match.astype(np.float64))

    def phase_agreement(self) -> F64:
        """Share of phases moving as the paper says, per run (NaN if none compared)."""
        return _mean_or_nan(self.phase_match.astype(np.float64))

    def event_error(self) -> F64:
        """Months between simulated and recorded events, (R, E); NaN where it never happened."""
        recorded = np.array([parse_month(e.month) for e in self.events], dtype=np.float64)
        err = np.abs(self.event_month.astype(np.float64) - recorded[None, :])
        return np.where(self.event_month >= 0, err, np.nan)

    def event_timing_mae(self) -> F64:
        """Mean absolute timing error over the events that happened, per run (NaN if none).

        Never report it alone: beside it stand ``missed_share`` and ``unrecorded_count``.
        """
        err = self.event_error()
        happened = ~np.isnan(err)
        total = np.where(happened, err, 0.0).sum(axis=1)
        count = happened.sum(axis=1)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    def missing(self) -> Bool:
        """Which recorded events never happened, (R, E)."""
        return self.event_month < 0

    def missed_share(self) -> F64:
        """Share of the recorded events that never happened, per run (NaN if none compared)."""
        return _mean_or_nan(self.missing().astype(np.float64))

    def unrecorded_count(self) -> npt.NDArray[np.int64]:
        """How many events that the record does not hold happened, per run."""
        out: npt.NDArray[np.int64] = (self.unrecorded_month >= 0).sum(axis=1)
        return out

    def run_summary(self, r: int = 0) -> dict[str, Any]:
        """The comparison of one run, as JSON data."""
        err = self.event_error()[r]
        return {
            "decision_agreement": _num(self.decision_agreement()[r]),
            "phase_agreement": _num(self.phase_agreement()[r]),
            "event_timing_mae_months": _num(self.event_timing_mae()[r]),
            "recorded_events_missed_share": _num(self.missed_share()[r]),
            "unrecorded_events_happened": int(self.unrecorded_count()[r]),
            "decisions": [
                {
                    "id": d.id,
                    "historical": d.option,
                    "chosen": self.chosen[k][r],
                    "agrees": bool(self.decision_match[r, k]),
                }
                for k, d in enumerate(self.decisions)
            ],
            "events": [
                {
                    "id": e.id,
                    "recorded": e.month,
                    "simulated": format_month(int(self.event_month[r, k]))
                    if self.event_month[r, k] >= 0
                    else None,
                    "error_months": _num(err[k]),
                }
                for k, e in enumerate(self.events)
            ],
            "unrecorded_events": [
                {"id": e, "simulated": format_month(int(self.unrecorded_month[r, k]))}
                for k, e in enumerate(self.unrecorded)
                if self.unrecorded_month[r, k] >= 0
            ],
            "phases": [
                _phase_json(p)
                | {
                    "change": round(float(self.phase_change[r, k]), 3),
                    "agrees": bool(self.phase_match[r, k]),
                }
                for k, p in enumerate(self.phases)
            ],
        }

    def distribution(self) -> dict[str, Any]:
        """Medians and 95% intervals over the runs, as JSON data."""
        return {
            "runs": self.replicates,
            "decision_agreement": interval(self.decision_agreement()),
            "phase_agreement": interval(self.phase_agreement()),
            "event_timing_mae_months": interval(self.event_timing_mae()),
            "recorded_events_missed_share": interval(self.missed_share()),
            "unrecorded_events_happened": interval(self.unrecorded_count().astype(np.float64)),
            "decisions": [
                {
                    "id": d.id,
                    "historical": d.option,
                    "share_historical": float(self.decision_match[:, k].mean()),
                    "shares": _shares(self.chosen[k]),
                }
                for k, d in enumerate(self.decisions)
            ],
            "events": [
                {
                    "id": e.id,
                    "recorded": e.month,
                    "share_happened": float((self.event_month[:, k] >= 0).mean()),
                    "median_error_months": _num(_nanmedian(self.event_error()[:, k])),
                }
                for k, e in enumerate(self.events)
            ],
            "unrecorded_events": [
                {"id": e, "share_happened": float((self.unrecorded_month[:, k] >= 0).mean())}
                for k, e in enumerate(self.unrecorded)
            ],
            "phases": [
                _phase_json(p)
                | {
                    "share_agreeing": float(self.phase_match[:, k].mean()),
                    "median_change": round(float(np.median(self.phase_change[:, k])), 3),
                }
                for k, p in enumerate(self.phases)
            ],
        }


def _phase_json(p: Phase) -> dict[str, Any]:
    return {"id": p.id, "pair": p.pair, "from": p.start, "to": p.end, "trend": p.trend}


def interval(values: F64) -> dict[str, float | None]:
    """Median and the central 95% interval (2.5th and 97.5th percentiles), ignoring NaN."""
    v = values[~np.isnan(values)]
    if v.size == 0:
        return {"median": None, "low": None, "high": None}
    low, median, high = np.percentile(v, [2.5, 50, 97.5])
    return {"median": float(median), "low": float(low), "high": float(high)}


def _shares(chosen: tuple[str | None, ...]) -> dict[str, float]:
    counts: dict[str, int] = {}
    for c in chosen:
        key = c if c is not None else "(never arose)"
        counts[key] = counts.get(key, 0) + 1
    return {k: counts[k] / len(chosen) for k in sorted(counts)}


def _num(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 6)


def _nanmedian(x: F64) -> float:
    v = x[~np.isnan(x)]
    return float(np.median(v)) if v.size else float("nan")


def _mean_or_nan(x: F64) -> F64:
    if x.shape[1] == 0:
        return np.full(x.shape[0], np.nan)
    out: F64 = x.mean(axis=1)
    return out


def labels(names: Sequence[str], index: npt.NDArray[np.integer[Any]]) -> list[str | None]:
    """``names[k]`` for each k of ``index``, and None where k is negative (vectorised)."""
    lookup = np.array([*names, None], dtype=object)
    out: list[str | None] = lookup[np.where(index >= 0, index, len(names))].tolist()
    return out


def pair_series(history: F64, pair: str) -> F64:
    """The attitude series of a pair from (T, R, 6, 6) records: (T, R)."""
    if "->" in pair:
        a, b = pair.split("->")
        out: F64 = history[:, :, INDEX[a], INDEX[b]]
        return out
    a, b = pair.split("-")
    i, j = INDEX[a], INDEX[b]
    mutual: F64 = (history[:, :, i, j] + history[:, :, j, i]) * 0.5
    return mutual


def compare(
    runs: FrontlineModel | RunView, record: Record | None = None, *, until: int | None = None
) -> Comparison:
    """Compare runs (a model after ``run``, or its view) with the record, over their period.

    ``until`` (a month) compares only what falls before it (a game in progress): decisions
    whose window opened, events the record dates and phases that ended before that month;
    runs not yet at their end need it (ValueError otherwise, or if no month is recorded).
    """
    rec = record if record is not None else load_record()
    view = runs if isinstance(runs, RunView) else runs.view()
    start, end = view.start, view.end
    if not view.months:
        raise ValueError("runs: no month has been recorded yet: run the model first")
    if until is None and view.months[-1] < end:
        raise ValueError(
            f"runs: recorded only to {format_month(view.months[-1])}, not to the scenario's "
            f"end ({format_month(end)}): run the model to the end, or pass until= the first "
            "month not yet run"
        )
    if until is not None:
        end = min(end, until - 1)

    def within(item: Decided | Happened, month: int) -> bool:
        return not item.inherited_past and start <= month <= end

    decisions = tuple(
        d
        for d in rec.decisions
        if d.id in view.decisions and within(view.decisions[d.id], view.decisions[d.id].first)
    )
    match = np.zeros((view.replicates, len(decisions)), dtype=bool)
    chosen: list[tuple[str | None, ...]] = []
    for k, d in enumerate(decisions):
        decided = view.decisions[d.id]
        if d.option not in decided.options:  # the callers check first (record_problems)
            scenarios = [runs.scenario] if isinstance(runs, FrontlineModel) else []
            raise ScenarioError(
                record_problems(rec, scenarios)
                or [Problem(*rec.where(()), "decisions", f"unknown option {echo(d.option)}")]
            )
        match[:, k] = decided.index == decided.options.index(d.option)
        chosen.append(tuple(decided.chosen.tolist()))

    recorded_ids = {e.id for e in rec.events}
    events = tuple(
        e
        for e in rec.events
        if e.id in view.events and within(view.events[e.id], parse_month(e.month))
    )
    months = (
        np.stack([view.events[e.id].month for e in events], axis=1)
        if events
        else np.zeros((view.replicates, 0), dtype=np.int64)
    )
    unrecorded = tuple(
        e.id
        for e in view.events.values()
        if e.id not in recorded_ids and not e.inherited_past and e.first <= end
    )
    unrecorded_month = (
        np.stack([view.events[e].month for e in unrecorded], axis=1)
        if unrecorded
        else np.zeros((view.replicates, 0), dtype=np.int64)
    )

    phases = tuple(
        p for p in rec.phases if start <= parse_month(p.start) and parse_month(p.end) <= end
    )
    change = np.zeros((view.replicates, len(phases)))
    for k, p in enumerate(phases):
        series = view.pair(p.pair)
        t0 = view.at(max(parse_month(p.start) - 1, start))
        t1 = view.at(parse_month(p.end))
        change[:, k] = series[t1] - series[t0]
    tol = rec.tolerance
    phase_match = np.zeros_like(change, dtype=bool)
    for k, p in enumerate(phases):
        c = change[:, k]
        phase_match[:, k] = (
            (c > tol)
            if p.trend == "improve"
            else ((c < -tol) if p.trend == "worsen" else (np.abs(c) <= tol))
        )
    return Comparison(
        decisions,
        match,
        tuple(chosen),
        events,
        months,
        phases,
        change,
        phase_match,
        unrecorded,
        unrecorded_month,
    )
