"""parallel=N is checked with the other options, before any input is opened."""

from __future__ import annotations

from typing import Any

import pytest

from safeimport import load_csv
from safeimport._load.options import LoadOptions
from tests.testapp.models import Plain


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("on_conflict", "skip"),
        ("on_conflict", "update"),
        ("on_error", "skip"),
        ("mode", "replace"),
        ("dry_run", True),
        ("validate", True),
    ],
)
def test_a_mode_that_is_not_a_plain_load_is_refused(option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=r"^parallel=2 copies") as caught:
        load_csv(Plain, "/no/such/file.csv", parallel=2, **{option: value})
    assert str(caught.value) == (
        f"parallel=2 copies straight into the table and commits once, so it takes no "
        f"{option}={value!r}; load with parallel=1 for that"
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, ValueError), (-2, ValueError), (True, TypeError), ("2", TypeError), (2.0, TypeError)],
)
def test_a_number_of_connections_is_needed(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"^parallel must be "):
        LoadOptions(parallel=value)


def test_one_connection_takes_every_mode() -> None:
    assert LoadOptions(parallel=1, on_conflict="skip", validate=True).parallel == 1
