"""Enterprise batches: parse JSON or CSV rows, validate every row, store once per key.

Idempotency: the same key with the same content returns the first result and writes nothing;
the same key with other content is refused. A batch with invalid rows is refused whole, with
every row's errors, unless the submitter asks to keep the valid rows. Everything a batch
writes (the batch, its outcomes, the ledger deposits) is one transaction: a process killed
half-way leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from creditbank.domain import Ident, Outcome, OutcomeKind, OutcomeStatus
from creditbank.errors import InputInvalid, NotFound
from creditbank.ruleset.ruleset import canonical_json, sha256_text
from creditbank.service.batch_files import BANK_FIELDS
from creditbank.service.errors import BatchInvalid, Conflict, row_place
from creditbank.service.learners import IdHashKeys, learners_by_national_id
from creditbank.store import bulk
from creditbank.store.ledger import (
    ACTOR_MAX,
    EntryKind,
    Head,
    NewEntry,
    append_many,
    lock_heads,
    outcome_digest,
    utc,
)
from creditbank.store.session import transaction
from creditbank.store.tables import Batch, Issuer, OutcomeRow
from creditbank.text import printable

MAX_ROWS = 200_000
RACE_ATTEMPTS = 20
"""Tries of a batch that keeps meeting external ids another batch stored meanwhile (each
try after the first sees at least one more such batch committed)."""
NATIONAL_ID_MAX = 40
NATIONAL_ID_AS_TEXT = (
    f"give the national ID number as text (in quotes), at most {NATIONAL_ID_MAX} characters"
)
UNKNOWN_LEARNER = "no account has this learner id (a national ID number goes in national_id)"
"""Not repeating the id: it may be a national ID number in the wrong column, and results are
stored."""


class SubmissionRow(Outcome):
    """One submitted record: the outcome with its learner and the issuer's own record id,
    validated together in one pass (``id`` and ``issuer`` are the bank's, not the row's).
    Enums are kept as their values: the row goes to the database, not to the engine.

    Its JSON is the outcome's ``attributes``: the fields stored in their own columns, or
    given by the bank, are excluded here (a third quicker than an ``exclude`` argument)."""

    model_config = ConfigDict(use_enum_values=True)

    id: str = Field(exclude=True)  # made by the bank from the issuer and the external id
    issuer: str = Field(exclude=True)
    status: OutcomeStatus = Field(default=OutcomeStatus.VERIFIED, exclude=True)
    learner: Ident = Field(exclude=True)
    external_id: Ident = Field(exclude=True)


ROWS = TypeAdapter(list[SubmissionRow])
"""One validator call for many rows: half the time of one call per row."""
CHUNK = 100
"""Rows validated at a time (a validator call each): few enough that each chunk's inputs
and models are freed young, before the garbage collector moves them to its oldest
generation (see ``Record``)."""


Record = tuple[str, str, str, str, str]
"""A valid row reduced to the values stored: learner, external id, kind, the date as ISO
text (``YYYY-MM-DD``: it compares as the dates do), and the outcome's attributes (its other
fields that are set) as JSON text.

