"""The README documents what the code offers."""

from pathlib import Path

from sim.vocabulary import CONDITIONS, EFFECTS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
CI = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_documents_every_condition_and_effect_kind() -> None:
    for name in [*CONDITIONS, *EFFECTS]:
        assert f"| `{name}` |" in README, name


def test_ci_runs_the_readme_test_command() -> None:
    command = next(line for line in README.splitlines() if "pytest" in line and "pip" in line)
    assert command.strip() in CI


def test_the_readme_python_example_runs() -> None:
    import re
    import subprocess
    import sys

    api = README[README.index("### Python API") :]
    code = re.search(r"```python\n(.*?)```", api, flags=re.S)
    assert code is not None
    subprocess.run([sys.executable, "-c", code.group(1)], check=True, timeout=300)


def test_the_readme_states_the_limits_the_code_enforces() -> None:
    from sim import limits

    section = README[README.index("### Limits") :]
    for value in (
        limits.MAX_MONTHS,
        limits.MAX_RUNS,
        limits.MAX_CHUNK,
        limits.MAX_CHUNKS,
        limits.MAX_COMBINATIONS,
        limits.MAX_COMPARE_RUNS,
        limits.MAX_DIVERGENCE_RUNS,
        limits.MAX_BUDGET,
        limits.MAX_DEPTH,
    ):
        assert f"{value:,}" in section, value
    assert limits.MAX_SEED == 2**63 and "2**63 − 1" in section
    assert f"{limits.MAX_RUN_BYTES // 1_000_000} MB" in section


def test_the_readme_documents_every_rule_of_the_acts() -> None:
    from sim.acts import Rules

    for name, field in Rules.model_fields.items():
        assert f"| `{name}` | {field.default:g} |" in README, name


def test_the_readme_counts_the_fitted_parameters_as_the_fit_does() -> None:
    from sim.calibrate import FITTED_WEIGHTS, STRUCTURAL

    count = len(STRUCTURAL) + len(FITTED_WEIGHTS) * 6
    assert f"**{count} free parameters**" in README
