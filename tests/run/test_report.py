"""The HTML report (``Results.report``, ``negotiate report``), read back by parsing the file."""

from __future__ import annotations

import base64
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

import negotiate
from negotiate.results import scenario_digest
from tests.cli import ROOT, negotiate_cli

SCENARIO = ROOT / "scenarios" / "hypothetical_three_actors.yaml"


class Page(HTMLParser):
    """Tables (rows of cell texts), images (src), headings and the metadata JSON."""

    def __init__(self, text: str):
        super().__init__()
        self.tables, self.images, self.headings, self.metadata = [], [], [], None
        self._cell, self._row, self._in, self._tag = None, None, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._tag = tag
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag == "script" and attrs.get("id") == "metadata":
            self._in = "metadata"
        elif tag in ("h1", "h2"):
            self._in = "heading"
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr":
            self.tables[-1].append(self._row)
        elif tag in ("script", "h1", "h2"):
            self._in = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._in == "metadata":
            self.metadata = json.loads(data)
        elif self._in == "heading":
            self.headings[-1] += data


@pytest.fixture(scope="module")
def results():
    return negotiate.simulate(negotiate.load_scenario(SCENARIO), runs=300, seed=4, workers=1, progress=False)


def test_the_report_holds_the_outcome_table_figures_and_metadata(results, tmp_path):
    path = results.report(tmp_path / "report.html")
    page = Page(path.read_text(encoding="utf-8"))
    assert page.headings[0] == results.scenario.title
    for section in ("Outcomes", "Time to agreement", "Settled terms", "Figures", "Calibrated behaviour",
                    "Sources", "Reproduce these numbers"):
        assert section in page.headings
    outcomes = next(t for t in page.tables if t[0][0] == "outcome")
    expected = results.outcome_probabilities()
    assert [row[0] for row in outcomes[1:]] == [o.replace("_", " ") for o in expected.index]
    for row, (_, want) in zip(outcomes[1:], expected.iterrows()):
        assert float(row[1]) == pytest.approx(want.p, abs=5e-4)
        low, high = (float(v) for v in row[2].split("–"))
        assert low == pytest.approx(want.ci_low, abs=5e-4) and high == pytest.approx(want.ci_high, abs=5e-4)
        assert int(row[3].replace(",", "")) == want["count"]
    groups = (results.settled_terms()["count"].groupby(level="agreement").sum() > 0).sum()
    assert len(page.images) == 3 + groups   # three figures, and one of the settled terms per agreement kind
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    assert page.metadata["seed"] == 4 and page.metadata["runs"] == 300
    assert page.metadata["scenario_sha256"] == scenario_digest(results.scenario)
    assert sum(page.metadata["outcomes"].values()) == pytest.approx(1)


def test_the_time_to_agreement_table_reaches_the_outcome_probabilities(results, tmp_path):
    page = Page(results.report(tmp_path / "r.html").read_text(encoding="utf-8"))
    timing = next(t for t in page.tables if t[0][0] == "" and t[1][0].startswith("by round"))
    last = timing[-1]
    horizon = results.scenario.rounds.horizon
    assert last[0] == f"by round {horizon}"
    table = results.outcome_probabilities()
    for name, value in zip(timing[0][1:], last[1:]):
        p, low, high = _value_and_interval(value)
        want = table.loc[name.replace(" ", "_")]
        # at the horizon the curve is the outcome's probability, and its interval the outcome's
        assert (p, low, high) == pytest.approx((want.p, want.ci_low, want.ci_high), abs=5e-4)


def _value_and_interval(text: str) -> tuple[float, float, float]:
    """``"0.123 (0.100 – 0.150)"`` as three numbers."""
    p, rest = text.split(" (")
    low, high = rest.rstrip(")").split(" – ")
    return float(p), float(low), float(high)


def test_the_time_to_agreement_intervals_are_wilson_intervals_of_the_runs_reached(results, tmp_path):
    page = Page(results.report(tmp_path / "r.html").read_text(encoding="utf-8"))
    timing = next(t for t in page.tables if t[0][0] == "" and t[1][0].startswith("by round"))
    runs = results.to_frame()
    for row in timing[1:]:
        t = int(row[0].removeprefix("by round "))
        for name, cell in zip(timing[0][1:], row[1:]):
            outcome = name.replace(" ", "_")
            k = int(((runs["outcome"] == outcome) & (runs["agreement_round"].fillna(30000) <= t)).sum())
            assert _value_and_interval(cell) == pytest.approx(_wilson(k, results.runs, 1.959964), abs=5e-4)


