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


def callback_url() -> str:
    """Our verified endpoint for Luma's `callback_url` when LUMA_CALLBACK_SECRET is set ("" otherwise).

    Luma posts the generation to it as its state changes; the body only says which generation
    to look at (the check asks Luma's API), and the scheduled check covers a lost callback.
    """
    if settings.LUMA_CALLBACK_SECRET:
        return f"{settings.SITE_URL}/hooks/luma/{settings.LUMA_CALLBACK_SECRET}/"
    return ""


class LumaVideoProvider:
    """Client for `POST /dream-machine/v1/generations` and `GET /dream-machine/v1/generations/{id}`.

    `submit` starts a generation and returns its id; `check` asks once how it is going (and
    downloads and loops the clip when done), so a worker never sleeps on Luma. `fetch` does
    both with polling, for the `run_batch --sync` path and the release tools.
    """

    name = "luma"

    def __init__(self) -> None:
        if not settings.LUMA_API_KEY:
            raise ImproperlyConfigured("LUMA_API_KEY is not set but luma is in VIDEO_PROVIDERS")
        self.base_url = f"{settings.LUMA_BASE_URL}/dream-machine/v1/generations"

    def _client(self):
        return vendor_client(headers={"Authorization": f"Bearer {settings.LUMA_API_KEY}"})

    def submit(self, req: VideoRequest) -> str:
        body = {
            "prompt": luma_prompt(req),
            "model": settings.LUMA_MODEL,
            "aspect_ratio": ASPECT[req.orientation],
            "loop": True,
            "duration": "5s",
            "resolution": "720p",
        }
        hook = callback_url()
        if hook:
            body["callback_url"] = hook
        submit = Step(provider=self.name, name="submit", limit=settings.VIDEO_SEARCH_TIME_LIMIT_SECONDS)
        with self._client() as client:
            created = json_body(request(client, "POST", self.base_url, json=body, step=submit), step=submit)
        generation_id = str(created.get("id") or "")
        if not generation_id:
            raise ProviderError("luma accepted the request but returned no generation id", provider=self.name)
        return generation_id

    def _state(self, client, generation_id: str, step: Step) -> dict | None:
        """The generation once completed, None while queued or dreaming; raises when it failed."""
        data = json_body(request(client, "GET", f"{self.base_url}/{generation_id}", step=step), step=step)
        state = str(data.get("state") or "").lower()
        if state in FAILED:
            raise ProviderError(
                f"luma generation {generation_id} failed: {data.get('failure_reason') or 'no reason given'}",
                provider=self.name,
                extra={"job_id": generation_id},
            )
        return data if state in DONE else None

    def check(self, job_id: str, req: VideoRequest, *, workdir: Path) -> VideoResult | None:
        """One look at the generation: None while it renders, the looped clip once it is done."""
        step = Step(provider=self.name, name="check", limit=settings.VIDEO_SEARCH_TIME_LIMIT_SECONDS)
        with self._client() as client:
            done = self._state(client, job_id, step)
        return None if done is None else self._result(job_id, done, req, workdir)

    def fetch(self, req: VideoRequest, *, workdir: Path) -> VideoResult:
        generation_id = self.submit(req)
        wait = Step(provider=self.name, name="generation", limit=settings.VIDEO_POLL_TIME_LIMIT_SECONDS)
        with self._client() as client:
            done = poll(
                lambda: self._state(client, generation_id, wait),
                step=wait,
                interval=settings.VIDEO_POLL_INTERVAL_SECONDS,
            )
        return self._result(generation_id, done, req, workdir)

    def _result(self, generation_id: str, done: dict, req: VideoRequest, workdir: Path) -> VideoResult:
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
