"""Per-world random numbers: a counter-based generator keyed by (seed, stream, world).

Every random number of the engine is a pure function of the run's seed, the
name of the draw site (a *stream*: a field's dotted path, "war shocks",
"responses", ...), the world's index in the whole run and a counter (the
round, and an actor or event index within the round).  Nothing depends on
which other worlds share the block or on how many there are, so a world
played alone (:func:`negotiate.replay`) or in a block of any size sees the
very same draws.  See docs/model.md, "Random numbers".

The generator is the splitmix64 finaliser (Stafford's "Mix13", the output
function of Java's ``SplittableRandom``) applied twice:

    h = mix(key + (world + 1) * G)            # one word per world and stream
    x = mix(h + (counter + 1) * G2)           # one word per draw

``key`` is 64 bits from :class:`numpy.random.SeedSequence` (seed, stream), so
streams are decorrelated by numpy's own hashing; for a fixed world the second
line is exactly a splitmix64 sequence seeded with ``h`` (a generator that
passes BigCrush), and ``mix`` is a bijection, so two worlds never share a
word.  Uniforms take the top 53 bits, centred in their cell, so they lie
strictly inside (0, 1): normals are ``ndtri(u)``, every other distribution
its quantile function at ``u``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

__all__ = ["WorldStreams", "mix64", "uniforms"]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_G = np.uint64(0x9E3779B97F4A7C15)    # 2^64 / golden ratio, the splitmix64 increment
_G2 = np.uint64(0xD1B54A32D192ED03)   # a second odd Weyl increment (for the counter)
_MASK = (1 << 64) - 1
_S30, _S27, _S31, _S11 = (np.uint64(k) for k in (30, 27, 31, 11))
_TO_UNIT = 2.0 ** -53
#: the counter of a round-by-round draw: round * ROUND_STRIDE + index within the round
ROUND_STRIDE = 1 << 20


def mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser of a uint64 array, in place (and returned)."""
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


def _step(counter: int) -> np.uint64:
    # in Python integers: numpy warns on uint64 scalar overflow, which is wanted here
    return np.uint64(((counter + 1) * int(_G2)) & _MASK)


def _world_words(key: np.uint64, worlds: np.ndarray) -> np.ndarray:
    x = worlds.astype(np.uint64) + np.uint64(1)
    x *= _G
    x += key
    return mix64(x)


def uniforms(key: np.uint64, worlds: np.ndarray, counter: int) -> np.ndarray:
    """Uniforms in (0, 1), one per world of ``worlds`` (uint64 indices), for one counter."""
    x = _world_words(key, worlds)
    x += _step(counter)
    mix64(x)
    return ((x >> _S11).astype(np.float64) + 0.5) * _TO_UNIT


class WorldStreams:
    """The random numbers of the worlds ``ids`` (indices in the whole run) of a run whose
    randomness is rooted at the ``SeedSequence`` ``root``.

    A stream is named by a tuple of integers (its spawn key below ``root``);
    every draw of a stream is a vector over the held worlds.  :meth:`take`
    keeps a subset of the worlds (finished worlds are dropped) without
    changing anybody's numbers.
    """

    def __init__(self, root: np.random.SeedSequence, ids: np.ndarray, _keys: dict | None = None):
        self.root = root
        self.ids = np.asarray(ids, dtype=np.uint64)
        self._keys = {} if _keys is None else _keys

    def take(self, keep: np.ndarray) -> WorldStreams:
        return WorldStreams(self.root, self.ids[keep], self._keys)

    def key(self, stream: tuple[int, ...]) -> np.uint64:
        """64 bits for ``stream``: numpy's SeedSequence hash of (seed, stream)."""
        key = self._keys.get(stream)
        if key is None:
            ss = np.random.SeedSequence(entropy=self.root.entropy,
                                        spawn_key=tuple(self.root.spawn_key) + tuple(stream))
            key = self._keys[stream] = ss.generate_state(1, np.uint64)[0]
        return key

    def uniform(self, stream: tuple[int, ...], counter: int = 0) -> np.ndarray:
        """(worlds,) uniforms in (0, 1): draw ``counter`` of ``stream``."""
        return uniforms(self.key(stream), self.ids, counter)

    def uniform_rows(self, stream: tuple[int, ...], rows: int, counter: int = 0) -> np.ndarray:
        """(rows, worlds): draws ``counter``, ``counter + 1``, ... of ``stream``."""
        words = _world_words(self.key(stream), self.ids)
        out = np.empty((rows, self.ids.size), np.uint64)
        for k in range(rows):
            np.add(words, _step(counter + k), out=out[k])
        mix64(out)
        return ((out >> _S11).astype(np.float64) + 0.5) * _TO_UNIT

    def normal_rows(self, stream: tuple[int, ...], rows: int, counter: int = 0) -> np.ndarray:
        return ndtri(self.uniform_rows(stream, rows, counter))

    def logistic_rows(self, stream: tuple[int, ...], rows: int, counter: int = 0) -> np.ndarray:
        u = self.uniform_rows(stream, rows, counter)
        return np.log(u) - np.log1p(-u)
