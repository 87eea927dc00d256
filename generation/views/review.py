"""The browser review queue (Reviewers group) and the Telegram webhook.

Views are thin: they read through selectors and decide through `generation.services.review`,
the same service as the API, the admin and Telegram.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from artists.models import Artist
from generation.models import APPROVED_STATUSES, Batch, Channel, GenerationRun, ReviewDecision, RunStatus
from generation.selectors.review import (
    review_counts,
    review_queue,
    review_queue_neighbours,
    review_queue_state,
    review_recent_decisions,
    review_run_detail,
)
from generation.services.review import (
    COMMENT_MAX_CHARS,
    review_comment_clean,
    review_undo_deadline,
    review_undoable,
    run_decide,
    run_undo_decision,
    runs_decide,
)
from generation.telegram.updates import telegram_update_handle
from kernel.errors import ApplicationError

logger = logging.getLogger(__name__)
LOGIN_URL = reverse_lazy("review:login")
DECISIONS = {ReviewDecision.Decision.APPROVED, ReviewDecision.Decision.REJECTED}
SHORTCUTS = [
    ("j", "next run"),
    ("k", "previous run"),
    ("a", "approve"),
    ("r", "reject (type a comment, Enter sends)"),
    ("o / Enter", "open the selected run"),
]


class ReviewerMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Signed-in users with the permission; others are sent to the login page or refused (403)."""

    login_url = LOGIN_URL
    permission_required = "generation.view_generationrun"


class ReviewLoginView(auth_views.LoginView):
    template_name = "review/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("review:queue")


class ReviewLogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# Only what a queue row shows: the runs' prompts, the tracks' lyrics and the features' curves are
# large and not on the page (bench/console.py: the queue is the busiest reviewer page).
QUEUE_FIELDS = (
    "id",
    "title",
    "status",
    "status_changed_at",
    "created_at",
    "batch_id",
    "variant",
    "cover",
    "parameters",
    "artist__id",
    "artist__name",
    "track__id",
    "track__audio",
    "track__features__id",
    "track__features__tempo",
    "track__features__key",
    "track__features__mode",
)


def _url_pattern(name: str) -> str:
    """A run URL with `{}` in place of the id: one `reverse` per page instead of three per row."""
    return reverse(name, args=[987654321]).replace("987654321", "{}")


