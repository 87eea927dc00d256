"""One cheap, real health check per provider: an authenticated lightweight request to the vendor's API,
or, for the embedded defaults, a tiny piece of their real work done locally.

A check returns a short detail when the provider answers as it should and raises `CheckFailed`
(or any exception) when it does not. 401/403 count as down (the key is refused); 429 counts as
up (the vendor answered and knows us; the pipeline's clients honour Retry-After).
"""

from __future__ import annotations

import posixpath
import tempfile
from collections.abc import Callable

import httpx
from django.conf import settings


class CheckFailed(Exception):
    """The provider did not answer as a healthy one does."""


def _timeout() -> httpx.Timeout:
    return httpx.Timeout(settings.HEALTH_CHECK_TIMEOUT_SECONDS)


def _get(url: str, *, headers: dict[str, str] | None = None, params: dict | None = None) -> httpx.Response:
    response = httpx.get(
        url, headers={"User-Agent": "noktvrn-health/1", **(headers or {})}, params=params, timeout=_timeout()
    )
    return _judge(response)


def _judge(response: httpx.Response) -> httpx.Response:
    if response.status_code in (401, 403):
        raise CheckFailed(f"HTTP {response.status_code}: credentials refused")
    if response.status_code == 429:
        return response
    if not response.is_success:
        raise CheckFailed(f"HTTP {response.status_code}")
    return response


def _answered(response: httpx.Response, what: str) -> str:
    if response.status_code == 429:
        return f"{what} (rate limited, HTTP 429)"
    return what


# --- LLM ----------------------------------------------------------------------------------------
def _llm_config(name: str) -> dict[str, str]:
    config = settings.LLM_PROVIDERS.get(name) or {}
    if not config.get("api_key"):
        raise CheckFailed(f"no API key configured for {name}")
    return config


def check_llm_openai_compatible(name: str) -> str:
    """OpenAI, DeepSeek, xAI and Mistral list their models at GET {base}/models with a bearer key."""
    config = _llm_config(name)
    base = config["base_url"].rstrip("/")
    if name == "mistral" and not base.endswith("/v1"):
        base = f"{base}/v1"
    response = _get(f"{base}/models", headers={"Authorization": f"Bearer {config['api_key']}"})
    return _answered(response, "models listed")


def check_llm_gemini(name: str = "gemini") -> str:
    config = _llm_config(name)
    response = _get(
        f"{config['base_url'].rstrip('/')}/v1beta/models",
        headers={"x-goog-api-key": config["api_key"]},
        params={"pageSize": 1},
    )
    return _answered(response, "models listed")


def check_llm_anthropic(name: str = "anthropic") -> str:
    config = _llm_config(name)
    response = _get(
        f"{config['base_url'].rstrip('/')}/v1/models",
        headers={"x-api-key": config["api_key"], "anthropic-version": "2023-06-01"},
        params={"limit": 1},
    )
    return _answered(response, "models listed")


def check_llm_local(name: str = "local") -> str:
    """The embedded writer answers a one-line request."""
    from llm.providers.local import LocalProvider
    from llm.types import ProviderRequest

    answer = LocalProvider(name).complete(
        ProviderRequest(
            messages=[{"role": "user", "content": "Health check: one short line."}],
            model="default",
            temperature=0.0,
            max_tokens=32,
            timeout=settings.HEALTH_CHECK_TIMEOUT_SECONDS,
            role="lyricist",
        )
    )
    if not answer.text.strip():
        raise CheckFailed("the local writer returned nothing")
    return "local writer answered"


# --- Music, video, voice --------------------------------------------------------------------------
def check_music_suno() -> str:
    """Third-party Suno APIs report remaining credits at GET /api/v1/generate/credit."""
    if not settings.SUNO_API_KEY:
        raise CheckFailed("SUNO_API_KEY is not set")
    response = _get(
        f"{settings.SUNO_BASE_URL}/api/v1/generate/credit", headers={"Authorization": f"Bearer {settings.SUNO_API_KEY}"}
    )
    if response.status_code == 429:
        return _answered(response, "credits")
    body = response.json()
    if body.get("code") != 200:
        raise CheckFailed(f"code {body.get('code')}: {str(body.get('msg', ''))[:200]}")
    return f"{body.get('data')} credits left"


