"""Every kind of scenario problem is reported as ``file:line: path: message``, all at once."""

from __future__ import annotations

import os
import shutil
import tracemalloc
from pathlib import Path

import pytest

import sim.files
import sim.yamlfile
from sim import ScenarioError, load_scenario
from sim.errors import Problem

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BAD = FIXTURES / "bad"
EXTENDS = FIXTURES / "extends"
TINY = FIXTURES / "tiny.yaml"


def problems_of(path: Path | str, **kwargs: object) -> list[Problem]:
    """The problems loading ``path`` reports (the load must fail with a ScenarioError)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **kwargs)  # type: ignore[arg-type]
    problems = info.value.problems
    assert problems, "a ScenarioError must list at least one problem"
    return problems


def only_problem(path: Path | str) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def only_problem_with(path: Path, **kwargs: object) -> Problem:
    problems = problems_of(path, **kwargs)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def where(problems: list[Problem]) -> list[tuple[int, str]]:
    return [(p.line, p.path) for p in problems]


# --------------------------------------------------------------------------- the format


def test_the_tiny_fixture_is_valid_so_the_bad_ones_fail_for_their_stated_reason() -> None:
    assert load_scenario(TINY).spec.id == "tiny"


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bad_fixture_opens_with_a_comment_and_fails_with_a_clear_error(path: Path) -> None:
    assert path.read_bytes().startswith(b"# ")
    for problem in problems_of(path):
        assert problem.file.endswith(f"bad/{path.name}")
        assert problem.message
        assert str(problem).startswith(problem.file)


def test_a_problem_reads_as_file_line_path_and_message() -> None:
    problem = Problem("a.yaml", 12, "events[0].chance", "expected a number, got 'lots'")
    assert str(problem) == "a.yaml:12: events[0].chance: expected a number, got 'lots'"
    assert str(Problem("a.yaml", 0, "", "not UTF-8 text")) == "a.yaml: not UTF-8 text"


def test_a_yaml_syntax_error_is_reported_with_its_line() -> None:
    problem = only_problem(BAD / "syntax-error.yaml")
    assert problem.line == 5
    assert problem.message.startswith("YAML syntax error")
    assert "expected ',' or ']'" in problem.message


def test_unknown_key_is_reported_with_its_line_and_a_suggestion() -> None:
    problem = only_problem(BAD / "unknown-key.yaml")
    assert (problem.line, problem.path) == (12, "events[0].chanse")
    assert problem.message == "unknown key 'chanse' (did you mean 'chance'?)"


def test_a_value_of_the_wrong_type_says_what_was_expected_and_what_was_found() -> None:
    problem = only_problem(BAD / "wrong-type.yaml")
    assert (problem.line, problem.path) == (9, "events[0].chance")
    assert problem.message.startswith("expected a valid number")
    assert problem.message.endswith("got 'lots'")


def test_values_out_of_range_are_reported_at_the_value_not_its_mapping() -> None:
    ideology, relation = problems_of(BAD / "out-of-range.yaml")
    assert (ideology.line, ideology.path) == (7, "actors.PAK.ideology")
    assert ideology.message == "expected less than or equal to 1, got 3"
    assert (relation.line, relation.path) == (9, "relations.PAK->IND")
    assert relation.message == "expected greater than or equal to -100, got -160"


def test_an_attitude_of_an_actor_towards_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "self.yaml"
    path.write_text(TINY.read_text().replace("PAK->IND: -60", "PAK->PAK: -60"))
    problem = only_problem(path)
    assert (problem.line, problem.path) == (12, "relations.PAK->PAK")
    assert "two different actors" in problem.message
    assert "'PAK->PAK'" in problem.message


def test_a_rule_across_a_decision_says_what_is_wrong_and_no_more(tmp_path: Path) -> None:
    """Its message was followed by "got keys id, actor, date, prompt, options, source"."""
    path = tmp_path / "two-historical.yaml"
    text = TINY.read_text()
    path.write_text(text.replace("label: Stay out", "label: Stay out\n        historical: true"))
    problem = only_problem(path)
    assert (problem.line, problem.path) == (26, "decisions[0]")
    assert problem.message == "at most one option may be marked historical"


def test_unknown_actor_ids_are_reported_as_keys_and_as_values() -> None:
    key, value = problems_of(BAD / "unknown-actor.yaml")
    assert (key.line, key.path) == (7, "actors.USAA")
    assert key.message.startswith("expected 'PAK', 'USSR'")
    assert key.message.endswith("got 'USAA'")
    assert (value.line, value.path) == (10, "decisions[0].actor")
    assert value.message.endswith("got 'PAKI'")


def test_an_unknown_condition_kind_lists_the_kinds_of_the_vocabulary() -> None:
    problem = only_problem(BAD / "unknown-kind.yaml")
    assert (problem.line, problem.path) == (9, "events[0].when")
    assert "one of: aid_flow, aligned, all, any, attitude, between" in problem.message
    assert problem.message.endswith("got keys attitde")


def test_a_duplicate_key_is_reported_at_its_second_occurrence() -> None:
    problem = only_problem(BAD / "duplicate-key.yaml")
    assert (problem.line, problem.path) == (4, "title")
    assert "duplicate key" in problem.message


def test_a_duplicate_event_id_points_at_the_first_one() -> None:
    problem = only_problem(BAD / "duplicate-id.yaml")
    assert (problem.line, problem.path) == (11, "events[1].id")
    assert problem.message == "duplicate event id 'clash' (first at events[0])"


def test_a_month_in_another_form_is_refused_with_the_form_expected(tmp_path: Path) -> None:
    path = tmp_path / "day.yaml"
    path.write_text(TINY.read_text().replace("date: 1950-06", "date: 1950-06-01"))
    problem = only_problem(path)
    assert (problem.line, problem.path) == (28, "decisions[0].date")
    assert problem.message == "expected a month written YYYY-MM, got '1950-06-01'"


# --------------------------------------------------------------------------- cross-references


def test_unknown_flag_event_decision_and_option_ids_in_conditions_are_all_reported() -> None:
    problems = problems_of(BAD / "unknown-ids.yaml")
    assert where(problems) == [
        (10, "events[0].when.any[0].flag"),
        (11, "events[0].when.any[1].fired"),
        (12, "events[0].when.any[2].chose.decision"),
        (13, "events[0].when.any[3].chose.option"),
    ]
    flag, event, decision, option = (p.message for p in problems)
    assert flag.startswith("unknown flag 'no-such-flag'")
    assert event == "unknown event 'no-such-event'"
    assert decision == "unknown decision 'no-such-decision'"
    assert option == "unknown option 'maybe' of decision 'choose': expected one of yes, no"


def test_unknown_decision_and_option_ids_in_force_are_reported() -> None:
    decision, option = problems_of(BAD / "unknown-force.yaml")
    assert (decision.line, decision.path) == (17, "force.chose")
    assert decision.message == "unknown decision 'chose' (did you mean 'choose'?)"
    assert (option.line, option.path) == (18, "force.choose")
    assert "unknown option 'maybe'" in option.message


def test_a_forced_option_given_on_the_command_line_is_checked_too() -> None:
    problem = only_problem_with(TINY, force={"pick-a-camp": "south"})
    assert (problem.file, problem.line, problem.path) == ("--force", 0, "force.pick-a-camp")
    assert "unknown option 'south'" in problem.message


def test_a_set_path_that_does_not_exist_is_reported_at_its_set_line() -> None:
    key, event = problems_of(BAD / "unknown-set-path.yaml")
    assert (key.line, key.path) == (13, "set.dynamix.drift")
    assert key.message == "unknown path: 'dynamix' does not exist"
    assert (event.line, event.path) == (14, "set.events.no-such-event.chance")
    assert "no item with id 'no-such-event'" in event.message


def test_a_set_value_out_of_range_is_reported_at_the_set_line(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(TINY.read_text() + "set:\n  events.border-clash.chance: 7\n")
    problem = only_problem(path)
    assert (problem.line, problem.path) == (46, "events[0].chance")
    assert problem.message == "expected less than or equal to 1, got 7"


def test_an_unknown_override_from_the_command_line_is_reported() -> None:
    problem = only_problem_with(TINY, overrides={"dynamics.nonsense.x": 1})
    assert (problem.file, problem.path) == ("--set", "dynamics.nonsense")
    assert problem.message == "unknown key 'nonsense'"


def test_set_problems_and_cross_reference_problems_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "both.yaml"
    path.write_text(TINY.read_text() + "force: {pick-a-camp: south}\nset:\n  foo.bar: 1\n")
    problems = problems_of(path)
    assert where(problems) == [(45, "force.pick-a-camp"), (47, "set.foo.bar")]


def test_a_date_outside_the_scenario_gives_the_scenario_period() -> None:
    problem = only_problem(BAD / "date-outside.yaml")
    assert (problem.line, problem.path) == (9, "decisions[0].date")
    assert problem.message == (
        "expected a month within the scenario (1950-01 to 1951-12), got 1960-06"
    )


def test_a_window_that_ends_before_it_starts_is_reported() -> None:
    problem = only_problem(BAD / "window-backwards.yaml")
    assert (problem.line, problem.path) == (9, "events[0].window")
    assert problem.message == "window ends (1950-03) before it starts (1950-12)"


def test_a_decision_with_no_options_says_how_many_are_needed() -> None:
    problem = only_problem(BAD / "no-options.yaml")
    assert (problem.line, problem.path) == (12, "decisions[0].options")
    assert problem.message == "expected at least 2 items, got 0"


def test_an_event_after_the_start_with_no_when_must_give_an_exogenous_reason() -> None:
    problem = only_problem(BAD / "not-exogenous.yaml")
    assert (problem.line, problem.path) == (7, "events[0]")
    assert "exogenous" in problem.message


# --------------------------------------------------------------------------- all at once


def test_several_problems_in_a_file_are_all_reported_at_once_in_line_order() -> None:
    problems = problems_of(BAD / "several-problems.yaml")
    assert where(problems) == [
        (4, "title"),
        (8, "actors.PAK.colour"),
        (11, "events[0].chance"),
        (16, "events[1].date"),
        (19, "events[2].title"),
    ]
    messages = [p.message for p in problems]
    assert messages[0] == "expected a valid string, got 42"
    assert messages[1] == "unknown key 'colour'"
    assert messages[2] == "expected less than or equal to 1, got 1.5"
    assert messages[3] == "expected a month written YYYY-MM, got '1950-13'"
    assert messages[4] == "required key is missing"


def test_the_error_text_has_one_line_per_problem() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / "several-problems.yaml")
    lines = str(info.value).splitlines()
    assert len(lines) == 5
    assert all(":" in line and "several-problems.yaml:" in line for line in lines)


# --------------------------------------------------------------------------- whole files


def test_an_empty_file_is_a_clear_error() -> None:
    problem = only_problem(BAD / "empty.yaml")
    assert problem.message == "the file is empty; expected a scenario mapping"


def test_a_top_level_that_is_not_a_mapping_is_a_clear_error() -> None:
    problem = only_problem(BAD / "top-level-list.yaml")
    assert problem.line == 2
    assert problem.message == "expected a mapping of scenario keys, got a list"


@pytest.mark.parametrize("text", ["just text\n", "42\n", "null\n"])
def test_a_scalar_top_level_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "scalar.yaml"
    path.write_text(text)
    assert only_problem(path).message.startswith(("expected a mapping", "the file is empty"))


def test_a_file_that_is_not_utf8_is_a_clear_error() -> None:
    problem = only_problem(BAD / "not-utf8.yaml")
    assert problem.line == 0
    assert problem.message.startswith("not UTF-8 text")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    problem = only_problem(tmp_path / "nowhere.yaml")
    assert problem.message.startswith("cannot read the file")


def test_a_folder_given_as_a_scenario_is_a_clear_error(tmp_path: Path) -> None:
    assert only_problem(tmp_path).message.startswith("cannot read the file")


# --------------------------------------------------------------------------- hostile files


def test_a_python_object_tag_is_refused_and_nothing_is_run(tmp_path: Path) -> None:
    marker = tmp_path / "SOMEFILE"
    path = tmp_path / "evil.yaml"
    path.write_text(
        "id: evil\n"
        f'title: !!python/object/apply:os.system ["touch {marker}"]\n'
        "start: 1950-01\nend: 1951-12\n"
    )
    problem = only_problem(path)
    assert not marker.exists()
    assert (problem.line, problem.path) == (2, "title")
    assert "python/object/apply:os.system" in problem.message
    assert "not allowed" in problem.message


@pytest.mark.parametrize(
    "tagged",
    [
        '!!python/object/new:os.system ["true"]',
        "!!python/name:os.system ''",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!custom value",
    ],
)
def test_any_non_plain_tag_is_refused(tmp_path: Path, tagged: str) -> None:
    path = tmp_path / "tagged.yaml"
    path.write_text(f"id: tagged\ntitle: x\nstart: 1950-01\nend: 1951-12\ndescription: {tagged}\n")
    problem = only_problem(path)
    assert (problem.line, problem.path) == (5, "description")
    assert "is not allowed" in problem.message


def test_the_python_tag_fixture_is_refused_at_its_line() -> None:
    problem = only_problem(BAD / "python-tag.yaml")
    assert (problem.line, problem.path) == (3, "title")


def test_an_alias_bomb_is_refused_with_bounded_memory() -> None:
    tracemalloc.start()
    try:
        problem = only_problem(BAD / "alias-bomb.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "alias bomb" in problem.message
    assert problem.message.endswith("refused")
    assert peak < 200 * 1024 * 1024


def test_an_oversized_file_is_refused_by_its_size_without_being_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object) -> None:
        raise AssertionError("an oversized file must not be parsed")

    monkeypatch.setattr(sim.yamlfile, "parse_yaml", never)
    path = tmp_path / "huge.yaml"
    path.write_text(TINY.read_text() + "description: '" + "x" * 1_100_000 + "'\n")
    problem = only_problem(path)
    assert problem.line == 0
    assert "bytes" in problem.message
    assert "at most 1,000,000 bytes" in problem.message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_is_refused_before_it_is_read() -> None:
    problem = only_problem("/dev/zero")
    assert problem.message == "cannot read the file: it is a device"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_given_as_a_scenario_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading would block forever
    problem = only_problem(fifo)
    assert problem.message == "cannot read the file: it is a FIFO (named pipe)"


def test_a_file_that_grows_past_the_limit_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sim.yamlfile, "MAX_FILE_BYTES", 100)
    path = tmp_path / "grows.yaml"
    path.write_text("x" * 50)
    real_fstat = os.fstat

    def stale_size(fd: int) -> os.stat_result:  # the size as it was before the file grew
        path.write_text("x" * 500)
        real = tuple(real_fstat(fd))
        return os.stat_result((*real[:6], 50, *real[7:]))

    monkeypatch.setattr(sim.files.os, "fstat", stale_size)
    problem = only_problem(path)
    assert "larger than 100 bytes" in problem.message


def test_deeply_nested_data_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("id: deep\ndescription: " + "[" * 5000 + "]" * 5000 + "\n")
    problem = only_problem(path)
    assert problem.message


# --------------------------------------------------------------------------- extends


def test_a_child_overrides_one_event_by_id_and_removes_another() -> None:
    scenario = load_scenario(EXTENDS / "child.yaml")
    assert scenario.spec.id == "child"
    assert scenario.spec.title == "Child scenario"
    assert [(e.spec.id, e.spec.title) for e in scenario.events] == [
        ("clash", "A bigger border clash"),
        ("visit", "A state visit"),
        ("summit", "A summit"),
    ]
    clash = scenario.events[0].spec.effects[0].attitude
    assert (clash.delta, clash.mutual) == (-30, False)
    assert scenario.spec.start == "1950-01"  # inherited
    assert (scenario.spec.dynamics.drift, scenario.spec.dynamics.balance) == (0.05, 0.04)
    assert "extends" not in scenario.data
    assert "remove" not in scenario.data


def test_a_problem_in_an_overriding_child_points_at_the_child(tmp_path: Path) -> None:
    shutil.copy(EXTENDS / "base.yaml", tmp_path / "base.yaml")
    child = (EXTENDS / "child.yaml").read_text().replace("delta: -30", "delta: -300")
    (tmp_path / "child.yaml").write_text(child)
    problem = only_problem(tmp_path / "child.yaml")
    assert problem.file.endswith("child.yaml") and not problem.file.endswith("base.yaml")
    assert (problem.line, problem.path) == (13, "events[0].effects[0].attitude.delta")


def test_a_problem_in_an_inherited_item_points_at_the_parent(tmp_path: Path) -> None:
    base = (EXTENDS / "base.yaml").read_text().replace("title: A state visit", "title: ''")
    (tmp_path / "base.yaml").write_text(base)
    shutil.copy(EXTENDS / "child.yaml", tmp_path / "child.yaml")
    problem = only_problem(tmp_path / "child.yaml")
    assert problem.file.endswith("base.yaml")
    # paths number items as the named file does: 'visit' is events[2] of base.yaml
    assert (problem.line, problem.path) == (19, "events[2].title")


def test_a_problem_inside_the_parent_is_reported_with_the_parents_file_and_line() -> None:
    parent, child = problems_of(EXTENDS / "child-of-broken.yaml")
    assert parent.file.endswith("extends/broken-parent.yaml")
    assert (parent.line, parent.path) == (10, "events[0].chance")
    assert child.file.endswith("extends/child-of-broken.yaml")
    assert (child.line, child.path) == (5, "colour")


def test_a_syntax_error_in_the_parent_is_reported_in_the_parent(tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text("id: parent\ntitle: [\n")
    (tmp_path / "child.yaml").write_text("extends: parent\nid: child\n")
    problem = only_problem(tmp_path / "child.yaml")
    assert problem.file.endswith("parent.yaml")
    assert problem.message.startswith("YAML syntax error")


def test_a_cycle_in_extends_is_reported_with_the_whole_chain() -> None:
    problem = only_problem(EXTENDS / "cycle-a.yaml")
    assert problem.file.endswith("cycle-b.yaml")
    assert (problem.line, problem.path) == (4, "extends")
    chain = problem.message.split("(", 1)[1].rstrip(")").split(" -> ")
    assert [Path(p).name for p in chain] == ["cycle-a.yaml", "cycle-b.yaml", "cycle-a.yaml"]


def test_a_file_that_extends_itself_is_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "me.yaml").write_text("id: me\nextends: me\n")
    problem = only_problem(tmp_path / "me.yaml")
    assert (problem.line, problem.path) == (2, "extends")
    assert "cycle" in problem.message
    assert problem.message.count("me.yaml") == 2


def test_an_extends_that_climbs_out_of_the_scenario_folders_is_refused() -> None:
    problem = only_problem(EXTENDS / "escape-relative.yaml")
    assert (problem.line, problem.path) == (3, "extends")
    assert "points outside the scenarios' folders" in problem.message


def test_an_extends_with_an_absolute_path_outside_the_scenario_folders_is_refused() -> None:
    problem = only_problem(EXTENDS / "escape-absolute.yaml")
    assert (problem.line, problem.path) == (3, "extends")
    assert "'/etc/passwd.yaml' points outside" in problem.message


def test_an_extends_into_a_sibling_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "here").mkdir()
    shutil.copy(TINY, tmp_path / "other" / "tiny.yaml")
    (tmp_path / "here" / "child.yaml").write_text("extends: ../other/tiny.yaml\nid: child\n")
    problem = only_problem(tmp_path / "here" / "child.yaml")
    assert "points outside" in problem.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nowhere", "no scenario 'nowhere' to extend"),
        ("5", "expected a scenario name or path, got 5"),
        ("''", "expected a scenario name or path, got ''"),
        ("[a, b]", "expected a scenario name or path, got ['a', 'b']"),
    ],
)
def test_a_bad_extends_value_is_reported_at_its_line(
    tmp_path: Path, value: str, expected: str
) -> None:
    (tmp_path / "child.yaml").write_text(f"id: child\nextends: {value}\n")
    problem = only_problem(tmp_path / "child.yaml")
    assert (problem.line, problem.path, problem.message) == (2, "extends", expected)


def test_a_malformed_remove_list_does_not_crash_the_merge(tmp_path: Path) -> None:
    shutil.copy(EXTENDS / "base.yaml", tmp_path / "base.yaml")
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\nid: child\nremove: [[treaty], {a: 1}]\n"
        "events:\n  - id: [clash]\n    title: x\n"
    )
    problems = problems_of(tmp_path / "child.yaml")
    assert all(p.file.endswith(".yaml") and p.line >= 1 for p in problems)


def test_a_control_character_is_reported_with_its_line_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "control.yaml"
    path.write_text("id: control\ntitle: a\x01b\n")
    problem = only_problem(path)
    assert problem.line == 2
    assert problem.message.startswith("character U+0001 is not allowed in YAML")


def test_a_key_written_beside_a_yaml_merge_overrides_it_and_is_not_a_duplicate(
    tmp_path: Path,
) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text(
        TINY.read_text().replace(
            "  IND: {ideology: 0.0}\n",
            "  IND: &ind {ideology: 0.0, bloc: non-aligned}\n  CHN: {<<: *ind, ideology: -0.8}\n",
        )
    )
    scenario = load_scenario(path)
    assert scenario.spec.actors["CHN"].ideology == -0.8
    assert scenario.spec.actors["CHN"].bloc == "non-aligned"
    path.write_text(path.read_text().replace("ideology: -0.8}", "ideology: -0.8, ideology: 1}"))
    problem = only_problem(path)
    assert (problem.line, problem.path) == (11, "actors.CHN.ideology")
    assert "duplicate key" in problem.message


def test_a_recursive_alias_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "recursive.yaml"
    path.write_text("id: recursive\ndescription: &a [*a]\n")
    assert "refused" in only_problem(path).message


# --------------------------------------------------------------------------- found by hostile use


def tiny_with(tmp_path: Path, old: str, new: str, name: str = "edited.yaml") -> Path:
    """A copy of the tiny scenario with one piece of text replaced."""
    text = TINY.read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def test_an_end_before_the_start_is_reported_at_end_with_its_field(tmp_path: Path) -> None:
    problem = only_problem(tiny_with(tmp_path, "end: 1951-12", "end: 1949-12"))
    assert (problem.line, problem.path) == (5, "end")
    assert problem.message == "'end' (1949-12) is before 'start' (1950-01)"


def test_a_scenario_of_more_than_the_month_limit_is_refused(tmp_path: Path) -> None:
    path = tiny_with(tmp_path, "start: 1950-01\nend: 1951-12", "start: 0000-01\nend: 9999-12")
    problem = next(p for p in problems_of(path) if p.path == "end")
    assert problem.line == 5
    assert problem.message == (
        "the scenario runs 120,000 months (0000-01 to 9999-12); at most 1,200 are allowed"
    )


def test_a_repeated_option_id_is_reported_at_the_repeated_id(tmp_path: Path) -> None:
    problem = only_problem(tiny_with(tmp_path, "- id: neither", "- id: west"))
    assert (problem.line, problem.path) == (41, "decisions[0].options[2].id")
    assert problem.message == "duplicate option id 'west' (first at options[0])"


def test_a_date_outside_the_period_is_reported_with_the_other_problems_at_once(
    tmp_path: Path,
) -> None:
    path = tiny_with(tmp_path, "date: 1950-06", "date: 1960-06")
    path.write_text(path.read_text().replace("chance: 0.8", "chance: lots"))
    assert where(problems_of(path)) == [(21, "events[0].chance"), (28, "decisions[0].date")]


def test_a_start_set_on_the_command_line_is_blamed_for_what_it_leaves_outside(
    tmp_path: Path,
) -> None:
    problem = only_problem_with(TINY, overrides={"start": "1950-05"})
    assert (problem.file, problem.path) == ("--set", "start")
    assert problem.message == (
        "1950-05 leaves events[0].window (tests/fixtures/tiny.yaml:19: 1950-03 to 1950-12) "
        "before the start of the scenario"
    )
    problem = only_problem_with(TINY, overrides={"start": "1952-01"})
    assert (problem.file, problem.path) == ("--set", "start")
    assert problem.message == "'end' (1951-12) is before 'start' (1952-01)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("remove: [no-such-event]\n", "nothing inherited has the id 'no-such-event' to remove"),
        ("remove: [clsh]\n", "(did you mean 'clash'?)"),
    ],
)
def test_removing_an_id_the_parent_does_not_have_is_an_error(
    tmp_path: Path, text: str, message: str
) -> None:
    shutil.copy(EXTENDS / "base.yaml", tmp_path / "base.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("# a child\nextends: base.yaml\nid: child\ntitle: Child\n" + text)
    problem = only_problem(child)
    assert (problem.line, problem.path) == (5, "remove[0]")
    assert message in problem.message


def test_remove_without_extends_is_an_error(tmp_path: Path) -> None:
    problem = only_problem(tiny_with(tmp_path, "end: 1951-12\n", "end: 1951-12\nremove: [x]\n"))
    assert (problem.line, problem.path) == (6, "remove")
    assert "needs 'extends'" in problem.message


@pytest.mark.parametrize("key", ["remove", "extends", "set", "extends.x"])
def test_keys_resolved_before_overrides_cannot_be_set(key: str) -> None:
    problem = only_problem_with(TINY, overrides={key: "baseline"})
    assert (problem.file, problem.path) == ("--set", key)
    assert "cannot be set" in problem.message


@pytest.mark.parametrize("name", ["eras/1971", "eras/1954"])
def test_forcing_a_decision_taken_before_an_eras_start_is_an_error(name: str) -> None:
    problem = only_problem_with(Path(name), force={"pakistan-camp": "neutral"})
    assert (problem.file, problem.path) == ("--force", "force.pakistan-camp")
    assert "before this scenario starts" in problem.message


def test_forcing_a_decision_dated_after_the_end_is_an_error(tmp_path: Path) -> None:
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    short = tmp_path / "short.yaml"  # a child that ends before its inherited decision
    short.write_text("# short\nextends: tiny.yaml\nid: short\nend: 1950-05\n")
    problem = only_problem_with(short, force={"pick-a-camp": "east"})
    assert (problem.file, problem.path) == ("--force", "force.pick-a-camp")
    assert "after this scenario ends" in problem.message


@pytest.mark.parametrize("digits", ["١٩٥٠-06", "۱۹۵۰-06", "१९५०-06"])
def test_months_in_other_scripts_digits_are_refused(tmp_path: Path, digits: str) -> None:
    problem = only_problem(tiny_with(tmp_path, "date: 1950-06", f"date: {digits}"))
    assert (problem.line, problem.path) == (28, "decisions[0].date")
    assert "in the digits 0-9" in problem.message


def test_a_huge_key_is_echoed_cut_to_a_few_dozen_characters(tmp_path: Path) -> None:
    key = "k" * 990_000
    path = tiny_with(tmp_path, "end: 1951-12\n", f"end: 1951-12\n? {key}\n: 1\n")
    (problem,) = problems_of(path)
    assert len(str(problem)) < 300
    assert "990,000 characters" in str(problem)
