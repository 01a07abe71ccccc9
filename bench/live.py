"""Live writers: an application keeps calling ``create()`` while an import runs.

One process runs 4 writer threads, each calling ``Narrow.objects.create()`` every 5 ms on
its own connection and timing every call; another process runs the import. The table starts
empty with a fresh sequence (next id 1) and the file's ids start at 1,001: the writers draw
ids 1, 2, 3, ... and reach the file's range during a long import, as an application whose
data is being merged into does. What each import approach does to the writers:

- ``load_csv``: safeimport raises the sequence past the file's ids before they become
  visible; the writers should see no error and no stall.
- ``copy_then_sync``: COPY in one transaction, commit, then ``sync_sequences``: a writer that
  draws an id of the file waits on the uncommitted row, then fails with a duplicate key.
- ``copy_locked``: COPY inside ``sequences_synced(lock=True)``: no error, but every writer
  waits for the whole import.

Errors are counted over the writers' whole run (from before the import to after it);
latencies are those of the calls that started while the import ran.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, transaction

from . import processes
from .data import TABLES, data_files
from .worker import empty_table, skip_reason

WRITERS = 4
PAUSE_SECONDS = 0.005
FIRST_FILE_ID = 1001
APPROACHES = ("load_csv", "copy_then_sync", "copy_locked")
_TABLE = TABLES["narrow"]


def _write(stop: threading.Event, records: list[list[Any]], ready: threading.Barrier) -> None:
    """One writer: ``create()`` until told to stop, recording start, latency and outcome."""
    model = apps.get_model(_TABLE.model_label)
    values = _TABLE.new_row()
    try:
        model.objects.create(**values)
        ready.wait()
        while not stop.is_set():
            started = time.monotonic()
            try:
                pk = model.objects.create(**values).pk
            except Exception as error:  # every failure counts, whatever its class
                records.append([started, time.monotonic() - started, str(error).splitlines()[0]])
            else:
                records.append([started, time.monotonic() - started, None, pk])
            time.sleep(PAUSE_SECONDS)
    finally:
        connection.close()


def run_writers(task: dict[str, Any]) -> dict[str, Any]:
    """The writer process: threads that write until ``task["stop_file"]`` appears."""
    stop = threading.Event()
    ready = threading.Barrier(WRITERS + 1)
    records: list[list[Any]] = []
    threads = [threading.Thread(target=_write, args=(stop, records, ready)) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=60)
    Path(task["ready_file"]).touch()
    stop_file = Path(task["stop_file"])
    while not stop_file.exists():
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    return {"records": records}


def run_load(task: dict[str, Any]) -> dict[str, Any]:
    """The import process: load the file with one approach, noting when it ran."""
    from .methods import copy_csv, safeimport_load_csv

    model = apps.get_model(_TABLE.model_label)
    path = data_files(_TABLE, task["rows"], first_id=FIRST_FILE_ID).csv
    approach = task["approach"]
    started = time.monotonic()
    try:
        if approach == "load_csv":
            safeimport_load_csv(model, path)
        elif approach == "copy_then_sync":
            from safeimport import sync_sequences

            with transaction.atomic():
                copy_csv(model, path)
            sync_sequences(model)
        else:
            from safeimport import sequences_synced

            with transaction.atomic(), sequences_synced(model, lock=True):
                copy_csv(model, path)
    except ImportError as error:
        return {"status": "skipped", "reason": skip_reason(error)}
    return {"status": "ok", "started": started, "finished": time.monotonic()}


def _percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def summarize(load: dict[str, Any], records: list[list[Any]]) -> dict[str, Any]:
    """Writer errors over the whole run, and latency (ms) of the calls made during the load."""
    errors = [record[2] for record in records if record[2] is not None]
    during = [
        record[1] * 1000 for record in records if load["started"] <= record[0] <= load["finished"]
    ]
    return {
        "load_seconds": load["finished"] - load["started"],
        "writer_calls": len(records),
        "writer_calls_during_load": len(during),
        "writer_errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "latency_ms": {
            "p50": _percentile(during, 50),
            "p99": _percentile(during, 99),
            "max": max(during, default=0.0),
        },
    }


def live_run(approach: str, rows: int, *, database: str, scratch: Path) -> dict[str, Any]:
    """Run the writers around one import approach and summarize what they saw."""
    model = apps.get_model(_TABLE.model_label)
    data_files(_TABLE, rows, first_id=FIRST_FILE_ID)  # written before anything is timed
    empty_table(model)
    ready_file, stop_file = scratch / f"{approach}.ready", scratch / f"{approach}.stop"
    writers = processes.start(
        {"kind": "writers", "ready_file": str(ready_file), "stop_file": str(stop_file)},
        database=database,
    )
    try:
        while not ready_file.exists() and writers.process.poll() is None:
            time.sleep(0.05)
        time.sleep(0.5)  # the writers at their steady pace before the import starts
        load = processes.run(
            {"kind": "live_load", "approach": approach, "rows": rows}, database=database
        )
        time.sleep(0.5)  # and after it: errors that come from the import's end count too
    finally:
        stop_file.touch()
        written = writers.finish()
    result: dict[str, Any] = {"approach": approach, "rows": rows, "writers": WRITERS}
    if load["status"] != "ok" or "records" not in written:
        return result | {
            "status": load["status"] if load["status"] != "ok" else "error",
            "reason": load.get("reason") or load.get("error") or written.get("error"),
        }
    return result | {
        "status": "ok",
        "rows_in_table": model.objects.count(),
        **summarize(load, written["records"]),
    }
