"""The library's exceptions: what a user can act on."""

from __future__ import annotations

from dataclasses import dataclass


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
        return f"{where}: {field}: {self.message}"


class ScenarioError(ValueError):
    """A scenario that cannot be used. ``problems`` lists every problem found,
    each naming the file, the field path and, where known, the YAML line."""

    def __init__(self, problems: list[Problem] | Problem | str, *, path: str = ""):
        if isinstance(problems, str):
            problems = [Problem(path=path, message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def located(self, file: str | None, lines: dict[str, int] | None = None) -> "ScenarioError":
        """The same problems, with the file name and YAML lines filled in."""
        lines = lines or {}
        out = []
        for p in self.problems:
            out.append(
                Problem(
                    path=p.path,
                    message=p.message,
                    file=p.file or file,
                    line=p.line if p.line is not None else _nearest_line(p.path, lines),
                )
            )
        return ScenarioError(out)


def _nearest_line(path: str, lines: dict[str, int]) -> int | None:
    """Line of ``path`` or of its closest ancestor that the YAML file has."""
    parts = path.split(".") if path else []
    while parts:
        key = ".".join(parts)
        if key in lines:
            return lines[key]
        parts.pop()
    return lines.get("", None)


class SimulationError(RuntimeError):
    """A run that could not complete (a worker failed, an output could not be written)."""
