"""LLM fixtures live in tests/llm/fixtures.py so the artist-creation tests can use them too."""

from tests.llm.fixtures import fast_llm, use_vendor, vendor  # noqa: F401
