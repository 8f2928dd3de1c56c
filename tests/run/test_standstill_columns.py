"""The standstill in the per-run table and the replay (docs/model.md §15, "Standstill while
drafting"; docs/results.md): ``stood_still`` and ``conditions_round`` in ``to_frame()``,
saved and loaded, absent (not a crash) from runs recorded before them, and the replay's
``ceasefire`` column while a standstill's conditions are pending.

The scenario is tests/model/data/truce_drafting.yaml (two parties, one truce term, A's
conditional truce accepted in round 1 in every world): with D = rint(per_condition) rounds
of drafting (one condition), a world that stands still has its truce from round 1 and its
conditions from the end of round 1 + D (if within the horizon); see
tests/model/test_standstill.py for the world-by-world checks of the engine's record."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import negotiate
from negotiate.model.model import STANDSTILL
from negotiate.results import Results

ROOT = Path(__file__).resolve().parents[2]
HORIZON = 8


@pytest.fixture(scope="module")
def drafted():
    """40 runs in blocks of 16: standstill 0.5, per_condition ~ U(0, 12), horizon 8."""
    scenario = negotiate.load_scenario(ROOT / "tests/model/data/truce_drafting.yaml").with_overrides({
        "talks": {"truce_drafting": {"per_condition": {"dist": "uniform", "low": 0, "high": 12},
                                     "standstill": 0.5}},
        "actors.A.positions.monitors.salience": 0.6, "rounds.horizon": HORIZON})
    return negotiate.simulate(scenario, runs=40, seed=4, block_size=16, progress=False)


def test_the_columns_say_which_runs_stood_still_and_when_the_conditions_took_effect(drafted):
    frame = drafted.to_frame()
    assert frame["stood_still"].dtype == bool and str(frame["conditions_round"].dtype) == "Int16"
    D = np.rint(frame["input:talks.truce_drafting.per_condition"].to_numpy()).astype(int)
    still = frame["stood_still"].to_numpy()
    assert still.any() and (~still & (D > 0)).any()
    assert (frame.loc[still, "truce_round"] == 1).all()            # counted at acceptance
    expected = pd.array(np.where(1 + D <= HORIZON, 1 + D, 0), dtype="Int16")
    expected[expected == 0] = pd.NA                                 # drafted past the horizon
    at_once = D == 0                                                # in force at once, round 1
    expected[at_once] = 1
    assert pd.isna(expected).any()
    pd.testing.assert_extension_array_equal(frame["conditions_round"].array, expected)
    assert not still[at_once].any()
    # at war while drafted: the truce and its terms come together
    war = ~still & ~at_once
    pd.testing.assert_series_equal(frame.loc[war, "conditions_round"], frame.loc[war, "truce_round"],
                                   check_names=False)


def test_the_columns_survive_saving_and_loading(drafted, tmp_path):
    drafted.save(tmp_path / "out", plots=False)
    again = negotiate.load_results(tmp_path / "out").to_frame()
    for col in ("stood_still", "conditions_round"):
        pd.testing.assert_series_equal(again[col], drafted.to_frame()[col], obj=col)


def test_runs_recorded_without_the_columns_still_load(drafted, tmp_path):
    """Results written before the columns existed: the table lacks them, so do the loaded
    results (documented absence, docs/results.md), and everything else is as it was."""
    old = dataclasses.replace(drafted.run_data, stood_still=None, conditions_round=None)
    Results.from_block(drafted.scenario, old, seed=4).save(tmp_path / "old", plots=False)
    again = negotiate.load_results(tmp_path / "old")
    frame = again.to_frame()
    assert "stood_still" not in frame and "conditions_round" not in frame
    assert again.run_data.stood_still is None and again.run_data.conditions_round is None
    pd.testing.assert_frame_equal(frame, drafted.to_frame().drop(columns=["stood_still", "conditions_round"]))


def test_the_replay_marks_the_rounds_a_standstill_waits_for_its_conditions(drafted):
    """Rounds 1 … D of a standstill: ``ceasefire`` says the conditions are pending (the truce
    in force, ``truce`` true); from round 1 + D, once they took effect, ``truce``; a run at war
    while its truce is drafted shows no ceasefire until its truce is in force."""
    frame = drafted.to_frame()
    held = frame.index[frame["stood_still"] & frame["conditions_round"].notna()]
    war = frame.index[~frame["stood_still"] & (frame["conditions_round"] > 1)]
    for run in (held[0], war[0]):
        story = drafted.replay(int(run))
        pd.testing.assert_frame_equal(story.row(), frame.loc[[run]])
        due = int(frame.loc[run, "conditions_round"])
        ceasefire = story.to_frame()["ceasefire"].fillna("none").tolist()[:due]
        if run == held[0]:
            assert ceasefire == [STANDSTILL] * (due - 1) + ["truce"], run
            assert story.to_frame()["truce"].iloc[:due].all()
        else:
            assert ceasefire == ["none"] * (due - 1) + ["truce"], run
