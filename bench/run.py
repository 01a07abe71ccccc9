"""Run the whole benchmark and write ``bench/results/benchmark.{json,md,png}``.

    python -m bench            # 100,000 and 1,000,000 rows, 3 rounds
    python -m bench --huge     # and 5,000,000
    python -m bench --quick    # 2,000 rows, 1 round and small extras: what the test suite runs

It runs on the embedded PostgreSQL, or on ``DATABASE_URL``, in a database of its own
(``safeimport_bench``) that it creates and drops. Every method runs in a worker process of its
own (``bench.worker``) on the same generated files (``bench.data``), once per round
(``--rounds``), in an order that turns from round to round; each method's time is set against
psql's in the same round (``bench.paired``). pgloader must be installed (the Debian package)
except in quick mode, which reports it skipped when it is not. Then come the audit scaling
(``bench.audit``), ``safe_loaddata`` against ``loaddata`` (``bench/loaddata_speed.py``) and
the live writers (``bench.live``); the targets of issue 6 are checked (``bench.targets``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import django

from . import processes
from .data import SEED
from .paired import combine_rounds, median_ratio, paired_ratios, round_order

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(*, embedded: bool) -> dict[str, Any]:
    """What the figures were measured on; ``embedded``: on the embedded server."""
    import psutil
    from django.db import connection
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    versions: dict[str, str | None] = {}
    for package in (
        "django-postgres-copy",
        "django-import-export",
        "pandas",
        "SQLAlchemy",
        "tablib",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": _cpu(),
        "cores": psutil.cpu_count(),
        "memory_gb": psutil.virtual_memory().total / 2**30,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "driver": "psycopg 3" if is_psycopg3 else "psycopg2",
        "postgresql": server_version,
        "server": "embedded (pgserver), same machine" if embedded else "DATABASE_URL",
        "psql": _tool_version("psql"),
        "pgloader": _tool_version("pgloader"),
        "peers": versions,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def _tool_version(name: str) -> str | None:
    """The first line that ``name --version`` prints; None when it is not installed."""
    program = shutil.which(name)
    if program is None:
        return None
    output = subprocess.check_output([program, "--version"], text=True)
    return output.strip().splitlines()[0]


def seed_foreign_keys() -> None:
    """The rows that the wide table's foreign keys point at."""
    from .benchapp.models import Category, Region
    from .data import CATEGORIES, REGIONS

    Category._default_manager.bulk_create(
        Category(id=i, name=f"category {i}") for i in range(1, CATEGORIES + 1)
    )
    Region._default_manager.bulk_create(
        Region(id=i, name=f"region {i}") for i in range(1, REGIONS + 1)
    )


def run_methods(
    sizes: list[int], tables: list[str], methods: list[str], *, rounds: int, database: str
) -> list[dict[str, Any]]:
    """Every method on every table at every size, each run in its own process, in rounds.

    At each size and table, a round runs every method once, in an order rotated from round
    to round (``bench.paired``); a method's ratio to psql is the median over the rounds of
    its time over psql's time in the same round. A method that is skipped or fails in a
    round is not run again in the later ones.
    """
    from .data import TABLES, data_files
    from .methods import METHODS

    for rows in sizes:
        for table in tables:
            print(
                f"data: {table} {rows:,} rows -> {data_files(TABLES[table], rows).csv}", flush=True
            )
    entries = []
    for rows in sizes:
        for table in tables:
            keys = [
                key for key in methods if not (METHODS[key].smallest_size_only and rows != sizes[0])
            ]
            runs: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
            for round_index in range(rounds):
                order = round_order(keys, round_index, rounds)
                for position, key in enumerate(order):
                    if any(run.get("status") != "ok" for run in runs[key]):
                        continue
                    task = {"kind": "method", "method": key, "table": table, "rows": rows}
                    run = processes.run(task, database=database)
                    run |= {"round": round_index + 1, "position": position + 1}
                    runs[key].append(run)
                    print(_progress(key, table, rows, run), flush=True)
            for key in keys:
                entry = {"method": key, "table": table, "rows": rows}
                entry |= combine_rounds(runs[key], rows)
                if entry["status"] == "ok" and "psql" in runs:
                    entry["ratios_to_psql"] = paired_ratios(runs[key], runs["psql"])
                    entry["ratio_to_psql"] = median_ratio(runs[key], runs["psql"])
                entries.append(entry)
    return entries


