"""Checking a saved run (``FrontlineModel.snapshot`` data) before it is restored.

A saved run is a file a user can edit, damage or write by hand. Everything in it is
checked against its own scenario: types, array shapes and dtypes, finite values in range,
months within the period, ids that exist. Each problem names its field
(``state.attitudes: expected shape [1, 6, 6], got [2, 6, 6]``), and all are reported at
once. Good data restores bit for bit: the checks read it, they never round it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.actors import ACTORS, N_ACTORS, Bloc
from sim.calendar import format_month, parse_month
from sim.errors import echo
from sim.limits import MAX_DEPTH, MAX_SEED
from sim.scenario import CompiledDecision, CompiledScenario
from sim.state import TIE_DTYPE, TIES

_BY = ("ai", "human", "forced", "test", None)


class SavedRunError(ValueError):
    """A saved run that cannot be restored; ``problems`` lists each field that is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))

    def __reduce__(self) -> tuple[type[SavedRunError], tuple[list[str]]]:
        return (SavedRunError, (self.problems,))


def depth_problem(data: Any, limit: int = MAX_DEPTH) -> str | None:
    """A message if ``data`` nests lists and mappings deeper than ``limit`` (no recursion)."""
    todo: list[tuple[Any, int]] = [(data, 1)]
    while todo:
        value, depth = todo.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return f"the data is nested more than {limit} levels deep"
        todo.extend((child, depth + 1) for child in children)
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def seed_problem(seed: Any) -> str | None:
    """Why a seed is not one (an integer from 0 to 2**63 - 1), or None."""
    if not _is_int(seed):
        return f"expected a whole number, got {echo(seed)}"
    if not 0 <= seed < MAX_SEED:
        return f"expected a whole number from 0 to 2**63 - 1, got {echo(seed)}"
    return None


class _Checker:
    """Collects the problems of one saved run."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(f"{field}: {message}")

    def need(self, data: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
        """``data[key]`` if it has the right type, else None (and a problem)."""
        if key not in data:
            self.add(key, "required, missing")
            return None
        value = data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.add(key, f"expected {what}, got {_kind(value)}")
            return None
        return value

    def array(
        self,
        field: str,
        values: Any,
        dtype: type,
        shape: tuple[int, ...],
        valid: Callable[[npt.NDArray[Any]], bool] | None = None,
        expected: str = "",
    ) -> npt.NDArray[Any] | None:
        """``values`` as an array of ``dtype`` and ``shape``, or None (and a problem)."""
        try:
            with np.errstate(all="ignore"):
                out: npt.NDArray[Any] = np.asarray(values, dtype=dtype)
        except (ValueError, TypeError, OverflowError):
            self.add(field, f"expected numbers of shape {list(shape)}")
            return None
        if out.shape != shape:
            self.add(field, f"expected shape {list(shape)}, got {list(out.shape)}")
            return None
        if out.dtype.kind == "f" and not np.isfinite(out).all():
            self.add(field, "expected finite numbers, got NaN or infinity")
            return None
        if valid is not None and out.size and not valid(out):
            self.add(field, f"expected {expected}")
            return None
        return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        type(None): "nothing",
        int: "a whole number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def check_envelope(data: Any) -> list[str]:
    """Problems in a saved run's top-level fields, checked before its scenario is compiled."""
    if not isinstance(data, dict):
        return [f"expected a mapping of saved-run fields, got {_kind(data)}"]
    c = _Checker()
    c.need(data, "scenario_file", str, "text")
    c.need(data, "scenario", dict, "a mapping (the scenario's data)")
    seed = data.get("seed")
    if (message := seed_problem(seed)) is not None:
        c.add("seed", message)
    ids = c.need(data, "replicate_ids", list, "a list of replicate ids")
    # an id may repeat: branch_answers runs ids 0..R-1 once for each answer
    if ids is not None and (not ids or not all(_is_int(i) and 0 <= i < MAX_SEED for i in ids)):
        c.add("replicate_ids", "expected whole numbers from 0 to 2**63 - 1, at least one")
    humans = c.need(data, "humans", list, "a list of actor ids")
    if humans is not None and not all(h in ACTORS for h in humans):
        c.add("humans", f"expected actor ids ({', '.join(ACTORS)})")
    every = c.need(data, "record_every", int, "a whole number")
    if every is not None and every < 1:
        c.add("record_every", f"expected at least 1, got {every}")
    months = data.get("record_months")
    if months is not None and not (isinstance(months, list) and all(map(_is_int, months))):
        c.add("record_months", "expected nothing or a list of month numbers")
    month = c.need(data, "month", str, "a month YYYY-MM")
    if month is not None and _month(month) is None:
        c.add("month", f"expected a month YYYY-MM, got {echo(month)}")
    cursor = c.need(data, "cursor", int, "a whole number")
    if cursor is not None and cursor < -1:
        c.add("cursor", f"expected -1 or more, got {cursor}")
    pending = data.get("pending", ...)
    if pending is ...:
        c.add("pending", "required, missing")
    elif pending is not None and not (
        isinstance(pending, dict)
        and isinstance(pending.get("decision"), str)
        and isinstance(pending.get("mask"), list)
    ):
        c.add("pending", "expected nothing or a mapping of 'decision' and 'mask'")
    c.need(data, "state", dict, "a mapping of the state's arrays")
    recorded = c.need(data, "recorded_months", list, "a list of months")
    if recorded is not None and not all(_month(m) is not None for m in recorded):
        c.add("recorded_months", "expected months YYYY-MM")
    c.need(data, "recorded_attitudes", list, "a list of (replicates, 6, 6) arrays")
    c.need(data, "log", list, "a list of log entries")
    if not isinstance(data.get("explain_forced", False), bool):
        c.add("explain_forced", "expected true or false")
    weights = data.get("weights")
    if weights is not None and not isinstance(weights, list):
        c.add("weights", "expected nothing or a (replicates, 6, 4) array of weights")
    return c.problems


