"""The ``creditbank`` command line: rules check/test/schema, equivalence queries, audits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from creditbank import bank_cli, exceptions_cli, population_cli
from creditbank.config import get_settings
from creditbank.domain import Lang, Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision
from creditbank.engine.equivalence import (
    Answer,
    counts_as_for_course,
    counts_as_for_outcome,
    counts_toward,
)
from creditbank.engine.explain import (
    explain_earned,
    explain_exception,
    explain_grant,
    explain_unused,
)
from creditbank.engine.explain_suggest import explain_suggestion, explain_to_take
from creditbank.engine.match import Matches, match
from creditbank.engine.suggest import Suggestions, suggest
from creditbank.errors import CreditBankError, Finding
from creditbank.ruleset import schema
from creditbank.ruleset.loader import check_rules
from creditbank.ruleset.packs import PackFolders, find_packs
from creditbank.ruleset.ruleset import RuleSet
from creditbank.service.batch_files import load_json
from creditbank.service.learner_file import parse_learner, read_learner
from creditbank.service.rule_tests import case_files, read_cases, run_case
from creditbank.text import printable

app = typer.Typer(
    help="Credit bank: recognise learning outcomes and audit credit transfer.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Check, test and describe rule sets.", no_args_is_help=True)
equivalence_app = typer.Typer(help="Registrars' equivalence queries.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(equivalence_app, name="equivalence")
app.add_typer(bank_cli.db_app, name="db")
app.add_typer(bank_cli.ledger_app, name="ledger")
app.add_typer(bank_cli.versions_app, name="versions")
app.add_typer(bank_cli.learners_app, name="learners")
app.add_typer(bank_cli.keys_app, name="keys")
app.add_typer(bank_cli.outcomes_app, name="outcomes")
app.add_typer(bank_cli.credentials_app, name="credentials")
app.add_typer(bank_cli.decisions_app, name="decisions")
app.add_typer(exceptions_cli.exceptions_app, name="exceptions")
app.command("import")(bank_cli.import_batch)
app.command("statement")(bank_cli.show_statement)
rules_app.command("impact")(population_cli.rules_impact)
app.command("reaudit")(population_cli.reaudit)

RulesPath = Annotated[
    Path | None,
    typer.Option("--rules", help="rule set directory (default: CREDITBANK_RULES_PATH)"),
]
DateOption = Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today)")]
JsonFlag = Annotated[bool, typer.Option("--json", help="machine-readable JSON output")]
LangOption = Annotated[Lang, typer.Option("--lang", help="language of explanations")]


def _under(root: Path, finding: Finding) -> Finding:
    """The finding with its file named from the working directory, as a person typed it."""
    file = (root / finding.location.file).as_posix() if finding.location.file else root.as_posix()
    return dataclasses.replace(finding, location=dataclasses.replace(finding.location, file=file))


def _fail(message: str) -> typer.Exit:
    typer.secho(printable(message, keep_newlines=True), err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"--date: '{value}' is not a date like 2026-09-01") from None


def _load(path: Path | None) -> RuleSet:
    """The checked rule set, or every error with its file:line and a non-zero exit."""
    root = path or get_settings().rules_path
    report = check_rules(root)
    if report.ruleset is None:
        for finding in report.errors:
            typer.secho(printable(str(_under(root, finding))), err=True, fg=typer.colors.RED)
        raise _fail(
            f"{root}: {len(report.errors)} error(s) in the rules (--rules or "
            "CREDITBANK_RULES_PATH names the rule set)"
        )
    return report.ruleset


@rules_app.command("check")
def rules_check(
    path: Annotated[Path, typer.Argument(help="a rule set, or a folder of rule sets")] = Path(
        "rules"
    ),
) -> None:
    """Load and check rule sets, each pack on its own; print every error and warning with
    file:line:column under the pack it belongs to."""
    found = _packs(path)
    failed = [] if not found.findings else [path.as_posix()]
    for root in found.packs:
        report = check_rules(root)
        typer.secho(_pack_title(root, report.ruleset), bold=True)
        for finding in report.findings:
            color = typer.colors.RED if finding.severity == "error" else typer.colors.YELLOW
            typer.secho(printable(str(_under(root, finding))), fg=color)
        summary = f"{root}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        if report.ruleset is not None:
            counts = ", ".join(
                f"{len(items)} {name}" for name, items in report.ruleset.sections.items() if items
            )
            summary += f"; {counts}; digest {report.ruleset.digest[:16]}"
        typer.echo(summary)
        if report.errors:
            failed.append(root.as_posix())
    _packs_summary(found.packs, failed)


def _packs(path: Path) -> PackFolders:
    """The packs under ``path``, after printing what lies outside every pack."""
    found = find_packs(path)
    for finding in found.findings:
        typer.secho(printable(str(_under(path, finding))), fg=typer.colors.RED)
    return found


def _pack_title(root: Path, ruleset: RuleSet | None) -> str:
    """The heading under which a pack's findings or cases are printed."""
    named = f"pack {ruleset.pack.id} " if ruleset is not None else "pack "
    return printable(f"== {named}({root.as_posix()})")


