"""How well the model predicts history's choices, always beside models that know nothing.

The measure is taken **along the recorded path**: every recorded choice is forced, each in
its month, and every recorded event happens in its recorded month, so that each decision is
scored in the situation that history actually produced (``on_record``). At each recorded
decision point the AI still scores every option as it would (``explain_forced``); the
probability it gives history's option is the model's prediction.

From those probabilities:
- ``log_score``: the mean log-probability of history's options (0 is perfect; the uniform
  null, which gives every option the same chance, scores the mean of -log K);
- ``brier_skill``: 1 - Brier / Brier of the uniform null (0: no better than a coin; 1:
  certain and right; negative: worse than a coin);
- ``null_random_weights``: the share of random weight draws (each actor's weights drawn
  afresh, same rules, same scale, same temperatures) whose log score the model beats.

Because the path is forced, it does not depend on the actors' weights and temperatures:
only the probabilities do. ``Point`` keeps each option's unweighted utility changes, so
that a weight set is scored in closed form (the null draws, and the fit of the weights in
``sim.calibrate``) without running the model again.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.actors import ACTORS, N_ACTORS
from sim.calendar import format_month, parse_month
from sim.errors import Problem, ScenarioError
from sim.history import Record, compare, interval, load_record
from sim.model import FrontlineModel, softmax
from sim.scenario import (
    CompiledScenario,
    apply_set,
    builtin_dir,
    clean_loc,
    load_scenario,
    scenario_from_data,
    shown_path,
    validation_problems,
)
from sim.state import F64
from sim.yamlfile import Document, read_yaml

RANDOM_WEIGHT_DRAWS = 100
"""How many random weight sets the ``null_random_weights`` figure is measured against."""


def on_record(scenario: CompiledScenario, record: Record | None = None) -> CompiledScenario:
    """The scenario held to the record (see the module): forced choices, events in place.

    Each recorded decision of the scenario's period is forced to history's option and
    arises in its first month whatever its ``when`` says; each recorded event fires in its
    recorded month and in no other. Events the record does not hold follow their own rules.
    """
    rec = record if record is not None else load_record()
    chosen = {d.id: d.option for d in rec.decisions}
    months = {e.id: parse_month(e.month) for e in rec.events}
    force = dict(scenario.force)
    decisions = []
    for d in scenario.decisions:
        option = chosen.get(d.spec.id)
        if option is None or d.past or not scenario.start <= d.first <= scenario.end:
            decisions.append(d)
            continue
        try:
            force[d.index] = d.option_index(option)
        except KeyError:
            raise ScenarioError(
                [
                    Problem(
                        "record.yaml",
                        0,
                        f"decisions.{d.spec.id}",
                        f"history's option {option!r} is not an option of the scenario's "
                        f"decision (options: {', '.join(o.id for o in d.options)})",
                    )
                ]
            ) from None
        decisions.append(replace(d, pinned=d.first))
    events = [
        replace(e, pinned=months[e.spec.id])
        if e.spec.id in months
        and not e.past
        and scenario.start <= months[e.spec.id] <= scenario.end
        else e
        for e in scenario.events
    ]
    return replace(scenario, decisions=decisions, events=events, force=force)


@dataclass(frozen=True)
class Point:
    """A recorded decision point on the recorded path, as the AI saw it."""

    id: str
    actor: int
    month: int
    options: tuple[str, ...]
    recorded: int  # index of history's option
    changes: F64  # (O, 4): each option's unweighted utility change, after the look-ahead
    factors: F64  # (4,): the leader's factors on the weights that month
    warmth: float  # the leader's factor on the temperature that month
    probabilities: F64  # (O,): the model's probabilities


def recorded_path(
    scenario: CompiledScenario, record: Record | None = None, *, until: int | None = None
) -> list[Point]:
    """Run the scenario along the recorded path (to ``until``) and collect its points."""
    rec = record if record is not None else load_record()
    held = on_record(scenario, rec)
    model = FrontlineModel(held, seed=0, explain_forced=True, record_months=[held.end])
    last = held.end if until is None else min(until, held.end)
    while not model.done and model.month <= last:
        model.step()
    recorded = {d.id: d.option for d in rec.decisions}
    points = []
    for entry in model.log:
        if entry.kind != "decision" or entry.explanation is None or entry.id not in recorded:
            continue
        decision = held.decision(entry.id)
        if decision.pinned is None:
            continue
        ex = entry.explanation
        factors, warmth = held.leader_factors(decision.actor, entry.month)
        points.append(
            Point(
                entry.id,
                decision.actor,
                entry.month,
                ex.options,
                decision.option_index(recorded[entry.id]),
                ex.changes[0],
                factors,
                warmth,
                ex.probabilities[0],
            )
        )
    return points


def probabilities(points: Sequence[Point], weights: F64, temperatures: F64) -> list[F64]:
    """Each point's option probabilities under other weights (6, 4) and temperatures (6,)."""
    out = []
    for p in points:
        w = (weights[p.actor] * p.factors)[None, :]
        t = np.array([temperatures[p.actor] * p.warmth])
        out.append(softmax(p.changes[None], w, t)[0])
    return out


