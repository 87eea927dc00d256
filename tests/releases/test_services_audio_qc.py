"""releases/services/audio.py, qc.py and ddex.py on synthetic signals and hand-broken XML."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest
from lxml import etree

from releases.services import audio, ddex

SR = 44100


def _source(data: np.ndarray, sample_rate: int = SR) -> audio.SourceAudio:
    return audio.SourceAudio(data=data, sample_rate=sample_rate, channels=data.shape[1], format="WAV", subtype="FLOAT")


def test_normalisation_reaches_the_target_and_the_limiter_holds_the_true_peak():
    t = np.arange(SR * 12) / SR
    rng = np.random.default_rng(3)
    clicks = np.zeros_like(t)
    clicks[:: SR // 3] = 1.0
    peaky = 0.04 * np.sin(2 * np.pi * 110 * t) + np.convolve(clicks, np.exp(-np.arange(400) / 60), "same") * 0.6
    peaky += 0.01 * rng.standard_normal(t.size)
    source = _source(np.stack([peaky, peaky], axis=1))

    master, stats = audio.audio_master(source, normalize=True, target_lufs=-14.0, max_true_peak=-1.0)

    assert stats.limited and stats.gain_db > 5
    assert abs(audio.loudness_lufs(master, SR) + 14.0) <= 0.5
    assert audio.true_peak_dbtp(master) <= -1.0


def test_the_master_is_resampled_to_44100_stereo():
    mono = 0.1 * np.sin(2 * np.pi * 440 * np.arange(48000 * 2) / 48000)[:, None]
    master, _ = audio.audio_master(_source(mono, 48000), normalize=False, target_lufs=-14, max_true_peak=-1)
    assert master.shape == (SR * 2, 2)


def test_true_peak_sees_inter_sample_peaks():
    # A sine at fs/4 sampled at 45 degrees: every sample is at 0.707 of the real peak.
    n = np.arange(SR)
    data = np.sin(2 * np.pi * (SR / 4) * n / SR + np.pi / 4)[:, None]
    assert np.abs(data).max() == pytest.approx(0.7071, abs=1e-3)
    assert audio.true_peak_dbtp(data) == pytest.approx(0.0, abs=0.3)


def test_silence_and_clipping_measurements():
    tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(SR * 4) / SR)
    data = np.concatenate([np.zeros(SR * 2), tone, np.zeros(SR // 2)])[:, None]
    lead, trail = audio.silence_edges(data, SR)
    assert lead == pytest.approx(2.0, abs=0.02) and trail == pytest.approx(0.5, abs=0.02)
    assert audio.clipped_ratio(data) == 0.0
    clipped = np.clip(tone * 4, -1, 1)[:, None]
    assert audio.clipped_ratio(clipped) > 0.5


def test_the_loudest_window_finds_the_chorus():
    t = np.arange(SR * 40) / SR
    level = np.where((t > 22) & (t < 34), 0.8, 0.1)
    data = (level * np.sin(2 * np.pi * 220 * t))[:, None]
    assert 19 <= audio.loudest_window(data, SR, 15) <= 22
    sections = audio.energy_sections(data, SR)
    loudest = max(sections, key=lambda s: s["energy"])
    assert loudest["label"] == "high" and 20 <= loudest["start"] <= 24


def _ddex() -> bytes:
    return ddex.ddex_build(
        ddex.DdexRelease(
            message_id="m1",
            created_at=datetime(2026, 11, 25, tzinfo=UTC),
            sender_dpid="PADPIDA2014120301",
            sender_name="noktvrn",
            recipient_dpid="",
            recipient_name="outbox",
            artist_name="Neon Vesper",
            label_name="noktvrn",
            title="Night Drive",
            genre="synthwave",
            isrc="DEA122600001",
            upc="4012345000016",
            duration_seconds=211.4,
            release_date=date(2026, 12, 9),
            territories=["DE", "FR"],
            audio=ddex.DdexFile(uri="DEA122600001.wav", sha256="a" * 64),
            cover=ddex.DdexFile(uri="4012345000016.jpg", sha256="b" * 64),
            cover_size=3000,
        )
    )


def test_ddex_message_is_complete():
    xml = _ddex()
    assert ddex.ddex_missing(xml) == []
    root = etree.fromstring(xml)
    assert root.findtext("ResourceList/SoundRecording/Duration") == "PT3M31S"
    assert [t.text for t in root.findall("DealList/ReleaseDeal/Deal/DealTerms")[0].findall("TerritoryCode")] == [
        "DE",
        "FR",
    ]


def test_ddex_check_reports_missing_elements_and_dangling_references():
    root = etree.fromstring(_ddex())
    recording = root.find("ResourceList/SoundRecording")
    recording.remove(recording.find("ParentalWarningType"))
    root.find("ReleaseList/Release/ReleaseId/ICPN").text = "4012345000018"
    root.find("DealList/ReleaseDeal/DealReleaseReference").text = "R9"
    problems = ddex.ddex_missing(etree.tostring(root))
    assert "ResourceList/SoundRecording/ParentalWarningType" in problems
    assert "valid ICPN/EAN-13 (got '4012345000018')" in problems
    assert "ReleaseList entry for R9" in problems
    assert ddex.ddex_missing(b"<not xml") == [ddex.ddex_missing(b"<not xml")[0]]
    assert ddex.ddex_missing(b"<not xml")[0].startswith("well-formed XML")


def test_mp3_sources_decode(tmp_path):
    """Suno-style vendors deliver MP3; libsndfile decodes it like any WAV."""
    import soundfile

    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(SR * 3) / SR)
    path = tmp_path / "track.mp3"
    soundfile.write(str(path), np.stack([tone, tone], axis=1), SR, format="MP3")
    source = audio.audio_read(path)
    assert source.format == "MP3" and source.channels == 2
    assert source.duration == pytest.approx(3.0, abs=0.1)
