"""Settings for the analytics area, read from the environment (see .env.example)."""

from __future__ import annotations

from kernel.env import env_float, env_int

# Wall-clock limit for analysing one file; checked between stages. Shorter than the documented
# gunicorn timeout (60 s) and the worker timeout (Q_TIMEOUT_SECONDS; system check analytics.E001).
AUDIO_ANALYSIS_TIME_LIMIT_SECONDS = env_float("AUDIO_ANALYSIS_TIME_LIMIT_SECONDS", 50.0)
# Longest audio accepted, in seconds (longer files are refused before decoding).
AUDIO_ANALYSIS_MAX_SECONDS = env_float("AUDIO_ANALYSIS_MAX_SECONDS", 45 * 60.0)
# Largest upload accepted by POST /api/v1/tracks/analyze/, in bytes.
AUDIO_ANALYSIS_MAX_UPLOAD_BYTES = int(env_float("AUDIO_ANALYSIS_MAX_UPLOAD_BYTES", 100 * 1024 * 1024))
# Uploads longer than this are streamed down to 22.05 kHz before analysis: a 44-minute stereo
# FLAC peaks at 1.6 GB instead of 2.9 GB (bench/audio/upload_memory.py, docs/benchmarks.md).
AUDIO_ANALYSIS_FULL_RATE_MAX_SECONDS = env_float("AUDIO_ANALYSIS_FULL_RATE_MAX_SECONDS", 600.0)
# Analysis jobs one user may have queued or running at once (429 beyond).
AUDIO_ANALYSIS_JOBS_PER_USER = env_int("AUDIO_ANALYSIS_JOBS_PER_USER", 2)
# The analysis sweep: fails jobs whose worker died, re-queues lost ones, removes leftover
# temporary files older than ANALYSIS_TEMP_MAX_AGE_MINUTES (uploads of killed web workers too).
ANALYSIS_SWEEP_MINUTES = env_int("ANALYSIS_SWEEP_MINUTES", 15)
ANALYSIS_TEMP_MAX_AGE_MINUTES = env_int("ANALYSIS_TEMP_MAX_AGE_MINUTES", 60)
