"""One self-contained HTML report of a simulation, to send to a colleague.

:func:`write_report` (``Results.report(path)``, ``negotiate report DIR``) writes
a single file with no outside references: the scenario (what it describes,
who sits at the table, the issues, the sources), the outcome table with its
intervals, the time to agreement (with intervals), the settled terms (the
distribution of each issue's agreed value), the figures (PNG, embedded), the
diagnostics, the calibration the scenario draws its behaviour from (with the
library's cross-validated skill, when the posterior carries it: whether its
interval includes zero, and that it is in-library, not held-out), and the
metadata needed to reproduce the numbers (also as JSON in a ``<script
type="application/json" id="metadata">`` block, for tools).  The file is
written to a temporary name and renamed: an earlier report is replaced only
by a complete one.

**Whose file.** As for output directories (:mod:`negotiate.results.storage`),
only a file negotiate wrote is replaced: an existing report of this tool
(marked ``<meta name="generator" content="negotiate">``; one written before
the mark by its exact beginning and metadata block).  Any other file (a
user's ``mine.html``) is refused with :class:`~negotiate.errors.OutputError`
unless ``force=True`` (``--force``); a symbolic link, or anything that is
not a regular file, always.  A report to a new name never replaces a file
that appears there while it is written.
"""

from __future__ import annotations

import base64
import errno
import io
import json
import os
import stat
import tempfile
from html import escape
from pathlib import Path

import pandas as pd

from .errors import OutputError
from .results import Results, scenario_digest

__all__ = ["check_report_target", "is_negotiate_report", "report_html", "write_report"]

DPI = 110
#: rounds at which the report reads the cumulative probability of each agreement
MILESTONES = (4, 8, 13, 26, 52, 104)
STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}table{border-collapse:collapse;margin:.5rem 0 1rem}
td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%}
.note{background:#fff6e0;border-left:4px solid #e0a000;padding:.4rem .8rem}
code{background:#f3f3f3;padding:0 .2rem}"""


def write_report(results: Results, path, *, title: str | None = None, force: bool = False) -> Path:
    """Write the report of ``results`` to ``path`` (an ``.html`` file); returns the path.

    An existing file there is replaced only if it is a report negotiate wrote, or with
    ``force=True`` (see the module docstring)."""
    if not isinstance(results, Results):
        raise TypeError(f"results must be a negotiate Results, got {type(results).__name__}")
    path = check_report_target(path, force=force)
    existed = os.path.lexists(path)
    text = report_html(results, title=title)
    fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())   # as an ordinary file would be (mkstemp gives 0600)
        _publish(tmp, path, replace=existed)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def check_report_target(path, *, force: bool = False) -> Path:
    """``path`` as a Path if a report can be written there; else ``ValueError`` (a folder, no
    such folder) or :class:`~negotiate.errors.OutputError` (a file negotiate did not write,
    unless ``force``; a link or other non-regular file; no file can be created there)."""
    path = Path(path)
    if path.is_symlink():
        raise OutputError(f"{path}: is a symbolic link (to {os.readlink(path)}); negotiate neither "
                          "writes through nor replaces links: name the real file instead")
    if path.is_dir():
        raise ValueError(f"{path}: is a directory; name the report file, e.g. {path / 'report.html'}")
    if not path.parent.is_dir():
        raise ValueError(f"{path.parent}: no such directory for the report")
    if os.path.lexists(path):
        _check_existing(path, force)
    fd, tmp = _temporary(path)  # tried, not guessed from permissions: root passes those on /proc
    os.close(fd)
    os.unlink(tmp)
    return path


#: How every report begins (:func:`report_html`); reports written before the generator mark
#: began with ``_OLD_START`` and ended with their metadata block (``_OLD_END``).
_START = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="negotiate">'
_OLD_START = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>'
_OLD_END = '</script>\n</body></html>\n'
_OLD_METADATA = '<script type="application/json" id="metadata">{"scenario_name": '


def _check_existing(path: Path, force: bool) -> None:
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):  # a fifo would block the read below; a device is nobody's report
        raise OutputError(f"{path}: exists and is not a regular file; name a new .html file")
    if not force and not is_negotiate_report(path):
        raise OutputError(f"{path}: refusing to replace this file: it is not a report negotiate wrote; "
                          "name another file, or pass --force (force=True) to replace it")


