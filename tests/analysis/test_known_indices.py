"""The sensitivity core reproduces indices known in closed form.

Every function here goes through ``analyse_function``, the code that
``negotiate.sensitivity`` runs for a scenario (design on the unit cube →
each input's ppf → evaluate → SALib estimators and bootstrap intervals);
only the evaluator differs.
"""

import math

import numpy as np
import pytest
from scipy import stats

from negotiate.analysis import Factor, analyse_function
from negotiate.analysis.indices import check_method_args

# --- Ishigami ---------------------------------------------------------------------
# f(x) = sin x1 + a sin² x2 + b x3⁴ sin x1, x_i ~ U(-π, π) independent.
# Its ANOVA decomposition (Ishigami & Homma 1990; Sobol' & Levitan 1999):
#   V   = a²/8 + b π⁴/5 + b² π⁸/18 + 1/2
#   V1  = (1 + b π⁴/5)² / 2,   V2 = a²/8,   V3 = 0,   V13 = b² π⁸ (1/18 − 1/50) = 8 b² π⁸ / 225
#   S_i = V_i / V;   ST1 = (V1 + V13) / V,   ST2 = V2 / V,   ST3 = V13 / V.
A, B = 7.0, 0.1
PI = math.pi
V = A**2 / 8 + B * PI**4 / 5 + B**2 * PI**8 / 18 + 0.5
V1, V2, V13 = (1 + B * PI**4 / 5) ** 2 / 2, A**2 / 8, 8 * B**2 * PI**8 / 225
ISHIGAMI_S1 = np.array([V1, V2, 0.0]) / V
ISHIGAMI_ST = np.array([V1 + V13, V2, V13]) / V
TOLERANCE = 0.01  # the bootstrap interval is itself an estimate


def ishigami(values: np.ndarray) -> np.ndarray:
    x1, x2, x3 = values.T
    return np.sin(x1) + A * np.sin(x2) ** 2 + B * x3**4 * np.sin(x1)


def uniform_factors(names, low, high):
    return [Factor(name, stats.uniform(low, high - low).ppf) for name in names]


