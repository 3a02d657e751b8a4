"""Frontline State simulation core: scenarios, the Mesa model and its agents (no UI).

Typical use::

    from sim import load_scenario, FrontlineModel
    model = FrontlineModel(load_scenario("choosing-a-camp"), seed=1).run()
"""

from sim.actors import ACTORS, Bloc
from sim.errors import Problem, ScenarioError
from sim.model import Choice, Explanation, FrontlineModel, LogEntry, PendingDecision, StateAgent
from sim.scenario import CompiledScenario, builtin_names, load_scenario, validate_files

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
