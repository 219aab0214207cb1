"""Verifiable credentials out of the store: a learner's recognised outcomes as signed Open
Badges 3.0 credentials, the whole record as a signed CLR 2.0 credential, and the revocation
status lists. Everything is read in one snapshot; nothing is written."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditbank.config import Settings
from creditbank.credentials import badges, intake, proof
from creditbank.errors import InputInvalid, NotFound
from creditbank.ruleset import schema
from creditbank.service import submissions
from creditbank.service.learners import learner_key
from creditbank.service.rulesets import ruleset_of, versions_in_force
from creditbank.service.signing_keys import issuer_key
from creditbank.store.session import session_scope
from creditbank.store.tables import DecisionRow, Issuer, Learner, LedgerEntry, OutcomeRow


def bank(settings: Settings) -> badges.Bank:
    return badges.Bank(url=settings.issuer_url, name=settings.issuer_name)


def verification_method(settings: Settings) -> str:
    """The id of the issuer key in proofs: the issuer URL and the key's multibase."""
    public = issuer_key(settings).public_key()
    return f"{settings.issuer_url}#{proof.public_multibase(public)}"


def issuer_document(settings: Settings) -> dict[str, Any]:
    """The issuer's profile with its public key as a Multikey verification method, to be
    served at ``issuer_url`` (a controller document verifiers resolve)."""
    public = proof.public_multibase(issuer_key(settings).public_key())
    method = f"{settings.issuer_url}#{public}"
    return {
        "@context": [badges.VC, badges.OB],
        "id": settings.issuer_url,
        "type": ["Profile"],
        "name": settings.issuer_name,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": settings.issuer_url,
                "publicKeyMultibase": public,
            }
        ],
        "assertionMethod": [method],
    }


def issuer_jwks(settings: Settings) -> dict[str, Any]:
    """The issuer's public key as a JSON Web Key Set (RFC 7517, OKP Ed25519 of RFC 8037),
    for verifiers that resolve keys as JWK; ``kid`` is the verification method of its proofs."""
    public = issuer_key(settings).public_key()
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": base64.urlsafe_b64encode(raw).decode().rstrip("="),
                "kid": f"{settings.issuer_url}#{proof.public_multibase(public)}",
                "use": "sig",
                "alg": "EdDSA",
            }
        ]
    }


def export(
    engine: Engine,
    settings: Settings,
    learner_id: str,
    *,
    record: bool,
    lang: str,
    now: dt.datetime,
) -> list[dict[str, Any]] | dict[str, Any]:
    """The learner's recognised outcomes as signed OpenBadgeCredentials (a list), or with
    ``record`` the whole record as one signed ClrCredential."""
    key = issuer_key(settings)
    method = verification_method(settings)
    issuer = bank(settings)
    created = _xml_time(now)
    learner_id = learner_key(learner_id)
    with session_scope(engine, read_only=True) as session:
        if session.get(Learner, learner_id) is None:
            raise NotFound("learner", learner_id)
        items = _recognised(session, learner_id)
        decision = _latest_decision(session, learner_id)
    signed = [
        proof.sign(badges.badge(issuer, item, lang), key, method, created, as_set=True)
        for item in items
    ]
    if not record:
        return signed
    document = badges.record(issuer, learner_id, items, signed, decision, created, lang)
    return proof.sign(document, key, method, created, as_set=True)


def status_list(
    engine: Engine, settings: Settings, number: int, now: dt.datetime
) -> dict[str, Any]:
    """Signed status list ``number``: the credentials of revoked outcomes marked."""
    key = issuer_key(settings)
    with session_scope(engine, read_only=True) as session:
        revoked = list(session.scalars(select(OutcomeRow.id).where(OutcomeRow.status == "revoked")))
    document = badges.status_list(bank(settings), number, revoked, _xml_time(now))
    return proof.sign(document, key, verification_method(settings), _xml_time(now), as_set=True)


def import_badge(
    engine: Engine,
    *,
    credential: Any,
    learner_id: str,
    issuer_id: str,
    submitter: str,
    now: dt.datetime,
    status_list: dict[str, Any] | None = None,
) -> submissions.BatchResult:
    """Store an Open Badges 3.0 credential that ``issuer_id`` sends for ``learner_id`` as one
    outcome, once verified (``intake.accept``); a refused credential stores nothing. Sent
    twice, it is stored once (its id is the batch's idempotency key)."""
    today = now.date()
    with session_scope(engine, read_only=True) as session:
        issuers = _registered_issuers(session, today)
    try:
        accepted = intake.accept(credential, issuers, learner_id, today, status_list)
    except intake.Refused as exc:
        raise InputInvalid([("credential", str(exc))]) from None
    if accepted.issuer.id != issuer_id:
        raise InputInvalid(
            [("credential", f"issued by {accepted.issuer.id}, not by the sender {issuer_id}")]
        )
    return submissions.submit_batch(
        engine,
        issuer_id=issuer_id,
        idempotency_key=f"badge:{accepted.row['external_id']}"[:200],
        rows=[accepted.row],
        submitter=submitter,
        now=now,
    )


def _registered_issuers(session: Session, today: dt.date) -> list[schema.Issuer]:
    """Issuers of every rule set in force today that register badge keys."""
    return [
        issuer
        for version in versions_in_force(session, today)
        for issuer in ruleset_of(version).at(today).issuers.values()
        if issuer.badges is not None
    ]


def _recognised(session: Session, learner_id: str) -> list[badges.Recognised]:
    """The learner's outcomes whose status is recognised, each with its latest recognition."""
    rows = list(
        session.scalars(
            select(OutcomeRow)
            .where(OutcomeRow.learner_id == learner_id, OutcomeRow.status == "recognised")
            .order_by(OutcomeRow.id)
        )
    )
    latest: dict[int, LedgerEntry] = {}
    for recognition in session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.learner_id == learner_id, LedgerEntry.kind == "recognition")
        .order_by(LedgerEntry.seq)
    ):
        if recognition.outcome_id is not None:
            latest[recognition.outcome_id] = recognition
    names = {i.id: i.name for i in session.scalars(select(Issuer))}
    items = []
    for row in rows:
        found = latest.get(row.id)
        if found is None:
            continue
        entry, attributes = found, row.attributes
        name = names.get(row.issuer_id) or {}
        items.append(
            badges.Recognised(
                outcome_id=row.id,
                learner_id=learner_id,
                kind=row.kind,
                issuer_id=row.issuer_id,
                issuer_name=name.get("zh") or name.get("en") or row.issuer_id,
                title=attributes.get("title"),
                code=attributes.get("code"),
                occupation=attributes.get("occupation"),
                rung=attributes.get("rung"),
                obtained_on=row.obtained_on.isoformat(),
                recognised_at=_xml_time(entry.at),
                credits=Decimal(entry.payload["credits"]),
                level=entry.payload.get("level"),
                rule=str(entry.payload.get("rule", "")),
            )
        )
    return items


def _latest_decision(session: Session, learner_id: str) -> badges.DecisionRef | None:
    row = session.scalars(
        select(DecisionRow)
        .where(DecisionRow.learner_id == learner_id)
        .order_by(DecisionRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return badges.DecisionRef(row.id, row.programme, row.ruleset_digest, row.digest)


def _xml_time(moment: dt.datetime) -> str:
    """An XML Schema dateTime in UTC, to the second (as credentials write it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
