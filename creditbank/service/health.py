"""Readiness: the database answers and its schema is the one this version needs."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from creditbank.errors import CreditBankError
from creditbank.store import migrate


def check_ready(url: str) -> None:
    """Raise, saying what to do, unless the database is reachable and at the latest schema."""
    try:
        migrate.require_current(url)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        raise CreditBankError(
            f"the database cannot be reached ({type(cause).__name__})",
            code="db.unreachable",
        ) from None
