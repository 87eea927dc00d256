"""S3-compatible media (django-storages + boto3) against a local moto server: a whole run and its
release are stored in the bucket, and /media/ answers with a short-lived signed URL."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from moto.server import ThreadedMotoServer

from generation.models import GenerationRun, RunStatus
from generation.services.pipeline import batch_start
from generation.services.review import run_approve
from noktvrn.settings.base import s3_storage
from releases.models import Release
from tests.generation.test_services_pipeline import short_artist

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

BUCKET = "noktvrn-test-media"


@pytest.fixture(scope="module")
def s3_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_media(s3_server, settings, monkeypatch):
    client = boto3.client(
        "s3", endpoint_url=s3_server, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    client.create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_QUERYSTRING_EXPIRE", "300")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(bucket=BUCKET, endpoint_url=s3_server, region="us-east-1"),
    }
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in objects:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_a_whole_run_and_its_release_live_in_s3_and_media_is_served_by_signed_urls(
    s3_media, settings, reviewer, client, django_capture_on_commit_callbacks
):
    settings.LOCAL_VIDEO_LONG_SIDE = 320
    settings.LOCAL_VIDEO_FPS = 8
    assert not isinstance(default_storage, FileSystemStorage)
    short_artist()
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_start(size=1)
    run = GenerationRun.objects.select_related("track", "video").get(batch=batch)
    assert run.status == RunStatus.AWAITING_REVIEW, run.error

    with django_capture_on_commit_callbacks(execute=True):
        run_approve(run=run, actor=reviewer)
    run.refresh_from_db()
    release = Release.objects.get(run=run)
    assert run.status == RunStatus.RELEASED and release.status == Release.Status.DELIVERED, release.error

    keys = {item["Key"] for item in s3_media.list_objects_v2(Bucket=BUCKET)["Contents"]}
    stored = [run.track.audio.name, run.video.file.name, run.cover.name]
    stored += [asset.file.name for asset in release.assets.all()]
    assert set(stored) <= keys, set(stored) - keys

    client.force_login(reviewer)
    response = client.get(f"/media/{run.track.audio.name}")
    assert response.status_code == 302
    signed = response["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert signed.startswith(settings.STORAGES["default"]["OPTIONS"]["endpoint_url"])
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["300"]
    fetched = httpx.get(signed, timeout=10)
    assert fetched.status_code == 200 and fetched.content == run.track.audio.open("rb").read()
    # moto does not enforce signatures, so their checking is S3's (or MinIO's) to prove, not this test's.
    release_file = client.get(f"/media/{release.assets.first().file.name}")
    assert release_file.status_code == 302  # a reviewer may read release files too (noktvrn/media.py)
