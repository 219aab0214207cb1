"""A semantic diff of two stored rule-set versions: per section, the items added, removed and
changed (with the fields that changed), compared as parsed rules, not as text, so moving a
rule to another file or reformatting it is no change."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from creditbank.errors import NotFound
from creditbank.ruleset.ruleset import RuleSet, canonical_json, item_key
from creditbank.service.rulesets import ruleset_of
from creditbank.store.tables import RuleSetVersion


def diff_versions(session: Session, old_id: int, new_id: int) -> dict[str, Any]:
    """What changed from version ``old_id`` to ``new_id``."""
    old, new = (_ruleset(session, i) for i in (old_id, new_id))
    sections = []
    for name in new.sections:
        before, after = _items(old, name), _items(new, name)
        changed = [
            {"id": key, "fields": _changed_fields(before[key], after[key])}
            for key in sorted(before.keys() & after.keys())
            if before[key] != after[key]
        ]
        added = sorted(after.keys() - before.keys())
        removed = sorted(before.keys() - after.keys())
        if added or removed or changed:
            sections.append(
                {"section": name, "added": added, "removed": removed, "changed": changed}
            )
    pack = _changed_fields(_plain(old.pack), _plain(new.pack))
    return {"from": old_id, "to": new_id, "pack_fields_changed": pack, "sections": sections}


def _ruleset(session: Session, version_id: int) -> RuleSet:
    version = session.get(RuleSetVersion, version_id)
    if version is None:
        raise NotFound("ruleset_version", str(version_id))
    return ruleset_of(version)


def _items(ruleset: RuleSet, section: str) -> dict[str, dict[str, Any]]:
    """A section's items by id and start date (``id@2026-09-01`` for a dated item)."""
    found = {}
    for item in ruleset.items(section):
        ident, since = item_key(item)
        found[f"{ident}@{since}" if since else ident] = _plain(item)
    return found


def _plain(item: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(canonical_json(item))
    return data


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
