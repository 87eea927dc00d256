"""Delivery of a packaged release to every configured distributor, idempotently.

- One job at a time per release: `queued -> delivering` is a conditional UPDATE with a
  lock that expires, so a duplicated job does nothing and a crashed one can be taken over.
- Every attempt is a `Delivery` row; every confirmed file a `DeliveredFile` row, written
  the moment the distributor confirms it. A retry skips confirmed files and never re-sends them.
- The completion marker goes out only after every file is confirmed; the release is
  `delivered` only when every distributor's marker is confirmed.
- Failed attempts are retried with exponential backoff, up to RELEASE_DELIVERY_MAX_ATTEMPTS
  per distributor per job; then the release is `delivery_failed` (redeliver to try again).
"""

from __future__ import annotations

import traceback
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from tenacity import RetryCallState, Retrying, retry_if_not_exception_type, stop_after_attempt, wait_exponential

from generation.models import RunStatus
from generation.services.state import InvalidTransition, run_transition
from kernel.errors import ConflictError
from kernel.monitoring import failure_report
from kernel.outbox import outbox_enqueue
from kernel.redaction import redact, redact_data
from releases.distributors import Distributor, Package, PackageFile, get_distributor
from releases.models import DeliveredFile, Delivery, Release, ReleaseAsset
from releases.services.common import logger, release_delivery_enqueue, release_event, release_lock
from releases.services.packaging import PACKAGE_ORDER


def release_package_files(release: Release) -> Package:
    """The package as distributors see it: every asset but the convenience zip, in send order."""
    assets = {asset.kind: asset for asset in release.assets.all() if asset.kind != ReleaseAsset.Kind.ARCHIVE}
    files = [
        PackageFile(
            name=Path(asset.file.name).name,
            kind=asset.kind,
            sha256=asset.sha256,
            size=asset.size,
            open=partial(asset.file.storage.open, asset.file.name, "rb"),
        )
        for kind in PACKAGE_ORDER
        if (asset := assets.get(kind)) is not None
    ]
    return Package(
        release_id=release.pk,
        title=release.title,
        artist=release.artist.name,
        isrc=release.isrc or "",
        upc=release.upc or "",
        # DDEX batch ids are YYYYMMDDhhmmssnnn; derived from the release so retries reuse the batch.
        batch_id=f"{release.created_at:%Y%m%d%H%M%S}{release.pk % 1000:03d}",
        files=files,
    )


def _next_attempt(release: Release, distributor: str) -> int:
    last = Delivery.objects.filter(release=release, distributor=distributor).aggregate(n=Max("attempt"))["n"]
    return (last or 0) + 1


def _attempt(release: Release, distributor: Distributor, package: Package) -> Delivery:
    """One attempt: send what is not yet confirmed, then the marker. Raises when anything fails."""
    name = distributor.name
    delivery = Delivery.objects.create(release=release, distributor=name, attempt=_next_attempt(release, name))
    confirmed = {row.name: row for row in DeliveredFile.objects.filter(release=release, distributor=name)}
    sent: list[str] = []
    skipped: list[str] = []
    notes: dict = {}
    try:
        with distributor.open(package) as session:
            for file in package.files:
                prior = confirmed.get(file.name)
                if prior is not None and prior.sha256 == file.sha256:
                    skipped.append(file.name)
                    continue
                ref = session.send_file(file)
                DeliveredFile.objects.update_or_create(
                    release=release,
                    distributor=name,
                    name=file.name,
                    defaults={"sha256": file.sha256, "size": file.size, "remote_ref": ref[:500], "delivery": delivery},
                )
                sent.append(file.name)
            refs = dict(
                DeliveredFile.objects.filter(release=release, distributor=name, is_marker=False).values_list(
                    "name", "remote_ref"
                )
            )
            missing = [f.name for f in package.files if f.name not in refs]
            if missing:  # cannot happen unless rows were deleted under us; never send a marker then
                raise ConflictError(f"Files not confirmed by {name}: {', '.join(missing)}.")
            marker = distributor.marker(package, refs)
            marker_ref = session.send_marker(marker)
            DeliveredFile.objects.update_or_create(
                release=release,
                distributor=name,
                name=marker.name,
                defaults={
                    "sha256": marker.sha256,
                    "size": len(marker.body),
                    "remote_ref": marker_ref[:500],
                    "delivery": delivery,
                    "is_marker": True,
                },
            )
            notes = {**session.notes, "marker": marker.name, "marker_ref": marker_ref}
    except Exception as exc:
        delivery.status = Delivery.Status.FAILED
        delivery.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
        delivery.response = {"sent": sent, "skipped": skipped}
        raise
    else:
        delivery.status = Delivery.Status.SUCCEEDED
        delivery.response = {"sent": sent, "skipped": skipped, **notes}
    finally:
        delivery.finished_at = timezone.now()
        # A transport error can quote a URL or header with the distributor's credentials.
        delivery.error, delivery.response = redact(delivery.error), redact_data(delivery.response)
        delivery.save(update_fields=["status", "error", "response", "finished_at"])
    return delivery


