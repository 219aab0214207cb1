"""Store benchmark: enterprise-batch ingest through the service against a raw-insert floor.

For each database (SQLite always; PostgreSQL with ``--pg URL`` or CREDITBANK_TEST_PG_URL):

* service: ``--records`` enterprise training records (default 100,000) over ``--learners``
  registered learners (default 5,000), sent with ``submissions.submit_batch`` in batches of
  ``--batch`` rows (default 20,000), each with its own idempotency key: validation, the batch
  row, the outcomes and the hash-chained ledger deposits, one transaction per batch;
* floor: the same rows (the same columns and values the service writes to ``outcomes``) sent
  with a bare SQLAlchemy Core ``conn.execute(insert(OutcomeRow), rows)``, one transaction per
  batch, into the same table of a fresh database;
  the service writes twice as many rows (an outcome and a ledger entry per record, besides
  the batch row and the accounts' new heads), but with the driver's own executemany (SQLite)
  or COPY (PostgreSQL), without the per-value work SQLAlchemy does for the floor;
* reference (a second figure, not the issue's floor): the outcome and ledger rows the
  service stored, read back and written again into a fresh database with the service's own
  ``bulk.insert``, one transaction per batch: what the service's rows cost the database and
  driver alone, so the rest of the service's time is its own work (validation, digests,
  hashing, locks, the batch row);
* the account statement and the audit against programme ``mech`` of one learner with 200
  verified outcomes (after the ingest, so the tables are full), median of ``--calls`` calls;
* ``ledger verify`` of the whole bank, against a floor of reading the same rows (every ledger
  entry and outcome, raw through the driver); the first signed checkpoint (every account),
  and a second one after a small batch has moved ``--moved`` accounts.
  An audit that runs past ``--audit-budget`` seconds is cut off and reported as such; learners
  with 25 to 100 verified outcomes are then audited once each, to show how the audit grows.

Every ingest measurement gets a fresh database (a new SQLite file; PostgreSQL tables and
alembic_version dropped, then ``migrate.upgrade``), is repeated ``--repeat`` times, and the
medians are quoted. Accounts are bulk-inserted with the values ``register_learner`` writes.
``--analyze`` runs an untimed ANALYZE after each service batch. PostgreSQL is reset: point
``--pg`` at a test database only. Other processes on the machine skew the figures.

    .venv/bin/python scripts/bench_store.py [--records N] [--repeat R] [--pg URL]
    .venv/bin/python scripts/bench_store.py --profile      # cProfile of one SQLite batch
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import importlib.util
import io
import json
import os
import pstats
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, insert, select, text

from creditbank.service import (
    accounts,
    audits,
    integrity,
    learners,
    outcomes,
    rulesets,
    submissions,
)
from creditbank.store import bulk, ledger, migrate
from creditbank.store.ledger import utc
from creditbank.store.session import make_engine, session_scope
from creditbank.store.tables import Batch, Learner, LedgerEntry, OutcomeRow

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
ISSUER, SUBMITTER, PROGRAMME = "acme", "acme-hr", "mech"
STATEMENT_LEARNER, STATEMENT_OUTCOMES = "bench-statement", 200
SCALING = (25, 50, 75, 100)
"""Outcome counts of the extra learners audited once each (the audit's growth)."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- workload -------------------------------------------------------------------------------


def learner_ids(count: int) -> list[str]:
    return [f"L{i:05d}" for i in range(count)]


def make_rows(count: int, learners_: list[str], prefix: str = "t") -> list[dict[str, Any]]:
    """Deterministic enterprise training records, spread evenly over the learners."""
    rows = []
    for i in range(count):
        rows.append(
            {
                "learner": learners_[i % len(learners_)],
                "external_id": f"{prefix}{i:07d}",
                "kind": "enterprise_training",
                "date": dt.date(2021 + i % 4, 1 + i % 12, 1 + i % 28).isoformat(),
                "hours": (8, 16, 24, 32, 40, 48)[i % 6],
                "title": f"Safety and machining course {i % 97}",
                "programme": f"ep{i % 40}",
            }
        )
    return rows


def outcome_values(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the service writes to ``outcomes`` for each row (without id and batch_id), from
    ``submissions.outcome_values`` in the form a Core insert takes; outside every timing."""
    records, _ = submissions.validate(rows, ISSUER, NOW.date())
    out = []
    for record in records:
        assert record is not None
        _learner, _external_id, _kind, obtained_on, attributes = record
        values = dict(
            zip(
                submissions.OUTCOME_COLUMNS,
                submissions.outcome_values(0, record, ISSUER, None, NOW),
                strict=True,
            )
        )
        del values["id"]
        out.append(
            {
                **values,
                "obtained_on": dt.date.fromisoformat(obtained_on),
                "attributes": json.loads(attributes),
            }
        )
    return out


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_small_pack(root: Path) -> Path:
    """tests/engine/small_rules.py's pack (issuer ``acme`` is an enterprise, programme
    ``mech``), written as YAML files under ``root``."""
    spec = importlib.util.spec_from_file_location(
        "_bench_small_rules", ROOT / "tests" / "engine" / "small_rules.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root.mkdir(parents=True, exist_ok=True)
    (root / "frame.yaml").write_text(module.FRAME, encoding="utf-8")
    (root / "rules.yaml").write_text(module.RULES, encoding="utf-8")
    return root


# --- databases ------------------------------------------------------------------------------


@contextmanager
def fresh_database(kind: str, pg_url: str | None, workdir: Path) -> Iterator[str]:
    """A migrated, empty database's URL (removed or reset afterwards)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            url = f"sqlite:///{Path(tmp) / 'bank.sqlite3'}"
            migrate.upgrade(url)
            yield url
    else:
        assert pg_url is not None
        migrate.drop_everything(pg_url)
        migrate.upgrade(pg_url)
        try:
            yield pg_url
        finally:
            migrate.drop_everything(pg_url)


def set_up_bank(engine: Engine, pack: Path, ids: list[str]) -> None:
    """Publish the small pack and open the accounts.

    The accounts are bulk-inserted with exactly the values ``learners.register_learner``
    writes (5,000 one-row transactions would only lengthen the setup)."""
    version = rulesets.load_draft(engine, root=pack, actor="policy", now=NOW)
    rulesets.publish(
        engine, version_id=version.id, effective_from=dt.date(2020, 1, 1), actor="policy", now=NOW
    )
    rows = [
        {
            "id": learner_id,
            "national_id_hash": None,
            "employer_id": None,
            "ledger_seq": 0,
            "ledger_head": "",
            "created_at": NOW,
        }
        for learner_id in ids
    ]
    with engine.begin() as conn:
        conn.execute(insert(Learner), rows)


def count(engine: Engine, table: type[Any]) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


# --- measurements ---------------------------------------------------------------------------


def run_service(
    url: str, pack: Path, ids: list[str], rows: list[dict[str, Any]], size: int, analyze: bool
) -> float:
    """Seconds to store ``rows`` with submit_batch, ``size`` rows a batch (with ``analyze``,
    an untimed ANALYZE after each batch refreshes the planner's statistics)."""
    engine = make_engine(url)
    try:
        set_up_bank(engine, pack, ids)
        elapsed = 0.0
        for number, batch in enumerate(chunks(rows, size), start=1):
            start = time.perf_counter()
            result = submissions.submit_batch(
                engine,
                issuer_id=ISSUER,
                idempotency_key=f"bench-{number}",
                rows=batch,
                submitter=SUBMITTER,
                now=NOW,
            )
            took = time.perf_counter() - start
            elapsed += took
            if (result.accepted, result.rejected, result.replayed) != (len(batch), 0, False):
                raise SystemExit(f"batch {number}: unexpected result {result.accepted=}")
            log(f"    batch {number}: {len(batch)} rows in {took:.2f} s")
            if analyze:
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
        stored, entries = count(engine, OutcomeRow), count(engine, LedgerEntry)
        if (stored, entries) != (len(rows), len(rows)):
            raise SystemExit(f"service stored {stored} outcomes and {entries} ledger entries")
        return elapsed
    finally:
        engine.dispose()


def insert_batches(engine: Engine, sizes: list[int]) -> list[int]:
    """Batch rows for outcomes to point to (untimed), as the service would write them."""
    with engine.begin() as conn:
        return [
            conn.execute(
                insert(Batch).returning(Batch.id),
                {
                    "issuer_id": ISSUER,
                    "idempotency_key": f"bench-{number}",
                    "content_digest": "0" * 64,
                    "submitter": SUBMITTER,
                    "keep_valid": False,
                    "accepted": size,
                    "rejected": 0,
                    "results": [],
                    "created_at": NOW,
                },
            ).scalar_one()
            for number, size in enumerate(sizes, start=1)
        ]


def run_floor(
    url: str, pack: Path, ids: list[str], values: list[dict[str, Any]], size: int
) -> float:
    """Seconds for a bare Core executemany of the same outcome rows, one transaction a batch
    (the batch rows they point to are inserted beforehand, untimed)."""
    engine = make_engine(url)
    try:
        set_up_bank(engine, pack, ids)
        batches = list(chunks(values, size))
        batch_ids = insert_batches(engine, [len(batch) for batch in batches])
        prepared = [
            [{**row, "batch_id": batch_id} for row in batch]
            for batch_id, batch in zip(batch_ids, batches, strict=True)
        ]
        start = time.perf_counter()
        for batch in prepared:
            with engine.begin() as conn:
                conn.execute(insert(OutcomeRow), batch)
        elapsed = time.perf_counter() - start
        stored = count(engine, OutcomeRow)
        if stored != len(values):
            raise SystemExit(f"floor stored {stored} outcomes")
        return elapsed
    finally:
        engine.dispose()


StoredBatch = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]
"""One batch's outcome rows and ledger rows, as the driver reads them back."""


