"""releases/services/delivery.py against real local servers: SFTP, HTTPS upload, Kubo, pinning."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import paramiko
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from generation.models import RunStatus
from releases.distributors import get_distributor
from releases.models import DeliveredFile, Delivery, Release
from releases.services import release_deliver, release_package_files, release_redeliver
from releases.tasks import deliver_release
from tests.releases.servers import cid_v1_raw

pytestmark = pytest.mark.django_db


def _asset_bytes(release: Release) -> dict[str, bytes]:
    out = {}
    for file in release_package_files(release).files:
        with file.open() as stream:
            out[file.name] = stream.read()
    return out


def test_outbox_writes_a_complete_folder_and_zip(queued_release, settings):
    release = queued_release()

    release = release_deliver(release=release)

    assert release.status == Release.Status.DELIVERED and release.delivered_at is not None
    folder = Path(settings.RELEASE_OUTBOX_DIR) / f"{release.upc}_{release.isrc}"
    expected = _asset_bytes(release)
    for name, data in expected.items():
        assert (folder / name).read_bytes() == data
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {
        n: hashlib.sha256(d).hexdigest() for n, d in expected.items()
    }
    with zipfile.ZipFile(folder.with_suffix(".zip")) as zf:
        assert sorted(Path(n).name for n in zf.namelist()) == sorted([*expected, "manifest.json"])
    assert not list(folder.glob("*.part"))
    release.run.refresh_from_db()
    assert release.run.status == RunStatus.RELEASED


def test_sftp_delivery_to_a_real_server_uploads_files_then_the_marker(queued_release, settings, sftp_server):
    settings.DISTRIBUTORS = ["sftp"]
    release = queued_release()

    release = release_deliver(release=release)

    assert release.status == Release.Status.DELIVERED, release.error
    package = release_package_files(release)
    release_dir = sftp_server.root / "incoming" / package.batch_id / release.upc
    for name, data in _asset_bytes(release).items():
        assert (release_dir / name).read_bytes() == data
    marker = sftp_server.root / "incoming" / package.batch_id / f"BatchComplete_{package.batch_id}.xml"
    assert f'upc="{release.upc}"' in marker.read_text()
    # The marker landed last, after every file had been renamed into place.
    assert sftp_server.uploads[-1].endswith(f"BatchComplete_{package.batch_id}.xml")
    assert len(sftp_server.uploads) == len(package.files) + 1
    assert not list(release_dir.glob("*.part"))
    delivery = Delivery.objects.get(release=release, distributor="sftp")
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempt == 1


def test_sftp_refuses_an_unknown_host_key(queued_release, settings, sftp_server, tmp_path):
    settings.DISTRIBUTORS = ["sftp"]
    settings.RELEASE_DELIVERY_MAX_ATTEMPTS = 1
    impostor = paramiko.ECDSAKey.generate()
    other = tmp_path / "other_known_hosts"
    other.write_text(f"[127.0.0.1]:{sftp_server.port} {impostor.get_name()} {impostor.get_base64()}\n")
    settings.RELEASE_SFTP_KNOWN_HOSTS = str(other)

    release = release_deliver(release=queued_release())

    assert release.status == Release.Status.DELIVERY_FAILED
    assert "BadHostKeyException" in release.error
    assert not sftp_server.uploads


def test_https_delivery_posts_every_file_with_the_bearer_token(queued_release, settings, upload_endpoint):
    settings.DISTRIBUTORS = ["https"]
    release = queued_release()

    release = release_deliver(release=release)

    assert release.status == Release.Status.DELIVERED, release.error
    expected = _asset_bytes(release)
    assert {k: v for k, v in upload_endpoint.stored.items() if k != "manifest.json"} == expected
    assert upload_endpoint.posts[-1] == "manifest.json" and upload_endpoint.completed
    refs = dict(DeliveredFile.objects.filter(release=release, distributor="https").values_list("name", "remote_ref"))
    assert set(refs) == {*expected, "manifest.json"} and all(r.startswith("up-") for r in refs.values())


def test_ipfs_add_stores_the_cids_and_pins_them(queued_release, settings, kubo, pinning_service):
    settings.DISTRIBUTORS = ["ipfs"]
    release = queued_release()

    release = release_deliver(release=release)

    assert release.status == Release.Status.DELIVERED, release.error
    expected = _asset_bytes(release)
    rows = {row.name: row for row in DeliveredFile.objects.filter(release=release, distributor="ipfs")}
    for name, data in expected.items():
        assert rows[name].remote_ref == cid_v1_raw(data)
        assert kubo.added[rows[name].remote_ref] == data
    marker = rows["manifest.json"]
    assert marker.is_marker
    manifest = json.loads(kubo.added[marker.remote_ref])
    assert {f["name"]: f["ref"] for f in manifest["files"]} == {n: rows[n].remote_ref for n in expected}
    assert set(pinning_service.pins) == {row.remote_ref for row in rows.values()}
    assert all("cid-version=1" in p and "pin=true" in p for p in kubo.params)
    delivery = Delivery.objects.get(release=release, distributor="ipfs")
    assert delivery.response["cid"] == marker.remote_ref


def test_a_failing_distributor_is_retried_with_backoff_then_marked_failed(queued_release, settings, upload_endpoint):
    settings.DISTRIBUTORS = ["https"]
    settings.RELEASE_DELIVERY_MAX_ATTEMPTS = 3
    settings.RELEASE_DELIVERY_BACKOFF_SECONDS = 0.01
    upload_endpoint.fail["*"] = 100
    release = queued_release()

    release = release_deliver(release=release)

    assert release.status == Release.Status.DELIVERY_FAILED
    assert "503" in release.error
    attempts = list(Delivery.objects.filter(release=release).order_by("attempt"))
    assert [(a.attempt, a.status) for a in attempts] == [(n, Delivery.Status.FAILED) for n in (1, 2, 3)]
    waits = [a.response.get("retry_in_seconds") for a in attempts]
    assert waits[0] < waits[1] and waits[2] is None  # exponential backoff; no wait after the last attempt
    assert not DeliveredFile.objects.filter(release=release).exists()
    release.run.refresh_from_db()
    assert release.run.status == RunStatus.RELEASE_FAILED


def test_nothing_half_delivered_is_marked_delivered_and_a_retry_never_resends(
    queued_release, settings, upload_endpoint
):
    settings.DISTRIBUTORS = ["outbox", "https"]
    settings.RELEASE_DELIVERY_MAX_ATTEMPTS = 2
    release = queued_release()
    names = [f.name for f in release_package_files(release).files]
    upload_endpoint.fail[names[2]] = 100  # the third file never gets through

    release = release_deliver(release=release)

    assert release.status == Release.Status.DELIVERY_FAILED
    confirmed = set(DeliveredFile.objects.filter(release=release, distributor="https").values_list("name", flat=True))
    assert confirmed == set(names[:2])  # the first two, and no marker
    assert not upload_endpoint.completed
    assert DeliveredFile.objects.filter(release=release, distributor="outbox", is_marker=True).exists()

    upload_endpoint.fail.clear()
    upload_endpoint.posts.clear()
    release_redeliver(release=release)
    release.refresh_from_db()
    assert release.status == Release.Status.QUEUED
    release = release_deliver(release=release)

    assert release.status == Release.Status.DELIVERED, release.error
    assert upload_endpoint.posts == [*names[2:], "manifest.json"]  # confirmed files were not sent again
    last = Delivery.objects.filter(release=release, distributor="https").order_by("-attempt").first()
    assert last.response["skipped"] == names[:2]
    # The outbox had finished: no new attempt there.
    assert Delivery.objects.filter(release=release, distributor="outbox").count() == 1
    release.run.refresh_from_db()
    assert release.run.status == RunStatus.RELEASED


def test_a_duplicated_job_delivers_once(queued_release, settings, upload_endpoint):
    settings.DISTRIBUTORS = ["https"]
    release = queued_release()

    assert deliver_release(release.pk) == Release.Status.DELIVERED
    assert deliver_release(release.pk) == Release.Status.DELIVERED

    assert upload_endpoint.posts.count("manifest.json") == 1
    assert len(upload_endpoint.posts) == len(release_package_files(release).files) + 1
    assert Delivery.objects.filter(release=release).count() == 1


def test_a_job_does_not_touch_a_release_another_job_holds(queued_release, settings, upload_endpoint):
    settings.DISTRIBUTORS = ["https"]
    release = queued_release()
    Release.objects.filter(pk=release.pk).update(
        status=Release.Status.DELIVERING, locked_until=timezone.now() + timedelta(minutes=5)
    )

    assert deliver_release(release.pk) == Release.Status.DELIVERING
    assert upload_endpoint.posts == []

    # A crashed holder's lock expires; the next job takes over and closes the dead attempt.
    dead = Delivery.objects.create(release=release, distributor="https", attempt=1)
    Release.objects.filter(pk=release.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert deliver_release(release.pk) == Release.Status.DELIVERED
    dead.refresh_from_db()
    assert dead.status == Delivery.Status.FAILED and "stopped before finishing" in dead.error
    assert Delivery.objects.get(release=release, attempt=2).status == Delivery.Status.SUCCEEDED


def test_a_missing_credential_names_the_variable(queued_release, settings):
    settings.DISTRIBUTORS = ["https"]
    settings.RELEASE_HTTPS_URL = ""
    with pytest.raises(ImproperlyConfigured, match="RELEASE_HTTPS_URL"):
        get_distributor("https")

    release = release_deliver(release=queued_release())

    assert release.status == Release.Status.DELIVERY_FAILED
    assert "RELEASE_HTTPS_URL" in release.error
    assert Delivery.objects.get(release=release).status == Delivery.Status.FAILED


def test_no_distributor_means_not_delivered(queued_release, settings):
    settings.DISTRIBUTORS = []
    release = release_deliver(release=queued_release())
    assert release.status == Release.Status.DELIVERY_FAILED
    assert "DISTRIBUTORS is empty" in release.error


def test_a_release_without_files_is_not_delivered():
    from tests.factories import ReleaseFactory

    release = release_deliver(release=ReleaseFactory(status=Release.Status.QUEUED))
    assert release.status == Release.Status.DELIVERY_FAILED
    assert "no packaged files" in release.error


def test_redeliver_refuses_a_delivered_release(queued_release):
    from kernel.errors import ConflictError

    release = release_deliver(release=queued_release())
    with pytest.raises(ConflictError, match="only a failed or queued delivery"):
        release_redeliver(release=release)
