"""Rule-set versions: load a directory as a draft, publish it with a date, find the one in force.

A version stores the full YAML sources and their digest, so any past decision can be re-run
from what is stored. A published version never changes; it can only be retired.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditbank.errors import CreditBankError, NotFound
from creditbank.ruleset.loader import (
    CheckReport,
    check_sources,
    load_ruleset_from_sources,
    read_sources,
)
from creditbank.ruleset.ruleset import RuleSet
from creditbank.service.errors import Conflict
from creditbank.store.session import transaction
from creditbank.store.tables import Issuer, RuleSetVersion

_LOADED: dict[str, RuleSet] = {}
"""Rule sets already parsed, by digest (a digest names one content forever)."""


def ruleset_of(version: RuleSetVersion) -> RuleSet:
    """The checked RuleSet of a stored version (parsed once per process); refused if its
    stored sources no longer have its digest (changed around the database's guard), so that
    no audit or recognition runs on rules nobody published, and refused, saying why, if they
    have it but fail a check added since they were published."""
    ruleset = _LOADED.get(version.digest)
    if ruleset is None:
        try:
            report = check_sources(version.sources)
        except (TypeError, AttributeError, ValueError):
            report = CheckReport((), None)
        if report.ruleset is None and report.digest == version.digest:
            raise CreditBankError(
                f"rule-set version {version.id} fails a check added since it was published: "
                f"{report.errors[0]}; publish a corrected version",
                code="ruleset.fails_checker",
            )
        ruleset = report.ruleset
        if ruleset is None or ruleset.digest != version.digest:
            raise CreditBankError(
                f"rule-set version {version.id}'s stored sources do not have its digest "
                "(they were changed); nothing was done (`creditbank ledger verify` reports it)",
                code="ruleset.mismatch",
            )
        _LOADED[version.digest] = ruleset
    return ruleset


def load_draft(engine: Engine, *, root: Path, actor: str, now: dt.datetime) -> RuleSetVersion:
    """Store the rule directory ``root`` as a draft (or return the version with its digest)."""
    sources = read_sources(root)
    ruleset = load_ruleset_from_sources(sources)  # raises RuleSetInvalid with every finding
    return store_draft(engine, sources=sources, ruleset=ruleset, actor=actor, now=now)


def store_draft(
    engine: Engine, *, sources: dict[str, str], ruleset: RuleSet, actor: str, now: dt.datetime
) -> RuleSetVersion:
    """Store checked ``sources`` (parsed as ``ruleset``) as a draft, or return the version
    that has their digest already."""
    _LOADED.setdefault(ruleset.digest, ruleset)

    def work(session: Session) -> RuleSetVersion:
        existing = session.scalar(
            select(RuleSetVersion).where(
                RuleSetVersion.pack_id == ruleset.pack.id, RuleSetVersion.digest == ruleset.digest
            )
        )
        if existing is not None:
            return existing
        version = RuleSetVersion(
            pack_id=ruleset.pack.id,
            digest=ruleset.digest,
            sources=sources,
            status="draft",
            created_by=actor,
            created_at=now,
        )
        session.add(version)
        session.flush()
        return version

    return transaction(engine, work)


def publish(
    engine: Engine, *, version_id: int, effective_from: dt.date, actor: str, now: dt.datetime
) -> RuleSetVersion:
    """Publish a draft from ``effective_from``; its issuers become the bank's issuers."""

    def work(session: Session) -> RuleSetVersion:
        version = _locked(session, version_id, "draft", "ruleset.not_draft")
        version.status, version.effective_from, version.published_at = (
            "published",
            effective_from,
            now,
        )
        for issuer in ruleset_of(version).items("issuers"):
            row = session.get(Issuer, issuer.id) or Issuer(id=issuer.id)
            row.type = issuer.type.value
            row.name = issuer.name.model_dump(exclude_none=True)
            row.accreditations = [
                a.model_dump(mode="json", by_alias=True) for a in issuer.accreditations
            ]
            session.add(row)
        return version

    return transaction(engine, work)


def retire(engine: Engine, *, version_id: int) -> RuleSetVersion:
    """Take a published version out of force (it stays stored for past decisions)."""

    def work(session: Session) -> RuleSetVersion:
        version = _locked(session, version_id, "published", "ruleset.not_published")
        version.status = "retired"
        return version

    return transaction(engine, work)


def _locked(session: Session, version_id: int, status: str, code: str) -> RuleSetVersion:
    """The version, locked for this transaction, which must be in ``status``."""
    version = session.get(RuleSetVersion, version_id, with_for_update=True)
    if version is None:
        raise NotFound("ruleset_version", str(version_id))
    if version.status != status:
        raise Conflict(
            f"version {version_id} is {version.status}; only a {status} version "
            "can be changed this way",
            code=code,
        )
    return version


def version_of(session: Session, version_id: int) -> RuleSetVersion:
    """A stored version by its number (NotFound if there is none)."""
    version = session.get(RuleSetVersion, version_id)
    if version is None:
        raise NotFound("ruleset_version", str(version_id))
    return version


def list_versions(session: Session) -> list[RuleSetVersion]:
    return list(session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.id)))


