"""Markets pages in a real browser: headless Debian chromium driven by Playwright.

A staff member opens the markets overview and a country page; every chart canvas is drawn by
the vendored Chart.js (static/vendor/chart.js) through static/js/charts.js, with pixels on it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from markets.models import TrackFeatures
from markets.services.demo import demo_charts
from markets.services.imports import charts_store
from markets.services.profiles import profiles_rebuild
from tests.e2e.test_review_browser import chromium_path, page  # noqa: F401 (fixtures)
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAINTED = """(id) => {
  const canvas = document.getElementById(id);
  if (!canvas || canvas.dataset.drawn !== "1" || !window.noktvrnCharts.instances[id]) return 0;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return painted;
}"""


def _signed_in(page, live_server) -> None:  # noqa: F811
    # Transactional tests flush the groups made by migrations: grant the permission directly.
    user = UserFactory(username="markets-e2e")
    user.user_permissions.add(Permission.objects.get(codename="view_countryprofile"))
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_overview_and_country_page_draw_their_charts(live_server, page):  # noqa: F811
    charts, genres = demo_charts(end=dt.date(2026, 11, 26), weeks=16, rows=30, countries=["BR", "KR"])
    charts_store(charts, genres=genres, feature_source=TrackFeatures.Source.DEMO)
    profiles_rebuild(touched=None)
    _signed_in(page, live_server)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/markets/")
    assert page.locator(".country-card").count() == 2
    for country in ("BR", "KR"):
        page.wait_for_function("(id) => document.getElementById(id).dataset.drawn === '1'", arg=f"card-{country}")
        assert page.evaluate(PAINTED, f"card-{country}") > 500

    page.click("text=BR")
    page.wait_for_url(f"{live_server.url}/markets/countries/BR/?period=week")
    for chart_id in ("forecast-chart", "shares-chart", "tempo-chart"):
        page.wait_for_function("(id) => document.getElementById(id).dataset.drawn === '1'", arg=chart_id)
        assert page.evaluate(PAINTED, chart_id) > 500, chart_id
    labels = page.evaluate("() => noktvrnCharts.instances['forecast-chart'].data.datasets.map(d => d.label)")
    assert {"energy", "forecast (ETS)", "naive", "drift", "95% interval", "80% interval"} <= set(labels)
    assert "MASE" in page.locator("#backtest").inner_text()
    assert page.locator("#chart-table tbody tr").count() == 30
    assert errors == []
