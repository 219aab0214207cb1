"""Settings from environment variables prefixed ``CREDITBANK_``; nothing is read at import."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_ID_HASH_KEY = "creditbank-development-key-change-me"


class Settings(BaseSettings):
    """Where the database and rules are, and the key that hashes national ID numbers."""

    model_config = SettingsConfigDict(env_prefix="CREDITBANK_", extra="ignore")

    database_url: str = "sqlite:///creditbank.sqlite3"
    """Default: ``creditbank.sqlite3`` in the working directory."""
    rules_path: Path = Path("rules/cn-open-university")
    id_hash_key: SecretStr = SecretStr(DEV_ID_HASH_KEY)
    """HMAC key for national ID numbers; set a secret one in production."""


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
