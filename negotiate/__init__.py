"""negotiate: Monte Carlo simulation of ceasefire negotiations.

The flow: scenario file → :class:`Scenario` → :class:`NegotiationModel`
(Mesa agents over N worlds) → runner (:func:`simulate`, :func:`compare`) →
:class:`Results` → plots (:mod:`negotiate.plot`).

Importing the package does no work and draws no random numbers.
"""

from ._quiet_start import install_if_command as _install_if_command

_install_if_command()  # before the slower imports below; only when running the command

from .errors import NegotiateError, OutputError, ResultsFileError, ScenarioError, SimulationError
from .scenario import Scenario, dump_yaml, load_scenario

__version__ = "0.1.0"

# The runner and results pull in mesa, pandas and matplotlib: load them on
# first use (PEP 562) so `negotiate validate` and `import negotiate` stay quick.
_LAZY = {
    "Results": ".results", "load_results": ".results",
    "Comparison": ".run", "compare": ".run", "simulate": ".run",
    "ManyComparison": ".run", "compare_many": ".run", "ScenarioMismatchWarning": ".run",
    "IdenticalScenariosWarning": ".run",
    "DegenerateResultWarning": ".run.simulate",
    "WeakResultWarning": ".results.diagnostics", "Diagnosis": ".results.diagnostics",
    "SweepResults": ".run", "sweep": ".run", "Replay": ".run", "replay": ".run",
    "SensitivityResults": ".analysis", "sensitivity": ".analysis",
    "DiscoveryResults": ".analysis", "discover": ".analysis",
    "BacktestResults": ".validation", "backtest": ".validation",
    "load_case": ".validation", "load_cases": ".validation",
    "CalibrationResults": ".validation", "calibrate": ".validation",
    "write_report": ".report",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'negotiate' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "BacktestResults",
    "CalibrationResults",
    "Comparison",
    "DegenerateResultWarning",
    "Diagnosis",
    "DiscoveryResults",
    "IdenticalScenariosWarning",
    "ManyComparison",
    "NegotiateError",
    "OutputError",
    "Replay",
    "Results",
    "ResultsFileError",
    "Scenario",
    "ScenarioError",
    "ScenarioMismatchWarning",
    "SensitivityResults",
    "SimulationError",
    "SweepResults",
    "WeakResultWarning",
    "__version__",
    "backtest",
    "calibrate",
    "compare",
    "compare_many",
    "discover",
    "dump_yaml",
    "load_case",
    "load_cases",
    "load_results",
    "load_scenario",
    "replay",
    "sensitivity",
    "simulate",
    "sweep",
    "write_report",
]