def _progress(method: str, table: str, rows: int, run: dict[str, Any]) -> str:
    head = f"{table} {rows:,} round {run['round']}: {method}:"
    if run.get("status") != "ok":
        return f"{head} {run.get('status')}: {run.get('reason') or run.get('error')}"
    check = run["next_create"]
    return (
        f"{head} {run['seconds']:.2f} s, {run['rows_per_second']:,.0f} rows/s, "
        f"peak {run['peak_rss_mb']:.0f} MB, next create() "
        + ("ok" if check["ok"] else f"fails ({check['error']})")
    )


def run_loaddata(objects: int, repeat: int) -> dict[str, Any]:
    """``bench/loaddata_speed.py`` in a process of its own; its figures."""
    with tempfile.TemporaryDirectory() as directory:
        figures = Path(directory) / "loaddata.json"
        command = [
            sys.executable,
            str(Path(__file__).with_name("loaddata_speed.py")),
            f"--objects={objects}",
            f"--repeat={repeat}",
            f"--json={figures}",
        ]
        environment = dict(os.environ)
        environment.pop("DJANGO_SETTINGS_MODULE", None)  # the script uses the demo's settings
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
        print(done.stdout, end="", flush=True)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or ["no output"]
            return {"error": lines[-1]}
        result: dict[str, Any] = json.loads(figures.read_text())
        return result


QUICK_ROWS = 2_000


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; return the results written."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--quick", action="store_true", help=f"{QUICK_ROWS:,} rows, 1 round, small extras"
    )
    size.add_argument("--huge", action="store_true", help="add 5,000,000 rows")
    parser.add_argument(
        "--rounds", type=int, help="rounds of every method, each paired with psql (default 3)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where to write results")
    parser.add_argument(
        "--tables", nargs="+", choices=("narrow", "wide"), default=["narrow", "wide"]
    )
    parser.add_argument("--methods", nargs="+", help="only these methods (default: all)")
    args = parser.parse_args(argv)

    sizes = [QUICK_ROWS] if args.quick else [100_000, 1_000_000] + [5_000_000] * args.huge
    rounds = args.rounds or (1 if args.quick else 3)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    embedded = not os.environ.get("DATABASE_URL")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # its own models and database
    django.setup()
    from django.db import connection

    from . import live, report
    from .methods import METHODS
    from .targets import check_targets

    methods = args.methods or list(METHODS)
    unknown = set(methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown methods: {', '.join(sorted(unknown))}; known: {', '.join(METHODS)}")
    if "pgloader" in methods and not args.quick and shutil.which("pgloader") is None:
        parser.error(
            "pgloader is not installed (apt-get install pgloader); install it, or leave it "
            "out with --methods"
        )
    server_database = connection.settings_dict["NAME"]
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        seed_foreign_keys()
        live_rows = QUICK_ROWS if args.quick else 1_000_000
        results: dict[str, Any] = {
            "machine": machine(embedded=embedded),
            "config": {
                "quick": args.quick,
                "sizes": sizes,
                "rounds": rounds,
                "tables": args.tables,
                "seed": SEED,
                "writers": (
                    f"{live.WRITERS} writer threads (one process) call `create()` every "
                    f"{live.PAUSE_SECONDS * 1000:.0f} ms on the 6-column table while another "
                    f"process imports {live_rows:,} rows whose ids start at "
                    f"{live.FIRST_FILE_ID:,}; the table starts empty with a fresh sequence. "
                    "Errors: over the writers' whole run; latency: calls made during the import."
                ),
            },
        }
        results["methods"] = run_methods(
            sizes, args.tables, methods, rounds=rounds, database=database
        )
        audit_sizes = [10, 100] if args.quick else [10, 100, 1000]
        results["audit"] = processes.run({"kind": "audit", "sizes": audit_sizes}, database=database)
        print(f"audit: {results['audit']}", flush=True)
        results["loaddata"] = run_loaddata(*((500, 1) if args.quick else (50_000, 3)))
        with tempfile.TemporaryDirectory() as scratch:
            results["live"] = []
            for approach in live.APPROACHES:
                run = live.live_run(approach, live_rows, database=database, scratch=Path(scratch))
                print(f"live {approach}: {run}", flush=True)
                results["live"].append(run)
        results["targets"] = [check.as_dict() for check in check_targets(results)]
    finally:
        connection.creation.destroy_test_db(server_database, verbosity=0)
    paths = report.write(results, args.out)
    print(paths["markdown"].read_text())
    print("written: " + ", ".join(str(path) for path in paths.values()))
    return results
