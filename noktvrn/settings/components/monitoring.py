"""Settings for monitoring: metrics, Sentry, provider health checks, the weekly report (see .env.example)."""

from __future__ import annotations

import ipaddress

from django.core.exceptions import ImproperlyConfigured

from kernel.env import env_float, env_int, env_list, env_str

# --- /metrics (Prometheus) -----------------------------------------------------------------------
# A scraper sends `Authorization: Bearer <METRICS_TOKEN>` or comes from one of these networks
# (CIDRs, as seen in REMOTE_ADDR: behind a proxy, scrape the app directly or use the token).
METRICS_TOKEN = env_str("METRICS_TOKEN")
try:
    METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network(n, strict=False) for n in env_list("METRICS_ALLOWED_NETWORKS")]
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS must be comma-separated CIDRs: {exc}") from exc
# Multiprocess mode for gunicorn (prometheus_client reads it too); an empty folder, wiped at start.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")

# --- Sentry (sentry-sdk) --------------------------------------------------------------------------
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
SENTRY_RELEASE = env_str("SENTRY_RELEASE")
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)

# --- Provider health checks -------------------------------------------------------------------------
HEALTH_CHECK_MINUTES = env_int("HEALTH_CHECK_MINUTES", 5)
HEALTH_CHECK_TIMEOUT_SECONDS = env_float("HEALTH_CHECK_TIMEOUT_SECONDS", 10.0)
# kind:name keys (llm:openai, music:suno, video:pexels, voice:elevenlabs, distribution:sftp, telegram):
# while one is down, the scheduled batch skips its cycle and says why.
CRITICAL_PROVIDERS = env_list("CRITICAL_PROVIDERS")

# --- Weekly report ------------------------------------------------------------------------------------
WEEKLY_REPORT_CRON = env_str("WEEKLY_REPORT_CRON", "0 6 * * 1")
