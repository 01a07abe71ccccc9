"""JSON Lines at speed: a file in id order goes straight into the table, as a CSV file
does; one out of order goes through staging; and a bad value deep inside a file of clean
blocks is still named by its line and column, with nothing written. With msgspec (the
``json`` extra) and without."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from safeimport import LoadError, load_json
from tests.conftest import sequence_of
from tests.importapp.models import Book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("json_decoder")]

ROWS = 20_000  # several blocks of lines


def _book(pk: int) -> dict[str, Any]:
    return {
        "id": pk,
        "title": f"title\t{pk}",
        "pages": pk % 500,
        "added": "2024-01-31 10:00:00+02:00",
        "rating": None if pk % 3 else pk / 8,
        "in_print": pk % 2 == 0,
    }


def _write(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "books.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_json_lines_in_id_order_go_straight_into_the_table(tmp_path: Path) -> None:
    report = load_json(Book, _write(tmp_path, [_book(pk) for pk in range(1, ROWS + 1)]))
    assert (report.method, report.copy_format, report.rows_written) == ("copy", "text", ROWS)
    assert Book.objects.get(id=ROWS).title == f"title\t{ROWS}"
    assert Book.objects.get(id=24).rating == 3.0
    assert Book.objects.create(title="next").id > ROWS  # the sequence is past every id


def test_json_lines_out_of_order_go_through_staging(tmp_path: Path) -> None:
    rows = [_book(pk) for pk in range(1, ROWS + 1)]
    random.Random(4).shuffle(rows)
    report = load_json(Book, _write(tmp_path, rows))
    assert (report.method, report.rows_written) == ("staged copy", ROWS)
    assert sequence_of(Book).next_value > ROWS


def test_an_id_in_the_middle_past_the_ends_restarts_through_staging(tmp_path: Path) -> None:
    rows = [_book(pk) for pk in range(1, ROWS + 1)]
    rows[ROWS // 2]["id"] = 10 * ROWS  # the head and the tail are in order
    report = load_json(Book, _write(tmp_path, rows))
    assert (report.method, report.rows_written) == ("staged copy", ROWS)
    assert Book.objects.filter(id=10 * ROWS).exists()
    assert sequence_of(Book).next_value > 10 * ROWS


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("pages", "many", "invalid input syntax for type integer"),
        ("added", "31/01/2024 10:00", "a timestamp that is not ISO 8601"),
        ("title", "nul \u0000", "a NUL character"),
        ("title", {"a": 1}, "a JSON dict for a field that holds neither JSON nor an array"),
        ("id", ROWS * 2, None),  # past the ids reserved: staged, then a duplicate
    ],
)
def test_a_bad_value_deep_in_clean_blocks_names_its_line_and_column(
    tmp_path: Path, column: str, value: object, reason: str | None
) -> None:
    rows = [_book(pk) for pk in range(1, ROWS + 1)]
    line = ROWS - 5000
    rows[line - 1][column] = value
    if column == "id":
        rows[line - 1]["title"] = rows[line]["title"] = "twin"
        rows[line]["id"] = value
        line += 1  # the second of the two ids
    with pytest.raises(LoadError) as info:
        load_json(Book, _write(tmp_path, rows))
    error = info.value
    assert (error.source, error.line, error.column) == (str(tmp_path / "books.jsonl"), line, column)
    if reason is not None:
        assert reason in error.reason
    assert Book.objects.count() == 0
