"""Live chart clients and preview analysis against local servers speaking each vendor's wire format."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from django.core.exceptions import ImproperlyConfigured

from generation.providers.music import MusicRequest, get_music_provider
from markets.clients.charts import apple_music_top_songs, deezer_chart, lastfm_top_tracks
from markets.clients.http import VendorError, VendorPayloadError, VendorUnavailable
from markets.models import Chart, ChartTrack, CountryProfile, TrackFeatures
from markets.services.previews import previews_analyse
from markets.services.pulls import charts_pull
from tests.generation.providers.conftest import FakeVendor, Reply

APPLE_PATH = "/api/v2/br/music/most-played/10/songs.json"


def apple_feed(n: int = 3) -> dict:
    """The shape of rss.marketingtools.apple.com's songs.json."""
    return {
        "feed": {
            "title": "Top Songs",
            "id": "https://rss.marketingtools.apple.com/api/v2/br/music/most-played/10/songs.json",
            "author": {"name": "Apple", "url": "https://www.apple.com/"},
            "country": "br",
            "icon": "https://www.apple.com/favicon.ico",
            "updated": "Thu, 26 Nov 2026 18:02:11 +0000",
            "results": [
                {
                    "artistName": f"Artist {i}",
                    "id": str(1700000000 + i),
                    "name": f"Song {i}",
                    "releaseDate": "2026-10-02",
                    "kind": "songs",
                    "artistId": "1234",
                    "artistUrl": "https://music.apple.com/br/artist/1234",
                    "contentAdvisoryRating": "Explict",
                    "artworkUrl100": "https://is1-ssl.mzstatic.com/image/100x100bb.jpg",
                    "genres": [
                        {"genreId": "1122", "name": "Sertanejo", "url": "https://itunes.apple.com/br/genre/id1122"},
                        {"genreId": "34", "name": "Music", "url": "https://itunes.apple.com/br/genre/id34"},
                    ],
                    "url": f"https://music.apple.com/br/album/x/1?i={1700000000 + i}",
                }
                for i in range(1, n + 1)
            ],
        }
    }


def deezer_payload(base: str, n: int = 3) -> dict:
    """The shape of api.deezer.com/chart/0/tracks."""
    return {
        "data": [
            {
                "id": 3135556 + i,
                "readable": True,
                "title": f"Deezer Song {i}",
                "title_short": f"Deezer Song {i}",
                "link": f"https://www.deezer.com/track/{3135556 + i}",
                "duration": 181,
                "rank": 900000 - i,
                "explicit_lyrics": False,
                "preview": f"{base}/previews/{i}.mp3",
                "position": i,
                "artist": {"id": 27, "name": f"DZ Artist {i}", "type": "artist"},
                "album": {"id": 302127, "title": "Album", "type": "album"},
                "type": "track",
            }
            for i in range(1, n + 1)
        ],
        "total": n,
    }


def lastfm_payload(n: int = 3) -> dict:
    """The shape of ws.audioscrobbler.com/2.0/?method=geo.gettoptracks&format=json."""
    return {
        "tracks": {
            "track": [
                {
                    "name": f"FM Song {i}",
                    "duration": "200",
                    "listeners": str(50000 - i),
                    "mbid": "",
                    "url": f"https://www.last.fm/music/A/_/FM+Song+{i}",
                    "streamable": {"#text": "0", "fulltrack": "0"},
                    "artist": {"name": f"FM Artist {i}", "mbid": "", "url": "https://www.last.fm/music/A"},
                    "image": [{"#text": "", "size": "small"}],
                    "@attr": {"rank": str(i - 1)},
                }
                for i in range(1, n + 1)
            ],
            "@attr": {"country": "Brazil", "page": "1", "perPage": "50", "totalPages": "1", "total": str(n)},
        }
    }


@pytest.fixture(scope="module")
def previews(tmp_path_factory) -> dict[str, bytes]:
    """A 12 s pop track at 100 BPM in C major from the local synthesizer, as MP3 (Deezer) and WAV."""
    folder = tmp_path_factory.mktemp("previews")
    request = MusicRequest(genre="pop", tempo=100, key="C", mode="major", energy=0.7, duration_seconds=12, seed=4)
    wav = get_music_provider("local").generate(request, workdir=folder).path
    data, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    mp3 = folder / "preview.mp3"
    with av.open(str(mp3), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate, layout="stereo")
        samples = np.ascontiguousarray(data.T)
        for start in range(0, samples.shape[1], 1152):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples[:, start : start + 1152]), format="fltp", layout="stereo"
            )
            frame.sample_rate, frame.pts = rate, start
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return {"mp3": mp3.read_bytes(), "wav": Path(wav).read_bytes()}


