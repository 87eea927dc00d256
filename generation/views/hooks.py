"""Vendor callbacks: a finished job resumes its run at once instead of at the next scheduled check."""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from generation.services.pipeline import vendor_job_completed

logger = logging.getLogger(__name__)


class SunoCallbackData(BaseModel):
    """The part of a Suno-compatible callback we use; everything else is ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    callback_type: str = Field(default="", alias="callbackType", max_length=40)
    task_id: str = Field(min_length=1, max_length=200)


class SunoCallback(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: int | None = None
    data: SunoCallbackData


def _secret_matches(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@method_decorator(csrf_exempt, name="dispatch")
class SunoCallbackView(View):
    """`POST /hooks/suno/<secret>/`: the callBackUrl we give Suno; refused (403) without the right secret.

    Only "complete" and "error" callbacks matter (the intermediate "text" and "first" ones
    are acknowledged and ignored). The body only says which job to look at: the check asks
    the vendor's API for the result, so a forged body cannot inject audio.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest, secret: str) -> HttpResponse:
        if not _secret_matches(secret, settings.SUNO_CALLBACK_SECRET):
            logger.warning(
                "Suno callback refused: wrong or unconfigured secret from %s", request.META.get("REMOTE_ADDR")
            )
            return JsonResponse({"detail": "Forbidden."}, status=403)
        try:
            payload = SunoCallback.model_validate(json.loads(request.body))
        except RequestDataTooBig:
            return JsonResponse({"detail": "Body too large.", "code": "too_large"}, status=413)
        except (ValueError, RecursionError, ValidationError):
            return JsonResponse({"detail": "Body is not a Suno callback (code, data.task_id)."}, status=400)
        kind = payload.data.callback_type.lower()
        if kind not in ("complete", "error", ""):
            return JsonResponse({"ok": True, "resumed": 0})
        resumed = vendor_job_completed(vendor="suno", job_id=payload.data.task_id)
        if not resumed:
            logger.info("Suno callback for task %s: no run waits on it (already resumed?)", payload.data.task_id)
        return JsonResponse({"ok": True, "resumed": resumed})


class LumaCallback(BaseModel):
    """The part of a Luma generation (posted to its callback_url) we use; everything else is ignored."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    state: str = Field(default="", max_length=40)


@method_decorator(csrf_exempt, name="dispatch")
class LumaCallbackView(View):
    """`POST /hooks/luma/<secret>/`: the callback_url we give Luma; refused (403) without the right secret.

    Luma posts the generation as its state changes; only "completed" and "failed" matter.
    The body only says which generation to look at: the check asks Luma's API for the
    result, so a forged body cannot inject a video.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest, secret: str) -> HttpResponse:
        if not _secret_matches(secret, settings.LUMA_CALLBACK_SECRET):
            logger.warning(
                "Luma callback refused: wrong or unconfigured secret from %s", request.META.get("REMOTE_ADDR")
            )
            return JsonResponse({"detail": "Forbidden."}, status=403)
        try:
            payload = LumaCallback.model_validate(json.loads(request.body))
        except RequestDataTooBig:
            return JsonResponse({"detail": "Body too large.", "code": "too_large"}, status=413)
        except (ValueError, RecursionError, ValidationError):
            return JsonResponse({"detail": "Body is not a Luma generation (id, state)."}, status=400)
        if payload.state.lower() not in ("completed", "failed", ""):
            return JsonResponse({"ok": True, "resumed": 0})
        resumed = vendor_job_completed(vendor="luma", job_id=payload.id)
        if not resumed:
            logger.info("Luma callback for generation %s: no run waits on it (already resumed?)", payload.id)
        return JsonResponse({"ok": True, "resumed": resumed})