def _waiting(since, now) -> str:
    """How long a run has waited, in its largest unit ("3 h", "2 d"): cheap for 50 rows a page."""
    seconds = max(0, int((now - since).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _queue_rows(runs: list[GenerationRun]) -> list[dict]:
    """What each queue row shows, computed in Python: the template only prints strings."""
    detail, decide, now = _url_pattern("review:detail"), _url_pattern("review:decide"), timezone.now()
    rows = []
    for run in runs:
        track = getattr(run, "track", None)
        features = getattr(track, "features", None) if track else None
        if features is not None:
            sound = f"{features.tempo or 0:.0f} BPM · {features.key} {features.mode}"
        else:
            parameters = run.parameters if isinstance(run.parameters, dict) else {}
            sound = (
                f"{parameters.get('tempo') or '?'} BPM · {parameters.get('key') or ''} {parameters.get('mode') or ''}"
            )
        changed = run.status_changed_at or run.created_at
        rows.append(
            {
                "pk": str(run.pk),
                "title": str(run),
                "detail_url": detail.format(run.pk),
                "decide_url": decide.format(run.pk),
                "cover_url": run.cover.url if run.cover else "",
                "audio_url": track.audio.url if track and track.audio else "",
                "artist": run.artist.name,
                "batch_id": str(run.batch_id) if run.batch_id else "",
                "variant": run.variant or "—",
                "sound": sound,
                "changed_at": changed.isoformat(),
                "waiting": _waiting(changed, now),
            }
        )
    return rows


def _recent_rows(decisions) -> list[dict]:
    """The "Recently decided" table's cells, computed in Python like the queue's rows."""
    detail, now = _url_pattern("review:detail"), timezone.now()
    decisions_labels, channels = dict(ReviewDecision.Decision.choices), dict(Channel.choices)
    return [
        {
            "run_id": str(d.run_id),
            "url": detail.format(d.run_id),
            "run": str(d.run),
            "artist": d.run.artist.name,
            "decision": d.decision,
            "decision_label": decisions_labels.get(d.decision, d.decision),
            "by": d.decided_by,
            "channel": channels.get(d.channel, d.channel),
            "decided_at": d.decided_at.isoformat(),
            "undone": d.undone_at is not None,
            "ago": _waiting(d.decided_at, now),
            "comment": d.comment,
        }
        for d in decisions
    ]


def _options(choices, selected: object = None) -> str:
    """`<option>` elements for (value, label) pairs, escaped (html.escape: ten times cheaper than format_html)."""
    return mark_safe(  # noqa: S308 (every value and label is escaped here)
        "".join(
            f'<option value="{html.escape(str(value))}"{" selected" if value == selected else ""}>'
            f"{html.escape(str(label))}</option>"
            for value, label in choices
        )
    )


# The queue's tables (rows, recent decisions, filter options) are the same for every reviewer until
# a run enters or leaves the queue: rendered once per queue state and kept briefly in the shared
# cache (the "waiting" column is at most this old). docs/benchmarks.md has the before and after.
QUEUE_TABLES_CACHE_SECONDS = 60


def _queue_tables(*, page, artist: str, batch: int | None, search: str) -> dict:
    """The rendered rows, recent decisions and filter options for this page of the queue."""
    fingerprint = json.dumps(
        [review_queue_state(), artist, batch, search, page.number, settings.REVIEW_QUEUE_PAGE_SIZE]
    )
    key = "review:queue-tables:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    tables = cache.get(key)
    if tables is None:
        waiting = GenerationRun.objects.filter(status=RunStatus.AWAITING_REVIEW)
        tables = {
            "rows": render_to_string("review/_queue_rows.html", {"rows": _queue_rows(page.object_list)}),
            "recent": render_to_string("review/_recent_rows.html", {"recent": _recent_rows(review_recent_decisions())}),
            # The filters' <option>s as one string each: up to 100 batches, printed without a template loop.
            "artist_options": _options(
                Artist.objects.filter(pk__in=waiting.values("artist_id")).values_list("slug", "name"),
                selected=artist,
            ),
            "batch_options": _options(
                [
                    (pk, f"#{pk}")
                    for pk in Batch.objects.filter(pk__in=waiting.values("batch_id"))
                    .order_by("-created_at")
                    .values_list("pk", flat=True)[:100]
                ],
                selected=batch,
            ),
        }
        cache.set(key, tables, QUEUE_TABLES_CACHE_SECONDS)
    return tables


class QueueView(ReviewerMixin, TemplateView):
    """Runs awaiting review, filterable by artist and batch, with bulk decisions."""

    template_name = "review/queue.html"

    def get_context_data(self, **kwargs) -> dict:
        artist, batch = self.request.GET.get("artist") or "", _int_or_none(self.request.GET.get("batch"))
        search = (self.request.GET.get("q") or "").strip()[:200]
        runs = review_queue(artist=artist, batch=batch, search=search).only(*QUEUE_FIELDS)
        paginator = Paginator(runs, settings.REVIEW_QUEUE_PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        return {
            **super().get_context_data(**kwargs),
            "page": page,
            # Lazy: read only when the tables are not cached (and by tests).
            "runs": page.object_list,
            "tables": _queue_tables(page=page, artist=artist, batch=batch, search=search),
            "artist": artist,
            "batch": batch,
            "q": search,
            "undoable": _undoable(self.request),
            "counts": review_counts(),
            "shortcuts": SHORTCUTS,
            "can_decide": self.request.user.has_perm("generation.decide_run"),
            "ttl_hours": settings.REVIEW_TTL_HOURS,
            "comment_max": COMMENT_MAX_CHARS,
        }


def _profile_summary(artist: Artist) -> dict:
    profile = artist.identity
    defaults = profile.musical_defaults
    return {
        "persona": profile.persona,
        "genres": [profile.primary_genre, *profile.secondary_genres],
        "themes": profile.themes,
        "voice": profile.voice,
        "countries": profile.target_audience.countries,
        "audience": profile.target_audience.description,
        "palette": profile.visual_identity.palette,
        "tempo": f"{defaults.tempo_min}–{defaults.tempo_max} BPM",
        "keys": defaults.preferred_keys,
        "modes": defaults.preferred_modes,
    }


def _prompts(run: GenerationRun) -> list[tuple[str, str]]:
    """The prompts as (role, text) pairs, whatever shape the pipeline stored them in."""
    prompts = run.prompts or {}
    if not isinstance(prompts, dict):
        return [("prompts", json.dumps(prompts, indent=2, ensure_ascii=False))]
    return [
        (str(role), text if isinstance(text, str) else json.dumps(text, indent=2, ensure_ascii=False))
        for role, text in prompts.items()
    ]


FEATURE_FIELDS = [
    ("tempo", "Tempo", "{:.1f} BPM"),
    ("time_signature", "Time signature", "{}/4"),
    ("loudness_lufs", "Loudness", "{:.1f} LUFS"),
    ("true_peak_dbtp", "True peak", "{:.1f} dBTP"),
    ("loudness_range_lu", "Loudness range", "{:.1f} LU"),
    ("energy", "Energy", "{:.2f}"),
    ("danceability", "Danceability", "{:.2f}"),
    ("valence", "Valence", "{:.2f}"),
    ("acousticness", "Acousticness", "{:.2f}"),
    ("instrumentalness", "Instrumentalness", "{:.2f}"),
    ("speechiness", "Speechiness", "{:.2f}"),
    ("duration", "Duration", "{:.1f} s"),
]


def _features(run: GenerationRun) -> list[tuple[str, str]]:
    track = getattr(run, "track", None)
    features = getattr(track, "features", None) if track else None
    if features is None:
        return []
    rows = []
    if features.key:
        rows.append(("Key", f"{features.key} {features.mode}".strip()))
    for name, label, fmt in FEATURE_FIELDS:
        value = getattr(features, name)
        if value is not None:
            rows.append((label, fmt.format(value)))
    return rows


class RunDetailView(ReviewerMixin, TemplateView):
    """Everything a reviewer needs to judge one run, and the decision once made."""

    template_name = "review/detail.html"

    def get_context_data(self, **kwargs) -> dict:
        try:
            run = review_run_detail(run_id=kwargs["pk"])
        except GenerationRun.DoesNotExist as exc:
            raise Http404("No such run.") from exc
        previous, following = review_queue_neighbours(run=run)
        track = getattr(run, "track", None)
        return {
            **super().get_context_data(**kwargs),
            "run": run,
            "track": track,
            "features": _features(run),
            "waveform": getattr(getattr(track, "features", None), "waveform", None) if track else None,
            "video": getattr(run, "video", None),
            "decision": getattr(run, "decision", None),
            "prompts": _prompts(run),
            "parameters": json.dumps(run.parameters, indent=2, ensure_ascii=False) if run.parameters else "",
            "profile": _profile_summary(run.artist),
            "previous_id": previous,
            "next_id": following,
            "shortcuts": SHORTCUTS,
            "can_decide": self.request.user.has_perm("generation.decide_run"),
            "awaiting": run.status == RunStatus.AWAITING_REVIEW,
            "comment_max": COMMENT_MAX_CHARS,
            "spectrogram": getattr(getattr(track, "features", None), "spectrogram", None) if track else None,
            "time_axis": time_axis(track.duration if track else None),
            "has_release": run.status in APPROVED_STATUSES and run.status != RunStatus.APPROVED,
            "undoable": _undoable(self.request),
        }


def time_axis(duration: float | None, ticks: int = 6) -> list[dict]:
    """Tick marks under the waveform image: position in % of its width and a m:ss label."""
    if not duration or duration <= 0:
        return []
    step = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300) if duration / s <= ticks), 600)
    marks, t = [], 0
    while t <= duration + 1e-6:
        marks.append({"left": round(100 * t / duration, 2), "label": f"{int(t) // 60}:{int(t) % 60:02d}"})
        t += step
    return marks


