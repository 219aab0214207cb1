"""Errors of the bank's use cases (codes the API maps to statuses)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from creditbank.errors import CreditBankError


class BatchInvalid(CreditBankError):
    """A batch refused whole: ``rows`` lists every row's errors (row number, field, message)."""

    code = "batch.invalid"

    def __init__(self, rows: Sequence[dict[str, Any]], *, reason: str = "") -> None:
        self.rows = list(rows)
        lines = [f"row {r['row']}: {e['field']}: {e['message']}" for r in rows for e in r["errors"]]
        head = reason or f"{len(rows)} row(s) are invalid; nothing was stored"
        super().__init__(head + ("\n" + "\n".join(lines[:50]) if lines else ""))


class Conflict(CreditBankError):
    """The request contradicts what is stored (same idempotency key, other content; a
    published version changed; an outcome in the wrong state)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)
