"""Suite-wide fixtures. The network is closed: only loopback and Unix sockets connect."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from rest_framework.test import APIClient

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _allowed(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # Unix socket path
        return True
    host = address[0] if isinstance(address, tuple) else None
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except (TypeError, ValueError):
        return False


def _guarded_connect(self: socket.socket, address: object):
    if not _allowed(address):
        raise OSError(f"Network access is disabled in tests (tried {address!r}); fake the vendor locally.")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object):
    if not _allowed(address):
        raise OSError(f"Network access is disabled in tests (tried {address!r}); fake the vendor locally.")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture
def prompt_templates():
    """The seeded prompt templates again: earlier transactional tests flush every table, them included."""
    import importlib

    from django.apps import apps

    importlib.import_module("llm.migrations.0003_seed_prompt_templates").seed(apps, None)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def reviewer(db):
    from tests.factories import UserFactory

    return UserFactory(groups=["Reviewers"])


@pytest.fixture
def operator(db):
    from tests.factories import UserFactory

    return UserFactory(groups=["Operators"])


@pytest.fixture
def reviewer_client(reviewer) -> APIClient:
    client = APIClient()
    client.force_authenticate(reviewer)
    return client


@pytest.fixture
def operator_client(operator) -> APIClient:
    client = APIClient()
    client.force_authenticate(operator)
    return client


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres"):
        from django.conf import settings

        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the throwaway folder of the test settings (media, static, SQLite test database)."""
    import shutil

    from django.conf import settings

    root = getattr(settings, "TEST_ROOT", None)
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)


class BrokerSwitch:
    """Takes the django-q broker down and brings it back, at the broker's own boundary.

    Down: the Redis broker points at a loopback port nobody listens on, so every enqueue
    fails with a connection error exactly as during a Redis outage. Up: the test
    settings' synchronous broker again (tasks run at once).
    """

    def __init__(self) -> None:
        from django_q.conf import Conf

        self._conf = Conf
        self._saved = {name: getattr(Conf, name) for name in ("SYNC", "ORM", "REDIS", "BROKER_CLASS")}

    def down(self) -> None:
        with socket.socket() as probe:  # a port that was free a moment ago: connections are refused
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self._conf.SYNC = False
        self._conf.ORM = None
        self._conf.BROKER_CLASS = None
        self._conf.REDIS = f"redis://127.0.0.1:{port}/0"

    def up(self) -> None:
        for name, value in self._saved.items():
            setattr(self._conf, name, value)


@pytest.fixture
def broker():
    switch = BrokerSwitch()
    yield switch
    switch.up()


@pytest.fixture(autouse=True)
def _fresh_breakers():
    """Circuit breakers and budgets live in the shared cache: no test inherits another's failures."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
