"""Command-line values: one small grammar, and a check against the type of their path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim import ScenarioError, load_scenario
from sim.values import kind, parse_value, shown, split_values, value_problem, written
from sim.yamlfile import parse_yaml


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.1", 0.1),
        ("1e-1", 0.1),  # a string in YAML 1.1
        ("-.5", -0.5),
        ("5.", 5.0),
        ("10", 10),
        ("012", 12),  # octal 10 in YAML 1.1
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("tRuE", "tRuE"),  # not a boolean in YAML 1.2's core schema either
        ("'0.4'", "0.4"),
        ('"true"', "true"),
        ("lots", "lots"),
        ("1:30", "1:30"),  # sexagesimal 90 in YAML 1.1
        ("0x10", "0x10"),
        ("yes", "yes"),
        ("null", None),
        ("NULL", None),
        ("nUlL", "nUlL"),  # not null in YAML 1.2's core schema either
        ("'null'", "null"),  # in quotes, it is text
        ('"~"', "~"),
        ("nan", "nan"),
        ("٣", "٣"),  # not a digit here
        (" 0.05 ", 0.05),
    ],
)
def test_a_value_is_read_by_one_explicit_grammar(text: str, value: Any) -> None:
    parsed = parse_value(text)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    "text", ["true", "True", "TRUE", "false", "False", "FALSE", "tRuE", "fALSE", "yes", "off"]
)
def test_true_and_false_are_read_on_the_command_line_as_in_the_scenario_files(text: str) -> None:
    document, problems = parse_yaml(f"x: {text}\n", "test.yaml")
    assert document is not None and not problems
    in_a_file = document.data["x"]
    assert parse_value(text) == in_a_file and type(parse_value(text)) is type(in_a_file)


@pytest.mark.parametrize("text", ["yes", "no", "on", "1", "0", "tRuE", "maybe", "2", "0.5"])
def test_a_true_or_false_field_takes_on_the_command_line_what_it_takes_in_a_file(
    text: str, tmp_path: Path
) -> None:
    """``historical: yes`` loads from a file; ``--set ...historical=yes`` was refused."""
    tiny = Path(__file__).resolve().parents[1] / "fixtures" / "tiny.yaml"
    path = tmp_path / "s.yaml"
    path.write_text(tiny.read_text().replace("historical: true", f"historical: {text}"))
    try:
        load_scenario(path)
    except ScenarioError:
        in_a_file = False
    else:
        in_a_file = True
    on_the_command_line = (
        value_problem("decisions.pick-a-camp.options.west.historical", parse_value(text)) is None
    )
    assert on_the_command_line == in_a_file


@pytest.mark.parametrize("text", ["1e999", "-1e400", "9" * 5000])
def test_a_number_beyond_float_range_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="too large a number"):
        parse_value(text)


def test_a_bare_tilde_is_refused_rather_than_read_as_null_or_text() -> None:
    with pytest.raises(ValueError, match="write null for no value, or '~' for text"):
        parse_value("~")


@pytest.mark.parametrize(
    "value", [0.1, 12, True, "0.4", "a,b", "lots", "it's", " x", 1e-05, None, "null", "Null", "~"]
)
def test_a_value_written_back_reads_the_same(value: Any) -> None:
    again = parse_value(written(value))
    assert again == value and type(again) is type(value)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("actors.PAK.ideology", True, "expected a number, got true"),
        ("dynamics.balance", "0.1", "expected a number, got '0.1'"),
        ("dynamics.lookahead_months", 12.5, "expected a whole number, got 12.5"),
        ("events.border-clash.chance", False, "expected a number, got false"),
        ("relations.PAK->USSR", "warm", "expected a number, got 'warm'"),
        ("actors.PAK.name", 1947, "expected text, got 1947 (in quotes, it is text)"),
        ("decisions.pick-a-camp.options.east.historical", 2, "expected true or false, got 2"),
        ("decisions.pick-a-camp.options.east.historical", "maybe", "expected true or false"),
        ("dynamics.balance", 10**400, "expected a finite number"),
    ],
)
def test_a_value_of_the_wrong_type_for_its_path_is_named(
    path: str, value: Any, message: str
) -> None:
    problem = value_problem(path, value)
    assert problem is not None and problem.startswith(message)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "dynamics.drift",
            "expected a number, got null (this field cannot be empty; its default is 0.03)",
        ),
        (
            "actors.PAK.bloc",
            "expected text, got null (this field cannot be empty; its default is 'non-aligned')",
        ),
        ("events.border-clash.title", "expected text, got null (this field cannot be left out)"),
        ("relations.PAK->IND", "expected a number, got null (an entry cannot be empty)"),
        ("actors.PAK.weights", "expected a mapping, got null (this field cannot be empty)"),
    ],
)
def test_null_is_refused_where_the_field_cannot_be_empty(path: str, message: str) -> None:
    assert value_problem(path, None) == message


@pytest.mark.parametrize(
    "path",
    [
        "events.border-clash.chance",
        "events.border-clash.mtth",
        "actors.PAK.temperature",
        "actors.PAK.name",
        "memory",
        "events.border-clash.when",
    ],
)
def test_null_passes_where_the_field_may_be_empty(path: str) -> None:
    assert value_problem(path, None) is None


def test_null_is_shown_and_named_as_null_not_as_python_writes_it() -> None:
    assert (shown(None), kind(None), written(None)) == ("null", "null", "null")
    assert shown("null") == "'null'" and kind("null") == "text"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("dynamics.balance", 0),
        ("dynamics.balance", 0.05),
        ("dynamics.lookahead_months", 12),
        ("actors.PAK.bloc", "west"),
        ("start", "1950-05"),
        ("dynamics.nonsense", 1),  # not a path: loading the scenario says so
        ("set.dynamics.drift", "x"),
    ],
)
def test_a_value_of_the_right_type_or_on_an_unknown_path_passes(path: str, value: Any) -> None:
    assert value_problem(path, value) is None


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("0.1,0.2", ["0.1", "0.2"]),
        ("'Pakistan, 1947',Pakistan", ["'Pakistan, 1947'", "Pakistan"]),
        (' "a,b" , c', [' "a,b" ', " c"]),
        ("it's,fine", ["it's", "fine"]),  # a quote inside a word opens nothing
        ("'a','b'", ["'a'", "'b'"]),
        ("a,", ["a", ""]),  # the caller refuses the empty value
    ],
)
def test_sweep_values_are_cut_at_commas_outside_quotes(text: str, parts: list[str]) -> None:
    assert split_values(text) == parts


def test_a_quote_never_closed_is_refused() -> None:
    with pytest.raises(ValueError, match=r"a quote \(\'\) that is never closed"):
        split_values("'Pakistan, 1947,Pakistan")


@pytest.mark.parametrize(
    "values", [("Pakistan, 1947", "Pakistan"), ("a,'b", 'c"d', "e"), (None, "null", 0.5)]
)
def test_sweep_values_written_back_are_cut_the_same(values: tuple[str, ...]) -> None:
    """What the batch writes in its replay commands (``written``) reads back value by value."""
    text = ",".join(written(v) for v in values)
    assert [parse_value(p) for p in split_values(text)] == list(values)
