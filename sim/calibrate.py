"""Fitting the model to history's choices by likelihood, with a held-out period.

The procedure (``frontline calibrate``), which anyone can re-run:

1. **What is fitted.** The shared parameters of the acts' rules and of the dynamics
   (``STRUCTURAL``), the same for every decision of every scenario, and each actor's
   weights on security, economy and ideology (its prestige weight stays at the value the
   scenario gives, which sets the scale; the temperature is the scenario's). That is
   ``len(STRUCTURAL) + 3 x 6`` free parameters, and the report prints the count beside the
   number of recorded decisions they are fitted to, which must be larger.
2. **What is maximised.** The log-likelihood of history's choices **along the recorded
   path** (``sim.skill``): every earlier recorded choice is forced and every recorded event
   happens in its month, so each decision is scored in the situation history produced.
   Minus a ridge that keeps every parameter near the value the scenario's authors wrote
   from the sources (``RIDGE`` per parameter: a move across a quarter of a rule's range,
   or by a factor e of a weight, costs about half a unit of log-likelihood).
3. **How.** The recorded path depends on the rules and the dynamics but not on the
   weights, so the search is nested: for each trial of the shared parameters (Powell's
   method, bounded) the path is run once, and the weights are then fitted on it in
   closed form (L-BFGS with the exact gradient of the softmax likelihood).
4. **Held out.** By default the fit sees only the decisions before 1979-01, and the
   decisions from 1979 to 1991 are scored with the fitted values, never seen. The shipped
   defaults are then fitted on all the decisions, and the parameters fitted on 1947-78
   alone are kept in ``scenarios/fits/`` so that the held-out figures can be remade.

The AI reads none of this at run time: the fitted values are ordinary scenario parameters
written out as a ``set:`` block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from sim.actors import ACTORS, N_ACTORS
from sim.history import Record, load_record
from sim.scenario import CompiledScenario, load_scenario
from sim.skill import Point, log_score, measure, probabilities, recorded_path, with_parameters
from sim.state import F64

STRUCTURAL: tuple[tuple[str, float, float], ...] = (
    ("rules.bond", 2.0, 40.0),
    ("rules.spill", 0.0, 1.5),
    ("rules.gratitude", 0.05, 3.0),
    ("rules.refusal", 0.5, 30.0),
    ("rules.betrayal", 1.0, 60.0),
    ("rules.visit", 0.5, 20.0),
    ("rules.hostility", 1.0, 40.0),
    ("rules.aggression", 0.5, 30.0),
    ("rules.memory", 0.02, 0.9),
    ("rules.leaders", 0.0, 2.0),
    ("dynamics.drift", 0.005, 0.2),
    ("dynamics.balance", 0.0, 0.1),
)
"""The shared parameters the fit moves, with the bounds it keeps them in."""

FITTED_WEIGHTS = ("security", "economy", "ideology")
"""The weights fitted for each actor (prestige stays as written and sets the scale)."""

WEIGHT_BOUNDS = (1e-3, 50.0)
RIDGE = 0.5
"""Penalty per parameter, on its move from the authors' value (see the module)."""


@dataclass
class Fit:
    """The outcome of a calibration."""

    values: dict[str, float]
    train_points: int
    train_log_likelihood: float
    train: dict[str, Any]
    held_out: dict[str, Any] | None
    evaluations: int
    free_parameters: int

    def set_block(self) -> dict[str, float]:
        """The fitted values as a scenario ``set:`` mapping (rounded to 4 significant digits)."""
        return {k: float(f"{v:.4g}") for k, v in self.values.items()}


def _get(data: dict[str, Any], path: str) -> float | None:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) else None


def starting_values(scenario: CompiledScenario) -> dict[str, float]:
    """The authors' values of the fitted parameters: the scenario's, schema defaults included."""
    out = {}
    for path, _, _ in STRUCTURAL:
        section, name = path.split(".")
        source = scenario.spec.rules if section == "rules" else scenario.spec.dynamics
        out[path] = float(getattr(source, name))
    for i, actor in enumerate(ACTORS):
        for c, name in enumerate(FITTED_WEIGHTS):
            out[f"actors.{actor}.weights.{name}"] = float(scenario.weights[i, c])
    return out


