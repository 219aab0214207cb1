"""The JSON-LD contexts a credential may name, served from the bundled files (contexts/), never
fetched: canonicalising a credential must not depend on, or leak to, the network."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

CONTEXTS = Path(__file__).with_name("contexts")


class UnknownContext(ValueError):
    """A credential names a context this bank does not hold."""


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = json.loads((CONTEXTS / "index.json").read_text(encoding="utf-8"))
    return index


@cache
def _context(url: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CONTEXTS / _index()[url]).read_text(encoding="utf-8"))
    return document


Loader = Callable[[str, dict[str, Any] | None], dict[str, Any]]


def document_loader(extra: Mapping[str, Path] | None = None) -> Loader:
    """A pyld document loader serving the bundled contexts (and ``extra`` ones, by URL, for
    test vectors that name example contexts); any other URL is UnknownContext."""
    more = dict(extra or {})

    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url in more:
            document = json.loads(more[url].read_text(encoding="utf-8"))
        elif url in _index():
            document = _context(url)
        else:
            raise UnknownContext(f"the context {url} is not one this bank holds")
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load
