"""Checks of the arguments every run entry point shares (runs, seed, workers, flags).

Public within the package: ``simulate``, ``sweep``, the analyses and the
validation all call these before anything is simulated, so a bad argument
is refused in one line naming it, never after minutes of work.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..scenario import Scenario
from ..scenario.schema import MAX_SEED
from .seeding import BLOCK_SIZE, MAX_RUNS, SeedPlan

__all__ = ["check_seed", "flag", "plan_and_workers", "whole_number"]


def whole_number(name: str, value, minimum: int, maximum: int | None = None) -> int:
    """``value`` as an int >= ``minimum`` (and <= ``maximum``), or a ValueError naming ``name``.

    Booleans are refused; a float with an integer value (``1e6`` typed in a
    notebook) is accepted.
    """
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if isinstance(value, float) and value.is_integer():
        value, ok = int(value), True
    if not ok or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:,}, got {value:,}")
    return int(value)


def check_seed(value) -> int:
    """``value`` as a root seed: a whole number from 0 to ``MAX_SEED`` (2**63 - 1), the limit
    of a scenario file's ``monte_carlo.seed``, so a seed that runs can always be written there."""
    value = whole_number("seed", value, 0)
    if value > MAX_SEED:
        raise ValueError(f"seed must be at most 2**63 - 1 = {MAX_SEED:,} (as monte_carlo.seed in a "
                         f"scenario file), got {value:,}")
    return value


def flag(name: str, value, *, optional: bool = False) -> bool | None:
    """A boolean option: ``True`` or ``False`` (or ``None`` if ``optional``), never a
    string such as ``"no"``, which Python would count as true."""
    if value is None and optional:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    allowed = "True, False or None" if optional else "True or False"
    raise TypeError(f"{name} must be {allowed}, got {value!r}")


def plan_and_workers(scenario: Scenario, runs, seed, workers, block_size=None) -> tuple[SeedPlan, int]:
    """The seed plan (``runs`` and ``seed`` default to the scenario's ``monte_carlo``; blocks
    of ``block_size`` runs, default ``BLOCK_SIZE``) and workers."""
    runs = scenario.monte_carlo.runs if runs is None else whole_number("runs", runs, 1, MAX_RUNS)
    seed = scenario.monte_carlo.seed if seed is None else check_seed(seed)
    workers = 1 if workers is None else whole_number("workers", workers, 1)
    block_size = BLOCK_SIZE if block_size is None else whole_number("block_size", block_size, 1)
    return SeedPlan(seed, runs, block_size), workers
