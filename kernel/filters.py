"""Query filters that refuse what the database would choke on, with a 400 instead of a 500.

PostgreSQL accepts UTC offsets up to ±15:59; Python parses up to ±23:59, so
`created_after=2026-01-01T00:00:00+16:00` used to reach the database and fail there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import django_filters
from django import forms
from django.db import models
from django_filters import rest_framework as drf_filters
from django_filters.fields import IsoDateTimeField

MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


class BoundedIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 date-time with an offset the database accepts, returned in UTC."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or not isinstance(parsed, datetime) or parsed.tzinfo is None:
            return parsed
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError("The UTC offset must be between -15:59 and +15:59.", code="invalid")
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError("The date is out of range.", code="invalid") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class FilterSet(drf_filters.FilterSet):
    """The FilterSet every API filter derives from (also for `filterset_fields` shortcuts)."""

    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
    }


class FilterBackend(drf_filters.DjangoFilterBackend):
    filterset_base = FilterSet
