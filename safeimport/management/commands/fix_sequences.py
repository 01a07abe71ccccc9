"""``manage.py fix_sequences``: find the sequences behind their data and move them past it.

With ``--check`` it changes nothing and exits with status 1 when a sequence is behind,
exhausted (no free value left) or unreadable (the role may not read it, or row-level
security hides rows), and, with ``--headroom PERCENT``, when a sequence has used that share
of its range. ``--report json`` prints the report in the versioned shape described in
docs/report-schema.md (``"schema": 1``).
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from ...errors import SafeImportError
from ...sequences import (
    Action,
    Audit,
    SequenceChange,
    Status,
    SyncReport,
    audit_tables,
    describe_moves,
    resolve_models,
    sync_states,
    tables_of,
)
from ._sequence_report import REPORT_SCHEMA, Counts, sequence_entry

_HEADERS = (
    "model",
    "table",
    "sequence",
    "last value",
    "data max",
    "range used",
    "status",
    "action",
)


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 100:
        raise ArgumentTypeError(f"{text} is not a percentage above 0 and up to 100")
    return value


class Command(BaseCommand):
    """Report every sequence that is behind its table's data, and raise it past the data."""

    help = (
        "Find the primary-key sequences that are behind their tables' data (the next insert "
        "would fail with a duplicate key) and move each to the first free value. Never lowers "
        "a sequence. Also reports each sequence's headroom: the share of its range used and "
        "the values left. With no label: every model of every installed app."
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
            help=(
                "Change nothing; exit with status 1 when any sequence is behind, exhausted or "
                "unreadable (and, with --headroom, near exhaustion)."
            ),
        )
        parser.add_argument(
            "--headroom",
            type=_percent,
            metavar="PERCENT",
            help=(
                "A sequence that has used this share of its range or more is near exhaustion "
                "(default: the SAFEIMPORT_HEADROOM_WARN setting, 75); with --check, it fails "
                "the check."
            ),
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help='The database to fix. Defaults to the "default" database.',
        )
        parser.add_argument(
            "--report",
            "--format",
            dest="report",
            choices=("text", "json"),
            default="text",
            help=(
                "text (a table and a summary line) or json (the whole report, schema 1: "
                "docs/report-schema.md). --format is another name for it."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Audit, sync unless told not to, and report."""
        labels: list[str] = [] if options["all_models"] else options["labels"]
        alias: str = options["database"]
        headroom: float | None = options["headroom"]
        dry_run = bool(options["dry_run"] or options["check"])
        connection = connections[alias]
        if connection.vendor != "postgresql":
            raise CommandError(f"fix_sequences needs PostgreSQL; {alias!r} is {connection.vendor}.")
        models = [label for label in labels if "." in label]
        apps = [label for label in labels if "." not in label]
        try:
            found = resolve_models(models, apps=apps, using=alias)
            audit = audit_tables(connection, tables_of(connection, found), headroom_warn=headroom)
            audit.sequences.sort(key=lambda state: (state.models or state.tables, state.sequence))
            report = sync_states(connection, audit, dry_run=dry_run)
        except (SafeImportError, DatabaseError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc
        counts = Counts.of(audit, report)
        failed = options["check"] and counts.failed(headroom_checked=headroom is not None)
        summary = _summary(report, counts, audit, alias)
        if options["report"] == "json":
            document = _as_json(report, audit, alias, options["check"], counts, summary, failed)
            self.stdout.write(json.dumps(document, indent=2))
        else:
            self._write_text(report, audit, summary, int(options["verbosity"]))
        if failed:
            sys.exit(1)

    def _write_text(self, report: SyncReport, audit: Audit, summary: str, verbosity: int) -> None:
        if verbosity < 1:
            return
        rows = [_row(change, audit.headroom_warn) for change in report.changes]
        if rows:
            widths = [max(len(r[i]) for r in [_HEADERS, *rows]) for i in range(len(_HEADERS))]
            header = "  ".join(h.ljust(w) for h, w in zip(_HEADERS, widths, strict=True))
            self.stdout.write(header.rstrip())
            for change, row in zip(report.changes, rows, strict=True):
                line = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                self.stdout.write(self._style(change, audit.headroom_warn)(line.rstrip()))
                if verbosity >= 2 and change.state.note:
                    self.stdout.write(f"    {change.state.note}")
                if verbosity >= 3:
                    self.stdout.write(f"    {_definition(change)}")
        if verbosity >= 2:
            for skipped in report.skipped:
                self.stdout.write(f"Skipped {skipped.model or skipped.table}: {skipped.reason}")
        self.stdout.write(summary)

    def _style(self, change: SequenceChange, headroom_warn: float) -> Any:
        status = change.state.status
        if change.action is Action.RAISED:
            return self.style.SUCCESS
        if status in (Status.BEHIND, Status.EXHAUSTED, Status.NOT_PERMITTED, Status.ROWS_HIDDEN):
            return (
                self.style.ERROR if change.action is not Action.WOULD_RAISE else self.style.WARNING
            )
        if status in (Status.INEXACT, Status.NEAR_EXHAUSTION) or _short(change, headroom_warn):
            return self.style.WARNING
        return str


def _short(change: SequenceChange, headroom_warn: float) -> bool:
    """Whether the sequence has used ``headroom_warn`` percent of its range or more."""
    used = change.state.range_used
    return used is not None and used >= headroom_warn


def _row(change: SequenceChange, headroom_warn: float) -> tuple[str, ...]:
    state = change.state
    last = "-" if state.last_value is None else str(state.last_value)
    if state.is_called is False:
        last += " (unused)"
    edge = "-" if state.data_edge is None else str(state.data_edge)
    used = "-"
    if state.range_used is not None and state.ids_left is not None:
        used = f"{state.range_used:.1f}% ({_count(state.ids_left)} left)"
    status = str(state.status)
    if _short(change, headroom_warn) and state.status not in (
        Status.NEAR_EXHAUSTION,
        Status.EXHAUSTED,
    ):
        status += f", {Status.NEAR_EXHAUSTION}"
    if change.action in (Action.RAISED, Action.WOULD_RAISE):
        action = f"{change.action}: next {change.next_before} -> {change.next_after}"
    elif change.action is Action.NOT_PERMITTED:
        action = "not permitted to update"
    else:
        action = "-"
    models = ", ".join(state.models) or "-"
    return (models, ", ".join(state.tables), state.sequence, last, edge, used, status, action)


def _count(number: int) -> str:
    """A count for the table: exact up to a trillion, then to three figures (9.22e+18)."""
    return f"{number:,}" if number < 10**12 else f"{number:.3g}"


def _definition(change: SequenceChange) -> str:
    s = change.state
    columns = ", ".join(f"{use.table}.{use.column} ({use.link})" for use in s.uses)
    return (
        f"{s.data_type} START {s.start} INCREMENT {s.increment} MINVALUE {s.min_value} "
        f"MAXVALUE {s.max_value} CACHE {s.cache}{' CYCLE' if s.cycle else ''}; "
        f"target {s.target}; {s.ids_left} value(s) left; columns: {columns}"
    )


def _summary(report: SyncReport, counts: Counts, audit: Audit, alias: str) -> str:
    near = f"{counts.near_exhaustion} near exhaustion"
    if counts.near_exhaustion:
        near += f" ({audit.headroom_warn:g}% or more of the range used)"
    text = (
        f"Checked {counts.sequences} sequence(s) on database {alias!r}: {counts.behind} behind, "
        f"{counts.exhausted} exhausted, {near}, {counts.unreadable} unreadable"
    )
    if report.moved:
        verb = "would move" if report.dry_run else "moved"
        text += f"; {verb} {len(report.moved)}: {describe_moves(report.moved)}"
    if report.not_permitted:
        text += f"; {len(report.not_permitted)} not permitted to update"
    return text + "."


def _as_json(
    report: SyncReport,
    audit: Audit,
    alias: str,
    check: bool,
    counts: Counts,
    summary: str,
    failed: bool,
) -> dict[str, Any]:
    return {
        "schema": REPORT_SCHEMA,
        "command": "fix_sequences",
        "database": alias,
        "dry_run": report.dry_run,
        "check": check,
        "headroom_warn": audit.headroom_warn,
        "exit_status": 1 if failed else 0,
        "counts": counts.as_dict(),
        "sequences": [sequence_entry(change) for change in report.changes],
        "skipped": [skipped.as_dict() for skipped in report.skipped],
        "summary": summary,
    }
