"""Where a COPY failed, read from PostgreSQL's error context: the record, the column and
the value. The contexts are PostgreSQL's own text, as the driver gives it in
``diag.context`` (taken from real COPY errors of these tables)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from safeimport._load.transport import CopyPosition, copy_position


class DriverError(Exception):
    """An exception as the driver raises it: its diagnostics hold the server's context."""

    def __init__(self, context: str | None) -> None:
        super().__init__("COPY failed")
        self.diag = SimpleNamespace(context=context)


@pytest.mark.parametrize(
    ("context", "position"),
    [
        ('COPY testapp_plain, line 3, column id: "x"', CopyPosition(3, "id", "x")),
        ('COPY testapp_plain, line 2: "2,b,c"', CopyPosition(2, None, "2,b,c")),
        ("COPY testapp_plain, line 2", CopyPosition(2, None, None)),
        (
            'COPY load"; drop table x; --, line 2, column Mixed "Case" Amount: "many"',
            CopyPosition(2, 'Mixed "Case" Amount', "many"),
        ),
        (
            'JSON data, line 1: {bad\nCOPY importapp_book, line 2, column meta: "{bad"',
            CopyPosition(2, "meta", "{bad"),
        ),
    ],
    ids=["type error", "extra data", "unique violation", "hostile names", "nested context"],
)
def test_the_position_is_read_from_the_context(context: str, position: CopyPosition) -> None:
    assert copy_position(DriverError(context)) == position


def test_the_position_is_found_through_the_cause() -> None:
    """Django wraps the driver's exception; the context is on its cause."""
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = DriverError('COPY testapp_plain, line 7, column name: "n"')
    assert copy_position(wrapped) == CopyPosition(7, "name", "n")


@pytest.mark.parametrize(
    "error",
    [
        DriverError(None),
        DriverError(""),
        DriverError('SQL statement "INSERT INTO t SELECT 1"'),
        ValueError("no diagnostics at all"),
    ],
    ids=["no context", "empty context", "not a COPY", "not a driver error"],
)
def test_an_error_that_names_no_copy_position_gives_none(error: BaseException) -> None:
    assert copy_position(error) is None
