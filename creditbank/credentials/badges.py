"""Open Badges 3.0 and CLR 2.0 documents for the bank's record, unsigned (``proof.sign`` signs).

One recognised outcome becomes an ``OpenBadgeCredential`` (an AchievementCredential): its
achievement is what the outcome is (a course, a certificate, training...), its subject the
learner's pseudonymous account, with the bank credits earned and a revocation entry in the
bank's Bitstring Status List. A learner's whole record becomes a ``ClrCredential`` holding those
credentials, the achievements, and the audit decision it rests on as evidence. Open Badges types
names as plain text, so a document is in one language (``zh`` or ``en``), stated in
``inLanguage``; the other is one export away.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

VC = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
STATUS_BITS = 131_072
"""The length of one status list: the 16 KiB minimum the Bitstring Status List asks for, so
that a list does not tell how many credentials the bank issued. Outcome N has bit N mod this
in list N div this."""

LIST_BYTES_AT_MOST = 16 * STATUS_BITS // 8
"""The largest status list read (sixteen times the bank's own): a compressed list that
inflates beyond it is refused, not inflated."""

ACHIEVEMENT_TYPES = {
    "academic_course": "Course",
    "skill_certificate": "Certification",
    "vocational_qualification": "Certificate",
    "training_certificate": "CertificateOfCompletion",
    "enterprise_training": "Course",
    "competition_award": "Award",
    "work_experience": "ext:WorkExperience",
}
"""Open Badges' achievementType for each kind of outcome (an ``ext:`` term where the
vocabulary has none)."""

KIND_NAMES = {
    "academic_course": {"zh": "课程", "en": "Course"},
    "skill_certificate": {"zh": "职业技能等级证书", "en": "Skill-level certificate"},
    "vocational_qualification": {"zh": "职业资格证书", "en": "Vocational qualification"},
    "training_certificate": {"zh": "培训证书", "en": "Training certificate"},
    "enterprise_training": {"zh": "企业培训", "en": "Enterprise training"},
    "competition_award": {"zh": "竞赛获奖", "en": "Competition award"},
    "work_experience": {"zh": "工作经历", "en": "Work experience"},
}

_WORDS = {
    "zh": {
        "criteria": "经学分银行按规则{rule}核验并认定，计{credits}学分（框架等级{level}）。",
        "credential": "学分银行认定：{name}",
        "record": "学分银行学习记录",
        "decision": "学分转换审核决定 {digest}",
        "decision_text": "专业{programme}的审核决定，摘要（SHA-256）{digest}，规则集{ruleset}。",
    },
    "en": {
        "criteria": "Verified and recognised by the credit bank under rule {rule}: {credits} credits (framework level {level}).",
        "credential": "Recognised by the credit bank: {name}",
        "record": "Credit bank learning record",
        "decision": "Credit transfer decision {digest}",
        "decision_text": "Audit decision for programme {programme}, digest (SHA-256) {digest}, rule set {ruleset}.",
    },
}


@dataclass(frozen=True)
class Bank:
    """The issuer: its URL (also the base of credential, achievement and status URLs), its
    name, and the verification method its proofs name."""

    url: str
    name: str

    def of(self, *parts: str) -> str:
        return "/".join([self.url.rstrip("/"), *(quote(p, safe="") for p in parts)])

    @property
    def profile(self) -> dict[str, Any]:
        return {"id": self.url, "type": ["Profile"], "name": self.name}

    def status_list(self, number: int) -> str:
        return self.of("status", "revocation", str(number))


@dataclass(frozen=True)
class Recognised:
    """One recognised outcome, as the store knows it."""

    outcome_id: int
    learner_id: str
    kind: str
    issuer_id: str
    issuer_name: str
    title: str | None
    code: str | None
    occupation: str | None
    rung: str | None
    obtained_on: str
    recognised_at: str
    credits: Decimal
    level: int | None
    rule: str


def subject_id(learner_id: str) -> str:
    """The learner's pseudonymous account as a URI (no name, no national ID)."""
    return f"urn:creditbank:learner:{quote(learner_id, safe='')}"


def achievement_name(item: Recognised, lang: str) -> str:
    """What the outcome is, in ``lang``: its title, else its kind and code or occupation/rung."""
    if item.title:
        return item.title
    what = " ".join(p for p in (item.code, item.occupation, item.rung) if p)
    return f"{KIND_NAMES.get(item.kind, {}).get(lang, item.kind)} {what}".strip()


