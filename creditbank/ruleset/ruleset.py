"""The immutable, checked rule set, its content digest, and what is in force on a date.

The digest is a SHA-256 of a canonical JSON of the content: items sorted by id and start date,
keys sorted, no file names, comments or positions. Moving a rule to another file, reordering
keys or rewording a comment leaves it unchanged; any change of meaning changes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Any

from pydantic import BaseModel

from creditbank.domain import IssuerType
from creditbank.errors import Finding, Location
from creditbank.ruleset import schema


@dataclass(frozen=True)
class Sourced:
    """A validated item and where it was written."""

    item: Any
    location: Location


def item_key(item: Any) -> tuple[str, str]:
    """Sort key of an item in its section: its id (or institution) and start date."""
    ident = getattr(item, "id", None) or getattr(item, "institution", "")
    effective = getattr(item, "effective", None)
    return (str(ident), effective.from_.isoformat() if effective else "")


DATES_KEPT = 64
"""Views of dates a rule set keeps (with the plans built on them), the least recently asked for
going first: audits of today and a few what-if dates stay warm, and asking for many dates
never grows memory without bound. Views of dates between the same two changes of the rules
share their indexes (:attr:`RuleSetAt.memo`)."""

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""A context in which ``normalize`` only drops trailing zeros: the default one rounds to 28
digits, which gave ``7`` and ``7.0000000000000000000000000001`` the same digest."""


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no spaces: equal data always gives equal bytes.

    Decimals are written exactly, without trailing zeros:

    >>> canonical_json({"b": Decimal("1.50"), "a": [dt.date(2024, 1, 1)]})
    '{"a":["2024-01-01"],"b":"1.5"}'
    >>> canonical_json([Decimal("7.0000000000000000000000000001"), Decimal("2E+1")])
    '["7.0000000000000000000000000001","20"]'
    """
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        normal = value.normalize(_EXACT)
        return format(normal, "f") if normal == normal.to_integral() else str(normal)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", by_alias=True, exclude_defaults=True)
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RuleSet:
    """Every section's items (sorted), where each came from, the findings, and the digest."""

    pack: schema.Pack
    sections: Mapping[str, tuple[Any, ...]]
    locations: Mapping[int, Location]
    findings: tuple[Finding, ...] = ()
    digest: str = ""
    _at_cache: dict[dt.date, RuleSetAt] = field(default_factory=dict, compare=False, repr=False)
    _changes: list[dt.date] = field(default_factory=list, compare=False, repr=False)
    """The days on which what is in force changes (:meth:`epoch`), from ``date.min``; worked out
    on first use."""

    @classmethod
    def build(cls, pack: Sourced, items: Mapping[str, list[Sourced]]) -> RuleSet:
        """Assemble a rule set from validated items in any order."""
        locations = {id(pack.item): pack.location}
        sections: dict[str, tuple[Any, ...]] = {}
        for name in schema.SECTIONS:
            ordered = sorted(items.get(name, []), key=lambda s: (item_key(s.item), s.location))
            sections[name] = tuple(s.item for s in ordered)
            locations.update((id(s.item), s.location) for s in ordered)
        content = {"pack": pack.item, **sections}
        return cls(pack.item, sections, locations, digest=sha256_text(canonical_json(content)))

    def with_findings(self, findings: tuple[Finding, ...]) -> RuleSet:
        return RuleSet(self.pack, self.sections, self.locations, findings, self.digest)

    def where(self, item: Any) -> Location:
        """The file:line where ``item`` (any item of this rule set) was written."""
        return self.locations.get(id(item), Location("?"))

    def items(self, section: str) -> tuple[Any, ...]:
        return self.sections[section]

    def as_documents(self) -> dict[str, dict[str, Any]]:
        """The content as one plain document per section, for dumping back to YAML."""
        docs: dict[str, dict[str, Any]] = {"pack.yaml": {"pack": _plain(self.pack)}}
        for name, items in self.sections.items():
            if items:
                docs[f"{name}.yaml"] = {name: [_plain(item) for item in items]}
        return docs

    def at(self, day: dt.date) -> RuleSetAt:
        """What is in force on ``day``: the latest version of each rule whose dates cover it.

        A view kept for another day of the same :meth:`epoch` lends the new one its rules and
        indexes: learners enrolled on many days cost one set of indexes per change of the
        rules, not one per day (the first audit under rules no audit has met costs some
        fifteen warm ones: scripts/bench_engine.py, "new rules").

        Threads share the cache (the API audits from several): it is read through copies made
        in one step, never iterated while another thread may change it."""
        cache = self._at_cache
        cached = cache.pop(day, None)
        if cached is None:
            epoch = self.epoch(day)
            kept = tuple(cache.values())
            same = next((view for view in kept if view.epoch == epoch), None)
            cached = RuleSetAt(self, day, epoch, same)
            for oldest in tuple(cache)[: max(0, len(kept) + 1 - DATES_KEPT)]:
                cache.pop(oldest, None)
        cache[day] = cached
        return cached

    def epoch(self, day: dt.date) -> int:
        """Which stretch of days between two changes of the rules ``day`` falls in: days of
        one epoch have exactly the same rules in force (no rule starts on a day after one of
        them and on or before another, nor ends between them)."""
        changes = self._changes
        if not changes:
            days = {dt.date.min}
            for name in schema.DATED_SECTIONS:
                for item in self.sections[name]:
                    days.add(item.effective.from_)
                    if item.effective.to is not None and item.effective.to < dt.date.max:
                        days.add(item.effective.to + dt.timedelta(days=1))
            changes[:] = sorted(days)  # in one step: threads that raced here write the same
        return bisect_right(changes, day)


