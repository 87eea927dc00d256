"""kernel.audio, the one audio toolkit: BS.1770 loudness and true peak against independent
references (pyloudnorm, a sine's known crest), the decoder on every shape of file, and the
analyser, the release master/QC and the providers agreeing because they share it."""

from __future__ import annotations

import av
import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

from kernel import audio as toolkit
from tests.analytics.conftest import write_excerpt


def _pyloudnorm(data: np.ndarray, rate: int) -> float:
    """pyloudnorm wants frames x channels float64."""
    return float(pyloudnorm.Meter(rate).integrated_loudness(np.asarray(data, dtype=np.float64).T))


@pytest.fixture(scope="module")
def music(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kernel-audio")
    return write_excerpt(folder, tempo=124.0, key="A", mode="minor", style="backbeat", seconds=12)


def test_integrated_loudness_agrees_with_pyloudnorm(music):
    decoded = toolkit.decode(music)
    assert toolkit.integrated_loudness(decoded.data, decoded.sample_rate) == pytest.approx(
        _pyloudnorm(decoded.data, decoded.sample_rate), abs=0.1
    )
    rng = np.random.default_rng(3)
    for rate, channels, level in ((48000, 2, 0.05), (44100, 1, 0.3), (22050, 2, 0.001)):
        noise = rng.standard_normal((channels, 5 * rate)) * level
        assert toolkit.integrated_loudness(noise, rate) == pytest.approx(_pyloudnorm(noise, rate), abs=0.1)
    # 5.0: surrounds weigh 1.41 (pyloudnorm's gains); 5.1: the LFE (4th channel) does not count.
    surround = rng.standard_normal((5, 4 * 48000)) * np.array([[0.1], [0.1], [0.05], [0.02], [0.02]])
    assert toolkit.integrated_loudness(surround, 48000) == pytest.approx(_pyloudnorm(surround, 48000), abs=0.1)
    with_lfe = np.insert(surround, 3, rng.standard_normal(4 * 48000) * 0.5, axis=0)
    assert toolkit.integrated_loudness(with_lfe, 48000) == toolkit.integrated_loudness(surround, 48000)


def test_a_full_scale_1khz_sine_reads_minus_3_lufs():
    # BS.1770: a 0 dBFS 997 Hz sine in one channel of a stereo pair reads -3.01 LKFS.
    t = np.arange(10 * 48000) / 48000
    sine = np.stack([np.sin(2 * np.pi * 997 * t), np.zeros_like(t)])
    assert toolkit.integrated_loudness(sine, 48000) == pytest.approx(-3.01, abs=0.05)


def test_too_short_or_silent_has_no_loudness():
    assert toolkit.integrated_loudness(np.full((2, 1000), 0.5), 44100) is None
    assert toolkit.integrated_loudness(np.zeros((2, 44100)), 44100) is None
    assert toolkit.true_peak(np.zeros((2, 44100))) is None


def test_loudness_range_of_a_quiet_then_loud_signal():
    rng = np.random.default_rng(5)
    quiet, loud = rng.standard_normal(20 * 44100) * 0.01, rng.standard_normal(20 * 44100) * 0.1
    signal = np.concatenate([quiet, loud])[None, :].astype(np.float32)
    integrated, lra = toolkit.loudness(signal, 44100)
    reference = pyloudnorm.Meter(44100).loudness_range(signal[0].astype(np.float64))
    assert lra == pytest.approx(20.0, abs=1.0)
    assert lra == pytest.approx(reference, abs=1.0)
    assert toolkit.loudness_range(signal, 44100) == lra
    assert integrated == pytest.approx(_pyloudnorm(signal, 44100), abs=0.1)


def test_true_peak_sees_the_peak_between_samples():
    # A quarter-sample-rate sine sampled 45 degrees off its crest: every sample is at
    # -9 dBFS, the waveform itself reaches -6 dBFS between them.
    n = np.arange(44100)
    x = (0.5 * np.sin(2 * np.pi * n / 4 + np.pi / 4)).astype(np.float32)[None, :]
    assert 20 * np.log10(np.abs(x).max()) == pytest.approx(-9.03, abs=0.01)
    assert toolkit.true_peak(x) == pytest.approx(-6.02, abs=0.1)
    assert 20 * np.log10(toolkit.oversampled_peaks(x).max()) == pytest.approx(-6.02, abs=0.1)


def test_the_fast_true_peak_is_the_maximum_of_the_full_oversampled_signal(music):
    decoded = toolkit.decode(music)
    noise = np.random.default_rng(9).standard_normal((2, 44100)) * 0.2
    for data in (decoded.data, noise):
        full = 20 * np.log10(toolkit.oversampled_peaks(data).max())
        assert toolkit.true_peak(data) == pytest.approx(full, abs=1e-9)


def test_decode_reads_pcm_float_and_compressed_files(tmp_path, music):
    reference = toolkit.decode(music)
    assert (reference.channels, reference.sample_rate, reference.format, reference.subtype) == (
        2,
        44100,
        "WAV",
        "PCM_16",
    )
    assert reference.data.dtype == np.float32 and reference.duration == pytest.approx(12.0, abs=0.01)
    flac = tmp_path / "x.flac"
    sf.write(flac, reference.data.T, 44100, subtype="PCM_24")
    assert np.allclose(toolkit.decode(flac).data, reference.data, atol=1e-6)


def test_decode_falls_back_to_ffmpeg_for_aac(tmp_path):
    path = tmp_path / "take.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100, layout="stereo")
        t = np.arange(44100 * 2) / 44100
        tone = np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32)
        for start in range(0, tone.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(tone[:, start : start + 1024], format="fltp", layout="stereo")
            frame.rate = 44100
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    decoded = toolkit.decode(path)
    assert decoded.channels == 2 and decoded.sample_rate == 44100
    assert decoded.duration == pytest.approx(2.0, abs=0.1)
    spectrum = np.abs(np.fft.rfft(decoded.data[0, 4410:48510]))
    assert np.argmax(spectrum) / (44100 / 44100) == pytest.approx(440, abs=2)


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "missing"), (b"", "empty"), (b"not audio at all\n" * 40, "unreadable")],
)
def test_decode_errors_say_why(tmp_path, content, reason):
    path = tmp_path / "bad.wav"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(toolkit.AudioDecodeError) as excinfo:
        toolkit.decode(path)
    assert excinfo.value.extra["reason"] == reason and excinfo.value.status_code == 422


