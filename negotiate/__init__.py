"""negotiate: Monte Carlo simulation of ceasefire negotiations.

The flow: scenario file → :class:`Scenario` → :class:`NegotiationModel`
(Mesa agents over N worlds) → runner → :class:`Results` → plots.
"""

from .errors import ScenarioError, SimulationError
from .scenario import Scenario, dump_yaml, load_scenario

__version__ = "0.1.0"

__all__ = ["Scenario", "ScenarioError", "SimulationError", "dump_yaml", "load_scenario", "__version__"]
