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
    """Client for Replicate's predictions API running a MusicGen version (REPLICATE_MUSICGEN_VERSION)."""

    name = "replicate"

    def __init__(self) -> None:
        if not settings.REPLICATE_API_TOKEN:
            raise ImproperlyConfigured("REPLICATE_API_TOKEN is not set but MUSIC_PROVIDER is replicate")
        self.base_url = f"{settings.REPLICATE_BASE_URL}/v1/predictions"

    def generate(self, req: MusicRequest, *, workdir: Path) -> MusicResult:
        workdir.mkdir(parents=True, exist_ok=True)
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
        with vendor_client(headers={"Authorization": f"Bearer {settings.REPLICATE_API_TOKEN}"}) as client:
            submit = Step(provider=self.name, name="submit", limit=settings.MUSIC_SUBMIT_TIME_LIMIT_SECONDS)
            created = json_body(request(client, "POST", self.base_url, json=body, step=submit), step=submit)
            prediction_id = str(created.get("id") or "")
            if not prediction_id:
                raise ProviderError("replicate accepted the request but returned no prediction id", provider=self.name)
            logger.info("replicate prediction %s created (%r)", prediction_id, req.title)
            wait = Step(provider=self.name, name="prediction", limit=settings.MUSIC_POLL_TIME_LIMIT_SECONDS)

            def check() -> dict | None:
                data = json_body(request(client, "GET", f"{self.base_url}/{prediction_id}", step=wait), step=wait)
                status = str(data.get("status") or "").lower()
                if status in FAILED:
                    raise ProviderError(
                        f"replicate prediction {prediction_id} {status}: {data.get('error') or 'no reason given'}",
                        provider=self.name,
                        extra={"job_id": prediction_id},
                    )
                return data if status == "succeeded" else None

            try:
                done = poll(check, step=wait, interval=settings.MUSIC_POLL_INTERVAL_SECONDS)
            except ProviderTimeout:
                self._cancel(client, prediction_id)
                raise
        output = done.get("output")
        url = output[0] if isinstance(output, list) and output else output
        if not isinstance(url, str) or not url:
            raise ProviderError(
                f"replicate prediction {prediction_id} succeeded without an output URL", provider=self.name
            )
        return fetch_vendor_audio(
            provider=self.name, job_id=prediction_id, url=url, workdir=workdir, default_suffix=".wav"
        )

    def _cancel(self, client, prediction_id: str) -> None:
        """Stop paying for a prediction we gave up on (best effort: the timeout is what we report)."""
        step = Step(provider=self.name, name="cancel", limit=min(10.0, settings.PROVIDER_HTTP_TIMEOUT_SECONDS))
        try:
            request(client, "POST", f"{self.base_url}/{prediction_id}/cancel", step=step)
        except ProviderError as exc:
            logger.warning("could not cancel replicate prediction %s: %s", prediction_id, exc.message)
