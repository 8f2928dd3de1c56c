"""Entry point the runner calls: simulate one block of worlds from one seed."""

from __future__ import annotations

import mesa
import numpy as np

from .model import NegotiationModel
from .outcomes import BlockResult


def run_block(scenario, n_worlds: int, seed: np.random.SeedSequence, *, given: dict | None = None,
              first: int = 0) -> BlockResult:
    """Play worlds ``first .. first + n_worlds - 1`` of ``scenario`` to the horizon.

    Each world's result depends only on ``seed``, its own index and ``given``
    (docs/model.md, "Random numbers"): not on ``n_worlds`` or ``first`` otherwise.
    ``given``: per-world values for distribution-valued fields by dotted path
    (an experimental design), or per-world multipliers of number fields under
    ``path*`` (scale knobs, :func:`~negotiate.model.params.draw_params`); the
    other fields are drawn as usual.
    """
    model = NegotiationModel(scenario, n_worlds, seed=seed, record=False, given=given, first=first)
    try:
        return model.run()
    finally:
        release(model)


def release(model: mesa.Model) -> None:
    """Let a finished model be garbage collected.

    Mesa 3.3 numbers agents from a class-level dict keyed by model
    (``mesa.Agent._ids``), which keeps every model ever built alive — with its
    arrays, ~20 MiB per block (mesa/mesa#3179).  A batch run drops the entry.
    """
    mesa.Agent._ids.pop(model, None)
