"""Enterprise batches: parse JSON or CSV rows, validate every row, store once per key.

Idempotency: the same key with the same content returns the first result and writes nothing;
the same key with other content is refused. A batch with invalid rows is refused whole, with
every row's errors, unless the submitter asks to keep the valid rows. Everything a batch
writes (the batch, its outcomes, the ledger deposits) is one transaction: a process killed
half-way leaves nothing behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Engine, String, column, func, insert, select, text, values
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from creditbank.domain import Ident, Outcome, OutcomeKind
from creditbank.errors import InputInvalid, NotFound
from creditbank.ruleset.ruleset import canonical_json, sha256_text
from creditbank.service.errors import BatchInvalid, Conflict
from creditbank.service.learners import lock_learners
from creditbank.store.ledger import EntryKind, NewEntry, chain
from creditbank.store.session import transaction
from creditbank.store.tables import Batch, Issuer, Learner, LedgerEntry, OutcomeRow

MAX_ROWS = 200_000
REQUIRED_COLUMNS = ("learner", "external_id", "date")
OUTCOME_FIELDS = tuple(f for f in Outcome.model_fields if f not in {"id", "issuer", "status"})
COLUMNS = ("learner", "external_id", *OUTCOME_FIELDS)


class SubmissionRow(BaseModel):
    """One submitted record: the learner, the issuer's own record id, the outcome's fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    learner: Ident
    external_id: Ident


@dataclass(frozen=True)
class BatchResult:
    """What the submitter gets back, the first time and on every replay."""

    batch_id: int
    accepted: int
    rejected: int
    rows: list[dict[str, Any]]
    replayed: bool = False


def parse_json_rows(data: bytes | str) -> list[dict[str, Any]]:
    """Rows from a JSON array (or ``{"rows": [...]}``)."""
    try:
        parsed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputInvalid([("$", f"not valid JSON: {exc}")]) from None
    rows = parsed.get("rows") if isinstance(parsed, dict) else parsed
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputInvalid([("$", "expected a JSON array of objects (one per record)")])
    return rows


def parse_csv_rows(data: bytes) -> list[dict[str, Any]]:
    """Rows from UTF-8 CSV with a header line; a BOM and blank lines are tolerated.

    >>> parse_csv_rows(b"\\xef\\xbb\\xbflearner,external_id,date,hours\\n\\nL1,r1,2024-01-02,16\\n")
    [{'learner': 'L1', 'external_id': 'r1', 'date': '2024-01-02', 'hours': '16'}]
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = " (it looks like GBK/GB18030 from Excel)" if _looks_gbk(data) else ""
        raise InputInvalid(
            [
                (
                    f"byte {exc.start}",
                    "the file is not UTF-8 text"
                    + hint
                    + "; save it as 'CSV UTF-8' and send it again",
                )
            ]
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        problems = []
        if missing:
            problems.append(("header", f"missing column(s): {', '.join(missing)}"))
        if unknown:
            problems.append(
                (
                    "header",
                    f"unknown column(s): {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}",
                )
            )
        if len(set(header)) != len(header):
            problems.append(("header", "a column name appears twice"))
        raise InputInvalid(problems)
    reader.fieldnames = header
    rows = []
    for record in reader:
        if None in record:
            raise InputInvalid([(f"line {reader.line_num}", "more values than columns")])
        values = {k: v.strip() for k, v in record.items() if v is not None and v.strip() != ""}
        if values:
            rows.append(values)
    return rows


def _looks_gbk(data: bytes) -> bool:
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def submit_batch(
    engine: Engine,
    *,
    issuer_id: str,
    idempotency_key: str,
    rows: list[dict[str, Any]],
    submitter: str,
    now: dt.datetime,
    keep_valid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Validate and store a batch once; replay the first result for a repeated key.

    ``progress`` is called with the number of rows just processed (for a progress bar).
    """
    if not idempotency_key or len(idempotency_key) > 200:
        raise InputInvalid([("idempotency_key", "give a key of 1 to 200 characters")])
    if len(rows) > MAX_ROWS:
        raise InputInvalid([("rows", f"{len(rows)} rows; send at most {MAX_ROWS} per batch")])
    digest = sha256_text(canonical_json({"rows": rows, "keep_valid": keep_valid}))

    def work(session: Session) -> BatchResult:
        # Lock the accounts first: a concurrent sender of the same batch then waits here and
        # sees the first one's batch, committed, when it checks the key.
        learners = lock_learners(session, [str(r.get("learner", "")) for r in rows])
        replay = _replay(session, issuer_id, idempotency_key, digest)
        if replay is not None:
            return replay
        if session.get(Issuer, issuer_id) is None:
            raise NotFound("issuer", issuer_id, hint="issuers come from the published rule set")
        return _store(
            session,
            learners,
            issuer_id,
            idempotency_key,
            digest,
            rows,
            submitter,
            now,
            keep_valid,
            progress or (lambda _n: None),
        )

    def replay_committed(session: Session) -> BatchResult:
        replay = _replay(session, issuer_id, idempotency_key, digest)
        if replay is None:  # the unique key was violated, so the other batch is committed
            raise Conflict(
                f"batch '{idempotency_key}' could not be stored; send it again", code="batch.retry"
            )
        return replay

    try:
        return transaction(engine, work)
    except IntegrityError as exc:
        if "uq_batches_issuer_id" not in str(exc.orig):
            raise
        # Another request committed the same key first (only possible when the two batches
        # touch no common account): answer as a replay, or refuse other content.
        return transaction(engine, replay_committed)


