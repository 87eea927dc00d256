"""The home page: where a newcomer finds every part of the product."""

from __future__ import annotations

from django.db.models import Count, Q
from django.views.generic import TemplateView

from artists.models import Artist
from generation.models import GenerationRun, RunStatus
from releases.models import Release


class HomeView(TemplateView):
    template_name = "noktvrn/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.is_authenticated:
            context["counts"] = {
                "artists": Artist.objects.aggregate(
                    total=Count("pk"), active=Count("pk", filter=Q(status__in=["active", "evolving"]))
                ),
                "awaiting_review": GenerationRun.objects.filter(status=RunStatus.AWAITING_REVIEW).count(),
                "releases": Release.objects.count(),
            }
        return context
