"""Credentials out of the bank: every exported Open Badge and CLR validates against its
1EdTech JSON Schema and verifies with the bank's public key; a revoked outcome is marked in the
status list; a changed export no longer verifies."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jsonschema import Draft201909Validator
from sqlalchemy import select

from creditbank.config import Settings
from creditbank.credentials import badges
from creditbank.credentials.proof import ProofError, public_key, verify
from creditbank.errors import CreditBankError
from creditbank.service import audits, credentials, outcomes, signing_keys
from creditbank.store.session import session_scope
from creditbank.store.tables import OutcomeRow
from tests.store.conftest import NOW, Bank, submit

STANDARDS = Path(__file__).resolve().parents[1] / "data" / "standards"
OB_SCHEMA = STANDARDS / "openbadges-3.0" / "achievementcredential.json"
CLR_SCHEMA = STANDARDS / "clr-2.0" / "clr_v2p0_clrcredential_schema.json"


def _validator(path: Path) -> Draft201909Validator:
    return Draft201909Validator(json.loads(path.read_text(encoding="utf-8")))


def _schema_errors(path: Path, document: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in _validator(path).iter_errors(document)]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    key = tmp_path / "issuer.key"
    signing_keys.create_key_files(key)
    return Settings(issuer_key=key, issuer_url="https://bank.example/v1/issuer")


@pytest.fixture
def recognised(bank: Bank) -> list[int]:
    """L1 with two recognised training records, and a stored audit."""
    submit(
        bank,
        [
            {"learner": "L1", "external_id": "r1", "kind": "enterprise_training",
             "date": "2023-06-01", "hours": 48, "title": "数控编程", "assessed": True},
            {"learner": "L1", "external_id": "r2", "kind": "enterprise_training",
             "date": "2023-07-01", "hours": 32, "title": "CAD basics", "assessed": True},
        ],
    )  # fmt: skip
    with session_scope(bank.engine) as s:
        ids = list(s.scalars(select(OutcomeRow.id).order_by(OutcomeRow.id)))
    for outcome_id in ids:
        outcomes.change_status(
            bank.engine, outcome_id=outcome_id, action="verify", actor="r", now=NOW
        )
    outcomes.recognise(bank.engine, learner_id="L1", on=dt.date(2024, 1, 1), actor="r", now=NOW)
    audits.audit_learner(
        bank.engine,
        learner_id="L1",
        programme="mech",
        on=dt.date(2024, 1, 1),
        actor="r",
        now=NOW,
    )
    return ids


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_recognised_outcome_is_a_valid_signed_open_badge(
    bank: Bank, settings: Settings, recognised: list[int], lang: str
) -> None:
    found = credentials.export(bank.engine, settings, "L1", record=False, lang=lang, now=NOW)
    assert isinstance(found, list)
    assert [c["credentialSubject"]["achievement"]["name"] for c in found] == [
        "数控编程",
        "CAD basics",
    ]
    key = public_key(
        credentials.issuer_document(settings)["verificationMethod"][0]["publicKeyMultibase"]
    )
    for credential in found:
        assert _schema_errors(OB_SCHEMA, credential) == []
        verify(credential, key)
        assert credential["credentialSubject"]["id"] == "urn:creditbank:learner:L1"
        assert credential["credentialSubject"]["achievement"]["inLanguage"] == lang
    assert [c["credentialSubject"]["creditsEarned"] for c in found] == [3.0, 2.0]


def test_the_record_is_a_valid_signed_clr_with_the_decision_as_evidence(
    bank: Bank, settings: Settings, recognised: list[int]
) -> None:
    document = credentials.export(bank.engine, settings, "L1", record=True, lang="en", now=NOW)
    assert isinstance(document, dict)
    assert _schema_errors(CLR_SCHEMA, document) == []
    key = public_key(
        credentials.issuer_document(settings)["verificationMethod"][0]["publicKeyMultibase"]
    )
    verify(document, key)
    for inner in document["credentialSubject"]["verifiableCredential"]:
        verify(inner, key)
    (evidence,) = document["evidence"]
    assert "programme mech" in evidence["description"]
    changed = json.loads(json.dumps(document))
    changed["credentialSubject"]["verifiableCredential"][0]["credentialSubject"][
        "creditsEarned"
    ] = 30.0
    with pytest.raises(ProofError, match="does not match"):
        verify(changed, key)


def test_a_revoked_outcome_is_marked_in_the_status_list(
    bank: Bank, settings: Settings, recognised: list[int]
) -> None:
    before = credentials.status_list(bank.engine, settings, 0, NOW)
    outcomes.change_status(
        bank.engine,
        outcome_id=recognised[1],
        action="revoke",
        actor="r",
        now=NOW,
        reason="withdrawn",
    )
    after = credentials.status_list(bank.engine, settings, 0, NOW)
    key = public_key(
        credentials.issuer_document(settings)["verificationMethod"][0]["publicKeyMultibase"]
    )
    verify(after, key)
    assert not badges.revoked_in(before, recognised[1])
    assert badges.revoked_in(after, recognised[1])
    assert not badges.revoked_in(after, recognised[0])
    exported = credentials.export(bank.engine, settings, "L1", record=False, lang="en", now=NOW)
    assert [c["credentialStatus"]["statusListIndex"] for c in exported] == [str(recognised[0])]


def test_without_an_issuer_key_nothing_is_exported(bank: Bank, recognised: list[int]) -> None:
    with pytest.raises(CreditBankError, match="CREDITBANK_ISSUER_KEY"):
        credentials.export(bank.engine, Settings(), "L1", record=False, lang="en", now=NOW)


def test_the_checkpoint_key_is_refused_as_the_issuer_key(
    bank: Bank, settings: Settings, recognised: list[int]
) -> None:
    same = Settings(
        issuer_key=settings.issuer_key,
        checkpoint_key=settings.issuer_key,
        issuer_url=settings.issuer_url,
    )
    with pytest.raises(CreditBankError, match="also the checkpoint key"):
        credentials.export(bank.engine, same, "L1", record=False, lang="en", now=NOW)


def test_the_issuer_key_as_a_jwk_verifies_the_exported_badges(
    bank: Bank, settings: Settings, recognised: list[int]
) -> None:
    (jwk,) = credentials.issuer_jwks(settings)["keys"]
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    key = Ed25519PublicKey.from_public_bytes(raw)
    (first, _second) = credentials.export(
        bank.engine, settings, "L1", record=False, lang="en", now=NOW
    )
    assert first["proof"][0]["verificationMethod"] == jwk["kid"]
    verify(first, key)
