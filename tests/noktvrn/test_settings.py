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


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x7#kQ2!vLp9@Rt4$Wz8^Nc3&Hb6*Jm1(Yd5)Fg0_Se2+Ua7=Ei4-Oq9~",
    "DJANGO_ALLOWED_HOSTS": "noktvrn.example.com",
    "SITE_URL": "https://noktvrn.example.com",
    "ISRC_REGISTRANT_PREFIX": "DE-A12",
    "UPC_COMPANY_PREFIX": "4012345",
    "NOKTVRN_IGNORE_DOTENV": "1",
}


def test_check_deploy_is_clean_with_production_variables():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**clean, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "noktvrn.settings.production"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_production_is_https_only_and_does_not_allow_the_test_host():
    result = _settings_value(
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS >= 31536000, "
        "'testserver' in settings.ALLOWED_HOSTS",
        {"DJANGO_SECRET_KEY": "s3cret"},
        module="noktvrn.settings.production",
    )
    assert result.stdout.strip() == "(True, True, False)", result.stderr
    result = _settings_value(
        "settings.SECURE_SSL_REDIRECT",
        {"DJANGO_SECRET_KEY": "s3cret", "DJANGO_SSL_REDIRECT": "0"},
        "noktvrn.settings.production",
    )
    assert result.stdout.strip() == "False", result.stderr


def test_postgres_gives_up_connecting_after_a_few_seconds():
    assert database_config("postgres://u@db.example/noktvrn")["OPTIONS"]["connect_timeout"] == 5
    result = _settings_value(
        "settings.DATABASES['default']['OPTIONS']['connect_timeout']",
        {"DATABASE_URL": "postgres://u@db.example/x", "DATABASE_CONNECT_TIMEOUT_SECONDS": "2"},
    )
    assert result.stdout.strip() == "2", result.stderr


def test_test_settings_keep_their_files_in_one_folder_removed_at_exit(tmp_path):
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'noktvrn.settings.test'; "
        "from django.conf import settings; print(settings.TEST_ROOT); "
        "assert settings.MEDIA_ROOT.parent == settings.TEST_ROOT; "
        "name = settings.DATABASES['default'].get('TEST', {}).get('NAME') or str(settings.TEST_ROOT); "
        "assert name.startswith(str(settings.TEST_ROOT))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    root = Path(result.stdout.strip())
    assert root.name.startswith("noktvrn-test-")
    assert not root.exists()
