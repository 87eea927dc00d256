"""REST endpoints for the LLM layer."""

from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    """LLM endpoints are registered here as they land."""
