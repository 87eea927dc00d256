"""Racing jobs: duplicated package/deliver jobs running at the same moment do the work once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from releases.models import Delivery, Release
from releases.tasks import deliver_release, package_release
from tests.releases.conftest import song_wav


def _race(func, arg, contenders: int) -> list:
    barrier = threading.Barrier(contenders)
    results: list = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(func(arg))
        except Exception as exc:  # noqa: BLE001 - reported to the test as a result
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _needs_shared_database() -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("needs PostgreSQL or a file-backed SQLite database shared by threads")


@pytest.mark.django_db(transaction=True)
def test_racing_delivery_jobs_send_every_file_once(queued_release, settings, upload_endpoint):
    _needs_shared_database()
    settings.DISTRIBUTORS = ["https"]
    release = queued_release()

    results = _race(deliver_release, release.pk, 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Release.objects.get(pk=release.pk).status == Release.Status.DELIVERED
    assert sorted(upload_endpoint.posts) == sorted(set(upload_endpoint.posts))  # nothing sent twice
    assert Delivery.objects.filter(release=release).count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_packaging_jobs_make_one_release(make_approved_run, settings):
    _needs_shared_database()
    run = make_approved_run(audio=song_wav(11.0))

    results = _race(package_release, run.pk, 3)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    release = Release.objects.get(run=run)
    assert release.status == Release.Status.DELIVERED
    assert Delivery.objects.filter(release=release).count() == 1
