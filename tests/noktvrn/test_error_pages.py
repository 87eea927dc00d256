"""Friendly error pages (DEBUG is off in the test settings, as in `make run`)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_404_is_friendly_and_lists_no_url_patterns(client, settings):
    assert settings.DEBUG is False
    response = client.get("/no-such-page/")
    content = response.content.decode()
    assert response.status_code == 404
    assert "Nothing here" in content and "/no-such-page/" in content
    assert "URLconf" not in content and "api/v1/" not in content and "admin/" not in content.split("<main>")[1]
    assert 'rel="icon"' in content


def test_500_is_friendly():
    response = server_error(RequestFactory().get("/boom/"))
    content = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in content and "Traceback" not in content


def test_make_run_does_not_turn_debug_pages_on():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "DJANGO_DEBUG:-1" not in makefile


def test_login_password_field_is_styled_like_the_username():
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/noktvrn.css")).read_text()
    rule = next(line for line in css.splitlines() if "input[type=text]" in line)
    assert "input[type=password]" in rule
