"""The speed targets of issue 15, measured as paired ratios on the 6-column table.

    python bench/speed.py [--rows 1000000] [--rounds 3] [--rss-rows 100000 1000000]
                          [--huge] [--json bench/results/speed.json] [--only KEY ...]

The rows are ``bench.benchapp.Narrow``'s (id, text, integer, timestamptz, nullable float,
nullable text), generated at run time from a fixed seed into ``bench/data/`` (not
committed): a CSV file sorted by id, the same rows shuffled, the same rows as JSON Lines,
and the CSV with 1% of its rows spoiled (``bench.data.SPOILS``).

A round runs every method once, each in a process of its own on an emptied table, in an
order that turns from round to round (``bench.paired``), and each right beside a run of its
reference, the reference first in one pair and second in the next: psql's ``\\copy`` of
the same file (the shuffled file has its own psql run), or, for skip mode on the spoiled
file, skip mode on the clean file. A method's ratio in a round is its time over the time
of the reference run beside it: this machine's speed drifts by ±10% over minutes, which a
reference run elsewhere in the round does not share. The figure judged is the median of
those ratios over the rounds; every raw time is kept. A method that the installed
safeimport does not offer yet (``parallel``) is reported "not available", so the script
measures it on the day it lands. ``--only`` runs the named methods (the keys of
:data:`METHODS`) and the references they are divided by.

Peak memory is each process's own (``VmHWM``; for psql, psql's). Flat memory: ``load_csv``
on the sorted file at each ``--rss-rows`` size peaks at most 1.2 times its smallest size's
peak (``--huge`` for 5,000,000 rows). The table goes to standard output as markdown, every
figure to ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "speed.json"
BAD_PERCENT = 1.0
BIG = 1_000_000
"""Sizes above this take minutes to generate and load: only with ``--huge``."""


@dataclass(frozen=True)
class Method:
    """One timed load of the rows, and the target it is held to."""

    key: str
    label: str
    loader: str
    """``psql``, ``load_csv``, ``load_json`` or ``load_dataframe``."""
    file: str
    """``sorted``, ``shuffled``, ``jsonl`` or ``bad`` (the spoiled CSV)."""
    against: str | None = None
    """The method whose time in the same round this one's is divided by; None: a reference."""
    limit: float | None = None
    options: dict[str, Any] = field(default_factory=dict)


METHODS = {
    method.key: method
    for method in (
        Method("psql", "psql \\copy, sorted file", "psql", "sorted"),
        Method("psql_shuffled", "psql \\copy, shuffled file", "psql", "shuffled"),
        Method("sorted", "load_csv, sorted file", "load_csv", "sorted", "psql", 1.05),
        Method(
            "shuffled", "load_csv, shuffled file", "load_csv", "shuffled", "psql_shuffled", 1.15
        ),
        Method(
            "parallel", "load_csv parallel=2", "load_csv", "sorted", "psql", 0.85, {"parallel": 2}
        ),
        Method(
            "dataframe",
            "load_dataframe, load alone from a built frame",
            "load_dataframe",
            "sorted",
            "psql",
            0.9,
        ),
        Method("json", "load_json (JSON Lines)", "load_json", "jsonl", "psql", 2.0),
        Method(
            "skip_clean",
            'load_csv on_error="skip", clean file',
            "load_csv",
            "sorted",
            "psql",
            1.5,
            {"on_error": "skip"},
        ),
        Method(
            "skip_bad",
            f'load_csv on_error="skip", {BAD_PERCENT:g}% bad rows',
            "load_csv",
            "bad",
            "skip_clean",
            1.3,
            {"on_error": "skip"},
        ),
    )
}


def _input(method: Method, rows: int) -> Path:
    from bench.data import TABLES, data_files, shuffled_csv, spoiled_csv

    files = data_files(TABLES["narrow"], rows)
    paths: dict[str, Callable[[], Path]] = {
        "sorted": lambda: files.csv,
        "jsonl": lambda: files.jsonl,
        "shuffled": lambda: shuffled_csv(files),
        "bad": lambda: spoiled_csv(files, percent=BAD_PERCENT).path,
    }
    return paths[method.file]()