def _month(value: Any) -> int | None:
    try:
        return parse_month(value)
    except (ValueError, TypeError):
        return None


_STATE: dict[str, tuple[type, str]] = {
    "attitudes": (np.float64, "6x6"),
    "memory": (np.float64, "6x6"),
    "ties": (np.int8, "Kx6x6"),
    "econ_aid": (np.float64, "6x6"),
    "mil_aid": (np.float64, "6x6"),
    "prestige": (np.float64, "6"),
    "ideology": (np.float64, "6"),
    "bloc": (np.int8, "6"),
    "flags": (np.bool_, "F"),
    "event_month": (np.int32, "E"),
    "choice": (np.int32, "D"),
    "choice_month": (np.int32, "D"),
}
"""Each state array's dtype and the shape of a replicate's part of it."""


def check_arrays(data: dict[str, Any], scenario: CompiledScenario) -> list[str]:
    """Problems in a saved run's arrays, months and ids, against its compiled scenario."""
    c = _Checker()
    r = len(data["replicate_ids"])
    sizes = {
        "6x6": (N_ACTORS, N_ACTORS),
        "6": (N_ACTORS,),
        "Kx6x6": (len(TIES), N_ACTORS, N_ACTORS),
    }
    sizes |= {"F": (len(scenario.flags),), "E": (len(scenario.events),)}
    sizes["D"] = (len(scenario.decisions),)
    start, end = scenario.start, scenario.end
    month = parse_month(data["month"])
    if not start <= month <= end + 1:
        c.add("month", f"expected a month from {format_month(start)} to {format_month(end + 1)}")
    state = data["state"]
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name, (dtype, part) in _STATE.items():
        item = state.get(name)
        field = f"state.{name}"
        if not isinstance(item, dict) or not {"dtype", "shape", "data"} <= set(item):
            c.add(field, "expected a mapping of 'dtype', 'shape' and 'data'")
            continue
        shape = (r, *sizes[part])
        if name == "ties" and item["dtype"] == "float64":
            dtype = np.float64  # as saves before TIE_DTYPE held them (checked below)
        if item["dtype"] != np.dtype(dtype).name or item["shape"] != list(shape):
            c.add(
                field,
                f"expected dtype {np.dtype(dtype).name} and shape {list(shape)}, got "
                f"{echo(item['dtype'])} and {echo(item['shape'])}",
            )
            continue
        # ties are read as numbers and checked to be whole counts, whichever way saved
        read = np.float64 if name == "ties" else dtype
        flat = c.array(field, item["data"], read, (int(np.prod(shape)),))
        if flat is not None:
            arrays[name] = flat.reshape(shape)
    for name in ("attitudes", "memory"):
        if name in arrays and np.abs(arrays[name]).max(initial=0) > 100:
            c.add(f"state.{name}", "expected values from -100 to 100")
    if (
        "ties" in arrays
        and (
            (arrays["ties"] < 0)
            | (arrays["ties"] > np.iinfo(TIE_DTYPE).max)
            | (arrays["ties"] != np.round(arrays["ties"]))
        ).any()
    ):
        c.add(
            "state.ties",
            f"expected whole numbers of commitments, 0 to {np.iinfo(TIE_DTYPE).max}",
        )
    if data.get("weights") is not None:
        c.array(
            "weights",
            data["weights"],
            np.float64,
            (r, N_ACTORS, 4),
            lambda w: bool((w >= 0).all()),
            "weights of 0 or more",
        )
    if "bloc" in arrays and not np.isin(arrays["bloc"], [b.value for b in Bloc]).all():
        c.add("state.bloc", f"expected camps {sorted(b.value for b in Bloc)}")
    for name in ("event_month", "choice_month"):
        if name in arrays and not ((arrays[name] == -1) | (arrays[name] >= 0)).all():
            c.add(f"state.{name}", "expected -1 (not yet) or a month number")
        elif name in arrays and arrays[name].max(initial=-1) > end:
            c.add(f"state.{name}", f"expected months up to {format_month(end)}")
    if "choice" in arrays:
        counts = np.array([len(d.options) for d in scenario.decisions])
        choice = arrays["choice"]
        if choice.size and ((choice < -1) | (choice >= counts[None, :])).any():
            c.add("state.choice", "expected -1 (not taken) or the index of one of the options")
    pending = data["pending"]
    if pending is not None:
        if pending["decision"] not in {d.spec.id for d in scenario.decisions}:
            c.add("pending.decision", f"no decision {echo(pending['decision'])} in the scenario")
        mask = pending["mask"]
        if len(mask) != r or not all(isinstance(m, bool) for m in mask):
            c.add("pending.mask", f"expected {r} true/false values, one per replicate")
    if data["cursor"] > len(scenario.decisions):
        c.add("cursor", f"expected at most {len(scenario.decisions)}, got {data['cursor']}")
    recorded = [parse_month(m) for m in data["recorded_months"]]
    if any(b <= a for a, b in itertools.pairwise(recorded)) or any(
        not start <= m <= min(end, month - 1) for m in recorded
    ):
        c.add(
            "recorded_months",
            f"expected increasing months from {format_month(start)} to the run's month",
        )
    attitudes = data["recorded_attitudes"]
    if len(attitudes) != len(recorded):
        c.add(
            "recorded_attitudes",
            f"expected one array per recorded month ({len(recorded)}), got {len(attitudes)}",
        )
    elif recorded:  # (a run saved before its first month ended has recorded nothing)
        c.array(
            "recorded_attitudes",
            attitudes,
            np.float64,
            (len(recorded), r, N_ACTORS, N_ACTORS),
            lambda a: bool(np.abs(a).max() <= 100),
            "attitudes from -100 to 100",
        )
    _check_log(c, data["log"], scenario, r)
    return c.problems


