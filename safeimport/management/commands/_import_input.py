"""The input of ``manage.py safe_import``: the file's format, and the loader that reads it.

The format is told by the file's extension unless given (a ``.gz``, ``.bz2`` or ``.xz``
file by the extension before, decompressed as it is read); standard input, named ``-``, is
CSV unless given. CSV, TSV, JSON and JSON Lines are streamed by :func:`~safeimport.load_csv`
and :func:`~safeimport.load_json`; spreadsheets and YAML go through tablib.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

from django.core.management.base import CommandError
from django.db.models import Model

from ... import _extras as extras
from ..._load.inputs.raw import open_path
from ...loaders import LoadReport, load_csv, load_dataset, load_json

__all__ = ["FORMATS", "STDIN", "input_format", "load_input", "missing_extra"]

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
"""The formats that ``--input-format`` takes."""
STDIN = "-"
"""The FILE that means standard input, as for loaddata."""
# Extensions of compressed files, read through (the format is told by the one before).
_COMPRESSED = (".gz", ".bz2", ".xz")


def missing_extra(extra: str, module: str) -> CommandError | None:
    """The error that says to install the ``extra`` of the distribution, when tablib or
    ``module`` (which reads a format through it) is not installed; else ``None``."""
    missing = extras.missing_extra(extra, module)
    return CommandError(missing) if missing is not None else None


def input_format(file: str, given: str | None) -> str:
    """The format of ``file`` (``given``, or told by its extension); checks that the file
    exists.

    Raises:
        CommandError: no such file, a format that standard input cannot carry, or an
            extension that tells no format.
    """
    if file == STDIN:
        if given in _TABLIB:
            raise CommandError(
                f"Standard input is read as text: csv, tsv, json or jsonl, not {given}; "
                "give the file's path instead of -"
            )
        return given or "csv"
    path = Path(file)
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes.pop()  # rows.csv.gz is CSV, decompressed as it is read
    told = given or _EXTENSIONS.get(suffixes[-1] if suffixes else "")
    if told is None:
        raise CommandError(
            f"Cannot tell the format of {path} from its extension: "
            f"pass --input-format ({', '.join(FORMATS)})"
        )
    return told


def load_input(
    model: type[Model],
    file: str,
    file_format: str,
    options: dict[str, Any],
    arguments: dict[str, Any],
) -> LoadReport:
    """Load ``file``, of ``file_format``, into ``model`` with the loader for its format.

    Args:
        model: The model to load.
        file: The file's path, or :data:`STDIN`.
        file_format: One of :data:`FORMATS`.
        options: The command's options (those of CSV files are read here).
        arguments: The keyword arguments of every loader.
    """
    # Standard input is looked up when read, as loaddata does, so that it can be replaced.
    source: Path | IO[str] = sys.stdin if file == STDIN else Path(file)
    if file_format in ("csv", "tsv"):
        delimiter = options["delimiter"] or ("\t" if file_format == "tsv" else None)
        if not options["header"]:
            arguments = {**arguments, "columns": options["columns"]}
        return load_csv(
            model,
            source,
            delimiter=delimiter,
            encoding=options["encoding"],
            header=options["header"],
            null="" if options["null"] is None else options["null"],
            **arguments,
        )
    if file_format in ("json", "jsonl"):
        return load_json(model, source, encoding=options["encoding"], **arguments)
    missing = missing_extra(*_TABLIB[file_format])
    if missing is not None:
        raise missing
    import tablib

    with open_path(file) as handle:
        dataset = tablib.Dataset().load(handle, format=file_format)
    return load_dataset(model, dataset, **arguments)
