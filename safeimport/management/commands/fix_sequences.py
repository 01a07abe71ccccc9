"""``manage.py fix_sequences``: find the sequences behind their data and move them past it."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from ...errors import SafeImportError
from ...sequences import (
    Action,
    SequenceChange,
    Status,
    SyncReport,
    audit_tables,
    describe_moves,
    resolve_models,
    sync_states,
    tables_of,
)

_HEADERS = ("model", "table", "sequence", "last value", "data max", "status", "action")


class Command(BaseCommand):
    """Report every sequence that is behind its table's data, and raise it past the data."""

    help = (
        "Find the primary-key sequences that are behind their tables' data (the next insert "
        "would fail with a duplicate key) and move each to the first free value. Never lowers "
        "a sequence. With no label: every model of every installed app."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare the command's options."""
        parser.add_argument(
            "labels",
            nargs="*",
            metavar="app_label[.ModelName]",
            help="Apps or models to fix. None: every installed model.",
        )
        parser.add_argument(
            "--all-models",
            action="store_true",
            help="Every model of every installed app (the same as giving no label).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would move; change nothing."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; exit with status 1 when any sequence is behind.",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help='The database to fix. Defaults to the "default" database.',
        )
        parser.add_argument(
            "--format",
            choices=("text", "json"),
            default="text",
            help="text (a table and a summary line) or json (the whole report).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Audit, sync unless told not to, and report."""
        labels: list[str] = [] if options["all_models"] else options["labels"]
        alias: str = options["database"]
        dry_run = bool(options["dry_run"] or options["check"])
        connection = connections[alias]
        if connection.vendor != "postgresql":
            raise CommandError(f"fix_sequences needs PostgreSQL; {alias!r} is {connection.vendor}.")
        models = [label for label in labels if "." in label]
        apps = [label for label in labels if "." not in label]
        try:
            found = resolve_models(models, apps=apps, using=alias)
            audit = audit_tables(connection, tables_of(connection, found))
            audit.sequences.sort(key=lambda state: (state.models or state.tables, state.sequence))
            report = sync_states(connection, audit, dry_run=dry_run)
        except (SafeImportError, DatabaseError) as exc:
            raise CommandError(str(exc)) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(_as_json(report, alias, options["check"]), indent=2))
        else:
            self._write_text(report, alias, int(options["verbosity"]))
        if options["check"] and audit.behind:
            sys.exit(1)

    def _write_text(self, report: SyncReport, alias: str, verbosity: int) -> None:
        if verbosity < 1:
            return
        rows = [_row(change) for change in report.changes]
        if rows:
            widths = [max(len(r[i]) for r in [_HEADERS, *rows]) for i in range(len(_HEADERS))]
            header = "  ".join(h.ljust(w) for h, w in zip(_HEADERS, widths, strict=True))
            self.stdout.write(header.rstrip())
            for change, row in zip(report.changes, rows, strict=True):
                line = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                self.stdout.write(self._style(change)(line.rstrip()))
                if verbosity >= 2 and change.state.note:
                    self.stdout.write(f"    {change.state.note}")
                if verbosity >= 3:
                    self.stdout.write(f"    {_definition(change)}")
        if verbosity >= 2:
            for skipped in report.skipped:
                self.stdout.write(f"Skipped {skipped.model or skipped.table}: {skipped.reason}")
        self.stdout.write(_summary(report, alias))

    def _style(self, change: SequenceChange) -> Any:
        if change.action is Action.RAISED:
            return self.style.SUCCESS
        if change.state.status in (Status.BEHIND, Status.EXHAUSTED, Status.NOT_PERMITTED):
            return (
                self.style.ERROR if change.action is not Action.WOULD_RAISE else self.style.WARNING
            )
        if change.state.status is Status.INEXACT:
            return self.style.WARNING
        return str


def _row(change: SequenceChange) -> tuple[str, ...]:
    state = change.state
    last = "-" if state.last_value is None else str(state.last_value)
    if state.is_called is False:
        last += " (unused)"
    edge = "-" if state.data_edge is None else str(state.data_edge)
    if change.action in (Action.RAISED, Action.WOULD_RAISE):
        action = f"{change.action}: next {change.next_before} -> {change.next_after}"
    elif change.action is Action.NOT_PERMITTED:
        action = "not permitted to update"
    else:
        action = "-"
    return (
        ", ".join(state.models) or "-",
        ", ".join(state.tables),
        state.sequence,
        last,
        edge,
        str(state.status),
        action,
    )


def _definition(change: SequenceChange) -> str:
    s = change.state
    columns = ", ".join(f"{use.table}.{use.column} ({use.link})" for use in s.uses)
    return (
        f"{s.data_type} START {s.start} INCREMENT {s.increment} MINVALUE {s.min_value} "
        f"MAXVALUE {s.max_value} CACHE {s.cache}{' CYCLE' if s.cycle else ''}; "
        f"target {s.target}; columns: {columns}"
    )


def _summary(report: SyncReport, alias: str) -> str:
    behind = [c for c in report.changes if c.state.status in (Status.BEHIND, Status.EXHAUSTED)]
    text = f"Checked {len(report.changes)} sequence(s) on database {alias!r}: {len(behind)} behind"
    if report.moved:
        verb = "would move" if report.dry_run else "moved"
        text += f"; {verb} {len(report.moved)}: {describe_moves(report.moved)}"
    if report.not_permitted:
        text += f"; {len(report.not_permitted)} not permitted"
    return text + "."


def _as_json(report: SyncReport, alias: str, check: bool) -> dict[str, Any]:
    return {
        "database": alias,
        "dry_run": report.dry_run,
        "check": check,
        "sequences": [{**change.state.as_dict(), **change.as_dict()} for change in report.changes],
        "skipped": [skipped.as_dict() for skipped in report.skipped],
        "summary": _summary(report, alias),
    }
