"""The impact of a draft on the enrolled population (issue 16): who changes, before and
after, which rules made the difference, the summary, and the report in JSON, CSV and HTML."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from creditbank.cli import app
from creditbank.config import get_settings
from creditbank.service import enrolments, exceptions, impact, impact_report, rulesets
from creditbank.service.audits import USABLE
from creditbank.service.errors import Conflict
from creditbank.service.outcomes import to_engine_outcome
from creditbank.service.population import partitions, read_partition
from creditbank.store.session import session_scope
from creditbank.store.tables import OutcomeRow
from tests.store import population
from tests.store.population import DATES


@dataclass(frozen=True)
class Population:
    engine: Engine
    url: str
    version_id: int
    root: Path


@pytest.fixture
def people(engine: Engine, db_url: str, tmp_path: Path) -> Population:
    return Population(engine, db_url, population.build(engine, tmp_path / "pack"), tmp_path)


def draft(people: Population, name: str, **replacements: tuple[str, str]) -> int:
    """Store the pack with ``replacements`` (file -> (old text, new text)) as a draft."""
    sources = dict(population.SOURCES)
    for file, (old, new) in replacements.items():
        assert old in sources[f"{file}.yaml"]
        sources[f"{file}.yaml"] = sources[f"{file}.yaml"].replace(old, new)
    root = population.write_pack(people.root / name, sources)
    return rulesets.load_draft(people.engine, root=root, actor="p", now=population.NOW).id


def run(people: Population, draft_id: int, **options: object) -> impact.Impact:
    return impact.run_impact(people.url, draft_id=draft_id, against_id=people.version_id, **options)


RAISE_TRAINING_CAP = {"rules": ("max_credits: 3", "max_credits: 6")}
DROP_POLY_BUNDLE = {"rules": ("conditions: {min_grade: C}", "conditions: {min_grade: A}")}


def test_a_higher_cap_shows_who_gains_and_under_which_rules(people: Population) -> None:
    report = run(people, draft(people, "cap", **RAISE_TRAINING_CAP))
    assert report.changes, "the population holds learners over the old cap"
    for change in report.changes:
        assert change.programme == "mech"
        assert change.before is not None and change.after is not None
        assert change.after.counted > change.before.counted
        assert change.after.remaining == change.before.remaining - change.delta
        assert "lim.enterprise" in {r.id for r in change.rules}
        assert all(re.fullmatch(r"[a-z]+\.yaml:\d+:\d+", r.at) for r in change.rules)
    s = report.summary
    assert s["gains"] == s["changed"] == len(report.changes)
    assert s["losses"] == 0 and s["credits_lost"] == 0
    assert s["credits_gained"] == sum(c.delta for c in report.changes)
    assert sum(s["distribution"].values()) == s["changed"]
    assert s["by_programme"]["mech"]["changed"] == s["changed"]


def test_a_stricter_condition_shows_losses_and_the_rule_that_no_longer_grants(
    people: Population,
) -> None:
    report = run(people, draft(people, "strict", **DROP_POLY_BUNDLE))
    assert report.changes
    assert report.summary["losses"] == len(report.changes)
    for change in report.changes:
        assert change.delta < 0
        diffs = {r.id: r.change for r in change.rules}
        assert diffs["tr.poly_bundle"] in ("before", "changed")


def test_only_learners_the_change_can_touch_are_audited(people: Population) -> None:
    draft_id = draft(people, "cap", **RAISE_TRAINING_CAP)
    incremental, full = run(people, draft_id), run(people, draft_id, full=True)
    assert incremental.changes == full.changes
    assert incremental.audited < full.audited
    assert set(incremental.summary["by_programme"]) == {"mech"}, "no draw learner audited"


def test_a_programme_missing_from_the_draft_is_a_change_with_its_reason(
    people: Population,
) -> None:
    gone = {
        "draw": (
            "effective: {from: 2020-01-01}\n    categories",
            "effective: {from: 2020-01-01, to: 2023-12-31}\n    categories",
        )
    }
    report = run(people, draft(people, "gone", **gone))
    on_draw = [c for c in report.changes if c.programme == "draw"]
    assert on_draw and all(c.after is None and "draft: " in c.note for c in on_draw)


def test_an_impact_compares_versions_of_one_pack(people: Population) -> None:
    other = population.SOURCES | {
        "frame.yaml": population.SOURCES["frame.yaml"].replace("id: small", "id: other", 1)
    }
    root = population.write_pack(people.root / "other", other)
    other_id = rulesets.load_draft(people.engine, root=root, actor="p", now=population.NOW).id
    with pytest.raises(Conflict, match="of pack 'other'"):
        run(people, other_id)


def test_a_given_date_audits_everyone_on_it(people: Population) -> None:
    report = run(people, draft(people, "cap", **RAISE_TRAINING_CAP), on=dt.date(2026, 1, 1))
    assert {c.date for c in report.changes} <= {dt.date(2026, 1, 1)}


def test_the_report_as_json_csv_and_an_offline_html_page(people: Population) -> None:
    report = run(people, draft(people, "cap", **RAISE_TRAINING_CAP))
    data = json.loads(json.dumps(impact_report.as_json(report)))
    assert data["selection"] == "incremental"
    assert len(data["learners"]) == len(report.changes)
    first = data["learners"][0]
    assert Decimal(first["after"]["counted"]) - Decimal(first["before"]["counted"]) == Decimal(
        first["counted_change"]
    )
    rows = list(csv.DictReader(io.StringIO(impact_report.as_csv(report))))
    assert [r["learner"] for r in rows] == [c.learner for c in report.changes]
    assert "lim.enterprise (rules.yaml:" in rows[0]["rules"]
    page = impact_report.as_html(report)
    assert "<svg" in page and "<rect class='gain'" in page
    assert not re.search(r"(src|href)=|@import|url\(", page), "the page fetches nothing"


@pytest.fixture
def cli_database(people: Population, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CREDITBANK_DATABASE_URL", people.url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("cli_database")
def test_the_cli_stores_the_draft_and_writes_each_report(people: Population) -> None:
    sources = dict(population.SOURCES)
    sources["rules.yaml"] = sources["rules.yaml"].replace("max_credits: 3", "max_credits: 6")
    root = population.write_pack(people.root / "cli-draft", sources)
    runner = CliRunner()
    page = people.root / "impact.html"
    result = runner.invoke(
        app, ["rules", "impact", str(root), "--local", "--json", "--html", str(page)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["against"] == people.version_id and data["learners"]
    assert "<svg" in page.read_text(encoding="utf-8")
    result = runner.invoke(app, ["rules", "impact", str(root), "--local", "--csv"])
    assert result.stdout.splitlines()[0].startswith("learner,programme,date")
    result = runner.invoke(app, ["rules", "impact", str(root), "--local"])
    assert f"against version {people.version_id}" in result.stdout
    result = runner.invoke(app, ["rules", "impact", str(root), "--local", "--against", "99"])
    assert result.exit_code == 1 and "99" in result.output


def test_an_exception_a_draft_stops_applying_is_reported_with_why(people: Population) -> None:
    with session_scope(people.engine, read_only=True) as session:
        learner = next(
            e.learner_id for e in enrolments.enrolments_of(session, "ou") if e.programme == "mech"
        )
    waiver = exceptions.Grant("waiver", "mech", "requirement", "thesis", "project", DATES[0])
    exceptions.record_exception(
        people.engine, learner_id=learner, grant=waiver, actor="r", now=population.NOW
    )
    renamed = {"frame": ("{id: thesis, name:", "{id: final_project, name:")}
    report = run(people, draft(people, "renamed", **renamed))
    [change] = [c for c in report.changes if c.learner == learner and c.programme == "mech"]
    assert change.before is not None and change.after is not None
    assert change.before.exceptions == ("1",) and change.after.exceptions == ()
    assert "does not apply: requirement thesis is no longer in programme mech" in change.note
    [reported] = [x for x in impact_report.as_json(report)["learners"] if x["learner"] == learner]
    assert reported["before"]["exceptions"] == ["1"] and reported["after"]["exceptions"] == []


@pytest.mark.parametrize("collecting", [True, False])
def test_reading_a_partition_leaves_the_garbage_collector_as_it_was(
    people: Population, collecting: bool
) -> None:
    """The collector is paused while a partition is read (population._collector_paused); a
    process must not be left without it, nor have it turned on behind its back."""
    with session_scope(people.engine, read_only=True) as session:
        bounds = partitions(session, None)
        if not collecting:
            gc.disable()
        try:
            enrolled = read_partition(session, bounds[0], None)
            assert gc.isenabled() is collecting
        finally:
            gc.enable()
    assert any(e.outcomes for e in enrolled)


def test_a_partition_reads_each_outcome_as_the_learners_own_audit_does(
    people: Population,
) -> None:
    """The population read decodes the attributes' JSON text itself
    (outcomes.engine_outcome_of_columns); it must give the outcomes an audit of the learner
    reads through the ORM (outcomes.to_engine_outcome), on SQLite's text and PostgreSQL's."""
    with session_scope(people.engine, read_only=True) as session:
        enrolled = read_partition(session, partitions(session, None)[0], None)
        for subject in enrolled:
            rows = session.scalars(
                select(OutcomeRow)
                .where(OutcomeRow.learner_id == subject.learner_id, OutcomeRow.status.in_(USABLE))
                .order_by(OutcomeRow.id)
            )
            assert subject.outcomes == tuple(to_engine_outcome(row) for row in rows)
    assert sum(len(s.outcomes) for s in enrolled) > 10
