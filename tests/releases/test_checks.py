"""`manage.py check --deploy` warns about the local-only identifier prefixes."""

from __future__ import annotations

from releases.checks import identifier_prefixes_check


def test_local_prefixes_warn(settings):
    settings.ISRC_REGISTRANT_PREFIX = "ZZ-NKT"
    settings.UPC_COMPANY_PREFIX = "2000000"
    assert [w.id for w in identifier_prefixes_check(None)] == ["releases.W001", "releases.W002"]


def test_real_prefixes_pass(settings):
    settings.ISRC_REGISTRANT_PREFIX = "DE-A12"
    settings.UPC_COMPANY_PREFIX = "0614141"
    assert identifier_prefixes_check(None) == []
