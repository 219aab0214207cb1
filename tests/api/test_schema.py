"""schemathesis against the app's own OpenAPI: every operation, called with the key of the role
it serves (the learner's own id in learner paths), on cases generated from its declared
parameters and bodies. No answer may be a 5xx, and every answer must match its declared status
codes, content type, headers and schema. Schema-valid data refused with a declared 422 is
accepted here (schemathesis's positive_data_acceptance is left out): what makes a batch row,
an outcome, a cursor or a rule pack valid goes beyond what JSON Schema can say, and the 422
problem names the field. Cases are bounded per operation (``EXAMPLES``), on
SQLite only: the suite's time matters more than a second database here."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.main import create_app
from creditbank.config import Settings
from tests.api.conftest import Api

EXAMPLES = 12


@schemathesis.serializer("application/zip")
def zip_body(_context: Any, value: Any) -> bytes:
    """A rule directory's zip as generated: its bytes (what is not a zip is answered 422)."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


ROLE_OF_TAG = {"learner": "learner", "enterprise": "enterprise", "institution": "institution"}
ROLE_OF_TAG |= {"admin": "admin", "policy": "policy"}


def operations() -> list[tuple[str, str]]:
    """Every (path, method) the OpenAPI declares (the document needs no database)."""
    document = create_app(Settings(database_url="sqlite://")).openapi()
    return [(path, method.upper()) for path, ops in document["paths"].items() for method in ops]


def role_of(case: Any) -> str | None:
    """The role an operation serves: by its tag, and for credentials by its path."""
    tag = (case.operation.tags or ["public"])[0]
    if tag == "credentials":
        path = case.operation.path
        return (
            "learner"
            if path.startswith("/v1/learners")
            else ("enterprise" if path == "/v1/credentials" else None)
        )
    return ROLE_OF_TAG.get(tag)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("path", "method"), operations())
def test_every_answer_matches_the_declared_openapi(api: Api, path: str, method: str) -> None:
    operation = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def answers_as_declared(case: Any) -> None:
        role = role_of(case)
        if role == "learner" and "learner_id" in (case.path_parameters or {}):
            case.path_parameters["learner_id"] = api.ids["learner"]
        case.call_and_validate(
            headers=api.auth(role) if role else {}, excluded_checks=[positive_data_acceptance]
        )

    answers_as_declared()
