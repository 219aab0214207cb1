"""``creditbank`` commands that act on the bank's database (``CREDITBANK_DATABASE_URL``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from creditbank.config import get_settings
from creditbank.errors import CreditBankError
from creditbank.service import accounts, audits, keys, learners, outcomes, rulesets, submissions
from creditbank.store import ledger, migrate
from creditbank.store.session import make_engine, session_scope

db_app = typer.Typer(help="The bank's database.", no_args_is_help=True)
ledger_app = typer.Typer(help="The tamper-evident ledger.", no_args_is_help=True)
versions_app = typer.Typer(help="Rule-set versions stored in the bank.", no_args_is_help=True)
learners_app = typer.Typer(help="Learning accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
outcomes_app = typer.Typer(help="Outcome lifecycle.", no_args_is_help=True)
decisions_app = typer.Typer(help="Stored decisions.", no_args_is_help=True)
Actor = Annotated[str, typer.Option("--actor", help="who does this (recorded in the ledger)")]


def _engine() -> Engine:
    """The bank's database, once it is known to exist at the latest schema."""
    url = get_settings().database_url
    try:
        migrate.require_current(url)
    except CreditBankError as exc:
        raise _fail(exc) from None
    return make_engine(url)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _fail(exc: Exception) -> typer.Exit:
    typer.secho(str(exc), err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(ValueError(f"'{value}' is not a date like 2026-09-01")) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    url = get_settings().database_url
    migrate.upgrade(url)
    typer.echo(f"database at {url} is at the latest schema")


@ledger_app.command("verify")
def ledger_verify(learner: Annotated[str | None, typer.Option(help="one account")] = None) -> None:
    """Walk every hash chain; report the first broken entry of each account."""
    with session_scope(_engine()) as session:
        checked, breaks = ledger.verify(session, learner)
    for b in breaks:
        typer.secho(
            f"BROKEN {b.learner_id} entry {b.seq} (row {b.entry_id}): {b.problem}",
            fg=typer.colors.RED,
        )
    typer.echo(f"{checked} entries checked, {len(breaks)} broken account(s)")
    if breaks:
        raise typer.Exit(1)


@versions_app.command("load")
def versions_load(path: Path, actor: Actor = "cli") -> None:
    """Store a rule directory as a draft version (after checking it)."""
    try:
        version = rulesets.load_draft(_engine(), root=path, actor=actor, now=_now())
    except CreditBankError as exc:
        raise _fail(exc) from None
    typer.echo(f"version {version.id}: {version.pack_id} {version.digest[:16]} ({version.status})")


@versions_app.command("publish")
def versions_publish(
    version: int,
    effective_from: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    actor: Actor = "cli",
) -> None:
    """Publish a draft version from a date; it can never change afterwards."""
    try:
        row = rulesets.publish(
            _engine(),
            version_id=version,
            effective_from=_date(effective_from),
            actor=actor,
            now=_now(),
        )
    except CreditBankError as exc:
        raise _fail(exc) from None
    typer.echo(f"version {row.id} published from {row.effective_from}")


@versions_app.command("retire")
def versions_retire(version: int) -> None:
    """Take a published version out of force; past decisions keep naming it."""
    try:
        row = rulesets.retire(_engine(), version_id=version)
    except CreditBankError as exc:
        raise _fail(exc) from None
    typer.echo(f"version {row.id} retired")


@versions_app.command("list")
def versions_list() -> None:
    """List stored versions."""
    with session_scope(_engine()) as session:
        for v in rulesets.list_versions(session):
            typer.echo(
                f"{v.id}\t{v.pack_id}\t{v.status}\t{v.effective_from or '-'}\t{v.digest[:16]}"
            )


@learners_app.command("add")
def learners_add(
    learner_id: str,
    national_id: Annotated[str | None, typer.Option(help="kept only as a keyed hash")] = None,
    employer: Annotated[str | None, typer.Option(help="enterprise issuer id")] = None,
) -> None:
    """Open a learning account."""
    settings = get_settings()
    try:
        learners.register_learner(
            _engine(),
            learner_id=learner_id,
            now=_now(),
            national_id=national_id,
            id_hash_key=settings.id_hash_key.get_secret_value(),
            employer_id=employer,
        )
    except CreditBankError as exc:
        raise _fail(exc) from None
    typer.echo(f"learner {learner_id} ready")


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help=f"one of {', '.join(keys.ROLES)}")],
    enterprise: Annotated[str | None, typer.Option()] = None,
    institution: Annotated[str | None, typer.Option()] = None,
    learner: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    scope = enterprise or institution or learner
    try:
        key = keys.create_key(_engine(), role=role, scope_id=scope, now=_now())
    except CreditBankError as exc:
        raise _fail(exc) from None
    typer.echo(key)


