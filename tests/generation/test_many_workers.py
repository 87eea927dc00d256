"""Several `qcluster` processes on PostgreSQL + Redis work one 40-run batch: no stage runs twice, no run is stuck.

Real worker processes, the real Redis broker and the real database; the music is the local
synthesizer (small and quick, so the test is about coordination, not rendering). The second
test SIGKILLs one cluster midway; the sweeps recover what it held.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter

import pytest
from django.conf import settings as django_settings
from django.db.models import Count
from django_q.conf import Conf

from generation.models import GenerationRun, RunStage, RunStatus, Track, VideoClip
from generation.services.pipeline import STAGE_ORDER, batch_start, runs_recover_stuck
from kernel.outbox import outbox_drain
from tests.factories import ArtistFactory, valid_profile
from tests.generation.test_worker_crash import _database_url, _kill, _start_worker

RUNS = 40
CLUSTERS = 3
OPEN = (RunStatus.PENDING, RunStatus.GENERATING)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(1200),
]


@pytest.fixture
def cluster_env(monkeypatch, prompt_templates):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis (run with REDIS_URL=redis://...)")
    name = f"noktvrn-many-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    monkeypatch.setattr(Conf, "PREFIX", name)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", os.environ["REDIS_URL"])
    monkeypatch.setattr(Conf, "BROKER_CLASS", "kernel.brokers.GuardedRedis")
    for index in range(RUNS):
        profile = valid_profile()
        profile["musical_defaults"]["track_seconds"] = 5
        ArtistFactory(profile=profile, name=f"Many {index}")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
        "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "Q_CLUSTER_NAME": name,
        "Q_WORKERS": "1",
        "Q_TIMEOUT_SECONDS": "120",
        "STAGE_TIME_LIMIT_SECONDS": "60",
        "MUSIC_PROVIDER": "local",
        "LOCAL_VIDEO_LONG_SIDE": "160",
        "LOCAL_VIDEO_FPS": "4",
        "MAX_RUNS_PER_ARTIST_PER_DAY": "100",
        "TELEGRAM_BOT_TOKEN": "",
        "LOG_LEVEL": "WARNING",
    }


def _still_working(*, notices: bool) -> bool:
    """Runs still being made, or (with `notices`) in review with their reviewers' notice not yet sent."""
    notified = RunStage.objects.filter(
        name=RunStage.Name.NOTIFY_REVIEWERS, outcome__in=(RunStage.Outcome.SUCCEEDED, RunStage.Outcome.FAILED)
    ).values("run_id")
    return GenerationRun.objects.filter(status__in=OPEN).exists() or (
        notices and GenerationRun.objects.filter(status=RunStatus.AWAITING_REVIEW).exclude(pk__in=notified).exists()
    )


def _wait_until_done(deadline: float, *, sweep: bool, logs, notices: bool = False) -> None:
    # The notice stage runs after a run enters review: killing the clusters as soon as the last
    # run enters it would cut that stage off and count it missing. (The sweep leaves a lost notice
    # alone, the run being in the queue already, so a test that kills a cluster does not wait for it.)
    while _still_working(notices=notices):
        if time.monotonic() > deadline:
            stuck = list(GenerationRun.objects.filter(status__in=OPEN).values_list("pk", "status"))
            tails = "\n".join(log.read_text(errors="replace")[-1500:] for log in logs)
            pytest.fail(f"runs still open: {stuck}\n{tails}")
        if sweep:
            runs_recover_stuck()
            outbox_drain()
        time.sleep(2)


def _assert_no_duplicates() -> None:
    succeeded = Counter(RunStage.objects.filter(outcome=RunStage.Outcome.SUCCEEDED).values_list("run_id", "name"))
    assert max(succeeded.values()) == 1, [key for key, n in succeeded.items() if n > 1]
    assert not Track.objects.values("run").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not VideoClip.objects.values("run").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_several_clusters_share_one_batch_without_duplicates(cluster_env, tmp_path):
    logs = [tmp_path / f"cluster-{i}.log" for i in range(CLUSTERS)]
    clusters = [_start_worker(cluster_env, log) for log in logs]
    try:
        batch = batch_start(size=RUNS)
        _wait_until_done(time.monotonic() + 900, sweep=False, logs=logs, notices=True)
    finally:
        for process in clusters:
            _kill(process, signal.SIGKILL)
    runs = GenerationRun.objects.filter(batch=batch)
    assert runs.count() == RUNS
    assert set(runs.values_list("status", flat=True)) == {RunStatus.AWAITING_REVIEW}
    _assert_no_duplicates()
    # Every stage ran exactly once per run: no retries were needed, no work was done twice.
    assert RunStage.objects.filter(run__batch=batch, name__in=STAGE_ORDER).count() == RUNS * len(STAGE_ORDER)


def test_a_cluster_killed_midway_leaves_no_stuck_run(cluster_env, settings, tmp_path):
    settings.STAGE_TIME_LIMIT_SECONDS = 15  # what the sweep in this process deems lost
    settings.STUCK_SWEEP_MINUTES = 0
    cluster_env = {**cluster_env, "STAGE_TIME_LIMIT_SECONDS": "15", "Q_TIMEOUT_SECONDS": "60"}
    logs = [tmp_path / f"cluster-{i}.log" for i in range(CLUSTERS)]
    clusters = [_start_worker(cluster_env, log) for log in logs]
    try:
        batch = batch_start(size=RUNS)
        deadline = time.monotonic() + 600
        while GenerationRun.objects.filter(batch=batch, status=RunStatus.AWAITING_REVIEW).count() < RUNS // 4:
            assert time.monotonic() < deadline, "the clusters made no progress"
            time.sleep(1)
        os.killpg(clusters[0].pid, signal.SIGKILL)  # a lost host: its tasks vanish from Redis
        _wait_until_done(time.monotonic() + 900, sweep=True, logs=logs)
    finally:
        for process in clusters:
            _kill(process, signal.SIGKILL)
    runs = GenerationRun.objects.filter(batch=batch)
    statuses = Counter(runs.values_list("status", flat=True))
    assert set(statuses) <= {RunStatus.AWAITING_REVIEW, RunStatus.FAILED}, statuses
    for run in runs.filter(status=RunStatus.FAILED):
        assert run.error  # a defined end, with the reason
    _assert_no_duplicates()
