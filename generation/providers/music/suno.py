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


def callback_url() -> str:
    """Where the vendor reports a finished job (Suno-compatible APIs require a callBackUrl).

    SUNO_CALLBACK_URL when set (e.g. a public address in front of the site); otherwise our
    verified endpoint under SITE_URL, `{SITE_URL}/hooks/suno/<SUNO_CALLBACK_SECRET>/`. With
    neither there is nothing true to send: a configuration error, raised when suno is chosen.
    """
    if settings.SUNO_CALLBACK_URL:
        return settings.SUNO_CALLBACK_URL
    if settings.SUNO_CALLBACK_SECRET:
        return f"{settings.SITE_URL}/hooks/suno/{settings.SUNO_CALLBACK_SECRET}/"
    raise ImproperlyConfigured(
        "SUNO_CALLBACK_SECRET is not set (nor SUNO_CALLBACK_URL) but the music chain lists suno: "
        "Suno-compatible APIs require a callback URL; with the secret it is {SITE_URL}/hooks/suno/<secret>/"
    )


class SunoMusicProvider:
    """Client for a Suno-compatible API; the base URL is SUNO_BASE_URL.

    `submit` starts a job and returns its id; `check` asks once how it is going (and fetches
    the audio when done), so a worker never sleeps on the vendor. `generate` does both with
    polling, for the `run_batch --sync` path.
    """

    name = "suno"

    def __init__(self) -> None:
        if not settings.SUNO_API_KEY:
            raise ImproperlyConfigured("SUNO_API_KEY is not set but the music chain lists suno")
        self.callback_url = callback_url()
        self.base_url = settings.SUNO_BASE_URL

    def _client(self):
        return vendor_client(headers={"Authorization": f"Bearer {settings.SUNO_API_KEY}"})

    def submit(self, req: MusicRequest) -> str:
        instrumental = req.instrumental or not req.lyrics
        body = {
            "customMode": True,
            "instrumental": instrumental,
            "model": settings.SUNO_MODEL,
            "style": describe(req)[:1000],
            "title": req.title[:80],
            "callBackUrl": self.callback_url,
        }
        if not instrumental:
            body["prompt"] = req.lyrics[:5000]
        with self._client() as client:
            submit = Step(provider=self.name, name="submit", limit=settings.MUSIC_SUBMIT_TIME_LIMIT_SECONDS)
            data = json_body(
                request(client, "POST", f"{self.base_url}/api/v1/generate", json=body, step=submit), step=submit
            )
        _check_code(data, step=submit)
        task_id = str((data.get("data") or {}).get("taskId") or "")
        if not task_id:
            raise ProviderError("suno accepted the request but returned no taskId", provider=self.name)
        logger.info("suno task %s submitted (%r)", task_id, req.title)
        return task_id

    def _record(self, client, task_id: str, step: Step) -> dict | None:
        url = f"{self.base_url}/api/v1/generate/record-info"
        info = json_body(request(client, "GET", url, params={"taskId": task_id}, step=step), step=step)
        _check_code(info, step=step)
        record = info.get("data") or {}
        status = str(record.get("status") or "").upper()
        if status in FAILED:
            raise ProviderError(
                f"suno task {task_id} failed ({status}): {record.get('errorMessage') or 'no reason given'}",
                provider=self.name,
                extra={"job_id": task_id, "status": status},
            )
        return record if status == "SUCCESS" else None

    def check(self, job_id: str, req: MusicRequest, *, workdir: Path) -> MusicResult | None:
        """One look at the job: None while it renders, the converted audio once it is done."""
        step = Step(provider=self.name, name="check", limit=settings.MUSIC_SUBMIT_TIME_LIMIT_SECONDS)
        with self._client() as client:
            record = self._record(client, job_id, step)
        return None if record is None else self._fetch(job_id, record, req, workdir)

    def generate(self, req: MusicRequest, *, workdir: Path) -> MusicResult:
        task_id = self.submit(req)
        wait = Step(provider=self.name, name="generation", limit=settings.MUSIC_POLL_TIME_LIMIT_SECONDS)
        with self._client() as client:
            record = poll(
                lambda: self._record(client, task_id, wait), step=wait, interval=settings.MUSIC_POLL_INTERVAL_SECONDS
            )
        return self._fetch(task_id, record, req, workdir)

    def _fetch(self, task_id: str, record: dict, req: MusicRequest, workdir: Path) -> MusicResult:
        workdir.mkdir(parents=True, exist_ok=True)
        tracks = [t for t in ((record.get("response") or {}).get("sunoData") or []) if t.get("audioUrl")]
        if not tracks:
            raise ProviderError(f"suno task {task_id} succeeded without an audioUrl", provider=self.name)
        # Suno makes two takes; keep the one closest to the requested length.
        track = min(tracks, key=lambda t: abs(float(t.get("duration") or 0) - req.duration_seconds))
        return fetch_vendor_audio(
            provider=self.name, job_id=task_id, url=track["audioUrl"], workdir=workdir, default_suffix=".mp3"
        )
