"""The artist page's evolution and markets panels (registered through `artist_panel`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from artists.models import Artist
from evolution.models import EvolutionPlan
from markets.models import MarketAlert
from noktvrn.console.artists import artist_panel


@artist_panel(key="evolution", title="Evolution", template="noktvrn/artists/_evolution.html", order=10)
def evolution(artist: Artist, request: HttpRequest) -> dict:
    """The artist's latest evolution plans (one query) and where to propose or review one."""
    plans = list(
        EvolutionPlan.objects.filter(artist=artist)
        .only("pk", "status", "trigger", "explanation", "created_at", "artist_id")
        .order_by("-created_at", "-pk")[:5]
    )
    return {
        "plans": plans,
        "url": reverse("evolution:artist", args=[artist.slug]),
        "can_decide": request.user.has_perm("evolution.decide_evolutionplan"),
    }


@artist_panel(key="markets", title="Markets", template="noktvrn/artists/_markets.html", order=20)
def markets(artist: Artist, request: HttpRequest) -> dict:
    """The artist's target countries, each linked to its market page, with their recent alerts (one query)."""
    countries = list(artist.countries)
    alerts = list(
        MarketAlert.objects.filter(country__in=countries).only("country", "message", "period_start", "direction")[:8]
    )
    return {
        "countries": [(code, reverse("markets:country", args=[code])) for code in countries],
        "alerts": alerts,
        "url": reverse("markets:alerts"),
    }
