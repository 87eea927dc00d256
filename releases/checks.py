"""Deployment checks: the local identifier prefixes must not reach a real distributor."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register("releases", deploy=True)
def identifier_prefixes_check(app_configs, **kwargs) -> list[Warning]:
    problems = []
    if settings.ISRC_REGISTRANT_PREFIX.upper().startswith("ZZ"):
        problems.append(
            Warning(
                f"ISRC_REGISTRANT_PREFIX is {settings.ISRC_REGISTRANT_PREFIX!r}, a local-only prefix.",
                hint="Set the registrant prefix your national ISRC agency assigned (e.g. DE-A12).",
                id="releases.W001",
            )
        )
    if settings.UPC_COMPANY_PREFIX.startswith("2"):
        problems.append(
            Warning(
                f"UPC_COMPANY_PREFIX is {settings.UPC_COMPANY_PREFIX!r}, in GS1's restricted-circulation range.",
                hint="Set the GS1 company prefix licensed to your label.",
                id="releases.W002",
            )
        )
    return problems
