"""The YAML reader: numbers and booleans as YAML 1.2's core schema writes them, and a number
too long to read reported at its line instead of a traceback."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim import ScenarioError, load_scenario
from sim.yamlfile import parse_yaml, read_yaml

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny.yaml"


def value_of(text: str) -> object:
    """The value YAML ``v: TEXT`` is read as."""
    doc, problems = parse_yaml(f"v: {text}\n", "t.yaml")
    assert doc is not None, problems
    return doc.data["v"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        ("-3", -3),
        ("+7", 7),
        ("0", 0),
        ("012", 12),  # base 10, not YAML 1.1's octal ten
        ("0.5", 0.5),
        ("-.5", -0.5),
        ("5.", 5.0),
        ("1e-3", 0.001),
        ("1.5E3", 1500.0),
        (".inf", math.inf),
        ("-.inf", -math.inf),
    ],
)
def test_core_schema_numbers_are_read_as_numbers(text: str, value: object) -> None:
    read = value_of(text)
    assert read == value and type(read) is type(value)


@pytest.mark.parametrize("text", ["1:30", "0x10", "0o17", "1_000", "1:30.5", "0b101"])
def test_yaml_1_1_numbers_stay_text(text: str) -> None:
    assert value_of(text) == text


def test_a_nan_is_still_a_float() -> None:
    value = value_of(".nan")
    assert isinstance(value, float) and math.isnan(value)


def test_dates_booleans_and_null_read_as_before() -> None:
    doc, _ = parse_yaml("a: 1947-08\nb: 2020-01-01\nc: true\nd: ~\n", "t.yaml")
    assert doc is not None
    assert doc.data == {"a": "1947-08", "b": "2020-01-01", "c": True, "d": None}


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False)],
)
def test_core_schema_booleans_are_read_as_booleans(text: str, value: bool) -> None:
    assert value_of(text) is value


@pytest.mark.parametrize("text", ["no", "No", "NO", "yes", "on", "off", "y", "n", "tRue"])
def test_yaml_1_1_booleans_stay_text(text: str) -> None:
    """The Norway problem: ``country: NO`` is Norway, not false."""
    assert value_of(text) == text
    doc, _ = parse_yaml(f"{text}: 1\n", "t.yaml")
    assert doc is not None and doc.data == {text: 1}  # a key too


def test_an_option_named_no_is_the_option_no_and_yes_still_marks_history(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.yaml"
    text = (
        TINY.read_text()
        .replace("- id: neither", "- id: no")
        .replace("historical: true", "historical: yes")
    )
    path.write_text(text)
    decision = load_scenario(path).decision("pick-a-camp")
    assert [o.id for o in decision.options] == ["west", "east", "no"]
    assert [o.historical for o in decision.options] == [True, False, False]


@pytest.mark.parametrize(
    ("old", "new"), [("delta: -10", "delta: 1:30"), ("chance: 0.8", "chance: 0x10")]
)
def test_a_sexagesimal_or_hex_scenario_value_is_refused_as_not_a_number(
    tmp_path: Path, old: str, new: str
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TINY.read_text().replace(old, new))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    field = "events[0].effects[0].attitude.delta" if "delta" in old else "events[0].chance"
    line = next(k for k, text in enumerate(TINY.read_text().splitlines(), 1) if old in text)
    assert (problem.line, problem.path) == (line, field)
    assert "number" in problem.message and new.split(": ")[1] in problem.message


def test_a_whole_number_beyond_pythons_digit_limit_is_a_problem_at_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "longint.yaml"
    path.write_text(TINY.read_text().replace("chance: 0.8", "chance: " + "9" * 5000))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (21, "events[0].chance")
    assert problem.message == "expected a number of at most 100 digits, got 5,000 digits"


def test_a_long_whole_number_as_a_key_or_with_an_explicit_tag_is_a_problem() -> None:
    doc, problems = parse_yaml("a: !!int " + "9" * 5000 + "\n" + "9" * 200 + ": 1\n", "t.yaml")
    assert doc is None
    assert [(p.line, p.path) for p in problems] == [(1, "a"), (2, "")]


@pytest.mark.parametrize("text", ["!!int ten", "!!float lots", "!!bool maybe"])
def test_a_value_its_explicit_tag_cannot_read_is_a_problem_not_a_crash(text: str) -> None:
    doc, problems = parse_yaml(f"a:\n  b: {text}\n", "t.yaml")
    assert doc is None
    (problem,) = problems
    assert (problem.line, problem.path) == (2, "a.b")
    assert "is not a value of YAML tag" in problem.message


def test_a_file_edited_at_once_to_the_same_size_is_read_anew(tmp_path: Path) -> None:
    """Parses are kept by content, not by name, size or time: no stale scenario."""
    path = tmp_path / "s.yaml"
    path.write_text("a: 10\nb: [x, y]\n")
    first, _ = read_yaml(path)
    path.write_text("a: 40\nb: [x, z]\n")  # the same size, within the same clock tick
    second, _ = read_yaml(path)
    assert first is not None and second is not None
    assert first.data == {"a": 10, "b": ["x", "y"]} and second.data == {"a": 40, "b": ["x", "z"]}


def test_what_one_reader_changes_in_its_data_the_next_does_not_see(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("a: 10\nb: [x, y]\n")
    first, _ = read_yaml(path)
    assert first is not None
    first.data["b"].append("changed")  # loading a scenario writes its `set:` and `force:`
    first.lines[("b",)] = 99
    again, _ = read_yaml(path)
    assert again is not None and again.data == {"a": 10, "b": ["x", "y"]}
    assert again.line_of(("b",)) == 2
    path.write_bytes(b"a: \xff\n")  # a problem is given again as well
    assert read_yaml(path)[1] == read_yaml(path)[1] != []
