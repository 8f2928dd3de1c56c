"""`negotiate sensitivity` and `negotiate discover`, run as a user would: a subprocess."""

import json
from pathlib import Path

import pandas as pd
import pytest

import negotiate
from tests.cli import negotiate_cli

ROOT = Path(__file__).resolve().parents[2]
DRIVERS = Path(__file__).parent / "data" / "drivers.yaml"
INPUTS = ["actors.H.patience", "war.drift"]


@pytest.mark.filterwarnings("ignore::negotiate.results.diagnostics.WeakResultWarning")  # a tiny design
def test_sensitivity_prints_the_ranking_and_writes_table_plots_and_metadata(tmp_path):
    out = tmp_path / "out"
    args = [a for path in INPUTS for a in ("--input", path)]
    done = negotiate_cli("sensitivity", str(DRIVERS), "--method", "sobol", "--samples", "16",
                         "--replications", "4", "--seed", "5", "--workers", "1", *args, "--out", str(out),
                         cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    written = pd.read_csv(out / "sensitivity.csv")
    expected = negotiate.sensitivity(DRIVERS, inputs=INPUTS, samples=16, replications=4, seed=5,
                                     progress=False).to_frame()
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)
    assert (out / "sensitivity_comprehensive_agreement.png").is_file()
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["kind"] == "sensitivity" and meta["method"] == "sobol" and meta["seed"] == 5
    assert meta["inputs"] == INPUTS and meta["points"] == 16 * 4 and meta["replications"] == 4
    top = expected[expected["outcome"] == "comprehensive_agreement"].sort_values("ST").iloc[-1]
    assert f"{top.ST:.4f}" in done.stdout and "comprehensive_agreement" in done.stdout


def test_sensitivity_without_out_prints_the_ranking_and_writes_no_file(tmp_path):
    done = negotiate_cli("sensitivity", str(DRIVERS), "--method", "morris", "--samples", "4",
                         "--replications", "2", "--seed", "3", "--workers", "1", "--input", INPUTS[0],
                         cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "comprehensive_agreement" in done.stdout and INPUTS[0] in done.stdout
    assert "wrote" not in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_sensitivity_refuses_an_input_that_is_not_a_distribution_with_exit_2(tmp_path):
    done = negotiate_cli("sensitivity", str(DRIVERS), "--input", "actors.H.capability", "--samples", "4",
                         "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "actors.H.capability" in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


def test_discover_prints_boxes_and_writes_them(tmp_path):
    out = tmp_path / "d"
    done = negotiate_cli("discover", str(DRIVERS), "--outcome", "conditional_truce", "--method", "cart",
                         "--runs", "1500", "--seed", "4", "--workers", "1", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "discovery.csv")
    with pytest.warns(negotiate.WeakResultWarning, match="only 44 of 1,500"):
        expected = negotiate.discover(negotiate.simulate(DRIVERS, runs=1500, seed=4), "conditional_truce",
                                      method="cart").to_frame()
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    assert table["rule"].iloc[0] in done.stdout
    # 44 of the 1,500 worlds reach it: the boxes come with a one-line warning, not a traceback form
    assert "negotiate: warning: only 44 of 1,500 worlds reached 'conditional_truce'" in done.stderr
    assert "WeakResultWarning" not in done.stderr
    assert (out / "discovery.png").is_file()
    assert json.loads((out / "metadata.json").read_text())["seed"] == 4
    # running again replaces its own output
    again = negotiate_cli("discover", str(DRIVERS), "--outcome", "conditional_truce", "--method", "cart",
                          "--runs", "1500", "--seed", "4", "--workers", "1", "--out", str(out), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out / "discovery.csv"), table)


def test_discover_prune_option_reaches_prim_and_is_refused_for_cart(tmp_path):
    common = ["--outcome", "conditional_truce", "--runs", "1500", "--seed", "4", "--workers", "1"]
    outs = {}
    for prune in ("none", "0.2"):
        out = tmp_path / f"d_{prune}"
        done = negotiate_cli("discover", str(DRIVERS), *common, "--prune", prune, "--out", str(out),
                             "--no-plots", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        outs[prune] = json.loads((out / "metadata.json").read_text())["options"]["prune"]
    assert outs == {"none": None, "0.2": 0.2}
    for bad, expected in ((["--prune", "2"], "between 0 and 1"),
                          (["--method", "cart", "--prune", "0.1"], "--method prim only")):
        done = negotiate_cli("discover", str(DRIVERS), *common, *bad, cwd=tmp_path)
        assert done.returncode == 2 and expected in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
