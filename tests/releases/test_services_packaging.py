"""releases/services/packaging.py: an approved run becomes a complete, checked package."""

from __future__ import annotations

import io
import json
import zipfile

import av
import pytest
import soundfile
from lxml import etree
from PIL import Image
from stdnum import ean, isrc

from generation.models import RunStatus
from releases.models import Release, ReleaseAsset
from releases.schemas import ReleaseMetadata
from releases.services import release_package
from releases.services.audio import audio_read, loudness_lufs, true_peak_dbtp
from releases.services.ddex import REQUIRED_PATHS, ddex_missing
from releases.services.packaging import ReleaseNotAllowed
from tests.factories import RunFactory

Kind = ReleaseAsset.Kind


def _read(asset: ReleaseAsset) -> bytes:
    with asset.file.open("rb") as stream:
        return stream.read()


@pytest.mark.django_db
def test_package_from_approved_run_is_complete_and_valid(make_approved_run, settings, tmp_path):
    run = make_approved_run()

    release = release_package(run=run)

    assert release.status == Release.Status.QUEUED, release.qc_report
    assert release.qc_report["passed"] is True
    run.refresh_from_db()
    assert run.status == RunStatus.RELEASING
    assets = {a.kind: a for a in release.assets.all()}
    assert set(assets) == {Kind.AUDIO_WAV, Kind.AUDIO_FLAC, Kind.COVER, Kind.TEASER, Kind.METADATA}.union(
        {Kind.PROMPTS, Kind.DDEX, Kind.ARCHIVE}
    )

    # Identifiers: ISRC from the registrant prefix with this year's first designation; UPC check digit.
    assert isrc.is_valid(release.isrc) and release.isrc.startswith("DEA12") and release.isrc.endswith("00001")
    assert ean.is_valid(release.upc) and release.upc.startswith("4012345")
    assert release.upc[-1] == ean.calc_check_digit(release.upc[:12])

    # metadata.json validates against the schema and lists every file with its checksum.
    metadata = json.loads(_read(assets[Kind.METADATA]))
    parsed = ReleaseMetadata.model_validate(metadata)
    assert parsed.isrc == release.isrc and parsed.upc == release.upc
    assert parsed.tempo == 104 and parsed.key == "A" and parsed.mode == "minor" and parsed.genre == "synthwave"
    assert parsed.summary and parsed.structure.summary and parsed.visuals.cover_source == "run"
    assert parsed.prompts["prompts"]["music"].startswith("night drive")
    listed = {f.name: f for f in parsed.files}
    for kind, asset in assets.items():
        if kind in (Kind.METADATA, Kind.ARCHIVE):
            continue
        name = asset.file.name.rsplit("/", 1)[-1]
        assert listed[name].sha256 == asset.sha256 and listed[name].size == asset.size
    assert release.metadata == metadata

    # WAV master: 16-bit, 44.1 kHz, stereo; loudness within 1 LU of target, true peak under the ceiling.
    wav_path = tmp_path / "master.wav"
    wav_path.write_bytes(_read(assets[Kind.AUDIO_WAV]))
    info = soundfile.info(str(wav_path))
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("WAV", "PCM_16", 44100, 2)
    master = audio_read(wav_path)
    assert abs(loudness_lufs(master.data, 44100) - settings.RELEASE_TARGET_LUFS) <= 1.0
    assert true_peak_dbtp(master.data) <= settings.RELEASE_MAX_TRUE_PEAK + 0.05
    flac = soundfile.info(io.BytesIO(_read(assets[Kind.AUDIO_FLAC])))
    assert (flac.format, flac.samplerate, flac.channels) == ("FLAC", 44100, 2)

    # Cover: 3000x3000 RGB JPEG under 10 MB.
    cover_bytes = _read(assets[Kind.COVER])
    with Image.open(io.BytesIO(cover_bytes)) as cover:
        assert (cover.format, cover.mode, cover.size) == ("JPEG", "RGB", (3000, 3000))
    assert len(cover_bytes) < 10 * 1024 * 1024

    # DDEX: every required element present, references resolve, identifiers match.
    xml = _read(assets[Kind.DDEX])
    assert ddex_missing(xml) == []
    root = etree.fromstring(xml)
    for path in REQUIRED_PATHS:
        assert root.find(path) is not None, path
    assert root.findtext("ResourceList/SoundRecording/ResourceId/ISRC") == release.isrc
    assert root.findtext("ReleaseList/Release/ReleaseId/ICPN") == release.upc
    assert root.findtext("ResourceList/SoundRecording/Duration") == "PT0M20S"

    # Teaser: 9:16 H.264 + AAC, 15-30 s.
    teaser_path = tmp_path / "teaser.mp4"
    teaser_path.write_bytes(_read(assets[Kind.TEASER]))
    with av.open(str(teaser_path)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264" and video.width * 16 == video.height * 9
        assert container.streams.audio[0].codec_context.name == "aac"
        assert 15 <= container.duration / 1e6 <= 30.5
    assert 15 <= parsed.teaser.duration <= 30

    # The archive holds the whole package.
    with zipfile.ZipFile(io.BytesIO(_read(assets[Kind.ARCHIVE]))) as zf:
        assert len(zf.namelist()) == 7


@pytest.mark.django_db
@pytest.mark.parametrize("status", [RunStatus.AWAITING_REVIEW, RunStatus.REJECTED, RunStatus.GENERATING])
def test_a_run_that_is_not_approved_cannot_be_packaged(status):
    run = RunFactory(status=status)
    with pytest.raises(ReleaseNotAllowed, match=f"is {status}; only an approved run can be packaged"):
        release_package(run=run)
    assert not Release.objects.filter(run=run).exists()
    run.refresh_from_db()
    assert run.status == status


@pytest.mark.django_db
def test_corrupt_audio_fails_qc_with_a_clear_report(make_approved_run):
    run = make_approved_run(audio=b"RIFF\x00\x00\x00\x00WAVEfmt garbage that is not audio")

    release = release_package(run=run)

    assert release.status == Release.Status.QC_FAILED
    report = release.qc_report
    assert report["passed"] is False
    failed = [c for c in report["checks"] if not c["passed"]]
    assert [c["name"] for c in failed] == ["audio_decodable"]
    assert "could not be decoded" in failed[0]["message"]
    assert "could not be decoded" in release.error
    run.refresh_from_db()
    assert run.status == RunStatus.RELEASE_FAILED
    assert not release.assets.exists()


@pytest.mark.django_db
def test_qc_reports_silence_and_a_small_cover(make_approved_run, settings):
    import numpy as np

    from tests.releases.conftest import cover_jpeg, song_wav

    settings.RELEASE_MAX_SILENCE_SECONDS = 2
    tone = soundfile.read(io.BytesIO(song_wav(14.0)))[0]
    padded = np.concatenate([np.zeros((48000 * 3, 2)), tone])
    out = io.BytesIO()
    soundfile.write(out, padded, 48000, format="WAV")
    run = make_approved_run(audio=out.getvalue(), cover=cover_jpeg(800))

    release = release_package(run=run)

    assert release.status == Release.Status.QC_FAILED
    failed = {c["name"]: c for c in release.qc_report["checks"] if not c["passed"] and c["severity"] == "error"}
    assert set(failed) == {"silence_start", "cover_dimensions"}
    assert "3.0 s of silence at the start" in failed["silence_start"]["message"]
    assert "800x800" in failed["cover_dimensions"]["message"]
