"""``Comparison.why_differences()`` and the lines of ``negotiate compare`` (docs/results.md,
Comparison): paired differences of the reasons for no agreement (docs/model.md §12, "Why no
agreement").  The scenario is that of tests/run/test_why_no_agreement_results.py (every
reason occurs in 96 runs); B stalls more often in the variant."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
import yaml

import negotiate
from negotiate.model.outcomes import REASONS, no_agreement_reasons
from negotiate.results import Results
from negotiate.results.why import LABELS
from negotiate.run import compare
from negotiate.run.comparison import Comparison
from negotiate.stats import paired_difference_from_table
from tests.cli import negotiate_cli
from tests.run.test_why_no_agreement_results import MIXED, ROOT

RUNS, SEED = 96, 3
MORE_STALLING = {"actors.B.insincere": 0.8}


@pytest.fixture(scope="module")
def scenarios():
    a = negotiate.load_scenario(ROOT / "tests/model/data/two_party.yaml").with_overrides(MIXED)
    return a, a.with_overrides(MORE_STALLING, name="more-stalling")


@pytest.fixture(scope="module")
def cmp(scenarios):
    return compare(*scenarios, RUNS, seed=SEED, progress=False)


def _codes(results):
    r = results.run_data
    return no_agreement_reasons(r.outcome, r.victory, r.principle_round, r.offers, r.stalled)


def test_the_differences_are_the_two_sides_shares_subtracted(cmp):
    table = cmp.why_differences()
    assert list(table.index) == list(REASONS) and table.attrs["stalled_recorded"] is True
    p_a, p_b = (side.why_no_agreement().to_frame()["p"] for side in (cmp.a, cmp.b))
    np.testing.assert_array_equal(table["p_a"], p_a)
    np.testing.assert_array_equal(table["p_b"], p_b)
    np.testing.assert_allclose(table["difference"], p_b - p_a, rtol=0, atol=1e-15)
    assert (table["difference"] != 0).any()   # the variant changes the reasons


@pytest.mark.parametrize("level, method", [(0.95, "newcombe"), (0.9, "wald")])
def test_the_interval_is_the_paired_helpers_on_the_runs_counted_by_hand(cmp, level, method):
    code_a, code_b = _codes(cmp.a), _codes(cmp.b)
    table = cmp.why_differences(level, method=method)
    for i, reason in enumerate(REASONS):
        x, y = code_a == i, code_b == i
        want = paired_difference_from_table(int((x & y).sum()), int((x & ~y).sum()), int((~x & y).sum()),
                                            int((~x & ~y).sum()), level=level, method=method)
        assert table.loc[reason, "ci_low"] == want.ci_low and table.loc[reason, "ci_high"] == want.ci_high


def test_the_pairing_matters(cmp):
    """Mutation check: b's runs in another order give other intervals (so runs are paired)."""
    order = np.roll(np.arange(cmp.b.runs), 1)
    rolled = dataclasses.replace(cmp.b, run_data=cmp.b.run_data.take(order))
    other = Comparison(cmp.a, rolled, cmp.joint).why_differences()
    np.testing.assert_array_equal(other["difference"], cmp.why_differences()["difference"])
    assert (other["ci_low"] != cmp.why_differences()["ci_low"]).any()


def test_identical_scenarios_give_exactly_zero(scenarios):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same = compare(scenarios[0], scenarios[0], RUNS, seed=SEED, progress=False)
    table = same.why_differences()
    assert (table["difference"] == 0).all() and (table["p_a"] == table["p_b"]).all()


def test_without_kept_runs_it_says_the_runs_are_needed(scenarios):
    lean = compare(*scenarios, 32, seed=SEED, keep_runs=False, progress=False)
    with pytest.raises(ValueError, match="needs the per-run data, which was not kept.*keep_runs=True"):
        lean.why_differences()


def test_results_without_the_breakdown_give_its_error(cmp):
    old = Results.from_block(cmp.a.scenario, dataclasses.replace(cmp.a.run_data, principle_round=None),
                             seed=SEED)
    with pytest.raises(ValueError, match="do not record why runs ended without an agreement"):
        Comparison(old, cmp.b, cmp.joint).why_differences()


def test_negotiate_compare_prints_a_line_per_reason(scenarios, cmp, tmp_path):
    paths = []
    for s in scenarios:
        paths.append(tmp_path / f"{s.name}.yaml")
        paths[-1].write_text(yaml.safe_dump(s.to_dict(), allow_unicode=True), encoding="utf-8")
    done = negotiate_cli("compare", *map(str, paths), "--runs", str(RUNS), "--seed", str(SEED),
                         "--workers", "1", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("why no agreement"))
    assert lines[start - 1].startswith("no_agreement")                 # under the outcome table
    assert lines[start + 1].split() == ["A", "B", "B", "−", "A", "[95%", "interval]"]
    for line, (reason, row) in zip(lines[start + 2:start + 2 + len(REASONS)], cmp.why_differences().iterrows()):
        assert line.startswith(f"  {LABELS[reason]} ")
        assert f"{row.p_a:5.1%}  {row.p_b:5.1%}  {row.difference:+.1%} [{row.ci_low:+.1%}, {row.ci_high:+.1%}]" in line


@pytest.mark.parametrize("shares, shown", [((0.049, 0.0), False), ((0.0, 0.05), True), ((0.3, 0.01), True)])
def test_the_lines_are_shown_when_either_side_reaches_five_percent(cmp, shares, shown):
    """Both sides' shares of no agreement are stand-ins: only the threshold is tested."""
    from types import SimpleNamespace

    from negotiate.cli.simulation import why_difference_lines

    def side(p):
        return SimpleNamespace(why_no_agreement=lambda: SimpleNamespace(no_agreement=p))

    stand_in = SimpleNamespace(a=side(shares[0]), b=side(shares[1]), why_differences=cmp.why_differences)
    assert bool(why_difference_lines(stand_in)) is shown


def test_a_side_saved_before_stalled_gives_five_reasons_for_both(cmp):
    old = Results.from_block(cmp.a.scenario, dataclasses.replace(cmp.a.run_data, stalled=None), seed=SEED)
    table = Comparison(old, cmp.b, cmp.joint).why_differences()
    assert table.attrs["stalled_recorded"] is False and "stalled" not in table.index
    np.testing.assert_array_equal(table["p_a"], old.why_no_agreement().to_frame()["p"])
    new_b = cmp.b.why_no_agreement().to_frame()["p"]
    assert table.loc[["refused", "never_offered"], "p_b"].sum() == pytest.approx(
        new_b[["stalled", "refused", "never_offered"]].sum(), abs=1e-15)
    for reason in ("won_outright", "won_before_in_force", "agreed_never_in_force"):
        assert table.loc[reason, "p_b"] == new_b[reason]
