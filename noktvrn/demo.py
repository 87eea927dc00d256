"""Demo data for `make run`: a small roster a newcomer can explore. Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.core.files.base import File
from django.db import transaction

from analytics.models import AnalysisJob
from analytics.services import analysis_job_run
from artists.models import Artist
from artists.services import artist_create
from generation.models import Channel, GenerationRun, ReviewDecision, RunStatus, Track
from generation.services.pipeline import batch_start, run_execute_sync
from generation.services.review import run_approve, run_decide, run_undo_decision
from markets.services.demo import demo_markets_load

DEMO_ARTISTS: list[dict] = [
    {
        "name": "Neon Vesper",
        "slug": "neon-vesper",
        "status": Artist.Status.ACTIVE,
        "profile": {
            "persona": "A nocturnal synthwave duo who score the drive home through empty Berlin streets.",
            "backstory": (
                "Met in a Kreuzberg rehearsal bunker in 2019, trading modular patches for cassette dubs; "
                "their first EP was recorded in a single night on a borrowed Juno-106."
            ),
            "primary_genre": "synthwave",
            "secondary_genres": ["darkwave", "electropop"],
            "influences": ["Kavinsky", "Carpenter Brut", "Depeche Mode"],
            "themes": ["night drives", "city lights", "longing", "retro futures"],
            "visual_identity": {
                "palette": ["#0b0c2a", "#ff2e88", "#21d4fd", "#f9f871"],
                "style_keywords": ["neon", "night city", "rain", "chrome", "grid"],
                "typography": "condensed",
            },
            "voice": "Breathy baritone over arpeggiated analog leads",
            "target_audience": {
                "description": "Late-night listeners who love 80s soundtracks",
                "age_range": "20-40",
                "countries": ["DE", "US", "GB", "FR"],
            },
            "origin": {"country": "DE", "city": "Berlin"},
            "language": "en",
            "act_type": "duo",
            "musical_defaults": {
                "tempo_min": 96,
                "tempo_max": 118,
                "preferred_keys": ["A", "D", "F#"],
                "preferred_modes": ["minor"],
                "energy": 0.65,
                "track_seconds": 30,
            },
        },
    },
    {
        "name": "Lua Maré",
        "slug": "lua-mare",
        "status": Artist.Status.CANDIDATE,
        "profile": {
            "persona": "A sun-warmed lo-fi bossa producer painting Lisbon afternoons in soft nylon strings.",
            "backstory": (
                "Grew up between Salvador and Lisbon, sampling her grandmother's records; "
                "she releases a new beat every full moon."
            ),
            "primary_genre": "lo-fi",
            "secondary_genres": ["bossa nova", "chillhop"],
            "influences": ["Nujabes", "João Gilberto", "Tom Misch"],
            "themes": ["sea breeze", "slow mornings", "saudade"],
            "visual_identity": {
                "palette": ["#f4e3c1", "#e07a5f", "#3d405b", "#81b29a"],
                "style_keywords": ["ocean", "film grain", "sunlight", "tiles"],
                "typography": "serif",
            },
            "voice": "Hushed Portuguese vocal snippets and warm nylon guitar",
            "target_audience": {
                "description": "Students and remote workers looking for calm focus music",
                "age_range": "16-30",
                "countries": ["PT", "BR", "US", "JP"],
            },
            "origin": {"country": "PT", "city": "Lisbon"},
            "language": "pt",
            "act_type": "producer",
            "musical_defaults": {
                "tempo_min": 70,
                "tempo_max": 88,
                "preferred_keys": ["C", "F", "G"],
                "preferred_modes": ["major"],
                "energy": 0.35,
                "track_seconds": 30,
            },
        },
    },
    {
        "name": "KØLD FRONT",
        "slug": "kold-front",
        "status": Artist.Status.ACTIVE,
        "profile": {
            "persona": "A faceless techno project from Oslo, building cold cathedrals out of kick drums.",
            "backstory": (
                "Started as a sound installation in a decommissioned ferry terminal; "
                "the recordings of its reverb became the first record."
            ),
            "primary_genre": "techno",
            "secondary_genres": ["industrial", "minimal"],
            "influences": ["Surgeon", "Amelie Lens", "Robert Hood"],
            "themes": ["ice", "machines", "endurance", "dawn"],
            "visual_identity": {
                "palette": ["#0d1b2a", "#e0e1dd", "#778da9", "#415a77"],
                "style_keywords": ["fjord", "concrete", "fog", "strobe"],
                "typography": "mono",
            },
            "voice": "Instrumental: distorted kicks, metallic percussion, detuned stabs",
            "target_audience": {
                "description": "Warehouse techno crowds and running playlists",
                "age_range": "18-35",
                "countries": ["NO", "DE", "NL", "BE"],
            },
            "origin": {"country": "NO", "city": "Oslo"},
            "language": "en",
            "act_type": "producer",
            "musical_defaults": {
                "tempo_min": 128,
                "tempo_max": 140,
                "preferred_keys": ["F", "G", "A#"],
                "preferred_modes": ["minor"],
                "energy": 0.85,
                "track_seconds": 30,
            },
        },
    },
]


@transaction.atomic
def seed_demo_artists() -> list[Artist]:
    artists = []
    for spec in DEMO_ARTISTS:
        existing = Artist.objects.filter(slug=spec["slug"]).first()
        artists.append(
            existing
            or artist_create(
                name=spec["name"], slug=spec["slug"], profile=spec["profile"], status=spec["status"], reason="Demo data"
            )
        )
    return artists


def seed_demo_runs(*, size: int = 3, on_stage: Callable[[int, str, str], None] | None = None) -> list[GenerationRun]:
    """A first batch made by the real pipeline, so reviewers have playable runs right away.

    The first run is approved (by the system, as autopilot would), which queues its release
    job: the worker cluster started by `make run` packages and delivers it to the outbox.
    """
    if GenerationRun.objects.exists():
        return []
    batch = batch_start(size=size, channel=Channel.CLI, enqueue=False)
    runs = [
        run_execute_sync(run_id=run_id, on_stage=on_stage)
        for run_id in batch.runs.order_by("pk").values_list("pk", flat=True)
    ]
    ready = [run for run in runs if run.status == RunStatus.AWAITING_REVIEW]
    if ready:
        run_approve(run=ready[0], actor=None, channel=Channel.SYSTEM, comment="Approved by the demo data")
    if len(ready) > 1:
        # A decision taken back: the run awaits review again and its page shows the recorded undo.
        run_decide(
            run=ready[1],
            decision=ReviewDecision.Decision.REJECTED,
            actor=None,
            channel=Channel.SYSTEM,
            comment="Rejected by the demo data, then undone",
        )
        run_undo_decision(run=ready[1], actor=None, channel=Channel.SYSTEM, actor_label="demo data")
    return list(GenerationRun.objects.filter(batch=batch).order_by("pk"))


def seed_demo_performance(*, days: int = 56) -> int:
    """Performance after release for the demo's released runs (packaging them here if the worker has not).

    Idempotent: the import updates rows in place. Returns the rows imported or updated.
    """
    from django.utils import timezone

    from evolution.demo import demo_performance_rows
    from evolution.services.performance import performance_import
    from releases.models import Release
    from releases.services import release_package

    approved = GenerationRun.objects.filter(
        status__in=(RunStatus.APPROVED, RunStatus.RELEASING, RunStatus.RELEASED), track__isnull=False
    ).exclude(release__isrc__isnull=False)
    for run_id in approved.values_list("pk", flat=True):
        release_package(run=run_id)
    yesterday = timezone.localdate() - timedelta(days=1)
    rows: list[dict] = []
    for release in Release.objects.exclude(isrc__isnull=True).select_related("artist"):
        factor = 1.9 if len(rows) == 0 else None  # the first release breaks out: an alert to look at
        rows += demo_performance_rows(
            isrc=release.isrc, countries=release.artist.countries[:3], end=yesterday, days=days, last_week_factor=factor
        )
    if not rows:
        return 0
    report = performance_import(rows=rows, file_name="demo performance", channel=Channel.CLI)
    return report.created + report.updated


def seed_demo_markets() -> int:
    """Ten countries x 52 weeks x 200 chart rows with features, genre drift and planted breakouts (once)."""
    return demo_markets_load()


def seed_demo_evolution() -> tuple[int, int]:
    """Scores for every demo artist and, when none waits, a plan proposed from the evidence for the first.

    The plan (if the evidence asks for a change) leaves Neon Vesper `evolving` until someone
    decides it on /evolution/. Idempotent: a waiting plan is never replaced by the demo.
    """
    from evolution.models import EvolutionPlan
    from evolution.services.plans import plan_propose
    from evolution.services.scores import artist_scores_refresh

    artists = list(Artist.objects.filter(slug__in=[spec["slug"] for spec in DEMO_ARTISTS]).order_by("pk"))
    for artist in artists:
        artist_scores_refresh(artist=artist)
    plans = 0
    first = next((artist for artist in artists if artist.slug == DEMO_ARTISTS[0]["slug"]), None)
    if first is not None and not EvolutionPlan.objects.filter(artist=first).exists():
        plans = int(plan_propose(artist=first, trigger=EvolutionPlan.Trigger.ON_DEMAND) is not None)
    return len(artists), plans


def seed_demo_analysis() -> AnalysisJob | None:
    """One analysed upload (the first demo track's audio), so `/api/v1/analysis-jobs/` shows a result."""
    if AnalysisJob.objects.exists():
        return None
    track = Track.objects.exclude(audio="").order_by("pk").first()
    if track is None:
        return None
    name = track.audio.name.rsplit("/", 1)[-1]
    job = AnalysisJob(filename=name, size=track.audio.size)
    with track.audio.open("rb") as audio:
        job.upload.save(name, File(audio), save=False)
    job.save()
    return analysis_job_run(job_id=job.pk)


def seed_demo_monitoring() -> dict[str, object]:
    """Check every configured provider once and make this week's report, so the monitoring pages
    show something after `make run` (the schedules keep both going afterwards)."""
    from django.utils import timezone

    from monitoring.services.health import providers_check
    from monitoring.services.reports import weekly_report_make

    results = providers_check()
    # The report of the week containing today (replaced by the complete one next Monday).
    report = weekly_report_make(day=timezone.now() + timedelta(days=7), send=False)
    return {"providers": {result.provider: result.ok for result in results}, "report": report}
