"""A semantic diff of two rule-set versions: per section, the items added, removed and
changed (with the fields that changed), compared as parsed rules, not as text, so moving a
rule to another file or reformatting it is no change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from creditbank.errors import NotFound
from creditbank.ruleset.ruleset import RuleSet, canonical_json, item_key
from creditbank.service.rulesets import ruleset_of
from creditbank.store.tables import RuleSetVersion


@dataclass(frozen=True)
class ItemChange:
    """One item that differs between two rule sets: ``before`` or ``after`` is None when it
    was added or removed."""

    section: str
    key: str
    before: Any
    after: Any


def diff_versions(session: Session, old_id: int, new_id: int) -> dict[str, Any]:
    """What changed from version ``old_id`` to ``new_id``."""
    old, new = (_ruleset(session, i) for i in (old_id, new_id))
    return {"from": old_id, "to": new_id, **diff_rulesets(old, new)}


def diff_rulesets(old: RuleSet, new: RuleSet) -> dict[str, Any]:
    """What changed from ``old`` to ``new``: the pack's fields and, per section, the ids of
    the items added, removed and changed (with their fields)."""
    sections: dict[str, dict[str, list[Any]]] = {}
    for change in changed_items(old, new):
        entry = sections.setdefault(change.section, {"added": [], "removed": [], "changed": []})
        if change.before is None:
            entry["added"].append(change.key)
        elif change.after is None:
            entry["removed"].append(change.key)
        else:
            fields = _changed_fields(_plain(change.before), _plain(change.after))
            entry["changed"].append({"id": change.key, "fields": fields})
    pack = _changed_fields(_plain(old.pack), _plain(new.pack))
    return {
        "pack_fields_changed": pack,
        "sections": [{"section": name, **entry} for name, entry in sections.items()],
    }


def changed_items(old: RuleSet, new: RuleSet) -> list[ItemChange]:
    """Every item added, removed or changed, section by section in the rule set's order,
    keys sorted within a section (the pack itself is not an item: compare ``old.pack``)."""
    found = []
    for name in new.sections:
        before, after = _items(old, name), _items(new, name)
        for key in sorted(before.keys() | after.keys()):
            was, now = before.get(key), after.get(key)
            if was is None or now is None or _plain(was) != _plain(now):
                found.append(ItemChange(name, key, was, now))
    return found


def _ruleset(session: Session, version_id: int) -> RuleSet:
    version = session.get(RuleSetVersion, version_id)
    if version is None:
        raise NotFound("ruleset_version", str(version_id))
    return ruleset_of(version)


def _items(ruleset: RuleSet, section: str) -> dict[str, Any]:
    """A section's items by id and start date (``id@2026-09-01`` for a dated item)."""
    found = {}
    for item in ruleset.items(section):
        ident, since = item_key(item)
        found[f"{ident}@{since}" if since else ident] = item
    return found


def _plain(item: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(canonical_json(item))
    return data


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
