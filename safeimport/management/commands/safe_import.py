"""``manage.py safe_import``: load a file into a model at COPY speed, sequences left right."""

from __future__ import annotations

import importlib.util
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model

from ...errors import SafeImportError
from ...loaders import LoadReport, load_csv, load_dataset, load_json

# The input formats, and the file extensions that name them.
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
    ".ods": "ods",
    ".yaml": "yaml",
    ".yml": "yaml",
}
# Formats read through tablib, and the extra that installs what each needs.
_TABLIB = {"xlsx": ("xlsx", "openpyxl"), "ods": ("ods", "odf"), "yaml": ("yaml", "yaml")}
FORMATS = ("csv", "tsv", "json", "jsonl", *_TABLIB)


def _missing(extra: str, module: str) -> CommandError | None:
    for name in ("tablib", module):
        if importlib.util.find_spec(name) is None:
            return CommandError(
                f"Reading {extra} files needs tablib with {name}: pip install 'safeimport[{extra}]'"
            )
    return None


class Command(BaseCommand):
    """Load a CSV, JSON, JSON Lines or spreadsheet file into a model."""

    help = (
        "Load a file into a model with COPY, raising the model's sequences past the file's "
        "ids before the rows become visible, so that the application's inserts never "
        "collide with them. The format is told by the file's extension unless given."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare the command's options."""
        parser.add_argument("model", metavar="app_label.ModelName", help="The model to load.")
        parser.add_argument("file", type=Path, help="The file to load.")
        parser.add_argument(
            "--input-format", choices=FORMATS, help="The file's format (default: its extension)."
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
        parser.add_argument("--delimiter", help="The CSV field separator (default: , or tab).")
        parser.add_argument("--encoding", default="utf-8", help="The file's encoding.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Load, report and roll back; no sequence is touched.",
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
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        input_format = options["input_format"] or _EXTENSIONS.get(path.suffix.lower())
        if input_format is None:
            raise CommandError(
                f"Cannot tell the format of {path} from its extension: "
                f"pass --input-format ({', '.join(FORMATS)})"
            )
        common: dict[str, Any] = {
            "columns": self._mapping(options["map"]),
            "ignore_unknown_columns": options["ignore_unknown_columns"],
            "using": options["database"],
            "on_conflict": options["on_conflict"],
            "conflict_fields": options["conflict_fields"],
            "progress": self._progress(),
            "dry_run": options["dry_run"],
        }
        try:
            report = self._load(model, path, input_format, options, common)
        except SafeImportError as exc:
            raise CommandError(str(exc)) from exc
        if options["report"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
        elif options["verbosity"] > 0:
            self.stdout.write(report.summary())

    def _load(
        self,
        model: type[Model],
        path: Path,
        input_format: str,
        options: dict[str, Any],
        common: dict[str, Any],
    ) -> LoadReport:
        if input_format in ("csv", "tsv"):
            delimiter = options["delimiter"] or ("\t" if input_format == "tsv" else ",")
            return load_csv(
                model, path, delimiter=delimiter, encoding=options["encoding"], **common
            )
        if input_format in ("json", "jsonl"):
            return load_json(model, path, encoding=options["encoding"], **common)
        missing = _missing(*_TABLIB[input_format])
        if missing is not None:
            raise missing
        import tablib

        with path.open("rb") as handle:
            dataset = tablib.Dataset().load(handle, format=input_format)
        return load_dataset(model, dataset, **common)

    def _model(self, label: str) -> type[Model]:
        try:
            return apps.get_model(label)
        except (LookupError, ValueError) as exc:
            raise CommandError(f"Unknown model {label!r}: {exc}") from exc

    def _mapping(self, pairs: list[str]) -> dict[str, str | None] | None:
        mapping: dict[str, str | None] = {}
        for pair in pairs:
            column, sign, field = pair.partition("=")
            if not sign or not column:
                raise CommandError(f"--map takes COLUMN=FIELD, not {pair!r}")
            mapping[column] = field or None
        return mapping or None

    def _progress(self) -> bool:
        """A bar on a terminal, when tqdm is installed."""
        return self.stderr.isatty() and importlib.util.find_spec("tqdm") is not None
