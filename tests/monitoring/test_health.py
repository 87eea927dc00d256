"""Provider health checks against local servers speaking each vendor's API, and the batch scheduler's gate."""

from __future__ import annotations

import socket
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from generation.models import Batch
from generation.tasks import start_batch
from monitoring.models import ProviderCheck
from monitoring.services.health import provider_check, providers_check, providers_configured
from tests.factories import ArtistFactory

pytestmark = pytest.mark.django_db

MODELS_OK = {"object": "list", "data": [{"id": "gpt-test", "object": "model", "created": 1, "owned_by": "x"}]}


@pytest.fixture
def openai_at(settings):
    def point(url: str) -> None:
        settings.LLM_PROVIDERS = {
            **settings.LLM_PROVIDERS,
            "openai": {"api_key": "sk-test", "base_url": url + "/v1", "model": "gpt-test"},
        }

    return point


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_scheduled_batch_is_skipped_while_a_critical_provider_is_down_and_runs_once_it_is_back(
    settings, scripted_server, openai_at, client
):
    settings.MIN_ACTIVE_ARTISTS = 0
    settings.CRITICAL_PROVIDERS = ["llm:openai"]
    ArtistFactory()
    vendor = scripted_server({"GET /v1/models": (500, {"error": {"message": "internal error"}})})
    openai_at(vendor.url)

    skipped = Batch.objects.get(pk=start_batch(size=1))
    assert skipped.status == Batch.Status.SKIPPED
    assert skipped.runs.count() == 0
    assert "critical provider llm:openai is down" in skipped.notes and "HTTP 500" in skipped.notes
    assert vendor.requests[-1]["headers"]["Authorization"] == "Bearer sk-test"
    check = ProviderCheck.objects.get(provider="llm:openai")
    assert (check.ok, check.critical) == (False, True)

    # the reason is on the batches page
    from tests.factories import UserFactory

    client.force_login(UserFactory(groups=["Operators"]))
    page = client.get("/batches/").content.decode()
    assert "Skipped" in page and "critical provider llm:openai is down" in page

    vendor.routes["GET /v1/models"] = (200, MODELS_OK)
    resumed = Batch.objects.get(pk=start_batch(size=1))
    assert resumed.status != Batch.Status.SKIPPED
    assert resumed.runs.count() == 1
    assert list(ProviderCheck.objects.filter(provider="llm:openai").order_by("pk").values_list("ok", flat=True)) == [
        False,
        True,
    ]


def test_a_closed_port_counts_as_down(settings, openai_at):
    settings.CRITICAL_PROVIDERS = ["llm:openai"]
    openai_at(f"http://127.0.0.1:{closed_port()}")
    settings.MIN_ACTIVE_ARTISTS = 0
    batch = Batch.objects.get(pk=start_batch(size=1))
    assert batch.status == Batch.Status.SKIPPED
    assert "ConnectError" in batch.notes


def test_without_critical_providers_the_gate_lets_every_batch_run(settings):
    settings.CRITICAL_PROVIDERS = []
    settings.MIN_ACTIVE_ARTISTS = 0
    ArtistFactory()
    assert Batch.objects.get(pk=start_batch(size=1)).runs.count() == 1
    assert not ProviderCheck.objects.exists()


def test_refused_credentials_are_down_and_rate_limits_are_up(settings, scripted_server, openai_at):
    vendor = scripted_server({"GET /v1/models": (401, {"error": {"message": "bad key"}})})
    openai_at(vendor.url)
    result = provider_check("llm:openai")
    assert (result.ok, result.detail) == (False, "CheckFailed: HTTP 401: credentials refused")
    vendor.routes["GET /v1/models"] = (429, {"error": {"message": "slow down"}})
    assert provider_check("llm:openai").ok