def check_music_replicate() -> str:
    if not settings.REPLICATE_API_TOKEN:
        raise CheckFailed("REPLICATE_API_TOKEN is not set")
    response = _get(
        f"{settings.REPLICATE_BASE_URL}/v1/account", headers={"Authorization": f"Bearer {settings.REPLICATE_API_TOKEN}"}
    )
    return _answered(response, "account reachable")


def check_music_local() -> str:
    """The synthesizer renders five seconds of stereo audio."""
    from generation.providers.music.base import MusicRequest
    from generation.providers.music.local import render

    samples = render(MusicRequest(duration_seconds=5, seed=1))
    if samples.ndim != 2 or samples.shape[0] == 0:
        raise CheckFailed(f"the synthesizer returned an empty signal {samples.shape}")
    return f"rendered {samples.shape[0]} frames"


def check_video_pexels() -> str:
    if not settings.PEXELS_API_KEY:
        raise CheckFailed("PEXELS_API_KEY is not set")
    response = _get(
        f"{settings.PEXELS_BASE_URL}/videos/popular",
        headers={"Authorization": settings.PEXELS_API_KEY},
        params={"per_page": 1},
    )
    return _answered(response, "video search reachable")


def check_video_pixabay() -> str:
    if not settings.PIXABAY_API_KEY:
        raise CheckFailed("PIXABAY_API_KEY is not set")
    response = _get(
        f"{settings.PIXABAY_BASE_URL}/api/videos/",
        params={"key": settings.PIXABAY_API_KEY, "q": "night", "per_page": 3},
    )
    return _answered(response, "video search reachable")


def check_video_luma() -> str:
    if not settings.LUMA_API_KEY:
        raise CheckFailed("LUMA_API_KEY is not set")
    response = _get(
        f"{settings.LUMA_BASE_URL}/dream-machine/v1/credits",
        headers={"Authorization": f"Bearer {settings.LUMA_API_KEY}"},
    )
    return _answered(response, "credits reachable")


def check_video_local() -> str:
    """The visualizer's encoder (H.264 through PyAV) is available."""
    import av

    codec = av.codec.Codec("libx264", "w")
    return f"encoder {codec.name} available"


def check_voice_elevenlabs() -> str:
    """The configured voice exists for this key."""
    if not settings.ELEVENLABS_API_KEY:
        raise CheckFailed("ELEVENLABS_API_KEY is not set")
    response = _get(
        f"{settings.ELEVENLABS_BASE_URL}/v1/voices/{settings.ELEVENLABS_VOICE_ID}",
        headers={"xi-api-key": settings.ELEVENLABS_API_KEY},
    )
    return _answered(response, f"voice {settings.ELEVENLABS_VOICE_ID} available")


# --- Distribution ----------------------------------------------------------------------------------
def check_distribution_outbox() -> str:
    from releases.distributors.outbox import outbox_root

    root = outbox_root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, prefix=".health-", delete=True) as probe:
        probe.write(b"ok")
        probe.flush()
    return f"outbox {root} writable"


