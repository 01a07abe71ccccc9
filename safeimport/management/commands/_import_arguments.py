"""The argument types of ``manage.py safe_import``, the checks of options that go
together, made before the file is opened, and the loader's keyword arguments that the
options make."""

from __future__ import annotations

import math
from argparse import ArgumentTypeError
from typing import Any

from django.core.management.base import CommandError

__all__ = [
    "check_csv_options",
    "check_parallel",
    "check_skip_options",
    "column_names",
    "connection_count",
    "loader_arguments",
    "lock_timeout",
    "max_errors",
]


def lock_timeout(text: str) -> float | None:
    """Seconds as a number (``0``: wait as long as it takes); ``none`` keeps the server's
    ``lock_timeout``."""
    if text.lower() == "none":
        return None
    try:
        seconds = float(text)
    except ValueError:
        raise ArgumentTypeError(f"seconds or 'none', not {text!r}") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ArgumentTypeError(f"seconds must be 0 or more, not {text!r}")
    return seconds


def column_names(text: str) -> list[str]:
    """Comma-separated field names, none empty."""
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise ArgumentTypeError(f"field names separated by commas, not {text!r}")
    return names


def _count(text: str, things: str, least: int) -> int:
    try:
        count = int(text)
    except ValueError:
        raise ArgumentTypeError(f"a number of {things}, not {text!r}") from None
    if count < least:
        raise ArgumentTypeError(f"a number of {things}, {least} or more, not {text!r}")
    return count


def max_errors(text: str) -> int:
    """A count of rows, 0 or more."""
    return _count(text, "rows", 0)


def connection_count(text: str) -> int:
    """A number of connections, 1 or more (``--parallel``)."""
    return _count(text, "connections", 1)


def check_parallel(options: dict[str, Any]) -> None:
    """Refuse ``--parallel N`` (N > 1) with an option that is not a plain load.

    Raises:
        CommandError: naming the option, as it is given on the command line.
    """
    count = options["parallel"]
    if count == 1:
        return
    given = {
        "--on-conflict " + options["on_conflict"]: options["on_conflict"] != "error",
        "--on-error skip": options["on_error"] == "skip",
        "--mode replace": options["mode"] == "replace",
        "--dry-run": options["dry_run"],
        "--validate": options["validate"],
    }
    for flag, is_given in given.items():
        if is_given:
            raise CommandError(
                f"--parallel {count} copies straight into the table and commits once: it "
                f"does not go with {flag}; leave out --parallel for that"
            )


def check_skip_options(options: dict[str, Any]) -> None:
    """Refuse ``--reject-file`` and ``--max-errors`` without ``--on-error skip`` (or
    ``--validate``).

    Raises:
        CommandError: naming the option, as it is given on the command line.
    """
    if options["on_error"] == "skip" or options["validate"]:
        return
    for option in ("reject_file", "max_errors"):
        if options[option] is not None:
            flag = "--" + option.replace("_", "-")
            raise CommandError(f"{flag} needs --on-error skip")


def check_csv_options(input_format: str, options: dict[str, Any]) -> None:
    """--null, --no-header and --columns: CSV and TSV only, and --columns with
    --no-header alone.

    Raises:
        CommandError: naming the option that does not go with the others or the format.
    """
    if input_format not in ("csv", "tsv"):
        given = {
            "--null": options["null"] is not None,
            "--no-header": not options["header"],
            "--columns": options["columns"] is not None,
        }
        flags = [flag for flag, is_given in given.items() if is_given]
        if flags:
            raise CommandError(f"{flags[0]} is for CSV and TSV files, not {input_format}")
        return
    if options["header"]:
        if options["columns"] is not None:
            raise CommandError(
                "--columns names the columns of a file without a header line "
                "(--no-header); for a file with one, use --map COLUMN=FIELD"
            )
        return
    if options["columns"] is None:
        raise CommandError("--no-header needs --columns to name the file's columns")
    if options["map"]:
        raise CommandError(
            "--map renames the columns of a header line; with --no-header, --columns names them"
        )


def loader_arguments(options: dict[str, Any], *, progress: bool) -> dict[str, Any]:
    """The keyword arguments of every loader, from the command's ``options``
    (``progress``: draw a bar).

    Raises:
        CommandError: a ``--map`` that is not COLUMN=FIELD.
    """
    return {
        "columns": _mapping(options["map"]),
        "ignore_unknown_columns": options["ignore_unknown_columns"],
        "using": options["database"],
        "on_conflict": options["on_conflict"],
        "conflict_fields": options["conflict_fields"],
        "progress": progress,
        "dry_run": options["dry_run"],
        "validate": options["validate"],
        "on_error": options["on_error"],
        "reject_file": options["reject_file"],
        "max_errors": options["max_errors"],
        "mode": options["mode"],
        "lock_timeout": options["lock_timeout"],
        "date_order": options["date_order"],
        "parallel": options["parallel"],
    }


def _mapping(pairs: list[str]) -> dict[str, str | None] | None:
    """The ``--map COLUMN=FIELD`` pairs as a mapping (``COLUMN=``: dropped, ``None``)."""
    mapping: dict[str, str | None] = {}
    for pair in pairs:
        column, sign, field = pair.partition("=")
        if not sign or not column:
            raise CommandError(f"--map takes COLUMN=FIELD, not {pair!r}")
        mapping[column] = field or None
    return mapping or None
