"""django-q entry points: ids in, one service call, nothing else."""

from __future__ import annotations

import logging

from releases.models import Release
from releases.services import release_deliver, release_package
from releases.services.packaging import ReleaseNotAllowed

logger = logging.getLogger(__name__)


def package_release(run_id: int) -> int | None:
    """Enqueued on approval: package and check the run's release (which hands over its delivery).

    A job for a run that is no longer approved (its approval was undone while the job waited)
    does nothing: the run is back in the review queue, and a new approval queues a new job.
    """
    try:
        release = release_package(run=run_id)
    except ReleaseNotAllowed as exc:
        logger.info("package_release: %s Nothing to do.", exc.message)
        return None
    return release.pk


def deliver_release(release_id: int) -> str:
    """Deliver a queued release; a duplicate of a running or finished job does nothing."""
    release = Release.objects.select_related("artist").get(pk=release_id)
    return release_deliver(release=release).status
