"""One benchmark task in a process of its own, so that its peak memory is its own.

    python -m bench.worker TASK_JSON RESULT_PATH

``bench.run`` starts it with ``DJANGO_SETTINGS_MODULE=bench.settings`` and the benchmark's
database in ``SAFEIMPORT_BENCH_DATABASE``; the task's result is written to RESULT_PATH as JSON.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import django

from .processes import peak_rss_mb


def empty_table(model: Any) -> None:
    """Empty ``model``'s table, restart its sequence, and flush dirty pages before timing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)} RESTART IDENTITY"
        )
        cursor.execute("CHECKPOINT")


def next_create(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Whether a plain ``create()`` succeeds now, and the id it got or the error it raised."""
    from django.db import IntegrityError

    try:
        created = model.objects.create(**values)
    except IntegrityError as error:
        return {"ok": False, "error": str(error).splitlines()[0]}
    return {"ok": True, "id": created.pk}


def run_method(task: dict[str, Any]) -> dict[str, Any]:
    """Time one method on one table and size, then check the next ``create()``.

    A method that leaves other than every row in the table is an error, whatever it said.
    """
    from django.apps import apps

    from .data import TABLES, data_files
    from .methods import METHODS, Unavailable

    table = TABLES[task["table"]]
    method = METHODS[task["method"]]
    model = apps.get_model(table.model_label)
    files = data_files(table, task["rows"])
    result: dict[str, Any] = {"method": method.key, "table": table.key, "rows": task["rows"]}
    empty_table(model)
    try:
        prepared = method.prepare(model, files)
        peak_before_load = peak_rss_mb()
        started = time.perf_counter()
        extra = method.load(model, prepared)
        seconds = time.perf_counter() - started
    except ImportError as error:
        return result | {"status": "skipped", "reason": skip_reason(error)}
    except Unavailable as error:
        return result | {"status": "skipped", "reason": str(error)}
    rows_in_table = model.objects.count()
    if rows_in_table != task["rows"]:
        reason = f"{rows_in_table:,} rows in the table, not {task['rows']:,}"
        return result | {"status": "error", "error": reason, "seconds": seconds}
    return result | {
        "status": "ok",
        "seconds": seconds,
        "rows_per_second": task["rows"] / seconds,
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_before_load_mb": peak_before_load,
        "rows_in_table": rows_in_table,
        "next_create": next_create(model, table.new_row()),
        **(extra or {}),
    }


def skip_reason(error: ImportError) -> str:
    """Why a method could not run: the import that failed, without the file's path."""
    return "not installed: " + re.sub(r" \(/[^)]*\)$", "", str(error))


def _tasks() -> dict[str, Any]:
    from . import audit, live, speed

    return {
        "method": run_method,
        "speed": speed.run_child,
        "audit": audit.run,
        "writers": live.run_writers,
        "live_load": live.run_load,
    }


def main(argv: list[str]) -> None:
    """Run the task given as JSON and write its result."""
    task_json, result_path = argv
    task = json.loads(task_json)
    django.setup()
    result = _tasks()[task["kind"]](task)
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
