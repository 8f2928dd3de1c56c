"""docs/scenario-format.md quotes the baseline scenario ("From the baseline:"):
each field it quotes must have that value somewhere in the baseline file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "scenario-format.md"
BASELINE = REPO / "scenarios" / "ukraine_march_2025.yaml"
EXCERPT = re.compile(r"From the baseline[^\n]*:\n\n```yaml\n(.*?)```", re.DOTALL)


def _contained(part, whole) -> bool:
    """``part`` is ``whole`` with some keys (and list items of mappings) left out."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and _contained(v, whole[k]) for k, v in part.items())
    if isinstance(part, list) and part and all(isinstance(x, dict) for x in part):
        return isinstance(whole, list) and all(any(_contained(x, y) for y in whole) for x in part)
    return part == whole


def _anywhere(part, tree) -> bool:
    if _contained(part, tree):
        return True
    children = tree.values() if isinstance(tree, dict) else tree if isinstance(tree, list) else []
    return any(_anywhere(part, child) for child in children)


def _excerpts() -> list[tuple[int, dict]]:
    text = DOC.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, yaml.safe_load(m.group(1))) for m in EXCERPT.finditer(text)]


def test_the_checker_tells_a_quote_from_a_misquote():
    tree = {"actors": {"A": {"war_cost": {"dist": "uniform", "low": 0.002, "high": 0.006}, "patience": 0.9}}}
    assert _anywhere({"war_cost": {"dist": "uniform", "low": 0.002, "high": 0.006}}, tree)
    assert not _anywhere({"war_cost": {"dist": "uniform", "low": 0.03, "high": 0.07}}, tree)
    assert _anywhere({"A": {"patience": 0.9}}, tree) and not _anywhere({"A": {"patience": 0.8}}, tree)


def test_the_doc_has_excerpts():
    assert len(_excerpts()) >= 5


@pytest.mark.parametrize(("line", "excerpt"), _excerpts(), ids=lambda v: str(v) if isinstance(v, int) else "")
def test_each_quoted_field_is_in_the_baseline(line, excerpt):
    baseline = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    wrong = [key for key, value in excerpt.items() if not _anywhere({key: value}, baseline)]
    assert not wrong, f"{DOC.name}, excerpt at line {line}: {', '.join(wrong)} not as in {BASELINE.name}"
