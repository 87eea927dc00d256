"""Settings for the markets area: chart sources, countries, previews, alerts (see .env.example)."""

from __future__ import annotations

from kernel.env import env_float, env_int, env_list, env_str

# Countries whose live charts are pulled on schedule (ISO 3166-1 alpha-2).
MARKETS_COUNTRIES = [code.upper() for code in env_list("MARKETS_COUNTRIES", "US,GB,DE,FR,BR,MX,JP,KR,ES,IT")]
# When the chart pull runs (cron, in TIME_ZONE); created once by `setup_schedules`.
MARKETS_PULL_CRON = env_str("MARKETS_PULL_CRON", "30 6 * * *")
# Sources pulled on schedule, from apple_music, deezer, lastfm (lastfm also needs LASTFM_API_KEY).
MARKETS_PULL_SOURCES = env_list("MARKETS_PULL_SOURCES", "apple_music,deezer,lastfm")
# Rows asked from each live chart.
MARKETS_PULL_LIMIT = env_int("MARKETS_PULL_LIMIT", 100)
# Previews analysed per pull (each is a 30 s download and about a second of analysis).
MARKETS_PREVIEWS_PER_PULL = env_int("MARKETS_PREVIEWS_PER_PULL", 50)
# Largest chart file accepted by the upload form, the API and the command, in bytes.
MARKETS_IMPORT_MAX_BYTES = env_int("MARKETS_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Largest preview downloaded for analysis, in bytes (a 30 s MP3 is about 0.5-1 MB).
MARKETS_PREVIEW_MAX_BYTES = env_int("MARKETS_PREVIEW_MAX_BYTES", 5 * 1024 * 1024)

# --- Vendors (no paid key needed; base URLs overridable for local servers and tests) -----------
APPLE_MUSIC_RSS_BASE_URL = env_str("APPLE_MUSIC_RSS_BASE_URL", "https://rss.marketingtools.apple.com").rstrip("/")
DEEZER_BASE_URL = env_str("DEEZER_BASE_URL", "https://api.deezer.com").rstrip("/")
# Deezer's /chart/0/tracks answers for the caller's location: the country its chart is filed under.
DEEZER_CHART_COUNTRY = env_str("DEEZER_CHART_COUNTRY", "").upper()
LASTFM_BASE_URL = env_str("LASTFM_BASE_URL", "https://ws.audioscrobbler.com").rstrip("/")
LASTFM_API_KEY = env_str("LASTFM_API_KEY")
ITUNES_BASE_URL = env_str("ITUNES_BASE_URL", "https://itunes.apple.com").rstrip("/")
MARKETS_HTTP_TIMEOUT_SECONDS = env_float("MARKETS_HTTP_TIMEOUT_SECONDS", 15.0)
MARKETS_HTTP_MAX_ATTEMPTS = env_int("MARKETS_HTTP_MAX_ATTEMPTS", 4)
# Longest Retry-After honoured before giving up on a 429 (the schedule tries again next time).
MARKETS_HTTP_MAX_RETRY_AFTER_SECONDS = env_float("MARKETS_HTTP_MAX_RETRY_AFTER_SECONDS", 60.0)

# --- Trends, alerts, forecasts -----------------------------------------------------------------
# Periods of history a trend is fitted on, and the p-value under which it counts as significant.
MARKETS_TREND_WINDOW = env_int("MARKETS_TREND_WINDOW", 12)
MARKETS_TREND_P_VALUE = env_float("MARKETS_TREND_P_VALUE", 0.05)
# An alert fires when the latest value is this many baseline standard deviations from the
# mean of the previous MARKETS_ALERT_BASELINE periods.
MARKETS_ALERT_BASELINE = env_int("MARKETS_ALERT_BASELINE", 8)
MARKETS_ALERT_Z = env_float("MARKETS_ALERT_Z", 5.0)
# Periods ahead forecast (4-8) and rolling-origin backtest folds.
MARKETS_FORECAST_HORIZON = env_int("MARKETS_FORECAST_HORIZON", 6)
MARKETS_BACKTEST_ORIGINS = env_int("MARKETS_BACKTEST_ORIGINS", 6)