def _undoable(request: HttpRequest) -> dict | None:
    """The signed-in reviewer's latest decision that can still be undone, with seconds left."""
    if not request.user.has_perm("generation.decide_run"):
        return None
    decision = review_undoable(actor=request.user)
    if decision is None:
        return None
    left = (review_undo_deadline(decision) - timezone.now()).total_seconds()
    return {"decision": decision, "seconds_left": max(0, int(left))}


class UndoView(ReviewerMixin, View):
    """POST: take back a decision within REVIEW_UNDO_SECONDS; the run awaits review again."""

    permission_required = "generation.decide_run"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            run = run_undo_decision(run=pk, actor=request.user, channel=Channel.WEB)
        except ApplicationError as exc:
            messages.warning(request, exc.message)
            return HttpResponseRedirect(_safe_next(request, reverse("review:queue")))
        messages.success(request, f"Decision on {run} undone; it awaits review again.")
        return redirect("review:detail", pk=pk)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


class DecideView(ReviewerMixin, View):
    """POST approve/reject for one run, with an optional comment."""

    permission_required = "generation.decide_run"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        decision = request.POST.get("decision", "")
        if decision not in DECISIONS:
            messages.error(request, "Choose approve or reject.")
            return redirect("review:detail", pk=pk)
        try:
            record = run_decide(
                run=pk,
                decision=decision,
                actor=request.user,
                channel=Channel.WEB,
                comment=request.POST.get("comment", "").strip(),
            )
        except ApplicationError as exc:
            messages.warning(request, exc.message)
        else:
            messages.success(request, f"{record.run} {record.decision}.")
        return HttpResponseRedirect(_safe_next(request, reverse("review:queue")))


