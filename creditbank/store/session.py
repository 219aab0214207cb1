"""Engines and the unit of work: one transaction per use case, retried when writers collide.

SQLite gets ``BEGIN IMMEDIATE`` so a transaction takes the write lock before it reads what it
will write (the ledger head), WAL so readers do not block the writer, foreign keys on, and a
busy timeout. PostgreSQL writers lock the account row (``SELECT ... FOR UPDATE``) instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

T = TypeVar("T")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` set up for many concurrent writers."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60}, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
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


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """The unit of work: commit if the block succeeds, roll back everything if not."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def transaction(engine: Engine, work: Callable[[Session], T], *, attempts: int = 8) -> T:
    """Run ``work`` in one transaction, retrying when concurrent writers collide."""
    for attempt in range(attempts):
        try:
            with session_scope(engine) as session:
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