def stored_rows(url: str) -> list[StoredBatch]:
    """The outcomes and ledger entries the service stored, batch by batch, in the form
    ``bulk.insert`` takes (JSON columns read as text)."""

    def raw(columns: tuple[str, ...], prefix: str) -> str:
        json_columns = {"attributes", "payload"}
        return ", ".join(
            f"CAST({prefix}{c} AS TEXT)" if c in json_columns else f"{prefix}{c}" for c in columns
        )

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            outcome_rows = conn.exec_driver_sql(
                f"SELECT batch_id, {raw(submissions.OUTCOME_COLUMNS, '')} FROM outcomes ORDER BY id"
            ).all()
            ledger_rows = conn.exec_driver_sql(
                f"SELECT o.batch_id, {raw(ledger.COLUMNS, 'l.')} FROM ledger AS l "
                "JOIN outcomes AS o ON o.id = l.outcome_id ORDER BY l.id"
            ).all()
    finally:
        engine.dispose()
    batches: dict[int, StoredBatch] = {}
    for batch_id, *values in outcome_rows:
        batches.setdefault(batch_id, ([], []))[0].append(tuple(values))
    for batch_id, *values in ledger_rows:
        batches[batch_id][1].append(tuple(values))
    return [batches[batch_id] for batch_id in sorted(batches)]


