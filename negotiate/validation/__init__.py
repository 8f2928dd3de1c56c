"""Scoring the model's forecasts on the case library (``cases/``).

:func:`load_cases` reads historical cases (a scenario written as of the start
of talks, and a record of what happened); :func:`backtest` simulates each
case from its scenario alone and scores the forecasts against the records
(:mod:`.scores`: log score, Brier, ranked probability score, skill against
climatology and uniform forecasts, bootstrap intervals over cases);
:func:`calibrate` fits the behavioural knobs shared by every case to the
records and cross-validates the fit.  See ``docs/validation.md``.
"""

from .backtest import backtest, case_seed
from .calibrate import DEFAULT_KNOBS, calibrate
from .calibration_results import CalibrationResults
from .cases import Case, load_case, load_cases
from .knobs import SCALE_KNOBS, Knob
from .record import Record, load_record
from .results import SCORES, BacktestResults

__all__ = [
    "DEFAULT_KNOBS",
    "SCALE_KNOBS",
    "SCORES",
    "BacktestResults",
    "CalibrationResults",
    "Case",
    "Knob",
    "Record",
    "backtest",
    "calibrate",
    "case_seed",
    "load_case",
    "load_cases",
    "load_record",
]