def _names_an_option(error: Exception, options: dict[str, Any]) -> bool:
    return any(name in str(error) for name in options)


def run_child(task: dict[str, Any]) -> dict[str, Any]:
    """In a worker process: one load of ``task["rows"]`` rows by ``task["method"]``, timed.

    A DataFrame is built before the clock starts. A ``TypeError`` or ``ValueError`` that
    names one of the method's options means that this safeimport does not offer it yet.
    """
    from django.apps import apps

    from bench.data import TABLES, data_files
    from bench.methods import psql_copy, read_dataframe
    from bench.processes import peak_rss_mb
    from bench.worker import empty_table
    from safeimport import load_csv, load_dataframe, load_json

    method = METHODS[task["method"]]
    model = apps.get_model(TABLES["narrow"].model_label)
    path = _input(method, task["rows"])
    empty_table(model)
    loaders: dict[str, Callable[..., Any]] = {"load_csv": load_csv, "load_json": load_json}
    source: Any = path
    if method.loader == "load_dataframe":
        source = read_dataframe(model, data_files(TABLES["narrow"], task["rows"]))
        loaders["load_dataframe"] = load_dataframe
    result: dict[str, Any] = {"status": "ok"}
    started = time.perf_counter()
    try:
        if method.loader == "psql":
            result |= psql_copy(model, path)
        else:
            report = loaders[method.loader](model, source, **method.options)
            result |= {
                "rows_rejected": report.rows_rejected,
                "load_method": report.method,
                "copy_format": getattr(report, "copy_format", None),
            }
    except (TypeError, ValueError) as error:
        if not _names_an_option(error, method.options):
            raise
        return {"status": "not available", "reason": f"{type(error).__name__}: {error}"}
    result["seconds"] = time.perf_counter() - started
    result.setdefault("peak_rss_mb", peak_rss_mb())
    return result | {"rows_in_table": model._default_manager.count()}


def checked(run: dict[str, Any], method: Method, rows: int, spoiled: int) -> dict[str, Any]:
    """``run`` as it came, or turned into an error when the rows in the table (or the rows
    rejected, on the spoiled file) are not the ones expected."""
    if run.get("status") != "ok":
        return run
    expected = rows - spoiled if method.file == "bad" else rows
    if run["rows_in_table"] != expected:
        reason = f"{run['rows_in_table']:,} rows in the table, not {expected:,}"
        return run | {"status": "error", "error": reason}
    if method.file == "bad" and run.get("rows_rejected") != spoiled:
        reason = f"{run.get('rows_rejected')} rows rejected, not {spoiled}"
        return run | {"status": "error", "error": reason}
    return run


def verdict(method: Method, entry: dict[str, Any]) -> str:
    """``pass``, ``FAIL``, ``reference``, or why there is no figure."""
    if entry["status"] != "ok":
        return f"{entry['status']}: {entry.get('reason') or entry.get('error') or ''}".strip()
    if method.against is None or method.limit is None:
        return "reference"
    ratio = entry.get("ratio")
    if ratio is None:
        return f"no figure: {method.against} did not run"
    return "pass" if ratio <= method.limit else "FAIL"


def with_references(keys: list[str]) -> list[str]:
    """``keys`` and every method they are divided by, in the order of :data:`METHODS`."""
    wanted = set(keys)
    while True:
        more = {METHODS[key].against for key in wanted} - {None} - wanted
        if not more:
            return [key for key in METHODS if key in wanted]
        wanted |= more  # type: ignore[arg-type]


def summarize(runs: dict[str, list[dict[str, Any]]], rows: int) -> dict[str, dict[str, Any]]:
    """Each method's rounds as one entry: median seconds, paired ratios and the verdict."""
    from bench.paired import combine_rounds, median_ratio, paired_ratios

    entries = {}
    for key, method in METHODS.items():
        if key not in runs:
            continue
        entry: dict[str, Any] = {"label": method.label, "against": method.against}
        entry |= {"limit": method.limit} | combine_rounds(runs[key], rows)
        if entry["status"] == "ok" and method.against is not None:
            entry["ratios"] = paired_ratios(runs[key], runs[method.against])
            entry["ratio"] = median_ratio(runs[key], runs[method.against])
        entry["verdict"] = verdict(method, entry)
        entries[key] = entry
    return entries


