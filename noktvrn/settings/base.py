"""Base settings: every value comes from the environment (and `.env` when present).

`.env.example` lists every variable read here and by the apps' `conf.py` modules.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from kernel.env import env_bool, env_int, env_list, env_str, load_dotenv_file

BASE_DIR = Path(__file__).resolve().parent.parent.parent
load_dotenv_file(BASE_DIR / ".env")


# The development key only exists so that `make run` works with no configuration;
# production.py refuses to start without DJANGO_SECRET_KEY.
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "dev-insecure-noktvrn-key-change-me"
# Old keys still accepted while a new DJANGO_SECRET_KEY rolls out (sessions, and queued tasks).
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    "kernel",
    "noktvrn",
    "artists",
    "llm",
    "generation",
    "releases",
    "analytics",
    "markets",
    "evolution",
    "monitoring",
]

MIDDLEWARE = [
    "kernel.logs.RequestIdMiddleware",
    "monitoring.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "noktvrn.security.RejectNulBytesMiddleware",
    "noktvrn.security.ApiBodyTooLargeMiddleware",
    # Last, as django-axes requires: refuses logins from a locked-out user name or address.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "noktvrn.urls"
WSGI_APPLICATION = "noktvrn.wsgi.application"
ASGI_APPLICATION = "noktvrn.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"


def database_config(url: str) -> dict:
    """Parse DATABASE_URL; tune SQLite so the web process and the workers share it safely.

    WAL lets readers proceed during a write, the busy timeout waits for a lock instead of
    failing, and IMMEDIATE transactions take the write lock up front, so a transaction
    never has to upgrade a read lock (the usual source of "database is locked").
    """
    config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0))
    if config["ENGINE"] == "django.db.backends.postgresql":
        # A database that accepts connections but never answers must not hold a web worker
        # for the kernel's TCP timeout: give up connecting after a few seconds.
        config.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT_SECONDS", 5)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 30),
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=30000;"
            ),
        }
    return config


DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses locked-out users/addresses before checking a password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
# Vendored CSS/JS; listed only when present so that `check --deploy` stays quiet on a tree without it.
STATICFILES_DIRS = [path for path in [BASE_DIR / "static"] if path.is_dir()]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
# Largest upload accepted by the API (audio analysis uploads, for instance).
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Large uploads are streamed to files here; a folder of our own, so the temporary-file sweep
# can remove what a killed web worker left behind without touching anyone else's files.
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "noktvrn-uploads")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}


def s3_storage(*, bucket: str, endpoint_url: str | None, region: str | None) -> dict:
    """S3-compatible media storage (django-storages + boto3): private objects, served by signed URLs.

    Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (boto3's usual chain).
    `/media/` checks permissions, then redirects to a SigV4 URL valid AWS_QUERYSTRING_EXPIRE s.
    """
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 600),
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }


if env_str("AWS_STORAGE_BUCKET_NAME"):
    # Shared media for multi-host deployments (the web tier and every worker see the same files).
    STORAGES["default"] = s3_storage(
        bucket=env_str("AWS_STORAGE_BUCKET_NAME"),
        endpoint_url=env_str("AWS_S3_ENDPOINT_URL"),
        region=env_str("AWS_S3_REGION_NAME"),
    )

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so an anonymous call is answered 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["noktvrn.api.permissions.ModelPermissionsWithView"],
    "DEFAULT_FILTER_BACKENDS": [
        "kernel.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "noktvrn.api.parsers.JSONParserBoundedDepth",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "noktvrn.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "noktvrn API",
    "DESCRIPTION": "Create and run AI virtual music artists: artists, generation runs, reviews, releases.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "noktvrn.api.schema.add_error_responses",
    ],
    # Several models name their choices `status`; each set gets its own stable name.
    "ENUM_NAME_OVERRIDES": {
        "ReleaseStatusEnum": "releases.models.ReleaseStatus",
        "AnalysisJobStatusEnum": "analytics.models.AnalysisJob.Status",
        "ChannelEnum": "kernel.actors.Channel",
        "RunStatusEnum": "generation.models.RunStatus",
    },
}

# --- Background work (django-q2) ------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
Q_TIMEOUT_SECONDS = env_int("Q_TIMEOUT_SECONDS", 600)
Q_CLUSTER: dict = {
    "name": env_str("Q_CLUSTER_NAME", "noktvrn"),
    "workers": env_int("Q_WORKERS", 2),
    # A task is killed at `timeout`; the broker redelivers it after `retry`, so retry
    # must be longer than timeout or a slow task runs twice at once.
    "timeout": Q_TIMEOUT_SECONDS,
    "retry": env_int("Q_RETRY_SECONDS", Q_TIMEOUT_SECONDS + 60),
    "max_attempts": env_int("Q_MAX_ATTEMPTS", 3),
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Background tasks",
    "poll": 0.5,
}
# The brokers check each task's signature as it is pulled: a task signed with another
# SECRET_KEY is reported loudly (kernel/brokers.py) instead of vanishing.
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    Q_CLUSTER["broker_class"] = "kernel.brokers.GuardedRedis"
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["broker_class"] = "kernel.brokers.GuardedORM"

# One cache shared by the web process and every worker: circuit breakers, LLM budgets and
# django-q's cluster status must agree across processes ("clear cooldown" in the back office
# has to reach the workers). The database by default (its table is created after `migrate`
# by kernel's post-migrate hook), Redis when REDIS_URL is set.
CACHE_TABLE = "noktvrn_cache"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
}
if REDIS_URL:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}

# Every line carries the request id or run id (kernel.logs); LOG_FORMAT=json gives one JSON object a line.
LOG_FORMAT = env_str("LOG_FORMAT", "text").lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"()": "kernel.logs.TextFormatter", "format": "%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s"},
        "json": {"()": "kernel.logs.JsonFormatter"},
    },
    # Every line carries the request or run id (kernel.logs.ContextFilter), and every handler masks
    # secrets (vendor keys in URLs, bot tokens, Authorization headers): kernel.redaction. A handler
    # added here must list both filters too (a test checks the redaction).
    "filters": {
        "context": {"()": "kernel.logs.ContextFilter"},
        "redact_secrets": {"()": "kernel.redaction.RedactSecretsFilter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context", "redact_secrets"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own default handlers do not mask secrets: send its records to ours instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# --- Per-area settings, one file each (keeps concurrent work on areas apart) ------------
from .components.analytics import *  # noqa: E402,F403
from .components.evolution import *  # noqa: E402,F403
from .components.generation import *  # noqa: E402,F403
from .components.llm import *  # noqa: E402,F403
from .components.markets import *  # noqa: E402,F403
from .components.monitoring import *  # noqa: E402,F403
from .components.pipeline import *  # noqa: E402,F403
from .components.releases import *  # noqa: E402,F403
from .components.review import *  # noqa: E402,F403
from .components.security import *  # noqa: E402,F403

# Throttle scopes of the expensive API endpoints (components/security.py).
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = THROTTLE_RATES  # noqa: F405
from .components.workers import *  # noqa: E402,F403
