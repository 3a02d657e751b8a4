"""``frontline compare``: a report a teacher can open offline, comparing runs with history.

It writes ``index.html``, ``comparison.json`` and PNG figures (matplotlib, Agg backend):
attitude trajectories with the paper's phases drawn behind them, the decision points
(history's choice and the share of runs that chose each option), and a timeline of
recorded against simulated events.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from frontline.files import write_set
from sim.calendar import format_month, parse_month
from sim.history import Comparison, Record, compare, pair_series
from sim.model import FrontlineModel
from sim.schema import citation
from sim.text import signed

TREND_COLOURS = {"improve": "#8fd19e", "worsen": "#f4a3a3", "stable": "#d9d9d9"}

_STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; line-height: 1.4; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
td, th { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: #f0f0f0; } .ci { color: #666; font-size: 90%; }
li.hist { font-weight: bold; } ul { margin: 0; padding-left: 1.2em; }
img { max-width: 100%; } td:first-child { white-space: nowrap; }
"""


def html_head(title: str) -> str:
    """The opening of a self-contained report page (no remote resources)."""
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style></head><body>"
    )


def pyplot() -> Any:
    """The pyplot module of matplotlib, on the Agg backend (files only: no display is needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def fitted(text: str, width: int) -> str:
    """``text`` if it has at most ``width`` characters, else its head and "…".

    For figures that name states as their scenario does, at any length.
    """
    if len(text) <= width:
        return text
    head = text[: width - 1]
    if " " in head[width // 2 :]:  # end at a word where that keeps most of the room
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:-(") + "…"


def titled(words: str, note: str, width: int = 100) -> str:
    """A figure's title: ``words`` (states' names) and then ``note``, on one line if it fits.

    Otherwise the note goes on a line of its own, so that neither is cut mid-phrase.
    """
    if len(words) + 1 + len(note) <= width:
        return f"{words} {note}"
    return f"{fitted(words, width)}\n{fitted(note, width)}"


def _year(month: int | float) -> float:
    return float(month) / 12.0


def png(fig: Any) -> bytes:
    """A matplotlib figure as PNG bytes (then closed), to be written with the report's files."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    pyplot().close(fig)
    return buffer.getvalue()


def _plot_attitudes(model: FrontlineModel, comparison: Comparison) -> bytes:
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    pairs = list(dict.fromkeys(p.pair for p in comparison.phases)) or ["PAK-USSR"]
    history = model.attitude_history()
    months = np.array(model.recorded_months, dtype=float)
    fig, axes = plt.subplots(len(pairs), 1, figsize=(10, 2.6 * len(pairs) + 0.6), squeeze=False)
    for ax, pair in zip(axes[:, 0], pairs, strict=True):
        shown = [p for p in comparison.phases if p.pair == pair]
        for k, p in enumerate(shown):
            x0, x1 = _year(parse_month(p.start)), _year(parse_month(p.end) + 1)
            ax.axvspan(x0, x1, color=TREND_COLOURS[p.trend], alpha=0.6, lw=0)
            # alternate the labels' heights so that short neighbouring phases stay legible
            ax.text((x0 + x1) / 2, 92 - 12 * (k % 2), p.trend, ha="center", va="top", fontsize=7)
        series = pair_series(history, pair)
        x = months / 12.0
        if series.shape[1] > 1:
            lo, mid, hi = np.percentile(series, [5, 50, 95], axis=1)
            ax.fill_between(x, lo, hi, color="#4a78b5", alpha=0.25, lw=0, label="5-95% of runs")
            ax.plot(x, mid, color="#1f4e8c", lw=1.6, label="median run")
        else:
            dots = "o" if len(x) < 3 else None  # a run just begun: its few months as dots
            ax.plot(x, series[:, 0], color="#1f4e8c", lw=1.6, marker=dots, label="this run")
        ax.axhline(0, color="black", lw=0.5)
        ax.set_ylim(-100, 100)
        ax.set_xlim(x[0], max(x[-1] + 1 / 12, x[0] + 1))  # at least a year, in whole years
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.ticklabel_format(axis="x", useOffset=False, style="plain")
        ax.set_ylabel("attitude")
        name = model.scenario.names.pair(pair)
        ax.set_title(titled(name, "(shaded: the paper's phases)"), fontsize=10, loc="left")
        ax.legend(loc="lower left", fontsize=8, frameon=False)
    axes[-1, 0].set_xlabel("year")
    fig.tight_layout()
    return png(fig)