def test_the_closed_form_is_the_textbook_one():
    # the values quoted throughout the literature for a = 7, b = 0.1
    np.testing.assert_allclose(ISHIGAMI_S1, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(ISHIGAMI_ST, [0.5576, 0.4424, 0.2437], atol=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_sobol_indices_of_ishigami_lie_within_their_intervals(seed):
    factors = uniform_factors(["x1", "x2", "x3"], -PI, PI)
    result = analyse_function(factors, ishigami, ["y"], "sobol", samples=2048, seed=seed, level=0.99)
    table = result.to_frame()
    assert list(table["input"]) == ["x1", "x2", "x3"]
    for key, truth in (("S1", ISHIGAMI_S1), ("ST", ISHIGAMI_ST)):
        error = np.abs(table[key].to_numpy() - truth)
        half = table[f"{key}_conf"].to_numpy()
        assert (error <= half + TOLERANCE).all(), (key, table[key].tolist(), half.tolist())
        assert (half < 0.12).all(), f"{key} intervals too wide to mean anything: {half}"
    assert result.design.shape == (2048 * 5, 3)
    assert (np.abs(result.design) <= PI).all()


def test_the_design_follows_the_inputs_distributions():
    # a uniform design mapped through each ppf: the values are draws of the factor
    factors = [Factor("n", stats.norm(2.0, 0.5).ppf), Factor("e", stats.expon(scale=3.0).ppf)]
    result = analyse_function(factors, lambda v: v[:, 0], ["y"], "sobol", samples=512, seed=4)
    for column, dist in zip(result.design.T, (stats.norm(2.0, 0.5), stats.expon(scale=3.0))):
        assert stats.kstest(column, dist.cdf).pvalue > 1e-3


# --- the worlds' noise, in closed form ------------------------------------------------
# Output at a point: the share of r Bernoulli(p) worlds, p = x1 ~ U(0, 1); x2 does nothing.
#   Var p = 1/12,  noise E[p(1-p)]/r = 1/(6r),  so for r = 4 the noise is 1/3 of the variance:
#   S1(x1) = (1/12) / (1/12 + 1/24) = 2/3;   ST(x2) = noise share = 1/3 (every point redraws the noise);
#   S1(x2) = 0.
R = 4


def shares_of_worlds(seed):
    rng = np.random.default_rng(seed)
    return lambda values: rng.binomial(R, values[:, 0]) / R


def test_noise_enters_the_indices_as_the_module_documents():
    factors = uniform_factors(["x1", "x2"], 0.0, 1.0)
    result = analyse_function(factors, shares_of_worlds(11), ["y"], "sobol", samples=4096, seed=3,
                              level=0.99, replications=R)
    rows = result.to_frame().set_index("input")
    expected = {("x1", "S1"): 2 / 3, ("x2", "S1"): 0.0, ("x2", "ST"): 1 / 3, ("x1", "ST"): 1.0}
    for (name, key), truth in expected.items():
        assert abs(rows.at[name, key] - truth) <= rows.at[name, f"{key}_conf"] + TOLERANCE, (name, key)
    assert rows["noise_share"].iloc[0] == pytest.approx(1 / 3, abs=0.03)
    # with the noise taken out, the true probability p = x1 depends on x1 alone
    adjusted = result.to_frame(noise_adjusted=True).set_index("input")
    for (name, key), truth in {("x1", "S1"): 1.0, ("x1", "ST"): 1.0, ("x2", "S1"): 0.0, ("x2", "ST"): 0.0}.items():
        error = abs(adjusted.at[name, f"{key}_adj"] - truth)
        assert error <= adjusted.at[name, f"{key}_adj_conf"] + 2 * TOLERANCE, (name, key)


# --- Morris ----------------------------------------------------------------------------
# For a linear f = Σ c_i x_i with x_i ~ U(0, w_i), every elementary effect of x_i is the same:
# one level step (Δ = L / (2(L − 1)) on the [0, 1] level scale) moves x_i by Δ (L − 1)/L · w_i
# (levels sit at the centres of L equal-probability strata), so EE_i = c_i w_i (L − 1)/L,
# mu_star_i = |c_i| w_i (L − 1)/L and sigma_i = 0.
def test_morris_effects_of_a_linear_function_are_exact():
    coefficients, widths, levels = np.array([3.0, -1.0, 0.0]), np.array([1.0, 2.0, 5.0]), 4
    factors = [Factor(f"x{i}", stats.uniform(0, w).ppf) for i, w in enumerate(widths)]
    result = analyse_function(factors, lambda v: v @ coefficients, ["y"], "morris", samples=12, seed=2,
                              num_levels=levels)
    table = result.to_frame()
    np.testing.assert_allclose(table["mu_star"], np.abs(coefficients) * widths * (levels - 1) / levels,
                               atol=1e-9)
    np.testing.assert_allclose(table["mu"], coefficients * widths * (levels - 1) / levels, atol=1e-9)
    np.testing.assert_allclose(table["sigma"], 0.0, atol=1e-9)
    assert result.design.shape == (12 * 4, 3)


def test_morris_ranks_ishigami_inputs_that_matter():
    # x1 and x3 interact strongly (sigma large); x2 enters alone
    factors = uniform_factors(["x1", "x2", "x3"], -PI, PI)
    result = analyse_function(factors, ishigami, ["y"], "morris", samples=50, seed=1, num_levels=6)
    rows = result.to_frame().set_index("input")
    assert rows.at["x1", "mu_star"] > 1 and rows.at["x3", "mu_star"] > 1
    assert rows.at["x3", "sigma"] > rows.at["x2", "sigma"]


def test_a_discrete_input_keeps_its_values():
    ppf = stats.randint(0, 3).ppf
    result = analyse_function([Factor("k", ppf, discrete=True), *uniform_factors(["u"], 0, 1)],
                              lambda v: v[:, 0] + 0 * v[:, 1], ["y"], "sobol", samples=256, seed=0)
    assert set(np.unique(result.design[:, 0])) == {0.0, 1.0, 2.0}
    rows = result.to_frame().set_index("input")
    assert rows.at["k", "S1"] == pytest.approx(1.0, abs=rows.at["k", "S1_conf"] + TOLERANCE)


def test_a_constant_output_has_no_sobol_indices():
    result = analyse_function(uniform_factors(["a", "b"], 0, 1), lambda v: np.ones(len(v)), ["y"], "sobol",
                              samples=64, seed=0)
    assert result.to_frame()[["S1", "ST"]].isna().all().all()


@pytest.mark.parametrize("method, samples, level, levels, words", [
    ("fast", 64, 0.95, 4, "method must be one of"),
    ("sobol", 100, 0.95, 4, "power of two .*128"),
    ("sobol", 1, 0.95, 4, "samples must be a whole number"),
    ("sobol", 64, 1.5, 4, "level must be between"),
    ("morris", 10, 0.95, 3, "num_levels must be an even"),
])
def test_bad_arguments_are_refused(method, samples, level, levels, words):
    with pytest.raises(ValueError, match=words):
        check_method_args(method, samples, level, levels, 3)


def test_evaluate_must_return_one_row_per_point():
    with pytest.raises(Exception, match="shape"):
        analyse_function(uniform_factors(["a"], 0, 1), lambda v: np.ones((len(v), 2)), ["y"], "sobol",
                         samples=8, seed=0)
