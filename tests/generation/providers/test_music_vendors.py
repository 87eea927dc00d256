"""Suno-compatible and Replicate MusicGen clients against local servers speaking their wire formats."""

from __future__ import annotations

import wave

import pytest
from django.core.exceptions import ImproperlyConfigured

from generation.providers.errors import ProviderError, ProviderTimeout
from generation.providers.music import MusicRequest, get_music_provider

from .conftest import Reply

REQUEST = MusicRequest(
    title="Glass Hours",
    genre="synthwave",
    style="dreamy synthwave",
    tempo=104,
    key="Bb",
    mode="minor",
    duration_seconds=5,
)


def _wav_info(path) -> tuple[int, int, int, float]:
    with wave.open(str(path), "rb") as fh:
        return fh.getnchannels(), fh.getsampwidth(), fh.getframerate(), fh.getnframes() / fh.getframerate()


# --- Suno ---------------------------------------------------------------------------------


@pytest.fixture
def suno(settings, vendor):
    settings.SUNO_API_KEY = "suno-test-key"
    settings.SUNO_BASE_URL = vendor.url
    return vendor


@pytest.mark.parametrize(
    ("site", "secret", "url", "expected"),
    [
        ("https://noktvrn.example", "s3cret", "", "https://noktvrn.example/hooks/suno/s3cret/"),
        ("https://noktvrn.example", "s3cret", "https://edge.example/suno", "https://edge.example/suno"),
        ("https://noktvrn.example", "", "https://edge.example/suno", "https://edge.example/suno"),
    ],
)
def test_suno_callback_url_is_derived_from_site_url_unless_given(suno, settings, site, secret, url, expected):
    settings.SITE_URL, settings.SUNO_CALLBACK_SECRET, settings.SUNO_CALLBACK_URL = site, secret, url
    suno.route("POST", "/api/v1/generate", _submitted())
    get_music_provider("suno").submit(REQUEST)
    assert suno.calls("POST", "/api/v1/generate")[0].json["callBackUrl"] == expected


def test_suno_without_a_callback_secret_or_url_is_a_configuration_error(suno, settings):
    settings.SUNO_CALLBACK_SECRET, settings.SUNO_CALLBACK_URL = "", ""
    with pytest.raises(ImproperlyConfigured, match="SUNO_CALLBACK_SECRET"):
        get_music_provider("suno")
    assert suno.seen == []


def _submitted(task_id: str = "task-1") -> Reply:
    return Reply(json={"code": 200, "msg": "success", "data": {"taskId": task_id}})


def _record(status: str, vendor_url: str = "", **extra) -> Reply:
    data = {"taskId": "task-1", "status": status, **extra}
    if status == "SUCCESS":
        data["response"] = {
            "taskId": "task-1",
            "sunoData": [
                {
                    "id": "a",
                    "audioUrl": f"{vendor_url}/audio/a.mp3",
                    "title": "Glass Hours",
                    "duration": 240.0,
                    "tags": "x",
                },
                {
                    "id": "b",
                    "audioUrl": f"{vendor_url}/audio/b.mp3",
                    "title": "Glass Hours",
                    "duration": 3.1,
                    "tags": "x",
                },
            ],
        }
    return Reply(json={"code": 200, "msg": "success", "data": data})


def test_suno_submits_polls_until_success_and_converts_to_wav(suno, mp3_bytes, tmp_path, settings):
    suno.route("POST", "/api/v1/generate", _submitted())
    suno.route(
        "GET",
        "/api/v1/generate/record-info",
        _record("PENDING"),
        _record("TEXT_SUCCESS"),
        _record("FIRST_SUCCESS"),
        _record("SUCCESS", suno.url),
    )
    suno.route("GET", "/audio/b.mp3", Reply(body=mp3_bytes, headers={"Content-Type": "audio/mpeg"}))

    result = get_music_provider("suno").generate(REQUEST, workdir=tmp_path)

    submit = suno.calls("POST", "/api/v1/generate")[0]
    assert submit.headers["authorization"] == "Bearer suno-test-key"
    body = submit.json
    assert body["customMode"] is True and body["instrumental"] is True
    assert body["title"] == "Glass Hours" and body["model"]
    assert "104 bpm" in body["style"] and "A# minor" in body["style"]
    assert body["callBackUrl"] == f"{settings.SITE_URL}/hooks/suno/{settings.SUNO_CALLBACK_SECRET}/"
    polls = suno.calls("GET", "/api/v1/generate/record-info")
    assert len(polls) == 4 and polls[0].query == {"taskId": "task-1"}
    assert result.provider == "suno" and result.job_id == "task-1" and result.format == "wav"
    assert result.source_url.endswith("/audio/b.mp3")  # the take closest to the requested length
    channels, width, rate, seconds = _wav_info(result.path)
    assert (channels, width, rate) == (2, 2, 44100)
    assert seconds == pytest.approx(3.0, abs=0.2) and result.duration == pytest.approx(seconds)
    assert result.original_path.read_bytes() == mp3_bytes


