"""REST endpoints for analytics (audio analysis, metrics)."""

from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    """Analytics endpoints are registered here as they land."""
