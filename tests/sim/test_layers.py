"""The core stays free of the UI."""

import subprocess
import sys


def test_importing_sim_imports_no_pygame_or_matplotlib() -> None:
    code = (
        "import sys, sim, sim.model, sim.scenario, sim.dynamics;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pygame', 'pygame_gui', "
        "'matplotlib')];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
