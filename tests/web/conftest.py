"""The pages over the API's test bank (tests/api/conftest.py): learners L1-L3, L1 enrolled in
programme mech of institution ou with one outcome verified and one submitted, a published
version and a draft; one key per caller."""

from __future__ import annotations

from tests.api.conftest import Api, api, bank, db_url, engine

__all__ = ["Api", "api", "bank", "db_url", "engine"]