def test_each_vendor_is_checked_with_its_own_request(settings, scripted_server):
    vendor = scripted_server(
        {
            "GET /api/v1/generate/credit": (200, {"code": 200, "msg": "success", "data": 240}),
            "GET /videos/popular": (200, {"page": 1, "per_page": 1, "videos": []}),
            "GET /v1/voices/voice-1": (200, {"voice_id": "voice-1", "name": "Rachel"}),
            "GET /botTOKEN:1/getMe": (200, {"ok": True, "result": {"id": 1, "username": "noktvrn_bot"}}),
            "GET /v1/models": (200, {"data": [], "has_more": False}),
            "GET /v1beta/models": (200, {"models": []}),
            "GET /v1/account": (200, {"type": "user", "username": "noktvrn"}),
            "GET /dream-machine/v1/credits": (200, {"credit_balance": 10}),
            "GET /api/videos/": (200, {"total": 0, "totalHits": 0, "hits": []}),
            "POST /api/v0/version": (200, {"Version": "0.30.0", "Commit": "", "Repo": "16"}),
            "OPTIONS /upload": (204, b""),
        }
    )
    settings.SUNO_API_KEY, settings.SUNO_BASE_URL = "suno-key", vendor.url
    settings.PEXELS_API_KEY, settings.PEXELS_BASE_URL = "pexels-key", vendor.url
    settings.PIXABAY_API_KEY, settings.PIXABAY_BASE_URL = "pixabay-key", vendor.url
    settings.LUMA_API_KEY, settings.LUMA_BASE_URL = "luma-key", vendor.url
    settings.REPLICATE_API_TOKEN, settings.REPLICATE_BASE_URL = "r8-key", vendor.url
    settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL = "xi-key", vendor.url
    settings.ELEVENLABS_VOICE_ID = "voice-1"
    settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_API_BASE_URL = "TOKEN:1", vendor.url
    settings.RELEASE_IPFS_API_URL = vendor.url
    settings.RELEASE_HTTPS_URL, settings.RELEASE_HTTPS_TOKEN = vendor.url + "/upload", "upload-token"
    settings.LLM_PROVIDERS = {
        **settings.LLM_PROVIDERS,
        "anthropic": {"api_key": "ant-key", "base_url": vendor.url, "model": "claude"},
        "gemini": {"api_key": "gem-key", "base_url": vendor.url, "model": "gemini"},
    }
    expected_headers = {
        "music:suno": ("/api/v1/generate/credit", "Authorization", "Bearer suno-key"),
        "music:replicate": ("/v1/account", "Authorization", "Bearer r8-key"),
        "video:pexels": ("/videos/popular", "Authorization", "pexels-key"),
        "video:pixabay": ("/api/videos/", None, None),
        "video:luma": ("/dream-machine/v1/credits", "Authorization", "Bearer luma-key"),
        "voice:elevenlabs": ("/v1/voices/voice-1", "xi-api-key", "xi-key"),
        "telegram": ("/botTOKEN:1/getMe", None, None),
        "llm:anthropic": ("/v1/models", "x-api-key", "ant-key"),
        "llm:gemini": ("/v1beta/models", "x-goog-api-key", "gem-key"),
        "distribution:ipfs": ("/api/v0/version", None, None),
        "distribution:https": ("/upload", "Authorization", "Bearer upload-token"),
    }
    for provider, (path, header, value) in expected_headers.items():
        result = provider_check(provider)
        assert result.ok, (provider, result.detail)
        seen = vendor.requests[-1]
        assert seen["path"] == path, provider
        if header:
            assert seen["headers"].get(header) == value, provider
    assert provider_check("music:suno").detail == "240 credits left"
    assert provider_check("telegram").detail == "bot @noktvrn_bot"


def test_the_embedded_defaults_check_themselves():
    for provider in ("llm:local", "music:local", "video:local", "distribution:outbox"):
        result = provider_check(provider)
        assert result.ok, (provider, result.detail)


def test_an_unknown_provider_is_down_with_a_readable_reason():
    result = provider_check("music:nope")
    assert not result.ok and "unknown provider 'music:nope'" in result.detail


def test_configured_providers_follow_the_settings(settings):
    settings.LLM_CHAINS = {role: "local" for role in settings.LLM_ROLES}
    settings.MUSIC_PROVIDER = "local"
    settings.VIDEO_PROVIDERS = ["pexels", "local"]
    settings.DISTRIBUTORS = ["outbox"]
    settings.ELEVENLABS_API_KEY = ""
    settings.TELEGRAM_BOT_TOKEN = "t"
    settings.CRITICAL_PROVIDERS = ["music:suno"]
    assert providers_configured() == [
        "llm:local",
        "music:local",
        "video:pexels",
        "video:local",
        "distribution:outbox",
        "telegram",
        "music:suno",
    ]


