"""releases/services/identifiers.py: ISRC and UPC assignment and validation."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from stdnum import ean, isrc

from releases.services.identifiers import IdentifierError, isrc_validate, release_identifiers_assign, upc_validate
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def test_isrc_designations_are_sequential_per_year_and_upcs_carry_a_check_digit(settings):
    settings.ISRC_REGISTRANT_PREFIX = "DE-A12"
    settings.UPC_COMPANY_PREFIX = "4012345"
    made = [release_identifiers_assign(release=ReleaseFactory(), on=date(2026, 5, 1)) for _ in range(3)]
    assert [r.isrc for r in made] == ["DEA122600001", "DEA122600002", "DEA122600003"]
    assert [r.upc[:12] for r in made] == ["401234500001", "401234500002", "401234500003"]
    assert all(ean.is_valid(r.upc) and isrc.is_valid(r.isrc) for r in made)

    # A new year starts a new sequence; other registrants do not interfere.
    ReleaseFactory(isrc="DEB992700041")
    assert release_identifiers_assign(release=ReleaseFactory(), on=date(2027, 1, 2)).isrc == "DEA122700001"
    made[0].refresh_from_db()
    assert made[0].isrc == "DEA122600001"  # stored, not just on the instance


def test_an_assigned_release_keeps_its_identifiers(settings):
    settings.ISRC_REGISTRANT_PREFIX = "DEA12"
    release = ReleaseFactory(isrc="dea122600500", upc="4012345000016")
    release_identifiers_assign(release=release)
    release.refresh_from_db()
    assert (release.isrc, release.upc) == ("DEA122600500", "4012345000016")


def test_hand_entered_identifiers_are_validated():
    with pytest.raises(IdentifierError, match="not a valid ISRC"):
        isrc_validate("XX-A12-26-00001")  # no such country
    with pytest.raises(IdentifierError, match="check digit"):
        upc_validate("4012345000018")
    with pytest.raises(IdentifierError, match="12 or 13 digits"):
        upc_validate("12345")
    assert upc_validate("036000291452") == "0036000291452"  # a UPC-A gets its leading zero
    release = ReleaseFactory(isrc="XXABC2612345")
    with pytest.raises(IdentifierError):
        release_identifiers_assign(release=release)


@pytest.mark.parametrize(("name", "value"), [("ISRC_REGISTRANT_PREFIX", "D-A1"), ("UPC_COMPANY_PREFIX", "12ab")])
def test_a_bad_prefix_names_its_variable(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        release_identifiers_assign(release=ReleaseFactory())


def test_exhausted_upc_item_references_are_reported(settings):
    settings.UPC_COMPANY_PREFIX = "40123456789"  # 11 digits leave one digit of item reference
    ReleaseFactory(upc="4012345678994")
    with pytest.raises(IdentifierError, match="No item references left"):
        release_identifiers_assign(release=ReleaseFactory(isrc="DEA122600001"))
