"""Vendor music as jobs: the stage submits and ends; a callback or the scheduled check resumes the run.

Suno is a local server speaking its wire format; nothing of ours is patched.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from generation.models import GenerationRun, RunStage, RunStatus, Track
from generation.services.pipeline import (
    batch_start,
    runs_recover_stuck,
    stage_execute,
    stage_resume,
    vendor_jobs_check,
)
from tests.factories import ArtistFactory, RunFactory, valid_profile

from .conftest import Reply, _encode_mp3

pytestmark = pytest.mark.django_db

SECRET = "cb-secret-123"


def _artist():
    profile = valid_profile()
    profile["musical_defaults"]["track_seconds"] = 6
    return ArtistFactory(profile=profile)


@pytest.fixture(scope="module")
def mp3(tmp_path_factory) -> bytes:
    return _encode_mp3(tmp_path_factory.mktemp("mp3") / "a.mp3", 6.0)


@pytest.fixture
def suno(settings, vendor):
    settings.MUSIC_PROVIDER = "suno"
    settings.SUNO_API_KEY = "suno-key"
    settings.SUNO_BASE_URL = vendor.url
    settings.SUNO_CALLBACK_SECRET = SECRET
    settings.VENDOR_FIRST_CHECK_SECONDS = 0
    settings.MUSIC_POLL_INTERVAL_SECONDS = 0
    vendor.route("POST", "/api/v1/generate", Reply(json={"code": 200, "msg": "ok", "data": {"taskId": "t-1"}}))
    return vendor


def _record(vendor, status: str) -> Reply:
    data = {"taskId": "t-1", "status": status}
    if status == "SUCCESS":
        data["response"] = {
            "sunoData": [{"id": "a", "audioUrl": f"{vendor.url}/a.mp3", "title": "x", "duration": 6.0, "tags": ""}]
        }
    return Reply(json={"code": 200, "msg": "ok", "data": data})


def _start(run, capture) -> str:
    with capture(execute=True):
        return stage_execute(run_id=run.pk, stage="adapt_parameters")


def test_the_stage_submits_and_ends_then_the_callback_resumes_the_run(
    suno, mp3, client, settings, django_capture_on_commit_callbacks
):
    suno.route("GET", "/api/v1/generate/record-info", _record(suno, "SUCCESS"))
    suno.route("GET", "/a.mp3", Reply(body=mp3, headers={"Content-Type": "audio/mpeg"}))
    run = RunFactory(artist=_artist())
    _start(run, django_capture_on_commit_callbacks)

    # The worker submitted and ended: no status poll happened inside the task.
    waiting = RunStage.objects.get(run=run, name="generate_track")
    assert (waiting.outcome, waiting.vendor, waiting.vendor_job_id) == ("waiting", "suno", "t-1")
    assert suno.calls("GET", "/api/v1/generate/record-info") == []
    assert suno.calls("POST", "/api/v1/generate")[0].json["callBackUrl"] == f"{settings.SITE_URL}/hooks/suno/{SECRET}/"
    assert GenerationRun.objects.get(pk=run.pk).status == RunStatus.GENERATING
    assert stage_execute(run_id=run.pk, stage="generate_track") == "waiting"  # a duplicate task submits nothing
    assert runs_recover_stuck()["requeued"] == 0

    body = {"code": 200, "msg": "ok", "data": {"callbackType": "complete", "task_id": "t-1", "data": []}}
    assert client.post("/hooks/suno/wrong/", body, content_type="application/json").status_code == 403
    assert client.post(f"/hooks/suno/{SECRET}/", "{", content_type="application/json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/hooks/suno/{SECRET}/", body, content_type="application/json")
    assert response.status_code == 200 and response.json()["resumed"] == 1

    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW, run.error
    assert (run.track.provider, run.track.provider_job_id, run.track.provider_log) == ("suno", "t-1", [])
    done = RunStage.objects.get(run=run, name="generate_track")
    assert done.outcome == "succeeded" and done.attempt == 1
    assert len(suno.calls("POST", "/api/v1/generate")) == 1


def test_without_a_callback_the_scheduled_check_resumes_the_run(suno, mp3, django_capture_on_commit_callbacks):
    suno.route("GET", "/api/v1/generate/record-info", _record(suno, "PENDING"), _record(suno, "SUCCESS"))
    suno.route("GET", "/a.mp3", Reply(body=mp3, headers={"Content-Type": "audio/mpeg"}))
    run = RunFactory(artist=_artist())
    _start(run, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        assert vendor_jobs_check() == 1  # still rendering: one look, then the task ends
    assert RunStage.objects.get(run=run, name="generate_track").outcome == "waiting"
    with django_capture_on_commit_callbacks(execute=True):
        assert vendor_jobs_check() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW, run.error
    assert len(suno.calls("GET", "/api/v1/generate/record-info")) == 2


def test_a_check_in_progress_elsewhere_is_left_alone(suno, django_capture_on_commit_callbacks):
    suno.route("GET", "/api/v1/generate/record-info", _record(suno, "PENDING"))
    run = RunFactory(artist=_artist())
    _start(run, django_capture_on_commit_callbacks)
    record = RunStage.objects.get(run=run, name="generate_track")
    RunStage.objects.filter(pk=record.pk).update(check_leased_until=timezone.now() + timedelta(minutes=5))
    assert stage_resume(run_id=run.pk) == "busy"
    assert vendor_jobs_check() == 0


def test_a_callback_during_a_check_does_not_start_a_second_one(suno, client, django_capture_on_commit_callbacks):
    """The callback moves the next check to now; the check already in flight keeps its lease."""
    suno.route("GET", "/api/v1/generate/record-info", _record(suno, "PENDING"))
    run = RunFactory(artist=_artist())
    _start(run, django_capture_on_commit_callbacks)
    record = RunStage.objects.get(run=run, name="generate_track")
    lease = timezone.now() + timedelta(minutes=5)
    RunStage.objects.filter(pk=record.pk).update(check_leased_until=lease)  # a check is in flight elsewhere
    body = {"code": 200, "msg": "ok", "data": {"callbackType": "complete", "task_id": "t-1", "data": []}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/hooks/suno/{SECRET}/", body, content_type="application/json")
    assert response.status_code == 200
    assert suno.calls("GET", "/api/v1/generate/record-info") == []  # the resume it queued found the lease
    record.refresh_from_db()
    assert (record.outcome, record.check_leased_until) == ("waiting", lease)
    assert record.next_check_at <= timezone.now()  # the nudge stays: once the lease ends, the next look is due


def test_a_check_that_finds_the_job_still_running_gives_up_its_lease(suno, django_capture_on_commit_callbacks):
    suno.route("GET", "/api/v1/generate/record-info", _record(suno, "PENDING"))
    run = RunFactory(artist=_artist())
    _start(run, django_capture_on_commit_callbacks)
    assert stage_resume(run_id=run.pk) == "waiting"
    record = RunStage.objects.get(run=run, name="generate_track")
    assert record.check_leased_until is None and record.next_check_at is not None


def test_a_failed_vendor_job_falls_back_to_the_next_provider_and_says_why(
    suno, settings, django_capture_on_commit_callbacks
):
    settings.MUSIC_PROVIDERS = ["suno", "local"]
    failed = Reply(json={"code": 200, "msg": "ok", "data": {"status": "GENERATE_AUDIO_FAILED", "errorMessage": "x"}})
    suno.route("GET", "/api/v1/generate/record-info", failed)
    run = RunFactory(artist=_artist())
    _start(run, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        vendor_jobs_check()
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW, run.error
    assert run.track.provider == "local"
    [left] = run.track.provider_log
    assert left["provider"] == "suno" and "GENERATE_AUDIO_FAILED" in left["reason"] and left["job_id"] == "t-1"


def test_a_vendor_job_past_its_time_limit_falls_back(suno, settings, django_capture_on_commit_callbacks):
    settings.MUSIC_PROVIDERS = ["suno", "local"]
    suno.route("GET", "/api/v1/generate/record-info", _record(suno, "PENDING"))
    run = RunFactory(artist=_artist())
    _start(run, django_capture_on_commit_callbacks)
    RunStage.objects.filter(run=run, name="generate_track").update(started_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        vendor_jobs_check()
    run.refresh_from_db()
    assert run.track.provider == "local" and "no result within" in run.track.provider_log[0]["reason"]


def test_music_provider_alone_is_a_one_element_chain(suno, settings):
    settings.MUSIC_PROVIDERS = []
    suno.route("POST", "/api/v1/generate", Reply(401, json={"code": 401, "msg": "invalid api key"}))
    run = RunFactory(artist=_artist(), status=RunStatus.GENERATING)
    assert stage_execute(run_id=run.pk, stage="generate_track", chain=False) == "failed"
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "no music provider made the track: suno:" in run.error


@pytest.mark.parametrize("chain", [["suno", "local"], ["suno"]])
def test_a_provider_down_for_a_whole_batch_leaves_every_run_in_a_defined_state(
    chain, settings, django_capture_on_commit_callbacks
):
    """Suno unreachable for the whole batch: runs fall back to the synthesizer, or fail saying why."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.MUSIC_PROVIDERS = chain
    settings.SUNO_API_KEY = "suno-key"
    settings.SUNO_BASE_URL = f"http://127.0.0.1:{closed}"
    settings.STAGE_RETRY_BACKOFF_SECONDS = 0
    settings.PROVIDER_COOLDOWN_FAILURES = 2
    for _ in range(4):
        _artist()
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_start(size=4)

    runs = list(GenerationRun.objects.filter(batch=batch).select_related("track"))
    assert len(runs) == 4
    assert {run.status for run in runs} == ({"awaiting_review"} if chain[-1] == "local" else {"failed"})
    reasons = []
    for run in runs:
        if chain[-1] == "local":
            assert run.track.provider == "local"
            reasons.append(run.track.provider_log[0]["reason"])
        else:
            assert "no music provider made the track: suno:" in run.error
            reasons.append(run.error)
    # The breaker opened after two failures: later runs skip suno without calling it.
    assert any("circuit open" in reason for reason in reasons)
    first_failures = " ".join(RunStage.objects.filter(name="generate_track").values_list("error", flat=True))
    first_failures += " ".join(reasons)
    assert "Connection refused" in first_failures and "circuit opened" in first_failures
    batch.refresh_from_db()
    assert batch.status == "finished"
    assert not GenerationRun.objects.filter(status__in=("pending", "generating")).exists()
    assert Track.objects.count() == (4 if chain[-1] == "local" else 0)


@pytest.mark.django_db(transaction=True)
def test_a_callback_that_comes_while_a_check_looks_is_not_lost(
    suno, settings, prompt_templates, django_capture_on_commit_callbacks
):
    """The check in flight finds the job still rendering; the vendor's callback arrives meanwhile
    (its resume finds the lease taken): the check hands over a second look at once, not at the
    next poll."""
    from django.db import connection

    from generation.services.pipeline import vendor_job_completed

    settings.MUSIC_POLL_INTERVAL_SECONDS = 600
    run = RunFactory(artist=_artist())
    _start(run, django_capture_on_commit_callbacks)
    looks = []

    def pending_while_the_callback_arrives(seen):
        looks.append(seen)
        if len(looks) == 1:
            vendor_job_completed(vendor="suno", job_id="t-1")  # what the webhook does, mid-check
            connection.close()  # this server thread's own connection
        return _record(suno, "PENDING")

    suno.route("GET", "/api/v1/generate/record-info", pending_while_the_callback_arrives)
    assert stage_resume(run_id=run.pk) == "waiting"
    assert len(looks) == 2  # the second look came from the callback, not from the 600 s poll
    record = RunStage.objects.get(run=run, name="generate_track")
    assert record.outcome == "waiting" and record.check_leased_until is None
