"""Configuration from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from noktvrn.settings.base import database_config

ROOT = Path(__file__).resolve().parents[2]


def test_sqlite_default_is_tuned_for_concurrent_use():
    config = database_config("sqlite:////tmp/x.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["timeout"] >= 5


def test_postgres_url_is_parsed():
    config = database_config("postgres://u:p@db.example:5433/noktvrn")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", 5433, "noktvrn")


def _settings_value(
    expr: str, env: dict[str, str], module: str = "noktvrn.settings.base"
) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL", "DATABASE_URL"))}
    code = (
        f"import os; os.environ['DJANGO_SETTINGS_MODULE'] = '{module}'; "
        f"from django.conf import settings; print(repr(({expr})))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_redis_url_switches_the_broker():
    result = _settings_value(
        "settings.Q_CLUSTER.get('redis'), settings.Q_CLUSTER.get('orm')", {"REDIS_URL": "redis://h:6379/1"}
    )
    assert result.stdout.strip() == "('redis://h:6379/1', None)", result.stderr
    result = _settings_value("settings.Q_CLUSTER.get('redis'), settings.Q_CLUSTER.get('orm')", {})
    assert result.stdout.strip() == "(None, 'default')", result.stderr


def test_q_cluster_timeout_is_shorter_than_retry():
    result = _settings_value(
        "settings.Q_CLUSTER['timeout'] < settings.Q_CLUSTER['retry'], settings.Q_CLUSTER['max_attempts']", {}
    )
    assert result.stdout.strip() == "(True, 3)", result.stderr


@pytest.mark.parametrize("secret", ["", None])
def test_production_refuses_to_start_without_secret(secret):
    env = {} if secret is None else {"DJANGO_SECRET_KEY": secret}
    result = _settings_value("settings.DEBUG", env, module="noktvrn.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_starts_with_secret():
    result = _settings_value("settings.DEBUG", {"DJANGO_SECRET_KEY": "s3cret"}, module="noktvrn.settings.production")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
