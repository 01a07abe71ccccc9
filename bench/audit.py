"""How the audit scales: ``audit_sequences`` and ``fix_sequences --dry-run`` over many tables.

Creates 1,000 small tables (models made at run time in the ``benchapp`` app), writes three
rows with explicit ids into each so that every sequence is behind, and times both entry points
over the first 10, 100 and 1,000 of them, counting the SQL statements each sends.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.management import call_command
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from safeimport import audit_sequences

REPEAT = 3
ROWS_PER_TABLE = 3


def _model(number: int) -> type[models.Model]:
    meta = type("Meta", (), {"app_label": "benchapp", "db_table": f"bench_audit_{number:04d}"})
    return type(
        f"Audited{number:04d}",
        (models.Model,),
        {"__module__": __name__, "name": models.CharField(max_length=20), "Meta": meta},
    )


def create_tables(count: int) -> list[type[models.Model]]:
    """``count`` tables, each with rows past its fresh sequence."""
    made = [_model(number) for number in range(1, count + 1)]
    with transaction.atomic(), connection.schema_editor() as editor:
        for model in made:
            editor.create_model(model)
    with transaction.atomic():
        for model in made:
            model._default_manager.bulk_create(
                model(id=pk, name=f"row {pk}") for pk in range(1, ROWS_PER_TABLE + 1)
            )
    return made


def _measure(action: Callable[[], object]) -> dict[str, Any]:
    """The median time of ``REPEAT`` runs of ``action`` and the statements that each sent."""
    times, counts = [], []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        counts.append(len(queries.captured_queries))
    return {"seconds": statistics.median(times), "queries": max(counts)}


def run(task: dict[str, Any]) -> dict[str, Any]:
    """Time the audit and the dry run at each size in ``task["sizes"]``."""
    made = create_tables(max(task["sizes"]))
    results = []
    for size in task["sizes"]:
        subset = made[:size]
        labels = [model._meta.label for model in subset]
        audit = audit_sequences(*subset)
        behind = len(audit.behind)
        results.append(
            {
                "tables": size,
                "behind": behind,
                "audit_sequences": _measure(partial(audit_sequences, *subset)),
                "fix_sequences_dry_run": _measure(
                    partial(
                        call_command, "fix_sequences", *labels, dry_run=True, stdout=io.StringIO()
                    )
                ),
            }
        )
    return {"sizes": results}
