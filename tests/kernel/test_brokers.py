"""kernel/brokers.py: a task signed with another SECRET_KEY is reported loudly and its work recovered."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q import core_signing
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import PickleSerializer, SignedPackage

from generation.models import GenerationRun, RunStatus
from generation.services.pipeline import runs_recover_stuck
from generation.services.review import run_approve
from kernel.brokers import GuardedORM, foreign_task_incident
from kernel.models import TaskOutbox
from releases.models import Release
from tests.releases.test_tasks import _run_made_by_local_providers

pytestmark = pytest.mark.django_db


def _queue(task: dict, *, key: str) -> OrmQ:
    payload = core_signing.dumps(task, key=key, salt=Conf.PREFIX, compress=True, serializer=PickleSerializer)
    return OrmQ.objects.create(key=Conf.CLUSTER_NAME, payload=payload, lock=timezone.now() - timedelta(seconds=1))


def _task(run_id: int) -> dict:
    return {"id": "x", "name": "package-release", "func": "releases.tasks.package_release", "args": (run_id,)}


def test_a_task_signed_with_another_key_is_dropped_loudly(caplog, client, settings):
    settings.READYZ_TOKEN = "probe"
    _queue(_task(1), key="the-development-key")
    with caplog.at_level(logging.ERROR, logger="kernel.brokers"):
        assert GuardedORM().dequeue() == []
    assert not OrmQ.objects.exists()
    assert "different SECRET_KEY" in caplog.text and "DJANGO_SECRET_KEY_FALLBACKS" in caplog.text
    assert foreign_task_incident()["count"] == 1

    response = client.get("/readyz", HTTP_AUTHORIZATION="Bearer probe")
    assert response.status_code == 503
    assert "signed with another SECRET_KEY" in response.json()["checks"]["task signatures"]["detail"]


def test_a_task_signed_with_a_fallback_key_runs_during_a_rotation(settings):
    settings.SECRET_KEY_FALLBACKS = ["the-old-key"]
    _queue(_task(7), key="the-old-key")
    [(ack_id, payload)] = GuardedORM().dequeue()
    assert SignedPackage.loads(payload)["args"] == (7,)  # what the pusher checks, with the current key
    assert foreign_task_incident() is None


def test_a_good_task_passes_untouched():
    row = _queue(_task(3), key=Conf.SECRET_KEY)
    [(ack_id, payload)] = GuardedORM().dequeue()
    assert ack_id == row.pk and payload == row.payload


def test_the_run_whose_release_job_was_dropped_is_released_by_the_sweep(
    monkeypatch, reviewer, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The demo's case: an approval queued under one key, workers started under another."""
    run = _run_made_by_local_providers(tmp_path, settings)
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "SECRET_KEY", "the-development-key")  # the process that approved
    get_broker().purge_queue()  # Redis keeps its queue between tests: start from an empty one
    with django_capture_on_commit_callbacks(execute=True):
        run_approve(run=run, actor=reviewer)
    monkeypatch.setattr(Conf, "SECRET_KEY", settings.SECRET_KEY)  # the worker
    assert not get_broker().dequeue()  # the configured broker (ORM, or Redis in CI's second run) drops it, loudly
    assert foreign_task_incident()["count"] == 1

    later = timezone.now() - timedelta(minutes=settings.STUCK_SWEEP_MINUTES + 1)
    GenerationRun.objects.filter(pk=run.pk).update(status_changed_at=later)
    TaskOutbox.objects.filter(key=f"package-release-{run.pk}").update(sent_at=later)
    monkeypatch.setattr(Conf, "SYNC", True)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs_recover_stuck()["releases"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.RELEASED and Release.objects.get(run=run).status == "delivered"
