from django.apps import AppConfig


class LlmConfig(AppConfig):
    """LLM providers, routing, prompt templates and the call log."""

    name = "llm"

    def ready(self) -> None:
        from llm.status import llm_readiness
        from noktvrn.health import register_readiness_check

        register_readiness_check("llm", llm_readiness)
