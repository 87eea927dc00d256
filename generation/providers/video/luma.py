"""Luma Dream Machine: generate a short looping clip from the run's mood words, then loop it under the track."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..errors import ProviderError
from ..http import Step, json_body, poll, request, vendor_client
from .base import VideoRequest, VideoResult
from .stock import finish

ASPECT = {"landscape": "16:9", "portrait": "9:16", "square": "1:1"}
LICENCE = "Generated with Luma Dream Machine (Luma AI terms of service)"
FAILED = {"failed"}
DONE = {"completed"}


def luma_prompt(req: VideoRequest) -> str:
    """A visual prompt from the query terms and palette: abstract, loopable, no people or text."""
    words = ", ".join(req.query_terms[:6]) or "abstract light"
    colours = ", ".join(req.palette[:4])
    return (
        f"Cinematic abstract music visual, {words}. Colour palette {colours}. "
        "Slow camera drift, seamless loop, no text, no logos, no people."
    )[:2000]


class LumaVideoProvider:
    """Client for `POST /dream-machine/v1/generations` and `GET /dream-machine/v1/generations/{id}`."""

    name = "luma"

    def __init__(self) -> None:
        if not settings.LUMA_API_KEY:
            raise ImproperlyConfigured("LUMA_API_KEY is not set but luma is in VIDEO_PROVIDERS")
        self.base_url = f"{settings.LUMA_BASE_URL}/dream-machine/v1/generations"

    def fetch(self, req: VideoRequest, *, workdir: Path) -> VideoResult:
        headers = {"Authorization": f"Bearer {settings.LUMA_API_KEY}"}
        with vendor_client(headers=headers) as client:
            submit = Step(provider=self.name, name="submit", limit=settings.VIDEO_SEARCH_TIME_LIMIT_SECONDS)
            body = {
                "prompt": luma_prompt(req),
                "model": settings.LUMA_MODEL,
                "aspect_ratio": ASPECT[req.orientation],
                "loop": True,
                "duration": "5s",
                "resolution": "720p",
            }
            created = json_body(request(client, "POST", self.base_url, json=body, step=submit), step=submit)
            generation_id = str(created.get("id") or "")
            if not generation_id:
                raise ProviderError("luma accepted the request but returned no generation id", provider=self.name)
            wait = Step(provider=self.name, name="generation", limit=settings.VIDEO_POLL_TIME_LIMIT_SECONDS)

            def check() -> dict | None:
                data = json_body(request(client, "GET", f"{self.base_url}/{generation_id}", step=wait), step=wait)
                state = str(data.get("state") or "").lower()
                if state in FAILED:
                    raise ProviderError(
                        f"luma generation {generation_id} failed: {data.get('failure_reason') or 'no reason given'}",
                        provider=self.name,
                        extra={"job_id": generation_id},
                    )
                return data if state in DONE else None

            done = poll(check, step=wait, interval=settings.VIDEO_POLL_INTERVAL_SECONDS)
        video_url = (done.get("assets") or {}).get("video")
        if not video_url:
            raise ProviderError(f"luma generation {generation_id} completed without a video", provider=self.name)
        path = finish(provider=self.name, url=video_url, clip_id=generation_id, request=req, workdir=workdir)
        return VideoResult(
            path=path,
            source=self.name,
            source_id=generation_id,
            url=video_url,
            licence=LICENCE,
            attribution="Generated with Luma Dream Machine",
        )
