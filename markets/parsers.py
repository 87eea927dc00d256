"""Chart file parsers: Spotify Charts (weekly, daily, pre-2022), YouTube Charts, country x day datasets.

Pure functions of the file's text; nothing touches the database. Every row is checked and a
bad one becomes a `RowError` with its line number (1-based, as an editor shows it) instead of
stopping the file. Rows are plain dataclasses: a 100k-row file is parsed in well under a second.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from kernel.errors import ApplicationError
from markets.features import FEATURE_RANGES, GLOBAL

SPOTIFY_WEEKLY = "spotify-weekly"
SPOTIFY_DAILY = "spotify-daily"
SPOTIFY_LEGACY = "spotify-legacy"
YOUTUBE = "youtube"
DATASET = "dataset"
FORMATS = [SPOTIFY_WEEKLY, SPOTIFY_DAILY, SPOTIFY_LEGACY, YOUTUBE, DATASET]

_SPOTIFY_COLUMNS = ["rank", "uri", "artist_names", "track_name", "source", "peak_rank", "previous_rank"]
SPOTIFY_WEEKLY_HEADER = [*_SPOTIFY_COLUMNS, "weeks_on_chart", "streams"]
SPOTIFY_DAILY_HEADER = [*_SPOTIFY_COLUMNS, "days_on_chart", "streams"]
SPOTIFY_LEGACY_HEADER = ["Position", "Track Name", "Artist", "Streams", "URL"]
YOUTUBE_HEADER = [
    "Rank",
    "Previous Rank",
    "Track Name",
    "Artist Names",
    "Periods on Chart",
    "Views",
    "Growth",
    "YouTube URL",
]
DATASET_REQUIRED = ["spotify_id", "name", "artists", "daily_rank", "country", "snapshot_date"]
DATASET_FEATURES = [
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "time_signature",
]

# regional-br-weekly-2026-09-03.csv; regional-global-daily-2021-05-01.csv; the pre-2022 weekly
# files name the week as a range: regional-us-weekly-2020-01-03--2020-01-10.csv.
_FILE_NAME = re.compile(
    r"(?:^|[-_/])(?P<country>[a-z]{2}|global)[-_](?P<kind>weekly|daily)[-_]"
    r"(?P<date>\d{4}-?\d{2}-?\d{2})(?:--(?P<end>\d{4}-\d{2}-\d{2}))?",
    re.IGNORECASE,
)
_SPOTIFY_URI = re.compile(r"^spotify:track:([A-Za-z0-9]{10,40})$")
_SPOTIFY_URL = re.compile(r"open\.spotify\.com/track/([A-Za-z0-9]{10,40})")
_YOUTUBE_URL = re.compile(r"(?:v=|youtu\.be/|/watch/|/shorts/)([A-Za-z0-9_-]{6,20})")
_MAX_RANK = 100_000


class ChartFileError(ApplicationError):
    """The file as a whole cannot be read: unknown layout, no country or date, not text."""

    status_code = 422
    code = "bad_chart_file"


@dataclass(slots=True)
class RowError:
    line: int
    message: str


@dataclass(slots=True)
class ParsedRow:
    line: int
    key: str
    title: str
    artists: str
    rank: int
    previous_rank: int | None = None
    peak_rank: int | None = None
    periods_on_chart: int | None = None
    plays: int | None = None
    features: dict | None = None


@dataclass
class ParsedChart:
    source: str
    kind: str
    country: str
    chart_date: dt.date
    rows: list[ParsedRow] = field(default_factory=list)


@dataclass
class ParsedFile:
    format: str
    charts: list[ParsedChart]
    errors: list[RowError]
    rows_read: int


@dataclass(frozen=True)
class FileNameFacts:
    country: str | None
    kind: str | None
    chart_date: dt.date | None


def facts_from_file_name(name: str) -> FileNameFacts:
    """Country, kind and chart date from a Spotify-style export name, when it follows the pattern.

    The chart date is the last day the chart covers: the date in the name, or for the
    pre-2022 weekly range `A--B` the day before B (weeks ran Friday to Thursday).
    """
    match = _FILE_NAME.search(name.rsplit("/", 1)[-1])
    if not match:
        return FileNameFacts(None, None, None)
    country = match["country"].upper()
    country = GLOBAL if country == "GLOBAL" else country
    try:
        if match["end"]:
            day = dt.date.fromisoformat(match["end"]) - dt.timedelta(days=1)
        else:
            raw = match["date"].replace("-", "")
            day = dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        return FileNameFacts(country, match["kind"].lower(), None)
    return FileNameFacts(country, match["kind"].lower(), day)


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 with or without a BOM; anything else is refused with the file's name."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ChartFileError(
            f"{name} is not UTF-8 text (byte {exc.start}); export the chart as UTF-8 CSV.",
            extra={"file": name},
        ) from exc


def _norm(cell: str) -> str:
    return cell.strip().lstrip("\ufeff").strip()


def detect_format(header: list[str], first_line: list[str] | None = None) -> str | None:
    """The format whose header this is (or, for the pre-2022 Spotify layout, the line after its note)."""
    columns = [_norm(c) for c in header]
    lowered = [c.lower() for c in columns]
    if lowered[: len(SPOTIFY_WEEKLY_HEADER)] == SPOTIFY_WEEKLY_HEADER:
        return SPOTIFY_WEEKLY
    if lowered[: len(SPOTIFY_DAILY_HEADER)] == SPOTIFY_DAILY_HEADER:
        return SPOTIFY_DAILY
    if columns[:5] == SPOTIFY_LEGACY_HEADER:
        return SPOTIFY_LEGACY
    if columns[: len(YOUTUBE_HEADER)] == YOUTUBE_HEADER:
        return YOUTUBE
    if set(DATASET_REQUIRED) <= set(lowered):
        return DATASET
    if first_line is not None and [_norm(c) for c in first_line][:5] == SPOTIFY_LEGACY_HEADER:
        return SPOTIFY_LEGACY
    return None


def _int(value: str, name: str, *, minimum: int = 0, allow_empty: bool = False) -> int | None:
    text = value.strip().replace(",", "")
    if text in ("", "-", "—") or (allow_empty and text in ("-1", "NEW", "new")):
        if allow_empty:
            return None
        raise ValueError(f"{name} is empty")
    try:
        number = int(float(text)) if "." in text or "e" in text.lower() else int(text)
    except ValueError:
        raise ValueError(f"{name} is not a whole number: {value!r}") from None
    if number < minimum:
        if allow_empty and number == -1:
            return None
        raise ValueError(f"{name} must be at least {minimum}, got {number}")
    return number


def _rank(value: str, name: str = "rank") -> int:
    number = _int(value, name, minimum=1)
    if number > _MAX_RANK:
        raise ValueError(f"{name} {number} is beyond {_MAX_RANK}")
    return number


def _text(value: str, name: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise ValueError(f"{name} is empty")
    return text[:limit]


class _Collector:
    """Rows grouped into charts; a rank seen twice in one chart is the second row's error."""

    def __init__(self, source: str, kind: str | None) -> None:
        self.source = source
        self.kind = kind
        self.charts: dict[tuple[str, str, dt.date], ParsedChart] = {}
        self.ranks: dict[tuple[str, str, dt.date], dict[int, int]] = defaultdict(dict)
        self.errors: list[RowError] = []
        self.rows_read = 0

    def add(self, country: str, kind: str, day: dt.date, row: ParsedRow) -> None:
        chart_key = (country, kind, day)
        seen = self.ranks[chart_key]
        if row.rank in seen:
            self.errors.append(RowError(row.line, f"rank {row.rank} already used on line {seen[row.rank]}"))
            return
        seen[row.rank] = row.line
        chart = self.charts.get(chart_key)
        if chart is None:
            chart = self.charts[chart_key] = ParsedChart(self.source, kind, country, day)
        chart.rows.append(row)

    def error(self, line: int, message: str) -> None:
        self.errors.append(RowError(line, message))