def test_suno_sends_lyrics_as_the_prompt_for_vocal_tracks(suno, mp3_bytes, tmp_path):
    suno.route("POST", "/api/v1/generate", _submitted())
    suno.route("GET", "/api/v1/generate/record-info", _record("SUCCESS", suno.url))
    suno.route("GET", "/audio/b.mp3", Reply(body=mp3_bytes))
    request = REQUEST.model_copy(update={"instrumental": False, "lyrics": "[Verse]\nneon rain on glass"})
    get_music_provider("suno").generate(request, workdir=tmp_path)
    body = suno.calls("POST", "/api/v1/generate")[0].json
    assert body["instrumental"] is False and body["prompt"] == "[Verse]\nneon rain on glass"


def test_suno_failure_status_is_reported_with_the_vendor_reason(suno, tmp_path):
    suno.route("POST", "/api/v1/generate", _submitted())
    suno.route(
        "GET",
        "/api/v1/generate/record-info",
        _record("PENDING"),
        _record("SENSITIVE_WORD_ERROR", errorMessage="lyrics contain a blocked word"),
    )
    with pytest.raises(ProviderError, match="blocked word") as caught:
        get_music_provider("suno").generate(REQUEST, workdir=tmp_path)
    assert not caught.value.transient and caught.value.extra["job_id"] == "task-1"


def test_suno_body_error_code_on_http_200_is_an_error(suno, tmp_path):
    suno.route("POST", "/api/v1/generate", Reply(json={"code": 429, "msg": "insufficient credits", "data": None}))
    with pytest.raises(ProviderError, match="insufficient credits") as caught:
        get_music_provider("suno").generate(REQUEST, workdir=tmp_path)
    assert not caught.value.transient


def test_suno_job_that_never_finishes_times_out(suno, settings, tmp_path):
    settings.MUSIC_POLL_TIME_LIMIT_SECONDS = 0.3
    suno.route("POST", "/api/v1/generate", _submitted())
    suno.route("GET", "/api/v1/generate/record-info", _record("PENDING"))
    with pytest.raises(ProviderTimeout, match="suno generation did not finish within 0.3 s"):
        get_music_provider("suno").generate(REQUEST, workdir=tmp_path)


def test_suno_submit_rate_limited_then_accepted(suno, mp3_bytes, tmp_path):
    suno.route(
        "POST",
        "/api/v1/generate",
        Reply(429, json={"code": 429, "msg": "busy"}, headers={"Retry-After": "0.05"}),
        _submitted(),
    )
    suno.route("GET", "/api/v1/generate/record-info", _record("SUCCESS", suno.url))
    suno.route("GET", "/audio/b.mp3", Reply(body=mp3_bytes))
    assert get_music_provider("suno").generate(REQUEST, workdir=tmp_path).job_id == "task-1"
    assert len(suno.calls("POST", "/api/v1/generate")) == 2


def test_suno_submit_that_hangs_times_out(suno, tmp_path):
    suno.route("POST", "/api/v1/generate", Reply(json={}, delay=1.5))
    with pytest.raises(ProviderTimeout):
        get_music_provider("suno").generate(REQUEST, workdir=tmp_path)


def test_suno_rejected_key_is_not_retried(suno, tmp_path):
    suno.route("POST", "/api/v1/generate", Reply(401, json={"code": 401, "msg": "invalid api key"}))
    with pytest.raises(ProviderError, match="401"):
        get_music_provider("suno").generate(REQUEST, workdir=tmp_path)
    assert len(suno.calls("POST", "/api/v1/generate")) == 1