@outcomes_app.command("set")
def outcomes_set(
    outcome_id: int,
    action: Annotated[str, typer.Argument(help="verify, reject or revoke")],
    reason: Annotated[str | None, typer.Option(help="required to reject or revoke")] = None,
    actor: Actor = "cli",
) -> None:
    """Verify, reject or revoke a stored outcome."""
    if action not in ("verify", "reject", "revoke"):
        raise _fail(ValueError("action must be verify, reject or revoke"))
    try:
        row = outcomes.change_status(
            _engine(), outcome_id=outcome_id, action=action, actor=actor, now=_now(), reason=reason
        )
    except CreditBankError as exc:
        raise _fail(exc) from None
    typer.echo(f"outcome {row.id} is {row.status}")


@decisions_app.command("rerun")
def decisions_rerun(decision_id: int) -> None:
    """Recompute a stored decision from its stored inputs; exit 1 if it differs."""
    with session_scope(_engine()) as session:
        try:
            rerun = audits.rerun_decision(session, decision_id)
        except CreditBankError as exc:
            raise _fail(exc) from None
    status = "reproduced" if rerun.reproduced else "DIFFERS"
    typer.echo(
        f"decision {decision_id}: {status} ({rerun.stored_digest[:16]} / "
        f"{rerun.recomputed_digest[:16]})"
    )
    if not rerun.reproduced:
        raise typer.Exit(1)


def import_batch(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8, header line) or JSON array")],
    enterprise: Annotated[str, typer.Option("--enterprise", help="issuer id of the enterprise")],
    key: Annotated[
        str | None, typer.Option(help="idempotency key (default: the file name)")
    ] = None,
    keep_valid: Annotated[bool, typer.Option(help="store valid rows, report the others")] = False,
) -> None:
    """Submit an enterprise batch; re-sending the same file with the same key is safe."""
    data = file.read_bytes()
    try:
        rows = (
            submissions.parse_json_rows(data)
            if file.suffix.lower() == ".json"
            else submissions.parse_csv_rows(data)
        )
        with typer.progressbar(
            length=len(rows),
            label=f"{file.name}: {len(rows)} row{'' if len(rows) == 1 else 's'}",
            file=None,
        ) as bar:
            result = submissions.submit_batch(
                _engine(),
                issuer_id=enterprise,
                idempotency_key=key or file.name,
                rows=rows,
                submitter=f"cli:{enterprise}",
                now=_now(),
                keep_valid=keep_valid,
                id_hash_key=get_settings().id_hash_key.get_secret_value(),
                progress=bar.update,
            )
    except CreditBankError as exc:
        raise _fail(exc) from None
    replay = " (already stored: nothing written)" if result.replayed else ""
    typer.echo(
        f"batch {result.batch_id}: {result.accepted} accepted, {result.rejected} rejected{replay}"
    )
    for row in result.rows:
        for error in row.get("errors", ()):
            typer.echo(f"  row {row['row']}: {error['field']}: {error['message']}")


def show_statement(
    learner_id: str, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """A learner's account: outcomes, bank credits, ledger history."""
    with session_scope(_engine()) as session:
        try:
            result = accounts.statement(session, learner_id)
        except CreditBankError as exc:
            raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(result.__dict__, default=str, ensure_ascii=False, indent=2))
        return
    typer.secho(f"learner {learner_id}: {result.total_credits} bank credits", bold=True)
    for o in result.outcomes:
        credits = f"{o['credits']} credits" if o["credits"] else ""
        typer.echo(
            f"  #{o['id']} {o['kind']} {o['issuer']}/{o['external_id']} {o['date']} "
            f"{o['status']} {credits}".rstrip()
        )
    for label, values in (
        ("by level", result.credits_by_level),
        ("by field", result.credits_by_field),
        ("by kind", result.credits_by_kind),
    ):
        if values:
            typer.echo(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in values.items()))
    typer.echo(f"  ledger: {len(result.ledger)} entries")
    for e in result.ledger[-10:]:
        typer.echo(f"    {e['seq']} {e['at'][:19]} {e['kind']} by {e['actor']}")
