"""Artist pages outside the back office: a grid with covers, and one artist with everything about it.

The page reads artists, generation and releases together, which only the composition root may
do (artists must not import runs or releases). Other areas add panels to the artist page
through `artist_panel` (see `ARTIST_PANEL_MODULES` and /work notes in docs/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.files.storage import default_storage
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncWeek
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from artists.models import Artist
from artists.services import artist_update_profile
from generation.models import APPROVED_STATUSES, REJECTED_STATUSES, GenerationRun, approval_rate
from kernel.errors import ApplicationError
from noktvrn.console.forms import ArtistProfileForm
from releases.models import Release

logger = logging.getLogger(__name__)

# --- Extension point: panels other areas add to the artist page (evolution, markets) ----------
# A panel function gets the artist and the request and returns its template's data, or None to
# hide the panel. Modules listed here are imported by NoktvrnConfig.ready.
ARTIST_PANEL_MODULES: list[str] = ["noktvrn.console.panels"]


@dataclass(frozen=True)
class ArtistPanel:
    key: str
    title: str
    template: str
    function: Callable[[Artist, HttpRequest], dict | None]
    order: int = 100


_ARTIST_PANELS: dict[str, ArtistPanel] = {}


def artist_panel(*, key: str, title: str, template: str, order: int = 100):
    """Register a panel on the artist page (e.g. evolution plans, market fit)."""

    def decorate(function: Callable[[Artist, HttpRequest], dict | None]):
        _ARTIST_PANELS[key] = ArtistPanel(key, title, template, function, order)
        return function

    return decorate


def artist_panels_build(artist: Artist, request: HttpRequest) -> list[dict]:
    rendered = []
    for item in sorted(_ARTIST_PANELS.values(), key=lambda p: (p.order, p.key)):
        try:
            data = item.function(artist, request)
        except Exception as exc:  # one broken panel must not hide the artist
            logger.exception("artist panel %s failed", item.key)
            rendered.append({"panel": item, "data": {}, "error": f"{type(exc).__name__}: {exc}"})
            continue
        if data is not None:
            rendered.append({"panel": item, "data": data, "error": ""})
    return rendered


# --- Reads ---------------------------------------------------------------------------------------


def artist_grid(*, status: str = "") -> QuerySet[Artist]:
    """Artists with their latest cover and run counts, in one query."""
    latest_cover = (
        GenerationRun.objects.filter(artist=OuterRef("pk"))
        .exclude(cover="")
        .order_by("-created_at")
        .values("cover")[:1]
    )
    artists = Artist.objects.annotate(
        cover=Subquery(latest_cover),
        run_count=Count("runs"),
        approved=Count("runs", filter=Q(runs__status__in=APPROVED_STATUSES)),
        rejected=Count("runs", filter=Q(runs__status__in=REJECTED_STATUSES)),
    ).order_by("name")
    return artists.filter(status=status) if status in Artist.Status.values else artists


def approval_over_time(*, artist: Artist) -> dict:
    """Approval rate per week of run creation (the one definition: the run's current status)."""
    rows = (
        GenerationRun.objects.filter(artist=artist)
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(
            approved=Count("pk", filter=Q(status__in=APPROVED_STATUSES)),
            rejected=Count("pk", filter=Q(status__in=REJECTED_STATUSES)),
            runs=Count("pk"),
        )
        .order_by("week")
    )
    labels, rates, runs = [], [], []
    for row in rows:
        labels.append(row["week"].date().isoformat() if hasattr(row["week"], "date") else str(row["week"]))
        rate = approval_rate(row["approved"], row["rejected"])
        rates.append(round(100 * rate, 1) if rate is not None else None)
        runs.append(row["runs"])
    return {
        "labels": labels,
        "datasets": [{"label": "approved % (week of creation)", "data": rates, "color": "#2f855a"}],
        "yLabel": "% approved",
        "options": {"spanGaps": True, "scales": {"y": {"min": 0, "max": 100}}},
    }


def _items(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _change(path: str, old: Any, new: Any) -> list[dict]:
    """One readable line per changed leaf: lists as added/removed items, dicts field by field."""
    if isinstance(old, dict) or isinstance(new, dict):
        old, new = old or {}, new or {}
        rows = []
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                rows.extend(_change(f"{path} › {key.replace('_', ' ')}", old.get(key), new.get(key)))
        return rows
    if isinstance(old, list) or isinstance(new, list):
        before, after = _items(old), _items(new)
        return [
            {
                "field": path,
                "added": [item for item in after if item not in before],
                "removed": [item for item in before if item not in after],
                "old": "",
                "new": "",
            }
        ]
    return [{"field": path, "added": [], "removed": [], "old": "" if old is None else old, "new": new}]


def readable_diff(diff: dict[str, list[Any]]) -> list[dict]:
    rows = []
    for field, (old, new) in sorted((diff or {}).items()):
        rows.extend(_change(field.replace("_", " "), old, new))
    return rows


# --- Views ---------------------------------------------------------------------------------------


class ArtistAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "artists.view_artist"


class ArtistGridView(ArtistAccessMixin, TemplateView):
    template_name = "noktvrn/artists/grid.html"

    def get_context_data(self, **kwargs) -> dict:
        status = self.request.GET.get("status", "")
        artists = list(artist_grid(status=status))
        for artist in artists:
            artist.rate = approval_rate(artist.approved, artist.rejected)
            artist.cover_url = default_storage.url(artist.cover) if artist.cover else ""
        return {
            **super().get_context_data(**kwargs),
            "artists": artists,
            "statuses": Artist.Status.choices,
            "current_status": status,
        }


class ArtistDetailView(ArtistAccessMixin, TemplateView):
    template_name = "noktvrn/artists/detail.html"

    def get_artist(self) -> Artist:
        artist = Artist.objects.filter(slug=self.kwargs["slug"]).first()
        if artist is None:
            raise Http404("No such artist.")
        return artist

    def get_context_data(self, **kwargs) -> dict:
        artist = kwargs.pop("artist", None) or self.get_artist()
        form = kwargs.pop("form", None)
        can_edit = self.request.user.has_perm("artists.change_artist")
        if form is None and can_edit:
            form = ArtistProfileForm(initial=ArtistProfileForm.initial_from(artist.profile))
        versions = list(artist.versions.select_related("created_by").order_by("-number")[:20])
        for version in versions:
            version.readable = readable_diff(version.diff) if version.number > 1 else []
        runs = list(
            GenerationRun.objects.filter(artist=artist).select_related("batch").order_by("-created_at", "-pk")[:20]
        )
        releases = list(Release.objects.filter(artist=artist).order_by("-created_at", "-pk")[:20])
        counts = GenerationRun.objects.filter(artist=artist).aggregate(
            runs=Count("pk"),
            approved=Count("pk", filter=Q(status__in=APPROVED_STATUSES)),
            rejected=Count("pk", filter=Q(status__in=REJECTED_STATUSES)),
        )
        return {
            **super().get_context_data(**kwargs),
            "artist": artist,
            "profile": artist.profile or {},
            "form": form,
            "can_edit": can_edit,
            "versions": versions,
            "runs": runs,
            "releases": releases,
            "counts": counts,
            "rate": approval_rate(counts["approved"], counts["rejected"]),
            "approval_chart": approval_over_time(artist=artist),
            "cover": next((run.cover for run in runs if run.cover), None),
            "panels": artist_panels_build(artist, self.request),
        }

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        """Save an edited profile as a new version through the artist service."""
        if not request.user.has_perm("artists.change_artist"):
            return HttpResponse("You may not edit artists.", status=403)
        artist = self.get_artist()
        form = ArtistProfileForm(request.POST, base_profile=artist.profile)
        if form.is_valid():
            try:
                version = artist_update_profile(
                    artist=artist,
                    profile=form.cleaned_data["profile"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                if version is None:
                    messages.info(request, "Nothing changed; no new version.")
                else:
                    messages.success(request, f"Saved as version {version.number}.")
                return redirect("artist_pages:detail", slug=artist.slug)
        messages.error(request, "The profile was not saved; see the fields marked below.")
        return self.render_to_response(self.get_context_data(artist=artist, form=form))
