"""The seed plan: which random numbers each run gets, and how runs are cut into blocks.

Run ``i`` of a call with seed ``s`` draws every random number from the streams
rooted at ``SeedSequence(s)`` (:func:`run_seed`) at world index ``i``
(docs/model.md, "Random numbers"): its draws depend on ``s`` and ``i`` only,
never on the block it is simulated in.  So the block size is a free tuning
knob (``simulate(..., block_size=...)``, default :data:`BLOCK_SIZE`), and the
per-run results are identical whatever the block size, the number of workers
or the chunk size; a run can be replayed alone
(:func:`negotiate.run.replay.replay`).  Summaries are merged block by block in
block order, so with one block size they are bit-identical for any workers or
chunks; another block size may move their float sums in the last digits.  Two
scenarios run with the same seed get the same draws run by run: that is what
``compare`` relies on (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..results.aggregate import BLOCK_SIZE  # defined with the summaries, which are per block

__all__ = ["BLOCK_SIZE", "MAX_RUNS", "Block", "SeedPlan", "block_seed", "round_chunk_size", "run_seed"]

#: The most runs one call may ask for: the cap of a scenario file's ``monte_carlo.runs``.
MAX_RUNS = 10**10


def run_seed(seed: int) -> np.random.SeedSequence:
    """The root of every stream of a run with ``seed``: world ``i`` of any block draws from it
    at index ``i`` (a new object on every call, like :func:`block_seed`)."""
    return np.random.SeedSequence(entropy=seed)


def block_seed(seed: int, index: int) -> np.random.SeedSequence:
    """A fresh ``SeedSequence`` for block ``index`` of a run with ``seed``.

    A new object on every call: an engine that calls ``.spawn()`` on it
    advances its counter, and two scenarios must not see different children.
    """
    return np.random.SeedSequence(entropy=seed, spawn_key=(index,))


def round_chunk_size(chunk_size: int, block_size: int = BLOCK_SIZE) -> int:
    """``chunk_size`` runs rounded up to a whole number of blocks."""
    return max(1, math.ceil(chunk_size / block_size)) * block_size


@dataclass(frozen=True)
class Block:
    """Runs ``start`` to ``start + size`` (exclusive), simulated as one unit."""

    index: int
    start: int
    size: int

    @property
    def stop(self) -> int:
        return self.start + self.size


@dataclass(frozen=True)
class SeedPlan:
    """How ``runs`` runs with ``seed`` are cut into blocks of ``block_size`` and chunks."""

    seed: int
    runs: int
    block_size: int = BLOCK_SIZE

    @property
    def n_blocks(self) -> int:
        return math.ceil(self.runs / self.block_size)

    def block(self, index: int) -> Block:
        if not 0 <= index < self.n_blocks:
            raise IndexError(f"block {index} out of range (plan has {self.n_blocks} blocks)")
        start = index * self.block_size
        return Block(index, start, min(self.block_size, self.runs - start))

    def blocks(self) -> Iterator[Block]:
        """Every block in order, made one at a time (a huge run is not a list of blocks)."""
        return (self.block(k) for k in range(self.n_blocks))

    def seed_for(self, block: Block) -> np.random.SeedSequence:
        """The root of the block's streams: the run's, whatever the block (its worlds
        are told apart by their indices ``block.start ..``)."""
        return run_seed(self.seed)

    def chunks(self, chunk_size: int) -> Iterator[list[Block]]:
        """Consecutive groups of blocks of at most ``chunk_size`` runs (rounded up to
        blocks), made one at a time."""
        per_chunk = round_chunk_size(chunk_size, self.block_size) // self.block_size
        for first in range(0, self.n_blocks, per_chunk):
            yield [self.block(k) for k in range(first, min(first + per_chunk, self.n_blocks))]
