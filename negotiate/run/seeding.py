"""The seed plan: which random numbers each run gets.

Runs are cut into blocks of a fixed size :data:`BLOCK_SIZE`.  Block ``k`` of a
run with seed ``s`` draws from ``SeedSequence(entropy=s, spawn_key=(k,))``,
which is exactly ``SeedSequence(s).spawn(n)[k]`` for any ``n > k``, so the
stream of a block does not depend on how many blocks there are.  A block is
always simulated as one unit and a chunk handed to an executor is a whole
number of blocks; hence results are bit-identical whatever the number of
workers or the chunk size.  Two scenarios run with the same seed get the same
streams block by block: that is what ``compare`` relies on (common random
numbers).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..results.aggregate import BLOCK_SIZE  # defined with the summaries, which are per block

__all__ = ["BLOCK_SIZE", "MAX_RUNS", "Block", "SeedPlan", "block_seed", "round_chunk_size"]

#: The most runs one call may ask for: the cap of a scenario file's ``monte_carlo.runs``.
MAX_RUNS = 10**10


def block_seed(seed: int, index: int) -> np.random.SeedSequence:
    """A fresh ``SeedSequence`` for block ``index`` of a run with ``seed``.

    A new object on every call: an engine that calls ``.spawn()`` on it
    advances its counter, and two scenarios must not see different children.
    """
    return np.random.SeedSequence(entropy=seed, spawn_key=(index,))


def round_chunk_size(chunk_size: int) -> int:
    """``chunk_size`` runs rounded up to a whole number of blocks."""
    return max(1, math.ceil(chunk_size / BLOCK_SIZE)) * BLOCK_SIZE


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
    """How ``runs`` runs with ``seed`` are cut into blocks and chunks."""

    seed: int
    runs: int

    @property
    def n_blocks(self) -> int:
        return math.ceil(self.runs / BLOCK_SIZE)

    def block(self, index: int) -> Block:
        if not 0 <= index < self.n_blocks:
            raise IndexError(f"block {index} out of range (plan has {self.n_blocks} blocks)")
        start = index * BLOCK_SIZE
        return Block(index, start, min(BLOCK_SIZE, self.runs - start))

    def blocks(self) -> Iterator[Block]:
        """Every block in order, made one at a time (a huge run is not a list of blocks)."""
        return (self.block(k) for k in range(self.n_blocks))

    def seed_for(self, block: Block) -> np.random.SeedSequence:
        return block_seed(self.seed, block.index)

    def chunks(self, chunk_size: int) -> Iterator[list[Block]]:
        """Consecutive groups of blocks of at most ``chunk_size`` runs (rounded up to
        blocks), made one at a time."""
        per_chunk = round_chunk_size(chunk_size) // BLOCK_SIZE
        for first in range(0, self.n_blocks, per_chunk):
            yield [self.block(k) for k in range(first, min(first + per_chunk, self.n_blocks))]
