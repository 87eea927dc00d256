"""django-q entry points: ids in, one service call, nothing else."""

from __future__ import annotations

from django_q.tasks import async_task

from releases.models import Release
from releases.services import release_deliver, release_package


def package_release(run_id: int) -> int:
    """Enqueued on approval: package and check the run's release, then queue its delivery."""
    release = release_package(run=run_id)
    if release.status == Release.Status.QUEUED:
        async_task("releases.tasks.deliver_release", release.pk, task_name=f"deliver-release-{release.pk}")
    return release.pk


def deliver_release(release_id: int) -> str:
    """Deliver a queued release; a duplicate of a running or finished job does nothing."""
    release = Release.objects.select_related("artist").get(pk=release_id)
    return release_deliver(release=release).status
