"""django-q entry points for artists: take ids, call a service."""

from __future__ import annotations

import logging

from artists.creation import artist_create_from_brief, creation_report_start, creation_reports_recover
from artists.models import CreationReport
from kernel.errors import ApplicationError

logger = logging.getLogger(__name__)


def create_artist_from_brief(report_id: int) -> int | None:
    """Run a queued creation; a finished report (or a redelivered task) returns without redoing it."""
    report = CreationReport.objects.select_related("created_by").filter(pk=report_id).first()
    if report is None:
        logger.warning("Creation report %s no longer exists", report_id)
        return None
    if report.outcome != CreationReport.Outcome.RUNNING or report.artist_id:
        return report.artist_id
    if not creation_report_start(report=report):
        logger.info(
            "Creation report %s is taken by another worker or finished; this copy of the task returns.", report_id
        )
        return None
    options = report.options or {}
    try:
        artist = artist_create_from_brief(
            brief=report.brief,
            genre=options.get("genre"),
            countries=options.get("countries"),
            actor=report.created_by,
            report=report,
        )
    except ApplicationError as exc:
        # The report already says why; a domain failure is not worth a broker retry.
        logger.info("Creation report %s failed: %s", report_id, exc.message)
        return None
    return artist.pk


def recover_creations() -> dict[str, int]:
    """Scheduled with the stuck-run sweep: queued creations no worker finished are handed over again or failed."""
    return creation_reports_recover()
