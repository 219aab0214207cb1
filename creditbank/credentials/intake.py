"""Open Badges 3.0 credentials in: checked before anything is stored.

A credential is accepted when its issuer is one a rule set registers (``issuers[].badges``),
its proof verifies with one of that issuer's registered keys, it is valid on the day it is
submitted, and it is not revoked in the status list given with it (a credential that carries
a status cannot be accepted without its list). It then becomes one outcome: the kind the
rules give its achievement type, dated by the activity's end (else the credential's start),
titled and coded by its achievement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from creditbank.credentials import badges, proof
from creditbank.ruleset import schema

BADGE_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


class Refused(ValueError):
    """Why a credential is not accepted, in words for the institution that sent it."""


@dataclass(frozen=True)
class Accepted:
    """A verified credential: who registered its issuer, and the outcome row it becomes."""

    issuer: schema.Issuer
    row: dict[str, Any]


def accept(
    credential: Any,
    issuers: Sequence[schema.Issuer],
    learner: str,
    today: dt.date,
    status_list: dict[str, Any] | None = None,
) -> Accepted:
    """The outcome row (as a batch row for ``learner``) of a verified credential, or Refused."""
    if not isinstance(credential, dict):
        raise Refused("a credential is a JSON object")
    types = set(_as_list(credential.get("type")))
    if not types & BADGE_TYPES:
        raise Refused("not an Open Badges 3.0 credential (type OpenBadgeCredential expected)")
    issuer_id = _id(credential.get("issuer"))
    issuer = next((i for i in issuers if i.badges and i.badges.id == issuer_id), None)
    if issuer is None or issuer.badges is None:
        raise Refused(f"the issuer {issuer_id or '(none)'} is not one the rules register")
    _verify(credential, issuer.badges)
    _check_dates(credential, today)
    _check_status(credential, issuer.badges, status_list)
    return Accepted(issuer, _row(credential, issuer.badges, learner))


def _verify(credential: dict[str, Any], registered: schema.BadgeIssuer) -> None:
    problems = []
    for key in registered.keys:
        try:
            proof.verify(credential, proof.public_key(key))
        except proof.ProofError as exc:
            problems.append(str(exc))
        else:
            return
    raise Refused(f"the proof does not hold with the issuer's registered keys: {problems[-1]}")


def _check_dates(credential: dict[str, Any], today: dt.date) -> None:
    start, end = _day(credential.get("validFrom")), _day(credential.get("validUntil"))
    if start is None:
        raise Refused("the credential has no readable validFrom")
    if start > today:
        raise Refused(f"the credential is valid only from {start}")
    if end is not None and end < today:
        raise Refused(f"the credential expired on {end}")


def _check_status(
    credential: dict[str, Any], registered: schema.BadgeIssuer, status_list: dict[str, Any] | None
) -> None:
    entries = _as_list(credential.get("credentialStatus"))
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("statusPurpose") != "revocation":
            continue
        if status_list is None:
            raise Refused(
                "the credential has a revocation status: send its status list "
                f"({entry.get('statusListCredential')}) with it"
            )
        if status_list.get("id") != entry.get("statusListCredential"):
            raise Refused("the status list sent is not the one the credential names")
        _verify(status_list, registered)
        try:
            revoked = badges.revoked_in(status_list, int(entry["statusListIndex"]))
        except (KeyError, ValueError, OSError) as exc:
            raise Refused(f"the status list cannot be read: {exc}") from exc
        if revoked:
            raise Refused("the issuer has revoked this credential")


def _row(
    credential: dict[str, Any], registered: schema.BadgeIssuer, learner: str
) -> dict[str, Any]:
    subjects = _as_list(credential.get("credentialSubject"))
    subject = subjects[0] if subjects else None
    if not isinstance(subject, dict):
        raise Refused("the credential has no subject")
    achievement = subject.get("achievement")
    if not isinstance(achievement, dict) or not isinstance(achievement.get("name"), str):
        raise Refused("the credential names no achievement")
    kind_of = str(achievement.get("achievementType", ""))
    day = _day(subject.get("activityEndDate")) or _day(credential.get("validFrom"))
    row: dict[str, Any] = {
        "learner": learner,
        "external_id": str(credential.get("id") or "")[:120],
        "kind": registered.by_type.get(kind_of, registered.kind).value,
        "date": day.isoformat() if day else None,
        "title": achievement["name"],
    }
    if not row["external_id"]:
        raise Refused("the credential has no id")
    if isinstance(achievement.get("humanCode"), str):
        row["code"] = achievement["humanCode"]
    return row


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
