"""How to split rows between parallel COPY streams, measured on the server alone.

    python bench/parallel_split.py [--rows 1000000] [--rounds 3] [--block 25000]

Two psql ``\\copy`` at once, each of a part of the benchmark's sorted CSV (the 6-column
table), against one ``\\copy`` of it all, taking turns in each round: ``halves`` gives each
stream one contiguous half of the ids; ``blocks`` gives them alternate blocks of
``--block`` rows (about a megabyte, as ``parallel=N`` hands out its chunks). psql reads the
files, so the figures are the server's side of a parallel load, without safeimport's
reading. The parts are written to a temporary directory outside the timings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django
from django.db.models import Model

ROOT = Path(__file__).resolve().parent.parent


def _parts(csv: Path, directory: Path, block: int) -> dict[str, list[Path]]:
    """The file without its header, as one part, two halves, and two sets of alternate
    blocks."""
    rows = csv.read_text(encoding="utf-8").splitlines(keepends=True)[1:]
    half = len(rows) // 2
    blocks: list[list[str]] = [[], []]
    for start in range(0, len(rows), block):
        blocks[(start // block) % 2] += rows[start : start + block]
    layouts = {"one": [rows], "halves": [rows[:half], rows[half:]], "blocks": blocks}
    files: dict[str, list[Path]] = {}
    for name, parts in layouts.items():
        files[name] = []
        for index, part in enumerate(parts):
            path = directory / f"{name}-{index}.csv"
            path.write_text("".join(part), encoding="utf-8")
            files[name].append(path)
    return files


def _copy_at_once(model: type[Model], paths: list[Path]) -> float:
    """Seconds for one psql ``\\copy`` per path, all running at once."""
    from django.db import connection

    from bench.methods import psql_environment
    from bench.worker import empty_table

    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in model._meta.concrete_fields)
    table = quote(model._meta.db_table)
    empty_table(model)
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [
                "psql",
                "--no-psqlrc",
                "--quiet",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                f"\\copy {table} ({columns}) FROM '{path}' WITH (FORMAT csv)",
            ],
            env=psql_environment(),
        )
        for path in paths
    ]
    if any(process.wait() != 0 for process in processes):
        raise RuntimeError("a psql \\copy failed")
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    """Write the parts, time each layout once a round, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--block", type=int, default=25_000)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    django.setup()
    from django.apps import apps
    from django.db import connection

    from bench.data import TABLES, data_files

    model = apps.get_model(TABLES["narrow"].model_label)
    csv = data_files(TABLES["narrow"], args.rows).csv
    server_database = connection.settings_dict["NAME"]
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    times: dict[str, list[float]] = {"one": [], "halves": [], "blocks": []}
    print(f"load average before: {os.getloadavg()}")
    try:
        with tempfile.TemporaryDirectory(prefix="safeimport-split-") as directory:
            files = _parts(csv, Path(directory), args.block)
            for round_ in range(args.rounds):
                order = list(times)[round_ % 3 :] + list(times)[: round_ % 3]
                for name in order:
                    times[name].append(_copy_at_once(model, files[name]))
    finally:
        connection.creation.destroy_test_db(server_database, verbosity=0)
        del database
    print(f"load average after: {os.getloadavg()}")
    print(f"{args.rows:,} rows, {args.rounds} rounds, blocks of {args.block:,} rows")
    for name, seconds in times.items():
        runs = " ".join(f"{value:.2f}" for value in seconds)
        print(f"{name:8} median {statistics.median(seconds):.2f} s   runs {runs}")


if __name__ == "__main__":
    main(sys.argv[1:])
