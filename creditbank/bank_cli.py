"""``creditbank`` commands that act on the bank's database (``CREDITBANK_DATABASE_URL``)."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from creditbank.config import get_settings
from creditbank.credentials.proof import public_multibase
from creditbank.errors import CreditBankError
from creditbank.service import (
    accounts,
    audits,
    batch_files,
    credentials,
    integrity,
    keys,
    learners,
    outcomes,
    rulesets,
    signing_keys,
    submissions,
)
from creditbank.store import checkpoints, migrate
from creditbank.store.session import make_engine, session_scope
from creditbank.text import printable

db_app = typer.Typer(help="The bank's database.", no_args_is_help=True)
ledger_app = typer.Typer(help="The tamper-evident ledger.", no_args_is_help=True)
versions_app = typer.Typer(help="Rule-set versions stored in the bank.", no_args_is_help=True)
learners_app = typer.Typer(help="Learning accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
outcomes_app = typer.Typer(help="Outcome lifecycle.", no_args_is_help=True)
decisions_app = typer.Typer(help="Stored decisions.", no_args_is_help=True)
credentials_app = typer.Typer(
    help="Verifiable credentials (Open Badges 3.0, CLR 2.0) the bank issues.", no_args_is_help=True
)
Actor = Annotated[str, typer.Option("--actor", help="who does this (recorded in the ledger)")]
RowId = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="the bank's number of it")]
"""A stored row's id: the columns are 32-bit integers on PostgreSQL."""


def bank_engine() -> Engine:
    """The bank's database, once it is known to exist at the latest schema."""
    url = get_settings().database_url
    try:
        migrate.require_current(url)
    except CreditBankError as exc:
        raise fail(exc) from None
    return make_engine(url)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _id_hash_key() -> str | None:
    key = get_settings().id_hash_key
    return None if key is None else key.get_secret_value()


def _secret_from_stdin(prompt: str) -> str:
    """A secret typed at a hidden prompt, or piped in (never an argument: arguments show in
    ``ps`` and in the shell's history)."""
    if sys.stdin.isatty():
        return getpass.getpass(f"{prompt}: ")
    return sys.stdin.readline().strip()


