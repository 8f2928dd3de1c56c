"""Entry point the runner calls: simulate one block of worlds from one seed."""

from __future__ import annotations

import numpy as np

from .model import NegotiationModel
from .outcomes import BlockResult


def run_block(scenario, n_worlds: int, seed: np.random.SeedSequence, *, given: dict | None = None) -> BlockResult:
    """Play ``n_worlds`` worlds of ``scenario`` to the horizon; deterministic in ``seed``.

    ``given``: per-world values for distribution-valued fields by dotted path
    (an experimental design); the other fields are drawn as usual.
    """
    return NegotiationModel(scenario, n_worlds, seed=seed, record=False, given=given).run()
