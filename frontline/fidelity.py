"""The honest measures in words and tables: skill along the recorded path, beside the nulls.

Every figure stands beside the same figure for models that know nothing: the uniform null
(every option equally likely) and the random-weights null (each actor's weights drawn at
random, same rules). ``measures`` computes them (``sim.skill``); ``text`` and ``html`` show
them, the HTML with each decision's probability and the utility breakdown of every option.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from sim.actors import ACTORS
from sim.calendar import format_month
from sim.dynamics import COMPONENTS
from sim.history import Record
from sim.scenario import CompiledScenario
from sim.skill import null_runs, probabilities, recorded_path, report
from sim.text import signed

NULL_RUNS = 100
"""Free runs of each null model beside a run's agreement figures."""


def measures(
    scenario: CompiledScenario, record: Record, *, seed: int = 0, runs: int = NULL_RUNS
) -> dict[str, Any]:
    """``{"skill": ..., "nulls": ...}``: skill along the recorded path, and the free-run nulls."""
    return {
        "skill": report(scenario, record, seed=seed),
        "nulls": null_runs(scenario, record, runs=runs, seed=seed),
    }


def _f(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def text(skill: dict[str, Any], nulls: dict[str, Any], agreement: dict[str, Any]) -> str:
    """The measures as lines for ``frontline run``'s comparison (``agreement``: this run's)."""
    lines = ["  the model's skill at history's choices, along the recorded path:"]
    for label, part in (("all decisions", skill), ("held out", skill.get("held_out"))):
        if not part or "error" in part or not part.get("decisions"):
            continue
        where = (
            f" (from {part['from']}, parameters {part['parameters'].split(':')[0]})"
            if label == "held out"
            else ""
        )
        lines.append(
            f"    {label}{where}: {part['decisions']} decisions, log score "
            f"{_f(part['log_score'])} (uniform null {_f(part['log_score_uniform'])}), Brier skill "
            f"{_f(part['brier_skill'])} (uniform null 0), beats "
            f"{_f(100 * part['null_random_weights'], 0)}% of random weight sets"
        )
    uniform, rand = nulls["uniform"], nulls["random_weights"]
    lines.append(
        "  this run beside free runs of models that know nothing "
        f"(median of {uniform['runs']} runs each: uniform choice / random weights):"
    )
    for key, name in (
        ("decision_agreement", "decision agreement"),
        ("phase_agreement", "phase agreement"),
        ("recorded_events_missed_share", "recorded events missed"),
    ):
        mine, nulls_of = _f(agreement.get(key)), f"{_f(uniform[key])} / {_f(rand[key])}"
        lines.append(f"    {name:<24} {mine:>5}   nulls {nulls_of}")
    return "\n".join(lines) + "\n"


def _row(cells: list[str], head: bool = False) -> str:
    tag = "th" if head else "td"
    return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"


def html_section(scenario: CompiledScenario, record: Record, found: dict[str, Any]) -> str:
    """The report's section on skill along the recorded path (``found`` from ``measures``)."""
    esc = html.escape
    skill = found["skill"]
    rows = [
        _row(["figure", "this model", "uniform null", "random-weights null", "parameters"], True)
    ]
    for label, part in (("all recorded decisions", skill), ("held out", skill.get("held_out"))):
        if not part or "error" in part or not part.get("decisions"):
            continue
        name = label if label != "held out" else f"held out: decisions from {part['from']}"
        rows.append(
            _row(
                [
                    f"{esc(name)} ({part['decisions']}): log score",
                    _f(part["log_score"]),
                    _f(part["log_score_uniform"]),
                    f"beaten by the model in {_f(100 * part['null_random_weights'], 0)}% "
                    "of 100 draws",
                    esc(part["parameters"]),
                ]
            )
        )
        rows.append(
            _row(
                [f"{esc(name)}: Brier skill", _f(part["brier_skill"]), "0 (by definition)", "", ""]
            )
        )
    points = recorded_path(scenario, record)
    probs = probabilities(points, scenario.weights, scenario.temperatures)
    detail = [_row(["month", "state", "decision", "option", "p", *COMPONENTS, "total"], True)]
    for point, p in zip(points, probs, strict=True):
        weights = scenario.weights[point.actor] * point.factors
        for o, option in enumerate(point.options):
            parts = point.changes[o] * weights
            label = f"<b>{esc(option)}</b> (history)" if o == point.recorded else esc(option)
            first = o == 0
            detail.append(
                _row(
                    [
                        format_month(point.month) if first else "",
                        esc(scenario.names[ACTORS[point.actor]]) if first else "",
                        esc(point.id) if first else "",
                        label,
                        f"{p[o]:.2f}",
                        *[signed(x, 2) for x in parts],
                        signed(float(np.sum(parts)), 2),
                    ]
                )
            )
    return (
        "<h2>How well the model predicts, beside models that know nothing</h2>"
        "<p>Skill is measured <b>along the recorded path</b>: every earlier recorded choice is "
        "forced and every recorded event happens in its month, so each decision is scored in "
        "the situation history produced. Log score: mean log-probability of history's option "
        "(0 is perfect). Brier skill: 1 - Brier / Brier of the uniform null. The "
        "random-weights null draws each actor's weights afresh (same rules).</p>"
        f"<table>{''.join(rows)}</table>"
        "<h3>Each recorded decision: the model's probability and every option's utility "
        "change, by the rules (weighted by the actor's weights; with the scenario's own "
        "parameters)</h3>"
        f"<table>{''.join(detail)}</table>"
    )
