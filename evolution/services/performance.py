"""Import performance after release (CSV, JSON, JSON Lines), matched to releases by ISRC or UPC.

Re-importing a file is idempotent: one row per (release, platform, date, country) is kept
and updated in place. A bad row is refused with its line number; the good rows are kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from stdnum import ean, isrc
from stdnum.exceptions import ValidationError as StdnumError

from evolution.models import PerformanceImport, PerformanceRecord
from kernel.actors import Channel
from kernel.errors import ApplicationError
from releases.models import Release

METRICS = ("streams", "listeners", "saves", "playlist_adds")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_ROWS = 200_000


class PerformanceRow(BaseModel):
    """One row as a distributor report gives it: an identifier, where, when and the counts."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    isrc: str = ""
    upc: str = ""
    platform: str = Field(min_length=1, max_length=40)
    date: dt.date
    country: str = ""
    streams: int = Field(default=0, ge=0)
    listeners: int = Field(default=0, ge=0)
    saves: int = Field(default=0, ge=0)
    playlist_adds: int = Field(default=0, ge=0)

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        return re.sub(r"[\s-]+", "_", value.lower())

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.upper()
        if value in ("", "WW", "GLOBAL", "WORLDWIDE"):
            return ""
        if not COUNTRY.match(value):
            raise ValueError(f"not an ISO 3166-1 alpha-2 country code: {value!r}")
        return value

    @field_validator("isrc")
    @classmethod
    def _isrc(cls, value: str) -> str:
        if not value:
            return ""
        try:
            return isrc.validate(value)
        except StdnumError as exc:
            raise ValueError(f"{value!r} is not a valid ISRC: {exc.message}") from exc

    @field_validator("upc")
    @classmethod
    def _upc(cls, value: str) -> str:
        if not value:
            return ""
        compact = ean.compact(value)
        compact = "0" + compact if len(compact) == 12 else compact
        try:
            if len(compact) != 13:
                raise ValueError(f"{value!r} is not a valid UPC/EAN-13: it needs 12 or 13 digits")
            return ean.validate(compact)
        except StdnumError as exc:
            raise ValueError(f"{value!r} is not a valid UPC/EAN-13: {exc.message}") from exc

    @model_validator(mode="after")
    def _identified(self) -> PerformanceRow:
        if not self.isrc and not self.upc:
            raise ValueError("needs an isrc or a upc")
        return self


@dataclass
class ImportReport:
    """What an import did; `errors` name each refused row by its line."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    record: PerformanceImport | None = None

    @property
    def skipped(self) -> int:
        return len(self.errors)

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped"


def _error_text(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def parse_csv(text: str) -> list[tuple[int, dict[str, Any]]]:
    """(line number, raw row) pairs; the header is line 1. Empty values count as absent."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ApplicationError("The CSV file is empty.")
    headers = [name.strip().lower() for name in reader.fieldnames]
    if "platform" not in headers or "date" not in headers or not ({"isrc", "upc"} & set(headers)):
        raise ApplicationError(
            "The CSV header needs platform, date and isrc or upc columns.", {"header": reader.fieldnames}
        )
    reader.fieldnames = headers
    rows = []
    for row in reader:
        values = {key: (value or "").strip() for key, value in row.items() if key is not None}
        if not any(values.values()):
            continue
        rows.append((reader.line_num, {key: value for key, value in values.items() if value != ""}))
    return rows


def parse_json(text: str) -> list[tuple[int, Any]]:
    """(line number, item) pairs from a JSON array, {"rows": [...]}, or JSON Lines."""
    stripped = text.lstrip()
    if not stripped:
        raise ApplicationError("The JSON document is empty.")
    if stripped[0] not in "[{":
        raise ApplicationError('Performance JSON is an array of rows, {"rows": [...]}, or one object per line.')
    decoder = json.JSONDecoder()
    start = len(text) - len(stripped)
    if stripped[0] == "{":
        try:
            document, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            raise ApplicationError(f"Line {exc.lineno}: not valid JSON ({exc.msg}).") from exc
        if text[end:].strip():
            return _parse_lines(text)  # several objects: JSON Lines
        if isinstance(document, dict) and isinstance(document.get("rows"), list):
            array_start = text.index("[", start)
            return _parse_array(text, array_start)
        return [(text.count("\n", 0, start) + 1, document)]
    return _parse_array(text, start)


def _parse_array(text: str, position: int) -> list[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    items: list[tuple[int, Any]] = []
    position += 1  # past "["
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text):
            raise ApplicationError("The JSON array is not closed.")
        if text[position] == "]":
            return items
        try:
            item, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise ApplicationError(f"Line {exc.lineno}: not valid JSON ({exc.msg}).") from exc
        items.append((text.count("\n", 0, position) + 1, item))
        position = end


def _parse_lines(text: str) -> list[tuple[int, Any]]:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            items.append((number, exc))
    return items


def detect_format(file_name: str, text: str) -> str:
    name = file_name.lower()
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".csv"):
        return "csv"
    return "json" if text.lstrip()[:1] in ("[", "{") else "csv"


