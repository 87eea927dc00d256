"""Settings for the generation area, read from the environment (see .env.example).

Provider settings are read at call time (``django.conf.settings``), so tests can shrink the
time limits and poll intervals with the ``settings`` fixture.
"""

from __future__ import annotations

from kernel.env import env_float, env_int, env_list, env_str

# --- Music providers -------------------------------------------------------------------------
# Length of every generated track in seconds (a full song: intro, verses, choruses, bridge, outro);
# 0 lets each artist's profile decide (musical_defaults.track_seconds).
TRACK_SECONDS = env_int("TRACK_SECONDS", 150)
# "local" (numpy synthesizer, no network), "suno" (Suno-compatible API) or "replicate" (MusicGen).
MUSIC_PROVIDER = env_str("MUSIC_PROVIDER", "local").lower()
# The fallback chain, e.g. "suno,replicate,local"; empty means MUSIC_PROVIDER alone.
MUSIC_PROVIDERS = [name.lower() for name in env_list("MUSIC_PROVIDERS", "")]
SUNO_API_KEY = env_str("SUNO_API_KEY")
SUNO_BASE_URL = env_str("SUNO_BASE_URL", "https://api.sunoapi.org").rstrip("/")
SUNO_MODEL = env_str("SUNO_MODEL", "V4_5")
# Third-party Suno APIs require a callback URL even when the client polls. With SUNO_CALLBACK_SECRET
# set it is derived from SITE_URL ({SITE_URL}/hooks/suno/<secret>/) and a finished song resumes its
# run at once; SUNO_CALLBACK_URL overrides it (a public address in front of the site). Choosing suno
# with neither set is a configuration error.
SUNO_CALLBACK_URL = env_str("SUNO_CALLBACK_URL")
SUNO_CALLBACK_SECRET = env_str("SUNO_CALLBACK_SECRET")
REPLICATE_API_TOKEN = env_str("REPLICATE_API_TOKEN")
REPLICATE_BASE_URL = env_str("REPLICATE_BASE_URL", "https://api.replicate.com").rstrip("/")
# meta/musicgen on Replicate; pin another version hash to change model.
REPLICATE_MUSICGEN_VERSION = env_str(
    "REPLICATE_MUSICGEN_VERSION", "671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb"
)
REPLICATE_MUSICGEN_MODEL_VERSION = env_str("REPLICATE_MUSICGEN_MODEL_VERSION", "stereo-large")
MUSIC_SUBMIT_TIME_LIMIT_SECONDS = env_float("MUSIC_SUBMIT_TIME_LIMIT_SECONDS", 60.0)
MUSIC_POLL_TIME_LIMIT_SECONDS = env_float("MUSIC_POLL_TIME_LIMIT_SECONDS", 600.0)
MUSIC_POLL_INTERVAL_SECONDS = env_float("MUSIC_POLL_INTERVAL_SECONDS", 5.0)
MUSIC_DOWNLOAD_TIME_LIMIT_SECONDS = env_float("MUSIC_DOWNLOAD_TIME_LIMIT_SECONDS", 120.0)
# Vendor jobs: the first look after submitting, and the gap between later looks (the scheduled
# check runs every VENDOR_CHECK_MINUTES and resumes the runs that are due).
VENDOR_FIRST_CHECK_SECONDS = env_float("VENDOR_FIRST_CHECK_SECONDS", 30.0)
VENDOR_CHECK_MINUTES = env_int("VENDOR_CHECK_MINUTES", 1)
# A check owns the waiting stage this long (a worker that dies mid-check frees it after that).
VENDOR_CHECK_LEASE_SECONDS = env_int("VENDOR_CHECK_LEASE_SECONDS", 300)
# Provider circuit breaker (music and video chains): failures in a row, then skipped for this long.
PROVIDER_COOLDOWN_FAILURES = env_int("PROVIDER_COOLDOWN_FAILURES", 3)
PROVIDER_COOLDOWN_SECONDS = env_float("PROVIDER_COOLDOWN_SECONDS", 300.0)

