"""Luma as a job: the video stage submits and ends; Luma's callback or the scheduled check resumes the run.

Luma is a local server speaking its wire format (POST/GET /dream-machine/v1/generations); nothing
of ours is patched.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from generation.models import GenerationRun, RunStage, RunStatus, VideoClip
from generation.services.pipeline import runs_recover_stuck, stage_execute, stage_resume, vendor_jobs_check
from tests.factories import RunFactory, TrackFactory
from tests.generation.review_support import sine_wav

from .conftest import Reply, make_clip

pytestmark = pytest.mark.django_db

SECRET = "luma-cb-secret-42"
GENERATIONS = "/dream-machine/v1/generations"


@pytest.fixture
def luma(settings, vendor):
    settings.LUMA_API_KEY = "luma-key"
    settings.LUMA_BASE_URL = vendor.url
    settings.VIDEO_PROVIDERS = ["luma"]
    settings.VENDOR_FIRST_CHECK_SECONDS = 0
    settings.VIDEO_POLL_TIME_LIMIT_SECONDS = 600
    settings.LOCAL_VIDEO_FPS = 8
    vendor.route("POST", GENERATIONS, _generation("queued"))
    return vendor


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("luma") / "gen.mp4", width=192, height=108, seconds=1.0)


def _generation(state: str, vendor_url: str = "", **extra) -> Reply:
    data = {
        "id": "gen-1",
        "state": state,
        "failure_reason": None,
        "assets": {"video": f"{vendor_url}/assets/gen-1.mp4"} if state == "completed" else None,
        "model": "ray-2",
        **extra,
    }
    return Reply(201 if state == "queued" else 200, json=data)


def _run_at_video_stage() -> GenerationRun:
    """A generating run whose track exists: the next stage is select_video."""
    run = RunFactory(status=RunStatus.GENERATING, title="Glass Hours")
    TrackFactory(run=run, audio=ContentFile(sine_wav(seconds=1.0), name="take.wav"), duration=1.0)
    return run


def _start(run, capture) -> str:
    with capture(execute=True):
        return stage_execute(run_id=run.pk, stage="select_video")


def test_the_stage_submits_and_ends_then_the_verified_callback_resumes_the_run(
    luma, clip, client, settings, django_capture_on_commit_callbacks
):
    settings.LUMA_CALLBACK_SECRET = SECRET
    luma.route("GET", f"{GENERATIONS}/gen-1", _generation("completed", luma.url))
    luma.route("GET", "/assets/gen-1.mp4", Reply(body=clip))
    run = _run_at_video_stage()
    assert _start(run, django_capture_on_commit_callbacks) == "waiting"

    # The worker submitted and ended: no status poll happened inside the task.
    waiting = RunStage.objects.get(run=run, name="select_video")
    assert (waiting.outcome, waiting.vendor, waiting.vendor_job_id) == ("waiting", "luma", "gen-1")
    assert luma.calls("GET", f"{GENERATIONS}/gen-1") == []
    assert luma.calls("POST", GENERATIONS)[0].json["callback_url"] == f"{settings.SITE_URL}/hooks/luma/{SECRET}/"
    assert stage_execute(run_id=run.pk, stage="select_video") == "waiting"  # a duplicate task submits nothing
    assert runs_recover_stuck()["requeued"] == 0

    body = {"id": "gen-1", "state": "completed", "assets": {"video": "https://evil.example/x.mp4"}}
    assert client.post("/hooks/luma/wrong/", body, content_type="application/json").status_code == 403
    assert client.post(f"/hooks/luma/{SECRET}/", "{", content_type="application/json").status_code == 400
    dreaming = {"id": "gen-1", "state": "dreaming"}
    assert client.post(f"/hooks/luma/{SECRET}/", dreaming, content_type="application/json").json()["resumed"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/hooks/luma/{SECRET}/", body, content_type="application/json")
    assert response.status_code == 200 and response.json()["resumed"] == 1

    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW, run.error
    video = VideoClip.objects.get(run=run)
    # The clip comes from Luma's API, not from the callback's body.
    assert (video.source, video.source_id, video.url) == ("luma", "gen-1", f"{luma.url}/assets/gen-1.mp4")
    done = RunStage.objects.get(run=run, name="select_video")
    assert done.outcome == "succeeded" and done.attempt == 1
    assert len(luma.calls("POST", GENERATIONS)) == 1


def test_without_a_callback_the_scheduled_check_resumes_the_run_after_a_lost_worker(
    luma, clip, django_capture_on_commit_callbacks
):
    luma.route("GET", f"{GENERATIONS}/gen-1", _generation("dreaming"), _generation("completed", luma.url))
    luma.route("GET", "/assets/gen-1.mp4", Reply(body=clip))
    run = _run_at_video_stage()
    _start(run, django_capture_on_commit_callbacks)
    assert "callback_url" not in luma.calls("POST", GENERATIONS)[0].json  # no secret, no callback

    with django_capture_on_commit_callbacks(execute=True):
        assert vendor_jobs_check() == 1  # still dreaming: one look, then the task ends
    record = RunStage.objects.get(run=run, name="select_video")
    assert record.outcome == "waiting"
    # A worker that took the check and died holds only a lease; once it runs out the next check looks again.
    RunStage.objects.filter(pk=record.pk).update(next_check_at=timezone.now() + timedelta(minutes=5))
    assert stage_resume(run_id=run.pk, stage="select_video") == "busy" and vendor_jobs_check() == 0
    RunStage.objects.filter(pk=record.pk).update(next_check_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert vendor_jobs_check() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW, run.error
    assert run.video.source == "luma"
    assert len(luma.calls("GET", f"{GENERATIONS}/gen-1")) == 2 and len(luma.calls("POST", GENERATIONS)) == 1


def test_a_failed_generation_falls_back_along_the_chain_and_says_why(
    luma, settings, django_capture_on_commit_callbacks
):
    settings.VIDEO_PROVIDERS = ["luma", "local"]
    luma.route("GET", f"{GENERATIONS}/gen-1", _generation("failed", failure_reason="prompt moderated"))
    run = _run_at_video_stage()
    _start(run, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        vendor_jobs_check()
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW, run.error
    assert run.video.source == "local"
    [left] = RunStage.objects.get(run=run, name="select_video").providers
    assert left["provider"] == "luma" and "prompt moderated" in left["reason"] and left["job_id"] == "gen-1"


def test_a_generation_past_its_time_limit_falls_back(luma, settings, django_capture_on_commit_callbacks):
    settings.VIDEO_PROVIDERS = ["luma", "local"]
    luma.route("GET", f"{GENERATIONS}/gen-1", _generation("dreaming"))
    run = _run_at_video_stage()
    _start(run, django_capture_on_commit_callbacks)
    RunStage.objects.filter(run=run, name="select_video").update(started_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        vendor_jobs_check()
    run.refresh_from_db()
    assert run.video.source == "local"
    assert "no result within 600 s" in RunStage.objects.get(run=run, name="select_video").providers[0]["reason"]


def test_a_generation_that_never_finishes_fails_the_run_saying_why(luma, settings, django_capture_on_commit_callbacks):
    settings.STAGE_MAX_ATTEMPTS = 1
    luma.route("GET", f"{GENERATIONS}/gen-1", _generation("dreaming"))
    run = _run_at_video_stage()
    _start(run, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        vendor_jobs_check()
    assert RunStage.objects.get(run=run, name="select_video").outcome == "waiting"  # within the limit: waits
    # An hour later: past the time limit, and past the next check the first one scheduled.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    RunStage.objects.filter(run=run, name="select_video").update(started_at=an_hour_ago, next_check_at=an_hour_ago)
    with django_capture_on_commit_callbacks(execute=True):
        vendor_jobs_check()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "no video provider produced a clip: luma: luma job gen-1 gave no result within 600 s" in run.error
    assert RunStage.objects.get(run=run, name="select_video").outcome == "failed"
    assert not RunStage.objects.filter(outcome="waiting").exists()


def test_the_sync_path_waits_for_luma_in_process(luma, clip):
    luma.route("GET", f"{GENERATIONS}/gen-1", _generation("dreaming"), _generation("completed", luma.url))
    luma.route("GET", "/assets/gen-1.mp4", Reply(body=clip))
    run = _run_at_video_stage()
    assert stage_execute(run_id=run.pk, stage="select_video", chain=False) == "succeeded"
    assert VideoClip.objects.get(run=run).source == "luma"


def test_a_failing_video_provider_opens_its_breaker_and_later_runs_skip_it(settings, vendor):
    settings.PEXELS_API_KEY, settings.PEXELS_BASE_URL = "pexels-key", vendor.url
    settings.VIDEO_PROVIDERS = ["pexels", "local"]
    settings.LOCAL_VIDEO_FPS = 8
    settings.PROVIDER_COOLDOWN_FAILURES = 2
    vendor.route("GET", "/videos/search", Reply(500, body=b"down"))
    calls = []
    for _ in range(3):
        run = _run_at_video_stage()
        assert stage_execute(run_id=run.pk, stage="select_video", chain=False) == "succeeded"
        assert VideoClip.objects.get(run=run).source == "local"
        calls.append(len(vendor.calls("GET", "/videos/search")))
    # Two runs asked Pexels and failed (the second opened the breaker); the third did not call it.
    assert calls[0] > 0 and calls[1] > calls[0] and calls[2] == calls[1]

    settings.VIDEO_PROVIDERS = ["pexels"]
    settings.STAGE_MAX_ATTEMPTS = 1
    run = _run_at_video_stage()
    assert stage_execute(run_id=run.pk, stage="select_video", chain=False) == "failed"
    run.refresh_from_db()
    assert "pexels: circuit open after repeated failures" in run.error
