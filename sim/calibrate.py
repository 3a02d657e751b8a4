"""Fitting the model's parameters to the recorded history, with a held-out era.

The procedure (``frontline calibrate``), which anyone can re-run:

1. Start from the parameters written in the scenarios' bodies (their ``set:`` blocks,
   where an earlier fit is kept, are left out).
2. Score a parameter set on the *training* eras: for each era, run R replicates with a
   fixed seed (common random numbers, so two parameter sets meet the same chances) and
   take ``decision agreement + phase agreement + 0.1 * mean log-probability of history's
   option at each decision point that arose``; average over the eras. The last term only
   smooths the search: it rewards making history's choice more likely even before it
   becomes the most likely.
   Minus a ridge penalty, ``ridge * mean(log(value / starting value) ** 2)``: the starting
   values are the authors' reading of the sources, and a parameter moves only as far as
   the history asks (this keeps the fit from over-fitting the training eras).
3. Coordinate search: visit the parameters in a seeded random order; for each, try
   multiplying it by ``1 + step`` and ``1 - step`` (within its bounds) and keep a change that
   raises the score. When a whole pass changes nothing, halve the step. Stop after the
   evaluation budget or when the step is below 1%.
4. Report the score and both agreements on the training eras and on the *held-out* era,
   which the search never saw.

The AI reads none of this at run time: the fitted values are ordinary scenario
parameters (actor weights, temperatures, dynamics coefficients), written out as a ``set:``
block to paste into the scenario.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.actors import ACTORS
from sim.calendar import format_month
from sim.history import Record, compare, load_record
from sim.model import FrontlineModel
from sim.scenario import CompiledScenario, apply_set, load_scenario, scenario_from_data

WEIGHTS = ("security", "economy", "ideology", "prestige")


def default_parameters() -> list[str]:
    """The parameters fitted by default: every actor's weights and temperature, two dynamics."""
    out = [f"actors.{a}.weights.{w}" for a in ACTORS for w in WEIGHTS]
    out += [f"actors.{a}.temperature" for a in ACTORS]
    out += ["dynamics.drift", "dynamics.balance"]
    return out


BOUNDS = {
    "weights": (0.0, 10.0),
    "temperature": (0.02, 50.0),
    "drift": (0.001, 0.5),
    "balance": (0.0, 0.5),
}


def _bounds(path: str) -> tuple[float, float]:
    for key, b in BOUNDS.items():
        if key in path.split("."):
            return b
    return (-1e9, 1e9)


def _get(data: dict[str, Any], path: str, default: float) -> float:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return float(node) if isinstance(node, int | float) else default


def era_windows(names: Sequence[str]) -> dict[str, str]:
    """Each era's evaluated period: from its start to the month before the next era starts.

    Eras that run to 1991 overlap; cutting each at the next one's start keeps the held-out
    era's years out of the training eras.
    """
    starts = {n: load_scenario(n) for n in names}
    order = sorted(names, key=lambda n: starts[n].start)
    out = {}
    for k, n in enumerate(order):
        end = starts[n].end
        if k + 1 < len(order):
            end = min(end, starts[order[k + 1]].start - 1)
        out[n] = f"{format_month(starts[n].start)} to {format_month(end)}"
    return out


@dataclass
class EraScore:
    """How one era scores under a parameter set."""

    name: str
    decision_agreement: float
    phase_agreement: float
    log_likelihood: float

    @property
    def score(self) -> float:
        """The quantity the search maximises."""
        d = 0.0 if np.isnan(self.decision_agreement) else self.decision_agreement
        p = 0.0 if np.isnan(self.phase_agreement) else self.phase_agreement
        return d + p + 0.1 * self.log_likelihood


@dataclass
class Fit:
    """The outcome of a calibration."""

    values: dict[str, float]
    train: list[EraScore]
    held_out: list[EraScore]
    evaluations: int
    """Parameter sets scored on the training eras (at most the budget; the first is the
    starting values). The held-out eras are scored once more, at the end."""
    history: list[float] = field(default_factory=list)

    def set_block(self) -> dict[str, float]:
        """The fitted values as a scenario ``set:`` mapping (rounded to 4 digits)."""
        return {k: round(v, 4) for k, v in self.values.items()}


