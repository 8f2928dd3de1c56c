"""What a user writes: the scenario format, its distributions and its loader."""

from .distributions import Distribution, Param, sample_param
from .load import apply_overrides, dump_yaml, load_scenario, scenario_from_yaml
from .schema import Scenario

__all__ = [
    "Distribution",
    "Param",
    "Scenario",
    "apply_overrides",
    "dump_yaml",
    "load_scenario",
    "sample_param",
    "scenario_from_yaml",
]
