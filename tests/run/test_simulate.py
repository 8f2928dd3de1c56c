"""simulate / compare: the seed plan, summaries, arguments (determinism across executors,
workers and chunks: test_determinism_matrix.py)."""

import numpy as np
import pandas as pd
import pytest

import negotiate.model
from negotiate import ScenarioError, SimulationError
from negotiate.model import OUTCOMES, run_block
from negotiate.results.aggregate import TERM_BINS
from negotiate.run import compare, simulate

RUNS = 10_000  # three blocks: 4096, 4096, 1808
SEED = 3


@pytest.fixture(scope="module")
def reference(varied):
    return simulate(varied, RUNS, seed=SEED, workers=1, chunk_size=4096, progress=False)


def test_run_i_is_world_i_of_the_runs_root_seed(varied, reference):
    # The documented plan (docs/model.md, "Random numbers"): run i is world i of the
    # streams rooted at SeedSequence(s), whatever block it is simulated in.
    for start, size in [(0, 4096), (4096, 4096), (8192, 1808), (5000, 7)]:
        block = run_block(varied, size, np.random.SeedSequence(SEED), first=start)
        part = reference.run_data.take(slice(start, start + size))
        np.testing.assert_array_equal(part.outcome, block.outcome)
        np.testing.assert_array_equal(part.final_balance, block.final_balance)
        for key in block.inputs:
            np.testing.assert_array_equal(part.inputs[key], block.inputs[key])


def test_defaults_come_from_the_scenario(varied):
    small = varied.with_overrides({"monte_carlo.runs": 300, "monte_carlo.seed": 11})
    res = simulate(small, progress=False)
    assert (res.runs, res.seed) == (300, 11)
    pd.testing.assert_frame_equal(res.to_frame(), simulate(small, 300, seed=11, progress=False).to_frame())


def test_scenario_may_be_a_path(varied_path, varied):
    res = simulate(varied_path, 200, seed=1, progress=False)
    assert res.scenario == varied


def test_keep_runs_false_gives_the_same_summaries(varied, reference):
    lean = simulate(varied, RUNS, seed=SEED, chunk_size=8192, keep_runs=False, progress=False)
    assert lean.run_data is None
    pd.testing.assert_frame_equal(lean.outcome_probabilities(), reference.outcome_probabilities())
    pd.testing.assert_frame_equal(lean.time_to_agreement(), reference.time_to_agreement())
    pd.testing.assert_frame_equal(lean.acceptance_rates(), reference.acceptance_rates())
    pd.testing.assert_series_equal(lean.collapse_rate(), reference.collapse_rate())
    exact, binned = reference.settled_terms(), lean.settled_terms()
    np.testing.assert_array_equal(exact["mean"], binned["mean"])
    # binned quantiles are within a bin of the inverted-CDF quantiles of the values
    frame = reference.to_frame()
    groups = {"comprehensive_agreement": frame["outcome"] == "comprehensive_agreement",
              "truce": frame["outcome"].isin(["temporary_truce", "conditional_truce"])}
    probs = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}
    for (group, issue), row in binned.iterrows():
        values = frame.loc[groups[group], f"term:{issue}"].dropna().to_numpy()
        assert row["count"] == values.size
        for q, prob in probs.items():
            if values.size:
                expected = np.quantile(values, prob, method="inverted_cdf")
                assert abs(row[q] - expected) <= 1 / TERM_BINS + 1e-12, (group, issue, q)
    with pytest.raises(ValueError, match="keep_runs"):
        lean.to_frame()


def test_outcome_probabilities_agree_with_the_per_run_table(reference):
    frame = reference.to_frame()
    shares = frame["outcome"].value_counts(normalize=True).reindex(list(OUTCOMES), fill_value=0)
    np.testing.assert_allclose(reference.outcome_probabilities()["p"], shares.to_numpy())
    assert reference.outcome_probabilities()["count"].sum() == RUNS


def test_short_run_is_a_prefix_of_the_long_one(varied, reference):
    # fewer runs = the first runs of the same plan (its first block is whole)
    short = simulate(varied, 4096, seed=SEED, progress=False)
    pd.testing.assert_frame_equal(short.to_frame(), reference.to_frame().iloc[:4096])


