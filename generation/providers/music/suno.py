"""Suno-compatible generation API (the shape third-party Suno APIs such as sunoapi.org share).

Submit `POST /api/v1/generate` -> `data.taskId`; poll `GET /api/v1/generate/record-info?taskId=`
until `data.status` is SUCCESS (or a failure status); download `data.response.sunoData[].audioUrl`
and convert it to the project's WAV.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..errors import ProviderError
from ..http import Step, json_body, poll, request, vendor_client
from .base import MusicRequest, MusicResult
from .fetch import fetch_vendor_audio

PENDING = {"PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "QUEUED", "RUNNING", "STREAMING"}
FAILED = {"CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED", "CALLBACK_EXCEPTION", "SENSITIVE_WORD_ERROR", "FAILED"}
# Body codes that mean "later may work": call frequency too high, maintenance, server errors.
TRANSIENT_CODES = {430, 455, 500, 502, 503}

logger = logging.getLogger(__name__)


def describe(req: MusicRequest) -> str:
    """Style tags that carry the run's parameters to a text-prompted model."""
    parts = [req.style or req.genre, f"{round(req.tempo)} bpm", f"{req.key} {req.mode}"]
    parts.append("high energy" if req.energy >= 0.7 else "laid-back" if req.energy <= 0.35 else "mid energy")
    if req.instrumental or not req.lyrics:
        parts.append("instrumental")
    return ", ".join(p for p in parts if p)


def _check_code(data: dict, *, step: Step) -> None:
    code = data.get("code")
    if code in (None, 200):
        return
    raise ProviderError(
        f"suno {step.name} refused (code {code}): {data.get('msg') or 'no message'}",
        provider="suno",
        transient=code in TRANSIENT_CODES,
        extra={"code": code},
    )


class SunoMusicProvider:
    """Client for a Suno-compatible API; the base URL is SUNO_BASE_URL."""

    name = "suno"

    def __init__(self) -> None:
        if not settings.SUNO_API_KEY:
            raise ImproperlyConfigured("SUNO_API_KEY is not set but MUSIC_PROVIDER is suno")
        self.base_url = settings.SUNO_BASE_URL

    def generate(self, req: MusicRequest, *, workdir: Path) -> MusicResult:
        workdir.mkdir(parents=True, exist_ok=True)
        instrumental = req.instrumental or not req.lyrics
        body = {
            "customMode": True,
            "instrumental": instrumental,
            "model": settings.SUNO_MODEL,
            "style": describe(req)[:1000],
            "title": req.title[:80],
            "callBackUrl": settings.SUNO_CALLBACK_URL,
        }
        if not instrumental:
            body["prompt"] = req.lyrics[:5000]
        with vendor_client(headers={"Authorization": f"Bearer {settings.SUNO_API_KEY}"}) as client:
            submit = Step(provider=self.name, name="submit", limit=settings.MUSIC_SUBMIT_TIME_LIMIT_SECONDS)
            data = json_body(
                request(client, "POST", f"{self.base_url}/api/v1/generate", json=body, step=submit), step=submit
            )
            _check_code(data, step=submit)
            task_id = str((data.get("data") or {}).get("taskId") or "")
            if not task_id:
                raise ProviderError("suno accepted the request but returned no taskId", provider=self.name)
            logger.info("suno task %s submitted (%r)", task_id, req.title)
            wait = Step(provider=self.name, name="generation", limit=settings.MUSIC_POLL_TIME_LIMIT_SECONDS)

            def check() -> dict | None:
                url = f"{self.base_url}/api/v1/generate/record-info"
                info = json_body(request(client, "GET", url, params={"taskId": task_id}, step=wait), step=wait)
                _check_code(info, step=wait)
                record = info.get("data") or {}
                status = str(record.get("status") or "").upper()
                if status in FAILED:
                    raise ProviderError(
                        f"suno task {task_id} failed ({status}): {record.get('errorMessage') or 'no reason given'}",
                        provider=self.name,
                        extra={"job_id": task_id, "status": status},
                    )
                return record if status == "SUCCESS" else None

            record = poll(check, step=wait, interval=settings.MUSIC_POLL_INTERVAL_SECONDS)
        tracks = [t for t in ((record.get("response") or {}).get("sunoData") or []) if t.get("audioUrl")]
        if not tracks:
            raise ProviderError(f"suno task {task_id} succeeded without an audioUrl", provider=self.name)
        # Suno makes two takes; keep the one closest to the requested length.
        track = min(tracks, key=lambda t: abs(float(t.get("duration") or 0) - req.duration_seconds))
        return fetch_vendor_audio(
            provider=self.name, job_id=task_id, url=track["audioUrl"], workdir=workdir, default_suffix=".mp3"
        )