def score_era(
    scenario: CompiledScenario, name: str, record: Record, runs: int, seed: int
) -> EraScore:
    """Run an era and score it against the record."""
    model = FrontlineModel(scenario, seed=seed, replicates=runs, record_every=1).run()
    comparison = compare(model, record)
    logs: list[float] = []
    for d in comparison.decisions:
        explanation = model.explanations.get(d.id)
        if explanation is None:
            continue
        cd = scenario.decision(d.id)
        arose = model.state.choice[:, cd.index] >= 0
        if not arose.any():
            continue
        p = explanation.probabilities[arose, cd.option_index(d.option)]
        logs.append(float(np.mean(np.log(np.maximum(p, 1e-6)))))
    return EraScore(
        name,
        _mean(comparison.decision_agreement()),
        _mean(comparison.phase_agreement()),
        float(np.mean(logs)) if logs else 0.0,
    )


def _mean(values: np.ndarray) -> float:
    """Mean over runs; NaN when the era holds no such items."""
    return float("nan") if np.all(np.isnan(values)) else float(np.nanmean(values))


def calibrate(
    train: Sequence[str],
    held_out: Sequence[str],
    *,
    parameters: Sequence[str] | None = None,
    runs: int = 64,
    seed: int = 0,
    budget: int = 200,
    step: float = 0.5,
    ridge: float = 0.05,
    record: Record | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> Fit:
    """Fit ``parameters`` on the ``train`` scenarios and report on ``held_out`` (see module)."""
    rec = record if record is not None else load_record()
    paths = list(parameters or default_parameters())
    bases = {name: load_scenario(name, file_set=False) for name in [*train, *held_out]}
    first = bases[train[0]]
    values = {p: _get(first.data, p, _default(first, p)) for p in paths}
    evaluations = 0

    windows = era_windows([*train, *held_out])

    def build(name: str, vals: dict[str, float]) -> CompiledScenario:
        data = copy.deepcopy(bases[name].data)
        data["end"] = windows[name].split(" to ")[1]
        for p, v in vals.items():
            message = apply_set(data, p, v)
            if message:
                raise ValueError(f"{p}: {message}")
        return scenario_from_data(data, name)

    def evaluate(vals: dict[str, float], names: Sequence[str]) -> list[EraScore]:
        nonlocal evaluations
        evaluations += 1
        return [score_era(build(n, vals), n, rec, runs, seed) for n in names]

    start = dict(values)

    def total(scores: list[EraScore], vals: dict[str, float]) -> float:
        # A ridge on the log-ratio to the starting values: the scenario's authors set them
        # from the sources; the search moves them only as far as the history asks.
        drift = [np.log(max(vals[k], 1e-6) / start[k]) ** 2 for k in vals if start[k] > 0]
        penalty = ridge * float(np.mean(drift)) if drift else 0.0
        return float(np.mean([s.score for s in scores])) - penalty

    best_scores = evaluate(values, train)
    best = total(best_scores, values)
    trace = [best]
    if progress is not None:
        progress(evaluations, best)
    rng = np.random.default_rng(seed)
    while evaluations < budget and step >= 0.01:
        improved = False
        for p in rng.permutation(paths):
            if evaluations >= budget:
                break
            lo, hi = _bounds(str(p))
            current = values[p]
            base = current if current != 0 else 0.05
            for factor in (1 + step, 1 - step):
                if evaluations >= budget:
                    break  # the budget is the most evaluations, not a point to pass
                trial = dict(values)
                trial[p] = float(min(hi, max(lo, base * factor)))
                if trial[p] == current:
                    continue
                scores = evaluate(trial, train)
                s = total(scores, trial)
                if s > best + 1e-9:
                    best, best_scores, values, improved = s, scores, trial, True
                    break
            trace.append(best)
            if progress is not None:
                progress(evaluations, best)
        if not improved:
            step /= 2
    searched = evaluations  # the held-out era's scoring below is no part of the search
    return Fit(
        values,
        best_scores,
        [score_era(build(n, values), n, rec, runs, seed) for n in held_out],
        searched,
        trace,
    )


def _default(scenario: CompiledScenario, path: str) -> float:
    """A parameter's value when the file leaves it to the schema's default."""
    parts = path.split(".")
    spec: Any = scenario.spec
    if parts[0] == "actors" and parts[1] in ACTORS and len(parts) >= 3:
        actor = scenario.spec.actors.get(parts[1])
        if parts[2] == "temperature":
            t = actor.temperature if actor is not None else None
            return float(t if t is not None else scenario.spec.dynamics.temperature)
        from sim.schema import Weights

        weights = actor.weights if actor is not None else Weights()
        return float(getattr(weights, parts[3]))
    for part in parts:
        spec = getattr(spec, part)
    return float(spec)
