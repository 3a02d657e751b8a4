"""Plain-text timelines and JSON results of runs (the CLI's output)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from sim.actors import ACTORS, USUAL_NAMES, StateNames
from sim.calendar import format_month
from sim.dynamics import COMPONENTS
from sim.model import FrontlineModel
from sim.scenario import CompiledScenario
from sim.schema import citation
from sim.text import signed


def result_json(model: FrontlineModel, replicate: int = 0) -> dict[str, Any]:
    """The run's result as the documented JSON object (one replicate)."""
    return model.view().run(replicate)


def _foreseen(row: dict[str, Any], sc: CompiledScenario) -> list[str]:
    """What the chooser foresaw its option would bring: events made likelier, an answer."""
    lines = []
    answer = row.get("answer")
    if answer is not None:
        follow = sc.decision(answer["decision"])
        option = follow.options[answer["option"]].label
        actor = sc.names.in_sentence(follow.spec.actor)
        lines.append(("expects:  ", f"{actor} to answer: {option}"))
    shifts = sorted(
        (f for f in row.get("foreseen", []) if abs(f["chance"] - f["without"]) >= 0.05),
        key=lambda f: -abs(f["chance"] - f["without"]),
    )
    for f in shifts[:3]:
        title = sc.events[sc.event_index(f["event"])].spec.title
        lines.append(
            (
                "foresees: ",
                f"{title}: {f['chance']:.0%} within the look-ahead (without it {f['without']:.0%})",
            )
        )
    return [
        textwrap.fill(text, width=100, initial_indent=f"{'':9}{head}", subsequent_indent=" " * 19)
        for head, text in lines
    ]


def _signed(x: float) -> str:
    return signed(x, 1)


