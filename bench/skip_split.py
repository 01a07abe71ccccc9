"""Time the splitting move of ``on_error="skip"``: rows that only a CHECK constraint refuses.

    python bench/skip_split.py [--rows 100000] [--every 1000] [--repeat 3]

The benchmark's 6-column table (``bench.benchapp.Narrow``) gets ``CHECK (quantity >= 0)``
and a copy of its generated CSV file (``bench/data/``) has every ``--every``-th row's
quantity set to -1: rows that no set-based check finds, so the move into the table
splits ranges until it has set each of them aside. Each load runs in this process on an
emptied table; the report gives each time, the median, and the rows written and rejected
(checked against the rows spoiled).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def spoiled_by_check(clean: Path, every: int) -> tuple[Path, int]:
    """A copy of ``clean`` with every ``every``-th row's quantity negative, and how many."""
    path = clean.with_name(f"{clean.stem}-check{every}.csv")
    with clean.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    quantity = rows[0].index("quantity")
    spoiled = range(every // 2, len(rows), every)
    for index in spoiled:
        rows[index][quantity] = "-1"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path, len(spoiled)


def main(argv: list[str]) -> None:
    """Parse the arguments, load the file ``--repeat`` times, print the times."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    django.setup()
    from django.apps import apps
    from django.db import connection

    from bench.data import TABLES, data_files
    from bench.worker import empty_table
    from safeimport import load_csv
    from safeimport._db import compose_django

    path, spoiled = spoiled_by_check(data_files(TABLES["narrow"], args.rows).csv, args.every)
    model = apps.get_model(TABLES["narrow"].model_label)
    server_database = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with connection.cursor() as cursor:
            table = model._meta.db_table
            cursor.execute(
                compose_django(
                    connection, "ALTER TABLE {table} ADD CHECK (quantity >= 0)", table=table
                )
            )
        times = []
        for _ in range(args.repeat):
            empty_table(model)
            started = time.perf_counter()
            report = load_csv(model, path, on_error="skip")
            times.append(time.perf_counter() - started)
            if (report.rows_written, report.rows_rejected) != (args.rows - spoiled, spoiled):
                raise RuntimeError(
                    f"{report.rows_written} written, {report.rows_rejected} rejected"
                )
    finally:
        connection.creation.destroy_test_db(server_database, verbosity=0)
    shown = " ".join(f"{seconds:.2f}" for seconds in times)
    print(
        f"{args.rows:,} rows, {spoiled} refused by a CHECK: {shown} s "
        f"(median {statistics.median(times):.2f} s)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
