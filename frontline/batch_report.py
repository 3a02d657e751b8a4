"""``frontline compare DIR``: the report of a batch (fan charts, option shares, sweeps).

It reads the batch's Parquet dataset and writes ``index.html`` with PNG figures:
- fan charts of yearly attitudes (median, 50% and 90% bands) per scenario and parameter
  combination, with the paper's phases shaded behind them;
- how often each option was chosen at each decision point, against history's choice;
- for sweeps, the response of decision and phase agreement to the swept value.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from frontline.batch import Manifest, verified_batch
from frontline.compare import TREND_COLOURS, html_head, png, pyplot, titled
from frontline.fidelity import NULL_RUNS
from frontline.files import write_set
from sim.actors import USUAL_NAMES, StateNames
from sim.batch import BatchSpec
from sim.calendar import parse_month
from sim.errors import ScenarioError
from sim.history import Record, interval
from sim.values import written

if TYPE_CHECKING:
    from sim.scenario import CompiledScenario


def _read(files: list[Path]) -> pd.DataFrame:
    """The rows of a batch's chunk files, in run order (the files were verified)."""
    import pyarrow.dataset as ds

    return ds.dataset([str(f) for f in files], format="parquet").to_table().to_pandas()


def _value(value: Any) -> str:
    """A parameter's value from its column as ``--set`` writes it (``null``: left out)."""
    if pd.isna(value):
        return "null"
    return written(value) if isinstance(value, str) else str(value)  # 'null' is text


def _groups(df: pd.DataFrame, spec: BatchSpec) -> list[tuple[str, pd.DataFrame]]:
    keys = ["scenario"] + [f"set.{p}" for p, _ in spec.sweeps]
    out = []
    for values, part in df.groupby(keys, sort=True, dropna=False):
        values = values if isinstance(values, tuple) else (values,)
        label = ", ".join(
            str(v) if k == "scenario" else f"{k.removeprefix('set.')}={_value(v)}"
            for k, v in zip(keys, values, strict=True)
        )
        out.append((label, part))
    return out


def _pair_years(df: pd.DataFrame, pair: str) -> tuple[list[int], np.ndarray]:
    """Years and (runs, years) values of a pair; ``A-B`` is the mean of both directions."""
    if "->" in pair:
        names = [pair]
    else:
        a, b = pair.split("-")
        names = [f"{a}->{b}", f"{b}->{a}"]
    years = sorted(
        {int(c.rsplit(".", 1)[1]) for c in df.columns if c.startswith(f"att.{names[0]}.")}
    )
    stacks = [df[[f"att.{n}.{y}" for y in years]].to_numpy(dtype=np.float64) for n in names]
    return years, sum(stacks) / len(stacks)


def _fan(groups: list[tuple[str, pd.DataFrame]], record: Record, names: StateNames) -> bytes:
    plt = pyplot()
    pairs = list(dict.fromkeys(p.pair for p in record.phases))[:6] or ["PAK-USSR"]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, axes = plt.subplots(len(pairs), 1, figsize=(10, 2.6 * len(pairs) + 0.6), squeeze=False)
    for ax, pair in zip(axes[:, 0], pairs, strict=True):
        for p in record.phases:
            if p.pair == pair:
                x0 = parse_month(p.start) / 12
                x1 = (parse_month(p.end) + 1) / 12
                ax.axvspan(x0, x1, color=TREND_COLOURS[p.trend], alpha=0.5, lw=0)
        for k, (label, part) in enumerate(groups):
            years, values = _pair_years(part, pair)
            x = np.array(years) + 11.5 / 12
            c = colours[k % len(colours)]
            lo, q1, mid, q3, hi = np.nanpercentile(values, [5, 25, 50, 75, 95], axis=0)
            ax.fill_between(x, lo, hi, color=c, alpha=0.12, lw=0)
            ax.fill_between(x, q1, q3, color=c, alpha=0.25, lw=0)
            ax.plot(x, mid, color=c, lw=1.5, label=label)
        ax.axhline(0, color="black", lw=0.5)
        ax.set_ylim(-100, 100)
        ax.set_title(
            titled(names.pair(pair), "(shaded: the paper's phases; bands: 50% and 90% of runs)"),
            fontsize=10,
            loc="left",
        )
        ax.legend(loc="lower left", fontsize=7, frameon=False)
    axes[-1, 0].set_xlabel("year (December of each year)")
    fig.tight_layout()
    return png(fig)


