"""Which learners a rule change can touch, from the semantic diff of two rule sets.

A learner is audited against one programme with its outcomes. A changed item can only move
that audit if:

- it is the programme itself, or a rule scoped to the whole programme (limits, recency,
  substitutes): every learner enrolled in it;
- it selects outcomes (recognitions, placements, exclusions, subsumptions, transfers): only
  learners holding an outcome its old or new selectors match (within its programmes, if it
  names any), since a rule whose selectors match none of a learner's outcomes offers, refuses
  and explains nothing for that learner (transfer precedence is per outcome and course);
- it is an equivalence: learners holding an academic course (routes chain through other
  equivalences, so the course codes alone do not bound them);
- anything else (the pack's policies, frameworks, ladders, issuers, grade scales,
  catalogues) may change any audit of the pack: every enrolled learner.

A learner with exceptions in force may be touched by any change (an equivalence or a course
moves where an exception applies), so such a learner is always audited. The database narrows
first (``narrowing``: the whole programmes, and learners holding an outcome of a kind some
selector names, or an exception), so an incremental impact reads only those enrolments; the
worker then matches every selector exactly.

``tests/service/test_impact_selection.py`` checks on random drafts that re-auditing only the
learners this selects gives exactly the report of re-auditing everyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from creditbank.domain import Outcome
from creditbank.engine.matching import matches
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSet, RuleSetAt
from creditbank.service.population import Narrowing
from creditbank.service.version_diff import changed_items

_WHOLE_PROGRAMME = ("limits", "recency", "substitutes")
_ANY_ACADEMIC_COURSE = schema.OutcomeMatch(kind=("academic_course",))


@dataclass(frozen=True)
class Reach:
    """Learners holding an outcome ``selector`` matches, in ``programmes`` (None: any)."""

    selector: schema.OutcomeMatch
    programmes: frozenset[str] | None


@dataclass(frozen=True)
class Touch:
    """What a change can touch: everyone, whole programmes, or outcomes in programmes."""

    everyone: bool
    programmes: frozenset[str]
    reaches: tuple[Reach, ...]

    def narrowing(self) -> Narrowing | None:
        """What the database can select for this change (None: it cannot narrow, e.g. a
        selector that names no kind of outcome)."""
        if self.everyone or any(not r.selector.kind for r in self.reaches):
            return None
        kinds = frozenset(k.value for r in self.reaches for k in r.selector.kind or ())
        return Narrowing(self.programmes, kinds)

    def candidate_programmes(self) -> frozenset[str] | None:
        """The programmes whose enrolled learners may be touched (None: any programme)."""
        if self.everyone or any(r.programmes is None for r in self.reaches):
            return None
        return self.programmes.union(*(r.programmes or () for r in self.reaches))

    def touches(
        self,
        programme: str,
        outcomes: Sequence[Outcome],
        views: Iterable[RuleSetAt],
        *,
        excepted: bool = False,
    ) -> bool:
        """Whether a learner enrolled in ``programme`` with ``outcomes`` may be audited
        differently. ``views``: both rule sets on the audit's date (selectors that read
        ladders or issuers are matched under each). A learner with exceptions (``excepted``)
        always may: any change to equivalences or courses can move where one applies."""
        if excepted or self.everyone or programme in self.programmes:
            return True
        near = [r for r in self.reaches if r.programmes is None or programme in r.programmes]
        if not near:
            return False
        views = list(views)
        return any(
            matches(r.selector, outcome, view)
            for r in near
            for outcome in outcomes
            for view in views
        )


def touch_of(old: RuleSet, new: RuleSet) -> Touch:
    """What changing ``old`` into ``new`` can touch."""
    if old.pack != new.pack:
        return Touch(True, frozenset(), ())
    programmes: set[str] = set()
    reaches: list[Reach] = []
    for change in changed_items(old, new):
        items = [i for i in (change.before, change.after) if i is not None]
        section = change.section
        if section == "programmes":
            programmes.update(i.id for i in items)
        elif section in _WHOLE_PROGRAMME:
            programmes.update(p for i in items for p in i.programme)
        elif section == "transfers":
            reaches += [
                Reach(part, frozenset(i.programme)) for i in items for part in i.from_.parts()
            ]
        elif section in ("recognitions", "placements", "exclusions"):
            reaches += [Reach(i.match, _programmes_of(i)) for i in items]
        elif section == "subsumptions":
            reaches += [Reach(level, None) for i in items for level in i.levels]
        elif section == "equivalences":
            reaches.append(Reach(_ANY_ACADEMIC_COURSE, None))
        else:
            return Touch(True, frozenset(), ())
    return Touch(False, frozenset(programmes), tuple(reaches))


def _programmes_of(item: object) -> frozenset[str] | None:
    named = getattr(item, "programme", None)
    return None if named is None else frozenset(named)
