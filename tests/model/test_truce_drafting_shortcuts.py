"""The shortcuts that make truce drafting cheap (docs/performance.md, "Session 7: truce
drafting made cheap") give the bits of the computations they replace: a proposer's own
value of its truce computed for it alone, in the worlds read, and the plain truce's value
in force computed once a round.  Their numbers are compared with the general
``RoundState.package_values`` on the same state, exactly (np.array_equal)."""

from __future__ import annotations

import numpy as np

from negotiate.model import NegotiationModel, run_block
from negotiate.model.model import NegotiationModel as Model
from negotiate.model.proposals import TRUCE
from negotiate.model.round_state import RoundState

from .test_truce_drafting import NOISY, scenario

DRAFTING = {"base": 0, "per_condition": {"dist": "uniform", "low": 1, "high": 6}}


def _state(worlds: int = 30):
    sc = scenario(0.9, DRAFTING, **NOISY, **{"bargaining.continuation": True})
    model = NegotiationModel(sc, worlds, seed=3, record=False)
    model.step()
    return model, model.state


def test_own_truce_values_are_the_package_values_of_the_proposer():
    model, state = _state()
    p, who = model.params, [0, 1]
    rng = np.random.default_rng(0)
    y = np.broadcast_to(p.status_quo, (2, 2, p.n, p.n_issues)).copy()
    y[:, :, :, p.truce_issue] = rng.uniform(size=(2, 2, p.n, int(p.truce_issue.sum())))
    pairs = np.zeros((2, 2), bool)
    pairs[:, TRUCE] = True
    whole = state.package_values(y, who, pairs)[who, [0, 1], TRUCE]            # (P, N)
    assert np.array_equal(state.own_truce_values(y[:, TRUCE], who), whole)
    read = rng.uniform(size=p.n) < 0.5
    part = state.own_truce_values(y[:, TRUCE], who, read=read)
    assert np.array_equal(part[:, read], whole[:, read])
    # several plans at once (P, C, N, D): each plan's values as alone
    many = np.stack([y[:, TRUCE], y[::-1, TRUCE]], axis=1)
    both = state.own_truce_values(many, who)
    assert np.array_equal(both[:, 0], whole)


def _general(self, y, who, read=None):
    """Own truce values the general way: every actor's, every world (RoundState.package_values)."""
    pairs = np.zeros((len(who), 2), bool)
    pairs[:, TRUCE] = True
    flat = y.reshape((len(who), -1) + y.shape[-2:])                             # (P, M, N, D)
    out = np.empty(flat.shape[:-1])
    for m in range(flat.shape[1]):
        full = np.broadcast_to(flat[:, m, None], (len(who), 2) + flat.shape[-2:])
        out[:, m] = self.package_values(full, who, pairs)[who, np.arange(len(who)), TRUCE]
    return out.reshape(y.shape[:-1])


def _the_general_way(monkeypatch):
    """Every plan valued exactly in every world, for every actor; the plain truce every sweep."""
    exact = Model._exact_truce_own
    monkeypatch.setattr(Model, "_exact_truce_own",
                        lambda self, state, plans, ys, worlds: exact(self, state, plans, ys, np.ones_like(worlds)))
    monkeypatch.setattr(RoundState, "own_truce_values", _general)
    monkeypatch.setattr(Model, "_plain_in_force", lambda self, state, y: None)


def test_drafted_offers_are_those_of_the_general_computation(monkeypatch):
    """Every proposer's drafted truce offer, its feasibility and its priced own value, in
    every world (including those where no plan is feasible and the fallback's is read)."""
    model, state = _state(200)
    p = model.params
    sweep = state.for_sweep(model.proposer_value, (p.margin * p.noise)[:, None, :])
    # in every other world nobody can meet the needs: only the fallback plan's value is read
    sweep = sweep.replace(need=sweep.need + np.where(np.arange(p.n) % 2 == 0, 1.0, 0.0))
    fast = model._drafted_truce_offers(sweep)
    _the_general_way(monkeypatch)
    slow = model._drafted_truce_offers(sweep)
    assert (~fast.feasible[[0, 1], TRUCE]).all(axis=0).any() and fast.feasible[[0, 1], TRUCE].any()
    for name in ("y", "feasible", "own"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name


def test_shortcuts_change_no_result(monkeypatch):
    """A block played with the shortcuts and with the general computations (every
    actor's value, every world, every sweep) gives the same worlds to the bit."""
    sc = scenario(0.9, DRAFTING, **NOISY, **{"rounds.horizon": 8})
    fast = run_block(sc, 60, np.random.SeedSequence(7))
    _the_general_way(monkeypatch)
    slow = run_block(sc, 60, np.random.SeedSequence(7))
    assert (fast.truces > 0).mean() > 0.3                     # truces were agreed
    for field in ("outcome", "truce_round", "truces", "agreement_round", "proposer", "offers", "accepts"):
        assert np.array_equal(getattr(fast, field), getattr(slow, field)), field
    assert np.array_equal(fast.terms, slow.terms, equal_nan=True)


def test_plain_truce_value_is_recomputed_each_round():
    """The plain truce's value in force, kept within a round, is that of the round's state."""
    model, first = _state()
    p = model.params
    y = np.broadcast_to(p.status_quo, (2, 2, p.n, p.n_issues)).copy()
    model._plain_in_force(first, y)
    model.step()
    second = model.state
    assert not np.array_equal(first.balance, second.balance)          # the front moved
    assert np.array_equal(model._plain_in_force(second, y), second.truce_in_force(y[:, TRUCE]))
    assert model._plain_in_force(second, y) is model._plain_in_force(second.replace(need=second.need), y)
