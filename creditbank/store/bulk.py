"""Bulk inserts and updates for batches of tens of thousands of rows, on the session's connection.

Why: SQLAlchemy's executemany runs every value of every row through Python (parameter
dictionaries, bind processors, JSON serialisation), and psycopg's executemany still sends one
statement per row; for a large batch either costs several times the database's own work. Here
the caller hands rows as tuples already in the driver's form: inserts go to PostgreSQL with
``COPY ... FROM STDIN`` and to SQLite with the driver's executemany; updates (a batch's few
thousand account heads) with the driver's executemany on both. All run on the session's
connection, so they are part of the session's transaction, and their errors arrive as
SQLAlchemy's (``IntegrityError`` etc.) like any other statement's.

Driver form: JSON columns as JSON text, dates as ISO text (``YYYY-MM-DD``), datetimes as
``driver_value`` gives them (SQLite stores its own text format); everything else as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import QueryableAttribute, Session

from creditbank.store.base import Base


def insert(
    session: Session, model: type[Base], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values in ``columns`` order, in driver form) into ``model``'s table."""
    if not rows:
        return
    connection = _connection(session)
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        _copy(connection, f"COPY {model.__tablename__} ({names}) FROM STDIN", rows)
    else:
        marks = ", ".join(["?"] * len(columns))
        statement = f"INSERT INTO {model.__tablename__} ({names}) VALUES ({marks})"
        connection.exec_driver_sql(statement, list(rows))


def update(
    session: Session,
    model: type[Base],
    columns: Sequence[str],
    key: str,
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Set ``columns`` of the row whose ``key`` column equals the last value of each of
    ``rows`` (values in ``columns`` order, then the key, in driver form)."""
    if not rows:
        return
    connection = _connection(session)
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    assignments = ", ".join(f"{column} = {mark}" for column in columns)
    statement = f"UPDATE {model.__tablename__} SET {assignments} WHERE {key} = {mark}"
    connection.exec_driver_sql(statement, list(rows))


def driver_value(session: Session, column: QueryableAttribute[Any], value: Any) -> Any:
    """``value`` as the dialect's bind processor for ``column`` writes it (worked out once
    for a value every row shares, such as a batch's time)."""
    dialect = session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return value if process is None else process(value)


def _connection(session: Session) -> Connection:
    session.flush()  # rows these refer to, still pending in the session, go first
    return session.connection()


def _copy(connection: Connection, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY through psycopg, its errors wrapped as SQLAlchemy wraps them."""
    error = connection.dialect.loaded_dbapi.Error
    try:
        driver = connection.connection.driver_connection
        assert driver is not None  # the session's connection is open
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except error as exc:
        raise DBAPIError.instance(statement, None, exc, error, dialect=connection.dialect) from exc