def _wilson(k: int, n: int, z: float) -> tuple[float, float, float]:
    """Wilson's (1927) score interval, written out by hand."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return p, centre - half, centre + half


def test_the_settled_terms_table_reads_the_agreed_values(results, tmp_path):
    page = Page(results.report(tmp_path / "r.html").read_text(encoding="utf-8"))
    terms = next(t for t in page.tables if t[0][:2] == ["agreement", "issue"])
    runs = results.to_frame()
    assert len(terms) > 1
    for row in terms[1:]:
        agreement, issue = row[0].replace(" ", "_"), row[1]
        kinds = ["comprehensive_agreement"] if agreement == "comprehensive_agreement" else \
            ["temporary_truce", "conditional_truce"]
        values = runs.loc[runs["outcome"].isin(kinds), f"term:{issue}"].dropna()
        assert int(row[2].replace(",", "")) == len(values)
        assert float(row[3]) == pytest.approx(values.median(), abs=5e-3)
        low, high = (float(v) for v in row[4].split(" – "))
        assert (low, high) == pytest.approx(tuple(values.quantile([0.05, 0.95])), abs=5e-3)


def test_an_earlier_report_is_replaced_whole_and_bad_targets_are_refused(results, tmp_path):
    target = tmp_path / "r.html"
    results.report(target, title="First")
    results.report(target, title="Second")  # a report of negotiate: replaced without force
    assert Page(target.read_text(encoding="utf-8")).headings[0] == "Second"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left
    with pytest.raises(ValueError, match="is a directory"):
        results.report(tmp_path)
    with pytest.raises(ValueError, match="no such directory"):
        results.report(tmp_path / "missing" / "r.html")
    with pytest.raises(TypeError, match="Results"):
        negotiate.write_report("not results", target)


def test_a_file_negotiate_did_not_write_is_replaced_only_with_force(results, tmp_path):
    from negotiate.errors import OutputError

    mine = tmp_path / "mine.html"
    for text in ("my notes", "<!DOCTYPE html>\n<html><body>my own page</body></html>\n", ""):
        mine.write_text(text)
        with pytest.raises(OutputError, match="mine.html: refusing to replace this file: it is not a report"):
            results.report(mine)
        assert mine.read_text() == text
    results.report(mine, title="Forced", force=True)
    assert Page(mine.read_text(encoding="utf-8")).headings[0] == "Forced"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.html"]


def test_a_report_written_before_the_generator_mark_is_still_ours(results, tmp_path):
    """Reports of earlier versions began without the generator mark: they are recognised by
    their exact beginning and their metadata block at the end, and replaced; the beginning
    alone is not enough."""
    from negotiate.errors import OutputError
    from negotiate.report import is_negotiate_report

    new = negotiate.report.report_html(results)
    old = new.replace('<meta name="generator" content="negotiate">', "", 1)
    assert old != new
    target = tmp_path / "old.html"
    target.write_text(old, encoding="utf-8")
    assert is_negotiate_report(target)
    results.report(target, title="Newer")
    assert Page(target.read_text(encoding="utf-8")).headings[0] == "Newer"
    target.write_text(old[:old.index("<script")] + "</body></html>\n", encoding="utf-8")
    assert not is_negotiate_report(target)
    with pytest.raises(OutputError, match="not a report negotiate wrote"):
        results.report(target)


def test_links_and_special_files_are_never_replaced(results, tmp_path):
    import os

    from negotiate.errors import OutputError

    (tmp_path / "real.html").write_text("mine")
    (tmp_path / "link.html").symlink_to("real.html")
    os.mkfifo(tmp_path / "pipe.html")  # never read: the check would block on it
    for name, message in (("link.html", "is a symbolic link"), ("pipe.html", "not a regular file")):
        with pytest.raises(OutputError, match=message):
            results.report(tmp_path / name, force=True)
    assert (tmp_path / "real.html").read_text() == "mine" and (tmp_path / "link.html").is_symlink()


def test_a_file_that_appears_while_the_report_is_written_is_kept(results, tmp_path, monkeypatch):
    """A new report name is checked first and the report written afterwards: a file created
    there in between is not silently replaced."""
    from negotiate import report
    from negotiate.errors import OutputError

    target = tmp_path / "new.html"
    text = report.report_html(results)

    def meanwhile(results, *, title=None):
        target.write_text("written meanwhile")
        return text

    monkeypatch.setattr(report, "report_html", meanwhile)
    with pytest.raises(OutputError, match="appeared there while the report was written"):
        results.report(target)
    assert target.read_text() == "written meanwhile"
    assert [p.name for p in tmp_path.iterdir()] == ["new.html"]


def test_cli_report_from_a_saved_run(tmp_path):
    done = negotiate_cli("run", str(SCENARIO), "--runs", "200", "--seed", "3", "--out", "out",
                         "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = negotiate_cli("report", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {Path('out.html')}"
    page = Page((tmp_path / "out.html").read_text(encoding="utf-8"))
    assert page.metadata["runs"] == 200 and page.metadata["seed"] == 3
    done = negotiate_cli("report", "out", "--out", "mine.html", "--title", "For the team", cwd=tmp_path)
    assert done.returncode == 0 and Page((tmp_path / "mine.html").read_text()).headings[0] == "For the team"


def test_cli_report_never_replaces_a_users_file_without_force(results, tmp_path):
    """Neither --out FILE nor the default DIR.html replaces a file negotiate did not write
    (exit 2, before the folder is read); --force does."""
    results.save(tmp_path / "b5", plots=False)
    for name, args in (("mine.html", ["--out", "mine.html"]), ("b5.html", [])):
        (tmp_path / name).write_text("my notes")
        done = negotiate_cli("report", "b5", *args, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert f"{name}: refusing to replace this file" in done.stderr and "--force" in done.stderr
        assert (tmp_path / name).read_text() == "my notes"
    done = negotiate_cli("report", "b5", "--out", "mine.html", "--force", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Page((tmp_path / "mine.html").read_text(encoding="utf-8")).metadata["runs"] == results.runs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b5", "b5.html", "mine.html"]


@pytest.mark.parametrize("args, code, message", [
    (["nowhere"], 2, "not a folder"),
    (["out", "--out", "report.txt"], 2, "name an .html file"),
    (["out", "--out", ""], 2, "name an .html file"),
    (["out", "--out", "/proc/x.html"], 2, "/proc/x.html: cannot write the report in /proc"),
])
def test_cli_report_refuses_bad_arguments_in_one_line(tmp_path, args, code, message):
    (tmp_path / "out").mkdir()
    done = negotiate_cli("report", *args, cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("meta, message", [
    ({}, "not a negotiate results file"),
    ({"producer": "negotiate", "kind": "backtest"},
     "out: holds a 'backtest' output (negotiate backtest); report works only on the output of `negotiate run`"),
    ({"producer": "negotiate", "kind": "sweep"},
     "out: holds a 'sweep' output (negotiate sweep); report works only on the output of `negotiate run`"),
])
def test_cli_report_refuses_a_folder_that_is_not_results(tmp_path, meta, message):
    """A folder that is not a run's output is invalid input: exit 2 (README, "Command line")."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "metadata.json").write_text(json.dumps(meta))
    done = negotiate_cli("report", "out", cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out.html").exists()


def test_the_report_shows_ceasefire_types_and_each_agendas_decision_rule(tmp_path):
    """A scenario with plain ceasefires and a decision rule: the report's ceasefire table is
    ``ceasefire_types()`` plus the runs with none (summing to every run), and the rules table
    names the bodies and veto players the file gives."""
    from tests.model.conftest import load
    from tests.model.test_ceasefire_types import PAUSE

    scenario = load("pause")
    names = list(scenario.actors)
    scenario = scenario.with_overrides({"ceasefires": [PAUSE], "decision": {"truce": {
        "bodies": [{"name": "table", "rule": "majority", "members": names}], "vetoes": names[:1]}}})
    results = negotiate.simulate(scenario, runs=400, seed=2, progress=False)
    page = Page(results.report(tmp_path / "c.html").read_text(encoding="utf-8"))
    assert "Ceasefires by type" in page.headings
    table = next(t for t in page.tables if t[0][0].startswith("first ceasefire"))
    expected = results.ceasefire_types()
    counts = [int(row[2].replace(",", "")) for row in table[1:]]
    assert counts[:-1] == expected["count"].tolist() and sum(counts) == results.runs
    rules = dict(row for row in next(t for t in page.tables if t[0] == ["agenda", "rule"])[1:])
    assert rules["truce"] == f"table (majority: {', '.join(names)}); vetoes: {names[0]}"
    assert rules["settlement"].startswith("unanimity")
