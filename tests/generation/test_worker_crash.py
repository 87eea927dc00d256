"""A real `qcluster` worker killed while a run waits on a vendor: no duplicates, no stuck run.

This is the integration test that proves the worker path: tasks travel through the real
broker (the database, or Redis when REDIS_URL is set) to real worker processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_q.conf import Conf

from generation.models import GenerationRun, RunStage, RunStatus, Track, VideoClip
from generation.services.pipeline import runs_recover_stuck, stage_enqueue, vendor_jobs_check
from tests.factories import ArtistFactory, RunFactory, valid_profile
from tests.generation.providers.conftest import FakeVendor, Reply, _encode_mp3

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the whole cluster can be killed
    )


def _kill(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _wait_for(predicate, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')[-4000:]}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("prompt_templates")
def test_worker_killed_while_checking_a_vendor_job_loses_nothing(monkeypatch, settings, tmp_path):
    """The stage submits to Suno and ends; the worker checking the job is killed; the next check finishes it.

    Nothing is submitted twice and no stage is duplicated: the waiting stage and the vendor's
    job id live in the database, not in a worker.
    """
    cluster = f"noktvrn-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", cluster)
    monkeypatch.setattr(Conf, "PREFIX", cluster)

    # A Suno-compatible vendor whose first status check hangs: the worker is killed meanwhile.
    mp3 = _encode_mp3(tmp_path / "a.mp3", 6.0)
    vendor = FakeVendor()
    checked = threading.Event()
    success = {
        "taskId": "t-1",
        "status": "SUCCESS",
        "response": {
            "taskId": "t-1",
            "sunoData": [{"id": "a", "audioUrl": f"{vendor.url}/a.mp3", "title": "x", "duration": 6.0, "tags": ""}],
        },
    }

    def record(seen) -> Reply:
        if not checked.is_set():
            checked.set()
            return Reply(json={"code": 200, "msg": "ok", "data": {"taskId": "t-1", "status": "PENDING"}}, delay=20)
        return Reply(json={"code": 200, "msg": "ok", "data": success})

    vendor.route("POST", "/api/v1/generate", Reply(json={"code": 200, "msg": "ok", "data": {"taskId": "t-1"}}))
    vendor.route("GET", "/api/v1/generate/record-info", record)
    vendor.route("GET", "/a.mp3", Reply(body=mp3, headers={"Content-Type": "audio/mpeg"}))

    profile = valid_profile()
    profile["musical_defaults"]["track_seconds"] = 6
    run = RunFactory(artist=ArtistFactory(profile=profile))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
        "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "Q_CLUSTER_NAME": cluster,
        "Q_WORKERS": "1",
        "Q_TIMEOUT_SECONDS": "120",
        "STAGE_TIME_LIMIT_SECONDS": "60",
        "MUSIC_PROVIDER": "suno",
        "SUNO_API_KEY": "suno-key",
        "SUNO_BASE_URL": vendor.url,
        "SUNO_CALLBACK_SECRET": django_settings.SUNO_CALLBACK_SECRET,
        "VENDOR_FIRST_CHECK_SECONDS": "0",
        "VENDOR_CHECK_LEASE_SECONDS": "3",
        "MUSIC_POLL_INTERVAL_SECONDS": "0",
        "PROVIDER_HTTP_TIMEOUT_SECONDS": "60",
        "LOCAL_VIDEO_LONG_SIDE": "320",
        "LOCAL_VIDEO_FPS": "8",
        "TELEGRAM_BOT_TOKEN": "",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"

    def stage():
        return RunStage.objects.filter(run=run, name="generate_track").first()

    first = _start_worker(env, log)
    try:
        stage_enqueue(run_id=run.pk, stage="adapt_parameters")  # outside a transaction: sent now
        _wait_for(lambda: stage() is not None and stage().outcome == "waiting", 90, "the Suno job to be submitted", log)
        assert vendor_jobs_check() == 1
        _wait_for(checked.is_set, 60, "the worker to check the Suno job", log)
        _kill(first, signal.SIGKILL)  # no chance to clean up, like an OOM kill or a lost host
    finally:
        _kill(first, signal.SIGKILL)

    assert stage().outcome == RunStage.Outcome.WAITING and stage().vendor_job_id == "t-1"
    assert GenerationRun.objects.get(pk=run.pk).status == RunStatus.GENERATING
    assert runs_recover_stuck()["requeued"] == 0  # the vendor check owns a waiting stage

    second = _start_worker(env, log)
    try:
        _wait_for(lambda: vendor_jobs_check() == 1, 30, "the dead worker's lease to run out", log)
        _wait_for(
            lambda: GenerationRun.objects.get(pk=run.pk).status not in (RunStatus.PENDING, RunStatus.GENERATING),
            120,
            "the resumed run to finish",
            log,
        )
    finally:
        _kill(second, signal.SIGKILL)
        vendor.close()

    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW, run.error
    assert Track.objects.filter(run=run).count() == 1
    assert VideoClip.objects.filter(run=run).count() == 1
    assert [(s.attempt, s.outcome) for s in RunStage.objects.filter(run=run, name="generate_track")] == [
        (1, "succeeded")
    ]
    assert len(vendor.calls("POST", "/api/v1/generate")) == 1  # the job survived the crash: never submitted twice
    assert not GenerationRun.objects.filter(status__in=(RunStatus.PENDING, RunStatus.GENERATING)).exists()
