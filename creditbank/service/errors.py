"""Errors of the bank's use cases (codes the API maps to statuses)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from creditbank.errors import CreditBankError
from creditbank.text import printable


def row_place(row: dict[str, Any]) -> str:
    """Where a batch's row is, for a person: its line in a CSV file, else its number.

    >>> row_place({"row": 2, "line": 5}), row_place({"row": 2})
    ('line 5', 'row 2')
    """
    return f"line {row['line']}" if "line" in row else f"row {row['row']}"


class BatchInvalid(CreditBankError):
    """A batch refused whole: ``rows`` lists every row's errors (row number, for a CSV file
    its line too, field, message); the message lists the first ``SHOWN`` and counts the
    others."""

    code = "batch.invalid"
    SHOWN = 50

    def __init__(self, rows: Sequence[dict[str, Any]], *, reason: str = "") -> None:
        self.rows = list(rows)
        lines = [
            printable(f"{row_place(r)}: {e['field']}: {e['message']}")
            for r in rows
            for e in r["errors"]
        ]
        head = reason or f"{len(rows)} row(s) are invalid; nothing was stored"
        if len(lines) > self.SHOWN:
            more = len(lines) - self.SHOWN
            lines[self.SHOWN :] = [f"... and {more} more error(s), not listed here"]
        super().__init__(head + ("\n" + "\n".join(lines) if lines else ""))


class OverBudget(CreditBankError):
    """An audit that did not finish within its request's time budget; it stored nothing."""

    code = "audit.timeout"


def check_budget(deadline: float | None, what: str) -> None:
    """Stop ``what`` once the monotonic clock is past ``deadline`` (None: no budget)."""
    if deadline is not None and time.monotonic() > deadline:
        raise OverBudget(
            f"{what} did not finish within its time budget and stored nothing; the bank is "
            "busy: send it again in a few seconds"
        )


class Conflict(CreditBankError):
    """The request contradicts what is stored (same idempotency key, other content; a
    published version changed; an outcome in the wrong state)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)
