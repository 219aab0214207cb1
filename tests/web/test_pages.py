"""The pages over HTTP (no browser): who sees what, sessions and CSRF, headers, languages, the
errors a person can meet, and the accessibility check on every page."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from api.web.i18n import TEXT
from creditbank.service import keys
from creditbank.store.ledger import EntryKind
from creditbank.store.session import session_scope
from tests.api.conftest import NOW, pack_zip
from tests.web.a11y import problems
from tests.web.conftest import Api, sign_in

EN = {"Accept-Language": "en"}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found[1]


def test_every_text_is_in_both_languages() -> None:
    assert all(set(v) == {"en", "zh"} and all(v.values()) for v in TEXT.values())


def test_every_kind_of_ledger_entry_has_a_name_on_the_account_page() -> None:
    assert {f"entry_{kind.value}" for kind in EntryKind} <= set(TEXT)


def test_the_accessibility_check_finds_what_it_looks_for() -> None:
    page = (
        "<html><head><title></title></head><body><h2>x</h2><h4>y</h4>"
        '<input id="a"><input id="a" type="hidden"><button></button>'
        '<p aria-describedby="nowhere">z</p><img src="i.png"></body></html>'
    )
    found = "\n".join(problems(page))
    for expected in (
        "lang",
        "no title",
        "one h1",
        "skips",
        "without a label",
        "twice",
        "nowhere",
        "alt",
        "button without text",
    ):
        assert expected in found


def test_signing_in_sets_a_private_session_cookie_and_no_page_shows_the_key(api: Api) -> None:
    response = sign_in(api.client, api.keys["learner"])
    assert response.status_code == 303
    assert response.headers["location"] == "/web/learners/L1"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/web" in cookie
    page = api.client.get("/web/learners/L1")
    assert page.status_code == 200
    assert api.keys["learner"] not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("key", "status", "message"),
    [("cb_nope_wrong", 401, "That key is not valid"), ("", 422, "Enter your access key")],
)
def test_a_wrong_or_missing_key_is_told_on_the_form(
    api: Api, key: str, status: int, message: str
) -> None:
    api.client.headers.update(EN)
    response = sign_in(api.client, key)
    assert response.status_code == status
    assert message in response.text
    assert "cb_session" not in response.headers.get("set-cookie", "")


def test_revoked_or_expired_keys_and_forms_from_elsewhere_do_not_sign_in(api: Api) -> None:
    api.client.headers.update(EN)
    for name in ("revoked", "expired"):
        assert sign_in(api.client, api.keys[name]).status_code == 401
    api.client.cookies.clear()
    forged = api.client.post("/web/sign-in", data={"key": api.keys["learner"], "form_token": "x"})
    assert forged.status_code == 403
    assert "This form has expired" in forged.text


def test_a_key_revoked_while_signed_in_stops_at_the_next_page(api: Api) -> None:
    sign_in(api.client, api.keys["institution"])
    assert api.client.get("/web/registrar").status_code == 200
    with session_scope(api.bank.engine, read_only=True) as session:
        ours = [
            k.id for k in keys.list_keys(session) if k.role == "institution" and k.scope_id == "ou"
        ]
    for ident in ours:
        keys.revoke_key(api.bank.engine, key_id=ident, now=NOW)
    assert api.client.get("/web/registrar", headers=EN).status_code == 401


@pytest.mark.parametrize(
    ("caller", "path", "status"),
    [
        (None, "/web/learners/L1", 401),
        ("learner", "/web/learners/L2", 404),
        ("learner", "/web/learners/L2/audit", 404),
        ("learner", "/web/learners/%20", 404),
        ("learner", "/web/registrar", 403),
        ("learner", "/web/policy", 403),
        ("institution", "/web/registrar/learners/L2", 404),
        ("other_institution", "/web/registrar/learners/L1", 404),
        ("policy", "/web/learners/L1", 403),
    ],
)
def test_each_person_sees_only_their_pages(
    api: Api, caller: str | None, path: str, status: int
) -> None:
    if caller:
        sign_in(api.client, api.keys[caller])
    response = api.client.get(path, headers=EN)
    assert response.status_code == status
    assert "acme:t" not in response.text  # no outcome of anyone's shows
    assert problems(response.text) == []


def test_forms_without_the_session_token_change_nothing(api: Api) -> None:
    sign_in(api.client, api.keys["institution"])
    outcome = api.ids["submitted_outcome"]
    refused = api.client.post(
        f"/web/registrar/outcomes/{outcome}/verify", data={"learner": "L1"}, headers=EN
    )
    assert refused.status_code == 403
    page = api.client.get("/web/registrar/learners/L1", headers=EN)
    assert "submitted, awaiting a check" in page.text


def test_a_registrar_must_give_a_reason_to_reject(api: Api) -> None:
    sign_in(api.client, api.keys["institution"])
    token = csrf_of(api.client.get("/web/registrar").text)
    outcome = api.ids["submitted_outcome"]
    path = f"/web/registrar/outcomes/{outcome}/reject"
    refused = api.client.post(path, data={"csrf": token, "learner": "L1"}, headers=EN)
    assert refused.status_code == 422
    assert f"Give the reason for rejecting outcome {outcome}" in refused.text
    done = api.client.post(
        path, data={"csrf": token, "learner": "L1", "reason": "no certificate"}, headers=EN
    )
    assert done.status_code == 200  # followed the redirect to the learner's page
    assert f"Outcome {outcome} is rejected" in done.text
    assert "no certificate" in done.text


def test_language_from_the_browser_then_from_the_switch(api: Api) -> None:
    zh = api.client.get("/web/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-CN">' in zh.text and "登录学分银行" in zh.text
    switched = api.client.get("/web/lang/en?next=/web/equivalence", follow_redirects=False)
    assert switched.headers["location"] == "/web/equivalence"
    api.client.cookies.set("cb_lang", "en", path="/web")
    page = api.client.get("/web/equivalence", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in page.text and "Course equivalence" in page.text
    away = api.client.get("/web/lang/zh?next=//evil.example/", follow_redirects=False)
    assert away.headers["location"] == "/web/"


def test_equivalence_both_ways_with_the_rule_chain_and_the_errors(api: Api) -> None:
    client = api.client
    client.headers.update(EN)
    course = client.get("/web/equivalence?programme=mech&direction=from&course=poly:P2")
    assert "eq.p2_m3" in course.text and "rules.yaml:" in course.text
    toward = client.get("/web/equivalence?programme=mech&direction=toward&course=M3")
    assert "poly:P2" in toward.text
    bare = client.get("/web/equivalence?programme=mech&direction=from&course=P2")
    assert bare.status_code == 422 and "INSTITUTION:CODE" in bare.text
    unknown = client.get("/web/equivalence?programme=nope&direction=toward&course=M3")
    assert unknown.status_code == 422 and "There is no programme &#39;nope&#39;" in unknown.text
    bad_day = client.get("/web/equivalence?programme=mech&course=M3&date=31/12/2025")
    assert bad_day.status_code == 422 and "write it as YYYY-MM-DD" in bad_day.text


def broken_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "small/rules.yaml", "recognitions:\n  - id: r1\n    match: {kind: nothing}\n"
        )
    return buffer.getvalue()


def test_policy_upload_shows_located_findings_and_stores_nothing_broken(api: Api) -> None:
    sign_in(api.client, api.keys["policy"])
    token = csrf_of(api.client.get("/web/policy").text)

    def send(data: bytes, action: str) -> str:
        files = {"file": ("pack.zip", data, "application/zip")}
        response = api.client.post(
            "/web/policy/upload", data={"csrf": token, "action": action}, files=files, headers=EN
        )
        return response.text

    checked = send(broken_zip(), "check")
    assert re.search(r"rules\.yaml:\d+:\d+", checked)
    assert "Not stored" in send(broken_zip(), "store")
    assert "Choose a zip file" in send(b"", "check")
    assert "not a zip archive" in send(b"plain text", "check")
    stored = send(pack_zip(), "store")
    assert "Stored as draft version" in stored


def every_page(api: Api) -> list[tuple[str, str]]:
    """(caller, path) of every page, with forms answered."""
    return [
        (None, "/web/"),
        (None, "/web/equivalence?programme=mech&direction=from&course=poly:P2"),
        ("learner", "/web/"),
        ("learner", "/web/learners/L1"),
        ("learner", "/web/learners/L1/audit"),
        ("learner", "/web/learners/L1/audit?programme=mech&date=bad"),
        ("learner", "/web/learners/L1/what-if?programme=mech&date=2025-01-01"),
        ("institution", "/web/registrar"),
        ("institution", "/web/registrar/learners/L1"),
        ("policy", "/web/policy"),
        ("policy", f"/web/policy/diff?old={api.ids['version']}&new={api.ids['draft']}"),
        ("enterprise", "/web/"),
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_passes_the_accessibility_check(api: Api, lang: str) -> None:
    api.client.headers.update({"Accept-Language": lang})
    signed_in_as = None
    for caller, path in every_page(api):
        if caller != signed_in_as:
            api.client.cookies.clear()
            if caller:
                sign_in(api.client, api.keys[caller])
            signed_in_as = caller
        response = api.client.get(path)
        assert response.status_code in (200, 422), path
        assert problems(response.text) == [], path


def test_the_pages_after_a_form_pass_the_accessibility_check(api: Api) -> None:
    sign_in(api.client, api.keys["institution"])
    token = csrf_of(api.client.get("/web/registrar").text)
    audited = api.client.post(
        "/web/registrar/learners/L1/audit",
        data={"csrf": token, "programme": "mech", "date": "2025-01-01"},
        headers=EN,
    )
    assert audited.status_code == 200
    assert "is stored: digest" in audited.text
    assert problems(audited.text) == []
    sign_in(api.client, api.keys["policy"])
    token = csrf_of(api.client.get("/web/policy").text)
    files = {"file": ("pack.zip", broken_zip(), "application/zip")}
    checked = api.client.post(
        "/web/policy/upload", data={"csrf": token, "action": "test"}, files=files, headers=EN
    )
    assert problems(checked.text) == []


def test_a_version_number_out_of_range_is_refused_not_a_crash(api: Api) -> None:
    sign_in(api.client, api.keys["policy"])
    response = api.client.get("/web/policy/diff?old=1180591620717411303424&new=1")
    assert response.status_code == 422


def test_policy_staff_see_the_impact_of_a_draft_on_the_enrolled_learners(api: Api) -> None:
    sign_in(api.client, api.keys["policy"])
    page_text = api.client.get("/web/policy", headers=EN).text
    draft = api.ids["draft"]
    assert f"/web/policy/versions/{draft}/impact" in page_text
    report = api.client.post(
        f"/web/policy/versions/{draft}/impact", data={"csrf": csrf_of(page_text)}, headers=EN
    )
    assert report.status_code == 200
    assert f"Impact of version {draft} against version {api.ids['version']}" in report.text
    refused = api.client.post(f"/web/policy/versions/{draft}/impact", data={"csrf": "x"})
    assert refused.status_code in (400, 403)


def test_a_registrar_grants_and_withdraws_an_exception_from_the_learners_page(api: Api) -> None:
    sign_in(api.client, api.keys["institution"])
    page_text = api.client.get("/web/registrar/learners/L1", headers=EN).text
    assert "Waiver: requirement <code>thesis</code> (mech)" in page_text  # granted in conftest
    token = csrf_of(page_text)
    form = {
        "csrf": token,
        "kind": "substitution",
        "programme": "mech",
        "target_kind": "course",
        "target": "M3",
        "outcome": str(api.ids["verified_outcome"]),
        "reason": "drawing shown at work",
        "date": "2024-01-01",
    }
    wrong = api.client.post(
        "/web/registrar/learners/L1/exceptions", data={**form, "outcome": "x"}, headers=EN
    )
    assert wrong.status_code == 422 and "x&#39; is not a number" in wrong.text
    granted = api.client.post("/web/registrar/learners/L1/exceptions", data=form, headers=EN)
    assert granted.status_code == 200  # followed the redirect to the learner's page
    assert "Exception 2 is granted" in granted.text
    assert problems(granted.text) == []
    audited = api.client.post(
        "/web/registrar/learners/L1/audit",
        data={"csrf": token, "programme": "mech", "date": "2024-01-01"},
        headers=EN,
    )
    assert "counts for course M3 (2 credits) by exception 2 (drawing shown at work)" in audited.text
    withdrawn = api.client.post(
        "/web/registrar/exceptions/2/withdraw",
        data={"csrf": token, "learner": "L1", "reason": "granted in error"},
        headers=EN,
    )
    assert "Exception 2 is withdrawn" in withdrawn.text
    assert "withdrawn on" in withdrawn.text
