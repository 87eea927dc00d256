"""Performance import: CSV, JSON and JSON Lines; matched by ISRC or UPC; idempotent; bad rows named by line."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evolution.models import PerformanceImport, PerformanceRecord
from evolution.services.performance import performance_import
from kernel.errors import ApplicationError
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

ISRC = "DEA122600001"
UPC = "0012345678905"  # a valid EAN-13 (UPC-A 012345678905 with its leading 0)


@pytest.fixture
def release():
    return ReleaseFactory(isrc=ISRC, upc=UPC)


CSV = (
    "isrc,upc,platform,date,country,streams,listeners,saves,playlist_adds\n"
    f"{ISRC},,spotify,2026-11-01,DE,1200,900,40,3\n"
    f",{UPC},apple_music,2026-11-01,US,300,250,10,1\n"
    f"{ISRC},,spotify,2026-11-02,,1500,1000,45,4\n"
    "XX0000000000,,spotify,2026-11-02,DE,1,1,1,1\n"  # line 5: invalid ISRC
    f"{ISRC},,spotify,2026-13-40,DE,1,1,1,1\n"  # line 6: bad date
    f"{ISRC},,spotify,2026-11-03,DE,-5,1,1,1\n"  # line 7: negative streams
    f"{ISRC},,,2026-11-03,DE,5,1,1,1\n"  # line 8: no platform
    "DEA122699999,,spotify,2026-11-03,DE,5,1,1,1\n"  # line 9: valid ISRC, no such release
    f"{ISRC},,spotify,2026-11-01,DE,7,7,7,7\n"  # line 10: duplicate of line 2
    f"{ISRC},,spotify,2026-11-03,Germany,5,1,1,1\n"  # line 11: bad country
)


def test_csv_rows_match_by_isrc_or_upc_and_bad_rows_are_named_by_line(release):
    report = performance_import(text=CSV, file_name="report.csv")

    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert [error["line"] for error in report.errors] == [5, 6, 7, 8, 9, 10, 11]
    messages = {error["line"]: error["message"] for error in report.errors}
    assert "not a valid ISRC" in messages[5]
    assert "date" in messages[6]
    assert "streams" in messages[7]
    assert "platform" in messages[8]
    assert "no release has ISRC DEA122699999" in messages[9]
    assert "as line 2" in messages[10]
    assert "country" in messages[11]
    rows = {(r.platform, str(r.date), r.country): r.streams for r in PerformanceRecord.objects.all()}
    assert rows == {
        ("spotify", "2026-11-01", "DE"): 1200,
        ("apple_music", "2026-11-01", "US"): 300,
        ("spotify", "2026-11-02", ""): 1500,
    }
    assert set(PerformanceRecord.objects.values_list("artist", flat=True)) == {release.artist_id}
    stored = PerformanceImport.objects.get()
    assert (stored.rows_created, stored.rows_skipped) == (3, 7)
    assert stored.errors[0] == {"line": 5, "message": messages[5]}


def test_reimport_is_idempotent_and_changed_figures_update_in_place(release):
    performance_import(text=CSV, file_name="report.csv")
    again = performance_import(text=CSV, file_name="report.csv")
    assert (again.created, again.updated, again.unchanged, again.skipped) == (0, 0, 3, 7)
    assert PerformanceRecord.objects.count() == 3

    corrected = CSV.replace("2026-11-02,,1500", "2026-11-02,,1600")
    third = performance_import(text=corrected, file_name="report.csv")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert PerformanceRecord.objects.get(date="2026-11-02").streams == 1600
    assert PerformanceRecord.objects.count() == 3


def test_a_twelve_digit_upc_matches_the_stored_ean13(release):
    report = performance_import(
        rows=[{"upc": UPC[1:], "platform": "Apple Music", "date": "2026-11-05", "streams": 9}], file_name="api"
    )
    assert report.created == 1 and not report.errors
    assert PerformanceRecord.objects.get().platform == "apple_music"


def test_isrc_and_upc_of_different_releases_are_refused(release):
    other = ReleaseFactory(isrc="DEA122600002", upc="4006381333931")
    report = performance_import(
        rows=[{"isrc": ISRC, "upc": other.upc, "platform": "spotify", "date": "2026-11-05"}], file_name="api"
    )
    assert report.errors == [{"line": 1, "message": f"ISRC {ISRC} and UPC {other.upc} belong to different releases"}]


def test_json_array_errors_carry_the_line_the_row_starts_on(release):
    text = json.dumps(
        [
            {"isrc": ISRC, "platform": "spotify", "date": "2026-11-01", "streams": 10},
            {"isrc": ISRC, "platform": "spotify", "date": "yesterday", "streams": 10},
        ],
        indent=2,
    )
    report = performance_import(text=text, file_name="report.json")
    assert report.created == 1
    # indent=2: "[" on line 1, the first object from line 2 to 7, the second starts on line 8.
    assert [error["line"] for error in report.errors] == [8]


def test_json_lines_and_rows_wrapper(release):
    lines = "\n".join(
        [
            json.dumps({"isrc": ISRC, "platform": "youtube", "date": "2026-11-01", "streams": 5}),
            "{not json",
            json.dumps({"isrc": ISRC, "platform": "youtube", "date": "2026-11-02", "streams": 6}),
        ]
    )
    report = performance_import(text=lines, file_name="report.jsonl")
    assert report.created == 2 and [error["line"] for error in report.errors] == [2]

    wrapped = json.dumps({"rows": [{"isrc": ISRC, "platform": "deezer", "date": "2026-11-01"}]})
    assert performance_import(text=wrapped, file_name="report.json").created == 1


def test_unreadable_files_are_refused_whole():
    with pytest.raises(ApplicationError, match="header needs"):
        performance_import(text="a,b\n1,2\n", file_name="x.csv")
    with pytest.raises(ApplicationError, match="Line 1"):
        performance_import(text="[{", file_name="x.json")
    assert not PerformanceImport.objects.exists()


def test_command_reports_lines_and_fails_when_rows_were_refused(release, tmp_path, capsys):
    path = tmp_path / "report.csv"
    path.write_text(CSV)
    with pytest.raises(CommandError, match="7 row"):
        call_command("import_performance", str(path))
    out = capsys.readouterr()
    assert "3 created" in out.out
    assert "report.csv:5:" in out.err
    assert PerformanceRecord.objects.count() == 3

    clean = tmp_path / "clean.csv"
    clean.write_text("\n".join(CSV.splitlines()[:4]) + "\n")
    call_command("import_performance", str(clean))
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
