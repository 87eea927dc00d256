"""The files under deploy/ are checked by the tools that will read them, where this machine has them.

`docker compose config` parses, interpolates and validates the compose file without a daemon;
`systemd-analyze verify` parses the units. Each test is skipped when its tool is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def _compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=60)  # noqa: S607
    return probe.returncode == 0


needs_compose = pytest.mark.skipif(not _compose_available(), reason="needs the docker client with compose")


def _compose(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    # No deploy/.env on a fresh checkout: the file must validate without one (it is optional).
    return subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), *args],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "DOCKER_CONFIG": str(tmp_path)},
    )


@needs_compose
def test_the_compose_file_validates(tmp_path):
    checked = _compose("config", "--quiet", tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "WARN" not in checked.stderr, checked.stderr
    services = _compose("config", "--services", tmp_path=tmp_path)
    assert set(services.stdout.split()) == {"db", "redis", "minio", "minio-bucket", "migrate", "web", "worker"}


@needs_compose
def test_web_and_workers_get_the_same_settings(tmp_path):
    import json

    rendered = json.loads(_compose("config", "--format", "json", tmp_path=tmp_path).stdout)
    web, worker = rendered["services"]["web"]["environment"], rendered["services"]["worker"]["environment"]
    assert {k: v for k, v in web.items() if k != "GUNICORN_BIND"} == worker
    assert worker["DJANGO_SETTINGS_MODULE"] == "noktvrn.settings.production"


# The units name the install paths (/srv/noktvrn/.venv/...), which this machine does not have.
NOT_INSTALLED = re.compile(r"Command /srv/noktvrn/\S+ is not executable: No such file or directory")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_the_systemd_units_verify(unit, tmp_path):
    # A template is verified as one of its instances.
    target = tmp_path / unit.name.replace("@.service", "@1.service")
    target.write_text(unit.read_text())
    checked = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(target)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=120,
    )
    problems = [
        line
        for line in (checked.stdout + checked.stderr).splitlines()
        if line.strip() and not NOT_INSTALLED.search(line)
    ]
    assert problems == [], "\n".join(problems)


def test_there_are_units_for_web_and_workers():
    assert [unit.name for unit in UNITS] == ["noktvrn-web.service", "noktvrn-worker@.service"]
