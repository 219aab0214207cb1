"""One sentence per grant and per refusal, in Chinese or English, from codes and parameters.

All the wording lives here, in two tables; the engine only produces codes and parameters.
A missing parameter renders as "?", so a new reason never crashes a report.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

from creditbank.domain import Lang
from creditbank.engine.decision import Earned, ExceptionStatus, Unused
from creditbank.engine.decision_parts import Grant
from creditbank.engine.reasons import Reason

_UNUSED: dict[Reason, dict[Lang, str]] = {
    Reason.NOT_VERIFIED: {
        Lang.EN: "{outcome} is not verified yet (status: {status}), so it cannot count.",
        Lang.ZH: "{outcome}尚未核验（状态：{status}），不能认定。",
    },
    Reason.UNKNOWN_ISSUER: {
        Lang.EN: "{outcome} was issued by '{issuer}', which the rules do not know.",
        Lang.ZH: "{outcome}的颁发机构“{issuer}”不在规则所列机构中。",
    },
    Reason.ISSUER_NOT_ACCREDITED: {
        Lang.EN: "{outcome} does not count: '{issuer}' was not accredited for it on {on}.",
        Lang.ZH: "{outcome}不予认定：颁发机构“{issuer}”在{on}不在该类成果的认证有效期内。",
    },
    Reason.EXCLUDED: {
        Lang.EN: "{outcome} is never recognised: {why.en} (rule {rule}).",
        Lang.ZH: "{outcome}不予认定：{why.zh}（规则{rule}）。",
    },
    Reason.EXPIRED: {
        Lang.EN: "{outcome} is too old or outside the dates the rules accept: it was obtained {window}.",
        Lang.ZH: "{outcome}超出规则认可的时间范围：取得日期{window}。",
    },
    Reason.BELOW_GRADE: {
        Lang.EN: "{outcome} has grade {have}, below the {need} the rule requires.",
        Lang.ZH: "{outcome}的成绩为{have}，低于规则要求的{need}。",
    },
    Reason.BELOW_RUNG: {
        Lang.EN: "{outcome} is at rung {have}; the rule requires at least {need}.",
        Lang.ZH: "{outcome}的等级为{have}，规则要求至少{need}。",
    },
    Reason.BELOW_HOURS: {
        Lang.EN: "{outcome} has fewer than the {need} hours the rule requires.",
        Lang.ZH: "{outcome}的学时少于规则要求的{need}学时。",
    },
    Reason.INSUFFICIENT_OVERLAP: {
        Lang.EN: "{outcome} matches only {have} of the course content; {need} is required.",
        Lang.ZH: "{outcome}与课程内容的重合度为{have}，低于要求的{need}。",
    },
    Reason.GRADE_NOT_ON_SCALE: {
        Lang.EN: "{outcome} has grade {have}, which is not on the scale of the {need} the rule requires ({scales.en}), so the two cannot be compared.",
        Lang.ZH: "{outcome}的成绩{have}不在规则要求的{need}所属的成绩等级中（{scales.zh}），无法比较。",
    },
    Reason.CONDITIONS_NOT_MET: {
        Lang.EN: "{outcome} does not meet a condition of the rule ({need}).",
        Lang.ZH: "{outcome}不满足规则的条件（{need}）。",
    },
    Reason.SUBSUMED: {
        Lang.EN: "{outcome} is covered by the higher certificate {by}, which counts instead.",
        Lang.ZH: "{outcome}已被更高等级的证书{by}涵盖，按高等级证书认定。",
    },
    Reason.DUPLICATE: {
        Lang.EN: "{outcome} repeats {of}, which counts instead (the same course counts once).",
        Lang.ZH: "{outcome}与{of}为同一课程，同一课程只认定一次。",
    },
    Reason.REJECTED: {
        Lang.EN: "{outcome} is not accepted by this programme: {why.en}.",
        Lang.ZH: "{outcome}不被本专业接受：{why.zh}。",
    },
    Reason.NOT_EXEMPTABLE: {
        Lang.EN: "{outcome} cannot be used: rule {rule} would exempt {course}, which this programme never exempts.",
        Lang.ZH: "{outcome}不能使用：规则{rule}对应的课程{course}在本专业不可免修。",
    },
    Reason.BUNDLE_INCOMPLETE: {
        Lang.EN: "{outcome} counts only together with other outcomes (rule {rule}) that are missing.",
        Lang.ZH: "{outcome}须与其他成果组合认定（规则{rule}），但组合不完整。",
    },
    Reason.NO_RULE: {
        Lang.EN: "No rule of this programme recognises {outcome}.",
        Lang.ZH: "本专业没有可认定{outcome}的规则。",
    },
    Reason.CAP_REACHED: {
        Lang.EN: "{outcome} would exceed the limit {cap}, which is already reached.",
        Lang.ZH: "{outcome}将超过限额{cap}，该限额已用满。",
    },
    Reason.USED_ELSEWHERE: {
        Lang.EN: "{outcome} is not needed: {target} is already granted through {by}.",
        Lang.ZH: "{outcome}未使用：{target}已由{by}认定。",
    },
    Reason.NOT_NEEDED: {
        Lang.EN: "{outcome} adds no credit the programme can still count.",
        Lang.ZH: "{outcome}不能再为本专业增加可计学分。",
    },
}

_WINDOW = {
    "years": {
        Lang.EN: "more than {years} years before the application",
        Lang.ZH: "早于申请日{years}年以上",
    },
    "after": {
        Lang.EN: "before {after}, the earliest date accepted",
        Lang.ZH: "早于规则接受的最早日期{after}",
    },
    "before": {
        Lang.EN: "after {before}, the latest date accepted",
        Lang.ZH: "晚于规则接受的最晚日期{before}",
    },
}
"""How an ``expired`` outcome missed its dates, by the parameter its check gives."""

_GRANT = {
    "course": {
        Lang.EN: "Course {target} {name} ({credits} credits, {mark}) is granted for {outcomes} under {rules}.",
        Lang.ZH: "{outcomes}认定为课程{target}“{name}”（{credits}学分，{mark}），依据{rules}。",
    },
    "category": {
        Lang.EN: "{credits} credits in category {name} are granted for {outcomes} under {rules}.",
        Lang.ZH: "{outcomes}计入“{name}”{credits}学分，依据{rules}。",
    },
}

_EARNED = {
    Lang.EN: "Course {course} ({credits} credits) was completed in the programme ({outcome}).",
    Lang.ZH: "课程{course}（{credits}学分）已在本专业修读完成（{outcome}）。",
}


class _Lenient(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


class _Flat(string.Formatter):
    """Field names are whole keys: ``{why.en}`` is the parameter "why.en" (the default
    formatter reads it as the attribute ``en`` of "why", and failed)."""

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        return kwargs[field_name], field_name


def _fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with its fields from ``values`` ("?" for a missing one).

    >>> _fill("{outcome}: {why.en} {gone}", {"outcome": "o1", "why.en": "a licence"})
    'o1: a licence ?'
    """
    return _Flat().vformat(template, (), _Lenient(values))


