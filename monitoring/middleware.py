"""Request metrics: rate, errors and latency by view (the URL pattern's name, never the raw path)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from monitoring.services.metrics import HTTP_EXCEPTIONS, HTTP_LATENCY, HTTP_REQUESTS


def view_label(request: HttpRequest) -> str:
    """A bounded label: the route's name, else the view function's dotted name, else "unmatched"."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match._func_path


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_label(request)
        method = request.method if request.method in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"} else "OTHER"
        HTTP_REQUESTS.labels(view, method, str(response.status_code)).inc()
        HTTP_LATENCY.labels(view, method).observe(time.perf_counter() - started)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        HTTP_EXCEPTIONS.labels(view_label(request), type(exception).__name__).inc()
