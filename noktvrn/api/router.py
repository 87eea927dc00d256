"""The `/api/v1/` router; each app registers its viewsets in its own `api.py`."""

from rest_framework.routers import DefaultRouter

from analytics import api as analytics_api
from artists import api as artists_api
from evolution import api as evolution_api
from generation import api as generation_api
from llm import api as llm_api
from markets import api as markets_api
from monitoring import api as monitoring_api
from releases import api as releases_api

router = DefaultRouter()
for module in (
    artists_api,
    generation_api,
    releases_api,
    analytics_api,
    markets_api,
    llm_api,
    evolution_api,
    monitoring_api,
):
    module.register(router)
