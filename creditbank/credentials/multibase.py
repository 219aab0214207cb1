"""Multibase base58btc (``z...``) and the multicodec prefixes of Ed25519 keys, as did:key and
Data Integrity proofs write them."""

from __future__ import annotations

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(ALPHABET)}
ED25519_PUBLIC = b"\xed\x01"
ED25519_PRIVATE = b"\x80\x26"


class MultibaseError(ValueError):
    """Text that is not base58btc multibase, or a key of another type."""


def encode(data: bytes) -> str:
    """``data`` as multibase base58btc.

    >>> encode(b"hello world")
    'zStV1DL6CwTryKyV'
    """
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "z" + "1" * zeros + "".join(reversed(digits))


def decode(text: str) -> bytes:
    """The bytes of multibase base58btc ``text`` (MultibaseError if it is not)."""
    if not text.startswith("z"):
        raise MultibaseError("not base58btc multibase (it must start with 'z')")
    body = text[1:]
    number = 0
    for char in body:
        if char not in _INDEX:
            raise MultibaseError(f"'{char}' is not a base58btc character")
        number = number * 58 + _INDEX[char]
    zeros = len(body) - len(body.lstrip("1"))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def ed25519_key(text: str, prefix: bytes) -> bytes:
    """The 32 raw bytes of a multibase Ed25519 key with multicodec ``prefix``."""
    data = decode(text)
    if not data.startswith(prefix) or len(data) != len(prefix) + 32:
        raise MultibaseError("not a multibase Ed25519 key of the expected kind")
    return data[len(prefix) :]
