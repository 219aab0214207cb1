"""Bulk inserts and updates through the database driver's own executemany, on the session's connection.

Why: SQLAlchemy's executemany runs every value of every row through Python (parameter
dictionaries, bind processors, JSON serialisation), which for a batch of tens of thousands of
rows costs several times the database's own work. Here the caller hands rows as tuples already
in the driver's form, and they go straight to ``cursor.executemany`` (psycopg sends them in
one pipeline). The statement runs on the session's connection, so it is part of the session's
transaction, and its errors arrive as SQLAlchemy's (``IntegrityError`` etc.) like any other.

Driver form: JSON columns as JSON text, dates as ISO text (``YYYY-MM-DD``), datetimes as
``driver_value`` gives them (SQLite stores its own text format); everything else as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import QueryableAttribute, Session

from creditbank.store.base import Base


def insert(
    session: Session, model: type[Base], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values in ``columns`` order, in driver form) into ``model``'s table."""
    marks = ", ".join([_mark(session)] * len(columns))
    _executemany(
        session, f"INSERT INTO {model.__tablename__} ({', '.join(columns)}) VALUES ({marks})", rows
    )


def update(
    session: Session,
    model: type[Base],
    columns: Sequence[str],
    key: str,
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Set ``columns`` of the row whose ``key`` column equals the last value of each of
    ``rows`` (values in ``columns`` order, then the key, in driver form)."""
    mark = _mark(session)
    assignments = ", ".join(f"{column} = {mark}" for column in columns)
    _executemany(
        session, f"UPDATE {model.__tablename__} SET {assignments} WHERE {key} = {mark}", rows
    )


def _mark(session: Session) -> str:
    """The driver's parameter marker (SQLite ``?``, psycopg ``%s``)."""
    return "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"


def _executemany(session: Session, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    session.flush()  # rows these refer to, still pending in the session, go first
    session.connection().exec_driver_sql(statement, list(rows))


def driver_value(session: Session, column: QueryableAttribute[Any], value: Any) -> Any:
    """``value`` as the dialect's bind processor for ``column`` writes it (worked out once
    for a value every row shares, such as a batch's time)."""
    dialect = session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return value if process is None else process(value)