A batch keeps tens of thousands of these, and of its rows' results, until it commits. Python's
cyclic garbage collector stops tracking a plain tuple or dict of plain values, but never a
NamedTuple's instances or a dict holding a list; objects it keeps tracking pile up in its
oldest generation and trigger full collections of the whole heap (each about a tenth of a
20,000-row batch). So records are plain tuples, and an accepted row's result has no
``errors`` list."""


OUTCOME_COLUMNS = (
    "id",
    "learner_id",
    "issuer_id",
    "external_id",
    "kind",
    "obtained_on",
    "attributes",
    "status",
    "status_reason",
    "batch_id",
    "created_at",
)
"""The ``outcomes`` columns a batch writes, in the order of ``outcome_values``."""


@dataclass(frozen=True)
class BatchResult:
    """What the submitter gets back, the first time and on every replay."""

    batch_id: int
    accepted: int
    rejected: int
    rows: list[dict[str, Any]]
    replayed: bool = False


def submit_batch(
    engine: Engine,
    *,
    issuer_id: str,
    idempotency_key: str,
    rows: list[dict[str, Any]],
    submitter: str,
    now: dt.datetime,
    keep_valid: bool = False,
    id_hash_key: str | None = None,
    progress: Callable[[int], None] | None = None,
    lines: Sequence[int] | None = None,
) -> BatchResult:
    """Validate and store a batch once; replay the first result for a repeated key.

    A row names its account by ``learner``, or by ``national_id``: the learner's national ID
    number, matched through its keyed hash (``id_hash_key``) and never stored or echoed.
    ``progress`` is called with the number of rows just processed (for a progress bar).
    ``lines``: each row's line in a CSV file (``batch_files.parse_csv``), which results and
    messages then name instead of the row's number. A batch without rows stores nothing (its
    key stays free).
    """
    if not idempotency_key or len(idempotency_key) > 200 or not idempotency_key.isprintable():
        message = "give a key of 1 to 200 characters, without control or invisible ones"
        raise InputInvalid([("idempotency_key", message)])
    if not 0 < len(submitter) <= ACTOR_MAX:
        raise InputInvalid([("submitter", f"give who submits in 1 to {ACTOR_MAX} characters")])
    if len(rows) > MAX_ROWS:
        raise InputInvalid([("rows", f"{len(rows)} rows; send at most {MAX_ROWS} per batch")])
    if not rows:
        raise InputInvalid([("rows", "the batch has no records; nothing was stored")])
    if lines is not None and len(lines) != len(rows):
        raise ValueError(f"{len(lines)} lines for {len(rows)} rows")
    rows = _normalised(rows)
    digest = _content_digest(rows, keep_valid, id_hash_key)

    def work(session: Session) -> BatchResult:
        # Lock the accounts first: a concurrent sender of the same batch then waits here and
        # sees the first one's batch, committed, when it checks the key.
        accounts = _row_accounts(session, rows, id_hash_key, now)
        # only ids a database can be asked about: PostgreSQL refuses text with a NUL, and
        # no driver sends a lone surrogate (neither is printable, nor in any valid id)
        heads = lock_heads(session, [a for a in accounts.learners if a.isprintable()])
        replay = _replay(session, issuer_id, idempotency_key, digest)
        if replay is not None:
            return replay
        if session.get(Issuer, issuer_id) is None:
            raise NotFound("issuer", issuer_id, hint="issuers come from the published rule set")
        return _store(
            session,
            heads,
            accounts,
            issuer_id,
            idempotency_key,
            digest,
            rows,
            lines,
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

    for _attempt in range(RACE_ATTEMPTS):
        try:
            return transaction(engine, work)
        except IntegrityError as exc:
            if "uq_batches_issuer_id" in str(exc.orig):
                # Another request committed the same key first (only possible when the two
                # batches touch no common account): answer as a replay, or refuse other
                # content.
                return transaction(engine, replay_committed)
            if "uq_outcomes_issuer_id" not in str(exc.orig):
                raise
            # Another batch (another key, other accounts: PostgreSQL does not make us wait
            # for it) stored some of our external ids first. Its rows are committed now, so
            # the next try finds them and answers as if it had come second: those rows
            # "already stored (batch N)".
    raise Conflict(
        f"batch '{idempotency_key}' kept meeting other batches storing the same external ids; "
        "send it again",
        code="batch.retry",
    )


def _normalised(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with every ``learner`` and ``external_id`` that is text outside ASCII in the
    identifiers' NFKC form (``domain.normal_ident``), before anything is looked up or
    compared: full-width ``Ｌ１`` names the account ``L1``, and two spellings of one external
    id are one id. A row that changes is copied; the caller's rows are left as they are."""
    changed: list[dict[str, Any]] | None = None
    for index, row in enumerate(rows):
        for field in ("learner", "external_id"):
            value = row.get(field)
            if type(value) is str and not value.isascii():
                if changed is None:
                    changed = list(rows)
                changed[index] = row = {**row, field: unicodedata.normalize("NFKC", value)}
    return rows if changed is None else changed


