"""Pexels, Pixabay and Luma clients and the VIDEO_PROVIDERS chain, against local servers in their wire formats."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from generation.providers.errors import ProviderError
from generation.providers.video import VideoRequest, query_terms_for, video_for_run
from generation.providers.video.stock import search_queries

from .conftest import Reply, make_clip, probe


@pytest.fixture
def request_for(track_wav):
    def build(**overrides) -> VideoRequest:
        fields = {
            "query_terms": ["neon", "city", "rain"],
            "orientation": "landscape",
            "duration_seconds": 5,
            "palette": ["#101018", "#e94560"],
            "title": "Glass Hours",
            "artist_name": "Nova",
            "audio_path": track_wav,
            "seed": 1,
        }
        return VideoRequest(**{**fields, **overrides})

    return build


# --- Pexels ---------------------------------------------------------------------------------


@pytest.fixture
def pexels(settings, vendor):
    settings.PEXELS_API_KEY = "pexels-key"
    settings.PEXELS_BASE_URL = vendor.url
    settings.VIDEO_PROVIDERS = ["pexels"]
    return vendor


def _pexels_video(vendor_url: str, video_id: int, *, portrait: bool = False, duration: int = 12) -> dict:
    w, h = (1080, 1920) if portrait else (1920, 1080)
    return {
        "id": video_id,
        "width": w,
        "height": h,
        "url": f"https://www.pexels.com/video/clip-{video_id}/",
        "duration": duration,
        "user": {"id": 7, "name": "Ava Lens", "url": "https://www.pexels.com/@ava"},
        "video_files": [
            {
                "id": 1,
                "quality": "uhd",
                "file_type": "video/mp4",
                "width": w * 2,
                "height": h * 2,
                "link": f"{vendor_url}/v/{video_id}-4k.mp4",
            },
            {
                "id": 2,
                "quality": "hd",
                "file_type": "video/mp4",
                "width": w * 2 // 3,
                "height": h * 2 // 3,
                "link": f"{vendor_url}/v/{video_id}-hd.mp4",
            },
            {
                "id": 3,
                "quality": "sd",
                "file_type": "video/mp4",
                "width": w // 3,
                "height": h // 3,
                "link": f"{vendor_url}/v/{video_id}-sd.mp4",
            },
        ],
    }


def test_pexels_searches_picks_a_720p_file_and_credits_the_creator(pexels, request_for, clip_bytes, tmp_path):
    pexels.route(
        "GET",
        "/videos/search",
        Reply(json={"page": 1, "per_page": 15, "total_results": 1, "videos": [_pexels_video(pexels.url, 42)]}),
    )
    pexels.route("GET", "/v/42-hd.mp4", Reply(body=clip_bytes, headers={"Content-Type": "video/mp4"}))

    result = video_for_run(request_for(), workdir=tmp_path)

    search = pexels.calls("GET", "/videos/search")[0]
    assert search.headers["authorization"] == "pexels-key"  # no "Bearer"
    assert search.query["query"] == "neon city rain" and search.query["orientation"] == "landscape"
    assert result.source == "pexels" and result.source_id == "42"
    assert result.attribution == "Video by Ava Lens on Pexels"
    assert result.url == "https://www.pexels.com/video/clip-42/" and "Pexels License" in result.licence
    streams = probe(result.path)
    assert streams["video"][1] == pytest.approx(5.0, abs=0.1)  # a 2 s clip looped to the track
    assert streams["audio"][0] == "aac" and streams["audio"][1] == pytest.approx(5.0, abs=0.1)


def test_pexels_broadens_the_query_when_nothing_matches(pexels, request_for, clip_bytes, tmp_path):
    empty = Reply(json={"page": 1, "per_page": 15, "total_results": 0, "videos": []})
    pexels.route("GET", "/videos/search", empty, empty, Reply(json={"videos": [_pexels_video(pexels.url, 7)]}))
    pexels.route("GET", "/v/7-hd.mp4", Reply(body=clip_bytes))
    video_for_run(request_for(), workdir=tmp_path)
    queries = [c.query["query"] for c in pexels.calls("GET", "/videos/search")]
    assert queries == ["neon city rain", "neon city", "neon"]


def test_pexels_with_no_usable_result_fails_over_to_the_next_provider(pexels, settings, request_for, tmp_path):
    settings.VIDEO_PROVIDERS = ["pexels", "local"]
    wrong_shape = _pexels_video(pexels.url, 9, portrait=True)
    pexels.route("GET", "/videos/search", Reply(json={"videos": [wrong_shape]}))
    result = video_for_run(request_for(), workdir=tmp_path)
    assert result.source == "local"


def test_pexels_rate_limit_then_success(pexels, request_for, clip_bytes, tmp_path):
    pexels.route(
        "GET",
        "/videos/search",
        Reply(429, body=b"Too Many Requests", headers={"Retry-After": "0.05"}),
        Reply(json={"videos": [_pexels_video(pexels.url, 5)]}),
    )
    pexels.route("GET", "/v/5-hd.mp4", Reply(body=clip_bytes))
    assert video_for_run(request_for(), workdir=tmp_path).source_id == "5"


def test_pexels_hanging_search_times_out_and_the_chain_reports_it(pexels, request_for, tmp_path):
    pexels.route("GET", "/videos/search", Reply(json={}, delay=1.5))
    with pytest.raises(ProviderError, match="pexels") as caught:
        video_for_run(request_for(), workdir=tmp_path)
    assert caught.value.transient


def test_a_broken_download_is_a_provider_error(pexels, request_for, tmp_path):
    pexels.route("GET", "/videos/search", Reply(json={"videos": [_pexels_video(pexels.url, 3)]}))
    pexels.route("GET", "/v/3-hd.mp4", Reply(body=b"not a video at all"))
    with pytest.raises(ProviderError, match="could not be used"):
        video_for_run(request_for(), workdir=tmp_path)


# --- Pixabay --------------------------------------------------------------------------------


@pytest.fixture
def pixabay(settings, vendor):
    settings.PIXABAY_API_KEY = "pixabay-key"
    settings.PIXABAY_BASE_URL = vendor.url
    settings.VIDEO_PROVIDERS = ["pixabay"]
    return vendor


def _pixabay_hit(vendor_url: str, hit_id: int) -> dict:
    return {
        "id": hit_id,
        "pageURL": f"https://pixabay.com/videos/id-{hit_id}/",
        "type": "film",
        "tags": "neon, city",
        "duration": 14,
        "videos": {
            "large": {"url": "", "width": 0, "height": 0, "size": 0},
            "medium": {"url": f"{vendor_url}/p/{hit_id}-medium.mp4", "width": 1280, "height": 720, "size": 100},
            "small": {"url": f"{vendor_url}/p/{hit_id}-small.mp4", "width": 960, "height": 540, "size": 50},
            "tiny": {"url": f"{vendor_url}/p/{hit_id}-tiny.mp4", "width": 640, "height": 360, "size": 20},
        },
        "user_id": 99,
        "user": "Kai_Frames",
    }


def test_pixabay_searches_with_the_key_and_credits_the_user(pixabay, request_for, clip_bytes, tmp_path):
    pixabay.route(
        "GET", "/api/videos/", Reply(json={"total": 1, "totalHits": 1, "hits": [_pixabay_hit(pixabay.url, 77)]})
    )
    pixabay.route("GET", "/p/77-medium.mp4", Reply(body=clip_bytes))
    result = video_for_run(request_for(), workdir=tmp_path)
    search = pixabay.calls("GET", "/api/videos/")[0]
    assert search.query["key"] == "pixabay-key" and search.query["q"] == "neon city rain"
    assert result.source == "pixabay" and result.source_id == "77"
    assert result.attribution == "Video by Kai_Frames on Pixabay" and result.url.endswith("id-77/")
    assert probe(result.path)["video"][1] == pytest.approx(5.0, abs=0.1)


def test_pixabay_bad_key_fails_without_retry(pixabay, request_for, tmp_path):
    pixabay.route("GET", "/api/videos/", Reply(400, body=b"[ERROR 400] Invalid or missing API key"))
    with pytest.raises(ProviderError, match="Invalid or missing API key"):
        video_for_run(request_for(), workdir=tmp_path)
    assert len(pixabay.calls("GET", "/api/videos/")) == 1


def test_pixabay_key_never_appears_in_error_messages(pixabay, request_for, tmp_path):
    pixabay.route("GET", "/api/videos/", Reply(503, body=b"unavailable"))
    with pytest.raises(ProviderError) as caught:
        video_for_run(request_for(), workdir=tmp_path)
    assert "pixabay-key" not in str(caught.value.message)


def test_pixabay_rate_limit_then_success(pixabay, request_for, clip_bytes, tmp_path):
    pixabay.route(
        "GET",
        "/api/videos/",
        Reply(429, body=b"API rate limit exceeded", headers={"Retry-After": "0.05", "X-RateLimit-Remaining": "0"}),
        Reply(json={"total": 1, "totalHits": 1, "hits": [_pixabay_hit(pixabay.url, 12)]}),
    )
    pixabay.route("GET", "/p/12-medium.mp4", Reply(body=clip_bytes))
    assert video_for_run(request_for(), workdir=tmp_path).source_id == "12"
    assert len(pixabay.calls("GET", "/api/videos/")) == 2


def test_pixabay_slow_download_times_out(pixabay, settings, request_for, clip_bytes, tmp_path):
    settings.VIDEO_DOWNLOAD_TIME_LIMIT_SECONDS = 0.8
    pixabay.route(
        "GET", "/api/videos/", Reply(json={"total": 1, "totalHits": 1, "hits": [_pixabay_hit(pixabay.url, 13)]})
    )
    pixabay.route("GET", "/p/13-medium.mp4", Reply(body=clip_bytes, delay=1.5))
    with pytest.raises(ProviderError, match="did not finish within 0.8 s") as caught:
        video_for_run(request_for(), workdir=tmp_path)
    assert caught.value.transient


# --- Luma -----------------------------------------------------------------------------------


@pytest.fixture
def luma(settings, vendor):
    settings.LUMA_API_KEY = "luma-key"
    settings.LUMA_BASE_URL = vendor.url
    settings.VIDEO_PROVIDERS = ["luma"]
    return vendor


def _generation(state: str, vendor_url: str = "", **extra) -> Reply:
    data = {
        "id": "gen-1",
        "state": state,
        "failure_reason": None,
        "created_at": "2026-11-25T09:00:00Z",
        "assets": {"video": f"{vendor_url}/assets/gen-1.mp4"} if state == "completed" else None,
        "model": "ray-2",
        **extra,
    }
    return Reply(201 if state == "queued" else 200, json=data)


def test_luma_generates_polls_and_loops_the_clip_under_the_track(luma, request_for, tmp_path):
    clip = make_clip(tmp_path / "luma.mp4", width=192, height=108, seconds=1.5)
    luma.route("POST", "/dream-machine/v1/generations", _generation("queued"))
    luma.route(
        "GET",
        "/dream-machine/v1/generations/gen-1",
        _generation("queued"),
        _generation("dreaming"),
        _generation("completed", luma.url),
    )
    luma.route("GET", "/assets/gen-1.mp4", Reply(body=clip))
    result = video_for_run(request_for(orientation="landscape"), workdir=tmp_path / "out")
    created = luma.calls("POST", "/dream-machine/v1/generations")[0]
    assert created.headers["authorization"] == "Bearer luma-key"
    assert created.json["aspect_ratio"] == "16:9" and created.json["loop"] is True
    assert "neon" in created.json["prompt"]
    assert len(luma.calls("GET", "/dream-machine/v1/generations/gen-1")) == 3
    assert result.source == "luma" and result.source_id == "gen-1"
    assert probe(result.path)["video"][1] == pytest.approx(5.0, abs=0.1)


def test_luma_failure_reason_is_reported(luma, request_for, tmp_path):
    luma.route("POST", "/dream-machine/v1/generations", _generation("queued"))
    luma.route("GET", "/dream-machine/v1/generations/gen-1", _generation("failed", failure_reason="prompt moderated"))
    with pytest.raises(ProviderError, match="prompt moderated"):
        video_for_run(request_for(), workdir=tmp_path)


def test_luma_generation_that_never_completes_times_out(luma, settings, request_for, tmp_path):
    settings.VIDEO_POLL_TIME_LIMIT_SECONDS = 0.3
    luma.route("POST", "/dream-machine/v1/generations", _generation("queued"))
    luma.route("GET", "/dream-machine/v1/generations/gen-1", _generation("dreaming"))
    with pytest.raises(ProviderError, match="did not finish within 0.3 s") as caught:
        video_for_run(request_for(), workdir=tmp_path)
    assert caught.value.transient


def test_luma_submit_429_then_accepted(luma, request_for, tmp_path):
    clip = make_clip(tmp_path / "luma.mp4", width=192, height=108, seconds=1.0)
    luma.route(
        "POST",
        "/dream-machine/v1/generations",
        Reply(429, json={"detail": "rate limit"}, headers={"Retry-After": "0.05"}),
        _generation("queued"),
    )
    luma.route("GET", "/dream-machine/v1/generations/gen-1", _generation("completed", luma.url))
    luma.route("GET", "/assets/gen-1.mp4", Reply(body=clip))
    assert video_for_run(request_for(), workdir=tmp_path / "o").source == "luma"


# --- Chain and query terms ------------------------------------------------------------------


def test_chain_falls_through_to_local_when_vendors_fail(settings, vendor, request_for, tmp_path):
    settings.PEXELS_API_KEY, settings.PEXELS_BASE_URL = "k", vendor.url
    settings.PIXABAY_API_KEY, settings.PIXABAY_BASE_URL = "k", vendor.url
    settings.VIDEO_PROVIDERS = ["pexels", "pixabay", "local"]
    vendor.route("GET", "/videos/search", Reply(500, body=b"oops"))
    vendor.route("GET", "/api/videos/", Reply(json={"total": 0, "totalHits": 0, "hits": []}))
    result = video_for_run(request_for(), workdir=tmp_path)
    assert result.source == "local"
    assert vendor.calls("GET", "/videos/search") and vendor.calls("GET", "/api/videos/")


def test_chain_with_every_provider_failing_lists_each_reason(settings, vendor, request_for, tmp_path):
    settings.PEXELS_API_KEY, settings.PEXELS_BASE_URL = "k", vendor.url
    settings.VIDEO_PROVIDERS = ["pexels", "local"]
    vendor.route("GET", "/videos/search", Reply(401, json={"error": "bad key"}))
    with pytest.raises(ProviderError) as caught:
        video_for_run(request_for(audio_path=None), workdir=tmp_path)
    assert "pexels:" in caught.value.message and "local:" in caught.value.message
    assert [f["provider"] for f in caught.value.extra["failures"]] == ["pexels", "local"]


@pytest.mark.parametrize(
    ("name", "variable"), [("pexels", "PEXELS_API_KEY"), ("pixabay", "PIXABAY_API_KEY"), ("luma", "LUMA_API_KEY")]
)
def test_a_listed_provider_without_its_key_is_a_configuration_error(settings, request_for, tmp_path, name, variable):
    setattr(settings, variable, "")
    settings.VIDEO_PROVIDERS = [name, "local"]
    with pytest.raises(ImproperlyConfigured, match=variable):
        video_for_run(request_for(), workdir=tmp_path)


def test_unknown_video_provider_is_a_configuration_error(settings, request_for, tmp_path):
    settings.VIDEO_PROVIDERS = ["vimeo"]
    with pytest.raises(ImproperlyConfigured, match="VIDEO_PROVIDERS"):
        video_for_run(request_for(), workdir=tmp_path)


def test_query_terms_put_the_artist_keywords_first_then_mood():
    terms = query_terms_for(style_keywords=["Neon", "rainy streets", "neon"], energy=0.9, valence=0.2, tempo=140)
    assert terms[:2] == ["neon", "rainy streets"]
    assert "dark city night" in terms and "fast motion" in terms
    calm = query_terms_for(style_keywords=[], energy=0.2, valence=0.8, tempo=80)
    assert calm == ["sunset", "calm ocean", "golden hour", "slow motion"]
    assert query_terms_for(style_keywords=[], energy=None, valence=None, tempo=None) == ["abstract light"]


def test_search_queries_go_from_specific_to_broad():
    assert search_queries(["a", "b", "c", "d"]) == ["a b c", "a b", "a", "b", "c", "d", "abstract light"]
    assert search_queries([]) == ["abstract light"]


def test_stock_clip_without_a_track_is_cut_to_length_without_audio(pexels, request_for, clip_bytes, tmp_path):
    pexels.route("GET", "/videos/search", Reply(json={"videos": [_pexels_video(pexels.url, 8)]}))
    pexels.route("GET", "/v/8-hd.mp4", Reply(body=clip_bytes))
    result = video_for_run(request_for(audio_path=None, duration_seconds=1.2), workdir=tmp_path)
    streams = probe(result.path)
    assert "audio" not in streams
    assert streams["video"][1] == pytest.approx(1.2, abs=0.1)


def test_portrait_request_asks_for_portrait_and_picks_a_portrait_file(pexels, request_for, tmp_path):
    portrait_clip = make_clip(tmp_path / "p.mp4", width=108, height=192, seconds=1.0)
    pexels.route("GET", "/videos/search", Reply(json={"videos": [_pexels_video(pexels.url, 4, portrait=True)]}))
    pexels.route("GET", "/v/4-hd.mp4", Reply(body=portrait_clip))
    result = video_for_run(request_for(orientation="portrait", duration_seconds=2), workdir=tmp_path / "o")
    assert pexels.calls("GET", "/videos/search")[0].query["orientation"] == "portrait"
    assert probe(result.path)["video"][2:] == (108, 192)
