"""Entry point the runner calls: simulate one block of worlds from one seed.

TEMPORARY PLACEHOLDER while the engine is being written: draws outcomes at
random so the runner can be developed against the BlockResult contract.
"""

from __future__ import annotations

import numpy as np

from .outcomes import BlockResult


def run_block(scenario, n_worlds: int, seed: np.random.SeedSequence) -> BlockResult:
    rng = np.random.default_rng(seed)
    A, D, N = len(scenario.actors), len(scenario.issues), n_worlds
    outcome = rng.integers(0, 4, N).astype(np.int8)
    rounds = np.where(outcome == 3, 0, rng.integers(1, scenario.rounds.horizon + 1, N)).astype(np.int16)
    terms = np.where((outcome != 3)[:, None], rng.random((N, D)), np.nan)
    return BlockResult(
        outcome=outcome, agreement_round=rounds, truce_round=rounds.copy(),
        collapsed=rng.random(N) < 0.1, truces=(outcome < 2).astype(np.int16),
        proposer=np.where(outcome == 3, -1, rng.integers(0, A, N)).astype(np.int16),
        terms=terms, final_balance=rng.random(N), victory=np.zeros(N, np.int8),
        offers=rng.integers(0, 5, (N, A, 2)).astype(np.int16),
        accepts=rng.integers(0, 2, (N, A, 2)).astype(np.int16),
        first_accept=rng.integers(0, 5, (N, A)).astype(np.int16),
        inputs={"war.drift": rng.normal(size=N)},
    )