def check_distribution_sftp() -> str:
    """Log in with the delivery credentials (host key checked) and look at the remote folder."""
    import paramiko

    from releases.distributors.sftp import SftpDistributor

    distributor = SftpDistributor()  # validates the configuration and loads the key
    client = paramiko.SSHClient()
    client.load_host_keys(distributor.known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    try:
        client.connect(
            settings.RELEASE_SFTP_HOST,
            port=settings.RELEASE_SFTP_PORT,
            username=settings.RELEASE_SFTP_USER,
            pkey=distributor.key,
            password=settings.RELEASE_SFTP_PASSWORD or None,
            timeout=timeout,
            banner_timeout=timeout,
            auth_timeout=timeout,
            allow_agent=False,
            look_for_keys=False,
        )
        sftp = client.open_sftp()
        sftp.get_channel().settimeout(timeout)
        remote = posixpath.normpath(settings.RELEASE_SFTP_REMOTE_DIR or ".")
        try:
            sftp.stat(remote)
        except FileNotFoundError:
            sftp.stat(posixpath.dirname(remote) or ".")  # created on the first delivery
        return f"logged in, {remote} reachable"
    finally:
        client.close()


def check_distribution_https() -> str:
    """An authenticated OPTIONS on the upload endpoint: it must exist and accept our token."""
    import ssl

    from releases.distributors.https import HttpsDistributor

    HttpsDistributor()  # validates the configuration
    verify = ssl.create_default_context(cafile=settings.RELEASE_HTTPS_CA_BUNDLE or None)
    response = httpx.options(
        settings.RELEASE_HTTPS_URL,
        headers={"Authorization": f"Bearer {settings.RELEASE_HTTPS_TOKEN}", "User-Agent": "noktvrn-health/1"},
        timeout=_timeout(),
        verify=verify,
    )
    if response.status_code in (405, 501):  # the endpoint answers; it just does not accept OPTIONS
        return f"endpoint answered HTTP {response.status_code}"
    return _answered(_judge(response), "endpoint reachable")


def check_distribution_ipfs() -> str:
    """Kubo's RPC API answers POST /api/v0/version."""
    from releases.distributors.ipfs import IpfsDistributor, _auth_header

    IpfsDistributor()
    response = httpx.post(
        f"{settings.RELEASE_IPFS_API_URL.rstrip('/')}/api/v0/version",
        headers=_auth_header(settings.RELEASE_IPFS_API_TOKEN),
        timeout=_timeout(),
    )
    body = _judge(response).json()
    return f"kubo {body.get('Version', '?')}"


def check_telegram() -> str:
    if not settings.TELEGRAM_BOT_TOKEN:
        raise CheckFailed("TELEGRAM_BOT_TOKEN is not set")
    response = _get(f"{settings.TELEGRAM_API_BASE_URL}/bot{settings.TELEGRAM_BOT_TOKEN}/getMe")
    body = response.json()
    if not body.get("ok"):
        raise CheckFailed(str(body.get("description", "getMe answered ok=false"))[:200])
    return f"bot @{body.get('result', {}).get('username', '?')}"


LLM_CHECKS: dict[str, Callable[[str], str]] = {
    "openai": check_llm_openai_compatible,
    "deepseek": check_llm_openai_compatible,
    "xai": check_llm_openai_compatible,
    "mistral": check_llm_openai_compatible,
    "gemini": check_llm_gemini,
    "anthropic": check_llm_anthropic,
    "local": check_llm_local,
}
OTHER_CHECKS: dict[str, Callable[[], str]] = {
    "music:suno": check_music_suno,
    "music:replicate": check_music_replicate,
    "music:local": check_music_local,
    "video:pexels": check_video_pexels,
    "video:pixabay": check_video_pixabay,
    "video:luma": check_video_luma,
    "video:local": check_video_local,
    "voice:elevenlabs": check_voice_elevenlabs,
    "distribution:outbox": check_distribution_outbox,
    "distribution:sftp": check_distribution_sftp,
    "distribution:https": check_distribution_https,
    "distribution:ipfs": check_distribution_ipfs,
    "telegram": check_telegram,
}


def check_for(provider: str) -> Callable[[], str] | None:
    """The check of a `kind:name` provider key, or None when we know no such provider."""
    kind, _, name = provider.partition(":")
    if kind == "llm" and name in LLM_CHECKS:
        return lambda: LLM_CHECKS[name](name)
    return OTHER_CHECKS.get(provider)


__all__ = ["CheckFailed", "check_for"]