def run_rows_reference(url: str, pack: Path, ids: list[str], batches: list[StoredBatch]) -> float:
    """Seconds to write the service's stored outcome and ledger rows again with
    ``bulk.insert``, one transaction a batch: what the service's rows cost the database
    and driver, without validation, hashing or SQLAlchemy's per-value work."""
    engine = make_engine(url)
    try:
        set_up_bank(engine, pack, ids)
        batch_ids = insert_batches(engine, [len(outcome_rows) for outcome_rows, _ in batches])
        if batch_ids != list(range(1, len(batches) + 1)):
            raise SystemExit(f"the reference's batches got ids {batch_ids}, not the service's")
        start = time.perf_counter()
        for outcome_rows, ledger_rows in batches:
            with session_scope(engine) as session:
                bulk.insert(session, OutcomeRow, submissions.OUTCOME_COLUMNS, outcome_rows)
                bulk.insert(session, LedgerEntry, ledger.COLUMNS, ledger_rows)
        elapsed = time.perf_counter() - start
        wrote = sum(len(o) + len(e) for o, e in batches)
        if count(engine, OutcomeRow) + count(engine, LedgerEntry) != wrote:
            raise SystemExit("the reference did not store every row")
        return elapsed
    finally:
        engine.dispose()


def check_same_values(url: str, values: list[dict[str, Any]], sample: int = 2000) -> None:
    """The floor writes what the service wrote: compare the first ``sample`` rows."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            stored = session.scalars(select(OutcomeRow).order_by(OutcomeRow.id).limit(sample)).all()
            for row, expected in zip(stored, values, strict=False):
                # the floor has no batch to point to; every other column must be equal
                got = {key: getattr(row, key) for key in expected if key != "batch_id"}
                got["created_at"] = utc(got["created_at"])
                want = {k: v for k, v in expected.items() if k != "batch_id"}
                if got != {**want, "created_at": NOW}:
                    raise SystemExit(f"floor row differs from the service's:\n{got}\n{expected}")
    finally:
        engine.dispose()


class Overrun(Exception):
    """A call ran past its time budget (raised from SIGALRM, between bytecodes)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(_signum: int, _frame: Any) -> None:
        raise Overrun

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def timed_calls(fn: Callable[[], Any], calls: int, budget: float) -> tuple[float | None, int]:
    """Median ms of up to ``calls`` calls after a warm-up call (rule-set parse, date
    indexes); calls stop once ``budget`` seconds are spent (at least 3 are kept). ``None``
    when the warm-up call alone overran the budget."""
    try:
        with time_limit(budget):
            fn()
    except Overrun:
        return None, 0
    times: list[float] = []
    spent = 0.0
    while len(times) < calls and (len(times) < 3 or spent < budget):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        spent += times[-1]
    return statistics.median(times) * 1000, len(times)


