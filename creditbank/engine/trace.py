"""Explanations as data: which rule, written where, did what."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class RuleRef(BaseModel):
    """A rule id and the file:line where it is written."""

    model_config = ConfigDict(frozen=True)

    id: str
    at: str

    @classmethod
    def of(cls, rules: Any, item: Any, ident: str | None = None) -> RuleRef:
        """Reference to ``item`` of the rule set ``rules`` (a RuleSet or RuleSetAt)."""
        return cls(id=ident or item.id, at=str(rules.where(item)))
