"""``creditbank exceptions``: registrars record, list and withdraw a learner's exceptions
(waivers, substitutions, credit by petition) in the bank's database."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from creditbank.bank_cli import Actor, RowId, bank_engine, fail, now_utc, parse_date
from creditbank.domain import ExceptionKind
from creditbank.errors import CreditBankError
from creditbank.service import exceptions
from creditbank.store.session import session_scope
from creditbank.text import printable

exceptions_app = typer.Typer(
    help="Learner exceptions: waivers, substitutions, credit by petition.", no_args_is_help=True
)
Reason = Annotated[str, typer.Option("--reason", help="why (recorded, and shown to the learner)")]


@exceptions_app.command("add")
def exceptions_add(
    learner: Annotated[str, typer.Argument(help="the learner's id")],
    kind: Annotated[ExceptionKind, typer.Option("--kind", help="what is granted")],
    programme: Annotated[str, typer.Option("--programme", help="the programme it is for")],
    reason: Reason,
    course: Annotated[str | None, typer.Option(help="the programme course it is on")] = None,
    requirement: Annotated[str | None, typer.Option(help="the requirement waived")] = None,
    category: Annotated[str | None, typer.Option(help="the category credited")] = None,
    outcome: Annotated[
        int | None, typer.Option(min=1, help="the bank's number of the outcome it rests on")
    ] = None,
    credits: Annotated[str | None, typer.Option(help="credits by petition in a category")] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="the programme as in force on (default: today)")
    ] = None,
    actor: Actor = "cli",
) -> None:
    """Record an exception for a learner, with its ledger entry; audits apply it from now on.

    Give exactly one of --course, --requirement or --category: a waiver takes a course or a
    requirement, a substitution a course and --outcome, a petition a course or a category
    with --credits."""
    targets = {"course": course, "requirement": requirement, "category": category}
    given = [(k, v) for k, v in targets.items() if v is not None]
    if len(given) != 1:
        raise fail(ValueError("give exactly one of --course, --requirement or --category"))
    now = now_utc()
    grant = exceptions.Grant(
        kind=kind.value,
        programme=programme,
        target_kind=given[0][0],
        target=given[0][1],
        reason=reason,
        on=parse_date(on) if on else now.date(),
        outcome=outcome,
        credits=_credits(credits),
    )
    try:
        info = exceptions.record_exception(
            bank_engine(), learner_id=learner, grant=grant, actor=actor, now=now
        )
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(f"exception {info.id} recorded for {info.learner_id}: {_line(info)}")


@exceptions_app.command("list")
def exceptions_list(
    learner: Annotated[str, typer.Argument(help="the learner's id")],
    as_json: Annotated[bool, typer.Option("--json", help="as JSON")] = False,
) -> None:
    """Every exception recorded for the learner, withdrawn ones included."""
    with session_scope(bank_engine(), read_only=True) as session:
        found = exceptions.exceptions_of(session, learner)
    if as_json:
        rows = [dataclasses.asdict(i) for i in found]
        typer.echo(printable(json.dumps(rows, default=str, ensure_ascii=False)))
        return
    if not found:
        typer.echo("no exceptions")
    for info in found:
        state = f"withdrawn {info.withdrawn_at:%Y-%m-%d}" if info.withdrawn_at else "in force"
        typer.echo(printable(f"{info.id:>6}  {state:<20} {_line(info)}"))


@exceptions_app.command("withdraw")
def exceptions_withdraw(exception_id: RowId, reason: Reason, actor: Actor = "cli") -> None:
    """Withdraw an exception: it stays on record, and audits no longer apply it."""
    try:
        info = exceptions.withdraw_exception(
            bank_engine(), exception_id=exception_id, reason=reason, actor=actor, now=now_utc()
        )
    except CreditBankError as exc:
        raise fail(exc) from None
    typer.echo(f"exception {info.id} withdrawn")


def _credits(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise fail(ValueError(f"--credits: '{value}' is not a number")) from None


def _line(info: exceptions.ExceptionInfo) -> str:
    on = f" from outcome {info.outcome}" if info.outcome else ""
    credits = f", {info.credits} credits" if info.credits is not None else ""
    return (
        f"{info.kind} of {info.target_kind} {info.target} in {info.programme}{on}{credits} "
        f"({info.reason})"
    )
