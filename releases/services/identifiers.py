"""ISRC and UPC/EAN-13 assignment and validation (python-stdnum).

Assigned numbers are unique in the database (unique columns); a concurrent assignment
that loses the race retries with the next free number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum import ean, isrc
from stdnum.exceptions import ValidationError as StdnumError

from kernel.errors import ApplicationError
from releases.models import Release

_PREFIX_RE = re.compile(r"^([A-Z]{2})([A-Z0-9]{3})$")
_ASSIGN_TRIES = 20


class IdentifierError(ApplicationError):
    code = "invalid_identifier"


def isrc_validate(value: str) -> str:
    """Return the compact ISRC (e.g. "DEA122600001"), or raise IdentifierError saying why."""
    try:
        return isrc.validate(value)
    except StdnumError as exc:
        raise IdentifierError(f"{value!r} is not a valid ISRC: {exc.message}", {"isrc": value}) from exc


def upc_validate(value: str) -> str:
    """Return the 13-digit EAN (a 12-digit UPC-A gets its leading 0), or raise IdentifierError."""
    compact = ean.compact(value)
    if len(compact) == 12:
        compact = "0" + compact
    try:
        if len(compact) != 13:
            raise IdentifierError(f"{value!r} is not a valid UPC/EAN-13: it needs 12 or 13 digits.", {"upc": value})
        return ean.validate(compact)
    except StdnumError as exc:
        raise IdentifierError(f"{value!r} is not a valid UPC/EAN-13: {exc.message}", {"upc": value}) from exc


def isrc_registrant_prefix() -> str:
    """The configured country + registrant code, compact ("DE-A12" -> "DEA12")."""
    prefix = settings.ISRC_REGISTRANT_PREFIX.replace("-", "").replace(" ", "").upper()
    match = _PREFIX_RE.match(prefix)
    if not match or not isrc.is_valid(f"{prefix}0000001"):
        raise ImproperlyConfigured(
            f"ISRC_REGISTRANT_PREFIX={settings.ISRC_REGISTRANT_PREFIX!r} must be a country code and a "
            "3-character registrant code, e.g. DE-A12."
        )
    return prefix


def upc_company_prefix() -> str:
    prefix = settings.UPC_COMPANY_PREFIX.strip()
    if not prefix.isdigit() or not 6 <= len(prefix) <= 11:
        raise ImproperlyConfigured(f"UPC_COMPANY_PREFIX={prefix!r} must be a GS1 company prefix of 6 to 11 digits.")
    return prefix


def _next_isrc(on: date) -> str:
    stem = f"{isrc_registrant_prefix()}{on:%y}"
    last = Release.objects.filter(isrc__startswith=stem).order_by("-isrc").values_list("isrc", flat=True).first()
    designation = int(last[-5:]) + 1 if last else 1
    if designation > 99999:
        raise IdentifierError(f"No ISRC designations left for {stem} this year.", {"stem": stem})
    return isrc_validate(f"{stem}{designation:05d}")


def _next_upc() -> str:
    prefix = upc_company_prefix()
    reference_digits = 12 - len(prefix)
    last = Release.objects.filter(upc__startswith=prefix).order_by("-upc").values_list("upc", flat=True).first()
    reference = int(last[len(prefix) : 12]) + 1 if last else 1
    if reference >= 10**reference_digits:
        raise IdentifierError(f"No item references left under UPC company prefix {prefix}.", {"prefix": prefix})
    body = f"{prefix}{reference:0{reference_digits}d}"
    return upc_validate(body + ean.calc_check_digit(body))


def _assign(release: Release, field: str, make: Callable[[], str]) -> str:
    for _ in range(_ASSIGN_TRIES):
        value = make()
        try:
            with transaction.atomic():
                Release.objects.filter(pk=release.pk).update(**{field: value})
        except IntegrityError:
            continue  # somebody took it between our read and write: take the next one
        setattr(release, field, value)
        return value
    raise IdentifierError(f"Could not assign a unique {field} after {_ASSIGN_TRIES} tries.")


def release_identifiers_assign(*, release: Release, on: date | None = None) -> Release:
    """Give the release an ISRC and a UPC unless it has them; validate hand-entered ones."""
    year_of = on or timezone.localdate()
    if release.isrc:
        value = isrc_validate(release.isrc)
        if value != release.isrc:
            Release.objects.filter(pk=release.pk).update(isrc=value)
            release.isrc = value
    else:
        _assign(release, "isrc", lambda: _next_isrc(year_of))
    if release.upc:
        value = upc_validate(release.upc)
        if value != release.upc:
            Release.objects.filter(pk=release.pk).update(upc=value)
            release.upc = value
    else:
        _assign(release, "upc", _next_upc)
    return release