def _plot_events(comparison: Comparison) -> bytes:
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    events = comparison.events
    fig, ax = plt.subplots(figsize=(10, 0.32 * max(len(events), 3) + 1.2))
    years: list[float] = []
    for k, e in enumerate(events):
        y = len(events) - 1 - k
        recorded = _year(parse_month(e.month))
        ax.plot([recorded], [y], marker="D", color="black", ms=6, zorder=3)
        sim = comparison.event_month[:, k]
        sim = sim[sim >= 0]
        share = sim.size / comparison.replicates
        years.append(recorded)
        if sim.size:
            lo, mid, hi = np.percentile(sim / 12.0, [5, 50, 95])
            years += [lo, hi]
            ax.plot([lo, hi], [y, y], color="#4a78b5", lw=3, alpha=0.6, zorder=2)
            ax.plot([mid], [y], marker="o", color="#1f4e8c", ms=5, zorder=4)
        ax.text(
            1.005, y, f"{share:.0%}", transform=ax.get_yaxis_transform(), va="center", fontsize=8
        )
    ax.set_yticks(range(len(events)))
    ax.set_yticklabels([e.id for e in reversed(events)], fontsize=8)
    ax.set_xlabel(
        "year   (black diamond: recorded; blue: simulated median and 5-95%; "
        "right: share of runs where it happened)",
        fontsize=8,
    )
    ax.grid(axis="x", alpha=0.3)
    if years:  # a few events close together (a game just begun) still span a year or more
        pad = max(0.5, 0.03 * (max(years) - min(years)))
        ax.set_xlim(min(years) - pad, max(years) + pad)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    fig.tight_layout()
    return png(fig)


def _fmt(interval: dict[str, Any], digits: int = 2) -> str:
    if interval["median"] is None:
        return "n/a"
    return (
        f"{interval['median']:.{digits}f} "
        f"<span class=ci>(95%: {interval['low']:.{digits}f} to {interval['high']:.{digits}f})"
        "</span>"
    )


def _nulls(nulls: dict[str, Any], key: str) -> str:
    """The two null models' medians of a measure, as two table cells."""
    cells = []
    for name in ("uniform", "random_weights"):
        value = nulls[name][key]
        cells.append(f"<td>{'n/a' if value is None else f'{value:.2f}'}</td>")
    return "".join(cells)


