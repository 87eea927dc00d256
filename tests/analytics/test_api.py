"""POST /api/v1/tracks/analyze/: multipart upload, limits, permissions."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import UserFactory

URL = "/api/v1/tracks/analyze/"
pytestmark = pytest.mark.django_db


def upload(path, name=None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="audio/wav")


def test_reviewer_gets_the_features(reviewer_client, music_wav):
    response = reviewer_client.post(URL, {"file": upload(music_wav)}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["filename"] == music_wav.name
    assert body["tempo"] == pytest.approx(124.0, rel=0.02)
    assert (body["key"], body["mode"]) == ("A", "minor")
    assert body["sections"] and "path" not in body


def test_not_audio_is_422(reviewer_client, tmp_path):
    text = tmp_path / "readme.wav"
    text.write_text("hello")
    response = reviewer_client.post(URL, {"file": upload(text)}, format="multipart")
    assert response.status_code == 422
    assert response.json()["code"] == "bad_audio" and response.json()["extra"]["reason"] == "unreadable"


def test_missing_file_is_400_naming_the_field(reviewer_client):
    response = reviewer_client.post(URL, {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_upload_over_the_limit_is_413(reviewer_client, music_wav, settings):
    settings.AUDIO_ANALYSIS_MAX_UPLOAD_BYTES = 10_000
    response = reviewer_client.post(URL, {"file": upload(music_wav)}, format="multipart")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_anonymous_401_and_no_permission_403(api_client, music_wav):
    assert api_client.post(URL, {"file": upload(music_wav)}, format="multipart").status_code == 401
    api_client.force_authenticate(UserFactory())
    assert api_client.post(URL, {"file": upload(music_wav)}, format="multipart").status_code == 403


def test_listed_in_the_openapi_schema(reviewer_client):
    response = reviewer_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert URL in response.json()["paths"]


def test_large_upload_streamed_to_disk(reviewer_client, music_wav, settings):
    # Above FILE_UPLOAD_MAX_MEMORY_SIZE Django writes the upload to a temporary file first.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = reviewer_client.post(URL, {"file": upload(music_wav)}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["tempo"] == pytest.approx(124.0, rel=0.02)
