"""Suggestions and courses to take in a sentence, in Chinese or English, from codes and names.

The wording of ``suggest.py``'s results lives here, in tables like ``explain.py``'s: what to
obtain (by kind of outcome, with the details that make it count), what it would grant, under
which rules, and by how much it raises the counted credits.
"""

from __future__ import annotations

from creditbank.domain import Lang, OutcomeKind
from creditbank.engine.decision_parts import Grant
from creditbank.engine.explain import _fill
from creditbank.engine.suggest import Proposed, Suggestion, ToTake

_WHAT: dict[OutcomeKind, dict[Lang, str]] = {
    OutcomeKind.SKILL_CERTIFICATE: {
        Lang.EN: "a skill certificate as {occupation.en} at rung {rung.en} ({rung.zh}) from {issuer.en}",
        Lang.ZH: "{issuer.zh}颁发的{occupation.zh}{rung.zh}证书",
    },
    OutcomeKind.VOCATIONAL_QUALIFICATION: {
        Lang.EN: "the qualification {code} from {issuer.en}",
        Lang.ZH: "{issuer.zh}颁发的职业资格证书{code}",
    },
    OutcomeKind.TRAINING_CERTIFICATE: {
        Lang.EN: "a training certificate from {issuer.en}",
        Lang.ZH: "{issuer.zh}颁发的培训证书",
    },
    OutcomeKind.ENTERPRISE_TRAINING: {
        Lang.EN: "{issuer.en}'s training {code}",
        Lang.ZH: "{issuer.zh}的企业培训{code}",
    },
    OutcomeKind.ACADEMIC_COURSE: {
        Lang.EN: "course {code} {course.en} at {issuer.en}",
        Lang.ZH: "{issuer.zh}的课程{code}“{course.zh}”",
    },
    OutcomeKind.COMPETITION_AWARD: {
        Lang.EN: "a {tier} competition award from {issuer.en}",
        Lang.ZH: "{issuer.zh}的{tier}竞赛奖项",
    },
    OutcomeKind.WORK_EXPERIENCE: {
        Lang.EN: "work experience certified by {issuer.en}",
        Lang.ZH: "{issuer.zh}认证的工作经历",
    },
}
"""What to obtain, by kind; a code the outcome does not carry is left out of the sentence."""

_DETAILS: dict[str, dict[Lang, str]] = {
    "hours": {Lang.EN: "{hours} hours", Lang.ZH: "{hours}学时"},
    "grade": {Lang.EN: "grade {grade} or better", Lang.ZH: "成绩{grade}及以上"},
    "score": {Lang.EN: "score {score} or more", Lang.ZH: "成绩{score}分及以上"},
    "years": {Lang.EN: "{years} years", Lang.ZH: "{years}年"},
    "rank": {Lang.EN: "ranked {rank} or better", Lang.ZH: "名次在第{rank}名以内"},
    "level": {Lang.EN: "level {level}", Lang.ZH: "{level}级"},
    "delivery": {Lang.EN: "{delivery}", Lang.ZH: "{delivery}"},
    "assessed": {Lang.EN: "assessed", Lang.ZH: "经考核合格"},
}
"""The attributes that make a suggested outcome count, in the order they are listed."""

_DELIVERY = {
    "in_person": {Lang.EN: "in person", Lang.ZH: "线下"},
    "online": {Lang.EN: "online", Lang.ZH: "线上"},
    "blended": {Lang.EN: "blended", Lang.ZH: "混合式"},
}

_SUGGESTION = {
    Lang.EN: "{what} would grant {targets} under {rules}: {credits} credits more in all.",
    Lang.ZH: "取得{what}，可依据{rules}认定{targets}，共增加{credits}学分。",
}

_TARGET = {
    "course": {
        Lang.EN: "course {target} {name} ({credits} credits)",
        Lang.ZH: "课程{target}“{name}”（{credits}学分）",
    },
    "category": {
        Lang.EN: "{credits} credits in {name}",
        Lang.ZH: "“{name}”{credits}学分",
    },
}

_TO_TAKE = {
    "not_exemptable": {
        Lang.EN: "Course {course} {name} ({credits} credits) is to be taken: the programme never exempts it.",
        Lang.ZH: "课程{course}“{name}”（{credits}学分）须修读：本专业不可免修。",
    },
    "no_rule": {
        Lang.EN: "Course {course} {name} ({credits} credits) is to be taken: no rule grants it.",
        Lang.ZH: "课程{course}“{name}”（{credits}学分）须修读：没有规则可以认定。",
    },
}

_AND = {Lang.EN: " and ", Lang.ZH: "和"}
_LIST = {Lang.EN: ", ", Lang.ZH: "、"}


def explain_suggestion(item: Suggestion, lang: Lang | str = Lang.EN) -> str:
    """What to obtain, what it would grant under which rules, and the credits it adds.

    The English sentence starts with a capital; every value comes from the suggestion."""
    lang = Lang(lang)
    what = _AND[lang].join(describe(p, lang) for p in item.outcomes)
    values = {
        "what": what,
        "targets": _LIST[lang].join(_target(g, lang) for g in item.grants),
        "rules": _LIST[lang].join(r.id for r in item.rules),
        "credits": str(item.credits),
    }
    sentence = _fill(_SUGGESTION[lang], values)
    return sentence[:1].upper() + sentence[1:]


def describe(proposed: Proposed, lang: Lang | str = Lang.EN) -> str:
    """A hypothetical outcome in words: what it is, then what makes it count (in brackets)."""
    lang = Lang(lang)
    outcome = proposed.outcome
    values = {
        **proposed.names,
        "code": outcome.code or "",
        "tier": outcome.tier or "",
        "hours": str(outcome.hours) if outcome.hours is not None else "",
        "grade": outcome.grade or "",
        "score": str(outcome.score) if outcome.score is not None else "",
        "years": str(outcome.years) if outcome.years is not None else "",
        "rank": str(outcome.rank) if outcome.rank is not None else "",
        "level": str(outcome.level) if outcome.level is not None else "",
        "delivery": _DELIVERY[outcome.delivery][lang] if outcome.delivery else "",
        "assessed": "yes" if outcome.assessed else "",
    }
    for name in ("issuer", "occupation", "rung", "course"):
        for other in ("zh", "en"):
            values.setdefault(f"{name}.{other}", outcome.issuer if name == "issuer" else "")
    head = " ".join(_fill(_WHAT[outcome.kind][lang], values).split())
    details = [_fill(_DETAILS[key][lang], values) for key in _DETAILS if values[key]]
    if not details:
        return head
    if lang is Lang.ZH:
        return f"{head}（{'，'.join(details)}）"
    return f"{head} ({', '.join(details)})"


def _target(grant: Grant, lang: Lang) -> str:
    values = {
        "target": grant.target,
        "name": grant.target_name.text(lang),
        "credits": str(grant.credits),
    }
    return _fill(_TARGET[grant.target_kind][lang], values)


def explain_to_take(item: ToTake, lang: Lang | str = Lang.EN) -> str:
    """Why a course is to be studied rather than obtained by recognition."""
    lang = Lang(lang)
    values = {"course": item.course, "name": item.name.text(lang), "credits": str(item.credits)}
    return _fill(_TO_TAKE[item.reason][lang], values)
