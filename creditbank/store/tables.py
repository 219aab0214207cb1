"""The tables: typed ORM classes and no behaviour. Alembic (migrations/) owns the schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from creditbank.store.base import Base

Id = String(120)


class Learner(Base):
    """A pseudonymous learning account; a national ID is kept only as a keyed hash."""

    __tablename__ = "learners"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    national_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    employer_id: Mapped[str | None] = mapped_column(ForeignKey("issuers.id"))
    ledger_seq: Mapped[int] = mapped_column(Integer, default=0)
    ledger_head: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Issuer(Base):
    """Who issues outcomes; copied from the published rule set, with accreditation periods."""

    __tablename__ = "issuers"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    accreditations: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Batch(Base):
    """A submission: idempotency key, submitter, content digest, counts and per-row results."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("issuer_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    content_digest: Mapped[str] = mapped_column(String(64))
    submitter: Mapped[str] = mapped_column(String(200))
    keep_valid: Mapped[bool]
    accepted: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    results: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class OutcomeRow(Base):
    """A learning outcome and its lifecycle; attributes as the engine's Outcome, in JSON."""

    __tablename__ = "outcomes"
    __table_args__ = (
        UniqueConstraint("issuer_id", "external_id"),
        CheckConstraint(
            "status IN ('submitted','verified','recognised','rejected','revoked')", name="status"
        ),
        Index(None, "learner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"))
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    external_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    obtained_on: Mapped[dt.date] = mapped_column(Date)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    status_reason: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RuleSetVersion(Base):
    """A rule set's full YAML sources and digest; once published it never changes."""

    __tablename__ = "ruleset_versions"
    __table_args__ = (
        UniqueConstraint("pack_id", "digest"),
        CheckConstraint("status IN ('draft','published','retired')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack_id: Mapped[str] = mapped_column(Id)
    digest: Mapped[str] = mapped_column(String(64))
    sources: Mapped[dict[str, str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DecisionRow(Base):
    """A stored audit: its inputs, the version used, the canonical decision and digests."""

    __tablename__ = "decisions"
    __table_args__ = (Index(None, "learner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"))
    programme: Mapped[str] = mapped_column(Id)
    application_date: Mapped[dt.date] = mapped_column(Date)
    ruleset_version_id: Mapped[int] = mapped_column(ForeignKey("ruleset_versions.id"))
    inputs: Mapped[list[Any] | dict[str, Any]] = mapped_column(JSON)
    canonical: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    input_digest: Mapped[str] = mapped_column(String(64))
    ruleset_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """An API key, stored as a hash, with its role and the party it speaks for."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    scope_id: Mapped[str | None] = mapped_column(Id)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Enrolment(Base):
    """A learner's application to a programme on a date: it gives the programme's
    institution access to the learner."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("learner_id", "programme"),
        Index(None, "institution"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"))
    programme: Mapped[str] = mapped_column(Id)
    institution: Mapped[str] = mapped_column(Id)
    enrolled_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LearnerExceptionRow(Base):
    """An exception an institution granted a learner (a waiver, substitution or credit by
    petition), as recorded; a withdrawal keeps the row and says when, by whom and why. Its
    content is vouched for by its ledger entry."""

    __tablename__ = "learner_exceptions"
    __table_args__ = (Index(None, "learner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"))
    kind: Mapped[str] = mapped_column(String(20))
    programme: Mapped[str] = mapped_column(Id)
    target_kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(Id)
    institution: Mapped[str] = mapped_column(Id)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcomes.id"))
    credits: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class LedgerEntry(Base):
    """One append-only ledger entry, hash-chained to the previous entry of its account."""

    __tablename__ = "ledger"
    __table_args__ = (UniqueConstraint("learner_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ruleset_version_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_versions.id"))
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcomes.id"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class KeyFingerprint(Base):
    """A fingerprint of a secret the bank works with (never the secret): the bank refuses
    to run with another key than the one its stored hashes were made with."""

    __tablename__ = "key_fingerprints"

    purpose: Mapped[str] = mapped_column(String(40), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    keys: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Checkpoint(Base):
    """A signed statement of every account's ledger head at one moment (see ``checkpoints``)."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    accounts: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    previous: Mapped[str] = mapped_column(String(64))
    statement: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class CheckpointHead(Base):
    """An account's head as a checkpoint saw it, kept only when it moved since the last one."""

    __tablename__ = "checkpoint_heads"

    learner_id: Mapped[str] = mapped_column(Id, primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class ReauditRun(Base):
    """A re-audit of the enrolled learners a published version affects (one per version)."""

    __tablename__ = "reaudit_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("ruleset_versions.id"), unique=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_versions.id"))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReauditPartition(Base):
    """Enrolment ids ``first`` to ``last`` of a run: done when ``done_at`` is set, in the
    transaction that stored its decisions; ``changed`` lists who changed."""

    __tablename__ = "reaudit_partitions"
    __table_args__ = (UniqueConstraint("run_id", "first"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reaudit_runs.id"))
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decisions: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[list[Any]] = mapped_column(JSON, default=list)
