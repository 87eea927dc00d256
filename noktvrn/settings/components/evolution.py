"""Settings for evolution: step bounds, score windows, alerts, schedules (see .env.example)."""

from __future__ import annotations

from kernel.env import env_float, env_int, env_str

# Bounds of one evolution step: the most a plan may move each parameter.
EVOLUTION_MAX_TEMPO_STEP_BPM = env_int("EVOLUTION_MAX_TEMPO_STEP_BPM", 4)
EVOLUTION_MAX_ENERGY_STEP = env_float("EVOLUTION_MAX_ENERGY_STEP", 0.05)
EVOLUTION_MAX_VALENCE_STEP = env_float("EVOLUTION_MAX_VALENCE_STEP", 0.05)
# Largest total-variation distance between the old and the new genre mix (0..1).
EVOLUTION_MAX_GENRE_MIX_TV = env_float("EVOLUTION_MAX_GENRE_MIX_TV", 0.1)
# Style notes added plus removed in one step.
EVOLUTION_MAX_STYLE_NOTE_CHANGES = env_int("EVOLUTION_MAX_STYLE_NOTE_CHANGES", 2)
# Evidence windows: review decisions and performance looked at when scoring and planning.
EVOLUTION_REVIEW_WINDOW_DAYS = env_int("EVOLUTION_REVIEW_WINDOW_DAYS", 30)
EVOLUTION_PERFORMANCE_RECENT_DAYS = env_int("EVOLUTION_PERFORMANCE_RECENT_DAYS", 7)
EVOLUTION_PERFORMANCE_BASELINE_DAYS = env_int("EVOLUTION_PERFORMANCE_BASELINE_DAYS", 28)
# A performance alert needs both: |z| of the recent daily mean against the baseline days, and the relative change.
EVOLUTION_ALERT_Z = env_float("EVOLUTION_ALERT_Z", 2.0)
EVOLUTION_ALERT_CHANGE = env_float("EVOLUTION_ALERT_CHANGE", 0.3)
# When plans are proposed for every active artist (cron, UTC), and the scores refreshed.
EVOLUTION_PLAN_CRON = env_str("EVOLUTION_PLAN_CRON", "0 6 * * 1")
EVOLUTION_SCORES_CRON = env_str("EVOLUTION_SCORES_CRON", "30 5 * * *")
# Video learning: a run's weight in the preferred sources and search terms halves every N days.
EVOLUTION_VIDEO_HALF_LIFE_DAYS = env_float("EVOLUTION_VIDEO_HALF_LIFE_DAYS", 14.0)
