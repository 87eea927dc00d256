"""Login throttling (django-axes): failures per user name and per address lock the login out."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "right-horse-battery-staple"


@pytest.fixture
def user():
    reviewer = UserFactory(groups=["Reviewers"], username="rita")
    reviewer.set_password(PASSWORD)
    reviewer.save()
    return reviewer


def _login(client: Client, path: str, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("path", ["/review/login/", "/admin/login/"])
def test_the_right_password_is_refused_after_too_many_wrong_ones(client, user, settings, path):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert _login(client, path, "rita", "wrong").status_code in (200, 429)
    response = _login(client, path, "rita", PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.LOGIN_LOCKOUT_MINUTES * 60
    assert "_auth_user_id" not in client.session


def test_the_user_name_is_locked_whatever_the_address(client, user, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "/review/login/", "rita", "wrong", address=f"10.0.1.{attempt}")
    assert _login(client, "/review/login/", "rita", PASSWORD, address="10.9.9.9").status_code == 429


def test_an_address_is_locked_whatever_the_user_name(client, user, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "/review/login/", f"guess{attempt}", "wrong", address="10.0.2.2")
    assert _login(client, "/review/login/", "rita", PASSWORD, address="10.0.2.2").status_code == 429
    # Another address can still sign in as that user.
    response = _login(client, "/review/login/", "rita", PASSWORD, address="10.0.3.3")
    assert response.status_code == 302


def test_a_few_failures_then_success_signs_in_and_resets(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "/review/login/", "rita", "wrong")
    response = _login(client, "/review/login/", "rita", PASSWORD)
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="rita").exists()


def test_attempts_do_not_store_the_password(client, user):
    _login(client, "/review/login/", "rita", "hunter2-secret")
    attempt = AccessAttempt.objects.get()
    assert "hunter2-secret" not in (attempt.post_data or "")


def test_behind_one_proxy_the_forwarded_address_is_locked(client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/review/login/",
            {"username": f"guess{attempt}", "password": "x"},
            REMOTE_ADDR="10.0.0.254",  # the proxy
            HTTP_X_FORWARDED_FOR=f"1.2.3.{attempt}, 198.51.100.7",  # forged part, then the proxy's entry
        )
    response = client.post(
        "/review/login/",
        {"username": "rita", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    assert response.status_code == 429
    other = client.post(
        "/review/login/",
        {"username": "rita", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert other.status_code == 302