def is_negotiate_report(path) -> bool:
    """Whether the file at ``path`` is a report this tool wrote (the only files replaced
    without ``force``)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(_START.encode()))
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 65536))  # the metadata block ends the file and is small
            tail = fh.read()
    except OSError:
        return False
    if head == _START.encode():
        return True
    # written before the generator mark (session 10): its exact beginning and its metadata block
    return (head.startswith(_OLD_START.encode()) and tail.endswith(_OLD_END.encode())
            and _OLD_METADATA.encode() in tail)


def _publish(tmp: str, path: Path, *, replace: bool) -> None:
    """Move the finished report ``tmp`` to ``path``: over the report checked there (``replace``),
    else as a new file that must still not exist (a hard link fails if one appeared since the
    check, where a rename would silently replace it)."""
    if replace:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise OutputError(f"{path}: a file appeared there while the report was written; it is "
                          "left as it is: run the command again to judge it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        os.replace(tmp, path)  # a file system without hard links: the rename, as before


def _temporary(path: Path) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:  # /proc, a read-only folder: a bad place, said plainly
        raise OutputError(f"{path}: cannot write the report in {path.parent}: "
                          f"{exc.strerror or exc}") from None


def report_html(results: Results, *, title: str | None = None) -> str:
    """The report as one HTML document (a string)."""
    scenario = results.scenario
    heading = title or scenario.title or scenario.name
    parts = [f"<h1>{escape(heading)}</h1>", _about(scenario),
             "<h2>Outcomes</h2>", _outcomes(results), _diagnostics(results),
             "<h2>Why no agreement</h2>", _why(results),
             "<h2>Time to agreement</h2>", _timing(results),
             "<h2>Settled terms</h2>", _terms(results),
             "<h2>Ceasefires by type</h2>", _ceasefires(results),
             "<h2>Figures</h2>", _figures(results),
             "<h2>Calibrated behaviour</h2>", _calibration(scenario),
             "<h2>Who sits at the table</h2>", _actors(scenario), _decision(scenario),
             "<h2>Issues</h2>", _issues(scenario),
             "<h2>Sources</h2>", _sources(scenario),
             "<h2>Reproduce these numbers</h2>", _reproduce(results)]
    meta = json.dumps(_metadata(results), ensure_ascii=False).replace("</", "<\\/")
    return (_START + f"<title>{escape(heading)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(parts)
            + f'\n<script type="application/json" id="metadata">{meta}</script>\n</body></html>\n')


# --- sections -------------------------------------------------------------------------

def _about(scenario) -> str:
    rows = [("scenario", scenario.name), ("as of", scenario.as_of or "not dated"),
            ("rounds", f"{scenario.rounds.horizon} {scenario.rounds.unit}s")]
    text = f"<p>{escape(scenario.description)}</p>" if scenario.description else ""
    return text + _table(["", ""], rows, header=False)


def _outcomes(results: Results) -> str:
    table = results.outcome_probabilities()
    level = table.attrs["level"]
    rows = [(o.replace("_", " "), f"{r.p:.3f}", f"{r.ci_low:.3f} – {r.ci_high:.3f}", f"{int(r['count']):,}")
            for o, r in table.iterrows()]
    head = ["outcome", "probability", f"{level:.0%} interval ({table.attrs['method']})", "runs"]
    return (f"<p>{results.runs:,} simulated worlds, seed {results.seed}. A run's outcome is where it "
            f"stands at the horizon: a comprehensive agreement if one was signed, otherwise the "
            f"kind of its first truce, otherwise no agreement.</p>" + _table(head, rows))


def _why(results: Results) -> str:
    """The runs without an agreement split by reason (docs/model.md §12, "Why no agreement")."""
    from .results.why import LABELS, MEANINGS, NOT_SPLIT

    try:
        why = results.why_no_agreement(0.95)
    except ValueError:   # results made before the reasons were recorded
        return "<p>Not recorded: these results were made before the reasons were.</p>"
    rows = [(LABELS[reason], _with_interval(r), f"{int(r['count']):,}", MEANINGS[reason])
            for reason, r in why.to_frame().iterrows()]
    head = ["reason", "share of all runs (95% Wilson interval)", "runs", "meaning"]
    note = "" if why.stalled_recorded else f"<p><b>Note:</b> {escape(NOT_SPLIT)}.</p>"
    return (f"<p>No agreement in {why.no_agreement:.3f} of runs, split by why (the first reason "
            "that holds, in this order): the shares are of all runs and add up to the probability "
            "of no agreement.</p>" + note
            + _table(head, rows))


def _diagnostics(results: Results) -> str:
    notes = results.diagnose()
    if not notes:
        return "<p>No diagnostic notes.</p>"
    return "".join(f'<p class="note">{escape(str(n))}</p>' for n in notes)


def _timing(results: Results) -> str:
    curve = results.time_to_agreement(0.95, method="wilson")
    horizon = results.scenario.rounds.horizon
    rounds = [t for t in MILESTONES if t < horizon] + [horizon]
    outcomes = list(dict.fromkeys(curve.columns.get_level_values("outcome")))
    rows = [(f"by round {t}", *(_with_interval(curve.loc[t, o]) for o in outcomes)) for t in rounds]
    head = ["", *(str(o).replace("_", " ") for o in outcomes)]
    return ("<p>Probability that a run ends in each agreement and reached it by the round shown "
            "(cumulative; at the horizon it is the outcome's probability), with its 95% Wilson "
            "interval at each round (pointwise).</p>" + _table(head, rows))


def _with_interval(row) -> str:
    return f"{row['p']:.3f} ({row['ci_low']:.3f} – {row['ci_high']:.3f})"


def _terms(results: Results) -> str:
    """The settled terms: each issue's agreed value in comprehensive agreements and in truces."""
    from .plot import plot_settled_terms
    from .results.aggregate import TERM_GROUPS

    table = results.settled_terms()
    table = table[table["count"] > 0]
    if table.empty:
        return "<p>No run reached an agreement: there are no settled terms to show.</p>"
    rows = [(agreement.replace("_", " "), issue, f"{int(r['count']):,}", f"{r['median']:.2f}",
             f"{r['q05']:.2f} – {r['q95']:.2f}", f"{r['q25']:.2f} – {r['q75']:.2f}", r["low"], r["high"])
            for (agreement, issue), r in table.iterrows()]
    head = ["agreement", "issue", "runs", "median", "90% of runs", "middle half", "0 means", "1 means"]
    groups = [g for g in TERM_GROUPS if g in table.index.get_level_values("agreement")]
    figures = "".join(
        f'<figure><img alt="Settled terms: {escape(g)}" '
        f'src="data:image/png;base64,{_png(lambda ax, g=g: plot_settled_terms(results, g, ax=ax))}">'
        f"<figcaption>Settled terms: {escape(g.replace('_', ' '))}</figcaption></figure>" for g in groups)
    return ("<p>Where the agreements land: each issue's agreed value (0 to 1, as the issue "
            "defines them) over the runs that ended in a comprehensive agreement, and over those "
            "that ended in a truce.</p>" + _table(head, rows) + figures)