def test_progress_bar_counts_runs_as_blocks_finish(varied, capsys):
    simulate(varied, 4097, seed=1, progress=True)
    err = capsys.readouterr().err
    assert "4096/4097" in err and "4097/4097" in err and "run/s" in err


def test_no_progress_bar_when_off(varied, capsys):
    simulate(varied, 300, seed=1, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("kwargs, field", [
    ({"runs": 0}, "runs"), ({"runs": -5}, "runs"), ({"runs": 2.5}, "runs"), ({"runs": True}, "runs"),
    ({"runs": "100"}, "runs"), ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
    ({"workers": 0}, "workers"), ({"chunk_size": 0}, "chunk_size"),
])
def test_bad_arguments_name_the_argument(varied, kwargs, field):
    with pytest.raises(ValueError, match=f"^{field} must be a whole number"):
        simulate(varied, **{"runs": 10, **kwargs})


def test_runs_written_as_a_float_are_accepted(varied):
    assert simulate(varied, 1e2, progress=False).runs == 100


def test_unknown_executor(varied):
    with pytest.raises(ValueError, match="unknown executor"):
        simulate(varied, 10, executor="gpu")


def test_missing_scenario_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        simulate(tmp_path / "nope.yaml", 10)


def test_engine_failure_is_a_simulation_error_with_its_cause(varied, monkeypatch):
    def broken(scenario, n, seed, **_):
        raise FloatingPointError("diverged")

    monkeypatch.setattr(negotiate.model, "run_block", broken)
    with pytest.raises(SimulationError, match="diverged") as info:
        simulate(varied, 10)
    assert isinstance(info.value.__cause__, FloatingPointError)


def test_engine_returning_the_wrong_number_of_worlds_is_caught(varied, monkeypatch):
    monkeypatch.setattr(negotiate.model, "run_block", lambda s, n, seed, **kw: run_block(s, n - 1, seed, **kw))
    with pytest.raises(SimulationError, match="9 worlds for block 0 of 10"):
        simulate(varied, 10)


# --- compare ---------------------------------------------------------------------

def test_compare_with_itself_gives_exactly_zero(varied):
    with pytest.warns(negotiate.IdenticalScenariosWarning, match="every paired difference is exactly 0"):
        cmp = compare(varied, varied, 3000, seed=2, progress=False)
    table = cmp.differences()
    assert list(table.index) == list(OUTCOMES)
    assert (table["difference"] == 0.0).all()
    assert (table["p_a"] == table["p_b"]).all()
    assert (table["ci_low"] <= 0).all() and (table["ci_high"] >= 0).all()
    joint = cmp.joint
    assert joint.sum() == 3000 and np.count_nonzero(joint - np.diag(np.diag(joint))) == 0


def test_compare_uses_common_random_numbers(varied):
    changed = varied.with_overrides({"actors.A.noise": 0.3})
    cmp = compare(varied, changed, 3000, seed=2, progress=False)
    a, b = cmp.a.to_frame(), cmp.b.to_frame()
    # the same draws for every input the change did not touch...
    pd.testing.assert_series_equal(a["input:war.balance"], b["input:war.balance"])
    # ...each side is exactly what simulate gives on the same plan...
    pd.testing.assert_frame_equal(a, simulate(varied, 3000, seed=2, progress=False).to_frame())
    # ...and the joint table is the cross-tabulation of the two per-run outcomes
    cross = pd.crosstab(a["outcome"], b["outcome"], dropna=False).reindex(
        index=list(OUTCOMES), columns=list(OUTCOMES), fill_value=0)
    np.testing.assert_array_equal(cmp.joint, cross.to_numpy())
    diff = cmp.differences()
    np.testing.assert_allclose(diff["difference"], diff["p_b"] - diff["p_a"])


def test_compare_without_runs_still_pairs(varied):
    changed = varied.with_overrides({"actors.A.noise": 0.3})
    lean = compare(varied, changed, 1500, seed=4, keep_runs=False, progress=False)
    full = compare(varied, changed, 1500, seed=4, progress=False)
    np.testing.assert_array_equal(lean.joint, full.joint)
    assert lean.a.run_data is None
