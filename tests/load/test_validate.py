"""Validate mode: the whole file read, every bad row reported in one pass (line, column,
value, reason), nothing written, no sequence moved."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from safeimport import LoadError, load_csv
from tests.conftest import sequence_of
from tests.importapp.models import Author, Book, Category

# Five bad rows of five kinds among good ones.
ROWS = (
    "id,title,author_id,pages,published\n"
    "1,good,1,100,2024-01-31\n"  # line 2
    "x,not an id,1,100,2024-01-31\n"  # line 3: an id that is not an integer
    "3,too many,1,100,2024-01-31,extra\n"  # line 4: a value too many
    "4,bad number,1,many,2024-01-31\n"  # line 5: pages is no integer
    "5,bad date,1,100,2024-02-31\n"  # line 6: no such day
    "6,no author,99,100,2024-01-31\n"  # line 7: a foreign key that matches nothing
    "7,good too,1,200,2024-03-01\n"  # line 8
)


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "books.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_validate_reports_every_bad_row_and_writes_nothing(bad_file: Path) -> None:
    Author.objects.create(id=1, name="Ann")
    before = sequence_of(Book)
    report = load_csv(Book, bad_file, validate=True)
    found = [(row.line, row.column, row.value) for row in report.rejects]
    assert found == [
        (3, "id", "x"),
        (4, None, None),
        (5, "pages", "many"),
        (6, "published", "2024-02-31"),
        (7, "author_id", "99"),
    ]
    reasons = [row.reason for row in report.rejects]
    assert "not an integer" in reasons[0]
    assert "6 values where the header has 5 columns" in reasons[1]
    assert "integer" in reasons[2]
    assert "out of range" in reasons[3]
    assert "matches no row of importapp.Author" in reasons[4]
    assert (report.rows_read, report.rows_written, report.rows_rejected) == (7, 2, 5)
    assert report.validate
    assert report.dry_run
    assert not Book.objects.exists()
    after = sequence_of(Book)
    assert (after.last_value, after.is_called) == (before.last_value, before.is_called)
    assert report.summary().startswith("Validated 7 row(s) for importapp.Book: 5 bad;")


@pytest.mark.django_db
def test_validate_refuses_max_errors(bad_file: Path) -> None:
    with pytest.raises(ValueError, match="every bad row"):
        load_csv(Book, bad_file, validate=True, max_errors=2)


@pytest.mark.django_db
def test_safe_import_validate_lists_the_rows_and_exits_1(bad_file: Path) -> None:
    Author.objects.create(id=1, name="Ann")
    out = StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("safe_import", "importapp.Book", str(bad_file), "--validate", stdout=out)
    assert exit_status.value.code == 1
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("line 3, column 'id': ")
    assert lines[0].endswith("(value 'x')")
    assert lines[1].startswith("line 4: 6 values where the header has 5 columns")
    assert lines[2].startswith("line 5, column 'pages': ")
    assert lines[3].startswith("line 6, column 'published': ")
    assert lines[4].startswith("line 7, column 'author_id': ")
    assert lines[5].startswith("Validated 7 row(s) for importapp.Book: 5 bad;")
    assert not Book.objects.exists()


@pytest.mark.django_db
def test_a_clean_file_validates_with_status_0_and_json(tmp_path: Path) -> None:
    Author.objects.create(id=1, name="Ann")
    path = tmp_path / "books.csv"
    path.write_text("id,title,author_id\n1,a,1\n2,b,1\n", encoding="utf-8")
    out = StringIO()
    call_command(
        "safe_import", "importapp.Book", str(path), "--validate", "--report", "json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert (data["validate"], data["rows_rejected"], data["rejects"]) == (True, 0, [])
    assert not Book.objects.exists()


def _reject_file_rows(path: Path) -> list[tuple[int, str]]:
    with path.open(encoding="utf-8", newline="") as rejected:
        return [(int(row["line"]), row["reason"]) for row in csv.DictReader(rejected)]


@pytest.mark.django_db
def test_a_failed_check_names_the_table_column_and_value_as_a_real_load_does(
    tmp_path: Path,
) -> None:
    """A dry run moves its rows into a temporary copy of the table: the reason of a row
    that fails a CHECK (``rank >= 0``) must name the model's table, not that copy, and
    read as the real load's reason for the same row."""
    path = tmp_path / "categories.csv"
    path.write_text("id,name,rank\n1,a,0\n2,b,-1\n3,c,4\n", encoding="utf-8")
    validated = load_csv(Category, path, validate=True)
    found = [(row.line, row.column, row.value) for row in validated.rejects]
    assert found == [(3, "rank", "-1")]
    reason = validated.rejects[0].reason
    assert "safeimport_shadow" not in reason
    assert 'new row for relation "importapp_category" violates check constraint' in reason
    dry, real = tmp_path / "dry.csv", tmp_path / "real.csv"
    load_csv(Category, path, on_error="skip", dry_run=True, reject_file=dry)
    assert not Category.objects.exists()
    load_csv(Category, path, on_error="skip", reject_file=real)
    assert _reject_file_rows(dry) == _reject_file_rows(real) == [(3, reason)]
    assert sorted(Category.objects.values_list("id", flat=True)) == [1, 3]


@pytest.mark.django_db
def test_a_dry_run_that_fails_a_check_names_the_table(tmp_path: Path) -> None:
    path = tmp_path / "categories.csv"
    path.write_text("id,name,rank\n1,a,0\n2,b,-1\n", encoding="utf-8")
    with pytest.raises(LoadError) as refused:
        load_csv(Category, path, dry_run=True)
    error = refused.value
    assert (error.line, error.column, error.value) == (3, "rank", "-1")
    assert 'relation "importapp_category" violates check constraint' in str(error)
    assert "safeimport_shadow" not in str(error)
    assert not Category.objects.exists()
