"""The home page: the staff dashboard for signed-in staff, a short introduction for everyone else."""

from __future__ import annotations

from django.views.generic import TemplateView

from noktvrn.dashboard.registry import PRESETS, DateRange, panels_build

# Reviewers and Operators both have it; a signed-in user without it sees the introduction.
DASHBOARD_PERMISSION = "generation.view_batch"


class HomeView(TemplateView):
    template_name = "noktvrn/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm(DASHBOARD_PERMISSION):
            date_range = DateRange.from_request(self.request)
            context.update(
                dashboard=True,
                range=date_range,
                presets=PRESETS,
                panels=panels_build(self.request, date_range),
            )
        return context