def _replay(session: Session, issuer_id: str, key: str, digest: str) -> BatchResult | None:
    batch = session.scalar(
        select(Batch).where(Batch.issuer_id == issuer_id, Batch.idempotency_key == key)
    )
    if batch is None:
        return None
    if batch.content_digest != digest:
        raise Conflict(
            f"idempotency key '{key}' was used for a different batch (batch "
            f"{batch.id}); use a new key for new content",
            code="batch.idempotency_conflict",
        )
    return BatchResult(batch.id, batch.accepted, batch.rejected, batch.results, replayed=True)


def _store(
    session: Session,
    learners: dict[str, Learner],
    issuer_id: str,
    key: str,
    digest: str,
    rows: list[dict[str, Any]],
    submitter: str,
    now: dt.datetime,
    keep_valid: bool,
    progress: Callable[[int], None],
) -> BatchResult:
    taken = _stored_external_ids(session, issuer_id, [str(r.get("external_id", "")) for r in rows])
    results: list[dict[str, Any]] = []
    valid: list[tuple[int, SubmissionRow, Outcome]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        if number % 1000 == 0:
            progress(1000)
        errors, head, outcome = _parse_row(raw, issuer_id, now.date())
        if head is not None:
            if head.learner not in learners:
                errors.append({"field": "learner", "message": f"unknown learner '{head.learner}'"})
            if head.external_id in seen:
                errors.append(
                    {
                        "field": "external_id",
                        "message": f"repeats row {seen[head.external_id]} of this batch",
                    }
                )
            elif head.external_id in taken:
                errors.append(
                    {
                        "field": "external_id",
                        "message": f"already stored (batch {taken[head.external_id]})",
                    }
                )
            seen.setdefault(head.external_id, number)
        if errors or head is None or outcome is None:
            results.append(
                {
                    "row": number,
                    "external_id": str(raw.get("external_id", "")),
                    "status": "rejected",
                    "errors": errors,
                }
            )
        else:
            valid.append((number, head, outcome))
            results.append(
                {"row": number, "external_id": head.external_id, "status": "accepted", "errors": []}
            )
    rejected = [r for r in results if r["status"] == "rejected"]
    if rejected and not keep_valid:
        raise BatchInvalid(rejected)
    batch = Batch(
        issuer_id=issuer_id,
        idempotency_key=key,
        content_digest=digest,
        submitter=submitter,
        keep_valid=keep_valid,
        accepted=len(valid),
        rejected=len(rejected),
        results=results,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    if valid:
        _insert_outcomes(session, batch, issuer_id, valid, learners, submitter, now)
    progress(len(rows) % 1000)
    return BatchResult(batch.id, batch.accepted, batch.rejected, results)


def _parse_row(
    raw: dict[str, Any], issuer_id: str, today: dt.date
) -> tuple[list[dict[str, str]], SubmissionRow | None, Outcome | None]:
    """Every error of a row (field and message), and whatever parts of it parsed."""
    errors: list[dict[str, str]] = []
    values = {k: v for k, v in raw.items() if k not in {"learner", "external_id"}}
    values.setdefault("kind", OutcomeKind.ENTERPRISE_TRAINING.value)
    date = values.get("date")
    if isinstance(date, str) and not _iso_date(date):
        errors.append({"field": "date", "message": f"'{date}' is not a date written YYYY-MM-DD"})
        values["date"] = today.isoformat()  # keep checking the other fields
    head = outcome = None
    try:
        head = SubmissionRow.model_validate(
            {"learner": raw.get("learner"), "external_id": raw.get("external_id")}
        )
    except ValidationError as exc:
        errors.extend(_pydantic_errors(exc))
    try:
        outcome = Outcome.model_validate(
            {**values, "id": f"{issuer_id}:{raw.get('external_id')}", "issuer": issuer_id}
        )
    except ValidationError as exc:
        errors.extend(e for e in _pydantic_errors(exc) if e["field"] not in {"id", "issuer"})
    if outcome is not None and outcome.date > today:
        errors.append({"field": "date", "message": f"{outcome.date} is in the future"})
    return errors, head, outcome


def _iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _pydantic_errors(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for error in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        elif error["type"] == "missing":
            message = "required"
        out.append({"field": loc or "row", "message": message})
    return out


def _stored_external_ids(session: Session, issuer_id: str, ids: list[str]) -> dict[str, int]:
    """Which of ``ids`` the issuer already stored, and in which batch.

    On PostgreSQL a join with a VALUES list, not ``IN (...)``: the planner then looks each id
    up in the (issuer, external id) index even before the table's statistics are gathered
    (with ``IN`` on a fresh table it scanned every stored row, once per chunk).
    """
    found: dict[str, int] = {}
    unique = sorted(set(ids))
    postgres = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(unique), 1000):
        chunk = unique[start : start + 1000]
        query = select(OutcomeRow.external_id, OutcomeRow.batch_id)
        if postgres:
            wanted = values(column("external_id", String), name="wanted").data(
                [(i,) for i in chunk]
            )
            query = query.join(
                wanted,
                (OutcomeRow.issuer_id == issuer_id)
                & (OutcomeRow.external_id == wanted.c.external_id),
            )
        else:
            query = query.where(
                OutcomeRow.issuer_id == issuer_id, OutcomeRow.external_id.in_(chunk)
            )
        found.update((ext, batch or 0) for ext, batch in session.execute(query))
    return found


def outcome_row(
    learner_id: str,
    issuer_id: str,
    external_id: str,
    outcome: Outcome,
    batch_id: int | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The ``outcomes`` row a submitted outcome becomes."""
    return {
        "learner_id": learner_id,
        "issuer_id": issuer_id,
        "external_id": external_id,
        "kind": outcome.kind.value,
        "obtained_on": outcome.date,
        "attributes": outcome.model_dump(
            mode="json", exclude_none=True, exclude={"id", "issuer", "status"}
        ),
        "status": "submitted",
        "status_reason": None,
        "batch_id": batch_id,
        "created_at": now,
    }


def _allocate_ids(session: Session, count: int) -> list[int]:
    """``count`` new outcome ids: from the sequence on PostgreSQL; on SQLite after the largest,
    which is safe because the transaction already holds the write lock (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        query = text(
            "SELECT nextval(pg_get_serial_sequence('outcomes', 'id')) FROM generate_series(1, :n)"
        )
        return list(session.scalars(query, {"n": count}))
    start = session.scalar(select(func.max(OutcomeRow.id))) or 0
    return list(range(start + 1, start + count + 1))


def _insert_outcomes(
    session: Session,
    batch: Batch,
    issuer_id: str,
    valid: list[tuple[int, SubmissionRow, Outcome]],
    learners: dict[str, Any],
    submitter: str,
    now: dt.datetime,
) -> None:
    rows = [
        outcome_row(head.learner, issuer_id, head.external_id, outcome, batch.id, now)
        for _, head, outcome in valid
    ]
    # Ids allocated first, then one plain executemany: INSERT ... RETURNING of many rows costs
    # several times more (statements of thousands of parameters, parsed again by the driver).
    for row, outcome_id in zip(rows, _allocate_ids(session, len(rows)), strict=True):
        row["id"] = outcome_id
    session.execute(insert(OutcomeRow.__table__), rows)  # type: ignore[arg-type]
    ids = {row["external_id"]: row["id"] for row in rows}
    by_learner: dict[str, list[NewEntry]] = {}
    for _, head, outcome in valid:
        external_id, outcome_id = head.external_id, ids[head.external_id]
        payload = {
            "batch": batch.id,
            "external_id": external_id,
            "kind": outcome.kind.value,
            "date": outcome.date.isoformat(),
        }
        by_learner.setdefault(head.learner, []).append(
            NewEntry(EntryKind.DEPOSIT, payload, outcome_id=outcome_id)
        )
    ledger_rows = [
        row
        for learner_id in sorted(by_learner)
        for row in chain(learners[learner_id], by_learner[learner_id], actor=submitter, at=now)
    ]
    session.execute(insert(LedgerEntry.__table__), ledger_rows)  # type: ignore[arg-type]
