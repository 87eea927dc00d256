"""Vendor callbacks: a finished job resumes its run at once instead of at the next scheduled check."""

from __future__ import annotations

import hmac
import json
import logging
from abc import ABCMeta, abstractmethod

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
class VendorCallbackView(View, metaclass=ABCMeta):
    """`POST /hooks/<vendor>/<secret>/`: refused (403) without the right secret.

    The body only says which job to look at and how far it got: the vendor check asks the
    vendor's API for the result, so a forged body cannot inject audio or video. Subclasses say
    which vendor, secret and body shape, and which states mean the job is over.
    """

    http_method_names = ["post"]
    vendor: str
    setting_name: str  # the setting that holds this vendor's callback secret
    payload_model: type[BaseModel]
    final_states: tuple[str, ...]
    shape: str  # named in the 400 answer

    @abstractmethod
    def job(self, payload) -> tuple[str, str]:
        """(job id, state) out of the validated body."""

    def post(self, request: HttpRequest, secret: str) -> HttpResponse:
        if not _secret_matches(secret, getattr(settings, self.setting_name)):
            logger.warning(
                "%s callback refused: wrong or unconfigured secret from %s",
                self.vendor.capitalize(),
                request.META.get("REMOTE_ADDR"),
            )
            return JsonResponse({"detail": "Forbidden."}, status=403)
        try:
            payload = self.payload_model.model_validate(json.loads(request.body))
        except RequestDataTooBig:
            return JsonResponse({"detail": "Body too large.", "code": "too_large"}, status=413)
        except (ValueError, RecursionError, ValidationError):
            return JsonResponse({"detail": f"Body is not {self.shape}."}, status=400)
        job_id, state = self.job(payload)
        if state.lower() not in (*self.final_states, ""):
            return JsonResponse({"ok": True, "resumed": 0})
        resumed = vendor_job_completed(vendor=self.vendor, job_id=job_id)
        if not resumed:
            logger.info("%s callback for job %s: no run waits on it (already resumed?)", self.vendor, job_id)
        return JsonResponse({"ok": True, "resumed": resumed})


class SunoCallbackView(VendorCallbackView):
    """The callBackUrl we give Suno: only "complete" and "error" matter ("text" and "first" are acknowledged)."""

    vendor = "suno"
    setting_name = "SUNO_CALLBACK_SECRET"
    payload_model = SunoCallback
    final_states = ("complete", "error")
    shape = "a Suno callback (code, data.task_id)"

    def job(self, payload: SunoCallback) -> tuple[str, str]:
        return payload.data.task_id, payload.data.callback_type


class LumaCallback(BaseModel):
    """The part of a Luma generation (posted to its callback_url) we use; everything else is ignored."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    state: str = Field(default="", max_length=40)


class LumaCallbackView(VendorCallbackView):
    """The callback_url we give Luma: it posts the generation as its state changes; only the end matters."""

    vendor = "luma"
    setting_name = "LUMA_CALLBACK_SECRET"
    payload_model = LumaCallback
    final_states = ("completed", "failed")
    shape = "a Luma generation (id, state)"

    def job(self, payload: LumaCallback) -> tuple[str, str]:
        return payload.id, payload.state
