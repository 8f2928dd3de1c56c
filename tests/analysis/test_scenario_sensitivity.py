"""``negotiate.sensitivity`` on a scenario: its inputs, its design, its worlds, its seeding."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import negotiate
from negotiate.analysis import scenario_factors, sensitivity
from negotiate.analysis.design import SIMULATION_KEY, ScenarioEvaluator
from negotiate.analysis.inputs import field_at
from negotiate.model import OUTCOMES, run_block

DRIVERS = Path(__file__).parent / "data" / "drivers.yaml"
INPUTS = ["actors.H.patience", "war.drift", "truce.regeneration"]  # beta, uniform, choice


@pytest.fixture(scope="module")
def drivers():
    return negotiate.load_scenario(DRIVERS)


@pytest.fixture(scope="module")
def small(drivers):
    return sensitivity(drivers, inputs=INPUTS, samples=16, replications=4, seed=7, progress=False)


def test_every_distribution_field_is_an_input_by_default(drivers):
    names = [f.name for f in scenario_factors(drivers)]
    assert len(names) == 13 and len(set(names)) == 13
    assert {"issues.sanctions.status_quo", "war.events[0].drift", "leverage[0].amount",
            "actors.L.positions.monitors.salience", "truce.hazard_effects.monitors"} <= set(names)


def test_field_paths_resolve_to_the_scenarios_distributions(drivers):
    assert field_at(drivers, "actors.H.war_cost").dist == "lognormal"
    assert field_at(drivers, "war.events[0].drift").high == 0.02
    assert field_at(drivers, "truce.hazard_effects.monitors").dist == "normal"
    with pytest.raises(ValueError, match="no field 'war.events\\[4\\].drift'"):
        field_at(drivers, "war.events[4].drift")


def test_unknown_or_constant_inputs_are_refused_with_the_valid_ones_listed(drivers):
    with pytest.raises(ValueError, match="actors.H.capability.*distribution-valued fields are: .*war.drift"):
        sensitivity(drivers, inputs=["actors.H.capability"], samples=4)
    with pytest.raises(TypeError, match="list of dotted paths"):
        sensitivity(drivers, inputs="war.drift", samples=4)


def test_a_continuous_input_maps_through_its_quantile_function(drivers):
    (patience,) = scenario_factors(drivers, ["actors.H.patience"])
    u = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(patience.values(u), stats.beta(6, 3).ppf(u))


def test_a_choice_input_maps_through_its_discrete_quantile_function(drivers):
    # values [0.1, 0.5] with p [0.25, 0.75]: u up to 0.25 is 0.1, above it 0.5
    (regeneration,) = scenario_factors(drivers, ["truce.regeneration"])
    assert regeneration.discrete
    np.testing.assert_array_equal(regeneration.values(np.array([0.0, 0.2, 0.25, 0.26, 0.9, 1.0])),
                                  [0.1, 0.1, 0.1, 0.5, 0.5, 0.5])


def test_the_table_has_every_input_and_outcome(small):
    table = small.to_frame()
    assert len(table) == len(INPUTS) * len(OUTCOMES)
    assert list(table.columns) == ["input", "outcome", "S1", "S1_conf", "ST", "ST_conf", "noise_share"]
    assert set(table["input"]) == set(INPUTS) and set(table["outcome"]) == set(OUTCOMES)
    assert small.design.shape == (16 * (len(INPUTS) + 2), len(INPUTS))
    assert set(np.unique(small.design[:, 2])) <= {0.1, 0.5}
    assert ((small.design[:, 0] > 0) & (small.design[:, 0] < 1)).all()
    # probabilities are shares of 4 worlds, summing to one at each point
    np.testing.assert_allclose(small.outputs.sum(axis=1), 1.0)
    assert set(np.unique(small.outputs * 4)) <= {0, 1, 2, 3, 4}


def test_each_point_is_played_with_its_values(drivers, small):
    # every point, played again by hand through the engine's `given`: row j's replications
    # are worlds j*r .. of the design's root seed (docs/model.md, "Random numbers")
    r = small.replications
    given = {path: np.repeat(small.design[:, j], r) for j, path in enumerate(INPUTS)}
    worlds = run_block(drivers, len(small.design) * r,
                       np.random.SeedSequence(entropy=7, spawn_key=(SIMULATION_KEY,)), given=given)
    codes = worlds.outcome.reshape(-1, r)
    shares = np.stack([(codes == k).mean(axis=1) for k in range(len(OUTCOMES))], axis=1)
    np.testing.assert_array_equal(small.outputs, shares)


def test_the_result_does_not_depend_on_workers_or_chunking(drivers):
    values = np.column_stack([f.values(np.linspace(0.05, 0.95, 40)) for f in scenario_factors(drivers, INPUTS)])
    # 128 replications: 32 points per block, so 2 blocks, each a chunk of its own with 2 workers
    one = ScenarioEvaluator(drivers, INPUTS, replications=128, seed=3, progress=False)(values)
    two = ScenarioEvaluator(drivers, INPUTS, replications=128, seed=3, workers=2, executor="processes",
                            progress=False)(values)
    np.testing.assert_array_equal(one, two)
    other_seed = ScenarioEvaluator(drivers, INPUTS, replications=128, seed=4, progress=False)(values)
    assert not np.array_equal(one, other_seed)


def test_same_seed_same_indices(drivers, small):
    again = sensitivity(drivers, inputs=INPUTS, samples=16, replications=4, seed=7, progress=False)
    pd.testing.assert_frame_equal(small.to_frame(), again.to_frame())


def test_noise_share_is_reported_per_outcome(small):
    table = small.to_frame()
    varied = [k for k, o in enumerate(OUTCOMES) if np.ptp(small.outputs[:, k]) > 0]
    assert varied
    for k in varied:
        share = table.loc[table["outcome"] == OUTCOMES[k], "noise_share"].iloc[0]
        assert 0 <= share <= 1


def test_morris_on_a_scenario(drivers):
    result = sensitivity(drivers, "morris", inputs=INPUTS, samples=6, replications=2, seed=1, progress=False)
    table = result.to_frame()
    assert list(table.columns) == ["input", "outcome", "mu_star", "mu_star_conf", "mu", "sigma", "noise_share"]
    assert result.design.shape == (6 * (len(INPUTS) + 1), len(INPUTS))
    assert (table["mu_star"] >= 0).all()
    ranked = result.ranking("comprehensive_agreement")["mu_star"].to_numpy()
    assert (np.diff(ranked) <= 0).all()


def test_bad_arguments_name_what_is_wrong(drivers):
    with pytest.raises(ValueError, match="replications"):
        sensitivity(drivers, inputs=INPUTS, samples=16, replications=0)
    with pytest.raises(ValueError, match="power of two"):
        sensitivity(drivers, inputs=INPUTS, samples=12)
    with pytest.raises(ValueError, match="method"):
        sensitivity(drivers, "fast", inputs=INPUTS, samples=16)


def test_save_writes_the_table_plots_and_metadata(small, tmp_path):
    paths = small.save(tmp_path / "out")
    names = {p.name for p in paths}
    assert {"sensitivity.csv", "metadata.json"} <= names
    assert any(n.startswith("sensitivity_") and n.endswith(".png") for n in names)
    written = pd.read_csv(tmp_path / "out" / "sensitivity.csv")
    pd.testing.assert_frame_equal(written, small.to_frame(), check_dtype=False)


def test_top_level_export_is_lazy():
    import subprocess
    import sys

    code = ("import sys, negotiate; assert 'SALib' not in sys.modules; f = negotiate.sensitivity; "
            "import negotiate.analysis; "
            "print(sorted(m for m in ('SALib', 'sklearn', 'ema_workbench') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
