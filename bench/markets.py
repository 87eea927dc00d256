"""Markets: chart import, full profile rebuild, incremental rebuild after one new week.

The input is the deterministic demo history (10 countries x 52 weeks x 200 rows = 104,000 rows)
written out as real chart files, then imported through the same service as `import_charts`:

- `spotify`: 520 Spotify weekly CSV files (regional-xx-weekly-YYYY-MM-DD.csv), one chart each;
- `dataset`: one country x day dataset CSV with the audio-feature columns (520 charts in one file).

Each format gets a fresh SQLite database (or the PostgreSQL database given), so the figures
include the database's own work. Usage:

    .venv/bin/python bench/markets.py                                  # SQLite, both formats
    .venv/bin/python bench/markets.py --postgres postgres://postgres@127.0.0.1:5432/noktvrn_bench
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
END = dt.date(2026, 11, 26)

DATASET_HEADER = [
    "spotify_id", "name", "artists", "daily_rank", "daily_movement", "weekly_movement", "country", "snapshot_date",
    "popularity", "is_explicit", "duration_ms", "album_name", "album_release_date", "danceability", "energy", "key",
    "loudness", "mode", "speechiness", "acousticness", "instrumentalness", "liveness", "valence", "tempo",
    "time_signature",
]  # fmt: skip


def write_inputs(folder: Path, weeks: int) -> tuple[list[Path], Path, list[Path], Path]:
    """The demo history as Spotify weekly files and as one dataset file; the last week kept apart."""
    from markets.services.demo import demo_charts

    charts, _genres = demo_charts(end=END, weeks=weeks)
    features: dict[str, dict] = {}
    for chart in charts:
        for row in chart.rows:
            if row.features:
                features[row.key] = row.features
    last_day = max(c.chart_date for c in charts)
    spotify, spotify_last = [], []
    dataset_rows = [DATASET_HEADER]
    dataset_last_rows = [DATASET_HEADER]
    for chart in charts:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "rank",
                "uri",
                "artist_names",
                "track_name",
                "source",
                "peak_rank",
                "previous_rank",
                "weeks_on_chart",
                "streams",
            ]
        )
        for row in chart.rows:
            ident = _spotify_id(row.key)
            writer.writerow(
                [
                    row.rank,
                    f"spotify:track:{ident}",
                    row.artists,
                    row.title,
                    "Label",
                    row.rank,
                    "",
                    1,
                    1_000_000 - row.rank,
                ]
            )
            f = features[row.key]
            target = dataset_last_rows if chart.chart_date == last_day else dataset_rows
            target.append(
                [ident, row.title, row.artists, row.rank, 0, 0, chart.country, chart.chart_date.isoformat(), 50,
                 "False", 200000, "Album", "2026-01-01",
                 *(f[name] for name in DATASET_HEADER[DATASET_HEADER.index("danceability") :])]
            )  # fmt: skip
        path = folder / f"regional-{chart.country.lower()}-weekly-{chart.chart_date.isoformat()}.csv"
        path.write_text(out.getvalue())
        (spotify_last if chart.chart_date == last_day else spotify).append(path)
    dataset = folder / "top_songs_dataset.csv"
    dataset_last = folder / "top_songs_dataset_last_week.csv"
    for path, rows in ((dataset, dataset_rows), (dataset_last, dataset_last_rows)):
        with path.open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return spotify, dataset, spotify_last, dataset_last


def _spotify_id(key: str) -> str:
    """A stable 22-character Spotify-like id for a demo key."""
    digits = "".join(ch for ch in key if ch.isalnum())
    return (digits.upper() + "0" * 22)[:22]


WORKER = """
import datetime as dt, json, sys, time
from pathlib import Path
from markets.models import Chart, ChartEntry, ChartTrack
from markets.services.demo import demo_charts
from markets.services.imports import charts_import, features_store
from markets.services.profiles import profiles_rebuild
from bench.markets import _spotify_id

spec = json.loads(sys.argv[1])
files, last = [Path(p) for p in spec["files"]], [Path(p) for p in spec["last"]]
started, cpu = time.perf_counter(), time.process_time()
rows_imported = 0
for path in files:
    rows_imported += charts_import(raw=path.read_bytes(), name=path.name, rebuild=False).rows_imported
