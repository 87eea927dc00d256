"""The batch pipeline: start a batch, run each stage of each run, record everything.

A stage runs as its own django-q task and enqueues the next one after its transaction
commits. A stage is claimed by inserting its `RunStage` row (unique per run, stage and
attempt), so a task delivered twice runs once; a stage that already succeeded is skipped;
a stage whose worker died is noticed by `runs_recover_stuck` and tried again or failed.
"""

from __future__ import annotations

import logging
import random
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from artists.models import Artist
from generation.models import Batch, Channel, GenerationRun, RunStage, RunStatus
from generation.services.music import StageWaiting, track_check
from generation.services.review import release_handover_key, run_release_enqueue
from generation.services.selection import artists_select
from generation.services.stages import STAGE_FUNCTIONS, generate_track, select_video
from generation.services.state import InvalidTransition, run_transition
from generation.services.video import video_check
from kernel.errors import ApplicationError, NotFoundError
from kernel.logs import log_context
from kernel.monitoring import batch_blockers, failure_report
from kernel.outbox import outbox_enqueue, outbox_handed_over
from kernel.redaction import redact

logger = logging.getLogger(__name__)

Stage = RunStage.Name
STAGE_ORDER: tuple[str, ...] = (
    Stage.ADAPT_PARAMETERS,
    Stage.WRITE_PROMPTS,
    Stage.GENERATE_TRACK,
    Stage.ANALYSE_AUDIO,
    Stage.SELECT_VIDEO,
    Stage.MAKE_COVER,
    Stage.NOTIFY_REVIEWERS,
)
# After this stage the run's artifacts are complete and it goes to review.
LAST_MAKING_STAGE = Stage.MAKE_COVER
STAGE_TASK = "generation.tasks.run_stage"


class StageOutcome:
    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"
    BUSY = "busy"
    FAILED = "failed"
    WAITING = "waiting"


def is_transient(exc: BaseException) -> bool:
    """Errors worth trying the stage again for: network trouble, busy database, vendor hiccups."""
    if isinstance(exc, ApplicationError):
        return bool(exc.extra.get("transient"))
    return isinstance(exc, (httpx.TransportError, OperationalError, TimeoutError, ConnectionError))


def next_stage(stage: str) -> str | None:
    index = STAGE_ORDER.index(stage)
    return STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None


def stage_enqueue(*, run_id: int, stage: str) -> None:
    """Hand a stage to the workers through the outbox, in the caller's transaction.

    It reaches the broker once the transaction commits (never before its data exists),
    or later through the outbox sweep when the broker is down.
    """
    key = f"run-{run_id}-{stage}"
    outbox_enqueue(task=STAGE_TASK, args=[run_id, stage], task_name=key, key=key)


def batch_start(
    *,
    size: int | None = None,
    artist_slug: str | None = None,
    channel: str = Channel.SYSTEM,
    actor: AbstractBaseUser | None = None,
    enqueue: bool = True,
) -> Batch:
    """Create a batch of pending runs for the selected artists and queue their first stage."""
    size = settings.BATCH_SIZE if size is None else size
    if size < 1 or size > 100:
        raise ApplicationError("A batch has between 1 and 100 runs.", {"size": size})
    artists = artists_select(size=size, artist_slug=artist_slug)
    now = timezone.now()
    with transaction.atomic():
        batch = Batch.objects.create(
            size=size,
            channel=channel,
            requested_by=actor if actor is not None and actor.is_authenticated else None,
            notes="" if artists else "No artist could take a run (all paused, retired or at their daily cap).",
        )
        rng = random.SystemRandom()
        for artist in artists:
            run = GenerationRun.objects.create(batch=batch, artist=artist, seed=rng.randrange(2**31))
            RunStage.objects.create(
                run=run,
                name=Stage.SELECT_ARTIST,
                outcome=RunStage.Outcome.SUCCEEDED,
                started_at=now,
                finished_at=now,
                duration_ms=0,
            )
            if enqueue:
                stage_enqueue(run_id=run.pk, stage=STAGE_ORDER[0])
        Artist.objects.filter(pk__in={artist.pk for artist in artists}).update(last_run_at=now)
        if not artists:
            batch.status = Batch.Status.FINISHED
            batch.finished_at = now
            batch.save(update_fields=["status", "finished_at"])
    return batch


