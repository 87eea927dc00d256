"""CPU per API request in one process: Django's test client against a database seeded by bench/console.py.

Wall-clock timings mean little on a shared machine; the CPU seconds one request costs do not depend
much on the other load. For each URL: warm-up, then the minimum over `--rounds` rounds of
`--requests` requests of this process's CPU time (`time.process_time`) and of its PostgreSQL
backend's (from /proc, so the database must run on this host), per request, and the query count.
The request goes through the whole stack (middleware, token authentication, permissions,
throttles, pagination, JSON rendering) with `noktvrn.settings.base`, DEBUG off.

    .venv/bin/python bench/console.py --database postgres://postgres@127.0.0.1:5432/noktvrn_console_bench  # seeds
    .venv/bin/python bench/api_cpu.py --database postgres://postgres@127.0.0.1:5432/noktvrn_console_bench
    .venv/bin/python bench/api_cpu.py --profile /api/v1/runs/      # cProfile of 20 requests, top 40 by own time
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cpu import process_cpu_seconds  # noqa: E402

URLS = ["/api/v1/runs/", "/api/v1/runs/?status=awaiting_review", "/api/v1/artist-creations/"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/noktvrn_console_bench")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", default="", help="a URL to profile with cProfile instead of timing")
    parser.add_argument("urls", nargs="*", default=URLS)
    args = parser.parse_args()

    os.environ.update(
        DJANGO_SETTINGS_MODULE="noktvrn.settings.base",
        DJANGO_DEBUG="0",
        DATABASE_URL=args.database,
        DATABASE_CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.console import credentials

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {credentials()['token']}")

    def get(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")

    if args.profile:
        for _ in range(3):
            get(args.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            get(args.profile)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
        pstats.Stats(profiler).sort_stats("cumtime").print_stats(60)
        return 0

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    print(f"{'URL':42} {'web ms':>7} {'db ms':>6} {'queries':>8}   (CPU per request, min of {args.rounds} rounds)")
    for url in args.urls:
        for _ in range(3):
            get(url)
        queries: list[str] = []

        def record(execute, sql, *rest, log=queries):
            log.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(record):
            get(url)
        web, database = [], []
        for _ in range(args.rounds):
            web_before, db_before = time.process_time(), process_cpu_seconds(backend) or 0.0
            for _ in range(args.requests):
                get(url)
            web.append((time.process_time() - web_before) / args.requests)
            database.append(((process_cpu_seconds(backend) or 0.0) - db_before) / args.requests)
        print(f"{url:42} {min(web) * 1000:7.1f} {min(database) * 1000:6.1f} {len(queries):8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
