"""The authorisation matrix: every route of the app x every caller, against one declared
table of expected statuses. A route missing from the table fails the test.

Callers: no key, a revoked key, an expired key, each role's key, and for the scoped roles a
key of another party (another learner, enterprise, institution). Each route runs on a fresh
bank, its callers in the order below, so the one that may succeed comes after those refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from api.main import create_app
from creditbank.config import Settings
from tests.api.conftest import Api, pack_zip

CALLERS = (
    "anonymous",
    "revoked",
    "expired",
    "other_learner",
    "learner",
    "other_enterprise",
    "enterprise",
    "other_institution",
    "institution",
    "policy",
    "admin",
)
ROLES = ("learner", "enterprise", "institution", "policy", "admin")


def public(status: int = 200) -> dict[str, int]:
    return dict.fromkeys(CALLERS, status)


def only(role: str, status: int, other: int | None = None) -> dict[str, int]:
    """401 without a valid key, 403 for other roles, ``status`` for ``role``, and ``other``
    for another party of the same role (404: its existence must not leak)."""
    table = {"anonymous": 401, "revoked": 401, "expired": 401}
    table.update((r, 403) for r in ROLES)
    table.update((f"other_{r}", 403) for r in ("learner", "enterprise", "institution"))
    table[role] = status
    if other is not None:
        table[f"other_{role}"] = other
    return table


@dataclass(frozen=True)
class Case:
    expect: dict[str, int]
    json: Any = None
    content: bytes | None = None
    files: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


AUDIT = {"programme": "mech", "date": "2024-01-01"}
WAIVER = {
    "kind": "waiver",
    "programme": "mech",
    "target_kind": "course",
    "target": "M3",
    "reason": "drawing shown at work",
    "date": "2024-01-01",
}
ZIP = {"Content-Type": "application/zip"}
IDEM = {"Idempotency-Key": "matrix"}
CSV = b"learner,external_id,date,hours\nL1,u1,2023-08-01,16\n"

TABLE: dict[tuple[str, str], Case] = {
    ("GET", "/v1/health"): Case(public()),
    ("GET", "/v1/ready"): Case(public()),
    ("GET", "/v1/programmes?date=2024-01-01"): Case(public()),
    ("GET", "/v1/programmes/mech?date=2024-01-01"): Case(public()),
    ("GET", "/v1/versions/in-force?date=2024-01-01"): Case(public()),
    ("GET", "/v1/equivalence/from?programme=mech&course=poly:P2&date=2024-01-01"): Case(public()),
    ("POST", "/v1/equivalence/from"): Case(
        public(),
        json={
            "programme": "mech",
            "date": "2024-01-01",
            "outcome": {
                "id": "c",
                "kind": "skill_certificate",
                "issuer": "skills",
                "date": "2023-01-01",
                "occupation": "lathe",
                "rung": "senior",
            },
        },
    ),
    ("GET", "/v1/equivalence/toward?programme=mech&course=M3&date=2024-01-01"): Case(public()),
    ("GET", "/v1/learners/{learner}/statement"): Case(only("learner", 200, 404)),
    ("GET", "/v1/learners/{learner}/ledger"): Case(only("learner", 200, 404)),
    ("POST", "/v1/learners/{learner}/audits"): Case(only("learner", 201, 404), json=AUDIT),
    ("POST", "/v1/learners/{learner}/audits/what-if"): Case(only("learner", 200, 404), json=AUDIT),
    ("GET", "/v1/learners/{learner}/decisions"): Case(only("learner", 200, 404)),
    ("GET", "/v1/learners/{learner}/decisions/{decision}"): Case(only("learner", 200, 404)),
    ("POST", "/v1/learners/{learner}/decisions/{decision}/rerun"): Case(only("learner", 200, 404)),
    ("POST", "/v1/learners/{learner}/enrolments"): Case(only("learner", 201, 404), json=AUDIT),
    ("POST", "/v1/batches"): Case(
        only("enterprise", 201, 201),
        json=[{"learner": "L1", "external_id": "j1", "date": "2023-08-01", "hours": 16}],
        headers=IDEM,
    ),
    ("POST", "/v1/batches/upload"): Case(
        only("enterprise", 201, 201), files={"file": ("b.csv", CSV, "text/csv")}, headers=IDEM
    ),
    ("GET", "/v1/batches"): Case(only("enterprise", 200, 200)),
    ("GET", "/v1/batches/{batch}"): Case(only("enterprise", 200, 404)),
    ("POST", "/v1/outcomes/{verified_outcome}/revoke"): Case(
        only("enterprise", 200, 404), json={"reason": "issued in error"}
    ),
    ("GET", "/v1/institution/enrolments"): Case(only("institution", 200, 200)),
    ("POST", "/v1/institution/outcomes/{submitted_outcome}/verify"): Case(
        only("institution", 200, 404), json={}
    ),
    ("POST", "/v1/institution/outcomes/{submitted_outcome}/reject"): Case(
        only("institution", 200, 404), json={"reason": "no certificate"}
    ),
    ("POST", "/v1/institution/learners/{learner}/audits"): Case(
        only("institution", 201, 404), json=AUDIT
    ),
    ("POST", "/v1/institution/learners/{learner}/exceptions"): Case(
        only("institution", 201, 404), json=WAIVER
    ),
    ("GET", "/v1/learners/{learner}/exceptions"): Case(only("learner", 200, 404)),
    ("GET", "/v1/institution/learners/{learner}/exceptions"): Case(only("institution", 200, 404)),
    ("POST", "/v1/institution/exceptions/{exception}/withdraw"): Case(
        only("institution", 200, 404), json={"reason": "granted in error"}
    ),
    ("POST", "/v1/admin/keys"): Case(only("admin", 201), json={"role": "policy"}),
    ("GET", "/v1/admin/keys"): Case(only("admin", 200)),
    ("POST", "/v1/admin/keys/{spare_key}/revoke"): Case(only("admin", 200)),
    ("POST", "/v1/admin/learners"): Case(only("admin", 201), json={"learner_id": "L9"}),
    ("GET", "/v1/admin/learners"): Case(only("admin", 200)),
    ("POST", "/v1/policy/check"): Case(only("policy", 200), content=pack_zip(), headers=ZIP),
    ("POST", "/v1/policy/tests"): Case(only("policy", 200), content=pack_zip(), headers=ZIP),
    ("POST", "/v1/policy/versions"): Case(only("policy", 201), content=pack_zip(), headers=ZIP),
    ("GET", "/v1/policy/versions"): Case(only("policy", 200)),
    ("POST", "/v1/policy/versions/{draft}/publish"): Case(
        only("policy", 200), json={"effective_from": "2027-01-01"}
    ),
    ("POST", "/v1/policy/versions/{version}/retire"): Case(only("policy", 200)),
    ("GET", "/v1/policy/versions/{version}/diff/{draft}"): Case(only("policy", 200)),
    ("POST", "/v1/policy/versions/{draft}/impact"): Case(only("policy", 200), json={}),
    ("GET", "/v1/issuer"): Case(public()),
    ("GET", "/v1/issuer/jwks.json"): Case(public()),
    ("GET", "/v1/issuer/status/revocation/0"): Case(public()),
    ("GET", "/v1/learners/{learner}/credentials"): Case(only("learner", 200, 404)),
    ("POST", "/v1/credentials"): Case(
        only("enterprise", 422, 422), json={"learner": "L1", "credential": {"type": "x"}}
    ),
}


def _template(path: str) -> str:
    """The route's path as the app declares it: ids named by their parameter."""
    names = {
        "{learner}": "{learner_id}",
        "{decision}": "{decision_id}",
        "{batch}": "{batch_id}",
        "{verified_outcome}": "{outcome_id}",
        "{submitted_outcome}": "{outcome_id}",
        "{spare_key}": "{key_id}",
        "{exception}": "{exception_id}",
        "{draft}": "{other_id}" if "/diff/" in path else "{version_id}",
        "{version}": "{version_id}",
        "/mech": "/{programme_id}",
        "/revocation/0": "/revocation/{number}",
    }
    path = path.split("?")[0]
    for placeholder, name in names.items():
        path = path.replace(placeholder, name)
    return path


def test_every_route_is_in_the_table(tmp_path: Any) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/x.sqlite3"))
    routes = {
        (method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops
    }
    assert len(routes) > 30
    declared = {(method, _template(path)) for method, path in TABLE}
    assert routes - declared == set(), "routes without expected statuses"
    assert declared - routes == set(), "statuses declared for routes the app does not have"
    assert all(set(case.expect) == set(CALLERS) for case in TABLE.values())


@pytest.mark.parametrize(("method", "path"), list(TABLE), ids=[f"{m} {p}" for m, p in TABLE])
def test_each_caller_gets_the_declared_status(api: Api, method: str, path: str) -> None:
    case = TABLE[(method, path)]
    url = path.format(**api.ids)
    got = {}
    for caller in CALLERS:
        response = api.client.request(
            method,
            url,
            json=case.json,
            content=case.content,
            files=case.files,
            headers={**case.headers, **api.auth(caller)},
        )
        got[caller] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json", response.text
    assert got == case.expect