def _release_index(rows: list[PerformanceRow]) -> tuple[dict[str, Release], dict[str, Release]]:
    isrcs = {row.isrc for row in rows if row.isrc}
    upcs = {row.upc for row in rows if row.upc}
    releases = Release.objects.filter(isrc__in=isrcs) | Release.objects.filter(upc__in=upcs)
    by_isrc, by_upc = {}, {}
    for release in releases.only("id", "artist_id", "isrc", "upc"):
        if release.isrc:
            by_isrc[release.isrc] = release
        if release.upc:
            by_upc[release.upc] = release
    return by_isrc, by_upc


def performance_import(
    *,
    text: str | None = None,
    rows: list[Any] | None = None,
    file_name: str = "upload",
    format: str | None = None,
    channel: str = Channel.API,
    user: AbstractBaseUser | None = None,
) -> ImportReport:
    """Validate every row, match it to a release, and upsert it; refused rows are reported by line.

    Give `text` (a file's content; lines are file lines) or `rows` (already decoded objects, e.g. an
    API body; a row's "line" is then its position, 1 for the first).
    """
    if rows is not None:
        fmt, raw = "json", list(enumerate(rows, start=1))
    elif text is not None:
        fmt = format or detect_format(file_name, text)
        if fmt not in ("csv", "json", "jsonl"):
            raise ApplicationError(f"Unknown performance format {fmt!r}; use csv, json or jsonl.")
        raw = parse_csv(text) if fmt == "csv" else parse_json(text) if fmt == "json" else _parse_lines(text)
    else:
        raise ApplicationError("Nothing to import: give a file or rows.")
    if len(raw) > MAX_ROWS:
        raise ApplicationError(f"At most {MAX_ROWS} rows per import; split the file.", {"rows": len(raw)})
    report = ImportReport()
    valid: list[tuple[int, PerformanceRow]] = []
    for line, item in raw:
        if isinstance(item, Exception):
            report.errors.append({"line": line, "message": f"not valid JSON ({item})"})
            continue
        if not isinstance(item, dict):
            report.errors.append({"line": line, "message": "a row must be an object"})
            continue
        try:
            valid.append((line, PerformanceRow.model_validate(item)))
        except ValidationError as exc:
            report.errors.append({"line": line, "message": _error_text(exc)})
    by_isrc, by_upc = _release_index([row for _, row in valid])
    matched: dict[tuple[int, str, dt.date, str], tuple[int, Release, PerformanceRow]] = {}
    for line, row in valid:
        release = by_isrc.get(row.isrc) if row.isrc else None
        release_by_upc = by_upc.get(row.upc) if row.upc else None
        if row.isrc and release is None:
            report.errors.append({"line": line, "message": f"no release has ISRC {row.isrc}"})
            continue
        if row.upc and release_by_upc is None:
            report.errors.append({"line": line, "message": f"no release has UPC {row.upc}"})
            continue
        if release is not None and release_by_upc is not None and release.pk != release_by_upc.pk:
            report.errors.append(
                {"line": line, "message": f"ISRC {row.isrc} and UPC {row.upc} belong to different releases"}
            )
            continue
        release = release or release_by_upc
        key = (release.pk, row.platform, row.date, row.country)
        if key in matched:
            duplicate = f"the same release, platform, date and country as line {matched[key][0]}"
            report.errors.append({"line": line, "message": duplicate})
            continue
        matched[key] = (line, release, row)
    with transaction.atomic():
        record = PerformanceImport.objects.create(
            file_name=file_name[:255],
            format=fmt,
            channel=channel,
            user=user if user is not None and user.is_authenticated else None,
        )
        _upsert(matched, record, report)
        report.errors.sort(key=lambda error: error["line"])
        record.rows_created, record.rows_updated = report.created, report.updated
        record.rows_unchanged, record.rows_skipped, record.errors = report.unchanged, report.skipped, report.errors
        record.save(update_fields=["rows_created", "rows_updated", "rows_unchanged", "rows_skipped", "errors"])
    report.record = record
    return report


def _upsert(
    matched: dict[tuple[int, str, dt.date, str], tuple[int, Release, PerformanceRow]],
    record: PerformanceImport,
    report: ImportReport,
) -> None:
    if not matched:
        return
    release_ids = {key[0] for key in matched}
    dates = [key[2] for key in matched]
    existing = {
        (row.release_id, row.platform, row.date, row.country): row
        for row in PerformanceRecord.objects.filter(
            release_id__in=release_ids, date__gte=min(dates), date__lte=max(dates)
        )
    }
    to_create, to_update = [], []
    for key, (_line, release, row) in matched.items():
        values = {metric: getattr(row, metric) for metric in METRICS}
        current = existing.get(key)
        if current is None:
            to_create.append(
                PerformanceRecord(
                    release_id=release.pk,
                    artist_id=release.artist_id,
                    platform=row.platform,
                    date=row.date,
                    country=row.country,
                    last_import=record,
                    **values,
                )
            )
        elif any(getattr(current, metric) != value for metric, value in values.items()):
            for metric, value in values.items():
                setattr(current, metric, value)
            current.last_import = record
            current.updated_at = timezone.now()  # bulk_update does not apply auto_now
            to_update.append(current)
        else:
            report.unchanged += 1
    PerformanceRecord.objects.bulk_create(to_create, batch_size=1000)
    PerformanceRecord.objects.bulk_update(to_update, [*METRICS, "last_import", "updated_at"], batch_size=1000)
    report.created, report.updated = len(to_create), len(to_update)
