"""Frontline State simulation core: scenarios, the Mesa model and its agents (no UI).

Typical use::

    from sim import load_scenario, FrontlineModel
    model = FrontlineModel(load_scenario("choosing-a-camp"), seed=1).run()

The names below are imported when first used, so that a command that only reads
scenarios (``frontline scenarios``, ``frontline validate``) does not import Mesa.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.actors import ACTORS, Bloc
    from sim.errors import Problem, ScenarioError
    from sim.model import (
        Choice,
        Explanation,
        FrontlineModel,
        LogEntry,
        PendingDecision,
        StateAgent,
    )
    from sim.scenario import CompiledScenario, builtin_names, load_scenario, validate_files

_WHERE = {
    "ACTORS": "sim.actors",
    "Bloc": "sim.actors",
    "Choice": "sim.model",
    "CompiledScenario": "sim.scenario",
    "Explanation": "sim.model",
    "FrontlineModel": "sim.model",
    "LogEntry": "sim.model",
    "PendingDecision": "sim.model",
    "Problem": "sim.errors",
    "ScenarioError": "sim.errors",
    "StateAgent": "sim.model",
    "builtin_names": "sim.scenario",
    "load_scenario": "sim.scenario",
    "validate_files": "sim.scenario",
}

__all__ = [
    "ACTORS",
    "Bloc",
    "Choice",
    "CompiledScenario",
    "Explanation",
    "FrontlineModel",
    "LogEntry",
    "PendingDecision",
    "Problem",
    "ScenarioError",
    "StateAgent",
    "builtin_names",
    "load_scenario",
    "validate_files",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
