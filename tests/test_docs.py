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