_ALSO = {Lang.EN: "Also: ", Lang.ZH: "另外："}


def explain_unused(item: Unused, lang: Lang | str = Lang.EN) -> str:
    """Why an outcome does not count: the primary reason's sentence, then "Also:" and the
    sentence of each further reason.

    >>> explain_unused(Unused(outcome="c1", reason=Reason.SUBSUMED, params={"by": "c2"}), "zh")
    'c1已被更高等级的证书c2涵盖，按高等级证书认定。'
    >>> from creditbank.engine.decision import Because
    >>> old = Because(Reason.EXPIRED, {"rule": "r.five-years", "years": "5"})
    >>> explain_unused(Unused("c1", Reason.ISSUER_NOT_ACCREDITED,
    ...     {"issuer": "acme", "on": "2019-05-01"}, also=(old,)))  # doctest: +NORMALIZE_WHITESPACE
    "c1 does not count: 'acme' was not accredited for it on 2019-05-01.
     Also: c1 is too old or outside the dates the rules accept: it was obtained
     more than 5 years before the application."
    """
    lang = Lang(lang)
    first = _sentence(item.outcome, item.reason, item.params, lang)
    if not item.also:
        return first
    others = [_sentence(item.outcome, b.reason, b.params, lang) for b in item.also]
    joiner = "" if lang is Lang.ZH else " "
    return joiner.join([first, _ALSO[lang] + others[0], *others[1:]])


def _sentence(outcome: str, reason: Reason, params: Mapping[str, str], lang: Lang) -> str:
    """One reason's sentence, with the values derived from its parameters."""
    return _fill(_UNUSED[reason][lang], {"outcome": outcome, **params, **_derived(params, lang)})


def _derived(params: Mapping[str, str], lang: Lang) -> dict[str, str]:
    """Phrases whose words depend on which parameters are given: ``cap`` is a limit and its
    instance (none for a limit with a single one: no stray space), ``window`` the bound an
    expired outcome missed; a policy's own words (``why.*``) lose a final full stop, which the
    sentence around them supplies."""
    cap = " ".join(v for v in (params.get("limit", "?"), params.get("instance", "")) if v)
    bound = next((key for key in _WINDOW if key in params), None)
    window = _fill(_WINDOW[bound][lang], params) if bound else "?"
    why = {key: value.rstrip(".。") for key, value in params.items() if key.startswith("why.")}
    return {"cap": cap, "window": window, **why}


