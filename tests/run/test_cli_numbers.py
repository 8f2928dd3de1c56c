"""Numbers on the command line and in the API as in a scenario file: a seed's limit is
``monte_carlo.seed``'s (2**63 - 1) everywhere; a count may be written as --help writes
its limit (``1e+10``)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

import negotiate
from negotiate.cli.options import MAX_RUNS, whole
from negotiate.scenario.schema import MAX_SEED
from negotiate.validation import backtest, calibrate
from tests.cli import negotiate_cli
from tests.validation.library import write_library

DATA = Path(__file__).parent / "data"
VARIED = DATA / "varied.yaml"
LIMIT = "seed must be at most 2**63 - 1 = 9,223,372,036,854,775,807 (as monte_carlo.seed in a scenario file)"


def test_the_seed_limit_is_a_signed_64_bit_integer_and_the_files():
    assert MAX_SEED == 9_223_372_036_854_775_807 == 2**63 - 1
    schema = negotiate.Scenario.model_json_schema()
    assert schema["$defs"]["MonteCarlo"]["properties"]["seed"]["maximum"] == MAX_SEED


@pytest.mark.filterwarnings("ignore::negotiate.results.diagnostics.WeakResultWarning")  # 10 points
@pytest.mark.parametrize("call", [
    lambda s, seed: negotiate.simulate(s, runs=10, seed=seed, progress=False),
    lambda s, seed: negotiate.compare(s, s, runs=10, seed=seed, progress=False).a,
    lambda s, seed: negotiate.compare_many(s, {"v": s}, runs=10, seed=seed, progress=False).base,
    lambda s, seed: negotiate.sweep(s, {"actors.B.noise": [0.05]}, runs=10, seed=seed, progress=False),
    lambda s, seed: negotiate.sensitivity(s, "morris", samples=2, replications=1, seed=seed, progress=False),
    lambda s, seed: negotiate.replay(s, 0, seed=seed),
], ids=["simulate", "compare", "compare_many", "sweep", "sensitivity", "replay"])
def test_every_entry_point_takes_the_files_largest_seed_and_refuses_one_more(call):
    scenario = negotiate.load_scenario(VARIED)
    with pytest.raises(ValueError, match=f"^{re.escape(LIMIT)}, got 9,223,372,036,854,775,808$"):
        call(scenario, MAX_SEED + 1)
    assert call(scenario, MAX_SEED).seed == MAX_SEED
    assert negotiate.load_scenario(VARIED).with_overrides({"monte_carlo.seed": MAX_SEED}).monte_carlo.seed == MAX_SEED
    with pytest.raises(negotiate.ScenarioError, match="monte_carlo.seed"):
        scenario.with_overrides({"monte_carlo.seed": MAX_SEED + 1})


@pytest.mark.parametrize("fit", [backtest, calibrate])
def test_the_validation_refuses_a_seed_above_the_limit(tmp_path, fit):
    from negotiate.validation import load_cases

    cases = load_cases(write_library(tmp_path / "lib", {"alpha_1990": "no_agreement", "beta_1991": "no_agreement"}))
    with pytest.raises(ValueError, match=r"^seed must be at most 2\*\*63 - 1"):
        fit(cases, seed=MAX_SEED + 1)


@pytest.mark.parametrize(("command", "seed"), [
    (["run", str(VARIED), "--runs", "10"], "99999999999999999999999"),  # the user trial's
    (["backtest", "--runs", "10"], str(MAX_SEED + 1)),
])
def test_cli_refuses_a_seed_above_the_files_limit_while_parsing(tmp_path, command, seed):
    done = negotiate_cli(*command, "--seed", seed, "--out", "o", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines()[-1] == (f"negotiate {command[0]}: error: argument --seed: "
                                            f"{LIMIT.removeprefix('seed ')}, got {int(seed):,}")
    assert not (tmp_path / "o").exists()


def test_cli_runs_with_the_largest_seed_and_runs_in_e_notation(tmp_path):
    done = negotiate_cli("run", str(VARIED), "--runs", "1e1", "--seed", str(MAX_SEED), "--workers", "1",
                         "--no-plots", "--out", "o", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    meta = json.loads((tmp_path / "o" / "metadata.json").read_text())
    assert (meta["seed"], meta["runs"]) == (MAX_SEED, 10)
    assert "at most 1e+10" in negotiate_cli("run", "--help", cwd=tmp_path).stdout  # as --help writes it


@pytest.mark.parametrize(("text", "value"), [
    ("1000", 1000), ("1e3", 1000), ("1E3", 1000), ("1e+10", 10**10), ("2.5e1", 25), ("1000.0", 1000),
    ("1_000", 1000), (" 20", 20),
])
def test_a_count_may_be_written_in_e_notation(text, value):
    assert whole(1, MAX_RUNS)(text) == value


@pytest.mark.parametrize(("text", "says"), [
    ("2.5", "expected a whole number, got '2.5'"), ("1e-3", "expected a whole number"),
    ("inf", "expected a whole number"), ("nan", "expected a whole number"), ("0x10", "expected a whole number"),
    ("1e400000", "expected a whole number"),  # never turned into a 400,000-digit int
    ("1.1e10", "must be at most 10,000,000,000, got 11,000,000,000"), ("0e5", "must be >= 1, got 0"),
])
def test_a_count_that_is_no_whole_number_in_range_is_refused(text, says):
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(says)):
        whole(1, MAX_RUNS)(text)
