"""The batch pipeline end to end with the embedded providers, and its fault handling.

Vendors are faked at the HTTP boundary (a local Suno-compatible server), never by patching
our own code.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from importlib import import_module
from io import StringIO

import av
import pytest
import soundfile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from PIL import Image

from generation.models import GenerationRun, RunStage, RunStatus, Track, VideoClip
from generation.services.pipeline import STAGE_ORDER, run_execute_sync, runs_recover_stuck, stage_execute
from kernel.models import TaskOutbox
from tests.concurrency import committed_later
from tests.factories import ArtistFactory, RunFactory, valid_profile
from tests.generation.providers.conftest import FakeVendor, Reply, _encode_mp3

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_pipeline(settings):
    settings.MIN_ACTIVE_ARTISTS = 0
    settings.STAGE_RETRY_BACKOFF_SECONDS = 0
    settings.LOCAL_VIDEO_LONG_SIDE = 320
    settings.LOCAL_VIDEO_FPS = 8
    settings.PROVIDER_HTTP_MAX_ATTEMPTS = 1
    settings.PROVIDER_HTTP_TIMEOUT_SECONDS = 2
    settings.MUSIC_POLL_INTERVAL_SECONDS = 0.01
    settings.MUSIC_POLL_TIME_LIMIT_SECONDS = 3
    settings.TELEGRAM_BOT_TOKEN = ""


def short_artist(**kwargs):
    profile = valid_profile()
    profile["musical_defaults"]["track_seconds"] = 6
    return ArtistFactory(profile=profile, **kwargs)


@pytest.fixture
def suno(settings):
    server = FakeVendor()
    settings.MUSIC_PROVIDER = "suno"
    settings.SUNO_API_KEY = "suno-key"
    settings.SUNO_BASE_URL = server.url
    yield server
    server.close()


def _suno_success(server: FakeVendor, mp3: bytes) -> None:
    record = {
        "taskId": "t-1",
        "status": "SUCCESS",
        "response": {
            "taskId": "t-1",
            "sunoData": [{"id": "a", "audioUrl": f"{server.url}/a.mp3", "title": "x", "duration": 6.0, "tags": ""}],
        },
    }
    server.route("GET", "/api/v1/generate/record-info", Reply(json={"code": 200, "msg": "ok", "data": record}))
    server.route("GET", "/a.mp3", Reply(body=mp3, headers={"Content-Type": "audio/mpeg"}))


@pytest.fixture(scope="module")
def mp3(tmp_path_factory) -> bytes:
    return _encode_mp3(tmp_path_factory.mktemp("mp3") / "a.mp3", 6.0)


def test_run_batch_sync_leaves_reviewable_runs_with_real_artifacts():
    for _ in range(3):
        short_artist()
    out = StringIO()
    call_command("run_batch", size=3, sync=True, stdout=out)
    runs = list(GenerationRun.objects.select_related("track__features", "video").order_by("pk"))
    assert len(runs) == 3, out.getvalue()
    assert "21/21" in out.getvalue()
    for run in runs:
        assert run.status == RunStatus.AWAITING_REVIEW, (run.error, out.getvalue())
        assert run.title and run.prompts["music_prompt"] and run.parameters["tempo"]
        info = soundfile.info(run.track.audio.path)
        assert (info.samplerate, info.channels, info.subtype) == (44100, 2, "PCM_16")
        assert info.duration == pytest.approx(6.0, abs=0.5)
        assert run.track.features.tempo and run.track.features.key
        with av.open(run.video.file.path) as container:
            assert {stream.type for stream in container.streams} >= {"video", "audio"}
        with Image.open(run.cover.path) as cover:
            assert (cover.size, cover.mode, cover.format) == ((3000, 3000), "RGB", "JPEG")
        stages = {s.name: s.outcome for s in run.stages.all()}
        assert set(stages) == {"select_artist", *STAGE_ORDER}
        assert set(stages.values()) == {"succeeded"}
        assert all(s.duration_ms is not None for s in run.stages.all())
        assert run.batch.status == "finished"


def test_a_task_delivered_twice_does_nothing_the_second_time():
    run = RunFactory(artist=short_artist())
    run_execute_sync(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW
    track_file = run.track.audio.name
    for stage in STAGE_ORDER:
        assert stage_execute(run_id=run.pk, stage=stage) == "skipped"
    assert Track.objects.filter(run=run).count() == 1
    assert VideoClip.objects.filter(run=run).count() == 1
    assert Track.objects.get(run=run).audio.name == track_file
    assert RunStage.objects.filter(run=run).count() == len(STAGE_ORDER)


def test_a_stage_already_running_elsewhere_is_left_alone():
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)
    RunStage.objects.create(run=run, name="generate_track", started_at=timezone.now())
    assert stage_execute(run_id=run.pk, stage="generate_track") == "busy"
    assert not Track.objects.filter(run=run).exists()


def test_a_stage_that_fails_once_then_succeeds(suno, mp3):
    suno.route(
        "POST",
        "/api/v1/generate",
        Reply(503, json={"code": 503, "msg": "busy"}),
        Reply(json={"code": 200, "msg": "success", "data": {"taskId": "t-1"}}),
    )
    _suno_success(suno, mp3)
    run = RunFactory(artist=short_artist())
    run = run_execute_sync(run_id=run.pk)
    assert run.status == RunStatus.AWAITING_REVIEW, run.error
    attempts = list(RunStage.objects.filter(run=run, name="generate_track").order_by("attempt"))
    assert [(s.attempt, s.outcome) for s in attempts] == [(1, "failed"), (2, "succeeded")]
    assert "503" in attempts[0].error and attempts[0].traceback
    assert run.track.provider == "suno" and run.track.provider_job_id == "t-1"
    assert len(suno.calls("POST", "/api/v1/generate")) == 2


def test_a_permanent_vendor_error_fails_the_run_with_a_reason(suno):
    suno.route("POST", "/api/v1/generate", Reply(401, json={"code": 401, "msg": "invalid api key"}))
    run = RunFactory(artist=short_artist())
    run = run_execute_sync(run_id=run.pk)
    assert run.status == RunStatus.FAILED
    assert run.error.startswith("generate_track:")
    assert "401" in run.error
    failed = RunStage.objects.get(run=run, name="generate_track")
    assert failed.outcome == "failed" and "Traceback" in failed.traceback
    assert not RunStage.objects.filter(run=run, name="analyse_audio").exists()
    assert len(suno.calls("POST", "/api/v1/generate")) == 1  # a 4xx is not retried
    assert run.transitions.last().to_status == "failed"


def test_transient_errors_exhausting_attempts_fail_the_run(suno, settings):
    settings.STAGE_MAX_ATTEMPTS = 2
    suno.route("POST", "/api/v1/generate", Reply(503, json={"code": 503, "msg": "busy"}))
    run = run_execute_sync(run_id=RunFactory(artist=short_artist()).pk)
    assert run.status == RunStatus.FAILED
    assert RunStage.objects.filter(run=run, name="generate_track").count() == 2


def test_stuck_sweep_requeues_a_lost_stage_and_the_run_completes(settings, django_capture_on_commit_callbacks):
    settings.STAGE_TIME_LIMIT_SECONDS = 60
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)
    long_ago = timezone.now() - timedelta(minutes=30)
    GenerationRun.objects.filter(pk=run.pk).update(created_at=long_ago)
    RunStage.objects.create(run=run, name="adapt_parameters", started_at=long_ago)  # its worker died
    with django_capture_on_commit_callbacks(execute=True):
        assert runs_recover_stuck() == {"requeued": 1, "failed": 0, "releases": 0}
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW
    lost = RunStage.objects.get(run=run, name="adapt_parameters", attempt=1)
    assert lost.outcome == "failed" and "worker lost" in lost.error
    assert RunStage.objects.get(run=run, name="adapt_parameters", attempt=2).outcome == "succeeded"
    assert Track.objects.filter(run=run).count() == 1


def test_stuck_sweep_sends_a_made_run_to_review_when_its_worker_died_before_the_move(
    settings, django_capture_on_commit_callbacks
):
    """Every making stage succeeded, but the worker was killed before the run entered review."""
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)
    long_ago = timezone.now() - timedelta(minutes=30)
    GenerationRun.objects.filter(pk=run.pk).update(created_at=long_ago)
    for name in STAGE_ORDER[:-1]:
        RunStage.objects.create(run=run, name=name, outcome="succeeded", started_at=long_ago, finished_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs_recover_stuck() == {"requeued": 1, "failed": 0, "releases": 0}
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW
    assert RunStage.objects.get(run=run, name="notify_reviewers").outcome == "succeeded"  # its notice was queued
    assert runs_recover_stuck() == {"requeued": 0, "failed": 0, "releases": 0}  # once is enough


def test_a_stage_success_and_the_next_hand_over_commit_together():
    """The database refuses the next stage's hand-over: the stage is left unfinished (the
    sweep takes it for lost and runs it again), never succeeded with nothing queued after it."""
    run = RunFactory(artist=short_artist())

    def refuse_hand_over(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and TaskOutbox._meta.db_table in sql:
            raise OperationalError("the database went away")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_hand_over), pytest.raises(OperationalError):
        stage_execute(run_id=run.pk, stage=STAGE_ORDER[0])
    assert RunStage.objects.get(run=run, name=STAGE_ORDER[0]).outcome == "running"
    assert not TaskOutbox.objects.exists()
    assert stage_execute(run_id=run.pk, stage=STAGE_ORDER[0]) == "busy"  # within its time limit


def test_stuck_sweep_fails_a_run_whose_attempts_are_spent(settings):
    settings.STAGE_TIME_LIMIT_SECONDS = 60
    settings.STAGE_MAX_ATTEMPTS = 2
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)
    long_ago = timezone.now() - timedelta(minutes=30)
    GenerationRun.objects.filter(pk=run.pk).update(created_at=long_ago)
    RunStage.objects.create(
        run=run, name="adapt_parameters", outcome="succeeded", started_at=long_ago, finished_at=long_ago
    )
    for attempt in (1, 2):
        RunStage.objects.create(run=run, name="write_prompts", attempt=attempt, started_at=long_ago)
    assert runs_recover_stuck() == {"requeued": 0, "failed": 1, "releases": 0}
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "write_prompts did not finish after 2 attempts" in run.error


def test_stuck_sweep_leaves_healthy_runs_alone(settings):
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)
    RunStage.objects.create(run=run, name="generate_track", started_at=timezone.now())
    assert runs_recover_stuck() == {"requeued": 0, "failed": 0, "releases": 0}


def test_run_batch_reports_when_no_artist_can_run():
    with pytest.raises(CommandError, match="No artist could take a run"):
        call_command("run_batch", size=2, sync=True, stdout=StringIO())


def test_run_batch_for_an_unknown_artist():
    with pytest.raises(CommandError, match="No artist with slug"):
        call_command("run_batch", artist="ghost", sync=True, stdout=StringIO())


def test_with_an_elevenlabs_key_a_spoken_lyric_line_is_mixed_in(settings, mp3):
    server = FakeVendor()
    try:
        settings.ELEVENLABS_API_KEY = "xi-key"
        settings.ELEVENLABS_BASE_URL = server.url
        settings.ELEVENLABS_VOICE_ID = "voice-1"
        server.route("POST", "/v1/text-to-speech/voice-1", Reply(body=mp3, headers={"Content-Type": "audio/mpeg"}))
        run = run_execute_sync(run_id=RunFactory(artist=short_artist()).pk)
    finally:
        server.close()
    assert run.status == RunStatus.AWAITING_REVIEW, run.error
    call = server.calls("POST", "/v1/text-to-speech/voice-1")[0]
    assert call.headers["xi-api-key"] == "xi-key"
    spoken = call.json["text"]
    assert spoken and not spoken.startswith("[")
    assert spoken in run.track.lyrics


def _taken_for_lost_mid_call(run):
    """A Suno reply that first fails the run's running generate_track attempt, as the stuck-run
    sweep in another process would when the worker outlived the stage time limit."""
    from django.db import connection

    def reply(seen):
        RunStage.objects.filter(run=run, name="generate_track", outcome="running").update(
            outcome="failed", error="TimeoutError: no result within the stage time limit (worker lost)"
        )
        connection.close()  # this server thread's own connection
        return Reply(json={"code": 200, "msg": "success", "data": {"taskId": "t-1"}})

    return reply


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_attempt_that_succeeds_while_being_taken_for_lost_is_not_run_again(settings):
    """The race behind a stage that succeeded twice under load: a worker finds the stage's
    attempt past its time limit, and before it can fail it the slow worker commits its
    success. The stage must not run a second time."""
    settings.STAGE_TIME_LIMIT_SECONDS = 60
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)
    slow = RunStage.objects.create(run=run, name="adapt_parameters", started_at=timezone.now() - timedelta(minutes=5))

    def slow_worker_succeeds() -> None:
        RunStage.objects.filter(pk=slow.pk).update(outcome="succeeded", finished_at=timezone.now())

    # The other worker reads the attempt as running and waits on its row.
    with committed_later(slow_worker_succeeds):
        outcome = stage_execute(run_id=run.pk, stage="adapt_parameters", chain=False)
    assert outcome == "skipped"
    attempts = RunStage.objects.filter(run=run, name="adapt_parameters").values_list("attempt", "outcome")
    assert list(attempts) == [(1, "succeeded")]


@pytest.mark.django_db(transaction=True)
def test_a_late_result_of_an_attempt_taken_for_lost_is_dropped(suno, mp3):
    """When the slow worker comes back, its result must not land as a second success or start a
    second chain."""
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)
    suno.route("POST", "/api/v1/generate", _taken_for_lost_mid_call(run))
    _suno_success(suno, mp3)
    assert stage_execute(run_id=run.pk, stage="generate_track", chain=False) == "skipped"
    attempt = RunStage.objects.get(run=run, name="generate_track")
    assert attempt.outcome == "failed" and "worker lost" in attempt.error
    run.refresh_from_db()
    assert run.status == RunStatus.GENERATING  # the newer attempt, not this one, decides


@pytest.mark.django_db(transaction=True)
def test_a_vendor_job_handed_over_by_an_attempt_taken_for_lost_is_dropped(suno):
    """The same for a stage that hands its job to a vendor: the stale attempt must not become a
    waiting one, or the vendor check would finish it beside the newer attempt."""
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)
    suno.route("POST", "/api/v1/generate", _taken_for_lost_mid_call(run))
    assert stage_execute(run_id=run.pk, stage="generate_track") == "skipped"
    attempt = RunStage.objects.get(run=run, name="generate_track")
    assert attempt.outcome == "failed" and attempt.vendor_job_id == ""


def _race_deliveries(run_id: int, stage: str, deliveries: int) -> list[str]:
    """`deliveries` copies of one stage task, each in its own thread and connection, started
    a millisecond or two apart (as a sweep's re-queued copy and the chained one meet)."""
    outcomes: list[str] = []
    gate = threading.Barrier(deliveries)

    def deliver(index: int) -> None:
        try:
            gate.wait(timeout=10)
            time.sleep(index * 0.0015)
            outcomes.append(stage_execute(run_id=run_id, stage=stage, chain=False))
        except BaseException as exc:  # noqa: BLE001 - an outcome of its own, so the test sees it
            outcomes.append(f"raised {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(deliveries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copies_of_one_stage_task_delivered_at_once_run_it_once():
    """Many copies of a stage's task at once (a sweep re-queues what is merely queued): the stage
    runs once. The copies must read the stage's attempts in one snapshot: one that saw no
    success, then saw the winner's finished attempt and no running one, would start attempt 2."""
    artist = short_artist()
    runs = [RunFactory(artist=artist, status=RunStatus.GENERATING) for _ in range(12)]
    for run in runs:
        outcomes = _race_deliveries(run.pk, "adapt_parameters", deliveries=8)
        assert outcomes.count("succeeded") == 1, outcomes
        assert set(outcomes) <= {"succeeded", "busy", "skipped"}, outcomes
        attempts = RunStage.objects.filter(run=run, name="adapt_parameters")
        assert list(attempts.values_list("attempt", "outcome")) == [(1, "succeeded")]


def test_the_database_keeps_one_success_per_stage():
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)
    RunStage.objects.create(run=run, name="make_cover", outcome="succeeded", started_at=timezone.now())
    RunStage.objects.create(run=run, name="make_cover", attempt=2, outcome="failed", started_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        RunStage.objects.create(run=run, name="make_cover", attempt=3, outcome="succeeded", started_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_a_success_behind_another_attempts_success_is_dropped(suno, mp3):
    """Whatever slips past the claim, the second success of a stage is refused: the attempt ends
    skipped, with why, and moves the run no further."""
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)

    def rival_succeeds_meanwhile(seen):
        RunStage.objects.create(
            run=run, name="generate_track", attempt=2, outcome="succeeded", started_at=timezone.now()
        )
        connection.close()  # this server thread's own connection
        return Reply(json={"code": 200, "msg": "success", "data": {"taskId": "t-1"}})

    suno.route("POST", "/api/v1/generate", rival_succeeds_meanwhile)
    _suno_success(suno, mp3)
    assert stage_execute(run_id=run.pk, stage="generate_track", chain=False) == "skipped"
    ours = RunStage.objects.get(run=run, name="generate_track", attempt=1)
    assert ours.outcome == "skipped" and ours.error == "Another attempt succeeded first."
    successes = RunStage.objects.filter(run=run, name="generate_track", outcome="succeeded")
    assert list(successes.values_list("attempt", flat=True)) == [2]


def test_the_migration_keeps_the_first_of_two_successes():
    from django.apps import apps

    run = RunFactory(artist=short_artist(), status=RunStatus.AWAITING_REVIEW)
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "run_stage_one_success"')  # rows as they could be before it
    now = timezone.now()
    first = RunStage.objects.create(run=run, name="make_cover", outcome="succeeded", started_at=now, finished_at=now)
    later = now + timedelta(seconds=3)
    second = RunStage.objects.create(
        run=run, name="make_cover", attempt=2, outcome="succeeded", started_at=later, finished_at=later
    )
    import_module("generation.migrations.0015_run_stage_one_success").mark_second_successes_skipped(apps, None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outcome, second.outcome) == ("succeeded", "skipped")
    assert "second success" in second.error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_copy_that_claims_while_the_run_fails_does_not_run_the_stage(settings):
    """An attempt that fails the run commits its failed row first and the run's failure after:
    a copy that read the run in between claims the next attempt, then must see the failure."""
    run = RunFactory(artist=short_artist(), status=RunStatus.GENERATING)
    RunStage.objects.create(run=run, name="adapt_parameters", outcome="failed", started_at=timezone.now())
    parameters = run.parameters

    def the_failing_worker_fails_the_run() -> None:
        GenerationRun.objects.select_for_update().get(pk=run.pk)  # the new attempt's row waits on it
        GenerationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="adapt_parameters: boom")

    with committed_later(the_failing_worker_fails_the_run):
        outcome = stage_execute(run_id=run.pk, stage="adapt_parameters", chain=False)
    assert outcome == "skipped"
    second = RunStage.objects.get(run=run, name="adapt_parameters", attempt=2)
    assert second.outcome == "skipped" and "became failed" in second.error
    run.refresh_from_db()
    assert run.parameters == parameters  # the stage's work was not done
