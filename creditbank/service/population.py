"""The enrolled population, read in partitions of enrolments (by id bounds), so a worker
can read its own share from the database given only the bounds.

An enrolment is one learner applying to one programme on a date: the audit it stands for is
that learner's usable outcomes against that programme on that date.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from creditbank.domain import LearnerException, Outcome
from creditbank.service.audits import USABLE
from creditbank.service.exceptions import in_force_by_learner
from creditbank.service.outcomes import (
    LEARNER,
    ROW_ID,
    STORED_COLUMNS,
    engine_outcome_of_columns,
)
from creditbank.store.tables import Enrolment, LearnerExceptionRow, OutcomeRow

Columns = TypeVarTuple("Columns")
"""What a query of enrolments selects (``_enrolments`` narrows it, whatever its columns)."""

PARTITION = 2_000
"""Enrolments a partition holds at most by default: large enough that reading and compiling
per partition is small beside its audits, small enough that a lost worker loses little."""
SPREAD, SMALLEST = 8, 1_000
"""Fewer enrolments than ``SPREAD`` full partitions are spread over ``SPREAD`` partitions
(none smaller than ``SMALLEST``), so a small or narrowed run still keeps every worker busy."""


@dataclass(frozen=True)
class Enrolled:
    """An enrolment with the learner's usable outcomes (ids of their rows in ``row_ids``) and
    exceptions in force."""

    enrolment_id: int
    learner_id: str
    programme: str
    enrolled_on: dt.date
    outcomes: tuple[Outcome, ...]
    row_ids: tuple[int, ...]
    exceptions: tuple[LearnerException, ...] = ()


@dataclass(frozen=True)
class Narrowing:
    """Only the enrolments a change can reach, found by the database: those in ``whole``
    programmes, and those whose learner holds a usable outcome of one of ``kinds`` or an
    exception in force (a superset: the worker then matches each selector exactly)."""

    whole: frozenset[str]
    kinds: frozenset[str]


@dataclass(frozen=True)
class Bounds:
    """Enrolment ids ``first`` to ``last`` (inclusive) and how many enrolments that is."""

    first: int
    last: int
    count: int


def _enrolments(
    query: Select[*Columns], programmes: Collection[str] | None, narrowing: Narrowing | None
) -> Select[*Columns]:
    if programmes is not None:
        query = query.where(Enrolment.programme.in_(sorted(programmes)))
    if narrowing is not None:
        holds = (
            select(OutcomeRow.id)
            .where(
                OutcomeRow.learner_id == Enrolment.learner_id,
                OutcomeRow.kind.in_(sorted(narrowing.kinds)),
                OutcomeRow.status.in_(USABLE),
            )
            .exists()
        )
        excepted = (
            select(LearnerExceptionRow.id)
            .where(
                LearnerExceptionRow.learner_id == Enrolment.learner_id,
                LearnerExceptionRow.withdrawn_at.is_(None),
            )
            .exists()
        )
        query = query.where(or_(Enrolment.programme.in_(sorted(narrowing.whole)), holds, excepted))
    return query


def partitions(
    session: Session,
    programmes: Collection[str] | None,
    size: int = PARTITION,
    narrowing: Narrowing | None = None,
) -> list[Bounds]:
    """Consecutive id bounds of the enrolments in ``programmes`` (None: all) that
    ``narrowing`` keeps (None: all), at most ``size`` each (see ``SPREAD``)."""
    if programmes is not None and not programmes:
        return []
    query = _enrolments(select(Enrolment.id), programmes, narrowing)
    ids = list(session.scalars(query.order_by(Enrolment.id)))
    size = max(min(size, -(-len(ids) // SPREAD)), min(size, SMALLEST))
    return [
        Bounds(ids[i], ids[min(i + size, len(ids)) - 1], min(size, len(ids) - i))
        for i in range(0, len(ids), size)
    ]


def read_partition(
    session: Session,
    bounds: Bounds,
    programmes: Collection[str] | None,
    narrowing: Narrowing | None = None,
) -> list[Enrolled]:
    """The enrolments within ``bounds`` (in ``programmes``, None: all, kept by
    ``narrowing``) with their learners' usable outcomes and exceptions, in enrolment id
    order: a few queries, whatever the partition's size."""
    with _collector_paused():
        return _read(session, bounds, programmes, narrowing)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a partition is read: the rows and
    outcomes read (some 200,000 objects for 2,000 learners) all stay alive and hold no
    cycles, yet the collector traverses them again and again as they pile up, for about 40%
    of the reading (scripts/bench_population.py's floor). It runs again after, if it ran
    before (another thread's pause only delays a collection)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(
    session: Session,
    bounds: Bounds,
    programmes: Collection[str] | None,
    narrowing: Narrowing | None,
) -> list[Enrolled]:
    columns = select(Enrolment.id, Enrolment.learner_id, Enrolment.programme, Enrolment.enrolled_on)
    within = columns.where(Enrolment.id.between(bounds.first, bounds.last))
    query = _enrolments(within, programmes, narrowing)
    enrolments = list(session.execute(query.order_by(Enrolment.id)))
    learners = sorted({learner for _, learner, _, _ in enrolments})
    held: dict[str, list[Any]] = defaultdict(list)
    for start in range(0, len(learners), 500):  # bound the statement's parameters
        rows = session.execute(
            select(*STORED_COLUMNS)
            .where(
                OutcomeRow.learner_id.in_(learners[start : start + 500]),
                OutcomeRow.status.in_(USABLE),
            )
            .order_by(OutcomeRow.id)
        )
        for row in rows:
            held[row[LEARNER]].append(row)
    converted = {
        learner: (tuple(engine_outcome_of_columns(r) for r in rows), tuple(r[ROW_ID] for r in rows))
        for learner, rows in held.items()
    }
    excepted = in_force_by_learner(session, learners, vouch=False)
    return [
        Enrolled(
            enrolment,
            learner,
            programme,
            enrolled_on,
            *converted.get(learner, ((), ())),
            tuple(excepted.get(learner, ())),
        )
        for enrolment, learner, programme, enrolled_on in enrolments
    ]
