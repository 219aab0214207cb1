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
    _check_plain(credential, "credential")
    types = set(_as_list(credential.get("type")))
    if not types & BADGE_TYPES:
        raise Refused("not an Open Badges 3.0 credential (type OpenBadgeCredential expected)")
    issuer_id = _id(credential.get("issuer"))
    issuer = next((i for i in issuers if i.badges and i.badges.id == issuer_id), None)
    if issuer is None or issuer.badges is None:
        raise Refused(f"the issuer {issuer_id or '(none)'} is not one the rules register")
    _verify(credential, issuer.badges)
    _check_dates(credential, today)
    _check_status(credential, issuer.badges, status_list, today)
    return Accepted(issuer, _row(credential, issuer.badges, learner))


LINKED_DATA_KEYWORDS = {"@included", "@graph", "@reverse", "@nest", "@id", "@type", "@context"}
"""JSON-LD keywords that let one signed document say the same thing in another JSON shape (a
status moved into ``@included``, a term redefined by an inline context): refused anywhere but
a top-level ``@context`` of known context URLs, so that what this module reads from the JSON
is what the signature covers."""


def _check_plain(document: dict[str, Any], what: str) -> None:
    """Refuse the JSON-LD shapes the checks below could be fooled by (see LINKED_DATA_KEYWORDS)
    and a status entry whose fields are not plain text."""
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
        raise Refused(f"the {what}'s @context must be a list of context URLs")
    top = LINKED_DATA_KEYWORDS.intersection(document) - {"@context"}
    if top:
        raise Refused(f"the {what} uses {sorted(top)[0]}; send it plain")
    stack: list[Any] = [v for k, v in document.items() if k != "@context"]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            found = LINKED_DATA_KEYWORDS.intersection(value)
            if found:
                raise Refused(f"the {what} uses {sorted(found)[0]} inside it; send it plain")
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    for entry in _as_list(document.get("credentialStatus")):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("statusPurpose", "statusListIndex")
        ):
            raise Refused(f"the {what}'s credentialStatus must be objects of plain text")


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
    credential: dict[str, Any],
    registered: schema.BadgeIssuer,
    status_list: dict[str, Any] | None,
    today: dt.date,
) -> None:
    for entry in _as_list(credential.get("credentialStatus")):
        if entry["statusPurpose"] not in ("revocation", "suspension"):
            raise Refused(f"the credential's status purpose {entry['statusPurpose']!r} is unknown")
        if status_list is None:
            raise Refused(
                f"the credential has a {entry['statusPurpose']} status: send its status list "
                f"({entry.get('statusListCredential')}) with it"
            )
        if status_list.get("id") != entry.get("statusListCredential"):
            raise Refused("the status list sent is not the one the credential names")
        _check_plain(status_list, "status list")
        _verify(status_list, registered)
        subject = status_list.get("credentialSubject")
        if (
            "BitstringStatusListCredential" not in _as_list(status_list.get("type"))
            or not isinstance(subject, dict)
            or subject.get("statusPurpose") != entry["statusPurpose"]
        ):
            raise Refused("the status list sent is not a list for this status purpose")
        _check_dates(status_list, today)
        try:
            revoked = badges.revoked_in(status_list, int(entry["statusListIndex"]))
        except Exception as exc:  # any way a list can be unreadable is the sender's problem
            raise Refused(f"the status list cannot be read: {exc}") from exc
        if revoked:
            done = {"revocation": "revoked", "suspension": "suspended"}[entry["statusPurpose"]]
            raise Refused(f"the issuer has {done} this credential")


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