def test_the_check_command_and_the_health_page_show_the_history(settings, staff_client, django_assert_max_num_queries):
    settings.LLM_CHAINS = {role: "local" for role in settings.LLM_ROLES}
    settings.VIDEO_PROVIDERS = ["local"]
    settings.DISTRIBUTORS = ["outbox"]
    settings.TELEGRAM_BOT_TOKEN = ""
    settings.ELEVENLABS_API_KEY = ""
    settings.MUSIC_PROVIDER = "local"
    settings.CRITICAL_PROVIDERS = []
    out = StringIO()
    call_command("check_providers", stdout=out)
    call_command("check_providers", stdout=StringIO())
    assert "up   llm:local" in out.getvalue()
    assert ProviderCheck.objects.count() == 8
    providers_check(["music:nope"])
    with django_assert_max_num_queries(6):
        page = staff_client.get(reverse("monitoring:health"))
    assert page.status_code == 200
    rows = {row["provider"]: row for row in page.context["providers"]}
    assert rows["llm:local"]["uptime"] == 1.0 and len(rows["llm:local"]["history"]) == 2
    assert rows["music:nope"]["uptime"] == 0.0
    with pytest.raises(SystemExit):
        call_command("check_providers", "music:nope", stdout=StringIO())


def test_setup_schedules_creates_the_monitoring_jobs(settings):
    from django_q.models import Schedule

    settings.HEALTH_CHECK_MINUTES = 7
    settings.WEEKLY_REPORT_CRON = "0 5 * * 1"
    call_command("setup_schedules", stdout=StringIO())
    health = Schedule.objects.get(name="provider health checks")
    assert (health.func, health.schedule_type, health.minutes) == ("monitoring.tasks.check_providers", "I", 7)
    report = Schedule.objects.get(name="weekly report")
    assert (report.func, report.schedule_type, report.cron) == ("monitoring.tasks.make_weekly_report", "C", "0 5 * * 1")


def test_the_dashboard_shows_provider_health_errors_reports_and_what_is_down(settings, staff_client):
    from kernel.monitoring import failure_report
    from monitoring.services.reports import weekly_report_make

    settings.CRITICAL_PROVIDERS = ["music:nope"]
    provider_check("llm:local")
    provider_check("music:nope")
    Batch.objects.create(status=Batch.Status.SKIPPED, notes="Skipped: critical provider music:nope is down")
    failure_report(source="stage", scope="make_cover", exc=OSError("font 12 missing"))
    report = weekly_report_make(send=False)
    page = staff_client.get("/").content.decode()
    assert 'id="panel-providers"' in page and "music:nope" in page and "llm:local" in page
    assert 'id="panel-error-groups"' in page and "font &lt;n&gt; missing" in page
    assert f"/monitoring/reports/{report.pk}.md" in page
    assert "providers down" in page and "(critical: batches skip)" in page
    assert "scheduled batches skipped in the last 24 h" in page


def test_the_demo_checks_the_providers_and_makes_this_weeks_report(settings):
    from monitoring.models import WeeklyReport
    from noktvrn.demo import seed_demo_monitoring

    settings.LLM_CHAINS = {role: "local" for role in settings.LLM_ROLES}
    settings.MUSIC_PROVIDER, settings.VIDEO_PROVIDERS, settings.DISTRIBUTORS = "local", ["local"], ["outbox"]
    settings.TELEGRAM_BOT_TOKEN = settings.ELEVENLABS_API_KEY = ""
    settings.CRITICAL_PROVIDERS = []
    first = seed_demo_monitoring()
    assert first["providers"] == {
        "llm:local": True,
        "music:local": True,
        "video:local": True,
        "distribution:outbox": True,
    }
    seed_demo_monitoring()
    assert WeeklyReport.objects.count() == 1  # the same week: replaced, not duplicated