def batch_start_scheduled(*, size: int | None = None) -> Batch:
    """The scheduler's cycle: a batch, or a skipped one saying why (a critical provider is down).

    The gates (kernel.monitoring.batch_blockers) are asked at every cycle, so the batches resume
    on the first cycle after the provider recovers.
    """
    reasons = batch_blockers()
    if reasons:
        now = timezone.now()
        note = "Skipped: " + "; ".join(reasons)
        logger.warning("Scheduled batch skipped: %s", "; ".join(reasons))
        return Batch.objects.create(
            size=settings.BATCH_SIZE if size is None else size,
            status=Batch.Status.SKIPPED,
            channel=Channel.SYSTEM,
            notes=note[:5000],
            finished_at=now,
        )
    return batch_start(size=size)


# An attempt still in these outcomes may be finished; a finished one is never rewritten.
_OPEN_OUTCOMES = (RunStage.Outcome.RUNNING, RunStage.Outcome.WAITING)


def _save_if_open(record: RunStage, fields: tuple[str, ...], dropped: str) -> bool:
    """Write `fields` of an attempt only while it is still running or waiting; False otherwise.

    A worker slower than the stage time limit is taken for lost: its attempt is failed and a
    new one starts. When the slow worker then comes back, what it brings (a result, a vendor
    job) must not land beside the new attempt's (two successes, two chains)."""
    try:
        with transaction.atomic():
            written = RunStage.objects.filter(pk=record.pk, outcome__in=_OPEN_OUTCOMES).update(
                **{field: getattr(record, field) for field in fields}
            )
    except IntegrityError:  # run_stage_one_success: another attempt of the stage succeeded first
        RunStage.objects.filter(pk=record.pk, outcome__in=_OPEN_OUTCOMES).update(
            outcome=RunStage.Outcome.SKIPPED, finished_at=timezone.now(), error="Another attempt succeeded first."
        )
        written = 0
    if not written:
        logger.warning(
            "Run %s stage %s attempt %s had already ended (taken for lost, or superseded); %s is dropped.",
            record.run_id,
            record.name,
            record.attempt,
            dropped,
        )
        record.refresh_from_db()
    return bool(written)


def _finish(record: RunStage, outcome: str, exc: BaseException | None = None) -> bool:
    """Record how an attempt ended; False when it had already ended (see `_save_if_open`)."""
    record.outcome = outcome
    record.finished_at = timezone.now()
    record.duration_ms = int((record.finished_at - record.started_at).total_seconds() * 1000)
    if exc is not None:
        # Vendor errors quote request URLs (Pixabay's key=, the Telegram bot token): masked.
        record.error = redact(f"{type(exc).__name__}: {exc}")[:5000]
        record.traceback = redact("".join(traceback.format_exception(exc)))[-20000:]
    fields = ("outcome", "finished_at", "duration_ms", "error", "traceback")
    return _save_if_open(record, fields, f"its late {outcome}")


def _wait(record: RunStage, waiting: StageWaiting) -> bool:
    """The stage handed its work to a vendor: keep the job id, end the task, check back later.
    False when the attempt had already ended (see `_save_if_open`)."""
    record.outcome = RunStage.Outcome.WAITING
    record.vendor = waiting.vendor
    record.vendor_job_id = waiting.job_id[:200]
    record.providers = waiting.providers
    record.next_check_at = timezone.now() + timedelta(seconds=settings.VENDOR_FIRST_CHECK_SECONDS)
    record.check_leased_until = None  # a check that handed the job to the next provider is over
    fields = ("outcome", "vendor", "vendor_job_id", "providers", "next_check_at", "check_leased_until")
    if not _save_if_open(record, fields, f"its {waiting.vendor} job {waiting.job_id}"):
        return False
    logger.info("Run %s %s waits on %s job %s", record.run_id, record.name, waiting.vendor, waiting.job_id)
    return True


def _claim(run: GenerationRun, stage: str, attempt: int) -> RunStage | None:
    try:
        with transaction.atomic():
            return RunStage.objects.create(run=run, name=stage, attempt=attempt, started_at=timezone.now())
    except IntegrityError:
        return None  # another worker claimed this attempt first


def _fail_run(run: GenerationRun, reason: str) -> None:
    try:
        run_transition(run=run.pk, from_status=run.status, to_status=RunStatus.FAILED, reason=reason)
    except InvalidTransition:
        return
    GenerationRun.objects.filter(pk=run.pk).update(error=reason[:5000])
    _batch_maybe_finish(run.batch_id)