def _figures(results: Results) -> str:
    from .plot import plot_acceptance_rates, plot_time_to_agreement

    figures = [("Outcome probabilities", lambda ax: results.plot(ax=ax)),
               ("Time to agreement", lambda ax: plot_time_to_agreement(results, ax=ax)),
               ("Acceptance of offers", lambda ax: plot_acceptance_rates(results, ax=ax))]
    return "".join(f'<figure><img alt="{escape(name)}" src="data:image/png;base64,{_png(draw)}">'
                   f"<figcaption>{escape(name)}</figcaption></figure>" for name, draw in figures)


def _calibration(scenario) -> str:
    section = scenario.calibration
    if section is None:
        return ("<p>None: the behavioural fields (stances, stalling, drafting) are as the "
                "scenario file writes them.</p>")
    from .scenario.calibration import load_posterior, posterior_folder

    posterior = load_posterior(section.posterior)

    def named(kind: str) -> str:
        return ", ".join(f"<code>{escape(n)}</code>" for n, k in zip(posterior.names, posterior.kinds) if k == kind)

    knobs = ", ".join(f"<code>{escape(n)}</code>" for n in posterior.names)
    text = (f"<p>Each world draws {knobs} from the posterior <code>{escape(section.posterior)}</code> "
            f"({len(posterior.draws):,} draws; posterior.csv SHA-256 <code>{posterior.sha256}</code>)")
    replaced, scaled = named("replace"), named("scale")
    if not scaled:
        text += ", whatever the file writes for those fields.</p>"
    else:  # scale knobs multiply the file's own values (docs/validation.md, "Scale knobs")
        text += (f": the fields {scaled} set are the file's own values times the draw"
                 + (f", those {replaced} set take it whatever the file writes" if replaced else "") + ".</p>")
    skill = posterior_folder(section.posterior) / "summary_skill.csv"
    if skill.is_file():
        table = pd.read_csv(skill, index_col=["score", "forecaster"])
        text += _skill(table.loc[("log_loss", "loo")], shipped=section.posterior == "library")
    return text


#: the shipped fit's record on cases encoded after it (docs/validation.md, "Held-out checks")
HELD_OUT = ("This skill is measured on the cases the model was developed on; on negotiations "
            "encoded after the fit it has so far done worse than the base rates "
            "(docs/validation.md, 'Held-out checks').")


def _skill(row, *, shipped: bool) -> str:
    """The leave-one-out skill and its interval, saying when the interval includes zero (no
    skill cannot be ruled out) and that it is in-library, not on new cases."""
    low, high = row["skill_low"], row["skill_high"]
    zero = ", which includes zero: no skill at all is not ruled out" if low <= 0 <= high else ""
    text = (f"<p>Fitted to the case library and scored leaving each case out: mean log loss "
            f"{row['model']:.2f} against {row['climatology']:.2f} for the library's base rates "
            f"(skill {row['skill']:.2f}, 95% interval {low:.2f} to {high:.2f}{zero}; "
            "docs/validation.md). ")
    if shipped:
        return text + escape(HELD_OUT, quote=False) + "</p>"
    # a posterior of one's own: its held-out record is not known here
    return text + ("This skill is measured on the cases the posterior was fitted to, not on "
                   "negotiations encoded after the fit.</p>")