def _record_backoff(release: Release, name: str):
    """tenacity `before_sleep`: note on the failed attempt how long we wait before the next one."""

    def before_sleep(state: RetryCallState) -> None:
        failed = Delivery.objects.filter(release=release, distributor=name).order_by("-attempt").first()
        if failed is not None and state.next_action is not None:
            failed.response = {**failed.response, "retry_in_seconds": round(float(state.next_action.sleep), 3)}
            failed.save(update_fields=["response"])

    return before_sleep


def _deliver_to(release: Release, name: str, package: Package) -> str:
    """Deliver to one distributor with bounded retries; return "" or the last error."""
    if DeliveredFile.objects.filter(release=release, distributor=name, is_marker=True).exists():
        return ""  # complete on an earlier job
    try:
        distributor = get_distributor(name)
    except ImproperlyConfigured as exc:
        Delivery.objects.create(
            release=release,
            distributor=name,
            attempt=_next_attempt(release, name),
            status=Delivery.Status.FAILED,
            error=redact(str(exc)),
            finished_at=timezone.now(),
        )
        failure_report(source="delivery", scope=name, exc=exc, subject=release)
        return f"{name}: {exc}"
    retrying = Retrying(
        stop=stop_after_attempt(max(1, settings.RELEASE_DELIVERY_MAX_ATTEMPTS)),
        wait=wait_exponential(
            multiplier=settings.RELEASE_DELIVERY_BACKOFF_SECONDS, max=settings.RELEASE_DELIVERY_BACKOFF_MAX_SECONDS
        ),
        retry=retry_if_not_exception_type(ImproperlyConfigured),
        before_sleep=_record_backoff(release, name),
        reraise=True,
    )
    try:
        retrying(_attempt, release, distributor, package)
    except Exception as exc:  # every failure is already recorded on its Delivery row
        logger.warning("release %s: delivery to %s failed for good: %s", release.pk, name, exc)
        failure_report(source="delivery", scope=name, exc=exc, subject=release)
        return f"{name}: {type(exc).__name__}: {exc}"
    return ""


def release_deliver(*, release: Release) -> Release:
    """Deliver a queued release to every distributor in DISTRIBUTORS; a no-op when another job holds it."""
    if not release_lock(
        release=release,
        statuses=[Release.Status.QUEUED, Release.Status.DELIVERING],
        to_status=Release.Status.DELIVERING,
    ):
        release.refresh_from_db()
        logger.info("release %s is %s (or held by another job); nothing to deliver", release.pk, release.status)
        return release
    # We hold the lock, so an attempt still "running" belongs to a job that died mid-way.
    Delivery.objects.filter(release=release, status=Delivery.Status.RUNNING).update(
        status=Delivery.Status.FAILED,
        error="The job making this attempt stopped before finishing (worker killed or timed out).",
        finished_at=timezone.now(),
    )
    try:
        package = release_package_files(release)
        problem = ""
        if not settings.DISTRIBUTORS:
            problem = "DISTRIBUTORS is empty: there is nowhere to deliver to."
        elif not package.files:
            problem = f"Release {release.pk} has no packaged files to deliver."
        if problem:
            errors = [problem]
            failure_report(
                source="delivery", scope="release", exception_type="NothingToDeliver", message=problem, subject=release
            )
        else:  # each distributor's failure is reported by _deliver_to
            errors = [error for name in settings.DISTRIBUTORS if (error := _deliver_to(release, name, package))]
    except Exception as exc:
        errors = [f"{type(exc).__name__}: {exc}"]
        failure_report(source="delivery", scope="release", exc=exc, subject=release)
        _finish(release, errors)
        raise
    return _finish(release, errors)


