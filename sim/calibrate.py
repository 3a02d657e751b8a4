"""Fitting the model to history's choices by likelihood, with a held-out period.

The procedure (``frontline calibrate``), which anyone can re-run:

1. **What is fitted.** The shared parameters of the acts' rules and of the dynamics
   (``STRUCTURAL``), the same for every decision of every scenario, and each actor's
   weights on security, economy and ideology (its prestige weight stays at the value the
   scenario gives). That is ``len(STRUCTURAL) + 3 x 6`` free parameters, and the report
   prints the count beside the number of recorded decisions they are fitted to, which must
   be larger. The actors' temperatures stay the authors' by default: fitting them too
   (``choices="both"``) over-fitted in validation within 1947-78 (see the README).
2. **What is maximised.** The log-likelihood of history's choices **along the recorded
   path** (``sim.skill``): every earlier recorded choice is forced and every recorded event
   happens in its month, so each decision is scored in the situation history produced.
   Minus a ridge that keeps every parameter near the value the scenario's authors wrote
   from the sources (``RIDGE`` per parameter: a move across a quarter of a rule's range,
   or by a factor e of a weight, costs about half a unit of log-likelihood).
3. **How.** The recorded path depends on the rules and the dynamics, and on the weights
   only through the answers an option expects from other states, so the search is nested:
   for each trial of the shared parameters (Powell's method, bounded) the path is run once,
   with the best weights found so far, and the weights are then fitted on it in closed form
   (L-BFGS with the exact gradient of the softmax likelihood).
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
TEMPERATURE_BOUNDS = (1e-3, 100.0)
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


def fitted_paths(choices: str = "weights") -> tuple[str, ...]:
    """The ``set:`` paths of the parameters a fit moves (``choices`` as ``calibrate``'s)."""
    paths = [path for path, _, _ in STRUCTURAL]
    for actor in ACTORS:
        if choices in ("weights", "both"):
            paths += [f"actors.{actor}.weights.{name}" for name in FITTED_WEIGHTS]
        if choices in ("temperatures", "both"):
            paths.append(f"actors.{actor}.temperature")
    return tuple(paths)


def load_base(name: str, choices: str = "weights") -> CompiledScenario:
    """A scenario to fit, without the values an earlier fit wrote for what is fitted.

    Its ``set:`` entries for the fitted parameters are left out, so the search starts
    from the values written in its body; every other entry (an era's closed windows, a
    counterfactual's changes) is kept: it is what makes the scenario the one named.
    """
    return load_scenario(name, leave_out=fitted_paths(choices))


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


def _fit_choices(
    points: Sequence[Point], start: F64, temperatures: F64, fit: str = "both"
) -> tuple[F64, F64, float]:
    """The weights (6, 4) and temperatures (6,) that best explain ``points``, and the fit's value.

    ``start`` and ``temperatures`` hold the authors' values: the ridge pulls the fitted ones
    (on a log scale) towards them, the temperatures more loosely (``RIDGE / 4``), since
    how sharply a state chooses is the part the sources say least about; the prestige
    weights are kept as they are.
    """
    w0 = np.log(np.maximum(start[:, :3], WEIGHT_BOUNDS[0])).ravel()
    t0 = np.log(temperatures)
    theta0 = np.concatenate([w0, t0])
    n_w = w0.size

    def unpack(theta: F64) -> tuple[F64, F64]:
        w = start.copy()
        w[:, :3] = np.exp(theta[:n_w].reshape(N_ACTORS, 3))
        return w, np.exp(theta[n_w:])

    def objective(theta: F64) -> tuple[float, F64]:
        w, temps = unpack(theta)
        ridge = np.concatenate([np.full(n_w, RIDGE), np.full(N_ACTORS, RIDGE / 4)])
        loss = float(np.sum(ridge * (theta - theta0) ** 2))
        grad = 2.0 * ridge * (theta - theta0)
        g_w = np.zeros((N_ACTORS, 4))
        g_t = np.zeros(N_ACTORS)
        for p in points:
            t = temps[p.actor] * p.warmth
            z = p.changes @ (w[p.actor] * p.factors) / t
            z = z - z.max()
            e = np.exp(z)
            prob = e / e.sum()
            loss -= float(z[p.recorded] - np.log(e.sum()))
            # -log p: d/dw_c = -(D[rec, c] - sum_o p_o D[o, c]) f_c / t; d/dlog t = z_rec - E z
            g_w[p.actor] -= (p.changes[p.recorded] - prob @ p.changes) * p.factors / t
            g_t[p.actor] += z[p.recorded] - prob @ z
        grad[:n_w] += (g_w[:, :3] * w[:, :3]).ravel()
        grad[n_w:] += g_t
        return loss, grad

    lo, hi = np.log(WEIGHT_BOUNDS[0]), np.log(WEIGHT_BOUNDS[1])
    t_lo, t_hi = np.log(TEMPERATURE_BOUNDS[0]), np.log(TEMPERATURE_BOUNDS[1])
    fixed_w, fixed_t = fit not in ("weights", "both"), fit not in ("temperatures", "both")
    bounds = [(v, v) if fixed_w else (lo, hi) for v in w0]
    bounds += [(v, v) if fixed_t else (t_lo, t_hi) for v in t0]
    result = optimize.minimize(objective, theta0, jac=True, method="L-BFGS-B", bounds=bounds)
    w, temps = unpack(result.x)
    return w, temps, -float(result.fun)


def _choice_values(weights: F64, temperatures: F64, choices: str) -> dict[str, float]:
    """The fitted weights (and temperatures, if fitted) as ``set:`` values."""
    out = {}
    for i, actor in enumerate(ACTORS):
        if choices in ("weights", "both"):
            for c, name in enumerate(FITTED_WEIGHTS):
                out[f"actors.{actor}.weights.{name}"] = float(weights[i, c])
        if choices in ("temperatures", "both"):
            out[f"actors.{actor}.temperature"] = float(temperatures[i])
    return out


def calibrate(
    scenario: str | CompiledScenario = "baseline",
    *,
    hold_out_from: int | None = 1979 * 12,
    budget: int = 300,
    choices: str = "weights",
    record: Record | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> Fit:
    """Fit the parameters on the decisions before ``hold_out_from`` (all if None); see module.

    The search starts from the values written in the scenario's body (``set:`` entries for
    the fitted parameters, an earlier fit, are left out: ``load_base``).
    """
    rec = record if record is not None else load_record()
    base = load_base(scenario, choices) if isinstance(scenario, str) else scenario
    start = starting_values(base)
    bounds = [(lo, hi) for _, lo, hi in STRUCTURAL]
    x0 = np.array([start[p] for p, _, _ in STRUCTURAL])
    ranges = np.array([hi - lo for lo, hi in bounds])
    until = None if hold_out_from is None else hold_out_from - 1
    evaluations = 0
    best: dict[str, Any] = {"score": -np.inf}

    # The recorded path is run with the best weights found so far: an option's score holds
    # the answer it expects from another state, which that state's weights decide.
    current: dict[str, float] = {}

    def trial(x: F64) -> tuple[float, tuple[F64, F64], list[Point]]:
        values = {p: float(v) for (p, _, _), v in zip(STRUCTURAL, x, strict=True)}
        sc = with_parameters(base, values | current)
        points = recorded_path(sc, rec, until=until)
        if hold_out_from is not None:
            points = [p for p in points if p.month < hold_out_from]
        # the ridge pulls towards the authors' values (base), whatever the path ran with
        weights, temps, value = _fit_choices(points, base.weights, base.temperatures, choices)
        penalty = RIDGE * 16.0 * float(np.sum(((x - x0) / ranges) ** 2))
        return value - penalty, (weights, temps), points

    def objective(x: F64) -> float:
        nonlocal evaluations
        x = np.clip(x, [lo for lo, _ in bounds], [hi for _, hi in bounds])
        evaluations += 1
        score, weights, points = trial(x)
        if score > best["score"]:
            best.update(score=score, x=x.copy(), weights=weights, points=points)
            current.update(_choice_values(weights[0], weights[1], choices))
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
    weights, temps = best["weights"]
    values.update(_choice_values(weights, temps, choices))
    fitted = with_parameters(base, values)
    points: list[Point] = best["points"]
    train = measure(fitted, rec, before=hold_out_from)
    held = None if hold_out_from is None else measure(fitted, rec, since=hold_out_from)
    return Fit(
        values,
        len(points),
        log_score(points, probabilities(points, weights, temps)) * len(points),
        train,
        held,
        evaluations,
        len(STRUCTURAL)
        + N_ACTORS
        * (
            len(FITTED_WEIGHTS) * (choices in ("weights", "both"))
            + (choices in ("temperatures", "both"))
        ),
    )