def _content_digest(rows: list[dict[str, Any]], keep_valid: bool, id_hash_key: str | None) -> str:
    """What makes a batch the same batch again: SHA-256 of its canonical content, national
    ID numbers replaced by their keyed hashes (the digest is stored; a plain hash of a
    number could be found by trying every number)."""
    if any(_gives_national_id(r) for r in rows):
        keys = IdHashKeys.parse(id_hash_key)  # once, not per row
        rows = [
            {**r, "national_id": keys.hash(str(r["national_id"]))} if _gives_national_id(r) else r
            for r in rows
        ]
    return sha256_text(canonical_json({"rows": rows, "keep_valid": keep_valid}))


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


@dataclass(frozen=True)
class _RowAccounts:
    """Each row's account as far as it is known: the owner of its national ID, else its
    ``learner`` as given (``""`` when it gives none; it may name no account); and the errors
    of rows whose national ID could not be matched."""

    learners: list[str]
    errors: dict[int, list[dict[str, str]]]


def _row_accounts(
    session: Session, rows: list[dict[str, Any]], id_hash_key: str | None, now: dt.datetime
) -> _RowAccounts:
    """Match the rows' national ID numbers to accounts. Messages never repeat the number:
    a batch's results are stored."""
    learners = [_named_learner(r) for r in rows]
    errors: dict[int, list[dict[str, str]]] = {}
    given = {i: r["national_id"] for i, r in enumerate(rows) if _gives_national_id(r)}
    numbers: dict[int, str] = {}
    for index, value in given.items():
        # text only: a JSON number loses leading zeros and the check character X
        if isinstance(value, str) and len(value.strip()) <= NATIONAL_ID_MAX:
            numbers[index] = value
        else:
            errors[index] = [{"field": "national_id", "message": NATIONAL_ID_AS_TEXT}]
    owners = learners_by_national_id(session, set(numbers.values()), id_hash_key, now)
    for index, number in numbers.items():
        owner, named = owners.get(number), learners[index]
        if owner is None:
            message = "no account has this national ID"
        elif named and named != owner:
            message = "it is not the national ID of the row's learner"
        else:
            learners[index] = owner
            continue
        errors[index] = [{"field": "national_id", "message": message}]
    return _RowAccounts(learners, errors)


def _gives_national_id(row: dict[str, Any]) -> bool:
    """Whether the row names its learner by national ID (null or blank is no ID)."""
    value = row.get("national_id")
    return value is not None and not (isinstance(value, str) and not value.strip())


def _named_learner(row: dict[str, Any]) -> str:
    """The row's ``learner`` as text (``""`` when it gives none)."""
    value = row.get("learner")
    return "" if value is None else str(value)