def verified_learner(engine: Engine, learner_id: str, count_: int) -> None:
    """A registered learner with ``count_`` enterprise outcomes, submitted as one batch and
    each verified through ``outcomes.change_status`` (a ledger entry each)."""
    learners.register_learner(engine, learner_id=learner_id, now=NOW)
    submissions.submit_batch(
        engine,
        issuer_id=ISSUER,
        idempotency_key=f"bench-{learner_id}",
        rows=make_rows(count_, [learner_id], prefix=f"{learner_id}-"),
        submitter=SUBMITTER,
        now=NOW,
    )
    with session_scope(engine) as session:
        ids = session.scalars(
            select(OutcomeRow.id).where(OutcomeRow.learner_id == learner_id).order_by(OutcomeRow.id)
        ).all()
    for outcome_id in ids:
        outcomes.change_status(
            engine, outcome_id=outcome_id, action="verify", actor="verifier", now=NOW
        )
    with session_scope(engine) as session:
        verified = session.scalar(
            select(func.count())
            .select_from(OutcomeRow)
            .where(OutcomeRow.learner_id == learner_id, OutcomeRow.status == "verified")
        )
    if verified != count_:
        raise SystemExit(f"{learner_id}: {verified} verified outcomes, expected {count_}")


@dataclass
class AccountFigures:
    statement_ms: float
    statement_calls: int
    outcomes: int
    entries: int
    audit_ms: float | None
    audit_calls: int
    scaling: list[tuple[int, float | None]]


def audit_call(engine: Engine, learner_id: str) -> Callable[[], Any]:
    return lambda: audits.audit_learner(
        engine,
        learner_id=learner_id,
        programme=PROGRAMME,
        on=NOW.date(),
        actor="registrar",
        now=NOW,
    )


def statement_and_audit(url: str, calls: int, budget: float) -> AccountFigures:
    """The statement and the audit of a learner with 200 verified outcomes, in the database
    the last ingest filled; then one audit each of learners with fewer outcomes."""
    engine = make_engine(url)
    try:
        verified_learner(engine, STATEMENT_LEARNER, STATEMENT_OUTCOMES)

        def one_statement() -> accounts.Statement:
            with session_scope(engine) as session:
                return accounts.statement(session, STATEMENT_LEARNER)

        shown = one_statement()
        statement_ms, statement_calls = timed_calls(one_statement, calls, budget)
        assert statement_ms is not None
        audit_ms, audit_calls = timed_calls(audit_call(engine, STATEMENT_LEARNER), calls, budget)
        scaling: list[tuple[int, float | None]] = []
        for size in SCALING:
            learner_id = f"bench-audit-{size}"
            verified_learner(engine, learner_id, size)
            ms, _ = timed_calls(audit_call(engine, learner_id), 1, budget)
            scaling.append((size, ms))
        return AccountFigures(
            statement_ms,
            statement_calls,
            len(shown.outcomes),
            len(shown.ledger),
            audit_ms,
            audit_calls,
            scaling,
        )
    finally:
        engine.dispose()


@dataclass(frozen=True)
class IntegrityFigures:
    entries: int
    outcomes: int
    accounts: int
    verify_s: float
    read_floor_s: float
    first_checkpoint_s: float
    moved: int
    next_checkpoint_s: float
    verify_against_s: float


