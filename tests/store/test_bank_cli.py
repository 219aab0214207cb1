"""The bank's commands as an operator runs them: upgrade, publish, import, statement, verify."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creditbank.cli import app
from creditbank.config import get_settings
from creditbank.store import migrate
from tests.store.conftest import write_small_pack

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "bank.sqlite3"
    monkeypatch.setenv("CREDITBANK_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CREDITBANK_ID_HASH_KEY", "a-test-key-of-24-chars..")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_an_operator_sets_up_the_bank_and_imports_a_csv_twice(
    database: Path, tmp_path: Path
) -> None:
    ok("db", "upgrade")
    pack = write_small_pack(tmp_path / "pack")
    assert "version 1" in ok("versions", "load", str(pack))
    ok("versions", "publish", "1", "--from", "2020-01-01")
    ok("learners", "add", "L1", "--national-id", "110105194912310021")
    csv_file = tmp_path / "acme-2026-09.csv"
    csv_file.write_text(
        "learner,national_id,external_id,date,hours,title\nL1,,r1,2023-06-01,48,数控编程\n"
        "L1,,r2,2023-07-01,32,PLC\n,110105194912310021,r3,2023-08-01,16,安全\n",
        encoding="utf-8",
    )
    assert "3 accepted, 0 rejected" in ok("import", str(csv_file), "--enterprise", "acme")
    assert "already stored" in ok("import", str(csv_file), "--enterprise", "acme")
    ok("outcomes", "set", "1", "verify")
    statement = ok("statement", "L1")
    assert "acme/r1" in statement
    assert "acme/r3" in statement  # named by national ID
    assert "verified" in statement
    assert "ledger: 4 entries" in statement
    assert "4 entries, 3 outcomes, 0 decisions, 1 rule-set versions checked: 0 problem(s)" in ok(
        "ledger", "verify"
    )
    key = ok("keys", "create", "--role", "enterprise", "--enterprise", "acme").strip()
    assert key.startswith("cb_")
    files = (database, database.with_name(database.name + "-wal"))
    stored = b"".join(f.read_bytes() for f in files if f.exists()).decode("latin-1")
    assert key not in stored
    assert "110105194912310021" not in stored


def test_bank_commands_refuse_a_database_that_was_never_set_up(database: Path) -> None:
    result = runner.invoke(app, ["statement", "L1"])
    assert result.exit_code == 1
    assert "create it with `creditbank db upgrade`" in result.output
    assert not database.exists()  # nothing was created by asking


def test_a_database_behind_the_code_is_refused_until_upgraded(database: Path) -> None:
    ok("db", "upgrade")
    migrate.downgrade(f"sqlite:///{database}", "base")
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 1
    assert "is at no schema" in result.output
    assert "run `creditbank db upgrade`" in result.output


def test_a_published_version_can_be_retired_once(database: Path, tmp_path: Path) -> None:
    ok("db", "upgrade")
    ok("versions", "load", str(write_small_pack(tmp_path / "pack")))
    ok("versions", "publish", "1", "--from", "2020-01-01")
    assert "version 1 retired" in ok("versions", "retire", "1")
    again = runner.invoke(app, ["versions", "retire", "1"])
    assert again.exit_code == 1
    assert "is retired" in again.output
    assert "\tretired\t" in ok("versions", "list")


def test_a_bad_csv_is_refused_with_row_and_field(database: Path, tmp_path: Path) -> None:
    ok("db", "upgrade")
    ok("versions", "load", str(write_small_pack(tmp_path / "pack")))
    ok("versions", "publish", "1", "--from", "2020-01-01")
    bad = tmp_path / "bad.csv"
    bad.write_text("learner,external_id,date,hours\nL9,r1,01/06/2023,-3\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad), "--enterprise", "acme"])
    assert result.exit_code == 1
    # rows are named by their line in the file
    assert "line 2: learner: no account has this learner id" in result.output
    assert "line 2: date: '01/06/2023' is not a date written YYYY-MM-DD" in result.output
    assert "line 2: hours:" in result.output


def test_checkpoints_from_the_command_line(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("db", "upgrade")
    ok("versions", "load", str(write_small_pack(tmp_path / "pack")))
    ok("versions", "publish", "1", "--from", "2020-01-01")
    ok("learners", "add", "L1")
    key = tmp_path / "keys" / "checkpoint.pem"
    key.parent.mkdir()
    made = ok("keys", "checkpoint-init", str(key))
    assert f"CREDITBANK_CHECKPOINT_KEY={key}" in made
    refused = runner.invoke(app, ["ledger", "checkpoint"])
    assert refused.exit_code == 1
    assert "set CREDITBANK_CHECKPOINT_KEY" in refused.output
    monkeypatch.setenv("CREDITBANK_CHECKPOINT_KEY", str(key))
    monkeypatch.setenv("CREDITBANK_CHECKPOINT_LOG", str(tmp_path / "keys" / "log.jsonl"))
    get_settings.cache_clear()
    batch = tmp_path / "b.csv"
    batch.write_text("learner,external_id,date,hours\nL1,r1,2023-06-01,48\n", encoding="utf-8")
    ok("import", str(batch), "--enterprise", "acme")
    assert "no checkpoint yet" in ok("ledger", "verify")
    assert "checkpoint 1: 1 accounts" in ok("ledger", "checkpoint")
    assert "no account moved" in ok("ledger", "checkpoint")
    ok("outcomes", "set", "1", "verify")
    report = ok("ledger", "verify")
    assert "checked against checkpoint 1 of " in report
    assert "1 account(s) changed since" in report
    assert "  L1: entries 2-2" in report


def test_a_national_id_is_read_from_standard_input(database: Path) -> None:
    ok("db", "upgrade")
    result = runner.invoke(
        app, ["learners", "add", "L1", "--national-id", "-"], input="110105194912310021\n"
    )
    assert result.exit_code == 0, result.output
    rotated = runner.invoke(app, ["learners", "rehash"], input="a-new-key-of-24-chars...\n")
    assert rotated.exit_code == 0, rotated.output
    assert "1 national ID hash(es) re-keyed" in rotated.output
    again = runner.invoke(
        app, ["learners", "add", "L2", "--national-id", "-"], input="110105194912310021\n"
    )
    assert again.exit_code == 1  # the bank's ring is now two keys: the old one alone is refused
    assert "learners rehash" in again.output


def test_inputs_the_database_would_choke_on_are_refused_with_a_message(database: Path) -> None:
    ok("db", "upgrade")
    empty = runner.invoke(app, ["learners", "add", "L1", "--national-id", "-"], input="")
    assert empty.exit_code == 1
    assert "no number was given on standard input" in empty.output
    huge = runner.invoke(app, ["decisions", "rerun", "99999999999999999999"])
    assert huge.exit_code == 2  # typer's usage error, naming the range
    assert "2147483647" in huge.output
    ok("learners", "add", "L1")
    long_actor = runner.invoke(app, ["outcomes", "set", "1", "verify", "--actor", "a" * 201])
    assert long_actor.exit_code == 1


def test_the_commands_name_a_learner_as_the_bank_keeps_it(database: Path) -> None:
    ok("db", "upgrade")
    assert "learner W-001 ready" in ok("learners", "add", "Ｗ－００１")
    assert "learner W-001: 0 bank credits" in ok("statement", "Ｗ－００１")


def test_a_registrar_records_lists_and_withdraws_an_exception(
    database: Path, tmp_path: Path
) -> None:
    ok("db", "upgrade")
    ok("versions", "load", str(write_small_pack(tmp_path / "pack")))
    ok("versions", "publish", "1", "--from", "2020-01-01")
    ok("learners", "add", "L1")
    add = ["exceptions", "add", "L1", "--kind", "waiver", "--programme", "mech"]
    both = runner.invoke(app, [*add, "--course", "M3", "--requirement", "thesis", "--reason", "r"])
    assert both.exit_code == 1 and "exactly one of --course" in both.output
    petition = ["exceptions", "add", "L1", "--kind", "petition", "--programme", "mech"]
    bad = runner.invoke(app, [*petition, "--category", "core", "--credits", "two", "--reason", "r"])
    assert bad.exit_code == 1 and "--credits: 'two' is not a number" in bad.output
    wrong = runner.invoke(app, [*add, "--course", "Z9", "--reason", "r", "--date", "2024-01-01"])
    assert wrong.exit_code == 1 and "'Z9' is not a course of programme 'mech'" in wrong.output
    added = ok(
        *add, "--requirement", "thesis", "--reason", "industry project", "--date", "2024-01-01"
    )
    assert "exception 1 recorded for L1: waiver of requirement thesis in mech" in added
    assert "in force" in ok("exceptions", "list", "L1")
    ok("exceptions", "withdraw", "1", "--reason", "granted in error")
    listed = ok("exceptions", "list", "L1", "--json")
    assert '"withdrawn_reason": "granted in error"' in listed
    assert "0 problem(s)" in ok("ledger", "verify")
