"""Settings for the batch pipeline, its schedules, sweeps and the artist lifecycle."""

from __future__ import annotations

from kernel.env import env_float, env_int, env_str

# Batches
BATCH_SIZE = env_int("BATCH_SIZE", 3)
BATCH_CRON = env_str("BATCH_CRON", "*/30 * * * *")
MAX_RUNS_PER_ARTIST_PER_DAY = env_int("MAX_RUNS_PER_ARTIST_PER_DAY", 4)
MIN_ACTIVE_ARTISTS = env_int("MIN_ACTIVE_ARTISTS", 3)
MAX_NEW_ARTISTS_PER_DAY = env_int("MAX_NEW_ARTISTS_PER_DAY", 2)

# Stages: attempts per stage (transient errors are retried with exponential backoff), the
# backoff base in seconds, and how long a stage may run before the sweep deems it lost.
STAGE_MAX_ATTEMPTS = env_int("STAGE_MAX_ATTEMPTS", 3)
STAGE_RETRY_BACKOFF_SECONDS = env_float("STAGE_RETRY_BACKOFF_SECONDS", 2.0)
STAGE_TIME_LIMIT_SECONDS = env_int("STAGE_TIME_LIMIT_SECONDS", 540)
STUCK_SWEEP_MINUTES = env_int("STUCK_SWEEP_MINUTES", 5)

# Artist lifecycle (evaluated by the lifecycle sweep over a rolling window)
LIFECYCLE_WINDOW_DAYS = env_int("LIFECYCLE_WINDOW_DAYS", 30)
LIFECYCLE_MIN_RUNS = env_int("LIFECYCLE_MIN_RUNS", 5)
LIFECYCLE_PROMOTE_APPROVAL_RATE = env_float("LIFECYCLE_PROMOTE_APPROVAL_RATE", 0.5)
LIFECYCLE_PAUSE_APPROVAL_RATE = env_float("LIFECYCLE_PAUSE_APPROVAL_RATE", 0.15)
LIFECYCLE_PAUSE_ERROR_RATE = env_float("LIFECYCLE_PAUSE_ERROR_RATE", 0.5)
LIFECYCLE_RETIRE_REJECTION_STREAK = env_int("LIFECYCLE_RETIRE_REJECTION_STREAK", 8)
LIFECYCLE_INACTIVE_DAYS = env_int("LIFECYCLE_INACTIVE_DAYS", 21)
LIFECYCLE_RETIRE_AFTER_PAUSED_DAYS = env_int("LIFECYCLE_RETIRE_AFTER_PAUSED_DAYS", 60)
# Market fit (evolution's compatibility score): a performance fall pauses under this fit; a
# candidate whose streams jump is promoted at or above the other.
LIFECYCLE_PAUSE_COMPATIBILITY = env_float("LIFECYCLE_PAUSE_COMPATIBILITY", 0.35)
LIFECYCLE_PROMOTE_COMPATIBILITY = env_float("LIFECYCLE_PROMOTE_COMPATIBILITY", 0.6)
LIFECYCLE_SWEEP_CRON = env_str("LIFECYCLE_SWEEP_CRON", "15 * * * *")
# Orientation asked of video providers for each run's clip: landscape, portrait or square.
VIDEO_ORIENTATION = env_str("VIDEO_ORIENTATION", "landscape")