def _packs_summary(packs: tuple[Path, ...], failed: list[str]) -> None:
    """With several packs, say which failed; exit 1 if any did (or files lie outside packs)."""
    if len(packs) > 1:
        names = f": {', '.join(failed)}" if failed else ""
        typer.echo(printable(f"{len(packs)} packs, {len(failed)} failed{names}"))
    if failed:
        raise typer.Exit(1)


@rules_app.command("schema")
def rules_schema(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file to write")] = None,
) -> None:
    """Write the JSON Schema of rule files, for editor completion and underlining."""
    data = schema.RuleFile.model_json_schema(by_alias=True)
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["title"] = "creditbank rule file"
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {output}")


@rules_app.command("test")
def rules_test(
    path: Annotated[Path, typer.Argument(help="a rule set, or a folder of rule sets")] = Path(
        "rules"
    ),
) -> None:
    """Run the policy test cases in each pack's tests/ folder, each pack against its own rules."""
    found = _packs(path)
    failed = [] if not found.findings else [path.as_posix()]
    passed_total = failed_total = 0
    for root in found.packs:
        passed, failures = _test_pack(root)
        passed_total, failed_total = passed_total + passed, failed_total + failures
        if failures or not passed:
            failed.append(root.as_posix())
    typer.echo(f"{passed_total} passed, {failed_total} failed")
    _packs_summary(found.packs, failed)


def _test_pack(root: Path) -> tuple[int, int]:
    """Run one pack's cases, printing each failure with its file:line; (passed, failed)."""
    report = check_rules(root)
    typer.secho(_pack_title(root, report.ruleset), bold=True)
    if report.ruleset is None:
        for finding in report.errors:
            typer.secho(printable(str(_under(root, finding))), fg=typer.colors.RED)
        typer.echo(f"{root}: {len(report.errors)} error(s) in the rules; no case was run")
        return 0, 1
    passed = failed = 0
    for file in case_files(root):
        cases = read_cases(file, file.as_posix())
        for problem in cases.problems:
            typer.secho(f"ERROR {printable(problem)}", fg=typer.colors.RED)
            failed += 1
        for location, case in cases.cases:
            result = run_case(report.ruleset, location, case)
            if result.passed:
                passed += 1
                continue
            failed += 1
            typer.secho(printable(f"FAIL {location}: {case.name}"), fg=typer.colors.RED)
            for failure in result.failures:
                typer.echo(f"    {printable(failure)}")
    none = "; no cases in its tests/ folder" if not passed and not failed else ""
    typer.echo(f"{root}: {passed} passed, {failed} failed{none}")
    return passed, failed


def _answers_out(answers: list[Answer], as_json: bool) -> None:
    if as_json:
        rows = [
            {
                "source": a.source,
                "target": a.target,
                "target_kind": a.target_kind,
                "credits": str(a.credits) if a.credits is not None else None,
                "chain": [{"id": r.id, "at": r.at} for r in a.chain],
                "note": a.note,
            }
            for a in answers
        ]
        typer.echo(printable(json.dumps(rows, ensure_ascii=False, indent=2), keep_newlines=True))
        return
    if not answers:
        typer.echo("no equivalence found")
        return
    for a in answers:
        chain = " -> ".join(f"{r.id} ({r.at})" for r in a.chain)
        credits = f"{a.credits} credits" if a.credits is not None else "-"
        note = f"  [{a.note}]" if a.note else ""
        typer.echo(
            printable(f"{a.source}  =>  {a.target_kind} {a.target}  {credits}  via {chain}{note}")
        )


