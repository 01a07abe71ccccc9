"""Loading without COPY, on databases other than PostgreSQL: ``bulk_create`` in batches
from the same inputs, then Django's own sequence reset. The same call then runs on the
SQLite database of a project's tests.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from ..errors import LoadError
from ..sequences import sync_sequences
from .dates import DateText
from .inputs.encode import MISSING
from .job import Job
from .plan import Target
from .report import LoadReport

__all__ = ["load_with_bulk_create"]

BATCH = 1000


def _python(value: Any, target: Target, source: str, line: int, dates: DateText) -> Any:
    """A value as the field's Python type, or a load error that says where."""
    if value is None:
        return None
    try:
        if isinstance(target.field, models.JSONField) and isinstance(value, str):
            return json.loads(value)
        if isinstance(value, str):
            value = dates.parse(value, target.field)
        return target.field.to_python(value)
    except (ValidationError, ValueError, TypeError) as exc:
        reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        raise LoadError(reason, source=source, line=line, column=target.name, value=value) from None


def load_with_bulk_create(load: Job) -> LoadReport:
    """Run ``load`` with ``bulk_create`` in batches of 1,000 rows."""
    plan = load.make_plan()
    options = load.options
    source = load.source
    report = LoadReport(
        load.label, source, dry_run=options.dry_run, method="bulk_create", columns=plan.mapping()
    )
    manager = load.model._base_manager.db_manager(load.alias)
    targets = [(i, t) for i, t in enumerate(plan.targets) if t is not None]
    conflict = load.conflict_fields()
    create: dict[str, Any] = {}
    if options.on_conflict == "skip":
        create = {"ignore_conflicts": True}
    elif options.on_conflict == "update":
        create = {
            "update_conflicts": True,
            "unique_fields": conflict,
            "update_fields": [t.field.name for _, t in targets if t.field.name not in conflict],
        }
    with transaction.atomic(using=load.alias):
        before = manager.count()
        batch: list[models.Model] = []
        for line, values in load.data.records(plan):
            fields = {
                target.field.attname: _python(values[index], target, source, line, load.data.dates)
                for index, target in targets
                if values[index] is not MISSING
            }
            batch.append(load.model(**fields))
            report.rows_read += 1
            if len(batch) >= BATCH:
                manager.bulk_create(batch, **create)
                batch = []
        if batch:
            manager.bulk_create(batch, **create)
        if report.rows_read == 0 and not options.allow_empty:
            raise LoadError("no rows to load (pass allow_empty=True to accept that)", source=source)
        report.rows_written = manager.count() - before
        leftover = report.rows_read - report.rows_written
        if options.on_conflict == "update":
            report.rows_updated = leftover
        else:
            report.rows_skipped = leftover
        if options.dry_run:
            transaction.set_rollback(True, using=load.alias)
        else:
            sync_sequences(load.model, using=load.alias)
    return report