def memory_check(peaks: dict[int, float]) -> dict[str, Any]:
    """Whether ``load_csv``'s peak memory stays flat over the sizes of ``peaks``."""
    from bench.targets import FLAT_MEMORY

    smallest, largest = min(peaks), max(peaks)
    ratio = peaks[largest] / peaks[smallest]
    return {
        "peak_rss_mb": {str(rows): peak for rows, peak in sorted(peaks.items())},
        "ratio": ratio,
        "limit": FLAT_MEMORY,
        "verdict": "pass" if ratio <= FLAT_MEMORY else "FAIL",
    }


def _figures(values: list[float]) -> str:
    return " ".join(f"{value:.2f}" for value in values) or "-"


def _path(entry: dict[str, Any]) -> str:
    """How safeimport loaded the rows (``LoadReport.method`` and ``copy_format``), over the
    rounds."""
    paths = {
        " ".join(filter(None, (run.get("load_method"), run.get("copy_format"))))
        for run in entry["rounds"]
    }
    return ", ".join(sorted(path for path in paths if path))


def markdown(results: dict[str, Any]) -> str:
    """The table of targets, and the memory check, as markdown."""
    from bench.report import machine_line

    config = results["config"]
    lines = [
        "# Speed targets (issue 15)",
        "",
        f"Machine: {machine_line(results)}; "
        f"max_prepared_transactions {config['max_prepared_transactions']}.",
        "",
        f"{config['rows']:,} rows of the 6-column table, seed {config['seed']}, "
        f"{config['rounds']} round(s); {config['spoiled']:,} rows spoiled in the bad file. "
        f"Load average (1, 5, 15 min) before: {_figures(results['load_average']['before'])}; "
        f"after: {_figures(results['load_average']['after'])}.",
        "",
        "| method | against | limit | ratio (median) | per round | verdict | seconds per run "
        "| peak RSS MB | path |",
        "|---|---|--:|--:|---|---|---|--:|---|",
    ]
    for entry in results["methods"].values():
        seconds = [run["seconds"] for run in entry["rounds"] if "seconds" in run]
        ratio = entry.get("ratio")
        peak = entry.get("peak_rss_mb")
        lines.append(
            f"| {entry['label']} | {METHODS[entry['against']].label if entry['against'] else ''} | "
            f"{'' if entry['limit'] is None else entry['limit']} | "
            f"{'' if ratio is None else f'{ratio:.2f}'} | {_figures(entry.get('ratios', []))} | "
            f"{entry['verdict']} | {_figures(seconds)} | "
            f"{'' if peak is None else f'{peak:.0f}'} | {_path(entry)} |"
        )
    orders = "; ".join(
        f"{number}: {', '.join('+'.join(pair) for pair in order)}"
        for number, order in enumerate(results["orders"], start=1)
    )
    memory = results["memory"]
    peaks = ", ".join(
        f"{int(rows):,} rows {peak:.0f} MB" for rows, peak in memory["peak_rss_mb"].items()
    )
    lines += [
        "",
        f"Pairs of each round, in order (each method beside its reference): {orders}.",
        "",
        f"load_csv peak RSS, sorted file: {peaks}; largest / smallest {memory['ratio']:.2f} "
        f"(flat: <= {memory['limit']}): {memory['verdict']}.",
    ]
    if config["rounds"] < 3:
        lines += ["", "Fewer than 3 rounds: a smoke run, not a verdict."]
    return "\n".join(lines) + "\n"


