"""`manage.py check`: a typo in a chain or policy fails at start-up, not at the first call."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured


def check_llm_chains(app_configs=None, **kwargs) -> list[Error]:
    from llm.router import role_chain, role_policy

    errors = []
    for role in settings.LLM_ROLES:
        for check in (role_chain, role_policy):
            try:
                check(role)
            except ImproperlyConfigured as exc:
                errors.append(Error(str(exc), id="llm.E001", hint="See docs/llm.md, 'Chains and routing'."))
    return errors
