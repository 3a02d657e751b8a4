"""The divergence report's figures and page, drawn from ``divergence.json``'s data alone.

Every number on the page and in the figures comes from the data that is written beside
them, so the report and ``divergence.json`` always agree. The JSON, the page and the
figures are written as one set (``frontline.files.write_set``): a report folder never
holds the page of one comparison beside the figures of another.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from frontline.compare import fitted, html_head, pyplot
from frontline.divergence import FIGURES, NEVER, THRESHOLD
from frontline.files import write_set
from sim.actors import ACTORS, USUAL_NAMES, StateNames
from sim.calendar import parse_month
from sim.values import written

A_COLOUR, B_COLOUR = "#c0392b", "#1f4e8c"

_EXTRA_STYLE = """
<style>
tr.changed td { background: #fff4d6; }
td.num { text-align: right; white-space: nowrap; }
.a { color: #c0392b; font-weight: bold; } .b { color: #1f4e8c; font-weight: bold; }
.sides td:first-child { font-weight: bold; }
.small { font-size: 90%; } details { margin: 1em 0; } summary { cursor: pointer; }
p.lead { font-size: 105%; background: #f7f7f7; padding: 0.6em 1em; border-left: 4px solid #999; }
</style>
"""


def _whole_years(ax: Any) -> None:
    """Ticks on whole years only (a two-year scenario would get 1950.25 and the like)."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _png(fig: Any) -> bytes:
    """A figure as PNG bytes (closed after)."""
    plt = pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def _year(month: str) -> float:
    return parse_month(month) / 12.0


def _figure_first(data: dict[str, Any]) -> bytes:
    """The share of run pairs whose histories have parted, month by month."""
    plt = pyplot()
    first = data["first_difference"]
    fig, ax = plt.subplots(figsize=(10, 3.2))
    start = min(_year(data["a"]["start"]), _year(data["b"]["start"]))
    end = max(_year(data["a"]["end"]), _year(data["b"]["end"])) + 1 / 12
    points = first["cumulative"]
    if points:
        x = [start] + [_year(p["month"]) for p in points] + [end]
        y = [0.0] + [p["share"] for p in points] + [points[-1]["share"]]
        ax.step(x, y, where="post", color="#333", lw=1.8)
        if first["median"] is not None:
            m = _year(first["median"])
            ax.axvline(m, color="#c0392b", lw=1, ls="--")
            ax.text(m, 0.52, f"  median {first['median']}", color="#c0392b", fontsize=9)
        ax.axhline(0.5, color="#999", lw=0.5)
        last = points[-1]["share"]
        ax.text(
            end,
            last - 0.07 if last > 0.2 else last + 0.03,
            f"{last:.0%} of the pairs differ by the end  ",
            ha="right",
            fontsize=9,
        )
    else:
        ax.text(0.5, 0.5, "The two histories never differ.", ha="center", transform=ax.transAxes)
    ax.set_xlim(start, end)
    _whole_years(ax)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("year")
    ax.set_ylabel("share of run pairs")
    ax.set_title(
        "Share of run pairs whose histories have differed by each month", fontsize=10, loc="left"
    )
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)


def _figure_decisions(data: dict[str, Any]) -> bytes:
    """Total variation between A's and B's option shares at every decision, in time order."""
    plt = pyplot()
    decisions = data["decisions"]
    n = max(len(decisions), 1)
    fig, ax = plt.subplots(figsize=(10, 0.22 * n + 1.3))
    y = np.arange(len(decisions))[::-1]
    tv = [d["tv"] for d in decisions]
    colours = ["#d35400" if v >= THRESHOLD else "#95a5a6" for v in tv]
    ax.barh(y, tv, color=colours, height=0.7)
    ax.set_yticks(y, [f"{d['month']}  {d['id']}" for d in decisions], fontsize=7)
    ax.axvline(THRESHOLD, color="#d35400", lw=0.8, ls="--")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.7, len(decisions) - 0.3)
    ax.set_xlabel(
        f"total variation between A's and B's option shares (orange: {THRESHOLD} or more)",
        fontsize=9,
    )
    ax.set_title("How much each decision changed (0: same shares; 1: no overlap)", loc="left")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _png(fig)


SHOWN_EVENTS = 30
"""The events with the largest differences that the events figure shows."""


def _figure_events(data: dict[str, Any]) -> bytes:
    """The probability of each event in A and in B, for the largest differences."""
    plt = pyplot()
    changed = [e for e in data["events"] if e["difference"] != 0]
    changed = sorted(changed, key=lambda e: -abs(e["difference"]))[:SHOWN_EVENTS]
    changed.sort(key=lambda e: -e["difference"])
    fig, ax = plt.subplots(figsize=(10, 0.28 * max(len(changed), 3) + 1.4))
    if not changed:
        ax.text(0.5, 0.5, "No event's probability differs.", ha="center", transform=ax.transAxes)
        ax.set_yticks([])
    for k, e in enumerate(changed):
        row = len(changed) - 1 - k
        pa, pb = e["p"]["a"], e["p"]["b"]
        ax.plot([pb, pa], [row, row], color="#bbb", lw=2, zorder=1)
        ax.plot([pb], [row], "o", color=B_COLOUR, ms=6, zorder=2)
        ax.plot([pa], [row], "o", color=A_COLOUR, ms=6, zorder=3)
    if changed:
        ax.set_yticks(range(len(changed)), [e["id"] for e in reversed(changed)], fontsize=7)
        ax.plot([], [], "o", color=A_COLOUR, label="A")
        ax.plot([], [], "o", color=B_COLOUR, label="B")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("probability that the event happens")
    more = len([e for e in data["events"] if e["difference"] != 0])
    shown = f"the {len(changed)} largest differences of {more}" if more > len(changed) else ""
    ax.set_title(
        "Events gained (top) and lost (bottom) in A" + (f": {shown}" if shown else ""),
        fontsize=10,
        loc="left",
    )
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _png(fig)


PANEL_WIDTH = 30
"""Characters of a title line that fit one of the 30 small attitude charts (at 9 points)."""


def _panel_title(pair: str, names: StateNames) -> str:
    """A directed pair in two lines, each short enough for a fifth of the figure's width.

    ``PAK->USSR``: "Pakistan" over "towards the Soviet Union"; a longer name ends in "…".
    """
    a, b = pair.split("->")
    towards = fitted(f"towards {names.in_sentence(b)}", PANEL_WIDTH)
    return f"{fitted(names.opening(a), PANEL_WIDTH)}\n{towards}"


def _figure_attitudes(data: dict[str, Any], names: StateNames) -> bytes:
    """Every directed pair's attitude at the chosen years: medians and 90% bands, A and B."""
    plt = pyplot()
    by_pair: dict[str, list[dict[str, Any]]] = {}
    for row in data["attitudes"]:
        by_pair.setdefault(row["pair"], []).append(row)
    fig, axes = plt.subplots(6, 5, figsize=(11, 12.5), sharex=True, sharey=True)
    for ax, (pair, rows) in zip(axes.ravel(), by_pair.items(), strict=False):
        years = [r["year"] for r in rows]
        for key, colour, style in (("b", B_COLOUR, "--"), ("a", A_COLOUR, "-")):
            mid = [r[key]["median"] for r in rows]
            lo = [r[key]["low"] for r in rows]
            hi = [r[key]["high"] for r in rows]
            ax.fill_between(years, lo, hi, color=colour, alpha=0.15, lw=0)
            ax.plot(years, mid, style, color=colour, lw=1.4, marker=".", ms=4)
        ax.axhline(0, color="black", lw=0.4)
        ax.set_title(_panel_title(pair, names), fontsize=9)
        ax.set_ylim(-100, 100)
        _whole_years(ax)
        ax.grid(alpha=0.25)
        ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.tick_params(axis="x", labelrotation=45)
    fig.suptitle(
        "Attitudes in December of the chosen years: A (red, solid) and B (blue, dashed), "
        "medians and 90% of runs",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    return _png(fig)


# --------------------------------------------------------------------------- the page


def _count(n: int, noun: str) -> str:
    """``1 event``, ``2 events``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _pct(share: float) -> str:
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 < share < 1:
        return ">99%"
    return f"{share:.0%}"


def _shares_list(shares: dict[str, float], historical: str | None, forced: str | None) -> str:
    esc = html.escape
    items = []
    for option, share in shares.items():
        if share == 0 and option != NEVER:
            continue
        if share == 0:
            continue
        mark = " (forced)" if option == forced else ""
        cls = " class=hist" if option == historical else ""
        items.append(f"<li{cls}>{esc(option)}{mark}: {_pct(share)}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _signed(value: float | None) -> str:
    """A whole number with its sign (&minus; for negatives; no sign for 0, never "-0")."""
    if value is None:
        return "n/a"
    whole = round(value)
    return "0" if whole == 0 else f"+{whole}" if whole > 0 else f"&minus;{-whole}"


def _interval_text(i: dict[str, float | None]) -> str:
    if i["median"] is None:
        return "n/a"
    return (
        f"{_signed(i['median'])} <span class=ci>({_signed(i['low'])} to {_signed(i['high'])})"
        "</span>"
    )


def _event_table(caption: str, rows: list[dict[str, Any]]) -> str:
    """A table of events with their probabilities in A and B and the difference."""
    if not rows:
        return f"<h3>{html.escape(caption)}</h3><p>None.</p>" if caption else ""
    esc = html.escape
    body = []
    for e in rows:
        months = " / ".join(
            m or "&ndash;" for m in (e["median_month"]["a"], e["median_month"]["b"])
        )
        body.append(
            f"<tr><td>{esc(e['title'])}<br><small>{esc(e['id'])}</small></td>"
            f"<td class=num>{_pct(e['p']['a'])}</td><td class=num>{_pct(e['p']['b'])}</td>"
            f"<td class=num>{e['difference'] * 100:+.1f} &plusmn; {2 * e['se'] * 100:.1f}</td>"
            f"<td class=num>{months}</td></tr>"
        )
    head = f"<h3>{esc(caption)} ({len(rows)})</h3>" if caption else ""
    return (
        f"{head}<table><tr><th>event</th><th>P(A)</th><th>P(B)</th><th>A &minus; B, points "
        "(&plusmn; 2 paired s.e.)</th><th>median month A / B</th></tr>" + "".join(body) + "</table>"
    )


def _cause(cause: dict[str, Any], titles: Mapping[str, str]) -> str:
    esc = html.escape
    if cause["kind"] == "decision":
        return f"the decision <b>{esc(cause['id'])}</b>"
    title = titles.get(cause["id"], cause["id"])
    return f"the event <b>{esc(title)}</b> <small>({esc(cause['id'])})</small>"


def _page(data: dict[str, Any], names: StateNames) -> str:
    """The page: what was compared, when the histories part, decisions, events, attitudes."""
    esc = html.escape
    a, b = data["a"], data["b"]
    first = data["first_difference"]
    summary = data["summary"]
    titles = {e["id"]: e["title"] for e in data["events"]}
    n = data["runs"]
    changed = summary["changed_decisions"]

    share = _pct(first["pairs_differing"])
    if first["median"] is not None:
        by = (
            f"; 95% of them by {first['high']}"
            if first["high"] is not None
            else f"; the other {_pct(1 - first['pairs_differing'])} never differ"
            if first["pairs_differing"] < 1
            else ""
        )
        when = (
            f"The two histories first differ in <b>{first['median']}</b> (the median over the "
            f"{n:,} run pairs). {share} of the run pairs differ at some point{by}."
        )
    elif first["pairs_differing"] > 0:
        when = (
            f"Only {share} of the run pairs ever differ, fewer than half, so the median pair "
            "never does."
        )
    else:
        when = "The two histories never differ: every run of A is the same as its run of B."
    cause = ""
    if first["causes"]:
        top = first["causes"][0]
        cause = (
            f" Most often the first difference is {_cause(top, titles)} "
            f"({_pct(top['share'])} of the run pairs)."
        )
    gained, lost = summary["events_gained"], summary["events_lost"]
    lead = (
        f"{when}{cause} {len(changed)} of {_count(len(data['decisions']), 'decision')} "
        f"{'changes' if len(changed) == 1 else 'change'} by a total variation of {THRESHOLD} "
        f"or more; {_count(len(gained), 'event')} "
        f"{'becomes' if len(gained) == 1 else 'become'} more likely in A and {len(lost)} less "
        "likely (beyond twice their paired standard error)."
    )

    cause_rows = "".join(
        f"<tr><td>{_cause(c, titles)}</td><td class=num>{_pct(c['share'])}</td></tr>"
        for c in first["causes"]
    )
    causes = (
        "<table><tr><th>what differs first</th><th>share of run pairs</th></tr>"
        f"{cause_rows}</table><p class=small>Where a decision and an event differ in the same "
        "first month, both are counted, so the shares may add up to more than the share of "
        "pairs that differ.</p>"
        if cause_rows
        else ""
    )

    decision_rows = []
    for d in data["decisions"]:
        cls = " class=changed" if d["tv"] >= THRESHOLD else ""
        prompt = esc(d["prompt"])
        absent = [k.upper() for k, present in d["in"].items() if not present]
        note = f"<br><small>not in {' or '.join(absent)}'s scenario</small>" if absent else ""
        decision_rows.append(
            f"<tr{cls}><td>{esc(d['month'])}</td><td>{esc(names[d['actor']])}</td>"
            f"<td><b>{esc(d['id'])}</b><br><small>{prompt}</small>{note}</td>"
            f"<td>{_shares_list(d['shares']['a'], d['historical'], d['forced']['a'])}</td>"
            f"<td>{_shares_list(d['shares']['b'], d['historical'], d['forced']['b'])}</td>"
            f"<td class=num>{d['tv']:.2f}</td><td class=num>{_pct(d['pairs_differing'])}</td></tr>"
        )

    gained_rows = [e for e in data["events"] if e["id"] in set(gained)]
    lost_rows = [e for e in reversed(data["events"]) if e["id"] in set(lost)]
    clear = set(gained) | set(lost)
    chance_rows = [e for e in data["events"] if e["difference"] != 0 and e["id"] not in clear]
    same = len(data["events"]) - len(clear) - len(chance_rows)
    events = (
        _event_table("Gained: more likely in A", gained_rows)
        + _event_table("Lost: less likely in A", lost_rows)
        + (
            f"<details><summary>{len(chance_rows)} smaller differences that could be chance"
            f"</summary>{_event_table('', chance_rows)}</details>"
            if chance_rows
            else ""
        )
    )
    focus = ("PAK->USSR", "USSR->PAK")
    cells = {(r["pair"], r["year"]): r for r in data["attitudes"] if r["pair"] in focus}
    focus_rows = "".join(
        f"<tr><td>{year}</td>"
        + "".join(
            f"<td class=num>{_interval_text(cells[(pair, year)][k])}</td>"
            for pair in focus
            for k in ("a", "b", "difference")
        )
        + "</tr>"
        for year in data["years"]
    )
    focus_head = (
        "<tr><th rowspan=2>year</th>"
        + "".join(f"<th colspan=3>{esc(names.pair(pair))}</th>" for pair in focus)
        + "</tr><tr>"
        + "<th>A</th><th>B</th><th>A &minus; B, run by run</th>" * len(focus)
        + "</tr>"
    )
    all_rows = "".join(
        f"<tr><td>{esc(names.pair(r['pair']))}</td><td>{r['year']}</td>"
        f"<td class=num>{_interval_text(r['a'])}</td><td class=num>{_interval_text(r['b'])}</td>"
        f"<td class=num>{_interval_text(r['difference'])}</td></tr>"
        for r in data["attitudes"]
    )
    attitude_head = (
        "<tr><th>{0}</th><th>{1}</th><th>A: median (90%)</th><th>B: median (90%)</th>"
        "<th>A &minus; B, run by run: median (90%)</th></tr>"
    )

    def side_row(key: str, side: dict[str, Any]) -> str:
        changes = [f"forced: {d} = {o}" for d, o in side["force"].items()]
        changes += [f"set: {p} = {written(v)}" for p, v in side["set"].items()]
        shown = "".join(f"<br><small>{esc(c)}</small>" for c in changes)
        return (
            f"<tr><td class={key}>{key.upper()}</td><td>{esc(side['scenario'])}{shown}</td>"
            f"<td>{esc(side['title'])}</td><td>{side['start']} to {side['end']}</td>"
            f"<td><code>{side['runs_folder']}/</code></td></tr>"
        )

    actors = names.listed(range(len(ACTORS)))
    return (
        html_head("Divergence report")
        + _EXTRA_STYLE
        + f"""
<h1>How A's history diverges from B's</h1>
<table class=sides><tr><th></th><th>scenario as run</th><th>title</th><th>period</th>
<th>its runs</th></tr>{side_row("a", a)}{side_row("b", b)}</table>
<p>{n:,} runs of each, seed {data["seed"]}. Run <i>r</i> of A and run <i>r</i> of B have the
same seed and replicate id (replicates {data["replicates"]["first"]} to
{data["replicates"]["last"]}), so they draw the same random numbers every month: they
differ only where the two scenarios make them differ, and a scenario compared with itself
differs nowhere.</p>
<p class=lead>{lead}</p>

<h2>When the histories part</h2>
<p>A run pair differs from the first month in which a decision is taken differently (another
option, another month, or in one run only) or an event happens in one run and not the other,
or in another month. {_pct(first["pairs_differing"])} of the run pairs differ somewhere.
</p>
<img src="{FIGURES[0]}" alt="share of run pairs that have differed, by month">
{causes}

<h2>Decisions</h2>
<p>Every decision of either scenario, in the order they may arise. The shares count the runs
that took each option, and those in which the decision never arose. The total variation
(TV) is half the sum of the differences between the two sides' shares: 0 when they are
the same, 1 when they have nothing in common. Rows with a TV of {THRESHOLD} or more are
shaded. &ldquo;Pairs differing&rdquo; counts the run pairs whose outcome differs (TV is the
least it can be). History's option is in bold.</p>
<img src="{FIGURES[1]}" alt="total variation at each decision">
<table><tr><th>first month</th><th>state</th><th>decision</th><th>A</th><th>B</th>
<th>TV</th><th>pairs differing</th></tr>{"".join(decision_rows)}</table>

<h2>Events gained and lost</h2>
<p>Each event's probability of happening in A and in B, sorted by the difference. An event
is gained or lost where the difference is more than twice its paired standard error (from
the run pairs); smaller differences could be chance. {_count(same, "event")}
{"is" if same == 1 else "are"} exactly as likely in both (divergence.json lists every
event).</p>
<img src="{FIGURES[2]}" alt="probability of each event in A and in B">
{events}

<h2>Attitudes</h2>
<p>How each state regards each other (&minus;100 to +100) in December of each chosen year
({", ".join(str(y) for y in data["years"])}; <code>--years</code> chooses them). The six
states are {actors}.</p>
<img src="{FIGURES[3]}" alt="attitudes of every pair at the chosen years, A and B">
<h3>{esc(names.pair("PAK-USSR"))}: medians (and 90% of runs)</h3>
<table>{focus_head}{focus_rows}</table>
<details><summary>Every pair at every chosen year</summary>
<table>{attitude_head.format("pair", "year")}{all_rows}</table></details>

<p><small>Made by <code>{esc(data["command"])} --out DIR</code>. Every figure is drawn
from divergence.json, which is in this folder; the runs themselves are
in <code>{a["runs_folder"]}/</code> and <code>{b["runs_folder"]}/</code> (Parquet: load with
pandas), and <code>frontline run --from {a["runs_folder"]} --run 17</code>, typed in this
folder, replays run 17 of A month by month. Source of the history: Ayaz, Nawaz &amp; Ullah
(2025), <i>Global Foreign Policies Review</i> VIII(III), 15&ndash;22.</small></p>
</body></html>
"""
    )


def write_report(data: dict[str, Any], out: Path, names: StateNames = USUAL_NAMES) -> Path:
    """Write ``divergence.json``, the figures and ``index.html`` into ``out`` as one set.

    ``names``: what the page and figures call the states (``divergence.json`` keeps the ids).
    """
    files: dict[str, str | bytes] = {
        "divergence.json": json.dumps(data, indent=1, default=str) + "\n",
        FIGURES[0]: _figure_first(data),
        FIGURES[1]: _figure_decisions(data),
        FIGURES[2]: _figure_events(data),
        FIGURES[3]: _figure_attitudes(data, names),
        "index.html": _page(data, names),
    }
    write_set(out, files)
    return out / "index.html"