def _rows(text: str, skip: int) -> tuple[list[str], csv.reader]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = []
    for _ in range(skip + 1):
        header = next(reader, [])
    return header, reader


def _require(facts: FileNameFacts, name: str, country: str | None, day: dt.date | None) -> tuple[str, dt.date]:
    country = (country or facts.country or "").upper() or None
    day = day or facts.chart_date
    if not country:
        raise ChartFileError(
            f"Cannot tell the country of {name}: name it like regional-br-weekly-2026-09-03.csv or pass --country.",
            extra={"file": name},
        )
    if not day:
        raise ChartFileError(
            f"Cannot tell the chart date of {name}: name it like regional-br-weekly-2026-09-03.csv or pass --date.",
            extra={"file": name},
        )
    return country, day


def parse_chart_file(
    text: str,
    *,
    name: str,
    fmt: str | None = None,
    country: str | None = None,
    chart_date: dt.date | None = None,
) -> ParsedFile:
    """Parse one chart export. `fmt` forces a layout; `country` and `chart_date` override the file name.

    For the dataset format (many countries and days in one file) they filter instead.
    """
    lines = text.splitlines()
    if not lines or not any(line.strip() for line in lines):
        raise ChartFileError(f"{name} is empty.", extra={"file": name})
    first = next(csv.reader([lines[0]]))
    second = next(csv.reader([lines[1]])) if len(lines) > 1 else None
    detected = detect_format(first, second)
    fmt = fmt or detected
    if fmt not in FORMATS:
        raise ChartFileError(
            f"{name}: unrecognised chart layout (header {', '.join(_norm(c) for c in first[:9])!r}). "
            f"Known formats: {', '.join(FORMATS)}.",
            extra={"file": name, "formats": FORMATS},
        )
    facts = facts_from_file_name(name)
    if fmt == DATASET:
        return _parse_dataset(text, country=country, chart_date=chart_date)
    cc, day = _require(facts, name, country, chart_date)
    if fmt in (SPOTIFY_WEEKLY, SPOTIFY_DAILY):
        return _parse_spotify(text, fmt=fmt, country=cc, day=day)
    if fmt == SPOTIFY_LEGACY:
        legacy_kind = facts.kind or "weekly"
        return _parse_spotify_legacy(text, country=cc, day=day, kind=legacy_kind, note=detected == SPOTIFY_LEGACY)
    return _parse_youtube(text, country=cc, day=day, kind=facts.kind or "weekly")


