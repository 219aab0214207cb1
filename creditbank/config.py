"""Settings from environment variables prefixed ``CREDITBANK_``; nothing is read at import.

No secret has a default: a bank that needs one and was given none refuses to act, saying which
variable to set (a built-in key is a public key).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the database and rules are, and the keys the bank hashes and signs with."""

    model_config = SettingsConfigDict(env_prefix="CREDITBANK_", extra="ignore")

    database_url: str = "sqlite:///creditbank.sqlite3"
    """Default: ``creditbank.sqlite3`` in the working directory."""
    rules_path: Path = Path("rules/cn-open-university")
    id_hash_key: SecretStr | None = None
    """HMAC key(s) for national ID numbers, oldest first, separated by spaces (see
    ``creditbank learners rehash``); without it the bank refuses to hash a number."""
    checkpoint_key: Path | None = None
    """Ed25519 private key file (PEM) that signs ledger checkpoints; kept outside the
    database (``creditbank keys checkpoint-init`` writes one)."""
    checkpoint_public_key: Path | None = None
    """The matching public key file (PEM), for checking without the private key."""
    issuer_key: Path | None = None
    """Ed25519 private key file (PEM) that signs the verifiable credentials the bank issues;
    apart from the checkpoint key (``creditbank keys issuer-init`` writes one)."""
    issuer_url: str = "http://127.0.0.1:8000/v1/issuer"
    """The bank's issuer id in credentials, where its public key and status lists are served
    (the API's /v1/issuer); set it to the bank's public address."""
    issuer_name: str = "Credit bank"
    """The bank's name in the credentials it issues."""
    api_max_body_bytes: int = 101_000_000
    """Largest request body the API reads (a 100 MB batch and its multipart wrapping);
    a larger one is refused with 413 before it is read."""
    api_audit_seconds: float = Field(default=10.0, gt=0)
    """Time budget of an audit request (stored, institution or what-if), from its arrival:
    past it the API answers 503 ``audit.timeout`` with Retry-After and stores nothing."""
    api_cors_origins: list[str] = []
    """Web origins allowed to call the API from a browser (JSON list); none by default."""
    checkpoint_log: Path | None = None
    """A file outside the database to which every checkpoint is also appended, so that
    removing the newest checkpoints from the database is found."""


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