def log_score(points: Sequence[Point], probs: Sequence[F64]) -> float:
    """Mean log-probability of history's options (NaN with no points)."""
    if not points:
        return float("nan")
    return float(
        np.mean(
            [np.log(max(float(pr[p.recorded]), 1e-12)) for p, pr in zip(points, probs, strict=True)]
        )
    )


def scores(points: Sequence[Point], probs: Sequence[F64]) -> dict[str, Any]:
    """``p_recorded``, ``log_score``, ``log_score_uniform``, ``brier`` and ``brier_skill``."""
    if not points:
        return {
            "decisions": 0,
            "p_recorded": [],
            "log_score": None,
            "log_score_uniform": None,
            "brier": None,
            "brier_skill": None,
        }
    brier, brier_null = [], []
    for p, pr in zip(points, probs, strict=True):
        k = len(p.options)
        truth = np.zeros(k)
        truth[p.recorded] = 1.0
        brier.append(float(np.sum((pr - truth) ** 2)))
        brier_null.append((k - 1) / k)
    return {
        "decisions": len(points),
        "p_recorded": [
            {
                "id": p.id,
                "actor": ACTORS[p.actor],
                "month": format_month(p.month),
                "p": round(float(pr[p.recorded]), 4),
                "options": len(p.options),
            }
            for p, pr in zip(points, probs, strict=True)
        ],
        "log_score": round(log_score(points, probs), 4),
        "log_score_uniform": round(float(-np.mean([np.log(len(p.options)) for p in points])), 4),
        "brier": round(float(np.mean(brier)), 4),
        "brier_skill": round(1.0 - float(np.mean(brier)) / float(np.mean(brier_null)), 4),
    }


def random_weights(base: F64, draws: int, seed: int) -> F64:
    """``draws`` random weight sets, (draws, 6, 4).

    Each actor's weights are drawn uniformly on the simplex and scaled to the sum of its
    ``base`` weights: only the balance between the parts is random, not how sharply the
    actor chooses.
    """
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.ones(4), size=(draws, N_ACTORS))
    out: F64 = shares * base.sum(axis=1)[None, :, None]
    return out


def null_random_weights(
    points: Sequence[Point],
    weights: F64,
    temperatures: F64,
    *,
    draws: int = RANDOM_WEIGHT_DRAWS,
    seed: int = 0,
) -> float | None:
    """The share of random weight draws whose log score the given weights beat (None: no points)."""
    if not points:
        return None
    mine = log_score(points, probabilities(points, weights, temperatures))
    beaten = 0
    for w in random_weights(weights, draws, seed):
        if mine > log_score(points, probabilities(points, w, temperatures)):
            beaten += 1
    return beaten / draws


def with_parameters(scenario: CompiledScenario, values: Mapping[str, Any]) -> CompiledScenario:
    """The scenario with ``set:`` values applied (a named parameter set, a fit's trial)."""
    data = copy.deepcopy(scenario.data)
    for path, value in values.items():
        message = apply_set(data, path, value)
        if message:
            raise ScenarioError([Problem("parameters", 0, path, message)])
    return scenario_from_data(data, scenario.file)


