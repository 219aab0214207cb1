"""``ledger verify`` and ``ledger checkpoint``: the bank checked against its ledger and
its signed checkpoints, and new checkpoints written.

What is checked, for every account (``store.integrity``): the hash chain; each outcome against
its deposit and its lifecycle entries; the heads the newest checkpoint recorded. For every
stored decision: its text against its digest, its inputs against its input digest, its
digest against the ledger's transfer entry. For every learner exception: its row against its
ledger entries. For every rule-set version: its sources against its digest. For the checkpoints: the newest one's signature with the public key, its root
against the heads stored for it, the chain of statements, and the checkpoint log kept outside
the database (its newest checkpoint must be in the database, unchanged).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from creditbank.errors import CreditBankError, NotFound
from creditbank.ruleset.loader import check_sources
from creditbank.service.audits import stored_decision_problems
from creditbank.service.exceptions import exception_problems
from creditbank.service.learners import learner_key
from creditbank.store import checkpoints
from creditbank.store.integrity import (
    CHUNK,
    AccountsCheck,
    Moved,
    Problem,
    account_chunks,
    check_accounts,
)
from creditbank.store.session import session_scope, transaction
from creditbank.store.tables import Checkpoint, DecisionRow, Learner, RuleSetVersion
from creditbank.text import printable


@dataclass
class IntegrityReport:
    """What ``ledger verify`` found: counts, problems, the checkpoint checked against, and
    the accounts whose chains grew since it."""

    entries: int = 0
    outcomes: int = 0
    decisions: int = 0
    versions: int = 0
    checkpoint: Checkpoint | None = None
    problems: list[Problem] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)


def accounts_to_check(engine: Engine, learner_id: str | None = None) -> int:
    """How many accounts ``verify_bank`` will check (for a progress bar)."""
    if learner_id is not None:
        return 1
    with session_scope(engine, read_only=True) as session:
        return session.scalar(select(func.count(Learner.id))) or 0


def verify_bank(
    engine: Engine,
    *,
    learner_id: str | None = None,
    public_key: Ed25519PublicKey | None = None,
    log: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> IntegrityReport:
    """Check everything (or one account) in one read-only snapshot; ``progress`` is called
    with the number of accounts just checked."""
    report = IntegrityReport()
    learner_id = None if learner_id is None else learner_key(learner_id)
    with session_scope(engine, read_only=True) as session:
        if learner_id is not None and session.get(Learner, learner_id) is None:
            raise NotFound("learner", learner_id)
        report.checkpoint = checkpoints.latest(session)
        report.problems.extend(_checkpoint_problems(session, report.checkpoint, public_key, log))
        versions = _check_versions(session, report, every=learner_id is None)
        checkpoint_id = report.checkpoint.id if report.checkpoint else None
        for chunk in account_chunks(session, learner_id):
            found = _accounts(session, chunk, checkpoint_id)
            report.entries += found.entries
            report.outcomes += found.outcomes
            report.problems.extend(found.problems)
            report.problems.extend(exception_problems(session, chunk))
            report.moved.extend(found.moved)
            _check_decisions(session, chunk, found, versions, report)
            if progress:
                progress(len(chunk))
    return report


def _accounts(session: Session, chunk: list[str], checkpoint_id: int | None) -> AccountsCheck:
    """``check_accounts``; a value written around the bank that cannot even be read (text in
    a date column, JSON that is not JSON) is narrowed down to its account and reported."""
    try:
        return check_accounts(session, chunk, checkpoint_id)
    except Exception as exc:
        if len(chunk) == 1:
            found = AccountsCheck()
            found.problems.append(Problem(chunk[0], "account", _unreadable(exc)))
            return found
    found = AccountsCheck()
    for learner_id in chunk:
        found.add(_accounts(session, [learner_id], checkpoint_id))
    return found


def _unreadable(exc: Exception) -> str:
    return (
        f"a stored value cannot be read ({type(exc).__name__}: {printable(str(exc))[:200]}); "
        "it was written around the bank"
    )


def _checkpoint_problems(
    session: Session,
    checkpoint: Checkpoint | None,
    public_key: Ed25519PublicKey | None,
    log: Path | None,
) -> list[Problem]:
    found = [
        Problem("", "checkpoint log", p)
        for p in _log_problems(session, log, public_key, checkpoint)
    ]
    if checkpoint is None:
        return found
    if public_key is None:
        problem = (
            "cannot be checked without the public key: set CREDITBANK_CHECKPOINT_PUBLIC_KEY "
            "(or CREDITBANK_CHECKPOINT_KEY)"
        )
        return [*found, Problem("", f"checkpoint {checkpoint.id}", problem)]
    try:
        found += [Problem("", "checkpoints", p) for p in checkpoints.problems(session, public_key)]
    except Exception as exc:
        found.append(Problem("", "checkpoints", _unreadable(exc)))
    found += [
        Problem(learner, "account", f"checkpoint {checkpoint.id} recorded it; it was removed")
        for learner in checkpoints.missing_accounts(session, checkpoint.id)
    ]
    return found


def _check_versions(
    session: Session, report: IntegrityReport, *, every: bool
) -> dict[int, str | None]:
    """Each stored version's digest, by id: its stored one if its sources still have it,
    else None. Only with ``every`` are the sources checked (and counted, and reported)."""
    digests: dict[int, str | None] = {}
    for version_id, digest in session.execute(select(RuleSetVersion.id, RuleSetVersion.digest)):
        digests[version_id] = digest
    if not every:
        return digests
    for version_id in sorted(digests):
        report.versions += 1
        try:
            version = session.get(RuleSetVersion, version_id)
            assert version is not None
            loaded = check_sources(version.sources).digest  # the content, whatever today's checks
        except Exception:
            loaded = ""
        if loaded != digests[version_id]:
            digests[version_id] = None
            report.problems.append(
                Problem(
                    "",
                    f"rule-set version {version_id}",
                    "its stored sources do not have its digest (they were changed)",
                )
            )
    return digests


def _check_decisions(
    session: Session,
    learner_ids: list[str],
    found: AccountsCheck,
    versions: dict[int, str | None],
    report: IntegrityReport,
) -> None:
    seen: set[int] = set()
    for row in _decision_rows(session, learner_ids, report):
        report.decisions += 1
        seen.add(row.id)
        try:
            problems = stored_decision_problems(
                row, found.transfers.get(row.id), versions.get(row.ruleset_version_id)
            )
        except Exception as exc:
            problems = [_unreadable(exc)]
        report.problems.extend(
            Problem(row.learner_id, f"decision {row.id}", problem) for problem in problems
        )
    for decision_id in sorted(set(found.transfers) - seen):
        report.problems.append(
            Problem(
                found.transfers[decision_id].learner_id,
                f"decision {decision_id}",
                "a transfer entry records it, but it is not stored for that account (removed "
                "or moved)",
            )
        )


def _decision_rows(
    session: Session, learner_ids: list[str], report: IntegrityReport
) -> list[DecisionRow]:
    """The accounts' stored decisions; one that cannot be read is narrowed down to its
    account and reported."""
    query = select(DecisionRow).where(DecisionRow.learner_id.in_(learner_ids))
    try:
        return list(session.scalars(query.order_by(DecisionRow.id)))
    except Exception as exc:
        if len(learner_ids) == 1:
            report.problems.append(Problem(learner_ids[0], "decisions", _unreadable(exc)))
            return []
    return [row for one in learner_ids for row in _decision_rows(session, [one], report)]


def write_checkpoint(
    engine: Engine,
    *,
    key: Ed25519PrivateKey,
    now: dt.datetime,
    log: Path | None = None,
    trusted: Ed25519PublicKey | None = None,
) -> Checkpoint | None:
    """Sign every account's head; None when no head moved since the newest checkpoint.
    Checked first, and refused if anything is wrong: the stored checkpoints (a checkpoint
    never builds on one that was tampered with, which would make the change permanent) and
    the accounts that moved (chains, outcomes, their recorded heads). With ``log``, the signed
    statement is also appended there (one JSON line), outside the database; the log must be
    writable before anything is signed. ``trusted`` checks the stored checkpoints (default:
    ``key``'s public half); a new key takes over by signing once with the old one trusted."""
    if log is not None:
        _writable(log)

    def work(session: Session) -> Checkpoint | None:
        previous = checkpoints.latest(session)
        problems = [
            Problem("", "checkpoints", p)
            for p in checkpoints.problems(session, trusted or key.public_key())
        ]
        moved = checkpoints.moved_accounts(session, previous)
        if previous is not None:
            problems += [
                Problem(i, "account", "removed since the last checkpoint")
                for i in checkpoints.missing_accounts(session, previous.id)
            ]
        if not moved and not problems and previous is not None:
            return None
        ids = [i for i, _seq, _head in moved]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            problems += check_accounts(session, chunk, previous.id if previous else None).problems
        if problems:
            lines = "\n".join(str(p) for p in problems[:20])
            raise CreditBankError(
                f"the ledger does not verify; no checkpoint was written:\n{lines}\n"
                "run `creditbank ledger verify` for the whole report",
                code="ledger.broken",
            )
        return checkpoints.append(session, previous, moved, key=key, now=now)

    try:
        checkpoint = transaction(engine, work, snapshot=True)
    except IntegrityError as exc:
        if "pk_checkpoints" not in str(exc.orig):
            raise
        # another process wrote the same checkpoint number first: build on it instead
        checkpoint = transaction(engine, work, snapshot=True)
    if checkpoint is not None and log is not None:
        _append_to_log(log, checkpoint)
    return checkpoint


def _writable(log: Path) -> None:
    try:
        with log.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise CreditBankError(
            f"cannot write the checkpoint log {log} ({exc.strerror}); no checkpoint was written",
            code="config.checkpoint_log",
        ) from None


def _append_to_log(log: Path, checkpoint: Checkpoint) -> None:
    line = json.dumps(
        {"statement": checkpoint.statement, "signature": checkpoint.signature},
        ensure_ascii=False,
    )
    with log.open("a", encoding="utf-8") as file:
        file.write(line + "\n")


def _log_problems(
    session: Session, log: Path | None, key: Ed25519PublicKey | None, newest: Checkpoint | None
) -> list[str]:
    """The log's newest checkpoint must be in the database with the same statement; a log
    that is configured must exist once there are checkpoints."""
    if log is None:
        return []
    try:
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    except FileNotFoundError:
        lines = []
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{log} cannot be read ({exc})"]
    if not lines:
        if newest is None:
            return []
        return [f"{log} holds no checkpoint, but the database has {newest.id} (the log was lost)"]
    try:
        last = json.loads(lines[-1])
        statement, signature = str(last["statement"]), str(last["signature"])
        number = int(json.loads(statement)["checkpoint"])
        if not 0 < number < 2**31:
            raise ValueError(number)
    except (ValueError, KeyError, TypeError):
        return [f"{log}: its last line is not a checkpoint written by the bank"]
    problems = []
    if key is not None:
        problems += checkpoints.signature_problems(number, statement, signature, key)
    stored = session.get(Checkpoint, number)
    if stored is None:
        problems.append(
            f"checkpoint {number}, the newest in {log}, is not in the database "
            "(checkpoints were removed)"
        )
    elif (stored.statement, stored.signature) != (statement, signature):
        problems.append(f"checkpoint {number} in the database differs from the one in {log}")
    return problems
