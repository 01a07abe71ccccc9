"""Loading without COPY, on databases other than PostgreSQL: ``bulk_create`` in batches
from the same inputs, then Django's own sequence reset. The same call then runs on the
SQLite database of a project's tests.

It carries out ``on_conflict``, ``conflict_fields``, ``dry_run``, ``allow_empty`` and, on
SQLite, ``lock_timeout`` (as ``busy_timeout``); it refuses, before reading, the options it
cannot: ``on_error="skip"`` (and so ``reject_file``, ``max_errors``) and ``mode="replace"``.
A row the database refuses fails the load with its line; nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from ..errors import LoadError
from ..sequences import sync_sequences
from .dates import DateText
from .inputs.encode import MISSING, json_text
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
        if isinstance(target.field, models.JSONField):
            # JSON text, or a JSON input's value, whose numbers are Decimals: as the ORM
            # gets it from json.loads (Django's JSONField writes no Decimal)
            return json.loads(value if isinstance(value, str) else json_text(value, target.field))
        if isinstance(value, str):
            value = dates.parse(value, target.field)
        return target.field.to_python(value)
    except (ValidationError, ValueError, TypeError) as exc:
        reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        raise LoadError(reason, source=source, line=line, column=target.name, value=value) from None


def _refuse_what_it_cannot_do(load: Job, vendor: str) -> None:
    """Options this path does not carry out are refused before anything is read.

    Raises:
        ValueError: ``on_error="skip"``, ``mode="replace"``, or a ``lock_timeout`` on a
            database other than SQLite.
    """
    options = load.options
    where = f"on {vendor} (loads there use bulk_create; they need PostgreSQL)"
    if options.on_error != "raise":
        raise ValueError(f"on_error={options.on_error!r} is not available {where}")
    if options.mode != "append":
        raise ValueError(f"mode={options.mode!r} is not available {where}")
    if options.lock_timeout is not None and vendor != "sqlite":
        raise ValueError(f"lock_timeout is not available {where}; pass lock_timeout=None")


@contextmanager
def _busy_timeout(load: Job, connection: BaseDatabaseWrapper) -> Iterator[None]:
    """SQLite's ``busy_timeout`` for the load: how long it waits for a lock, as
    ``lock_timeout`` does on PostgreSQL (``0``: as long as it takes)."""
    seconds = load.options.lock_timeout
    if seconds is None:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (previous,) = cursor.fetchone()
        wait = 2**31 - 1 if seconds == 0 else max(1, round(seconds * 1000))
        cursor.execute(f"PRAGMA busy_timeout = {int(wait)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _save(
    load: Job,
    manager: Any,
    batch: list[tuple[int, models.Model]],
    create: dict[str, Any],
) -> None:
    """``bulk_create`` one batch; when the database refuses it, find the row it refuses
    (the rows again one at a time, each in a savepoint, in order) and fail with its line.
    The load's transaction is rolled back by the failure."""
    try:
        with transaction.atomic(using=load.alias):
            manager.bulk_create([row for _, row in batch], **create)
        return
    except DatabaseError as error:
        batch_error = error
    for line, row in batch:
        try:
            with transaction.atomic(using=load.alias):
                manager.bulk_create([row], **create)
        except DatabaseError as error:
            raise LoadError(
                f"the database refused the row: {error}", source=load.source, line=line
            ) from error
    raise LoadError(
        f"the database refused the rows: {batch_error}", source=load.source
    ) from batch_error


def load_with_bulk_create(load: Job) -> LoadReport:
    """Run ``load`` with ``bulk_create`` in batches of 1,000 rows.

    Raises:
        ValueError: an option this path does not carry out (see
            :func:`_refuse_what_it_cannot_do`).
        LoadError: a value that does not convert, or a row the database refuses, with its
            line; nothing is written.
    """
    connection = connections[load.alias]
    _refuse_what_it_cannot_do(load, connection.vendor)
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
    with _busy_timeout(load, connection), transaction.atomic(using=load.alias):
        before = manager.count()
        batch: list[tuple[int, models.Model]] = []
        for line, values in load.data.records(plan):
            fields = {
                target.field.attname: _python(values[index], target, source, line, load.data.dates)
                for index, target in targets
                if values[index] is not MISSING
            }
            batch.append((line, load.model(**fields)))
            report.rows_read += 1
            if len(batch) >= BATCH:
                _save(load, manager, batch, create)
                batch = []
        if batch:
            _save(load, manager, batch, create)
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