@equivalence_app.command("from")
def equivalence_from(
    programme: Annotated[str, typer.Option("--programme", help="target programme id")],
    course: Annotated[str | None, typer.Option("--course", help="INSTITUTION:CODE")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="an outcome as JSON")] = None,
    rules: RulesPath = None,
    date: DateOption = None,
    as_json: JsonFlag = False,
) -> None:
    """What a course of another institution, or an outcome, counts as in a programme."""
    if (course is None) == (outcome is None):
        raise _fail("give exactly one of --course INSTITUTION:CODE or --outcome '{...}'")
    at = _load(rules).at(_date(date))
    try:
        if course is not None:
            answers = counts_as_for_course(at, programme, course)
        else:
            data = load_json(outcome or "{}", source="--outcome")
            item = parse_learner({"learner": "query", "outcomes": [data]}, source="--outcome")
            answers = counts_as_for_outcome(at, programme, item.outcomes[0])
    except CreditBankError as exc:
        raise _fail(str(exc)) from None
    _answers_out(answers, as_json)


@equivalence_app.command("toward")
def equivalence_toward(
    programme: Annotated[str, typer.Option("--programme", help="programme id")],
    course: Annotated[str, typer.Option("--course", help="course code in the programme")],
    rules: RulesPath = None,
    date: DateOption = None,
    as_json: JsonFlag = False,
) -> None:
    """What counts toward a course of a programme: outcome classes and other courses."""
    at = _load(rules).at(_date(date))
    try:
        answers = counts_toward(at, programme, course)
    except CreditBankError as exc:
        raise _fail(str(exc)) from None
    _answers_out(answers, as_json)


@app.command("audit")
def audit(
    learner: Annotated[Path, typer.Option("--learner", help="learner JSON file")],
    programme: Annotated[str, typer.Option("--programme", help="target programme id")],
    rules: RulesPath = None,
    date: DateOption = None,
    as_json: JsonFlag = False,
    lang: LangOption = Lang.EN,
    suggest_top: Annotated[
        int | None,
        typer.Option(
            "--suggest",
            min=1,
            max=100,
            help="also the N shortest ways to finish: outcomes that would add the most "
            "credits (each verified by a re-audit), and the courses still to take; with "
            '--json the output becomes {"decision": ..., "suggestions": ...}',
        ),
    ] = None,
) -> None:
    """Audit a learner against a programme: grants, what is missing, and why; with
    --suggest N, also the N outcomes that would add the most credits (each checked by
    auditing again with it added) and the courses that only study completes."""
    ruleset = _load(rules)
    on = _date(date)
    try:
        learner_file = read_learner(learner)
        outcomes, granted = list(learner_file.outcomes), learner_file.exceptions
        decision = compute_audit(ruleset, outcomes, programme, on, granted)
        found = (
            suggest(ruleset, outcomes, programme, on, suggest_top, exceptions=granted)
            if suggest_top is not None
            else None
        )
    except CreditBankError as exc:
        raise _fail(str(exc)) from None
    if as_json and found is not None:
        data = {"decision": json.loads(decision.canonical()), "suggestions": found.as_data()}
        typer.echo(printable(json.dumps(data, ensure_ascii=False, separators=(",", ":"))))
    elif as_json:
        typer.echo(printable(decision.canonical()))
    else:
        _print_decision(decision, outcomes, lang)
        if found is not None:
            _print_suggestions(found, lang)


def _print_suggestions(found: Suggestions, lang: Lang) -> None:
    """The suggestions as a numbered table (credits added, then the sentence), and the
    courses still to take."""
    zh = lang == Lang.ZH
    title = "建议（按增加的学分排序）" if zh else "What would it take (most credits first)"
    if not found.suggestions:
        none = "没有可增加学分的建议" if zh else "no outcome would add credits"
        typer.secho(title, bold=True)
        typer.echo(f"  {none}")
    rows = [
        f"{n}. +{s.credits:<5} {explain_suggestion(s, lang)}"
        for n, s in enumerate(found.suggestions, 1)
    ]
    _section(title, rows)
    _section(
        "须修读的课程" if zh else "Still to take",
        [explain_to_take(t, lang) for t in found.to_take],
    )