def explain_grant(grant: Grant, lang: Lang | str = Lang.EN) -> str:
    """One sentence saying what was granted, from what, under which rules."""
    lang = Lang(lang)
    values = {
        "outcomes": ", ".join(grant.outcomes),
        "target": grant.target,
        "name": grant.target_name.text(lang),
        "credits": str(grant.credits),
        "mark": grant.grade_mark.text(lang),
        "rules": ", ".join(f"{r.id} ({r.at})" for r in grant.rules),
    }
    return _fill(_GRANT[grant.target_kind][lang], values)


def explain_earned(item: Earned, lang: Lang | str = Lang.EN) -> str:
    """One sentence for a course completed in the programme itself."""
    values = {"course": item.course, "credits": str(item.credits), "outcome": item.outcome}
    return _fill(_EARNED[Lang(lang)], values)


_EXCEPTION = {
    ("waiver", "course"): {
        Lang.EN: "Course {target} is waived by exception {id} ({reason}): it no longer has to be taken, and gives no credit.",
        Lang.ZH: "课程{target}经例外{id}免修（{reason}）：无须再修，不计学分。",
    },
    ("waiver", "requirement"): {
        Lang.EN: "Requirement {target} is waived by exception {id} ({reason}).",
        Lang.ZH: "要求{target}经例外{id}豁免（{reason}）。",
    },
    ("substitution", "course"): {
        Lang.EN: "{outcome} counts for course {target} ({credits} credits) by exception {id} ({reason}).",
        Lang.ZH: "{outcome}经例外{id}替代课程{target}（{credits}学分）（{reason}）。",
    },
    ("petition", "course"): {
        Lang.EN: "Course {target} ({credits} credits) is granted by petition, exception {id} ({reason}).",
        Lang.ZH: "经申请认定课程{target}（{credits}学分），例外{id}（{reason}）。",
    },
    ("petition", "category"): {
        Lang.EN: "{credits} credits in category {target} are granted by petition, exception {id} ({reason}).",
        Lang.ZH: "经申请计入类别{target}{credits}学分，例外{id}（{reason}）。",
    },
}

_FOLLOWED = {
    Lang.EN: " It was granted for {granted_for} and follows here through {via}.",
    Lang.ZH: "该例外原为{granted_for}批准，经{via}转至此处。",
}

_NOT_APPLIED = {
    Lang.EN: "Exception {id} ({kind} for {granted_for}) does not apply: {why}.",
    Lang.ZH: "例外{id}（{granted_for}的{kind}）不适用：{why}。",
}

_WHY_NOT = {
    "no_equivalent": {
        Lang.EN: "course {course} is not in programme {programme}, and no equivalence leads from it to one of its courses",
        Lang.ZH: "课程{course}不在专业{programme}中，也没有课程互认可将其对应到该专业的课程",
    },
    "programme_changed": {
        Lang.EN: "it was granted for programme {granted}, and a requirement or category belongs to its programme, so it does not follow to {programme}",
        Lang.ZH: "它为专业{granted}批准，要求与类别属于该专业，不随学习者转到{programme}",
    },
    "not_in_programme": {
        Lang.EN: "{what} {target} is no longer in programme {programme}",
        Lang.ZH: "{target}已不在专业{programme}中",
    },
    "outcome_not_usable": {
        Lang.EN: "the outcome {outcome} it rests on is not usable ({status})",
        Lang.ZH: "其所依据的成果{outcome}不可用（{status}）",
    },
    "already_completed": {
        Lang.EN: "course {course} is already completed in the programme",
        Lang.ZH: "课程{course}已在本专业修读完成",
    },
    "conflict": {
        Lang.EN: "exception {other} already uses that course or outcome",
        Lang.ZH: "例外{other}已使用该课程或成果",
    },
}


def explain_exception(item: ExceptionStatus, lang: Lang | str = Lang.EN) -> str:
    """One sentence for a learner exception: what it does here (and the equivalences it
    followed), or why it does not apply.

    >>> from decimal import Decimal
    >>> explain_exception(ExceptionStatus("X1", "waiver", "mech/thesis", "industry project",
    ...     True, "requirement", "thesis", "", Decimal(0), ""))
    'Requirement thesis is waived by exception X1 (industry project).'
    """
    lang = Lang(lang)
    values = {
        "id": item.id,
        "kind": item.kind,
        "granted_for": item.granted_for,
        "reason": item.reason,
        "target": item.target,
        "credits": str(item.credits),
        "outcome": item.outcome,
        "via": ", ".join(f"{r.id} ({r.at})" if r.at else r.id for r in item.via),
    }
    if not item.applied:
        why = _fill(_WHY_NOT.get(item.why_not, {}).get(lang, "?"), item.params)
        return _fill(_NOT_APPLIED[lang], {**values, "why": why})
    sentence = _fill(_EXCEPTION[(item.kind, item.target_kind)][lang], values)
    return sentence + (_fill(_FOLLOWED[lang], values) if item.via else "")
