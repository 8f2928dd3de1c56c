"""The library's exceptions: what a user can act on."""

from __future__ import annotations

from dataclasses import dataclass


def one_line(text: str) -> str:
    """``text`` with line breaks escaped, so that one problem is one line of output."""
    return str(text).replace("\r", "\\r").replace("\n", "\\n")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (file, field path, line) and what."""

    path: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        field = self.path or "(top level)"
        return one_line(f"{where}: {field}: {self.message}")


class NegotiateError(Exception):
    """Base of every error this library raises on purpose (the CLI maps it to an exit code)."""


class ScenarioError(NegotiateError, ValueError):
    """A scenario that cannot be used. ``problems`` lists every problem found,
    each naming the file, the field path and, where known, the YAML line."""

    def __init__(self, problems: list[Problem] | Problem | str, *, path: str = ""):
        if isinstance(problems, str):
            problems = [Problem(path=path, message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def located(self, file: str | None, lines: dict[str, int] | None = None) -> ScenarioError:
        """The same problems, with the file name and YAML lines filled in."""
        lines = lines or {}
        out = []
        for p in self.problems:
            out.append(
                Problem(
                    path=p.path,
                    message=p.message,
                    file=p.file or file,
                    line=p.line if p.line is not None else nearest_line(p.path, lines),
                )
            )
        return ScenarioError(out)


class FieldError(ValueError):
    """Raised by a model validator to blame one field of the model it checks.

    Pydantic reports a model validator's error at the model itself; the loader
    appends ``field`` (relative to that model, e.g. ``"end"`` or
    ``"probabilities.A"``) so the message names the field to change.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def nearest_line(path: str, lines: dict):
    """Line of ``path`` or of its closest ancestor that the YAML file has (or whatever
    else ``lines`` maps field paths to, such as ``(file, line)``)."""
    parts = path.split(".") if path else []
    while parts:
        key = ".".join(parts)
        if key in lines:
            return lines[key]
        last = parts[-1]
        if last.endswith("]") and "[" in last:  # a.b[2] → a.b
            parts[-1] = last[: last.rindex("[")]
            if parts[-1]:
                continue
        parts.pop()
    return lines.get("", None)


class SimulationError(NegotiateError, RuntimeError):
    """A run that could not complete (a worker failed, an output could not be written)."""


class OutputError(SimulationError, ValueError):
    """An output directory that cannot be used as given (an existing file, a symbolic
    link, a directory holding other files, no permission...): a bad argument, found
    before any simulation (exit 2 on the command line)."""


class ResultsFileError(SimulationError):
    """A results directory that cannot be trusted: a file missing, damaged or from
    another run (its content hash, the scenario hash or the run count disagree with
    metadata.json), or metadata.json itself incomplete or edited."""
