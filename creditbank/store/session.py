"""Engines and the unit of work: one transaction per use case, retried when writers collide.

SQLite gets ``BEGIN IMMEDIATE`` so a transaction takes the write lock before it reads what it
will write (the ledger head), WAL so readers do not block the writer, foreign keys on, and a
busy timeout. PostgreSQL writers lock the account row (``SELECT ... FOR UPDATE``) instead.

A read-only unit of work (``session_scope(engine, read_only=True)``) takes no write lock: on
SQLite a plain ``BEGIN``, whose first read fixes a snapshot (WAL); on PostgreSQL a
``REPEATABLE READ READ ONLY`` transaction, one snapshot for all its statements. Long reads
(an audit's inputs, ``ledger verify``) then neither block writers nor see half of a batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

T = TypeVar("T")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` set up for many concurrent writers."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60}, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


READ_ONLY = "creditbank_read_only"
"""Execution option of a read-only unit of work."""


@contextmanager
def session_scope(
    engine: Engine, *, read_only: bool = False, snapshot: bool = False
) -> Iterator[Session]:
    """The unit of work: commit if the block succeeds, roll back everything if not.
    ``read_only``: one consistent snapshot and no write lock (see the module's docstring);
    ``snapshot``: a writer whose statements all see one snapshot (on SQLite every writer
    does, holding the write lock)."""
    options: dict[str, Any] = {READ_ONLY: True} if read_only else {}
    if engine.dialect.name == "postgresql" and (read_only or snapshot):
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=read_only)
    if options:
        engine = engine.execution_options(**options)
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def transaction(
    engine: Engine, work: Callable[[Session], T], *, attempts: int = 8, snapshot: bool = False
) -> T:
    """Run ``work`` in one transaction, retrying when concurrent writers collide."""
    for attempt in range(attempts):
        try:
            with session_scope(engine, snapshot=snapshot) as session:
                return work(session)
        except (OperationalError, IntegrityError, DBAPIError) as exc:
            if attempt == attempts - 1 or not _transient(exc):
                raise
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _transient(exc: DBAPIError) -> bool:
    """Lock waits, serialization failures and ledger-sequence races are worth a retry."""
    text = str(exc.orig).lower()
    return any(
        marker in text
        for marker in (
            "database is locked",
            "could not serialize",
            "deadlock",
            "uq_ledger_learner_id",
        )
    )
