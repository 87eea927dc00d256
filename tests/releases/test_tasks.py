"""releases/tasks.py: approval enqueues packaging, which queues delivery; duplicates do nothing."""

from __future__ import annotations

import pytest

from generation.models import RunStatus
from generation.services.review import run_approve
from releases.models import Delivery, Release, ReleaseAsset
from releases.tasks import package_release

pytestmark = pytest.mark.django_db


def test_approval_packages_and_delivers_once_even_when_the_job_is_duplicated(
    make_approved_run, reviewer, settings, django_capture_on_commit_callbacks
):
    run = make_approved_run(cover=None)  # no cover on the run: the cover renderer makes one
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
