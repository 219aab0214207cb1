"""Triggers by which the database itself refuses changes the code never makes.

Used by the migrations (0002, 0003): one definition of a refusing trigger for SQLite and
PostgreSQL. Someone who can drop triggers can still tamper; the ledger's hash chains and
signed checkpoints show it (``creditbank ledger verify``). Migrations already applied depend
on the SQL these functions write: change them only in a way that keeps it.
"""

from __future__ import annotations

from alembic import op

REFUSE_FUNCTION = "creditbank_refuse"
"""PostgreSQL's trigger function: raises its first argument as a restrict_violation (23001),
which drivers report as an integrity error, like a constraint."""


def create_refuse_function() -> None:
    op.execute(
        f"CREATE OR REPLACE FUNCTION {REFUSE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], "
        "ERRCODE = 'restrict_violation'; END $$"
    )


def refuse(
    postgresql: bool, name: str, when: str, table: str, message: str, condition: str = ""
) -> None:
    """A trigger that refuses ``when`` (UPDATE or DELETE) on ``table`` with ``message``,
    for every row or only where ``condition`` holds."""
    if postgresql:
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH ROW"
            + (f" WHEN ({condition})" if condition else "")
            + f" EXECUTE FUNCTION {REFUSE_FUNCTION}('{message}')"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {when} ON {table}"
            + (f" WHEN {condition}" if condition else "")
            + f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def drop(name: str, table: str, postgresql: bool) -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))


def changed(postgresql: bool, columns: tuple[str, ...], json_columns: frozenset[str]) -> str:
    """SQL true when an update changes any of ``columns`` (JSON ones compared as text: the
    json type has no equality on PostgreSQL)."""
    differs = "IS DISTINCT FROM" if postgresql else "IS NOT"  # SQLite's spelling

    def column(name: str) -> str:
        cast = "::text" if postgresql and name in json_columns else ""
        return f"NEW.{name}{cast} {differs} OLD.{name}{cast}"

    return " OR ".join(column(c) for c in columns)
