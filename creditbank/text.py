"""Text from records, shown safely: a value a submitter chose never acts on a terminal."""

from __future__ import annotations

import re
import unicodedata

_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Control and format characters (escape sequences, bidirectional overrides, zero-width
characters), surrogates, private-use and unassigned code points, line separators."""


INVISIBLE = re.compile(
    "[\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
"""Characters that show as nothing though Python calls some of them printable: Unicode's
default-ignorable code points (variation selectors, the combining grapheme joiner, Hangul
fillers, zero-width and bidirectional controls...) and the blank braille pattern."""


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every hidden character written as a ``\\uXXXX`` escape, so that a value
    from a record can neither send escape sequences to a terminal nor reorder, hide or fake
    what is printed around it (``keep_newlines`` for messages of several lines). The escapes
    are JSON's too: JSON text stays valid JSON.

    >>> printable("ok\\x1b[2J\\u202eevil")
    'ok\\\\u001b[2J\\\\u202eevil'
    >>> printable("j1\ufe0f")
    'j1\\\\ufe0f'
    >>> printable("高级工 L-0001")
    '高级工 L-0001'
    """
    if text.isprintable() and (text.isascii() or not INVISIBLE.search(text)):
        return text
    return "".join(
        char
        if (char == "\n" and keep_newlines)
        or (unicodedata.category(char) not in _HIDDEN and not INVISIBLE.match(char))
        else _escape(char)
        for char in text
    )


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
