"""Sweeps of the fixed point over the worlds not yet converged (docs/model.md §8,
negotiate/model/sweeps.py) give those worlds the bits the whole block gives them.

A sweep view's offers, agendas, proposer values, reservations, needs and planned
cutoffs equal the block's in its worlds (np.array_equal, not a tolerance), on
scenarios that use what a view must cut: decision rules (segments moved toward a
coalition, the resumed war of a durable settlement), red lines, private resolve
(screening cutoffs), truce drafting (the plain truce's cached value); and a block
played with views (and the solver's state cut to the worlds left) equals one played
with every sweep over the whole block."""

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate.model import BlockResult, NegotiationModel, run_block, sweeps
from negotiate.model.continuation import FixedPoint
from negotiate.model.model import NegotiationModel as Model

from .conftest import load

ROOT = Path(__file__).resolve().parents[2]
MAJORITY = {"bodies": [{"rule": "majority", "members": ["A", "B", "M"]}]}
DRAFTING = {"truce_drafting": {"base": 0, "per_condition": {"dist": "uniform", "low": 1, "high": 6}}}

SCENARIOS = {
    "rules_durable": lambda: load("contract3_durable").with_overrides(
        {"decision": {"truce": MAJORITY, "settlement": MAJORITY}}),
    "private": lambda: load("private").with_overrides({"actors.A.noise": 0.05, "actors.B.noise": 0.05}),
    "drafting": lambda: load("contract3").with_overrides({"talks": DRAFTING, "actors.A.noise": 0.05}),
    "library": lambda: negotiate.load_scenario(ROOT / "scenarios/ukraine_march_2025.yaml")
    .with_overrides({"rounds.horizon": 6}),
    "exact": lambda: negotiate.load_scenario(ROOT / "scenarios/ukraine_march_2025.yaml")
    .with_overrides({"rounds.horizon": 6, "bargaining.planning": "exact"}),
}


def _outputs(model, state, x, screen, strategies=None):
    offers, *rest = model._offers_given(state, x, screen, strategies)
    return [offers.y, offers.feasible, offers.own, *rest]


def _two_rounds_in(scenario):
    """A 40-world block after two rounds, proposer values a little off its fixed point,
    and the block's outputs of one sweep there."""
    model = NegotiationModel(scenario, 40, seed=5, record=False)
    model.step()
    model.step()
    p, state = model.params, model.state
    screen = model.beliefs.screen(p) if model.beliefs is not None else None
    x = model.proposer_value + np.random.default_rng(1).uniform(-0.01, 0.01, model.proposer_value.shape)
    whole = _outputs(model, state, x, screen)
    return model, p, state, screen, x, whole


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_view_gives_the_blocks_numbers_in_its_worlds(name):
    model, p, state, screen, x, whole = _two_rounds_in(SCENARIOS[name]())
    keep = np.flatnonzero(np.random.default_rng(2).uniform(size=p.n) < 0.3)
    view = sweeps.view(model.actors, p, state, screen, keep)
    part = _outputs(model, view.state, x[:, keep], view.screen, view.strategies)
    narrow = sweeps.narrower(model.actors, view, np.array([0, 2, 3]))
    least = _outputs(model, narrow.state, x[:, narrow.keep], narrow.screen, narrow.strategies)
    assert view.state.params.n == keep.size and list(narrow.keep) == list(keep[[0, 2, 3]])
    for k, (a, b, c) in enumerate(zip(whole, part, least)):
        axis = -2 if k == 0 else -1   # offers.y (A, G, N, D); the rest world-last
        assert np.array_equal(np.take(a, keep, axis=axis), b, equal_nan=True), k
        assert np.array_equal(np.take(a, narrow.keep, axis=axis), c, equal_nan=True), k


def _whole_block_sweeps(monkeypatch):
    """Every sweep over the whole block, the solver's state never cut (the engine before views)."""
    monkeypatch.setattr(Model, "VIEW_BELOW", 0.0)
    monkeypatch.setattr(FixedPoint, "SHRINK_BELOW", 0.0)


@pytest.mark.parametrize("name", SCENARIOS)
def test_views_change_no_result(name, monkeypatch):
    scenario = SCENARIOS[name]()
    made = []
    real = sweeps.view
    monkeypatch.setattr(sweeps, "view", lambda *a, **k: made.append(1) or real(*a, **k))
    fast = run_block(scenario, 80, np.random.SeedSequence(11))
    assert made                                   # views were used
    _whole_block_sweeps(monkeypatch)
    made.clear()
    slow = run_block(scenario, 80, np.random.SeedSequence(11))
    assert not made
    assert_same(fast, slow)


def assert_same(a: BlockResult, b: BlockResult) -> None:
    for f in fields(BlockResult):
        if f.name != "inputs":
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)


def test_exact_planning_gives_each_world_the_same_numbers_in_any_block():
    """``planning: exact`` corrects a world's plan only while one of its own responders is
    short of its need (proposals._judged_exactly): before, a pass made for any world of the
    block moved every world's needs, so 6 of these 40 worlds got other offers in a block of
    two than in the whole block (the same numbers whatever the chunks, broken)."""
    scenario = negotiate.load_scenario(ROOT / "scenarios/ukraine_march_2025.yaml").with_overrides(
        {"rounds.horizon": 6, "bargaining.planning": "exact"})
    model, p, state, screen, x, whole = _two_rounds_in(scenario)
    for k in range(p.n):
        view = sweeps.view(model.actors, p, state, screen, np.array(sorted({k, (k + 7) % p.n})))
        part = _outputs(model, view.state, x[:, view.keep], view.screen, view.strategies)
        for j, (a, b) in enumerate(zip(whole, part)):
            axis = -2 if j == 0 else -1
            assert np.array_equal(np.take(a, view.keep, axis=axis), b, equal_nan=True), (k, j)
