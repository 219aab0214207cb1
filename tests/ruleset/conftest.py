"""Fixtures of the rule-book tests: the minimal rule set and copies of it with broken files.

``tests/data/rules_min`` is a small complete pack that loads with no finding. Each folder of
``tests/data/bad_rules`` holds only the file(s) that break it; ``rules_dir(case)`` copies the
minimal pack to a temporary folder and lays the case's files over it (same name = replaced).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from creditbank.ruleset.loader import load_ruleset, read_sources
from creditbank.ruleset.ruleset import RuleSet

DATA = Path(__file__).resolve().parent.parent / "data"
RULES_MIN = DATA / "rules_min"
BAD_RULES = DATA / "bad_rules"

MakeRules = Callable[..., Path]


def bad_cases() -> list[str]:
    """Names of the broken-rule cases under tests/data/bad_rules."""
    return sorted(p.name for p in BAD_RULES.iterdir() if p.is_dir())


@pytest.fixture(scope="session")
def rules_min() -> Path:
    return RULES_MIN


@pytest.fixture(scope="session")
def min_sources() -> dict[str, str]:
    """The minimal pack as ``{relative path: text}``, as ``check_sources`` takes it."""
    return read_sources(RULES_MIN)


@pytest.fixture(scope="session")
def min_ruleset() -> RuleSet:
    return load_ruleset(RULES_MIN)


@pytest.fixture
def rules_dir(tmp_path: Path) -> MakeRules:
    """Make a rule folder: the minimal pack, then a bad case's files, then ``files``.

    ``files`` maps a relative path to new text, or to None to delete that file.
    """

    def make(case: str | None = None, files: dict[str, str | None] | None = None) -> Path:
        root = tmp_path / "rules"
        if root.exists():
            shutil.rmtree(root)
        shutil.copytree(RULES_MIN, root)
        if case is not None:
            source = BAD_RULES / case
            assert source.is_dir(), f"no bad-rules case {case!r}"
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    target = root / path.relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
        for name, text in (files or {}).items():
            target = root / name
            if text is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        return root

    return make