def test_decode_refuses_too_long_before_reading(music):
    with pytest.raises(toolkit.AudioDecodeError) as excinfo:
        toolkit.decode(music, max_seconds=5)
    assert excinfo.value.extra["reason"] == "too_long"


def test_pcm16_round_trip_is_exact_and_dither_is_one_lsb(tmp_path):
    rng = np.random.default_rng(1)
    pcm = rng.integers(-32768, 32767, size=(2, 4000)).astype(np.float32) / 32768
    toolkit.write_pcm16(tmp_path / "a.wav", pcm, 44100)
    assert np.array_equal(toolkit.decode(tmp_path / "a.wav").data, pcm)
    toolkit.write_pcm16(tmp_path / "b.flac", pcm, 44100, format="FLAC", dither_seed=3)
    dithered = toolkit.decode(tmp_path / "b.flac")
    assert dithered.format == "FLAC"
    assert np.abs(dithered.data - pcm).max() <= 1 / 32768 + 1e-9


def test_resample_and_channel_layouts():
    t = np.arange(48000) / 48000
    tone = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    down = toolkit.resample(tone, 48000, 22050)
    assert down.shape == (22050,)
    assert np.argmax(np.abs(np.fft.rfft(down))) == 1000
    stereo = toolkit.resample(np.stack([tone, -tone]), 48000, 44100)
    assert stereo.shape == (2, 44100) and np.allclose(stereo[0], -stereo[1])
    assert toolkit.to_channels(tone[None], 2).shape == (2, 48000)
    assert np.allclose(toolkit.to_channels(np.stack([tone, -tone]), 1), 0)


def test_analysis_master_qc_and_providers_report_the_same_loudness(music):
    """One toolkit, one answer: the analyser, the release QC and a provider round trip agree."""
    from analytics.audio import extract_features
    from generation.providers.audio import read_audio
    from releases.services import audio as release_audio

    analysed = extract_features(music, scope="full")
    source = release_audio.audio_read(music)
    release_lufs = release_audio.loudness_lufs(source.data, source.sample_rate)
    release_peak = release_audio.true_peak_dbtp(source.data)
    provider = read_audio(music)
    decoded = toolkit.decode(music)
    assert analysed.loudness_lufs == pytest.approx(release_lufs, abs=0.01)
    assert analysed.true_peak_dbtp == pytest.approx(release_peak, abs=0.01)
    assert toolkit.integrated_loudness(provider.T, 44100) == pytest.approx(release_lufs, abs=0.001)
    assert release_lufs == pytest.approx(_pyloudnorm(decoded.data, 44100), abs=0.1)
