"""Live chart clients: Apple Music RSS most-played, Deezer chart, Last.fm geo.getTopTracks.

Each returns a `LiveChart`: the chart in the importer's own shape (so it is stored by the same
all-or-nothing, idempotent code) and, per track, what the vendor tells us besides the rank —
a genre, a preview URL, an Apple id for the iTunes lookup.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field

from markets.clients.http import Retryable, VendorError, get_json, parse
from markets.countries import country_name
from markets.parsers import ParsedChart, ParsedRow


@dataclass
class LiveChart:
    chart: ParsedChart
    extras: dict[str, dict] = field(default_factory=dict)  # key -> {genre, preview_url, apple_id}


def _genre(name: str) -> str:
    return name.strip().lower()[:60]


# --- Apple Music RSS feed generator: {base}/api/v2/{cc}/music/most-played/{n}/songs.json ----------


class AppleGenre(BaseModel):
    name: str
    genreId: str | None = None  # noqa: N815 (the vendor's field name)


class AppleSong(BaseModel):
    id: str
    name: str
    artistName: str  # noqa: N815
    genres: list[AppleGenre] = []
    url: str | None = None


class AppleFeed(BaseModel):
    country: str
    updated: str | None = None
    results: list[AppleSong]


class AppleResponse(BaseModel):
    feed: AppleFeed


def apple_music_top_songs(country: str, limit: int = 100) -> LiveChart:
    """Apple Music's most-played songs in a country (no key). Apple offers 10, 25, 50 or 100 rows."""
    size = min((n for n in (10, 25, 50, 100) if n >= limit), default=100)
    url = f"{settings.APPLE_MUSIC_RSS_BASE_URL}/api/v2/{country.lower()}/music/most-played/{size}/songs.json"
    feed = parse("Apple Music RSS", AppleResponse, get_json("Apple Music RSS", url)).feed
    day = _feed_day(feed.updated)
    chart = ParsedChart("apple_music", "daily", country.upper(), day)
    extras = {}
    for rank, song in enumerate(feed.results[:limit], start=1):
        key = f"apple:{song.id}"
        chart.rows.append(
            ParsedRow(line=rank, key=key, title=song.name[:300], artists=song.artistName[:500], rank=rank)
        )
        genres = [g.name for g in song.genres if g.name and g.name != "Music"]
        extras[key] = {"apple_id": song.id, "genre": _genre(genres[0]) if genres else ""}
    return LiveChart(chart, extras)


def _feed_day(updated: str | None) -> dt.date:
    """The feed's `updated` date: Apple writes RFC 2822 ("Thu, 26 Nov 2026 18:02:11 +0000"); ISO is accepted too."""
    if updated:
        try:
            return email.utils.parsedate_to_datetime(updated).date()
        except (TypeError, ValueError):
            pass
        try:
            return dt.datetime.fromisoformat(updated.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    return timezone.localdate()


# --- Deezer: {base}/chart/0/tracks --------------------------------------------------------------


class DeezerArtist(BaseModel):
    name: str


class DeezerTrack(BaseModel):
    id: int
    title: str
    preview: str = ""
    position: int | None = None
    rank: int | None = None  # Deezer's popularity score, not the chart position
    artist: DeezerArtist


class DeezerChart(BaseModel):
    data: list[DeezerTrack]


def _deezer_check(response) -> None:
    """Deezer answers errors with HTTP 200 and an `error` object; code 4 is its quota ('slow down')."""
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        if error.get("code") == 4:
            raise Retryable(f"Deezer quota exceeded: {error.get('message', '')}")
        raise VendorError(f"Deezer refused the request: {error.get('type', '')} {error.get('message', '')}".strip())


def deezer_chart(country: str | None = None, limit: int = 100) -> LiveChart:
    """Deezer's top tracks. Deezer picks the country from the caller's address: DEEZER_CHART_COUNTRY names it."""
    country = (country or settings.DEEZER_CHART_COUNTRY).upper()
    if not country:
        raise ImproperlyConfigured("DEEZER_CHART_COUNTRY must name the country Deezer's chart is for.")
    url = f"{settings.DEEZER_BASE_URL}/chart/0/tracks"
    payload = get_json("Deezer", url, params={"limit": limit}, check=_deezer_check)
    tracks = parse("Deezer", DeezerChart, payload).data
    chart = ParsedChart("deezer", "daily", country, timezone.localdate())
    extras = {}
    for index, track in enumerate(tracks[:limit], start=1):
        key = f"deezer:{track.id}"
        chart.rows.append(
            ParsedRow(line=index, key=key, title=track.title[:300], artists=track.artist.name[:500], rank=index)
        )
        extras[key] = {"preview_url": track.preview}
    return LiveChart(chart, extras)


# --- Last.fm: {base}/2.0/?method=geo.gettoptracks -------------------------------------------------


class LastfmArtist(BaseModel):
    name: str
    mbid: str = ""


class LastfmRank(BaseModel):
    rank: int


class LastfmTrack(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str
    mbid: str = ""
    listeners: int | None = None
    artist: LastfmArtist
    attr: LastfmRank = Field(alias="@attr")


class LastfmTracks(BaseModel):
    track: list[LastfmTrack]


class LastfmTop(BaseModel):
    tracks: LastfmTracks


def _lastfm_check(response) -> None:
    """Last.fm reports errors as {"error": code, "message": ...}; 29 is its rate limit, 16 a temporary fault."""
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and "error" in body:
        if body["error"] in (16, 29):
            raise Retryable(f"Last.fm error {body['error']}: {body.get('message', '')}")
        raise VendorError(f"Last.fm error {body['error']}: {body.get('message', '')}")


def lastfm_top_tracks(country: str, limit: int = 100) -> LiveChart:
    """Most listened tracks in a country on Last.fm (needs the free LASTFM_API_KEY)."""
    if not settings.LASTFM_API_KEY:
        raise ImproperlyConfigured("LASTFM_API_KEY is required for Last.fm charts (a free key from last.fm/api).")
    name = country_name(country)
    params = {
        "method": "geo.gettoptracks",
        "country": name,
        "api_key": settings.LASTFM_API_KEY,
        "format": "json",
        "limit": limit,
    }
    payload = get_json("Last.fm", f"{settings.LASTFM_BASE_URL}/2.0/", params=params, check=_lastfm_check)
    tracks = parse("Last.fm", LastfmTop, payload).tracks.track
    chart = ParsedChart("lastfm", "weekly", country.upper(), timezone.localdate())
    seen = set()
    for track in tracks[:limit]:
        rank = track.attr.rank + 1  # Last.fm counts from 0
        if rank in seen:
            continue
        seen.add(rank)
        identity = track.mbid or re.sub(r"\s+", " ", f"{track.artist.name}|{track.name}".lower()).strip()
        chart.rows.append(
            ParsedRow(
                line=rank,
                key=f"lastfm:{identity}"[:200],
                title=track.name[:300],
                artists=track.artist.name[:500],
                rank=rank,
                plays=track.listeners,
            )
        )
    return LiveChart(chart, {})


SOURCES = {"apple_music": apple_music_top_songs, "deezer": deezer_chart, "lastfm": lastfm_top_tracks}
