"""Replicate MusicGen: `POST /v1/predictions`, poll `GET /v1/predictions/{id}`, download `output`."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..errors import ProviderError, ProviderTimeout
from ..http import Step, json_body, poll, request, vendor_client
from .base import MusicRequest, MusicResult
from .fetch import fetch_vendor_audio
from .suno import describe

logger = logging.getLogger(__name__)

FAILED = {"failed", "canceled"}


class ReplicateMusicProvider:
    """Client for Replicate's predictions API running a MusicGen version (REPLICATE_MUSICGEN_VERSION).

    `submit` creates the prediction, `check` looks at it once; `generate` polls (the `--sync` path).
    """

    name = "replicate"

    def __init__(self) -> None:
        if not settings.REPLICATE_API_TOKEN:
            raise ImproperlyConfigured("REPLICATE_API_TOKEN is not set but the music chain lists replicate")
        self.base_url = f"{settings.REPLICATE_BASE_URL}/v1/predictions"

    def _client(self):
        return vendor_client(headers={"Authorization": f"Bearer {settings.REPLICATE_API_TOKEN}"})

    def submit(self, req: MusicRequest) -> str:
        prompt = ". ".join(p for p in (req.prompt, describe(req)) if p)
        body = {
            "version": settings.REPLICATE_MUSICGEN_VERSION,
            "input": {
                "prompt": prompt[:2000],
                "duration": int(round(req.duration_seconds)),
                "model_version": settings.REPLICATE_MUSICGEN_MODEL_VERSION,
                "output_format": "wav",
                "normalization_strategy": "loudness",
                "seed": req.seed % 2**31,
            },
        }
        with self._client() as client:
            submit = Step(provider=self.name, name="submit", limit=settings.MUSIC_SUBMIT_TIME_LIMIT_SECONDS)
            created = json_body(request(client, "POST", self.base_url, json=body, step=submit), step=submit)
        prediction_id = str(created.get("id") or "")
        if not prediction_id:
            raise ProviderError("replicate accepted the request but returned no prediction id", provider=self.name)
        logger.info("replicate prediction %s created (%r)", prediction_id, req.title)
        return prediction_id

    def _prediction(self, client, prediction_id: str, step: Step) -> dict | None:
        data = json_body(request(client, "GET", f"{self.base_url}/{prediction_id}", step=step), step=step)
        status = str(data.get("status") or "").lower()
        if status in FAILED:
            raise ProviderError(
                f"replicate prediction {prediction_id} {status}: {data.get('error') or 'no reason given'}",
                provider=self.name,
                extra={"job_id": prediction_id},
            )
        return data if status == "succeeded" else None

    def check(self, job_id: str, req: MusicRequest, *, workdir: Path) -> MusicResult | None:
        """One look at the prediction: None while it runs, the converted audio once it succeeded."""
        step = Step(provider=self.name, name="check", limit=settings.MUSIC_SUBMIT_TIME_LIMIT_SECONDS)
        with self._client() as client:
            done = self._prediction(client, job_id, step)
        return None if done is None else self._fetch(job_id, done, workdir)

    def cancel(self, job_id: str) -> None:
        """Stop paying for a prediction we gave up on (best effort: the timeout is what we report)."""
        step = Step(provider=self.name, name="cancel", limit=min(10.0, settings.PROVIDER_HTTP_TIMEOUT_SECONDS))
        try:
            with self._client() as client:
                request(client, "POST", f"{self.base_url}/{job_id}/cancel", step=step)
        except ProviderError as exc:
            logger.warning("could not cancel replicate prediction %s: %s", job_id, exc.message)

    def generate(self, req: MusicRequest, *, workdir: Path) -> MusicResult:
        prediction_id = self.submit(req)
        wait = Step(provider=self.name, name="prediction", limit=settings.MUSIC_POLL_TIME_LIMIT_SECONDS)
        try:
            with self._client() as client:
                done = poll(
                    lambda: self._prediction(client, prediction_id, wait),
                    step=wait,
                    interval=settings.MUSIC_POLL_INTERVAL_SECONDS,
                )
        except ProviderTimeout:
            self.cancel(prediction_id)
            raise
        return self._fetch(prediction_id, done, workdir)

    def _fetch(self, prediction_id: str, done: dict, workdir: Path) -> MusicResult:
        workdir.mkdir(parents=True, exist_ok=True)
        output = done.get("output")
        url = output[0] if isinstance(output, list) and output else output
        if not isinstance(url, str) or not url:
            raise ProviderError(
                f"replicate prediction {prediction_id} succeeded without an output URL", provider=self.name
            )
        return fetch_vendor_audio(
            provider=self.name, job_id=prediction_id, url=url, workdir=workdir, default_suffix=".wav"
        )