def _columns(rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """The rows of a table in the comparison, indented, each column as wide as its longest cell.

    ``align`` holds one ``<`` (left) or ``>`` (right, for numbers) per column; the columns are
    two spaces apart and no line ends in spaces.
    """
    widths = [max((len(row[k]) for row in rows), default=0) for k in range(len(align))]
    cells = (zip(row, align, widths, strict=True) for row in rows)
    return [("    " + "  ".join(f"{c:{a}{w}}" for c, a, w in line)).rstrip() for line in cells]


def timeline(model: FrontlineModel, replicate: int = 0) -> str:
    """A readable account of one replicate: what each state did, when, why, and on what source."""
    sc = model.scenario
    names = sc.names  # the scenario's names for the states, as the game shows them
    lines = [
        f"{sc.spec.title} ({sc.spec.id}), seed {model.seed}",
        f"{format_month(sc.start)} to {format_month(sc.end)}: {sc.months} months; "
        "six states as Mesa agents: " + ", ".join(f"{names[a]} ({a})" for a in ACTORS),
        "",
    ]
    for entry in model.log:
        if replicate not in entry.replicates:
            continue
        when = format_month(entry.month)
        source = citation(entry.source)
        if entry.kind == "event":
            lines.append(f"{when}  event     {entry.title}")
        else:
            d = sc.decision(entry.id)
            historical = next((o for o in d.options if o.historical), None)
            verdict = ""
            if historical is not None:
                verdict = (
                    "  [as in history]"
                    if historical.id == entry.option
                    else f"  [history: {historical.label}]"
                )
            prompt = textwrap.fill(
                " ".join(d.spec.prompt.split()),
                width=100,
                initial_indent=f"{when}  {entry.actor:<4}      ",
                subsequent_indent=" " * 19,
            )
            lines.append(prompt)
            lines.append(f"{'':9}chooses:  {entry.title}{verdict}")
            for did in entry.did:
                lines.append(
                    textwrap.fill(
                        did,
                        width=100,
                        initial_indent=f"{'':9}does:     ",
                        subsequent_indent=" " * 19,
                    )
                )
            explanation = entry.explanation
            if entry.by == "ai" and explanation is not None:
                rows = explanation.breakdown(replicate)
                chosen = next(r for r in rows if r["option"] == entry.option)
                why = ", ".join(f"{c} {_signed(chosen[c])}" for c in COMPONENTS)
                lines.append(f"{'':9}why:      p={chosen['probability']:.2f}; {why}")
                others = [r for r in rows if r["option"] != entry.option]
                alt = "; ".join(f"{r['option']} {_signed(r['total'])}" for r in others)
                lines.append(f"{'':9}          chosen {_signed(chosen['total'])} vs {alt}")
                lines += _foreseen(chosen, sc)
            elif entry.by != "ai":
                lines.append(f"{'':9}by:       {entry.by}")
        if source:
            lines.append(f"{'':9}source:   {source}")
    lines += ["", "Attitudes at the end (how each row regards each column, -100..100):"]
    final = model.state.attitudes[replicate]
    lines.append("       " + "".join(f"{a:>7}" for a in ACTORS))
    for i, a in enumerate(ACTORS):
        cells = "".join(
            "      ." if i == j else f"{round(float(final[i, j])) + 0:7d}"
            for j in range(len(ACTORS))
        )
        lines.append(f"{a:<7}{cells}")
    both, one_way = names.pair("PAK-USSR"), names.pair("PAK->USSR")
    lines += ["", f"{both}, year by year ({one_way} / the reverse):"]
    history = model.attitude_history()[:, replicate]
    row = []
    for t, m in enumerate(model.recorded_months):
        if m % 12 == 11 or m == sc.end:
            row.append(f"{m // 12}: {history[t, 0, 1]:+4.0f}/{history[t, 1, 0]:+4.0f}")
    for k in range(0, len(row), 5):
        lines.append("  " + "   ".join(row[k : k + 5]))
    return "\n".join(lines) + "\n"


def comparison_text(
    summary: dict[str, Any], record_name: str, names: StateNames = USUAL_NAMES
) -> str:
    """The comparison of one run with the record, as text (from ``Comparison.run_summary``).

    The states are called by ``names`` (the scenario's), the pairs of the phases included.
    """

    def share(key: str, items: list[dict[str, Any]]) -> str:
        value = summary[key]
        agreeing = sum(1 for x in items if x["agrees"])
        return (
            "n/a (none in this period)"
            if value is None
            else (f"{value:.2f}  ({agreeing} of {len(items)})")
        )

    lines = [f"Compared with the recorded history ({record_name}):"]
    lines.append(f"  decision agreement   {share('decision_agreement', summary['decisions'])}")
    lines.append(f"  phase agreement      {share('phase_agreement', summary['phases'])}")
    happened = [e for e in summary["events"] if e["simulated"] is not None]
    never = [e["id"] for e in summary["events"] if e["simulated"] is None]
    unrecorded = summary.get("unrecorded_events", [])
    mae = summary["event_timing_mae_months"]
    # timing is never shown alone: beside it, what did not happen and what was not recorded
    timing = "n/a" if mae is None else f"{mae:.1f} months mean error over {len(happened)} events"
    lines.append(
        f"  event timing         {timing}; {len(never)} of {len(summary['events'])} recorded "
        f"events did not happen; {len(unrecorded)} event(s) the record does not hold did"
    )
    if never:
        lines.append(f"  never happened:      {', '.join(never)}")
    if unrecorded:
        lines.append(f"  not in the record:   {', '.join(e['id'] for e in unrecorded)}")
    if summary["decisions"]:
        lines.append("  decisions (history / this run):")
        decisions = [
            (
                d["id"],
                d["historical"],
                d["chosen"] or "(never arose)",
                "same" if d["agrees"] else "DIFFERENT",
            )
            for d in summary["decisions"]
        ]
        lines += _columns(decisions, "<<<<")
    if summary["phases"]:
        lines.append("  phases (the paper's trend / this run's change in points):")
        phases = [
            (
                names.pair(p["pair"]),
                f"{p['from']}..{p['to']}",
                p["trend"],
                _signed(p["change"]),
                "agrees" if p["agrees"] else "DISAGREES",
            )
            for p in summary["phases"]
        ]
        lines += _columns(phases, "<<<><")
    return "\n".join(lines) + "\n"
