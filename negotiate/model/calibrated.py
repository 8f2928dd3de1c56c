"""Calibrated behaviour in the engine: each world takes one posterior draw of the knobs.

A scenario with a ``calibration`` section (docs/validation.md, "Calibration")
is played as the scenario with every field a ``replace`` knob sets replaced,
world by world, by that world's draw, and every field a ``scale`` knob sets
multiplied by it (the field's own draw times the knob): the draws go to the
engine as per-world inputs (``given``, multipliers under ``path*``), exactly as
the calibration's own design worlds did.  Which draw a
world takes comes from the world's own uniform on a stream of its own,
``(crc32("calibration"),)`` (docs/model.md, "Random numbers"), so no other
field's draws move and the row does not depend on the block.  Values the caller
gives for a field (an experimental design) win over the calibration's.
"""

from __future__ import annotations

import zlib

import numpy as np

from ..scenario.calibration import load_posterior
from .params import SCALE_MARK, streams_for

__all__ = ["CALIBRATION_KEY", "with_calibration"]

CALIBRATION_KEY = zlib.crc32(b"calibration")


def with_calibration(scenario, n: int, seed,
                     given: dict | None) -> tuple[object, dict | None]:
    """``(scenario without its calibration section, given)`` for a block of ``n`` worlds;
    ``seed`` is a ``SeedSequence`` (worlds ``0 .. n - 1``) or the worlds' :class:`WorldStreams`."""
    if scenario.calibration is None:
        return scenario, given
    posterior = load_posterior(scenario.calibration.posterior)
    u = streams_for(seed, n).uniform((CALIBRATION_KEY,))
    rows = np.minimum((u * len(posterior.draws)).astype(np.int64), len(posterior.draws) - 1)
    given = dict(given or {})
    overrides: dict[str, object] = {"calibration": None}
    for j, paths in enumerate(posterior.fields(scenario).values()):
        low, high = posterior.bounds[j]
        if posterior.kinds[j] == "scale":  # the field keeps its own draw, times the knob
            for path in paths:
                given.setdefault(path + SCALE_MARK, posterior.draws[rows, j])
            continue
        for path in paths:
            # a placeholder distribution over the knob's prior: the field becomes
            # distribution-valued, so the engine takes the world's value from ``given``
            overrides[path] = {"dist": "uniform", "low": low, "high": high}
            given.setdefault(path, posterior.draws[rows, j])
    return scenario.with_overrides(overrides), given
