"""Course titles normalised so the same course taken twice is recognised once (type 20).

Spacing, punctuation, width and case are ignored; numbering is unified (1 = I = Ⅰ = 一), and
the pack's declared abbreviations are expanded first.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

_ROMAN = {
    "i": "1",
    "ii": "2",
    "iii": "3",
    "iv": "4",
    "v": "5",
    "vi": "6",
    "vii": "7",
    "viii": "8",
    "ix": "9",
    "x": "10",
}
_CHINESE = dict(
    zip("一二三四五六七八九十", ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"], strict=True)
)
_BRACKETED_CHINESE = re.compile(r"[(（]([一二三四五六七八九十])[)）]")
_TOKEN = re.compile(r"[a-z]+|\d+|[^\W\d_a-z]", re.UNICODE)


def normalise_title(title: str, rules: Any = None) -> str:
    """A comparison key for a course title (``rules``: the RuleSetAt whose pack declares
    the abbreviations).

    >>> normalise_title("Advanced  Mathematics II") == normalise_title("advanced mathematics 2")
    True
    >>> normalise_title("高等数学（一）") == normalise_title("高等数学 Ⅰ")
    True
    """
    return _normalised(title, _abbreviations(rules))


def normalised_titles(titles: tuple[str, ...], rules: Any = None) -> frozenset[str]:
    """The comparison keys of a selector's ``titles``, made once per selector and pack."""
    return _normalised_set(titles, _abbreviations(rules))


def _abbreviations(rules: Any) -> tuple[tuple[str, str], ...]:
    """The pack's abbreviations in a fixed order, kept with the rule-set view."""
    if rules is None:
        return ()
    found: tuple[tuple[str, str], ...] | None = rules.memo.get("abbreviations")
    if found is None:
        items = rules.ruleset.pack.duplicates.abbreviations.items()
        found = rules.memo["abbreviations"] = tuple(sorted(items))
    return found


@functools.lru_cache(maxsize=4_096)
def _normalised_set(
    titles: tuple[str, ...], abbreviations: tuple[tuple[str, str], ...]
) -> frozenset[str]:
    return frozenset(_normalised(t, abbreviations) for t in titles)


@functools.lru_cache(maxsize=65_536)
def _normalised(title: str, abbreviations: tuple[tuple[str, str], ...]) -> str:
    """``normalise_title``'s work, kept per title and abbreviations: a population's learners
    hold the same few thousand course titles, and every audit screens each one."""
    text = title
    for short, full in abbreviations:
        text = text.replace(short, full)
    text = _BRACKETED_CHINESE.sub(lambda m: " " + _CHINESE[m.group(1)] + " ", text)
    text = unicodedata.normalize("NFKC", text).casefold()
    tokens = _TOKEN.findall(text)
    return " ".join(_ROMAN.get(tok, tok) if tok.isascii() else tok for tok in tokens)
