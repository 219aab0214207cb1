"""Cursor pagination: a list answers a page and an opaque cursor for the next one (``null``
at the end). The cursor wraps the last item's key, so pages stay right while rows are added."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from creditbank.errors import InputInvalid

T = TypeVar("T")
MAX_LIMIT = 500

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]
Cursor = Annotated[str | None, Query(description="`next` of the previous page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = None


def encode(key: str | int) -> str:
    return base64.urlsafe_b64encode(str(key).encode()).decode().rstrip("=")


def decode(cursor: str | None) -> str:
    """The key a cursor wraps ("" for the first page)."""
    if not cursor:
        return ""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InputInvalid(
            [("cursor", "not a cursor this API gave; start again without it")]
        ) from None


def decode_int(cursor: str | None) -> int:
    """An integer key (an id or a sequence number) from a cursor; 0 for the first page."""
    key = decode(cursor)
    if not key:
        return 0
    if not key.isdigit():
        raise InputInvalid([("cursor", "not a cursor this API gave; start again without it")])
    return int(key)


def page(items: list[T], limit: int, key: str | int | None) -> Page[T]:
    """A page of ``items`` (asked with ``limit``); a next cursor if it is full."""
    return Page[T](
        items=items, next=encode(key) if len(items) == limit and key is not None else None
    )
