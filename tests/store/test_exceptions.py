"""Learner exceptions in the bank: recorded and withdrawn with ledger entries, applied by
every audit, kept with a stored decision's inputs, and refused when written around the
ledger or outside the granting institution's programmes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from creditbank.errors import CreditBankError, InputInvalid, NotFound
from creditbank.service import audits, enrolments, rulesets
from creditbank.service.errors import Conflict
from creditbank.service.exceptions import (
    Grant,
    exceptions_of,
    record_exception,
    withdraw_exception,
)
from creditbank.service.population import Bounds, read_partition
from creditbank.store.session import session_scope
from creditbank.store.tables import LearnerExceptionRow, LedgerEntry
from tests.engine.test_exceptions import POLY
from tests.store.conftest import NOW, Bank, submit, verified, write_small_pack
from tests.store.test_audits import ON, audit, training, verify

SUBSTITUTE_M3 = Grant("substitution", "mech", "course", "M3", "drawing shown at work", ON, 1)
WAIVE_THESIS = Grant("waiver", "mech", "requirement", "thesis", "industry project", ON)


def record(bank: Bank, grant: Grant, learner: str = "L1", **options: str) -> int:
    return record_exception(
        bank.engine, learner_id=learner, grant=grant, actor="registrar", now=NOW, **options
    ).id


def stored_counts(bank: Bank) -> tuple[int, int]:
    with session_scope(bank.engine, read_only=True) as session:
        rows = session.scalar(select(func.count()).select_from(LearnerExceptionRow)) or 0
        entries = session.scalar(select(func.count()).select_from(LedgerEntry)) or 0
    return rows, entries


@pytest.fixture
def trained(bank: Bank) -> Bank:
    """L1 with one verified enterprise training (3 credits, to electives by the rules)."""
    submit(bank, [training("r1")])
    verify(bank, 1)
    return bank


def test_a_substitution_is_applied_by_the_audit_and_the_decision_reruns(trained: Bank) -> None:
    _, before = audit(trained)
    assert before.totals.transferred == 3
    record(trained, SUBSTITUTE_M3)
    decision_id, decision = audit(trained)
    [applied] = decision.exceptions
    assert applied.applied and applied.target == "M3" and applied.outcome == "acme:r1"
    assert decision.totals.by_exception == 2 and decision.totals.transferred == 0
    assert verified(trained.engine)[1] == []
    with session_scope(trained.engine, read_only=True) as session:
        rerun = audits.rerun_decision(session, decision_id)
    assert rerun.reproduced, rerun.problems


def test_a_withdrawn_exception_stays_on_record_and_no_longer_applies(trained: Bank) -> None:
    ident = record(trained, WAIVE_THESIS)
    assert next(r for r in audit(trained)[1].requirements if r.id == "thesis").met
    with pytest.raises(Conflict, match="give the reason"):
        withdraw_exception(trained.engine, exception_id=ident, reason=" ", actor="r", now=NOW)
    withdraw_exception(
        trained.engine, exception_id=ident, reason="granted in error", actor="r", now=NOW
    )
    decision = audit(trained)[1]
    assert decision.exceptions == ()
    assert not next(r for r in decision.requirements if r.id == "thesis").met
    with session_scope(trained.engine, read_only=True) as session:
        [info] = exceptions_of(session, "L1")
    assert info.withdrawn_reason == "granted in error" and info.withdrawn_by == "r"
    with pytest.raises(Conflict, match="already withdrawn"):
        withdraw_exception(trained.engine, exception_id=ident, reason="again", actor="r", now=NOW)
    assert verified(trained.engine)[1] == []


@pytest.mark.parametrize(
    ("grant", "error", "message"),
    [
        (Grant("waiver", "mech", "course", "Z9", "r", ON), InputInvalid, "not a course of"),
        (Grant("waiver", "mech", "category", "core", "r", ON), InputInvalid, "granted on a"),
        (Grant("petition", "mech", "category", "core", "r", ON), InputInvalid, "how many"),
        (Grant("waiver", "nowhere", "course", "M1", "r", ON), CreditBankError, "nowhere"),
        (Grant("substitution", "mech", "course", "M1", "r", ON, 99), NotFound, "outcome '99'"),
        (Grant("substitution", "mech", "course", "M1", "r", ON, 2), Conflict, "is submitted"),
        (Grant("waiver", "mech", "course", "M1", "", ON), InputInvalid, "reason"),
        (
            Grant("petition", "mech", "category", "core", "r", ON, credits=Decimal("9" * 60)),
            InputInvalid,
            "no more than 12 digits",
        ),
        (Grant("x" * 300, "mech", "course", "M1", "r", ON), InputInvalid, "'waiver'"),
    ],
)
def test_a_wrong_exception_says_what_is_wrong_and_stores_nothing(
    trained: Bank, grant: Grant, error: type[Exception], message: str
) -> None:
    submit(trained, [training("r2")], key="k2")  # outcome 2, not verified
    before = stored_counts(trained)
    with pytest.raises(error, match=message):
        record(trained, grant)
    assert stored_counts(trained) == before


def test_an_outcome_of_another_learner_cannot_carry_an_exception(trained: Bank) -> None:
    with pytest.raises(NotFound, match="not an outcome of 'L2'"):
        record(trained, SUBSTITUTE_M3, learner="L2")


def test_only_the_programmes_institution_grants_to_its_enrolled_learners(trained: Bank) -> None:
    with pytest.raises(NotFound, match="learner 'L1'"):
        record(trained, WAIVE_THESIS, granted_by="ou")
    enrolments.enrol(trained.engine, learner_id="L1", programme="mech", on=ON, now=NOW)
    ident = record(trained, WAIVE_THESIS, granted_by="ou")
    with pytest.raises(NotFound):
        withdraw_exception(
            trained.engine, exception_id=ident, reason="r", actor="x", now=NOW, granted_by="poly"
        )


@pytest.mark.parametrize(
    "tamper",
    [
        update(LearnerExceptionRow).values(target="M1"),
        update(LearnerExceptionRow).values(withdrawn_at=NOW),
        delete(LearnerExceptionRow),
    ],
    ids=["changed", "withdrawn", "deleted"],
)
def test_an_exception_written_around_the_ledger_stops_the_audit(
    trained: Bank, tamper: object
) -> None:
    record(trained, SUBSTITUTE_M3)
    with trained.engine.begin() as connection:
        connection.execute(tamper)  # type: ignore[call-overload]
    with pytest.raises(CreditBankError, match="not what the ledger vouches for") as caught:
        audit(trained)
    assert caught.value.code == "ledger.mismatch"
    assert any(p.startswith("L1 exception 1: ") for p in verified(trained.engine)[1])


def test_an_exception_row_added_around_the_ledger_stops_the_audit(trained: Bank) -> None:
    record(trained, WAIVE_THESIS)
    with trained.engine.begin() as connection:
        connection.execute(
            LearnerExceptionRow.__table__.insert().values(
                learner_id="L1",
                kind="petition",
                programme="mech",
                target_kind="category",
                target="core",
                institution="ou",
                credits="9",
                reason="forged",
                actor="nobody",
                created_at=NOW,
            )
        )
    with pytest.raises(CreditBankError, match="is not what its ledger entry recorded"):
        audit(trained)
    assert verified(trained.engine)[1] == [
        "L1 exception 2: it is not what its ledger entry recorded (written or changed around "
        "the ledger)"
    ]


def test_population_reads_carry_each_learners_exceptions(trained: Bank) -> None:
    for learner in ("L1", "L2"):
        enrolments.enrol(trained.engine, learner_id=learner, programme="mech", on=ON, now=NOW)
    petition = Grant("petition", "mech", "category", "core", "portfolio", ON, credits=Decimal(2))
    record(trained, petition)
    with session_scope(trained.engine, read_only=True) as session:
        enrolled = read_partition(session, Bounds(1, 2, 2), None)
    assert [len(e.exceptions) for e in enrolled] == [1, 0]
    assert enrolled[0].exceptions[0].credits == 2


def test_an_exception_granted_for_a_date_is_checked_against_that_dates_programme(
    trained: Bank,
) -> None:
    with pytest.raises(CreditBankError, match="mech"):
        record(trained, Grant("waiver", "mech", "course", "M1", "r", dt.date(2019, 1, 1)))


def test_an_institution_grants_nothing_in_another_institutions_programme(
    trained: Bank, tmp_path: Path
) -> None:
    root = write_small_pack(tmp_path / "with-poly")
    (root / "extra.yaml").write_text(POLY, encoding="utf-8")
    draft = rulesets.load_draft(trained.engine, root=root, actor="policy", now=NOW)
    rulesets.publish(
        trained.engine, version_id=draft.id, effective_from=ON, actor="policy", now=NOW
    )
    enrolments.enrol(trained.engine, learner_id="L1", programme="pmech", on=ON, now=NOW)
    with pytest.raises(CreditBankError, match="programme 'mech' is ou's") as caught:
        record(trained, WAIVE_THESIS, granted_by="poly")
    assert caught.value.code == "exception.not_your_programme"
    record(trained, Grant("waiver", "pmech", "course", "P2", "r", ON), granted_by="poly")
    decision = audit(trained, programme="pmech")[1]
    assert [s.target for s in decision.exceptions] == ["P2"]
