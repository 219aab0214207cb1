"""The pages over the API's test bank (tests/api/conftest.py): learners L1-L3, L1 enrolled in
programme mech of institution ou with one outcome verified and one submitted, a published
version and a draft; one key per caller. Also: signing in with a test client, and each test's
outcome on its item (so the browser tests can keep screenshots of a failure)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api, api, bank, db_url, engine

__all__ = ["Api", "api", "bank", "db_url", "engine", "sign_in"]
FAILED = pytest.StashKey[bool]()


def sign_in(client: TestClient, key: str) -> Any:
    """Sign ``client`` in with ``key`` as a person would: the form, its token, the key."""
    client.cookies.clear()
    form = client.get("/web/")
    token = re.search(r'name="form_token" value="([^"]+)"', form.text)
    assert token is not None
    return client.post(
        "/web/sign-in", data={"key": key, "form_token": token[1]}, follow_redirects=False
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report