def _batch_maybe_finish(batch_id: int | None) -> None:
    if batch_id is None:
        return
    open_statuses = (RunStatus.PENDING, RunStatus.GENERATING)
    if not GenerationRun.objects.filter(batch_id=batch_id, status__in=open_statuses).exists():
        Batch.objects.filter(pk=batch_id, status=Batch.Status.RUNNING).update(
            status=Batch.Status.FINISHED, finished_at=timezone.now()
        )


def stage_execute(*, run_id: int, stage: str, chain: bool = True, sleep: Callable[[float], None] | None = None) -> str:
    """Run one stage of one run with retries; on success queue the next stage when `chain`."""
    with log_context(run_id=run_id):
        return _stage_execute(run_id=run_id, stage=stage, chain=chain, sleep=sleep)


def _stage_execute(*, run_id: int, stage: str, chain: bool, sleep: Callable[[float], None] | None) -> str:
    if stage not in STAGE_FUNCTIONS:
        raise ApplicationError(f"Unknown stage {stage!r}.")
    run = GenerationRun.objects.select_related("artist").filter(pk=run_id).first()
    if run is None:
        raise NotFoundError(f"Run {run_id} does not exist.")
    allowed = (
        (RunStatus.AWAITING_REVIEW,) if stage == Stage.NOTIFY_REVIEWERS else (RunStatus.PENDING, RunStatus.GENERATING)
    )
    if run.status not in allowed:
        logger.info("Run %s is %s; stage %s has nothing to do.", run_id, run.status, stage)
        return StageOutcome.SKIPPED
    # One read of the stage's attempts, decided on as a whole: copies of this task run at once
    # (a sweep re-queues what is merely queued), and separate reads would let one copy see no
    # success, then the winner's finished attempt and no running one, and start attempt 2.
    stages = RunStage.objects.filter(run=run, name=stage)
    attempts = list(stages)
    outcomes = {attempt.outcome for attempt in attempts}
    if RunStage.Outcome.SUCCEEDED in outcomes:
        return StageOutcome.SKIPPED
    if RunStage.Outcome.WAITING in outcomes:
        return StageOutcome.WAITING  # a vendor has the job; its check or callback resumes the run
    lost_before = timezone.now() - timedelta(seconds=settings.STAGE_TIME_LIMIT_SECONDS)
    running = [attempt for attempt in attempts if attempt.outcome == RunStage.Outcome.RUNNING]
    if any(attempt.started_at > lost_before for attempt in running):
        return StageOutcome.BUSY
    ended_meanwhile = [
        not _finish(lost, RunStage.Outcome.FAILED, TimeoutError("no result within the stage time limit (worker lost)"))
        for lost in running
    ]
    if any(ended_meanwhile) and stages.filter(outcome=RunStage.Outcome.SUCCEEDED).exists():
        return StageOutcome.SKIPPED  # the slow attempt committed its success before it could be failed
    first_attempt = max((attempt.attempt for attempt in attempts), default=0) + 1
    if first_attempt > settings.STAGE_MAX_ATTEMPTS:
        reason = f"{stage} failed {settings.STAGE_MAX_ATTEMPTS} times; giving up."
        failure_report(source="stage", scope=stage, exception_type="AttemptsExhausted", message=reason, run_id=run.pk)
        _fail_run(run, reason)
        return StageOutcome.FAILED
    record = _claim(run, stage, first_attempt)
    if record is None:
        return StageOutcome.BUSY
    # The run again, after the claim: a copy that read the run just before another attempt's
    # failure committed (with the run's) sees that attempt failed and claims the next one, on a
    # run that has failed since; it must not run the stage (and pay a vendor for it).
    run.refresh_from_db(fields=["status"])
    if run.status not in allowed:
        record.error = f"The run became {run.status} before this attempt started."
        _finish(record, RunStage.Outcome.SKIPPED)
        return StageOutcome.SKIPPED
    if run.status == RunStatus.PENDING:
        try:
            run = run_transition(run=run.pk, from_status=RunStatus.PENDING, to_status=RunStatus.GENERATING)
        except InvalidTransition:
            run.refresh_from_db()
        run = GenerationRun.objects.select_related("artist").get(pk=run.pk)

    retrying = Retrying(
        stop=stop_after_attempt(settings.STAGE_MAX_ATTEMPTS - first_attempt + 1),
        wait=wait_exponential(multiplier=settings.STAGE_RETRY_BACKOFF_SECONDS, max=60),
        retry=retry_if_exception(is_transient),
        reraise=True,
        **({"sleep": sleep} if sleep else {}),
    )
    try:
        for attempt in retrying:
            with attempt:
                number = first_attempt + attempt.retry_state.attempt_number - 1
                if number != first_attempt:
                    record = _claim(run, stage, number)
                    if record is None:
                        return StageOutcome.BUSY
                try:
                    if stage == Stage.GENERATE_TRACK:
                        generate_track(run, inline=not chain)
                    elif stage == Stage.SELECT_VIDEO:
                        select_video(run, inline=not chain)
                    else:
                        STAGE_FUNCTIONS[stage](run)
                except StageWaiting as waiting:
                    return StageOutcome.WAITING if _wait(record, waiting) else StageOutcome.SKIPPED
                except Exception as exc:
                    retried = is_transient(exc) and number < settings.STAGE_MAX_ATTEMPTS
                    # When tenacity retries, this attempt ends here; the last one ends below, with the run.
                    if retried and not _finish(record, RunStage.Outcome.FAILED, exc):
                        return StageOutcome.SKIPPED  # superseded: a newer attempt owns the stage
                    raise
    except Exception as exc:
        logger.warning("Run %s stage %s failed: %s", run_id, stage, exc)
        message = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        # The last attempt's failure and the run's commit together: a copy of the task reading
        # between two commits would find a failed attempt on a run still open, and start another.
        with transaction.atomic():
            if not _finish(record, RunStage.Outcome.FAILED, exc):
                return StageOutcome.SKIPPED  # superseded: a newer attempt owns the stage
            if stage == Stage.NOTIFY_REVIEWERS:
                # The run is complete and visible in the review queue; only the push failed.
                GenerationRun.objects.filter(pk=run.pk).update(error=f"Reviewers not notified: {exc}"[:5000])
            else:
                _fail_run(run, f"{stage}: {message}")
        failure_report(source="stage", scope=stage, exc=exc, run_id=run.pk)
        return StageOutcome.FAILED

    if not _succeed(record, run, stage, chain=chain):
        return StageOutcome.SKIPPED  # superseded: a newer attempt owns the stage and its chain
    return StageOutcome.SUCCEEDED