def run_rounds(
    rows: int, rounds: int, spoiled: int, database: str, keys: list[str]
) -> tuple[dict[str, list[dict[str, Any]]], list[list[list[str]]]]:
    """Every method once a round, each in a worker process beside a run of its reference
    (the two in turn first); the runs of each method (with their round, position and pair)
    and the pairs of each round, in order. A method that is not available or fails is not
    run again."""
    from bench import processes
    from bench.paired import round_order

    runs: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    targets = [key for key in keys if METHODS[key].against is not None]
    orders = []
    for index in range(rounds):
        pairs = []
        for position, key in enumerate(round_order(targets, index, rounds), start=1):
            against = METHODS[key].against
            assert against is not None
            pair = [against, key] if (index + position) % 2 else [key, against]
            pairs.append(pair)
            for member in pair:
                if any(run.get("status") != "ok" for run in runs[member]):
                    continue
                result = processes.run(
                    {"kind": "speed", "method": member, "rows": rows}, database=database
                )
                run = checked(result, METHODS[member], rows, spoiled)
                where = {"round": index + 1, "position": position, "pair": f"{index + 1}:{key}"}
                runs[member].append(run | where)
                shown = f"{run['seconds']:.2f} s" if run["status"] == "ok" else run["status"]
                print(f"round {index + 1}: {member}: {shown}", file=sys.stderr, flush=True)
        orders.append(pairs)
    return runs, orders


def rss_peaks(sizes: list[int], database: str) -> dict[int, float]:
    """``load_csv``'s peak memory on the sorted file at each of ``sizes``."""
    from bench import processes

    peaks = {}
    for rows in sizes:
        run = processes.run({"kind": "speed", "method": "sorted", "rows": rows}, database=database)
        if run.get("status") != "ok":
            raise RuntimeError(f"load_csv at {rows:,} rows: {run.get('error')}")
        peaks[rows] = float(run["peak_rss_mb"])
    return peaks


def main(argv: list[str]) -> dict[str, Any]:
    """Parse the arguments, run the rounds and the memory check, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=BIG)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rss-rows", type=int, nargs="+", help="default: 100000 and --rows")
    parser.add_argument("--huge", action="store_true", help="allow sizes over 1,000,000 rows")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--only", nargs="+", choices=list(METHODS), help="default: every method")
    args = parser.parse_args(argv)
    keys = with_references(args.only or list(METHODS))
    rss_rows = sorted(set(args.rss_rows or [100_000, 5_000_000 if args.huge else args.rows]))
    if args.rounds < 1 or len(rss_rows) < 2:
        parser.error("--rounds must be at least 1, and --rss-rows needs two sizes")
    if max(args.rows, *rss_rows) > BIG and not args.huge:
        parser.error(f"sizes over {BIG:,} rows run only with --huge")

    sys.path.insert(0, str(ROOT))
    embedded = not os.environ.get("DATABASE_URL")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    django.setup()
    from django.db import connection

    from bench.data import SEED, TABLES, data_files, spoiled_csv
    from bench.run import machine

    for rows in {args.rows, *rss_rows}:
        data_files(TABLES["narrow"], rows)  # written once, outside the timings
    for key in keys:
        _input(METHODS[key], args.rows)
    spoiled = spoiled_csv(data_files(TABLES["narrow"], args.rows), percent=BAD_PERCENT).spoiled
    server_database = connection.settings_dict["NAME"]
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    load_before = list(os.getloadavg())
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_prepared_transactions")
            (prepared,) = cursor.fetchone()
        runs, orders = run_rounds(args.rows, args.rounds, spoiled, database, keys)
        peaks = rss_peaks(rss_rows, database)
        machine_figures = machine(embedded=embedded)
    finally:
        connection.creation.destroy_test_db(server_database, verbosity=0)
    results = {
        "machine": machine_figures,
        "config": {
            "rows": args.rows,
            "rounds": args.rounds,
            "seed": SEED,
            "spoiled": spoiled,
            "rss_rows": rss_rows,
            "max_prepared_transactions": prepared,
        },
        "load_average": {"before": load_before, "after": list(os.getloadavg())},
        "orders": orders,
        "methods": summarize(runs, args.rows),
        "memory": memory_check(peaks),
    }
    text = markdown(results)
    print(text, end="")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
