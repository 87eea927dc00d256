"""Settings for handing work to the workers: the task outbox and its sweep."""

from __future__ import annotations

from kernel.env import env_int

# Hand-overs sent per drain, and how long sent ones are kept (admin, debugging).
OUTBOX_DRAIN_LIMIT = env_int("OUTBOX_DRAIN_LIMIT", 500)
OUTBOX_RETENTION_HOURS = env_int("OUTBOX_RETENTION_HOURS", 48)
# The outbox sweep's period: how long a hand-over waits at most after the broker is back.
OUTBOX_SWEEP_MINUTES = env_int("OUTBOX_SWEEP_MINUTES", 1)
# /readyz fails this long after a worker dropped a task signed with another SECRET_KEY.
TASK_SIGNATURE_ALERT_MINUTES = env_int("TASK_SIGNATURE_ALERT_MINUTES", 15)