def _succeed(record: RunStage, run: GenerationRun, stage: str, *, chain: bool) -> bool:
    """Record the attempt's success and move the run on in one transaction, so a worker that
    dies in between leaves neither a succeeded stage with nothing queued after it nor a next
    step without the success. False when the attempt had already ended (see `_save_if_open`)."""
    with transaction.atomic():
        if not _finish(record, RunStage.Outcome.SUCCEEDED):
            return False
        _advance(run, stage, chain=chain)
    return True


def _advance(run: GenerationRun, stage: str, *, chain: bool) -> None:
    """Move the run on and hand its next stage over, in one transaction (a crash between loses nothing)."""
    with transaction.atomic():
        if stage == LAST_MAKING_STAGE:
            try:
                run_transition(run=run.pk, from_status=RunStatus.GENERATING, to_status=RunStatus.AWAITING_REVIEW)
            except InvalidTransition:
                return
        following = next_stage(stage)
        if following and chain:
            stage_enqueue(run_id=run.pk, stage=following)
    if stage == LAST_MAKING_STAGE:
        _batch_maybe_finish(run.batch_id)


RESUME_TASK = "generation.tasks.resume_stage"
# The stages that may wait on a vendor job: how to look at the job once, and the setting that
# says how long to wait before looking again.
VENDOR_CHECKS: dict[str, tuple[Callable[..., bool], str]] = {
    Stage.GENERATE_TRACK: (track_check, "MUSIC_POLL_INTERVAL_SECONDS"),
    Stage.SELECT_VIDEO: (video_check, "VIDEO_POLL_INTERVAL_SECONDS"),
}


def _due_for_a_check(now: datetime) -> Q:
    """Waiting stages whose next look is due and that no check holds (never leased, or the
    lease of a check that died has run out)."""
    due = Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)
    return due & (Q(check_leased_until__isnull=True) | Q(check_leased_until__lte=now))


def _resume_enqueue(*, run_id: int, stage: str) -> None:
    """Hand a look at the stage's vendor job over; one waiting hand-over per stage."""
    key = f"resume-{run_id}-{stage}"
    outbox_enqueue(task=RESUME_TASK, args=[run_id, stage], task_name=key, key=key)