def _finish(release: Release, errors: list[str]) -> Release:
    delivered = not errors
    now = timezone.now()
    release.status = Release.Status.DELIVERED if delivered else Release.Status.DELIVERY_FAILED
    release.error = "; ".join(errors)
    release.delivered_at = now if delivered else None
    release.locked_until = None
    with transaction.atomic():
        release.save(update_fields=["status", "error", "delivered_at", "locked_until", "updated_at"])
        try:
            run_transition(
                run=release.run_id,
                from_status=RunStatus.RELEASING,
                to_status=RunStatus.RELEASED if delivered else RunStatus.RELEASE_FAILED,
                reason="delivered" if delivered else release.error[:500],
            )
        except InvalidTransition:
            logger.warning("release %s finished delivery but its run %s was not releasing", release.pk, release.run_id)
    payload = {
        "release": release.pk,
        "run": release.run_id,
        "distributors": list(settings.DISTRIBUTORS),
        "upc": release.upc,
        "isrc": release.isrc,
    }
    if delivered:
        release_event("release.delivered", payload, key=f"release-{release.pk}-delivered")
    else:
        attempts = release.deliveries.count()
        release_event(
            "release.failed",
            {**payload, "stage": "delivery", "reason": release.error},
            key=f"release-{release.pk}-delivery-failed-{attempts}",
        )
    return release


REDELIVERABLE = {Release.Status.DELIVERY_FAILED, Release.Status.QUEUED, Release.Status.DELIVERING}


def release_redeliver_refusal(release: Release, *, now=None) -> str | None:
    """Why `release` cannot be delivered again now, or None when it can: the one rule for pages and API."""
    now = now or timezone.now()
    held = bool(release.locked_until and release.locked_until > now)
    if release.status == Release.Status.PENDING and not held:
        return None  # packaging crashed: redeliver resumes it
    held = held and release.status == Release.Status.DELIVERING
    if release.status not in REDELIVERABLE or held:
        return (
            f"Release {release.pk} is {release.status}"
            + (" and a delivery job is running" if held else "")
            + "; only a failed or queued delivery can be sent again."
        )
    return None


def release_can_redeliver(release: Release) -> bool:
    return release_redeliver_refusal(release) is None


def release_redeliver(*, release: Release, actor=None) -> Release:
    """Queue a failed (or stuck) delivery again; confirmed files are not sent twice.

    A release whose packaging crashed (still `pending`, lock expired) gets its packaging
    job queued again instead, which resumes it and then delivers.
    """
    now = timezone.now()
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        refusal = release_redeliver_refusal(release, now=now)
        if refusal:
            raise ConflictError(refusal, {"release": release.pk, "status": release.status})
        if release.status == Release.Status.PENDING:
            release_packaging_enqueue(run_id=release.run_id)
            return release
        if release.status == Release.Status.DELIVERY_FAILED:
            run_transition(
                run=release.run_id,
                from_status=RunStatus.RELEASE_FAILED,
                to_status=RunStatus.RELEASING,
                actor=actor,
                reason="redeliver",
            )
        release.status = Release.Status.QUEUED
        release.locked_until = None
        release.error = ""
        release.save(update_fields=["status", "locked_until", "error", "updated_at"])
        release_delivery_enqueue(release_id=release.pk)
    return release


def release_packaging_enqueue(*, run_id: int) -> None:
    """Hand the packaging job over through the outbox (the same key the approval uses)."""
    key = f"package-release-{run_id}"
    outbox_enqueue(task="releases.tasks.package_release", args=[run_id], task_name=key, key=key)
