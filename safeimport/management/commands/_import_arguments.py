"""The argument types of ``manage.py safe_import``, and the checks of options that go
together, made before the file is opened."""

from __future__ import annotations

import math
from argparse import ArgumentTypeError
from typing import Any

from django.core.management.base import CommandError

__all__ = ["check_parallel", "column_names", "connection_count", "lock_timeout", "max_errors"]


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