def _check_log(c: _Checker, log: list[Any], scenario: CompiledScenario, r: int) -> None:
    """Each log entry's fields, and ids that exist in the scenario."""
    ids = {
        "event": {e.spec.id for e in scenario.events},
        "decision": {d.spec.id for d in scenario.decisions},
    }
    keys = {"month", "kind", "id", "title", "actor", "option", "by", "replicates", "source"}
    keys |= {"explanation", "did"}
    for k, entry in enumerate(log):
        field = f"log[{k}]"
        if not isinstance(entry, dict) or set(entry) != keys:
            c.add(field, f"expected a mapping of {', '.join(sorted(keys))}")
            continue
        if entry["kind"] not in ids or entry["id"] not in ids[entry["kind"]]:
            c.add(f"{field}.id", f"no {echo(entry['kind'])} {echo(entry['id'])} in the scenario")
        if _month(entry["month"]) is None:
            c.add(f"{field}.month", f"expected a month YYYY-MM, got {echo(entry['month'])}")
        if not isinstance(entry["title"], str) or not isinstance(entry["source"], dict):
            c.add(field, "expected a text 'title' and a mapping 'source'")
        if entry["actor"] not in (*ACTORS, None) or entry["by"] not in _BY:
            c.add(field, "expected an actor id (or nothing) and who decided (or nothing)")
        if entry["option"] is not None and not isinstance(entry["option"], str):
            c.add(f"{field}.option", "expected an option id or nothing")
        reps = entry["replicates"]
        if not isinstance(reps, list) or not all(_is_int(i) and 0 <= i < r for i in reps):
            c.add(f"{field}.replicates", f"expected replicate indices from 0 to {r - 1}")
        if not isinstance(entry["did"], list) or not all(isinstance(d, str) for d in entry["did"]):
            c.add(f"{field}.did", "expected a list of texts")
        if entry["explanation"] is not None:
            if entry["kind"] != "decision" or entry["id"] not in ids["decision"]:
                c.add(f"{field}.explanation", "expected nothing for anything but a decision")
            else:
                _check_explanation(
                    c,
                    f"{field}.explanation",
                    entry["explanation"],
                    scenario.decision(entry["id"]),
                    r,
                    scenario,
                )


