"""Settings for the releases area, read from the environment (see .env.example)."""

from __future__ import annotations

from kernel.env import env_bool, env_float, env_int, env_list, env_str

# --- Identifiers ------------------------------------------------------------------------
# Country code + registrant code, e.g. "DE-A12". The default ZZ-NKT is for local use only:
# a distributor will refuse it; set the prefix your national ISRC agency gave you.
ISRC_REGISTRANT_PREFIX = env_str("ISRC_REGISTRANT_PREFIX", "ZZ-NKT")
# GS1 company prefix (6-11 digits). 20xxxxx is GS1's restricted-circulation range: never
# valid in a shop, which is what a local default must be.
UPC_COMPANY_PREFIX = env_str("UPC_COMPANY_PREFIX", "2000000")
RELEASE_LABEL_NAME = env_str("RELEASE_LABEL_NAME", "noktvrn")
# Release date = packaging day + this many days (stores want lead time).
RELEASE_DATE_OFFSET_DAYS = env_int("RELEASE_DATE_OFFSET_DAYS", 14)
RELEASE_TERRITORIES = env_list("RELEASE_TERRITORIES", "Worldwide")

# --- Quality control ----------------------------------------------------------------------
RELEASE_NORMALIZE = env_bool("RELEASE_NORMALIZE", True)
RELEASE_TARGET_LUFS = env_float("RELEASE_TARGET_LUFS", -14.0)
RELEASE_MAX_TRUE_PEAK = env_float("RELEASE_MAX_TRUE_PEAK", -1.0)
RELEASE_LOUDNESS_TOLERANCE_LU = env_float("RELEASE_LOUDNESS_TOLERANCE_LU", 1.0)
RELEASE_MAX_SILENCE_SECONDS = env_float("RELEASE_MAX_SILENCE_SECONDS", 10.0)
RELEASE_MIN_DURATION_SECONDS = env_float("RELEASE_MIN_DURATION_SECONDS", 10.0)
RELEASE_MAX_DURATION_SECONDS = env_float("RELEASE_MAX_DURATION_SECONDS", 1200.0)
RELEASE_MIN_SOURCE_SAMPLE_RATE = env_int("RELEASE_MIN_SOURCE_SAMPLE_RATE", 22050)
# Share of samples sitting in runs of 3+ full-scale samples above which the source is "clipped".
RELEASE_MAX_CLIPPED_RATIO = env_float("RELEASE_MAX_CLIPPED_RATIO", 0.001)
RELEASE_COVER_SIZE = env_int("RELEASE_COVER_SIZE", 3000)
RELEASE_COVER_MAX_BYTES = env_int("RELEASE_COVER_MAX_BYTES", 10 * 1024 * 1024)

# --- Teaser -------------------------------------------------------------------------------
RELEASE_TEASER_MIN_SECONDS = env_float("RELEASE_TEASER_MIN_SECONDS", 15.0)
RELEASE_TEASER_MAX_SECONDS = env_float("RELEASE_TEASER_MAX_SECONDS", 30.0)
RELEASE_TEASER_WIDTH = env_int("RELEASE_TEASER_WIDTH", 1080)
RELEASE_TEASER_FPS = env_int("RELEASE_TEASER_FPS", 12)

# --- DDEX message header ------------------------------------------------------------------
RELEASE_DDEX_SENDER_DPID = env_str("RELEASE_DDEX_SENDER_DPID", "")
RELEASE_DDEX_SENDER_NAME = env_str("RELEASE_DDEX_SENDER_NAME", "")
RELEASE_DDEX_RECIPIENT_DPID = env_str("RELEASE_DDEX_RECIPIENT_DPID", "")
RELEASE_DDEX_RECIPIENT_NAME = env_str("RELEASE_DDEX_RECIPIENT_NAME", "")

# --- Delivery -----------------------------------------------------------------------------
DISTRIBUTORS = env_list("DISTRIBUTORS", "outbox")
RELEASE_DELIVERY_MAX_ATTEMPTS = env_int("RELEASE_DELIVERY_MAX_ATTEMPTS", 3)
RELEASE_DELIVERY_BACKOFF_SECONDS = env_float("RELEASE_DELIVERY_BACKOFF_SECONDS", 5.0)
RELEASE_DELIVERY_BACKOFF_MAX_SECONDS = env_float("RELEASE_DELIVERY_BACKOFF_MAX_SECONDS", 60.0)
# A packaging or delivery job holds its release this long; after that a crashed job's
# release can be taken over by a retry. Keep it above the django-q task timeout.
RELEASE_LOCK_SECONDS = env_int("RELEASE_LOCK_SECONDS", env_int("Q_TIMEOUT_SECONDS", 600) + 60)
# Empty: MEDIA_ROOT/outbox.
RELEASE_OUTBOX_DIR = env_str("RELEASE_OUTBOX_DIR", "")

RELEASE_SFTP_HOST = env_str("RELEASE_SFTP_HOST", "")
RELEASE_SFTP_PORT = env_int("RELEASE_SFTP_PORT", 22)
RELEASE_SFTP_USER = env_str("RELEASE_SFTP_USER", "")
RELEASE_SFTP_KEY_PATH = env_str("RELEASE_SFTP_KEY_PATH", "")
RELEASE_SFTP_KEY_PASSPHRASE = env_str("RELEASE_SFTP_KEY_PASSPHRASE", "")
RELEASE_SFTP_PASSWORD = env_str("RELEASE_SFTP_PASSWORD", "")
# known_hosts file holding the server's host key; unknown host keys are refused.
RELEASE_SFTP_KNOWN_HOSTS = env_str("RELEASE_SFTP_KNOWN_HOSTS", "")
RELEASE_SFTP_REMOTE_DIR = env_str("RELEASE_SFTP_REMOTE_DIR", "upload")
RELEASE_SFTP_TIMEOUT = env_float("RELEASE_SFTP_TIMEOUT", 30.0)

RELEASE_HTTPS_URL = env_str("RELEASE_HTTPS_URL", "")
RELEASE_HTTPS_TOKEN = env_str("RELEASE_HTTPS_TOKEN", "")
RELEASE_HTTPS_TIMEOUT = env_float("RELEASE_HTTPS_TIMEOUT", 120.0)
# PEM file of CA certificates to trust for the upload endpoint (empty: the system's).
RELEASE_HTTPS_CA_BUNDLE = env_str("RELEASE_HTTPS_CA_BUNDLE", "")

# Kubo RPC API, e.g. http://127.0.0.1:5001; optional bearer/basic token for a gateway in front.
RELEASE_IPFS_API_URL = env_str("RELEASE_IPFS_API_URL", "")
RELEASE_IPFS_API_TOKEN = env_str("RELEASE_IPFS_API_TOKEN", "")
# IPFS Pinning Service API endpoint and token; when set, every added CID is pinned there too.
RELEASE_IPFS_PINNING_URL = env_str("RELEASE_IPFS_PINNING_URL", "")
RELEASE_IPFS_PINNING_TOKEN = env_str("RELEASE_IPFS_PINNING_TOKEN", "")
RELEASE_IPFS_TIMEOUT = env_float("RELEASE_IPFS_TIMEOUT", 120.0)