def _parse_spotify(text: str, *, fmt: str, country: str, day: dt.date) -> ParsedFile:
    kind = "weekly" if fmt == SPOTIFY_WEEKLY else "daily"
    _header, reader = _rows(text, 0)
    out = _Collector("spotify", kind)
    width = len(SPOTIFY_WEEKLY_HEADER)
    for cells in reader:
        line = reader.line_num
        if len(cells) <= 1 and not "".join(cells).strip():
            continue
        out.rows_read += 1
        if len(cells) < width:
            out.error(line, f"expected {width} columns, found {len(cells)}")
            continue
        try:
            uri = cells[1].strip()
            match = _SPOTIFY_URI.match(uri)
            if not match:
                raise ValueError(f"uri is not a Spotify track URI: {uri!r}")
            row = ParsedRow(
                line=line,
                key=f"spotify:{match[1]}",
                title=_text(cells[3], "track_name", 300),
                artists=_text(cells[2], "artist_names", 500),
                rank=_rank(cells[0]),
                peak_rank=_int(cells[5], "peak_rank", minimum=1, allow_empty=True),
                previous_rank=_int(cells[6], "previous_rank", minimum=1, allow_empty=True),
                periods_on_chart=_int(
                    cells[7], "weeks_on_chart" if kind == "weekly" else "days_on_chart", allow_empty=True
                ),
                plays=_int(cells[8], "streams"),
            )
        except ValueError as exc:
            out.error(line, str(exc))
            continue
        out.add(country, kind, day, row)
    return ParsedFile(fmt, list(out.charts.values()), out.errors, out.rows_read)


def _parse_spotify_legacy(text: str, *, country: str, day: dt.date, kind: str, note: bool) -> ParsedFile:
    # The pre-2022 exports start with a note line (",,,\"Note that these figures...\",") before the header.
    _header, reader = _rows(text, 1 if note else 0)
    out = _Collector("spotify", kind)
    for cells in reader:
        line = reader.line_num
        if len(cells) <= 1 and not "".join(cells).strip():
            continue
        out.rows_read += 1
        if len(cells) < 5:
            out.error(line, f"expected 5 columns, found {len(cells)}")
            continue
        try:
            url = cells[4].strip()
            match = _SPOTIFY_URL.search(url)
            if not match:
                raise ValueError(f"URL is not a Spotify track link: {url!r}")
            row = ParsedRow(
                line=line,
                key=f"spotify:{match[1]}",
                title=_text(cells[1], "Track Name", 300),
                artists=_text(cells[2], "Artist", 500),
                rank=_rank(cells[0], "Position"),
                plays=_int(cells[3], "Streams"),
            )
        except ValueError as exc:
            out.error(line, str(exc))
            continue
        out.add(country, kind, day, row)
    return ParsedFile(SPOTIFY_LEGACY, list(out.charts.values()), out.errors, out.rows_read)


