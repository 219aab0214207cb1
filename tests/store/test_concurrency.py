"""Concurrency and crash safety with real processes (multiprocessing, 'spawn').

Every test runs on each database of the ``db_url`` fixture. Child processes run module-level
functions that build their own engine with ``make_engine(url)``; they report back through a
queue, and a child that hangs or dies fails the test with a clear message instead of hanging it.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import queue
import signal
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from creditbank.service import accounts, outcomes, submissions
from creditbank.service.errors import Conflict
from creditbank.store.session import make_engine, session_scope
from creditbank.store.tables import Batch, Learner, LedgerEntry, OutcomeRow
from tests.store.conftest import NOW, Bank, verified

SPAWN = mp.get_context("spawn")
CHILD_TIMEOUT = 120.0
"""Seconds a group of children may take before the test fails as hung (normally a few)."""
BARRIER_TIMEOUT = 60.0
BIG_BATCH = 20_500
"""Rows of the batch killed mid-way: about a second of work, 0.4 s or more of it after the
last rows are validated (SQLite; more on PostgreSQL); not a multiple of 1000, so the
submission's last progress call comes after its inserts, just before the commit."""


# ----------------------------------------------------------------------------- rows, counts


def training(learner: str, ext: str, hours: int = 48) -> dict[str, Any]:
    return {
        "learner": learner,
        "external_id": ext,
        "kind": "enterprise_training",
        "date": "2023-06-01",
        "hours": hours,
        "title": f"Course {ext}",
    }


def counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {
            "batches": s.scalar(select(func.count()).select_from(Batch)) or 0,
            "outcomes": s.scalar(select(func.count()).select_from(OutcomeRow)) or 0,
            "ledger": s.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
        }


# ------------------------------------------------------------------- children (module level)


def _child(
    job: Callable[..., Any],
    url: str,
    barrier: Any,
    results: Any,
    tag: str,
    args: tuple[Any, ...],
) -> None:
    """Connect, wait for the others, run ``job(engine, *args)`` and report its result."""
    engine = make_engine(url)
    try:
        with engine.connect():
            pass  # connect before the barrier, so that every child starts its work at once
        barrier.wait(BARRIER_TIMEOUT)
        results.put((tag, "ok", job(engine, *args)))
    except BaseException as exc:
        code = getattr(exc, "code", "")
        results.put((tag, "error", f"{type(exc).__name__}({code}): {exc}"[:600]))
    finally:
        engine.dispose()


def _job_submit(engine: Engine, key: str, rows: list[dict[str, Any]]) -> tuple[int, int, bool]:
    result = submissions.submit_batch(
        engine, issuer_id="acme", idempotency_key=key, rows=rows, submitter="acme-hr", now=NOW
    )
    return result.batch_id, result.accepted, result.replayed


def _job_work_on_l1(
    engine: Engine,
    key: str,
    rows: list[dict[str, Any]],
    outcome_ids: list[int],
    recognise_every: int,
) -> tuple[tuple[int, int, bool], list[int], int, int]:
    """Write to L1 in every way at once with the others: verify the outcomes in
    ``outcome_ids`` (one another process verified first is a Conflict), submitting our own
    batch half-way, and recognise L1's verified outcomes every ``recognise_every`` steps.
    Return the batch's answer, the outcomes this process verified, the conflicts met, and how
    many outcomes it recognised."""
    batch: tuple[int, int, bool] | None = None
    verified, conflicts, recognised = [], 0, 0
    for number, outcome_id in enumerate(outcome_ids, start=1):
        if number == len(outcome_ids) // 2:
            batch = _job_submit(engine, key, rows)
        if recognise_every and number % recognise_every == 0:
            report = outcomes.recognise(
                engine, learner_id="L1", on=dt.date(2024, 1, 1), actor="registrar", now=NOW
            )
            recognised += sum(r["status"] == "recognised" for r in report)
        try:
            outcomes.change_status(
                engine, outcome_id=outcome_id, action="verify", actor="registrar", now=NOW
            )
        except Conflict as exc:
            if exc.code != "outcome.wrong_state":
                raise
            conflicts += 1
        else:
            verified.append(outcome_id)
    assert batch is not None
    return batch, verified, conflicts, recognised


def _big_batch_child(
    url: str, key: str, rows: list[dict[str, Any]], kill_point: str, ready: Any
) -> None:
    """Submit a large batch; set ``ready`` at ``kill_point`` (the parent then SIGKILLs us).

    ``inserting``: after the last rows are validated, and carry on into the inserts.
    ``before_commit``: after everything is inserted, then wait to be killed (never commit).
    """
    engine = make_engine(url)
    done = 0
    validated = len(rows) - len(rows) % 1000

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if kill_point == "inserting" and done == validated:
            ready.set()
        elif kill_point == "before_commit" and done == len(rows):
            ready.set()
            time.sleep(CHILD_TIMEOUT)

    submissions.submit_batch(
        engine,
        issuer_id="acme",
        idempotency_key=key,
        rows=rows,
        submitter="acme-hr",
        now=NOW,
        progress=progress,
    )


