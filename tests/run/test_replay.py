"""Replaying one run (issue 15, item 1): ``Results.replay(i)`` equals the batch's record of
run ``i`` whatever the block size and workers, for runs from every outcome class and from
a PRIM box; the per-run table itself does not depend on the block size or the workers."""

import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import negotiate
from negotiate.analysis import discover
from negotiate.model.outcomes import OUTCOMES

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]
RUNS, SEED = 200, 12
# blocks of the default size (one block) and of 64 runs (the last one short), 1 and 2 workers
SETTINGS = {"sanctions": [{"workers": 1}, {"workers": 1, "block_size": 64},
                          {"workers": 2, "block_size": 64, "chunk_size": 64}],
            "varied": [{"workers": 1}, {"workers": 1, "block_size": 48}]}


def scenarios():
    # truces of both kinds and no agreement in a short horizon; settlements in `varied`
    sanctions = negotiate.load_scenario(ROOT / "scenarios/sanctions_relief_side_payments.yaml")
    return {"sanctions": sanctions.with_overrides({"rounds.horizon": 12}),
            "varied": negotiate.load_scenario(ROOT / "tests/model/data/varied.yaml")}


@pytest.fixture(scope="module")
def batches():
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate outcomes warn; not the point here
        for name, scenario in scenarios().items():
            out[name] = [negotiate.simulate(scenario, RUNS, seed=SEED, progress=False, **kw)
                         for kw in SETTINGS[name]]
    return out


def test_per_run_table_is_the_same_whatever_the_block_size_and_workers(batches):
    for results in batches.values():
        first = results[0].to_frame()
        for other in results[1:]:
            pd.testing.assert_frame_equal(first, other.to_frame())


def picked_runs(results) -> list[int]:
    """The first and last run of every outcome class present."""
    outcome = results.to_frame()["outcome"].to_numpy()
    found = [np.flatnonzero(outcome == name) for name in OUTCOMES]
    return [int(i) for runs in found if runs.size for i in (runs[0], runs[-1])]


def prim_box_runs(results, outcome: str) -> list[int]:
    """The first and last run inside the PRIM box of ``outcome`` (a box that limits something)."""
    # a few inputs and no pruning keep PRIM quick (over all ~130 inputs it takes half a minute)
    inputs = sorted(results.run_data.inputs)[:2] + ["actors.Ukraine.positions.elections.ideal"]
    box = discover(results, outcome, inputs=inputs, prune=None).boxes[-1]
    assert box.limits
    frame = results.to_frame().rename(columns=lambda c: c.removeprefix("input:"))
    inside = np.flatnonzero(box.contains(frame))
    return [int(inside[0]), int(inside[-1])]


def test_replay_equals_the_batch_record_for_runs_of_every_class_and_a_prim_box(batches):
    classes = set()
    for name, results in batches.items():
        runs = picked_runs(results[0])
        if name == "sanctions":
            runs += prim_box_runs(results[0], "temporary_truce")
        for i in runs:
            story = results[0].replay(i)   # a replay does not depend on how the batch ran
            classes.add(story.outcome)
            for batch in results:
                frame = batch.to_frame()
                pd.testing.assert_frame_equal(story.row(), frame.iloc[[i]])
                assert story.outcome == frame["outcome"].iloc[i]
                expected_round = frame["agreement_round"].iloc[i]
                assert story.agreement_round == (None if pd.isna(expected_round) else int(expected_round))
                terms = frame[[f"term:{d}" for d in batch.scenario.issue_names]].iloc[i].to_numpy(float)
                np.testing.assert_array_equal(list(story.terms.values()), terms)
    assert classes == set(OUTCOMES)   # every outcome class was replayed