def measure(
    scenario: CompiledScenario,
    record: Record | None = None,
    *,
    since: int | None = None,
    before: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """The skill figures of a scenario along the recorded path, for points in [since, before)."""
    points = [
        p
        for p in recorded_path(scenario, record, until=None if before is None else before - 1)
        if (since is None or p.month >= since) and (before is None or p.month < before)
    ]
    weights, temperatures = scenario.weights, scenario.temperatures
    out = scores(points, probabilities(points, weights, temperatures))
    out["null_random_weights"] = null_random_weights(points, weights, temperatures, seed=seed)
    return out


def null_runs(
    scenario: CompiledScenario,
    record: Record | None = None,
    *,
    runs: int = RANDOM_WEIGHT_DRAWS,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """The agreement figures of free runs by two models that know nothing, as medians.

    ``uniform``: every actor picks among its options with equal chances (all weights 0);
    ``random_weights``: each run draws every actor's weights at random (``random_weights``).
    Both run the same scenario, rules and events as the model; ``runs`` runs each.
    """
    rec = record if record is not None else load_record()
    out = {}
    for name, weights in (
        ("uniform", np.zeros((runs, N_ACTORS, 4))),
        ("random_weights", random_weights(scenario.weights, runs, seed)),
    ):
        model = FrontlineModel(
            scenario, seed=seed, replicates=runs, weights=weights, keep_log=False
        )
        comparison = compare(model.run(), rec)
        out[name] = {
            "runs": runs,
            "decision_agreement": interval(comparison.decision_agreement())["median"],
            "phase_agreement": interval(comparison.phase_agreement())["median"],
            "recorded_events_missed_share": interval(comparison.missed_share())["median"],
        }
    return out


# --------------------------------------------------------------------------- named fits

HELD_OUT_FIT = "fit-1947-1978"
"""The parameters fitted on the recorded decisions before 1979 alone: the held-out figures
are always measured with them, whatever the shipped defaults were fitted on."""


class Fit(BaseModel):
    """A named parameter set kept in ``scenarios/fits/``, with how it was made."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    scenario: str = Field(description="the scenario it was fitted on")
    fitted_until: str | None = Field(None, description="last month of the decisions fitted")
    held_out_from: str | None = Field(None, description="first month of the held-out ones")
    made_by: str = Field(description="the command that made it")
    set: dict[str, float]


def fits_dir() -> Path:
    """Where the named parameter sets live."""
    return builtin_dir() / "fits"


def load_fit(name: str | Path = HELD_OUT_FIT) -> Fit:
    """A named parameter set, by name (``scenarios/fits/``) or path (ScenarioError if bad).

    Every problem is reported with its line, all at once: a malformed field, and an unknown
    ``scenario:`` or a ``set:`` path or value that its scenario refuses, even beside fields
    of the wrong type.
    """
    given = Path(name)
    path = given if given.suffix in (".yaml", ".yml") else fits_dir() / f"{name}.yaml"
    shown = shown_path(path)
    doc, problems = read_yaml(path, shown)
    if doc is None:
        raise ScenarioError(problems)
    try:
        fit = Fit.model_validate(doc.data)
    except ValidationError as exc:
        malformed = validation_problems(doc, exc)
        raise ScenarioError(
            malformed + _referred_problems(doc, _well_formed(doc.data, exc))
        ) from None
    problems = _referred_problems(doc, (fit.scenario, fit.set))
    if problems:
        raise ScenarioError(problems)
    return fit


def _well_formed(data: Any, error: ValidationError) -> tuple[str, dict[str, float]] | None:
    """The ``scenario:`` and the ``set:`` entries of a fit that failed validation, if usable.

    None if the scenario reference itself is missing or malformed; ``set:`` keeps only the
    entries validation passed, so that they are checked against the scenario too.
    """
    if not isinstance(data, dict) or not isinstance(data.get("scenario"), str):
        return None
    failed = {clean_loc(e["loc"])[:2] for e in error.errors()}
    entries = data.get("set")
    if not isinstance(entries, dict) or ("set",) in failed:
        return data["scenario"], {}
    kept = {}
    for key, value in entries.items():
        if ("set", key) in failed:
            continue
        try:
            kept[str(key)] = float(value)
        except (TypeError, ValueError):
            continue  # validation has said so
    return data["scenario"], kept


def _referred_problems(doc: Document, fit: tuple[str, dict[str, float]] | None) -> list[Problem]:
    """What a fit's scenario refuses: an unknown ``scenario:``, a bad ``set:`` path or value."""
    if fit is None:
        return []
    scenario, entries = fit
    try:
        load_scenario(scenario, overrides=entries)
    except ScenarioError as exc:
        return [
            Problem(doc.file, doc.line_of(("set", p.path)), f"set.{p.path}", p.message)
            if p.file == "--set"
            else Problem(doc.file, doc.line_of(("scenario",)), "scenario", str(p))
            for p in exc.problems
        ]
    return []


def report(
    scenario: CompiledScenario,
    record: Record | None = None,
    *,
    held_out: str | None = HELD_OUT_FIT,
    seed: int = 0,
) -> dict[str, Any]:
    """The skill section of a comparison (``comparison.skill``).

    All the recorded decisions with the scenario's own parameters, and ``held_out`` with the
    named fit's parameters on the decisions that fit never saw.
    """
    rec = record if record is not None else load_record()
    out = measure(scenario, rec, seed=seed)
    out["parameters"] = "the scenario's own"
    if held_out is None:
        return out
    try:
        fit = load_fit(held_out)
        since = parse_month(fit.held_out_from) if fit.held_out_from else scenario.start
        trained = with_parameters(scenario, fit.set)
    except ScenarioError as exc:
        out["held_out"] = {"parameters": held_out, "error": str(exc)}
        return out
    part = measure(trained, rec, since=since, seed=seed)
    part["parameters"] = f"{fit.id}: {fit.title}"
    part["from"] = format_month(since)
    out["held_out"] = part
    return out
