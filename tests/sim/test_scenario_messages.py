"""Small things a message must get right: a suggestion that differs from the key, a removal
given twice, and the length of a long value echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import ScenarioError, load_scenario
from sim.errors import Problem, echo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TINY = FIXTURES / "tiny.yaml"


def problems_of(path: Path) -> list[Problem]:
    """The problems loading ``path`` reports (the load must fail)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def test_an_unknown_key_known_elsewhere_is_never_suggested_as_itself(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TINY.read_text() + "base: 3\n")  # 'base' is a key of grant_base, not here
    (problem,) = problems_of(path)
    assert problem.path == "base"
    assert problem.message.startswith("unknown key 'base'")
    assert "did you mean 'base'" not in problem.message


def test_a_close_unknown_key_still_gets_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TINY.read_text().replace("relations:", "relatons:"))
    (problem,) = problems_of(path)
    assert problem.message == "unknown key 'relatons' (did you mean 'relations'?)"


def test_an_id_removed_twice_is_reported_at_its_second_line(tmp_path: Path) -> None:
    for name in ("base.yaml", "child.yaml"):
        (tmp_path / name).write_text((FIXTURES / "extends" / name).read_text())
    child = tmp_path / "child.yaml"
    child.write_text(
        child.read_text().replace("remove: [treaty]", "remove:\n  - treaty\n  - treaty")
    )
    (problem,) = problems_of(child)
    lines = child.read_text().splitlines()
    second = [k for k, line in enumerate(lines, 1) if line == "  - treaty"][1]
    assert (problem.file.endswith("child.yaml"), problem.line, problem.path) == (
        True,
        second,
        "remove[1]",
    )
    assert (
        problem.message
        == "'treaty' is given more than once (first as remove[0]); remove each id once"
    )


def test_a_long_text_echoed_gives_its_own_length_not_its_reprs() -> None:
    assert echo("9" * 5000).endswith("... (5,000 characters)")
    assert echo("é\n" * 100).endswith("... (200 characters)")
    assert echo("short") == "'short'"


@pytest.mark.parametrize("name", ['""', '"   "', '"\\n\\t"'])
def test_a_blank_state_name_is_refused_at_its_line_with_what_is_expected(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(TINY.read_text().replace("PAK: {bloc", f"PAK: {{name: {name}, bloc"))
    (problem,) = problems_of(path)
    line = next(k for k, text in enumerate(path.read_text().splitlines(), 1) if "name:" in text)
    assert (problem.file.endswith("s.yaml"), problem.line, problem.path) == (
        True,
        line,
        "actors.PAK.name",
    )
    assert problem.message.startswith(
        "expected a name that is not blank (leave 'name' out for the state's usual name), got "
    )


def test_a_state_name_written_over_several_lines_reads_as_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        TINY.read_text().replace("PAK: {bloc", 'PAK: {name: "  Dominion\\n  of the\\tIndus ", bloc')
    )
    assert load_scenario(path).names["PAK"] == "Dominion of the Indus"