# --- Video providers -------------------------------------------------------------------------
# Tried in order until one yields a clip; "local" (audio-reactive visualizer) never needs a key.
VIDEO_PROVIDERS = [name.strip().lower() for name in env_str("VIDEO_PROVIDERS", "local").split(",") if name.strip()]
PEXELS_API_KEY = env_str("PEXELS_API_KEY")
PEXELS_BASE_URL = env_str("PEXELS_BASE_URL", "https://api.pexels.com").rstrip("/")
PIXABAY_API_KEY = env_str("PIXABAY_API_KEY")
PIXABAY_BASE_URL = env_str("PIXABAY_BASE_URL", "https://pixabay.com").rstrip("/")
LUMA_API_KEY = env_str("LUMA_API_KEY")
LUMA_BASE_URL = env_str("LUMA_BASE_URL", "https://api.lumalabs.ai").rstrip("/")
LUMA_MODEL = env_str("LUMA_MODEL", "ray-2")
# With LUMA_CALLBACK_SECRET set, generations carry callback_url={SITE_URL}/hooks/luma/<secret>/ and a
# finished clip resumes its run at once; without it the scheduled vendor check alone resumes runs.
LUMA_CALLBACK_SECRET = env_str("LUMA_CALLBACK_SECRET")
VIDEO_SEARCH_TIME_LIMIT_SECONDS = env_float("VIDEO_SEARCH_TIME_LIMIT_SECONDS", 30.0)
VIDEO_POLL_TIME_LIMIT_SECONDS = env_float("VIDEO_POLL_TIME_LIMIT_SECONDS", 600.0)
VIDEO_POLL_INTERVAL_SECONDS = env_float("VIDEO_POLL_INTERVAL_SECONDS", 5.0)
VIDEO_DOWNLOAD_TIME_LIMIT_SECONDS = env_float("VIDEO_DOWNLOAD_TIME_LIMIT_SECONDS", 180.0)
VIDEO_MAX_DOWNLOAD_BYTES = env_int("VIDEO_MAX_DOWNLOAD_BYTES", 300 * 1024 * 1024)
# The local visualizer: frame rate and the long side of the frame (short side is 9/16 of it).
# 12 fps: with full-length (150 s) tracks the visualizer is the largest cost of a run, and the
# spectrum bars (fast attack, slow fall) read the same at 12 as at 24 fps (docs/benchmarks.md).
LOCAL_VIDEO_FPS = env_int("LOCAL_VIDEO_FPS", 12)
# 960 (960×540); 1280 gives 720p at about twice the encoding cost (docs/benchmarks.md).
LOCAL_VIDEO_LONG_SIDE = env_int("LOCAL_VIDEO_LONG_SIDE", 960)
# x264 speed/size trade-off: "ultrafast" encodes a 150 s visualizer in a few CPU seconds.
LOCAL_VIDEO_PRESET = env_str("LOCAL_VIDEO_PRESET", "ultrafast")
# Constant quantizer (lower: better and bigger). A still background under CRF is re-coded a little
# better every frame (CRF lowers the quantizer of frames that barely change), which costs CPU and
# bitrate for nothing; a constant quantizer codes it once. LOCAL_VIDEO_CRF > 0 selects CRF instead.
LOCAL_VIDEO_QP = env_int("LOCAL_VIDEO_QP", 26)
LOCAL_VIDEO_CRF = env_int("LOCAL_VIDEO_CRF", 0)
# x264 threads per render. 1: the workers already keep every core busy with one run each, and one
# thread costs less CPU per frame than several; 0 lets x264 choose (faster for a lone render).
LOCAL_VIDEO_THREADS = env_int("LOCAL_VIDEO_THREADS", 1)

# --- Voice (ElevenLabs) ----------------------------------------------------------------------
ELEVENLABS_API_KEY = env_str("ELEVENLABS_API_KEY")
ELEVENLABS_BASE_URL = env_str("ELEVENLABS_BASE_URL", "https://api.elevenlabs.io").rstrip("/")
ELEVENLABS_VOICE_ID = env_str("ELEVENLABS_VOICE_ID", "21m00Tcm4TlvDq8ikWAM")
ELEVENLABS_MODEL_ID = env_str("ELEVENLABS_MODEL_ID", "eleven_multilingual_v2")
ELEVENLABS_MAX_CHARS = env_int("ELEVENLABS_MAX_CHARS", 200)
VOICE_TIME_LIMIT_SECONDS = env_float("VOICE_TIME_LIMIT_SECONDS", 60.0)

# --- HTTP behaviour shared by all provider clients -------------------------------------------
PROVIDER_HTTP_TIMEOUT_SECONDS = env_float("PROVIDER_HTTP_TIMEOUT_SECONDS", 30.0)
PROVIDER_HTTP_MAX_ATTEMPTS = env_int("PROVIDER_HTTP_MAX_ATTEMPTS", 4)
PROVIDER_RETRY_BACKOFF_SECONDS = env_float("PROVIDER_RETRY_BACKOFF_SECONDS", 1.0)
# A Retry-After longer than this is capped (the step's time limit still applies).
PROVIDER_RETRY_MAX_WAIT_SECONDS = env_float("PROVIDER_RETRY_MAX_WAIT_SECONDS", 60.0)

# --- Cover art -------------------------------------------------------------------------------
# Optional folder searched first for cover fonts (DejaVu file names); system fonts, then
# Pillow's bundled font are the fallbacks.
COVER_FONTS_DIR = env_str("COVER_FONTS_DIR")
