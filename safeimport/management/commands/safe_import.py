"""``manage.py safe_import``: load a file into a model at COPY speed, sequences left right."""

from __future__ import annotations

import importlib.util
import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model

from ...errors import LoadError, SafeImportError, UnmatchedColumnsError
from ...loaders import LoadReport
from ._import_arguments import (
    check_csv_options,
    check_parallel,
    check_skip_options,
    column_names,
    connection_count,
    loader_arguments,
    lock_timeout,
    max_errors,
)
from ._import_input import FORMATS, STDIN, input_format, load_input

# The exit status of a load that rejected rows and wrote none (with --on-error skip).
NOTHING_WRITTEN = 2


class Command(BaseCommand):
    """Load a CSV, JSON, JSON Lines or spreadsheet file into a model."""

    help = (
        "Load a file (or standard input, as -) into a model with COPY, raising the model's "
        "sequences past the file's ids before the rows become visible, so that the "
        "application's inserts never collide with them. The format is told by the file's "
        "extension unless given; a .gz, .bz2 or .xz file is decompressed as it is read. "
        "Exit status: 0 when the load is done (with --on-error skip, also when some rows "
        "were rejected); 1 when it is refused and nothing is written: a bad row with "
        "--on-error raise, more than --max-errors rejected rows, a lock not granted within "
        "--lock-timeout, or a cancelled replace, and with --validate when a row is bad; 2 "
        "when rows were rejected and none written (--on-error skip and every row bad)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare the command's options."""
        parser.add_argument("model", metavar="app_label.ModelName", help="The model to load.")
        parser.add_argument(
            "file", help="The file to load; - reads standard input (csv unless --input-format)."
        )
        parser.add_argument(
            "--input-format",
            choices=FORMATS,
            help="The file's format (default: its extension; csv for standard input).",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="Load file column COLUMN into FIELD (a field name or attname); "
            "COLUMN= drops the column. Repeat for several.",
        )
        parser.add_argument(
            "--ignore-unknown-columns",
            action="store_true",
            help="Drop file columns that match no field instead of failing.",
        )
        parser.add_argument(
            "--on-conflict",
            choices=("error", "skip", "update"),
            default="error",
            help="What a row whose key is taken does: fail the load (default), is skipped, "
            "or updates the row.",
        )
        parser.add_argument(
            "--conflict-fields",
            nargs="+",
            metavar="FIELD",
            help="The unique fields that tell a taken key (default: the primary key).",
        )
        parser.add_argument(
            "--on-error",
            choices=("raise", "skip"),
            default="raise",
            help="What a bad row does (a value that does not convert, a duplicate key, a "
            "check or foreign key violation...): fail the load, writing nothing (default), "
            "or is left out and counted as rejected.",
        )
        parser.add_argument(
            "--reject-file",
            metavar="PATH",
            help="With --on-error skip: write each rejected row there, as CSV with the "
            "columns line, reason and record (the line as it was in the file).",
        )
        parser.add_argument(
            "--max-errors",
            type=max_errors,
            metavar="N",
            help="With --on-error skip: refuse the load, writing nothing, when more than N "
            "rows are rejected.",
        )
        parser.add_argument(
            "--mode",
            choices=("append", "replace"),
            default="append",
            help="append adds the file's rows (default); replace makes the table hold "
            "exactly the file's rows, in one transaction (asks for confirmation).",
        )
        parser.add_argument(
            "--lock-timeout",
            type=lock_timeout,
            default=5.0,
            metavar="SECONDS",
            help="How long to wait for a lock before failing (default 5); 0 waits as long "
            "as it takes; none keeps the server's setting.",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation of --mode replace.",
        )
        parser.add_argument(
            "--date-order",
            choices=("DMY", "MDY"),
            help="Read dates written with the day and month as numbers before the year "
            "(05/01/2024) day first (DMY) or month first (MDY). Without it only ISO 8601 "
            "dates (2024-01-05) are read, and such a date fails the load.",
        )
        parser.add_argument(
            "--delimiter",
            help="The CSV field separator (default: tab for tsv; for csv, the one the first "
            "line uses most among , ; tab and |).",
        )
        parser.add_argument("--encoding", default="utf-8", help="The file's encoding.")
        parser.add_argument(
            "--null",
            metavar="TEXT",
            help="CSV and TSV: the unquoted text that means NULL, such as NULL or \\N "
            "(default: an empty field).",
        )
        parser.add_argument(
            "--no-header",
            action="store_false",
            dest="header",
            help="CSV and TSV: the first line is a row, not the column names; name the "
            "columns with --columns.",
        )
        parser.add_argument(
            "--columns",
            type=column_names,
            metavar="FIELD,FIELD,...",
            help="With --no-header: the fields of the file's columns, in order (field "
            "names or attnames, e.g. id,title,playlist_id).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Load, report and roll back; no sequence is touched.",
        )
        parser.add_argument(
            "--validate",
            action="store_true",
            help="Read the whole file and list every bad row (line, column, value, reason); "
            "write nothing, touch no sequence; exit with status 1 when a row is bad.",
        )
        parser.add_argument(
            "--parallel",
            type=connection_count,
            default=1,
            metavar="N",
            help="COPY on N connections at once, committed as one with two-phase commit "
            "(the server needs max_prepared_transactions >= N); a plain load only, without "
            "--on-conflict, --on-error skip, --mode replace, --dry-run or --validate. A "
            "file that is not in id order loads on one connection (see docs/parallel.md).",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help='The database to load into. Defaults to the "default" database.',
        )
        parser.add_argument(
            "--report",
            choices=("text", "json"),
            default="text",
            help="text (a summary line) or json (the whole report).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Load the file and print the report."""
        model = self._model(options["model"])
        file_format = input_format(options["file"], options["input_format"])
        check_skip_options(options)
        check_parallel(options)
        check_csv_options(file_format, options)
        if options["mode"] == "replace" and not (options["dry_run"] or options["validate"]):
            self._confirm_replace(model, options)
        arguments = loader_arguments(options, progress=self._progress())
        try:
            report = load_input(model, options["file"], file_format, options, arguments)
        except UnmatchedColumnsError as exc:  # said with this command's flags
            reason = exc.describe("--map COLUMN=FIELD", "--ignore-unknown-columns")
            raise CommandError(str(LoadError(reason, source=exc.source, line=exc.line))) from exc
        except SafeImportError as exc:
            raise CommandError(str(exc)) from exc
        self._print(report, options)
        if report.validate and report.rows_rejected:
            sys.exit(1)
        if report.rows_rejected and not (report.rows_written or report.rows_updated):
            where = f"; see {report.reject_file}" if report.reject_file else ""
            raise CommandError(
                f"Every row was rejected ({report.rows_rejected} of {report.rows_read}): "
                f"nothing {'would be' if report.dry_run else 'was'} written{where}.",
                returncode=NOTHING_WRITTEN,
            )

    def _print(self, report: LoadReport, options: dict[str, Any]) -> None:
        """The report, as ``--report`` and ``--verbosity`` ask."""
        if options["report"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
        elif options["verbosity"] > 0:
            for row in report.rejects:
                self.stdout.write(row.describe())
            self.stdout.write(report.summary())

    def _confirm_replace(self, model: type[Model], options: dict[str, Any]) -> None:
        """Ask before a replace, as flush and collectstatic do."""
        if not options["interactive"]:
            return
        file = options["file"]
        if file == STDIN:
            raise CommandError(
                "--mode replace reading standard input needs --noinput: the confirmation "
                "cannot be read from standard input while it carries the rows"
            )
        rows = model._base_manager.using(options["database"]).count()
        answer = input(
            f"This will replace every row of {model._meta.label} ({rows} rows) with the rows "
            f"of {file}. Type 'yes' to continue, or 'no' to cancel: "
        )
        if answer != "yes":
            raise CommandError("Import cancelled; nothing was written.")

    def _model(self, label: str) -> type[Model]:
        try:
            return apps.get_model(label)
        except (LookupError, ValueError) as exc:
            raise CommandError(f"Unknown model {label!r}: {exc}") from exc

    def _progress(self) -> bool:
        """A bar on a terminal, when tqdm is installed."""
        return self.stderr.isatty() and importlib.util.find_spec("tqdm") is not None