def _parse_youtube(text: str, *, country: str, day: dt.date, kind: str) -> ParsedFile:
    _header, reader = _rows(text, 0)
    out = _Collector("youtube", kind)
    for cells in reader:
        line = reader.line_num
        if len(cells) <= 1 and not "".join(cells).strip():
            continue
        out.rows_read += 1
        if len(cells) < len(YOUTUBE_HEADER):
            out.error(line, f"expected {len(YOUTUBE_HEADER)} columns, found {len(cells)}")
            continue
        try:
            url = cells[7].strip()
            match = _YOUTUBE_URL.search(url)
            if not match:
                raise ValueError(f"YouTube URL has no video id: {url!r}")
            row = ParsedRow(
                line=line,
                key=f"youtube:{match[1]}",
                title=_text(cells[2], "Track Name", 300),
                artists=_text(cells[3], "Artist Names", 500),
                rank=_rank(cells[0], "Rank"),
                previous_rank=_int(cells[1], "Previous Rank", minimum=1, allow_empty=True),
                periods_on_chart=_int(cells[4], "Periods on Chart", allow_empty=True),
                plays=_int(cells[5], "Views"),
            )
        except ValueError as exc:
            out.error(line, str(exc))
            continue
        out.add(country, kind, day, row)
    return ParsedFile(YOUTUBE, list(out.charts.values()), out.errors, out.rows_read)


def _feature_values(cells: list[str], index: dict[str, int]) -> dict:
    values: dict = {}
    for feature in DATASET_FEATURES:
        position = index.get(feature)
        if position is None or position >= len(cells) or not cells[position].strip():
            continue
        raw = cells[position].strip()
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"{feature} is not a number: {raw!r}") from None
        if number != number:  # NaN
            continue
        if feature == "key":
            if number == -1:  # Spotify's "no key detected"
                continue
            if number not in range(12):
                raise ValueError(f"key must be a pitch class 0-11 (or -1), got {raw}")
            values["key"] = int(number)
        elif feature == "mode":
            if number not in (0, 1):
                raise ValueError(f"mode must be 0 or 1, got {raw}")
            values["mode"] = int(number)
        elif feature == "time_signature":
            if not 1 <= number <= 12:
                raise ValueError(f"time_signature must be 1-12, got {raw}")
            values["time_signature"] = int(number)
        else:
            low, high = FEATURE_RANGES[feature]
            if feature == "tempo" and number == 0:  # no tempo detected
                continue
            if not low <= number <= high:
                raise ValueError(f"{feature} must be within {low:g}..{high:g}, got {raw}")
            values[feature] = number
    return values


def _cached_features(cache: dict[str, dict | str], spotify_id: str, cells: list[str], index: dict[str, int]):
    """The features of this row's track, parsed on its first row; a bad value is every such row's error."""
    known = cache.get(spotify_id)
    if known is None:
        try:
            known = cache[spotify_id] = _feature_values(cells, index)
        except ValueError as exc:
            known = cache[spotify_id] = str(exc)
    if isinstance(known, str):
        raise ValueError(known)
    return known or None


def _parse_dataset(text: str, *, country: str | None, chart_date: dt.date | None) -> ParsedFile:
    header, reader = _rows(text, 0)
    index = {_norm(name).lower(): position for position, name in enumerate(header)}
    out = _Collector("dataset", "daily")
    wanted_country = country.upper() if country else None
    width = max(index[name] for name in DATASET_REQUIRED) + 1
    days: dict[str, dt.date] = {}
    # A track's feature columns repeat on every day it charts: parse them once per id.
    parsed_features: dict[str, dict | str] = {}
    for cells in reader:
        line = reader.line_num
        if len(cells) <= 1 and not "".join(cells).strip():
            continue
        out.rows_read += 1
        if len(cells) < width:
            out.error(line, f"expected {len(header)} columns, found {len(cells)}")
            continue
        try:
            cc = cells[index["country"]].strip().upper() or GLOBAL
            if len(cc) != 2 and cc != GLOBAL:
                raise ValueError(f"country is not an ISO 3166-1 alpha-2 code: {cc!r}")
            raw_day = cells[index["snapshot_date"]].strip()
            day = days.get(raw_day)
            if day is None:
                try:
                    day = days[raw_day] = dt.date.fromisoformat(raw_day)
                except ValueError:
                    raise ValueError(f"snapshot_date is not a YYYY-MM-DD date: {raw_day!r}") from None
            if (wanted_country and cc != wanted_country) or (chart_date and day != chart_date):
                out.rows_read -= 1
                continue
            spotify_id = cells[index["spotify_id"]].strip()
            if not re.fullmatch(r"[A-Za-z0-9]{10,40}", spotify_id):
                raise ValueError(f"spotify_id is not a Spotify id: {spotify_id!r}")
            row = ParsedRow(
                line=line,
                key=f"spotify:{spotify_id}",
                title=_text(cells[index["name"]], "name", 300),
                artists=_text(cells[index["artists"]], "artists", 500),
                rank=_rank(cells[index["daily_rank"]], "daily_rank"),
                features=_cached_features(parsed_features, spotify_id, cells, index),
            )
        except ValueError as exc:
            out.error(line, str(exc))
            continue
        out.add(cc, "daily", day, row)
    return ParsedFile(DATASET, list(out.charts.values()), out.errors, out.rows_read)