def _plain(item: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(canonical_json(item))
    return data


class RuleSetAt:
    """The rules in force on one date, indexed for the engine's look-ups."""

    sections: dict[str, tuple[Any, ...]]
    issuers: dict[str, schema.Issuer]
    issuer_types: dict[str, IssuerType]
    """Each issuer's type, which selectors and scopes test for every outcome (read from the
    models once: a read of a model's field costs more than the test)."""
    ladders: dict[str, schema.Ladder]
    programmes: dict[str, schema.Programme]
    courses: dict[tuple[str, str], schema.Course]
    grade_scales: tuple[Any, ...]
    _ladder_of: dict[str | None, schema.Ladder]
    _only_ladder: schema.Ladder | None
    memo: dict[str, Any]
    """Indexes the engine derives from these rules, built once per epoch and reused on each of
    its days: nothing kept here may depend on the day (:attr:`plans` do)."""

    def __init__(
        self, ruleset: RuleSet, day: dt.date, epoch: int = 0, same: RuleSetAt | None = None
    ) -> None:
        """The view of ``day``, in ``epoch`` (:meth:`RuleSet.epoch`), sharing the rules and
        indexes of ``same``, a view of another day of that epoch, if given."""
        self.ruleset = ruleset
        self.day = day
        self.epoch = epoch
        self.plans: dict[str, Any] = {}
        """The programmes' plans on this day (``engine.plan``): each holds its view, so the
        day, and is not shared with the epoch's other days."""
        if same is not None:
            self.sections, self.memo = same.sections, same.memo
            self.issuers, self.issuer_types = same.issuers, same.issuer_types
            self.ladders, self.programmes = same.ladders, same.programmes
            self.courses, self.grade_scales = same.courses, same.grade_scales
            self._ladder_of, self._only_ladder = same._ladder_of, same._only_ladder
            return
        in_force: dict[str, tuple[Any, ...]] = {}
        for name, items in ruleset.sections.items():
            if name in schema.DATED_SECTIONS:
                in_force[name] = tuple(i for i in items if i.effective.covers(day))
            else:
                in_force[name] = items
        self.sections = in_force
        self.issuers = {i.id: i for i in in_force["issuers"]}
        self.issuer_types = {i.id: i.type for i in in_force["issuers"]}
        self.ladders = {lad.id: lad for lad in in_force["ladders"]}
        self.programmes = {p.id: p for p in in_force["programmes"]}
        self.courses = {
            (cat.institution, c.code): c for cat in in_force["catalogues"] for c in cat.courses
        }
        self.grade_scales = in_force["grade_scales"]
        self._ladder_of = {}
        for ladder in reversed(self.ladders.values()):  # the first ladder naming one wins
            self._ladder_of.update((o.code, ladder) for o in ladder.occupations)
        ladders = list(self.ladders.values())
        self._only_ladder = ladders[0] if len(ladders) == 1 else None
        self.memo = {}

    def where(self, item: Any) -> Location:
        return self.ruleset.where(item)

    def in_force(self, section: str, programme_id: str | None = None) -> tuple[Any, ...]:
        """Items of ``section`` that name ``programme_id`` (or every programme), in id order;
        every item of the section when no programme is given. Worked out once per date."""
        key = f"section:{section}:{programme_id}"
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = tuple(
                sorted(
                    (
                        item
                        for item in self.sections[section]
                        if programme_id is None
                        or getattr(item, "programme", None) is None
                        or programme_id in item.programme
                    ),
                    key=lambda item: item.id,
                )
            )
        return found

    def catalogue_of(self, programme: schema.Programme) -> dict[str, schema.Course]:
        """The programme's courses as its institution's catalogue describes them, by code."""
        key = f"catalogue:{programme.id}"
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = {
                c.code: self.courses[(programme.institution, c.code)]
                for c in programme.courses
                if (programme.institution, c.code) in self.courses
            }
        return found

    def occupation_ladder(self, occupation: str | None) -> schema.Ladder | None:
        """The ladder whose track includes ``occupation``, else the only ladder, if one."""
        return self._ladder_of.get(occupation, self._only_ladder)
