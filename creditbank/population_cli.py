"""``creditbank`` commands over the enrolled population: the impact of a draft rule set
(``rules impact``) and the re-audit after publishing (``reaudit``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from creditbank.bank_cli import bank_engine, fail, now_utc, parse_date
from creditbank.config import get_settings
from creditbank.errors import CreditBankError
from creditbank.service import impact as impacts
from creditbank.service import impact_report, rulesets
from creditbank.service import reaudit as reaudits
from creditbank.service.fanout import LocalRunner, Runner, dask_runner
from creditbank.store.session import session_scope

Local = Annotated[
    bool, typer.Option("--local", help="run in this process instead of on Dask distributed")
]
Workers = Annotated[
    int | None,
    typer.Option(
        min=1, help="LocalCluster workers (default: one per core; ignored with a scheduler)"
    ),
]


@contextlib.contextmanager
def _runner(local: bool, workers: int | None) -> Iterator[Runner]:
    if local:
        yield LocalRunner()
        return
    with dask_runner(workers) as runner:
        yield runner


def rules_impact(
    draft_path: Annotated[Path, typer.Argument(help="the draft rule set's directory")],
    against: Annotated[
        int | None, typer.Option(min=1, help="version to compare with (default: in force today)")
    ] = None,
    on: Annotated[str | None, typer.Option("--date", help="audit everyone on this day")] = None,
    full: Annotated[bool, typer.Option(help="audit every enrolled learner of the pack")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="the report as JSON")] = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="one CSV row per learner that changes")
    ] = False,
    html: Annotated[Path | None, typer.Option("--html", help="write an HTML report here")] = None,
    local: Local = False,
    workers: Workers = None,
    actor: Annotated[str, typer.Option(help="who stores the draft")] = "cli",
) -> None:
    """What a draft would change for the enrolled learners, before it is published: each is
    audited under the version in force and under the draft (the draft is stored as a draft
    version, or the version with its digest is used)."""
    engine = bank_engine()
    try:
        draft = rulesets.load_draft(engine, root=draft_path, actor=actor, now=now_utc())
        if against is None:
            with session_scope(engine, read_only=True) as session:
                against = rulesets.version_in_force(session, dt.date.today(), draft.pack_id).id
        with (
            _runner(local, workers) as runner,
            typer.progressbar(length=0, label="enrolments", file=sys.stderr) as bar,
        ):

            def started(total: int) -> None:
                bar.length = total

            report = impacts.run_impact(
                get_settings().database_url,
                draft_id=draft.id,
                against_id=against,
                on=None if on is None else parse_date(on),
                full=full,
                runner=runner,
                progress=bar.update,
                started=started,
            )
    except CreditBankError as exc:
        raise fail(exc) from None
    if html is not None:
        html.write_text(impact_report.as_html(report), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(impact_report.as_json(report), ensure_ascii=False, indent=2))
    elif as_csv:
        typer.echo(impact_report.as_csv(report), nl=False)
    else:
        _print_impact(report, draft.id)


def _print_impact(report: impacts.Impact, draft_id: int) -> None:
    s = report.summary
    typer.echo(
        f"draft version {draft_id} against version {report.against}: {report.audited} of "
        f"{report.considered} enrolments audited, {s['changed']} change "
        f"({s['gains']} gain {s['credits_gained']} credits, {s['losses']} lose "
        f"{s['credits_lost']})"
    )
    for programme, f in s["by_programme"].items():
        typer.echo(f"  {programme}: {f['changed']} of {f['audited']} change")
    for c in report.changes:
        before = c.before.counted if c.before else "-"
        after = c.after.counted if c.after else "-"
        rules = ", ".join(f"{r.id} ({r.at})" for r in c.rules)
        typer.echo(f"{c.learner}\t{c.programme}\t{before} -> {after}\t{rules}\t{c.note}")


def reaudit(
    version: Annotated[int, typer.Option("--version", min=1, help="the published version")],
    local: Local = False,
    workers: Workers = None,
    actor: Annotated[str, typer.Option(help="who re-audits (recorded in the ledger)")] = "cli",
) -> None:
    """Store new decisions for every enrolled learner a published version affects (each
    under the version in force on their application date); run again after an interruption,
    it does the rest and duplicates nothing."""
    bank_engine()  # the database exists at the latest schema; workers open their own engines
    try:
        with (
            _runner(local, workers) as runner,
            typer.progressbar(length=0, label="enrolments", file=sys.stderr) as bar,
        ):

            def started(total: int) -> None:
                bar.length = total

            done = reaudits.run_reaudit(
                get_settings().database_url,
                version_id=version,
                actor=actor,
                now=now_utc(),
                runner=runner,
                progress=bar.update,
                started=started,
            )
    except CreditBankError as exc:
        raise fail(exc) from None
    previous = f"version {done.previous_id}" if done.previous_id else "no earlier version"
    typer.echo(
        f"version {version} (after {previous}): {done.decisions} decisions stored in "
        f"{done.partitions} partitions; {len(done.changed)} learners changed"
    )
    for c in done.changed:
        typer.echo(
            f"{c['learner']}\t{c['programme']}\tdecision {c['decision']}\tremaining "
            f"{c['remaining_before'] or '-'} -> {c['remaining_after']}\tstatuses "
            f"{' '.join(c['statuses_before'] or []) or '-'} -> {' '.join(c['statuses_after']) or '-'}"
        )
