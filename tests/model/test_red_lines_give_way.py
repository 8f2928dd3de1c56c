"""Red lines that give way (docs/model.md §16, "Red lines that give way").

With ``bargaining.red_lines_hold: m`` each bound of each actor gives way for good
after T ~ Exponential(mean m) rounds at war, T drawn per world and bound.  Closed
forms checked here (derived by hand, not by the code):

* one bound still holds after t rounds at war with probability P(T > t) = exp(−t/m);
* two parties whose constant red lines clash on the only agenda (a pure division, no
  truce on the table, so every round is fought): nobody can offer anything until the
  first of the two bounds gives way, and an offer is then made that very round, so the
  first offer comes in round ⌈min(T₁, T₂)⌉ and P(nothing offered by round t) =
  P(T₁ > t) P(T₂ > t) = exp(−2t/m) (T₁, T₂ independent);
* rounds of truce do not count: a bound holds exactly while rounds fought < T.

Then: no draw moves without the field, results do not depend on the block, the
chunks or the workers, validation, and the mutation check (a bound that never
gives way fails the closed forms).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import negotiate
from negotiate.errors import ScenarioError
from negotiate.model import NegotiationModel, red_lines
from negotiate.model.model import IN_TRUCE, OVER
from negotiate.model.params import draw_params
from negotiate.stats import wilson_interval

ROOT = Path(__file__).resolve().parents[2]
RUBINSTEIN = ROOT / "tests" / "theory" / "data" / "rubinstein.yaml"
TWO_PARTY = ROOT / "tests" / "model" / "data" / "two_party.yaml"
LEVEL = 0.999   # each interval; a handful per test


def load(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def clash(hold, low: float = 0.7, high: float = 0.4) -> negotiate.Scenario:
    """Rubinstein's division (no truce): A will not sign y < low, B none above high."""
    data = load(RUBINSTEIN)
    data["actors"]["A"]["positions"]["y"]["red_line"] = {"min": low}
    data["actors"]["B"]["positions"]["y"]["red_line"] = {"max": high}
    if hold is not None:
        data["bargaining"]["red_lines_hold"] = hold
    return negotiate.load_scenario(data)


def _inside(k: int, n: int, p: float) -> bool:
    lo, hi = wilson_interval(k, n, level=LEVEL)
    return lo <= p <= hi


# --- one bound: P(holds after t rounds at war) = exp(−t/m) --------------------------------------

