"""iTunes Search API: a track's 30-second preview URL and its primary genre ({base}/lookup, {base}/search)."""

from __future__ import annotations

from django.conf import settings
from pydantic import BaseModel

from markets.clients.http import get_json, parse


class ItunesResult(BaseModel):
    trackId: int | None = None  # noqa: N815 (the vendor's field names)
    trackName: str | None = None  # noqa: N815
    artistName: str | None = None  # noqa: N815
    previewUrl: str | None = None  # noqa: N815
    primaryGenreName: str | None = None  # noqa: N815


class ItunesResponse(BaseModel):
    resultCount: int  # noqa: N815
    results: list[ItunesResult]


def itunes_lookup(track_id: str, country: str = "US") -> ItunesResult | None:
    """The iTunes record of an Apple track id, or None when iTunes does not know it."""
    payload = get_json(
        "iTunes", f"{settings.ITUNES_BASE_URL}/lookup", params={"id": track_id, "country": country, "entity": "song"}
    )
    results = parse("iTunes", ItunesResponse, payload).results
    return next((r for r in results if r.previewUrl), None)


def itunes_search(artists: str, title: str, country: str = "US") -> ItunesResult | None:
    """The best match for artist and title (the first song with a preview), or None."""
    payload = get_json(
        "iTunes",
        f"{settings.ITUNES_BASE_URL}/search",
        params={"term": f"{artists} {title}"[:200], "media": "music", "entity": "song", "limit": 5, "country": country},
    )
    results = parse("iTunes", ItunesResponse, payload).results
    return next((r for r in results if r.previewUrl), None)
