"""A ``LoadError`` says where and what: the source, line and column it knows, the reason,
and the value, shortened when it is long."""

from __future__ import annotations

import pytest

from safeimport import LoadError, SafeImportError


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            {"source": "data.csv", "line": 3, "column": "id", "value": "x"},
            "data.csv, line 3, column 'id': not an integer (value 'x')",
        ),
        ({"source": "data.csv", "line": 3}, "data.csv, line 3: not an integer"),
        ({"line": 3, "column": "id"}, "line 3, column 'id': not an integer"),
        ({"source": "<DataFrame>", "value": 2.5}, "<DataFrame>: not an integer (value 2.5)"),
        ({}, "not an integer"),
    ],
)
def test_the_message_names_what_is_known(where: dict[str, object], message: str) -> None:
    error = LoadError("not an integer", **where)  # type: ignore[arg-type]
    assert str(error) == message
    assert error.reason == "not an integer"
    assert (error.source, error.line, error.column, error.value) == tuple(
        where.get(name) for name in ("source", "line", "column", "value")
    )


def test_a_long_value_is_shortened_to_80_characters() -> None:
    error = LoadError("value too long", value="n" * 200)
    shown = str(error).removeprefix("value too long (value ").removesuffix(")")
    assert shown == "'" + "n" * 76 + "..."
    assert len(shown) == 80
    assert error.value == "n" * 200  # the attribute keeps all of it


def test_a_load_error_is_a_safeimport_error() -> None:
    assert isinstance(LoadError("x"), SafeImportError)
