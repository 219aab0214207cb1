"""What the routes answer beyond who may call them: idempotent batches, uploads in GBK,
problems that name their place, limits, pagination, request ids, logs without secrets."""

from __future__ import annotations

import io
import logging
import zipfile

import pytest

from tests.api.conftest import Api, pack_zip
from tests.engine.small_rules import FRAME, RULES

ROW = {"learner": "L1", "external_id": "x1", "date": "2023-08-01", "hours": 16}


def send(api: Api, rows: list[dict[str, object]], key: str = "k-1") -> object:
    headers = {**api.auth("enterprise"), "Idempotency-Key": key}
    return api.client.post("/v1/batches", json=rows, headers=headers)


def test_a_batch_sent_twice_is_a_replay_and_other_content_under_its_key_a_409(api: Api) -> None:
    first = send(api, [ROW])
    again = send(api, [ROW])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["replayed"] and again.json()["batch_id"] == first.json()["batch_id"]
    other = send(api, [{**ROW, "hours": 32}])
    assert other.status_code == 409
    assert other.json()["type"] == "urn:creditbank:problem:batch.idempotency_conflict"


def test_an_invalid_batch_is_a_problem_naming_each_row_and_field(api: Api) -> None:
    response = send(api, [ROW, {**ROW, "external_id": "x2", "hours": "many"}])
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("batch.invalid") and problem["status"] == 422
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(2, "hours")]


def test_a_gbk_csv_upload_is_read_and_its_errors_name_the_line(api: Api) -> None:
    csv = "learner,external_id,date,title,hours\nL1,g1,2023-08-01,数控培训,16\nL1,g2,2023-08-01,车工,x\n"
    headers = {**api.auth("enterprise"), "Idempotency-Key": "gbk"}
    files = {"file": ("batch.csv", csv.encode("gbk"), "text/csv")}
    undeclared = api.client.post("/v1/batches/upload", files=files, headers=headers)
    assert undeclared.status_code == 422 and "GBK" in undeclared.json()["errors"][0]["message"]
    gbk = {"encoding": "gbk"}
    refused = api.client.post("/v1/batches/upload", files=files, data=gbk, headers=headers)
    assert refused.status_code == 422
    assert [(e["line"], e["field"]) for e in refused.json()["errors"]] == [(3, "hours")]
    stored = api.client.post(
        "/v1/batches/upload?keep_valid=true", files=files, data=gbk, headers=headers
    )
    assert stored.status_code == 201, stored.text
    assert (stored.json()["accepted"], stored.json()["rejected"]) == (1, 1)


