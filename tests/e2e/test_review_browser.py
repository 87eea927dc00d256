"""The review queue in a real browser: headless Debian chromium driven by Playwright.

A reviewer signs in, approves one run with the keyboard (j, a), rejects one with a comment
(j, r, typing, Enter) and sees the queue and the "recently decided" list update.
"""

# ruff: noqa: F811 (fixtures imported from review_support are redefined as test arguments)

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.db import connections
from django.utils import timezone

from generation.models import ReviewDecision, RunStatus
from tests.factories import UserFactory
from tests.generation.review_support import awaiting_run, queued_tasks  # noqa: F401

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ENSURE = Path(__file__).with_name("ensure_chromium.sh")
TIMEOUT_MS = 15_000

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    """Debian's chromium, installed by ensure_chromium.sh when missing; skip with the reason otherwise."""
    if not CHROMIUM.exists() and shutil.which("sh"):
        subprocess.run(["sh", str(ENSURE)], check=False, timeout=900)
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing and could not be installed (run {ENSURE} as root).")
    return CHROMIUM


@pytest.fixture
def page(chromium_path, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # between browser steps are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
            # The test's ORM calls ran beside Playwright's event loop; close what they opened here,
            # or PostgreSQL refuses to drop the test database at the end ("accessed by other users").
            connections.close_all()


def _reviewer():
    # Transactional tests flush the tables, dropping the groups made by migrations: grant directly.
    user = UserFactory(username="rev-e2e")
    user.user_permissions.add(
        Permission.objects.get(codename="decide_run"), Permission.objects.get(codename="view_generationrun")
    )
    return user


def test_reviewer_approves_with_the_keyboard_and_rejects_with_a_comment(live_server, page, queued_tasks):
    reviewer = _reviewer()
    now = timezone.now()
    first = awaiting_run(title="First Light", status_changed_at=now - timedelta(hours=3))
    second = awaiting_run(title="Second Wind", status_changed_at=now - timedelta(hours=2))
    third = awaiting_run(title="Third Rail", status_changed_at=now - timedelta(hours=1))

    page.goto(f"{live_server.url}/review/")
    assert "/review/login/" in page.url
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/review/")

    rows = page.locator("tr.run-row")
    assert rows.count() == 3
    assert page.locator("#shortcuts").inner_text().count("j") >= 1
    assert "First Light" in rows.nth(0).inner_text()

    # j selects the oldest run, a approves it; the page comes back without it.
    page.keyboard.press("j")
    assert "selected" in (rows.nth(0).get_attribute("class") or "")
    with page.expect_navigation():
        page.keyboard.press("a")
    page.locator("#messages").get_by_text("First Light approved.").wait_for()
    assert rows.count() == 2
    recent = page.locator("#recent tbody tr").first
    assert "First Light" in recent.inner_text() and "Approved" in recent.inner_text()
    assert "rev-e2e" in recent.inner_text() and "Web" in recent.inner_text()

    # j then r opens the comment box for the next run; Enter rejects with the comment.
    page.keyboard.press("j")
    page.keyboard.press("r")
    comment = page.locator("#reject-comment")
    comment.wait_for(state="visible")
    assert page.locator("#reject-title").inner_text() == "Second Wind"
    comment.type("muddy low end")
    with page.expect_navigation():
        comment.press("Enter")
    page.locator("#messages").get_by_text("Second Wind rejected.").wait_for()
    assert rows.count() == 1
    assert "Third Rail" in rows.nth(0).inner_text()
    recent = page.locator("#recent tbody tr").first
    assert "Second Wind" in recent.inner_text() and "Rejected" in recent.inner_text()
    assert "muddy low end" in recent.inner_text()
    assert page.locator("#awaiting-count").inner_text() == "(1)"

    # o opens the remaining run; its page shows the player and the shortcuts.
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("o")
    assert page.url == f"{live_server.url}/review/runs/{third.pk}/"
    assert page.locator("#player").count() == 1
    assert page.locator("#run-status").inner_text() == "Awaiting review"

    decisions = {d.run_id: d for d in ReviewDecision.objects.all()}
    assert set(decisions) == {first.pk, second.pk}
    assert (decisions[first.pk].decision, decisions[first.pk].channel, decisions[first.pk].actor_id) == (
        "approved",
        "web",
        reviewer.pk,
    )
    assert (decisions[second.pk].decision, decisions[second.pk].comment) == ("rejected", "muddy low end")
    third.refresh_from_db()
    assert third.status == RunStatus.AWAITING_REVIEW
    assert ("releases.tasks.package_release", (first.pk,)) in queued_tasks