def _fit_weights(points: Sequence[Point], start: F64, temperatures: F64) -> tuple[F64, float]:
    """The weights (6, 4) that maximise the penalised likelihood of ``points``, and its value.

    ``start`` holds the authors' weights: the ridge pulls the fitted ones (log scale)
    towards them; the prestige column is kept as it is.
    """
    theta0 = np.log(np.maximum(start[:, :3], WEIGHT_BOUNDS[0]))
    changes = [p.changes for p in points]

    def unpack(theta: F64) -> F64:
        w = start.copy()
        w[:, :3] = np.exp(theta.reshape(N_ACTORS, 3))
        return w

    def objective(theta: F64) -> tuple[float, F64]:
        w = unpack(theta)
        loss = RIDGE * float(np.sum((theta - theta0.ravel()) ** 2))
        grad = 2.0 * RIDGE * (theta - theta0.ravel())
        g = np.zeros((N_ACTORS, 4))
        for p, d in zip(points, changes, strict=True):
            weights = w[p.actor] * p.factors
            t = temperatures[p.actor] * p.warmth
            z = d @ weights / t
            z = z - z.max()
            prob = np.exp(z) / np.exp(z).sum()
            loss -= float(z[p.recorded] - np.log(np.exp(z).sum()))
            # d(-log p)/d(w_c) = -(D[rec, c] - sum_o p_o D[o, c]) * f_c / t
            g[p.actor] -= (d[p.recorded] - prob @ d) * p.factors / t
        grad += (g[:, :3] * w[:, :3]).ravel()
        return loss, grad

    lo, hi = np.log(WEIGHT_BOUNDS[0]), np.log(WEIGHT_BOUNDS[1])
    result = optimize.minimize(
        objective,
        theta0.ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(lo, hi)] * theta0.size,
    )
    return unpack(result.x), -float(result.fun)


def calibrate(
    scenario: str | CompiledScenario = "baseline",
    *,
    hold_out_from: int | None = 1979 * 12,
    budget: int = 300,
    record: Record | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> Fit:
    """Fit the parameters on the decisions before ``hold_out_from`` (all if None); see module.

    The search starts from the values written in the scenario's body (a ``set:`` block that
    holds an earlier fit is left out).
    """
    rec = record if record is not None else load_record()
    base = load_scenario(scenario, file_set=False) if isinstance(scenario, str) else scenario
    start = starting_values(base)
    bounds = [(lo, hi) for _, lo, hi in STRUCTURAL]
    x0 = np.array([start[p] for p, _, _ in STRUCTURAL])
    ranges = np.array([hi - lo for lo, hi in bounds])
    until = None if hold_out_from is None else hold_out_from - 1
    evaluations = 0
    best: dict[str, Any] = {"score": -np.inf}

    def trial(x: F64) -> tuple[float, F64, list[Point]]:
        values = {p: float(v) for (p, _, _), v in zip(STRUCTURAL, x, strict=True)}
        sc = with_parameters(base, values)
        points = recorded_path(sc, rec, until=until)
        if hold_out_from is not None:
            points = [p for p in points if p.month < hold_out_from]
        weights, loglik = _fit_weights(points, sc.weights, sc.temperatures)
        penalty = RIDGE * 16.0 * float(np.sum(((x - x0) / ranges) ** 2))
        return loglik - penalty, weights, points

    def objective(x: F64) -> float:
        nonlocal evaluations
        x = np.clip(x, [lo for lo, _ in bounds], [hi for _, hi in bounds])
        evaluations += 1
        score, weights, points = trial(x)
        if score > best["score"]:
            best.update(score=score, x=x.copy(), weights=weights, points=points)
        if progress is not None:
            progress(evaluations, float(best["score"]))
        return -score

    objective(x0)
    if budget > 1:
        optimize.minimize(
            objective,
            x0,
            method="Powell",
            bounds=bounds,
            options={"maxfev": budget - 1, "xtol": 1e-3, "ftol": 1e-4},
        )
    values = {p: float(v) for (p, _, _), v in zip(STRUCTURAL, best["x"], strict=True)}
    weights: F64 = best["weights"]
    for i, actor in enumerate(ACTORS):
        for c, name in enumerate(FITTED_WEIGHTS):
            values[f"actors.{actor}.weights.{name}"] = float(weights[i, c])
    fitted = with_parameters(base, values)
    points: list[Point] = best["points"]
    train = measure(fitted, rec, before=hold_out_from)
    held = None if hold_out_from is None else measure(fitted, rec, since=hold_out_from)
    return Fit(
        values,
        len(points),
        log_score(points, probabilities(points, weights, fitted.temperatures)) * len(points),
        train,
        held,
        evaluations,
        len(STRUCTURAL) + len(FITTED_WEIGHTS) * N_ACTORS,
    )
