"""Each group's main task in a real browser: Debian's Chromium (/usr/bin/chromium, or
CREDITBANK_CHROMIUM) driven by Playwright, against the app under uvicorn on a free loopback
port. Without a browser these tests skip, saying why; with CI set they fail instead. On a
failure, screenshots at 390x844 and 1280x800 go to test-artifacts/web/ (or
CREDITBANK_TEST_ARTIFACTS)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api.web.i18n import LANG_COOKIE
from creditbank.service import outcomes
from creditbank.store import migrate
from tests.api.conftest import NOW, pack_zip
from tests.web.conftest import FAILED, Api
from tests.web.test_pages import broken_zip

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = os.environ.get("CREDITBANK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("CREDITBANK_TEST_ARTIFACTS", "test-artifacts")) / "web"
LOCATED = re.compile(r"^\S+\.yaml:\d+:\d+$")
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """SQLite only: the pages' queries are the services', tested on PostgreSQL elsewhere."""
    url = f"sqlite:///{tmp_path / 'bank.sqlite3'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="module")
def browser() -> Iterator[playwright_api.Browser]:
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CREDITBANK_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def served(api: Api) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        api.client.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def page(
    browser: playwright_api.Browser, served: str, request: pytest.FixtureRequest
) -> Iterator[playwright_api.Page]:
    context = browser.new_context(
        base_url=served,
        locale="en-GB",
        viewport=dict(zip(("width", "height"), SIZES["desktop"], strict=True)),
    )
    context.set_default_timeout(5000)
    opened = context.new_page()
    yield opened
    if request.node.stash.get(FAILED, False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for size, (width, height) in SIZES.items():
            opened.set_viewport_size({"width": width, "height": height})
            opened.screenshot(path=ARTIFACTS / f"{request.node.name}-{size}.png", full_page=True)
    context.close()


def sign_in(page: playwright_api.Page, key: str) -> None:
    page.goto("/web/")
    page.get_by_label("Your access key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def expect(locator: playwright_api.Locator) -> playwright_api.LocatorAssertions:
    return playwright_api.expect(locator)


def test_a_learner_signs_in_reads_the_audit_switches_language_runs_a_what_if_and_prints(
    api: Api, page: playwright_api.Page
) -> None:
    # the second training now counts toward nothing: the enterprise cap is full
    outcomes.change_status(
        api.bank.engine,
        outcome_id=int(api.ids["submitted_outcome"]),
        action="verify",
        actor="t",
        now=NOW,
    )
    sign_in(page, "cb_wrong_key")
    expect(page.get_by_role("alert")).to_contain_text("That key is not valid")
    page.get_by_label("Your access key").fill(api.keys["learner"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account L1")
    expect(page.get_by_role("cell", name="acme:t1")).to_be_visible()

    page.get_by_role("link", name="My audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit: Mechanics associate")
    expect(page.get_by_text("3 of 20 credits counted; 17 to go.")).to_be_visible()
    expect(page.get_by_text("tr.training_elective").first).to_be_visible()
    page.get_by_text("acme:t2 — Why?").click()
    expect(page.locator("details[open]")).to_contain_text(
        "acme:t2 would exceed the limit mech.category.elective"
    )
    expect(page.get_by_role("heading", name="What would it take")).to_be_visible()

    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="不能抵免的成果及原因")).to_be_visible()
    page.get_by_role("link", name="English").click()

    page.get_by_role("link", name="What if").click()
    page.get_by_label("Application date").fill("2019-13-01")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("alert")).to_contain_text("write it as YYYY-MM-DD")
    page.get_by_label("Application date").fill("2025-01-01")
    page.get_by_role("button", name="Compare").click()
    expect(
        page.get_by_role("heading", name="What if: Mechanics associate on 2025-01-01")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Closest programmes")).to_be_visible()

    page.get_by_role("link", name="My account").click()
    expect(page.get_by_role("button", name="Print this statement")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation")).to_be_hidden()
    expect(page.get_by_role("heading", name="Ledger")).to_be_visible()


def test_a_registrar_verifies_an_outcome_and_the_learners_audit_changes(
    api: Api, page: playwright_api.Page, browser: playwright_api.Browser, served: str
) -> None:
    learner = browser.new_context(base_url=served, locale="en-GB").new_page()
    sign_in(learner, api.keys["learner"])
    learner.goto("/web/learners/L1/audit")
    expect(learner.get_by_text("Every outcome counts.")).to_be_visible()

    sign_in(page, api.keys["institution"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrar: ou")
    outcome = api.ids["submitted_outcome"]
    page.get_by_role("button", name=f"Reject {outcome}").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"Give the reason for rejecting outcome {outcome}"
    )
    page.get_by_role("link", name="Registrar").click()
    page.get_by_role("button", name=f"Verify {outcome}").click()
    expect(page.get_by_role("status")).to_have_text(f"Outcome {outcome} is verified.")
    expect(page.get_by_text("verified").first).to_be_visible()

    learner.reload()
    expect(learner.get_by_text("acme:t2 — Why?")).to_be_visible()
    learner.context.close()

    page.get_by_role("button", name="Run the audit").click()
    expect(page.get_by_role("status").last).to_contain_text("is stored: digest")

    page.get_by_role("link", name="Course equivalence").click()
    page.get_by_label("Course", exact=True).fill("poly:P2")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("cell", name="eq.p2_m3")).to_contain_text("rules.yaml:")
    page.get_by_label("What counts toward this course?").check()
    page.get_by_label("Course", exact=True).fill("M3")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("cell", name="poly:P2").first).to_be_visible()


def test_a_policy_user_uploads_a_broken_draft_and_sees_the_located_errors(
    api: Api, page: playwright_api.Page, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(broken_zip())
    sign_in(page, api.keys["policy"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Rule sets")
    page.get_by_label("Rule directory as a zip file").set_input_files(broken)
    page.get_by_role("button", name="Store as a draft").click()
    expect(page.get_by_role("alert")).to_have_text("Not stored: the rules have errors.")
    expect(page.locator("td.at").first).to_have_text(LOCATED)

    good = tmp_path / "good.zip"
    good.write_bytes(pack_zip())
    page.get_by_label("Rule directory as a zip file").set_input_files(good)
    page.get_by_role("button", name="Run the rule tests").click()
    expect(page.get_by_role("heading", name="Rule tests of good.zip")).to_be_visible()

    page.get_by_role("button", name="Show").click()
    expect(
        page.get_by_role(
            "heading", name=f"From version {api.ids['version']} to version {api.ids['draft']}"
        )
    ).to_be_visible()
    page.get_by_label(f"In force from (version {api.ids['draft']})").fill(str(dt.date(2027, 1, 1)))
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_have_text(f"Version {api.ids['draft']} is published.")


def test_keyboard_alone_reaches_every_control_and_opens_a_reason(
    api: Api, page: playwright_api.Page
) -> None:
    outcomes.change_status(
        api.bank.engine,
        outcome_id=int(api.ids["submitted_outcome"]),
        action="verify",
        actor="t",
        now=NOW,
    )
    page.goto("/web/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to the content")
    for _ in range(12):
        if page.evaluate("document.activeElement.id") == "key":
            break
        page.keyboard.press("Tab")
    page.keyboard.type(api.keys["learner"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account L1")
    page.goto("/web/learners/L1/audit")
    controls = page.evaluate(
        """() => [...document.querySelectorAll('a[href], button:not([hidden]), input:not([type=hidden]), select, summary')]
              .filter(e => e.offsetParent !== null).length"""
    )
    reached = set()
    for _ in range(controls + 5):
        page.keyboard.press("Tab")
        reached.add(
            page.evaluate(
                "(() => { const e = document.activeElement; return e.outerHTML.slice(0, 120) + e.id + e.textContent })()"
            )
        )
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            page.keyboard.press("Enter")
            expect(page.locator("details[open]")).to_contain_text("would exceed the limit")
    assert len(reached) >= controls


def test_another_learners_url_is_a_page_that_does_not_exist(
    api: Api, page: playwright_api.Page
) -> None:
    sign_in(page, api.keys["learner"])
    response = page.goto("/web/learners/L2")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_have_text("There is no such page.")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/web/learners/L1/audit")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


SERIOUS = {"serious", "critical"}


def test_every_page_has_no_serious_accessibility_violation(
    page: playwright_api.Page, api: Api, served: str
) -> None:
    """axe-core (the copy axe-playwright-python ships) on every page, in zh and en, signed in
    as whoever sees it: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.web.test_pages import every_page

    axe, found = Axe(), []
    for lang in ("en", "zh"):
        signed_in_as: str | None = "nobody yet"
        for caller, path in every_page(api):
            if caller != signed_in_as:
                page.context.clear_cookies()
                if caller:
                    sign_in(page, api.keys[caller])  # the sign-in page as the browser's locale
                page.context.add_cookies([{"name": LANG_COOKIE, "value": lang, "url": served}])
                signed_in_as = caller
            page.goto(path)
            assert page.locator("html").get_attribute("lang", timeout=2000) in (lang, f"{lang}-CN")
            results = axe.run(page).response
            found += [
                f"{lang} {path}: {v['id']} ({v['impact']}) {v['help']}"
                for v in results["violations"]
                if v["impact"] in SERIOUS
            ]
    assert found == []
