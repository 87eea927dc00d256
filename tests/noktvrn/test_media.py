"""/media/: permission per folder; remote storage answers with a redirect to its signed URL."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage

from noktvrn.media import MEDIA_PERMISSIONS, media_permissions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
_FILES: dict[str, bytes] = {}


class SignedURLStorage(Storage):
    """An S3-like storage: files live elsewhere, and `url()` signs the path with an expiry."""

    def _save(self, name, content):
        _FILES[name] = content.read()
        return name

    def _open(self, name, mode="rb"):
        return ContentFile(_FILES[name], name=name)

    def exists(self, name):
        return name in _FILES

    def url(self, name):
        signature = hmac.new(b"bucket-secret", name.encode(), hashlib.sha256).hexdigest()
        return f"https://bucket.s3.example/{name}?X-Amz-Expires=3600&X-Amz-Signature={signature}"


@pytest.fixture
def remote_storage(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.SignedURLStorage"}}
    _FILES.clear()
    yield
    _FILES.clear()


def test_remote_storage_redirects_to_a_signed_url_after_the_permission_check(client, remote_storage):
    name = default_storage.save("releases/7/master.wav", ContentFile(b"RIFF"))
    client.force_login(UserFactory(groups=["Reviewers"]))
    response = client.get(f"/media/{name}")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.netloc == "bucket.s3.example" and target.path == f"/{name}"
    assert "X-Amz-Signature" in parse_qs(target.query)
    # The same file is refused to a user who may not see releases, before any URL is made.
    client.force_login(UserFactory())
    assert client.get(f"/media/{name}").status_code == 403
    assert client.get("/media/releases/7/missing.wav").status_code == 403


def test_remote_storage_answers_404_for_a_missing_file(client, remote_storage):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/media/releases/7/none.wav").status_code == 404


def test_local_files_are_served_and_traversal_is_refused(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    name = default_storage.save("tracks/a.wav", ContentFile(b"RIFFdata"))
    (tmp_path / "secret.txt").write_text("outside")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(f"/media/{name}")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"RIFFdata"
    assert client.get("/media/../secret.txt").status_code == 404
    assert client.get("/media/tracks/../../secret.txt").status_code == 404


def test_every_folder_names_real_permissions():
    from django.contrib.auth.models import Permission

    for folder, perms in MEDIA_PERMISSIONS.items():
        for dotted in perms:
            app_label, codename = dotted.split(".")
            assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), (
                folder,
                dotted,
            )
    assert media_permissions("analysis-uploads/x.wav") is None