def fail(exc: Exception) -> typer.Exit:
    typer.secho(printable(str(exc), keep_newlines=True), err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(ValueError(f"'{value}' is not a date like 2026-09-01")) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    url = get_settings().database_url
    migrate.upgrade(url)
    typer.echo(f"database at {url} is at the latest schema")


@ledger_app.command("verify")
def ledger_verify(
    learner: Annotated[str | None, typer.Option(help="one account")] = None,
    show_moved: Annotated[
        int, typer.Option(help="list at most this many accounts that moved since the checkpoint")
    ] = 20,
) -> None:
    """Check every account's chain, outcomes and decisions, and the newest signed checkpoint;
    say which accounts changed since it."""
    settings = get_settings()
    engine = bank_engine()
    try:
        public_key = signing_keys.public_key(settings)
        accounts = integrity.accounts_to_check(engine, learner)
        with typer.progressbar(length=accounts, label="accounts", file=sys.stderr) as bar:
            report = integrity.verify_bank(
                engine,
                learner_id=learner,
                public_key=public_key,
                log=settings.checkpoint_log,
                progress=bar.update,
            )
    except CreditBankError as exc:
        raise fail(exc) from None
    for problem in report.problems:
        typer.secho(f"BROKEN {printable(str(problem))}", fg=typer.colors.RED)
    typer.echo(
        f"{report.entries} entries, {report.outcomes} outcomes, {report.decisions} decisions"
        + (f", {report.versions} rule-set versions" if not learner else "")
        + f" checked: {len(report.problems)} problem(s)"
    )
    checkpoint = report.checkpoint
    if checkpoint is None:
        typer.echo(
            "no checkpoint yet: a re-hashed or truncated chain cannot be told from a true "
            "one (`creditbank ledger checkpoint` writes one)"
        )
    else:
        typer.echo(
            f"checked against checkpoint {checkpoint.id} of {checkpoint.at:%Y-%m-%d %H:%M} "
            f"UTC ({checkpoint.accounts} accounts); {len(report.moved)} account(s) changed since"
        )
        for moved in report.moved[:show_moved]:
            since = f"entries {moved.checkpointed_seq + 1}-{moved.seq}"
            new = " (new account)" if moved.checkpointed_seq == 0 else ""
            typer.echo(f"  {printable(moved.learner_id)}: {since}{new}")
        if len(report.moved) > show_moved:
            typer.echo(f"  ... and {len(report.moved) - show_moved} more")
    if report.problems:
        raise typer.Exit(1)


@ledger_app.command("checkpoint")
def ledger_checkpoint(
    every: Annotated[
        float | None,
        typer.Option(help="keep running: write a checkpoint every this many minutes"),
    ] = None,
) -> None:
    """Sign every account's ledger head with the key in CREDITBANK_CHECKPOINT_KEY (run it
    from cron, or with --every)."""
    settings = get_settings()
    engine = bank_engine()
    try:
        key = signing_keys.private_key(settings)
        trusted = signing_keys.public_key(settings)
    except CreditBankError as exc:
        raise fail(exc) from None
    while True:
        try:
            checkpoint = integrity.write_checkpoint(
                engine, key=key, now=now_utc(), log=settings.checkpoint_log, trusted=trusted
            )
        except CreditBankError as exc:
            raise fail(exc) from None
        if checkpoint is None:
            typer.echo(f"{now_utc():%Y-%m-%d %H:%M:%S} no account moved since the last checkpoint")
        else:
            typer.echo(
                f"{now_utc():%Y-%m-%d %H:%M:%S} checkpoint {checkpoint.id}: "
                f"{checkpoint.accounts} accounts, root {checkpoint.root[:16]}"
            )
        if every is None:
            return
        time.sleep(every * 60)


@versions_app.command("load")
def versions_load(path: Path, actor: Actor = "cli") -> None:
    """Store a rule directory as a draft version (after checking it)."""
    try:
        version = rulesets.load_draft(bank_engine(), root=path, actor=actor, now=now_utc())
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(f"version {version.id}: {version.pack_id} {version.digest[:16]} ({version.status})")


@versions_app.command("publish")
def versions_publish(
    version: RowId,
    effective_from: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    actor: Actor = "cli",
) -> None:
    """Publish a draft version from a date; it can never change afterwards."""
    try:
        row = rulesets.publish(
            bank_engine(),
            version_id=version,
            effective_from=parse_date(effective_from),
            actor=actor,
            now=now_utc(),
        )
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(f"version {row.id} published from {row.effective_from}")


@versions_app.command("retire")
def versions_retire(version: RowId) -> None:
    """Take a published version out of force; past decisions keep naming it."""
    try:
        row = rulesets.retire(bank_engine(), version_id=version)
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(f"version {row.id} retired")


@versions_app.command("list")
def versions_list() -> None:
    """List stored versions."""
    with session_scope(bank_engine(), read_only=True) as session:
        for v in rulesets.list_versions(session):
            typer.echo(
                f"{v.id}\t{v.pack_id}\t{v.status}\t{v.effective_from or '-'}\t{v.digest[:16]}"
            )


@learners_app.command("add")
def learners_add(
    learner_id: str,
    national_id: Annotated[
        str | None,
        typer.Option(
            help="kept only as a keyed hash; '-' reads it from standard input (it then never "
            "shows in ps or the shell's history)"
        ),
    ] = None,
    employer: Annotated[str | None, typer.Option(help="enterprise issuer id")] = None,
) -> None:
    """Open a learning account."""
    if national_id == "-":
        national_id = _secret_from_stdin("national ID number")
        if not national_id:
            raise fail(ValueError("--national-id -: no number was given on standard input"))
    try:
        learner = learners.register_learner(
            bank_engine(),
            learner_id=learner_id,
            now=now_utc(),
            national_id=national_id,
            id_hash_key=_id_hash_key(),
            employer_id=employer,
        )
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(f"learner {printable(learner.id)} ready")  # the id as the bank keeps it


@learners_app.command("rehash")
def learners_rehash() -> None:
    """Rotate the national-ID key: reads the new key from standard input and wraps every
    stored hash under it (CREDITBANK_ID_HASH_KEY must hold the bank's current keys)."""
    new_key = _secret_from_stdin("new key")
    try:
        count, ring = learners.rehash(
            bank_engine(), key=_id_hash_key(), new_key=new_key, now=now_utc()
        )
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(
        f"{count} national ID hash(es) re-keyed; the bank's key ring now has {len(ring.keys)} "
        f"keys (fingerprint {ring.fingerprint()[:12]}).\n"
        "From now on CREDITBANK_ID_HASH_KEY must hold the old key(s) and then the new one, "
        "separated by spaces; the bank refuses any other value."
    )


@keys_app.command("checkpoint-init")
def keys_checkpoint_init(
    path: Annotated[
        Path, typer.Argument(help="where to write the private key (not in the database)")
    ],
) -> None:
    """Make the Ed25519 key pair that signs ledger checkpoints (PATH, mode 0600, and PATH.pub)."""
    try:
        public = signing_keys.create_key_files(path)
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(
        f"wrote {path} (private: keep it off the database server's backups) and "
        f"{signing_keys.public_path(path)}\n"
        f"public key {checkpoints.public_key_hex(public)}\n"
        f"set CREDITBANK_CHECKPOINT_KEY={path} where checkpoints are written, and "
        f"CREDITBANK_CHECKPOINT_PUBLIC_KEY={signing_keys.public_path(path)} where they are checked"
    )


@keys_app.command("issuer-init")
def keys_issuer_init(
    path: Annotated[
        Path, typer.Argument(help="where to write the private key (not in the database)")
    ],
) -> None:
    """Make the Ed25519 key pair that signs the credentials the bank issues (PATH, mode 0600,
    and PATH.pub); keep it apart from the checkpoint key."""
    try:
        public = signing_keys.create_key_files(path)
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(
        f"wrote {path} (private) and {signing_keys.public_path(path)}\n"
        f"public key {public_multibase(public)}\n"
        f"set CREDITBANK_ISSUER_KEY={path} and CREDITBANK_ISSUER_URL to the bank's issuer "
        "address (where the API serves /v1/issuer)"
    )


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
        key = keys.create_key(bank_engine(), role=role, scope_id=scope, now=now_utc())
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(key)


@outcomes_app.command("set")
def outcomes_set(
    outcome_id: RowId,
    action: Annotated[str, typer.Argument(help="verify, reject or revoke")],
    reason: Annotated[str | None, typer.Option(help="required to reject or revoke")] = None,
    actor: Actor = "cli",
) -> None:
    """Verify, reject or revoke a stored outcome."""
    if action not in ("verify", "reject", "revoke"):
        raise fail(ValueError("action must be verify, reject or revoke"))
    try:
        row = outcomes.change_status(
            bank_engine(),
            outcome_id=outcome_id,
            action=action,
            actor=actor,
            now=now_utc(),
            reason=reason,
        )
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(f"outcome {row.id} is {row.status}")


@decisions_app.command("rerun")
def decisions_rerun(decision_id: RowId) -> None:
    """Check a stored decision against its digest and the ledger, and recompute it from its
    stored inputs; exit 1 if anything differs."""
    with session_scope(bank_engine(), read_only=True) as session:
        try:
            rerun = audits.rerun_decision(session, decision_id)
        except CreditBankError as exc:
            raise fail(exc) from None
    for problem in rerun.problems:
        typer.secho(f"BROKEN decision {decision_id}: {problem}", fg=typer.colors.RED)
    status = "reproduced" if rerun.reproduced else "DIFFERS"
    typer.echo(
        f"decision {decision_id}: {status} ({rerun.stored_digest[:16]} / "
        f"{rerun.recomputed_digest[:16] or '-'})"
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
    try:
        batch = batch_files.read_batch_file(file)
        count = len(batch.rows)
        with typer.progressbar(
            length=count,
            label=printable(f"{file.name}: {count} row{'' if count == 1 else 's'}"),
            file=None,
        ) as bar:
            result = submissions.submit_batch(
                bank_engine(),
                issuer_id=enterprise,
                idempotency_key=key or file.name,
                rows=batch.rows,
                lines=batch.lines,
                submitter=f"cli:{enterprise}",
                now=now_utc(),
                keep_valid=keep_valid,
                id_hash_key=_id_hash_key(),
                progress=bar.update,
            )
    except CreditBankError as exc:
        raise fail(exc) from None
    replay = " (already stored: nothing written)" if result.replayed else ""
    typer.echo(
        f"batch {result.batch_id}: {result.accepted} accepted, {result.rejected} rejected{replay}"
    )
    for row in result.rows:
        where = f"line {row['line']}" if "line" in row else f"row {row['row']}"
        for error in row.get("errors", ()):
            typer.echo(printable(f"  {where}: {error['field']}: {error['message']}"))


def show_statement(
    learner_id: str, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """A learner's account: outcomes, bank credits, ledger history."""
    with session_scope(bank_engine(), read_only=True) as session:
        try:
            result = accounts.statement(session, learner_id)
        except CreditBankError as exc:
            raise fail(exc) from None
    if as_json:
        text = json.dumps(result.__dict__, default=str, ensure_ascii=False, indent=2)
        typer.echo(printable(text, keep_newlines=True))
        return
    typer.secho(
        f"learner {printable(result.learner_id)}: {result.total_credits} bank credits", bold=True
    )
    for o in result.outcomes:
        credits = f"{o['credits']} credits" if o["credits"] else ""
        line = (
            f"  #{o['id']} {o['kind']} {o['issuer']}/{o['external_id']} {o['date']} "
            f"{o['status']} {credits}"
        )
        typer.echo(printable(line.rstrip()))
    for label, values in (
        ("by level", result.credits_by_level),
        ("by field", result.credits_by_field),
        ("by kind", result.credits_by_kind),
    ):
        if values:
            line = f"  {label}: " + ", ".join(f"{k} {v}" for k, v in values.items())
            typer.echo(printable(line))
    typer.echo(f"  ledger: {len(result.ledger)} entries")
    for e in result.ledger[-10:]:
        typer.echo(printable(f"    {e['seq']} {e['at'][:19]} {e['kind']} by {e['actor']}"))


Output = Annotated[
    Path | None, typer.Option("-o", "--output", help="write to this file instead of stdout")
]


@credentials_app.command("export")
def credentials_export(
    learner: Annotated[str, typer.Argument(help="the learner's account id")],
    clr: Annotated[
        bool, typer.Option("--clr", help="the whole record as one CLR 2.0 credential")
    ] = False,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
    output: Output = None,
) -> None:
    """The learner's recognised outcomes as signed Open Badges 3.0 credentials (a JSON list),
    or with --clr the whole record as a signed CLR 2.0 credential."""
    if lang not in ("zh", "en"):
        raise fail(CreditBankError(f"--lang must be zh or en, not '{lang}'"))
    try:
        found = credentials.export(
            bank_engine(), get_settings(), learner, record=clr, lang=lang, now=now_utc()
        )
    except CreditBankError as exc:
        raise fail(exc) from None
    _write_json(found, output)


@credentials_app.command("status-list")
def credentials_status_list(
    number: Annotated[int, typer.Argument(min=0, help="which list (outcome id div 131072)")] = 0,
    output: Output = None,
) -> None:
    """The signed Bitstring Status List of revoked credentials (as the API serves it)."""
    try:
        found = credentials.status_list(bank_engine(), get_settings(), number, now_utc())
    except CreditBankError as exc:
        raise fail(exc) from None
    _write_json(found, output)


def _write_json(document: object, output: Path | None) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


@credentials_app.command("import")
def credentials_import(
    path: Annotated[Path, typer.Argument(help="the Open Badges 3.0 credential (JSON)")],
    learner: Annotated[str, typer.Option(help="the learner's account id")],
    issuer: Annotated[str, typer.Option(help="the sending issuer, as the rules name it")],
    status_list: Annotated[
        Path | None, typer.Option(help="the issuer's status list, when the credential has one")
    ] = None,
    actor: Actor = "cli",
) -> None:
    """Verify an Open Badges 3.0 credential and store it as the learner's outcome; a
    credential that does not verify stores nothing and says why."""
    try:
        credential = batch_files.read_json_file(path)
        listing = batch_files.read_json_file(status_list) if status_list is not None else None
        result = credentials.import_badge(
            bank_engine(),
            credential=credential,
            learner_id=learner,
            issuer_id=issuer,
            submitter=actor,
            now=now_utc(),
            status_list=listing if isinstance(listing, dict) else None,
        )
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(
        f"batch {result.batch_id}: {result.accepted} stored"
        + (" (a replay: the credential was sent before)" if result.replayed else "")
    )