def test_an_oversized_body_is_refused_with_413_before_it_is_read(api: Api) -> None:
    limit = api.client.app.state.settings.api_max_body_bytes  # type: ignore[attr-defined]
    headers = {**api.auth("enterprise"), "Idempotency-Key": "big", "Content-Length": str(limit + 1)}
    response = api.client.post("/v1/batches", content=b"[]", headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_a_streamed_body_over_the_limit_is_cut_off(api: Api) -> None:
    api.client.app.state.settings.api_max_body_bytes = 1000  # type: ignore[attr-defined]
    api.client.app.middleware_stack = None  # type: ignore[attr-defined]
    api.client.app.user_middleware[-1].kwargs["max_body"] = 1000  # type: ignore[attr-defined]

    def chunks() -> object:
        for _ in range(10):
            yield b" " * 500

    headers = {**api.auth("enterprise"), "Idempotency-Key": "stream"}
    response = api.client.post("/v1/batches", content=chunks(), headers=headers)
    assert response.status_code == 413


def test_every_answer_has_a_request_id_and_the_access_log_no_key(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="creditbank.api.access")
    given = api.client.get("/v1/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = api.client.get(
        "/v1/learners/L1/statement?national_id=110101199003070011", headers=api.auth("learner")
    )
    assert len(made.headers["x-request-id"]) == 32
    text = caplog.text
    assert made.headers["x-request-id"] in text and '"role": "learner"' in text
    assert api.keys["learner"] not in text and "110101199003070011" not in text


def test_lists_are_paged_with_a_cursor(api: Api) -> None:
    auth = api.auth("admin")
    first = api.client.get("/v1/admin/keys?limit=4", headers=auth).json()
    assert len(first["items"]) == 4 and first["next"]
    rest = api.client.get(f"/v1/admin/keys?limit=100&cursor={first['next']}", headers=auth).json()
    assert rest["next"] is None
    ids = [k["id"] for k in first["items"] + rest["items"]]
    assert ids == sorted(set(ids)) and len(ids) == 11
    bad = api.client.get("/v1/admin/keys?cursor=!!", headers=auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


def test_a_what_if_audit_counts_hypothetical_outcomes_and_stores_nothing(api: Api) -> None:
    auth = api.auth("learner")
    before = api.client.get("/v1/learners/L1/decisions", headers=auth).json()["items"]
    extra = {
        "id": "c",
        "kind": "skill_certificate",
        "issuer": "skills",
        "date": "2023-01-01",
        "occupation": "lathe",
        "rung": "senior",
    }
    body = {"programme": "mech", "date": "2024-01-01", "extra_outcomes": [extra]}
    plain = api.client.post(
        "/v1/learners/L1/audits/what-if", json={**body, "extra_outcomes": []}, headers=auth
    )
    more = api.client.post("/v1/learners/L1/audits/what-if?lang=zh", json=body, headers=auth)
    assert more.status_code == 200 and not more.json()["stored"]
    totals = [r.json()["decision"]["totals"]["transferred"] for r in (plain, more)]
    assert float(totals[1]) > float(totals[0])
    assert any("what-if:c" in g["outcomes"] for g in more.json()["decision"]["grants"])
    after = api.client.get("/v1/learners/L1/decisions", headers=auth).json()["items"]
    assert after == before


def test_a_decision_explains_itself_in_either_language(api: Api) -> None:
    url = f"/v1/learners/L1/decisions/{api.ids['decision']}"
    en = api.client.get(url, headers=api.auth("learner")).json()["explanations"]
    zh = api.client.get(url + "?lang=zh", headers=api.auth("learner")).json()["explanations"]
    assert en["granted"] and en != zh


def test_a_broken_rule_upload_is_refused_with_file_and_line(api: Api) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("frame.yaml", "pack:\n  id: broken\n  nme: {en: x}\n")
    response = api.client.post(
        "/v1/policy/versions",
        content=buffer.getvalue(),
        headers={**api.auth("policy"), "Content-Type": "application/zip"},
    )
    assert response.status_code == 422
    assert any(e["file"].startswith("frame.yaml:") for e in response.json()["errors"])


def test_an_archive_reaching_outside_its_folder_is_refused(api: Api) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.yaml", "pack: {}\n")
    response = api.client.post(
        "/v1/policy/check",
        content=buffer.getvalue(),
        headers={**api.auth("policy"), "Content-Type": "application/zip"},
    )
    assert response.status_code == 422


def test_the_diff_names_what_a_draft_adds(api: Api) -> None:
    url = f"/v1/policy/versions/{api.ids['version']}/diff/{api.ids['draft']}"
    diff = api.client.get(url, headers=api.auth("policy")).json()
    assert diff["from"] == api.ids["version"]
    assert {"section": "issuers", "added": ["other"], "removed": [], "changed": []} in diff[
        "sections"
    ]


def test_uploading_the_published_pack_again_returns_its_version(api: Api) -> None:
    response = api.client.post(
        "/v1/policy/versions",
        content=pack_zip(),
        headers={**api.auth("policy"), "Content-Type": "application/zip"},
    )
    assert response.json()["version"]["id"] == api.ids["version"]


def test_cors_is_closed_by_default(api: Api) -> None:
    response = api.client.options(
        "/v1/health",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in response.headers


def test_every_operation_declares_its_responses_and_every_body_an_example(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            assert op["responses"], (method, path)
            body = op.get("requestBody")
            if body:
                (content,) = body["content"].values()
                ref = content.get("schema", {}).get("$ref", "")
                schema = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else {}
                assert "example" in content or schema.get("examples"), (method, path)


def test_an_audit_past_its_time_budget_is_a_503_with_retry_after_and_stores_nothing(
    api: Api,
) -> None:
    app = api.client.app
    app.state.settings = app.state.settings.model_copy(update={"api_audit_seconds": 1e-9})
    learner = api.auth("learner")
    before = api.client.get("/v1/learners/L1/ledger", headers=learner).json()["items"]
    body = {"programme": "mech", "date": "2024-01-01"}
    for path, headers in [
        ("/v1/learners/L1/audits", learner),
        ("/v1/learners/L1/audits/what-if", learner),
        ("/v1/institution/learners/L1/audits", api.auth("institution")),
    ]:
        answer = api.client.post(path, json=body, headers=headers)
        assert answer.status_code == 503, answer.text
        assert answer.headers["Retry-After"] == "5"
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:creditbank:problem:audit.timeout"
    after = api.client.get("/v1/learners/L1/ledger", headers=learner).json()["items"]
    assert after == before


def test_a_registrar_grants_a_substitution_and_the_learners_audit_explains_it(api: Api) -> None:
    registrar = api.auth("institution")
    substitution = {
        "kind": "substitution",
        "programme": "mech",
        "target_kind": "course",
        "target": "M3",
        "outcome": api.ids["verified_outcome"],
        "reason": "drawing shown at work",
        "date": "2024-01-01",
    }
    url = "/v1/institution/learners/L1/exceptions"
    granted = api.client.post(url, json=substitution, headers=registrar)
    assert granted.status_code == 201, granted.text
    assert granted.json()["institution"] == "ou" and granted.json()["actor"].startswith("api:")
    audit = api.client.post(
        "/v1/learners/L1/audits",
        json={"programme": "mech", "date": "2024-01-01"},
        headers=api.auth("learner"),
    )
    assert audit.status_code == 201, audit.text
    body = audit.json()
    applied = {x["id"]: x for x in body["decision"]["exceptions"]}
    assert applied[str(granted.json()["id"])]["target"] == "M3"
    assert any("counts for course M3" in line for line in body["explanations"]["exceptions"])
    listed = api.client.get(url, headers=registrar).json()
    assert [x["kind"] for x in listed] == ["waiver", "substitution"]
    own = api.client.get("/v1/learners/L1/exceptions", headers=api.auth("learner")).json()
    assert own == listed


def test_an_exception_names_what_is_wrong_or_whose_programme_it_is(api: Api) -> None:
    url = "/v1/institution/learners/L1/exceptions"
    body = {
        "kind": "petition",
        "programme": "mech",
        "target_kind": "category",
        "target": "core",
        "reason": "portfolio",
    }
    missing = api.client.post(url, json=body, headers=api.auth("institution"))
    assert missing.status_code == 422 and "credits" in missing.text
    wrong = api.client.post(
        url, json={**body, "target": "nowhere", "credits": 2}, headers=api.auth("institution")
    )
    assert wrong.status_code == 422
    assert "'nowhere' is not a category of programme 'mech'" in wrong.text
    assert "(it has: core, elective, general, project)" in wrong.text


def test_policy_staff_get_the_impact_of_a_draft_as_json_csv_or_html(api: Api) -> None:
    rules = RULES.replace("    max_credits: 3\n", "    max_credits: 1\n")
    assert rules != RULES
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("small/frame.yaml", FRAME)
        archive.writestr("small/rules.yaml", rules)
    policy = api.auth("policy")
    upload = api.client.post(
        "/v1/policy/versions",
        content=buffer.getvalue(),
        headers={**policy, "Content-Type": "application/zip"},
    )
    assert upload.status_code == 201, upload.text
    url = f"/v1/policy/versions/{upload.json()['version']['id']}/impact"
    report = api.client.post(url, json={}, headers=policy)
    assert report.status_code == 200, report.text
    [learner] = report.json()["learners"]
    assert (learner["learner"], learner["counted_change"]) == ("L1", "-3")  # 3 cannot fit 1
    assert "lim.enterprise" in [r["id"] for r in learner["rules"]]
    as_csv = api.client.post(f"{url}?format=csv", json={"full": True}, headers=policy)
    assert as_csv.headers["content-type"].startswith("text/csv") and "L1" in as_csv.text
    as_html = api.client.post(f"{url}?format=html", json={}, headers=policy)
    assert as_html.headers["content-type"].startswith("text/html") and "<svg" in as_html.text
    unknown = api.client.post(url, json={"against": 999}, headers=policy)
    assert unknown.status_code == 404
