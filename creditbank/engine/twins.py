"""What a learner's audits under two rule sets on one date can share: a draft's impact.

A draft's impact audits each learner twice, under the version in force and under the draft,
which mostly differ in a few rules. The answers a :class:`~creditbank.engine.memo.LearnerMemo`
keeps about single outcomes read only some sections of the rules (``_READS``); an answer found
under the version in force is the draft's too when nothing it can read differs:

- each reads the pack and the sections in ``READ``;
- ``screen``, ``subsumed`` and ``recognition`` also read the items of their ``SELECTING``
  sections whose selectors match the outcome (exclusions; subsumptions; recognitions and
  placements): an item that matches none of a learner's outcomes offers, refuses and explains
  nothing about them. Their answers are shared for outcomes that no changed item of those
  sections, old or new, matches;
- none of them reads ``UNREAD``: the programme-specific sections.

An item counts as changed when its content or its position (file, line and column, which
answers carry in rule references) differs. ``tests/engine/test_twins.py`` checks on random
drafts that audits sharing answers give exactly the decisions of audits that share nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from creditbank.engine.matching import selector_matches
from creditbank.engine.records import OutcomeFields
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSet, RuleSetAt, canonical_json, item_key

READ = ("frameworks", "ladders", "issuers", "grade_scales")
"""Sections the shared answers read whatever the outcome."""
SELECTING = ("recognitions", "placements", "exclusions", "subsumptions")
"""Sections whose items the shared answers read only for the outcomes they select."""
UNREAD = (
    "catalogues",
    "programmes",
    "transfers",
    "equivalences",
    "limits",
    "recency",
    "substitutes",
)
"""Sections no shared answer reads (each audit reads them itself, for its programme)."""

_READS: dict[str, tuple[str, ...]] = {
    "duplicates": (),
    "screen": ("exclusions",),
    "subsumed": ("subsumptions",),
    "recognition": ("recognitions", "placements"),
}
"""The ``SELECTING`` sections whose matching items each question the memo keeps reads, besides
the pack and ``READ``. A question not named here is never shared."""


Selectors = tuple[tuple[schema.SelectorTests, ...], tuple[schema.SelectorTests, ...]]
"""The selectors of a section's changed items (their tests, ``OutcomeMatch.tests``, read once
per pair of rule sets: each read of a model costs more than a test): the first rule set's,
the second's."""


@dataclass(frozen=True)
class RuleChanges:
    """How two rule sets differ, as far as the shared answers go: whether the pack or a
    ``READ`` section changed, and by ``SELECTING`` section, the selectors of its changed
    items."""

    reads_changed: bool
    selectors: dict[str, Selectors]

    @classmethod
    def between(cls, first: RuleSet, second: RuleSet) -> RuleChanges:
        """The changes from ``first`` to ``second`` (worked out once per pair of rule sets)."""
        reads_changed = canonical_json(first.pack) != canonical_json(second.pack) or any(
            _changed(first, second, name) for name in READ
        )
        selectors = {}
        for name in SELECTING:
            changed = _changed(first, second, name)
            if changed:
                old = tuple(s.tests for was, _ in changed for item in was for s in _selectors(item))
                new = tuple(s.tests for _, now in changed for item in now for s in _selectors(item))
                selectors[name] = (old, new)
        return cls(reads_changed, selectors)


def _changed(first: RuleSet, second: RuleSet, section: str) -> list[tuple[list[Any], list[Any]]]:
    """The items of ``section`` that differ, key by key: (first's, second's) versions."""
    before, after = _by_key(first, section), _by_key(second, section)
    absent: tuple[list[Any], list[Any]] = ([], [])
    pairs = ((before.get(key, absent), after.get(key, absent)) for key in sorted(before | after))
    return [(was[0], now[0]) for was, now in pairs if was[1] != now[1]]


def _by_key(ruleset: RuleSet, section: str) -> dict[tuple[str, str], tuple[list[Any], list[Any]]]:
    """A section's items by key (id and start date), each with what identifies its content
    and place (canonical JSON; file, line and column, as rule references give them)."""
    found: dict[tuple[str, str], tuple[list[Any], list[Any]]] = {}
    for item in ruleset.items(section):
        items, marks = found.setdefault(item_key(item), ([], []))
        where = ruleset.where(item)
        items.append(item)
        marks.append((canonical_json(item), str(where)))
    return found


def _selectors(item: Any) -> tuple[schema.OutcomeMatch, ...]:
    if isinstance(item, schema.Subsumption):
        return item.levels
    selector: schema.OutcomeMatch = item.match
    return (selector,)


class Twins:
    """Which answers kept under ``first`` (the version in force's view of a date) hold under
    ``second`` (the draft's view of the same date)."""

    def __init__(self, changes: RuleChanges, first: RuleSetAt, second: RuleSetAt) -> None:
        self.changes = changes
        self.first = first
        self.second = second

    def shares(self, question: str, outcomes: Sequence[OutcomeFields]) -> bool:
        """Whether the answer to ``question`` about ``outcomes`` under ``first`` is the
        answer under ``second``."""
        if question not in _READS:
            return False
        sections = _READS[question]
        if self.changes.reads_changed:
            return False
        selectors = self.changes.selectors
        changed = [selectors[n] for n in sections if n in selectors]
        return not any(self._selected(s, outcome) for s in changed for outcome in outcomes)

    def _selected(self, selectors: Selectors, outcome: OutcomeFields) -> bool:
        """Whether one of the changed items' selectors (old or new) matches ``outcome``."""
        old, new = selectors
        return any(selector_matches(t, outcome, self.first) for t in old) or any(
            selector_matches(t, outcome, self.second) for t in new
        )
