"""Fixtures for release tests: real audio (numpy + soundfile), real covers (Pillow), approved runs."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
import soundfile
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from generation.models import RunStatus
from releases.models import Release, ReleaseAsset
from tests.factories import ReleaseFactory, RunFactory, TrackFactory


def song_wav(seconds: float = 20.0, sample_rate: int = 48000, *, level: float = 0.2, seed: int = 1) -> bytes:
    """A small song: a chord pad, a bass line, hats, with a louder chorus in the middle."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.18, 329.63)) / 3
    bass = np.sin(2 * np.pi * 55.0 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t) ** 2)
    hats = rng.standard_normal(t.size) * (np.mod(t, 0.25) < 0.02) * 0.3
    chorus = np.where((t > seconds * 0.45) & (t < seconds * 0.8), 2.2, 1.0)
    mono = level * chorus * (0.6 * chord + 0.5 * bass + hats)
    fade = np.minimum(1.0, np.minimum(t / 0.05, (seconds - t) / 0.05))
    stereo = np.stack([mono * fade, 0.9 * mono * fade], axis=1)
    out = io.BytesIO()
    soundfile.write(out, stereo, sample_rate, format="WAV", subtype="PCM_24")
    return out.getvalue()


def cover_jpeg(size: int = 3000, colour: tuple[int, int, int] = (255, 46, 136)) -> bytes:
    image = Image.new("RGB", (size, size), (11, 12, 42))
    draw = ImageDraw.Draw(image)
    for band in range(0, size, size // 10):
        draw.rectangle((0, band, size, band + size // 20), fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _release_settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # database ids restart per test; file names must too
    settings.RELEASE_TEASER_WIDTH = 360
    settings.RELEASE_TEASER_FPS = 6
    settings.RELEASE_DELIVERY_BACKOFF_SECONDS = 0
    settings.RELEASE_OUTBOX_DIR = str(tmp_path / "outbox")
    settings.DISTRIBUTORS = ["outbox"]
    settings.ISRC_REGISTRANT_PREFIX = "DE-A12"
    settings.UPC_COMPANY_PREFIX = "4012345"


@pytest.fixture
def make_approved_run(db):
    def make(*, audio: bytes | None = None, cover: bytes | None = b"", **run_fields):
        run = RunFactory(
            status=RunStatus.APPROVED,
            parameters={"tempo": 104, "key": "A", "mode": "minor", "energy": 0.7, "genre": "synthwave"},
            prompts={"music": "night drive synthwave, analog arpeggios", "lyrics": ""},
            variant="A",
            **run_fields,
        )
        if cover is not None:
            run.cover.save("cover.jpg", ContentFile(cover or cover_jpeg()), save=True)
        TrackFactory(run=run, audio=ContentFile(song_wav() if audio is None else audio, name="track.wav"), duration=20)
        return run

    return make


@pytest.fixture
def queued_release(db, tmp_path):
    """A queued release with small real files, for delivery tests that need no packaging."""

    def make(**fields) -> Release:
        release = ReleaseFactory(status=Release.Status.QUEUED, isrc="DEA122600001", upc="4012345000016", **fields)
        release.run.status = RunStatus.RELEASING
        release.run.save(update_fields=["status"])
        contents = {
            ReleaseAsset.Kind.AUDIO_WAV: ("DEA122600001.wav", song_wav(2.0, 44100)),
            ReleaseAsset.Kind.COVER: ("4012345000016.jpg", cover_jpeg(64)),
            ReleaseAsset.Kind.METADATA: ("metadata.json", b'{"title": "x"}'),
            ReleaseAsset.Kind.DDEX: ("4012345000016.xml", b"<NewReleaseMessage/>"),
        }
        for kind, (name, data) in contents.items():
            asset = ReleaseAsset(release=release, kind=kind, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
            asset.file.save(name, ContentFile(data), save=True)
        return release

    return make


@pytest.fixture
def sftp_server(tmp_path, settings):
    """A real SFTP server on 127.0.0.1 with key auth; settings point the sftp distributor at it."""
    import paramiko

    from tests.releases.servers import SftpServer

    root = tmp_path / "sftp-root"
    root.mkdir()
    client_key = paramiko.ECDSAKey.generate()
    key_path = tmp_path / "id_ecdsa"
    client_key.write_private_key_file(str(key_path))
    server = SftpServer(root, "distro", client_key)
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(server.known_hosts_line())
    settings.RELEASE_SFTP_HOST = "127.0.0.1"
    settings.RELEASE_SFTP_PORT = server.port
    settings.RELEASE_SFTP_USER = "distro"
    settings.RELEASE_SFTP_KEY_PATH = str(key_path)
    settings.RELEASE_SFTP_PASSWORD = ""
    settings.RELEASE_SFTP_KNOWN_HOSTS = str(known_hosts)
    settings.RELEASE_SFTP_REMOTE_DIR = "incoming"
    settings.RELEASE_SFTP_TIMEOUT = 10
    yield server
    server.close()


@pytest.fixture
def upload_endpoint(tmp_path, settings):
    from tests.releases.servers import UploadEndpoint, self_signed_cert

    cert, key = self_signed_cert(tmp_path)
    server = UploadEndpoint(token="s3cret-token", tls=(cert, key))
    settings.RELEASE_HTTPS_URL = f"{server.url}/v1/deliveries"
    settings.RELEASE_HTTPS_TOKEN = "s3cret-token"
    settings.RELEASE_HTTPS_CA_BUNDLE = str(cert)
    settings.RELEASE_HTTPS_TIMEOUT = 10
    yield server
    server.close()


@pytest.fixture
def kubo(settings):
    from tests.releases.servers import KuboApi

    server = KuboApi()
    settings.RELEASE_IPFS_API_URL = server.url
    settings.RELEASE_IPFS_API_TOKEN = ""
    settings.RELEASE_IPFS_PINNING_URL = ""
    settings.RELEASE_IPFS_TIMEOUT = 10
    yield server
    server.close()


@pytest.fixture
def pinning_service(settings, kubo):
    from tests.releases.servers import PinningService

    server = PinningService(token="pin-token")
    settings.RELEASE_IPFS_PINNING_URL = server.url
    settings.RELEASE_IPFS_PINNING_TOKEN = "pin-token"
    yield server
    server.close()
