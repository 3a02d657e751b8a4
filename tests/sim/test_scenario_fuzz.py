"""Mutated scenarios either load or fail with clear ``file:line: path: message`` problems."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim import ScenarioError

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml"
BASE: dict[str, Any] = yaml.safe_load(TINY.read_text())

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

Loc = tuple[str | int, ...]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["PAK", "USSR", "west", "1950-06", "border-clash", "pick-a-camp", "east"]),
)
keys = st.one_of(
    st.text(min_size=1, max_size=10),
    # known keys in the wrong place, and set: paths, existing or not
    st.sampled_from(
        [
            *("extends", "remove", "set", "force", "flags", "when", "exogenous", "window"),
            *("date", "mtth", "dynamics.drift", "events.border-clash.chance", "tiny"),
            *("actors.PAK.ideology", "relations.PAK->IND", "decisions.pick-a-camp"),
            "dynamics.baseline.aid",
        ]
    ),
)
out_of_range = st.sampled_from([-1e9, -101, -100.5, -2, -1, 0, 1.5, 2, 101, 1201, 1e9])
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(keys, inner, max_size=3),
    ),
    max_leaves=6,
)
ids = st.one_of(
    st.sampled_from(["border-clash", "pick-a-camp", "west", "east", "neither", "tiny", "x"]),
    st.from_regex(r"\A[a-z0-9]{1,6}(-[a-z0-9]{1,4}){0,2}\Z"),
    st.text(max_size=12),
)


def locations(node: Any, loc: Loc = ()) -> list[Loc]:
    """Every place in the data, the root included."""
    out = [loc]
    if isinstance(node, dict):
        for k, v in node.items():
            out += locations(v, (*loc, k))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            out += locations(v, (*loc, k))
    return out


def get(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def mutate(data: dict[str, Any], draw: Any) -> str:
    """Apply one random mutation in place; return a description for failure reports."""
    loc = draw(st.sampled_from(locations(data)))
    kind = draw(
        st.sampled_from(
            ["delete", "unknown-key", "replace", "out-of-range", "rename-id", "duplicate"]
        )
    )
    if not loc:
        if kind == "unknown-key":
            data[draw(keys)] = draw(values)
            return "unknown top-level key"
        kind = "delete"
        loc = (draw(st.sampled_from(sorted(data))),) if data else ()
        if not loc:
            return "nothing to delete"
    parent, last = get(data, loc[:-1]), loc[-1]
    node = parent[last]
    if kind == "delete":
        del parent[last]
    elif kind == "unknown-key":
        target = node if isinstance(node, dict) else parent
        if isinstance(target, dict):
            target[draw(keys)] = draw(values)
        else:
            target.append(draw(values))
    elif kind == "replace":
        parent[last] = draw(values)
    elif kind == "out-of-range":
        parent[last] = draw(out_of_range)
    elif kind == "rename-id":
        target = node if isinstance(node, dict) else parent
        if isinstance(target, dict):
            target["id"] = draw(ids)
        else:
            parent[last] = draw(ids)
    elif kind == "duplicate":
        if isinstance(parent, list):
            parent.insert(last, copy.deepcopy(node))  # type: ignore[arg-type]
        else:
            parent[last] = [copy.deepcopy(node), copy.deepcopy(node)]
    return f"{kind} at {loc!r}"


def check_load(path: Path, note: str) -> None:
    """Load ``path``: success, or a ScenarioError of clear problems; nothing else escapes."""
    try:
        sim.load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems, note
        for problem in exc.problems:
            assert problem.file.endswith(path.name), (note, problem)
            assert problem.message.strip(), (note, problem)
            assert problem.line >= 1 or (problem.line == 0 and not problem.path), (note, problem)
            assert "Traceback" not in problem.message, (note, problem)
            assert str(problem).startswith(problem.file), (note, problem)


def test_the_unmutated_fixture_loads() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_text(yaml.safe_dump(BASE, sort_keys=False))
        assert sim.load_scenario(path).spec.id == "tiny"


@FUZZ
@given(st.data())
def test_a_mutated_scenario_loads_or_fails_with_clear_problems(data: st.DataObject) -> None:
    scenario = copy.deepcopy(BASE)
    notes = [mutate(scenario, data.draw) for _ in range(data.draw(st.integers(1, 3)))]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_text(yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True))
        check_load(path, "; ".join(notes))


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.text(max_size=4)),
        min_size=1,
        max_size=4,
    )
)
def test_a_scenario_with_its_text_garbled_loads_or_fails_with_clear_problems(
    edits: list[tuple[int, int, str]],
) -> None:
    text = TINY.read_text()
    for at, cut, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + cut :]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "garbled.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        check_load(path, repr(edits))
