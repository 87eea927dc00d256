"""Chart import: parse a file, then write each chart all-or-nothing, idempotently.

A chart is identified by (source, kind, country, date). Re-importing the same rows changes
nothing (the checksum of the normalised rows matches); importing different rows for the same
chart replaces its entries in one transaction. Rows that cannot be read are skipped and
reported with their line numbers; a chart with no readable row is not written at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kernel.errors import ApplicationError
from kernel.locks import exclusive
from markets.features import FEATURES
from markets.models import Chart, ChartEntry, ChartImport, ChartTrack, TrackFeatures
from markets.parsers import ParsedChart, ParsedRow, RowError, decode_text, parse_chart_file
from markets.services.bulk import insert_many
from markets.services.profiles import profiles_rebuild

logger = logging.getLogger(__name__)

_CHUNK = 500
_MAX_STORED_ERRORS = 1000
_FEATURE_COLUMNS = [*FEATURES, "key", "mode", "time_signature"]


class ChartFileTooLarge(ApplicationError):
    status_code = 413
    code = "too_large"


@dataclass
class ChartOutcome:
    """What happened to one chart of the file."""

    source: str
    kind: str
    country: str
    chart_date: dt.date
    status: str  # created, replaced, unchanged
    rows: int


@dataclass
class ImportReport:
    """The result of importing one file, as shown by the command, the form and the API."""

    file_name: str
    format: str
    charts: list[ChartOutcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    import_id: int | None = None

    @property
    def rows_imported(self) -> int:
        return sum(chart.rows for chart in self.charts if chart.status != "unchanged")

    @property
    def rows_skipped(self) -> int:
        return len(self.errors)

    def count(self, status: str) -> int:
        return sum(1 for chart in self.charts if chart.status == status)

    def as_dict(self) -> dict:
        return {
            "import_id": self.import_id,
            "file_name": self.file_name,
            "format": self.format,
            "charts_created": self.count("created"),
            "charts_replaced": self.count("replaced"),
            "charts_unchanged": self.count("unchanged"),
            "rows_read": self.rows_read,
            "rows_imported": self.rows_imported,
            "rows_skipped": self.rows_skipped,
            "charts": [
                {
                    "source": c.source,
                    "kind": c.kind,
                    "country": c.country,
                    "chart_date": c.chart_date.isoformat(),
                    "status": c.status,
                    "rows": c.rows,
                }
                for c in self.charts
            ],
            "errors": [{"line": e.line, "message": e.message} for e in self.errors[:_MAX_STORED_ERRORS]],
        }

    def touched(self) -> set[tuple[str, dt.date]]:
        """(country, chart date) of every chart that changed: what the profiles must be rebuilt for."""
        return {(c.country, c.chart_date) for c in self.charts if c.status != "unchanged"}


def _checksum(rows: list[ParsedRow]) -> str:
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r.rank):
        digest.update(
            f"{row.rank}|{row.key}|{row.previous_rank}|{row.peak_rank}|{row.periods_on_chart}|{row.plays}\n".encode()
        )
    return digest.hexdigest()


def tracks_resolve(rows: Iterable[ParsedRow], *, genres: dict[str, str] | None = None) -> dict[str, int]:
    """Track ids for the rows' keys, creating the tracks never seen before (in bulk).

    Tracks are reference data shared by every chart, so they are written before (and outside)
    the charts' own transactions; a chart that fails leaves at most unused track rows.
    """
    wanted: dict[str, ParsedRow] = {}
    for row in rows:
        wanted.setdefault(row.key, row)
    keys = list(wanted)
    ids: dict[str, int] = {}
    for start in range(0, len(keys), _CHUNK):
        ids.update(ChartTrack.objects.filter(key__in=keys[start : start + _CHUNK]).values_list("key", "id"))
    missing = [key for key in keys if key not in ids]
    genres = genres or {}
    now = timezone.now()
    # Plain INSERTs (SQLite and PostgreSQL both speak ON CONFLICT): building a model instance per
    # row costs more than the database's own work at 100k rows. A concurrent import may have
    # created the same track; the conflict clause keeps its row.
    insert_many(
        ChartTrack,
        ["key", "title", "artists", "genre", "preview_url", "apple_id", "preview_error", "created_at"],
        [(k, wanted[k].title, wanted[k].artists, genres.get(k, ""), "", "", "", now) for k in missing],
        ignore_conflicts=True,
    )
    for start in range(0, len(missing), _CHUNK):
        ids.update(ChartTrack.objects.filter(key__in=missing[start : start + _CHUNK]).values_list("key", "id"))
    if genres:
        _genres_fill(ids, genres)
    return ids


def _genres_fill(ids: dict[str, int], genres: dict[str, str]) -> None:
    """Give a genre to tracks that have none (a source that knows genres fills what another left empty)."""
    by_genre: dict[str, list[int]] = {}
    for key, genre in genres.items():
        if genre and key in ids:
            by_genre.setdefault(genre, []).append(ids[key])
    for genre, track_ids in by_genre.items():
        for start in range(0, len(track_ids), _CHUNK):
            ChartTrack.objects.filter(pk__in=track_ids[start : start + _CHUNK], genre="").update(genre=genre)


def features_store(values_by_track: dict[int, dict], *, source: str) -> int:
    """Create or update features; imported values replace measured ones, never the reverse. Returns rows changed.

    One writer at a time: an import and a preview's measurement that meet would otherwise each
    decide from a read the other has made stale (the measurement overwriting an import, or an
    import's insert dropped beside the measurement's)."""
    with exclusive("markets.features"):
        return _features_store(values_by_track, source=source)


def _features_store(values_by_track: dict[int, dict], *, source: str) -> int:
    track_ids = list(values_by_track)
    existing: dict[int, TrackFeatures] = {}
    for start in range(0, len(track_ids), _CHUNK):
        for features in TrackFeatures.objects.filter(track_id__in=track_ids[start : start + _CHUNK]):
            existing[features.track_id] = features
    create: list[tuple] = []
    update: list[TrackFeatures] = []
    now = timezone.now()
    for track_id, values in values_by_track.items():
        current = existing.get(track_id)
        row = {name: values.get(name) for name in _FEATURE_COLUMNS}
        if current is None:
            create.append((track_id, source, *row.values(), "", "", now))
            continue
        if current.source == TrackFeatures.Source.IMPORTED and source != TrackFeatures.Source.IMPORTED:
            continue
        if current.source == source and all(getattr(current, name) == value for name, value in row.items()):
            continue
        current.source = source
        for name, value in row.items():
            setattr(current, name, value)
        update.append(current)
    columns = ["track_id", "source", *_FEATURE_COLUMNS, "preview_source", "analyzer_version", "updated_at"]
    insert_many(TrackFeatures, columns, create, ignore_conflicts=True)
    if update:
        TrackFeatures.objects.bulk_update(update, ["source", *_FEATURE_COLUMNS], batch_size=_CHUNK)
    return len(create) + len(update)


def chart_write(parsed: ParsedChart, track_ids: dict[str, int], *, file_name: str = "") -> ChartOutcome:
    """Write one chart in one transaction: created, replaced (different rows) or unchanged (same rows)."""
    checksum = _checksum(parsed.rows)
    lookup = {"source": parsed.source, "kind": parsed.kind, "country": parsed.country, "chart_date": parsed.chart_date}
    for attempt in range(2):
        try:
            with transaction.atomic():
                chart = Chart.objects.select_for_update().filter(**lookup).first()
                if chart is not None and chart.checksum == checksum:
                    return ChartOutcome(**lookup, status="unchanged", rows=len(parsed.rows))
                if chart is None:
                    chart = Chart.objects.create(
                        **lookup, size=len(parsed.rows), checksum=checksum, file_name=file_name[:255]
                    )
                    status = "created"
                else:
                    chart.entries.all().delete()
                    chart.size, chart.checksum, chart.file_name = len(parsed.rows), checksum, file_name[:255]
                    chart.save(update_fields=["size", "checksum", "file_name", "updated_at"])
                    status = "replaced"
                insert_many(
                    ChartEntry,
                    ["chart_id", "track_id", "rank", "previous_rank", "peak_rank", "periods_on_chart", "plays"],
                    [
                        (
                            chart.pk,
                            track_ids[row.key],
                            row.rank,
                            row.previous_rank,
                            row.peak_rank,
                            row.periods_on_chart,
                            row.plays,
                        )
                        for row in parsed.rows
                    ],
                )
                return ChartOutcome(**lookup, status=status, rows=len(parsed.rows))
        except IntegrityError:
            # Another import created the same chart between our read and our insert: read it again.
            if attempt:
                raise
    raise AssertionError("unreachable")


def charts_store(
    charts: list[ParsedChart], *, file_name: str = "", genres: dict[str, str] | None = None, feature_source: str = ""
) -> list[ChartOutcome]:
    """Tracks, features, then each chart on its own: the persistence step shared by imports, pulls and the demo."""
    all_rows = [row for chart in charts for row in chart.rows]
    track_ids = tracks_resolve(all_rows, genres=genres)
    with_features = {track_ids[row.key]: row.features for row in all_rows if row.features}
    if with_features:
        features_store(with_features, source=feature_source or TrackFeatures.Source.IMPORTED)
    return [chart_write(chart, track_ids, file_name=file_name) for chart in charts if chart.rows]


def charts_import(
    *,
    raw: bytes,
    name: str,
    fmt: str | None = None,
    country: str | None = None,
    chart_date: dt.date | None = None,
    user=None,
    channel: str = "cli",
    rebuild: bool = True,
) -> ImportReport:
    """Import one chart file; then (by default) rebuild the profiles of the periods it changed."""
    limit = settings.MARKETS_IMPORT_MAX_BYTES
    if len(raw) > limit:
        raise ChartFileTooLarge(
            f"{name} is {len(raw)} bytes; the limit is {limit} (MARKETS_IMPORT_MAX_BYTES).",
            extra={"file": name, "limit": limit},
        )
    parsed = parse_chart_file(decode_text(raw, name), name=name, fmt=fmt, country=country, chart_date=chart_date)
    report = ImportReport(file_name=name, format=parsed.format, errors=parsed.errors, rows_read=parsed.rows_read)
    report.charts = charts_store(parsed.charts, file_name=name)
    log = ChartImport.objects.create(
        file_name=name[:255],
        format=parsed.format,
        user=user if getattr(user, "pk", None) else None,
        channel=channel,
        charts_created=report.count("created"),
        charts_replaced=report.count("replaced"),
        charts_unchanged=report.count("unchanged"),
        rows_imported=report.rows_imported,
        rows_skipped=report.rows_skipped,
        errors=report.as_dict()["errors"],
    )
    report.import_id = log.pk
    if rebuild and report.touched():
        profiles_rebuild(touched=report.touched())
    return report
