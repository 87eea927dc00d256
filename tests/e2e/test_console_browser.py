"""The operator's console in a real browser (headless Debian chromium driven by Playwright).

An operator signs in and sees the dashboard's charts drawn, starts a batch from the batches
page and watches its progress until the page says it finished, approves the run from the
review queue and follows the run page's link to its release, which links back to the run.

The pipeline runs for real (local providers: synthesized WAV, rendered video, drawn cover),
in this test's thread: queued tasks are recorded instead of run inline, then drained while the
browser polls the batch page, as a worker cluster would run them.
"""

# ruff: noqa: F811 (fixtures imported from the other browser test are redefined as arguments)

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.models import Permission
from django.utils.module_loading import import_string
from django_q.signals import pre_enqueue

from generation.models import Batch, GenerationRun, RunStatus
from releases.models import Release
from tests.e2e.test_review_browser import chromium_path, page  # noqa: F401
from tests.factories import ArtistFactory, UserFactory, valid_profile

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PERMISSIONS = [
    "view_batch",
    "add_batch",
    "view_generationrun",
    "decide_run",
    "view_release",
    "view_artist",
]


@pytest.fixture
def worker():
    """Record enqueued tasks (kept out of the request thread) and run them on demand, in order."""
    queued: list[tuple[str, tuple]] = []

    def receiver(sender, task, **kwargs) -> None:
        queued.append((task["func"], tuple(task["args"])))
        task["sync"] = False

    def drain() -> int:
        done = 0
        while queued:
            func, args = queued.pop(0)
            import_string(func)(*args)
            done += 1
        return done

    pre_enqueue.connect(receiver, dispatch_uid="console-e2e-worker")
    try:
        yield drain
    finally:
        pre_enqueue.disconnect(dispatch_uid="console-e2e-worker")


@pytest.fixture
def fast_pipeline(settings):
    settings.MIN_ACTIVE_ARTISTS = 0
    settings.LOCAL_VIDEO_LONG_SIDE = 320
    settings.LOCAL_VIDEO_FPS = 8
    settings.TELEGRAM_BOT_TOKEN = ""
    # Transactional tests flush every table, the seeded prompt templates included.
    from django.apps import apps

    importlib.import_module("llm.migrations.0003_seed_prompt_templates").seed(apps, None)


def _operator():
    user = UserFactory(username="op-e2e")
    user.user_permissions.add(*Permission.objects.filter(codename__in=PERMISSIONS))
    return user


def test_operator_dashboard_batch_review_and_release(live_server, page, worker, fast_pipeline):
    operator = _operator()
    profile = valid_profile()
    profile["musical_defaults"]["track_seconds"] = 5
    artist = ArtistFactory(name="Night Drive", slug="night-drive", profile=profile)

    # Sign in from the home page; the dashboard draws its charts.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign in").click()
    page.fill("#id_username", operator.username)
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    for key in ("runs", "approval", "failures", "llm", "deliveries"):
        page.locator(f'#chart-{key}[data-drawn="1"]').wait_for()
    drawn = page.evaluate("Object.keys(window.noktvrnCharts.instances).length")
    assert drawn >= 5
    assert page.locator("#panel-workers").is_visible()

    # Start a batch of one run for the artist from the batches page.
    page.goto(f"{live_server.url}/batches/")
    page.fill("#id_size", "1")
    page.select_option("#id_artist", artist.slug)
    with page.expect_navigation():
        page.click("#start-batch-button")
    batch = Batch.objects.get()
    assert page.url == f"{live_server.url}/batches/{batch.pk}/"
    assert page.locator("#live").inner_text() == "Updating live…"
    assert "0 of 1 runs done" in page.locator("#batch-counts").inner_text()

    # The "worker" makes the run while the page polls; the page notices the batch finished.
    assert worker() >= 7
    page.locator("#live", has_text="Finished.").wait_for(timeout=30_000)
    assert "1 of 1 runs done" in page.locator("#batch-counts").inner_text()
    assert page.locator("#batch-status").inner_text() == "Finished"
    run = GenerationRun.objects.get(batch=batch)
    assert run.status == RunStatus.AWAITING_REVIEW

    # Approve it from the queue (j selects, a approves); the release job runs.
    page.goto(f"{live_server.url}/review/")
    row = page.locator("tr.run-row").first
    assert run.title in row.inner_text()
    assert row.locator("audio").count() == 1 and row.locator("td.thumb img").count() == 1
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("a")
    page.locator("#messages").get_by_text(f"{run.title} approved.").wait_for()
    page.locator("#undo-bar").wait_for()
    worker()
    release = Release.objects.get(run=run)

    # The run page links to its release, and the release page back to the run.
    page.goto(f"{live_server.url}/review/runs/{run.pk}/")
    with page.expect_navigation():
        page.click("#release-link")
    assert page.url == f"{live_server.url}/releases/{release.pk}/"
    assert page.locator("#run-link").get_attribute("href") == f"/review/runs/{run.pk}/"
