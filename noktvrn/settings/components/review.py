"""Settings for the review area, read from the environment (see .env.example).

Services read these through ``django.conf.settings`` at call time, so tests can change them
with the ``settings`` fixture.
"""

from __future__ import annotations

from kernel.env import env_float, env_int, env_int_list, env_str

# --- Expiry ----------------------------------------------------------------------------------
# A run awaiting review longer than this becomes `expired` (swept every REVIEW_SWEEP_MINUTES).
REVIEW_TTL_HOURS = env_float("REVIEW_TTL_HOURS", 72.0)
REVIEW_SWEEP_MINUTES = env_int("REVIEW_SWEEP_MINUTES", 15)
# A decision can be taken back for this long (seconds) after it was made, if its release has not started.
REVIEW_UNDO_SECONDS = env_int("REVIEW_UNDO_SECONDS", 120)
# Runs per page of the browser review queue.
REVIEW_QUEUE_PAGE_SIZE = env_int("REVIEW_QUEUE_PAGE_SIZE", 50)

# --- Telegram (python-telegram-bot, Bot API) ---------------------------------------------------
# Empty token: Telegram is off, the browser queue is the only review channel.
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN")
# Chats that receive each run awaiting review and may decide on it.
TELEGRAM_CHAT_IDS = env_int_list("TELEGRAM_CHAT_IDS")
# When set, only these Telegram users may press Approve/Reject (in the chats above).
TELEGRAM_USER_IDS = env_int_list("TELEGRAM_USER_IDS")
# Echoed by Telegram in X-Telegram-Bot-Api-Secret-Token; the webhook refuses every request without it.
TELEGRAM_WEBHOOK_SECRET = env_str("TELEGRAM_WEBHOOK_SECRET")
# A local Bot API server (or a test fake); default is Telegram's.
TELEGRAM_API_BASE_URL = env_str("TELEGRAM_API_BASE_URL", "https://api.telegram.org").rstrip("/")
TELEGRAM_TIMEOUT_SECONDS = env_float("TELEGRAM_TIMEOUT_SECONDS", 20.0)
# Upload timeout for sendAudio (an MP3 of a few MB).
TELEGRAM_UPLOAD_TIMEOUT_SECONDS = env_float("TELEGRAM_UPLOAD_TIMEOUT_SECONDS", 120.0)
# MP3 bitrate of the preview sent to reviewers; lowered automatically to fit TELEGRAM_MAX_UPLOAD_BYTES.
TELEGRAM_AUDIO_BITRATE = env_int("TELEGRAM_AUDIO_BITRATE", 192_000)
# The Bot API accepts uploads up to 50 MB (more with a local Bot API server).
TELEGRAM_MAX_UPLOAD_BYTES = env_int("TELEGRAM_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)

# --- Integration events (webhooks to endpoints configured in the admin) -----------------------
EVENTS_TIMEOUT_SECONDS = env_float("EVENTS_TIMEOUT_SECONDS", 10.0)
EVENTS_MAX_ATTEMPTS = env_int("EVENTS_MAX_ATTEMPTS", 5)
# Exponential backoff between attempts: base, 2x base, 4x base ... capped at EVENTS_BACKOFF_MAX_SECONDS.
EVENTS_BACKOFF_SECONDS = env_float("EVENTS_BACKOFF_SECONDS", 2.0)
EVENTS_BACKOFF_MAX_SECONDS = env_float("EVENTS_BACKOFF_MAX_SECONDS", 60.0)
