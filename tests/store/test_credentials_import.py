"""Open Badges 3.0 credentials in: a credential the rules' issuer registration vouches for is
stored once as an outcome; a tampered, expired, revoked, unknown-issuer or someone else's
credential is refused with its reason and nothing is stored."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from creditbank.credentials import badges, proof
from creditbank.errors import InputInvalid
from creditbank.service import credentials, learners, rulesets
from creditbank.store.session import session_scope
from creditbank.store.tables import OutcomeRow
from tests.engine.small_rules import FRAME, RULES
from tests.store.conftest import NOW

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "standards"
    / "samples"
    / "ob-3.0"
    / "simple.json"
)
SAMPLE_ISSUER = "https://example.com/issuers/876543"
SAMPLE_KEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
OWN = Ed25519PrivateKey.generate()
OWN_ISSUER = "https://badges.acme.example/issuer"
REGISTRATIONS = f"""
  - id: examplecorp
    name: {{en: Example Corp}}
    type: enterprise
    accreditations: [{{effective: {{from: 2000-01-01}}}}]
    badges: {{id: "{SAMPLE_ISSUER}", keys: [{SAMPLE_KEY}], kind: enterprise_training}}
  - id: badgeworks
    name: {{en: Badge works}}
    type: enterprise
    accreditations: [{{effective: {{from: 2000-01-01}}}}]
    badges:
      id: "{OWN_ISSUER}"
      keys: [{proof.public_multibase(OWN.public_key())}]
      kind: training_certificate
      by_type: {{Course: enterprise_training}}
