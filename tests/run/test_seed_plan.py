"""The seed plan: blocks of a chosen size, spawn-compatible seeds, chunks of whole blocks."""

import numpy as np
import pytest

from negotiate.run.seeding import BLOCK_SIZE, SeedPlan, block_seed, round_chunk_size, run_seed


def test_default_block_size_is_4096():
    assert BLOCK_SIZE == 4096


@pytest.mark.parametrize("seed", [0, 7, 2**40 + 3])
def test_block_seed_equals_spawned_child_whatever_the_number_of_children(seed):
    for n_children in (3, 5, 17):
        children = np.random.SeedSequence(seed).spawn(n_children)
        for k in (0, 2):
            expected = children[k].generate_state(8)
            np.testing.assert_array_equal(block_seed(seed, k).generate_state(8), expected)


def test_block_seed_is_a_fresh_object_each_time():
    first = block_seed(3, 1)
    first.spawn(2)  # an engine may spawn from it...
    again = block_seed(3, 1)
    assert again.n_children_spawned == 0  # ...without affecting the next user
    assert again.spawn(1)[0].generate_state(2).tolist() == block_seed(3, 1).spawn(1)[0].generate_state(2).tolist()


def test_plan_cuts_runs_into_fixed_blocks_with_a_short_last_one():
    plan = SeedPlan(seed=1, runs=10_000)
    blocks = list(plan.blocks())
    assert [b.size for b in blocks] == [4096, 4096, 1808]
    assert [b.start for b in blocks] == [0, 4096, 8192]
    assert blocks[-1].stop == 10_000
    assert SeedPlan(1, 4096).n_blocks == 1 and SeedPlan(1, 4097).n_blocks == 2
    with pytest.raises(IndexError):
        plan.block(3)


def test_chunks_are_whole_blocks():
    plan = SeedPlan(seed=1, runs=5 * 4096 + 10)
    assert [len(c) for c in plan.chunks(1)] == [1] * 6
    assert [len(c) for c in plan.chunks(5000)] == [2, 2, 2]  # 5000 → 8192 runs = 2 blocks
    assert [len(c) for c in plan.chunks(10**9)] == [6]
    flat = [b.index for chunk in plan.chunks(3 * 4096) for b in chunk]
    assert flat == list(range(6))


@pytest.mark.parametrize("asked, rounded", [(1, 4096), (4096, 4096), (4097, 8192), (12288, 12288)])
def test_round_chunk_size(asked, rounded):
    assert round_chunk_size(asked) == rounded


def test_blocks_of_another_size_and_one_root_seed_for_all():
    plan = SeedPlan(seed=5, runs=1000, block_size=300)
    assert [(b.start, b.size) for b in plan.blocks()] == [(0, 300), (300, 300), (600, 300), (900, 100)]
    assert [len(c) for c in plan.chunks(301)] == [2, 2]   # 301 runs -> 600 = two blocks of 300
    assert round_chunk_size(301, 300) == 600
    roots = {tuple(plan.seed_for(b).generate_state(4)) for b in plan.blocks()}
    assert roots == {tuple(run_seed(5).generate_state(4))} == {tuple(np.random.SeedSequence(5).generate_state(4))}