@pytest.fixture
def vendor(settings):
    server = FakeVendor()
    settings.APPLE_MUSIC_RSS_BASE_URL = server.url
    settings.DEEZER_BASE_URL = server.url
    settings.LASTFM_BASE_URL = server.url
    settings.ITUNES_BASE_URL = server.url
    settings.LASTFM_API_KEY = "fm-key"
    settings.DEEZER_CHART_COUNTRY = "FR"
    settings.MARKETS_HTTP_TIMEOUT_SECONDS = 5.0
    settings.MARKETS_HTTP_MAX_ATTEMPTS = 3
    settings.MARKETS_HTTP_MAX_RETRY_AFTER_SECONDS = 2.0
    yield server
    server.close()


def test_apple_music_success(vendor):
    vendor.route("GET", APPLE_PATH, Reply(json=apple_feed(3)))
    live = apple_music_top_songs("BR", 10)
    chart = live.chart
    assert (chart.source, chart.kind, chart.country, str(chart.chart_date)) == (
        "apple_music",
        "daily",
        "BR",
        "2026-11-26",
    )
    assert [(r.rank, r.key, r.title, r.artists) for r in chart.rows][0] == (1, "apple:1700000001", "Song 1", "Artist 1")
    assert live.extras["apple:1700000002"] == {"apple_id": "1700000002", "genre": "sertanejo"}


def test_a_429_is_retried_after_the_time_the_vendor_asks(vendor):
    vendor.route(
        "GET",
        APPLE_PATH,
        Reply(429, json={"error": "slow down"}, headers={"Retry-After": "0"}),
        Reply(json=apple_feed(2)),
    )
    assert len(apple_music_top_songs("BR", 10).chart.rows) == 2
    assert len(vendor.calls("GET", APPLE_PATH)) == 2


def test_a_429_asking_for_too_long_a_wait_fails_at_once_and_5xx_gives_up_after_the_attempts(vendor):
    vendor.route("GET", APPLE_PATH, Reply(429, json={}, headers={"Retry-After": "3600"}))
    with pytest.raises(VendorUnavailable, match="HTTP 429"):
        apple_music_top_songs("BR", 10)
    assert len(vendor.calls("GET", APPLE_PATH)) == 1
    vendor.route("GET", "/api/v2/us/music/most-played/10/songs.json", Reply(503, json={}))
    with pytest.raises(VendorUnavailable, match="gave up"):
        apple_music_top_songs("US", 10)
    assert len(vendor.calls("GET", "/api/v2/us/music/most-played/10/songs.json")) == 3


def test_malformed_payloads_are_refused_clearly(vendor):
    vendor.route("GET", APPLE_PATH, Reply(json={"feed": {"country": "br", "results": [{"id": "1"}]}}))
    with pytest.raises(VendorPayloadError, match=r"unexpected format \(feed.results.0.name"):
        apple_music_top_songs("BR", 10)
    vendor.route(
        "GET", "/chart/0/tracks", Reply(body=b"<html>maintenance</html>", headers={"Content-Type": "text/html"})
    )
    with pytest.raises(VendorPayloadError, match="not JSON"):
        deezer_chart(None, 10)
    vendor.route("GET", "/2.0/", Reply(json={"tracks": {"track": [{"name": "x"}]}}))
    with pytest.raises(VendorPayloadError, match="Last.fm answered in an unexpected format"):
        lastfm_top_tracks("BR", 10)


