"""Which artists get the next runs: bounded, fair, and never Paused or Retired."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

from artists.creation import artist_create_from_brief
from artists.models import Artist, CreationReport
from kernel.errors import ConflictError, NotFoundError

logger = logging.getLogger(__name__)

SELECTABLE = (Artist.Status.CANDIDATE, Artist.Status.ACTIVE, Artist.Status.EVOLVING)

# Briefs the scheduler may use when the active pool runs low; operators create the rest.
POOL_BRIEFS = (
    "moody synthwave producer scoring night drives through a rain-soaked city",
    "sunny lo-fi bossa beatmaker from Lisbon for slow mornings",
    "relentless warehouse techno project from Rotterdam",
    "dreamy indie-pop duo writing about seaside towns",
    "cinematic ambient composer inspired by glaciers and northern lights",
    "boom-bap hip-hop producer sampling old soul records in Detroit",
)


def artists_select(*, size: int, artist_slug: str | None = None) -> list[Artist]:
    """Up to `size` artists: Candidates first, then the least recently run, under the daily cap."""
    if artist_slug:
        artist = Artist.objects.filter(slug=artist_slug).first()
        if artist is None:
            raise NotFoundError(f"No artist with slug {artist_slug!r}.")
        if artist.status not in SELECTABLE:
            raise ConflictError(f"{artist.name} is {artist.get_status_display()}; only active artists get runs.")
        return [artist] * size

    _top_up_pool()
    since = timezone.now() - timedelta(days=1)
    candidates = (
        Artist.objects.filter(status__in=SELECTABLE)
        .annotate(
            runs_today=Count("runs", filter=Q(runs__created_at__gte=since)),
            candidate_rank=Case(When(status=Artist.Status.CANDIDATE, then=Value(0)), default=Value(1)),
        )
        .filter(runs_today__lt=settings.MAX_RUNS_PER_ARTIST_PER_DAY)
        .order_by(
            # Candidates first (they need runs to be judged), then whoever waited longest.
            "candidate_rank",
            F("last_run_at").asc(nulls_first=True),
            "pk",
        )
    )
    chosen: list[Artist] = []
    remaining_caps: dict[int, int] = {}
    pool = list(candidates)
    # Spread the batch across artists; give one artist several runs only when the pool is small.
    while len(chosen) < size and pool:
        progressed = False
        for artist in pool:
            cap = remaining_caps.setdefault(artist.pk, settings.MAX_RUNS_PER_ARTIST_PER_DAY - artist.runs_today)
            if cap <= 0:
                continue
            chosen.append(artist)
            remaining_caps[artist.pk] = cap - 1
            progressed = True
            if len(chosen) == size:
                break
        if not progressed:
            break
    return chosen


def _top_up_pool() -> None:
    """Create an artist when the active pool is below the minimum, within the daily limit."""
    active = Artist.objects.filter(status__in=SELECTABLE).count()
    if active >= settings.MIN_ACTIVE_ARTISTS:
        return
    since = timezone.now() - timedelta(days=1)
    # Every creation today counts, whoever asked: the limit bounds growth, not just the scheduler.
    created_today = CreationReport.objects.filter(created_at__gte=since).count()
    allowance = min(settings.MAX_NEW_ARTISTS_PER_DAY - created_today, settings.MIN_ACTIVE_ARTISTS - active)
    if allowance <= 0:
        logger.info("Artist pool below minimum but today's creation limit is reached.")
        return
    rng = random.Random()  # noqa: S311 - variety, not security
    for _ in range(allowance):
        brief = rng.choice(POOL_BRIEFS)
        try:
            artist_create_from_brief(brief=brief)
        except Exception:
            logger.exception("Could not create a pool artist from %r", brief)
