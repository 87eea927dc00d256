"""URL map: admin, REST API (/api/v1/), API schema and docs, health probes, media."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from kernel import health
from monitoring import views as monitoring_views
from noktvrn.api.router import router
from noktvrn.media import media_serve
from noktvrn.views import HomeView

admin.site.site_header = "noktvrn back office"
admin.site.site_title = "noktvrn"
admin.site.index_title = "Artists, runs, releases"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", monitoring_views.metrics, name="metrics"),
    path("monitoring/", include("monitoring.urls")),
    path("", include("generation.urls.review")),  # /review/... and /telegram/webhook/
    path("batches/", include("generation.urls.batches")),
    path("artists/", include("noktvrn.console.urls")),
    path("hooks/", include("generation.urls.hooks")),  # vendor callbacks (Suno)
    path("releases/", include("releases.urls")),
    path("markets/", include("markets.urls")),
    path("evolution/", include("evolution.urls")),
    # Media follows the permissions of the pages that show it (noktvrn/media.py); with S3 the
    # view redirects to a signed URL, on local disk it serves the file itself.
    re_path(r"^media/(?P<path>.*)$", media_serve, name="media"),
]