def versions_page(session: Session, *, after: int = 0, limit: int = 100) -> list[RuleSetVersion]:
    """Stored versions in id order after the cursor ``after``."""
    return list(
        session.scalars(
            select(RuleSetVersion)
            .where(RuleSetVersion.id > after)
            .order_by(RuleSetVersion.id)
            .limit(limit)
        )
    )


def versions_in_force(session: Session, on: dt.date) -> list[RuleSetVersion]:
    """Each rule set's (pack's) version in force on ``on``: its published version with the
    latest ``effective_from`` on or before that day. Packs are independent: publishing one
    never takes another out of force."""
    query = (
        select(RuleSetVersion)
        .where(RuleSetVersion.status == "published", RuleSetVersion.effective_from <= on)
        .order_by(
            RuleSetVersion.pack_id,
            RuleSetVersion.effective_from.desc(),
            RuleSetVersion.id.desc(),
        )
    )
    newest: dict[str, RuleSetVersion] = {}
    for version in session.scalars(query):
        newest.setdefault(version.pack_id, version)
    return list(newest.values())


def version_in_force(session: Session, on: dt.date, pack_id: str | None = None) -> RuleSetVersion:
    """The version in force on ``on`` of pack ``pack_id``, which may be left out when only
    one pack is in force."""
    versions = [v for v in versions_in_force(session, on) if pack_id in (None, v.pack_id)]
    if not versions:
        raise NotFound(
            "ruleset_version",
            f"in force on {on}" + (f" for pack '{pack_id}'" if pack_id else ""),
            hint="publish a rule set with `creditbank versions publish`",
        )
    if len(versions) > 1:
        raise Conflict(
            f"{len(versions)} rule sets are in force on {on} "
            f"({', '.join(v.pack_id for v in versions)}): say which pack",
            code="ruleset.pack_required",
        )
    return versions[0]


def version_for_programme(session: Session, programme: str, on: dt.date) -> RuleSetVersion:
    """The version in force on ``on`` of the one rule set that defines ``programme``."""
    versions = versions_in_force(session, on)
    defining = [v for v in versions if programme in ruleset_of(v).at(on).programmes]
    if not defining:
        packs = ", ".join(v.pack_id for v in versions) or "none"
        raise NotFound(
            "programme",
            programme,
            hint=f"no rule set in force on {on} defines it (in force: {packs})",
        )
    if len(defining) > 1:
        raise Conflict(
            f"programme '{programme}' is defined by {len(defining)} rule sets in force on "
            f"{on} ({', '.join(v.pack_id for v in defining)}); give programmes ids unique "
            "across packs",
            code="programme.ambiguous",
        )
    return defining[0]
