"""POST /api/v1/tracks/analyze/: an upload becomes a job (202), bounded in time, memory and per user."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from analytics.checks import check_analysis_time_limit
from analytics.models import AnalysisJob
from analytics.services import analysis_jobs_sweep
from tests.factories import UserFactory

URL = "/api/v1/tracks/analyze/"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_tempdir(tmp_path, monkeypatch, settings):
    """Analysis temporary folders go to a folder of this test, so leftovers can be counted."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir()
    return temp


def upload(path, name=None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="audio/wav")


def analyse(client, captured, file) -> tuple[dict, dict]:
    """Post the upload, let the queued task run (the test settings run tasks inline), poll the job."""
    with captured(execute=True):
        response = client.post(URL, {"file": file}, format="multipart")
    assert response.status_code == 202, response.content
    job = response.json()["job"]
    polled = client.get(job["url"])
    assert polled.status_code == 200, polled.content
    return job, polled.json()


def stored_uploads(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "analysis-uploads"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_an_upload_is_a_job_whose_result_is_polled(
    reviewer_client, music_wav, django_capture_on_commit_callbacks, settings, private_tempdir
):
    job, body = analyse(reviewer_client, django_capture_on_commit_callbacks, upload(music_wav))
    assert job["status"] == "queued" and job["url"].endswith(f"/api/v1/analysis-jobs/{job['id']}/")
    assert body["status"] == "succeeded", body
    assert body["filename"] == music_wav.name
    result = body["result"]
    assert result["tempo"] == pytest.approx(124.0, rel=0.02)
    assert (result["key"], result["mode"]) == ("A", "minor")
    assert result["sections"] and "path" not in result
    assert body["error"] is None and body["duration_ms"] >= 0
    # Nothing is left behind: the stored upload and the worker's temporary folder are gone.
    assert stored_uploads(settings) == []
    assert list(private_tempdir.iterdir()) == []


def test_not_audio_fails_the_job_without_server_paths(
    reviewer_client, tmp_path, django_capture_on_commit_callbacks, settings, private_tempdir
):
    text = tmp_path / "readme.wav"
    text.write_text("hello")
    _, body = analyse(reviewer_client, django_capture_on_commit_callbacks, upload(text))
    assert body["status"] == "failed"
    assert body["error"]["code"] == "bad_audio" and body["error"]["reason"] == "unreadable"
    assert "readme.wav" in body["error"]["detail"]
    assert str(private_tempdir) not in body["error"]["detail"] and "/tmp" not in body["error"]["detail"]
    assert stored_uploads(settings) == [] and list(private_tempdir.iterdir()) == []


def test_over_the_time_limit_fails_the_job(reviewer_client, music_wav, django_capture_on_commit_callbacks, settings):
    settings.AUDIO_ANALYSIS_TIME_LIMIT_SECONDS = 1e-6
    _, body = analyse(reviewer_client, django_capture_on_commit_callbacks, upload(music_wav))
    assert body["status"] == "failed" and body["error"]["reason"] == "time_limit"
    assert stored_uploads(settings) == []


def test_long_audio_is_streamed_down_before_analysis(
    reviewer_client, music_wav, django_capture_on_commit_callbacks, settings, private_tempdir
):
    settings.AUDIO_ANALYSIS_FULL_RATE_MAX_SECONDS = 5
    _, body = analyse(reviewer_client, django_capture_on_commit_callbacks, upload(music_wav))
    assert body["status"] == "succeeded", body
    result = body["result"]
    assert result["sample_rate"] == 22050 and result["channels"] == 2
    assert any(warning.startswith("decimated:") for warning in result["warnings"])
    assert result["tempo"] == pytest.approx(124.0, rel=0.02)
    assert list(private_tempdir.iterdir()) == []


def test_too_long_audio_is_refused_before_decoding(
    reviewer_client, music_wav, django_capture_on_commit_callbacks, settings
):
    settings.AUDIO_ANALYSIS_MAX_SECONDS = 10
    _, body = analyse(reviewer_client, django_capture_on_commit_callbacks, upload(music_wav))
    assert body["status"] == "failed" and body["error"]["reason"] == "too_long"


def test_missing_file_is_400_naming_the_field(reviewer_client):
    response = reviewer_client.post(URL, {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_upload_over_the_limit_is_413(reviewer_client, music_wav, settings):
    settings.AUDIO_ANALYSIS_MAX_UPLOAD_BYTES = 10_000
    response = reviewer_client.post(URL, {"file": upload(music_wav)}, format="multipart")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not AnalysisJob.objects.exists()


def test_anonymous_401_and_no_permission_403(api_client, music_wav):
    assert api_client.post(URL, {"file": upload(music_wav)}, format="multipart").status_code == 401
    api_client.force_authenticate(UserFactory())
    assert api_client.post(URL, {"file": upload(music_wav)}, format="multipart").status_code == 403


def test_a_user_sees_only_their_own_jobs(reviewer_client, operator_client, music_wav):
    response = reviewer_client.post(URL, {"file": upload(music_wav)}, format="multipart")
    job_id = response.json()["job"]["id"]
    assert operator_client.get(f"/api/v1/analysis-jobs/{job_id}/").status_code == 404
    assert operator_client.get("/api/v1/analysis-jobs/").json()["count"] == 0
    assert reviewer_client.get("/api/v1/analysis-jobs/").json()["count"] == 1


def test_one_user_cannot_queue_more_than_the_limit(reviewer_client, operator_client, music_wav, settings):
    settings.AUDIO_ANALYSIS_JOBS_PER_USER = 2
    for _ in range(2):  # queued, not run: the on-commit hand-over never fires in this test
        assert reviewer_client.post(URL, {"file": upload(music_wav)}, format="multipart").status_code == 202
    response = reviewer_client.post(URL, {"file": upload(music_wav)}, format="multipart")
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_jobs"
    assert AnalysisJob.objects.count() == 2
    # Another user is not affected.
    assert operator_client.post(URL, {"file": upload(music_wav)}, format="multipart").status_code == 202


def test_uploads_are_throttled_per_user_with_retry_after(reviewer_client, music_wav, settings, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    settings.AUDIO_ANALYSIS_JOBS_PER_USER = 100
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "audio_analysis": "2/hour"}
    )
    for _ in range(2):
        assert reviewer_client.post(URL, {"file": upload(music_wav)}, format="multipart").status_code == 202
    response = reviewer_client.post(URL, {"file": upload(music_wav)}, format="multipart")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    cache.clear()


def test_listed_in_the_openapi_schema(reviewer_client):
    response = reviewer_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert URL in paths and "202" in paths[URL]["post"]["responses"]
    assert "/api/v1/analysis-jobs/{id}/" in paths


def test_large_upload_streamed_to_disk(reviewer_client, music_wav, settings, django_capture_on_commit_callbacks):
    # Above FILE_UPLOAD_MAX_MEMORY_SIZE Django writes the upload to a temporary file first.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    _, body = analyse(reviewer_client, django_capture_on_commit_callbacks, upload(music_wav))
    assert body["result"]["tempo"] == pytest.approx(124.0, rel=0.02)
    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []


def test_the_sweep_cleans_up_after_killed_processes(settings, private_tempdir, reviewer):
    now = timezone.now()
    lost = AnalysisJob.objects.create(
        filename="a.wav",
        size=3,
        created_by=reviewer,
        status=AnalysisJob.Status.RUNNING,
        started_at=now - timedelta(hours=1),
    )
    lost.upload.save("a.wav", ContentFile(b"abc"))
    live = AnalysisJob.objects.create(
        filename="b.wav", size=3, created_by=reviewer, status=AnalysisJob.Status.RUNNING, started_at=now
    )
    stale_dir = private_tempdir / "noktvrn-analysis-dead"
    stale_dir.mkdir()
    (stale_dir / "x.wav").write_bytes(b"x" * 10)
    fresh_dir = private_tempdir / "noktvrn-analysis-live"
    fresh_dir.mkdir()
    other = private_tempdir / "someone-else"
    other.mkdir()
    stale_upload = Path(settings.FILE_UPLOAD_TEMP_DIR) / "tmpabc.upload.flac"
    stale_upload.write_bytes(b"y")
    old = time.time() - 2 * 3600
    for path in (stale_dir, other, stale_upload):
        os.utime(path, (old, old))

    counts = analysis_jobs_sweep()

    lost.refresh_from_db()
    assert lost.status == AnalysisJob.Status.FAILED and lost.error["reason"] == "worker_lost"
    assert AnalysisJob.objects.get(pk=live.pk).status == AnalysisJob.Status.RUNNING
    assert stored_uploads(settings) == [] and not lost.upload
    assert not stale_dir.exists() and not stale_upload.exists()
    assert fresh_dir.exists() and other.exists()
    assert counts["failed"] == 1 and counts["temp_removed"] == 2


def test_the_time_limit_must_be_shorter_than_the_web_and_worker_timeouts(settings):
    assert check_analysis_time_limit() == []
    settings.AUDIO_ANALYSIS_TIME_LIMIT_SECONDS = 120
    assert [error.id for error in check_analysis_time_limit()] == ["analytics.E001"]
