"""Explanations as data: which rule, written where, did what."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RuleRef(BaseModel):
    """A rule id and the file:line where it is written.

    The position is for people reading an explanation; it is left out of serialised
    decisions, so moving a rule to another file (same content, same rule-set digest) changes
    no decision's bytes.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    at: str = Field(default="", exclude=True)

    @classmethod
    def of(cls, rules: Any, item: Any) -> RuleRef:
        """Reference to ``item`` of ``rules`` (a RuleSetAt), made once and reused."""
        refs = rules.memo.get("refs")
        if refs is None:
            refs = rules.memo["refs"] = {}
        ref = refs.get(id(item))
        if ref is None:
            ref = refs[id(item)] = cls(id=item.id, at=str(rules.where(item)))
        return ref
