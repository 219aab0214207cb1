"""The Ed25519 key that signs ledger checkpoints: a file outside the database.

The private key signs; anyone holding the public key can check. A key file readable by other
users of the machine is refused, as ssh refuses one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from creditbank.config import Settings
from creditbank.errors import CreditBankError


def create_key_files(path: Path) -> Ed25519PublicKey:
    """Write a new private key to ``path`` (mode 0600, never over an existing file) and its
    public key beside it (``path`` + ``.pub``)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise _error(path, "already exists; a key is never overwritten") from None
    except OSError as exc:
        raise _error(path, f"cannot be written: {exc.strerror}") from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    public = key.public_key()
    public_path(path).write_bytes(
        public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    return public


def public_path(path: Path) -> Path:
    return path.with_name(path.name + ".pub")


def private_key(settings: Settings) -> Ed25519PrivateKey:
    """The signing key ``CREDITBANK_CHECKPOINT_KEY`` names."""
    path = settings.checkpoint_key
    if path is None:
        raise CreditBankError(
            "no key to sign checkpoints with: set CREDITBANK_CHECKPOINT_KEY to a key file "
            "outside the database (`creditbank keys checkpoint-init FILE` makes one)",
            code="config.checkpoint_key",
        )
    return load_private_key(path)


def issuer_key(settings: Settings) -> Ed25519PrivateKey:
    """The key ``CREDITBANK_ISSUER_KEY`` names, which signs the credentials the bank issues."""
    path = settings.issuer_key
    if path is None:
        raise CreditBankError(
            "no key to sign credentials with: set CREDITBANK_ISSUER_KEY to a key file outside "
            "the database (`creditbank keys issuer-init FILE` makes one)",
            code="config.issuer_key",
        )
    key = load_private_key(path, code="config.issuer_key")
    if settings.checkpoint_key is not None and _same_key(key, private_key(settings)):
        raise _error(
            path,
            "is also the checkpoint key; give credentials a key of their own",
            "config.issuer_key",
        )
    return key


def _same_key(a: Ed25519PrivateKey, b: Ed25519PrivateKey) -> bool:
    raw = (Encoding.Raw, PublicFormat.Raw)
    return a.public_key().public_bytes(*raw) == b.public_key().public_bytes(*raw)


def load_private_key(path: Path, code: str = "config.checkpoint_key") -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file only its owner can read."""
    data = _read(path, code)
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise _error(path, "is readable by other users; make it private with chmod 600", code)
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise _error(path, "is not an unencrypted Ed25519 private key in PEM", code)
    return key


def public_key(settings: Settings) -> Ed25519PublicKey | None:
    """The key checkpoints are checked with: ``CREDITBANK_CHECKPOINT_PUBLIC_KEY``, else the
    public half of ``CREDITBANK_CHECKPOINT_KEY``; None when neither is set."""
    if settings.checkpoint_public_key is not None:
        path = settings.checkpoint_public_key
        try:
            key = load_pem_public_key(_read(path))
        except (ValueError, TypeError):
            key = None
        if not isinstance(key, Ed25519PublicKey):
            raise _error(path, "is not an Ed25519 public key in PEM")
        return key
    if settings.checkpoint_key is not None:
        return private_key(settings).public_key()
    return None


def _read(path: Path, code: str = "config.checkpoint_key") -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _error(path, f"cannot be read: {exc.strerror}", code) from None


def _error(path: Path, problem: str, code: str = "config.checkpoint_key") -> CreditBankError:
    return CreditBankError(f"key file {path} {problem}", code=code)
