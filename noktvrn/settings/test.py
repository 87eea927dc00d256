"""Test settings: fast hashing, synchronous django-q, throwaway media."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import Q_CLUSTER

SECRET_KEY = "test-only-secret-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="noktvrn-test-media-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="noktvrn-test-static-"))
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Unit tests run tasks inline; the few worker tests start a real cluster explicitly.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}

# A file-backed SQLite test database (not :memory:), so that threads and worker
# processes in the integration tests share it exactly as `make run` does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(MEDIA_ROOT.parent / f"{MEDIA_ROOT.name}-test.sqlite3")}  # noqa: F405
