"""Request-level protections of the composition root: login lockout answers and API body limits."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def login_lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None):
    """django-axes lockout: 429 with Retry-After, a page for browsers and JSON for API clients."""
    seconds = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds()))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": math.ceil(seconds / 60)}
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {"detail": "Too many failed logins; try again later.", "code": "locked_out", "retry_after": seconds},
            status=429,
        )
    else:
        response = render(request, "review/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the entry TRUSTED_PROXY_COUNT from the end of X-Forwarded-For.

    Only the entries appended by our own proxies can be trusted; anything to their left was sent
    by the client and could be forged to dodge a lockout.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count > 0 and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def _json_path(path: str) -> bool:
    return path.startswith(("/api/", "/telegram/", "/hooks/"))


class RejectNulBytesMiddleware:
    """A NUL byte in the path or query string gets a 400: PostgreSQL cannot store or compare one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query.lower() or "\x00" in query:
            detail = "The request contains a NUL character."
            if _json_path(request.path):
                return JsonResponse({"detail": detail, "code": "invalid"}, status=400)
            return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ApiBodyTooLargeMiddleware:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE sent to the API or the webhook gets a 413 JSON answer.

    Django would refuse it later with an HTML 400 page; API clients expect JSON and the right
    status. Multipart uploads are left to the upload's own limit (checked by its view).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _json_path(request.path) and not request.content_type.startswith("multipart/"):
            declared = request.META.get("CONTENT_LENGTH") or ""
            if declared.isdigit() and int(declared) > limit:
                return body_too_large_response(limit)
        return self.get_response(request)


def body_too_large_response(limit: int) -> JsonResponse:
    return JsonResponse(
        {"detail": f"The request body is larger than the {limit} byte limit.", "code": "too_large"}, status=413
    )
