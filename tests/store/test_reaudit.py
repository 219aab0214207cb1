"""Re-audit after publishing (issue 16): new decisions for the learners a version affects,
each with its transfer entry; earlier decisions untouched; resumable without duplicates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from creditbank.service import audits, exceptions, reaudit, rulesets
from creditbank.store.session import session_scope
from creditbank.store.tables import DecisionRow, Enrolment, LedgerEntry, ReauditPartition
from tests.store import population
from tests.store.conftest import verified

FROM = dt.date(2025, 1, 1)
"""The new version takes effect after the first application date and before the second."""


def publish_raised_cap(engine: Engine, tmp_path: Path) -> int:
    sources = dict(population.SOURCES)
    sources["rules.yaml"] = sources["rules.yaml"].replace("max_credits: 3", "max_credits: 6")
    root = population.write_pack(tmp_path / "v2", sources)
    version = rulesets.load_draft(engine, root=root, actor="p", now=population.NOW)
    rulesets.publish(
        engine, version_id=version.id, effective_from=FROM, actor="p", now=population.NOW
    )
    return version.id


def decisions(engine: Engine) -> list[tuple[str, str, int]]:
    with session_scope(engine, read_only=True) as session:
        rows = session.execute(
            select(DecisionRow.learner_id, DecisionRow.programme, DecisionRow.ruleset_version_id)
        )
        return sorted(tuple(r) for r in rows)


def run(url: str, version_id: int, **options: Any) -> reaudit.Reaudit:
    return reaudit.run_reaudit(
        url, version_id=version_id, actor="registrar", now=population.NOW, **options
    )


def test_the_affected_learners_get_decisions_under_the_new_version(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    first = population.build(engine, tmp_path / "pack")
    second = publish_raised_cap(engine, tmp_path)
    done = run(db_url, second, partition=5)
    stored = decisions(engine)
    assert stored and done.decisions == len(stored) and done.previous_id == first
    assert {v for _l, _p, v in stored} == {second}
    assert len(set(stored)) == len(stored)
    assert done.changed and all(c["remaining_after"] != c["remaining_before"] for c in done.changed)
    with session_scope(engine, read_only=True) as session:
        for c in done.changed:
            entry = session.scalar(
                select(LedgerEntry).where(LedgerEntry.decision_id == c["decision"])
            )
            assert entry is not None and entry.ruleset_version_id == second
        dates = session.scalars(select(DecisionRow.application_date)).all()
    assert set(dates) == {dt.date(2025, 6, 1)}, "only applications under the new version"
    assert run(db_url, second, partition=5).decisions == done.decisions
    assert decisions(engine) == stored, "a second run stores nothing"
    assert verified(engine)[1] == []


def test_an_interrupted_run_does_the_rest_and_duplicates_nothing(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    population.build(engine, tmp_path / "pack")
    second = publish_raised_cap(engine, tmp_path)
    real, calls = reaudit.compute_audit, []

    def failing(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 12:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(reaudit, "compute_audit", failing)
    with pytest.raises(KeyboardInterrupt):
        run(db_url, second, partition=3)
    part_way = decisions(engine)
    with session_scope(engine, read_only=True) as session:
        done = session.scalar(select(func.count()).where(ReauditPartition.done_at.is_not(None)))
    assert part_way and done
    monkeypatch.setattr(reaudit, "compute_audit", real)
    finished = run(db_url, second, partition=3)
    stored = decisions(engine)
    assert len(set(stored)) == len(stored) == finished.decisions
    assert set(part_way) < set(stored)
    assert verified(engine)[1] == []


def test_a_learners_exceptions_are_applied_kept_with_the_decision_and_rerun(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    population.build(engine, tmp_path / "pack")
    with session_scope(engine, read_only=True) as session:
        learner = session.scalar(
            select(Enrolment.learner_id)
            .where(Enrolment.programme == "mech", Enrolment.enrolled_on == dt.date(2025, 6, 1))
            .order_by(Enrolment.id)
        )
    assert learner is not None
    waiver = exceptions.Grant("waiver", "mech", "requirement", "thesis", "project", FROM)
    exceptions.record_exception(
        engine, learner_id=learner, grant=waiver, actor="r", now=population.NOW
    )
    run(db_url, publish_raised_cap(engine, tmp_path))
    with session_scope(engine, read_only=True) as session:
        row = session.scalar(
            select(DecisionRow).where(
                DecisionRow.learner_id == learner, DecisionRow.programme == "mech"
            )
        )
        assert row is not None and isinstance(row.inputs, dict)
        assert '"exceptions":[{"id":"1"' in row.canonical
        assert audits.rerun_decision(session, row.id).reproduced
    assert verified(engine)[1] == []
