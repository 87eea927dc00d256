"""Who may do what: every API endpoint, page and media folder, for each kind of user.

Roles: A anonymous, N signed in but in no group, R Reviewers, O Operators, S superuser.
A denied request is 401 (API) or a redirect to the login page (pages, media) for anonymous
callers, and 403 for signed-in users. Every URL pattern of the site (the admin aside, which
Django guards itself) must appear in the table: a new endpoint without a row fails the test.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from analytics.models import AnalysisJob
from artists.models import CreationReport
from evolution.models import EvolutionPlan
from releases.models import ReleaseAsset
from tests.factories import ReleaseFactory, RunFactory, TrackFactory, UserFactory

ROLES = "ANROS"
API, PAGE, PUBLIC = "api", "page", "public"

# (route name, method, path template, kind, roles allowed, status for an allowed role)
# `None` as status: any answer that is not a refusal and not a 5xx (a POST with an empty body).
TABLE: list[tuple[str, str, str, str, str, int | None]] = [
    # --- API ------------------------------------------------------------------------------
    ("api-root", "GET", "/api/v1/", API, "NROS", 200),
    ("artist-list", "GET", "/api/v1/artists/", API, "ROS", 200),
    ("artist-generate", "POST", "/api/v1/artists/generate/", API, "OS", None),
    ("artist-detail", "GET", "/api/v1/artists/{artist}/", API, "ROS", 200),
    ("artist-detail", "PATCH", "/api/v1/artists/{artist}/", API, "OS", None),
    ("artist-creation-report", "GET", "/api/v1/artists/{artist}/creation-report/", API, "OS", 200),
    ("artist-versions", "GET", "/api/v1/artists/{artist}/versions/", API, "ROS", 200),
    ("artist-creation-list", "GET", "/api/v1/artist-creations/", API, "OS", 200),
    ("artist-creation-detail", "GET", "/api/v1/artist-creations/{report}/", API, "OS", 200),
    ("run-list", "GET", "/api/v1/runs/", API, "ROS", 200),
    ("run-detail", "GET", "/api/v1/runs/{run}/", API, "ROS", 200),
    ("run-approve", "POST", "/api/v1/runs/{run}/approve/", API, "RS", None),
    ("run-reject", "POST", "/api/v1/runs/{run}/reject/", API, "RS", None),
    ("run-undo", "POST", "/api/v1/runs/{run}/undo/", API, "RS", None),
    ("batch-list", "GET", "/api/v1/batches/", API, "ROS", 200),
    ("batch-list", "POST", "/api/v1/batches/", API, "OS", None),
    ("batch-detail", "GET", "/api/v1/batches/{batch}/", API, "ROS", 200),
    ("release-list", "GET", "/api/v1/releases/", API, "ROS", 200),
    ("release-detail", "GET", "/api/v1/releases/{release}/", API, "ROS", 200),
    ("release-redeliver", "POST", "/api/v1/releases/{release}/redeliver/", API, "OS", None),
    ("track-analysis-analyze", "POST", "/api/v1/tracks/analyze/", API, "ROS", 400),
    ("analysis-job-list", "GET", "/api/v1/analysis-jobs/", API, "ROS", 200),
    # Everyone sees their own jobs only (404 for another's); superusers see all.
    ("analysis-job-detail", "GET", "/api/v1/analysis-jobs/{job}/", API, "ROS", None),
    ("market-country-list", "GET", "/api/v1/countries/", API, "ROS", 200),
    ("market-country-detail", "GET", "/api/v1/countries/DE/", API, "ROS", None),
    ("country-profile-list", "GET", "/api/v1/country-profiles/", API, "ROS", 200),
    ("country-profile-detail", "GET", "/api/v1/country-profiles/999999/", API, "ROS", 404),
    ("market-trend-list", "GET", "/api/v1/trends/", API, "ROS", 200),
    ("market-trend-detail", "GET", "/api/v1/trends/999999/", API, "ROS", 404),
    ("market-forecast-list", "GET", "/api/v1/forecasts/", API, "ROS", 200),
    ("market-forecast-series", "GET", "/api/v1/forecasts/series/", API, "ROS", None),
    ("market-forecast-detail", "GET", "/api/v1/forecasts/999999/", API, "ROS", 404),
    ("market-alert-list", "GET", "/api/v1/alerts/", API, "ROS", 200),
    ("market-alert-detail", "GET", "/api/v1/alerts/999999/", API, "ROS", 404),
    ("chart-list", "GET", "/api/v1/charts/", API, "ROS", 200),
    ("chart-import-file", "POST", "/api/v1/charts/import/", API, "OS", 400),
    ("chart-detail", "GET", "/api/v1/charts/999999/", API, "ROS", 404),
    ("llm-call-list", "GET", "/api/v1/llm-calls/", API, "OS", 200),
    ("llm-call-providers", "GET", "/api/v1/llm-calls/providers/", API, "OS", 200),
    ("llm-call-detail", "GET", "/api/v1/llm-calls/999999/", API, "OS", 404),
    ("error-group-list", "GET", "/api/v1/error-groups/", API, "OS", 200),
    ("error-group-detail", "GET", "/api/v1/error-groups/999999/", API, "OS", 404),
    ("provider-check-list", "GET", "/api/v1/provider-checks/", API, "OS", 200),
    ("provider-check-summary", "GET", "/api/v1/provider-checks/summary/", API, "OS", 200),
    ("provider-check-detail", "GET", "/api/v1/provider-checks/999999/", API, "OS", 404),
    ("weekly-report-list", "GET", "/api/v1/weekly-reports/", API, "OS", 200),
    ("weekly-report-detail", "GET", "/api/v1/weekly-reports/999999/", API, "OS", 404),
    ("performance-list", "GET", "/api/v1/performance/", API, "ROS", 200),
    ("performance-list", "POST", "/api/v1/performance/", API, "OS", None),
    ("evolution-plan-list", "GET", "/api/v1/evolution-plans/", API, "ROS", 200),
    ("evolution-plan-detail", "GET", "/api/v1/evolution-plans/{plan}/", API, "ROS", 200),
    ("evolution-plan-propose", "POST", "/api/v1/evolution-plans/propose/", API, "OS", 400),
    ("evolution-plan-approve", "POST", "/api/v1/evolution-plans/{plan}/approve/", API, "OS", None),
    ("evolution-plan-reject", "POST", "/api/v1/evolution-plans/{plan}/reject/", API, "OS", None),
    ("evolution-plan-rollback", "POST", "/api/v1/evolution-plans/{plan}/rollback/", API, "OS", None),
    ("artist-score-list", "GET", "/api/v1/artist-scores/", API, "ROS", 200),
    ("artist-score-detail", "GET", "/api/v1/artist-scores/999999/", API, "ROS", 404),
    ("schema", "GET", "/api/schema/", PUBLIC, ROLES, 200),
    ("api-docs", "GET", "/api/docs/", PUBLIC, ROLES, 200),
    ("api-redoc", "GET", "/api/redoc/", PUBLIC, ROLES, 200),
    # --- probes and webhook ------------------------------------------------------------------
    ("healthz", "GET", "/healthz", PUBLIC, ROLES, 200),
    ("readyz", "GET", "/readyz", PUBLIC, ROLES, None),
    ("metrics", "GET", "/metrics", PUBLIC, "", 401),  # METRICS_TOKEN or an allowed network, never a session
    ("telegram-webhook", "POST", "/telegram/webhook/", PUBLIC, "", 403),  # refused without the secret
    ("suno", "POST", "/hooks/suno/not-the-secret/", PUBLIC, "", 403),  # Suno's callBackUrl, same rule
    ("luma", "POST", "/hooks/luma/not-the-secret/", PUBLIC, "", 403),  # Luma's callback_url, same rule
    # --- pages -----------------------------------------------------------------------------------
    ("home", "GET", "/", PUBLIC, ROLES, 200),
    ("favicon.ico", "GET", "/favicon.ico", PUBLIC, ROLES, 301),
    ("login", "GET", "/review/login/", PUBLIC, ROLES, None),  # signed-in users are sent on to the queue
    ("queue", "GET", "/review/", PAGE, "ROS", 200),  # operators see the queue; only reviewers decide
    ("detail", "GET", "/review/runs/{run}/", PAGE, "ROS", 200),
    ("decide", "POST", "/review/runs/{run}/decide/", PAGE, "RS", 302),
    ("bulk", "POST", "/review/bulk/", PAGE, "RS", 302),
    ("undo", "POST", "/review/runs/{run}/undo/", PAGE, "RS", 302),
    ("list", "GET", "/batches/", PAGE, "ROS", 200),
    ("start", "POST", "/batches/start/", PAGE, "OS", 302),
    ("detail", "GET", "/batches/{batch}/", PAGE, "ROS", 200),
    ("progress", "GET", "/batches/{batch}/progress.json", PAGE, "ROS", 200),
    ("grid", "GET", "/artists/", PAGE, "ROS", 200),
    ("detail", "GET", "/artists/{artist_slug}/", PAGE, "ROS", 200),
    ("list", "GET", "/releases/", PAGE, "ROS", 200),
    ("detail", "GET", "/releases/{release}/", PAGE, "ROS", 200),
    ("redeliver", "POST", "/releases/{release}/redeliver/", PAGE, "OS", 302),
    ("by-run", "GET", "/releases/by-run/{run}/", PAGE, "ROS", 302),  # to the release, or back to the run
    ("errors", "GET", "/monitoring/errors/", PAGE, "OS", 200),
    ("error-detail", "GET", "/monitoring/errors/999999/", PAGE, "OS", 404),
    ("health", "GET", "/monitoring/health/", PAGE, "OS", 200),
    ("reports", "GET", "/monitoring/reports/", PAGE, "OS", 200),
    ("report-download", "GET", "/monitoring/reports/999999.md", PAGE, "OS", 404),
    ("overview", "GET", "/markets/", PAGE, "ROS", 200),
    ("country", "GET", "/markets/countries/DE/", PAGE, "ROS", None),  # 404: no data for DE here
    ("genre", "GET", "/markets/genres/pop/", PAGE, "ROS", None),
    ("alerts", "GET", "/markets/alerts/", PAGE, "ROS", 200),
    ("index", "GET", "/evolution/", PAGE, "ROS", 200),
    ("experiments", "GET", "/evolution/experiments/", PAGE, "ROS", 200),
    ("artist", "GET", "/evolution/artists/{artist_slug}/", PAGE, "ROS", 200),
    ("propose", "POST", "/evolution/artists/{artist_slug}/propose/", PAGE, "OS", 302),
    ("plan", "GET", "/evolution/plans/{plan}/", PAGE, "ROS", 200),
    ("decide", "POST", "/evolution/plans/{plan}/reject/", PAGE, "OS", 302),
    # --- media: the permissions of the pages that show each folder -----------------------------
    ("media", "GET", "/media/{track_audio}", PAGE, "ROS", 200),  # review pages
    ("media", "GET", "/media/{cover}", PAGE, "ROS", 200),  # review and artist pages
    ("media", "GET", "/media/{release_master}", PAGE, "ROS", 200),  # release pages
    ("media", "GET", "/media/{release_metadata}", PAGE, "ROS", 200),
    ("media", "GET", "/media/{waveform}", PAGE, "ROS", 200),  # the review page's analysis images
    ("media", "GET", "/media/{analysis_upload}", PAGE, "S", 200),  # never shown: superusers only
    ("media", "GET", "/media/{unknown}", PAGE, "S", 200),  # a folder no page claims
    ("logout", "POST", "/review/logout/", PUBLIC, ROLES, 302),  # last: it signs the client out
]


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and "format" not in str(pattern.pattern):
            yield pattern.name or str(pattern.pattern)


def test_every_url_pattern_has_a_row():
    covered = {row[0] for row in TABLE}
    missing = sorted(set(_routes(get_resolver().url_patterns)) - covered)
    assert not missing, f"add these routes to the permission table: {missing}"


@pytest.fixture
def objects(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from analytics.models import AudioFeatures

    run = RunFactory(status="awaiting_review")
    track = TrackFactory(run=run)
    run.cover.save("cover.png", ContentFile(b"\x89PNG cover"))
    features = AudioFeatures.objects.create(track=track, duration=30.0)
    features.waveform.save("waveform.png", ContentFile(b"\x89PNG wave"))
    release = ReleaseFactory()
    master = ReleaseAsset.objects.create(
        release=release, kind=ReleaseAsset.Kind.AUDIO_WAV, file=ContentFile(b"RIFF master", name="master.wav"), size=11
    )
    metadata = ReleaseAsset.objects.create(
        release=release, kind=ReleaseAsset.Kind.METADATA, file=ContentFile(b"{}", name="metadata.json"), size=2
    )
    report = CreationReport.objects.create(brief="a brief", artist=run.artist)
    job = AnalysisJob.objects.create(filename="x.wav", size=3)
    job.upload.save("x.wav", ContentFile(b"abc"))
    unknown = default_storage.save("private/notes.txt", ContentFile(b"secret"))
    plan = EvolutionPlan.objects.create(
        artist=run.artist,
        trigger=EvolutionPlan.Trigger.ON_DEMAND,
        base_version=run.artist.versions.get(),
        proposed_profile=run.artist.profile,
        explanation="A plan that changes nothing.",
        status_before="active",
    )
    return {
        "plan": plan.pk,
        "artist": run.artist.pk,
        "artist_slug": run.artist.slug,
        "report": report.pk,
        "run": run.pk,
        "batch": run.batch_id,
        "release": release.pk,
        "job": job.pk,
        "track_audio": track.audio.name,
        "cover": run.cover.name,
        "release_master": master.file.name,
        "release_metadata": metadata.file.name,
        "waveform": features.waveform.name,
        "analysis_upload": job.upload.name,
        "unknown": unknown,
    }


def _client(role: str) -> Client:
    client = Client()
    user = {
        "A": None,
        "N": lambda: UserFactory(),
        "R": lambda: UserFactory(groups=["Reviewers"]),
        "O": lambda: UserFactory(groups=["Operators"]),
        "S": lambda: UserFactory(is_superuser=True, is_staff=True),
    }[role]
    if user is not None:
        client.force_login(user())
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
def test_access_follows_the_table(role, objects):
    client = _client(role)
    failures = []
    for name, method, template, kind, allowed, ok_status in TABLE:
        path = template.format(**objects)
        response = client.generic(method, path, data=b"", content_type="application/json")
        status = response.status_code
        if role in allowed:
            fine = status < 500 and status not in (401, 403) if ok_status is None else status == ok_status
            if ok_status is None and kind != PUBLIC and status == 302 and "login" in response.get("Location", ""):
                fine = False
        elif kind == API:
            fine = status == (401 if role == "A" else 403)
        elif kind == PAGE:
            fine = (status == 302 and "login" in response["Location"]) if role == "A" else status == 403
        else:  # public endpoints that refuse everyone without a secret (the webhook)
            fine = status == ok_status
        if not fine:
            failures.append(f"{method} {path} ({name}): {status}")
    assert not failures, f"role {role}: " + "; ".join(failures)
