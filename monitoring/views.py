"""Monitoring pages (staff and Operators): error groups, provider health, weekly reports; and /metrics."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from monitoring.models import ErrorGroup, WeeklyReport
from monitoring.selectors import error_group_detail, error_groups, provider_health
from monitoring.services.metrics import metrics_render


def staff_or(permission: str) -> Callable:
    """Staff, or users holding `permission` (Operators do): anonymous users go to the login page, others get 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_staff or user.has_perm(permission)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def metrics_allowed(request: HttpRequest) -> bool:
    """A scraper shows METRICS_TOKEN as a bearer token, or comes from METRICS_ALLOWED_NETWORKS."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        response = HttpResponse("Metrics need METRICS_TOKEN as a bearer token or an allowed network.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
    return HttpResponse(metrics_render(), content_type=CONTENT_TYPE_LATEST)


@staff_or("monitoring.view_errorgroup")
def error_list(request: HttpRequest) -> HttpResponse:
    source = request.GET.get("source", "")
    search = request.GET.get("q", "").strip()
    page = Paginator(error_groups(source=source, search=search), 50).get_page(request.GET.get("page"))
    sources = ErrorGroup.objects.order_by("source").values_list("source", flat=True).distinct()
    return render(
        request,
        "monitoring/errors.html",
        {"page": page, "groups": page.object_list, "source": source, "q": search, "sources": list(sources)},
    )


@staff_or("monitoring.view_errorgroup")
def error_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(ErrorGroup, pk=pk)
    return render(request, "monitoring/error_detail.html", {"group": group, **error_group_detail(group=group)})


@staff_or("monitoring.view_providercheck")
def health(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/health.html",
        {"providers": provider_health(), "critical": settings.CRITICAL_PROVIDERS},
    )


@staff_or("monitoring.view_weeklyreport")
def report_list(request: HttpRequest) -> HttpResponse:
    reports = WeeklyReport.objects.only("pk", "period_start", "period_end", "created_at", "updated_at")[:104]
    latest = WeeklyReport.objects.first()
    return render(request, "monitoring/reports.html", {"reports": reports, "latest": latest})


@staff_or("monitoring.view_weeklyreport")
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = get_object_or_404(WeeklyReport, pk=pk)
    if fmt == "md":
        body, content_type = report.markdown, "text/markdown; charset=utf-8"
    elif fmt == "csv":
        body, content_type = report.csv, "text/csv; charset=utf-8"
    else:
        raise Http404("Reports come as .md or .csv.")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="noktvrn-week-{report.period_start:%Y-%m-%d}.{fmt}"'
    return response