def _store(
    session: Session,
    heads: dict[str, Head],
    accounts: _RowAccounts,
    issuer_id: str,
    key: str,
    digest: str,
    rows: list[dict[str, Any]],
    lines: Sequence[int] | None,
    submitter: str,
    now: dt.datetime,
    keep_valid: bool,
    progress: Callable[[int], None],
) -> BatchResult:
    external_ids = [r.get("external_id") for r in rows]
    taken = _stored_external_ids(
        session, issuer_id, [e for e in external_ids if type(e) is str and e.isprintable()]
    )
    today = now.date()
    results: list[dict[str, Any]] = []
    valid: list[Record] = []
    accepted: list[dict[str, Any]] = []  # the results of the valid rows, in the same order
    seen: dict[str, int] = {}
    records, row_errors = validate(rows, issuer_id, today, accounts.learners)
    for index, found in accounts.errors.items():
        row_errors[index] = found + row_errors.get(index, [])
    for number, (raw, learner, record) in enumerate(
        zip(rows, accounts.learners, records, strict=True), 1
    ):
        if number % 1000 == 0:
            progress(1000)
        errors = row_errors.get(number - 1, [])
        # a field without errors holds a valid value, even when other fields have errors
        wrong = {e["field"] for e in errors} if errors else ()
        external_id = str(raw.get("external_id", ""))
        result: dict[str, Any] = {"row": number}
        if lines is not None:
            result["line"] = lines[number - 1]
        if "learner" not in wrong and "national_id" not in wrong and learner not in heads:
            errors.append({"field": "learner", "message": UNKNOWN_LEARNER})
        if "external_id" not in wrong:
            if external_id in seen:
                first = {"row": seen[external_id]}
                if lines is not None:
                    first["line"] = lines[seen[external_id] - 1]
                errors.append(
                    {"field": "external_id", "message": f"repeats {row_place(first)} of this batch"}
                )
            elif external_id in taken:
                errors.append(
                    {
                        "field": "external_id",
                        "message": f"already stored (batch {taken[external_id]})",
                    }
                )
            seen.setdefault(external_id, number)
        result["external_id"] = external_id
        if record is not None and not errors:
            valid.append(record)
            result["status"] = "accepted"
            accepted.append(result)
        else:
            result["status"] = "rejected"
            result["errors"] = errors
        results.append(result)
    rejected = [r for r in results if r["status"] == "rejected"]
    if rejected and not keep_valid:
        raise BatchInvalid(rejected)
    ids = _allocate_ids(session, len(valid)) if valid else []
    for result, outcome_id in zip(accepted, ids, strict=True):
        result["outcome"] = outcome_id  # the bank's id, for the next steps (verify, revoke)
    batch = Batch(
        issuer_id=issuer_id,
        idempotency_key=key,
        content_digest=digest,
        submitter=submitter,
        keep_valid=keep_valid,
        accepted=len(valid),
        rejected=len(rejected),
        results=results,
        created_at=utc(now),  # SQLite keeps the wall clock of an aware time
    )
    session.add(batch)
    session.flush()
    if valid:
        _insert_outcomes(session, batch.id, issuer_id, valid, ids, heads, submitter, now)
    progress(len(rows) % 1000)
    return BatchResult(batch.id, batch.accepted, batch.rejected, results)


def validate(
    rows: list[dict[str, Any]], issuer_id: str, today: dt.date, learners: list[str] | None = None
) -> tuple[list[Record | None], dict[int, list[dict[str, str]]]]:
    """Every row's record (``None`` where the row is invalid), and the errors (field and
    message) of the rows that have any, by index; ``CHUNK`` rows per validator call.

    ``learners``: each row's account as ``_row_accounts`` matched it; without them, a row
    may not give a national ID."""
    records: list[Record | None] = []
    errors: dict[int, list[dict[str, str]]] = {}
    for start in range(0, len(rows), CHUNK):
        records.extend(_validate_chunk(rows, start, errors, issuer_id, today, learners))
    return records, errors


def _validate_chunk(
    rows: list[dict[str, Any]],
    start: int,
    errors: dict[int, list[dict[str, str]]],
    issuer_id: str,
    today: dt.date,
    learners: list[str] | None,
) -> list[Record | None]:
    """The records of ``CHUNK`` rows from ``start``; every problem found is added to the
    row's list in ``errors`` (by the row's index in ``rows``)."""
    items = []
    for row_index, raw in enumerate(rows[start : start + CHUNK], start):
        if given := BANK_FIELDS.intersection(raw):
            for field in sorted(given):
                message = "unknown field (the bank sets an outcome's id, issuer and status)"
                errors.setdefault(row_index, []).append({"field": field, "message": message})
            raw = {k: v for k, v in raw.items() if k not in BANK_FIELDS}
        if learners and "national_id" in raw:
            gives = _gives_national_id(raw)
            raw = {k: v for k, v in raw.items() if k != "national_id"}
            if gives:  # its account was matched, or the error reported
                raw["learner"] = learners[row_index]
        item = {**raw, "id": f"{issuer_id}:{raw.get('external_id')}", "issuer": issuer_id}
        item.setdefault("kind", OutcomeKind.ENTERPRISE_TRAINING)
        items.append(item)
    try:
        return _not_future(
            [_record(row) for row in ROWS.validate_python(items)], start, errors, today
        )
    except ValidationError as exc:
        failed = set()
        for details in exc.errors(include_url=False):
            index, error = _row_error(details)  # index in this chunk
            failed.add(index)
            if error["field"] in {"id", "issuer"}:  # made from external_id, reported there
                continue
            if error["field"] == "learner" and learners and _gives_national_id(rows[start + index]):
                continue  # the account matched by the national ID, reported there
            errors.setdefault(start + index, []).append(error)
    records: list[Record | None] = [None] * len(items)
    good = [i for i in range(len(items)) if i not in failed]
    for index, row in zip(good, ROWS.validate_python([items[i] for i in good]), strict=True):
        records[index] = _record(row)
    return _not_future(records, start, errors, today)