def _check_explanation(
    c: _Checker,
    field: str,
    item: Any,
    decision: CompiledDecision,
    r: int,
    scenario: CompiledScenario,
) -> None:
    """A log entry's explanation: its decision, options and arrays."""
    options = [o.id for o in decision.options]
    keys = {"decision", "actor", "options", "changes", "weights", "temperature", "probabilities"}
    keys |= {"foreseen", "chances", "chances_without", "answers", "answered", "answering"}
    if not isinstance(item, dict) or set(item) != keys:
        c.add(field, f"expected a mapping of {', '.join(sorted(keys))}")
        return
    events = {e.spec.id for e in scenario.events}
    decisions = {d.spec.id for d in scenario.decisions}
    foreseen = item["foreseen"]
    if not isinstance(foreseen, list) or not all(e in events for e in foreseen):
        c.add(f"{field}.foreseen", "expected a list of the scenario's event ids")
        foreseen = []
    answers = item["answers"]
    if not isinstance(answers, list) or not all(a in decisions for a in answers):
        c.add(f"{field}.answers", "expected a list of the scenario's decision ids")
        answers = []
    if foreseen:
        n_options, n_events = len(decision.options), len(foreseen)
        c.array(f"{field}.chances", item["chances"], np.float64, (r, n_options, n_events))
        c.array(f"{field}.chances_without", item["chances_without"], np.float64, (r, n_events))
    if answers:
        c.array(f"{field}.answered", item["answered"], np.int64, (r, len(decision.options)))
        c.array(
            f"{field}.answering",
            item["answering"],
            np.int64,
            (r, len(decision.options)),
            lambda a: bool(((a >= -1) & (a < len(answers))).all()),
            f"-1 or an index into answers (below {len(answers)})",
        )
    if item["decision"] != decision.spec.id or item["actor"] != decision.spec.actor:
        c.add(field, "expected the decision's own id and actor")
    if item["options"] != options:
        c.add(f"{field}.options", f"expected {options}")
    c.array(f"{field}.changes", item["changes"], np.float64, (r, len(options), 4))
    c.array(f"{field}.weights", item["weights"], np.float64, (r, 4))
    c.array(
        f"{field}.temperature",
        item["temperature"],
        np.float64,
        (r,),
        lambda t: bool((t > 0).all()),
        "temperatures above 0",
    )
    c.array(
        f"{field}.probabilities",
        item["probabilities"],
        np.float64,
        (r, len(options)),
        lambda p: bool(((p >= 0) & (p <= 1)).all()),
        "probabilities from 0 to 1",
    )
