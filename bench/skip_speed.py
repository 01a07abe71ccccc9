"""Time ``load_csv(on_error="skip")`` on a file with 1% bad rows against the same file clean.

    python bench/skip_speed.py [--rows 1000000] [--bad-percent 1] [--repeat 3]

The clean file is the benchmark's 6-column table (``bench.benchapp.Narrow``), generated at
run time from a fixed seed into ``bench/data/``; the bad file is the same rows with every
``100 / bad-percent``-th row spoiled, in turn by each kind of ``bench.data.SPOILS`` (a word
in the integer column, a timestamp that is not one, an id repeated from the row before, a
value too many, a value too few). Each load runs
in a process of its own on an emptied table, methods taking turns, and the report gives
each one's median and its ratio to the clean file loaded with ``on_error="skip"``:

- ``psql \\copy`` of the clean file (the reference of ``bench/copy_speed.py``);
- ``load_csv`` of the clean file with the default ``on_error="raise"``;
- ``load_csv skip`` of the clean file and of the bad one, whose rejected rows go to a
  reject file (the count is checked against the rows spoiled).
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
METHODS = ("psql", "raise_clean", "skip_clean", "skip_bad")
LABELS = {
    "psql": "psql \\copy, clean",
    "raise_clean": "load_csv, clean",
    "skip_clean": "skip, clean",
    "skip_bad": "skip, bad rows",
}


def child(method: str, rows: int, bad_path: str) -> dict[str, Any]:
    """Load in this process with ``method``; time it."""
    from django.apps import apps

    from bench.data import TABLES, data_files
    from bench.methods import psql_copy
    from bench.worker import empty_table
    from safeimport import load_csv

    model = apps.get_model(TABLES["narrow"].model_label)
    clean = data_files(TABLES["narrow"], rows).csv
    empty_table(model)
    started = time.perf_counter()
    rejected = 0
    if method == "psql":
        psql_copy(model, clean)
    elif method == "raise_clean":
        load_csv(model, clean)
    else:
        path = Path(bad_path) if method == "skip_bad" else clean
        report = load_csv(
            model, path, on_error="skip", reject_file=Path(bad_path).with_suffix(".rejects.csv")
        )
        rejected = report.rows_rejected
    return {
        "seconds": time.perf_counter() - started,
        "rejected": rejected,
        "rows_in_table": model._default_manager.count(),
    }


def run_child(method: str, rows: int, bad_path: Path, database: str) -> dict[str, Any]:
    """Run :func:`child` in a fresh process against ``database``."""
    from bench.processes import run_script_child

    return run_script_child(__file__, [method, str(rows), str(bad_path)], database)


def main(argv: list[str]) -> None:
    """Parse the arguments, run every method in turn, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad-percent", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.child:
        django.setup()
        print(json.dumps(child(args.child[0], int(args.child[1]), args.child[2])))
        return

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    django.setup()
    from django.db import connection

    from bench.data import TABLES, data_files, spoiled_csv

    spoiled_file = spoiled_csv(data_files(TABLES["narrow"], args.rows), percent=args.bad_percent)
    bad, spoiled = spoiled_file.path, spoiled_file.spoiled
    server_database = connection.settings_dict["NAME"]
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        times: dict[str, list[float]] = {method: [] for method in METHODS}
        for _ in range(args.repeat):
            for method in METHODS:
                result = run_child(method, args.rows, bad, database)
                expected = args.rows - spoiled if method == "skip_bad" else args.rows
                if result["rows_in_table"] != expected:
                    raise RuntimeError(f"{method}: {result['rows_in_table']} rows, not {expected}")
                if method == "skip_bad" and result["rejected"] != spoiled:
                    raise RuntimeError(f"{result['rejected']} rows rejected, not {spoiled}")
                times[method].append(result["seconds"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            (version,) = cursor.fetchone()
    finally:
        connection.creation.destroy_test_db(server_database, verbosity=0)

    print(f"{version.split(' on ')[0]}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    print(
        f"{args.rows:,} rows, 6 columns, {spoiled:,} spoiled ({args.bad_percent:g}%); "
        f"median of {args.repeat} runs, methods taking turns"
    )
    reference = statistics.median(times["skip_clean"])
    psql = statistics.median(times["psql"])
    print(f"{'method':<20} {'seconds':>8} {'rows/s':>10} {'/ skip clean':>13} {'/ psql':>7}")
    for method in METHODS:
        median = statistics.median(times[method])
        print(
            f"{LABELS[method]:<20} {median:>8.2f} {args.rows / median:>10,.0f} "
            f"{median / reference:>13.2f} {median / psql:>7.2f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