def stage_resume(*, run_id: int, stage: str = Stage.GENERATE_TRACK) -> str:
    """Look once at the vendor job a waiting stage handed over; finish the stage when it is done.

    Called by the scheduled check and after a vendor callback, possibly both at once: the
    short lease (`check_leased_until`) lets one of them work. It is apart from `next_check_at`,
    which a callback moves to now: a callback arriving mid-check must not let a second check
    in (two fallbacks to the next provider, an orphaned vendor job). A worker that dies here
    loses nothing: the lease runs out and the next check looks again.
    """
    if stage not in VENDOR_CHECKS:
        raise ApplicationError(f"Stage {stage!r} never waits on a vendor.")
    record = RunStage.objects.filter(run_id=run_id, name=stage, outcome=RunStage.Outcome.WAITING).first()
    if record is None:
        return StageOutcome.SKIPPED
    now = timezone.now()
    leased = (
        RunStage.objects.filter(pk=record.pk, outcome=RunStage.Outcome.WAITING)
        .filter(_due_for_a_check(now))
        .update(check_leased_until=now + timedelta(seconds=settings.VENDOR_CHECK_LEASE_SECONDS))
    )
    if not leased:
        return StageOutcome.BUSY
    record.refresh_from_db()
    run = GenerationRun.objects.select_related("artist").get(pk=run_id)
    if run.status != RunStatus.GENERATING:
        _finish(record, RunStage.Outcome.FAILED, RuntimeError(f"the run became {run.status} while the vendor worked"))
        return StageOutcome.SKIPPED
    check, interval = VENDOR_CHECKS[stage]
    try:
        done = check(run=run, record=record)
    except StageWaiting as waiting:
        return StageOutcome.WAITING if _wait(record, waiting) else StageOutcome.SKIPPED
    except Exception as exc:
        logger.warning("Run %s stage %s failed after its vendor job: %s", run_id, stage, exc)
        with transaction.atomic():  # the attempt's end and what follows it commit together
            if not _finish(record, RunStage.Outcome.FAILED, exc):
                return StageOutcome.SKIPPED  # already ended elsewhere: neither a retry nor a failed run
            if is_transient(exc) and record.attempt < settings.STAGE_MAX_ATTEMPTS:
                stage_enqueue(run_id=run.pk, stage=stage)  # a fresh attempt along the whole chain
            else:
                message = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
                _fail_run(run, f"{stage}: {message}")
        return StageOutcome.FAILED
    if not done:
        _check_again_later(record, started=now, interval=getattr(settings, interval))
        return StageOutcome.WAITING
    if not _succeed(record, run, stage, chain=True):
        return StageOutcome.SKIPPED
    return StageOutcome.SUCCEEDED


def _check_again_later(record: RunStage, *, started: datetime, interval: float) -> None:
    """The vendor job is still running: give the lease up and schedule the next look.

    A callback that came while this check looked moved `next_check_at` past the check's start,
    and the resume it queued found the lease taken: look again now rather than at the next
    poll, or the callback would be lost to the poll interval."""
    with transaction.atomic():
        waiting = RunStage.objects.filter(pk=record.pk, outcome=RunStage.Outcome.WAITING)
        if waiting.filter(next_check_at__gt=started).update(check_leased_until=None):
            _resume_enqueue(run_id=record.run_id, stage=record.name)
            return
        waiting.update(next_check_at=timezone.now() + timedelta(seconds=interval), check_leased_until=None)


def vendor_jobs_check(*, limit: int = 500) -> int:
    """Scheduled: hand over a check for every waiting stage that is due (the vendor sent no callback)."""
    now = timezone.now()
    due = (
        RunStage.objects.filter(outcome=RunStage.Outcome.WAITING)
        .filter(_due_for_a_check(now))
        .order_by("next_check_at")
        .values_list("run_id", "name")[:limit]
    )
    handed = 0
    for run_id, name in due:
        _resume_enqueue(run_id=run_id, stage=name)
        handed += 1
    return handed