def _not_future(
    records: list[Record | None],
    start: int,
    errors: dict[int, list[dict[str, str]]],
    today: dt.date,
) -> list[Record | None]:
    """``records`` (of the rows from ``start``) without those dated after ``today``, whose
    rows get the error instead."""
    today_text = today.isoformat()  # ISO dates compare as the dates do
    for index, record in enumerate(records):
        if record is not None and (obtained_on := record[3]) > today_text:
            message = f"{obtained_on} is in the future"
            errors.setdefault(start + index, []).append({"field": "date", "message": message})
            records[index] = None
    return records


def _record(row: SubmissionRow) -> Record:
    attributes = row.model_dump_json(exclude_none=True)
    return (row.learner, row.external_id, row.kind, row.date.isoformat(), attributes)


def _row_error(details: ErrorDetails) -> tuple[int, dict[str, str]]:
    """The row (its index in the batch) a validation error is about, its field and message."""
    index, *loc = details["loc"]
    field = ".".join(str(p) for p in loc if not (isinstance(p, str) and "[" in p))
    message = details["msg"].removeprefix("Value error, ")
    if details["type"] == "extra_forbidden":
        field = str(loc[-1])  # the row's key, even one with brackets
        message = "unknown field"
    elif details["type"] == "missing":
        message = "required (or national_id)" if field == "learner" else "required"
    return int(index), {"field": printable(field) or "row", "message": message}


def _stored_external_ids(session: Session, issuer_id: str, ids: list[str]) -> dict[str, int]:
    """Which of ``ids`` the issuer already stored, and in which batch.

    The ids go in one parameter (one statement to prepare, not one bind per id): a JSON array
    on SQLite; on PostgreSQL an array per 1,000 ids, each looked up in the (issuer, external
    id) index by a LATERAL subquery with LIMIT 1, which stays a lookup per id whatever the
    planner thinks of the table (with ``IN (...)`` or a join on a fresh table it scanned all
    the issuer's rows); 1,000 ids keep a query's estimated cost below the JIT's threshold.
    """
    unique = sorted(set(ids))
    if session.get_bind().dialect.name != "postgresql":
        rows = session.execute(_STORED_SQLITE, {"ids": json.dumps(unique), "issuer": issuer_id})
        return {ext: batch or 0 for ext, batch in rows}
    found: dict[str, int] = {}
    for start in range(0, len(unique), 1000):
        chunk = unique[start : start + 1000]
        rows = session.execute(_STORED_POSTGRES, {"ids": chunk, "issuer": issuer_id})
        found.update((ext, batch or 0) for ext, batch in rows)
    return found


_STORED_SQLITE = text(
    "SELECT external_id, batch_id FROM outcomes WHERE issuer_id = :issuer "
    "AND external_id IN (SELECT value FROM json_each(:ids))"
)
_STORED_POSTGRES = text(
    "SELECT wanted.id, stored.batch_id FROM unnest(CAST(:ids AS varchar[])) AS wanted(id) "
    "CROSS JOIN LATERAL (SELECT batch_id FROM outcomes "
    "WHERE issuer_id = :issuer AND external_id = wanted.id LIMIT 1) AS stored"
)


def outcome_values(
    outcome_id: int, record: Record, issuer_id: str, batch_id: int | None, created_at: Any
) -> tuple[Any, ...]:
    """The ``outcomes`` row a submitted record becomes, in ``OUTCOME_COLUMNS`` order and the
    driver's form (``bulk.insert``): attributes as JSON text, the date as ISO text,
    ``created_at`` as ``bulk.driver_value`` gives it."""
    learner, external_id, kind, obtained_on, attributes = record
    return (
        outcome_id,
        learner,
        issuer_id,
        external_id,
        kind,
        obtained_on,
        attributes,
        "submitted",
        None,
        batch_id,
        created_at,
    )


