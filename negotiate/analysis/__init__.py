"""What drives the outcomes: sensitivity indices (SALib) and scenario discovery (PRIM, CART).

Nothing here imports SALib, scikit-learn or the EMA Workbench until an
analysis runs; they come with ``pip install 'negotiate[sensitivity]'``.
"""

from .discovery import Box, DiscoveryResults, discover
from .inputs import Factor, scenario_factors
from .sensitivity import SensitivityResults, analyse_function, sensitivity

__all__ = [
    "Box",
    "DiscoveryResults",
    "Factor",
    "SensitivityResults",
    "analyse_function",
    "discover",
    "scenario_factors",
    "sensitivity",
]
