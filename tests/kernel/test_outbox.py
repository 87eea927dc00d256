"""kernel/outbox.py: hand-overs survive a broker outage, are sent once, and are deduplicated by key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.signals import pre_enqueue

from kernel.models import TaskOutbox
from kernel.outbox import outbox_drain, outbox_enqueue, outbox_handed_over, outbox_purge
from kernel.tasks import drain_outbox

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def enqueued():
    """Tasks the broker accepted, by name (django-q's own pre_enqueue signal)."""
    seen: list[str] = []

    def receiver(sender, task, **kwargs) -> None:
        seen.append(task["name"])

    pre_enqueue.connect(receiver, dispatch_uid="test-outbox")
    yield seen
    pre_enqueue.disconnect(dispatch_uid="test-outbox")


def test_a_hand_over_is_sent_after_commit_and_not_before(enqueued):
    with transaction.atomic():
        row = outbox_enqueue(task="kernel.tasks.drain_outbox", task_name="probe", key="probe")
        assert enqueued == []  # the state it acts on is not committed yet
    row.refresh_from_db()
    assert enqueued == ["probe"] and row.sent_at is not None and row.attempts == 0


def test_a_rolled_back_transaction_hands_nothing_over(enqueued):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(task="kernel.tasks.drain_outbox", task_name="probe")
        raise RuntimeError("the state change failed")
    assert enqueued == [] and not TaskOutbox.objects.exists()


def test_broker_down_keeps_the_row_with_its_error_and_a_backoff(broker, enqueued):
    broker.down()
    row = outbox_enqueue(task="kernel.tasks.drain_outbox", task_name="probe", key="probe")
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts == 1 and "Connection" in row.last_error
    assert row.available_at > timezone.now()  # the sweep waits before trying again
    assert outbox_drain() == {"sent": 0, "failed": 0}  # not due yet

    TaskOutbox.objects.update(available_at=timezone.now())
    assert outbox_drain() == {"sent": 0, "failed": 1}
    row.refresh_from_db()
    assert row.attempts == 2

    broker.up()
    TaskOutbox.objects.update(available_at=timezone.now())
    assert drain_outbox() == {"sent": 1, "failed": 0, "purged": 0}
    row.refresh_from_db()
    assert row.sent_at is not None and row.last_error == ""


def test_one_waiting_hand_over_per_key(broker):
    broker.down()
    first = outbox_enqueue(task="kernel.tasks.drain_outbox", key="same")
    second = outbox_enqueue(task="kernel.tasks.drain_outbox", key="same")
    assert first.pk == second.pk and TaskOutbox.objects.count() == 1
    assert outbox_handed_over(key="same", within=timedelta(minutes=5))

    broker.up()
    TaskOutbox.objects.update(available_at=timezone.now())
    outbox_drain()
    third = outbox_enqueue(task="kernel.tasks.drain_outbox", key="same")  # sent: a new one may wait
    assert third.pk != first.pk and TaskOutbox.objects.count() == 2


def test_handed_over_forgets_a_hand_over_sent_long_ago():
    row = outbox_enqueue(task="kernel.tasks.drain_outbox", key="old")
    TaskOutbox.objects.filter(pk=row.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    assert not outbox_handed_over(key="old", within=timedelta(minutes=5))
    assert outbox_handed_over(key="old", within=timedelta(hours=2))


def test_purge_forgets_only_old_sent_rows(broker):
    sent = outbox_enqueue(task="kernel.tasks.drain_outbox")
    TaskOutbox.objects.filter(pk=sent.pk).update(sent_at=timezone.now() - timedelta(days=5))
    broker.down()
    waiting = outbox_enqueue(task="kernel.tasks.drain_outbox")
    TaskOutbox.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(days=5))
    assert outbox_purge(older_than_hours=48) == 1
    assert list(TaskOutbox.objects.values_list("pk", flat=True)) == [waiting.pk]