def write_report(
    model: FrontlineModel, record: Record, out: Path, title: str, until: int | None = None
) -> Path:
    """Write the comparison report of a model's runs into ``out``; return the HTML path.

    The report's files are written as one set (``frontline.files.write_set``). ``until``: a
    run still going compares only what falls before that month (``sim.history.compare``).
    """
    from frontline import fidelity

    comparison = compare(model, record, until=until)
    dist = comparison.distribution()
    found = fidelity.measures(model.scenario, record, seed=model.seed)
    dist["skill"], dist["nulls"] = found["skill"], found["nulls"]
    files: dict[str, str | bytes] = {
        "attitudes.png": _plot_attitudes(model, comparison),
        "events.png": _plot_events(comparison),
        "comparison.json": json.dumps(dist, indent=1) + "\n",
    }
    sc = model.scenario
    names = sc.names  # the states as the scenario calls them; comparison.json keeps the ids
    esc = html.escape
    decision_rows = []
    for d in dist["decisions"]:
        cd = sc.decision(d["id"])
        shares = "".join(
            f"<li{' class=hist' if o == d['historical'] else ''}>{esc(o)}: {s:.0%}</li>"
            for o, s in d["shares"].items()
        )
        decision_rows.append(
            f"<tr><td>{esc(format_month(cd.first))}</td><td>{esc(names[cd.spec.actor])}</td>"
            f"<td><b>{esc(d['id'])}</b><br><small>{esc(' '.join(cd.spec.prompt.split()))}</small>"
            f"</td><td>{esc(d['historical'])}</td><td><ul>{shares}</ul></td></tr>"
        )
    phase_rows = "".join(
        f"<tr><td>{esc(names.pair(p['pair']))}</td><td>{p['from']} to {p['to']}</td>"
        f"<td>{p['trend']}</td>"
        f"<td>{signed(p['median_change'], 1)}</td><td>{p['share_agreeing']:.0%}</td>"
        f"<td><small>&ldquo;{esc(ph.wording)}&rdquo; ({esc(citation(ph.source.model_dump()))})"
        "</small></td></tr>"
        for p, ph in zip(dist["phases"], comparison.phases, strict=True)
    )
    page = (
        html_head(title)
        + f"""
<h1>{esc(title)}</h1>
<p>{esc(sc.spec.title)}: {format_month(sc.start)} to {format_month(sc.end)},
{dist["runs"]} run(s) from seed {model.seed}. Source of the history: Ayaz, Nawaz &amp; Ullah
(2025), &ldquo;The Changing Dynamics of Pakistan's Relations with the Former Soviet Union
1947-91&rdquo;, <i>Global Foreign Policies Review</i> VIII(III), 15&ndash;22.</p>
<h2>How close to history</h2>
<p>Free runs of this model, beside free runs of two models that know nothing: the uniform
null (every option equally likely) and the random-weights null (each actor's weights drawn
at random, same rules); {found["nulls"]["uniform"]["runs"]} runs each, medians.</p>
<table><tr><th>measure</th><th>median over runs</th><th>uniform null</th>
<th>random-weights null</th><th>what it means</th></tr>
<tr><td>decision agreement</td><td>{_fmt(dist["decision_agreement"])}</td>
{_nulls(found["nulls"], "decision_agreement")}
<td>share of decision points where the run chose as history did</td></tr>
<tr><td>phase agreement</td><td>{_fmt(dist["phase_agreement"])}</td>
{_nulls(found["nulls"], "phase_agreement")}
<td>share of the paper's phases in which the relationship moved the way the paper says</td></tr>
<tr><td>recorded events that did not happen</td>
<td>{_fmt(dist["recorded_events_missed_share"])}</td>
{_nulls(found["nulls"], "recorded_events_missed_share")}
<td>share of the {len(dist["events"])} recorded events of the period that never happened</td></tr>
<tr><td>events the record does not hold</td>
<td>{_fmt(dist["unrecorded_events_happened"], 1)}</td><td></td><td></td>
<td>how many of the scenario's events off the record happened in a run</td></tr>
<tr><td>event timing</td><td>{_fmt(dist["event_timing_mae_months"], 1)}</td><td></td><td></td>
<td>mean months between a simulated event and the recorded one, over the recorded events
that happened (read it with the two rows above)</td></tr></table>
{fidelity.html_section(sc, record, found)}
<h2>Attitudes and the paper's phases</h2>
<img src="attitudes.png" alt="attitude trajectories with the paper's phases">
<table><tr><th>pair</th><th>phase</th><th>paper's trend</th><th>median change</th>
<th>runs agreeing</th><th>the paper's words</th></tr>{phase_rows}</table>
<h2>Decision points</h2>
<table><tr><th>month</th><th>state</th><th>decision</th><th>history chose</th>
<th>share of runs choosing each option (history's in bold)</th></tr>
{"".join(decision_rows)}</table>
<h2>Recorded and simulated events</h2>
<img src="events.png" alt="timeline of recorded against simulated events">
<p><small>Made by <code>frontline compare</code>. The figures and comparison.json are in this
folder.</small></p>
</body></html>
"""
    )
    files["index.html"] = page
    write_set(out, files)  # one set: a report killed while written is never half old
    return out / "index.html"