def integrity_figures(url: str, moved: list[str]) -> IntegrityFigures:
    """``ledger verify`` of the bank the last ingest filled, against reading its rows raw;
    then a checkpoint of every account, and another after ``moved`` accounts got a deposit."""
    engine = make_engine(url)
    key = Ed25519PrivateKey.generate()
    try:
        started = time.perf_counter()
        report = integrity.verify_bank(engine)
        verify_s = time.perf_counter() - started
        assert report.problems == [], report.problems[:5]
        started = time.perf_counter()
        with engine.connect() as conn:
            for table in ("ledger", "outcomes"):
                conn.exec_driver_sql(f"SELECT * FROM {table}").fetchall()
        read_floor_s = time.perf_counter() - started
        started = time.perf_counter()
        first = integrity.write_checkpoint(engine, key=key, now=NOW)
        first_s = time.perf_counter() - started
        assert first is not None
        submissions.submit_batch(
            engine,
            issuer_id=ISSUER,
            idempotency_key="bench-moved",
            rows=make_rows(len(moved), moved, prefix="moved"),
            submitter=SUBMITTER,
            now=NOW,
        )
        started = time.perf_counter()
        integrity.write_checkpoint(engine, key=key, now=NOW)
        next_s = time.perf_counter() - started
        started = time.perf_counter()
        again = integrity.verify_bank(engine, public_key=key.public_key())
        against_s = time.perf_counter() - started
        assert again.problems == [], again.problems[:5]
        return IntegrityFigures(
            report.entries,
            report.outcomes,
            first.accounts,
            verify_s,
            read_floor_s,
            first_s,
            len(moved),
            next_s,
            against_s,
        )
    finally:
        engine.dispose()


# --- the run --------------------------------------------------------------------------------


def bench_database(
    kind: str, pg_url: str | None, args: argparse.Namespace, workdir: Path, pack: Path
) -> None:
    ids = learner_ids(args.learners)
    rows = make_rows(args.records, ids)
    # The floor's rows are made for each use (untimed), not kept: the service's runs should
    # not carry them, as a larger heap slows Python's garbage collector.
    service_runs: list[float] = []
    floor_runs: list[float] = []
    reference_runs: list[float] = []
    figures: AccountFigures | None = None
    checks: IntegrityFigures | None = None
    for rep in range(1, args.repeat + 1):
        log(f"{kind}: run {rep}/{args.repeat}: service ingest of {args.records} records")
        with fresh_database(kind, pg_url, workdir) as url:
            service_runs.append(run_service(url, pack, ids, rows, args.batch, args.analyze))
            log(f"{kind}:   service {args.records / service_runs[-1]:,.0f} records/s")
            if rep == 1:
                check_same_values(url, outcome_values(rows))
            stored = stored_rows(url)
            if rep == args.repeat:
                log(f"{kind}: statement and audit of a learner with 200 verified outcomes")
                figures = statement_and_audit(url, args.calls, args.audit_budget)
                log(f"{kind}: ledger verify and checkpoints")
                checks = integrity_figures(url, ids[: args.moved])
        log(f"{kind}: run {rep}/{args.repeat}: reference (the service's rows, bulk.insert)")
        with fresh_database(kind, pg_url, workdir) as url:
            reference_runs.append(run_rows_reference(url, pack, ids, stored))
            log(f"{kind}:   reference {args.records / reference_runs[-1]:,.0f} records/s")
        del stored  # not carried into the next service run
        log(f"{kind}: run {rep}/{args.repeat}: floor (Core executemany into outcomes)")
        with fresh_database(kind, pg_url, workdir) as url:
            floor_runs.append(run_floor(url, pack, ids, outcome_values(rows), args.batch))
            log(f"{kind}:   floor {args.records / floor_runs[-1]:,.0f} records/s")
    service, floor = statistics.median(service_runs), statistics.median(floor_runs)
    rate = args.records / service
    print(
        f"{kind}: {args.records:,} enterprise records, batches of {args.batch:,}, "
        f"{args.learners:,} learners; median of {len(service_runs)} (fresh database each)"
        + ("; ANALYZE after each service batch" if args.analyze else "")
    )
    print(
        f"  service submit_batch : {rate:10,.0f} records/s  ({service:.2f} s; runs "
        + ", ".join(f"{t:.2f}" for t in service_runs)
        + ")"
    )
    print(
        f"  floor Core executemany: {args.records / floor:10,.0f} records/s  ({floor:.2f} s; runs "
        + ", ".join(f"{t:.2f}" for t in floor_runs)
        + ")"
    )
    goal = "met" if service / floor <= 2 else "NOT met"
    print(f"  ratio service/floor (time): {service / floor:.2f}x  (goal <= 2x: {goal})")
    reference = statistics.median(reference_runs)
    print(
        "  reference, the service's stored outcome and ledger rows written again with "
        f"bulk.insert (no validation, hashing or ORM): {args.records / reference:,.0f} "
        f"records/s ({reference:.2f} s; runs "
        + ", ".join(f"{t:.2f}" for t in reference_runs)
        + f"); service/reference {service / reference:.2f}x"
    )
    if kind == "sqlite":
        goal = "met" if rate >= 10_000 else "NOT met"
        print(f"  SQLite service rate goal >= 10,000 records/s: {goal}")
    assert figures is not None
    print(
        f"  statement ({figures.outcomes} outcomes, {figures.entries} ledger entries): "
        f"median {figures.statement_ms:.1f} ms of {figures.statement_calls} calls"
    )
    if figures.audit_ms is None:
        audit = f"did NOT finish within {args.audit_budget:.0f} s (one call, interrupted)"
    else:
        audit = f"median {figures.audit_ms:.1f} ms of {figures.audit_calls} calls"
    print(f"  audit against '{PROGRAMME}' ({STATEMENT_OUTCOMES} verified outcomes): {audit}")
    print(
        "  audit, one call per learner with N verified outcomes: "
        + ", ".join(
            f"N={size}: " + (f"{ms:.0f} ms" if ms is not None else f"> {args.audit_budget:.0f} s")
            for size, ms in figures.scaling
        )
    )
    assert checks is not None
    print(
        f"  ledger verify ({checks.entries:,} entries, {checks.outcomes:,} outcomes, "
        f"{checks.accounts:,} accounts): {checks.verify_s:.2f} s; floor, reading the same rows "
        f"raw: {checks.read_floor_s:.2f} s; ratio {checks.verify_s / checks.read_floor_s:.1f}x"
    )
    print(
        f"  checkpoint: first (every account) {checks.first_checkpoint_s:.2f} s; after "
        f"{checks.moved} accounts moved {checks.next_checkpoint_s:.2f} s; verify against it "
        f"{checks.verify_against_s:.2f} s"
    )
    sys.stdout.flush()


