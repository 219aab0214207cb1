"""Audits in the bank: computed without the database's write lock, stored only over the
inputs they read, under the version of the pack that defines the programme (issue 12)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from creditbank.engine.decision import Decision
from creditbank.errors import NotFound
from creditbank.service import audits, outcomes, rulesets
from creditbank.service.errors import Conflict
from tests.engine.small_rules import FRAME, RULES
from tests.store.conftest import NOW, Bank, submit, verified

ON = dt.date(2024, 1, 1)


def training(ext: str, learner: str = "L1") -> dict[str, Any]:
    return {"learner": learner, "external_id": ext, "date": "2023-06-01", "hours": 48}


def verify(bank: Bank, outcome_id: int) -> None:
    outcomes.change_status(bank.engine, outcome_id=outcome_id, action="verify", actor="r", now=NOW)


def audit(bank: Bank, learner_id: str = "L1", programme: str = "mech") -> tuple[int, Decision]:
    return audits.audit_learner(
        bank.engine, learner_id=learner_id, programme=programme, on=ON, actor="r", now=NOW
    )


def pause_computing(
    monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], None] | None = None
) -> tuple[threading.Event, threading.Event, list[int]]:
    """Make the audit's computation wait: ``started`` is set when it begins, it goes on when
    ``go`` is set (or first runs ``meanwhile``, once); returns them and the calls made."""
    started, go, calls = threading.Event(), threading.Event(), []
    real = audits.compute_audit

    def slow(*args: Any) -> Decision:
        calls.append(1)
        if len(calls) == 1:
            started.set()
            if meanwhile is not None:
                meanwhile()
            else:
                assert go.wait(30), "the test never let the audit go on"
        return real(*args)

    monkeypatch.setattr(audits, "compute_audit", slow)
    return started, go, calls


def test_a_batch_is_stored_while_an_audit_computes(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, an audit held the write lock while it computed (19 s for 40 certificates),
    and an unrelated import waited behind it."""
    submit(bank, [training("r1")])
    verify(bank, 1)
    started, go, _calls = pause_computing(monkeypatch)
    results: list[Any] = []
    auditing = threading.Thread(target=lambda: results.append(audit(bank)))
    auditing.start()
    try:
        assert started.wait(30)
        importing = threading.Thread(
            target=lambda: results.append(submit(bank, [training("r2", "L2")], key="other"))
        )
        importing.start()
        importing.join(10)
        assert not importing.is_alive(), "the import waited for the audit's computation"
    finally:
        go.set()
        auditing.join(30)
    batch, (_decision_id, decision) = results
    assert batch.accepted == 1
    assert decision.totals.transferred == 3
    assert verified(bank.engine)[1] == []


def test_an_account_that_moves_while_it_is_audited_is_audited_again(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(bank, [training("r1"), training("r2")])
    verify(bank, 1)
    _started, _go, calls = pause_computing(monkeypatch, meanwhile=lambda: verify(bank, 2))
    _id, decision = audit(bank)
    assert len(calls) == 2  # the first result was computed over outcomes that changed
    used = {o for grant in decision.grants for o in grant.outcomes} | {
        u.outcome for u in decision.unused
    }
    assert used == {"acme:r1", "acme:r2"}  # the outcome verified meanwhile is in the decision


def test_an_account_that_keeps_moving_is_refused_not_stored_stale(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(bank, [training(f"r{i}") for i in range(1, 5)])
    pending = iter(range(1, 5))
    real = audits.compute_audit

    def moving(*args: Any) -> Decision:
        verify(bank, next(pending))
        return real(*args)

    monkeypatch.setattr(audits, "compute_audit", moving)
    with pytest.raises(Conflict, match="kept changing") as refused:
        audit(bank)
    assert refused.value.code == "audit.busy"


def other_pack(root: Path) -> Path:
    """A second rule set: pack 'other', whose programme is 'mech2'."""
    root.mkdir()
    (root / "frame.yaml").write_text(
        FRAME.replace("id: small", "id: other").replace("id: mech\n", "id: mech2\n"),
        encoding="utf-8",
    )
    (root / "rules.yaml").write_text(
        RULES.replace("programme: mech\n", "programme: mech2\n"), encoding="utf-8"
    )
    return root


def publish(bank: Bank, root: Path, on: dt.date) -> int:
    version = rulesets.load_draft(bank.engine, root=root, actor="policy", now=NOW)
    rulesets.publish(bank.engine, version_id=version.id, effective_from=on, actor="p", now=NOW)
    return version.id


def test_publishing_one_pack_leaves_the_others_programmes_audited_under_their_own(
    bank: Bank, tmp_path: Path
) -> None:
    submit(bank, [training("r1")])
    verify(bank, 1)
    other = publish(bank, other_pack(tmp_path / "other"), dt.date(2023, 1, 1))  # the newest
    decision_id, decision = audit(bank, programme="mech")
    assert decision.ruleset == "small"
    _, in_other = audit(bank, programme="mech2")
    assert in_other.ruleset == "other"
    assert other != bank.version_id
    with pytest.raises(NotFound, match="no rule set in force on 2024-01-01 defines it"):
        audit(bank, programme="nowhere")
    assert decision_id > 0


def test_a_programme_defined_by_two_packs_in_force_is_refused(bank: Bank, tmp_path: Path) -> None:
    root = other_pack(tmp_path / "other")
    (root / "frame.yaml").write_text(
        FRAME.replace("id: small", "id: other"), encoding="utf-8"
    )  # the same programme id 'mech' as the bank's pack
    (root / "rules.yaml").write_text(RULES, encoding="utf-8")
    publish(bank, root, dt.date(2023, 1, 1))
    with pytest.raises(Conflict, match="defined by 2 rule sets") as refused:
        audit(bank)
    assert refused.value.code == "programme.ambiguous"


def test_an_account_with_more_outcomes_than_an_audit_takes_is_told_so(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(bank, [training("r1"), training("r2"), training("r3")])
    for outcome_id in (1, 2, 3):
        verify(bank, outcome_id)
    monkeypatch.setattr(audits, "MAX_OUTCOMES", 2)
    with pytest.raises(
        Conflict, match="has 3 verified or recognised outcomes; an audit takes at most 2"
    ):
        audit(bank)