def test_suno_undecodable_audio_is_a_provider_error(suno, tmp_path):
    suno.route("POST", "/api/v1/generate", _submitted())
    suno.route("GET", "/api/v1/generate/record-info", _record("SUCCESS", suno.url))
    suno.route("GET", "/audio/b.mp3", Reply(body=b"<html>not audio</html>"))
    with pytest.raises(ProviderError, match="could not be decoded"):
        get_music_provider("suno").generate(REQUEST, workdir=tmp_path)


# --- Replicate ------------------------------------------------------------------------------


@pytest.fixture
def replicate(settings, vendor):
    settings.REPLICATE_API_TOKEN = "r8_test"
    settings.REPLICATE_BASE_URL = vendor.url
    settings.REPLICATE_MUSICGEN_VERSION = "v123"
    return vendor


def _prediction(status: str, vendor_url: str = "", **extra) -> Reply:
    data = {
        "id": "pred-9",
        "version": "v123",
        "status": status,
        "urls": {"get": f"{vendor_url}/v1/predictions/pred-9", "cancel": f"{vendor_url}/v1/predictions/pred-9/cancel"},
        "output": None,
        "error": None,
        **extra,
    }
    return Reply(201 if status == "starting" else 200, json=data)


def test_replicate_creates_polls_and_downloads_the_output(replicate, wav_bytes, tmp_path):
    replicate.route("POST", "/v1/predictions", _prediction("starting", replicate.url))
    replicate.route(
        "GET",
        "/v1/predictions/pred-9",
        _prediction("starting", replicate.url),
        _prediction("processing", replicate.url),
        _prediction("succeeded", replicate.url, output=f"{replicate.url}/out/pred-9.wav"),
    )
    replicate.route("GET", "/out/pred-9.wav", Reply(body=wav_bytes, headers={"Content-Type": "audio/wav"}))

    result = get_music_provider("replicate").generate(REQUEST.model_copy(update={"seed": 5}), workdir=tmp_path)

    created = replicate.calls("POST", "/v1/predictions")[0]
    assert created.headers["authorization"] == "Bearer r8_test"
    assert created.json["version"] == "v123"
    inputs = created.json["input"]
    assert inputs["duration"] == 5 and inputs["output_format"] == "wav" and inputs["seed"] == 5
    assert "104 bpm" in inputs["prompt"]
    assert len(replicate.calls("GET", "/v1/predictions/pred-9")) == 3
    assert result.provider == "replicate" and result.job_id == "pred-9"
    assert _wav_info(result.path)[:3] == (2, 2, 44100)
    assert result.duration == pytest.approx(4.0, abs=0.05)


def test_replicate_failed_prediction_carries_the_error(replicate, tmp_path):
    replicate.route("POST", "/v1/predictions", _prediction("starting", replicate.url))
    replicate.route("GET", "/v1/predictions/pred-9", _prediction("failed", replicate.url, error="CUDA out of memory"))
    with pytest.raises(ProviderError, match="CUDA out of memory"):
        get_music_provider("replicate").generate(REQUEST, workdir=tmp_path)


def test_replicate_timeout_cancels_the_prediction(replicate, settings, tmp_path):
    settings.MUSIC_POLL_TIME_LIMIT_SECONDS = 0.3
    replicate.route("POST", "/v1/predictions", _prediction("starting", replicate.url))
    replicate.route("GET", "/v1/predictions/pred-9", _prediction("processing", replicate.url))
    replicate.route("POST", "/v1/predictions/pred-9/cancel", _prediction("canceled", replicate.url))
    with pytest.raises(ProviderTimeout):
        get_music_provider("replicate").generate(REQUEST, workdir=tmp_path)
    assert len(replicate.calls("POST", "/v1/predictions/pred-9/cancel")) == 1


def test_replicate_poll_survives_a_429(replicate, wav_bytes, tmp_path):
    replicate.route("POST", "/v1/predictions", _prediction("starting", replicate.url))
    replicate.route(
        "GET",
        "/v1/predictions/pred-9",
        Reply(429, json={"detail": "Request was throttled."}, headers={"Retry-After": "0.05"}),
        _prediction("succeeded", replicate.url, output=[f"{replicate.url}/out/pred-9.wav"]),
    )
    replicate.route("GET", "/out/pred-9.wav", Reply(body=wav_bytes))
    assert get_music_provider("replicate").generate(REQUEST, workdir=tmp_path).job_id == "pred-9"