def _print_decision(decision: Decision, outcomes: list[Outcome], lang: Lang) -> None:
    zh = lang == Lang.ZH
    t = decision.totals
    typer.secho(
        f"{decision.programme_name.text(lang)} ({decision.programme}), "
        f"{'申请日期' if zh else 'application date'} {decision.application_date}",
        bold=True,
    )
    excepted = (
        f" + {'例外认定' if zh else 'by exception'} {t.by_exception}" if t.by_exception else ""
    )
    typer.echo(
        f"{'转换学分' if zh else 'transferred'} {t.transferred} + "
        f"{'本专业修得' if zh else 'earned in programme'} {t.earned_in_programme}{excepted} = "
        f"{t.counted} / {t.required}; {'尚差' if zh else 'remaining'} {t.remaining}"
    )
    _section(
        "认定" if zh else "Granted",
        [explain_grant(g, lang) for g in decision.grants]
        + [explain_earned(e, lang) for e in decision.earned],
    )
    _section("未使用" if zh else "Not used", [explain_unused(u, lang) for u in decision.unused])
    _section(
        "例外" if zh else "Exceptions", [explain_exception(x, lang) for x in decision.exceptions]
    )
    rows = []
    residency = (decision.residency,) if decision.residency is not None else ()
    groups = (*decision.requirements, *decision.categories, *decision.source_minimums, *residency)
    for group in groups:
        mark = "✔" if group.met else "✘"
        need = f" / {group.required_credits}" if group.required_credits is not None else ""
        missing = (
            f"; {'待修' if zh else 'to take'}: {', '.join(group.courses_missing)}"
            if group.courses_missing
            else ""
        )
        rows.append(f"{mark} {group.name.text(lang)}: {group.credits}{need}{missing}")
    _section("要求" if zh else "Requirements", rows)
    binding = [
        f"{lim.id} {lim.instance}".strip() + f": {lim.used}/{lim.bound} {lim.unit}"
        for lim in decision.limits
        if lim.binding
    ]
    _section("起作用的限额" if zh else "Limits that bound the result", binding)
    if decision.statuses:
        typer.echo(f"{'状态' if zh else 'Statuses'}: {', '.join(decision.statuses)}")
    typer.echo(
        f"digest {decision.digest[:16]} (rules {decision.ruleset_digest[:16]}, "
        f"input {decision.input_digest[:16]})"
    )


@app.command("match")
def match_programmes(
    learner: Annotated[Path, typer.Option("--learner", help="learner JSON file")],
    rules: RulesPath = None,
    date: DateOption = None,
    as_json: JsonFlag = False,
    lang: LangOption = Lang.EN,
) -> None:
    """Audit a learner against every programme in force; closest to a degree first."""
    ruleset = _load(rules)
    try:
        learner_file = read_learner(learner)
        outcomes, granted = list(learner_file.outcomes), learner_file.exceptions
        matches = match(ruleset, outcomes, _date(date), exceptions=granted)
    except CreditBankError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(printable(matches.canonical()))
    else:
        _print_matches(matches, lang)


def _print_matches(matches: Matches, lang: Lang) -> None:
    zh = lang == Lang.ZH
    on = matches.application_date
    typer.secho(
        f"{on} 有效的专业，按尚差学分从少到多（规则 {matches.ruleset}）"
        if zh
        else f"Programmes in force on {on}, closest first (rules {matches.ruleset})",
        bold=True,
    )
    if not matches.programmes:
        typer.echo("该日期没有有效的专业" if zh else "no programme is in force on that date")
    for m in matches.programmes:
        name = printable(f"{m.programme_name.text(lang)} ({m.programme})")
        typer.echo(
            f"{m.rank:>3}. {name}：尚差 {m.remaining}；已计 {m.counted} / {m.required}；"
            f"已满足 {m.groups_met} 项，未满足 {m.groups_unmet} 项"
            if zh
            else f"{m.rank:>3}. {name}: remaining {m.remaining}; counted {m.counted} / "
            f"{m.required}; groups met {m.groups_met}, unmet {m.groups_unmet}"
        )
        for grant in m.top_grants:
            typer.echo(f"       {printable(explain_grant(grant, lang))}")
    typer.echo(f"rules digest {matches.ruleset_digest[:16]}")


def _section(title: str, lines: list[Any]) -> None:
    if not lines:
        return
    typer.secho(title, bold=True)
    for line in lines:
        typer.echo(f"  {printable(str(line))}")


if __name__ == "__main__":  # pragma: no cover
    app()