# ------------------------------------------------------------------------------ the harness


def run_together(
    url: str, jobs: Sequence[tuple[str, Callable[..., Any], tuple[Any, ...]]], *, check: bool = True
) -> dict[str, Any]:
    """Run each ``(tag, job, args)`` in its own spawned process, all released at once by a
    barrier; return every job's result by tag, or fail with what went wrong (with
    ``check=False``: every job's ``("ok", result)`` or ``("error", message)`` by tag)."""
    barrier = SPAWN.Barrier(len(jobs))
    results = SPAWN.Queue()
    procs = {
        tag: SPAWN.Process(
            target=_child,
            args=(job, url, barrier, results, tag, args),
            name=f"creditbank-test-{tag}",
            daemon=True,
        )
        for tag, job, args in jobs
    }
    for proc in procs.values():
        proc.start()
    deadline = time.monotonic() + CHILD_TIMEOUT
    got: dict[str, tuple[str, Any]] = {}
    try:
        while len(got) < len(procs):
            try:
                tag, status, value = results.get(timeout=0.5)
            except queue.Empty:
                # A child that died without a word (crash, import error) fails fast; one that
                # is still running fails at the deadline.
                dead = {
                    t: p.exitcode for t, p in procs.items() if t not in got and not p.is_alive()
                }
                if dead:
                    try:
                        tag, status, value = results.get(timeout=1.0)
                    except queue.Empty:
                        pytest.fail(f"child process(es) died without a result: exit codes {dead}")
                elif time.monotonic() > deadline:
                    hung = sorted(set(procs) - set(got))
                    pytest.fail(f"child process(es) {hung} hung: no result in {CHILD_TIMEOUT}s")
                else:
                    continue
            got[tag] = (status, value)
    finally:
        for proc in procs.values():
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=10)
        results.close()
    if not check:
        return got
    errors = {tag: value for tag, (status, value) in got.items() if status != "ok"}
    assert not errors, f"child process(es) failed: {errors}"
    return {tag: value for tag, (_, value) in got.items()}


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


# ---------------------------------------------------------------------------------- tests


def test_the_same_batch_sent_by_several_processes_at_once_is_stored_once(
    bank: Bank,
) -> None:
    size, senders = 300, 3
    rows = [training(f"L{i % 3 + 1}", f"same{i}") for i in range(size)]
    answers = run_together(
        bank.url,
        [(f"sender{n}", _job_submit, ("same-key", rows)) for n in range(senders)],
        check=False,
    )

    failed = {tag: value for tag, (status, value) in answers.items() if status != "ok"}
    assert not failed, f"every sender must get the batch's result, not an error: {failed}"
    results = sorted((value for _, value in answers.values()), key=lambda r: r[2])
    assert len({batch_id for batch_id, _, _ in results}) == 1, results
    assert [(accepted, replayed) for _, accepted, replayed in results] == [(size, False)] + [
        (size, True)
    ] * (senders - 1)
    assert counts(bank.engine) == {"batches": 1, "outcomes": size, "ledger": size}
    with session_scope(bank.engine) as s:
        kinds = s.execute(select(LedgerEntry.kind, func.count()).group_by(LedgerEntry.kind)).all()
        in_batch = s.scalar(
            select(func.count()).select_from(OutcomeRow).where(OutcomeRow.batch_id == results[0][0])
        )
    assert dict(kinds) == {"deposit": size}
    assert in_batch == size
    assert verified(bank.engine) == (size, [])


