"""django-q brokers that refuse tasks signed with another SECRET_KEY loudly instead of silently.

django-q signs every task with SECRET_KEY; a worker whose key differs (a host left on the
development key, a rotated key) used to drop such tasks with a stack trace that said
nothing useful, and the run, release or job they were for waited forever. These brokers
check each task's signature as it is pulled:

- signed with a key in SECRET_KEY_FALLBACKS (a rotation in progress): re-signed with the
  current key and run, so rotating the key loses nothing;
- signed with an unknown key: dropped (it cannot be trusted: the payload is a pickle), an
  ERROR is logged saying why, and the incident is recorded in the shared cache, where the
  readiness check reports it. The work itself is recovered from the database by the sweeps
  (stuck runs, approved runs without a release, queued creations, the outbox).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django_q import core_signing
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.signing import BadSignature, PickleSerializer, SignedPackage

logger = logging.getLogger("kernel.brokers")

INCIDENT_KEY = "kernel:broker:foreign-signatures"
INCIDENT_TTL_SECONDS = 7 * 24 * 3600


def _signed_by_fallback(payload) -> object | None:
    for key in getattr(settings, "SECRET_KEY_FALLBACKS", []) or []:
        try:
            return core_signing.loads(payload, key=key, salt=Conf.PREFIX, serializer=PickleSerializer)
        except (TypeError, BadSignature):
            continue
    return None


def foreign_task_record(*, broker: str) -> None:
    """Say loudly that a task signed with another key was dropped, and remember it for /readyz."""
    incident = cache.get(INCIDENT_KEY) or {"count": 0, "first": time.time()}
    incident = {**incident, "count": incident["count"] + 1, "last": time.time(), "broker": broker}
    cache.set(INCIDENT_KEY, incident, INCIDENT_TTL_SECONDS)
    logger.error(
        "Dropped a task signed with a different SECRET_KEY (%s broker, %s so far). The process that queued it "
        "runs with another DJANGO_SECRET_KEY than this worker: give every web and worker host the same key "
        "(during a rotation, put the old one in DJANGO_SECRET_KEY_FALLBACKS). The runs, releases and jobs it "
        "was for are recovered from the database by the sweeps.",
        broker,
        incident["count"],
    )


def foreign_task_incident() -> dict | None:
    """The last drop of a foreign-signed task: {"count", "first", "last", "broker"}, or None."""
    return cache.get(INCIDENT_KEY)


def foreign_task_incident_clear() -> None:
    cache.delete(INCIDENT_KEY)


class _SignatureGuard:
    """Mixed into a django-q broker: `dequeue` hands the pusher only tasks it can verify."""

    kind = "?"

    def dequeue(self):
        tasks = super().dequeue()
        if not tasks:
            return tasks
        accepted = []
        for ack_id, payload in tasks:
            try:
                SignedPackage.loads(payload)
            except (TypeError, BadSignature):
                task = _signed_by_fallback(payload)
                if task is None:
                    self.fail(ack_id)
                    foreign_task_record(broker=self.kind)
                    continue
                logger.warning("Task %s was signed with a fallback SECRET_KEY; re-signed with the current one.", ack_id)
                payload = SignedPackage.dumps(task)
            accepted.append((ack_id, payload))
        return accepted


class GuardedORM(_SignatureGuard, ORM):
    """The database broker (the embedded default), with the signature guard."""

    kind = "orm"


class GuardedRedis(_SignatureGuard, Redis):
    """The Redis broker (REDIS_URL), with the signature guard."""

    kind = "redis"