@pytest.mark.parametrize("means", [(2.0, 9.0), (5.0, 30.0)])
def test_a_bound_holds_after_t_rounds_at_war_with_chance_exp_minus_t_over_m(means):
    """Half the worlds get mean m₁, half m₂ (``given``: the field is distribution-valued);
    after t rounds fought the share of worlds where A's bound is in force is exp(−t/m)."""
    n = 3000
    given = np.repeat(means, n // 2)
    scenario = clash({"dist": "uniform", "low": 1, "high": 50})
    p = draw_params(scenario, n, np.random.SeedSequence(4), given={"bargaining.red_lines_hold": given})
    for t in (1, 3, 8, 20):
        low, high = red_lines.bounds_now(p, p.balance0, np.full(n, t))
        for k, m in enumerate(means):
            rows = slice(k * n // 2, (k + 1) * n // 2)
            for bound in (np.isfinite(low[0, rows, 0]), np.isfinite(high[1, rows, 0])):
                assert _inside(int(bound.sum()), n // 2, np.exp(-t / m)), (t, m, bound.mean())


# --- two clashing bounds: P(nothing offered by round t) = exp(−2t/m) ----------------------------

def first_offers(scenario, n: int, rounds: int, seed: int = 3) -> tuple[np.ndarray, NegotiationModel]:
    """Round of each world's first offer (0: none within ``rounds``); every world kept."""
    model = NegotiationModel(scenario, n, seed=seed, record=False)
    model.COMPACT_MIN = n   # keep every world's row
    first = np.zeros(n, int)
    for t in range(1, rounds + 1):
        model.step()
        assert (model.phase != IN_TRUCE).all()   # no truce here: every open round is fought
        offered = model.out["offers"].sum(axis=(1, 2)) > 0
        first[(first == 0) & offered] = t
    return first, model


@pytest.mark.parametrize("mean", [3.0, 8.0])
def test_clashing_red_lines_open_when_the_first_gives_way(mean):
    """World by world, the first offer comes in round ⌈min(T_A, T_B)⌉ (exact); over worlds,
    P(nothing offered by round t) = exp(−2t/m) within its 99.9% Wilson interval."""
    n, rounds = 600, 12
    first, model = first_offers(clash(mean), n, rounds)
    p = model.params
    opens = np.ceil(np.minimum(p.red_give_low[0, :, 0], p.red_give_high[1, :, 0])).astype(int)
    np.testing.assert_array_equal(first, np.where(opens <= rounds, opens, 0))
    for t in (1, 2, 4, 8):
        waiting = int(((first == 0) | (first > t)).sum())
        assert _inside(waiting, n, np.exp(-2 * t / mean)), (t, waiting / n)


def test_mutation_bounds_that_never_give_way_fail_the_closed_form(monkeypatch):
    """Mutation check: bounds computed as if no round had been fought keep the agenda shut."""
    held = red_lines.bounds_now
    monkeypatch.setattr(red_lines, "bounds_now", lambda p, balance, fought=None: held(p, balance))
    first, _ = first_offers(clash(3.0), 200, 4)
    assert (first == 0).all()
    assert not _inside(200, 200, np.exp(-2 * 4 / 3.0))


# --- rounds of truce do not count ---------------------------------------------------------------

def test_a_bound_gives_way_after_rounds_at_war_not_rounds_of_truce():
    """Two parties, clashing on the share but free to agree truces: in every world and
    round A's bound is in force exactly while rounds fought < T (T its give-way time), and
    some worlds spend a truce past T (a clock counting rounds would have dropped it)."""
    data = load(TWO_PARTY)
    data["actors"]["A"]["positions"]["share"]["red_line"] = {"min": 0.7}
    data["actors"]["B"]["positions"]["share"]["red_line"] = {"max": 0.4}
    data["bargaining"] = {**data.get("bargaining", {}), "red_lines_hold": 6}
    n = 300
    model = NegotiationModel(negotiate.load_scenario(data), n, seed=2, record=False)
    model.COMPACT_MIN = n
    give = model.params.red_give_low[0, :, 0]
    d = model.params.issue_names.index("share")
    paused = 0
    for t in range(1, 16):
        model.step()
        alive = model.phase != OVER
        in_force = np.isfinite(model.red_box.low[0, :, d])
        np.testing.assert_array_equal(in_force[alive], (model.fought < give)[alive], err_msg=f"round {t}")
        paused += int((alive & (model.fought < give) & (t >= give)).sum())
    assert paused > 0


def test_bounds_that_follow_the_front_give_way_too():
    """A bound that follows the front is bound + w·(b_t − b₀) until its time is up, then gone."""
    data = load(TWO_PARTY)
    data["actors"]["A"]["positions"]["share"]["red_line"] = {"min": 0.3, "follows_front": 0.5}
    data["bargaining"] = {**data.get("bargaining", {}), "red_lines_hold": 3}
    n = 200
    model = NegotiationModel(negotiate.load_scenario(data), n, seed=6, record=False)
    model.COMPACT_MIN = n
    for _ in range(4):
        model.step()
    p, d = model.params, model.params.issue_names.index("share")
    holds = model.fought < p.red_give_low[0, :, d]
    expected = np.where(holds, 0.3 + 0.5 * (model.balance - p.balance0), -np.inf)
    np.testing.assert_array_equal(model.red_box.low[0, :, d], expected)
    assert holds.any() and not holds.all()


# --- no draw moves; reproducible ----------------------------------------------------------------

def test_without_the_field_nothing_gives_way_and_no_draw_moves():
    """Absent: every time is +inf and the engine is told nothing erodes; present: the other
    draws (the bounds themselves) are the same numbers (their own streams)."""
    plain = draw_params(clash(None, low={"dist": "uniform", "low": 0.6, "high": 0.9}), 50, 1)
    assert not plain.red_erodes
    assert np.isposinf(plain.red_give_low).all() and np.isposinf(plain.red_give_high).all()
    eroding = draw_params(clash(5.0, low={"dist": "uniform", "low": 0.6, "high": 0.9}), 50, 1)
    assert eroding.red_erodes
    np.testing.assert_array_equal(plain.red_low, eroding.red_low)
    np.testing.assert_array_equal(plain.red_high, eroding.red_high)
    assert np.isposinf(eroding.red_give_low[1]).all()   # B has no lower bound: nothing to give


def test_a_world_gives_way_at_the_same_round_whatever_its_block():
    """Worlds 40..79 played as a block of their own (``first=40``) draw the same times and
    play the same runs as in the block of 120 (which compacts finished worlds meanwhile)."""
    scenario = clash({"dist": "uniform", "low": 2, "high": 10})
    whole = NegotiationModel(scenario, 120, seed=9, record=False)
    part = NegotiationModel(scenario, 40, seed=9, record=False, first=40)
    np.testing.assert_array_equal(whole.params.red_give_low[:, 40:80], part.params.red_give_low)
    a, b = whole.run(), part.run()
    assert whole.ids.size < 120   # the block dropped finished worlds (and their times) meanwhile
    for field in ("outcome", "agreement_round", "offers", "terms"):
        np.testing.assert_array_equal(getattr(a, field)[40:80], getattr(b, field), err_msg=field)
    assert len(np.unique(a.agreement_round)) > 3


@pytest.mark.filterwarnings("ignore::negotiate.run.simulate.DegenerateResultWarning")
def test_same_runs_whatever_the_chunks_and_workers():
    """Two workers, blocks of 64 runs each in its own chunk, against one chunk in process."""
    from negotiate.run import simulate

    scenario = clash({"dist": "uniform", "low": 2, "high": 10})
    one = simulate(scenario, 300, seed=5, executor="inprocess", chunk_size=300, block_size=64,
                   progress=False)
    many = simulate(scenario, 300, seed=5, executor="processes", workers=2, chunk_size=64,
                    block_size=64, progress=False)
    pd.testing.assert_frame_equal(one.to_frame(), many.to_frame())


# --- validation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, words", [
    (0, "must be above 0"),
    (-3, "between 0 and 1e+06"),
    ({"dist": "normal", "mean": 10, "sd": 2}, "support"),
    ("ten", "ten"),
])
def test_invalid_red_lines_hold_is_reported(value, words):
    data = load(RUBINSTEIN)
    data["bargaining"]["red_lines_hold"] = value
    with pytest.raises(ScenarioError) as err:
        negotiate.load_scenario(data)
    message = str(err.value)
    assert "bargaining.red_lines_hold" in message and words in message, message


def test_red_lines_hold_without_red_lines_is_reported():
    data = load(RUBINSTEIN)
    data["bargaining"]["red_lines_hold"] = 10
    with pytest.raises(ScenarioError, match=r"bargaining.red_lines_hold: has no effect: no actor has a red line"):
        negotiate.load_scenario(data)


def test_validate_notes_no_clash_when_red_lines_give_way():
    """A clash of constant bounds is certain only while red lines hold for ever."""
    from negotiate.scenario.closed_agendas import closed_agenda_notes

    assert closed_agenda_notes(clash(None)) == [
        ("no settlement can be proposed in any world: on y, A's red line min 0.7 is above B's max 0.4; "
         "the veto players' red lines leave no package on that agenda (docs/model.md §16, \"Red lines\")")]
    assert closed_agenda_notes(clash(20)) == []
