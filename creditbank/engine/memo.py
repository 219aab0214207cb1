"""What audits of the same outcomes on the same date share, whatever the programme.

``match`` audits one learner against every programme in force, and ``suggest`` re-audits a
learner with hypothetical outcomes added: each time, an outcome's recognition and the
screening checks that do not look at the programme give the same answer, and so do the
questions about the outcomes together (subsumption, duplicates) when the same ones are asked. A
:class:`LearnerMemo` keeps those answers for the audits of one such call. An answer is kept
with the outcome object it was computed for, under the memo's rule-set view and date, and
reused only for that same object under that same view and date, so a memo never hands one
outcome another's answer, nor an answer of another date (an outcome's record, which reads no
rules, is kept for the object under any view: :func:`record_of`). The outcomes as the input
digest writes them are kept too, for the same objects in the same order.

A draft's impact audits a learner under two rule sets: given :class:`Twins` of the two views,
the memo also hands the answers kept under the first view to the audit under the second, where
``twins.py`` shows they hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

from creditbank.domain import Outcome
from creditbank.engine.records import OutcomeFields, OutcomeRecord
from creditbank.engine.twins import Twins
from creditbank.ruleset.ruleset import RuleSetAt

T = TypeVar("T")
_Kept = tuple[tuple[OutcomeFields, ...], object]
"""Outcome objects, and the answer kept about them together."""


class LearnerMemo:
    """Answers about single outcomes under ``rules`` on ``on``, by question and outcome (kept
    and found by :func:`recall` and :func:`recall_of_many`), also given under ``twins.second``
    where ``twins`` (of ``rules`` and another view of ``on``) shows they hold."""

    def __init__(self, rules: RuleSetAt, on: dt.date, twins: Twins | None = None) -> None:
        assert twins is None or twins.first is rules, "twins of another view"
        self.rules = rules
        self.on = on
        self.twins = twins
        self._known: dict[tuple[str, str], tuple[OutcomeFields, object]] = {}
        self._known_of_many: dict[tuple[str, tuple[str, ...]], _Kept] = {}
        self._records: dict[int, tuple[Outcome, OutcomeRecord]] = {}
        self._written: tuple[tuple[Outcome, ...], bytes] | None = None

    def written(self, outcomes: Sequence[Outcome], write: Callable[[], bytes]) -> bytes:
        """``outcomes`` as the input digest writes them: ``write()`` the first time, the kept
        bytes while the same outcome objects come back (in the same order)."""
        known = self._written
        if (
            known is not None
            and len(known[0]) == len(outcomes)
            and all(a is b for a, b in zip(known[0], outcomes, strict=True))
        ):
            return known[1]
        text = write()
        self._written = (tuple(outcomes), text)
        return text


def record_of(memo: LearnerMemo | None, outcome: Outcome) -> OutcomeRecord:
    """``outcome``'s record, made once for the audits sharing ``memo`` (under any rules: a
    record reads none), so that they read the same record objects. Kept by the outcome
    object's identity, with the object, so the identity cannot pass to another: a lookup
    that costs less than reading the outcome's id from the model."""
    if memo is None:
        return OutcomeRecord(outcome)
    found = memo._records.get(id(outcome))
    if found is None:
        found = memo._records[id(outcome)] = (outcome, OutcomeRecord(outcome))
    return found[1]


def recall(
    memo: LearnerMemo | None,
    question: str,
    outcome: OutcomeFields,
    rules: RuleSetAt,
    on: dt.date,
    work: Callable[..., T],
    *args: object,
) -> T:
    """The answer to ``question`` about ``outcome`` under ``rules`` on ``on``: ``work(*args)``
    the first time (and each time without a memo, or when the view or the date is not the
    memo's or its twin's where it shares the answer), the answer ``memo`` kept after."""
    if memo is None or not _answers(memo, question, (outcome,), rules, on):
        return work(*args)
    key = (question, outcome.id)
    known = memo._known.get(key)
    if known is not None and known[0] is outcome:
        return cast(T, known[1])
    answer = work(*args)
    memo._known[key] = (outcome, answer)
    return answer


def recall_of_many(
    memo: LearnerMemo | None,
    question: str,
    outcomes: Sequence[OutcomeFields],
    rules: RuleSetAt,
    on: dt.date,
    work: Callable[..., T],
    *args: object,
) -> T:
    """The answer to ``question`` about ``outcomes`` together (which of them a higher rung
    subsumes, which repeat a course): as :func:`recall`, kept for the same outcome objects in
    the same order. The answer is shared: callers must not change it."""
    if memo is None or not _answers(memo, question, outcomes, rules, on):
        return work(*args)
    key = (question, tuple(o.id for o in outcomes))
    known = memo._known_of_many.get(key)
    if known is not None and all(a is b for a, b in zip(known[0], outcomes, strict=True)):
        return cast(T, known[1])
    answer = work(*args)
    memo._known_of_many[key] = (tuple(outcomes), answer)
    return answer


def _answers(
    memo: LearnerMemo,
    question: str,
    outcomes: Sequence[OutcomeFields],
    rules: RuleSetAt,
    on: dt.date,
) -> bool:
    """Whether ``memo`` keeps the answer to ``question`` about ``outcomes`` under ``rules`` on
    ``on``: its own view's, or its twin's when the answer holds under both."""
    if on != memo.on:
        return False
    if rules is memo.rules:
        return True
    twins = memo.twins
    return twins is not None and rules is twins.second and twins.shares(question, outcomes)