def test_many_writers_on_one_account_keep_its_chain_whole(bank: Bank) -> None:
    # Outcomes to verify, stored first; then, all at once, three processes each verify all of
    # them in the same order (so that they race for each one), submit their own batch for L1
    # half-way, and one of them recognises L1's verified outcomes every few steps.
    seeded, per_batch, workers = 30, 50, 3
    submissions.submit_batch(
        bank.engine,
        issuer_id="acme",
        idempotency_key="seed",
        rows=[training("L1", f"seed{i}", hours=48) for i in range(seeded)],
        submitter="acme-hr",
        now=NOW,
    )
    with session_scope(bank.engine) as s:
        seed_ids = list(s.scalars(select(OutcomeRow.id).order_by(OutcomeRow.id)))
    jobs: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = []
    for n in range(workers):
        jobs.append(
            (
                f"worker{n}",
                _job_work_on_l1,
                (
                    f"key{n}",
                    [training("L1", f"b{n}-{i}", hours=16) for i in range(per_batch)],
                    seed_ids,
                    4 if n == 0 else 0,
                ),
            )
        )
    results = list(run_together(bank.url, jobs).values())

    batches = [batch for batch, _, _, _ in results]
    assert len({batch_id for batch_id, _, _ in batches}) == workers
    assert all(batch[1:] == (per_batch, False) for batch in batches)
    verified_ids = sorted(i for _, ids, _, _ in results for i in ids)
    assert verified_ids == seed_ids, "each outcome must be verified exactly once"
    conflicts = sum(c for _, _, c, _ in results)
    assert conflicts == seeded * (workers - 1), "the other verifiers must see a Conflict"
    late = outcomes.recognise(
        bank.engine, learner_id="L1", on=dt.date(2024, 1, 1), actor="registrar", now=NOW
    )
    recognised = sum(r for _, _, _, r in results) + sum(r["status"] == "recognised" for r in late)
    assert recognised == seeded, "each verified outcome must be recognised exactly once"

    deposits = seeded + workers * per_batch
    total = deposits + seeded + seeded  # deposits, verifications, recognitions
    with session_scope(bank.engine) as s:
        seqs = list(
            s.scalars(
                select(LedgerEntry.seq)
                .where(LedgerEntry.learner_id == "L1")
                .order_by(LedgerEntry.seq)
            )
        )
        head = s.get(Learner, "L1")
        assert head is not None
        assert (head.ledger_seq, len(head.ledger_head)) == (total, 64)
        account = accounts.statement(s, "L1")
    checked, breaks = verified(bank.engine, "L1")
    assert seqs == list(range(1, total + 1))
    assert (checked, breaks) == (total, [])
    assert verified(bank.engine) == (total, [])
    kinds: dict[str, int] = {}
    for entry in account.ledger:
        kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
    assert kinds == {"deposit": deposits, "verification": seeded, "recognition": seeded}
    assert len(account.outcomes) == deposits
    statuses = [o["status"] for o in account.outcomes]
    assert statuses.count("recognised") == seeded
    assert statuses.count("submitted") == workers * per_batch
    assert account.total_credits == Decimal(3) * seeded  # 48 hours at 16 hours a credit
    assert sum(Decimal(o["credits"]) for o in account.outcomes if o["credits"]) == (
        account.total_credits
    )
    assert sum(account.credits_by_kind.values()) == account.total_credits


@pytest.mark.parametrize("kill_point", ["inserting", "before_commit"])
def test_a_process_killed_inside_a_large_batch_leaves_nothing_behind(
    bank: Bank, kill_point: str
) -> None:
    rows = [training(f"L{i % 3 + 1}", f"big{i}", hours=16) for i in range(BIG_BATCH)]
    sqlite_file = None if is_postgres(bank.url) else Path(bank.url.removeprefix("sqlite:///"))
    bank.engine.dispose()  # the killed child is then the database's only user, as after a crash
    ready = SPAWN.Event()
    child = SPAWN.Process(
        target=_big_batch_child,
        args=(bank.url, "big", rows, kill_point, ready),
        name="creditbank-test-big-batch",
        daemon=True,
    )
    child.start()
    try:
        if not ready.wait(CHILD_TIMEOUT):
            pytest.fail(f"the child never reached '{kill_point}' (exit code {child.exitcode})")
        if kill_point == "inserting":
            time.sleep(0.1)  # inside the inserts (see BIG_BATCH)
        assert child.is_alive(), (
            f"the child ended (exit code {child.exitcode}) before it could be killed"
        )
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
        assert child.exitcode == -signal.SIGKILL, (
            f"the child was not killed mid-batch (exit code {child.exitcode}); "
            "it may have finished first"
        )
    finally:
        if child.is_alive():
            child.kill()
            child.join(timeout=10)

    if sqlite_file is not None:
        assert Path(f"{sqlite_file}-wal").exists(), "a killed SQLite writer leaves its WAL"
        kwargs: dict[str, Any] = {}
    else:
        # A lock the killed session still held would make the next writer wait: fail instead.
        kwargs = {"connect_args": {"options": "-c lock_timeout=30000"}}
    fresh = make_engine(bank.url, **kwargs)  # a new connection recovers what the child left
    try:
        if sqlite_file is not None:
            with fresh.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert counts(fresh) == {"batches": 0, "outcomes": 0, "ledger": 0}
        with session_scope(fresh) as s:
            heads = s.execute(select(Learner.id, Learner.ledger_seq, Learner.ledger_head)).all()
        assert sorted(heads) == [("L1", 0, ""), ("L2", 0, ""), ("L3", 0, "")]

        # The key and the external ids of the killed batch are free; the bank works.
        small = [training(f"L{i % 3 + 1}", f"big{i}", hours=16) for i in range(30)]
        result = submissions.submit_batch(
            fresh, issuer_id="acme", idempotency_key="big", rows=small, submitter="hr", now=NOW
        )
        assert (result.accepted, result.rejected, result.replayed) == (30, 0, False)
        assert counts(fresh) == {"batches": 1, "outcomes": 30, "ledger": 30}
        assert verified(fresh) == (30, [])
        if sqlite_file is not None:
            raw = fresh.raw_connection()  # autocommit: a checkpoint cannot run in a transaction
            try:
                busy, _, _ = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                assert busy == 0, "the WAL could not be checkpointed into the database"
            finally:
                raw.close()
    finally:
        fresh.dispose()
