"""Time ``load_csv`` against psql's ``\\copy`` on the same generated CSV, in one run.

    python bench/copy_speed.py [--rows 1000000] [--rss-rows 100000 1000000] [--repeat 3]

The rows are the benchmark's 6-column table (``bench.benchapp.Narrow``: id, text, integer,
timestamptz, nullable float, nullable text), generated at run time from a fixed seed into
``bench/data/`` (not committed). Each load runs in a process of its own on an emptied table
with a fresh sequence, on the embedded PostgreSQL or on ``DATABASE_URL`` (in a database of
its own, created and dropped here); psql connects to the same database. The methods take
turns, ``--repeat`` times, and the report gives each one's median:

- ``psql \\copy``: the reference, as a user types it;
- ``load_csv``: safeimport's load (COPY into a temporary staging table, one reservation
  of the sequence past every staged id, then ``INSERT ... SELECT`` into the table);
- ``load_csv skip``: the same with ``on_conflict="skip"`` (``INSERT ... ON CONFLICT DO
  NOTHING``).

Peak memory is the process's own (``VmHWM``), for ``load_csv`` at each ``--rss-rows`` size:
flat memory means the same peak at 100,000 and at 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("psql", "load_csv", "load_csv_skip")
LABELS = {"psql": "psql \\copy", "load_csv": "load_csv", "load_csv_skip": "load_csv skip"}


def child(method: str, rows: int) -> dict[str, Any]:
    """Load ``rows`` rows with ``method`` in this process; time it and read the peak memory."""
    from django.apps import apps

    from bench.data import TABLES, data_files
    from bench.methods import psql_copy
    from bench.processes import peak_rss_mb
    from bench.worker import empty_table
    from safeimport import load_csv

    table = TABLES["narrow"]
    model = apps.get_model(table.model_label)
    path = data_files(table, rows).csv
    empty_table(model)
    started = time.perf_counter()
    if method == "psql":
        extra = psql_copy(model, path)
    else:
        report = load_csv(model, path, on_conflict="skip" if method == "load_csv_skip" else "error")
        extra = {"rows_written": report.rows_written}
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_rss_mb": extra.get("peak_rss_mb", peak_rss_mb()),
        "rows_in_table": model._default_manager.count(),
    }


def run_child(method: str, rows: int, database: str) -> dict[str, Any]:
    """Run :func:`child` in a fresh process against ``database``."""
    from bench.processes import run_script_child

    result = run_script_child(__file__, [method, str(rows)], database)
    if result["rows_in_table"] != rows:
        raise RuntimeError(f"{method} loaded {result['rows_in_table']} of {rows} rows")
    return result


def main(argv: list[str]) -> None:
    """Parse the arguments, run every method in turn, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rss-rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.child:
        django.setup()
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    django.setup()
    from django.db import connection

    from bench.data import TABLES, data_files

    for rows in sorted({args.rows, *args.rss_rows}):
        data_files(TABLES["narrow"], rows)  # generated once, outside the timings
    server_database = connection.settings_dict["NAME"]
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        times: dict[str, list[float]] = {method: [] for method in METHODS}
        for _ in range(args.repeat):
            for method in METHODS:
                times[method].append(run_child(method, args.rows, database)["seconds"])
        peaks = {
            rows: run_child("load_csv", rows, database)["peak_rss_mb"] for rows in args.rss_rows
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            (version,) = cursor.fetchone()
    finally:
        connection.creation.destroy_test_db(server_database, verbosity=0)

    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    driver = "psycopg 3" if is_psycopg3 else "psycopg2"
    print(
        f"{version.split(' on ')[0]}; Python {sys.version.split()[0]}; Django "
        f"{django.get_version()}; {driver}; {os.cpu_count()} CPUs"
    )
    print(f"{args.rows:,} rows, 6 columns; median of {args.repeat} runs, methods taking turns")
    reference = statistics.median(times["psql"])
    print(f"{'method':<15} {'seconds':>8} {'rows/s':>10} {'/ psql':>7}   runs")
    for method in METHODS:
        median = statistics.median(times[method])
        runs = " ".join(f"{seconds:.2f}" for seconds in times[method])
        print(
            f"{LABELS[method]:<15} {median:>8.2f} {args.rows / median:>10,.0f} "
            f"{median / reference:>7.2f}   {runs}"
        )
    for rows, peak in peaks.items():
        print(f"load_csv peak RSS at {rows:>9,} rows: {peak:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