def _ceasefires(results: Results) -> str:
    """The first ceasefire of each run by ETH/PRIO type (only kept runs record it)."""
    if not results.keep_runs or results.run_data.ceasefire is None:
        return "<p>Not recorded: the per-run data was not kept.</p>"
    table = results.ceasefire_types(0.95)
    none = 1.0 - float(table["p"].sum())
    rows = [(f"{parties}, {scope}", _with_interval(r), f"{int(r['count']):,}")
            for (parties, scope), r in table.iterrows()]
    rows.append(("no ceasefire of any kind", f"{none:.3f}", f"{results.runs - int(table['count'].sum()):,}"))
    head = ["first ceasefire (parties, scope)", "share of runs (95% Wilson interval)", "runs"]
    return ("<p>The first ceasefire of each run, of any kind (docs/model.md, \"Ceasefire types\"): "
            "a unilateral halt or a partial ceasefire counts here but is not an agreed truce, so it "
            "sets no outcome.</p>" + _table(head, rows))


def _decision(scenario) -> str:
    """Each agenda's decision rule, when the scenario gives one (unanimity otherwise)."""
    decision = getattr(scenario, "decision", None)
    rows = []
    for agenda in ("truce", "settlement"):
        rule = getattr(decision, agenda, None) if decision is not None else None
        if rule is None or isinstance(rule, str):
            rows.append((agenda, "unanimity: every party and every controller of a moved issue"))
            continue
        bodies = "; ".join(f"{b.name or 'body'} ({b.rule}: {', '.join(b.voters)})" for b in rule.bodies)
        vetoes = f"; vetoes: {', '.join(rule.vetoes)}" if rule.vetoes else ""
        rows.append((agenda, bodies + vetoes))
    return "<p>How each agenda is decided (docs/model.md §19):</p>" + _table(["agenda", "rule"], rows)


def _actors(scenario) -> str:
    rows = [(name, actor.role, ", ".join(actor.positions)) for name, actor in scenario.actors.items()]
    return _table(["actor", "role", "positions on"], rows)


def _issues(scenario) -> str:
    rows = [(name, issue.group, issue.low, issue.high) for name, issue in scenario.issues.items()]
    return _table(["issue", "agreement", "0 means", "1 means"], rows)


def _sources(scenario) -> str:
    if not scenario.sources:
        return "<p>The scenario lists no sources.</p>"
    items = []
    for s in scenario.sources:
        where = s.url or s.path
        link = f' <a href="{escape(where)}">{escape(where)}</a>' if s.url else \
            (f" ({escape(where)})" if where else "")
        items.append(f"<li><b>{escape(s.id)}</b>: {escape(s.title)}"
                     f"{' (' + escape(s.date) + ')' if s.date else ''}{link}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _reproduce(results: Results) -> str:
    meta = _metadata(results)
    rows = [("seed", meta["seed"]), ("runs", f"{meta['runs']:,}"),
            ("scenario SHA-256", meta["scenario_sha256"]),
            ("versions", ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))]
    command = f"negotiate run SCENARIO.yaml --runs {results.runs} --seed {results.seed}"
    return (_table(["", ""], rows, header=False)
            + f"<p>With the scenario file (named <code>{escape(results.scenario.name)}</code> inside; "
              f"its SHA-256 above is of the scenario as loaded, after any <code>extends:</code>): "
              f"<code>{escape(command)}</code> gives the same numbers whatever the number of "
              "workers.</p>")


# --- helpers ------------------------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _metadata(results: Results) -> dict:
    return {"scenario_name": results.scenario.name, "scenario_sha256": scenario_digest(results.scenario),
            "seed": results.seed, "runs": results.runs, "versions": dict(results.versions),
            "outcomes": {o: float(p) for o, p in results.outcome_probabilities()["p"].items()}}


def _table(head: list[str], rows, *, header: bool = True) -> str:
    def cell(value) -> str:
        text = escape(str(value))
        numeric = text.replace(".", "", 1).replace(",", "").replace("–", "").replace(" ", "").isdigit()
        return f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"

    top = "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>" if header else ""
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table>{top}{body}</table>"


def _png(draw) -> str:
    from matplotlib.figure import Figure  # no pyplot: no global figure state, no display

    fig = Figure(figsize=(7, 4), layout="constrained")
    draw(fig.add_subplot())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