def _sweep_plot(df: pd.DataFrame, spec: BatchSpec) -> dict[str, bytes]:
    plt = pyplot()
    images = {}
    for k, (param, _) in enumerate(spec.sweeps):
        col = f"set.{param}"
        fig, ax = plt.subplots(figsize=(7, 3.5))
        for measure, style in (("decision_agreement", "o-"), ("phase_agreement", "s--")):
            for scenario, part in df.groupby("scenario"):
                stats = part.groupby(col, dropna=False)[measure].agg(["mean", "std", "count"])
                half = 1.96 * stats["std"].fillna(0) / np.sqrt(stats["count"])
                named = stats.index.dtype == object or bool(stats.index.isna().any())
                x = list(range(len(stats))) if named else stats.index
                ax.errorbar(
                    x,
                    stats["mean"],
                    yerr=half,
                    fmt=style,
                    capsize=3,
                    label=f"{measure.replace('_', ' ')} ({scenario})",
                )
                if named:  # text, or numbers with null: each value is a tick
                    ax.set_xticks(x, [_value(v) for v in stats.index])
        ax.set_xlabel(param)
        ax.set_ylabel("mean over runs (95% CI)")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7, frameon=False)
        fig.tight_layout()
        images[f"sweep-{k}.png"] = png(fig)
    return images


def _scenario(name: str, spec: BatchSpec) -> CompiledScenario | None:
    """A batch's scenario as its files now are, with the batch's fixed settings (or None).

    None where it no longer loads. Swept values are left at the scenario's own: what is
    drawn from it (the nulls, the states' names) stands for every combination.
    """
    from sim.scenario import load_scenario

    try:
        return load_scenario(name, overrides=dict(spec.sets), force=dict(spec.force) or None)
    except ScenarioError:
        return None


def changed_since(manifest: Manifest, loaded: bool) -> bool | None:
    """Whether a batch's scenario files or the recorded history have changed since it ran.

    None where one of its scenarios no longer loads (``loaded`` is False): the report then
    has no null models for it and uses the usual names. The runs are the batch's either
    way; what the report draws from the files (the states' names, the null models) is
    drawn from them as they are now, so the report says so where they differ.
    """
    from sim.batch import fingerprint

    if not loaded:
        return None
    try:
        return fingerprint(manifest.spec, fresh=True) != manifest.fingerprint
    except (ScenarioError, OSError):  # a swept value the scenario no longer takes
        return True


def _nulls(scenario: CompiledScenario, spec: BatchSpec, record: Record) -> dict[str, Any]:
    """The free-run agreement of the null models on a batch's scenario.

    With the batch's fixed settings and forced choices (the nulls do not depend much on
    swept values, and each costs two runs of 100).
    """
    from sim.skill import null_runs

    return null_runs(scenario, record, runs=NULL_RUNS, seed=spec.seed)