"""


@pytest.fixture
def engine_with_badges(engine: Any, tmp_path: Path) -> Any:
    root = tmp_path / "pack"
    root.mkdir()
    frame = FRAME.replace("issuers:\n", "issuers:\n" + REGISTRATIONS.lstrip("\n"), 1)
    (root / "frame.yaml").write_text(frame, encoding="utf-8")
    (root / "rules.yaml").write_text(RULES, encoding="utf-8")
    version = rulesets.load_draft(engine, root=root, actor="policy", now=NOW)
    rulesets.publish(
        engine, version_id=version.id, effective_from=dt.date(2020, 1, 1), actor="policy", now=NOW
    )
    learners.register_learner(engine, learner_id="L1", now=NOW)
    return engine


def _sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def _own(**changes: Any) -> dict[str, Any]:
    """A badge of the registered issuer badgeworks, signed with its key."""
    document: dict[str, Any] = {
        "@context": [badges.VC, badges.OB],
        "id": "https://badges.acme.example/credentials/77",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": OWN_ISSUER, "type": ["Profile"], "name": "Badge works"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "PLC programming",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "activityEndDate": "2023-12-20T00:00:00Z",
            "achievement": {
                "id": "https://badges.acme.example/achievements/plc",
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": "PLC programming",
                "description": "Forty hours of PLC programming",
                "criteria": {"narrative": "Passed the practical test"},
                "humanCode": "PLC-40",
            },
        },
        **changes,
    }
    method = f"{OWN_ISSUER}#{proof.public_multibase(OWN.public_key())}"
    return proof.sign(document, OWN, method, "2024-01-01T00:00:00Z", as_set=True)


def _import(engine: Any, credential: Any, issuer: str = "badgeworks", **options: Any) -> Any:
    return credentials.import_badge(
        engine, credential=credential, learner_id="L1", issuer_id=issuer, submitter="hr",
        now=NOW, **options,
    )  # fmt: skip


def _stored(engine: Any) -> list[tuple[str, str, str | None]]:
    with session_scope(engine) as s:
        rows = s.scalars(select(OutcomeRow).order_by(OutcomeRow.id))
        return [(r.kind, r.obtained_on.isoformat(), r.attributes.get("title")) for r in rows]


def test_1edtechs_sample_is_stored_once_as_an_outcome(engine_with_badges: Any) -> None:
    first = _import(engine_with_badges, _sample(), issuer="examplecorp")
    again = _import(engine_with_badges, _sample(), issuer="examplecorp")
    assert (first.accepted, again.replayed) == (1, True)
    assert _stored(engine_with_badges) == [("enterprise_training", "2010-01-01", "Teamwork")]


def test_the_kind_follows_the_achievement_type_and_the_date_the_activity(
    engine_with_badges: Any,
) -> None:
    _import(engine_with_badges, _own())
    assert _stored(engine_with_badges) == [("enterprise_training", "2023-12-20", "PLC programming")]
    with session_scope(engine_with_badges) as s:
        (row,) = s.scalars(select(OutcomeRow))
        assert row.attributes["code"] == "PLC-40"


def _tampered() -> dict[str, Any]:
    changed = copy.deepcopy(_own())
    changed["credentialSubject"]["achievement"]["name"] = "PLC programming (advanced)"
    return changed


def _revoked_list(index: int) -> dict[str, Any]:
    listing = badges.status_list(
        badges.Bank(OWN_ISSUER, "Badge works"), 0, [index], "2024-01-01T00:00:00Z"
    )
    method = f"{OWN_ISSUER}#{proof.public_multibase(OWN.public_key())}"
    return proof.sign(listing, OWN, method, "2024-01-01T00:00:00Z", as_set=True)


STATUS = badges.status_entry(badges.Bank(OWN_ISSUER, "Badge works"), 5)


def _long_proof() -> dict[str, Any]:
    credential = _own()
    credential["proof"][0]["proofValue"] = "z" + "2" * 200_000  # quadratic to decode
    return credential


def _bomb() -> dict[str, Any]:
    """A status list whose compressed bits inflate far beyond any status list, signed."""
    listing = _revoked_list(6)
    packed = gzip.compress(bytes(64 * 1024 * 1024), mtime=0)
    listing["credentialSubject"]["encodedList"] = "u" + base64.urlsafe_b64encode(packed).decode()
    listing.pop("proof")
    method = f"{OWN_ISSUER}#{proof.public_multibase(OWN.public_key())}"
    return proof.sign(listing, OWN, method, "2024-01-01T00:00:00Z", as_set=True)


@pytest.mark.parametrize(
    ("credential", "options", "issuer", "words"),
    [
        pytest.param(_tampered, {}, "badgeworks", "does not match", id="tampered"),
        pytest.param(
            lambda: _own(validUntil="2025-01-01T00:00:00Z"),
            {},
            "badgeworks",
            "expired on 2025-01-01",
            id="expired",
        ),
        pytest.param(
            lambda: _own(validFrom="2027-01-01T00:00:00Z"),
            {},
            "badgeworks",
            "valid only from",
            id="not-yet",
        ),
        pytest.param(
            lambda: _own(credentialStatus=STATUS),
            {},
            "badgeworks",
            "send its status list",
            id="status-unknown",
        ),
        pytest.param(
            lambda: _own(credentialStatus=STATUS),
            {"status_list": _revoked_list(5)},
            "badgeworks",
            "revoked",
            id="revoked",
        ),
        pytest.param(
            lambda: _own(issuer="https://elsewhere.example/i"),
            {},
            "badgeworks",
            "not one the rules register",
            id="unknown-issuer",
        ),
        pytest.param(_own, {}, "examplecorp", "not by the sender examplecorp", id="someone-elses"),
        pytest.param(
            lambda: ["not", "a", "credential"],
            {},
            "badgeworks",
            "a JSON object",
            id="not-an-object",
        ),
        # the same signed statements in other JSON shapes, which the checks would misread
        pytest.param(
            lambda: _own(credentialStatus={**STATUS, "statusPurpose": ["revocation"]}),
            {"status_list": _revoked_list(5)},
            "badgeworks",
            "objects of plain text",
            id="status-as-list",
        ),
        pytest.param(
            lambda: _own(credentialStatus=STATUS["id"], **{"@included": [STATUS]}),
            {},
            "badgeworks",
            "uses @included",
            id="status-included",
        ),
        pytest.param(
            lambda: _own(**{"@context": [badges.VC, badges.OB, {"x": "https://w3id.org/x"}]}),
            {},
            "badgeworks",
            "list of context URLs",
            id="inline-context",
        ),
        pytest.param(lambda: _long_proof(), {}, "badgeworks", "too long", id="long-proof"),
        pytest.param(
            lambda: _own(credentialStatus=STATUS),
            {"status_list": _bomb()},
            "badgeworks",
            "cannot be read",
            id="status-list-bomb",
        ),
    ],
)
def test_a_credential_that_does_not_hold_is_refused_and_nothing_is_stored(
    engine_with_badges: Any, credential: Any, options: dict[str, Any], issuer: str, words: str
) -> None:
    with pytest.raises(InputInvalid, match=words):
        _import(engine_with_badges, credential(), issuer=issuer, **options)
    with session_scope(engine_with_badges) as s:
        assert s.scalar(select(func.count()).select_from(OutcomeRow)) == 0


def test_a_status_list_that_does_not_revoke_it_lets_it_in(engine_with_badges: Any) -> None:
    result = _import(
        engine_with_badges, _own(credentialStatus=STATUS), status_list=_revoked_list(6)
    )
    assert result.accepted == 1