def achievement(bank: Bank, item: Recognised, lang: str) -> dict[str, Any]:
    """The Achievement an outcome stands for (the same for every learner who holds it)."""
    key = item.code or item.title or " ".join(p for p in (item.occupation, item.rung) if p)
    words = _WORDS[lang]
    return {
        "id": bank.of("achievements", item.kind, item.issuer_id, key or str(item.outcome_id)),
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES.get(item.kind, "Achievement"),
        "name": achievement_name(item, lang),
        "description": f"{KIND_NAMES.get(item.kind, {}).get(lang, item.kind)}: {item.issuer_name}",
        "criteria": {
            "narrative": words["criteria"].format(
                rule=item.rule, credits=item.credits, level=item.level or "-"
            )
        },
        "creditsAvailable": float(item.credits),
        "inLanguage": lang,
        **({"humanCode": item.code} if item.code else {}),
    }


def badge(bank: Bank, item: Recognised, lang: str) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of one recognised outcome."""
    found = achievement(bank, item, lang)
    return {
        "@context": [VC, OB],
        "id": bank.of("credentials", "outcome", str(item.outcome_id)),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": bank.profile,
        "validFrom": item.recognised_at,
        "name": _WORDS[lang]["credential"].format(name=found["name"]),
        "credentialSubject": {
            "id": subject_id(item.learner_id),
            "type": ["AchievementSubject"],
            "achievement": found,
            "creditsEarned": float(item.credits),
            "activityEndDate": f"{item.obtained_on}T00:00:00Z",
        },
        "credentialStatus": status_entry(bank, item.outcome_id),
    }


@dataclass(frozen=True)
class DecisionRef:
    """A stored audit decision a record rests on."""

    decision_id: int
    programme: str
    ruleset: str
    digest: str


def record(
    bank: Bank,
    learner_id: str,
    items: Sequence[Recognised],
    signed_badges: Sequence[dict[str, Any]],
    decision: DecisionRef | None,
    issued_at: str,
    lang: str,
) -> dict[str, Any]:
    """The unsigned ClrCredential of a learner's record: the signed badges, their
    achievements, and the decision as evidence."""
    words = _WORDS[lang]
    document: dict[str, Any] = {
        "@context": [VC, CLR, OB],
        "id": bank.of("credentials", "record", learner_id, issued_at),
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": bank.profile,
        "validFrom": issued_at,
        "name": words["record"],
        "credentialSubject": {
            "id": subject_id(learner_id),
            "type": ["ClrSubject"],
            "achievement": _unique(achievement(bank, item, lang) for item in items),
            "verifiableCredential": list(signed_badges),
        },
    }
    if decision is not None:
        document["evidence"] = [
            {
                "id": bank.of("decisions", str(decision.decision_id)),
                "type": ["Evidence"],
                "name": words["decision"].format(digest=decision.digest[:16]),
                "description": words["decision_text"].format(
                    programme=decision.programme, digest=decision.digest, ruleset=decision.ruleset
                ),
            }
        ]
    return document


def _unique(achievements: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for found in achievements:
        seen.setdefault(found["id"], found)
    return list(seen.values())


def status_entry(bank: Bank, outcome_id: int) -> dict[str, Any]:
    """Where the revocation of outcome ``outcome_id``'s credential is published."""
    number, index = divmod(outcome_id, STATUS_BITS)
    return {
        "id": f"{bank.status_list(number)}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": bank.status_list(number),
    }


def status_list(bank: Bank, number: int, revoked: Iterable[int], issued_at: str) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential ``number``: the bit of every outcome in
    ``revoked`` that falls in it set (GZIP-compressed, base64url, multibase ``u``)."""
    bits = bytearray(STATUS_BITS // 8)
    for outcome_id in revoked:
        page, index = divmod(outcome_id, STATUS_BITS)
        if page == number:
            bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    encoded = "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")
    return {
        "@context": [VC],
        "id": bank.status_list(number),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": bank.url,
        "validFrom": issued_at,
        "credentialSubject": {
            "id": f"{bank.status_list(number)}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }


def revoked_in(status_credential: dict[str, Any], index: int) -> bool:
    """Whether bit ``index`` of a Bitstring Status List credential is set."""
    encoded = str(status_credential["credentialSubject"]["encodedList"])
    if not encoded.startswith("u"):
        raise ValueError("the status list is not multibase base64url ('u...')")
    body = encoded[1:]
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip
    bits = inflate.decompress(
        base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), LIST_BYTES_AT_MOST
    )
    if inflate.unconsumed_tail or not inflate.eof:
        raise ValueError(
            f"the status list is not a gzip stream of at most {LIST_BYTES_AT_MOST:,} bytes"
        )
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