def vendor_job_completed(*, vendor: str, job_id: str) -> int:
    """A vendor says its job is done (a verified callback): check the waiting stage now, not at the next sweep.

    The callback's content is not trusted: the check asks the vendor's API itself.
    """
    waiting = RunStage.objects.filter(vendor=vendor, vendor_job_id=job_id, outcome=RunStage.Outcome.WAITING)
    handed = 0
    for record in waiting:
        RunStage.objects.filter(pk=record.pk, outcome=RunStage.Outcome.WAITING).update(next_check_at=timezone.now())
        with transaction.atomic():
            _resume_enqueue(run_id=record.run_id, stage=record.name)
        handed += 1
    return handed


def run_execute_sync(*, run_id: int, on_stage: Callable[[int, str, str], None] | None = None) -> GenerationRun:
    """Run every remaining stage of a run in this process (the `run_batch --sync` path)."""
    for stage in STAGE_ORDER:
        outcome = stage_execute(run_id=run_id, stage=stage, chain=False)
        if on_stage:
            on_stage(run_id, stage, outcome)
        if outcome == StageOutcome.FAILED and stage != Stage.NOTIFY_REVIEWERS:
            break
    return GenerationRun.objects.get(pk=run_id)


def runs_recover_stuck() -> dict[str, int]:
    """Find runs a lost worker left behind and queue their next step again (or fail them).

    The Redis broker forgets a task whose worker died; the database still knows what was
    running, since when, and what comes next.
    """
    now = timezone.now()
    lost_before = now - timedelta(seconds=settings.STAGE_TIME_LIMIT_SECONDS)
    idle_before = now - timedelta(minutes=settings.STUCK_SWEEP_MINUTES)
    requeued = failed = 0
    open_runs = GenerationRun.objects.filter(
        status__in=(RunStatus.PENDING, RunStatus.GENERATING), created_at__lt=idle_before
    ).prefetch_related("stages")
    for run in open_runs:
        stages = list(run.stages.all())
        if any(s.outcome == RunStage.Outcome.WAITING for s in stages):
            continue  # a vendor has the job: the vendor check owns it (and gives up after its time limit)
        running = [s for s in stages if s.outcome == RunStage.Outcome.RUNNING]
        if any(s.started_at > lost_before for s in running):
            continue  # still within its time limit
        last_activity = max((s.finished_at or s.started_at for s in stages), default=run.created_at)
        if not running and last_activity > idle_before:
            continue  # its next stage was queued recently and may simply be waiting for a worker
        for record in running:
            _finish(
                record, RunStage.Outcome.FAILED, TimeoutError("no result within the stage time limit (worker lost)")
            )
        done = {s.name for s in stages if s.outcome == RunStage.Outcome.SUCCEEDED}
        pending = next((stage for stage in STAGE_ORDER if stage not in done), None)
        if pending is None or pending == Stage.NOTIFY_REVIEWERS:
            if run.status == RunStatus.GENERATING:
                # Nothing is left to make but the run was never moved to review (before
                # `_succeed` the success and the move were two commits): make that move now.
                _advance(run, LAST_MAKING_STAGE, chain=True)
                requeued += 1
            continue
        attempts = max((s.attempt for s in stages if s.name == pending), default=0)
        if attempts >= settings.STAGE_MAX_ATTEMPTS:
            reason = f"{pending} did not finish after {attempts} attempts (worker lost)."
            failure_report(source="stage", scope=pending, exception_type="WorkerLost", message=reason, run_id=run.pk)
            _fail_run(run, reason)
            failed += 1
            continue
        with transaction.atomic():
            stage_enqueue(run_id=run.pk, stage=pending)
        requeued += 1
    return {"requeued": requeued, "failed": failed, "releases": runs_recover_unreleased()}


def runs_recover_unreleased() -> int:
    """Approved runs whose release job never started: hand the job over again.

    An approved run leaves `approved` the moment its release job claims it, so one still
    approved after a sweep period has a job the broker lost or dropped (the approval and
    its hand-over commit together, so it was handed over at least once).
    """
    idle = timedelta(minutes=settings.STUCK_SWEEP_MINUTES)
    waiting = GenerationRun.objects.filter(status=RunStatus.APPROVED, status_changed_at__lt=timezone.now() - idle)
    requeued = 0
    for run_id in waiting.values_list("pk", flat=True):
        if outbox_handed_over(key=release_handover_key(run_id), within=idle):
            continue  # waiting for the broker, or queued behind other jobs
        with transaction.atomic():
            run_release_enqueue(run_id=run_id)
        logger.warning("Approved run %s has no release job; handed over again.", run_id)
        requeued += 1
    return requeued
