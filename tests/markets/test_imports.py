"""Chart import: each format, idempotent, all-or-nothing per chart, bad rows reported by line."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from markets.models import Chart, ChartEntry, ChartImport, ChartTrack, CountryProfile, MarketTrend, TrackFeatures
from markets.parsers import ChartFileError, facts_from_file_name
from markets.services.imports import ChartFileTooLarge, charts_import
from tests.markets import samples

pytestmark = pytest.mark.django_db


def _import(text: str, name: str, **kwargs):
    return charts_import(raw=text.encode(), name=name, **kwargs)


def _state():
    return (
        list(Chart.objects.order_by("pk").values_list("pk", "checksum", "size", "updated_at")),
        list(ChartEntry.objects.order_by("pk").values_list("pk", "chart_id", "track_id", "rank", "plays")),
        list(TrackFeatures.objects.order_by("pk").values_list("pk", "energy", "updated_at")),
        ChartTrack.objects.count(),
        list(CountryProfile.objects.order_by("pk").values_list("pk", "built_at")),
    )


@pytest.mark.parametrize(
    ("text", "name", "fmt", "charts", "rows"),
    [
        (samples.SPOTIFY_WEEKLY, "regional-br-weekly-2026-09-03.csv", "spotify-weekly", 1, 3),
        (samples.SPOTIFY_DAILY, "regional-br-daily-2026-09-03.csv", "spotify-daily", 1, 2),
        (samples.SPOTIFY_LEGACY, "regional-global-weekly-2020-01-03--2020-01-10.csv", "spotify-legacy", 1, 2),
        (samples.YOUTUBE, "youtube-charts-kr-weekly-20240104.csv", "youtube", 1, 2),
        (samples.DATASET, "universal_top_spotify_songs.csv", "dataset", 3, 4),
    ],
)
def test_each_format_imports_once_and_a_second_import_changes_nothing(text, name, fmt, charts, rows):
    first = _import(text, name)
    assert first.format == fmt
    assert (first.count("created"), first.rows_imported, first.errors) == (charts, rows, [])
    before = _state()
    second = _import(text, name)
    assert (second.count("created"), second.count("unchanged"), second.rows_imported) == (0, charts, 0)
    assert _state() == before
    assert ChartImport.objects.count() == 2


def test_country_and_date_come_from_spotify_file_names():
    assert facts_from_file_name("regional-br-weekly-2026-09-03.csv").country == "BR"
    assert facts_from_file_name("regional-br-weekly-2026-09-03.csv").chart_date == dt.date(2026, 9, 3)
    legacy = facts_from_file_name("regional-global-weekly-2020-01-03--2020-01-10.csv")
    assert (legacy.country, legacy.kind, legacy.chart_date) == ("GLOBAL", "weekly", dt.date(2020, 1, 9))
    report = _import(samples.SPOTIFY_WEEKLY, "regional-br-weekly-2026-09-03.csv")
    chart = Chart.objects.get()
    assert (chart.source, chart.kind, chart.country, chart.chart_date) == (
        "spotify",
        "weekly",
        "BR",
        dt.date(2026, 9, 3),
    )
    assert report.touched() == {("BR", dt.date(2026, 9, 3))}
    entry = chart.entries.get(rank=3)
    assert (entry.previous_rank, entry.peak_rank, entry.periods_on_chart, entry.plays) == (None, 3, 1, 990120)
    assert entry.track.artists == "Taylor Swift" and entry.track.key == "spotify:1BxfuPKGuaTgP7aM0Bbdwr"
    two = chart.entries.get(rank=2).track
    assert two.artists == "Henrique & Juliano, Marília Mendonça"


def test_dataset_keeps_its_feature_columns_marked_as_imported():
    _import(samples.DATASET, "top_songs.csv")
    assert set(Chart.objects.values_list("country", "chart_date")) == {
        ("GLOBAL", dt.date(2024, 10, 1)),
        ("BR", dt.date(2024, 10, 1)),
        ("BR", dt.date(2024, 10, 2)),
    }
    features = TrackFeatures.objects.get(track__key="spotify:2plbrEY59IikOBgBGLjaoe")
    assert features.source == "imported"
    assert (features.energy, features.key, features.mode, features.tempo, features.liveness) == (
        0.592,
        6,
        0,
        157.969,
        0.122,
    )
    profile = CountryProfile.objects.get(country="BR", genre="", period="week")
    assert profile.entries == 2 and profile.measured_share == 1.0
    assert profile.features["energy"]["mean"] == pytest.approx((0.592 + 0.507) / 2)


def test_override_country_and_date_for_files_without_them():
    with pytest.raises(ChartFileError, match="pass --country"):
        _import(samples.YOUTUBE, "chart.csv")
    report = _import(samples.YOUTUBE, "chart.csv", country="kr", chart_date=dt.date(2024, 1, 4))
    assert report.count("created") == 1
    assert Chart.objects.get().country == "KR"


def test_malformed_rows_are_skipped_with_their_line_numbers():
    text = (
        "rank,uri,artist_names,track_name,source,peak_rank,previous_rank,weeks_on_chart,streams\n"
        "1,spotify:track:0V3wPSX9ygBnCm8psDIegu,Ana Castela,Nosso Quadro,Agro,1,2,14,1853290\n"
        "two,spotify:track:4xkOaSrkexMciUUogZKVTS,Henrique,Tudo Ok,Som Livre,1,1,30,1720043\n"
        "3,not-a-uri,Someone,Song,Label,3,3,1,100\n"
        "4,spotify:track:1BxfuPKGuaTgP7aM0Bbdwr,Taylor Swift,Cruel Summer\n"
        "1,spotify:track:2plbrEY59IikOBgBGLjaoe,Lady Gaga,Die With A Smile,Interscope,1,1,2,500\n"
        "5,spotify:track:6dOtVTDdiauQNBQEDOtlAB,Billie Eilish,,Interscope,5,5,2,400\n"
        "6,spotify:track:3rUGC1vUpkDG9CZFHMur1t,Artist,Song,Label,6,6,2,-5\n"
        "7,spotify:track:5XeFesFbtLpXzIVDNQP22n,Artist,Another,Label,7,7,2,700\n"
    )
    report = _import(text, "regional-de-weekly-2026-09-03.csv")
    assert [(e.line, e.message) for e in report.errors] == [
        (3, "rank is not a whole number: 'two'"),
        (4, "uri is not a Spotify track URI: 'not-a-uri'"),
        (5, "expected 9 columns, found 4"),
        (6, "rank 1 already used on line 2"),
        (7, "track_name is empty"),
        (8, "streams must be at least 0, got -5"),
    ]
    assert sorted(ChartEntry.objects.values_list("rank", flat=True)) == [1, 7]
    log = ChartImport.objects.get()
    assert (log.rows_imported, log.rows_skipped) == (2, 6)
    assert log.errors[0] == {"line": 3, "message": "rank is not a whole number: 'two'"}


def test_dataset_rows_with_bad_features_are_reported():
    text = samples.DATASET_HEADER + (
        "2plbrEY59IikOBgBGLjaoe,Song,Artist,1,0,0,US,2024-10-01,1,False,1,A,2024-01-01,1.7,0.5,6,-7,0,0.03,0.3,0,0.1,0.5,120,4\n"
        "6dOtVTDdiauQNBQEDOtlAB,Song,Artist,2,0,0,US,2024-13-01,1,False,1,A,2024-01-01,0.7,0.5,6,-7,0,0.03,0.3,0,0.1,0.5,120,4\n"
        "6dOtVTDdiauQNBQEDOtlAB,Song,Artist,2,0,0,US,2024-10-01,1,False,1,A,2024-01-01,0.7,0.5,13,-7,0,0.03,0.3,0,0.1,0.5,120,4\n"
        "5XeFesFbtLpXzIVDNQP22n,Song,Artist,3,0,0,US,2024-10-01,1,False,1,A,2024-01-01,0.7,0.5,-1,-7,0,0.03,0.3,0,0.1,0.5,120,4\n"
    )
    report = _import(text, "dataset.csv")
    assert [(e.line, e.message) for e in report.errors] == [
        (2, "danceability must be within 0..1, got 1.7"),
        (3, "snapshot_date is not a YYYY-MM-DD date: '2024-13-01'"),
        (4, "key must be a pitch class 0-11 (or -1), got 13"),
    ]
    assert TrackFeatures.objects.get().key is None  # -1 means "no key detected"


def test_a_changed_chart_replaces_its_entries_in_one_piece():
    _import(samples.SPOTIFY_WEEKLY, "regional-br-weekly-2026-09-03.csv")
    changed = samples.SPOTIFY_WEEKLY.replace("990120", "990121")
    report = _import(changed, "regional-br-weekly-2026-09-03.csv")
    assert report.count("replaced") == 1
    assert Chart.objects.count() == 1
    assert ChartEntry.objects.get(rank=3).plays == 990121
    assert ChartEntry.objects.count() == 3


def test_unreadable_files_get_clear_errors(settings):
    with pytest.raises(ChartFileError, match="unrecognised chart layout"):
        _import("a,b,c\n1,2,3\n", "regional-br-weekly-2026-09-03.csv")
    with pytest.raises(ChartFileError, match="is empty"):
        _import("", "regional-br-weekly-2026-09-03.csv")
    with pytest.raises(ChartFileError, match="not UTF-8"):
        charts_import(raw=b"rank,uri\n\xff\xfe", name="regional-br-weekly-2026-09-03.csv")
    settings.MARKETS_IMPORT_MAX_BYTES = 100
    with pytest.raises(ChartFileTooLarge, match="limit is 100"):
        _import(samples.SPOTIFY_WEEKLY, "regional-br-weekly-2026-09-03.csv")
    assert Chart.objects.count() == 0


def test_import_charts_command(tmp_path):
    weekly = tmp_path / "regional-br-weekly-2026-09-03.csv"
    weekly.write_text(samples.SPOTIFY_WEEKLY)
    youtube = tmp_path / "yt.csv"
    youtube.write_text(samples.YOUTUBE)
    out = StringIO()
    call_command("import_charts", str(weekly), str(youtube), "--country", "BR", "--date", "2026-09-03", stdout=out)
    assert "regional-br-weekly-2026-09-03.csv (spotify-weekly): 1 chart(s) created" in out.getvalue()
    assert "yt.csv (youtube): 1 chart(s) created" in out.getvalue()
    assert CountryProfile.objects.filter(country="BR", genre="", period="week").count() == 1
    bad = tmp_path / "broken.csv"
    bad.write_text("x,y\n")
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 1"):
        call_command("import_charts", str(bad), stdout=StringIO(), stderr=err)
    assert "unrecognised chart layout" in err.getvalue()


def test_an_incremental_rebuild_after_a_new_week_equals_a_full_rebuild():
    from markets.services.demo import demo_charts
    from markets.services.imports import charts_store
    from markets.services.profiles import profiles_rebuild

    charts, genres = demo_charts(end=dt.date(2026, 11, 26), weeks=14, rows=30, countries=["BR", "DE"])
    last_day = charts[-1].chart_date
    charts_store([c for c in charts if c.chart_date != last_day], genres=genres, feature_source="demo")
    profiles_rebuild(touched=None)
    outcomes = charts_store([c for c in charts if c.chart_date == last_day], genres=genres, feature_source="demo")
    profiles_rebuild(touched={(o.country, o.chart_date) for o in outcomes})

    def snapshot():
        fields = ["country", "genre", "period", "period_start", "entries", "tracks", "features", "genre_shares"]
        rows = CountryProfile.objects.values_list(*fields, "movers", "newcomers", "tempo_histogram", "key_distribution")
        return sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3]))

    incremental = snapshot()
    profiles_rebuild(touched=None)
    assert snapshot() == incremental
    assert any(p[2] == "week" and p[3] == last_day - dt.timedelta(days=3) for p in incremental)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rebuilds_that_meet_both_finish_and_leave_the_full_rebuilds_profiles():
    """The scheduled pull and an import can rebuild the same periods at once: neither may fail on
    the other's rows, and what is stored is what one rebuild alone stores."""
    import threading

    from django.db import connection

    from markets.services.demo import demo_charts
    from markets.services.imports import charts_store
    from markets.services.profiles import profiles_rebuild

    charts, genres = demo_charts(end=dt.date(2026, 11, 26), weeks=14, rows=30, countries=["BR", "DE"])
    charts_store(charts, genres=genres, feature_source="demo")
    touched = {(c.country, c.chart_date) for c in charts}
    errors: list[BaseException] = []
    gate = threading.Barrier(4)

    def rebuild(index: int) -> None:
        try:
            gate.wait(timeout=10)
            profiles_rebuild(touched=None if index % 2 else touched)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=rebuild, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    fields = ["country", "genre", "period", "period_start", "entries", "tracks"]
    raced = sorted(CountryProfile.objects.values_list(*fields))
    trends = sorted(MarketTrend.objects.values_list("country", "genre", "period", "series", "slope"))
    profiles_rebuild(touched=None)
    assert sorted(CountryProfile.objects.values_list(*fields)) == raced
    assert sorted(MarketTrend.objects.values_list("country", "genre", "period", "series", "slope")) == trends


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_import_meeting_a_measurement_of_the_same_track_still_wins():
    """A preview's measurement writes the track's first features while an import brings them
    too: the import waits for it, then replaces the measured values (imported always wins)."""
    from kernel.locks import exclusive
    from markets.services.imports import features_store
    from tests.concurrency import committed_later

    track = ChartTrack.objects.create(key="spotify:race", title="Race", artists="Someone")

    def a_measurement_in_flight() -> None:
        with exclusive("markets.features"):
            TrackFeatures.objects.create(track=track, source=TrackFeatures.Source.MEASURED, tempo=90.0)

    with committed_later(a_measurement_in_flight):
        features_store({track.pk: {"tempo": 128.0, "energy": 0.8}}, source=TrackFeatures.Source.IMPORTED)
    stored = TrackFeatures.objects.get(track=track)
    assert (stored.source, stored.tempo, stored.energy) == ("imported", 128.0, 0.8)
