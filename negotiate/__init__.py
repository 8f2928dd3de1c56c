"""negotiate: Monte Carlo simulation of ceasefire negotiations.

The flow: scenario file → :class:`Scenario` → :class:`NegotiationModel`
(Mesa agents over N worlds) → runner (:func:`simulate`, :func:`compare`) →
:class:`Results` → plots (:mod:`negotiate.plot`).

Importing the package does no work and draws no random numbers.
"""

from .errors import NegotiateError, ScenarioError, SimulationError
from .results import Results, load_results
from .run import Comparison, compare, simulate
from .scenario import Scenario, dump_yaml, load_scenario

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "NegotiateError",
    "Results",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "__version__",
    "compare",
    "dump_yaml",
    "load_results",
    "load_scenario",
    "simulate",
]
