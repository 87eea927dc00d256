"""Settings for the releases area, read from the environment (see .env.example)."""

from __future__ import annotations

import os


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in {"1", "true", "yes", "on"}


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Identifiers ------------------------------------------------------------------------
# Country code + registrant code, e.g. "DE-A12". The default ZZ-NKT is for local use only:
# a distributor will refuse it; set the prefix your national ISRC agency gave you.
ISRC_REGISTRANT_PREFIX = os.environ.get("ISRC_REGISTRANT_PREFIX", "ZZ-NKT").strip()
# GS1 company prefix (6-11 digits). 20xxxxx is GS1's restricted-circulation range: never
# valid in a shop, which is what a local default must be.
UPC_COMPANY_PREFIX = os.environ.get("UPC_COMPANY_PREFIX", "2000000").strip()
RELEASE_LABEL_NAME = os.environ.get("RELEASE_LABEL_NAME", "noktvrn").strip()
# Release date = packaging day + this many days (stores want lead time).
RELEASE_DATE_OFFSET_DAYS = _int("RELEASE_DATE_OFFSET_DAYS", 14)
RELEASE_TERRITORIES = _list("RELEASE_TERRITORIES", "Worldwide")

# --- Quality control ----------------------------------------------------------------------
RELEASE_NORMALIZE = _bool("RELEASE_NORMALIZE", True)
RELEASE_TARGET_LUFS = _float("RELEASE_TARGET_LUFS", -14.0)
RELEASE_MAX_TRUE_PEAK = _float("RELEASE_MAX_TRUE_PEAK", -1.0)
RELEASE_LOUDNESS_TOLERANCE_LU = _float("RELEASE_LOUDNESS_TOLERANCE_LU", 1.0)
RELEASE_MAX_SILENCE_SECONDS = _float("RELEASE_MAX_SILENCE_SECONDS", 10.0)
RELEASE_MIN_DURATION_SECONDS = _float("RELEASE_MIN_DURATION_SECONDS", 10.0)
RELEASE_MAX_DURATION_SECONDS = _float("RELEASE_MAX_DURATION_SECONDS", 1200.0)
RELEASE_MIN_SOURCE_SAMPLE_RATE = _int("RELEASE_MIN_SOURCE_SAMPLE_RATE", 22050)
# Share of samples sitting in runs of 3+ full-scale samples above which the source is "clipped".
RELEASE_MAX_CLIPPED_RATIO = _float("RELEASE_MAX_CLIPPED_RATIO", 0.001)
RELEASE_COVER_SIZE = _int("RELEASE_COVER_SIZE", 3000)
RELEASE_COVER_MAX_BYTES = _int("RELEASE_COVER_MAX_BYTES", 10 * 1024 * 1024)

# --- Teaser -------------------------------------------------------------------------------
RELEASE_TEASER_MIN_SECONDS = _float("RELEASE_TEASER_MIN_SECONDS", 15.0)
RELEASE_TEASER_MAX_SECONDS = _float("RELEASE_TEASER_MAX_SECONDS", 30.0)
RELEASE_TEASER_WIDTH = _int("RELEASE_TEASER_WIDTH", 1080)
RELEASE_TEASER_FPS = _int("RELEASE_TEASER_FPS", 12)

# --- DDEX message header ------------------------------------------------------------------
RELEASE_DDEX_SENDER_DPID = os.environ.get("RELEASE_DDEX_SENDER_DPID", "").strip()
RELEASE_DDEX_SENDER_NAME = os.environ.get("RELEASE_DDEX_SENDER_NAME", "").strip()
RELEASE_DDEX_RECIPIENT_DPID = os.environ.get("RELEASE_DDEX_RECIPIENT_DPID", "").strip()
RELEASE_DDEX_RECIPIENT_NAME = os.environ.get("RELEASE_DDEX_RECIPIENT_NAME", "").strip()

# --- Delivery -----------------------------------------------------------------------------
DISTRIBUTORS = _list("DISTRIBUTORS", "outbox")
RELEASE_DELIVERY_MAX_ATTEMPTS = _int("RELEASE_DELIVERY_MAX_ATTEMPTS", 3)
RELEASE_DELIVERY_BACKOFF_SECONDS = _float("RELEASE_DELIVERY_BACKOFF_SECONDS", 5.0)
RELEASE_DELIVERY_BACKOFF_MAX_SECONDS = _float("RELEASE_DELIVERY_BACKOFF_MAX_SECONDS", 60.0)
# A packaging or delivery job holds its release this long; after that a crashed job's
# release can be taken over by a retry. Keep it above the django-q task timeout.
RELEASE_LOCK_SECONDS = _int("RELEASE_LOCK_SECONDS", _int("Q_TIMEOUT_SECONDS", 600) + 60)
# Empty: MEDIA_ROOT/outbox.
RELEASE_OUTBOX_DIR = os.environ.get("RELEASE_OUTBOX_DIR", "").strip()

RELEASE_SFTP_HOST = os.environ.get("RELEASE_SFTP_HOST", "").strip()
RELEASE_SFTP_PORT = _int("RELEASE_SFTP_PORT", 22)
RELEASE_SFTP_USER = os.environ.get("RELEASE_SFTP_USER", "").strip()
RELEASE_SFTP_KEY_PATH = os.environ.get("RELEASE_SFTP_KEY_PATH", "").strip()
RELEASE_SFTP_KEY_PASSPHRASE = os.environ.get("RELEASE_SFTP_KEY_PASSPHRASE", "")
RELEASE_SFTP_PASSWORD = os.environ.get("RELEASE_SFTP_PASSWORD", "")
# known_hosts file holding the server's host key; unknown host keys are refused.
RELEASE_SFTP_KNOWN_HOSTS = os.environ.get("RELEASE_SFTP_KNOWN_HOSTS", "").strip()
RELEASE_SFTP_REMOTE_DIR = os.environ.get("RELEASE_SFTP_REMOTE_DIR", "upload").strip()
RELEASE_SFTP_TIMEOUT = _float("RELEASE_SFTP_TIMEOUT", 30.0)

RELEASE_HTTPS_URL = os.environ.get("RELEASE_HTTPS_URL", "").strip()
RELEASE_HTTPS_TOKEN = os.environ.get("RELEASE_HTTPS_TOKEN", "").strip()
RELEASE_HTTPS_TIMEOUT = _float("RELEASE_HTTPS_TIMEOUT", 120.0)
# PEM file of CA certificates to trust for the upload endpoint (empty: the system's).
RELEASE_HTTPS_CA_BUNDLE = os.environ.get("RELEASE_HTTPS_CA_BUNDLE", "").strip()

# Kubo RPC API, e.g. http://127.0.0.1:5001; optional bearer/basic token for a gateway in front.
RELEASE_IPFS_API_URL = os.environ.get("RELEASE_IPFS_API_URL", "").strip()
RELEASE_IPFS_API_TOKEN = os.environ.get("RELEASE_IPFS_API_TOKEN", "").strip()
# IPFS Pinning Service API endpoint and token; when set, every added CID is pinned there too.
RELEASE_IPFS_PINNING_URL = os.environ.get("RELEASE_IPFS_PINNING_URL", "").strip()
RELEASE_IPFS_PINNING_TOKEN = os.environ.get("RELEASE_IPFS_PINNING_TOKEN", "").strip()
RELEASE_IPFS_TIMEOUT = _float("RELEASE_IPFS_TIMEOUT", 120.0)
