"""Settings for probes, throttling and log redaction, read from the environment (see .env.example)."""

from __future__ import annotations

from datetime import timedelta

from kernel.env import env_float, env_int, env_list, env_str

# --- Readiness probe ---------------------------------------------------------------------------
# Each /readyz check that has not answered by then counts as failed (503), so a database that
# accepts connections but never answers cannot hold the probe.
READYZ_TIMEOUT_SECONDS = env_float("READYZ_TIMEOUT_SECONDS", 3.0)
# Callers sending `Authorization: Bearer <READYZ_TOKEN>` (and signed-in staff) see each check's
# detail; everyone else gets the status only.
READYZ_TOKEN = env_str("READYZ_TOKEN")

# --- Login throttling (django-axes) --------------------------------------------------------------
# After this many failures for one user name, or from one address, logins are refused (429)
# for LOGIN_LOCKOUT_MINUTES, even with the right password.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_float("LOGIN_LOCKOUT_MINUTES", 15.0)
# Reverse proxies in front of the web server that append to X-Forwarded-For; 0 trusts only the
# socket's address (REMOTE_ADDR). With one proxy (nginx, caddy) set 1.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- API throttling (DRF) --------------------------------------------------------------------------
# Per user, for the endpoints that start expensive work; DRF's rate syntax ("N/minute|hour|day").
THROTTLE_ARTIST_GENERATION_RATE = env_str("THROTTLE_ARTIST_GENERATION_RATE", "20/hour")
THROTTLE_AUDIO_ANALYSIS_RATE = env_str("THROTTLE_AUDIO_ANALYSIS_RATE", "30/hour")
THROTTLE_CHART_IMPORT_RATE = env_str("THROTTLE_CHART_IMPORT_RATE", "30/hour")

# --- Secrets in logs -----------------------------------------------------------------------------
# Extra values to mask in every log line and stored vendor record, besides every setting whose
# name ends in _KEY, _TOKEN, _SECRET or _PASSWORD (those are masked without being listed here).
LOG_REDACT_VALUES = env_list("LOG_REDACT_VALUES")

# django-axes: failed logins are recorded in the database, so every web process sees them.
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Either the user name or the address alone reaching the limit locks (a list, not a combination).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# No "AXES: BEGIN" banner on every management command.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "noktvrn.security.login_lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "noktvrn.security.client_address"
# Attempt rows carry the user agent and path only: the password field is never stored.
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "token"]

# Scopes for rest_framework.throttling.ScopedRateThrottle (merged into REST_FRAMEWORK in base).
THROTTLE_RATES = {
    "artist_generation": THROTTLE_ARTIST_GENERATION_RATE,
    "audio_analysis": THROTTLE_AUDIO_ANALYSIS_RATE,
    "chart_import": THROTTLE_CHART_IMPORT_RATE,
}
