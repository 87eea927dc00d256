"""Read queries over runs and batches, shaped for lists without N+1 queries."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from artists.models import Artist
from generation.models import (
    APPROVED_STATUSES,
    REJECTED_STATUSES,
    GenerationRun,
    ReviewDecision,
    RunStatus,
    approval_rate,
)


def run_list() -> QuerySet[GenerationRun]:
    """Runs with what the API's run representation reads, in one query.

    The large columns the representation never prints are left out (the artist's profile, the
    track's lyrics and provider log); the decision comes whole, so a field added to it costs nothing.
    """
    return GenerationRun.objects.select_related("artist", "track", "decision", "decision__actor").defer(
        "artist__profile", "artist__llm_settings", "track__lyrics", "track__provider_log"
    )


# --- Review queue and approval rates -------------------------------------------------------


def review_queue(*, artist: str | None = None, batch: int | None = None, search: str = "") -> QuerySet[GenerationRun]:
    """Runs awaiting review, oldest first (they expire first), with what the queue page shows.

    `search` matches the title, the artist's name or the lyrics (case-insensitive, every word).
    """
    runs = GenerationRun.objects.filter(status=RunStatus.AWAITING_REVIEW).select_related(
        "artist", "batch", "track", "track__features"
    )
    if artist:
        runs = runs.filter(artist__slug=artist)
    if batch:
        runs = runs.filter(batch_id=batch)
    for word in search.split()[:8]:
        runs = runs.filter(
            Q(title__icontains=word) | Q(artist__name__icontains=word) | Q(track__lyrics__icontains=word)
        )
    return runs.order_by("status_changed_at", "pk")


def review_queue_state() -> tuple:
    """A fingerprint of the queue: changes whenever a run enters or leaves it (decision, undo, expiry).

    Entering sets a newer `status_changed_at`; leaving lowers the count. One index-backed aggregate.
    """
    state = GenerationRun.objects.filter(status=RunStatus.AWAITING_REVIEW).aggregate(
        n=Count("pk"), last=Max("status_changed_at"), top=Max("pk")
    )
    return (state["n"], state["last"].isoformat() if state["last"] else "", state["top"])


def review_queue_neighbours(*, run: GenerationRun) -> tuple[int | None, int | None]:
    """The previous and next runs in the queue around `run`, for the j/k shortcuts."""
    queue = review_queue().exclude(pk=run.pk).values_list("pk", flat=True)
    changed = run.status_changed_at
    if changed is None or run.status != RunStatus.AWAITING_REVIEW:
        return None, queue.first()
    before = Q(status_changed_at__lt=changed) | Q(status_changed_at=changed, pk__lt=run.pk)
    previous = queue.filter(before).order_by("-status_changed_at", "-pk").first()
    following = queue.exclude(before).first()
    return previous, following


def review_run_detail(*, run_id: int) -> GenerationRun:
    return (
        GenerationRun.objects.select_related(
            "artist", "batch", "track", "track__features", "video", "decision", "decision__actor"
        )
        .prefetch_related(
            "transitions__actor",
            Prefetch("decisions", queryset=run_decision_history(), to_attr="decision_history"),
        )
        .get(pk=run_id)
    )


def run_decision_history() -> QuerySet[ReviewDecision]:
    """Every decision on runs, undone ones included, newest first (the run page and the API show them)."""
    return ReviewDecision.objects.select_related("actor", "undone_actor").order_by("-decided_at", "-pk")


def review_recent_decisions(*, limit: int = 20) -> QuerySet[ReviewDecision]:
    """The latest decisions, undone ones included, with only what the queue's "Recently decided" table prints."""
    return (
        ReviewDecision.objects.select_related("run", "run__artist", "actor")
        .only(
            "run_id",
            "decision",
            "actor_label",
            "channel",
            "comment",
            "decided_at",
            "undone_at",
            "run__title",
            "run__artist__name",
            "actor__username",
        )
        .order_by("-decided_at")[:limit]
    )


# The queue's "last 7 days" line aggregates every run with its decision (48 ms on PostgreSQL at
# 10k runs, docs/benchmarks.md): shared by every reviewer for a few seconds in the shared cache.
REVIEW_COUNTS_CACHE_KEY = "generation:review-counts:7d"
REVIEW_COUNTS_CACHE_SECONDS = 20


def review_counts(*, since: datetime | None = None) -> dict[str, int]:
    """Runs awaiting review, and decided or expired since `since` (default: the last 7 days, cached briefly)."""
    if since is None:
        counts = cache.get(REVIEW_COUNTS_CACHE_KEY)
        if counts is None:
            counts = _review_counts(since=timezone.now() - timedelta(days=7))
            cache.set(REVIEW_COUNTS_CACHE_KEY, counts, REVIEW_COUNTS_CACHE_SECONDS)
        return counts
    return _review_counts(since=since)


def _review_counts(*, since: datetime) -> dict[str, int]:
    return GenerationRun.objects.aggregate(
        awaiting=Count("pk", filter=Q(status=RunStatus.AWAITING_REVIEW)),
        approved=Count("pk", filter=Q(status__in=APPROVED_STATUSES, decision__decided_at__gte=since)),
        rejected=Count("pk", filter=Q(status__in=REJECTED_STATUSES, decision__decided_at__gte=since)),
        expired=Count("pk", filter=Q(status=RunStatus.EXPIRED, status_changed_at__gte=since)),
    )


RATE_GROUPS = {"artist": "artist__slug", "batch": "batch_id", "variant": "variant"}


def approval_rates(
    *, by: str, artist: Artist | None = None, since: datetime | None = None, limit: int | None = None
) -> list[dict]:
    """Approved / (approved + rejected) per artist, batch or A/B variant; expired runs are counted apart.

    Approval is the one definition of generation.models.APPROVED_STATUSES (by run status).

    Rows: {key, approved, rejected, expired, decided, rate} with rate None before any decision.
    The lifecycle rules read these numbers, the artist page shows them.
    """
    field = RATE_GROUPS[by]
    runs = GenerationRun.objects.all()
    if artist is not None:
        runs = runs.filter(artist=artist)
    if since is not None:
        runs = runs.filter(created_at__gte=since)
    rows = (
        runs.values(field)
        .annotate(
            approved=Count("pk", filter=Q(status__in=APPROVED_STATUSES)),
            rejected=Count("pk", filter=Q(status__in=REJECTED_STATUSES)),
            expired=Count("pk", filter=Q(status=RunStatus.EXPIRED)),
        )
        .filter(Q(approved__gt=0) | Q(rejected__gt=0) | Q(expired__gt=0))
        .order_by(f"-{field}" if by == "batch" else field)
    )
    if limit:
        rows = rows[:limit]
    result = []
    for row in rows:
        decided = row["approved"] + row["rejected"]
        result.append(
            {
                "key": row[field],
                "approved": row["approved"],
                "rejected": row["rejected"],
                "expired": row["expired"],
                "decided": decided,
                "rate": approval_rate(row["approved"], row["rejected"]),
            }
        )
    return result


def artist_approval_rate(*, artist: Artist, since: datetime | None = None) -> float | None:
    """The artist's approval rate (None before any decision), for the lifecycle rules."""
    rows = approval_rates(by="artist", artist=artist, since=since)
    return rows[0]["rate"] if rows else None


def artist_approval_summary(*, artist: Artist) -> dict:
    """What the artist page shows: overall, last 30 days, per A/B variant, per recent batch."""
    return {
        "overall": next(iter(approval_rates(by="artist", artist=artist)), None),
        "last_30_days": next(
            iter(approval_rates(by="artist", artist=artist, since=timezone.now() - timedelta(days=30))), None
        ),
        "variants": approval_rates(by="variant", artist=artist),
        "batches": approval_rates(by="batch", artist=artist, limit=10),
    }