def _median(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def write_batch_report(
    results: Path,
    record: Record | Callable[[list[str]], Record],
    out: Path,
    say: Callable[[str], None] | None = None,
) -> Path:
    """Write the report of a batch's results folder into ``out``; return the HTML path.

    ``record`` is the record, or a function that gives it once the batch's event and
    decision ids are known (from its columns: the caller checks the record against them).
    ``say`` is given the report's note where the files have changed since the batch ran.
    """
    manifest, chunk_files = verified_batch(results)
    spec = manifest.spec
    df = _read(chunk_files)
    if callable(record):
        ids = [c.split(".", 1)[1] for c in df.columns if c.startswith(("choice.", "event."))]
        record = record(ids)
    groups = _groups(df, spec)
    scenarios = {name: _scenario(name, spec) for name in spec.scenarios}
    changed = changed_since(manifest, None not in scenarios.values())
    if changed is not False and say is not None:
        say(CHANGED_WORDS[changed])
    # the states as the batch's scenarios call them, where they agree (else the usual names);
    # a scenario that no longer loads says nothing, so with one the usual names stand
    names = (
        USUAL_NAMES
        if None in scenarios.values()
        else StateNames.shared(sc.names for sc in scenarios.values() if sc is not None)
    )
    files: dict[str, str | bytes] = {"attitudes.png": _fan(groups, record, names)}
    sweep_images = _sweep_plot(df, spec)
    files.update(sweep_images)
    esc = html.escape
    summary_rows = []
    summary: dict[str, Any] = {"runs": len(df), "scenarios_changed": changed, "groups": {}}
    for label, part in groups:
        d = interval(part["decision_agreement"].to_numpy(dtype=np.float64))
        p = interval(part["phase_agreement"].to_numpy(dtype=np.float64))
        summary["groups"][label] = {
            "runs": len(part),
            "decision_agreement": d,
            "phase_agreement": p,
        }
        summary_rows.append(
            f"<tr><td>{esc(label)}</td><td>{len(part)}</td><td>{_fmt(d)}</td>"
            f"<td>{_fmt(p)}</td></tr>"
        )
    summary["nulls"] = {}
    for name in spec.scenarios:  # beside every figure, the same for models that know nothing
        scenario = scenarios[name]
        nulls = None if scenario is None else _nulls(scenario, spec, record)
        summary["nulls"][name] = nulls
        for model, label in (("uniform", "uniform choice"), ("random_weights", "random weights")):
            if nulls is None:
                continue
            row = nulls[model]
            summary_rows.append(
                f"<tr class=ci><td>null: {esc(label)} ({esc(name)})</td><td>{row['runs']}</td>"
                f"<td>{_median(row['decision_agreement'])}</td>"
                f"<td>{_median(row['phase_agreement'])}</td></tr>"
            )
    decision_rows = []
    for rd in record.decisions:
        col = f"choice.{rd.id}"
        if col not in df.columns:
            continue
        cells = []
        for _label, part in groups:
            shares = part[col].fillna("(never arose)").value_counts(normalize=True)
            cells.append(
                "<ul>"
                + "".join(
                    f"<li{' class=hist' if o == rd.option else ''}>{esc(str(o))}: {s:.0%}</li>"
                    for o, s in shares.sort_index().items()
                )
                + "</ul>"
            )
        decision_rows.append(
            f"<tr><td>{esc(rd.id)}</td><td>{esc(rd.option)}</td>"
            + "".join(f"<td>{c}</td>" for c in cells)
            + "</tr>"
        )
    headers = "".join(f"<th>{esc(label)}</th>" for label, _ in groups)
    sweeps = (
        "".join(f'<img src="{n}" alt="response to a swept parameter">' for n in sweep_images)
        or "<p>This batch sweeps no parameter.</p>"
    )
    files["summary.json"] = json.dumps(summary, indent=1) + "\n"
    page = (
        html_head("Batch report")
        + f"""
<h1>Batch report: {len(df)} runs</h1>
<p>Scenarios: {esc(", ".join(spec.scenarios))}; seed {spec.seed}; {spec.runs} runs per
combination. Source of the history: Ayaz, Nawaz &amp; Ullah (2025), <i>Global Foreign
Policies Review</i> VIII(III), 15&ndash;22.</p>
{_changed_html(changed)}<h2>How close to history</h2>
<p>Each group's runs, and below them the same figures for two models that know nothing,
run on each scenario: every option equally likely (uniform choice), and each actor's weights
drawn at random (random weights).</p>
<table><tr><th>group</th><th>runs</th><th>decision agreement (median, 95%)</th>
<th>phase agreement (median, 95%)</th></tr>{"".join(summary_rows)}</table>
<h2>Attitudes</h2><img src="attitudes.png" alt="fan charts of attitudes">
<h2>Decision points (history's choice in bold)</h2>
<table><tr><th>decision</th><th>history</th>{headers}</tr>{"".join(decision_rows)}</table>
<h2>Sweeps</h2>{sweeps}
<p><small>Made by <code>frontline compare</code> from {esc(str(results.name))}.</small></p>
</body></html>
"""
    )
    files["index.html"] = page
    write_set(out, files)  # one set: a report killed while written is never half old
    return out / "index.html"


CHANGED_WORDS = {
    True: "The scenario files or the recorded history have changed since this batch ran. "
    "The runs are the batch's; the states' names and the null models' figures come from the "
    "files as they are now.",
    None: "A scenario of this batch no longer loads: the null models are left out and the "
    "states have their usual names.",
}
"""What the report says where the files are not as the batch found them (``changed_since``)."""


def _changed_html(changed: bool | None) -> str:
    if changed is False:
        return ""
    return f"<p><b>Note.</b> {html.escape(CHANGED_WORDS[changed])}</p>"


def _fmt(i: dict[str, float | None]) -> str:
    if i["median"] is None:
        return "n/a"
    return f"{i['median']:.2f} <span class=ci>({i['low']:.2f} to {i['high']:.2f})</span>"