def test_replay_tells_the_story_round_by_round(batches):
    results = batches["sanctions"][1]
    frame = results.to_frame()
    i = int(np.flatnonzero(frame["outcome"] == "conditional_truce")[-1])
    story = results.replay(i)
    table = story.to_frame()
    assert table["round"].tolist() == list(range(1, story.rounds + 1))
    agreed = table.loc[table["agreed"].astype(bool), "round"].tolist()
    # the truce is agreed first and, being drafted (talks.truce_drafting), in force later:
    # its truce_round is the round the story shows it in force from
    in_force = table.loc[table["truce"].astype(bool), "round"].tolist()
    assert agreed and in_force and agreed[0] <= in_force[0] == frame["truce_round"].iloc[i]
    assert table.attrs["run"] == i and table.attrs["outcome"] == "conditional_truce"
    pd.testing.assert_frame_equal(negotiate.replay(results.scenario, i, seed=SEED).to_frame(), table)
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    fig = story.plot()  # its own figure: the Figure, with the three panels
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    from tests.figures import legends_outside

    assert legends_outside(fig) == []  # saved as it is, no legend is clipped at the edge
    _, ax = plt.subplots()
    assert story.plot(ax=ax) is ax and isinstance(ax, Axes)  # one Axes given: that Axes

    plt.close("all")


def test_a_signed_agreement_and_the_text_columns():
    """Agreed in principle in one round, signed after drafting in a later one: the signing
    round is the replay's agreement round and last row, and the plot stars it; the text
    columns say "none" by NaN alone, whether a column has some strings or none."""
    import matplotlib.pyplot as plt

    scenario = negotiate.load_scenario(ROOT / "scenarios/hypothetical_three_actors.yaml")
    runs = negotiate.simulate(scenario, runs=64, seed=3, workers=1, progress=False).to_frame()
    signed_worlds = runs.index[runs["outcome"] == "comprehensive_agreement"]
    assert len(signed_worlds), "no world of 64 signed an agreement"
    story = negotiate.replay(scenario, int(signed_worlds[0]), seed=3)   # a world that signed one
    table = story.to_frame()
    assert story.outcome == "comprehensive_agreement"
    signed = story.signing_round
    assert signed == story.agreement_round == story.row()["agreement_round"].iloc[0] == table["round"].iloc[-1]
    in_principle = table.loc[table["agreed"] & (table["agenda"] == "settlement"), "round"]
    assert len(in_principle) == 1 and in_principle.iloc[0] < signed
    marks = [line.get_gid() for line in story.plot().axes[0].lines]
    assert f"signed:{signed}" in marks
    quiet = negotiate.replay(ROOT / "tests/model/data/talks.yaml", 0, seed=3)   # settles in round 1
    assert quiet.signing_round == 1 and quiet.to_frame()["ceasefire"].isna().all()
    for frame in (table, quiet.to_frame()):
        for column in ("ceasefire", "proposer", "agenda"):
            values = frame[column]
            assert values.dtype == pd.StringDtype(na_value=np.nan), column
            assert not any(v is None for v in values.tolist()), column
    assert table["ceasefire"].isna().any() and table["ceasefire"].notna().any()
    truce_story = negotiate.replay(ROOT / "scenarios/ukraine_march_2025.yaml", 0, seed=3)   # a truce
    assert truce_story.signing_round is None
    assert not any(line.get_gid().startswith("signed") for line in truce_story.plot().axes[0].lines
                   if line.get_gid())
    plt.close("all")


def test_replay_needs_no_kept_runs_and_checks_the_run_number():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lean = negotiate.simulate(scenarios()["varied"], 50, seed=SEED, progress=False, keep_runs=False)
        kept = negotiate.simulate(scenarios()["varied"], 50, seed=SEED, progress=False)
    pd.testing.assert_frame_equal(lean.replay(49).row(), kept.to_frame().iloc[[49]])
    for bad in (50, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="run must be a whole number between 0 and 49"):
            lean.replay(bad)


def test_block_size_is_checked():
    with pytest.raises(ValueError, match="block_size must be a whole number >= 1"):
        negotiate.simulate(scenarios()["varied"], 10, seed=1, block_size=0, progress=False)
