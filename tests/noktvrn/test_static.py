"""Project-wide static files: the stylesheet and the favicon are served, every page links them."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command


def test_favicon_and_stylesheet_are_found():
    assert finders.find("favicon.svg") and finders.find("css/noktvrn.css")


@pytest.mark.django_db
def test_favicon_ico_redirects_to_the_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


@pytest.mark.django_db
def test_staff_pages_link_the_favicon_and_stylesheet(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "b@x.invalid", "pw"))
    for url in ("/", "/review/", "/admin/"):
        body = client.get(url).content.decode()
        assert "favicon.svg" in body, url
    assert "css/noktvrn.css" in client.get("/review/").content.decode()


def test_management_commands_print_no_system_warnings(capsys):
    call_command("check")
    captured = capsys.readouterr()
    assert "WARNING" not in captured.err + captured.out and "W004" not in captured.err + captured.out
