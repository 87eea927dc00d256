"""Test settings: fast hashing, synchronous django-q, throwaway media."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Tests never reach a real vendor: a developer's .env and any vendor key or chain in the
# environment are ignored, so every provider falls back to its embedded default unless a
# test points it at a local fake server.
os.environ["NOKTVRN_IGNORE_DOTENV"] = "1"
VENDOR_PREFIXES = (
    "OPENAI_", "DEEPSEEK_", "XAI_", "GEMINI_", "MISTRAL_", "ANTHROPIC_", "LLM_",
    "SUNO_", "REPLICATE_", "PEXELS_", "PIXABAY_", "LUMA_", "ELEVENLABS_", "TELEGRAM_",
    "RELEASE_SFTP_", "RELEASE_HTTPS_", "RELEASE_IPFS_", "DISTRIBUTORS", "MUSIC_PROVIDER", "VIDEO_PROVIDERS",
    "AWS_", "APPLE_MUSIC_", "DEEZER_", "LASTFM_", "ITUNES_",
)  # fmt: skip
for _name in [name for name in os.environ if name.startswith(VENDOR_PREFIXES)]:
    del os.environ[_name]

from .base import *  # noqa: E402,F403
from .base import Q_CLUSTER  # noqa: E402

SECRET_KEY = "test-only-secret-key"  # noqa: S105
# Suno needs a callback URL: tests that point suno at a fake server get the derived one.
SUNO_CALLBACK_SECRET = "test-only-suno-callback-secret"  # noqa: S105
# Tracks as long as each test's profile asks (short): one test renders a full-length song on purpose.
TRACK_SECONDS = 0
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# One throwaway folder per process (media, static, the SQLite test database), removed when the
# process ends; the suite's conftest also removes it at the end of the session.
TEST_ROOT = Path(tempfile.mkdtemp(prefix="noktvrn-test-"))
MEDIA_ROOT = TEST_ROOT / "media"
STATIC_ROOT = TEST_ROOT / "static"
MEDIA_ROOT.mkdir()
FILE_UPLOAD_TEMP_DIR = str(TEST_ROOT / "uploads")
_OWNER = os.getpid()
atexit.register(lambda: os.getpid() == _OWNER and shutil.rmtree(TEST_ROOT, ignore_errors=True))
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A per-process cache keeps the query counts asserted by the page and API tests about the code
# under test; the worker tests start processes on the base settings (the shared database cache).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Unit tests run tasks inline; the few worker tests start a real cluster explicitly.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}

# A file-backed SQLite test database (not :memory:), so that threads and worker
# processes in the integration tests share it exactly as `make run` does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_ROOT / "test.sqlite3")}  # noqa: F405

# Tests share user ids and the cache: the API throttles bite only where a test lowers a rate.
THROTTLE_RATES = {scope: "100000/hour" for scope in THROTTLE_RATES}  # noqa: F405
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": THROTTLE_RATES}  # noqa: F405