def test_deezer_success_quota_retry_and_errors(vendor):
    payload = deezer_payload(vendor.url, 3)
    vendor.route(
        "GET",
        "/chart/0/tracks",
        Reply(json={"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}}),
        Reply(json=payload),
    )
    live = deezer_chart(None, 10)
    assert live.chart.country == "FR" and live.chart.rows[2].key == "deezer:3135559"
    assert live.extras["deezer:3135557"]["preview_url"] == f"{vendor.url}/previews/1.mp3"
    assert vendor.calls("GET", "/chart/0/tracks")[-1].query["limit"] == "10"
    vendor.route(
        "GET", "/chart/0/tracks", Reply(json={"error": {"type": "DataException", "message": "no data", "code": 800}})
    )
    with pytest.raises(VendorError, match="no data"):
        deezer_chart(None, 10)


def test_lastfm_success_key_and_errors(vendor, settings):
    vendor.route("GET", "/2.0/", Reply(json=lastfm_payload(3)))
    live = lastfm_top_tracks("BR", 50)
    seen = vendor.calls("GET", "/2.0/")[0].query
    assert seen == {
        "method": "geo.gettoptracks",
        "country": "Brazil",
        "api_key": "fm-key",
        "format": "json",
        "limit": "50",
    }
    assert [(r.rank, r.title, r.plays) for r in live.chart.rows] == [
        (1, "FM Song 1", 49999),
        (2, "FM Song 2", 49998),
        (3, "FM Song 3", 49997),
    ]
    vendor.route(
        "GET",
        "/2.0/",
        Reply(json={"error": 10, "message": "Invalid API key - You must be granted a valid key by last.fm"}),
    )
    with pytest.raises(VendorError, match="Invalid API key"):
        lastfm_top_tracks("BR", 50)
    settings.LASTFM_API_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="LASTFM_API_KEY"):
        lastfm_top_tracks("BR", 50)


@pytest.mark.django_db
def test_pull_stores_what_arrives_skips_what_fails_and_measures_previews_end_to_end(vendor, settings, previews):
    settings.MARKETS_COUNTRIES = ["BR"]
    settings.MARKETS_PULL_LIMIT = 10
    settings.MARKETS_PREVIEWS_PER_PULL = 10
    vendor.route("GET", APPLE_PATH, Reply(json=apple_feed(2)))
    vendor.route("GET", "/chart/0/tracks", Reply(json=deezer_payload(vendor.url, 2)))
    vendor.route("GET", "/2.0/", Reply(500, json={}))
    vendor.route("GET", "/previews/1.mp3", Reply(body=previews["mp3"], headers={"Content-Type": "audio/mpeg"}))
    vendor.route("GET", "/previews/2.mp3", Reply(body=b"not audio at all", headers={"Content-Type": "audio/mpeg"}))
    vendor.route("GET", "/previews/apple.wav", Reply(body=previews["wav"], headers={"Content-Type": "audio/wav"}))

    def lookup(seen):
        return Reply(
            json={
                "resultCount": 1,
                "results": [
                    {
                        "wrapperType": "track",
                        "kind": "song",
                        "trackId": int(seen.query["id"]),
                        "artistName": "Artist",
                        "trackName": "Song",
                        "previewUrl": f"{vendor.url}/previews/apple.wav",
                        "primaryGenreName": "Sertanejo",
                    }
                ],
            }
        )

    vendor.route("GET", "/lookup", lookup)
    report = charts_pull()
    assert sorted(report.charts) == sorted(
        ["apple_music BR 2026-11-26 created", f"deezer FR {Chart.objects.get(source='deezer').chart_date} created"]
    )
    assert len(report.failures) == 1 and report.failures[0].startswith("lastfm BR: Last.fm answered HTTP 500")
    assert report.previews == 3  # two Apple tracks through the iTunes lookup, one Deezer preview

    measured = TrackFeatures.objects.get(track__key="deezer:3135557")
    assert measured.source == "measured" and measured.preview_source == "deezer"
    assert measured.tempo == pytest.approx(100, rel=0.02)
    assert (measured.key, measured.mode) == (0, 1)  # C major, as the synthesizer was asked
    assert 0 <= measured.energy <= 1 and measured.loudness < 0
    broken = ChartTrack.objects.get(key="deezer:3135558")
    assert not hasattr(broken, "features") and "not a readable audio file" in broken.preview_error
    apple = ChartTrack.objects.get(key="apple:1700000001")
    assert apple.features.preview_source == "itunes" and apple.genre == "sertanejo"
    assert apple.preview_url.endswith("/previews/apple.wav")
    assert vendor.calls("GET", "/lookup")[0].query["id"] == "1700000001"
    profile = CountryProfile.objects.get(country="BR", genre="", period="week")
    assert profile.measured_share == 1.0 and profile.features["tempo"]["mean"] == pytest.approx(100, rel=0.02)

    # A second pull changes nothing and does not fetch previews again.
    downloads = len(vendor.calls("GET", "/previews/1.mp3"))
    again = charts_pull()
    assert all(line.endswith("unchanged") for line in again.charts) and again.previews == 0
    assert len(vendor.calls("GET", "/previews/1.mp3")) == downloads
    assert previews_analyse(limit=10) == 0
