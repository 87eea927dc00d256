"""Settings for the analytics area, read from the environment (see .env.example)."""

from __future__ import annotations

from kernel.env import env_float

# Wall-clock limit for analysing one file; checked between stages, so a worker is never held
# by one file (the django-q task timeout is the outer bound).
AUDIO_ANALYSIS_TIME_LIMIT_SECONDS = env_float("AUDIO_ANALYSIS_TIME_LIMIT_SECONDS", 120.0)
# Longest audio accepted, in seconds (longer files are refused before decoding).
AUDIO_ANALYSIS_MAX_SECONDS = env_float("AUDIO_ANALYSIS_MAX_SECONDS", 45 * 60.0)
# Largest upload accepted by POST /api/v1/tracks/analyze/, in bytes.
AUDIO_ANALYSIS_MAX_UPLOAD_BYTES = int(env_float("AUDIO_ANALYSIS_MAX_UPLOAD_BYTES", 100 * 1024 * 1024))
