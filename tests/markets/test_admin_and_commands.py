"""The back office upload form and the profile rebuild command use the same services as the API."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from markets.models import Chart, ChartImport, CountryProfile
from tests.markets import samples

pytestmark = pytest.mark.django_db


def test_upload_form_imports_files_and_reports_skipped_rows(operator):
    operator.is_staff = True
    operator.save()
    client = Client()
    client.force_login(operator)
    page = client.get("/admin/markets/chartimport/upload/")
    assert page.status_code == 200 and b"chart-upload" in page.content
    broken = samples.SPOTIFY_DAILY + "3,spotify:track:6dOtVTDdiauQNBQEDOtlAB,X,Y,Z,3,3,3,many\n"
    response = client.post(
        "/admin/markets/chartimport/upload/",
        {
            "files": [
                SimpleUploadedFile("regional-br-weekly-2026-09-03.csv", samples.SPOTIFY_WEEKLY.encode()),
                SimpleUploadedFile("regional-br-daily-2026-09-03.csv", broken.encode()),
                SimpleUploadedFile("notes.csv", b"hello\n"),
            ]
        },
        follow=True,
    )
    text = response.content.decode()
    assert "Regional-br-weekly-2026-09-03.csv (spotify-weekly): 1 created" in text  # the admin capitalises
    assert "line 4: streams is not a whole number: &#x27;many&#x27;" in text
    assert "Notes.csv: unrecognised chart layout (header &#x27;hello&#x27;)" in text
    assert Chart.objects.count() == 2
    assert set(ChartImport.objects.values_list("channel", flat=True)) == {"admin"}
    changelist = client.get("/admin/markets/chartimport/")
    assert b"Import chart files" in changelist.content


def test_upload_form_needs_the_import_permission(reviewer):
    client = Client()
    client.force_login(reviewer)
    reviewer.is_staff = True
    reviewer.save()
    assert client.get("/admin/markets/chartimport/upload/").status_code == 403


def test_build_country_profiles_full_and_incremental(market_history):
    CountryProfile.objects.all().delete()
    out = StringIO()
    call_command("build_country_profiles", stdout=out)
    assert "chart entries" in out.getvalue()
    full = CountryProfile.objects.count()
    assert full > 0
    out = StringIO()
    call_command("build_country_profiles", "--country", "BR", "--date", "2026-11-26", stdout=out)
    assert CountryProfile.objects.count() == full
    assert re.match(r"\d+ profiles \(\d+ country periods, \d+ chart entries\)", out.getvalue())


def test_setup_schedules_creates_the_chart_pull_once(settings):
    from django_q.models import Schedule

    settings.MARKETS_PULL_CRON = "5 4 * * *"
    call_command("setup_schedules", stdout=StringIO())
    call_command("setup_schedules", stdout=StringIO())
    pull = Schedule.objects.get(name="market charts pull")
    assert (pull.func, pull.cron, pull.schedule_type) == ("markets.tasks.pull_charts", "5 4 * * *", Schedule.CRON)
