"""releases/tasks.py: approval enqueues packaging, which queues delivery; duplicates do nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from generation.models import RunStatus
from generation.services.review import run_approve
from releases.models import Delivery, Release, ReleaseAsset
from releases.tasks import package_release
from tests.releases.conftest import song_wav

pytestmark = pytest.mark.django_db


def test_approval_packages_and_delivers_once_even_when_the_job_is_duplicated(
    make_approved_run, reviewer, settings, django_capture_on_commit_callbacks
):
    run = make_approved_run(audio=song_wav(11.0), cover=None)  # no cover on the run: the cover renderer makes one
    run.status = RunStatus.AWAITING_REVIEW
    run.save(update_fields=["status"])

    with django_capture_on_commit_callbacks(execute=True):
        run_approve(run=run, actor=reviewer)

    run.refresh_from_db()
    assert run.status == RunStatus.RELEASED
    release = Release.objects.get(run=run)
    assert release.status == Release.Status.DELIVERED
    assert release.metadata["visuals"]["cover_source"] == "rendered"
    assert release.qc_report["passed"] is True

    # django-q redelivers a job whose worker died: the duplicate changes nothing.
    assert package_release(run.pk) == release.pk
    assert Release.objects.filter(run=run).count() == 1
    assert ReleaseAsset.objects.filter(release=release).count() == 8
    assert Delivery.objects.filter(release=release).count() == 1
    assert [t.to_status for t in run.transitions.all()][-3:] == ["approved", "releasing", "released"]


def test_a_crashed_packaging_fails_the_run_visibly_and_can_be_resumed(
    make_approved_run, settings, django_capture_on_commit_callbacks
):
    from releases.services import release_redeliver

    run = make_approved_run(audio=song_wav(11.0))
    settings.RELEASE_TEASER_FPS = 0  # a broken configuration, found halfway through packaging

    with pytest.raises(ImproperlyConfigured, match="RELEASE_TEASER_FPS"):
        package_release(run.pk)

    release = Release.objects.get(run=run)
    assert release.status == Release.Status.PENDING and release.locked_until is None
    assert release.error.startswith("Packaging crashed:")
    run.refresh_from_db()
    assert run.status == RunStatus.RELEASE_FAILED

    settings.RELEASE_TEASER_FPS = 6
    with django_capture_on_commit_callbacks(execute=True):
        release_redeliver(release=release)

    release.refresh_from_db()
    run.refresh_from_db()
    assert release.status == Release.Status.DELIVERED, release.error
    assert run.status == RunStatus.RELEASED
