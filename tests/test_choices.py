"""The worked cases of rules/README.md, "Choices that decide an answer", run against the
sample packs they name: the documentation of each choice is an example the engine agrees with.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from creditbank.ruleset.loader import load_ruleset
from creditbank.ruleset.ruleset import RuleSet
from creditbank.service.rule_tests import read_cases, run_case

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "rules" / "README.md"
CHOICES = (
    "Precedence",
    "How count caps count",
    "Fill order",
    "Duplicates",
    "Divisibility",
    "Tie-break order",
    "Check order",
    "Accreditation date",
    "Residency",
)


def _examples() -> dict[str, str]:
    """Each subsection of the section, by title, to its one YAML block."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Choices that decide an answer\n", 1)[1].split("\n## ", 1)[0]
    examples = {}
    for part in section.split("\n### ")[1:]:
        title, body = part.split("\n", 1)
        blocks = re.findall(r"```yaml\n(.*?)```", body, flags=re.S)
        assert len(blocks) == 1, f"'{title}' needs exactly one worked case"
        examples[title] = blocks[0]
    return examples


@cache
def _pack(folder: str) -> RuleSet:
    return load_ruleset(ROOT / folder)


def test_every_choice_has_a_worked_case() -> None:
    assert tuple(_examples()) == CHOICES


@pytest.mark.parametrize("title", CHOICES)
def test_the_worked_case_holds(title: str, tmp_path: Path) -> None:
    block = _examples()[title]
    first, _ = block.split("\n", 1)
    assert first.startswith("# rules/"), f"'{title}': the first line names the sample pack"
    path = tmp_path / "case.yaml"
    path.write_text(block, encoding="utf-8")
    cases = read_cases(path, f"rules/README.md ({title})")
    assert not cases.problems, cases.problems
    assert len(cases.cases) == 1
    location, case = cases.cases[0]
    result = run_case(_pack(first.removeprefix("# ").strip()), location, case)
    assert result.passed, "\n".join(result.failures)
