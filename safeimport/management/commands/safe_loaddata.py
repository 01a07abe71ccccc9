"""``manage.py safe_loaddata``: Django's ``loaddata`` that leaves every sequence right.

The command is Django's own ``loaddata`` (subclassed, not copied), so every option and
behaviour stays: fixture lookup, formats, compression, standard input (``-``), ``--app``,
``--exclude``, ``--ignorenonexistent``, ``--database``, natural keys, one transaction per
load and errors that name the fixture and the object. Only the sequence reset at the end
of the load is replaced: instead of Django's ``setval(pg_get_serial_sequence(...), max(id))``
per loaded model, safeimport's engine audits every table the load wrote to (a proxy's
concrete table, multi-table-inheritance parents, many-to-many tables) and raises each
sequence behind those tables, found through the catalog (unowned and shared sequences
too), to the exact next free value for its INCREMENT. A sequence is never lowered.

Added options: ``--dry-run`` and ``--report json``. Rows that draw their ids from a
sequence during a dry run (many-to-many links, say) still consume values, as any rolled
back insert does: a gap, never a duplicate.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializedObject
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from ..._db import is_postgresql
from ..._load.progress import Progress
from ..._locks import hold_back_writers
from ...errors import SafeImportError, SequenceError
from ...sequences import (
    Action,
    SequenceChange,
    Status,
    SyncReport,
    audit_tables,
    describe_move,
    sync_states,
    tables_of,
)


class Command(loaddata.Command):
    """``loaddata`` with safeimport's sequence sync, ``--dry-run`` and ``--report json``."""

    help = (
        "Installs the named fixture(s) in the database, like loaddata, and then moves every "
        "sequence behind the loaded tables to its first free value (never lowering one)."
    )

    progress_threshold = 5000
    """Objects loaded before a progress display appears on a terminal."""

    def add_arguments(self, parser: CommandParser) -> None:
        """loaddata's options, plus ``--dry-run`` and ``--report``."""
        super().add_arguments(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=(
                "Load inside a transaction, report what would be written and which sequences "
                "would move, then roll back. No sequence is set."
            ),
        )
        parser.add_argument(
            "--lock",
            action="store_true",
            help=(
                "Lock each model's tables against other writers (SHARE ROW EXCLUSIVE) before "
                "its first object is saved, until the load commits, so that the "
                "application's inserts wait instead of drawing the fixture's ids and failing."
            ),
        )
        parser.add_argument(
            "--report",
            choices=("text", "json"),
            default="text",
            help=(
                "text (loaddata's lines and one line per sequence moved) or json (the whole "
                "report, and nothing else, on standard output)."
            ),
        )

    def handle(self, *fixture_labels: str, **options: Any) -> None:
        """Load as loaddata does, sync the sequences, report."""
        alias: str = options["database"]
        self.dry_run: bool = options["dry_run"]
        self.sync_report = SyncReport(dry_run=self.dry_run)
        self.written: Counter[str] = Counter()
        self.locked: set[str] = set()
        self.lock: bool = options["lock"]
        verbosity = int(options["verbosity"])
        as_json = options["report"] == "json"
        if as_json:
            options = {**options, "verbosity": 0}  # loaddata's own lines would spoil the JSON
        self.progress = Progress(
            self.stderr,
            threshold=self.progress_threshold,
            unit="objects",
            enabled=1 <= verbosity <= 2,  # at 3, loaddata counts the objects itself
        )
        try:
            if self.dry_run:
                with transaction.atomic(using=alias):
                    super().handle(*fixture_labels, **options)
                    transaction.set_rollback(True, using=alias)
            else:
                super().handle(*fixture_labels, **options)
        except SafeImportError as exc:
            reason = str(exc).rstrip(".")
            raise CommandError(f"{reason}. The load was rolled back: nothing was written.") from exc
        finally:
            self.progress.close()
        if as_json:
            self.stdout.write(json.dumps(self._as_json(alias), indent=2))
        else:
            self._write_text(verbosity)

    def save_obj(self, obj: DeserializedObject) -> bool:
        """Save as loaddata does; count what is written, per model, and show progress.

        With ``--lock``, before the first object of a model is saved, its tables are locked
        against other writers (SHARE ROW EXCLUSIVE, until the load commits; readers go on):
        the sequences are only raised past the fixture's ids at the end of the load, and an
        application's insert in between would draw one of them and fail at the commit.
        """
        if self.lock:
            self._lock_tables_of(type(obj.object))
        saved = super().save_obj(obj)
        if saved:
            self.written[obj.object._meta.label] += 1
        self.progress.update()
        return saved

    def _lock_tables_of(self, model: type[Model]) -> None:
        connection = connections[self.using]
        if model._meta.label in self.locked or not is_postgresql(connection):
            return
        self.locked.add(model._meta.label)
        hold_back_writers(connection, [model])

    def reset_sequences(self, connection: BaseDatabaseWrapper, models: set[type[Model]]) -> None:
        """Raise every sequence behind the tables that the load wrote to, inside its
        transaction. On a database other than PostgreSQL, Django's own reset runs.

        Raises:
            SequenceError: a sequence is behind the data and the role may not update it,
                or (``SequenceExhaustedError``) has no free value left; the load is then
                rolled back.
        """
        self.progress.close()
        if not is_postgresql(connection):
            super().reset_sequences(connection, models)
            return
        if self.verbosity >= 2:
            self.stdout.write("Syncing sequences")
        audit = audit_tables(connection, tables_of(connection, models))
        self.sync_report = sync_states(connection, audit, dry_run=self.dry_run)
        stuck = [change.state.sequence for change in self.sync_report.not_permitted]
        if stuck and not self.dry_run:
            raise SequenceError(
                f"The current role may not update {', '.join(stuck)}, behind the loaded data "
                "(the next insert would fail); it needs UPDATE on the sequence"
            )

    def _write_text(self, verbosity: int) -> None:
        if verbosity < 1:
            return
        report = self.sync_report
        if self.dry_run and self.written:
            counts = ", ".join(f"{label} {count}" for label, count in self.written.items())
            self.stdout.write(f"Would write {self.written.total()} object(s): {counts}")
        for change in report.changes:
            line = _describe(change)
            if change.action is Action.NOT_PERMITTED or change.state.status is Status.EXHAUSTED:
                self.stderr.write(line)
            elif change.action in (Action.RAISED, Action.WOULD_RAISE) or verbosity >= 2:
                self.stdout.write(line)
        if verbosity >= 2:
            for skipped in report.skipped:
                self.stdout.write(f"Skipped {skipped.model or skipped.table}: {skipped.reason}")
        if self.dry_run:
            self.stdout.write("Dry run: rolled back, nothing was written.")

    def _as_json(self, alias: str) -> dict[str, Any]:
        report = self.sync_report
        return {
            "database": alias,
            "dry_run": self.dry_run,
            "fixtures": self.fixture_count,
            "objects_found": self.fixture_object_count,
            "objects_written": self.loaded_object_count,
            "written_by_model": dict(self.written),
            "sequences": [{**change.state.as_dict(), **change.as_dict()} for change in report],
            "skipped": [skipped.as_dict() for skipped in report.skipped],
            "summary": report.summary(),
        }


def _describe(change: SequenceChange) -> str:
    """One line about one sequence: what moved (or would), or why it could not."""
    state = change.state
    owners = ", ".join(state.models) or ", ".join(state.tables)
    name = f"sequence {state.sequence} ({owners})"
    if change.action is Action.RAISED:
        return f"Moved {describe_move(change)} ({owners})"
    if change.action is Action.WOULD_RAISE:
        return f"Would move {describe_move(change)} ({owners})"
    if change.action is Action.NOT_PERMITTED:
        return f"Not moved {name}: behind its data, and the current role may not update it"
    note = f" ({state.note})" if state.note else ""
    return f"Checked {name}: {state.status}, next value {change.next_before}{note}"