class BulkDecideView(ReviewerMixin, View):
    """POST one decision for several runs; each is decided on its own (one may be taken already)."""

    permission_required = "generation.decide_run"

    def post(self, request: HttpRequest) -> HttpResponse:
        decision = request.POST.get("decision", "")
        ids = [pk for pk in (_int_or_none(value) for value in request.POST.getlist("runs")) if pk]
        if decision not in DECISIONS or not ids:
            messages.error(request, "Select runs and choose approve or reject.")
            return HttpResponseRedirect(_safe_next(request, reverse("review:queue")))
        try:
            comment = review_comment_clean(request.POST.get("comment", ""))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(_safe_next(request, reverse("review:queue")))
        outcome = runs_decide(runs=ids, decision=decision, actor=request.user, channel=Channel.WEB, comment=comment)
        for message in outcome.refused:
            messages.warning(request, message)
        if outcome.decided:
            messages.success(request, f"{len(outcome.decided)} run(s) {decision}.")
        return HttpResponseRedirect(_safe_next(request, reverse("review:queue")))


@method_decorator(csrf_exempt, name="dispatch")
class TelegramWebhookView(View):
    """Bot API updates; refused (403, nothing changed) without the right secret token header."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        secret = settings.TELEGRAM_WEBHOOK_SECRET
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            logger.warning(
                "Telegram webhook refused: missing or wrong secret token from %s", request.META.get("REMOTE_ADDR")
            )
            return JsonResponse({"detail": "Forbidden."}, status=403)
        try:
            body = request.body
        except RequestDataTooBig:
            return JsonResponse({"detail": "Body too large.", "code": "too_large"}, status=413)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
            return JsonResponse({"detail": "Body is not JSON."}, status=400)
        if not isinstance(data, dict):
            return JsonResponse({"detail": "Body is not a Telegram update."}, status=400)
        try:
            outcome = telegram_update_handle(data=data)
        except ApplicationError as exc:
            return JsonResponse({"detail": exc.message, "code": exc.code}, status=exc.status_code)
        return JsonResponse({"ok": True, "outcome": outcome})
