"""The local visualizer renders a real H.264/AAC MP4 of the track's length, shaped by orientation."""

from __future__ import annotations

import av
import numpy as np
import pytest

from generation.providers.errors import ProviderError
from generation.providers.video import VideoRequest, video_for_run
from generation.providers.video.base import frame_size
from generation.providers.video.local import LocalVideoProvider

from .conftest import probe


def _request(track_wav, **overrides) -> VideoRequest:
    fields = {
        "orientation": "landscape",
        "duration_seconds": 6,
        "palette": ["#1a1a2e", "#e94560", "#0f3460"],
        "title": "Glass Hours",
        "artist_name": "Nova Vantablack",
        "audio_path": track_wav,
        "seed": 3,
    }
    return VideoRequest(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("orientation", "size"), [("landscape", (320, 180)), ("portrait", (180, 320)), ("square", (180, 180))]
)
def test_visualizer_mp4_has_video_and_audio_of_the_track_length(track_wav, tmp_path, orientation, size):
    result = LocalVideoProvider().fetch(_request(track_wav, orientation=orientation), workdir=tmp_path)
    streams = probe(result.path)
    assert streams["video"][0] == "h264" and streams["video"][2:] == size
    assert streams["audio"][0] == "aac"
    assert streams["video"][1] == pytest.approx(6.0, abs=0.1)
    assert streams["audio"][1] == pytest.approx(6.0, abs=0.1)
    assert result.source == "local" and result.licence


def test_bars_follow_the_music(track_wav, tmp_path):
    result = LocalVideoProvider().fetch(_request(track_wav), workdir=tmp_path)
    with av.open(str(result.path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    changes = [np.abs(a.astype(int) - b).mean() for a, b in zip(frames, frames[1:], strict=False)]
    assert len(frames) == 6 * 12  # LOCAL_VIDEO_FPS in the test settings
    assert np.mean(changes) > 0.5  # the picture moves with the audio


def test_default_frame_sizes_are_even_hd():
    assert frame_size("landscape", 1280) == (1280, 720)
    assert frame_size("portrait", 1280) == (720, 1280)
    assert frame_size("square", 1280) == (720, 720)
    assert all(v % 2 == 0 for v in frame_size("landscape", 853))


def test_visualizer_needs_the_track(tmp_path):
    with pytest.raises(ProviderError, match="audio_path"):
        LocalVideoProvider().fetch(VideoRequest(duration_seconds=5), workdir=tmp_path)


def test_default_chain_is_the_local_visualizer(settings, track_wav, tmp_path):
    settings.VIDEO_PROVIDERS = ["local"]
    result = video_for_run(_request(track_wav, duration_seconds=2), workdir=tmp_path)
    assert result.source == "local"
    assert probe(result.path)["video"][1] == pytest.approx(2.0, abs=0.1)
