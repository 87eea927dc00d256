from django.apps import AppConfig


class LlmConfig(AppConfig):
    """LLM providers, routing, prompt templates and the call log."""

    name = "llm"

    def ready(self) -> None:
        from django.core import checks

        from kernel.health import register_readiness_check
        from llm.checks import check_llm_chains
        from llm.status import llm_readiness

        checks.register(check_llm_chains)
        register_readiness_check("llm", llm_readiness)