def deposit_payload(batch_id: int, issuer_id: str, record: Record) -> str:
    """The canonical JSON of a deposit entry's payload, written out (a batch makes tens of
    thousands; the kind, the ISO date and the digest need no escaping): the batch, and the
    whole stored outcome as ``outcome_digest`` (its ``content``), so that ``ledger verify``
    finds any later change to the outcome's row.

    >>> record = ("L1", 'x"é', "enterprise_training", "2024-05-01", "{}")
    >>> deposit_payload(7, "acme", record) == canonical_json(
    ...     {"batch": 7, "external_id": 'x"é', "kind": "enterprise_training", "date": "2024-05-01",
    ...      "content": outcome_digest("L1", "acme", 'x"é', "enterprise_training", "2024-05-01", "{}")})
    True
    """
    learner, external_id, kind, obtained_on, attributes = record
    content = outcome_digest(learner, issuer_id, external_id, kind, obtained_on, attributes)
    return (
        f'{{"batch":{batch_id:d},"content":"{content}","date":"{obtained_on}",'
        f'"external_id":{encode_basestring(external_id)},"kind":"{kind}"}}'
    )


def _allocate_ids(session: Session, count: int) -> list[int]:
    """``count`` new outcome ids: from the sequence on PostgreSQL; on SQLite after the largest,
    which is safe because the transaction already holds the write lock (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        # the sequence named first: nextval of a constant is several times quicker than of
        # pg_get_serial_sequence(...) evaluated for every row
        sequence = session.scalar(text("SELECT pg_get_serial_sequence('outcomes', 'id')"))
        query = text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :n)")
        return list(session.scalars(query, {"sequence": sequence, "n": count}))
    start = session.scalar(select(func.max(OutcomeRow.id))) or 0
    return list(range(start + 1, start + count + 1))


def _insert_outcomes(
    session: Session,
    batch_id: int,
    issuer_id: str,
    valid: list[Record],
    ids: list[int],
    heads: dict[str, Head],
    submitter: str,
    now: dt.datetime,
) -> None:
    """The outcomes (with ``ids``, allocated first: no RETURNING of thousands of rows) and a
    deposit entry for each on its learner's chain, each table with one driver executemany."""
    created_at = bulk.driver_value(session, OutcomeRow.created_at, utc(now))
    values = [
        outcome_values(outcome_id, record, issuer_id, batch_id, created_at)
        for outcome_id, record in zip(ids, valid, strict=True)
    ]
    if session.get_bind().dialect.name == "postgresql":
        # In external id order: two batches that store some of the same ids then meet at the
        # first of them (one waits for the other, then retries; see ``submit_batch``), and
        # never each hold an id the other waits for (a deadlock).
        values.sort(key=itemgetter(3))
    bulk.insert(session, OutcomeRow, OUTCOME_COLUMNS, values)
    # each account's deposits together, in row order; each made as its entry is written
    # (see ``Record`` for why a batch keeps nothing it need not)
    by_learner = sorted(zip(ids, valid, strict=True), key=lambda pair: pair[1][0])
    deposits = (
        (
            record[0],
            NewEntry(EntryKind.DEPOSIT, deposit_payload(batch_id, issuer_id, record), outcome_id),
        )
        for outcome_id, record in by_learner
    )
    append_many(session, heads, deposits, actor=submitter, at=now)


def batches_of(
    session: Session, issuer_id: str, *, after: int = 0, limit: int = 100
) -> list[Batch]:
    """The issuer's batches in id order after the cursor ``after``."""
    return list(
        session.scalars(
            select(Batch)
            .where(Batch.issuer_id == issuer_id, Batch.id > after)
            .order_by(Batch.id)
            .limit(limit)
        )
    )


def batch_of(session: Session, issuer_id: str, batch_id: int) -> Batch:
    """One of the issuer's batches with its per-row results; another issuer's is unknown."""
    batch = session.get(Batch, batch_id)
    if batch is None or batch.issuer_id != issuer_id:
        raise NotFound("batch", str(batch_id))
    return batch
