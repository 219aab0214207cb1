"""The API over a test bank (SQLite, and PostgreSQL when CREDITBANK_TEST_PG_URL is set): the
small rule set published, learners L1-L3, one key per caller, and some data to reach:
enterprise acme's batch for L1 (one outcome verified, one submitted), L1 enrolled in
programme mech (institution ou), a stored decision, a second draft version."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import deps
from api.main import create_app
from creditbank.config import Settings
from creditbank.service import (
    audits,
    enrolments,
    exceptions,
    keys,
    outcomes,
    rulesets,
    signing_keys,
)
from tests.engine.small_rules import FRAME, RULES
from tests.store.conftest import NOW, Bank, bank, db_url, engine, submit, write_small_pack

__all__ = ["bank", "db_url", "engine"]  # fixtures used here, defined for the store tests

ID_KEY = "an-id-hash-key-for-tests-only"
EXTRA = "issuers:\n  - {id: other, name: {en: Other}, type: enterprise}\n"


def pack_zip(extra: str = "") -> bytes:
    """The small pack as a zip of one folder, as a person zips a rule directory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("small/frame.yaml", FRAME)
        archive.writestr("small/rules.yaml", RULES)
        if extra:
            archive.writestr("small/extra.yaml", extra)
    return buffer.getvalue()


@dataclass
class Api:
    client: TestClient
    bank: Bank
    keys: dict[str, str]
    ids: dict[str, int | str]

    def auth(self, caller: str) -> dict[str, str]:
        key = self.keys.get(caller)
        return {"Authorization": f"Bearer {key}"} if key else {}


def _key(bank: Bank, role: str, scope: str | None, **kw: dt.datetime) -> tuple[str, int]:
    key, info = keys.create_key_info(
        bank.engine, role=role, scope_id=scope, now=kw.pop("now", NOW), **kw
    )
    return key, info.id


@pytest.fixture
def api(bank: Bank, tmp_path: Path) -> Iterator[Api]:
    made = {
        "learner": ("learner", "L1"),
        "other_learner": ("learner", "L2"),
        "enterprise": ("enterprise", "acme"),
        "other_enterprise": ("enterprise", "skills"),
        "institution": ("institution", "ou"),
        "other_institution": ("institution", "poly"),
        "policy": ("policy", None),
        "admin": ("admin", None),
    }
    issued = {name: _key(bank, role, scope)[0] for name, (role, scope) in made.items()}
    revoked, revoked_id = _key(bank, "learner", "L1")
    keys.revoke_key(bank.engine, key_id=revoked_id, now=NOW)
    hour = dt.timedelta(hours=1)
    issued["revoked"] = revoked
    issued["expired"] = _key(bank, "learner", "L1", now=NOW - 2 * hour, expires_at=NOW - hour)[0]
    spare_id = _key(bank, "enterprise", "acme")[1]
    rows = [
        {"learner": "L1", "external_id": "t1", "date": "2023-06-01", "hours": 48},
        {"learner": "L1", "external_id": "t2", "date": "2023-07-01", "hours": 32},
    ]
    batch = submit(bank, rows)
    verified_id, submitted_id = (r["outcome"] for r in batch.rows)
    outcomes.change_status(bank.engine, outcome_id=verified_id, action="verify", actor="t", now=NOW)
    enrolments.enrol(
        bank.engine, learner_id="L1", programme="mech", on=dt.date(2024, 1, 1), now=NOW
    )
    decision_id, _ = audits.audit_learner(
        bank.engine, learner_id="L1", programme="mech", on=dt.date(2024, 1, 1), actor="t", now=NOW
    )
    waiver = exceptions.Grant(
        "waiver", "mech", "requirement", "thesis", "project", dt.date(2024, 1, 1)
    )
    exception = exceptions.record_exception(
        bank.engine, learner_id="L1", grant=waiver, actor="t", now=NOW
    )
    root = write_small_pack(tmp_path / "draft")
    (root / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    draft = rulesets.load_draft(bank.engine, root=root, actor="t", now=NOW)
    issuer_key = tmp_path / "issuer.key"
    signing_keys.create_key_files(issuer_key)
    app = create_app(Settings(database_url=bank.url, id_hash_key=ID_KEY, issuer_key=issuer_key))
    app.dependency_overrides[deps.now] = lambda: NOW
    ids: dict[str, int | str] = {
        "learner": "L1",
        "batch": batch.batch_id,
        "verified_outcome": verified_id,
        "submitted_outcome": submitted_id,
        "decision": decision_id,
        "version": bank.version_id,
        "draft": draft.id,
        "spare_key": spare_id,
        "exception": exception.id,
    }
    with TestClient(app) as client:
        yield Api(client, bank, issued, ids)