def profile_one_batch(args: argparse.Namespace, workdir: Path, pack: Path) -> None:
    """cProfile of one submit_batch of ``--batch`` rows on a fresh database (PostgreSQL with
    ``--pg``, else SQLite)."""
    ids = learner_ids(args.learners)
    rows = make_rows(min(args.batch, args.records), ids)
    kind = "postgresql" if args.pg else "sqlite"
    with fresh_database(kind, args.pg, workdir) as url:
        engine = make_engine(url)
        set_up_bank(engine, pack, ids)
        profiler = cProfile.Profile()
        log(f"profiling one submit_batch of {len(rows)} rows on {kind}")
        start = time.perf_counter()
        profiler.enable()
        submissions.submit_batch(
            engine,
            issuer_id=ISSUER,
            idempotency_key="bench-profile",
            rows=rows,
            submitter=SUBMITTER,
            now=NOW,
        )
        profiler.disable()
        took = time.perf_counter() - start
        engine.dispose()
    print(f"one batch of {len(rows):,} rows under cProfile: {took:.2f} s")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(30)
        print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20_000, help="rows per batch")
    parser.add_argument("--learners", type=int, default=5_000)
    parser.add_argument("--calls", type=int, default=20, help="statement and audit calls")
    parser.add_argument(
        "--moved", type=int, default=100, help="accounts moved before the second checkpoint"
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("CREDITBANK_TEST_PG_URL"),
        help="PostgreSQL test database URL (its tables are dropped); "
        "default CREDITBANK_TEST_PG_URL",
    )
    parser.add_argument(
        "--audit-budget",
        type=float,
        default=20.0,
        help="seconds one audit (and each series of calls) may take before it is cut off",
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run an untimed ANALYZE after each service batch (fresh statistics)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one batch (on --pg if given)"
    )
    args = parser.parse_args()
    if args.records < 1 or args.repeat < 1 or args.batch < 1 or args.learners < 1:
        parser.error("--records, --repeat, --batch and --learners must be positive")
    if args.batch > submissions.MAX_ROWS:
        parser.error(f"--batch is at most {submissions.MAX_ROWS}")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        workdir = Path(tmp)
        pack = write_small_pack(workdir / "pack")
        if args.profile:
            profile_one_batch(args, workdir, pack)
            return
        started = time.perf_counter()
        bench_database("sqlite", None, args, workdir, pack)
        if args.pg:
            bench_database("postgresql", args.pg, args, workdir, pack)
        else:
            print("postgresql: skipped (give --pg URL or set CREDITBANK_TEST_PG_URL)")
    print(
        f"total {time.perf_counter() - started:.0f} s; load average "
        f"{os.getloadavg()[0]:.2f} at end (other processes on the machine skew the figures)"
    )


if __name__ == "__main__":
    main()