import_seconds, import_cpu = time.perf_counter() - started, time.process_time() - cpu
# Not timed: chart files carry no genres (the iTunes lookups of the previews find them), and Spotify's
# carry no features (measured previews give them): take both from the demo generator.
charts, genres = demo_charts(end=dt.date.fromisoformat(spec["end"]), weeks=spec["weeks"])
ids = dict(ChartTrack.objects.values_list("key", "id"))
if spec["format"] == "spotify":
    by_key = {"spotify:" + _spotify_id(r.key): r.features for c in charts for r in c.rows if r.features}
    features_store({ids[k]: v for k, v in by_key.items() if k in ids}, source="demo")
by_genre = {}
for key, genre in genres.items():
    by_genre.setdefault(genre, []).append(ids.get("spotify:" + _spotify_id(key)))
for genre, track_ids in by_genre.items():
    for start in range(0, len(track_ids), 500):
        ChartTrack.objects.filter(pk__in=[i for i in track_ids[start : start + 500] if i]).update(genre=genre)
started, cpu = time.perf_counter(), time.process_time()
full = profiles_rebuild(touched=None)
full_seconds, full_cpu = time.perf_counter() - started, time.process_time() - cpu
started = time.perf_counter()
touched = set()
for path in last:
    touched |= charts_import(raw=path.read_bytes(), name=path.name, rebuild=False).touched()
last_import_seconds = time.perf_counter() - started
started, cpu = time.perf_counter(), time.process_time()
incremental = profiles_rebuild(touched=touched)
incremental_seconds, incremental_cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({
    "format": spec["format"], "files": len(files), "rows": rows_imported, "entries": ChartEntry.objects.count(),
    "charts": Chart.objects.count(), "import_s": round(import_seconds, 2), "import_cpu_s": round(import_cpu, 2),
    "full_rebuild_s": round(full_seconds, 2), "full_rebuild_cpu_s": round(full_cpu, 2),
    "full_profiles": full.profiles, "last_week_import_s": round(last_import_seconds, 2),
    "incremental_rebuild_s": round(incremental_seconds, 2), "incremental_rebuild_cpu_s": round(incremental_cpu, 2),
    "incremental_profiles": incremental.profiles,
}))
"""


def run(fmt: str, files: list[Path], last: list[Path], weeks: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="noktvrn-bench-markets-") as folder:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
            "NOKTVRN_IGNORE_DOTENV": "1",
            "DATABASE_URL": database_url or f"sqlite:///{folder}/bench.sqlite3",
            "LOG_LEVEL": "WARNING",
            "MEDIA_ROOT": folder,
        }
        if database_url:
            subprocess.run(
                [sys.executable, "manage.py", "flush", "--noinput"], cwd=ROOT, env=env, check=False, capture_output=True
            )
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        spec = {
            "format": fmt,
            "files": [str(p) for p in files],
            "last": [str(p) for p in last],
            "end": END.isoformat(),
            "weeks": weeks,
        }
        code = "import django; django.setup()\n" + WORKER
        result = subprocess.run(
            [sys.executable, "-c", code, json.dumps(spec)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if result.returncode:
            raise SystemExit(result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=53, help="Weeks of history (the last one is the incremental).")
    parser.add_argument("--formats", nargs="+", default=["spotify", "dataset"], choices=["spotify", "dataset"])
    parser.add_argument("--postgres", help="A PostgreSQL DATABASE_URL (flushed first) instead of a fresh SQLite file.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noktvrn.settings.base")
    os.environ["NOKTVRN_IGNORE_DOTENV"] = "1"
    import django

    django.setup()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="noktvrn-bench-charts-") as folder:
        spotify, dataset, spotify_last, dataset_last = write_inputs(Path(folder), args.weeks)
        for fmt in args.formats:
            files, last = (spotify, spotify_last) if fmt == "spotify" else ([dataset], [dataset_last])
            print(json.dumps(run(fmt, files, last, args.weeks, args.postgres)), flush=True)
    print(f"load average at start: {load:.1f} on {os.cpu_count()} cores (figures measured under load are slower)")


if __name__ == "__main__":
    main()
