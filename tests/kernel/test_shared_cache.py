"""The cache is shared by every process (database by default): a breaker opened in a worker is seen by the web."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

from tests.generation.test_worker_crash import _database_url

ROOT = Path(__file__).resolve().parents[2]


def test_migrate_creates_the_cache_table(db):
    assert "noktvrn_cache" in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_a_breaker_opened_in_another_process_is_seen_here(settings):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": "",
        "LLM_COOLDOWN_FAILURES": "1",
    }
    script = (
        "from django.conf import settings; assert settings.CACHES['default']['BACKEND'].endswith('DatabaseCache');"
        "from llm import breaker; assert breaker.record_failure('openai')"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True, timeout=120)

    shared = DatabaseCache("noktvrn_cache", {})
    assert shared.get("llm:breaker:open-until:openai") is not None
    shared.clear()
