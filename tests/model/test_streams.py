"""The per-world random numbers (negotiate.model.streams; docs/model.md, "Random numbers").

Statistics with fixed seeds: uniformity (chi-square), and no correlation
between adjacent worlds, adjacent counters (rounds) or streams.  Each check is
also run on a deliberately broken generator (the mixer left out, so the words
are a plain Weyl sequence) and must reject it: the checks can fail.  Then the
property the engine relies on: a world's numbers do not depend on which other
worlds are drawn with it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from negotiate.model import streams
from negotiate.model.streams import ROUND_STRIDE, WorldStreams, mix64, uniforms

N = 200_000
ROOT = np.random.SeedSequence(20261204)


def _chi2_p(u: np.ndarray, bins: int = 100) -> float:
    counts = np.bincount(np.minimum((u * bins).astype(int), bins - 1), minlength=bins)
    return float(stats.chisquare(counts).pvalue)


def _pairs_chi2_p(a: np.ndarray, b: np.ndarray, bins: int = 20) -> float:
    """Serial test: (a, b) pairs uniform on the unit square."""
    cell = np.minimum((a * bins).astype(int), bins - 1) * bins + np.minimum((b * bins).astype(int), bins - 1)
    return float(stats.chisquare(np.bincount(cell, minlength=bins * bins)).pvalue)


def _correlation_z(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation in standard errors (about N(0, 1) when independent)."""
    return float(np.corrcoef(a, b)[0, 1] * np.sqrt(a.size))


def _independent(a: np.ndarray, b: np.ndarray) -> bool:
    return _pairs_chi2_p(a, b) > 1e-4 and abs(_correlation_z(a, b)) < 4.5


def test_uniform_over_worlds_and_over_rounds():
    s = WorldStreams(ROOT, np.arange(N))
    across_worlds = s.uniform((1, 0), counter=7 * ROUND_STRIDE)
    assert across_worlds.min() > 0 and across_worlds.max() < 1
    assert _chi2_p(across_worlds) > 1e-4
    one_world = WorldStreams(ROOT, np.array([12345]))
    across_rounds = np.array([one_world.uniform((1, 0), counter=t * ROUND_STRIDE)[0] for t in range(20_000)])
    assert _chi2_p(across_rounds, bins=50) > 1e-4
    assert abs(across_worlds.mean() - 0.5) < 4.5 * np.sqrt(1 / 12 / N)


def test_adjacent_worlds_rounds_and_streams_are_independent():
    s = WorldStreams(ROOT, np.arange(N + 1))
    u = s.uniform((1, 0), counter=3 * ROUND_STRIDE)
    assert _independent(u[:-1], u[1:])                                      # neighbouring worlds
    later = s.uniform((1, 0), counter=4 * ROUND_STRIDE)
    assert _independent(u, later)                                           # the next round
    k1 = s.uniform((1, 0), counter=3 * ROUND_STRIDE + 1)
    assert _independent(u, k1)                                              # the next actor
    assert _independent(u, s.uniform((1, 1), counter=3 * ROUND_STRIDE))     # another site
    other_seed = WorldStreams(np.random.SeedSequence(20261205), np.arange(N + 1))
    assert _independent(u, other_seed.uniform((1, 0), counter=3 * ROUND_STRIDE))


def test_the_checks_reject_a_generator_without_its_mixer(monkeypatch):
    monkeypatch.setattr(streams, "mix64", lambda x: x)
    s = WorldStreams(ROOT, np.arange(N + 1))
    u = s.uniform((1, 0), counter=5)
    assert not _independent(u[:-1], u[1:])
    assert not _independent(u, s.uniform((1, 0), counter=6))


def test_mix64_is_the_splitmix64_finaliser():
    # splitmix64 seeded with 0: its first outputs, as published with the reference C code
    # (state += 0x9E3779B97F4A7C15, then the finaliser)
    x = (np.arange(1, 4, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    assert [int(v) for v in mix64(x)] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def test_normals_and_logistics_have_their_distributions():
    s = WorldStreams(ROOT, np.arange(50_000))
    z = s.normal_rows((1, 0), 2, counter=11)
    assert stats.kstest(z.ravel(), "norm").pvalue > 1e-4
    assert abs(np.corrcoef(z[0], z[1])[0, 1]) < 4.5 / np.sqrt(z.shape[1])
    assert stats.kstest(s.logistic_rows((1, 4), 1, counter=11)[0], "logistic").pvalue > 1e-4


def test_a_worlds_numbers_do_not_depend_on_the_other_worlds():
    everyone = WorldStreams(ROOT, np.arange(1000))
    picked = np.array([999, 3, 500, 0, 4])
    alone = WorldStreams(ROOT, picked)
    for stream, counter in [((0, 17), 0), ((1, 2), 9 * ROUND_STRIDE + 2)]:
        np.testing.assert_array_equal(alone.uniform(stream, counter), everyone.uniform(stream, counter)[picked])
        np.testing.assert_array_equal(everyone.take(picked).uniform_rows(stream, 3, counter),
                                      everyone.uniform_rows(stream, 3, counter)[:, picked])
    np.testing.assert_array_equal(WorldStreams(ROOT, [7]).uniform((1, 0), 5),
                                  uniforms(everyone.key((1, 0)), np.array([7], np.uint64), 5))


@pytest.mark.parametrize("counter", [0, 2**40])
def test_uniforms_lie_strictly_inside_the_unit_interval(counter):
    u = WorldStreams(ROOT, np.arange(10_000)).uniform((2,), counter)
    assert (u > 0).all() and (u < 1).all()
