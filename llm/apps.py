from django.apps import AppConfig


class LlmConfig(AppConfig):
    """LLM providers, routing, prompt templates and the call log."""

    name = "llm"
