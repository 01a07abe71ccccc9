"""The options of a load, checked once, before any input is opened.

Every loader takes the same keyword options (:class:`LoadArgs`); they become one frozen
:class:`LoadOptions`, which refuses a misuse at once: a value that is not one of the
choices is a ``ValueError``, a value of the wrong type a ``TypeError``, as psycopg refuses
a misused copy block before it touches anything.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict, get_args

from .._locks import DEFAULT_LOCK_TIMEOUT
from .dates import DateOrder
from .plan import ColumnsArg

__all__ = ["DateOrder", "LoadArgs", "LoadOptions", "Mode", "OnConflict", "OnError", "Progress"]

OnConflict = Literal["error", "skip", "update"]
OnError = Literal["raise", "skip"]
Mode = Literal["append", "replace"]
Progress = bool | Callable[[int, int, int | None], object] | None


class LoadArgs(TypedDict, total=False):
    """The keyword options that every loader takes; see :class:`LoadOptions`."""

    ignore_unknown_columns: bool
    using: str | None
    on_conflict: OnConflict
    conflict_fields: Sequence[str] | None
    progress: Progress
    dry_run: bool
    allow_empty: bool
    on_error: OnError
    reject_file: str | os.PathLike[str] | None
    max_errors: int | None
    mode: Mode
    lock_timeout: float | None
    date_order: DateOrder | None
    validate: bool
    parallel: int


def _choice(name: str, value: object, allowed: object) -> None:
    choices = get_args(allowed)
    if value not in choices:
        listed = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{name} must be one of {listed}, not {value!r}")


def _flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")


@dataclass(frozen=True, kw_only=True)
class LoadOptions:
    """How to load.

    Attributes:
        columns: ``{input column: field name}`` for columns named otherwise (``None``
            drops a column), or, for an input without names, the field names in input
            order. Field names, attnames (``playlist_id``) and column names all work.
        ignore_unknown_columns: Drop input columns that match no field instead of failing.
        using: The database alias (``None``: ``"default"``).
        on_conflict: ``"error"`` (a taken key fails the load), ``"skip"`` (rows whose key
            is taken are left out) or ``"update"`` (they replace the existing row).
        conflict_fields: The unique fields that define "taken" (default: the primary key).
        progress: ``True`` for a bar on standard error, or a callable given
            ``(rows, bytes, total_bytes)`` after each chunk.
        dry_run: Load, report, roll back; no sequence is changed.
        allow_empty: Accept an input with no rows.
        on_error: ``"raise"`` (a bad row fails the load) or ``"skip"`` (bad rows are left
            out, counted in ``rows_rejected`` and written to ``reject_file``).
        reject_file: With "skip": a CSV file (``line,reason,record``) for the bad rows.
        max_errors: With "skip": more rejected rows than this fail the load.
        mode: ``"append"``, or ``"replace"``: the table ends up holding exactly the input's
            rows (rows whose key is in the input are updated in place, the others deleted),
            in one transaction, so readers see the old rows until it commits.
        validate: Read the whole input and report every bad row (``LoadReport.rejects``:
            line, column, value, reason) in one pass; write nothing and leave the sequences
            alone (a dry run with ``on_error="skip"`` and no ``max_errors``).
        lock_timeout: Seconds to wait for a lock on the table before failing (``0``: as
            long as it takes, as PostgreSQL's ``lock_timeout = 0``; ``None``: the server's
            setting).
        date_order: How to read a date written with its day and month as numbers before
            the year (``05/01/2024``): ``"DMY"`` (day first) or ``"MDY"`` (month first).
            ``None``: such a date fails the load; only ISO 8601 is read (see docs/values.md).
        parallel: How many connections COPY the rows at once, made one load by two-phase
            commit (see docs/parallel.md): the server must allow as many prepared
            transactions, and the load must not run inside the caller's transaction. Only
            a plain load takes it (no ``on_conflict``, ``on_error="skip"``, ``mode``,
            ``dry_run`` nor ``validate``). ``1``: one connection, in the caller's
            transaction if there is one.

    Raises:
        ValueError: a value that is not one of the choices, or options that do not go
            together.
        TypeError: a value of the wrong type.
    """

    columns: ColumnsArg = None
    ignore_unknown_columns: bool = False
    using: str | None = None
    on_conflict: OnConflict = "error"
    conflict_fields: Sequence[str] | None = None
    progress: Progress = None
    dry_run: bool = False
    allow_empty: bool = False
    on_error: OnError = "raise"
    reject_file: str | os.PathLike[str] | None = None
    max_errors: int | None = None
    mode: Mode = "append"
    lock_timeout: float | None = DEFAULT_LOCK_TIMEOUT
    date_order: DateOrder | None = None
    validate: bool = False
    parallel: int = 1

    def __post_init__(self) -> None:
        _choice("on_conflict", self.on_conflict, OnConflict)
        if self.date_order is not None:
            _choice("date_order", self.date_order, DateOrder)
        _choice("on_error", self.on_error, OnError)
        _choice("mode", self.mode, Mode)
        for name in ("ignore_unknown_columns", "dry_run", "allow_empty", "validate"):
            _flag(name, getattr(self, name))
        self._check_parallel()  # before validate turns itself into a dry run
        if self.validate:
            if self.max_errors is not None:
                raise ValueError("validate=True reports every bad row; max_errors does not apply")
            object.__setattr__(self, "on_error", "skip")  # frozen: set once, here
            object.__setattr__(self, "dry_run", True)
        if self.mode == "replace" and self.on_conflict != "error":
            raise ValueError(
                "mode='replace' updates the rows whose key is in the input and deletes the "
                "others; on_conflict does not apply to it"
            )
        if self.columns is not None and (
            isinstance(self.columns, str) or not isinstance(self.columns, Mapping | Sequence)
        ):
            raise TypeError(
                "columns must be a mapping {input column: field name} or a list of field "
                f"names, not {self.columns!r}"
            )
        if self.conflict_fields is not None and (
            isinstance(self.conflict_fields, str)
            or not all(isinstance(name, str) for name in self.conflict_fields)
        ):
            raise TypeError(
                f"conflict_fields must be a list of field names, not {self.conflict_fields!r}"
            )
        if self.using is not None and not isinstance(self.using, str):
            raise TypeError(f"using must be a database alias, not {self.using!r}")
        progress = self.progress
        if not (progress is None or isinstance(progress, bool) or callable(progress)):
            raise TypeError(f"progress must be True, False, None or a callable, not {progress!r}")
        self._check_skip_options()
        self._check_lock_timeout()

    def _check_skip_options(self) -> None:
        if self.max_errors is not None and (
            isinstance(self.max_errors, bool) or not isinstance(self.max_errors, int)
        ):
            raise TypeError(f"max_errors must be a number of rows, not {self.max_errors!r}")
        if self.max_errors is not None and self.max_errors < 0:
            raise ValueError(f"max_errors must be 0 or more, not {self.max_errors}")
        if self.reject_file is not None and not isinstance(self.reject_file, str | os.PathLike):
            raise TypeError(f"reject_file must be a path, not {self.reject_file!r}")

    def _check_parallel(self) -> None:
        count = self.parallel
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"parallel must be a number of connections, not {count!r}")
        if count < 1:
            raise ValueError(f"parallel must be 1 or more connections, not {count}")
        if count == 1:
            return
        chosen = {
            "on_conflict": (self.on_conflict, "error"),
            "on_error": (self.on_error, "raise"),
            "mode": (self.mode, "append"),
            "dry_run": (self.dry_run, False),
            "validate": (self.validate, False),
        }
        for name, (value, plain) in chosen.items():
            if value != plain:
                raise ValueError(
                    f"parallel={count} copies straight into the table and commits once, "
                    f"so it takes no {name}={value!r}; load with parallel=1 for that"
                )

    def _check_lock_timeout(self) -> None:
        seconds = self.lock_timeout
        if seconds is None:
            return
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError(f"lock_timeout must be seconds or None, not {seconds!r}")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"lock_timeout must be 0 or more seconds, or None, not {seconds}")

    @property
    def direct(self) -> bool:
        """Whether the rows may go straight into the table (nothing to merge or replace,
        and not a dry run, which never writes into the table): COPY at full speed, when
        the input's ids can be reserved first."""
        plain = (self.on_conflict, self.mode) == ("error", "append") and not self.dry_run
        # skip mode too, its key the table's own: a row that COPY meets and the table
        # refuses starts the load again through staging, which finds it
        return plain and (self.on_error == "raise" or self.conflict_fields is None)

    @property
    def merge(self) -> OnConflict:
        """What the move from staging does with a taken key (replace updates it)."""
        return "update" if self.mode == "replace" else self.on_conflict
